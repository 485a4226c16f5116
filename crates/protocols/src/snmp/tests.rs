// SPDX-License-Identifier: Apache-2.0
//! Unit tests with annotated bytes cut from zeek
//! `testing/btest/Traces/snmp/snmpv2_get.pcap` (frame 1, a v2c
//! GetRequest) and `snmp/snmpwalk-short.pcap` (frames 1, 2, 9, 10: a v2c
//! walk whose responses carry sysDescr and sysName), read with `tshark -x`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use super::*;
use crate::api::{ObservationSink, Session};
use plantguard_model::{mask_secret, HostFact, IdentityFact, Operation, Side};

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

/// snmpv2_get.pcap frame 1: GetRequest for ifOutUcastPkts.1.
const GET_REQUEST: &[u8] = &[
    0x30, 0x2b, // SEQUENCE (message), length 43
    0x02, 0x01, 0x01, // INTEGER version 1 (SNMPv2c)
    0x04, 0x06, 0x70, 0x75, 0x62, 0x6c, 0x69, 0x63, // OCTET STRING community "public"
    0xa0, 0x1e, // [0] GetRequest-PDU, length 30
    0x02, 0x04, 0x35, 0x63, 0xd3, 0x0a, // INTEGER request-id 0x3563d30a
    0x02, 0x01, 0x00, // INTEGER error-status 0
    0x02, 0x01, 0x00, // INTEGER error-index 0
    0x30, 0x10, // SEQUENCE variable-bindings, length 16
    0x30, 0x0e, // SEQUENCE VarBind, length 14
    0x06, 0x0a, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x02, 0x02, 0x01, 0x11,
    0x01, // OID 1.3.6.1.2.1.2.2.1.17.1
    0x05, 0x00, // NULL value
];

/// snmpwalk-short.pcap frame 1: GetNextRequest from the top of mib-2.
const WALK_START: &[u8] = &[
    0x30, 0x26, // SEQUENCE (message), length 38
    0x02, 0x01, 0x01, // INTEGER version 1 (SNMPv2c)
    0x04, 0x06, 0x70, 0x75, 0x62, 0x6c, 0x69, 0x63, // community "public"
    0xa1, 0x19, // [1] GetNextRequest-PDU, length 25
    0x02, 0x04, 0x09, 0x58, 0x4e, 0x45, // request-id 0x09584e45
    0x02, 0x01, 0x00, // error-status 0
    0x02, 0x01, 0x00, // error-index 0
    0x30, 0x0b, // variable-bindings, length 11
    0x30, 0x09, // VarBind, length 9
    0x06, 0x05, 0x2b, 0x06, 0x01, 0x02, 0x01, // OID 1.3.6.1.2.1 (mib-2)
    0x05, 0x00, // NULL value
];

const SYS_DESCR: &str = "Linux ubuntu-512mb-sfo2-01 4.4.0-31-generic #50~14.04.1-Ubuntu SMP Wed Jul 13 01:07:32 UTC 2016 x86_64";

/// snmpwalk-short.pcap frame 2: the agent answers with sysDescr.0.
fn sys_descr_response() -> Vec<u8> {
    let mut m = vec![
        0x30, 0x81, 0x90, // SEQUENCE (message), long-form length 144
        0x02, 0x01, 0x01, // version 1 (SNMPv2c)
        0x04, 0x06, 0x70, 0x75, 0x62, 0x6c, 0x69, 0x63, // community "public"
        0xa2, 0x81, 0x82, // [2] Response-PDU, length 130
        0x02, 0x04, 0x09, 0x58, 0x4e, 0x45, // request-id 0x09584e45 (answers WALK_START)
        0x02, 0x01, 0x00, // error-status 0
        0x02, 0x01, 0x00, // error-index 0
        0x30, 0x74, // variable-bindings, length 116
        0x30, 0x72, // VarBind, length 114
        0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x01,
        0x00, // OID 1.3.6.1.2.1.1.1.0 sysDescr.0
        0x04, 0x66, // OCTET STRING, length 102
    ];
    m.extend_from_slice(SYS_DESCR.as_bytes()); // the sysDescr text
    m
}

/// snmpwalk-short.pcap frame 9: GetNextRequest after sysContact.0.
const NEXT_AFTER_CONTACT: &[u8] = &[
    0x30, 0x29, // SEQUENCE (message), length 41
    0x02, 0x01, 0x01, // version 1 (SNMPv2c)
    0x04, 0x06, 0x70, 0x75, 0x62, 0x6c, 0x69, 0x63, // community "public"
    0xa1, 0x1c, // [1] GetNextRequest-PDU, length 28
    0x02, 0x04, 0x09, 0x58, 0x4e, 0x49, // request-id 0x09584e49
    0x02, 0x01, 0x00, // error-status 0
    0x02, 0x01, 0x00, // error-index 0
    0x30, 0x0e, // variable-bindings, length 14
    0x30, 0x0c, // VarBind, length 12
    0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x04,
    0x00, // OID 1.3.6.1.2.1.1.4.0 sysContact.0
    0x05, 0x00, // NULL value
];

