// SPDX-License-Identifier: Apache-2.0
//! Pure parsing of EtherNet/IP encapsulation, Common Packet Format items and
//! CIP messages. Everything borrows the input; lists (CPF items, EPATH
//! segments, Multiple Service Packet entries) are iterated lazily.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use super::codes::item;

/// Encapsulation header length (ODVA Vol 2 §2-3.1).
pub const ENCAP_HEADER_LEN: usize = 24;

/// Why bytes are not an encapsulation message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncapError {
    /// Fewer bytes than the message needs; `needed` more are required.
    #[error("truncated encapsulation message: {needed} more bytes needed")]
    Truncated {
        /// Missing bytes.
        needed: usize,
    },
}

fn le16(b: &[u8], at: usize) -> Option<u16> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes(s.try_into().ok()?))
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes(s.try_into().ok()?))
}

/// Encapsulation header (ODVA Vol 2 §2-3.1, Table 2-3.1). Little-endian.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EncapHeader {
    /// Command.
    pub command: u16,
    /// Bytes of command data after the header.
    pub length: u16,
    /// Session handle (0 before RegisterSession answers).
    pub session_handle: u32,
    /// Status (0 in requests).
    pub status: u32,
    /// Sender context, echoed in the reply (8 opaque bytes, read as little-endian u64).
    pub sender_context: u64,
    /// Options (0).
    pub options: u32,
}

/// Reads the 24-byte encapsulation header.
pub fn parse_encap_header(input: &[u8]) -> Result<EncapHeader, EncapError> {
    let Some(
        &[c0, c1, l0, l1, s0, s1, s2, s3, t0, t1, t2, t3, x0, x1, x2, x3, x4, x5, x6, x7, o0, o1, o2, o3],
    ) = input.first_chunk::<ENCAP_HEADER_LEN>()
    else {
        return Err(EncapError::Truncated {
            needed: ENCAP_HEADER_LEN.saturating_sub(input.len()),
        });
    };
    Ok(EncapHeader {
        command: u16::from_le_bytes([c0, c1]),
        length: u16::from_le_bytes([l0, l1]),
        session_handle: u32::from_le_bytes([s0, s1, s2, s3]),
        status: u32::from_le_bytes([t0, t1, t2, t3]),
        sender_context: u64::from_le_bytes([x0, x1, x2, x3, x4, x5, x6, x7]),
        options: u32::from_le_bytes([o0, o1, o2, o3]),
    })
}

/// Parses one encapsulation message: header, command data and total length.
pub fn parse_encap(input: &[u8]) -> Result<(EncapHeader, &[u8], usize), EncapError> {
    let header = parse_encap_header(input)?;
    let (data, total) = encap_data(&header, input)?;
    Ok((header, data, total))
}

/// The command data of the message `header` starts (`input` begins with
/// that header) and the message's total length.
pub fn encap_data<'a>(
    header: &EncapHeader,
    input: &'a [u8],
) -> Result<(&'a [u8], usize), EncapError> {
    let total = ENCAP_HEADER_LEN.saturating_add(usize::from(header.length));
    let data = input
        .get(ENCAP_HEADER_LEN..total)
        .ok_or(EncapError::Truncated {
            needed: total.saturating_sub(input.len()),
        })?;
    Ok((data, total))
}

/// Lazy iterator over Common Packet Format items (ODVA Vol 2 §2-6):
/// `(type id, item data)`. Stops at the first truncated item.
#[derive(Clone, Debug)]
pub struct CpfItems<'a> {
    rest: &'a [u8],
    left: u16,
}

impl<'a> CpfItems<'a> {
    /// Items announced by the item count.
    pub fn announced(&self) -> u16 {
        self.left
    }
}

impl<'a> Iterator for CpfItems<'a> {
    type Item = (u16, &'a [u8]);
    fn next(&mut self) -> Option<Self::Item> {
        self.left = self.left.checked_sub(1)?;
        let type_id = le16(self.rest, 0)?;
        let len = usize::from(le16(self.rest, 2)?);
        let end = len.checked_add(4)?;
        let data = self.rest.get(4..end)?;
        self.rest = self.rest.get(end..).unwrap_or_default();
        Some((type_id, data))
    }
}

/// CPF items starting at an item count.
pub fn cpf_items(data: &[u8]) -> Option<CpfItems<'_>> {
    Some(CpfItems {
        left: le16(data, 0)?,
        rest: data.get(2..)?,
    })
}

