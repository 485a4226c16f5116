// SPDX-License-Identifier: Apache-2.0
//! Unit tests with annotated bytes cut from ITI `JavaRMI_and_IEC_Misc.pcap`.
#![allow(clippy::indexing_slicing, clippy::unwrap_used, clippy::panic)]

use super::wire::{parse_apdu, parse_asdu, Apci};
use super::{probe, Iec104Session};
use crate::api::{Direction, ObservationSink, Probe, Progress, Session};
use plantguard_model::{IdentityFact, Operation, Side};

/// Frame 6: STARTDT act.
const STARTDT_ACT: &[u8] = &[
    0x68, // start
    0x04, // length
    0x07, // U format, STARTDT act
    0x00, 0x00, 0x00, // rest of the control field
];

/// Frame 10: general interrogation C_IC_NA_1, activation, station 37133.
const C_IC_ACT: &[u8] = &[
    0x68, // start
    0x0E, // length 14
    0x00, 0x00, // I format, N(S) 0
    0x00, 0x00, // N(R) 0
    0x64, // type id 100 C_IC_NA_1
    0x01, // VSQ: SQ 0, 1 object
    0x06, // COT 6 activation, P/N 0, T 0
    0x01, // originator address 1
    0x0D, 0x91, // common address 37133
    0x00, 0x00, 0x00, // IOA 0
    0x14, // QOI 20 station interrogation
];

/// Frame 17: M_SP_NA_1 with SQ, 10 single points from IOA 10010, interrogated.
const M_SP_SEQUENCE: &[u8] = &[
    0x68, 0x17, // start, length 23
    0x04, 0x00, 0x02, 0x00, // I format, N(S) 2, N(R) 1
    0x01, // type id 1 M_SP_NA_1
    0x8A, // VSQ: SQ 1, 10 elements
    0x14, // COT 20 interrogated by station interrogation
    0x01, // originator
    0x0D, 0x91, // common address 37133
    0x1A, 0x27, 0x00, // IOA 10010
    0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // 10 SIQ octets
];

#[derive(Default)]
struct Sink {
    ops: Vec<Operation>,
    anomalies: Vec<&'static str>,
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
    fn anomaly(&mut self, _: &'static str, name: &'static str) {
        self.anomalies.push(name);
    }
    fn wants_records(&self) -> bool {
        true
    }
    fn record(&mut self, _: &'static str, record: &dyn erased_serde::Serialize) {
        self.records.push(serde_json::to_value(record).unwrap());
    }
}

#[test]
fn parses_u_frame() {
    let (apdu, len) = parse_apdu(STARTDT_ACT).unwrap();
    assert_eq!(len, 6);
    assert_eq!(apdu.apci, Apci::U { function: 0x07 });
}

#[test]
fn parses_interrogation_asdu() {
    let (apdu, len) = parse_apdu(C_IC_ACT).unwrap();
    assert_eq!(len, C_IC_ACT.len());
    assert_eq!(apdu.apci, Apci::I { tx: 0, rx: 0 });
    let asdu = parse_asdu(apdu.asdu).unwrap();
    assert_eq!(
        (asdu.type_id, asdu.cot, asdu.common_address),
        (100, 6, 37133)
    );
    assert!(!asdu.negative && !asdu.test && !asdu.sequence);
    assert!(asdu.length_is_consistent());
    assert_eq!(asdu.ioas().collect::<Vec<_>>(), vec![0]);
}

#[test]
fn lists_ioas_of_a_sequence() {
    let (apdu, _) = parse_apdu(M_SP_SEQUENCE).unwrap();
    assert_eq!(apdu.apci, Apci::I { tx: 2, rx: 1 });
    let asdu = parse_asdu(apdu.asdu).unwrap();
    assert!(asdu.sequence && asdu.length_is_consistent());
    let ioas: Vec<u32> = asdu.ioas().collect();
    assert_eq!(ioas, (10010..10020).collect::<Vec<_>>());
}

#[test]
fn probe_is_strict() {
    assert_eq!(probe(Direction::ToServer, STARTDT_ACT), Probe::Match);
    assert_eq!(probe(Direction::ToServer, C_IC_ACT), Probe::Match);
    assert_eq!(probe(Direction::ToServer, &C_IC_ACT[..3]), Probe::NeedMore);
    // U frame with an undefined function.
    assert_eq!(
        probe(Direction::ToServer, &[0x68, 0x04, 0x0F, 0, 0, 0]),
        Probe::NoMatch
    );
    // Length below 4.
    assert_eq!(
        probe(Direction::ToServer, &[0x68, 0x02, 0x07, 0]),
        Probe::NoMatch
    );
    assert_eq!(
        probe(Direction::ToServer, b"GET / HTTP/1.1\r\n"),
        Probe::NoMatch
    );
}

#[test]
fn maps_messages_to_operations_and_records() {
    let mut s = Iec104Session::new();
    let mut sink = Sink::default();
    let mut to_server = STARTDT_ACT.to_vec();
    to_server.extend_from_slice(C_IC_ACT);
    assert_eq!(
        s.feed(Direction::ToServer, &to_server, &mut sink),
        Progress::Done
    );
    assert_eq!(
        s.feed(Direction::ToClient, M_SP_SEQUENCE, &mut sink),
        Progress::Done
    );
    // STARTDT → Session, C_IC → Read; interrogated data is an answer, not an operation.
    assert_eq!(sink.ops, vec![Operation::Session, Operation::Read]);
    assert!(sink.anomalies.is_empty(), "{:?}", sink.anomalies);
    assert_eq!(sink.records.len(), 3);
    assert_eq!(sink.records[0]["u_function"], "startdt_act");
    assert_eq!(sink.records[1]["type_name"], "C_IC_NA_1");
    assert_eq!(sink.records[1]["cot_name"], "act");
    assert_eq!(sink.records[2]["ioa_first"], 10010);
    assert_eq!(sink.records[2]["ioa_count"], 10);
    assert_eq!(sink.records[2]["cot_name"], "inrogen");
    assert_eq!(sink.ids.len(), 1);
}

#[test]
fn flags_length_mismatch_and_resyncs() {
    let mut bad = C_IC_ACT.to_vec();
    bad[7] = 0x02; // two objects announced, one present
    let mut bytes = vec![0xAA, 0x68, 0x01];
    bytes.extend_from_slice(&bad);
    let mut s = Iec104Session::new();
    let mut sink = Sink::default();
    assert_eq!(
        s.feed(Direction::ToServer, &bytes, &mut sink),
        Progress::Done
    );
    assert!(sink.anomalies.contains(&"invalid_apci"));
    assert!(sink.anomalies.contains(&"asdu_length_mismatch"));
    assert_eq!(sink.ops, vec![Operation::Read]);
}
