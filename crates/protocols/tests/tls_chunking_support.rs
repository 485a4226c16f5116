// SPDX-License-Identifier: Apache-2.0
//! Shared chunking harness of the TCP IT parsers (TLS, SSH, RDP, RFB,
//! Telnet), included with `#[path]` by each `<proto>_chunking.rs`. A
//! conversation is a list of messages in capture order, each one
//! direction's payload; the harness splits every message at arbitrary
//! cuts and feeds the pieces with the engine's buffering emulated
//! (unconsumed bytes kept per direction and the next piece appended, no
//! more calls after `Abandon`), recording everything the session reports.
#![allow(
    dead_code,
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use plantguard_model::{HostFact, IdentityFact, Operation, Side};
use plantguard_protocols::api::{Direction, ObservationSink, Progress, Session};

#[derive(Default, Debug, PartialEq)]
pub struct Sink {
    pub ops: Vec<(&'static str, Operation)>,
    pub identities: Vec<(Side, IdentityFact)>,
    pub facts: Vec<(Side, HostFact)>,
    pub anomalies: Vec<&'static str>,
    pub records: Vec<serde_json::Value>,
}

impl ObservationSink for Sink {
    fn operation(&mut self, p: &'static str, op: Operation) {
        self.ops.push((p, op));
    }
    fn identity(&mut self, side: Side, fact: IdentityFact) {
        self.identities.push((side, fact));
    }
    fn host_fact(&mut self, side: Side, fact: HostFact) {
        self.facts.push((side, fact));
    }
    fn anomaly(&mut self, _: &'static str, name: &'static str) {
        self.anomalies.push(name);
    }
    fn wants_records(&self) -> bool {
        true
    }
    fn record(&mut self, _: &'static str, record: &dyn erased_serde::Serialize) {
        self.records.push(serde_json::to_value(record).unwrap());
    }
}

/// Reads a conversation asset: one message per line, `> hex` to the
/// server, `< hex` to the client (cut from a capture with tshark).
pub fn conversation(text: &str) -> Vec<(Direction, Vec<u8>)> {
    text.lines()
        .filter_map(|l| {
            let (dir, hex) = l.split_once(' ')?;
            let dir = if dir == ">" {
                Direction::ToServer
            } else {
                Direction::ToClient
            };
            let bytes = (0..hex.len() / 2)
                .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
                .collect();
            Some((dir, bytes))
        })
        .collect()
}

/// Feeds `conv`, each message split at `cuts` (taken modulo its length).
pub fn run(mut s: Box<dyn Session>, conv: &[(Direction, Vec<u8>)], cuts: &[usize]) -> Sink {
    let mut sink = Sink::default();
    let mut bufs: [Vec<u8>; 2] = [Vec::new(), Vec::new()];
    let mut dead = false;
    for (dir, bytes) in conv {
        let i = usize::from(*dir == Direction::ToClient);
        let mut points: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
        points.push(bytes.len());
        points.sort_unstable();
        points.dedup();
        let mut start = 0;
        for p in points {
            if dead {
                break;
            }
            bufs[i].extend_from_slice(&bytes[start..p]);
            start = p;
            if bufs[i].is_empty() {
                continue;
            }
            match s.feed(*dir, &bufs[i], &mut sink) {
                Progress::Done => bufs[i].clear(),
                Progress::Incomplete { consumed, needed } => {
                    assert!(consumed <= bufs[i].len(), "consumed beyond input");
                    assert!(needed > 0, "Incomplete must ask for more");
                    bufs[i].drain(..consumed);
                }
                Progress::Abandon(_) => dead = true,
            }
        }
    }
    s.finish(&mut sink);
    sink
}
