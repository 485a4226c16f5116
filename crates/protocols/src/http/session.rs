// SPDX-License-Identifier: Apache-2.0
//! Per-flow HTTP/1.x state: header framing, body skipping (Content-Length
//! and chunked, never buffered), request/response pairing in order
//! (pipelining), facts and `http.log` records.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use super::record::HttpRecord;
use super::text::{self, fnv1a, owned, split_line, trim, Trace};
use super::wire::{self, Method};
use super::{ua, NAME};
use crate::api::{AbandonReason, Direction, ObservationSink, Progress, Session};
use plantguard_model::{HostFact, Side};
use std::collections::VecDeque;

/// Pending requests kept per flow; beyond it the oldest is reported unanswered.
pub const MAX_PENDING: usize = 64;
/// Largest header block accepted (request or status line plus headers).
pub const MAX_HEADER_BYTES: usize = 32 * 1024;
/// Longest chunk-size line accepted.
const MAX_CHUNK_LINE: usize = 1024;
/// Consecutive unparsable start lines before the flow is abandoned.
const MAX_ERRORS: u8 = 8;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Body {
    /// Expecting a header block.
    Headers,
    /// `n` body bytes left (Content-Length).
    Length(u64),
    /// Chunked body: expecting a chunk-size line.
    ChunkSize,
    /// Chunked body: `n` chunk bytes left.
    ChunkData(u64),
    /// Chunked body: the CRLF after a chunk.
    ChunkEnd,
    /// Chunked body: trailer lines until an empty one.
    Trailer,
    /// Response body delimited by the connection close.
    UntilClose,
    /// After CONNECT / 101 Switching Protocols: not HTTP any more.
    Tunnel,
}

#[derive(Debug)]
struct Half {
    body: Body,
    errors: u8,
    /// After a gap: skip lines until a start line, without counting them as
    /// errors (the rest of a lost message's body is expected there).
    resync: bool,
}

impl Half {
    const fn new() -> Self {
        Half {
            body: Body::Headers,
            errors: 0,
            resync: false,
        }
    }
}

/// One request waiting for its response.
#[derive(Debug)]
struct Pending {
    method: Method,
    /// Request fields for the record, built only when records are wanted.
    record: Option<Box<HttpRecord>>,
    /// Basic credentials (user, secret), kept until the status shows the outcome.
    basic: Option<Box<(String, String)>>,
}

/// Per-flow HTTP state.
#[derive(Debug)]
pub struct HttpSession {
    halves: [Half; 2],
    pending: VecDeque<Pending>,
    depth: u32,
    seen_ua: u64,
    seen_server: u64,
    seen_host: u64,
    trace: Trace,
}

impl Default for HttpSession {
    fn default() -> Self {
        Self::new()
    }
}

/// Headers of one message, borrowed from the buffer.
#[derive(Default)]
struct Headers<'a> {
    host: Option<&'a [u8]>,
    user_agent: Option<&'a [u8]>,
    server: Option<&'a [u8]>,
    authorization: Option<&'a [u8]>,
    www_authenticate: Option<&'a [u8]>,
    content_length: Option<u64>,
    chunked: bool,
    bad_length: bool,
}

fn parse_headers(block: &[u8]) -> Headers<'_> {
    let mut h = Headers::default();
    let mut rest = block;
    while let Some((line, used)) = split_line(rest) {
        rest = rest.get(used..).unwrap_or_default();
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let (name, value) = (
            line.get(..colon).unwrap_or_default(),
            trim(line.get(colon.saturating_add(1)..).unwrap_or_default()),
        );
        match name.len() {
            // A repeated header keeps its first value (as tshark lists first).
            4 if name.eq_ignore_ascii_case(b"host") => {
                h.host.get_or_insert(value);
            }
            6 if name.eq_ignore_ascii_case(b"server") => {
                h.server.get_or_insert(value);
            }
            10 if name.eq_ignore_ascii_case(b"user-agent") => {
                h.user_agent.get_or_insert(value);
            }
            13 if name.eq_ignore_ascii_case(b"authorization") => h.authorization = Some(value),
            14 if name.eq_ignore_ascii_case(b"content-length") => {
                match wire::parse_decimal(value) {
                    Some(n) => h.content_length = Some(n),
                    None => h.bad_length = true,
                }
            }
            16 if name.eq_ignore_ascii_case(b"www-authenticate") => {
                h.www_authenticate = Some(value);
            }
            17 if name.eq_ignore_ascii_case(b"transfer-encoding") => {
                h.chunked = text::contains_ci(value, b"chunked");
            }
            _ => {}
        }
    }
    h
}

