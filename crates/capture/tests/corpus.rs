// SPDX-License-Identifier: Apache-2.0
//! Every capture of the shared corpus, against tshark's packet counts in
//! INDEX.tsv (and, where tshark is installed, its per-frame fields).

mod common;

use std::process::Command;

use common::{corpus_dir, drain, index_rows};
use plantguard_capture::{CaptureError, CaptureFormat, CaptureReader};

#[test]
fn every_corpus_capture_yields_tsharks_packet_count() {
    let Some(dir) = corpus_dir() else { return };
    let rows = index_rows(&dir);
    assert!(rows.len() > 1000, "INDEX.tsv has only {} rows", rows.len());
    let mut failures = Vec::new();
    let (mut files, mut packets, mut truncated) = (0, 0, 0);
    for row in &rows {
        let reader = match CaptureReader::open(&row.path) {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{}: open: {e}", row.rel));
                continue;
            }
        };
        let gz = reader.format().is_gzip();
        if gz != row.rel.ends_with(".gz") {
            failures.push(format!("{}: gzip detected = {gz}", row.rel));
        }
        let (pkts, err) = drain(reader);
        files += 1;
        packets += pkts.len();
        let n = pkts.len() as u64;
        if row.status == "ok" || row.status == "empty" {
            if n != row.packets || err.is_some() {
                failures.push(format!(
                    "{}: {n} packets (tshark {}), error {err:?}",
                    row.rel, row.packets
                ));
            }
        } else if row.status.starts_with("tshark-error") {
            truncated += 1;
            match err {
                Some(CaptureError::Truncated { offset, needed }) if n == row.packets => {
                    let last_end = pkts.last().map_or(0, |p| p.end);
                    assert_eq!(
                        offset, last_end,
                        "{}: truncated record starts where the last packet ends",
                        row.rel
                    );
                    assert!(
                        offset < row.bytes && needed > 0,
                        "{}: offset {offset} needed {needed}",
                        row.rel
                    );
                }
                other => failures.push(format!(
                    "{}: {n} packets (tshark {}), then {other:?}",
                    row.rel, row.packets
                )),
            }
        } else {
            failures.push(format!("{}: unknown status {}", row.rel, row.status));
        }
        for (i, p) in pkts.iter().enumerate() {
            if p.frame != i as u64 + 1 {
                failures.push(format!("{}: frame {} at index {i}", row.rel, p.frame));
                break;
            }
        }
        if !gz && pkts.last().is_some_and(|p| p.end > row.bytes) {
            failures.push(format!("{}: read beyond the file size", row.rel));
        }
    }
    eprintln!("{files} files, {packets} packets, {truncated} truncated files");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(truncated, 2);
}

fn tshark_available() -> bool {
    if Command::new("tshark")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        return true;
    }
    assert!(
        std::env::var("PLANTGUARD_ALLOW_NO_TSHARK").as_deref() == Ok("1"),
        "tshark not found: install it (Debian package tshark) or set PLANTGUARD_ALLOW_NO_TSHARK=1"
    );
    eprintln!("tshark not found: skipped");
    false
}

/// `frame.time_epoch` printed with nine decimals, to nanoseconds.
fn epoch_nanos(s: &str) -> i64 {
    let (secs, frac) = s.split_once('.').unwrap_or((s, "0"));
    let neg = secs.starts_with('-');
    let secs: i64 = secs.trim_start_matches('-').parse().expect("secs");
    let frac: i64 = format!("{frac:0<9}")[..9].parse().expect("frac");
    let v = secs * 1_000_000_000 + frac;
    if neg {
        -v
    } else {
        v
    }
}

/// For every pcapng, nanosecond and gzip capture (the formats with the most
/// conversions), each frame's timestamp, lengths and interface equal
/// tshark's.
#[test]
fn pcapng_nanosecond_and_gzip_frames_match_tshark_fields() {
    let Some(dir) = corpus_dir() else { return };
    if !tshark_available() {
        return;
    }
    let mut checked = 0;
    let mut failures = Vec::new();
    for row in index_rows(&dir)
        .iter()
        .filter(|r| r.status == "ok" && r.packets > 0)
    {
        let reader = CaptureReader::open(&row.path).expect("open");
        let interesting = match reader.format() {
            CaptureFormat::Pcap { nanos, gzip, .. } => nanos || gzip,
            _ => true,
        };
        if !interesting {
            continue;
        }
        let (pkts, err) = drain(reader);
        assert!(err.is_none(), "{}: {err:?}", row.rel);
        let out = Command::new("tshark")
            .args(["-n", "-r"])
            .arg(&row.path)
            .args([
                "-T",
                "fields",
                "-e",
                "frame.number",
                "-e",
                "frame.time_epoch",
                "-e",
                "frame.len",
            ])
            .args(["-e", "frame.cap_len", "-e", "frame.interface_id"])
            .output()
            .expect("run tshark");
        let text = String::from_utf8_lossy(&out.stdout);
        let lines: Vec<&str> = text.lines().collect();
        if lines.len() != pkts.len() {
            failures.push(format!(
                "{}: tshark printed {} lines, we read {}",
                row.rel,
                lines.len(),
                pkts.len()
            ));
            continue;
        }
        for (line, p) in lines.iter().zip(&pkts) {
            let f: Vec<&str> = line.split('\t').collect();
            let ours = (
                p.frame,
                p.ts_nanos,
                u64::from(p.orig_len),
                p.data.len() as u64,
                u64::from(p.interface),
            );
            let theirs = (
                f[0].parse::<u64>().expect("number"),
                epoch_nanos(f[1]),
                f[2].parse::<u64>().expect("len"),
                f[3].parse::<u64>().expect("cap_len"),
                f.get(4)
                    .filter(|s| !s.is_empty())
                    .map_or(0, |s| s.parse::<u64>().expect("iface")),
            );
            if ours != theirs {
                failures.push(format!("{}: ours {ours:?} tshark {theirs:?}", row.rel));
                break;
            }
        }
        checked += 1;
    }
    eprintln!("{checked} captures compared field by field with tshark");
    assert!(checked >= 60, "only {checked} captures compared");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
