// SPDX-License-Identifier: Apache-2.0
//! Chunking property for the TCP long-tail parsers (MMS, FINS, ADS/AMS,
//! Niagara Fox): feeding a real corpus conversation in arbitrary chunks,
//! with the engine's buffering emulated (unconsumed bytes are kept and the
//! next chunk appended), gives the same operations, identities, anomalies
//! and records as feeding each TCP segment whole. The conversation is the
//! largest TCP stream on the protocol's port in the named capture,
//! extracted with tshark.

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::OnceLock;

use plantguard_model::{IdentityFact, Operation, Side};
use plantguard_protocols::api::ProtocolInfo;
use plantguard_protocols::longtail;
use plantguard_protocols::{Direction, ObservationSink, Progress};
use proptest::prelude::*;
mod common;
use common::corpus_dir;

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

type Conversation = Vec<(Direction, Vec<u8>)>;

/// The largest TCP stream on `port` in `rel`.
fn conversation(rel: &str, port: u16) -> Option<Conversation> {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(corpus_dir().join(rel))
        .args([
            "-Y",
            &format!("tcp.port == {port} && tcp.len > 0 && !tcp.analysis.retransmission"),
            "-T",
            "fields",
            "-e",
            "tcp.stream",
            "-e",
            "tcp.dstport",
            "-e",
            "tcp.payload",
        ])
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let mut streams: BTreeMap<u64, Conversation> = BTreeMap::new();
    for l in text.lines() {
        let mut it = l.split('\t');
        let (Some(s), Some(p), Some(hex)) = (it.next(), it.next(), it.next()) else {
            continue;
        };
        let dir = if p == port.to_string() {
            Direction::ToServer
        } else {
            Direction::ToClient
        };
        let bytes = (0..hex.len() / 2)
            .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
            .collect();
        streams
            .entry(s.parse().ok()?)
            .or_default()
            .push((dir, bytes));
    }
    streams.into_values().max_by_key(Vec::len)
}

struct Case {
    info: &'static ProtocolInfo,
    file: &'static str,
    port: u16,
}

const CASES: &[Case] = &[
    Case {
        info: &longtail::mms::INFO,
        file: "ITI-ICS-Security-Tools/pcaps/IEC61850/8d7c7db0-9804-012b-b2a6-0016cb8cea27.pcap",
        port: 102,
    },
    Case {
        info: &longtail::FINS_TCP,
        file: "ITI-ICS-Security-Tools/pcaps/omron/omron_test.pcap",
        port: 9600,
    },
    Case {
        info: &longtail::ADS,
        file: "ITI-ICS-Security-Tools/pcaps/beckoff/beckoffiplinktc3.pcapng",
        port: 48898,
    },
    Case {
        info: &longtail::FOX,
        file: "ITI-ICS-Security-Tools/pcaps/fox/fox_info.pcap",
        port: 1911,
    },
];

fn streams() -> &'static Vec<(&'static ProtocolInfo, Conversation)> {
    static S: OnceLock<Vec<(&'static ProtocolInfo, Conversation)>> = OnceLock::new();
    S.get_or_init(|| {
        let v: Vec<_> = CASES
            .iter()
            .filter_map(|c| conversation(c.file, c.port).map(|conv| (c.info, conv)))
            .collect();
        if v.len() < CASES.len()
            && std::env::var("PLANTGUARD_ALLOW_NO_TSHARK").as_deref() != Ok("1")
        {
            panic!("tshark and the corpus are required (or set PLANTGUARD_ALLOW_NO_TSHARK=1)");
        }
        v
    })
}

fn run(info: &ProtocolInfo, conv: &[(Direction, Vec<u8>)], cuts: &[u16]) -> Sink {
    let mut s = (info.new_session)();
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
                Progress::Abandon(r) => panic!("{} abandoned: {r:?}", info.name),
            }
        }
    }
    s.finish(&mut sink);
    sink
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]
    #[test]
    fn chunked_feeding_matches_whole_segments(cuts in proptest::collection::vec(0u16..300, 1..16)) {
        for (info, conv) in streams() {
            let whole = run(info, conv, &[]);
            prop_assert!(!whole.ops.is_empty() || !whole.records.is_empty(), "{} decoded nothing", info.name);
            let chunked = run(info, conv, &cuts);
            prop_assert_eq!(&whole, &chunked, "{}", info.name);
        }
    }
}
