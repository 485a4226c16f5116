// SPDX-License-Identifier: Apache-2.0
//! Unit tests with annotated bytes cut from zeek
//! `testing/btest/Traces/tls/chrome-34-google.pcap` (`tshark -x`): the
//! ClientHello of frame 4 (Chrome 34 to google.de, with SNI and ALPN), the
//! ServerHello at the start of frame 6, and the leaf certificate of the
//! Certificate message (frames 6-8), kept as
//! `tests/assets/tls/google-de-leaf.der`. Expected JA3/JA3S strings and
//! hashes are tshark 4.0's `tls.handshake.ja3_full`/`ja3`/`ja3s_full`/`ja3s`
//! for these frames; the JA4 value was computed by hand from the FoxIO
//! specification (sorted ciphers, extensions without SNI and ALPN, then the
//! signature algorithms in order).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use super::fingerprint::{ja3_string, ja3s_string, ja4, md5_hex};
use super::wire::{parse_client_hello, parse_server_hello};
use super::x509::parse_certificate;
use super::*;
use crate::api::{ObservationSink, Progress, Session};
use plantguard_model::{HostFact, IdentityFact, Operation, Side};

/// chrome-34-google.pcap frame 4: one record holding the ClientHello.
const CLIENT_HELLO: &[u8] = &[
    0x16, // record: content type 22 (handshake)
    0x03, 0x01, // record: version 0x0301
    0x00, 0xcc, // record: length 204
    0x01, // handshake: type 1 (client_hello)
    0x00, 0x00, 0xc8, // handshake: length 200
    0x03, 0x03, // version 0x0303 (TLS 1.2)
    0xee, 0x18, 0x14, 0x14, 0xcc, 0x54, 0x64, 0xd4, 0x3b, 0x10, 0x46, 0xf6, 0x88, 0x25, 0xac,
    0xf4, // random (32 bytes)
    0x6d, 0x92, 0x66, 0x32, 0x89, 0xd2, 0xf9, 0x05, 0xec, 0xfa, 0x68, 0x7e, 0x85, 0x6a, 0xff, 0xaa,
    0x00, // session id length 0
    0x00, 0x28, // cipher suites length 40 (20 suites)
    0xc0, 0x2b, 0xc0, 0x2f, 0x00, 0x9e, 0xcc, 0x14, 0xcc, 0x13, 0xc0, 0x0a, 0xc0, 0x09, 0xc0,
    0x13, // cipher suites: 49195,49199,158,52244,52243,49162,49161,49171,49172,49159,49169,51,50,57,156,47,53,10,5,4
    0xc0, 0x14, 0xc0, 0x07, 0xc0, 0x11, 0x00, 0x33, 0x00, 0x32, 0x00, 0x39, 0x00, 0x9c, 0x00, 0x2f,
    0x00, 0x35, 0x00, 0x0a, 0x00, 0x05, 0x00, 0x04, 0x01, // compression methods length 1
    0x00, // compression: null
    0x00, 0x77, // extensions length 119
    0x00, 0x00, 0x00, 0x0e, // extension 0 server_name, length 14: google.de
    0x00, 0x0c, 0x00, 0x00, 0x09, 0x67, 0x6f, 0x6f, 0x67, 0x6c, 0x65, 0x2e, 0x64,
    0x65, // server_name data
    0xff, 0x01, 0x00, 0x01, // extension 65281 renegotiation_info, length 1
    0x00, // renegotiation_info data
    0x00, 0x0a, 0x00, 0x08, // extension 10 supported_groups, length 8
    0x00, 0x06, 0x00, 0x17, 0x00, 0x18, 0x00, 0x19, // supported_groups data
    0x00, 0x0b, 0x00, 0x02, // extension 11 ec_point_formats, length 2
    0x01, 0x00, // ec_point_formats data
    0x00, 0x23, 0x00, 0x00, // extension 35 session_ticket, length 0
    0x33, 0x74, 0x00, 0x00, // extension 13172 next_protocol_negotiation, length 0
    0x00, 0x10, 0x00, 0x1b, // extension 16 application_layer_protocol_negotiation, length 27
    0x00, 0x19, 0x06, 0x73, 0x70, 0x64, 0x79, 0x2f, 0x33, 0x08, 0x73, 0x70, 0x64, 0x79, 0x2f,
    0x33, // application_layer_protocol_negotiation data
    0x2e, 0x31, 0x08, 0x68, 0x74, 0x74, 0x70, 0x2f, 0x31, 0x2e, 0x31, 0x75, 0x50, 0x00,
    0x00, // extension 30032 channel_id (old), length 0
    0x00, 0x05, 0x00, 0x05, // extension 5 status_request, length 5
    0x01, 0x00, 0x00, 0x00, 0x00, // status_request data
    0x00, 0x0d, 0x00, 0x12, // extension 13 signature_algorithms, length 18
    0x00, 0x10, 0x04, 0x01, 0x05, 0x01, 0x02, 0x01, 0x04, 0x03, 0x05, 0x03, 0x02, 0x03, 0x04,
    0x02, // signature_algorithms data
    0x02, 0x02, 0x00, 0x12, 0x00, 0x00, // extension 18 signed_certificate_timestamp, length 0
];

