// SPDX-License-Identifier: Apache-2.0
//! Pure parsing of TPKT, COTP, S7comm and the S7comm-plus header.
//!
//! Every function takes a byte slice and returns borrowed views; nothing
//! here allocates, keeps state or logs.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use super::codes::{CotpType, JobFunction, PlusOpcode, Rosctr, UserdataGroup, UserdataKind};

/// TPKT header length (RFC 1006 §6).
pub const TPKT_HEADER_LEN: usize = 4;
/// Smallest TPKT packet that can carry a COTP DT TPDU (4 + 3).
pub const TPKT_MIN_LEN: usize = 7;

/// Errors of the framing layers (TPKT, COTP) and of the S7 header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    /// Fewer bytes than the fixed part of the structure.
    #[error("truncated: {0} more bytes needed")]
    Truncated(usize),
    /// TPKT version is not 3 or the reserved byte is not 0 (RFC 1006 §6).
    #[error("TPKT version {0} / reserved {1} is not 3 / 0")]
    TpktVersion(u8, u8),
    /// TPKT length below 7 (cannot hold a COTP header).
    #[error("TPKT length {0} is below 7")]
    TpktLength(u16),
    /// COTP length indicator points past the TPKT packet or is 0.
    #[error("COTP length indicator {0} does not fit the packet")]
    CotpLength(u8),
    /// S7 protocol id is not 0x32.
    #[error("S7 protocol id {0:#04x} is not 0x32")]
    ProtocolId(u8),
    /// S7 parameter plus data length exceed the PDU.
    #[error("S7 parameter length {0} + data length {1} exceed the PDU")]
    S7Length(u16, u16),
}

/// Big-endian byte cursor with checked reads.
#[derive(Clone, Copy, Debug)]
pub struct Cursor<'a> {
    buf: &'a [u8],
}

impl<'a> Cursor<'a> {
    /// Starts at the beginning of `buf`.
    pub const fn new(buf: &'a [u8]) -> Self {
        Self { buf }
    }
    /// Bytes not read yet.
    pub const fn rest(&self) -> &'a [u8] {
        self.buf
    }
    /// Reads `n` bytes.
    pub fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.buf.len() {
            return None;
        }
        let (head, tail) = self.buf.split_at(n);
        self.buf = tail;
        Some(head)
    }
    /// Reads one byte.
    pub fn u8(&mut self) -> Option<u8> {
        let (&b, tail) = self.buf.split_first()?;
        self.buf = tail;
        Some(b)
    }
    /// Reads a big-endian u16.
    pub fn u16(&mut self) -> Option<u16> {
        let b = self.take(2)?;
        Some(u16::from_be_bytes(b.try_into().ok()?))
    }
    /// Reads a big-endian u32.
    pub fn u32(&mut self) -> Option<u32> {
        let b = self.take(4)?;
        Some(u32::from_be_bytes(b.try_into().ok()?))
    }
}

/// Reads the TPKT header (RFC 1006 §6) and returns the packet length,
/// header included. Needs at least 4 bytes.
pub fn parse_tpkt_header(input: &[u8]) -> Result<usize, FrameError> {
    let hdr: [u8; 4] = match input.get(..TPKT_HEADER_LEN) {
        Some(h) => h.try_into().map_err(|_| FrameError::Truncated(4))?,
        None => {
            return Err(FrameError::Truncated(
                TPKT_HEADER_LEN.saturating_sub(input.len()),
            ))
        }
    };
    if hdr[0] != 3 || hdr[1] != 0 {
        return Err(FrameError::TpktVersion(hdr[0], hdr[1]));
    }
    let len = u16::from_be_bytes([hdr[2], hdr[3]]);
    if usize::from(len) < TPKT_MIN_LEN {
        return Err(FrameError::TpktLength(len));
    }
    Ok(usize::from(len))
}

