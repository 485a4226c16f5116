// SPDX-License-Identifier: Apache-2.0
//! Unit tests with annotated bytes cut from corpus captures
//! (`ITI-ICS-Security-Tools/pcaps/s7/*`, `IEC61850/*` for MMS).
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use super::*;
use crate::api::{ObservationSink, Progress};
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

/// snap7_s300_setupCommunication.pcapng frame 1.
const SETUP_JOB: &[u8] = &[
    0x03, 0x00, 0x00, 0x19, // TPKT: version 3, reserved, length 25
    0x02, 0xf0, 0x80, // COTP: LI 2, DT, EOT + TPDU 0
    0x32, // S7 protocol id
    0x01, // ROSCTR job
    0x00, 0x00, // redundancy id
    0x00, 0x00, // PDU reference 0
    0x00, 0x08, // parameter length 8
    0x00, 0x00, // data length 0
    0xf0, // function: Setup Communication
    0x00, // reserved
    0x00, 0x01, // max AmQ calling 1
    0x00, 0x01, // max AmQ called 1
    0x01, 0xe0, // PDU length 480
];

/// snap7_s300_readVar.pcapng frame 1: Read Var of DB1.DBB0, 4 bytes.
const READ_VAR_JOB: &[u8] = &[
    0x03, 0x00, 0x00, 0x1f, // TPKT length 31
    0x02, 0xf0, 0x80, // COTP DT, EOT
    0x32, 0x01, 0x00, 0x00, // S7, job, redundancy
    0x00, 0x00, // PDU reference 0
    0x00, 0x0e, 0x00, 0x00, // parameter length 14, data length 0
    0x04, // function: Read Var
    0x01, // item count 1
    0x12, // variable specification
    0x0a, // length of address specification
    0x10, // syntax id S7ANY
    0x02, // transport size BYTE
    0x00, 0x04, // count 4
    0x00, 0x01, // DB 1
    0x84, // area: data blocks
    0x00, 0x00, 0x00, // address: byte 0, bit 0
];

/// snap7_s300_readVar.pcapng frame 2: the ack-data.
const READ_VAR_ACK: &[u8] = &[
    0x03, 0x00, 0x00, 0x19, // TPKT length 25
    0x02, 0xf0, 0x80, // COTP DT, EOT
    0x32, 0x03, 0x00, 0x00, // S7, ack-data, redundancy
    0x00, 0x00, // PDU reference 0
    0x00, 0x02, 0x00, 0x04, // parameter length 2, data length 4
    0x00, 0x00, // error class 0, error code 0
    0x04, 0x01, // function Read Var, item count 1
    0x0a, // return code 0x0A: object does not exist
    0x00, 0x00, 0x00, // transport size, length
];

/// snap7_s300_stop.pcapng frame 1: PLC Stop.
const PLC_STOP: &[u8] = &[
    0x03, 0x00, 0x00, 0x21, 0x02, 0xf0, 0x80, // TPKT length 33, COTP DT
    0x32, 0x01, 0x00, 0x00, // S7 job
    0x02, 0x00, // PDU reference 0x0200
    0x00, 0x10, 0x00, 0x00, // parameter length 16, data length 0
    0x29, // function: PLC Stop
    0x00, 0x00, 0x00, 0x00, 0x00, // unknown
    0x09, // PI service name length
    b'P', b'_', b'P', b'R', b'O', b'G', b'R', b'A', b'M', // "P_PROGRAM"
];

/// tia_s300_downloadOb1.pcapng frame 65: PI Service _INSE of OB1.
const PI_INSE: &[u8] = &[
    0x03, 0x00, 0x00, 0x2b, 0x02, 0xf0, 0x80, // TPKT length 43, COTP DT
    0x32, 0x01, 0x00, 0x00, // S7 job
    0xbe, 0x0a, // PDU reference
    0x00, 0x1a, 0x00, 0x00, // parameter length 26, data length 0
    0x28, // function: PI Service
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xfd, // unknown
    0x00, 0x0a, // parameter block length 10
    0x01, 0x00, // block count 1, unknown
    b'0', b'8', b'0', b'0', b'0', b'0', b'1', b'P', // OB (08) 00001, passive
    0x05, // service name length
    b'_', b'I', b'N', b'S', b'E', // "_INSE"
];

