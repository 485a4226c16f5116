// SPDX-License-Identifier: Apache-2.0
//! A minimal DER walker for the X.509 fields a passive inventory needs
//! (RFC 5280 §4.1: `tbsCertificate` version, serialNumber, signature,
//! issuer, validity, subject). Names are written RFC 4514 style, last RDN
//! first (`CN=plc.example,O=Acme,C=DE`), as Zeek's `x509.log` does.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

/// The certificate fields kept.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CertInfo {
    /// Subject distinguished name.
    pub subject: String,
    /// Issuer distinguished name.
    pub issuer: String,
    /// Common name of the subject, when present.
    pub subject_cn: Option<String>,
    /// `notBefore`, RFC 3339 (`2024-01-31T12:00:00Z`).
    pub not_valid_before: Option<String>,
    /// `notAfter`, RFC 3339.
    pub not_valid_after: Option<String>,
    /// Subject and issuer are the same name.
    pub self_signed: bool,
}

/// One DER element: tag, content, and the bytes after it.
fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let bytes = rest.get(..n)?;
        let len = bytes.iter().fold(0usize, |a, &b| (a << 8) | usize::from(b));
        (len, rest.get(n..)?)
    };
    Some((tag, rest.get(..len)?, rest.get(len..)?))
}

fn expect(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (t, content, rest) = tlv(input)?;
    (t == tag).then_some((content, rest))
}

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;

/// Short name of an attribute type OID (content bytes).
fn attr_name(oid: &[u8]) -> Option<&'static str> {
    Some(match oid {
        [0x55, 0x04, 0x03] => "CN",
        [0x55, 0x04, 0x05] => "serialNumber",
        [0x55, 0x04, 0x06] => "C",
        [0x55, 0x04, 0x07] => "L",
        [0x55, 0x04, 0x08] => "ST",
        [0x55, 0x04, 0x09] => "street",
        [0x55, 0x04, 0x0a] => "O",
        [0x55, 0x04, 0x0b] => "OU",
        [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01] => "emailAddress",
        [0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19] => "DC",
        _ => return None,
    })
}

/// Dotted form of an OID's content bytes.
pub fn oid_string(oid: &[u8]) -> String {
    let mut s = String::new();
    let mut value: u64 = 0;
    let mut first = true;
    for &b in oid {
        value = (value << 7) | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            if first {
                let (a, rest) = match value {
                    0..=39 => (0, value),
                    40..=79 => (1, value.wrapping_sub(40)),
                    _ => (2, value.wrapping_sub(80)),
                };
                s.push_str(&format!("{a}.{rest}"));
                first = false;
            } else {
                s.push_str(&format!(".{value}"));
            }
            value = 0;
        }
    }
    s
}

fn string_value(tag: u8, content: &[u8]) -> String {
    if tag == 0x1e {
        // BMPString: UTF-16BE.
        let units: Vec<u16> = content
            .chunks_exact(2)
            .map(|c| match *c {
                [a, b] => u16::from_be_bytes([a, b]),
                _ => 0,
            })
            .collect();
        return String::from_utf16_lossy(&units);
    }
    String::from_utf8_lossy(content).into_owned()
}

/// `(distinguished name, common name)` of a Name's content.
fn name(mut rdns: &[u8]) -> (String, Option<String>) {
    let mut parts: Vec<String> = Vec::new();
    let mut cn = None;
    while let Some((set, rest)) = expect(rdns, SET) {
        rdns = rest;
        let mut atvs = set;
        while let Some((atv, rest)) = expect(atvs, SEQUENCE) {
            atvs = rest;
            let Some((oid, value)) = expect(atv, 0x06) else {
                continue;
            };
            let Some((tag, content, _)) = tlv(value) else {
                continue;
            };
            let v = string_value(tag, content);
            let key = attr_name(oid).map_or_else(|| oid_string(oid), str::to_owned);
            if key == "CN" && cn.is_none() {
                cn = Some(v.clone());
            }
            let escaped = v.replace('\\', "\\\\").replace(',', "\\,");
            parts.push(format!("{key}={escaped}"));
        }
    }
    parts.reverse();
    (parts.join(","), cn)
}

fn time(input: &[u8]) -> Option<(String, &[u8])> {
    let (tag, content, rest) = tlv(input)?;
    let digits = match tag {
        0x17 => {
            let yy = content.get(..2)?;
            let century = if yy < b"50".as_slice() { "20" } else { "19" };
            format!("{century}{}", std::str::from_utf8(content).ok()?)
        }
        0x18 => std::str::from_utf8(content).ok()?.to_owned(),
        _ => return None,
    };
    let d = digits.as_bytes();
    if d.len() < 14 || !d.get(..14)?.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let f = |a: usize, b: usize| digits.get(a..b).unwrap_or("00");
    Some((
        format!(
            "{}-{}-{}T{}:{}:{}Z",
            f(0, 4),
            f(4, 6),
            f(6, 8),
            f(8, 10),
            f(10, 12),
            f(12, 14)
        ),
        rest,
    ))
}

/// Parses the fields of a DER certificate; `None` when its structure is broken.
pub fn parse_certificate(der: &[u8]) -> Option<CertInfo> {
    let (cert, _) = expect(der, SEQUENCE)?;
    let (mut tbs, _) = expect(cert, SEQUENCE)?;
    if tbs.first() == Some(&0xa0) {
        tbs = tlv(tbs)?.2;
    }
    let (_serial, rest) = expect(tbs, 0x02)?;
    let (_sigalg, rest) = expect(rest, SEQUENCE)?;
    let (issuer_raw, rest) = expect(rest, SEQUENCE)?;
    let (validity, rest) = expect(rest, SEQUENCE)?;
    let (subject_raw, _) = expect(rest, SEQUENCE)?;
    let (not_before, vrest) = time(validity).map_or((None, &[][..]), |(t, r)| (Some(t), r));
    let not_after = time(vrest).map(|(t, _)| t);
    let (issuer, _) = name(issuer_raw);
    let (subject, subject_cn) = name(subject_raw);
    Some(CertInfo {
        self_signed: subject_raw == issuer_raw,
        subject,
        issuer,
        subject_cn,
        not_valid_before: not_before,
        not_valid_after: not_after,
    })
}
