// SPDX-License-Identifier: Apache-2.0
//! Unit tests with annotated bytes cut from suricata-verify
//! `tests/telnet/telnet-01/telnet.pcap` (`tshark -x`): the client's first
//! negotiation (frame 4), the server's banner (frame 27), the prompts
//! (frames 29, 36) and the answer after the password (frame 45). The
//! capture's client sends whole lines; the same keystrokes are also fed one
//! byte per segment with the server's echo in between, as a telnet client
//! in character mode sends them.
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

/// telnet-01 frame 4 (client 1550 → server 23), first options.
const CLIENT_NEGOTIATION: &[u8] = &[
    0xff, 0xfd, 0x03, // IAC DO SUPPRESS-GO-AHEAD
    0xff, 0xfb, 0x18, // IAC WILL TERMINAL-TYPE
    0xff, 0xfb, 0x1f, // IAC WILL NAWS (window size)
];
/// telnet-01 frame 22 (server → client): a sub-negotiation between options.
const SERVER_SUBNEGOTIATION: &[u8] = &[
    0xff, 0xfb, 0x01, // IAC WILL ECHO
    0xff, 0xfa, 0x21, 0x02, // IAC SB LINEMODE(0x21) 0x02
    0xff, 0xf0, // IAC SE
    0xff, 0xfc, 0x01, // IAC WONT ECHO
];
/// telnet-01 frame 27: the banner.
const BANNER: &[u8] = b"\r\nOpenBSD/i386 (oof) (ttyp2)\r\n\r\n"; // CR LF, banner line, CR LF CR LF
/// telnet-01 frame 29: the login prompt.
const LOGIN_PROMPT: &[u8] = b"login: "; // prompt text, trailing space
/// telnet-01 frame 36: the password prompt.
const PASSWORD_PROMPT: &[u8] = b"Password:"; // prompt text, no line end
/// telnet-01 frame 45: the shell greets the user.
const LAST_LOGIN: &[u8] = b"Last login: Sat Nov 27 20:11:43 on ttyp2 from bam.zing.org\r\n"; // text, CR LF

/// Runs the login of telnet-01; the client's keystrokes arrive one byte
/// per segment, the user name echoed by the server.
fn login(answer: &[u8]) -> Sink {
    let mut s = TelnetSession::new();
    let mut sink = Sink::default();
    assert_eq!(
        s.feed(Direction::ToServer, CLIENT_NEGOTIATION, &mut sink),
        Progress::Done
    );
    s.feed(Direction::ToClient, SERVER_SUBNEGOTIATION, &mut sink);
    s.feed(Direction::ToClient, BANNER, &mut sink);
    s.feed(Direction::ToClient, LOGIN_PROMPT, &mut sink);
    for &b in b"fake\r\n" {
        s.feed(Direction::ToServer, &[b], &mut sink);
        s.feed(Direction::ToClient, &[b], &mut sink); // echo
    }
    s.feed(Direction::ToClient, PASSWORD_PROMPT, &mut sink);
    for &b in b"user\r\n" {
        s.feed(Direction::ToServer, &[b], &mut sink); // not echoed
    }
    s.feed(Direction::ToClient, b"\r\n", &mut sink);
    s.feed(Direction::ToClient, answer, &mut sink);
    s.finish(&mut sink);
    sink
}

#[test]
fn probes_a_negotiation_and_refuses_bare_text() {
    assert_eq!(probe(Direction::ToServer, CLIENT_NEGOTIATION), Probe::Match);
    assert_eq!(
        probe(Direction::ToClient, SERVER_SUBNEGOTIATION),
        Probe::Match
    );
    assert_eq!(probe(Direction::ToServer, &[0xff]), Probe::NeedMore);
    assert_eq!(probe(Direction::ToClient, LOGIN_PROMPT), Probe::NoMatch);
}

#[test]
fn reports_an_accepted_login_typed_one_byte_per_segment() {
    let sink = login(LAST_LOGIN);
    assert_eq!(sink.ops, vec![Operation::Session]);
    assert!(sink.facts.contains(&(
        Side::Server,
        HostFact::Software {
            role: "telnet_server".into(),
            banner: "OpenBSD/i386 (oof) (ttyp2)".into()
        }
    )));
    assert!(sink.facts.contains(&(
        Side::Server,
        HostFact::Credential {
            service: "telnet".into(),
            username: "fake".into(),
            secret: "user".into(),
            accepted: Some(true)
        }
    )));
    assert_eq!(sink.records.len(), 1);
    let r = &sink.records[0];
    assert_eq!(r["user"], "fake");
    assert_eq!(r["password_seen"], true);
    assert_eq!(r["success"], true);
    assert_eq!(r["banner"], "OpenBSD/i386 (oof) (ttyp2)");
    assert!(r.get("password").is_none() && r.get("secret").is_none());
}

#[test]
fn reports_a_refused_login() {
    let sink = login(b"Login incorrect\r\nlogin: ");
    assert!(sink.facts.iter().any(|(_, f)| matches!(
        f,
        HostFact::Credential {
            accepted: Some(false),
            ..
        }
    )));
    assert_eq!(sink.records[0]["success"], false);
}

#[test]
fn applies_backspace_and_ignores_commands_split_across_segments() {
    let mut s = TelnetSession::new();
    let mut sink = Sink::default();
    s.feed(Direction::ToClient, LOGIN_PROMPT, &mut sink);
    // `fakx`, DEL, `e`, with IAC NOP split over two segments in between.
    s.feed(Direction::ToServer, b"fakx\x7f", &mut sink);
    s.feed(Direction::ToServer, &[0xff], &mut sink);
    s.feed(Direction::ToServer, &[0xf1], &mut sink);
    s.feed(Direction::ToServer, b"e\r\n", &mut sink);
    s.feed(Direction::ToClient, PASSWORD_PROMPT, &mut sink);
    s.feed(Direction::ToServer, b"secret\r\n", &mut sink);
    s.feed(Direction::ToClient, b"$ ", &mut sink);
    assert!(sink.facts.iter().any(|(_, f)| matches!(
        f,
        HostFact::Credential { username, accepted: Some(true), .. } if username == "fake"
    )));
}

#[test]
fn reports_an_unanswered_login_on_finish() {
    let mut s = TelnetSession::new();
    let mut sink = Sink::default();
    s.feed(Direction::ToClient, PASSWORD_PROMPT, &mut sink);
    s.feed(Direction::ToServer, b"x\r", &mut sink);
    s.finish(&mut sink);
    assert!(sink
        .facts
        .iter()
        .any(|(_, f)| matches!(f, HostFact::Credential { accepted: None, .. })));
}

#[test]
fn probe_waits_on_a_bare_sub_negotiation_start() {
    // Fuzz regression (telnet_probe crash-076c2956): `IAC SB` alone was
    // NoMatch while `IAC SB option ...` is Match.
    assert_eq!(probe(Direction::ToServer, &[0xff, 0xfa]), Probe::NeedMore);
    assert_eq!(
        probe(Direction::ToServer, &[0xff, 0xfa, 0xb8, 0xa5, 0x2d]),
        Probe::Match
    );
}