/// chrome-34-google.pcap frame 6, first record: the ServerHello.
const SERVER_HELLO: &[u8] = &[
    0x16, // record: content type 22 (handshake)
    0x03, 0x03, // record: version 0x0303
    0x00, 0x54, // record: length 84
    0x02, // handshake: type 2 (server_hello)
    0x00, 0x00, 0x50, // handshake: length 80
    0x03, 0x03, // version 0x0303 (TLS 1.2)
    0x53, 0x59, 0x53, 0x16, 0x6a, 0x9c, 0x51, 0x72, 0xdb, 0x75, 0xdd, 0xff, 0x10, 0x0b, 0xb4,
    0xcc, // random (32 bytes)
    0x6a, 0x1a, 0xf8, 0x14, 0x5b, 0xb2, 0x7b, 0xe2, 0x04, 0xb0, 0xde, 0x87, 0x4e, 0x91, 0x91, 0x99,
    0x00, // session id length 0
    0xc0, 0x2f, // cipher suite 49199 (0xc02f)
    0x00, // compression: null
    0x00, 0x28, // extensions length 40
    0x00, 0x00, 0x00, 0x00, // extension 0 server_name, length 0:
    0xff, 0x01, 0x00, 0x01, // extension 65281 renegotiation_info, length 1
    0x00, // renegotiation_info data
    0x00, 0x0b, 0x00, 0x04, // extension 11 ec_point_formats, length 4
    0x03, 0x00, 0x01, 0x02, // ec_point_formats data
    0x00, 0x23, 0x00, 0x00, // extension 35 session_ticket, length 0
    0x75, 0x50, 0x00, 0x00, // extension 30032 channel_id (old), length 0
    0x00, 0x10, 0x00, 0x0b, // extension 16 application_layer_protocol_negotiation, length 11
    0x00, 0x09, 0x08, 0x73, 0x70, 0x64, 0x79, 0x2f, 0x33, 0x2e,
    0x31, // application_layer_protocol_negotiation data
];

/// The leaf certificate (DER) of the Certificate message.
const LEAF_DER: &[u8] = include_bytes!("../../tests/assets/tls/google-de-leaf.der");

#[derive(Default)]
struct Sink {
    facts: Vec<(Side, HostFact)>,
    anomalies: Vec<&'static str>,
    records: Vec<serde_json::Value>,
}

