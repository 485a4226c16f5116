// SPDX-License-Identifier: Apache-2.0
//! HTTP/1.x.
//!
//! References:
//! - RFC 9112 (HTTP/1.1): §3 request line, §4 status line, §6 message body
//!   length (Content-Length, chunked), §7.1 chunked transfer coding.
//! - RFC 9110 (HTTP semantics): §9 methods, §11.6.1 `WWW-Authenticate`,
//!   §10.1.5 `User-Agent`, §10.2.4 `Server`.
//! - RFC 7617: the Basic authentication scheme.
//!
//! Transport: TCP, any port (80, 8080, 8000, 8008, 8081, 8888 are tried
//! first); recognised by a strict probe on a request line
//! `METHOD SP request-target SP HTTP/1.x` or a status line `HTTP/1.x NNN`.
//!
//! Each request gives one [`Operation`](plantguard_model::Operation)
//! (GET/HEAD → read, POST/PUT/DELETE/PATCH → write, CONNECT → session).
//! Facts: the `User-Agent` → `Software{role: "http_client"}` and, when it
//! names one, `Os{source: "http_user_agent"}` about the client; the `Server`
//! header → `Software{role: "http_server"}` about the server; the `Host`
//! name → `Name{source: "http_host"}` about the server; Basic authentication
//! → `Credential{service: "http_basic"}` about the server, accepted when the
//! status is 2xx/3xx, refused on 401/403. Responses pair with requests in
//! order (pipelining); bodies are skipped by Content-Length or chunk sizes
//! without being buffered. One `http.log` record per transaction
//! ([`record`]); unanswered requests are reported by
//! [`HttpSession::flush`] (called from `Session::finish`) or when the
//! pending cap evicts them.
//!
//! The probe is strict; once a flow is HTTP the session is lenient, as
//! servers and Zeek are: request lines without a version or target, with
//! spaces in the target or an unknown upper-case method followed by a
//! version; status lines with any `HTTP/d.d` version, extra white space or
//! a non-digit after the code; a white-space-only line ending the header
//! block; Content-Length with leading zeros. After a gap a body of known
//! length keeps its framing, otherwise lines are skipped (not counted as
//! errors) until the next start line. Plain HTTP inside a CONNECT tunnel
//! is followed; anything else there ends the session.
//!
//! Not decoded: HTTP/2 and HTTP/0.9 responses, bodies (no file extraction, no
//! content types), Digest/NTLM/Negotiate authentication (only counted as
//! `non_basic_authorization`), header folding, `Proxy-Authorization`.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

pub mod record;
pub mod session;
pub mod text;
pub mod ua;
pub mod wire;

#[cfg(test)]
mod tests;

pub use record::HttpRecord;
pub use session::{HttpSession, MAX_HEADER_BYTES, MAX_PENDING};
pub use wire::{parse_request_line, parse_status_line, Method, RequestLine, StatusLine};

use crate::api::{Direction, Probe, ProtocolInfo, Session, Transport};

/// Protocol name, also the log name (`http.log`).
pub const NAME: &str = "http";

/// Registry entry.
pub static INFO: ProtocolInfo = ProtocolInfo {
    name: NAME,
    transport: Transport::Tcp,
    ports: &[80, 8080, 8000, 8008, 8081, 8888],
    probe,
    new_session,
};

fn new_session() -> Box<dyn Session> {
    Box::new(HttpSession::new())
}

/// Longest first line the probe waits for.
const MAX_PROBE_LINE: usize = 8192;

/// Strict probe: a complete HTTP/1.x request line (to server) or status
/// line (to client); `NeedMore` while the bytes so far are a prefix of one.
pub fn probe(dir: Direction, input: &[u8]) -> Probe {
    let to_server = dir == Direction::ToServer;
    if let Some((line, _)) = text::split_line(input) {
        // The same control bytes that refuse an unfinished line refuse a
        // finished one, so a prefix's NoMatch never turns into Match.
        let clean = !line
            .iter()
            .any(|&b| b.is_ascii_control() && b != b'\r' && b != b'\t');
        return if line.len() <= MAX_PROBE_LINE && clean && wire::is_start_line(to_server, line) {
            Probe::Match
        } else {
            Probe::NoMatch
        };
    }
    if input.len() > MAX_PROBE_LINE
        || input
            .iter()
            .any(|&b| b.is_ascii_control() && b != b'\r' && b != b'\t')
    {
        return Probe::NoMatch;
    }
    let plausible = if to_server {
        match input.iter().position(|&b| b == b' ') {
            Some(sp) => input.get(..sp).and_then(Method::from_bytes).is_some(),
            None => {
                input.len() <= 9
                    && input.iter().all(u8::is_ascii_uppercase)
                    && wire::METHOD_TOKENS.iter().any(|m| m.starts_with(input))
            }
        }
    } else {
        let n = input.len().min(7);
        input.get(..n) == b"HTTP/1.".get(..n)
            && input.get(7).is_none_or(|&b| b == b'0' || b == b'1')
    };
    if plausible {
        Probe::NeedMore
    } else {
        Probe::NoMatch
    }
}