/// MMS over COTP (IEC61850/piccolo.pcap frame 3): CR with TSAPs 0x0001 / 0x0001.
const MMS_CR: &[u8] = &[
    0x03, 0x00, 0x00, 0x16, // TPKT length 22
    0x11, 0xe0, // COTP LI 17, CR
    0x00, 0x00, 0x00, 0x01, 0x00, // dst ref, src ref, class 0
    0xc0, 0x01, 0x0a, // TPDU size 1024
    0xc2, 0x02, 0x00, 0x01, // called TSAP 0x0001
    0xc1, 0x02, 0x00, 0x01, // calling TSAP 0x0001
];

/// The first MMS DT: an ISO session CONNECT SPDU (0x0D), not S7.
const MMS_DT: &[u8] = &[
    0x03, 0x00, 0x00, 0x0b, 0x02, 0xf0, 0x80, 0x0d, 0xb2, 0x05, 0x06,
];

/// S7 CR as sent by snap7: called TSAP 0x0102 = PG, rack 0, slot 2.
const S7_CR: &[u8] = &[
    0x03, 0x00, 0x00, 0x16, 0x11, 0xe0, // TPKT length 22, COTP LI 17, CR
    0x00, 0x00, 0x00, 0x01, 0x00, // refs, class 0
    0xc0, 0x01, 0x0a, // TPDU size 1024
    0xc1, 0x02, 0x01, 0x00, // calling TSAP 0x0100
    0xc2, 0x02, 0x01, 0x02, // called TSAP 0x0102
];

fn feed_all(s: &mut S7Session, dir: Direction, bytes: &[u8], sink: &mut Sink) -> Progress {
    s.feed(dir, bytes, sink)
}

#[test]
fn probe_matches_setup_communication_job() {
    assert_eq!(probe(Direction::ToServer, SETUP_JOB), Probe::Match);
    assert_eq!(probe(Direction::ToServer, &SETUP_JOB[..3]), Probe::NeedMore);
}

#[test]
fn probe_matches_s7_connection_request_by_tsap() {
    assert_eq!(probe(Direction::ToServer, S7_CR), Probe::Match);
}

#[test]
fn probe_leaves_mms_to_another_parser() {
    assert_eq!(probe(Direction::ToServer, MMS_CR), Probe::NeedMore);
    let both = [MMS_CR, MMS_DT].concat();
    assert_eq!(probe(Direction::ToServer, &both), Probe::NoMatch);
    assert_eq!(probe(Direction::ToServer, MMS_DT), Probe::NoMatch);
}

#[test]
fn session_abandons_mms_payload() {
    let mut s = S7Session::new();
    let mut sink = Sink::default();
    let both = [MMS_CR, MMS_DT].concat();
    assert!(matches!(
        feed_all(&mut s, Direction::ToServer, &both, &mut sink),
        Progress::Abandon(_)
    ));
}

#[test]
fn rejects_bad_tpkt_version() {
    let mut bytes = SETUP_JOB.to_vec();
    bytes[0] = 4;
    assert_eq!(probe(Direction::ToServer, &bytes), Probe::NoMatch);
}

#[test]
fn setup_communication_is_a_session_operation() {
    let mut s = S7Session::new();
    let mut sink = Sink::default();
    assert_eq!(
        feed_all(&mut s, Direction::ToServer, SETUP_JOB, &mut sink),
        Progress::Done
    );
    assert_eq!(sink.ops, vec![Operation::Session]);
    assert_eq!(s.pending_len(), 1);
}

