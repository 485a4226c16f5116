// SPDX-License-Identifier: Apache-2.0
//! DHCP unit tests with annotated bytes.
#![allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use plantguard_model::{HostFact, Side};

use super::session::DhcpSession;
use crate::api::{Direction, Probe, Session};
use crate::dns::tests::TestSink;

/// Options of the DISCOVER in Zeek's `dhcp_discover_param_req_and_client_id.pcap`.
const DISCOVER_OPTIONS: &[u8] = &[
    0x63, 0x82, 0x53, 0x63, // magic cookie
    0x35, 0x01, 0x01, // 53 message type: DISCOVER
    0x3d, 0x07, 0x01, 0x00, 0x0b, 0x82, 0x01, 0xfc, 0x42, // 61 client id: Ethernet MAC
    0x32, 0x04, 0xd0, 0x43, 0xde, 0xde, // 50 requested address 208.67.222.222
    0x37, 0x04, 0x01, 0x03, 0x06, 0x2a, // 55 parameter request list 1,3,6,42
    0x0c, 0x08, b't', b'e', b's', b't', b'0', b'0', b'0', b'0', // 12 host name
    0xff, // end
];

fn discover() -> Vec<u8> {
    let mut m = vec![0u8; 236];
    m[0] = 1; // op BOOTREQUEST
    m[1] = 1; // htype Ethernet
    m[2] = 6; // hlen
    m[4..8].copy_from_slice(&[0x00, 0x00, 0x3d, 0x1d]); // xid
    m[28..34].copy_from_slice(&[0x00, 0x0b, 0x82, 0x01, 0xfc, 0x42]); // chaddr
    m.extend_from_slice(DISCOVER_OPTIONS);
    m
}

#[test]
fn discover_reports_client_facts_and_record() {
    let m = discover();
    assert_eq!(super::probe(Direction::ToServer, &m), Probe::Match);
    let mut sink = TestSink::default();
    DhcpSession.feed(Direction::ToServer, &m, &mut sink);
    let facts: Vec<&HostFact> = sink.facts.iter().map(|(_, f)| f).collect();
    let attr = |k: &'static str, v: &'static str| HostFact::Attribute {
        key: k.into(),
        value: v.into(),
    };
    assert!(facts.contains(&&attr("dhcp_client_mac", "00:0b:82:01:fc:42")));
    assert!(facts.contains(&&attr("dhcp_fingerprint", "1,3,6,42")));
    assert!(facts.contains(&&attr("dhcp_requested_ip", "208.67.222.222")));
    assert!(facts.contains(&&HostFact::Name {
        name: "test0000".into(),
        source: "dhcp".into()
    }));
    assert!(sink.facts.iter().all(|(s, _)| *s == Side::Client));
    let r = &sink.records[0];
    assert_eq!(r["msg_types"][0], "DISCOVER");
    assert_eq!(r["mac"], "00:0b:82:01:fc:42");
    assert_eq!(r["requested_addr"], "208.67.222.222");
    assert_eq!(r["host_name"], "test0000");
}

#[test]
fn ack_binds_lease_to_the_receiver() {
    let mut m = discover();
    m[0] = 2; // BOOTREPLY
    m[16..20].copy_from_slice(&[192, 168, 1, 50]); // yiaddr
    m[240 + 2] = 5; // message type ACK
    let mut sink = TestSink::default();
    DhcpSession.feed(Direction::ToClient, &m, &mut sink);
    assert!(sink.facts.contains(&(
        Side::Client,
        HostFact::Attribute {
            key: "dhcp_lease".into(),
            value: "00:0b:82:01:fc:42 192.168.1.50".into()
        }
    )));
}

#[test]
fn rejects_missing_cookie() {
    let mut m = discover();
    m[236] = 0;
    assert_eq!(super::probe(Direction::ToServer, &m), Probe::NoMatch);
    let mut sink = TestSink::default();
    DhcpSession.feed(Direction::ToServer, &m, &mut sink);
    assert_eq!(sink.anomalies, ["malformed_message"]);
}
