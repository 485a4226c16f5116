// SPDX-License-Identifier: Apache-2.0
//! Pure HTTP/1.x parsing (RFC 9112 §3 request line, §4 status line, §7.1
//! chunked coding; RFC 7617 Basic authentication): no state, no allocation
//! except for the decoded Basic credentials.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use super::text::contains_ci;
use plantguard_model::Operation;

/// Request methods recognised by the strict probe (RFC 9110 §9 plus PATCH
/// and the WebDAV methods that embedded servers and Windows clients send).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// GET
    Get,
    /// HEAD
    Head,
    /// POST
    Post,
    /// PUT
    Put,
    /// DELETE
    Delete,
    /// CONNECT
    Connect,
    /// OPTIONS
    Options,
    /// TRACE
    Trace,
    /// PATCH
    Patch,
    /// WebDAV methods (PROPFIND, MKCOL, ...).
    WebDav,
    /// Another method token (only accepted by the lenient request-line parser).
    Other,
}

/// Every method token [`Method::from_bytes`] knows (the probe's prefix check).
pub const METHOD_TOKENS: &[&[u8]] = &[
    b"GET",
    b"HEAD",
    b"POST",
    b"PUT",
    b"DELETE",
    b"CONNECT",
    b"OPTIONS",
    b"TRACE",
    b"PATCH",
    b"PROPFIND",
    b"PROPPATCH",
    b"MKCOL",
    b"COPY",
    b"MOVE",
    b"LOCK",
    b"UNLOCK",
    b"SEARCH",
    b"REPORT",
];

impl Method {
    /// The method named by `token`, if known.
    pub fn from_bytes(token: &[u8]) -> Option<Method> {
        Some(match token {
            b"GET" => Method::Get,
            b"HEAD" => Method::Head,
            b"POST" => Method::Post,
            b"PUT" => Method::Put,
            b"DELETE" => Method::Delete,
            b"CONNECT" => Method::Connect,
            b"OPTIONS" => Method::Options,
            b"TRACE" => Method::Trace,
            b"PATCH" => Method::Patch,
            b"PROPFIND" | b"PROPPATCH" | b"MKCOL" | b"COPY" | b"MOVE" | b"LOCK" | b"UNLOCK"
            | b"SEARCH" | b"REPORT" => Method::WebDav,
            _ => return None,
        })
    }

    /// What the request does: reads for safe methods, writes for methods
    /// that change resources (an embedded web server's configuration pages
    /// take POSTs), session for CONNECT tunnels.
    pub const fn operation(self) -> Operation {
        match self {
            Method::Get | Method::Head | Method::Options | Method::Trace => Operation::Read,
            Method::Post | Method::Put | Method::Delete | Method::Patch => Operation::Write,
            Method::Connect => Operation::Session,
            Method::WebDav | Method::Other => Operation::Other,
        }
    }
}

/// A request line `METHOD SP request-target SP HTTP/1.x`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestLine<'a> {
    /// Decoded method.
    pub method: Method,
    /// Method token as sent.
    pub method_bytes: &'a [u8],
    /// Request target.
    pub uri: &'a [u8],
    /// `HTTP/1.0` or `HTTP/1.1`.
    pub version: &'a [u8],
}

fn is_http1_version(v: &[u8]) -> bool {
    matches!(v, b"HTTP/1.0" | b"HTTP/1.1")
}

/// Parses a request line (without its line end).
pub fn parse_request_line(line: &[u8]) -> Option<RequestLine<'_>> {
    let mut parts = line.splitn(3, |&b| b == b' ');
    let method_bytes = parts.next()?;
    let uri = parts.next()?;
    let version = parts.next()?;
    let method = Method::from_bytes(method_bytes)?;
    if uri.is_empty() || !is_http1_version(version) || uri.iter().any(|b| b.is_ascii_control()) {
        return None;
    }
    Some(RequestLine {
        method,
        method_bytes,
        uri,
        version,
    })
}

