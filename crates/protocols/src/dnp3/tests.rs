// SPDX-License-Identifier: Apache-2.0
//! Unit tests with annotated bytes cut from icsnpp-dnp3 `dnp3_example.pcap`.
#![allow(clippy::indexing_slicing, clippy::unwrap_used, clippy::panic)]

use super::objects::{ObjectHeaders, Range};
use super::wire::{crc, parse_app_header, parse_link_frame};
use super::{probe, Dnp3Session, FunctionCode, MAX_PENDING};
use crate::api::{Direction, ObservationSink, Probe, Progress, Session};
use plantguard_model::{HostFact, IdentityFact, Operation, Side};

/// Frame 1: master 100 reads class 0 from outstation 5.
const READ_CLASS0: &[u8] = &[
    0x05, 0x64, // start
    0x0B, // length: 5 + 6 user octets
    0xC4, // control: DIR, PRM, unconfirmed user data (4)
    0x05, 0x00, // destination 5
    0x64, 0x00, // source 100
    0x6F, 0x36, // header CRC
    0xD0, // transport: FIN, FIR, seq 16
    0xC3, // application control: FIR, FIN, seq 3
    0x01, // function READ
    0x3C, 0x01, // g60v1 class 0
    0x06, // qualifier: no prefix, all objects
    0x34, 0x4D, // block CRC
];

/// Frame 306: OPERATE of CROB index 0 (close, pulse off, count 1, on 500 ms).
const OPERATE_CROB: &[u8] = &[
    0x05, 0x64, 0x18, 0xC4, 0x05, 0x00, 0x64, 0x00, 0xFE, 0xDD, // link header, dst 5, src 100
    0xCD, // transport FIN FIR seq 13
    0xC8, // app control FIR FIN seq 8
    0x04, // OPERATE
    0x0C, 0x01, // g12v1 CROB
    0x17, // qualifier: 1-octet index prefix, 1-octet count
    0x01, // count 1
    0x00, // index 0
    0x42, // control code: trip-close 1 (close), operation 2 (pulse off)
    0x01, // count
    0xF4, 0x01, 0x00, 0x00, // on time 500 ms
    0x00, 0x00, // off time (low octets)
    0x93, 0xFC, // block CRC
    0x00, 0x00, // off time (high octets)
    0x00, // status
    0xFF, 0xFF, // block CRC
];

/// Frame 307: the outstation's response echoing the CROB with status 0.
const OPERATE_RESPONSE: &[u8] = &[
    0x05, 0x64, 0x1A, 0x44, 0x64, 0x00, 0x05, 0x00, 0xC0,
    0xAE, // link header, dst 100, src 5, DIR=0
    0xFE, // transport FIN FIR seq 62
    0xC8, // app control FIR FIN seq 8
    0x81, // RESPONSE
    0x00, 0x00, // IIN
    0x0C, 0x01, 0x17, 0x01, 0x00, 0x42, 0x01, 0xF4, 0x01, 0x00, 0x00, // g12v1 echo
    0xC8, 0x39, // block CRC
    0x00, 0x00, 0x00, 0x00, // off time
    0x00, // status success
    0xFF, 0xFF, // block CRC
];

