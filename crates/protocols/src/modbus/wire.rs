// SPDX-License-Identifier: Apache-2.0
//! Pure parsing of Modbus/TCP frames: `&[u8]` -> [`Frame`] and per-function
//! field summaries. No state, no allocation, no logging.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use super::codes::{FunctionCode, MEI_READ_DEVICE_ID};

/// Bytes of the MBAP header including the unit identifier.
pub const MBAP_LEN: usize = 7;
/// Largest MBAP length value: unit id plus a 253-byte PDU (Modbus Messaging on TCP/IP V1.0b §3.1.3, §4.1).
pub const MAX_MBAP_LENGTH: u16 = 254;
/// Smallest MBAP length value: unit id plus function code.
pub const MIN_MBAP_LENGTH: u16 = 2;
/// Largest MBAP length [`parse_frame`] accepts. Above the spec's 254 because
/// real Schneider UMAS traffic carries 255 (modicon_test.pcap frame 19);
/// the session flags such frames `oversized_pdu`, the probe rejects them.
pub const MAX_LENIENT_MBAP_LENGTH: u16 = 260;

/// Why bytes are not a Modbus/TCP frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    /// Fewer bytes than the frame needs; `needed` more are required.
    #[error("truncated frame: {needed} more bytes needed")]
    Truncated {
        /// Missing bytes.
        needed: usize,
    },
    /// Protocol identifier is not 0 (Modbus Messaging on TCP/IP V1.0b §3.1.3).
    #[error("protocol id {0:#06x} is not 0")]
    ProtocolId(u16),
    /// MBAP length outside 2..=260 (the spec allows 2..=254).
    #[error("MBAP length {0} is outside 2..=260")]
    Length(u16),
}

/// MBAP header (Modbus Messaging on TCP/IP V1.0b §3.1.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MbapHeader {
    /// Transaction identifier, echoed by the server.
    pub transaction_id: u16,
    /// Protocol identifier, 0 for Modbus.
    pub protocol_id: u16,
    /// Number of following bytes (unit id + PDU).
    pub length: u16,
    /// Unit identifier (serial address behind a gateway).
    pub unit_id: u8,
}

impl MbapHeader {
    /// Total frame length on the wire (header bytes before `length` + `length`).
    pub fn frame_len(&self) -> usize {
        usize::from(self.length).saturating_add(6)
    }

    /// Protocol id 0 and length within 2..=254.
    pub fn is_valid(&self) -> bool {
        self.protocol_id == 0 && (MIN_MBAP_LENGTH..=MAX_MBAP_LENGTH).contains(&self.length)
    }
}

/// Reads the 7-byte MBAP header.
pub fn parse_mbap(input: &[u8]) -> Result<MbapHeader, FrameError> {
    let Some(&[t0, t1, p0, p1, l0, l1, unit_id]) =
        input.get(..MBAP_LEN).and_then(|s| s.first_chunk::<7>())
    else {
        return Err(FrameError::Truncated {
            needed: MBAP_LEN.saturating_sub(input.len()),
        });
    };
    Ok(MbapHeader {
        transaction_id: u16::from_be_bytes([t0, t1]),
        protocol_id: u16::from_be_bytes([p0, p1]),
        length: u16::from_be_bytes([l0, l1]),
        unit_id,
    })
}

/// One Modbus/TCP application data unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame<'a> {
    /// MBAP header.
    pub header: MbapHeader,
    /// Function code byte as sent (bit 0x80 set on exception responses).
    pub function: u8,
    /// PDU bytes after the function code.
    pub data: &'a [u8],
}

impl Frame<'_> {
    /// True when the function code carries the exception bit.
    pub fn is_exception(&self) -> bool {
        self.function & 0x80 != 0
    }

    /// The function code without the exception bit.
    pub fn function_code(&self) -> FunctionCode {
        FunctionCode::from_u8(self.function & 0x7F)
    }
}

