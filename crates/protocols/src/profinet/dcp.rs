// SPDX-License-Identifier: Apache-2.0
//! PROFINET DCP wire format (IEC 61158-6-10 §4.3, "DCP"; PNO-2.712): header
//! after the FrameID, then option/suboption blocks. Pure parsing over
//! borrowed bytes.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

/// 0xFEFC DCP Hello request.
pub const FRAME_ID_HELLO: u16 = 0xFEFC;
/// 0xFEFD DCP Get/Set (unicast request and response).
pub const FRAME_ID_GET_SET: u16 = 0xFEFD;
/// 0xFEFE DCP Identify request (multicast).
pub const FRAME_ID_IDENTIFY_REQ: u16 = 0xFEFE;
/// 0xFEFF DCP Identify response.
pub const FRAME_ID_IDENTIFY_RES: u16 = 0xFEFF;

/// Why a DCP frame could not be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DcpError {
    /// Fewer than the 12 header bytes (FrameID included).
    #[error("DCP header truncated ({0} bytes)")]
    Truncated(usize),
    /// FrameID outside 0xFEFC..=0xFEFF.
    #[error("FrameID {0:#06x} is not DCP")]
    FrameId(u16),
}

/// DCP header (FrameID, ServiceID, ServiceType, Xid, ResponseDelay, DCPDataLength).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DcpHeader {
    /// FrameID (0xFEFC..=0xFEFF).
    pub frame_id: u16,
    /// ServiceID: 3 Get, 4 Set, 5 Identify, 6 Hello.
    pub service_id: u8,
    /// ServiceType: 0 request, 1 response success, 5 response "not supported".
    pub service_type: u8,
    /// Transaction id.
    pub xid: u32,
    /// ResponseDelayFactor (requests) or reserved.
    pub response_delay: u16,
    /// DCPDataLength.
    pub data_length: u16,
}

impl DcpHeader {
    /// True for requests (ServiceType 0).
    pub const fn is_request(&self) -> bool {
        self.service_type & 0x01 == 0
    }

    /// True when each block's data starts with a 2-byte BlockInfo or
    /// BlockQualifier: everything but Identify request filters.
    pub const fn blocks_have_prefix(&self) -> bool {
        !(self.service_id == 5 && self.is_request())
    }
}

/// One option/suboption block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DcpBlock<'a> {
    /// Option (1 IP, 2 device properties, 3 DHCP, 5 control, 6 device initiative, 255 all).
    pub option: u8,
    /// Suboption.
    pub suboption: u8,
    /// BlockInfo (responses, Hello) or BlockQualifier (Set), when present.
    pub prefix: Option<u16>,
    /// Value after the prefix.
    pub value: &'a [u8],
}

/// Parses the header; returns it and the block area (clamped to DCPDataLength).
pub fn parse_header(payload: &[u8]) -> Result<(DcpHeader, &[u8]), DcpError> {
    let h: &[u8; 12] = payload
        .get(..12)
        .and_then(|s| s.try_into().ok())
        .ok_or(DcpError::Truncated(payload.len()))?;
    let frame_id = u16::from_be_bytes([h[0], h[1]]);
    if !(FRAME_ID_HELLO..=FRAME_ID_IDENTIFY_RES).contains(&frame_id) {
        return Err(DcpError::FrameId(frame_id));
    }
    let header = DcpHeader {
        frame_id,
        service_id: h[2],
        service_type: h[3],
        xid: u32::from_be_bytes([h[4], h[5], h[6], h[7]]),
        response_delay: u16::from_be_bytes([h[8], h[9]]),
        data_length: u16::from_be_bytes([h[10], h[11]]),
    };
    let rest = payload.get(12..).unwrap_or_default();
    let n = usize::from(header.data_length).min(rest.len());
    Ok((header, rest.get(..n).unwrap_or_default()))
}