#[test]
fn pairs_read_var_ack_data_with_job_by_pdu_reference() {
    let mut s = S7Session::new();
    let mut sink = Sink::default();
    feed_all(&mut s, Direction::ToServer, READ_VAR_JOB, &mut sink);
    feed_all(&mut s, Direction::ToClient, READ_VAR_ACK, &mut sink);
    assert_eq!(sink.ops, vec![Operation::Read]);
    assert_eq!(s.pending_len(), 0);
    let (log, r) = &sink.records[0];
    assert_eq!(*log, "s7comm");
    assert_eq!(r["function_code"], 4);
    assert_eq!(r["function_name"], "read_var");
    assert_eq!(r["item_count"], 1);
    assert_eq!(r["items"][0]["area"], "data_blocks");
    assert_eq!(r["items"][0]["db"], 1);
    assert_eq!(r["items"][0]["count"], 4);
    assert_eq!(r["return_code"], 10);
    assert_eq!(r["return_code_name"], "object_does_not_exist");
    assert_eq!(r["answered"], true);
}

#[test]
fn plc_stop_is_a_stop_mode_change() {
    let mut s = S7Session::new();
    let mut sink = Sink::default();
    feed_all(&mut s, Direction::ToServer, PLC_STOP, &mut sink);
    assert_eq!(sink.ops, vec![Operation::ModeChange(ModeChange::Stop)]);
    s.flush(&mut sink);
    assert_eq!(sink.records[0].1["pi_service"], "P_PROGRAM");
    assert_eq!(sink.records[0].1["answered"], false);
}

#[test]
fn pi_insert_is_a_file_transfer_naming_the_block() {
    let mut s = S7Session::new();
    let mut sink = Sink::default();
    feed_all(&mut s, Direction::ToServer, PI_INSE, &mut sink);
    assert_eq!(sink.ops, vec![Operation::FileTransfer]);
    s.flush(&mut sink);
    let r = &sink.records[0].1;
    assert_eq!(r["pi_service"], "_INSE");
    assert_eq!(r["block_type"], "ob");
    assert_eq!(r["block_number"], 1);
    assert_eq!(r["destination_filesystem"], "passive");
}

#[test]
fn szl_module_identification_gives_order_number_and_firmware() {
    // snap7_s300_everything.pcapng frames 3 (request) and 4 (response), payload hex.
    let req = hex("0300002102f080320700000100000800080001120411440100ff09000400110000");
    let resp = hex("0300009902f080320700000100000c007c000112081284010200000000ff09007800110000001c0004000136455337203331352d32454831342d304142302000c000030001000636455337203331352d32454831342d304142302000c0000300010007202020202020202020202020202020202020202000c0560302070081426f6f74204c6f61646572202020202020202020000041200909");
    let mut s = S7Session::new();
    let mut sink = Sink::default();
    feed_all(&mut s, Direction::ToServer, &req, &mut sink);
    feed_all(&mut s, Direction::ToClient, &resp, &mut sink);
    assert_eq!(sink.ops, vec![Operation::IdentityQuery]);
    let (side, f) = &sink.ids[0];
    assert_eq!(*side, Side::Server);
    assert_eq!(f.model.as_deref(), Some("6ES7 315-2EH14-0AB0"));
    assert_eq!(f.firmware.as_deref(), Some("V3.2.7"));
    assert_eq!(sink.records[0].1["szl_id"], 0x11);
    assert_eq!(sink.records[0].1["szl_id_name"], "Module identification");
}