/// COTP connection TPDU fields (CR / CC, ISO 8073 §13.3 and §13.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CotpConnect<'a> {
    /// Destination reference.
    pub dst_ref: u16,
    /// Source reference.
    pub src_ref: u16,
    /// Class and options byte.
    pub class_option: u8,
    /// Calling TSAP (parameter 0xC1).
    pub calling_tsap: Option<&'a [u8]>,
    /// Called TSAP (parameter 0xC2).
    pub called_tsap: Option<&'a [u8]>,
    /// TPDU size code (parameter 0xC0): size = 2^code.
    pub tpdu_size: Option<u8>,
}

/// One COTP TPDU (ISO 8073 §13).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cotp<'a> {
    /// CR or CC with their parameters.
    Connect(CotpType, CotpConnect<'a>),
    /// DT: user data, with the end-of-TSDU mark.
    Data {
        /// Last TPDU of the TSDU (EOT bit).
        eot: bool,
        /// TPDU number (7 bits).
        tpdu_nr: u8,
        /// User data (an S7 PDU or a fragment of one).
        payload: &'a [u8],
    },
    /// DR: disconnect request with reason.
    Disconnect {
        /// Destination reference.
        dst_ref: u16,
        /// Source reference.
        src_ref: u16,
        /// Reason code.
        reason: u8,
    },
    /// ER: TPDU error with reject cause.
    Error {
        /// Reject cause.
        cause: u8,
    },
    /// Any other TPDU (DC, ED, AK, RJ, unknown): type only.
    Other(CotpType),
}

impl Cotp<'_> {
    /// The TPDU type.
    pub fn kind(&self) -> CotpType {
        match self {
            Cotp::Connect(t, _) => *t,
            Cotp::Data { .. } => CotpType::Data,
            Cotp::Disconnect { .. } => CotpType::DisconnectRequest,
            Cotp::Error { .. } => CotpType::Error,
            Cotp::Other(t) => *t,
        }
    }
}

/// Parses the COTP TPDU that follows a TPKT header (`input` = TPKT payload).
pub fn parse_cotp(input: &[u8]) -> Result<Cotp<'_>, FrameError> {
    let mut c = Cursor::new(input);
    let li = c.u8().ok_or(FrameError::Truncated(2))?;
    if li == 0 {
        return Err(FrameError::CotpLength(li));
    }
    let header = c.take(usize::from(li)).ok_or(FrameError::CotpLength(li))?;
    let payload = c.rest();
    let mut h = Cursor::new(header);
    let code = h.u8().ok_or(FrameError::CotpLength(li))?;
    let kind = CotpType::from_u8(code >> 4);
    Ok(match kind {
        CotpType::Data => {
            let nr = h.u8().ok_or(FrameError::CotpLength(li))?;
            Cotp::Data {
                eot: nr & 0x80 != 0,
                tpdu_nr: nr & 0x7F,
                payload,
            }
        }
        CotpType::ConnectionRequest | CotpType::ConnectionConfirm => {
            let dst_ref = h.u16().ok_or(FrameError::CotpLength(li))?;
            let src_ref = h.u16().ok_or(FrameError::CotpLength(li))?;
            let class_option = h.u8().ok_or(FrameError::CotpLength(li))?;
            let mut conn = CotpConnect {
                dst_ref,
                src_ref,
                class_option,
                calling_tsap: None,
                called_tsap: None,
                tpdu_size: None,
            };
            // Variable part: (code, length, value) triples; stop quietly at a
            // truncated parameter (lenient).
            while let (Some(pcode), Some(plen)) = (h.u8(), h.u8()) {
                let Some(value) = h.take(usize::from(plen)) else {
                    break;
                };
                match pcode {
                    0xC0 => conn.tpdu_size = value.first().copied(),
                    0xC1 => conn.calling_tsap = Some(value),
                    0xC2 => conn.called_tsap = Some(value),
                    _ => {}
                }
            }
            Cotp::Connect(kind, conn)
        }
        CotpType::DisconnectRequest => {
            let dst_ref = h.u16().unwrap_or(0);
            let src_ref = h.u16().unwrap_or(0);
            let reason = h.u8().unwrap_or(0);
            Cotp::Disconnect {
                dst_ref,
                src_ref,
                reason,
            }
        }
        CotpType::Error => {
            let _dst_ref = h.u16();
            Cotp::Error {
                cause: h.u8().unwrap_or(0),
            }
        }
        other => Cotp::Other(other),
    })
}

