// SPDX-License-Identifier: Apache-2.0
//! Chunking property: a Modbus/TCP stream fed in arbitrary chunks, with the
//! engine's buffering emulated (unconsumed bytes kept and the next chunk
//! appended), yields the same operations, identities and records as the
//! stream fed whole.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use plantguard_model::{IdentityFact, Operation, Side};
use plantguard_protocols::api::{Direction, ObservationSink, Progress, Session};
use plantguard_protocols::modbus::ModbusSession;
use proptest::prelude::*;

#[derive(Default, Debug, PartialEq)]
struct Sink {
    ops: Vec<Operation>,
    ids: Vec<IdentityFact>,
    records: Vec<serde_json::Value>,
}

impl ObservationSink for Sink {
    fn operation(&mut self, _: &'static str, op: Operation) {
        self.ops.push(op);
    }
    fn identity(&mut self, _: Side, fact: IdentityFact) {
        self.ids.push(fact);
    }
    fn anomaly(&mut self, _: &'static str, _: &'static str) {}
    fn wants_records(&self) -> bool {
        true
    }
    fn record(&mut self, _: &'static str, record: &dyn erased_serde::Serialize) {
        self.records.push(serde_json::to_value(record).unwrap());
    }
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

/// Requests and responses cut from corpus captures (modbus_test.pcap,
/// icsnpp modbus_example.pcap, modicon_test.pcap, modbus_test_data_part1.pcap).
fn streams() -> (Vec<u8>, Vec<u8>) {
    let requests = [
        "de0400000006010400000008",
        "01f5000000060706000409c4",
        "001700000005012b0e0100",
        "001500000011061700010004000200030600aa00bb00cc",
        "000100000005005a000100",
        "0000000000060a0800010000",
    ];
    let responses = [
        "de0400000013010410000053f5000000000000000000003318",
        "01f5000000060706000409c4",
        "00170000003d012b0e018300000300105a65656b204d6f646275732054657374011850726f746f636f6c2050617273696e672069732066756e210207312e322e332e36",
        "00150000000b06170800aa00aa00bb00cc",
        "000100000011005a00fefd000104000032000000000000",
        "0000000000030a880b",
    ];
    (
        requests.iter().flat_map(|h| hex(h)).collect(),
        responses.iter().flat_map(|h| hex(h)).collect(),
    )
}

/// Feeds `bytes` split at `cuts` with the engine's buffering semantics.
fn feed_chunked(
    s: &mut ModbusSession,
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
    let (req, resp) = streams();
    let mut s = ModbusSession::new();
    let mut sink = Sink::default();
    feed_chunked(&mut s, &mut sink, Direction::ToServer, &req, cuts_req);
    feed_chunked(&mut s, &mut sink, Direction::ToClient, &resp, cuts_resp);
    s.flush(&mut sink);
    sink
}

#[test]
fn whole_stream_decodes_every_pdu() {
    let sink = run(&[], &[]);
    assert_eq!(sink.ops.len(), 6);
    assert_eq!(sink.records.len(), 6);
    assert!(sink.records.iter().all(|r| r["matched"] == true));
    assert_eq!(sink.ids.len(), 1);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn chunked_equals_whole(
        cuts_req in proptest::collection::vec(0usize..1000, 0..40),
        cuts_resp in proptest::collection::vec(0usize..1000, 0..40),
    ) {
        prop_assert_eq!(run(&cuts_req, &cuts_resp), run(&[], &[]));
    }
}
