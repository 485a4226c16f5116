// SPDX-License-Identifier: Apache-2.0
//! Chunking property for DNS over TCP: a stream of length-prefixed queries
//! and responses (a query for `www.google.com` and its answer, a PTR
//! query and an NXDOMAIN answer), fed in arbitrary chunks with the engine's
//! buffering emulated, yields the same facts and records as fed whole.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use plantguard_model::{HostFact, IdentityFact, Operation, Side};
use plantguard_protocols::api::{Direction, ObservationSink, Progress, Session};
use plantguard_protocols::dns::{DnsSession, Flavour, Framing};
use proptest::prelude::*;

#[derive(Default, Debug, PartialEq)]
struct Sink {
    facts: Vec<(Side, HostFact)>,
    records: Vec<serde_json::Value>,
}

impl ObservationSink for Sink {
    fn operation(&mut self, _: &'static str, _: Operation) {}
    fn identity(&mut self, _: Side, _: IdentityFact) {}
    fn host_fact(&mut self, side: Side, fact: HostFact) {
        self.facts.push((side, fact));
    }
    fn anomaly(&mut self, _: &'static str, _: &'static str) {}
    fn wants_records(&self) -> bool {
        true
    }
    fn record(&mut self, _: &'static str, record: &dyn erased_serde::Serialize) {
        self.records.push(serde_json::to_value(record).unwrap());
    }
}

fn name(n: &str) -> Vec<u8> {
    let mut v = Vec::new();
    for l in n.split('.') {
        v.push(l.len() as u8);
        v.extend_from_slice(l.as_bytes());
    }
    v.push(0);
    v
}

fn message(id: u16, flags: u16, q: &str, qtype: u16, answer: Option<&[u8]>) -> Vec<u8> {
    let mut m = Vec::new();
    m.extend_from_slice(&id.to_be_bytes());
    m.extend_from_slice(&flags.to_be_bytes());
    m.extend_from_slice(&[0, 1, 0, u8::from(answer.is_some()), 0, 0, 0, 0]);
    m.extend_from_slice(&name(q));
    m.extend_from_slice(&qtype.to_be_bytes());
    m.extend_from_slice(&[0, 1]);
    if let Some(rdata) = answer {
        m.extend_from_slice(&[0xc0, 0x0c]);
        m.extend_from_slice(&qtype.to_be_bytes());
        m.extend_from_slice(&[0, 1, 0, 0, 1, 0x2c]);
        m.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
        m.extend_from_slice(rdata);
    }
    let mut framed = (m.len() as u16).to_be_bytes().to_vec();
    framed.extend_from_slice(&m);
    framed
}

fn streams() -> (Vec<u8>, Vec<u8>) {
    let mut c = message(1, 0x0100, "www.google.com", 1, None);
    c.extend(message(2, 0x0100, "5.1.168.192.in-addr.arpa", 12, None));
    let mut s = message(1, 0x8180, "www.google.com", 1, Some(&[172, 217, 16, 196]));
    s.extend(message(2, 0x8183, "5.1.168.192.in-addr.arpa", 12, None));
    (c, s)
}

fn feed_chunked(s: &mut DnsSession, sink: &mut Sink, dir: Direction, bytes: &[u8], cuts: &[usize]) {
    let mut buf: Vec<u8> = Vec::new();
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    points.push(0);
    points.push(bytes.len());
    points.sort_unstable();
    points.dedup();
    for w in points.windows(2) {
        buf.extend_from_slice(&bytes[w[0]..w[1]]);
        match s.feed(dir, &buf, sink) {
            Progress::Done => buf.clear(),
            Progress::Incomplete { consumed, needed } => {
                assert!(consumed <= buf.len());
                assert!(needed > 0);
                buf.drain(..consumed);
            }
            Progress::Abandon(r) => panic!("abandoned: {r:?}"),
        }
    }
    assert!(buf.is_empty());
}

fn run(cc: &[usize], sc: &[usize]) -> Sink {
    let (c, s) = streams();
    let mut session = DnsSession::new(Flavour::Dns, Framing::Stream);
    let mut sink = Sink::default();
    feed_chunked(&mut session, &mut sink, Direction::ToServer, &c, cc);
    feed_chunked(&mut session, &mut sink, Direction::ToClient, &s, sc);
    session.finish(&mut sink);
    sink
}

#[test]
fn whole_stream_pairs_both_transactions() {
    let sink = run(&[], &[]);
    assert_eq!(sink.facts.len(), 2);
    assert_eq!(sink.records.len(), 2);
    assert_eq!(sink.records[0]["answers"][0], "172.217.16.196");
    assert_eq!(sink.records[1]["rcode_name"], "NXDOMAIN");
    assert_eq!(sink.records[1]["query_seen"], true);
}

proptest! {
    #[test]
    fn chunked_stream_matches_whole_stream(
        cc in proptest::collection::vec(0usize..200, 0..20),
        sc in proptest::collection::vec(0usize..200, 0..20),
    ) {
        prop_assert_eq!(run(&[], &[]), run(&cc, &sc));
    }
}