impl ObservationSink for Sink {
    fn operation(&mut self, _: &'static str, _: Operation) {}
    fn identity(&mut self, _: Side, _: IdentityFact) {}
    fn host_fact(&mut self, side: Side, fact: HostFact) {
        self.facts.push((side, fact));
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

const JA3_FULL: &str = "771,49195-49199-158-52244-52243-49162-49161-49171-49172-49159-49169-51-50-57-156-47-53-10-5-4,0-65281-10-11-35-13172-16-30032-5-13-18,23-24-25,0";
const JA3: &str = "a607f3a5c94c2ee592af1456f36c8367";
const JA4: &str = "t12d2011s3_8dd61975155f_06a4338d0495";
const JA3S_FULL: &str = "771,49199,0-65281-11-35-30032-16";
const JA3S: &str = "9f5e2e0d84076af5475bbe44debdb03e";

/// Wraps a handshake message body in a record (type 22, TLS 1.2).
fn handshake_record(kind: u8, body: &[u8]) -> Vec<u8> {
    let len = body.len() + 4;
    let mut r = vec![0x16, 0x03, 0x03, (len >> 8) as u8, len as u8, kind];
    r.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    r.extend_from_slice(body);
    r
}

/// A Certificate message body holding one certificate.
fn certificate_body(der: &[u8]) -> Vec<u8> {
    let one = der.len() as u32;
    let list = one + 3;
    let mut b = list.to_be_bytes()[1..].to_vec();
    b.extend_from_slice(&one.to_be_bytes()[1..]);
    b.extend_from_slice(der);
    b
}

#[test]
fn fingerprints_the_client_hello_like_tshark() {
    // Record header (5) and handshake header (4) precede the body.
    let ch = parse_client_hello(&CLIENT_HELLO[9..]).unwrap();
    assert_eq!(ja3_string(&ch), JA3_FULL);
    assert_eq!(md5_hex(&ja3_string(&ch)), JA3);
    assert_eq!(ja4(&ch), JA4);
}

#[test]
fn fingerprints_the_server_hello_like_tshark() {
    let sh = parse_server_hello(&SERVER_HELLO[9..]).unwrap();
    assert_eq!(ja3s_string(&sh), JA3S_FULL);
    assert_eq!(md5_hex(&ja3s_string(&sh)), JA3S);
}

#[test]
fn probes_both_hellos_and_refuses_other_records() {
    assert_eq!(probe(Direction::ToServer, CLIENT_HELLO), Probe::Match);
    assert_eq!(probe(Direction::ToClient, SERVER_HELLO), Probe::Match);
    assert_eq!(
        probe(Direction::ToServer, &CLIENT_HELLO[..3]),
        Probe::NeedMore
    );
    // A ServerHello sent to the server is not a TLS client.
    assert_eq!(probe(Direction::ToServer, SERVER_HELLO), Probe::NoMatch);
    assert_eq!(
        probe(Direction::ToServer, b"GET / HTTP/1.1\r\n"),
        Probe::NoMatch
    );
}

#[test]
fn reads_the_certificate_subject_and_issuer() {
    let c = parse_certificate(LEAF_DER).unwrap();
    assert!(c.subject.contains("CN=*.google.de"), "{}", c.subject);
    assert!(c.subject.contains("O=Google Inc"), "{}", c.subject);
    assert!(
        c.issuer.contains("CN=Google Internet Authority G2"),
        "{}",
        c.issuer
    );
    assert_eq!(c.subject_cn.as_deref(), Some("*.google.de"));
    assert!(!c.self_signed);
    assert!(c
        .not_valid_before
        .as_deref()
        .unwrap()
        .starts_with("2014-04-09"));
    assert!(c
        .not_valid_after
        .as_deref()
        .unwrap()
        .starts_with("2014-07-08"));
}

#[test]
fn reports_sni_fingerprints_and_certificate_of_a_handshake() {
    let mut s = TlsSession::new();
    let mut sink = Sink::default();
    assert_eq!(
        s.feed(Direction::ToServer, CLIENT_HELLO, &mut sink),
        Progress::Done
    );
    let mut server = SERVER_HELLO.to_vec();
    server.extend(handshake_record(11, &certificate_body(LEAF_DER)));
    assert_eq!(
        s.feed(Direction::ToClient, &server, &mut sink),
        Progress::Done
    );
    let has = |side: Side, key: &str, value: &str| {
        sink.facts.iter().any(|(s, f)| {
            *s == side
                && matches!(f, HostFact::Attribute { key: k, value: v } if k == key && v == value)
        })
    };
    assert!(has(Side::Client, "ja3", JA3));
    assert!(has(Side::Client, "ja4", JA4));
    assert!(has(Side::Server, "ja3s", JA3S));
    assert!(sink.facts.iter().any(|(side, f)| *side == Side::Server
        && matches!(f, HostFact::Name { name, source } if name == "google.de" && source == "tls_sni")));
    assert!(sink.facts.iter().any(|(side, f)| *side == Side::Server
        && matches!(f, HostFact::Attribute { key, value } if key == "tls_cert_subject" && value.contains("*.google.de"))));
    s.finish(&mut sink);
    let r = &sink.records[0];
    assert_eq!(r["server_name"], "google.de");
    assert_eq!(r["ja3"], JA3);
    assert_eq!(r["ja4"], JA4);
    assert_eq!(r["ja3s"], JA3S);
    assert_eq!(r["cipher_code"], 49199);
    assert!(r["issuer"]
        .as_str()
        .unwrap()
        .contains("Google Internet Authority G2"));
}

#[test]
fn reassembles_a_handshake_split_across_calls() {
    let mut s = TlsSession::new();
    let mut sink = Sink::default();
    let (a, b) = CLIENT_HELLO.split_at(100);
    match s.feed(Direction::ToServer, a, &mut sink) {
        Progress::Incomplete { consumed, .. } => assert_eq!(consumed, 0),
        p => panic!("{p:?}"),
    }
    assert_eq!(
        s.feed(Direction::ToServer, CLIENT_HELLO, &mut sink),
        Progress::Done
    );
    let _ = b;
    assert_eq!(
        sink.facts
            .iter()
            .filter(|(_, f)| matches!(f, HostFact::Attribute { key, .. } if key == "ja3"))
            .count(),
        1
    );
}

#[test]
fn probe_recognises_a_session_seen_after_its_handshake() {
    use crate::api::{Direction, Probe};
    // Two TLS 1.2 application-data records (lengths 24 and 17), as a capture
    // that starts mid-session shows them.
    let mut two = vec![0x17, 0x03, 0x03, 0x00, 24];
    two.extend([0xAB; 24]);
    two.extend([0x17, 0x03, 0x03, 0x00, 17]);
    two.extend([0xCD; 17]);
    assert_eq!(super::probe(Direction::ToServer, &two), Probe::Match);
    assert_eq!(super::probe(Direction::ToClient, &two), Probe::Match);
    // A segment that ends inside a long record.
    let mut long = vec![0x17, 0x03, 0x03, 0x40, 0x00];
    long.extend([0x11; 1400]);
    assert_eq!(super::probe(Direction::ToClient, &long), Probe::Match);
    // Three header bytes are not enough to decide.
    assert_eq!(
        super::probe(Direction::ToServer, &two[..3]),
        Probe::NeedMore
    );
    // What follows the record is no record header: not TLS.
    let mut bad_next = two.clone();
    bad_next[29] = 0x42;
    assert_eq!(super::probe(Direction::ToServer, &bad_next), Probe::NoMatch);
    // SSL 3.0 on the wire, a too-short record, an over-long record.
    for header in [
        [0x17, 0x03, 0x00, 0x00, 24],
        [0x17, 0x03, 0x03, 0x00, 8],
        [0x17, 0x03, 0x03, 0xFF, 0xFF],
    ] {
        let mut v = header.to_vec();
        v.extend([0u8; 32]);
        assert_eq!(
            super::probe(Direction::ToServer, &v),
            Probe::NoMatch,
            "{header:?}"
        );
    }
}
