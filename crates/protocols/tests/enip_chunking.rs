// SPDX-License-Identifier: Apache-2.0
//! Chunking property: an EtherNet/IP stream fed in arbitrary chunks, with the
//! engine's buffering emulated (unconsumed bytes kept and the next chunk
//! appended), yields the same operations, identities and records as the
//! stream fed whole.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "chunking_support.rs"]
mod support;

use plantguard_protocols::api::Direction;
use plantguard_protocols::enip::EnipSession;
use proptest::prelude::*;
use support::common::hex;

/// Messages cut from corpus captures (cip_stop_plc.pcap, mb2.pcap,
/// enip_cip_example.pcap) plus a RegisterSession exchange.
fn streams() -> (Vec<u8>, Vec<u8>) {
    let requests = [
        "65000400000000000000000000000000000000000000000001000000",
        "70001c0001002a00000000000000000000000000000000000000000001000200a1000400224095ffb100080006010702208e2401",
        "70004400000102100000000024392f000000000000000000000000000a000200a100040001033500b10030001c330a0220022401010004004e0f911b4c4d535f534554504f494e544348414e47455f524543454956454400010000fe",
        "63000000000000000000000000000000c1debed100000000",
    ];
    let responses = [
        "65000400010002100000000000000000000000000000000001000000",
        concat!("70001a0001002a00", "00000000", "0000000000000000", "00000000", "00000000", "0000", "0200", "a1000400", "11223344", "b1000600", "0601", "87001000"),
        "63003300000000000000000000000000c1debed10000000001000c002d0001000002af120a0101a4000000000000000001000c003a00040330008e4d52000b313735362d454e42542f4103",
    ];
    (
        requests.iter().flat_map(|h| hex(h)).collect(),
        responses.iter().flat_map(|h| hex(h)).collect(),
    )
}

fn run(cuts_req: &[usize], cuts_resp: &[usize]) -> support::Sink {
    let (req, resp) = streams();
    support::run_streams(
        EnipSession::new(),
        &[
            (Direction::ToServer, &req, cuts_req),
            (Direction::ToClient, &resp, cuts_resp),
        ],
    )
}

#[test]
fn whole_stream_decodes_every_pdu() {
    let sink = run(&[], &[]);
    // RegisterSession, Stop, Read Modify Write (in a Multiple Service Packet), ListIdentity.
    assert_eq!(sink.ops.len(), 4);
    assert_eq!(sink.identities.len(), 1);
    assert!(sink.records.iter().any(|r| r["matched"] == true));
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