/// Where a header block ends (after its empty line), if buffered.
fn header_end(input: &[u8]) -> Option<usize> {
    let mut pos = 0usize;
    let mut rest = input;
    while let Some((line, used)) = split_line(rest) {
        pos = pos.checked_add(used)?;
        // A line of only white space (`\r\r\n`, ` \n`) ends the block too, as
        // browsers read it; an evasion otherwise hides the body.
        if line.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r')) {
            return Some(pos);
        }
        rest = rest.get(used..)?;
    }
    None
}

impl HttpSession {
    /// A session at the start of a flow.
    pub fn new() -> Self {
        HttpSession {
            halves: [Half::new(), Half::new()],
            pending: VecDeque::new(),
            depth: 0,
            seen_ua: 0,
            seen_server: 0,
            seen_host: 0,
            trace: Trace::default(),
        }
    }

    /// Records decoded fields for tests (see [`Trace`]).
    pub fn enable_trace(&mut self) {
        self.trace.enable();
    }

    /// Decoded fields since the last call, keyed by tshark field name.
    pub fn take_trace(&mut self) -> Vec<(&'static str, String)> {
        self.trace.take()
    }

    /// Requests still waiting for a response.
    pub fn pending_len(&self) -> usize {
        self.pending.len()
    }

    /// Reports every unanswered request (record, credential with unknown outcome).
    pub fn flush(&mut self, out: &mut dyn ObservationSink) {
        while let Some(p) = self.pending.pop_front() {
            Self::complete(p, None, out);
        }
    }

    fn complete(p: Pending, status: Option<u16>, out: &mut dyn ObservationSink) {
        if let Some(b) = p.basic {
            let (username, secret) = *b;
            let accepted = match status {
                Some(401 | 403) => Some(false),
                Some(200..=399) => Some(true),
                _ => None,
            };
            out.host_fact(
                Side::Server,
                HostFact::Credential {
                    service: "http_basic".into(),
                    username: username.into(),
                    secret: secret.into(),
                    accepted,
                },
            );
        }
        if status.is_none() {
            if let Some(r) = p.record {
                out.record(NAME, &*r);
            }
        }
    }

    fn half(&mut self, dir: Direction) -> &mut Half {
        match dir {
            Direction::ToServer => &mut self.halves[0],
            Direction::ToClient => &mut self.halves[1],
        }
    }

    /// Handles one request header block; returns the body state that follows.
    fn on_request(&mut self, block: &[u8], out: &mut dyn ObservationSink) -> Option<Body> {
        let (first, used) = split_line(block)?;
        let line = wire::parse_request_line_lenient(first)?;
        let h = parse_headers(block.get(used..).unwrap_or_default());
        self.trace
            .push("http.request.method", || owned(line.method_bytes));
        if !line.uri.is_empty() {
            self.trace.push("http.request.uri", || owned(line.uri));
        }
        if let Some(host) = h.host {
            self.trace.push("http.host", || owned(host));
        }
        if let Some(ua) = h.user_agent {
            self.trace.push("http.user_agent", || owned(ua));
        }
        out.operation(NAME, line.method.operation());
        if let Some(ua_bytes) = h.user_agent.filter(|u| !u.is_empty()) {
            let hash = fnv1a(ua_bytes);
            if hash != self.seen_ua {
                self.seen_ua = hash;
                let banner = owned(ua_bytes);
                if let Some((name, version)) = ua::os_from_user_agent(&banner) {
                    out.host_fact(
                        Side::Client,
                        HostFact::Os {
                            name: name.into(),
                            version: version.map(Into::into),
                            source: "http_user_agent".into(),
                        },
                    );
                }
                out.host_fact(
                    Side::Client,
                    HostFact::Software {
                        role: "http_client".into(),
                        banner: banner.into(),
                    },
                );
            }
        }
        if let Some(name) = h.host.map(wire::host_name).filter(|n| wire::is_dns_name(n)) {
            let hash = fnv1a(name);
            if hash != self.seen_host {
                self.seen_host = hash;
                out.host_fact(
                    Side::Server,
                    HostFact::Name {
                        name: owned(name).to_ascii_lowercase().into(),
                        source: "http_host".into(),
                    },
                );
            }
        }
        let basic = h.authorization.and_then(wire::basic_credentials);
        if h.authorization.is_some() && basic.is_none() {
            // Bearer, Digest, NTLM...: no cleartext secret to report.
            out.anomaly(NAME, "non_basic_authorization");
        }
        self.depth = self.depth.saturating_add(1);
        let record = out.wants_records().then(|| {
            Box::new(HttpRecord {
                trans_depth: self.depth,
                method: owned(line.method_bytes),
                host: h.host.map(owned),
                uri: owned(line.uri),
                version: owned(line.version),
                user_agent: h.user_agent.map(owned),
                request_body_len: h.content_length,
                username: basic.as_ref().map(|(u, _)| u.clone()),
                password_seen: basic.is_some(),
                ..HttpRecord::default()
            })
        });
        if self.pending.len() >= MAX_PENDING {
            out.anomaly(NAME, "too_many_transactions");
            if let Some(old) = self.pending.pop_front() {
                Self::complete(old, None, out);
            }
        }
        self.pending.push_back(Pending {
            method: line.method,
            record,
            basic: basic.map(Box::new),
        });
        if h.bad_length {
            out.anomaly(NAME, "invalid_content_length");
        }
        Some(if h.chunked {
            Body::ChunkSize
        } else {
            match h.content_length {
                Some(0) | None => Body::Headers,
                Some(n) => Body::Length(n),
            }
        })
    }

