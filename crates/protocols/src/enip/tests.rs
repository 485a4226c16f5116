// SPDX-License-Identifier: Apache-2.0
//! Unit tests with annotated bytes cut from corpus captures.
#![allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use super::*;
use crate::api::{ObservationSink, Probe, Progress};
use plantguard_model::{IdentityFact, ModeChange, Operation, Side};

#[derive(Default)]
struct Sink {
    ops: Vec<Operation>,
    ids: Vec<(Side, IdentityFact)>,
    anomalies: Vec<&'static str>,
    records: Vec<(&'static str, serde_json::Value)>,
}

impl ObservationSink for Sink {
    fn operation(&mut self, _: &'static str, op: Operation) {
        self.ops.push(op);
    }
    fn identity(&mut self, speaker: Side, fact: IdentityFact) {
        self.ids.push((speaker, fact));
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

impl Sink {
    fn log(&self, name: &str) -> Vec<&serde_json::Value> {
        self.records
            .iter()
            .filter(|(l, _)| *l == name)
            .map(|(_, v)| v)
            .collect()
    }
}

/// cip_stop_plc.pcap frame 1: connected Stop (0x07) to class 0x8E instance 1.
const STOP_PLC: &[u8] = &[
    0x70, 0x00, // command SendUnitData
    0x1c, 0x00, // length 28
    0x01, 0x00, 0x2a, 0x00, // session handle 0x002a0001
    0x00, 0x00, 0x00, 0x00, // status 0
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // sender context
    0x00, 0x00, 0x00, 0x00, // options 0
    0x00, 0x00, 0x00, 0x00, // interface handle 0
    0x01, 0x00, // timeout 1
    0x02, 0x00, // item count 2
    0xa1, 0x00, 0x04, 0x00, // connected address item, 4 bytes
    0x22, 0x40, 0x95, 0xff, // connection id 0xff954022
    0xb1, 0x00, 0x08, 0x00, // connected data item, 8 bytes
    0x06, 0x01, // sequence count 0x0106
    0x07, // service 0x07 Stop
    0x02, // path size 2 words
    0x20, 0x8e, // logical class 0x8E
    0x24, 0x01, // logical instance 1
];

/// enip_cip_example.pcap frame 372: ListIdentity reply, one CIP Identity item.
const LIST_IDENTITY_REPLY: &[u8] = &[
    0x63, 0x00, // command ListIdentity
    0x33, 0x00, // length 51
    0x00, 0x00, 0x00, 0x00, // session handle
    0x00, 0x00, 0x00, 0x00, // status
    0xc1, 0xde, 0xbe, 0xd1, 0x00, 0x00, 0x00, 0x00, // sender context
    0x00, 0x00, 0x00, 0x00, // options
    0x01, 0x00, // item count 1
    0x0c, 0x00, 0x2d, 0x00, // CIP Identity item, 45 bytes
    0x01, 0x00, // encapsulation version 1
    0x00, 0x02, // sin_family 2 (big-endian)
    0xaf, 0x12, // sin_port 44818 (big-endian)
    0x0a, 0x01, 0x01, 0xa4, // sin_addr 10.1.1.164
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // sin_zero
    0x01, 0x00, // vendor id 1 Rockwell Automation/Allen-Bradley
    0x0c, 0x00, // device type 12 Communications Adapter
    0x3a, 0x00, // product code 58
    0x04, 0x03, // revision 4.3
    0x30, 0x00, // status 0x0030
    0x8e, 0x4d, 0x52, 0x00, // serial 0x00524d8e
    0x0b, // product name length 11
    b'1', b'7', b'5', b'6', b'-', b'E', b'N', b'B', b'T', b'/', b'A', // product name
    0x03, // state 3
];

/// mb2.pcap frame 48: Multiple Service Packet holding a Logix Read Modify Write Tag.
const MSP_RMW_TAG: &[u8] = &[
    0x70, 0x00, 0x44, 0x00, // SendUnitData, length 68
    0x00, 0x01, 0x02, 0x10, // session handle
    0x00, 0x00, 0x00, 0x00, // status
    0x24, 0x39, 0x2f, 0x00, 0x00, 0x00, 0x00, 0x00, // sender context
    0x00, 0x00, 0x00, 0x00, // options
    0x00, 0x00, 0x00, 0x00, 0x0a, 0x00, // interface handle, timeout 10
    0x02, 0x00, // item count 2
    0xa1, 0x00, 0x04, 0x00, 0x01, 0x03, 0x35, 0x00, // connected address 0x00350301
    0xb1, 0x00, 0x30, 0x00, // connected data item, 48 bytes
    0x1c, 0x33, // sequence count 0x331c
    0x0a, // service 0x0A Multiple Service Packet
    0x02, 0x20, 0x02, 0x24, 0x01, // path: class 2 (Message Router) instance 1
    0x01, 0x00, // 1 service
    0x04, 0x00, // offset 4
    0x4e, // service 0x4E (Read Modify Write Tag on a symbolic path)
    0x0f, // path 15 words
    0x91, 0x1b, // ANSI extended symbol, 27 bytes
    b'L', b'M', b'S', b'_', b'S', b'E', b'T', b'P', b'O', b'I', b'N', b'T', b'C', b'H', b'A', b'N',
    b'G', b'E', b'_', b'R', b'E', b'C', b'E', b'I', b'V', b'E', b'D', 0x00, // pad
    0x01, 0x00, 0x00, 0xfe, // mask size 1, OR mask 0x00, AND mask 0xFE
];

/// enip_cip_example.pcap frame 377: implicit I/O on UDP 2222.
const IO_DATAGRAM: &[u8] = &[
    0x02, 0x00, // item count 2
    0x02, 0x80, 0x08, 0x00, // sequenced address item, 8 bytes
    0x03, 0x06, 0x4b, 0x00, // connection id 0x004b0603
    0xdb, 0x94, 0x3f, 0x00, // sequence number 4166875
    0xb1, 0x00, 0x06, 0x00, // connected data item, 6 bytes
    0xa5, 0x87, 0xe8, 0x0f, 0x03, 0x00, // I/O data
];

fn feed(s: &mut EnipSession, sink: &mut Sink, dir: Direction, bytes: &[u8]) {
    assert_eq!(s.feed(dir, bytes, sink), Progress::Done);
}

#[test]
fn stop_on_controller_class_is_mode_change_stop() {
    let mut s = EnipSession::new();
    let mut sink = Sink::default();
    feed(&mut s, &mut sink, Direction::ToServer, STOP_PLC);
    assert_eq!(sink.ops, vec![Operation::ModeChange(ModeChange::Stop)]);
    let cip = sink.log("cip");
    assert_eq!(cip[0]["cip_service_code"], 7);
    assert_eq!(cip[0]["cip_service"], "stop");
    assert_eq!(cip[0]["class_id"], 0x8e);
    assert_eq!(cip[0]["instance_id"], 1);
    assert_eq!(cip[0]["cip_sequence_count"], 0x0106);
    assert_eq!(sink.log("enip")[0]["session_handle"], 0x002a_0001);
    let mut start = STOP_PLC.to_vec();
    start[46] = 0x06;
    let mut sink = Sink::default();
    feed(&mut s, &mut sink, Direction::ToServer, &start);
    assert_eq!(sink.ops, vec![Operation::ModeChange(ModeChange::Start)]);
}

#[test]
fn list_identity_reply_yields_identity_and_record() {
    let mut s = EnipSession::new();
    let mut sink = Sink::default();
    feed(&mut s, &mut sink, Direction::ToClient, LIST_IDENTITY_REPLY);
    assert!(sink.ops.is_empty());
    let (side, fact) = &sink.ids[0];
    assert_eq!(*side, Side::Server);
    assert_eq!(
        fact.vendor.as_deref(),
        Some("Rockwell Automation/Allen-Bradley")
    );
    assert_eq!(fact.vendor_id, Some(1));
    assert_eq!(fact.product.as_deref(), Some("1756-ENBT/A"));
    assert_eq!(fact.device_type.as_deref(), Some("Communications Adapter"));
    assert_eq!(fact.firmware.as_deref(), Some("4.3"));
    assert_eq!(fact.serial.as_deref(), Some("0x00524d8e"));
    let r = sink.log("cip_identity")[0].clone();
    assert_eq!(r["socket_address"], "10.1.1.164");
    assert_eq!(r["socket_port"], 44818);
    assert_eq!(r["product_code"], 58);
    assert_eq!(r["revision"], "4.3");
    assert_eq!(r["device_state"], 3);
    assert_eq!(r["product_name"]["text"], "1756-ENBT/A");
}

#[test]
fn multiple_service_packet_unwraps_symbolic_read_modify_write() {
    let mut s = EnipSession::new();
    let mut sink = Sink::default();
    feed(&mut s, &mut sink, Direction::ToServer, MSP_RMW_TAG);
    assert_eq!(sink.ops, vec![Operation::Write]);
    let cip = sink.log("cip");
    assert_eq!(cip.len(), 2);
    assert_eq!(cip[0]["cip_service"], "multiple_service_packet");
    assert_eq!(cip[0]["class_name"], "Message Router");
    assert_eq!(cip[1]["cip_service"], "read_modify_write_tag");
    assert_eq!(cip[1]["tag_name"]["text"], "LMS_SETPOINTCHANGE_RECEIVED");
    assert_eq!(cip[1]["encapsulated_in"], 10);
    // The outer packet waits for its reply, keyed by sequence count.
    assert_eq!(s.pending().next().unwrap().key, PairKey::Sequence(0x331c));
}

#[test]
fn connected_reply_pairs_by_sequence_count() {
    let mut s = EnipSession::new();
    let mut sink = Sink::default();
    feed(&mut s, &mut sink, Direction::ToServer, STOP_PLC);
    let reply: &[u8] = &[
        0x70, 0x00, 0x1a, 0x00, 0x01, 0x00, 0x2a, 0x00, // SendUnitData, length 26, session
        0x00, 0x00, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, // status, context, options
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, // interface, timeout, 2 items
        0xa1, 0x00, 0x04, 0x00, 0x11, 0x22, 0x33, 0x44, // connected address (T->O id)
        0xb1, 0x00, 0x06, 0x00, 0x06, 0x01, // connected data, sequence 0x0106
        0x87, 0x00, 0x10, 0x00, // reply to Stop, status 0x10 device state conflict
    ];
    feed(&mut s, &mut sink, Direction::ToClient, reply);
    let cip = sink.log("cip");
    assert_eq!(cip[1]["direction"], "response");
    assert_eq!(cip[1]["cip_status_code"], 0x10);
    assert_eq!(cip[1]["cip_status"], "device_state_conflict");
    assert_eq!(cip[1]["class_id"], 0x8e);
    assert_eq!(cip[1]["matched"], true);
    assert!(sink.anomalies.is_empty(), "{:?}", sink.anomalies);
}

#[test]
fn implicit_io_is_counted_per_connection_and_flushed() {
    let mut s = EnipSession::new();
    let mut sink = Sink::default();
    feed(&mut s, &mut sink, Direction::ToServer, IO_DATAGRAM);
    feed(&mut s, &mut sink, Direction::ToServer, IO_DATAGRAM);
    assert!(sink.ops.is_empty());
    assert_eq!(s.io_counters().len(), 1);
    s.flush(&mut sink);
    let io = sink.log("cip_io");
    assert_eq!(io[0]["connection_id"], 0x004b_0603);
    assert_eq!(io[0]["packets"], 2);
    assert_eq!(io[0]["data_bytes"], 12);
    assert_eq!(io[0]["sequence_number"], 4_166_875);
}

#[test]
fn unconnected_send_is_unwrapped_and_read_tag_fragmented_is_told_apart() {
    // SendRRData carrying Unconnected Send (0x52 to class 6) wrapping a Logix
    // Read Tag Fragmented (0x52 on a symbolic path) for tag "Tag1".
    let embedded: &[u8] = &[
        0x52, 0x03, 0x91, 0x04, b'T', b'a', b'g', b'1', 0x01, 0x00, 0, 0, 0, 0,
    ];
    let mut cip = vec![0x52, 0x02, 0x20, 0x06, 0x24, 0x01, 0x0a, 0xf0];
    cip.extend_from_slice(&(embedded.len() as u16).to_le_bytes());
    cip.extend_from_slice(embedded);
    cip.extend_from_slice(&[0x01, 0x00, 0x01, 0x00]); // route path: 1 word, port 1 slot 0
    let mut data = vec![0, 0, 0, 0, 0, 0, 0x02, 0x00, 0, 0, 0, 0, 0xb2, 0x00];
    data.extend_from_slice(&(cip.len() as u16).to_le_bytes());
    data.extend_from_slice(&cip);
    let mut msg = vec![0x6f, 0x00];
    msg.extend_from_slice(&(data.len() as u16).to_le_bytes());
    msg.extend_from_slice(&[0; 20]);
    msg.extend_from_slice(&data);
    assert_eq!(probe(Direction::ToServer, &msg), Probe::Match);
    let mut s = EnipSession::new();
    let mut sink = Sink::default();
    feed(&mut s, &mut sink, Direction::ToServer, &msg);
    assert_eq!(sink.ops, vec![Operation::Read]);
    let cip = sink.log("cip");
    assert_eq!(cip[0]["cip_service"], "unconnected_send");
    assert_eq!(cip[1]["cip_service"], "read_tag_fragmented");
    assert_eq!(cip[1]["tag_name"]["text"], "Tag1");
    assert_eq!(cip[1]["encapsulated_in"], 0x52);
}

#[test]
fn identity_reset_is_restart_and_register_session_is_session() {
    let path = wire::parse_path(&[0x20, 0x01, 0x24, 0x01]);
    assert_eq!(
        semantics::cip_operation(0x05, &path),
        Operation::ModeChange(ModeChange::Restart)
    );
    assert_eq!(
        semantics::cip_operation(0x0e, &path),
        Operation::IdentityQuery
    );
    let file = wire::parse_path(&[0x20, 0x37, 0x24, 0x01]);
    assert_eq!(
        semantics::cip_operation(0x4b, &file),
        Operation::FileTransfer
    );
    let reg: &[u8] = &[
        0x65, 0x00, 0x04, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
        0x00, // protocol version 1
        0x00, 0x00, // option flags
    ];
    assert_eq!(probe(Direction::ToServer, reg), Probe::Match);
    let mut s = EnipSession::new();
    let mut sink = Sink::default();
    feed(&mut s, &mut sink, Direction::ToServer, reg);
    assert_eq!(sink.ops, vec![Operation::Session]);
}

#[test]
fn parses_16_and_32_bit_logical_segments() {
    let p = wire::parse_path(&[
        0x21, 0x00, 0x34, 0x12, 0x26, 0x00, 0x78, 0x56, 0x34, 0x12, 0x30, 0x05,
    ]);
    assert_eq!(p.class, Some(0x1234));
    assert_eq!(p.instance, Some(0x1234_5678));
    assert_eq!(p.attribute, Some(5));
    assert!(p.complete);
}

#[test]
fn probe_is_strict() {
    assert_eq!(probe(Direction::ToServer, STOP_PLC), Probe::Match);
    assert_eq!(
        probe(Direction::ToClient, LIST_IDENTITY_REPLY),
        Probe::Match
    );
    assert_eq!(probe(Direction::ToServer, IO_DATAGRAM), Probe::Match);
    assert_eq!(probe(Direction::ToServer, &STOP_PLC[..10]), Probe::NeedMore);
    assert_eq!(
        probe(Direction::ToServer, b"GET / HTTP/1.1\r\nHost: plc\r\n\r\n"),
        Probe::NoMatch
    );
    let mut bad = STOP_PLC.to_vec();
    bad[20] = 1; // options must be 0
    assert_eq!(probe(Direction::ToServer, &bad), Probe::NoMatch);
    let mut bad = STOP_PLC.to_vec();
    bad[8] = 1; // status must be 0 in requests
    assert_eq!(probe(Direction::ToServer, &bad), Probe::NoMatch);
}

#[test]
fn split_message_reports_incomplete() {
    let mut s = EnipSession::new();
    let mut sink = Sink::default();
    let p = s.feed(Direction::ToServer, &STOP_PLC[..30], &mut sink);
    assert_eq!(
        p,
        Progress::Incomplete {
            consumed: 0,
            needed: 22
        }
    );
    assert!(sink.ops.is_empty());
}

#[test]
fn pending_cap_holds() {
    let mut s = EnipSession::new();
    let mut sink = Sink::default();
    for seq in 0..(MAX_PENDING as u16 + 5) {
        let mut m = STOP_PLC.to_vec();
        m[44..46].copy_from_slice(&seq.to_le_bytes());
        feed(&mut s, &mut sink, Direction::ToServer, &m);
    }
    assert_eq!(s.pending().count(), MAX_PENDING);
    assert_eq!(
        sink.anomalies
            .iter()
            .filter(|a| **a == "too_many_transactions")
            .count(),
        5
    );
}

#[test]
fn generated_tables_resolve() {
    assert_eq!(
        cip_vendor_name(1),
        Some("Rockwell Automation/Allen-Bradley")
    );
    assert_eq!(cip_device_type_name(0x0c), Some("Communications Adapter"));
    assert_eq!(cip_class_name(0x06), Some("Connection Manager"));
    assert_eq!(cip_vendor_name(0xfffe), None);
}
