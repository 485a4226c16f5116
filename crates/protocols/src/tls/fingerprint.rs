// SPDX-License-Identifier: Apache-2.0
//! Client and server fingerprints.
//!
//! - JA3 / JA3S (Salesforce, 2017): `SSLVersion,Ciphers,Extensions,
//!   EllipticCurves,EllipticCurvePointFormats` (JA3S: `SSLVersion,Cipher,
//!   Extensions`), decimal values joined by `-`, GREASE values (RFC 8701)
//!   removed, MD5 of the string in lower-case hex.
//! - JA4 (FoxIO, "JA4: TLS Client Fingerprinting", JA4 technical details):
//!   `t13d1516h2_8daaf6152771_02713d6af862`: transport, highest version,
//!   SNI present (`d`) or not (`i`), two-digit counts of ciphers and
//!   extensions, first and last character of the first ALPN value; then the
//!   first 12 hex digits of SHA-256 over the sorted cipher list, and over
//!   the sorted extension list (without SNI and ALPN) `_` the signature
//!   algorithms in their original order.
//!
//! Built only when a ClientHello or ServerHello is seen (once per flow).
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use super::wire::{alpn, ext, extensions, is_grease, u16s, ClientHello, Cursor, ServerHello};
use md5::{Digest as _, Md5};
use sha2::Sha256;
use std::fmt::Write as _;

fn join_dec(out: &mut String, values: impl Iterator<Item = u16>) {
    for (i, v) in values.enumerate() {
        if i > 0 {
            out.push('-');
        }
        let _ = write!(out, "{v}");
    }
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len().saturating_mul(2));
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// The JA3 string of a ClientHello.
pub fn ja3_string(ch: &ClientHello<'_>) -> String {
    let mut s = String::new();
    let _ = write!(s, "{},", ch.version);
    join_dec(&mut s, u16s(ch.ciphers).filter(|&c| !is_grease(c)));
    s.push(',');
    join_dec(
        &mut s,
        extensions(ch.extensions)
            .map(|e| e.kind)
            .filter(|&k| !is_grease(k)),
    );
    s.push(',');
    let groups = extensions(ch.extensions)
        .find(|e| e.kind == ext::SUPPORTED_GROUPS)
        .and_then(|e| Cursor(e.data).vec16())
        .unwrap_or_default();
    join_dec(&mut s, u16s(groups).filter(|&g| !is_grease(g)));
    s.push(',');
    let formats = extensions(ch.extensions)
        .find(|e| e.kind == ext::EC_POINT_FORMATS)
        .and_then(|e| Cursor(e.data).vec8())
        .unwrap_or_default();
    join_dec(&mut s, formats.iter().map(|&f| u16::from(f)));
    s
}

/// The JA3S string of a ServerHello.
pub fn ja3s_string(sh: &ServerHello<'_>) -> String {
    let mut s = String::new();
    let _ = write!(s, "{},{},", sh.version, sh.cipher);
    join_dec(&mut s, extensions(sh.extensions).map(|e| e.kind));
    s
}

/// MD5 of a JA3/JA3S string, lower-case hex.
pub fn md5_hex(s: &str) -> String {
    hex(&Md5::digest(s.as_bytes()))
}

fn sha256_12(s: &str) -> String {
    let mut h = hex(&Sha256::digest(s.as_bytes()));
    h.truncate(12);
    h
}

/// JA4 version code of a TLS/DTLS version number.
const fn ja4_version(v: u16) -> &'static str {
    match v {
        0x0304 => "13",
        0x0303 => "12",
        0x0302 => "11",
        0x0301 => "10",
        0x0300 => "s3",
        0x0002 => "s2",
        0xfeff => "d1",
        0xfefd => "d2",
        0xfefc => "d3",
        _ => "00",
    }
}

fn ja4_alpn(first: Option<&[u8]>) -> String {
    let Some(v) = first.filter(|v| !v.is_empty()) else {
        return "00".to_owned();
    };
    match (v.first(), v.last()) {
        (Some(&a), Some(&b)) if a.is_ascii_alphanumeric() && b.is_ascii_alphanumeric() => {
            [char::from(a), char::from(b)].iter().collect()
        }
        _ => {
            let h = hex(v);
            let mut s = String::new();
            s.extend(h.chars().next());
            s.extend(h.chars().last());
            s
        }
    }
}

/// The JA4 fingerprint of a ClientHello sent over TCP.
pub fn ja4(ch: &ClientHello<'_>) -> String {
    let exts: Vec<u16> = extensions(ch.extensions)
        .map(|e| e.kind)
        .filter(|&k| !is_grease(k))
        .collect();
    let mut ciphers: Vec<u16> = u16s(ch.ciphers).filter(|&c| !is_grease(c)).collect();
    let version = extensions(ch.extensions)
        .find(|e| e.kind == ext::SUPPORTED_VERSIONS)
        .and_then(|e| Cursor(e.data).vec8())
        .and_then(|list| u16s(list).filter(|&v| !is_grease(v)).max())
        .unwrap_or(ch.version);
    let has_sni = exts.contains(&ext::SERVER_NAME);
    let first_alpn = extensions(ch.extensions)
        .find(|e| e.kind == ext::ALPN)
        .and_then(|e| alpn(e.data).next());
    let mut a = String::with_capacity(10);
    a.push('t');
    a.push_str(ja4_version(version));
    a.push(if has_sni { 'd' } else { 'i' });
    let _ = write!(a, "{:02}{:02}", ciphers.len().min(99), exts.len().min(99));
    a.push_str(&ja4_alpn(first_alpn));

    ciphers.sort_unstable();
    let b = if ciphers.is_empty() {
        "000000000000".to_owned()
    } else {
        sha256_12(&hex_list(&ciphers))
    };

    let mut sorted: Vec<u16> = exts
        .iter()
        .copied()
        .filter(|&k| k != ext::SERVER_NAME && k != ext::ALPN)
        .collect();
    sorted.sort_unstable();
    let sigs: Vec<u16> = extensions(ch.extensions)
        .find(|e| e.kind == ext::SIGNATURE_ALGORITHMS)
        .and_then(|e| Cursor(e.data).vec16())
        .map(|l| u16s(l).collect())
        .unwrap_or_default();
    let c = if exts.is_empty() {
        "000000000000".to_owned()
    } else {
        let mut s = hex_list(&sorted);
        if !sigs.is_empty() {
            s.push('_');
            s.push_str(&hex_list(&sigs));
        }
        sha256_12(&s)
    };
    format!("{a}_{b}_{c}")
}

fn hex_list(values: &[u16]) -> String {
    let mut s = String::with_capacity(values.len().saturating_mul(5));
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        let _ = write!(s, "{v:04x}");
    }
    s
}