#[derive(Default)]
struct Sink {
    ops: Vec<Operation>,
    anomalies: Vec<&'static str>,
    facts: Vec<(Side, HostFact)>,
    ids: Vec<IdentityFact>,
    records: Vec<(&'static str, serde_json::Value)>,
    /// Records off, as in a run without logs.
    no_records: bool,
}

impl ObservationSink for Sink {
    fn operation(&mut self, _: &'static str, op: Operation) {
        self.ops.push(op);
    }
    fn identity(&mut self, _: Side, fact: IdentityFact) {
        self.ids.push(fact);
    }
    fn host_fact(&mut self, subject: Side, fact: HostFact) {
        self.facts.push((subject, fact));
    }
    fn anomaly(&mut self, _: &'static str, name: &'static str) {
        self.anomalies.push(name);
    }
    fn wants_records(&self) -> bool {
        !self.no_records
    }
    fn record(&mut self, log: &'static str, record: &dyn erased_serde::Serialize) {
        self.records
            .push((log, serde_json::to_value(record).unwrap()));
    }
}

#[test]
fn crc_matches_the_header_crc_of_a_real_frame() {
    assert_eq!(crc(&READ_CLASS0[..8]), 0x366F);
}

#[test]
fn sliced_crc_equals_the_bytewise_one_at_every_length() {
    // A pseudo-random byte stream; every length 0..=300 and every start
    // offset 0..8 covers each split between 8-byte slices and the tail.
    let mut x = 0x2545_f491_4f6c_dd1du64;
    let bytes: Vec<u8> = (0..320)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    for start in 0..8 {
        for len in 0..=300 {
            let d = &bytes[start..start + len];
            assert_eq!(
                crc(d),
                super::wire::crc_bytewise(d),
                "start {start} len {len}"
            );
        }
    }
    // The unrolled header and full-block CRCs the link layer uses.
    for start in 0..=bytes.len() - 8 {
        let header: &[u8; 8] = bytes[start..start + 8].try_into().unwrap();
        assert_eq!(
            super::wire::crc_8(header),
            super::wire::crc_bytewise(header),
            "header at {start}"
        );
    }
    for start in 0..=bytes.len() - 16 {
        let block: &[u8; 16] = bytes[start..start + 16].try_into().unwrap();
        assert_eq!(
            super::wire::crc_block(block),
            super::wire::crc_bytewise(block),
            "block at {start}"
        );
    }
}

#[test]
fn parses_link_frame_and_strips_block_crcs() {
    let (frame, len) = parse_link_frame(READ_CLASS0).unwrap();
    assert_eq!(len, READ_CLASS0.len());
    assert!(frame.header.crc_ok && frame.header.is_from_master());
    assert_eq!((frame.header.source, frame.header.destination), (100, 5));
    assert_eq!(frame.block_crc_errors, 0);
    assert_eq!(frame.user_data(), &[0xD0, 0xC3, 0x01, 0x3C, 0x01, 0x06]);
}

#[test]
fn iterates_object_headers_lazily() {
    let (frame, _) = parse_link_frame(OPERATE_CROB).unwrap();
    let (app, objects) = parse_app_header(&frame.user_data()[1..]).unwrap();
    assert_eq!(app.function, 4);
    let headers: Vec<_> = ObjectHeaders::new(objects, true).collect();
    assert_eq!(headers.len(), 1);
    let h = headers[0].unwrap();
    assert_eq!(
        (h.group, h.variation, h.qualifier, h.range),
        (12, 1, 0x17, Range::Count(1))
    );
    let points: Vec<_> = h.points(11).collect();
    assert_eq!(points.len(), 1);
    assert_eq!(points[0].1[0], 0x42);
}

#[test]
fn probe_requires_start_octets_and_header_crc() {
    assert_eq!(probe(Direction::ToServer, READ_CLASS0), Probe::Match);
    assert_eq!(
        probe(Direction::ToServer, &READ_CLASS0[..5]),
        Probe::NeedMore
    );
    let mut bad = READ_CLASS0.to_vec();
    bad[8] ^= 1;
    assert_eq!(probe(Direction::ToServer, &bad), Probe::NoMatch);
    assert_eq!(
        probe(Direction::ToServer, b"GET / HTTP/1.1\r\n"),
        Probe::NoMatch
    );
}

#[test]
fn a_pending_control_request_keeps_its_points_only_for_records() {
    for no_records in [false, true] {
        let mut s = Dnp3Session::new();
        let mut sink = Sink {
            no_records,
            ..Sink::default()
        };
        s.feed(Direction::ToServer, OPERATE_CROB, &mut sink);
        let pending: Vec<_> = s.pending().collect();
        assert_eq!(pending.len(), 1);
        let expected: &[u32] = if no_records { &[] } else { &[0] };
        assert_eq!(pending[0].points(), expected, "records off: {no_records}");
        s.feed(Direction::ToClient, OPERATE_RESPONSE, &mut sink);
        assert_eq!(sink.ops, vec![Operation::Write]);
        assert_eq!(s.pending().count(), 0);
        assert_eq!(sink.records.is_empty(), no_records);
    }
}

#[test]
fn pairs_operate_with_its_response_and_logs_the_crob() {
    let mut s = Dnp3Session::new();
    let mut sink = Sink::default();
    assert_eq!(
        s.feed(Direction::ToServer, OPERATE_CROB, &mut sink),
        Progress::Done
    );
    assert_eq!(
        s.feed(Direction::ToClient, OPERATE_RESPONSE, &mut sink),
        Progress::Done
    );
    assert_eq!(sink.ops, vec![Operation::Write]);
    assert!(sink.anomalies.is_empty(), "{:?}", sink.anomalies);
    let log: Vec<_> = sink.records.iter().filter(|r| r.0 == "dnp3").collect();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].1["fc_request"], "OPERATE");
    assert_eq!(log[0].1["fc_reply"], "RESPONSE");
    assert_eq!(log[0].1["matched"], true);
    assert_eq!(log[0].1["control_points"], serde_json::json!([0]));
    let control: Vec<_> = sink
        .records
        .iter()
        .filter(|r| r.0 == "dnp3_control")
        .collect();
    assert_eq!(control.len(), 2);
    assert_eq!(control[0].1["trip_control_code"], "Close");
    assert_eq!(control[0].1["operation_type"], "Pulse Off");
    assert_eq!(control[0].1["on_time"], 500);
    assert_eq!(control[1].1["status"], "Success");
    // Roles from the DIR bit: the client is the master, the server the outstation.
    assert!(sink.facts.contains(&(
        Side::Client,
        HostFact::Attribute {
            key: "dnp3_role".into(),
            value: "master".into()
        }
    )));
    assert!(sink.facts.contains(&(
        Side::Server,
        HostFact::Attribute {
            key: "dnp3_address".into(),
            value: "5".into()
        }
    )));
    assert_eq!(sink.ids.len(), 1);
}

