// SPDX-License-Identifier: Apache-2.0
//! DNS message parsing (RFC 1035 §4.1): header, questions, resource records
//! and names with compression pointers (§4.1.4). Pure functions of bytes;
//! names are only copied into a `String` when the caller asks for them.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use std::fmt::Write as _;

/// Why a DNS message could not be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DnsError {
    /// The message ends inside the 12-byte header or a field at this offset.
    #[error("message truncated at offset {0}")]
    Truncated(usize),
    /// A label length byte uses the reserved 0x40/0x80 prefixes (RFC 6891 §5).
    #[error("reserved label type {0:#04x}")]
    LabelType(u8),
    /// Compression pointers loop or chain more than [`MAX_POINTERS`] times.
    #[error("compression pointer loop at offset {0}")]
    PointerLoop(usize),
    /// A name longer than 255 bytes on the wire (RFC 1035 §3.1).
    #[error("name longer than 255 bytes")]
    NameTooLong,
}

/// Compression pointers followed at most while expanding one name. A
/// legitimate name has at most 127 labels, so real chains are far shorter;
/// a loop (`A -> B -> A`) stops here.
pub const MAX_POINTERS: usize = 16;

/// Longest name on the wire (RFC 1035 §3.1), also bounding expanded text.
pub const MAX_NAME: usize = 255;

pub(crate) fn be16(b: &[u8], off: usize) -> Option<u16> {
    let end = off.checked_add(2)?;
    let s: [u8; 2] = b.get(off..end)?.try_into().ok()?;
    Some(u16::from_be_bytes(s))
}

pub(crate) fn be32(b: &[u8], off: usize) -> Option<u32> {
    let end = off.checked_add(4)?;
    let s: [u8; 4] = b.get(off..end)?.try_into().ok()?;
    Some(u32::from_be_bytes(s))
}

/// DNS header (RFC 1035 §4.1.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// Transaction id.
    pub id: u16,
    /// Flags word: QR, opcode, AA, TC, RD, RA, Z, AD, CD, RCODE.
    pub flags: u16,
    /// Question count.
    pub qdcount: u16,
    /// Answer count.
    pub ancount: u16,
    /// Authority count.
    pub nscount: u16,
    /// Additional count.
    pub arcount: u16,
}

impl Header {
    /// QR bit: the message is a response.
    pub const fn is_response(&self) -> bool {
        self.flags & 0x8000 != 0
    }
    /// Opcode (0 query, 1 inverse query, 2 status, 4 notify, 5 update).
    pub const fn opcode(&self) -> u8 {
        ((self.flags >> 11) & 0x0f) as u8
    }
    /// Authoritative answer.
    pub const fn is_aa(&self) -> bool {
        self.flags & 0x0400 != 0
    }
    /// Truncated.
    pub const fn is_tc(&self) -> bool {
        self.flags & 0x0200 != 0
    }
    /// Recursion desired.
    pub const fn is_rd(&self) -> bool {
        self.flags & 0x0100 != 0
    }
    /// Recursion available.
    pub const fn is_ra(&self) -> bool {
        self.flags & 0x0080 != 0
    }
    /// The three Z bits (Z, AD, CD), as Zeek logs them.
    pub const fn z(&self) -> u8 {
        ((self.flags >> 4) & 0x07) as u8
    }
    /// Response code (low four bits; EDNS extensions not applied).
    pub const fn rcode(&self) -> u8 {
        (self.flags & 0x000f) as u8
    }
}

/// Parses the 12-byte header.
pub fn parse_header(msg: &[u8]) -> Result<Header, DnsError> {
    let f = |off| be16(msg, off).ok_or(DnsError::Truncated(off));
    Ok(Header {
        id: f(0)?,
        flags: f(2)?,
        qdcount: f(4)?,
        ancount: f(6)?,
        nscount: f(8)?,
        arcount: f(10)?,
    })
}

