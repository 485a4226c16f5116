// SPDX-License-Identifier: Apache-2.0
//! A full flow table drops the flows that do not fit, counts every frame
//! it turned away, and still counts every frame read.

use std::path::{Path, PathBuf};

use plantguard_engine::{run, Assessment, Config};

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../demo/plant.pcapng")
}

fn assess(max_flows_per_worker: usize) -> Assessment {
    let path = demo();
    run(
        std::slice::from_ref(&path),
        &[path.display().to_string()],
        &Config {
            threads: 1,
            max_flows_per_worker,
            ..Config::default()
        },
        &|_| {},
    )
    .assessment
}

#[test]
fn a_full_flow_table_turns_flows_away_and_says_how_many_frames() {
    let whole = assess(Config::default().max_flows_per_worker);
    assert!(!whole.anomalies.contains_key("engine.flow_table_full"));
    assert!(whole.totals.flows > 20, "{} flows", whole.totals.flows);

    let capped = assess(8);
    let turned_away = capped
        .anomalies
        .get("engine.flow_table_full")
        .copied()
        .unwrap_or(0);
    assert!(turned_away > 0, "no frame turned away");
    assert!(
        capped.totals.flows < whole.totals.flows,
        "{} flows with the cap, {} without",
        capped.totals.flows,
        whole.totals.flows
    );
    // Every frame is still read and counted, and every IP frame is either
    // in a flow or counted as turned away.
    assert_eq!(capped.totals.packets, whole.totals.packets);
    let in_flows = |a: &Assessment| a.protocols.iter().map(|p| p.packets).sum::<u64>();
    assert_eq!(in_flows(&capped) + turned_away, in_flows(&whole));
}
