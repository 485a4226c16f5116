// SPDX-License-Identifier: Apache-2.0
//! Unit tests with annotated bytes from
//! `ITI-ICS-Security-Tools/pcaps/profinet/PROFINET-RT-DCP/ChangeIPUsingDCP.pcap`
//! and `icsnpp-profinet-io-cm/testing/traces/profinet_io_cm_connect_minimal.pcapng`.
#![allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use super::*;
use crate::api::{ObservationSink, Progress};
use plantguard_model::{IdentityFact, Operation, Side};

#[derive(Default)]
struct Sink {
    ops: Vec<(&'static str, Operation)>,
    ids: Vec<(Side, IdentityFact)>,
    anomalies: Vec<&'static str>,
    records: Vec<(&'static str, serde_json::Value)>,
}

impl ObservationSink for Sink {
    fn operation(&mut self, p: &'static str, op: Operation) {
        self.ops.push((p, op));
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
        self.records.push((log, serde_json::to_value(r).unwrap()));
    }
}

/// Frame 1: Identify-All request.
const IDENTIFY_REQ: &[u8] = &[
    0xfe, 0xfe, // FrameID: identify multicast request
    0x05, // ServiceID 5 identify
    0x00, // ServiceType 0 request
    0x01, 0x00, 0x00, 0x01, // Xid 0x01000001
    0x00, 0x01, // ResponseDelayFactor 1
    0x00, 0x04, // DCPDataLength 4
    0xff, 0xff, 0x00, 0x00, // option 255/255 all-selector, length 0
];

/// Frame 2: Identify response from "x208-bord" (vendor 0x002a Siemens).
const IDENTIFY_RES: &[u8] = &[
    0xfe, 0xff, // FrameID: identify response
    0x05, 0x01, // identify, response success
    0x01, 0x00, 0x00, 0x01, // Xid
    0x00, 0x00, // reserved
    0x00, 0x5e, // DCPDataLength 94
    0x02, 0x05, 0x00, 0x1c, 0x00, 0x00, // 2/5 device options, len 28, BlockInfo 0
    0x01, 0x01, 0x01, 0x02, 0x02, 0x01, 0x02, 0x02, 0x02, 0x03, 0x02, 0x04, 0x02, 0x05, 0x03, 0x3d,
    0x05, 0x01, 0x05, 0x02, 0x05, 0x03, 0x05, 0x04, 0xff, 0xff, // supported options
    0x02, 0x01, 0x00, 0x05, 0x00, 0x00, b'I', b'N', b'C',
    0x00, // 2/1 type of station "INC" + pad
    0x02, 0x02, 0x00, 0x0b, 0x00, 0x00, // 2/2 name of station, len 11, BlockInfo 0
    b'X', b'2', b'0', b'8', b'-', b'B', b'O', b'R', b'D', 0x00, // "X208-BORD" + pad
    0x02, 0x03, 0x00, 0x06, 0x00, 0x00, // 2/3 device id, len 6
    0x00, 0x2a, 0x0a, 0x01, // vendor 0x002a, device 0x0a01
    0x02, 0x04, 0x00, 0x04, 0x00, 0x00, 0x01, 0x00, // 2/4 role: IO device
    0x01, 0x02, 0x00, 0x0e, 0x00, 0x01, // 1/2 IP parameter, len 14, BlockInfo 1
    0xc0, 0xa8, 0x00, 0x06, // 192.168.0.6
    0xff, 0xff, 0xff, 0x00, // 255.255.255.0
    0xc0, 0xa8, 0x00, 0x01, // gateway 192.168.0.1
];

/// Frame 3: Set request writing a new IP suite.
const SET_IP_REQ: &[u8] = &[
    0xfe, 0xfd, // FrameID get/set
    0x04, 0x00, // set request
    0x01, 0x00, 0x00, 0x01, // Xid
    0x00, 0x00, // reserved
    0x00, 0x12, // DCPDataLength 18
    0x01, 0x02, 0x00, 0x0e, // 1/2 IP parameter, len 14
    0x00, 0x01, // BlockQualifier: permanent
    0xc0, 0xa8, 0x00, 0x0a, // 192.168.0.10
    0xff, 0xff, 0xff, 0x00, // mask
    0xc0, 0xa8, 0x00, 0x01, // gateway
];

/// Frame 4: Set response (control/response, no error).
const SET_RES: &[u8] = &[
    0xfe, 0xfd, 0x04, 0x01, // set, response
    0x01, 0x00, 0x00, 0x01, // Xid
    0x00, 0x00, 0x00, 0x08, // reserved, length 8
    0x05, 0x04, 0x00, 0x03, // 5/4 response, len 3
    0x01, 0x02, 0x00, // for option 1/2, error 0
    0x00, // pad
];

#[test]
fn identify_request_is_an_identity_query() {
    let mut sink = Sink::default();
    parse(IDENTIFY_REQ, &mut sink);
    assert_eq!(sink.ops, vec![(DCP_NAME, Operation::IdentityQuery)]);
    assert_eq!(sink.records[0].1["options"][0], "all_selector");
}

#[test]
fn identify_response_describes_the_sender() {
    let mut sink = Sink::default();
    parse(IDENTIFY_RES, &mut sink);
    assert!(sink.ops.is_empty());
    let (side, f) = &sink.ids[0];
    assert_eq!(*side, Side::Client);
    assert_eq!(f.name.as_deref(), Some("X208-BORD"));
    assert_eq!(f.product.as_deref(), Some("INC"));
    assert_eq!(f.vendor_id, Some(0x2a));
    assert_eq!(f.model.as_deref(), Some("0x0a01"));
    assert!(f.extra.contains(&("ip".into(), "192.168.0.6".into())));
    assert!(f
        .extra
        .contains(&("device_role".into(), "io_device".into())));
}

#[test]
fn set_request_is_a_write_naming_the_ip_it_sets() {
    let mut sink = Sink::default();
    parse(SET_IP_REQ, &mut sink);
    parse(SET_RES, &mut sink);
    assert_eq!(sink.ops, vec![(DCP_NAME, Operation::Write)]);
    let r = &sink.records[0].1;
    assert_eq!(r["ip"], "192.168.0.10");
    assert_eq!(r["permanent"], true);
    assert_eq!(r["options"][0], "ip_parameter");
    assert_eq!(sink.records[1].1["is_request"], false);
}

#[test]
fn rt_frames_leave_no_operations_records_or_state() {
    let mut sink = Sink::default();
    let frame = [0x80, 0x01, 1, 2, 3, 4, 0x12, 0x34, 0x35, 0x00];
    parse(&frame, &mut sink);
    parse(&frame, &mut sink);
    assert!(sink.ops.is_empty());
    assert!(sink.records.is_empty());
}

#[test]
fn alarm_frames_raise_an_anomaly() {
    let mut sink = Sink::default();
    parse(&[0xfc, 0x01, 0, 0], &mut sink);
    assert_eq!(sink.anomalies, vec!["alarm"]);
}

#[test]
fn never_panics_on_truncated_dcp() {
    for pdu in [IDENTIFY_REQ, IDENTIFY_RES, SET_IP_REQ, SET_RES] {
        for n in 0..pdu.len() {
            parse(&pdu[..n], &mut Sink::default());
        }
    }
}

/// A minimal PN-IO CM Connect request header (little-endian drep).
fn cm_header(ptype: u8, opnum: u16, seq: u32, body: u16) -> Vec<u8> {
    let mut h = vec![
        0x04,  // RPC version 4
        ptype, // packet type
        0x20,  // flags1: idempotent
        0x00,  // flags2
        0x10, 0x00, 0x00, // drep: little endian, ASCII, IEEE
        0x00, // serial high
    ];
    h.extend_from_slice(&[0u8; 16]); // object UUID
                                     // interface UUID DEA00001-6C97-11D1-8271-00A02442DF7D, little-endian fields
    h.extend_from_slice(&[
        0x01, 0x00, 0xa0, 0xde, 0x97, 0x6c, 0xd1, 0x11, 0x82, 0x71, 0x00, 0xa0, 0x24, 0x42, 0xdf,
        0x7d,
    ]);
    h.extend_from_slice(&[7u8; 16]); // activity UUID
    h.extend_from_slice(&0u32.to_le_bytes()); // server boot time
    h.extend_from_slice(&1u32.to_le_bytes()); // interface version
    h.extend_from_slice(&seq.to_le_bytes()); // sequence number
    h.extend_from_slice(&opnum.to_le_bytes()); // opnum
    h.extend_from_slice(&0xffffu16.to_le_bytes()); // interface hint
    h.extend_from_slice(&0xffffu16.to_le_bytes()); // activity hint
    h.extend_from_slice(&body.to_le_bytes()); // body length
    h.extend_from_slice(&0u16.to_le_bytes()); // fragment number
    h.push(0); // auth protocol
    h.push(0); // serial low
    h.extend(std::iter::repeat_n(0, usize::from(body)));
    h
}

#[test]
fn cm_pairs_connect_with_response() {
    let req = cm_header(0, 0, 5, 20);
    let res = cm_header(2, 0, 5, 20);
    assert_eq!(
        probe_cm(crate::api::Direction::ToServer, &req),
        crate::api::Probe::Match
    );
    let mut s = CmSession::new();
    let mut sink = Sink::default();
    assert_eq!(
        s.feed(crate::api::Direction::ToServer, &req, &mut sink),
        Progress::Done
    );
    s.feed(crate::api::Direction::ToClient, &res, &mut sink);
    assert_eq!(sink.ops, vec![(CM_NAME, Operation::Session)]);
    let r = &sink.records[0].1;
    assert_eq!(r["operation"], "connect");
    assert_eq!(r["interface"], "pn_io_device");
    assert_eq!(r["interface_uuid"], "dea00001-6c97-11d1-8271-00a02442df7d");
    assert_eq!(r["response_packet_type"], "response");
    assert_eq!(s.pending_len(), 0);
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

/// profinet_io_cm_release.pcapng frame 1: Release request, big-endian drep.
fn release_req() -> Vec<u8> {
    let mut v = vec![
        0x04, // RPC version 4
        0x00, // packet type: request
        0x20, // flags1: idempotent
        0x00, // flags2
        0x00, 0x00, 0x00, // drep: big-endian, ASCII, IEEE
        0x00, // serial high
    ];
    v.extend(unhex("dea000006c9711d1827100010003015a")); // object UUID
    v.extend(unhex("dea000016c9711d1827100a02442df7d")); // interface: PN-IO device
    v.extend(unhex("13142f9000001000a994d2106890ca5a")); // activity UUID
    v.extend(unhex("00000000")); // server boot time
    v.extend(unhex("00000001")); // interface version 1
    v.extend(unhex("00000004")); // sequence number 4
    v.extend(unhex("0001")); // opnum 1: release
    v.extend(unhex("ffff")); // interface hint
    v.extend(unhex("ffff")); // activity hint
    v.extend(unhex("0034")); // body length 52
    v.extend(unhex("0000")); // fragment number
    v.extend(unhex("00")); // auth protocol
    v.extend(unhex("00")); // serial low
                           // NDR args and the IODReleaseReq block (AR UUID, session key, control command).
    v.extend(unhex(
        "00001000000000200000100000000000000000200114001c010000007c74224e166c4a58bf6b6c25a75870f00001000000040000",
    ));
    v
}

/// profinet_io_cm_release.pcapng frame 2: the answer, little-endian drep.
fn release_res() -> Vec<u8> {
    let mut v = vec![
        0x04, 0x02, // version 4, packet type: response
        0x28, 0x00, // flags1: last fragment, idempotent; flags2
        0x10, 0x00, 0x00, // drep: little-endian
        0x00, // serial high
    ];
    v.extend(unhex("0000a0de976cd111827100010003015a")); // object UUID (LE fields)
    v.extend(unhex("0100a0de976cd111827100a02442df7d")); // interface UUID (LE fields)
    v.extend(unhex("902f141300000010a994d2106890ca5a")); // activity UUID (LE fields)
    v.extend(unhex("02000000")); // server boot time 2
    v.extend(unhex("01000000")); // interface version 1
    v.extend(unhex("04000000")); // sequence number 4
    v.extend(unhex("0100")); // opnum 1
    v.extend(unhex("ffff")); // interface hint
    v.extend(unhex("ffff")); // activity hint
    v.extend(unhex("3400")); // body length 52
    v.extend(unhex("0000")); // fragment number
    v.extend(unhex("00")); // auth protocol
    v.extend(unhex("00")); // serial low
                           // PNIO status OK, NDR args, IODReleaseRes block.
    v.extend(unhex(
        "00000000200000000010000000000000200000008114001c010000007c74224e166c4a58bf6b6c25a75870f00001000000080000",
    ));
    v
}

#[test]
fn cm_release_pairs_across_byte_orders() {
    let (req, res) = (release_req(), release_res());
    assert_eq!(req.len(), 132);
    assert_eq!(res.len(), 132);
    assert_eq!(
        probe_cm(crate::api::Direction::ToServer, &req),
        crate::api::Probe::Match
    );
    let h = cm::parse_header(&res).unwrap();
    assert_eq!(
        (h.packet_type, h.opnum, h.sequence_num, h.server_boot_time),
        (2, 1, 4, 2)
    );
    let mut s = CmSession::new();
    let mut sink = Sink::default();
    s.feed(crate::api::Direction::ToServer, &req, &mut sink);
    s.feed(crate::api::Direction::ToClient, &res, &mut sink);
    assert_eq!(sink.ops, vec![(CM_NAME, Operation::Session)]);
    let r = &sink.records[0].1;
    assert_eq!(r["operation"], "release");
    assert_eq!(r["activity_uuid"], "13142f90-0000-1000-a994-d2106890ca5a");
    assert_eq!(r["pnio_status"], "00000000");
}
