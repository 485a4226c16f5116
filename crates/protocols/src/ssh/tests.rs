// SPDX-License-Identifier: Apache-2.0
//! Unit tests with annotated bytes cut from zeek
//! `testing/btest/Traces/ssh/ssh_kex_curve25519.pcap` (frames 4 and 6),
//! `ssh/ssh_version_199.pcap` (frame 5) and `ssh/server-pre-banner-data.pcap`
//! (the server's 35 lines of ASCII art before its banner, kept as
//! `tests/assets/ssh/server-pre-banner.txt`), read with `tshark -x`.
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

/// ssh_kex_curve25519.pcap frame 4 (client 60906 → server 22).
const CLIENT_BANNER: &[u8] = &[
    0x53, 0x53, 0x48, 0x2d, // "SSH-": version exchange marker
    0x32, 0x2e, 0x30, 0x2d, // "2.0-": protocol version
    0x4f, 0x70, 0x65, 0x6e, 0x53, 0x53, 0x48, 0x5f, 0x37, 0x2e,
    0x34, // "OpenSSH_7.4": software version
    0x0d, 0x0a, // CR LF
];
/// ssh_kex_curve25519.pcap frame 6 (server 22 → client), then the first
/// bytes of its KEXINIT binary packet (packet length 0x0000_03fc).
const SERVER_BANNER_AND_KEXINIT: &[u8] = &[
    0x53, 0x53, 0x48, 0x2d, // "SSH-"
    0x32, 0x2e, 0x30, 0x2d, // "2.0-"
    0x4f, 0x70, 0x65, 0x6e, 0x53, 0x53, 0x48, 0x5f, 0x37, 0x2e, 0x35, // "OpenSSH_7.5"
    0x0d, 0x0a, // CR LF
    0x00, 0x00, 0x03, 0xfc, // binary packet: length
    0x04, // padding length
    0x14, // message 20 KEXINIT
];

fn has_software(sink: &Sink, side: Side, role: &str, banner: &str) -> bool {
    sink.facts.iter().any(|(s, f)| {
        *s == side
            && matches!(f, HostFact::Software { role: r, banner: b } if r == role && b == banner)
    })
}

#[test]
fn probes_a_banner_on_either_side() {
    assert_eq!(probe(Direction::ToServer, CLIENT_BANNER), Probe::Match);
    assert_eq!(
        probe(Direction::ToClient, SERVER_BANNER_AND_KEXINIT),
        Probe::Match
    );
    assert_eq!(probe(Direction::ToServer, b"SSH"), Probe::NeedMore);
    assert_eq!(
        probe(Direction::ToServer, b"GET / HTTP/1.1\r\n"),
        Probe::NoMatch
    );
}

#[test]
fn reports_both_banners_then_stops_at_the_binary_packets() {
    let mut s = SshSession::new();
    let mut sink = Sink::default();
    assert_eq!(
        s.feed(Direction::ToServer, CLIENT_BANNER, &mut sink),
        Progress::Done
    );
    assert_eq!(
        s.feed(Direction::ToClient, SERVER_BANNER_AND_KEXINIT, &mut sink),
        Progress::Abandon(AbandonReason::Encrypted)
    );
    assert_eq!(sink.ops, vec![Operation::Session]);
    assert!(has_software(
        &sink,
        Side::Client,
        "ssh_client",
        "SSH-2.0-OpenSSH_7.4"
    ));
    assert!(has_software(
        &sink,
        Side::Server,
        "ssh_server",
        "SSH-2.0-OpenSSH_7.5"
    ));
    let r = &sink.records[0];
    assert_eq!(r["version"], 2);
    assert_eq!(r["client"], "SSH-2.0-OpenSSH_7.4");
    assert_eq!(r["server"], "SSH-2.0-OpenSSH_7.5");
}

#[test]
fn reads_an_ssh_1_99_banner_as_version_2() {
    // ssh_version_199.pcap: Cisco server `SSH-2.0-Cisco-1.25`, client
    // `SSH-1.99-Cisco-1.25` (speaks 2 and 1).
    let mut s = SshSession::new();
    let mut sink = Sink::default();
    s.feed(Direction::ToClient, b"SSH-2.0-Cisco-1.25\r\n", &mut sink);
    s.feed(Direction::ToServer, b"SSH-1.99-Cisco-1.25\r\n", &mut sink);
    assert_eq!(sink.records[0]["version"], 2);
}

#[test]
fn accepts_lines_the_server_sends_before_its_banner() {
    let pre = include_bytes!("../../tests/assets/ssh/server-pre-banner.txt");
    let mut s = SshSession::new();
    let mut sink = Sink::default();
    s.feed(Direction::ToServer, b"SSH-2.0-OpenSSH_9.7\r\n", &mut sink);
    s.feed(Direction::ToClient, pre, &mut sink);
    assert!(has_software(
        &sink,
        Side::Server,
        "ssh_server",
        "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u5"
    ));
    assert!(!sink.anomalies.contains(&"data_before_banner"));
}

#[test]
fn abandons_a_client_that_speaks_another_protocol() {
    // zeek http-to-ssh: the client sends an HTTP request to port 22.
    let mut s = SshSession::new();
    let mut sink = Sink::default();
    assert_eq!(
        s.feed(
            Direction::ToServer,
            b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
            &mut sink
        ),
        Progress::Abandon(AbandonReason::NotThisProtocol)
    );
    assert!(sink.anomalies.contains(&"data_before_banner"));
}

#[test]
fn waits_for_the_rest_of_a_split_banner() {
    let mut s = SshSession::new();
    let mut sink = Sink::default();
    assert_eq!(
        s.feed(Direction::ToServer, &CLIENT_BANNER[..10], &mut sink),
        Progress::Incomplete {
            consumed: 0,
            needed: 1
        }
    );
    assert_eq!(
        s.feed(Direction::ToServer, CLIENT_BANNER, &mut sink),
        Progress::Done
    );
    assert_eq!(sink.ops.len(), 1);
}