#[test]
fn bad_block_crc_is_an_anomaly_not_an_error() {
    let mut bytes = READ_CLASS0.to_vec();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xFF;
    let mut s = Dnp3Session::new();
    let mut sink = Sink::default();
    assert_eq!(
        s.feed(Direction::ToServer, &bytes, &mut sink),
        Progress::Done
    );
    assert_eq!(sink.anomalies, vec!["link_data_crc_error"]);
    assert_eq!(sink.ops, vec![Operation::Read]);
}

/// A link frame carrying `user` (unconfirmed user data from the master),
/// CRCs computed here: header, then 16-octet blocks each with its CRC.
fn link_frame(user: &[u8]) -> Vec<u8> {
    let length = u8::try_from(user.len()).unwrap().checked_add(5).unwrap();
    let mut f = vec![0x05, 0x64, length, 0xC4, 1, 0, 2, 0];
    let c = crc(&f);
    f.extend_from_slice(&c.to_le_bytes());
    for block in user.chunks(16) {
        f.extend_from_slice(block);
        f.extend_from_slice(&crc(block).to_le_bytes());
    }
    f
}

#[test]
fn multi_block_frames_count_each_bad_block_and_keep_the_data() {
    let user: Vec<u8> = (0..40u8).map(|i| i.wrapping_mul(37)).collect();
    let good = link_frame(&user);
    let (frame, len) = parse_link_frame(&good).unwrap();
    assert_eq!(len, good.len());
    assert_eq!((frame.block_crc_errors, frame.user_data()), (0, &user[..]));
    // Break the CRC of the first full block and of the short last block.
    let mut bad = good.clone();
    bad[10 + 16] ^= 1;
    *bad.last_mut().unwrap() ^= 0x80;
    let (frame, _) = parse_link_frame(&bad).unwrap();
    assert_eq!((frame.block_crc_errors, frame.user_data()), (2, &user[..]));
    // A frame of exactly two full blocks has no short block.
    let (frame, len) = parse_link_frame(&link_frame(&user[..32])).unwrap();
    assert_eq!((len, frame.block_crc_errors), (10 + 2 * 18, 0));
    assert_eq!(frame.user_data(), &user[..32]);
}