/// CPF items of SendRRData / SendUnitData (after interface handle and timeout).
pub fn send_data_items(data: &[u8]) -> Option<CpfItems<'_>> {
    cpf_items(data.get(6..)?)
}

/// Request path decoded from an EPATH (CIP Vol 1 Appendix C).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CipPath<'a> {
    /// Logical class id (first class segment).
    pub class: Option<u32>,
    /// Logical instance id.
    pub instance: Option<u32>,
    /// Logical attribute id.
    pub attribute: Option<u32>,
    /// Logical member id.
    pub member: Option<u32>,
    /// Connection point.
    pub connection_point: Option<u32>,
    /// True when the path holds ANSI extended symbolic segments (Logix tag names).
    pub symbolic: bool,
    /// Raw path bytes, to rebuild the tag name off the hot path.
    pub raw: &'a [u8],
    /// False when a segment could not be decoded.
    pub complete: bool,
}

impl<'a> CipPath<'a> {
    /// Iterates the symbolic segments (`a`, `b` of tag `a.b`).
    pub fn symbols(&self) -> impl Iterator<Item = &'a [u8]> {
        let mut rest = self.raw;
        std::iter::from_fn(move || loop {
            let (seg, next) = next_segment(rest)?;
            rest = next;
            if let Segment::Symbolic(s) = seg {
                return Some(s);
            }
        })
    }
}

enum Segment<'a> {
    Logical { kind: u8, value: u32 },
    Symbolic(&'a [u8]),
    Other,
}

/// Decodes one EPATH segment; returns it and the remaining path.
fn next_segment(path: &[u8]) -> Option<(Segment<'_>, &[u8])> {
    let (&seg, rest) = path.split_first()?;
    match seg >> 5 {
        // Port segment (Appendix C-1.4.2).
        0 => {
            let extended_link = seg & 0x10 != 0;
            let mut rest = rest;
            if seg & 0x0F == 0x0F {
                rest = rest.get(2..)?;
            }
            if extended_link {
                let (&size, r) = rest.split_first()?;
                let padded = usize::from(size).checked_add(usize::from(size & 1))?;
                rest = r.get(padded..)?;
                // The whole segment is padded to a word: 1 + 1 + size (+ pad).
            } else {
                rest = rest.get(1..)?;
            }
            Some((Segment::Other, rest))
        }
        // Logical segment (Appendix C-1.4.3).
        1 => {
            let kind = (seg >> 2) & 0x07;
            let (value, rest) = match seg & 0x03 {
                0 => (u32::from(*rest.first()?), rest.get(1..)?),
                1 => (u32::from(le16(rest, 1)?), rest.get(3..)?),
                2 => (le32(rest, 1)?, rest.get(5..)?),
                _ => return None,
            };
            Some((Segment::Logical { kind, value }, rest))
        }
        // Network segment (Appendix C-1.4.4): one byte of data, or a word count for 0x50.
        2 => {
            if seg == 0x50 {
                let (&words, r) = rest.split_first()?;
                Some((Segment::Other, r.get(usize::from(words).checked_mul(2)?..)?))
            } else {
                Some((Segment::Other, rest.get(1..)?))
            }
        }
        // Symbolic segment (C-1.4.5), size in the low 5 bits.
        3 => {
            let n = usize::from(seg & 0x1F);
            let padded = n.checked_add((n & 1) ^ 1)?;
            Some((Segment::Other, rest.get(padded..)?))
        }
        // Data segment (C-1.4.6): 0x80 simple data, 0x91 ANSI extended symbol.
        4 => match seg {
            0x80 => {
                let (&words, r) = rest.split_first()?;
                Some((Segment::Other, r.get(usize::from(words).checked_mul(2)?..)?))
            }
            0x91 => {
                let (&n, r) = rest.split_first()?;
                let n = usize::from(n);
                let sym = r.get(..n)?;
                let padded = n.checked_add(n & 1)?;
                Some((Segment::Symbolic(sym), r.get(padded..).unwrap_or_default()))
            }
            _ => None,
        },
        _ => None,
    }
}

