// SPDX-License-Identifier: Apache-2.0
//! DNS unit tests with annotated bytes.
#![allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use plantguard_model::{HostFact, IdentityFact, Operation, Side};

use super::session::{DnsSession, Flavour, Framing};
use super::wire::{self, DnsError};
use crate::api::{Direction, ObservationSink, Probe, Progress, Session};

#[derive(Default)]
pub(crate) struct TestSink {
    pub ops: Vec<Operation>,
    pub facts: Vec<(Side, HostFact)>,
    pub records: Vec<serde_json::Value>,
    pub anomalies: Vec<&'static str>,
}

impl ObservationSink for TestSink {
    fn operation(&mut self, _: &'static str, op: Operation) {
        self.ops.push(op);
    }
    fn identity(&mut self, _: Side, _: IdentityFact) {}
    fn host_fact(&mut self, s: Side, f: HostFact) {
        self.facts.push((s, f));
    }
    fn anomaly(&mut self, _: &'static str, n: &'static str) {
        self.anomalies.push(n);
    }
    fn wants_records(&self) -> bool {
        true
    }
    fn record(&mut self, _: &'static str, r: &dyn erased_serde::Serialize) {
        self.records.push(serde_json::to_value(r).unwrap());
    }
}

/// Query for `www.google.com` A (layout of suricata-verify `dns-udp-*` queries).
const QUERY: &[u8] = &[
    0x12, 0x34, // transaction id
    0x01, 0x00, // flags: standard query, RD
    0x00, 0x01, // qdcount 1
    0x00, 0x00, // ancount
    0x00, 0x00, // nscount
    0x00, 0x00, // arcount
    0x03, b'w', b'w', b'w', // label "www"
    0x06, b'g', b'o', b'o', b'g', b'l', b'e', // label "google"
    0x03, b'c', b'o', b'm', // label "com"
    0x00, // root
    0x00, 0x01, // qtype A
    0x00, 0x01, // qclass IN
];

/// Its answer: one A record whose owner is a pointer to the question name.
const RESPONSE: &[u8] = &[
    0x12, 0x34, // transaction id
    0x81, 0x80, // flags: response, RD, RA, NOERROR
    0x00, 0x01, // qdcount
    0x00, 0x01, // ancount
    0x00, 0x00, // nscount
    0x00, 0x00, // arcount
    0x03, b'w', b'w', b'w', 0x06, b'g', b'o', b'o', b'g', b'l', b'e', 0x03, b'c', b'o', b'm',
    0x00, // question name
    0x00, 0x01, // qtype A
    0x00, 0x01, // qclass IN
    0xc0, 0x0c, // owner: pointer to offset 12
    0x00, 0x01, // type A
    0x00, 0x01, // class IN
    0x00, 0x00, 0x01, 0x2c, // TTL 300
    0x00, 0x04, // rdlength
    0xac, 0xd9, 0x10, 0xc4, // 172.217.16.196
];

#[test]
fn query_yields_lookup_and_pairs_with_response() {
    let mut s = DnsSession::new(Flavour::Dns, Framing::Datagram);
    let mut sink = TestSink::default();
    assert_eq!(
        s.feed(Direction::ToServer, QUERY, &mut sink),
        Progress::Done
    );
    assert_eq!(
        sink.facts,
        [(
            Side::Client,
            HostFact::Lookup {
                name: "www.google.com".into(),
                source: "dns".into()
            }
        )]
    );
    assert_eq!(s.pending(), 1);
    s.feed(Direction::ToClient, RESPONSE, &mut sink);
    assert_eq!(s.pending(), 0);
    let r = &sink.records[0];
    assert_eq!(r["trans_id"], 0x1234);
    assert_eq!(r["query"], "www.google.com");
    assert_eq!(r["qtype_name"], "A");
    assert_eq!(r["rcode_name"], "NOERROR");
    assert_eq!(r["answers"][0], "172.217.16.196");
    assert_eq!(r["TTLs"][0], 300);
    assert_eq!(r["RD"], true);
    assert_eq!(r["RA"], true);
}

#[test]
fn pointer_loop_is_an_error_not_a_hang() {
    let mut msg = QUERY[..12].to_vec();
    msg.extend_from_slice(&[0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01]); // name points at itself
    assert_eq!(wire::name_string(&msg, 12), Err(DnsError::PointerLoop(12)));
    let mut sink = TestSink::default();
    DnsSession::new(Flavour::Dns, Framing::Datagram).feed(Direction::ToServer, &msg, &mut sink);
    assert!(sink.facts.is_empty());
}

#[test]
fn tcp_framing_waits_for_the_whole_message() {
    let mut framed = vec![0x00, QUERY.len() as u8]; // 2-byte length prefix
    framed.extend_from_slice(QUERY);
    let mut s = DnsSession::new(Flavour::Dns, Framing::Stream);
    let mut sink = TestSink::default();
    assert_eq!(
        s.feed(Direction::ToServer, &framed[..10], &mut sink),
        Progress::Incomplete {
            consumed: 0,
            needed: framed.len() - 10
        }
    );
    assert_eq!(
        s.feed(Direction::ToServer, &framed, &mut sink),
        Progress::Done
    );
    assert_eq!(sink.facts.len(), 1);
    assert_eq!(super::probe_tcp(Direction::ToServer, &framed), Probe::Match);
    assert_eq!(super::probe_udp(Direction::ToServer, QUERY), Probe::Match);
    assert_eq!(
        super::probe_udp(Direction::ToServer, &QUERY[..20]),
        Probe::NoMatch
    );
}

#[test]
fn mdns_answers_name_the_responder_and_its_services() {
    // Response: `_ipp._tcp.local` PTR `Printer._ipp._tcp.local`, `printer.local` A.
    let mut m = vec![
        0x00, 0x00, // id 0 (mDNS)
        0x84, 0x00, // response, AA
        0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, // 0 questions, 2 answers
    ];
    m.extend_from_slice(b"\x04_ipp\x04_tcp\x05local\x00"); // owner at 12
    m.extend_from_slice(&[0x00, 0x0c, 0x00, 0x01, 0, 0, 0x11, 0x94, 0x00, 0x0a]); // PTR, rdlen 10
    m.extend_from_slice(b"\x07Printer\xc0\x0c"); // Printer + pointer
    m.extend_from_slice(b"\x07printer\xc0\x16"); // printer.local (pointer to "local" at 22)
    m.extend_from_slice(&[
        0x00, 0x01, 0x80, 0x01, 0, 0, 0, 0x78, 0x00, 0x04, 10, 0, 0, 9,
    ]);
    let mut sink = TestSink::default();
    DnsSession::new(Flavour::Mdns, Framing::Datagram).feed(Direction::ToServer, &m, &mut sink);
    let facts: Vec<&HostFact> = sink.facts.iter().map(|(_, f)| f).collect();
    assert!(facts.contains(&&HostFact::Attribute {
        key: "mdns_service".into(),
        value: "_ipp._tcp".into()
    }));
    assert!(facts.contains(&&HostFact::Name {
        name: "printer.local".into(),
        source: "mdns".into()
    }));
}
