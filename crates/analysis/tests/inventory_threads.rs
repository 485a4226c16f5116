// SPDX-License-Identifier: Apache-2.0
//! The inventory is the same whatever the number of threads its assets are
//! built on: a generated plant of 600 hosts (enough groups for four runs of
//! assets) gives byte-identical `assets.json` for one, two and four threads.

use plantguard_analysis::inventory::build_inventory_threads;
use plantguard_analysis::{analyse_hardening, KnowledgeBase};

mod common;

#[test]
fn inventory_is_identical_for_one_two_and_four_threads() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("plant.pcap");
    let mut cfg = plantguard_capgen::Config::new(60_000, 3_000, 600, 7);
    cfg.mix = plantguard_capgen::Mix::Mixed;
    let file = std::fs::File::create(&path).expect("create capture");
    plantguard_capgen::write_pcap(&cfg, std::io::BufWriter::new(file)).expect("write capture");
    let a = &common::assess(&path, "plant.pcap");
    let hardening = analyse_hardening(a, KnowledgeBase::embedded());
    let json = |threads| {
        let inv = build_inventory_threads(a, Some(&hardening), None, threads);
        assert!(inv.assets.len() >= 256, "{} assets", inv.assets.len());
        serde_json::to_string(&inv).expect("serialise inventory")
    };
    let one = json(1);
    assert_eq!(one, json(2), "two threads");
    assert_eq!(one, json(4), "four threads");
}