/// Offset just after the name starting at `off` (no pointer is followed:
/// a pointer ends the name in place). Does not allocate.
pub fn skip_name(msg: &[u8], mut off: usize) -> Result<usize, DnsError> {
    let start = off;
    loop {
        let len = *msg.get(off).ok_or(DnsError::Truncated(off))?;
        match len & 0xc0 {
            0x00 => {
                let next = off
                    .checked_add(1)
                    .and_then(|o| o.checked_add(usize::from(len)))
                    .ok_or(DnsError::Truncated(off))?;
                if len == 0 {
                    return Ok(next);
                }
                if next.saturating_sub(start) > MAX_NAME {
                    return Err(DnsError::NameTooLong);
                }
                if next > msg.len() {
                    return Err(DnsError::Truncated(off));
                }
                off = next;
            }
            0xc0 => {
                if off.saturating_add(2) > msg.len() {
                    return Err(DnsError::Truncated(off));
                }
                return Ok(off.saturating_add(2));
            }
            _ => return Err(DnsError::LabelType(len)),
        }
    }
}

/// Appends the name at `off` to `out` as dotted text, following compression
/// pointers (at most [`MAX_POINTERS`], so loops stop). Bytes outside
/// printable ASCII, dots and backslashes inside labels are escaped as
/// `\DDD` (RFC 4343 §2.1 presentation format). The root name is written as
/// an empty string. Returns the offset after the name in its original place.
pub fn read_name(msg: &[u8], off: usize, out: &mut String) -> Result<usize, DnsError> {
    let end = skip_name(msg, off)?;
    let mut pos = off;
    let mut hops = 0usize;
    let mut wire_len = 0usize;
    let mut first = true;
    loop {
        let len = *msg.get(pos).ok_or(DnsError::Truncated(pos))?;
        match len & 0xc0 {
            0x00 => {
                if len == 0 {
                    return Ok(end);
                }
                let s = pos.saturating_add(1);
                let e = s.saturating_add(usize::from(len));
                let label = msg.get(s..e).ok_or(DnsError::Truncated(pos))?;
                wire_len = wire_len.saturating_add(usize::from(len)).saturating_add(1);
                if wire_len > MAX_NAME {
                    return Err(DnsError::NameTooLong);
                }
                if !first {
                    out.push('.');
                }
                first = false;
                for &c in label {
                    if (c.is_ascii_graphic() && c != b'.' && c != b'\\') || c == b' ' {
                        out.push(char::from(c));
                    } else {
                        let _ = write!(out, "\\{c:03}");
                    }
                }
                pos = e;
            }
            0xc0 => {
                hops = hops.saturating_add(1);
                if hops > MAX_POINTERS {
                    return Err(DnsError::PointerLoop(pos));
                }
                let p = be16(msg, pos).ok_or(DnsError::Truncated(pos))?;
                pos = usize::from(p & 0x3fff);
            }
            _ => return Err(DnsError::LabelType(len)),
        }
    }
}

/// The name at `off` as a `String` (see [`read_name`]).
pub fn name_string(msg: &[u8], off: usize) -> Result<String, DnsError> {
    let mut s = String::new();
    read_name(msg, off, &mut s)?;
    Ok(s)
}

/// One question entry (RFC 1035 §4.1.2). The name stays in the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Question {
    /// Offset of the name in the message.
    pub name_off: usize,
    /// QTYPE.
    pub qtype: u16,
    /// QCLASS (mDNS: top bit is the unicast-response flag).
    pub qclass: u16,
    /// Offset after the entry.
    pub end: usize,
}

/// Parses the question at `off`.
pub fn parse_question(msg: &[u8], off: usize) -> Result<Question, DnsError> {
    let n = skip_name(msg, off)?;
    Ok(Question {
        name_off: off,
        qtype: be16(msg, n).ok_or(DnsError::Truncated(n))?,
        qclass: be16(msg, n.saturating_add(2)).ok_or(DnsError::Truncated(n))?,
        end: n.saturating_add(4),
    })
}

/// One resource record (RFC 1035 §4.1.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResourceRecord<'a> {
    /// Offset of the owner name in the message.
    pub name_off: usize,
    /// TYPE.
    pub rtype: u16,
    /// CLASS (mDNS: top bit is the cache-flush flag).
    pub rclass: u16,
    /// TTL in seconds.
    pub ttl: u32,
    /// Offset of RDATA in the message (names inside RDATA may point back).
    pub rdata_off: usize,
    /// RDATA.
    pub rdata: &'a [u8],
    /// Offset after the record.
    pub end: usize,
}