/// Parses one frame from the start of `input`; returns it and its length.
#[inline]
pub fn parse_frame(input: &[u8]) -> Result<(Frame<'_>, usize), FrameError> {
    let header = parse_mbap(input)?;
    if header.protocol_id != 0 {
        return Err(FrameError::ProtocolId(header.protocol_id));
    }
    if !(MIN_MBAP_LENGTH..=MAX_LENIENT_MBAP_LENGTH).contains(&header.length) {
        return Err(FrameError::Length(header.length));
    }
    let total = header.frame_len();
    let Some(frame) = input.get(..total) else {
        return Err(FrameError::Truncated {
            needed: total.saturating_sub(input.len()),
        });
    };
    let (&function, data) = frame
        .get(MBAP_LEN..)
        .and_then(|pdu| pdu.split_first())
        .ok_or(FrameError::Length(header.length))?;
    Ok((
        Frame {
            header,
            function,
            data,
        },
        total,
    ))
}

/// Fields worth logging from one request or response PDU. `None` where the
/// function does not carry the field or the PDU was too short.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PduFields {
    /// Starting address (coil / register / FIFO pointer; read address for 0x17).
    pub address: Option<u16>,
    /// Quantity of coils or registers (read quantity for 0x17; sub-requests for 0x14/0x15).
    pub quantity: Option<u16>,
    /// Write starting address of 0x17.
    pub write_address: Option<u16>,
    /// Number of values carried (written values in requests, read values in responses).
    pub values_count: Option<u16>,
    /// Diagnostics sub-function (0x08).
    pub subfunction: Option<u16>,
    /// MEI type (0x2B).
    pub mei_type: Option<u8>,
    /// UMAS sub-function in requests, UMAS status (0xFE / 0xFD) in responses.
    pub umas_function: Option<u8>,
    /// Exception code of an exception response.
    pub exception: Option<u8>,
    /// False when the PDU length does not match what the function requires.
    pub well_formed: bool,
}

fn be16(data: &[u8], at: usize) -> Option<u16> {
    let end = at.checked_add(2)?;
    let b = data.get(at..end)?;
    match *b {
        [a, c] => Some(u16::from_be_bytes([a, c])),
        _ => None,
    }
}

/// Decodes the fields of a request PDU (`data` excludes the function code).
pub fn parse_request(function: FunctionCode, data: &[u8]) -> PduFields {
    let mut f = PduFields {
        well_formed: true,
        ..PduFields::default()
    };
    let len = data.len();
    match function {
        FunctionCode::ReadCoils
        | FunctionCode::ReadDiscreteInputs
        | FunctionCode::ReadHoldingRegisters
        | FunctionCode::ReadInputRegisters => {
            f.address = be16(data, 0);
            f.quantity = be16(data, 2);
            f.well_formed = len == 4;
        }
        FunctionCode::WriteSingleCoil | FunctionCode::WriteSingleRegister => {
            f.address = be16(data, 0);
            f.quantity = Some(1);
            f.values_count = Some(1);
            f.well_formed = len == 4;
        }
        FunctionCode::MaskWriteRegister => {
            f.address = be16(data, 0);
            f.quantity = Some(1);
            f.values_count = Some(1);
            f.well_formed = len == 6;
        }
        FunctionCode::WriteMultipleCoils | FunctionCode::WriteMultipleRegisters => {
            f.address = be16(data, 0);
            f.quantity = be16(data, 2);
            f.values_count = f.quantity;
            let byte_count = data.get(4).copied().map(usize::from);
            let expected = f.quantity.map(|q| {
                let q = usize::from(q);
                if function == FunctionCode::WriteMultipleCoils {
                    q.div_ceil(8)
                } else {
                    q.saturating_mul(2)
                }
            });
            f.well_formed = byte_count.is_some()
                && byte_count == expected
                && Some(len) == byte_count.map(|b| b.saturating_add(5));
        }
        FunctionCode::ReadWriteMultipleRegisters => {
            f.address = be16(data, 0);
            f.quantity = be16(data, 2);
            f.write_address = be16(data, 4);
            f.values_count = be16(data, 6);
            let byte_count = data.get(8).copied().map(usize::from);
            f.well_formed = byte_count.is_some()
                && byte_count == f.values_count.map(|q| usize::from(q).saturating_mul(2))
                && Some(len) == byte_count.map(|b| b.saturating_add(9));
        }
        FunctionCode::ReadFifoQueue => {
            f.address = be16(data, 0);
            f.well_formed = len == 2;
        }
        FunctionCode::ReadExceptionStatus
        | FunctionCode::GetCommEventCounter
        | FunctionCode::GetCommEventLog
        | FunctionCode::ReportServerId => {
            f.well_formed = len == 0;
        }
        FunctionCode::Diagnostics => {
            f.subfunction = be16(data, 0);
            f.well_formed = len >= 4;
        }
        FunctionCode::ReadFileRecord => {
            // Byte count, then 7-byte sub-requests (V1.1b3 §6.14).
            let bc = data.first().copied().map(usize::from).unwrap_or(0);
            f.quantity = u16::try_from(bc / 7).ok();
            f.well_formed = bc % 7 == 0 && len == bc.saturating_add(1) && bc >= 7;
        }
        FunctionCode::WriteFileRecord => {
            let (records, values, ok) = walk_write_file_record(data);
            f.quantity = Some(records);
            f.values_count = Some(values);
            f.well_formed = ok;
        }
        FunctionCode::EncapsulatedInterfaceTransport => {
            f.mei_type = data.first().copied();
            if f.mei_type == Some(MEI_READ_DEVICE_ID) {
                f.well_formed = len == 3;
            } else {
                f.well_formed = len >= 1;
            }
        }
        FunctionCode::Umas => {
            // [session key][UMAS function][data...]
            f.umas_function = data.get(1).copied();
            f.well_formed = len >= 2;
        }
        FunctionCode::Unknown(_) => {}
    }
    f
}

