// SPDX-License-Identifier: Apache-2.0
//! Pure SNMP message parsing (RFC 1157 §4, RFC 3416 §3, RFC 3412 §6),
//! borrowing the datagram.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use super::ber::{self, expect, integer, tlv};

/// PDU types (context tags 0xA0-0xA8, RFC 3416 §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PduType {
    /// 0xA0 GetRequest
    GetRequest,
    /// 0xA1 GetNextRequest
    GetNextRequest,
    /// 0xA2 Response (GetResponse in v1)
    Response,
    /// 0xA3 SetRequest
    SetRequest,
    /// 0xA4 Trap (v1)
    TrapV1,
    /// 0xA5 GetBulkRequest
    GetBulkRequest,
    /// 0xA6 InformRequest
    InformRequest,
    /// 0xA7 SNMPv2-Trap
    TrapV2,
    /// 0xA8 Report
    Report,
}

impl PduType {
    /// The PDU type of a context tag.
    pub const fn from_tag(tag: u8) -> Option<PduType> {
        Some(match tag {
            0xa0 => PduType::GetRequest,
            0xa1 => PduType::GetNextRequest,
            0xa2 => PduType::Response,
            0xa3 => PduType::SetRequest,
            0xa4 => PduType::TrapV1,
            0xa5 => PduType::GetBulkRequest,
            0xa6 => PduType::InformRequest,
            0xa7 => PduType::TrapV2,
            0xa8 => PduType::Report,
            _ => return None,
        })
    }

    /// Index of the PDU in the ASN.1 CHOICE (tshark's `snmp.data`).
    pub const fn index(self) -> u8 {
        self as u8
    }

    /// snake_case name.
    pub const fn name(self) -> &'static str {
        match self {
            PduType::GetRequest => "get_request",
            PduType::GetNextRequest => "get_next_request",
            PduType::Response => "response",
            PduType::SetRequest => "set_request",
            PduType::TrapV1 => "trap",
            PduType::GetBulkRequest => "get_bulk_request",
            PduType::InformRequest => "inform_request",
            PduType::TrapV2 => "snmpv2_trap",
            PduType::Report => "report",
        }
    }
}

/// A PDU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pdu<'a> {
    /// Type.
    pub kind: PduType,
    /// request-id (absent in v1 traps).
    pub request_id: Option<i64>,
    /// error-status of responses.
    pub error_status: Option<i64>,
    /// The VarBindList content.
    pub varbinds: &'a [u8],
}

/// A message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Message<'a> {
    /// msgVersion: 0 = v1, 1 = v2c, 3 = v3.
    pub version: i64,
    /// Community (v1/v2c).
    pub community: Option<&'a [u8]>,
    /// The PDU, when in clear.
    pub pdu: Option<Pdu<'a>>,
    /// Bytes after the message in the datagram.
    pub trailing: usize,
}

impl Message<'_> {
    /// `1`, `2c` or `3`.
    pub const fn version_name(&self) -> &'static str {
        match self.version {
            0 => "1",
            1 => "2c",
            3 => "3",
            _ => "unknown",
        }
    }
}

fn parse_pdu(input: &[u8]) -> Option<Pdu<'_>> {
    let (tag, content, _) = tlv(input)?;
    let kind = PduType::from_tag(tag)?;
    if kind == PduType::TrapV1 {
        let (_enterprise, rest) = expect(content, ber::OID)?;
        let (_, _, rest) = tlv(rest)?; // agent-addr
        let (_, _, rest) = tlv(rest)?; // generic-trap
        let (_, _, rest) = tlv(rest)?; // specific-trap
        let (_, _, rest) = tlv(rest)?; // time-stamp
        let (varbinds, _) = expect(rest, ber::SEQUENCE)?;
        return Some(Pdu {
            kind,
            request_id: None,
            error_status: None,
            varbinds,
        });
    }
    let (id, rest) = expect(content, ber::INTEGER)?;
    let (status, rest) = expect(rest, ber::INTEGER)?;
    let (_index, rest) = expect(rest, ber::INTEGER)?;
    let (varbinds, _) = expect(rest, ber::SEQUENCE)?;
    Some(Pdu {
        kind,
        request_id: integer(id),
        error_status: integer(status),
        varbinds,
    })
}

/// Parses one SNMP message; `None` when the structure is not SNMP.
pub fn parse_message(input: &[u8]) -> Option<Message<'_>> {
    let (msg, after) = expect(input, ber::SEQUENCE)?;
    let (version, rest) = expect(msg, ber::INTEGER)?;
    let version = integer(version)?;
    match version {
        0 | 1 => {
            let (community, rest) = expect(rest, ber::OCTET_STRING)?;
            let pdu = parse_pdu(rest)?;
            Some(Message {
                version,
                community: Some(community),
                pdu: Some(pdu),
                trailing: after.len(),
            })
        }
        3 => {
            let (_global, rest) = expect(rest, ber::SEQUENCE)?;
            let (_security, rest) = expect(rest, ber::OCTET_STRING)?;
            // A plaintext ScopedPDU is a SEQUENCE; an encrypted one an OCTET STRING.
            let pdu = expect(rest, ber::SEQUENCE).and_then(|(scoped, _)| {
                let (_engine, r) = expect(scoped, ber::OCTET_STRING)?;
                let (_context, r) = expect(r, ber::OCTET_STRING)?;
                parse_pdu(r)
            });
            Some(Message {
                version,
                community: None,
                pdu,
                trailing: after.len(),
            })
        }
        _ => None,
    }
}

/// One variable binding: OID content, value tag and value content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VarBind<'a> {
    /// OID content bytes.
    pub oid: &'a [u8],
    /// Value tag (0x04 string, 0x06 OID, 0x05 NULL, 0x02 integer, 0x4x application...).
    pub tag: u8,
    /// Value content.
    pub value: &'a [u8],
}

/// Iterates the bindings of a VarBindList content (stops at the first malformed one).
pub fn varbinds(list: &[u8]) -> impl Iterator<Item = VarBind<'_>> + '_ {
    let mut rest = list;
    std::iter::from_fn(move || {
        let (vb, r) = expect(rest, ber::SEQUENCE)?;
        rest = r;
        let (oid, v) = expect(vb, ber::OID)?;
        let (tag, value, _) = tlv(v)?;
        Some(VarBind { oid, tag, value })
    })
}

/// sysDescr.0 (1.3.6.1.2.1.1.1.0) OID content bytes.
pub const SYS_DESCR: &[u8] = &[0x2b, 6, 1, 2, 1, 1, 1, 0];
/// sysObjectID.0 (1.3.6.1.2.1.1.2.0).
pub const SYS_OBJECT_ID: &[u8] = &[0x2b, 6, 1, 2, 1, 1, 2, 0];
/// sysName.0 (1.3.6.1.2.1.1.5.0).
pub const SYS_NAME: &[u8] = &[0x2b, 6, 1, 2, 1, 1, 5, 0];

/// The enterprise number of an OID under 1.3.6.1.4.1 (`2b 06 01 04 01`).
pub fn enterprise_number(oid: &[u8]) -> Option<u32> {
    let rest = oid.strip_prefix(&[0x2b, 6, 1, 4, 1][..])?;
    let mut v: u32 = 0;
    for &b in rest.iter().take(5) {
        v = v.checked_mul(128)? | u32::from(b & 0x7f);
        if b & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}
