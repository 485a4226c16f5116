// SPDX-License-Identifier: Apache-2.0
//! Unit tests with annotated bytes. The request and response are cut from
//! zeek `testing/btest/Traces/http/basic-auth-with-colon.pcap` (frames 4
//! and 6, `tshark -x`); the lenient-parsing cases come from the
//! suricata-verify `http-evader`, `http-missing-protocol`, `http-connect`
//! and zeek `methods.pcap` captures.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use super::wire::{parse_request_line_lenient, parse_status_line_lenient, Method};
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

/// basic-auth-with-colon.pcap frame 4 (client 43090 → server 8000).
const BASIC_AUTH_REQ: &[u8] = concat!(
    "GET / HTTP/1.1\r\n",            // request line: method, target, version
    "Host: 172.24.133.205:8000\r\n", // Host: an address, so no name fact
    "User-Agent: python-requests/2.31.0\r\n", // User-Agent → http_client software
    "Accept-Encoding: gzip, deflate\r\n", // ignored
    "Accept: */*\r\n",               // ignored
    "Connection: keep-alive\r\n",    // ignored
    "Authorization: Basic  dGVzdDoxOjM0\r\n", // Basic, two spaces, base64("test:1:34")
    "\r\n",                          // end of the header block, no body
)
.as_bytes();

/// basic-auth-with-colon.pcap frame 6 (server 8000 → client).
const BASIC_AUTH_RESP: &[u8] = concat!(
    "HTTP/1.0 200 OK\r\n", // status line: version, code, reason
    "Server: SimpleHTTP/0.6 Python/3.10.6\r\n", // Server → http_server software
    "Date: Mon, 26 Jun 2023 10:53:00 GMT\r\n", // ignored
    "Content-type: text/html; charset=utf-8\r\n", // ignored
    "Content-Length: 643\r\n", // body length, skipped unbuffered
    "\r\n",                // end of the header block
)
.as_bytes();

fn feed_all(s: &mut HttpSession, dir: Direction, bytes: &[u8], sink: &mut Sink) -> Progress {
    s.feed(dir, bytes, sink)
}

#[test]
fn pairs_basic_auth_request_with_its_response_and_accepts_the_credential() {
    let mut s = HttpSession::new();
    let mut sink = Sink::default();
    assert_eq!(probe(Direction::ToServer, BASIC_AUTH_REQ), Probe::Match);
    assert_eq!(probe(Direction::ToClient, BASIC_AUTH_RESP), Probe::Match);
    assert_eq!(
        feed_all(&mut s, Direction::ToServer, BASIC_AUTH_REQ, &mut sink),
        Progress::Done
    );
    assert_eq!(sink.ops, vec![Operation::Read]);
    assert_eq!(s.pending_len(), 1);
    assert!(sink.records.is_empty(), "record waits for the response");
    feed_all(&mut s, Direction::ToClient, BASIC_AUTH_RESP, &mut sink);
    // The body (643 bytes) is skipped by length, across calls.
    assert_eq!(
        feed_all(&mut s, Direction::ToClient, &[b'<'; 643], &mut sink),
        Progress::Done
    );
    assert_eq!(s.pending_len(), 0);
    assert!(sink.facts.contains(&(
        Side::Client,
        HostFact::Software {
            role: "http_client".into(),
            banner: "python-requests/2.31.0".into()
        }
    )));
    assert!(sink.facts.contains(&(
        Side::Server,
        HostFact::Software {
            role: "http_server".into(),
            banner: "SimpleHTTP/0.6 Python/3.10.6".into()
        }
    )));
    // The secret holds a colon: only the first one separates user and secret.
    assert!(sink.facts.contains(&(
        Side::Server,
        HostFact::Credential {
            service: "http_basic".into(),
            username: "test".into(),
            secret: "1:34".into(),
            accepted: Some(true)
        }
    )));
    assert!(
        !sink
            .facts
            .iter()
            .any(|(_, f)| matches!(f, HostFact::Name { .. })),
        "an address in Host is not a name"
    );
    let r = &sink.records[0];
    assert_eq!(r["method"], "GET");
    assert_eq!(r["uri"], "/");
    assert_eq!(r["status_code"], 200);
    assert_eq!(r["server"], "SimpleHTTP/0.6 Python/3.10.6");
    assert_eq!(r["response_body_len"], 643);
    assert_eq!(r["username"], "test");
    assert_eq!(r["password_seen"], true);
    assert!(!r.to_string().contains("1:34"), "no secret in the record");
}

#[test]
fn refuses_the_credential_on_401() {
    let mut s = HttpSession::new();
    let mut sink = Sink::default();
    s.feed(Direction::ToServer, BASIC_AUTH_REQ, &mut sink);
    s.feed(
        Direction::ToClient,
        b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"PLC\"\r\nContent-Length: 0\r\n\r\n",
        &mut sink,
    );
    assert!(sink.facts.iter().any(|(_, f)| matches!(
        f,
        HostFact::Credential {
            accepted: Some(false),
            ..
        }
    )));
    assert_eq!(sink.records[0]["auth_realm"], "PLC");
}

