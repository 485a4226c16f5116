// SPDX-License-Identifier: Apache-2.0
//! tshark agreement: every BACnet/IP capture of the shared corpus is fed,
//! datagram by datagram (UDP, one `feed` per datagram), through
//! [`BacnetSession`], and what the session decoded for each frame is
//! compared with tshark's `bvlc.function`, `bacnet.control`, `bacapp.type`,
//! `bacapp.confirmed_service` / `bacapp.unconfirmed_service`, and (for
//! Read/WriteProperty(Multiple) requests, ReadProperty-ACKs, I-Am, I-Have
//! and Who-Has) the object type and property identifier. Every remaining
//! disagreement must be listed in [`EXPLAINED`].
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::HashMap;
use std::process::Command;

use plantguard_protocols::api::{Direction, Session};
use plantguard_protocols::bacnet::BacnetSession;
mod common;
use common::{corpus_dir, hex, tshark_available, Duplicates, NullSink};

/// Captures whose ICS protocols mention BACnet.
fn corpus_files() -> Vec<String> {
    // A capture marked as a duplicate is kept when its original is not indexed.
    let mut files = common::corpus_files(
        |r| r.ics_protocols.contains("BACnet"),
        Duplicates::KeepWhenOriginalNotSelected,
    );
    files.dedup();
    files
}

/// Disagreements understood and accepted: (capture path suffix, frame, why).
const EXPLAINED: &[(&str, u32, &str)] = &[(
    "bacnet_segmented_data.pcap",
    15,
    "first segment of a segmented ReadProperty-ACK: tshark decodes the parameters only in the \
     reassembled last segment (frame 18), PlantGuard decodes them from the first segment \
     (device,254 object-list, the same values tshark shows in frame 18)",
)];

fn num(x: &str) -> u64 {
    match x.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16).unwrap(),
        None => x.parse().unwrap(),
    }
}

fn list(s: &str) -> Vec<u64> {
    s.split('|').filter(|x| !x.is_empty()).map(num).collect()
}

const FIELDS: &[&str] = &[
    "frame.number",
    "udp.stream",
    "udp.srcport",
    "udp.payload",
    "bvlc.function",
    "bacnet.control",
    "bacapp.type",
    "bacapp.confirmed_service",
    "bacapp.unconfirmed_service",
    "bacapp.objectType",
    "bacapp.property_identifier",
];

#[test]
fn bacnet_agrees_with_tshark() {
    if !tshark_available() {
        return;
    }
    let files = corpus_files();
    assert!(!files.is_empty(), "no BACnet captures in the corpus index");
    let (mut compared, mut explained, mut disagreements) = (0usize, 0usize, Vec::new());
    let mut checks: HashMap<&str, usize> = HashMap::new();
    for file in &files {
        let mut cmd = Command::new("tshark");
        cmd.arg("-r").arg(corpus_dir().join(file)).args([
            "-Y",
            "udp && bvlc",
            "-T",
            "fields",
            "-E",
            "separator=/t",
            "-E",
            "occurrence=a",
            "-E",
            "aggregator=|",
        ]);
        for f in FIELDS {
            cmd.args(["-e", f]);
        }
        let out = cmd.output().expect("run tshark");
        let text = String::from_utf8_lossy(&out.stdout);
        let mut flows: HashMap<u64, (BacnetSession, String)> = HashMap::new();
        for line in text.lines() {
            let c: Vec<&str> = line.split('\t').collect();
            if c.len() < FIELDS.len() {
                continue;
            }
            let frame: u32 = c[0].parse().unwrap();
            let stream: u64 = c[1].parse().unwrap();
            let (session, first_src) = flows
                .entry(stream)
                .or_insert_with(|| (BacnetSession::with_summaries(), c[2].to_string()));
            let dir = if c[2] == first_src.as_str() {
                Direction::ToServer
            } else {
                Direction::ToClient
            };
            let _ = session.feed(dir, &hex(c[3]), &mut NullSink);
            let mine = session.last_frame();
            let mut problems = Vec::new();
            let Some(m) = mine else {
                problems.push("undecoded datagram".to_string());
                record(file, frame, problems, &mut explained, &mut disagreements);
                compared += 1;
                continue;
            };
            let mut check = |name: &'static str, theirs: Option<u64>, ours: Option<u64>| {
                if let Some(t) = theirs {
                    *checks.entry(name).or_default() += 1;
                    if ours != Some(t) {
                        problems.push(format!("{name}: tshark {t} ours {ours:?}"));
                    }
                }
            };
            check(
                "bvlc.function",
                list(c[4]).first().copied(),
                Some(u64::from(m.bvlc_function)),
            );
            check(
                "bacnet.control",
                list(c[5]).first().copied(),
                m.npdu_control.map(u64::from),
            );
            let ty = list(c[6]).first().copied();
            check("bacapp.type", ty, m.pdu_type.map(u64::from));
            check(
                "bacapp.confirmed_service",
                list(c[7]).first().copied(),
                m.service.map(u64::from),
            );
            check(
                "bacapp.unconfirmed_service",
                list(c[8]).first().copied(),
                m.service.map(u64::from),
            );
            let objs = list(c[9]);
            let props = list(c[10]);
            // I-Have names the device first, then the object.
            let obj_at = usize::from(m.pdu_type == Some(1) && m.service == Some(1));
            if let Some((t, _)) = m.object {
                check(
                    "bacapp.objectType",
                    objs.get(obj_at).copied().or(Some(u64::MAX)),
                    Some(u64::from(t)),
                );
            }
            if let Some(p) = m.property {
                check(
                    "bacapp.property_identifier",
                    props.first().copied().or(Some(u64::MAX)),
                    Some(u64::from(p)),
                );
            }
            compared += 1;
            record(file, frame, problems, &mut explained, &mut disagreements);
        }
    }
    eprintln!(
        "bacnet vs tshark: {} captures, {compared} frames compared, {explained} explained, {} unexplained; checks {checks:?}",
        files.len(),
        disagreements.len()
    );
    assert!(compared > 1000, "too few frames compared: {compared}");
    assert!(
        disagreements.is_empty(),
        "unexplained disagreements:\n{}",
        disagreements.join("\n")
    );
}

fn record(
    file: &str,
    frame: u32,
    problems: Vec<String>,
    explained: &mut usize,
    out: &mut Vec<String>,
) {
    if problems.is_empty() {
        return;
    }
    if EXPLAINED
        .iter()
        .any(|(f, n, _)| file.ends_with(f) && *n == frame)
    {
        *explained += 1;
    } else {
        out.push(format!("{file} frame {frame}: {}", problems.join("; ")));
    }
}
