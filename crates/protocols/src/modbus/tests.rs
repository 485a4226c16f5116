// SPDX-License-Identifier: Apache-2.0
//! Unit tests with annotated bytes cut from corpus captures.
#![allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use super::*;
use crate::api::{ObservationSink, Progress};
use plantguard_model::{IdentityFact, ModeChange, Operation, Side};

#[derive(Default)]
struct Sink {
    ops: Vec<Operation>,
    ids: Vec<(Side, IdentityFact)>,
    anomalies: Vec<&'static str>,
    records: Vec<serde_json::Value>,
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
        assert_eq!(log, "modbus");
        self.records.push(serde_json::to_value(record).unwrap());
    }
}

/// modbus_test.pcap frame 6: Read Input Registers request.
const READ_INPUT_REGS_REQ: &[u8] = &[
    0xde, 0x04, // transaction id 56836
    0x00, 0x00, // protocol id 0
    0x00, 0x06, // length 6
    0x01, // unit id 1
    0x04, // function 4 Read Input Registers
    0x00, 0x00, // starting address 0
    0x00, 0x08, // quantity 8
];

/// modbus_test.pcap frame 8: its response.
const READ_INPUT_REGS_RESP: &[u8] = &[
    0xde, 0x04, // transaction id 56836
    0x00, 0x00, // protocol id 0
    0x00, 0x13, // length 19
    0x01, // unit id 1
    0x04, // function 4
    0x10, // byte count 16
    0x00, 0x00, 0x53, 0xf5, 0x00, 0x00, 0x00, 0x00, // registers 0-3
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x33, 0x18, // registers 4-7
];

/// modbus_test_data_part1.pcap frame 15: Diagnostics, Restart Communications Option.
const DIAG_RESTART_REQ: &[u8] = &[
    0x00, 0x00, // transaction id 0
    0x00, 0x00, // protocol id
    0x00, 0x06, // length 6
    0x0a, // unit id 10
    0x08, // function 8 Diagnostics
    0x00, 0x01, // sub-function 1 Restart Communications Option
    0x00, 0x00, // data
];

/// modbus_test_data_part1.pcap frame 16: exception response.
const DIAG_EXCEPTION_RESP: &[u8] = &[
    0x00, 0x00, // transaction id 0
    0x00, 0x00, // protocol id
    0x00, 0x03, // length 3
    0x0a, // unit id 10
    0x88, // function 8 | 0x80 exception
    0x0b, // exception 11 Gateway Target Device Failed to Respond
];

/// icsnpp modbus_example.pcap frame 92: Read Device Identification request.
const DEVICE_ID_REQ: &[u8] = &[
    0x00, 0x17, // transaction id 23
    0x00, 0x00, // protocol id
    0x00, 0x05, // length 5
    0x01, // unit id 1
    0x2b, // function 43 Encapsulated Interface Transport
    0x0e, // MEI type 14 Read Device Identification
    0x01, // read device id code 1 (basic)
    0x00, // object id 0
];

/// icsnpp modbus_example.pcap frame 94: its response with three objects.
const DEVICE_ID_RESP: &[u8] = &[
    0x00, 0x17, // transaction id 23
    0x00, 0x00, // protocol id
    0x00, 0x3d, // length 61
    0x01, // unit id 1
    0x2b, // function 43
    0x0e, // MEI type 14
    0x01, // read device id code 1
    0x83, // conformity level 0x83
    0x00, // more follows: no
    0x00, // next object id
    0x03, // number of objects 3
    0x00, 0x10, // object 0 VendorName, 16 bytes
    b'Z', b'e', b'e', b'k', b' ', b'M', b'o', b'd', b'b', b'u', b's', b' ', b'T', b'e', b's', b't',
    0x01, 0x18, // object 1 ProductCode, 24 bytes
    b'P', b'r', b'o', b't', b'o', b'c', b'o', b'l', b' ', b'P', b'a', b'r', b's', b'i', b'n', b'g',
    b' ', b'i', b's', b' ', b'f', b'u', b'n', b'!', 0x02,
    0x07, // object 2 MajorMinorRevision, 7 bytes
    b'1', b'.', b'2', b'.', b'3', b'.', b'6',
];