/// Parses a request line leniently, once the flow is known to be HTTP:
/// as [`parse_request_line`], but also a known method with no version
/// (HTTP/0.9 style, `GET /path`), with no target at all (`OPTIONS`), with a
/// truncated version (`GET / HTTP/1.`) or with spaces inside the target
/// (everything between the method and a final `HTTP/` token is the
/// target, as Zeek and Suricata keep it), and an unknown method token
/// (upper-case letters, digits, `_` or `-`) when a `HTTP/` version token
/// follows (`CCM_POST / HTTP/1.1`). The probe stays strict.
pub fn parse_request_line_lenient(line: &[u8]) -> Option<RequestLine<'_>> {
    if let Some(strict) = parse_request_line(line) {
        return Some(strict);
    }
    let sp = line.iter().position(|&b| b == b' ').unwrap_or(line.len());
    let method_bytes = line.get(..sp)?;
    let rest = line.get(sp.saturating_add(1)..).unwrap_or_default();
    let rest = rest.strip_suffix(b" ").unwrap_or(rest);
    let (uri, version) = match rest.iter().rposition(|&b| b == b' ') {
        Some(last)
            if rest
                .get(last.saturating_add(1)..)
                .is_some_and(|v| v.starts_with(b"HTTP/")) =>
        {
            (
                rest.get(..last).unwrap_or_default(),
                rest.get(last.saturating_add(1)..).unwrap_or_default(),
            )
        }
        _ => (rest, &[][..]),
    };
    // `PRI * HTTP/2.0` (the HTTP/2 preface) and other major versions are not HTTP/1.
    let http1 = version.is_empty() || version.starts_with(b"HTTP/1.") || version == b"HTTP/0.9";
    if !http1 || uri.iter().any(|b| b.is_ascii_control()) || version.len() > 16 {
        return None;
    }
    let method = match Method::from_bytes(method_bytes) {
        Some(m) => m,
        None if !version.is_empty()
            && (1..=24).contains(&method_bytes.len())
            && method_bytes.iter().all(|&b| {
                b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_' || b == b'-'
            })
            && method_bytes.first().is_some_and(u8::is_ascii_uppercase) =>
        {
            Method::Other
        }
        None => return None,
    };
    Some(RequestLine {
        method,
        method_bytes,
        uri,
        version,
    })
}

/// A status line `HTTP/1.x SP 3DIGIT SP reason`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatusLine<'a> {
    /// `HTTP/1.0` or `HTTP/1.1`.
    pub version: &'a [u8],
    /// Status code (100-999).
    pub code: u16,
    /// Reason phrase (may be empty).
    pub reason: &'a [u8],
}

/// Parses a status line (without its line end).
pub fn parse_status_line(line: &[u8]) -> Option<StatusLine<'_>> {
    let version = line.get(..8)?;
    if !is_http1_version(version) || line.get(8) != Some(&b' ') {
        return None;
    }
    let digits = line.get(9..12)?;
    if !digits.iter().all(u8::is_ascii_digit) || digits.first() == Some(&b'0') {
        return None;
    }
    let code = digits.iter().fold(0u16, |a, &d| {
        a.wrapping_mul(10)
            .wrapping_add(u16::from(d.wrapping_sub(b'0')))
    });
    let reason = match line.get(12) {
        None => &[][..],
        Some(b' ') => line.get(13..).unwrap_or_default(),
        Some(_) => return None,
    };
    Some(StatusLine {
        version,
        code,
        reason,
    })
}

/// Parses a status line leniently, once the flow is known to be HTTP: any
/// `HTTP/<digits>.<digits>` version (`HTTP/1.2`, `HTTP/1.01`, `HTTP/0.9`),
/// spaces or tabs between version and code, and any non-digit after the
/// three code digits (a NUL, a bare CR). The code itself must still be
/// three digits from 100 (RFC 9112 §4): `2XX`, `000` or `2000` are refused.
pub fn parse_status_line_lenient(line: &[u8]) -> Option<StatusLine<'_>> {
    if let Some(strict) = parse_status_line(line) {
        return Some(strict);
    }
    let rest = line.strip_prefix(b"HTTP/")?;
    let major = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    let rest2 = rest.get(major..)?.strip_prefix(b".")?;
    let minor = rest2.iter().take_while(|b| b.is_ascii_digit()).count();
    if !(1..=2).contains(&major) || !(1..=2).contains(&minor) {
        return None;
    }
    let version_len = 5usize
        .checked_add(major)?
        .checked_add(1)?
        .checked_add(minor)?;
    let version = line.get(..version_len)?;
    let after = line.get(version_len..)?;
    let ws = after
        .iter()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count();
    if ws == 0 {
        return None;
    }
    let after = after.get(ws..)?;
    let digits = after.get(..3)?;
    if !digits.iter().all(u8::is_ascii_digit)
        || digits.first() == Some(&b'0')
        || after.get(3).is_some_and(u8::is_ascii_digit)
    {
        return None;
    }
    let code = digits.iter().fold(0u16, |a, &d| {
        a.wrapping_mul(10)
            .wrapping_add(u16::from(d.wrapping_sub(b'0')))
    });
    let reason = after.get(3..).unwrap_or_default();
    let reason = reason.strip_prefix(b" ").unwrap_or(reason);
    Some(StatusLine {
        version,
        code,
        reason,
    })
}

