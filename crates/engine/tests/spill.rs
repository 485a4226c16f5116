// SPDX-License-Identifier: Apache-2.0
//! Log lines spilled to disk as sorted runs (bounded memory on long
//! captures) come out byte for byte as the lines kept in memory, whatever
//! the spill threshold and the number of threads.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use plantguard_engine::{run, Config, Output};

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../demo/plant.pcapng")
}

fn assess(threads: usize, spill_dir: Option<&Path>, spill_bytes: usize) -> Output {
    let config = Config {
        threads,
        logs: true,
        spill_dir: spill_dir.map(Path::to_path_buf),
        spill_bytes,
        ..Config::default()
    };
    let path = demo();
    run(
        std::slice::from_ref(&path),
        &[path.display().to_string()],
        &config,
        &|_| {},
    )
}

/// Every `*.log` file of `dir`, by name.
fn read_logs(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "log"))
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

/// The in-memory logs as the files they would be written to.
fn as_files(o: &Output) -> BTreeMap<String, String> {
    o.logs
        .iter()
        .map(|(name, lines)| {
            let mut text = String::new();
            for l in lines {
                text.push_str(l);
                text.push('\n');
            }
            (name.clone(), text)
        })
        .collect()
}

#[test]
fn spilled_logs_equal_the_lines_kept_in_memory() {
    let memory = assess(1, None, usize::MAX);
    assert!(memory.spilled.is_none());
    let expected = as_files(&memory);
    let lines: usize = memory.logs.values().map(Vec::len).sum();
    assert!(lines > 1_000, "the demo should log plenty: {lines} lines");
    let bytes: usize = expected.values().map(String::len).sum();
    assert!(
        bytes / 2_048 > 2 * 64,
        "at 2 KiB a run, more runs than a worker keeps: {bytes} bytes"
    );

    // Small thresholds spill many runs (and, at 2 KiB, more than a worker
    // keeps before merging them into one); threads change which worker
    // holds which lines.
    for (threads, bytes) in [(1, 2_048), (1, 200_000), (2, 4_096), (4, 50_000)] {
        let tmp = tempfile::tempdir().unwrap();
        let runs = tmp.path().join("runs");
        std::fs::create_dir(&runs).unwrap();
        let out = assess(threads, Some(&runs), bytes);
        assert!(
            out.logs.is_empty(),
            "lines were spilled, none left in the map"
        );
        let spilled = out.spilled.expect("runs were written");
        assert!(spilled.runs() >= 1);
        let written = tmp.path().join("logs");
        spilled.write_to(&written).unwrap();
        let got = read_logs(&written);
        assert_eq!(
            got.keys().collect::<Vec<_>>(),
            expected.keys().collect::<Vec<_>>(),
            "{threads} threads, {bytes} bytes: same log files"
        );
        for (name, text) in &expected {
            assert!(
                got[name] == *text,
                "{threads} threads, {bytes} bytes: {name}.log differs"
            );
        }
        spilled.remove();
        assert_eq!(
            std::fs::read_dir(&runs).unwrap().count(),
            0,
            "run files are removed"
        );
        // The assessment does not depend on spilling either.
        assert_eq!(
            serde_json::to_string(&out.assessment).unwrap(),
            serde_json::to_string(&memory.assessment).unwrap()
        );
    }
}

#[test]
fn without_a_spill_directory_lines_stay_in_memory() {
    let out = assess(1, None, 1);
    assert!(out.spilled.is_none());
    assert!(!out.logs.is_empty());
}

#[test]
fn an_unwritable_spill_directory_keeps_every_line_and_says_so() {
    let memory = assess(1, None, usize::MAX);
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("does-not-exist");
    let out = assess(1, Some(&missing), 1_000);
    assert!(out.spilled.is_none(), "nothing could be spilled");
    assert_eq!(as_files(&out), as_files(&memory), "no line lost");
    let anomalies = serde_json::to_value(&out.assessment).unwrap();
    assert!(
        anomalies.to_string().contains("engine.log_spill_failed"),
        "the failure is reported"
    );
}
