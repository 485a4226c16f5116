// SPDX-License-Identifier: Apache-2.0
//! Chunking property: a Modbus/TCP stream fed in arbitrary chunks, with the
//! engine's buffering emulated (unconsumed bytes kept and the next chunk
//! appended), yields the same operations, identities and records as the
//! stream fed whole.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "chunking_support.rs"]
mod support;

use plantguard_protocols::api::Direction;
use plantguard_protocols::modbus::ModbusSession;
use proptest::prelude::*;
use support::common::hex;

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

fn run(cuts_req: &[usize], cuts_resp: &[usize]) -> support::Sink {
    let (req, resp) = streams();
    support::run_streams(
        ModbusSession::new(),
        &[
            (Direction::ToServer, &req, cuts_req),
            (Direction::ToClient, &resp, cuts_resp),
        ],
    )
}

#[test]
fn whole_stream_decodes_every_pdu() {
    let sink = run(&[], &[]);
    assert_eq!(sink.ops.len(), 6);
    assert_eq!(sink.records.len(), 6);
    assert!(sink.records.iter().all(|r| r["matched"] == true));
    assert_eq!(sink.identities.len(), 1);
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