/// Connection type, rack and slot from a remote (called) TSAP of two bytes
/// (Siemens convention: first byte 1 = PG, 2 = OP, 3 = S7 basic; second
/// byte = rack << 5 | slot).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct S7Tsap {
    /// 0x01 PG, 0x02 OP, 0x03 S7 basic, other = unknown.
    pub connection_type: u8,
    /// Rack number (3 bits).
    pub rack: u8,
    /// Slot number (5 bits).
    pub slot: u8,
}

impl S7Tsap {
    /// Decodes a two-byte TSAP.
    pub fn parse(tsap: &[u8]) -> Option<Self> {
        match tsap {
            [t, rs] => Some(Self {
                connection_type: *t,
                rack: rs >> 5,
                slot: rs & 0x1F,
            }),
            _ => None,
        }
    }
    /// snake_case name of the connection type.
    pub const fn connection_type_name(&self) -> &'static str {
        match self.connection_type {
            0x01 => "pg",
            0x02 => "op",
            0x03 => "s7_basic",
            0x10 => "s7_1200_1500",
            _ => "unknown",
        }
    }
}

/// True when a TSAP looks like a Siemens S7 TSAP: two bytes with a known
/// connection type, or the ASCII names S7-1200/1500 use (`SIMATIC-ROOT-…`).
pub fn is_s7_tsap(tsap: &[u8]) -> bool {
    match tsap {
        [t, _] => matches!(t, 0x01..=0x03 | 0x10..=0x13),
        _ => tsap.starts_with(b"SIMATIC-"),
    }
}

/// S7comm header (10 bytes, 12 for ack / ack-data).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct S7Header {
    /// PDU type.
    pub rosctr: Rosctr,
    /// PDU reference, pairs a job with its ack-data.
    pub pdu_ref: u16,
    /// Parameter length.
    pub param_len: u16,
    /// Data length.
    pub data_len: u16,
    /// Error class (ack / ack-data only).
    pub error_class: Option<u8>,
    /// Error code (ack / ack-data only).
    pub error_code: Option<u8>,
}

/// One S7comm PDU, borrowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct S7Pdu<'a> {
    /// Header.
    pub header: S7Header,
    /// Parameter part.
    pub params: &'a [u8],
    /// Data part.
    pub data: &'a [u8],
}

/// Parses an S7comm PDU (the payload of a complete COTP TSDU).
pub fn parse_s7(input: &[u8]) -> Result<S7Pdu<'_>, FrameError> {
    let mut c = Cursor::new(input);
    let pid = c.u8().ok_or(FrameError::Truncated(10))?;
    if pid != 0x32 {
        return Err(FrameError::ProtocolId(pid));
    }
    let rosctr = Rosctr::from_u8(c.u8().ok_or(FrameError::Truncated(9))?);
    let _redundancy = c.u16().ok_or(FrameError::Truncated(8))?;
    let pdu_ref = c.u16().ok_or(FrameError::Truncated(6))?;
    let param_len = c.u16().ok_or(FrameError::Truncated(4))?;
    let data_len = c.u16().ok_or(FrameError::Truncated(2))?;
    let (error_class, error_code) = if rosctr.has_error_fields() {
        (
            Some(c.u8().ok_or(FrameError::Truncated(2))?),
            Some(c.u8().ok_or(FrameError::Truncated(1))?),
        )
    } else {
        (None, None)
    };
    let params = c
        .take(usize::from(param_len))
        .ok_or(FrameError::S7Length(param_len, data_len))?;
    // Some stacks send a data length one or two bytes past the end; keep what is there.
    let rest = c.rest();
    let data = rest.get(..usize::from(data_len)).unwrap_or(rest);
    Ok(S7Pdu {
        header: S7Header {
            rosctr,
            pdu_ref,
            param_len,
            data_len,
            error_class,
            error_code,
        },
        params,
        data,
    })
}

/// Setup Communication parameters (function 0xF0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Setup {
    /// Max AmQ (parallel jobs) calling.
    pub max_amq_calling: u16,
    /// Max AmQ called.
    pub max_amq_called: u16,
    /// PDU length.
    pub pdu_length: u16,
}

