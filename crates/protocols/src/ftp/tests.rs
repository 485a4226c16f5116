// SPDX-License-Identifier: Apache-2.0
//! Unit tests with annotated bytes cut from zeek
//! `testing/btest/Traces/ftp/ipv4.pcap` (frames 4-10: an accepted
//! anonymous login) and `ftp/bruteforce.pcap` (stream 0, frames 4-12: a
//! refused login), read with `tshark -x`.
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

/// ipv4.pcap frame 4: the greeting.
const GREETING: &[u8] = b"220 ftp.NetBSD.org FTP server (NetBSD-ftpd 20100320) ready.\r\n"; // code 220, SP, banner, CRLF
/// ipv4.pcap frame 6.
const USER: &[u8] = b"USER anonymous\r\n"; // verb USER, SP, user name, CRLF
/// ipv4.pcap frame 7.
const NEED_PASS: &[u8] = b"331 Guest login ok, type your name as password.\r\n"; // code 331 (intermediate), SP, text
/// ipv4.pcap frame 9.
const PASS: &[u8] = b"PASS test\r\n"; // verb PASS, SP, secret, CRLF
/// ipv4.pcap frames 10-14, shortened: a multi-line 230.
const LOGGED_IN: &[u8] = concat!(
    "230-\r\n",                              // code 230, `-`: first line of a multi-line reply
    "    The NetBSD Project FTP Server\r\n", // continuation text (no code)
    "230 Guest login ok, access restrictions apply.\r\n", // code 230, SP: last line, the final reply
)
.as_bytes();

fn login(reply: &[u8]) -> Sink {
    let mut s = FtpSession::new();
    let mut sink = Sink::default();
    assert_eq!(
        s.feed(Direction::ToClient, GREETING, &mut sink),
        Progress::Done
    );
    s.feed(Direction::ToServer, USER, &mut sink);
    s.feed(Direction::ToClient, NEED_PASS, &mut sink);
    s.feed(Direction::ToServer, PASS, &mut sink);
    s.feed(Direction::ToClient, reply, &mut sink);
    assert_eq!(s.pending_len(), 0);
    sink
}

#[test]
fn probes_the_greeting_and_a_command() {
    assert_eq!(probe(Direction::ToClient, GREETING), Probe::Match);
    assert_eq!(probe(Direction::ToServer, USER), Probe::Match);
    assert_eq!(probe(Direction::ToServer, b"USE"), Probe::NeedMore);
    assert_eq!(
        probe(Direction::ToServer, b"GET / HTTP/1.1\r\n"),
        Probe::NoMatch
    );
}

#[test]
fn accepts_the_credential_on_230() {
    let sink = login(LOGGED_IN);
    assert_eq!(sink.ops, vec![Operation::Session, Operation::Session]);
    assert!(sink.facts.contains(&(
        Side::Server,
        HostFact::Software {
            role: "ftp_server".into(),
            banner: "ftp.NetBSD.org FTP server (NetBSD-ftpd 20100320) ready.".into()
        }
    )));
    assert!(sink.facts.contains(&(
        Side::Server,
        HostFact::Credential {
            service: "ftp".into(),
            username: "anonymous".into(),
            secret: "test".into(),
            accepted: Some(true)
        }
    )));
    let pass = &sink.records[1];
    assert_eq!(pass["command"], "PASS");
    assert_eq!(pass["reply_code"], 230);
    assert_eq!(pass["password_seen"], true);
    assert!(pass.get("arg").is_none(), "the password is never logged");
    assert_eq!(sink.records[0]["reply_code"], 331);
}

#[test]
fn refuses_the_credential_on_530() {
    // bruteforce.pcap stream 0, frame 12.
    let sink = login(b"530 Login incorrect.\r\n"); // code 530, SP, text
    assert!(sink.facts.iter().any(|(side, f)| *side == Side::Server
        && matches!(
            f,
            HostFact::Credential {
                accepted: Some(false),
                ..
            }
        )));
}

#[test]
fn reads_a_reply_code_without_its_space() {
    // zeek ftp-missing-space-after-reply-code, frame 16.
    let sink = login(b"230_no_space\r\n");
    assert!(sink.anomalies.contains(&"missing_space_after_reply_code"));
    assert!(sink.facts.iter().any(|(_, f)| matches!(
        f,
        HostFact::Credential {
            accepted: Some(true),
            ..
        }
    )));
}

#[test]
fn reads_the_reply_right_after_a_gap() {
    // zeek cwd-navigation frames 829-832: segments lost in both directions;
    // the segments after the gaps start at line starts.
    let mut s = FtpSession::new();
    let mut sink = Sink::default();
    s.feed(Direction::ToClient, GREETING, &mut sink);
    s.gap(Direction::ToServer, 6);
    s.feed(
        Direction::ToServer,
        b"RETR 720977-99999-2016.gz\r\n",
        &mut sink,
    );
    s.gap(Direction::ToClient, 19);
    s.feed(
        Direction::ToClient,
        b"150 Opening BINARY mode data connection\r\n226 Transfer complete\r\n",
        &mut sink,
    );
    assert_eq!(sink.ops, vec![Operation::FileTransfer]);
    assert_eq!(sink.records[0]["reply_code"], 226);
}

#[test]
fn skips_the_tail_of_a_line_cut_by_a_gap() {
    let mut s = FtpSession::new();
    let mut sink = Sink::default();
    s.gap(Direction::ToServer, 3);
    s.feed(Direction::ToServer, b"R /etc/passwd\r\nPWD\r\n", &mut sink);
    assert_eq!(sink.ops, vec![Operation::Read]);
    assert!(!sink.anomalies.contains(&"unknown_command"));
}

#[test]
fn caps_pending_commands() {
    let mut s = FtpSession::new();
    let mut sink = Sink::default();
    for _ in 0..=MAX_PENDING {
        s.feed(Direction::ToServer, b"NOOP\r\n", &mut sink);
    }
    assert_eq!(s.pending_len(), MAX_PENDING);
    assert!(sink.anomalies.contains(&"too_many_transactions"));
}

#[test]
fn probe_waits_when_a_command_line_is_cut_between_cr_and_lf() {
    // Fuzz regression (ftp_probe crash-c7285138): `CCC\r` was NoMatch while
    // `CCC\r\n` is Match.
    assert_eq!(probe(Direction::ToServer, b"CCC\r"), Probe::NeedMore);
    assert_eq!(probe(Direction::ToServer, b"CCC\r\n"), Probe::Match);
    assert_eq!(probe(Direction::ToClient, b"220 ready\r"), Probe::NeedMore);
}
