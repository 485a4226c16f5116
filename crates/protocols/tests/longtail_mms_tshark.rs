// SPDX-License-Identifier: Apache-2.0
//! tshark agreement for MMS: every corpus capture holding MMS is fed, TCP
//! segment by segment with the engine's buffering emulated (unconsumed
//! bytes are kept and the next segment appended), through [`MmsSession`].
//! The confirmed PDUs the session decoded while a frame was fed are
//! compared with tshark's `mms.confirmedServiceRequest`,
//! `mms.confirmedServiceResponse` and `mms.invokeID` for that frame. Every
//! remaining disagreement must be listed in [`EXPLAINED`].
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::HashMap;
use std::process::Command;

use plantguard_protocols::api::{Direction, Progress, Session};
use plantguard_protocols::longtail::mms::{MmsSession, PduKind};
mod common;
use common::{corpus_dir, hex, tshark_available, Duplicates, NullSink};

/// Captures in which tshark found MMS, skipping duplicates.
fn corpus_files() -> Vec<String> {
    common::corpus_files(|r| r.protocols_found.contains("*mms*"), Duplicates::Skip)
}

/// Disagreements understood and accepted: (capture path suffix, frame, why).
const EXPLAINED: &[(&str, u32, &str)] = &[];

fn list(s: &str) -> Vec<u64> {
    s.split('|')
        .filter(|x| !x.is_empty())
        .map(|x| x.parse().unwrap())
        .collect()
}

#[test]
fn mms_agrees_with_tshark() {
    if !tshark_available() {
        return;
    }
    let files = corpus_files();
    assert!(!files.is_empty(), "no MMS captures in the corpus index");
    let (mut compared, mut pdus, mut explained) = (0usize, 0usize, 0usize);
    let mut disagreements = Vec::new();
    for file in &files {
        let out = Command::new("tshark")
            .arg("-r")
            .arg(corpus_dir().join(file))
            .args([
                "-Y",
                "tcp.port == 102 && tcp.len > 0 && !tcp.analysis.retransmission",
                "-T",
                "fields",
                "-E",
                "separator=/t",
                "-E",
                "occurrence=a",
                "-E",
                "aggregator=|",
                "-e",
                "frame.number",
                "-e",
                "tcp.stream",
                "-e",
                "tcp.dstport",
                "-e",
                "tcp.payload",
                "-e",
                "mms.confirmedServiceRequest",
                "-e",
                "mms.confirmedServiceResponse",
                "-e",
                "mms.invokeID",
            ])
            .output()
            .expect("run tshark");
        let text = String::from_utf8_lossy(&out.stdout);
        let mut flows: HashMap<u64, (MmsSession, [Vec<u8>; 2], bool)> = HashMap::new();
        for line in text.lines() {
            let c: Vec<&str> = line.split('\t').collect();
            if c.len() < 7 {
                continue;
            }
            let frame: u32 = c[0].parse().unwrap();
            let stream: u64 = c[1].parse().unwrap();
            let dir = if c[2] == "102" {
                Direction::ToServer
            } else {
                Direction::ToClient
            };
            let d = usize::from(dir == Direction::ToClient);
            let (session, bufs, dead) = flows.entry(stream).or_insert_with(|| {
                let mut s = MmsSession::new();
                s.keep_summaries();
                (s, [Vec::new(), Vec::new()], false)
            });
            if *dead {
                continue;
            }
            bufs[d].extend_from_slice(&hex(c[3]));
            match session.feed(dir, &bufs[d], &mut NullSink) {
                Progress::Done => bufs[d].clear(),
                Progress::Incomplete { consumed, .. } => {
                    bufs[d].drain(..consumed);
                }
                Progress::Abandon(_) => *dead = true,
            }
            let got = session.take_summaries();
            let ours_req: Vec<u64> = got
                .iter()
                .filter(|s| s.kind == PduKind::ConfirmedRequest)
                .filter_map(|s| s.service.map(u64::from))
                .collect();
            let ours_res: Vec<u64> = got
                .iter()
                .filter(|s| s.kind == PduKind::ConfirmedResponse)
                .filter_map(|s| s.service.map(u64::from))
                .collect();
            let ours_ids: Vec<u64> = got
                .iter()
                .filter(|s| {
                    matches!(
                        s.kind,
                        PduKind::ConfirmedRequest
                            | PduKind::ConfirmedResponse
                            | PduKind::ConfirmedError
                    )
                })
                .filter_map(|s| s.invoke_id.map(u64::from))
                .collect();
            let (req, res, ids) = (list(c[4]), list(c[5]), list(c[6]));
            pdus += ours_req.len() + ours_res.len();
            compared += 1;
            let mut problems = Vec::new();
            if req != ours_req {
                problems.push(format!(
                    "confirmedServiceRequest: tshark {req:?} ours {ours_req:?}"
                ));
            }
            if res != ours_res {
                problems.push(format!(
                    "confirmedServiceResponse: tshark {res:?} ours {ours_res:?}"
                ));
            }
            if ids != ours_ids {
                problems.push(format!("invokeID: tshark {ids:?} ours {ours_ids:?}"));
            }
            if !problems.is_empty() {
                if EXPLAINED
                    .iter()
                    .any(|(f, n, _)| file.ends_with(f) && *n == frame)
                {
                    explained += 1;
                } else {
                    disagreements.push(format!("{file} frame {frame}: {}", problems.join("; ")));
                }
            }
        }
    }
    eprintln!(
        "mms vs tshark: {} captures, {compared} frames compared ({pdus} confirmed PDUs), {explained} explained, {} unexplained",
        files.len(),
        disagreements.len()
    );
    assert!(pdus > 20, "too few MMS PDUs decoded: {pdus}");
    assert!(
        disagreements.is_empty(),
        "unexplained disagreements:\n{}",
        disagreements.join("\n")
    );
}