/// modicon_test.pcap frame 7: UMAS request (function 90).
const UMAS_REQ: &[u8] = &[
    0x00, 0x01, // transaction id 1
    0x00, 0x00, // protocol id
    0x00, 0x05, // length 5
    0x00, // unit id 0
    0x5a, // function 90 UMAS
    0x00, // session key 0
    0x01, // UMAS 0x01 INIT_COMM
    0x00, // data
];

/// icsnpp modbus_example.pcap frame 84: Read/Write Multiple Registers request.
const READ_WRITE_REQ: &[u8] = &[
    0x00, 0x15, // transaction id 21
    0x00, 0x00, // protocol id
    0x00, 0x11, // length 17
    0x06, // unit id 6
    0x17, // function 23 Read/Write Multiple Registers
    0x00, 0x01, // read starting address 1
    0x00, 0x04, // quantity to read 4
    0x00, 0x02, // write starting address 2
    0x00, 0x03, // quantity to write 3
    0x06, // write byte count 6
    0x00, 0xaa, 0x00, 0xbb, 0x00, 0xcc, // values
];

fn feed_all(s: &mut ModbusSession, sink: &mut Sink, dir: Direction, bytes: &[u8]) {
    assert_eq!(s.feed(dir, bytes, sink), Progress::Done);
}

#[test]
fn parses_mbap_header_fields() {
    let (frame, len) = parse_frame(READ_INPUT_REGS_REQ).unwrap();
    assert_eq!(len, 12);
    assert_eq!(frame.header.transaction_id, 0xde04);
    assert_eq!(frame.header.unit_id, 1);
    assert_eq!(frame.function_code(), FunctionCode::ReadInputRegisters);
    let f = wire::parse_request(frame.function_code(), frame.data);
    assert_eq!(
        (f.address, f.quantity, f.well_formed),
        (Some(0), Some(8), true)
    );
}

#[test]
fn pairs_response_with_request_by_tid() {
    let mut s = ModbusSession::new();
    let mut sink = Sink::default();
    feed_all(&mut s, &mut sink, Direction::ToServer, READ_INPUT_REGS_REQ);
    assert_eq!(s.pending().count(), 1);
    feed_all(&mut s, &mut sink, Direction::ToClient, READ_INPUT_REGS_RESP);
    assert_eq!(s.pending().count(), 0);
    assert_eq!(sink.ops, vec![Operation::Read]);
    assert!(sink.anomalies.is_empty(), "{:?}", sink.anomalies);
    let r = &sink.records[0];
    assert_eq!(r["tid"], 0xde04);
    assert_eq!(r["unit"], 1);
    assert_eq!(r["function_code"], 4);
    assert_eq!(r["func"], "READ_INPUT_REGISTERS");
    assert_eq!(r["address"], 0);
    assert_eq!(r["quantity"], 8);
    assert_eq!(r["response_values_count"], 8);
    assert_eq!(r["matched"], true);
}

#[test]
fn diagnostics_restart_is_a_restart_and_exception_is_logged() {
    let mut s = ModbusSession::new();
    let mut sink = Sink::default();
    feed_all(&mut s, &mut sink, Direction::ToServer, DIAG_RESTART_REQ);
    feed_all(&mut s, &mut sink, Direction::ToClient, DIAG_EXCEPTION_RESP);
    assert_eq!(sink.ops, vec![Operation::ModeChange(ModeChange::Restart)]);
    let r = &sink.records[0];
    assert_eq!(r["request_subfunction_code"], 1);
    assert_eq!(r["request_subfunction"], "RESTART_COMMUNICATIONS_OPTION");
    assert_eq!(r["exception_code"], 11);
    assert_eq!(r["exception"], "GATEWAY_TARGET_DEVICE_FAILED_TO_RESPOND");
}