/// Decodes an EPATH.
pub fn parse_path(raw: &[u8]) -> CipPath<'_> {
    let mut p = CipPath {
        raw,
        complete: true,
        ..CipPath::default()
    };
    let mut rest = raw;
    while !rest.is_empty() {
        let Some((seg, next)) = next_segment(rest) else {
            p.complete = false;
            break;
        };
        rest = next;
        match seg {
            Segment::Logical { kind, value } => {
                let slot = match kind {
                    0 => &mut p.class,
                    1 => &mut p.instance,
                    2 => &mut p.member,
                    3 => &mut p.connection_point,
                    4 => &mut p.attribute,
                    _ => continue,
                };
                if slot.is_none() {
                    *slot = Some(value);
                }
            }
            Segment::Symbolic(_) => p.symbolic = true,
            Segment::Other => {}
        }
    }
    p
}

/// A CIP message (CIP Vol 1 §2-4: Message Router request / response format).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CipMessage<'a> {
    /// Request: service, path, request data.
    Request {
        /// Service code (bit 0x80 clear).
        service: u8,
        /// Request path.
        path: CipPath<'a>,
        /// Service data.
        data: &'a [u8],
    },
    /// Response: service, general status, extended status, response data.
    Response {
        /// Service code with bit 0x80 cleared.
        service: u8,
        /// General status.
        general_status: u8,
        /// First extended status word, if any.
        extended_status: Option<u16>,
        /// Response data.
        data: &'a [u8],
    },
}

/// Parses a CIP message; `None` when too short.
pub fn parse_cip(msg: &[u8]) -> Option<CipMessage<'_>> {
    let (&service, rest) = msg.split_first()?;
    if service & 0x80 != 0 {
        let (&_reserved, rest) = rest.split_first()?;
        let (&general_status, rest) = rest.split_first()?;
        let (&ext_words, rest) = rest.split_first()?;
        let ext_len = usize::from(ext_words).checked_mul(2)?;
        let extended_status = if ext_words > 0 { le16(rest, 0) } else { None };
        Some(CipMessage::Response {
            service: service & 0x7F,
            general_status,
            extended_status,
            data: rest.get(ext_len..)?,
        })
    } else {
        let (&words, rest) = rest.split_first()?;
        let len = usize::from(words).checked_mul(2)?;
        Some(CipMessage::Request {
            service,
            path: parse_path(rest.get(..len)?),
            data: rest.get(len..)?,
        })
    }
}

/// Unconnected Send request data (CIP Vol 1 §3-5.6.2): the embedded message
/// and the route path.
pub fn parse_unconnected_send(data: &[u8]) -> Option<(&[u8], &[u8])> {
    let size = usize::from(le16(data, 2)?);
    let end = size.checked_add(4)?;
    let embedded = data.get(4..end)?;
    let after = data.get(end.checked_add(size & 1)?..)?;
    let (&route_words, after) = after.split_first()?;
    let route = after
        .get(1..)?
        .get(..usize::from(route_words).checked_mul(2)?)?;
    Some((embedded, route))
}

/// Lazy iterator over the services of a Multiple Service Packet (CIP Vol 1
/// § ): the offsets table is read on demand.
#[derive(Clone, Debug)]
pub struct MultipleServices<'a> {
    body: &'a [u8],
    count: u16,
    index: u16,
}

impl<'a> MultipleServices<'a> {
    /// Number of services announced.
    pub fn announced(&self) -> u16 {
        self.count
    }
}

impl<'a> Iterator for MultipleServices<'a> {
    type Item = &'a [u8];
    fn next(&mut self) -> Option<&'a [u8]> {
        if self.index >= self.count {
            return None;
        }
        let i = usize::from(self.index);
        self.index = self.index.saturating_add(1);
        let start = usize::from(le16(self.body, i.checked_mul(2)?.checked_add(2)?)?);
        let end = if self.index < self.count {
            usize::from(le16(
                self.body,
                i.checked_add(1)?.checked_mul(2)?.checked_add(2)?,
            )?)
        } else {
            self.body.len()
        };
        self.body.get(start..end)
    }
}

/// Reads the offsets table of a Multiple Service Packet request or response body.
pub fn multiple_services(body: &[u8]) -> Option<MultipleServices<'_>> {
    Some(MultipleServices {
        count: le16(body, 0)?,
        body,
        index: 0,
    })
}