/// A decimal number of at most 18 significant digits (Content-Length);
/// leading zeros do not count (zeek issue 261, `leading_zeros` variant).
pub fn parse_decimal(s: &[u8]) -> Option<u64> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let zeros = s.iter().take_while(|&&b| b == b'0').count();
    let s = s.get(zeros..).unwrap_or_default();
    if s.len() > 18 {
        return None;
    }
    Some(s.iter().fold(0u64, |a, &d| {
        a.wrapping_mul(10)
            .wrapping_add(u64::from(d.wrapping_sub(b'0')))
    }))
}

/// The size of a chunk-size line (hex, optional `;ext`), at most 15 digits.
pub fn parse_chunk_size(line: &[u8]) -> Option<u64> {
    let end = line
        .iter()
        .position(|&b| b == b';' || b == b' ' || b == b'\t')
        .unwrap_or(line.len());
    let hex = line.get(..end)?;
    if hex.is_empty() || hex.len() > 15 {
        return None;
    }
    hex.iter().try_fold(0u64, |a, &c| {
        let d = char::from(c).to_digit(16)?;
        Some(a.wrapping_mul(16).wrapping_add(u64::from(d)))
    })
}

/// The host part of a `Host` header (port and IPv6 brackets removed).
pub fn host_name(host: &[u8]) -> &[u8] {
    if host.first() == Some(&b'[') {
        return host
            .iter()
            .position(|&b| b == b']')
            .and_then(|e| host.get(1..e))
            .unwrap_or(host);
    }
    match host.iter().rposition(|&b| b == b':') {
        Some(c) => host.get(..c).unwrap_or(host),
        None => host,
    }
}

/// True for a DNS name (letters, digits, `-`, `.`, `_`, not all digits and dots).
pub fn is_dns_name(name: &[u8]) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
        && name.iter().any(u8::is_ascii_alphabetic)
        && !name.contains(&b':')
}

fn b64_value(c: u8) -> Option<u32> {
    Some(u32::from(match c {
        b'A'..=b'Z' => c.wrapping_sub(b'A'),
        b'a'..=b'z' => c.wrapping_sub(b'a').wrapping_add(26),
        b'0'..=b'9' => c.wrapping_sub(b'0').wrapping_add(52),
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    }))
}

/// Decodes standard base64 (padding optional), at most 1024 input bytes.
pub fn base64_decode(s: &[u8]) -> Option<Vec<u8>> {
    let s = s
        .strip_suffix(b"==")
        .or_else(|| s.strip_suffix(b"="))
        .unwrap_or(s);
    if s.len() > 1024 {
        return None;
    }
    let mut out = Vec::with_capacity(s.len().saturating_mul(3) / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in s {
        acc = (acc << 6) | b64_value(c)?;
        bits = bits.saturating_add(6);
        if bits >= 8 {
            bits = bits.saturating_sub(8);
            out.push(((acc >> bits) & 0xFF) as u8);
        }
    }
    Some(out)
}

/// `(user, secret)` of an `Authorization: Basic <base64(user:secret)>` value.
pub fn basic_credentials(value: &[u8]) -> Option<(String, String)> {
    let scheme = value.get(..6)?;
    if !scheme.eq_ignore_ascii_case(b"basic ") {
        return None;
    }
    let decoded = base64_decode(super::text::trim(value.get(6..)?))?;
    let colon = decoded.iter().position(|&b| b == b':')?;
    let user = String::from_utf8_lossy(decoded.get(..colon)?).into_owned();
    let secret = String::from_utf8_lossy(decoded.get(colon.checked_add(1)?..)?).into_owned();
    Some((user, secret))
}

/// The `realm="..."` parameter of a `WWW-Authenticate` challenge.
pub fn realm(value: &[u8]) -> Option<&[u8]> {
    let at = value
        .windows(6)
        .position(|w| w.eq_ignore_ascii_case(b"realm="))?;
    let rest = value.get(at.checked_add(6)?..)?;
    if let Some(q) = rest.strip_prefix(b"\"") {
        let end = q.iter().position(|&b| b == b'"').unwrap_or(q.len());
        q.get(..end)
    } else {
        let end = rest
            .iter()
            .position(|&b| b == b',' || b == b' ')
            .unwrap_or(rest.len());
        rest.get(..end)
    }
}

/// True when `line` could be the start of an HTTP/1.x message in `to_server` direction.
pub fn is_start_line(to_server: bool, line: &[u8]) -> bool {
    if to_server {
        parse_request_line(line).is_some()
    } else {
        parse_status_line(line).is_some() && !contains_ci(line, b"\0")
    }
}
