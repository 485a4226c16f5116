// SPDX-License-Identifier: Apache-2.0
//! Unit tests. The corpus holds no TeamViewer capture; the framing bytes
//! are the command header nDPI checks (`0x17 0x24`, older `0x11 0x30`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use super::*;
use crate::api::{ObservationSink, Progress, Session};
use plantguard_model::{IdentityFact, Side};

#[derive(Default)]
struct Sink {
    ops: Vec<(&'static str, Operation)>,
    records: Vec<serde_json::Value>,
}

impl ObservationSink for Sink {
    fn operation(&mut self, proto: &'static str, op: Operation) {
        self.ops.push((proto, op));
    }
    fn identity(&mut self, _: Side, _: IdentityFact) {}
    fn anomaly(&mut self, _: &'static str, _: &'static str) {}
    fn wants_records(&self) -> bool {
        true
    }
    fn record(&mut self, _: &'static str, record: &dyn erased_serde::Serialize) {
        self.records.push(serde_json::to_value(record).unwrap());
    }
}

/// A TeamViewer packet start.
const TEAMVIEWER_HELLO: &[u8] = &[
    0x17, 0x24, // command header magic (TeamViewer 7+)
    0x0a, // command
    0x20, 0x00, // first payload bytes
];

#[test]
fn probes_teamviewer_framing() {
    assert_eq!(
        probe_teamviewer(Direction::ToServer, TEAMVIEWER_HELLO),
        Probe::Match
    );
    assert_eq!(
        probe_teamviewer(Direction::ToServer, &[0x11, 0x30, 0x00]),
        Probe::Match
    );
    assert_eq!(
        probe_teamviewer(Direction::ToServer, &[0x17, 0x24]),
        Probe::NeedMore
    );
    assert_eq!(
        probe_teamviewer(Direction::ToServer, &[0x17, 0x25, 0x00]),
        Probe::NoMatch
    );
    assert_eq!(
        probe_teamviewer(Direction::ToServer, b"GET /"),
        Probe::NoMatch
    );
}

#[test]
fn reports_a_flow_once_with_how_it_was_recognised() {
    let mut s = PortLabelSession::teamviewer();
    let mut sink = Sink::default();
    assert_eq!(
        s.feed(Direction::ToServer, TEAMVIEWER_HELLO, &mut sink),
        Progress::Done
    );
    assert_eq!(
        s.feed(Direction::ToClient, TEAMVIEWER_HELLO, &mut sink),
        Progress::Done
    );
    s.finish(&mut sink);
    assert_eq!(sink.ops, vec![("teamviewer", Operation::Session)]);
    assert_eq!(
        sink.records,
        vec![serde_json::json!({"tool": "TeamViewer", "how": "signature"})]
    );
}

#[test]
fn labels_a_silent_flow_by_port_on_finish() {
    let mut s = PortLabelSession::by_port(5938).unwrap();
    let mut sink = Sink::default();
    s.finish(&mut sink);
    assert_eq!(sink.records[0]["how"], "port");
    assert!(PortLabelSession::by_port(80).is_none());
}

#[test]
fn recognises_relays_by_tls_name_and_anydesk_by_certificate() {
    assert_eq!(
        tool_by_tls_name("router1.teamviewer.com").unwrap().proto,
        "teamviewer"
    );
    assert_eq!(
        tool_by_tls_name("RELAY-1.ANYDESK.COM.").unwrap().proto,
        "anydesk"
    );
    // A suffix match must follow a dot.
    assert!(tool_by_tls_name("notteamviewer.com").is_none());
    assert_eq!(tool_by_cert_cn("AnyDesk Client").unwrap().proto, "anydesk");
    assert!(tool_by_cert_cn("AnyDesk").is_none());
}