/// Walks Write File Record sub-requests (V1.1b3 §6.15): returns the number
/// of sub-requests, the number of registers written and whether the layout
/// was consistent.
fn walk_write_file_record(data: &[u8]) -> (u16, u16, bool) {
    let Some((&bc, rest)) = data.split_first() else {
        return (0, 0, false);
    };
    let mut ok = rest.len() == usize::from(bc);
    let mut body = rest.get(..usize::from(bc)).unwrap_or(rest);
    let mut records = 0u16;
    let mut values = 0u16;
    while !body.is_empty() {
        let Some(regs) = be16(body, 5) else {
            ok = false;
            break;
        };
        let size = usize::from(regs).saturating_mul(2).saturating_add(7);
        records = records.saturating_add(1);
        values = values.saturating_add(regs);
        match body.get(size..) {
            Some(next) => body = next,
            None => {
                ok = false;
                break;
            }
        }
    }
    (records, values, ok && records > 0)
}

/// Decodes the fields of a response PDU (`data` excludes the function code).
pub fn parse_response(function: FunctionCode, is_exception: bool, data: &[u8]) -> PduFields {
    let mut f = PduFields {
        well_formed: true,
        ..PduFields::default()
    };
    let len = data.len();
    if is_exception {
        f.exception = data.first().copied();
        f.well_formed = len == 1;
        return f;
    }
    let byte_count = data.first().copied().map(usize::from);
    let counted = |unit: usize| -> (Option<u16>, bool) {
        match byte_count {
            Some(bc) => (
                u16::try_from(bc.checked_div(unit).unwrap_or(0)).ok(),
                len == bc.saturating_add(1),
            ),
            None => (None, false),
        }
    };
    match function {
        FunctionCode::ReadCoils | FunctionCode::ReadDiscreteInputs => {
            (f.values_count, f.well_formed) = counted(1);
            f.values_count = f.values_count.map(|b| b.saturating_mul(8));
        }
        FunctionCode::ReadHoldingRegisters
        | FunctionCode::ReadInputRegisters
        | FunctionCode::ReadWriteMultipleRegisters => {
            (f.values_count, f.well_formed) = counted(2);
        }
        FunctionCode::WriteSingleCoil
        | FunctionCode::WriteSingleRegister
        | FunctionCode::WriteMultipleCoils
        | FunctionCode::WriteMultipleRegisters => {
            f.address = be16(data, 0);
            f.well_formed = len == 4;
        }
        FunctionCode::MaskWriteRegister => {
            f.address = be16(data, 0);
            f.well_formed = len == 6;
        }
        FunctionCode::ReadFifoQueue => {
            f.values_count = be16(data, 2);
            f.well_formed = be16(data, 0).map(usize::from) == Some(len.saturating_sub(2));
        }
        FunctionCode::Diagnostics => {
            f.subfunction = be16(data, 0);
            f.well_formed = len >= 4;
        }
        FunctionCode::EncapsulatedInterfaceTransport => {
            f.mei_type = data.first().copied();
            f.well_formed = len >= 1;
        }
        FunctionCode::Umas => {
            f.umas_function = data.get(1).copied();
            f.well_formed = len >= 2;
        }
        _ => {}
    }
    f
}

