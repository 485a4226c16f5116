// SPDX-License-Identifier: Apache-2.0
//! The subset of BER (ITU-T X.690 §8.1-§8.3, §8.7, §8.19) SNMP messages
//! use: definite lengths, INTEGER, OCTET STRING, OBJECT IDENTIFIER,
//! SEQUENCE and context / application tags.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

/// SEQUENCE tag.
pub const SEQUENCE: u8 = 0x30;
/// INTEGER tag.
pub const INTEGER: u8 = 0x02;
/// OCTET STRING tag.
pub const OCTET_STRING: u8 = 0x04;
/// OBJECT IDENTIFIER tag.
pub const OID: u8 = 0x06;

/// One element: `(tag, content, rest)`. Only single-byte tags and definite
/// lengths of up to 4 length bytes are accepted.
pub fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&first_tag, mut rest) = input.split_first()?;
    let mut tag = first_tag;
    if first_tag & 0x1f == 0x1f {
        // High-tag-number form (X.690 §8.1.2.4). Some encoders write small
        // numbers this way (non-minimal); fold those to the short form.
        let (&n, r) = rest.split_first()?;
        if n >= 0x1f {
            return None;
        }
        tag = (first_tag & 0xe0) | n;
        rest = r;
    }
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let len = rest
            .get(..n)?
            .iter()
            .fold(0usize, |a, &b| (a << 8) | usize::from(b));
        (len, rest.get(n..)?)
    };
    Some((tag, rest.get(..len)?, rest.get(len..)?))
}

/// The element at the start of `input`, if its tag is `tag`: `(content, rest)`.
pub fn expect(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (t, content, rest) = tlv(input)?;
    (t == tag).then_some((content, rest))
}

/// A two's-complement INTEGER content of at most 8 bytes.
pub fn integer(content: &[u8]) -> Option<i64> {
    if content.is_empty() || content.len() > 8 {
        return None;
    }
    let negative = content.first().is_some_and(|&b| b & 0x80 != 0);
    let start: i64 = if negative { -1 } else { 0 };
    Some(
        content
            .iter()
            .fold(start, |a, &b| a.wrapping_shl(8) | i64::from(b)),
    )
}