/// Parses Setup Communication parameters.
pub fn parse_setup(params: &[u8]) -> Option<Setup> {
    let mut c = Cursor::new(params);
    c.take(2)?; // function, reserved
    Some(Setup {
        max_amq_calling: c.u16()?,
        max_amq_called: c.u16()?,
        pdu_length: c.u16()?,
    })
}

/// One Read/Write Var item address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VarItem {
    /// Syntax id 0x10 S7ANY: the classic address.
    Any {
        /// Transport size.
        transport_size: u8,
        /// Number of elements.
        count: u16,
        /// DB number (0 outside DBs).
        db: u16,
        /// Memory area.
        area: u8,
        /// Byte address.
        byte: u32,
        /// Bit address (0–7).
        bit: u8,
    },
    /// Any other syntax id (DBREAD, 1200 symbolic, NCK, ...): not decoded.
    Other {
        /// Syntax id.
        syntax_id: u8,
    },
}

/// Iterator over Read/Write Var request items (variable specification 0x12).
#[derive(Clone, Debug)]
pub struct VarItems<'a> {
    c: Cursor<'a>,
    left: u8,
}

/// Parses the item count of a Read/Write Var job and iterates its items.
pub fn var_items(params: &[u8]) -> Option<(u8, VarItems<'_>)> {
    let mut c = Cursor::new(params);
    c.u8()?; // function
    let count = c.u8()?;
    Some((count, VarItems { c, left: count }))
}

impl Iterator for VarItems<'_> {
    type Item = VarItem;
    fn next(&mut self) -> Option<VarItem> {
        self.left = self.left.checked_sub(1)?;
        let _spec = self.c.u8()?;
        let len = self.c.u8()?;
        let body = self.c.take(usize::from(len))?;
        let mut b = Cursor::new(body);
        let syntax_id = b.u8()?;
        if syntax_id != 0x10 {
            return Some(VarItem::Other { syntax_id });
        }
        let transport_size = b.u8()?;
        let count = b.u16()?;
        let db = b.u16()?;
        let area = b.u8()?;
        let a = b.take(3)?;
        let addr = u32::from_be_bytes([0, *a.first()?, *a.get(1)?, *a.get(2)?]);
        Some(VarItem::Any {
            transport_size,
            count,
            db,
            area,
            byte: addr >> 3,
            bit: (addr & 7) as u8,
        })
    }
}

/// Return code of the first data item (read responses, write responses).
pub fn first_return_code(data: &[u8]) -> Option<u8> {
    data.first().copied()
}

/// Block file name (`_0A00001P`: block type, number, destination file system).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockName {
    /// Two ASCII characters of the block type (`0A` = DB).
    pub block_type: [u8; 2],
    /// Block number.
    pub number: u32,
    /// Destination file system letter (`P`, `A`, `B`).
    pub filesystem: u8,
}

/// Parses `_TTNNNNNF` (or `TTNNNNNF` without the underscore, as in PI services).
pub fn parse_block_name(name: &[u8]) -> Option<BlockName> {
    let name = name.strip_prefix(b"_").unwrap_or(name);
    let [t0, t1, n @ .., fs] = name else {
        return None;
    };
    if n.len() != 5 || !n.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let number = n.iter().fold(0u32, |acc, d| {
        acc.saturating_mul(10)
            .saturating_add(u32::from(d.saturating_sub(b'0')))
    });
    Some(BlockName {
        block_type: [*t0, *t1],
        number,
        filesystem: *fs,
    })
}

/// Up/download job parameters (functions 0x1A–0x1F).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockControl<'a> {
    /// Function status byte.
    pub status: u8,
    /// Upload/download session id.
    pub session_id: u32,
    /// File name (`_0A00001P`) when the function carries one.
    pub filename: Option<&'a [u8]>,
}