#[test]
fn read_device_identification_yields_identity() {
    let mut s = ModbusSession::new();
    let mut sink = Sink::default();
    feed_all(&mut s, &mut sink, Direction::ToServer, DEVICE_ID_REQ);
    feed_all(&mut s, &mut sink, Direction::ToClient, DEVICE_ID_RESP);
    assert_eq!(sink.ops, vec![Operation::IdentityQuery]);
    assert_eq!(sink.ids.len(), 1);
    let (side, fact) = &sink.ids[0];
    assert_eq!(*side, Side::Server);
    assert_eq!(fact.protocol, "modbus");
    assert_eq!(fact.vendor.as_deref(), Some("Zeek Modbus Test"));
    assert_eq!(fact.model.as_deref(), Some("Protocol Parsing is fun!"));
    assert_eq!(fact.firmware.as_deref(), Some("1.2.3.6"));
    assert_eq!(sink.records[0]["mei_type"], 14);
}

#[test]
fn device_identification_more_follows_accumulates() {
    let mut first = DEVICE_ID_RESP.to_vec();
    first[11] = 0xff; // more follows
    first[12] = 0x04; // next object id
    let second: &[u8] = &[
        0x00, 0x18, 0x00, 0x00, 0x00, 0x0e, 0x01, // MBAP tid 24, length 14, unit 1
        0x2b, 0x0e, 0x02, 0x83, // function 43, MEI 14, code 2, conformity
        0x00, 0x00, 0x01, // no more, next 0, 1 object
        0x04, 0x04, b'M', b'3', b'4', b'0', // object 4 ProductName "M340"
    ];
    let mut s = ModbusSession::new();
    let mut sink = Sink::default();
    feed_all(&mut s, &mut sink, Direction::ToClient, &first);
    assert!(sink.ids.is_empty());
    feed_all(&mut s, &mut sink, Direction::ToClient, second);
    assert_eq!(sink.ids.len(), 1);
    assert_eq!(sink.ids[0].1.product.as_deref(), Some("M340"));
    assert_eq!(sink.ids[0].1.vendor.as_deref(), Some("Zeek Modbus Test"));
}

#[test]
fn umas_sub_function_is_named_and_mapped() {
    let mut s = ModbusSession::new();
    let mut sink = Sink::default();
    feed_all(&mut s, &mut sink, Direction::ToServer, UMAS_REQ);
    assert_eq!(sink.ops, vec![Operation::Session]);
    s.flush(&mut sink);
    let r = &sink.records[0];
    assert_eq!(r["umas_function_code"], 1);
    assert_eq!(r["umas_function"], "INIT_COMM");
    assert_eq!(r["matched"], false);
    assert_eq!(
        semantics::umas_operation(0x41),
        Operation::ModeChange(ModeChange::Stop)
    );
    assert_eq!(
        semantics::umas_operation(0x40),
        Operation::ModeChange(ModeChange::Start)
    );
    assert_eq!(semantics::umas_operation(0x31), Operation::ProgramDownload);
    assert_eq!(semantics::umas_operation(0x34), Operation::ProgramUpload);
}

#[test]
fn read_write_multiple_registers_counts_written_values() {
    let (frame, _) = parse_frame(READ_WRITE_REQ).unwrap();
    let f = wire::parse_request(frame.function_code(), frame.data);
    assert!(f.well_formed);
    assert_eq!(f.address, Some(1));
    assert_eq!(f.quantity, Some(4));
    assert_eq!(f.write_address, Some(2));
    assert_eq!(f.values_count, Some(3));
    assert_eq!(
        semantics::operation(frame.function_code(), &f),
        Operation::Write
    );
}

#[test]
fn rejects_length_below_two_and_nonzero_protocol_id() {
    assert_eq!(
        parse_frame(&[0, 1, 0, 0, 0, 1, 1, 3]).unwrap_err(),
        FrameError::Length(1)
    );
    assert_eq!(
        parse_frame(&[0, 1, 0, 5, 0, 6, 1, 3, 0, 0, 0, 1]).unwrap_err(),
        FrameError::ProtocolId(5)
    );
}

