// SPDX-License-Identifier: Apache-2.0
//! IEC 61850-8-1 GOOSE (Annex A, §A.3 `IECGoosePdu`) and IEC 61850-9-2
//! Sampled Values (§8.5 `SavPdu`) over Ethernet: the 8-byte header (APPID,
//! Length, Reserved1, Reserved2) and the BER-encoded PDU. Pure parsing.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

/// Why a frame could not be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GooseError {
    /// Fewer than 8 header bytes.
    #[error("header truncated")]
    Truncated,
    /// The Length field is below 8 or beyond the frame.
    #[error("length {0} does not fit the frame")]
    Length(u16),
    /// The PDU tag is not 0x61 (GOOSE) / 0x60 (SV).
    #[error("PDU tag {0:#04x} unexpected")]
    PduTag(u8),
    /// BER length runs past the buffer.
    #[error("BER encoding overruns the frame")]
    Ber,
}

/// Common header (IEC 61850-8-1 §C.2.2, Figure C.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// APPID.
    pub appid: u16,
    /// Length from APPID to the end of the APDU.
    pub length: u16,
    /// Reserved1 (bit 15: simulation, IEC 61850-8-1 Ed2).
    pub reserved1: u16,
}

impl Header {
    /// Simulation bit of Reserved1 (Ed2).
    pub const fn is_simulation(&self) -> bool {
        self.reserved1 & 0x8000 != 0
    }
}

/// Reads one BER TLV: (tag, value, rest).
pub fn read_tlv(buf: &[u8]) -> Result<(u8, &[u8], &[u8]), GooseError> {
    let (&tag, r) = buf.split_first().ok_or(GooseError::Ber)?;
    let (&l0, mut r) = r.split_first().ok_or(GooseError::Ber)?;
    let len = if l0 & 0x80 == 0 {
        usize::from(l0)
    } else {
        let n = usize::from(l0 & 0x7F);
        if n == 0 || n > 4 {
            return Err(GooseError::Ber);
        }
        let bytes = r.get(..n).ok_or(GooseError::Ber)?;
        r = r.get(n..).unwrap_or_default();
        bytes
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b))
    };
    let value = r.get(..len).ok_or(GooseError::Ber)?;
    Ok((tag, value, r.get(len..).unwrap_or_default()))
}

fn uint(v: &[u8]) -> Option<u64> {
    if v.is_empty() || v.len() > 8 {
        return None;
    }
    Some(v.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
}

/// Decoded GOOSE PDU fields (borrowed).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GoosePdu<'a> {
    /// gocbRef \[0\].
    pub gocb_ref: Option<&'a [u8]>,
    /// timeAllowedtoLive \[1\] (ms).
    pub time_allowed_to_live: Option<u64>,
    /// datSet \[2\].
    pub dat_set: Option<&'a [u8]>,
    /// goID \[3\].
    pub go_id: Option<&'a [u8]>,
    /// stNum \[5\].
    pub st_num: Option<u64>,
    /// sqNum \[6\].
    pub sq_num: Option<u64>,
    /// simulation / test \[7\].
    pub test: bool,
    /// confRev \[8\].
    pub conf_rev: Option<u64>,
    /// ndsCom \[9\].
    pub nds_com: bool,
    /// numDatSetEntries \[10\].
    pub num_dat_set_entries: Option<u64>,
}

/// Decoded SV PDU fields (first ASDU).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SvPdu<'a> {
    /// noASDU \[0\].
    pub no_asdu: Option<u64>,
    /// svID of the first ASDU.
    pub sv_id: Option<&'a [u8]>,
    /// datSet of the first ASDU.
    pub dat_set: Option<&'a [u8]>,
    /// smpCnt of the first ASDU.
    pub smp_cnt: Option<u64>,
    /// confRev of the first ASDU.
    pub conf_rev: Option<u64>,
}

/// Parses the 8-byte header; returns it and the APDU bytes.
pub fn parse_header(payload: &[u8]) -> Result<(Header, &[u8]), GooseError> {
    let h: &[u8; 8] = payload
        .get(..8)
        .and_then(|s| s.try_into().ok())
        .ok_or(GooseError::Truncated)?;
    let header = Header {
        appid: u16::from_be_bytes([h[0], h[1]]),
        length: u16::from_be_bytes([h[2], h[3]]),
        reserved1: u16::from_be_bytes([h[4], h[5]]),
    };
    let len = usize::from(header.length);
    if len < 8 {
        return Err(GooseError::Length(header.length));
    }
    // Frames are padded to the Ethernet minimum; Length bounds the APDU.
    let apdu = payload
        .get(8..len)
        .ok_or(GooseError::Length(header.length))?;
    Ok((header, apdu))
}

/// Parses a GOOSE frame (payload after the EtherType).
pub fn parse_goose(payload: &[u8]) -> Result<(Header, GoosePdu<'_>), GooseError> {
    let (header, apdu) = parse_header(payload)?;
    let (tag, mut body, _) = read_tlv(apdu)?;
    if tag != 0x61 {
        return Err(GooseError::PduTag(tag));
    }
    let mut p = GoosePdu::default();
    while !body.is_empty() {
        let (t, v, rest) = read_tlv(body)?;
        body = rest;
        match t {
            0x80 => p.gocb_ref = Some(v),
            0x81 => p.time_allowed_to_live = uint(v),
            0x82 => p.dat_set = Some(v),
            0x83 => p.go_id = Some(v),
            0x85 => p.st_num = uint(v),
            0x86 => p.sq_num = uint(v),
            0x87 => p.test = v.first().is_some_and(|&b| b != 0),
            0x88 => p.conf_rev = uint(v),
            0x89 => p.nds_com = v.first().is_some_and(|&b| b != 0),
            0x8A => p.num_dat_set_entries = uint(v),
            _ => {}
        }
    }
    Ok((header, p))
}

/// Parses a Sampled Values frame (payload after the EtherType).
pub fn parse_sv(payload: &[u8]) -> Result<(Header, SvPdu<'_>), GooseError> {
    let (header, apdu) = parse_header(payload)?;
    let (tag, mut body, _) = read_tlv(apdu)?;
    if tag != 0x60 {
        return Err(GooseError::PduTag(tag));
    }
    let mut p = SvPdu::default();
    while !body.is_empty() {
        let (t, v, rest) = read_tlv(body)?;
        body = rest;
        match t {
            0x80 => p.no_asdu = uint(v),
            0xA2 => {
                // seqASDU: decode the first ASDU only.
                let (_, mut asdu, _) = read_tlv(v)?;
                while !asdu.is_empty() {
                    let (t2, v2, r2) = read_tlv(asdu)?;
                    asdu = r2;
                    match t2 {
                        0x80 => p.sv_id = Some(v2),
                        0x81 => p.dat_set = Some(v2),
                        0x82 => p.smp_cnt = uint(v2),
                        0x83 => p.conf_rev = uint(v2),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    Ok((header, p))
}