/// Parses up/download parameters: function, status, 2 unknown bytes,
/// session id, then (1A, 1B, 1C, 1D requests) a length-prefixed file name.
pub fn parse_block_control(params: &[u8]) -> Option<BlockControl<'_>> {
    let mut c = Cursor::new(params);
    c.u8()?;
    let status = c.u8()?;
    c.take(2)?;
    let session_id = c.u32().unwrap_or(0);
    let filename = c.u8().and_then(|len| c.take(usize::from(len)));
    Some(BlockControl {
        status,
        session_id,
        filename,
    })
}

/// Block length announced in a Start Upload ack-data (ASCII decimal).
pub fn parse_upload_block_length(params: &[u8]) -> Option<u32> {
    let mut c = Cursor::new(params);
    c.take(8)?; // function, status, unknown(2), session id(4)
    let len = c.u8()?;
    let digits = c.take(usize::from(len))?;
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(digits.iter().fold(0u32, |acc, d| {
        acc.saturating_mul(10)
            .saturating_add(u32::from(d.saturating_sub(b'0')))
    }))
}

/// PI Service job parameters (function 0x28).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PiJob<'a> {
    /// Parameter block (argument), e.g. block count + block names for `_INSE`.
    pub parameter_block: &'a [u8],
    /// Service name (`_INSE`, `P_PROGRAM`, ...).
    pub service: &'a [u8],
}

/// Parses PI Service parameters: function, 7 unknown bytes, parameter block
/// length (2) and block, service name length (1) and name.
pub fn parse_pi_job(params: &[u8]) -> Option<PiJob<'_>> {
    let mut c = Cursor::new(params);
    c.take(8)?;
    let block_len = c.u16()?;
    let parameter_block = c.take(usize::from(block_len))?;
    let name_len = c.u8()?;
    let service = c.take(usize::from(name_len))?;
    Some(PiJob {
        parameter_block,
        service,
    })
}

/// First block name of a `_INSE` / `_DELE` parameter block
/// (count, unknown byte, then 8-byte names `TTNNNNNF`).
pub fn pi_first_block(parameter_block: &[u8]) -> Option<BlockName> {
    parse_block_name(parameter_block.get(2..10)?)
}

/// Parses PLC Stop parameters: function, 5 unknown bytes, name length, name (`P_PROGRAM`).
pub fn parse_plc_stop(params: &[u8]) -> Option<&[u8]> {
    let mut c = Cursor::new(params);
    c.take(6)?;
    let len = c.u8()?;
    c.take(usize::from(len))
}

/// Userdata parameter header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UserdataParams {
    /// Method byte (0x11 request, 0x12 response).
    pub method: u8,
    /// Type (push / request / response).
    pub kind: UserdataKind,
    /// Function group.
    pub group: UserdataGroup,
    /// Raw type/group byte (ICSNPP's `function_code`).
    pub type_group: u8,
    /// Subfunction.
    pub subfunction: u8,
    /// Sequence number.
    pub sequence: u8,
    /// Data unit reference (long form only).
    pub data_unit_ref: Option<u8>,
    /// Last data unit: 0 = last, else more follows (long form only).
    pub last_data_unit: Option<u8>,
    /// Error code (long form only).
    pub error_code: Option<u16>,
}

/// Parses the userdata parameter header (`00 01 12 len method type|group sub seq [...]`).
pub fn parse_userdata_params(params: &[u8]) -> Option<UserdataParams> {
    let mut c = Cursor::new(params);
    c.take(3)?; // 00 01 12 (parameter head)
    let len = c.u8()?;
    let method = c.u8()?;
    let type_group = c.u8()?;
    let subfunction = c.u8()?;
    let sequence = c.u8()?;
    let (data_unit_ref, last_data_unit, error_code) = if len >= 8 {
        (c.u8(), c.u8(), c.u16())
    } else {
        (None, None, None)
    };
    Some(UserdataParams {
        method,
        kind: UserdataKind::from_u8(type_group >> 4),
        group: UserdataGroup::from_u8(type_group & 0x0F),
        type_group,
        subfunction,
        sequence,
        data_unit_ref,
        last_data_unit,
        error_code,
    })
}