#[test]
fn probe_accepts_modbus_and_rejects_other_protocols() {
    assert_eq!(
        probe(Direction::ToServer, READ_INPUT_REGS_REQ),
        Probe::Match
    );
    assert_eq!(
        probe(Direction::ToClient, READ_INPUT_REGS_RESP),
        Probe::Match
    );
    assert_eq!(
        probe(Direction::ToServer, &READ_INPUT_REGS_REQ[..5]),
        Probe::NeedMore
    );
    // HTTP request.
    assert_eq!(
        probe(Direction::ToServer, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
        Probe::NoMatch
    );
    // TPKT/COTP connection request (S7comm).
    let cotp = [
        0x03, 0x00, 0x00, 0x16, 0x11, 0xe0, 0x00, 0x00, 0x00, 0x01, 0x00, 0xc0, 0x01, 0x0a,
    ];
    assert_eq!(probe(Direction::ToServer, &cotp), Probe::NoMatch);
    // A request whose length does not fit its function (read with 6 data bytes).
    let bad = [0, 1, 0, 0, 0, 8, 1, 3, 0, 0, 0, 1, 0, 0];
    assert_eq!(probe(Direction::ToServer, &bad), Probe::NoMatch);
}

#[test]
fn split_frame_reports_incomplete_then_completes() {
    let mut s = ModbusSession::new();
    let mut sink = Sink::default();
    let p = s.feed(Direction::ToServer, &READ_INPUT_REGS_REQ[..9], &mut sink);
    assert_eq!(
        p,
        Progress::Incomplete {
            consumed: 0,
            needed: 3
        }
    );
    feed_all(&mut s, &mut sink, Direction::ToServer, READ_INPUT_REGS_REQ);
    assert_eq!(sink.ops.len(), 1);
}

#[test]
fn resyncs_after_garbage_and_gap() {
    let mut s = ModbusSession::new();
    let mut sink = Sink::default();
    let mut bytes = vec![0xff, 0xee, 0x01];
    bytes.extend_from_slice(READ_INPUT_REGS_REQ);
    feed_all(&mut s, &mut sink, Direction::ToServer, &bytes);
    assert_eq!(sink.ops.len(), 1);
    assert!(sink.anomalies.contains(&"invalid_mbap_header"));
    s.gap(Direction::ToServer, 100);
    let mut bytes = READ_INPUT_REGS_REQ[5..].to_vec(); // tail of a frame cut by the gap
    bytes.extend_from_slice(READ_INPUT_REGS_REQ);
    let p = s.feed(Direction::ToServer, &bytes, &mut sink);
    assert_eq!(p, Progress::Done);
    assert_eq!(sink.ops.len(), 2);
}

#[test]
fn pending_cap_evicts_oldest_with_anomaly() {
    let mut s = ModbusSession::new();
    let mut sink = Sink::default();
    for tid in 0..(MAX_PENDING as u16 + 3) {
        let mut req = READ_INPUT_REGS_REQ.to_vec();
        req[..2].copy_from_slice(&tid.to_be_bytes());
        feed_all(&mut s, &mut sink, Direction::ToServer, &req);
    }
    assert_eq!(s.pending().count(), MAX_PENDING);
    assert_eq!(
        sink.anomalies
            .iter()
            .filter(|a| **a == "too_many_transactions")
            .count(),
        3
    );
    assert_eq!(sink.records.len(), 3);
    assert_eq!(sink.records[0]["tid"], 0);
}

#[test]
fn unsolicited_response_is_flagged_and_logged() {
    let mut s = ModbusSession::new();
    let mut sink = Sink::default();
    feed_all(&mut s, &mut sink, Direction::ToClient, READ_INPUT_REGS_RESP);
    assert_eq!(sink.anomalies, vec!["unsolicited_response"]);
    assert_eq!(sink.records[0]["matched"], false);
}

#[test]
fn abandons_non_modbus_stream() {
    let mut s = ModbusSession::new();
    let mut sink = Sink::default();
    let junk = [0x55u8; 400];
    let mut progress = s.feed(Direction::ToServer, &junk, &mut sink);
    // The junk never looks like a header, so it is skipped without parsing anything.
    for _ in 0..3 {
        if let Progress::Incomplete { consumed, .. } = progress {
            progress = s.feed(Direction::ToServer, &junk[consumed..], &mut sink);
        }
    }
    assert!(sink.ops.is_empty());
}
