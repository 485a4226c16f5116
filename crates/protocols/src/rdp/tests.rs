// SPDX-License-Identifier: Apache-2.0
//! Unit tests with annotated bytes cut from zeek
//! `testing/btest/Traces/rdp/rdp-to-ssl.pcap` (frames 4 and 6: a
//! Connection Request with an mstshash cookie asking for TLS or CredSSP,
//! and the Connection Confirm selecting CredSSP), read with `tshark -x`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use super::*;
use crate::api::{AbandonReason, ObservationSink, Progress, Session};
use plantguard_model::{HostFact, IdentityFact, Operation, Side};

#[derive(Default)]
struct Sink {
    ops: Vec<Operation>,
    facts: Vec<(Side, HostFact)>,
    anomalies: Vec<&'static str>,
    records: Vec<serde_json::Value>,
}

impl ObservationSink for Sink {
    fn operation(&mut self, _: &'static str, op: Operation) {
        self.ops.push(op);
    }
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

/// rdp-to-ssl.pcap frame 4 (client 49206 → server 3389).
const CONNECTION_REQUEST: &[u8] = &[
    0x03, // TPKT version 3
    0x00, // TPKT reserved
    0x00, 0x2f, // TPKT length 47
    0x2a, // X.224 length indicator 42
    0xe0, // X.224 CR TPDU (Connection Request), credit 0
    0x00, 0x00, // DST-REF
    0x00, 0x00, // SRC-REF
    0x00, // class 0
    0x43, 0x6f, 0x6f, 0x6b, 0x69, 0x65, 0x3a, 0x20, // "Cookie: "
    0x6d, 0x73, 0x74, 0x73, 0x68, 0x61, 0x73, 0x68, 0x3d, // "mstshash="
    0x41, 0x57, 0x41, 0x4b, 0x45, 0x43, 0x4f, 0x44,
    0x49, // "AWAKECODI": user name (truncated by mstsc)
    0x0d, 0x0a, // CR LF ends the cookie
    0x01, // RDP_NEG_REQ type 1
    0x00, // flags
    0x08, 0x00, // length 8 (little endian)
    0x03, 0x00, 0x00, 0x00, // requestedProtocols 0x3: PROTOCOL_SSL | PROTOCOL_HYBRID
];

/// rdp-to-ssl.pcap frame 6 (server 3389 → client).
const CONNECTION_CONFIRM: &[u8] = &[
    0x03, // TPKT version 3
    0x00, // TPKT reserved
    0x00, 0x13, // TPKT length 19
    0x0e, // X.224 length indicator 14
    0xd0, // X.224 CC TPDU (Connection Confirm)
    0x00, 0x00, // DST-REF
    0x12, 0x34, // SRC-REF
    0x00, // class 0
    0x02, // RDP_NEG_RSP type 2
    0x01, // flags: EXTENDED_CLIENT_DATA_SUPPORTED
    0x08, 0x00, // length 8
    0x02, 0x00, 0x00, 0x00, // selectedProtocol 0x2: PROTOCOL_HYBRID (CredSSP)
];

#[test]
fn probes_the_connection_request_and_confirm() {
    assert_eq!(probe(Direction::ToServer, CONNECTION_REQUEST), Probe::Match);
    assert_eq!(probe(Direction::ToClient, CONNECTION_CONFIRM), Probe::Match);
    assert_eq!(
        probe(Direction::ToServer, &CONNECTION_REQUEST[..3]),
        Probe::NeedMore
    );
    // A TPKT carrying another TPDU (data, 0xf0) is no connection request.
    let mut data = CONNECTION_REQUEST.to_vec();
    data[5] = 0xf0;
    assert_eq!(probe(Direction::ToServer, &data), Probe::NoMatch);
}

#[test]
fn reads_the_cookie_and_the_selected_protocol() {
    let mut s = RdpSession::new();
    let mut sink = Sink::default();
    assert_eq!(
        s.feed(Direction::ToServer, CONNECTION_REQUEST, &mut sink),
        Progress::Done
    );
    assert_eq!(sink.ops, vec![Operation::Session]);
    assert!(sink.facts.contains(&(
        Side::Client,
        HostFact::Attribute {
            key: "rdp_user".into(),
            value: "AWAKECODI".into()
        }
    )));
    // CredSSP selected: what follows is TLS.
    let p = s.feed(Direction::ToClient, CONNECTION_CONFIRM, &mut sink);
    assert!(
        matches!(
            p,
            Progress::Done | Progress::Abandon(AbandonReason::Encrypted)
        ),
        "{p:?}"
    );
    s.finish(&mut sink);
    let r = &sink.records[0];
    assert_eq!(r["cookie"], "AWAKECODI");
    assert_eq!(r["result"], "Success");
    assert_eq!(r["security_protocol"], "HYBRID");
    assert_eq!(
        s.feed(
            Direction::ToServer,
            &[0x16, 0x03, 0x01, 0x00, 0x05],
            &mut sink
        ),
        Progress::Abandon(AbandonReason::Encrypted)
    );
}

#[test]
fn waits_for_a_whole_tpkt() {
    let mut s = RdpSession::new();
    let mut sink = Sink::default();
    match s.feed(Direction::ToServer, &CONNECTION_REQUEST[..20], &mut sink) {
        Progress::Incomplete {
            consumed: 0,
            needed,
        } => assert!(needed > 0),
        p => panic!("{p:?}"),
    }
    assert_eq!(
        s.feed(Direction::ToServer, CONNECTION_REQUEST, &mut sink),
        Progress::Done
    );
    assert_eq!(sink.ops.len(), 1);
}

#[test]
fn refuses_a_bad_tpkt_length() {
    let mut s = RdpSession::new();
    let mut sink = Sink::default();
    let mut bad = CONNECTION_REQUEST.to_vec();
    bad[3] = 0x02; // length 2: below the TPKT header itself
    assert!(matches!(
        s.feed(Direction::ToServer, &bad, &mut sink),
        Progress::Abandon(_)
    ));
    assert!(sink.anomalies.contains(&"invalid_tpkt_length"));
}