    /// Handles one response header block; returns the body state that follows.
    fn on_response(&mut self, block: &[u8], out: &mut dyn ObservationSink) -> Option<Body> {
        let (first, used) = split_line(block)?;
        let line = wire::parse_status_line_lenient(first)?;
        let h = parse_headers(block.get(used..).unwrap_or_default());
        self.trace
            .push("http.response.code", || line.code.to_string());
        if let Some(server) = h.server {
            self.trace.push("http.server", || owned(server));
            let hash = fnv1a(server);
            if hash != self.seen_server && !server.is_empty() {
                self.seen_server = hash;
                out.host_fact(
                    Side::Server,
                    HostFact::Software {
                        role: "http_server".into(),
                        banner: owned(server).into(),
                    },
                );
            }
        }
        if (100..200).contains(&line.code) && line.code != 101 {
            // Interim response: the request still waits for its final answer.
            return Some(Body::Headers);
        }
        let request = self.pending.pop_front();
        if request.is_none() {
            out.anomaly(NAME, "unsolicited_response");
        }
        let method = request.as_ref().map(|r| r.method);
        if let Some(mut p) = request {
            if let Some(mut r) = p.record.take() {
                r.status_code = Some(line.code);
                r.status_msg = Some(owned(line.reason));
                r.server = h.server.map(owned);
                r.auth_realm = h.www_authenticate.and_then(wire::realm).map(owned);
                r.response_body_len = h.content_length;
                out.record(NAME, &*r);
            }
            Self::complete(p, Some(line.code), out);
        }
        let tunnel = line.code == 101
            || (method == Some(Method::Connect) && (200..300).contains(&line.code));
        if tunnel {
            self.halves[0].body = Body::Tunnel;
            return Some(Body::Tunnel);
        }
        let no_body = method == Some(Method::Head) || matches!(line.code, 204 | 304);
        Some(if no_body {
            Body::Headers
        } else if h.chunked {
            Body::ChunkSize
        } else {
            match h.content_length {
                Some(0) => Body::Headers,
                Some(n) => Body::Length(n),
                None => Body::UntilClose,
            }
        })
    }
}