/// Iterates the blocks of a DCP PDU. A Get request carries bare
/// option/suboption pairs; they come out as blocks with empty values.
#[derive(Clone, Debug)]
pub struct Blocks<'a> {
    rest: &'a [u8],
    prefixed: bool,
    bare: bool,
}

impl<'a> Blocks<'a> {
    /// Blocks of `area` for a PDU with `header`.
    pub fn new(header: &DcpHeader, area: &'a [u8]) -> Self {
        Blocks {
            rest: area,
            prefixed: header.blocks_have_prefix(),
            bare: header.service_id == 3 && header.is_request(),
        }
    }
}

impl<'a> Iterator for Blocks<'a> {
    type Item = DcpBlock<'a>;

    fn next(&mut self) -> Option<DcpBlock<'a>> {
        let (&option, r) = self.rest.split_first()?;
        let (&suboption, r) = r.split_first()?;
        if self.bare {
            self.rest = r;
            return Some(DcpBlock {
                option,
                suboption,
                prefix: None,
                value: &[],
            });
        }
        let len_bytes = r.get(..2)?;
        let len = usize::from(u16::from_be_bytes([
            *len_bytes.first()?,
            *len_bytes.get(1)?,
        ]));
        let Some(data) = r.get(2..).and_then(|d| d.get(..len)) else {
            self.rest = &[];
            return None;
        };
        // Blocks are padded to an even length.
        let padded = len.checked_add(len & 1)?.checked_add(2)?;
        self.rest = r.get(padded..).unwrap_or_default();
        let (prefix, value) = if self.prefixed && data.len() >= 2 {
            let (p, v) = data.split_at(2);
            (Some(u16::from_be_bytes([*p.first()?, *p.get(1)?])), v)
        } else {
            (None, data)
        };
        Some(DcpBlock {
            option,
            suboption,
            prefix,
            value,
        })
    }
}

/// IP suite of option 1/2: address, mask, gateway.
pub fn parse_ip_suite(value: &[u8]) -> Option<([u8; 4], [u8; 4], [u8; 4])> {
    let v: &[u8; 12] = value.get(..12)?.try_into().ok()?;
    Some((
        [v[0], v[1], v[2], v[3]],
        [v[4], v[5], v[6], v[7]],
        [v[8], v[9], v[10], v[11]],
    ))
}

/// Vendor id and device id of option 2/3.
pub fn parse_device_id(value: &[u8]) -> Option<(u16, u16)> {
    let v: &[u8; 4] = value.get(..4)?.try_into().ok()?;
    Some((
        u16::from_be_bytes([v[0], v[1]]),
        u16::from_be_bytes([v[2], v[3]]),
    ))
}

/// DCP service name.
pub const fn service_name(id: u8) -> &'static str {
    match id {
        3 => "get",
        4 => "set",
        5 => "identify",
        6 => "hello",
        _ => "unknown",
    }
}

/// Option/suboption name (PNO-2.712 Table "Option and suboption").
pub const fn suboption_name(option: u8, suboption: u8) -> &'static str {
    match (option, suboption) {
        (1, 1) => "mac_address",
        (1, 2) => "ip_parameter",
        (1, 3) => "full_ip_suite",
        (2, 1) => "manufacturer_specific",
        (2, 2) => "name_of_station",
        (2, 3) => "device_id",
        (2, 4) => "device_role",
        (2, 5) => "device_options",
        (2, 6) => "alias_name",
        (2, 7) => "device_instance",
        (2, 8) => "oem_device_id",
        (2, 9) => "standard_gateway",
        (2, 10) => "rsi_properties",
        (3, _) => "dhcp",
        (5, 1) => "start_transaction",
        (5, 2) => "end_transaction",
        (5, 3) => "signal",
        (5, 4) => "response",
        (5, 5) => "reset_factory_settings",
        (5, 6) => "reset_to_factory",
        (6, 1) => "device_initiative",
        (255, 255) => "all_selector",
        _ => "unknown",
    }
}