#[test]
fn waits_for_the_rest_of_a_split_frame() {
    let mut s = Dnp3Session::new();
    let mut sink = Sink::default();
    assert_eq!(
        s.feed(Direction::ToServer, &READ_CLASS0[..12], &mut sink),
        Progress::Incomplete {
            consumed: 0,
            needed: READ_CLASS0.len() - 12
        }
    );
    assert!(sink.ops.is_empty());
}

#[test]
fn caps_pending_requests() {
    let mut s = Dnp3Session::new();
    let mut sink = Sink::default();
    // Requests to MAX_PENDING + 1 different outstations (destination varies).
    for dst in 0..=u16::try_from(MAX_PENDING).unwrap() {
        let mut f = READ_CLASS0.to_vec();
        f[4..6].copy_from_slice(&dst.to_le_bytes());
        let c = crc(&f[..8]).to_le_bytes();
        f[8..10].copy_from_slice(&c);
        s.feed(Direction::ToServer, &f, &mut sink);
    }
    assert_eq!(s.pending().count(), MAX_PENDING);
    assert!(sink.anomalies.contains(&"too_many_transactions"));
}

#[test]
fn resyncs_after_garbage() {
    let mut bytes = vec![0x00, 0x05, 0x11];
    bytes.extend_from_slice(READ_CLASS0);
    let mut s = Dnp3Session::new();
    let mut sink = Sink::default();
    assert_eq!(
        s.feed(Direction::ToServer, &bytes, &mut sink),
        Progress::Done
    );
    assert_eq!(sink.ops, vec![Operation::Read]);
}

#[test]
fn function_names_come_from_the_generated_table() {
    assert_eq!(FunctionCode(5).name(), "DIRECT_OPERATE");
    assert_eq!(FunctionCode(0x82).name(), "UNSOLICITED_RESPONSE");
    assert_eq!(FunctionCode(0x70).name(), "unknown");
    assert_eq!(super::object_name(60, 1), Some("Class 0 Data"));
    assert_eq!(super::object_name(110, 7), Some("Octet String"));
}

#[test]
fn in_place_user_data_agrees_with_the_copy_for_every_length_and_damage() {
    use super::wire::parse_link_frame_data;
    // Every user-data length from none to three blocks, whole, cut short at
    // every byte, and with every byte flipped: the in-place read (one
    // block) and the copy (several) give the same header, CRC verdict,
    // data and length as `parse_link_frame`.
    for n in 0..=48usize {
        let user: Vec<u8> = (0..n as u8).map(|i| i.wrapping_mul(29) ^ 0x5A).collect();
        let good = link_frame(&user);
        let mut variants = vec![good.clone()];
        variants.extend((0..good.len()).map(|cut| good[..cut].to_vec()));
        variants.extend((0..good.len()).map(|i| {
            let mut b = good.clone();
            b[i] ^= 0x01;
            b
        }));
        for bytes in variants {
            let mut buf = None;
            let ours = parse_link_frame_data(&bytes, &mut buf)
                .map(|(info, data, len)| (info.header, info.block_crc_errors, data.to_vec(), len));
            let copied = parse_link_frame(&bytes)
                .map(|(f, len)| (f.header, f.block_crc_errors, f.user_data().to_vec(), len));
            assert_eq!(ours, copied, "{n} octets of user data: {bytes:02x?}");
        }
    }
}