#[test]
fn reports_unanswered_requests_on_finish() {
    let mut s = HttpSession::new();
    let mut sink = Sink::default();
    s.feed(Direction::ToServer, BASIC_AUTH_REQ, &mut sink);
    s.finish(&mut sink);
    assert_eq!(sink.records.len(), 1);
    assert!(sink.records[0].get("status_code").is_none());
    assert!(sink
        .facts
        .iter()
        .any(|(_, f)| matches!(f, HostFact::Credential { accepted: None, .. })));
}

#[test]
fn caps_pending_requests_and_reports_the_evicted_one() {
    let mut s = HttpSession::new();
    let mut sink = Sink::default();
    for _ in 0..=MAX_PENDING {
        s.feed(Direction::ToServer, b"GET / HTTP/1.1\r\n\r\n", &mut sink);
    }
    assert_eq!(s.pending_len(), MAX_PENDING);
    assert!(sink.anomalies.contains(&"too_many_transactions"));
    assert_eq!(sink.records.len(), 1);
}

#[test]
fn keeps_body_framing_across_a_gap_inside_a_content_length_body() {
    // suricata-verify http-gap-simple: a segment of the body is lost; the
    // next response still starts right after the body.
    let mut s = HttpSession::new();
    let mut sink = Sink::default();
    s.feed(
        Direction::ToServer,
        b"GET /1 HTTP/1.0\r\n\r\nGET /2 HTTP/1.0\r\n\r\n",
        &mut sink,
    );
    s.feed(
        Direction::ToClient,
        b"HTTP/1.0 200 OK\r\nContent-Length: 42\r\n\r\n0123456789",
        &mut sink,
    );
    s.gap(Direction::ToClient, 14);
    s.feed(Direction::ToClient, b"0123456789abcdefgh", &mut sink);
    s.feed(
        Direction::ToClient,
        b"HTTP/1.0 404 Not Found\r\n\r\n",
        &mut sink,
    );
    let codes: Vec<_> = sink
        .records
        .iter()
        .map(|r| r["status_code"].clone())
        .collect();
    assert_eq!(codes, vec![200, 404]);
}

#[test]
fn resyncs_after_a_gap_without_abandoning_on_body_lines() {
    // zeek 1000-requests-one-dropped-response: the first response's header
    // segment is lost and its HTML body follows; dozens of body lines must
    // not count as errors that abandon the flow.
    let mut s = HttpSession::new();
    let mut sink = Sink::default();
    s.feed(
        Direction::ToServer,
        b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n",
        &mut sink,
    );
    s.gap(Direction::ToClient, 238);
    let body = "<p>line</p>\n".repeat(40);
    assert_ne!(
        s.feed(Direction::ToClient, body.as_bytes(), &mut sink),
        Progress::Abandon(AbandonReason::NotThisProtocol)
    );
    s.feed(
        Direction::ToClient,
        b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
        &mut sink,
    );
    assert_eq!(sink.records.len(), 1);
    assert!(!sink.anomalies.contains(&"invalid_start_line"));
}

#[test]
fn follows_plain_http_inside_a_connect_tunnel() {
    // suricata-verify http-connect-simple (frames 5, 7, 9, 11).
    let mut s = HttpSession::new();
    let mut sink = Sink::default();
    s.feed(
        Direction::ToServer,
        b"CONNECT abc:443 HTTP/1.1\r\nUser-Agent: Victor/1.0\r\n\r\n",
        &mut sink,
    );
    s.feed(
        Direction::ToClient,
        b"HTTP/1.1 200 OK\r\nServer: VictorServer/1.0\r\n\r\n",
        &mut sink,
    );
    assert_eq!(
        s.feed(
            Direction::ToServer,
            b"GET / HTTP/1.1\r\nUser-Agent: Victor/1.0\r\n\r\n",
            &mut sink
        ),
        Progress::Done
    );
    s.feed(
        Direction::ToClient,
        b"HTTP/1.1 200 OK\r\nServer: VictorServer/1.0\r\n\r\n",
        &mut sink,
    );
    assert_eq!(sink.ops, vec![Operation::Session, Operation::Read]);
    assert_eq!(sink.records.len(), 2);
}

#[test]
fn abandons_a_tls_tunnel_after_connect() {
    let mut s = HttpSession::new();
    let mut sink = Sink::default();
    s.feed(
        Direction::ToServer,
        b"CONNECT plc:443 HTTP/1.1\r\n\r\n",
        &mut sink,
    );
    s.feed(
        Direction::ToClient,
        b"HTTP/1.1 200 Connection established\r\n\r\n",
        &mut sink,
    );
    // TLS record header: handshake, TLS 1.0, length 0x0a0d (holds a line feed).
    let hello = [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x0a];
    assert_eq!(
        s.feed(Direction::ToServer, &hello, &mut sink),
        Progress::Abandon(AbandonReason::Encrypted)
    );
}

