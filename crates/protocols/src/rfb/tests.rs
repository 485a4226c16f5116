// SPDX-License-Identifier: Apache-2.0
//! Unit tests with annotated bytes. The corpus holds no RFB capture, so the
//! messages follow the layouts of RFC 6143 (§7.1.1 ProtocolVersion, §7.1.2
//! security types, §7.1.3 SecurityResult, §7.3.1 ClientInit, §7.3.2
//! ServerInit with §7.4 PIXEL_FORMAT) with values as a VNC server on an HMI
//! panel sends them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use super::*;
use crate::api::{ObservationSink, Progress, Session};
use plantguard_model::{HostFact, IdentityFact, Operation, Side};

#[derive(Default)]
struct Sink {
    ops: Vec<Operation>,
    facts: Vec<(Side, HostFact)>,
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
    fn anomaly(&mut self, _: &'static str, _: &'static str) {}
    fn wants_records(&self) -> bool {
        true
    }
    fn record(&mut self, _: &'static str, record: &dyn erased_serde::Serialize) {
        self.records.push(serde_json::to_value(record).unwrap());
    }
}

/// ProtocolVersion, both directions: `RFB 003.008\n`.
const VERSION_3_8: &[u8] = &[
    0x52, 0x46, 0x42, 0x20, // "RFB "
    0x30, 0x30, 0x33, // major "003"
    0x2e, // "."
    0x30, 0x30, 0x38, // minor "008"
    0x0a, // LF
];
/// Server → client: the security types offered (3.7+).
const SECURITY_TYPES: &[u8] = &[
    0x02, // number-of-security-types 2
    0x01, // 1 None
    0x02, // 2 VNC Authentication
];
/// Client → server: the type chosen.
const CHOOSE_NONE: &[u8] = &[0x01]; // security-type 1 None
/// Server → client: SecurityResult (sent for None too since 3.8).
const SECURITY_OK: &[u8] = &[0x00, 0x00, 0x00, 0x00]; // status 0 OK
/// Client → server: ClientInit.
const CLIENT_INIT: &[u8] = &[0x01]; // shared-flag 1 (share the desktop)
/// Server → client: ServerInit.
const SERVER_INIT: &[u8] = &[
    0x04, 0x00, // framebuffer-width 1024
    0x03, 0x00, // framebuffer-height 768
    0x20, // PIXEL_FORMAT bits-per-pixel 32
    0x18, // depth 24
    0x00, // big-endian-flag 0
    0x01, // true-colour-flag 1
    0x00, 0xff, // red-max 255
    0x00, 0xff, // green-max 255
    0x00, 0xff, // blue-max 255
    0x10, // red-shift 16
    0x08, // green-shift 8
    0x00, // blue-shift 0
    0x00, 0x00, 0x00, // padding
    0x00, 0x00, 0x00, 0x0b, // name-length 11
    0x48, 0x4d, 0x49, 0x2d, 0x50, 0x61, 0x6e, 0x65, 0x6c, 0x2d,
    0x31, // name-string "HMI-Panel-1"
];

fn handshake(split: bool) -> Sink {
    let mut s = RfbSession::new();
    let mut sink = Sink::default();
    let feed = |s: &mut RfbSession, dir, bytes: &[u8], sink: &mut Sink| {
        if split {
            // One byte per call, with the engine's buffering of the unconsumed part.
            let mut buf = Vec::new();
            for &b in bytes {
                buf.push(b);
                match s.feed(dir, &buf, sink) {
                    Progress::Done => buf.clear(),
                    Progress::Incomplete { consumed, .. } => {
                        buf.drain(..consumed);
                    }
                    Progress::Abandon(r) => panic!("{r:?}"),
                }
            }
            assert!(buf.is_empty());
        } else {
            assert_eq!(s.feed(dir, bytes, sink), Progress::Done);
        }
    };
    feed(&mut s, Direction::ToClient, VERSION_3_8, &mut sink);
    feed(&mut s, Direction::ToServer, VERSION_3_8, &mut sink);
    feed(&mut s, Direction::ToClient, SECURITY_TYPES, &mut sink);
    feed(&mut s, Direction::ToServer, CHOOSE_NONE, &mut sink);
    feed(&mut s, Direction::ToClient, SECURITY_OK, &mut sink);
    feed(&mut s, Direction::ToServer, CLIENT_INIT, &mut sink);
    feed(&mut s, Direction::ToClient, SERVER_INIT, &mut sink);
    s.finish(&mut sink);
    sink
}