/// Userdata data part header: return code, transport size, length, payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UserdataData<'a> {
    /// Return code (0xFF success, 0x0A object does not exist, ...).
    pub return_code: u8,
    /// Transport size.
    pub transport_size: u8,
    /// Payload.
    pub payload: &'a [u8],
}

/// Parses the userdata data part.
pub fn parse_userdata_data(data: &[u8]) -> Option<UserdataData<'_>> {
    let mut c = Cursor::new(data);
    let return_code = c.u8()?;
    let transport_size = c.u8()?;
    let len = c.u16()?;
    let rest = c.rest();
    let payload = rest.get(..usize::from(len)).unwrap_or(rest);
    Some(UserdataData {
        return_code,
        transport_size,
        payload,
    })
}

/// SZL id and index of a Read SZL request (or response header).
pub fn parse_szl_id_index(payload: &[u8]) -> Option<(u16, u16)> {
    let mut c = Cursor::new(payload);
    Some((c.u16()?, c.u16()?))
}

/// SZL response header and records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SzlResponse<'a> {
    /// SZL id.
    pub id: u16,
    /// SZL index.
    pub index: u16,
    /// Length of one record in bytes.
    pub record_len: u16,
    /// Number of records announced.
    pub record_count: u16,
    /// Record bytes present in this PDU (may be a first fragment).
    pub records: &'a [u8],
}

impl<'a> SzlResponse<'a> {
    /// Complete records present in this PDU.
    pub fn records(&self) -> impl Iterator<Item = &'a [u8]> + 'a {
        let len = usize::from(self.record_len);
        let recs = self.records;
        let n = if len == 0 {
            0
        } else {
            recs.len().checked_div(len).unwrap_or(0)
        };
        (0..n).filter_map(move |i| {
            let start = i.checked_mul(len)?;
            recs.get(start..start.checked_add(len)?)
        })
    }
}

/// Parses a Read SZL response payload.
pub fn parse_szl_response(payload: &[u8]) -> Option<SzlResponse<'_>> {
    let mut c = Cursor::new(payload);
    Some(SzlResponse {
        id: c.u16()?,
        index: c.u16()?,
        record_len: c.u16()?,
        record_count: c.u16()?,
        records: c.rest(),
    })
}

/// The job function (first parameter byte), if any.
pub const fn job_function(params: &[u8]) -> Option<JobFunction> {
    match params.first() {
        Some(b) => Some(JobFunction::from_u8(*b)),
        None => None,
    }
}

/// S7comm-plus frame header (protocol id 0x72).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlusHeader {
    /// Protocol version (1, 2, 3; 0xFE keep-alive).
    pub version: u8,
    /// Data length.
    pub data_len: u16,
    /// Opcode (absent for keep-alive frames).
    pub opcode: Option<PlusOpcode>,
    /// Function code (requests and responses only).
    pub function: Option<u16>,
    /// Sequence number (requests and responses only).
    pub sequence: Option<u16>,
}

/// Parses the start of an S7comm-plus PDU. Versions 2 and 3 carry a
/// one-byte digest length (0x20) and a 32-byte integrity digest before the
/// opcode (Wireshark `packet-s7comm_plus.c`).
pub fn parse_plus(input: &[u8]) -> Option<PlusHeader> {
    let mut c = Cursor::new(input);
    if c.u8()? != 0x72 {
        return None;
    }
    let version = c.u8()?;
    let data_len = c.u16()?;
    let mut hdr = PlusHeader {
        version,
        data_len,
        opcode: None,
        function: None,
        sequence: None,
    };
    if version == 0xFE {
        return Some(hdr);
    }
    if matches!(version, 2 | 3) {
        // A digest is present only when the length byte says so; V3
        // session-setup frames carry none.
        if c.rest().first() == Some(&0x20) {
            c.take(33)?;
        }
    }
    let opcode = PlusOpcode::from_u8(c.u8()?);
    hdr.opcode = Some(opcode);
    if matches!(
        opcode,
        PlusOpcode::Request | PlusOpcode::Response | PlusOpcode::Response2
    ) {
        c.take(2)?;
        hdr.function = c.u16();
        c.take(2)?;
        hdr.sequence = c.u16();
    }
    Some(hdr)
}