/// Read Device Identification response header (V1.1b3 §6.21).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeviceIdResponse<'a> {
    /// Read Device ID code (1 basic, 2 regular, 3 extended, 4 one object).
    pub read_code: u8,
    /// Conformity level.
    pub conformity: u8,
    /// 0xFF when further objects need another request.
    pub more_follows: u8,
    /// Object id to ask for next when `more_follows` is 0xFF.
    pub next_object_id: u8,
    /// Number of objects announced.
    pub object_count: u8,
    /// The object list bytes (`id`, `length`, `value`)*.
    pub objects: &'a [u8],
}

impl<'a> DeviceIdResponse<'a> {
    /// True when the device has more objects than fit in this response.
    pub fn has_more(&self) -> bool {
        self.more_follows == 0xFF
    }

    /// Iterates over `(object id, value bytes)` lazily; stops at the first truncated object.
    pub fn iter(&self) -> DeviceIdObjects<'a> {
        DeviceIdObjects {
            rest: self.objects,
            left: self.object_count,
        }
    }
}

/// Iterator over Read Device Identification objects.
#[derive(Clone, Debug)]
pub struct DeviceIdObjects<'a> {
    rest: &'a [u8],
    left: u8,
}

impl<'a> Iterator for DeviceIdObjects<'a> {
    type Item = (u8, &'a [u8]);
    fn next(&mut self) -> Option<Self::Item> {
        self.left = self.left.checked_sub(1)?;
        let (&id, rest) = self.rest.split_first()?;
        let (&len, rest) = rest.split_first()?;
        let value = rest.get(..usize::from(len))?;
        self.rest = rest.get(usize::from(len)..).unwrap_or(&[]);
        Some((id, value))
    }
}

/// Parses a 0x2B/0x0E response body (`data` starts at the MEI type).
pub fn parse_device_id_response(data: &[u8]) -> Option<DeviceIdResponse<'_>> {
    match data {
        [MEI_READ_DEVICE_ID, read_code, conformity, more_follows, next_object_id, object_count, objects @ ..] => {
            Some(DeviceIdResponse {
                read_code: *read_code,
                conformity: *conformity,
                more_follows: *more_follows,
                next_object_id: *next_object_id,
                object_count: *object_count,
                objects,
            })
        }
        _ => None,
    }
}

/// True when a PDU's length matches its function in the given direction;
/// used by the strict probe. Unknown functions are accepted when the MBAP
/// header is otherwise valid.
pub fn pdu_is_plausible(to_server: bool, frame: &Frame<'_>) -> bool {
    let raw = frame.function & 0x7F;
    if !FunctionCode::is_plausible(raw) {
        return false;
    }
    if frame.is_exception() {
        return !to_server && frame.data.len() == 1;
    }
    let fc = frame.function_code();
    if matches!(fc, FunctionCode::Unknown(_)) {
        return true;
    }
    let fields = if to_server {
        parse_request(fc, frame.data)
    } else {
        parse_response(fc, false, frame.data)
    };
    fields.well_formed
}