#[test]
fn parses_the_version_banner() {
    assert_eq!(parse_version(VERSION_3_8), Some((3, 8)));
    assert_eq!(parse_version(b"RFB 003.889\n"), Some((3, 889)));
    assert_eq!(parse_version(b"RFB 03.008\n"), None);
    assert_eq!(probe(Direction::ToClient, VERSION_3_8), Probe::Match);
    assert_eq!(probe(Direction::ToClient, b"RFB 00"), Probe::NeedMore);
    assert_eq!(probe(Direction::ToServer, b"SSH-2.0-x\r\n"), Probe::NoMatch);
}

#[test]
fn reports_security_none_and_the_desktop_name() {
    let sink = handshake(false);
    assert_eq!(sink.ops, vec![Operation::Session]);
    assert!(sink.facts.contains(&(
        Side::Server,
        HostFact::Attribute {
            key: "rfb_security".into(),
            value: "none".into()
        }
    )));
    assert_eq!(
        sink.facts
            .iter()
            .filter(|(_, f)| matches!(f, HostFact::Attribute { key, .. } if key == "rfb_security"))
            .count(),
        1,
        "offered and chosen: reported once"
    );
    assert!(sink.facts.iter().any(|(side, f)| *side == Side::Server
        && matches!(f, HostFact::Name { name, source } if name == "HMI-Panel-1" && source == "rfb")));
    assert!(sink.facts.contains(&(
        Side::Server,
        HostFact::Software {
            role: "rfb_server".into(),
            banner: "RFB 003.008".into()
        }
    )));
    let r = &sink.records[0];
    assert_eq!(r["server_major_version"], 3);
    assert_eq!(r["client_minor_version"], 8);
    assert_eq!(r["security_types"], serde_json::json!([1, 2]));
    assert_eq!(r["authentication_method_code"], 1);
    assert_eq!(r["auth"], true);
    assert_eq!(r["share_flag"], true);
    assert_eq!(r["desktop_name"], "HMI-Panel-1");
    assert_eq!(r["width"], 1024);
    assert_eq!(r["height"], 768);
}

#[test]
fn gives_the_same_result_fed_one_byte_at_a_time() {
    let whole = handshake(false);
    let split = handshake(true);
    assert_eq!(whole.facts, split.facts);
    assert_eq!(whole.records, split.records);
}

#[test]
fn reads_a_3_3_server_that_decides_the_security_type() {
    // RFC 6143 §7.1.2: with 3.3 the server sends the type as a u32.
    let mut s = RfbSession::new();
    let mut sink = Sink::default();
    s.feed(Direction::ToClient, b"RFB 003.003\n", &mut sink);
    s.feed(Direction::ToServer, b"RFB 003.003\n", &mut sink);
    s.feed(Direction::ToClient, &[0x00, 0x00, 0x00, 0x02], &mut sink); // security-type 2 VNC Authentication
    s.feed(Direction::ToClient, &[0xaa; 16], &mut sink); // 16-byte challenge
    s.feed(Direction::ToServer, &[0x55; 16], &mut sink); // 16-byte DES response
    s.feed(Direction::ToClient, &[0x00, 0x00, 0x00, 0x01], &mut sink); // SecurityResult 1 failed
    s.finish(&mut sink);
    let r = &sink.records[0];
    assert_eq!(r["authentication_method_code"], 2);
    assert_eq!(r["auth"], false);
    assert!(!sink
        .facts
        .iter()
        .any(|(_, f)| matches!(f, HostFact::Attribute { key, .. } if key == "rfb_security")));
}