/// Parses the resource record at `off`.
pub fn parse_rr(msg: &[u8], off: usize) -> Result<ResourceRecord<'_>, DnsError> {
    let n = skip_name(msg, off)?;
    let t = |o: usize| be16(msg, n.saturating_add(o)).ok_or(DnsError::Truncated(n));
    let rtype = t(0)?;
    let rclass = t(2)?;
    let ttl = be32(msg, n.saturating_add(4)).ok_or(DnsError::Truncated(n))?;
    let rdlen = usize::from(t(8)?);
    let rdata_off = n.saturating_add(10);
    let end = rdata_off.saturating_add(rdlen);
    let rdata = msg
        .get(rdata_off..end)
        .ok_or(DnsError::Truncated(rdata_off))?;
    Ok(ResourceRecord {
        name_off: off,
        rtype,
        rclass,
        ttl,
        rdata_off,
        rdata,
        end,
    })
}

/// Which section a record was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    /// Answer section.
    Answer,
    /// Authority section.
    Authority,
    /// Additional section.
    Additional,
}

/// Iterates over all resource records after the questions, stopping at the
/// first record that does not decode (the error is returned once).
pub struct Records<'a> {
    msg: &'a [u8],
    off: usize,
    left: [u16; 3],
    failed: bool,
}

impl<'a> Records<'a> {
    /// Records of `msg` whose header is `h`, starting after the questions
    /// that end at `off`.
    pub fn new(msg: &'a [u8], h: &Header, off: usize) -> Records<'a> {
        Records {
            msg,
            off,
            left: [h.ancount, h.nscount, h.arcount],
            failed: false,
        }
    }
}

impl<'a> Iterator for Records<'a> {
    type Item = Result<(Section, ResourceRecord<'a>), DnsError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let (slot, section) = match self.left {
            [a, _, _] if a > 0 => (0usize, Section::Answer),
            [_, n, _] if n > 0 => (1, Section::Authority),
            [_, _, r] if r > 0 => (2, Section::Additional),
            _ => return None,
        };
        if let Some(l) = self.left.get_mut(slot) {
            *l = l.saturating_sub(1);
        }
        match parse_rr(self.msg, self.off) {
            Ok(rr) => {
                self.off = rr.end;
                Some(Ok((section, rr)))
            }
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}

/// Offset after `qdcount` questions starting at byte 12, or the error of the
/// first question that does not decode.
pub fn skip_questions(msg: &[u8], h: &Header) -> Result<usize, DnsError> {
    let mut off = 12usize;
    for _ in 0..h.qdcount {
        off = parse_question(msg, off)?.end;
    }
    if off > msg.len() {
        return Err(DnsError::Truncated(off));
    }
    Ok(off)
}

/// Appends the presentation form of an answer's RDATA to `out` (Zeek's
/// `answers` spelling: addresses, names, `TXT <len> <text>`; other types as
/// `<TYPE>`).
pub fn write_rdata(msg: &[u8], rr: &ResourceRecord<'_>, out: &mut String) {
    use std::net::{Ipv4Addr, Ipv6Addr};
    match rr.rtype {
        1 => match <[u8; 4]>::try_from(rr.rdata) {
            Ok(a) => {
                let _ = write!(out, "{}", Ipv4Addr::from(a));
            }
            Err(_) => out.push_str("<bad A>"),
        },
        28 => match <[u8; 16]>::try_from(rr.rdata) {
            Ok(a) => {
                let _ = write!(out, "{}", Ipv6Addr::from(a));
            }
            Err(_) => out.push_str("<bad AAAA>"),
        },
        2 | 5 | 12 | 39 => {
            if read_name(msg, rr.rdata_off, out).is_err() {
                out.push_str("<bad name>");
            }
        }
        15 => {
            if read_name(msg, rr.rdata_off.saturating_add(2), out).is_err() {
                out.push_str("<bad name>");
            }
        }
        33 => {
            if read_name(msg, rr.rdata_off.saturating_add(6), out).is_err() {
                out.push_str("<bad name>");
            }
        }
        16 => {
            let mut rest = rr.rdata;
            let mut first = true;
            while let Some((&n, tail)) = rest.split_first() {
                let s = tail.get(..usize::from(n)).unwrap_or(tail);
                if !first {
                    out.push(' ');
                }
                first = false;
                let _ = write!(out, "TXT {} {}", s.len(), String::from_utf8_lossy(s));
                rest = tail.get(usize::from(n)..).unwrap_or(&[]);
            }
        }
        t => {
            let _ = write!(out, "<{}>", super::codes::qtype_name(t));
        }
    }
}
