// SPDX-License-Identifier: Apache-2.0
//! Chunking property: feeding a real OPC UA conversation in arbitrary chunks,
//! with the engine's buffering emulated (unconsumed bytes are kept and the
//! next chunk appended), gives the same operations, identities, anomalies
//! and records as feeding each TCP segment whole.
//!
//! The conversations are open62541's client/server main loop (HEL, OPN,
//! GetEndpoints, CreateSession, ActivateSession, Read, Write, Browse, ...)
//! and an encrypted session, extracted with tshark.

use plantguard_model::{IdentityFact, Operation, Side};
use plantguard_protocols::opcua::OpcUaSession;
use plantguard_protocols::{Direction, ObservationSink, Progress, Session};
use proptest::prelude::*;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

fn corpus_dir() -> PathBuf {
    std::env::var_os("PLANTGUARD_CORPUS").map_or_else(
        || {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/corpus"
            ))
        },
        PathBuf::from,
    )
}

#[derive(Default, PartialEq, Debug)]
struct Sink {
    ops: Vec<Operation>,
    ids: Vec<(Side, IdentityFact)>,
    anomalies: Vec<&'static str>,
    records: Vec<String>,
}

impl ObservationSink for Sink {
    fn operation(&mut self, _: &'static str, op: Operation) {
        self.ops.push(op);
    }
    fn identity(&mut self, s: Side, f: IdentityFact) {
        self.ids.push((s, f));
    }
    fn anomaly(&mut self, _: &'static str, n: &'static str) {
        self.anomalies.push(n);
    }
    fn wants_records(&self) -> bool {
        true
    }
    fn record(&mut self, log: &'static str, r: &dyn erased_serde::Serialize) {
        self.records
            .push(format!("{log} {}", serde_json::to_string(r).unwrap()));
    }
}

/// (direction, segment payload) of the first TCP stream with payload (server port 4840), in frame order.
/// One TCP conversation: (direction, segment payload) in frame order.
type Conversation = Vec<(Direction, Vec<u8>)>;

fn conversation(rel: &str) -> Option<Conversation> {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(corpus_dir().join(rel))
        .args([
            "-Y",
            "tcp.stream == 1 && tcp.len > 0",
            "-T",
            "fields",
            "-e",
            "tcp.dstport",
            "-e",
            "tcp.payload",
        ])
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let conv: Vec<_> = text
        .lines()
        .filter_map(|l| {
            let (port, hex) = l.split_once('\t')?;
            let dir = if port == "4840" {
                Direction::ToServer
            } else {
                Direction::ToClient
            };
            let bytes = (0..hex.len() / 2)
                .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
                .collect();
            Some((dir, bytes))
        })
        .collect();
    (!conv.is_empty()).then_some(conv)
}

fn streams() -> &'static Vec<Conversation> {
    static S: OnceLock<Vec<Conversation>> = OnceLock::new();
    S.get_or_init(|| {
        let v: Vec<_> = [
            "icsnpp/icsnpp-opcua-binary/pcaps/open62541_client-server_mainloop.pcap",
            "icsnpp/icsnpp-opcua-binary/pcaps/open62541_client-server_encrypted.pcap",
        ]
        .iter()
        .filter_map(|f| conversation(f))
        .collect();
        if v.is_empty() && std::env::var("PLANTGUARD_ALLOW_NO_TSHARK").as_deref() != Ok("1") {
            panic!("tshark and the corpus are required (or set PLANTGUARD_ALLOW_NO_TSHARK=1)");
        }
        v
    })
}

/// Feeds each segment cut at `cuts` (fractions), keeping unconsumed bytes like the engine.
fn run(conv: &[(Direction, Vec<u8>)], cuts: &[u16]) -> Sink {
    let mut s = OpcUaSession::new();
    let mut sink = Sink::default();
    let mut bufs: [Vec<u8>; 2] = [Vec::new(), Vec::new()];
    let mut k = 0usize;
    for (dir, seg) in conv {
        let buf = &mut bufs[usize::from(*dir == Direction::ToClient)];
        let mut pos = 0;
        while pos < seg.len() {
            let step = if cuts.is_empty() {
                seg.len()
            } else {
                k += 1;
                1 + usize::from(cuts[k % cuts.len()]) % seg.len()
            };
            let end = (pos + step).min(seg.len());
            buf.extend_from_slice(&seg[pos..end]);
            pos = end;
            match s.feed(*dir, buf, &mut sink) {
                Progress::Done => buf.clear(),
                Progress::Incomplete { consumed, .. } => {
                    assert!(consumed <= buf.len());
                    buf.drain(..consumed);
                }
                Progress::Abandon(r) => panic!("abandoned: {r:?}"),
            }
        }
    }
    s.flush(&mut sink);
    sink
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
    #[test]
    fn chunked_feeding_matches_whole_segments(cuts in proptest::collection::vec(0u16..200, 1..16)) {
        for conv in streams() {
            let whole = run(conv, &[]);
            prop_assert!(!whole.ops.is_empty());
            let chunked = run(conv, &cuts);
            prop_assert_eq!(&whole, &chunked);
        }
    }
}