/// Forward Open / Large Forward Open request fields (CIP Vol 1 §3-5.5.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ForwardOpen {
    /// O->T network connection id (chosen by the target; 0 in requests usually).
    pub ot_connection_id: u32,
    /// T->O network connection id (chosen by the originator).
    pub to_connection_id: u32,
    /// Connection serial number.
    pub connection_serial: u16,
    /// Originator vendor id.
    pub originator_vendor: u16,
    /// Originator serial number.
    pub originator_serial: u32,
    /// O->T requested packet interval, microseconds.
    pub ot_rpi_us: u32,
    /// T->O requested packet interval, microseconds.
    pub to_rpi_us: u32,
}

/// Parses a Forward Open (`large` = 0x5B with 32-bit connection parameters) request.
pub fn parse_forward_open(data: &[u8], large: bool) -> Option<ForwardOpen> {
    let params = if large { 4 } else { 2 };
    let to_rpi_at = 26usize.checked_add(params)?;
    Some(ForwardOpen {
        ot_connection_id: le32(data, 2)?,
        to_connection_id: le32(data, 6)?,
        connection_serial: le16(data, 10)?,
        originator_vendor: le16(data, 12)?,
        originator_serial: le32(data, 14)?,
        ot_rpi_us: le32(data, 22)?,
        to_rpi_us: le32(data, to_rpi_at)?,
    })
}

/// Parses a successful Forward Open response: (O->T id, T->O id, serial,
/// O->T actual packet interval, T->O actual packet interval).
pub fn parse_forward_open_reply(data: &[u8]) -> Option<(u32, u32, u16, u32, u32)> {
    Some((
        le32(data, 0)?,
        le32(data, 4)?,
        le16(data, 8)?,
        le32(data, 16)?,
        le32(data, 20)?,
    ))
}

/// Parses a Forward Close request: connection serial number.
pub fn parse_forward_close(data: &[u8]) -> Option<u16> {
    le16(data, 2)
}

/// CIP Identity item of a ListIdentity reply (ODVA Vol 2 §2-4.3.2, Table 2-4.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IdentityItem<'a> {
    /// Encapsulation protocol version.
    pub encapsulation_version: u16,
    /// Socket address IPv4 (network order).
    pub socket_address: [u8; 4],
    /// Socket port.
    pub socket_port: u16,
    /// Vendor id.
    pub vendor_id: u16,
    /// Device type.
    pub device_type: u16,
    /// Product code.
    pub product_code: u16,
    /// Major revision.
    pub revision_major: u8,
    /// Minor revision.
    pub revision_minor: u8,
    /// Status word.
    pub status: u16,
    /// Serial number.
    pub serial_number: u32,
    /// Product name bytes (SHORT_STRING).
    pub product_name: &'a [u8],
    /// State (0xFF when absent).
    pub state: u8,
}

/// Parses the body of a CIP Identity item (type 0x0C).
pub fn parse_identity_item(b: &[u8]) -> Option<IdentityItem<'_>> {
    let addr = b.get(6..10)?;
    let name_len = usize::from(*b.get(32)?);
    let name_end = name_len.checked_add(33)?;
    Some(IdentityItem {
        encapsulation_version: le16(b, 0)?,
        // sin_port and sin_addr are big-endian (Vol 2 Table 2-4.4 note).
        socket_port: u16::from_be_bytes(b.get(4..6)?.try_into().ok()?),
        socket_address: addr.try_into().ok()?,
        vendor_id: le16(b, 18)?,
        device_type: le16(b, 20)?,
        product_code: le16(b, 22)?,
        revision_major: *b.get(24)?,
        revision_minor: *b.get(25)?,
        status: le16(b, 26)?,
        serial_number: le32(b, 28)?,
        product_name: b.get(33..name_end)?,
        state: b.get(name_end).copied().unwrap_or(0xFF),
    })
}

/// Implicit I/O datagram (UDP 2222): sequenced address item then connected
/// data item (ODVA Vol 2 §2-6.3.3). Returns (connection id, sequence, data).
pub fn parse_io(datagram: &[u8]) -> Option<(u32, u32, &[u8])> {
    let mut items = cpf_items(datagram)?;
    let (t, addr) = items.next()?;
    if t != item::SEQUENCED_ADDRESS || addr.len() != 8 {
        return None;
    }
    let (t, data) = items.next()?;
    if t != item::CONNECTED_DATA {
        return None;
    }
    Some((le32(addr, 0)?, le32(addr, 4)?, data))
}