#[test]
fn reassembles_an_s7_pdu_split_over_two_dt_tpdus() {
    // The Setup Communication job split after the parameter length: first DT without EOT.
    let s7 = &SETUP_JOB[7..];
    let (a, b) = s7.split_at(8);
    let mut bytes = vec![
        0x03,
        0x00,
        0x00,
        u8::try_from(7 + a.len()).unwrap(),
        0x02,
        0xf0,
        0x00,
    ];
    bytes.extend_from_slice(a);
    bytes.extend_from_slice(&[
        0x03,
        0x00,
        0x00,
        u8::try_from(7 + b.len()).unwrap(),
        0x02,
        0xf0,
        0x81,
    ]);
    bytes.extend_from_slice(b);
    let mut s = S7Session::new();
    let mut sink = Sink::default();
    assert_eq!(
        feed_all(&mut s, Direction::ToServer, &bytes, &mut sink),
        Progress::Done
    );
    assert_eq!(sink.ops, vec![Operation::Session]);
}

#[test]
fn reports_incomplete_tpkt_without_consuming_it() {
    let mut s = S7Session::new();
    let mut sink = Sink::default();
    let input = [SETUP_JOB, &READ_VAR_JOB[..10]].concat();
    assert_eq!(
        feed_all(&mut s, Direction::ToServer, &input, &mut sink),
        Progress::Incomplete {
            consumed: SETUP_JOB.len(),
            needed: READ_VAR_JOB.len() - 10
        }
    );
}

#[test]
fn pending_cap_holds_and_logs_evicted_requests() {
    let mut s = S7Session::new();
    let mut sink = Sink::default();
    for i in 0..100u16 {
        let mut job = READ_VAR_JOB.to_vec();
        job[11..13].copy_from_slice(&i.to_be_bytes());
        feed_all(&mut s, Direction::ToServer, &job, &mut sink);
    }
    assert_eq!(s.pending_len(), session::MAX_PENDING);
    assert!(sink.anomalies.contains(&"too_many_pending"));
    assert_eq!(sink.records.len(), 100 - session::MAX_PENDING);
}

#[test]
fn resyncs_after_garbage() {
    let mut s = S7Session::new();
    let mut sink = Sink::default();
    let input = [&[0xde, 0xad, 0xbe, 0xef, 0x00][..], SETUP_JOB].concat();
    assert_eq!(
        feed_all(&mut s, Direction::ToServer, &input, &mut sink),
        Progress::Done
    );
    assert!(sink.anomalies.contains(&"bad_tpkt_header"));
    assert_eq!(sink.ops, vec![Operation::Session]);
}

#[test]
fn cotp_connection_request_names_rack_and_slot() {
    let mut s = S7Session::new();
    let mut sink = Sink::default();
    feed_all(&mut s, Direction::ToServer, S7_CR, &mut sink);
    let (log, r) = &sink.records[0];
    assert_eq!(*log, "cotp");
    assert_eq!(r["pdu_code"], 0x0e);
    assert_eq!(r["connection_type"], "pg");
    assert_eq!(r["rack"], 0);
    assert_eq!(r["slot"], 2);
    assert_eq!(r["tpdu_size"], 1024);
}

#[test]
fn s7comm_plus_request_is_recognised() {
    // icsnpp s7comm_plus.pcap frame 7 (V3 SetVariable request), first 48 bytes + trailer-free end.
    let b = hex("0300006802f0807203005920e969a95a852ab0e288480ccecb618e48779f4b68a1ce9a9c42cd6aa53680068331000004f20000831a70000e4d7470000e5101881d000700ce000004e88969001200000000896a001300896b000400000084eb27");
    assert_eq!(probe(Direction::ToServer, &b), Probe::Match);
    let h = wire::parse_plus(&b[7..]).unwrap();
    assert_eq!(h.version, 3);
    assert_eq!(h.opcode, Some(codes::PlusOpcode::Request));
    assert_eq!(h.function, Some(0x04F2));
    assert_eq!(h.sequence, Some(0x831a));
}

#[test]
fn scans_order_number_in_plus_payload() {
    let p = b"\x72\x01xx\x32garbage 6ES7 214-1AG40-0XB0 \x00 more";
    assert_eq!(
        identity::scan_order_number(p).as_deref(),
        Some("6ES7 214-1AG40-0XB0")
    );
    assert_eq!(identity::scan_order_number(b"6ES7"), None);
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}