#[test]
fn ends_the_header_block_at_a_white_space_line() {
    // http-evader-410: the empty line is `\r\r\n`.
    let mut s = HttpSession::new();
    let mut sink = Sink::default();
    s.feed(
        Direction::ToServer,
        b"GET /eicar.txt HTTP/1.1\r\n\r\n",
        &mut sink,
    );
    s.feed(
        Direction::ToClient,
        b"HTTP/1.1 200 ok\r\nContent-length: 4\n\r\r\nX5O!",
        &mut sink,
    );
    assert_eq!(sink.records[0]["status_code"], 200);
}

#[test]
fn reads_request_lines_leniently_after_the_probe() {
    // http-missing-protocol: no version.
    let l = parse_request_line_lenient(b"GET /gen.php?generate=1").unwrap();
    assert_eq!(
        (l.method, l.uri, l.version),
        (Method::Get, &b"/gen.php?generate=1"[..], &b""[..])
    );
    // methods.pcap: no target, a truncated version, an unknown method.
    assert_eq!(parse_request_line_lenient(b"OPTIONS").unwrap().uri, b"");
    assert_eq!(
        parse_request_line_lenient(b"GET / HTTP/1.").unwrap().uri,
        b"/"
    );
    assert_eq!(
        parse_request_line_lenient(b"CCM_POST / HTTP/1.1")
            .unwrap()
            .method,
        Method::Other
    );
    // http-uri-spaces: the target keeps its spaces.
    assert_eq!(
        parse_request_line_lenient(b"GET /uri afterspace HTTP/1.1")
            .unwrap()
            .uri,
        b"/uri afterspace"
    );
    // The HTTP/2 preface and unknown methods without a version are refused.
    assert!(parse_request_line_lenient(b"PRI * HTTP/2.0").is_none());
    assert!(parse_request_line_lenient(b"CCM_POST /HTTP/1.1").is_none());
    // The probe stays strict.
    assert_eq!(
        probe(Direction::ToServer, b"GET /gen.php\r\n"),
        Probe::NoMatch
    );
}

#[test]
fn reads_status_lines_leniently_but_refuses_bad_codes() {
    for ok in [
        &b"HTTP/1.2 200 ok"[..], // http-evader-047
        b"HTTP/1.01 200 ok",     // unusual minor version
        b"HTTP/1.1 \t200 ok",    // http-evader-474
        b"HTTP/1.1 200\0 ok",    // NUL after the code
    ] {
        assert_eq!(
            parse_status_line_lenient(ok).map(|l| l.code),
            Some(200),
            "{ok:?}"
        );
    }
    for bad in [
        &b"HTTP/1.1 2XX OK"[..], // http1-noint-status
        b"HTTP/1.1 000 ok",      // http-evader-462
        b"HTTP/1.1 2000 ok",     // http-evader-471
        b"HTTP/1.1\0 200 ok",    // http-evader-392
    ] {
        assert!(parse_status_line_lenient(bad).is_none(), "{bad:?}");
    }
}

#[test]
fn keeps_the_first_of_repeated_server_headers() {
    let mut s = HttpSession::new();
    let mut sink = Sink::default();
    s.feed(Direction::ToServer, b"GET / HTTP/1.1\r\n\r\n", &mut sink);
    s.feed(
        Direction::ToClient,
        b"HTTP/1.1 200 OK\r\nServer: Caddy\r\nServer: Apache\r\nContent-Length: 0\r\n\r\n",
        &mut sink,
    );
    assert_eq!(sink.records[0]["server"], "Caddy");
}

#[test]
fn probe_never_turns_a_prefix_no_match_into_a_match() {
    // Fuzz regression (http_probe crash-08a2703c): a status line whose
    // reason holds a control byte was refused while unfinished and accepted
    // once its line feed arrived.
    let crash: &[u8] = b"HTTP/1.0 224 12\x01\n";
    assert_eq!(
        probe(Direction::ToClient, &crash[..crash.len() - 1]),
        Probe::NoMatch
    );
    assert_eq!(probe(Direction::ToClient, crash), Probe::NoMatch);
    // Every prefix of a start line with a WebDAV method is still possible.
    let mkcol: &[u8] = b"MKCOL /dav/x HTTP/1.1\r\n";
    for n in 1..mkcol.len() {
        assert_ne!(
            probe(Direction::ToServer, &mkcol[..n]),
            Probe::NoMatch,
            "{n}"
        );
    }
    assert_eq!(probe(Direction::ToServer, mkcol), Probe::Match);
}