impl Session for HttpSession {
    fn feed(&mut self, dir: Direction, input: &[u8], out: &mut dyn ObservationSink) -> Progress {
        let mut pos = 0usize;
        loop {
            let rest = input.get(pos..).unwrap_or_default();
            if rest.is_empty() {
                return Progress::Done;
            }
            let body = self.half(dir).body;
            match body {
                Body::Tunnel => {
                    // A proxy tunnel often carries plain HTTP (suricata-verify
                    // http-connect): go on when the tunnel starts with a start
                    // line, stop otherwise (TLS, SMTP, WebSocket frames).
                    // Stray line ends after the 200 are tolerated.
                    match rest.iter().position(|b| !matches!(b, b'\r' | b'\n')) {
                        None => return Progress::Done,
                        Some(0) => {}
                        Some(skip) => {
                            pos = pos.saturating_add(skip);
                            continue;
                        }
                    }
                    match split_line(rest) {
                        Some((line, _))
                            if wire::is_start_line(dir == Direction::ToServer, line) =>
                        {
                            self.half(dir).body = Body::Headers;
                        }
                        None if rest.len() < 1024
                            && rest
                                .iter()
                                .all(|&b| !b.is_ascii_control() || b == b'\r' || b == b'\t') =>
                        {
                            return Progress::Incomplete {
                                consumed: pos,
                                needed: 1,
                            };
                        }
                        _ => return Progress::Abandon(AbandonReason::Encrypted),
                    }
                }
                Body::UntilClose => return Progress::Done,
                Body::Length(n) | Body::ChunkData(n) => {
                    let take = usize::try_from(n).unwrap_or(usize::MAX).min(rest.len());
                    pos = pos.saturating_add(take);
                    let left = n.saturating_sub(take as u64);
                    self.half(dir).body = match (body, left) {
                        (Body::Length(_), 0) => Body::Headers,
                        (Body::Length(_), l) => Body::Length(l),
                        (_, 0) => Body::ChunkEnd,
                        (_, l) => Body::ChunkData(l),
                    };
                }
                Body::ChunkSize | Body::ChunkEnd | Body::Trailer => {
                    let Some((line, used)) = split_line(rest) else {
                        if rest.len() > MAX_CHUNK_LINE {
                            out.anomaly(NAME, "invalid_chunk_size");
                            return Progress::Abandon(AbandonReason::TooManyErrors);
                        }
                        return Progress::Incomplete {
                            consumed: pos,
                            needed: 1,
                        };
                    };
                    pos = pos.saturating_add(used);
                    self.half(dir).body = match body {
                        Body::ChunkEnd => Body::ChunkSize,
                        Body::Trailer if line.is_empty() => Body::Headers,
                        Body::Trailer => Body::Trailer,
                        _ => match wire::parse_chunk_size(line) {
                            Some(0) => Body::Trailer,
                            Some(n) => Body::ChunkData(n),
                            None => {
                                out.anomaly(NAME, "invalid_chunk_size");
                                Body::Headers
                            }
                        },
                    };
                }
                Body::Headers => {
                    // Stray line ends between messages are tolerated.
                    if let Some(skip) = rest.iter().position(|b| !matches!(b, b'\r' | b'\n')) {
                        if skip > 0 {
                            pos = pos.saturating_add(skip);
                            continue;
                        }
                    } else {
                        return Progress::Done;
                    }
                    if self.half(dir).resync {
                        let Some((line, used)) = split_line(rest) else {
                            if rest.len() > MAX_HEADER_BYTES {
                                // A long run without line ends: body bytes of
                                // the lost message, not a start line.
                                return Progress::Done;
                            }
                            return Progress::Incomplete {
                                consumed: pos,
                                needed: 1,
                            };
                        };
                        if !wire::is_start_line(dir == Direction::ToServer, line) {
                            pos = pos.saturating_add(used);
                            continue;
                        }
                        self.half(dir).resync = false;
                    }
                    let Some(end) = header_end(rest) else {
                        if rest.len() > MAX_HEADER_BYTES {
                            out.anomaly(NAME, "oversized_header");
                            return Progress::Abandon(AbandonReason::TooManyErrors);
                        }
                        return Progress::Incomplete {
                            consumed: pos,
                            needed: 1,
                        };
                    };
                    let block = rest.get(..end).unwrap_or_default();
                    let next = match dir {
                        Direction::ToServer => self.on_request(block, out),
                        Direction::ToClient => self.on_response(block, out),
                    };
                    match next {
                        Some(b) => {
                            let half = self.half(dir);
                            half.body = b;
                            half.errors = 0;
                            pos = pos.saturating_add(end);
                        }
                        None => {
                            // Not a start line: skip one line and look again (resync).
                            let used = split_line(rest).map_or(rest.len(), |(_, u)| u);
                            pos = pos.saturating_add(used);
                            let half = self.half(dir);
                            half.errors = half.errors.saturating_add(1);
                            if half.errors == 1 {
                                out.anomaly(NAME, "invalid_start_line");
                            }
                            if half.errors >= MAX_ERRORS {
                                return Progress::Abandon(AbandonReason::NotThisProtocol);
                            }
                        }
                    }
                }
            }
        }
    }

    fn gap(&mut self, dir: Direction, len: u32) {
        let half = self.half(dir);
        let len = u64::from(len);
        half.body = match half.body {
            // The lost bytes lie inside a body of known length: keep framing.
            Body::Length(n) if len < n => Body::Length(n.saturating_sub(len)),
            Body::Length(n) if len == n => Body::Headers,
            Body::ChunkData(n) if len < n => Body::ChunkData(n.saturating_sub(len)),
            Body::ChunkData(n) if len == n => Body::ChunkEnd,
            b @ (Body::Tunnel | Body::UntilClose) => b,
            _ => {
                // Resync on the next start line; lost requests stay pending
                // and responses pair in order, which may mispair around the gap.
                half.resync = true;
                Body::Headers
            }
        };
    }

    fn finish(&mut self, out: &mut dyn ObservationSink) {
        self.flush(out);
    }
}
