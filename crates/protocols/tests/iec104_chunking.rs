// SPDX-License-Identifier: Apache-2.0
//! Chunking property: a real iec104 conversation (cut from a corpus capture,
//! see `tests/assets/iec104/`) fed in arbitrary chunks, with the engine's
//! buffering emulated (unconsumed bytes kept and the next chunk appended),
//! yields the same operations, identities, host facts, anomalies and
//! records as the conversation fed whole.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use plantguard_model::{HostFact, IdentityFact, Operation, Side};
use plantguard_protocols::api::{Direction, ObservationSink, Progress, Session};
use plantguard_protocols::iec104::Iec104Session;
use proptest::prelude::*;

const TO_SERVER: &[u8] = include_bytes!("assets/iec104/javarmi_to_server.bin");
const TO_CLIENT: &[u8] = include_bytes!("assets/iec104/javarmi_to_client.bin");

#[derive(Default, Debug, PartialEq)]
struct Sink {
    ops: Vec<Operation>,
    ids: Vec<IdentityFact>,
    facts: Vec<(Side, HostFact)>,
    anomalies: Vec<&'static str>,
    records: Vec<(&'static str, serde_json::Value)>,
}

impl ObservationSink for Sink {
    fn operation(&mut self, _: &'static str, op: Operation) {
        self.ops.push(op);
    }
    fn identity(&mut self, _: Side, fact: IdentityFact) {
        self.ids.push(fact);
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
    fn record(&mut self, log: &'static str, record: &dyn erased_serde::Serialize) {
        self.records
            .push((log, serde_json::to_value(record).unwrap()));
    }
}

/// Feeds `bytes` split at `cuts` with the engine's buffering semantics.
fn feed_chunked(
    s: &mut Iec104Session,
    sink: &mut Sink,
    dir: Direction,
    bytes: &[u8],
    cuts: &[usize],
) {
    let mut buf: Vec<u8> = Vec::new();
    let mut start = 0;
    let mut bounds: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    bounds.push(bytes.len());
    bounds.sort_unstable();
    for end in bounds {
        if end < start {
            continue;
        }
        buf.extend_from_slice(&bytes[start..end]);
        start = end;
        match s.feed(dir, &buf, sink) {
            Progress::Done => buf.clear(),
            Progress::Incomplete { consumed, needed } => {
                assert!(consumed <= buf.len());
                assert!(needed > 0);
                buf.drain(..consumed);
            }
            Progress::Abandon(r) => panic!("abandoned: {r:?}"),
        }
    }
    assert!(buf.is_empty(), "{} bytes left over", buf.len());
}

fn run(cuts_req: &[usize], cuts_resp: &[usize]) -> Sink {
    let mut s = Iec104Session::new();
    let mut sink = Sink::default();
    feed_chunked(&mut s, &mut sink, Direction::ToServer, TO_SERVER, cuts_req);
    feed_chunked(&mut s, &mut sink, Direction::ToClient, TO_CLIENT, cuts_resp);
    s.finish(&mut sink);
    sink
}

#[test]
fn whole_conversation_decodes() {
    let sink = run(&[], &[]);
    assert!(sink.ops.len() >= 5, "{:?}", sink.ops);
    assert!(sink.records.len() >= 10);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn chunked_equals_whole(
        cuts_req in proptest::collection::vec(0usize..4000, 0..60),
        cuts_resp in proptest::collection::vec(0usize..4000, 0..60),
    ) {
        prop_assert_eq!(run(&cuts_req, &cuts_resp), run(&[], &[]));
    }
}