/// snmpwalk-short.pcap frame 10: the agent answers with sysName.0.
const SYS_NAME_RESPONSE: &[u8] = &[
    0x30, 0x3d, // SEQUENCE (message), length 61
    0x02, 0x01, 0x01, // version 1 (SNMPv2c)
    0x04, 0x06, 0x70, 0x75, 0x62, 0x6c, 0x69, 0x63, // community "public"
    0xa2, 0x30, // [2] Response-PDU, length 48
    0x02, 0x04, 0x09, 0x58, 0x4e, 0x49, // request-id 0x09584e49
    0x02, 0x01, 0x00, // error-status 0
    0x02, 0x01, 0x00, // error-index 0
    0x30, 0x22, // variable-bindings, length 34
    0x30, 0x20, // VarBind, length 32
    0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x05,
    0x00, // OID 1.3.6.1.2.1.1.5.0 sysName.0
    0x04, 0x14, // OCTET STRING, length 20
    0x75, 0x62, 0x75, 0x6e, 0x74, 0x75, 0x2d, 0x35, 0x31, 0x32, // "ubuntu-512"
    0x6d, 0x62, 0x2d, 0x73, 0x66, 0x6f, 0x32, 0x2d, 0x30, 0x31, // "mb-sfo2-01"
];

#[test]
fn probes_v2c_messages() {
    assert_eq!(probe(Direction::ToServer, GET_REQUEST), Probe::Match);
    assert_eq!(
        probe(Direction::ToClient, &sys_descr_response()),
        Probe::Match
    );
    assert_eq!(
        probe(Direction::ToServer, &GET_REQUEST[..10]),
        Probe::NoMatch
    );
    assert_eq!(
        probe(Direction::ToServer, b"GET / HTTP/1.1\r\n"),
        Probe::NoMatch
    );
}

#[test]
fn decodes_a_get_request_with_its_community() {
    let m = parse_message(GET_REQUEST).unwrap();
    assert_eq!(m.version, 1);
    assert_eq!(m.community, Some(&b"public"[..]));
    assert_eq!(m.pdu.unwrap().kind, PduType::GetRequest);
    let mut s = SnmpSession::new();
    let mut sink = Sink::default();
    s.feed(Direction::ToServer, GET_REQUEST, &mut sink);
    assert_eq!(sink.ops, vec![Operation::Read]);
    assert_eq!(s.pending_len(), 1);
    // No answer: the community's outcome stays unknown.
    s.finish(&mut sink);
    assert!(sink.facts.contains(&(
        Side::Server,
        HostFact::Credential {
            service: "snmp".into(),
            username: "".into(),
            secret: "public".into(),
            accepted: None
        }
    )));
}

#[test]
fn learns_the_agent_from_sys_descr_and_sys_name() {
    let mut s = SnmpSession::new();
    let mut sink = Sink::default();
    s.feed(Direction::ToServer, WALK_START, &mut sink);
    s.feed(Direction::ToClient, &sys_descr_response(), &mut sink);
    s.feed(Direction::ToServer, NEXT_AFTER_CONTACT, &mut sink);
    s.feed(Direction::ToClient, SYS_NAME_RESPONSE, &mut sink);
    s.finish(&mut sink);
    assert_eq!(s.pending_len(), 0);
    assert!(sink.anomalies.is_empty(), "{:?}", sink.anomalies);
    // The answer with the same community accepts it, once.
    let creds: Vec<_> = sink
        .facts
        .iter()
        .filter_map(|(_, f)| match f {
            HostFact::Credential {
                secret, accepted, ..
            } => Some((secret.as_ref(), *accepted)),
            _ => None,
        })
        .collect();
    assert_eq!(creds, vec![("public", Some(true))]);
    assert!(sink.facts.contains(&(
        Side::Server,
        HostFact::Software {
            role: "snmp_agent".into(),
            banner: SYS_DESCR.into()
        }
    )));
    assert!(sink.facts.iter().any(|(side, f)| *side == Side::Server
        && matches!(f, HostFact::Os { name, .. } if name.contains("Linux"))));
    assert!(sink.facts.iter().any(|(side, f)| *side == Side::Server
        && matches!(f, HostFact::Name { name, source } if name == "ubuntu-512mb-sfo2-01" && source == "snmp")));
    let r = &sink.records[0];
    assert_eq!(r["version"], "2c");
    assert_eq!(r["get_requests"], 2);
    assert_eq!(r["get_responses"], 2);
    assert_eq!(r["display_string"], SYS_DESCR);
    assert_eq!(r["sys_name"], "ubuntu-512mb-sfo2-01");
    assert_eq!(
        r["community"],
        mask_secret("public"),
        "never the community itself"
    );
}

#[test]
fn flags_a_response_without_request() {
    let mut s = SnmpSession::new();
    let mut sink = Sink::default();
    s.feed(Direction::ToClient, SYS_NAME_RESPONSE, &mut sink);
    assert!(sink.anomalies.contains(&"unsolicited_response"));
}

#[test]
fn caps_pending_requests() {
    let mut s = SnmpSession::new();
    let mut sink = Sink::default();
    for i in 0..=MAX_PENDING as u8 {
        let mut m = GET_REQUEST.to_vec();
        m[20] = i; // last byte of the request id
        s.feed(Direction::ToServer, &m, &mut sink);
    }
    assert_eq!(s.pending_len(), MAX_PENDING);
    assert!(sink.anomalies.contains(&"too_many_transactions"));
}

#[test]
fn refuses_truncated_messages_without_panicking() {
    let mut s = SnmpSession::new();
    let mut sink = Sink::default();
    for n in 0..GET_REQUEST.len() {
        s.feed(Direction::ToServer, &GET_REQUEST[..n], &mut sink);
    }
    assert!(sink.ops.is_empty());
    assert!(sink.anomalies.contains(&"malformed_message"));
}
