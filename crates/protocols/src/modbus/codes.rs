// SPDX-License-Identifier: Apache-2.0
//! Modbus code sets: function codes, exception codes, diagnostic
//! sub-functions and MEI types (MODBUS Application Protocol V1.1b3 §5, §6, §7).
//!
//! Names use Zeek's spelling (`READ_COILS`), which the `func` and
//! `exception` fields of Zeek's and ICSNPP's `modbus.log` already carry; the
//! numbers are logged next to them.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

/// Modbus function code (MODBUS Application Protocol V1.1b3 §5.1, Table "Public function codes").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FunctionCode {
    /// 0x01 (1) Read Coils
    ReadCoils,
    /// 0x02 (2) Read Discrete Inputs
    ReadDiscreteInputs,
    /// 0x03 (3) Read Holding Registers
    ReadHoldingRegisters,
    /// 0x04 (4) Read Input Registers
    ReadInputRegisters,
    /// 0x05 (5) Write Single Coil
    WriteSingleCoil,
    /// 0x06 (6) Write Single Register
    WriteSingleRegister,
    /// 0x07 (7) Read Exception Status (serial line only)
    ReadExceptionStatus,
    /// 0x08 (8) Diagnostics (serial line only), with a sub-function
    Diagnostics,
    /// 0x0B (11) Get Comm Event Counter
    GetCommEventCounter,
    /// 0x0C (12) Get Comm Event Log
    GetCommEventLog,
    /// 0x0F (15) Write Multiple Coils
    WriteMultipleCoils,
    /// 0x10 (16) Write Multiple Registers
    WriteMultipleRegisters,
    /// 0x11 (17) Report Server ID
    ReportServerId,
    /// 0x14 (20) Read File Record
    ReadFileRecord,
    /// 0x15 (21) Write File Record
    WriteFileRecord,
    /// 0x16 (22) Mask Write Register
    MaskWriteRegister,
    /// 0x17 (23) Read/Write Multiple Registers
    ReadWriteMultipleRegisters,
    /// 0x18 (24) Read FIFO Queue
    ReadFifoQueue,
    /// 0x2B (43) Encapsulated Interface Transport (MEI 13 CANopen, 14 Read Device Identification)
    EncapsulatedInterfaceTransport,
    /// 0x5A (90) Schneider UMAS (Unity / Control Expert engineering protocol, vendor-specific)
    Umas,
    /// Any other value (user-defined 65-72 and 100-110, legacy Modicon codes, garbage).
    Unknown(u8),
}

impl FunctionCode {
    /// Decodes a function code with the exception bit (0x80) already cleared.
    pub const fn from_u8(v: u8) -> Self {
        match v {
            0x01 => Self::ReadCoils,
            0x02 => Self::ReadDiscreteInputs,
            0x03 => Self::ReadHoldingRegisters,
            0x04 => Self::ReadInputRegisters,
            0x05 => Self::WriteSingleCoil,
            0x06 => Self::WriteSingleRegister,
            0x07 => Self::ReadExceptionStatus,
            0x08 => Self::Diagnostics,
            0x0B => Self::GetCommEventCounter,
            0x0C => Self::GetCommEventLog,
            0x0F => Self::WriteMultipleCoils,
            0x10 => Self::WriteMultipleRegisters,
            0x11 => Self::ReportServerId,
            0x14 => Self::ReadFileRecord,
            0x15 => Self::WriteFileRecord,
            0x16 => Self::MaskWriteRegister,
            0x17 => Self::ReadWriteMultipleRegisters,
            0x18 => Self::ReadFifoQueue,
            0x2B => Self::EncapsulatedInterfaceTransport,
            0x5A => Self::Umas,
            other => Self::Unknown(other),
        }
    }

    /// The numeric code.
    pub const fn value(self) -> u8 {
        match self {
            Self::ReadCoils => 0x01,
            Self::ReadDiscreteInputs => 0x02,
            Self::ReadHoldingRegisters => 0x03,
            Self::ReadInputRegisters => 0x04,
            Self::WriteSingleCoil => 0x05,
            Self::WriteSingleRegister => 0x06,
            Self::ReadExceptionStatus => 0x07,
            Self::Diagnostics => 0x08,
            Self::GetCommEventCounter => 0x0B,
            Self::GetCommEventLog => 0x0C,
            Self::WriteMultipleCoils => 0x0F,
            Self::WriteMultipleRegisters => 0x10,
            Self::ReportServerId => 0x11,
            Self::ReadFileRecord => 0x14,
            Self::WriteFileRecord => 0x15,
            Self::MaskWriteRegister => 0x16,
            Self::ReadWriteMultipleRegisters => 0x17,
            Self::ReadFifoQueue => 0x18,
            Self::EncapsulatedInterfaceTransport => 0x2B,
            Self::Umas => 0x5A,
            Self::Unknown(v) => v,
        }
    }

    /// Zeek's name for the function (`READ_COILS`), `UNKNOWN` otherwise.
    pub const fn name(self) -> &'static str {
        match self {
            Self::ReadCoils => "READ_COILS",
            Self::ReadDiscreteInputs => "READ_DISCRETE_INPUTS",
            Self::ReadHoldingRegisters => "READ_HOLDING_REGISTERS",
            Self::ReadInputRegisters => "READ_INPUT_REGISTERS",
            Self::WriteSingleCoil => "WRITE_SINGLE_COIL",
            Self::WriteSingleRegister => "WRITE_SINGLE_REGISTER",
            Self::ReadExceptionStatus => "READ_EXCEPTION_STATUS",
            Self::Diagnostics => "DIAGNOSTICS",
            Self::GetCommEventCounter => "GET_COMM_EVENT_COUNTER",
            Self::GetCommEventLog => "GET_COMM_EVENT_LOG",
            Self::WriteMultipleCoils => "WRITE_MULTIPLE_COILS",
            Self::WriteMultipleRegisters => "WRITE_MULTIPLE_REGISTERS",
            Self::ReportServerId => "REPORT_SLAVE_ID",
            Self::ReadFileRecord => "READ_FILE_RECORD",
            Self::WriteFileRecord => "WRITE_FILE_RECORD",
            Self::MaskWriteRegister => "MASK_WRITE_REGISTER",
            Self::ReadWriteMultipleRegisters => "READ_WRITE_MULTIPLE_REGISTERS",
            Self::ReadFifoQueue => "READ_FIFO_QUEUE",
            Self::EncapsulatedInterfaceTransport => "ENCAP_INTERFACE_TRANSPORT",
            Self::Umas => "PROGRAM_UNITY",
            Self::Unknown(_) => "UNKNOWN",
        }
    }

    /// True for codes a strict probe accepts: the public codes, UMAS and the
    /// user-defined ranges 65-72 and 100-110 (V1.1b3 §5).
    pub const fn is_plausible(v: u8) -> bool {
        !matches!(Self::from_u8(v), Self::Unknown(_)) || matches!(v, 65..=72 | 100..=110)
    }
}

/// Modbus exception code (V1.1b3 §7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExceptionCode {
    /// 0x01 Illegal Function
    IllegalFunction,
    /// 0x02 Illegal Data Address
    IllegalDataAddress,
    /// 0x03 Illegal Data Value
    IllegalDataValue,
    /// 0x04 Server Device Failure
    ServerDeviceFailure,
    /// 0x05 Acknowledge
    Acknowledge,
    /// 0x06 Server Device Busy
    ServerDeviceBusy,
    /// 0x08 Memory Parity Error
    MemoryParityError,
    /// 0x0A Gateway Path Unavailable
    GatewayPathUnavailable,
    /// 0x0B Gateway Target Device Failed to Respond
    GatewayTargetFailedToRespond,
    /// Any other value.
    Unknown(u8),
}

impl ExceptionCode {
    /// Decodes an exception code.
    pub const fn from_u8(v: u8) -> Self {
        match v {
            0x01 => Self::IllegalFunction,
            0x02 => Self::IllegalDataAddress,
            0x03 => Self::IllegalDataValue,
            0x04 => Self::ServerDeviceFailure,
            0x05 => Self::Acknowledge,
            0x06 => Self::ServerDeviceBusy,
            0x08 => Self::MemoryParityError,
            0x0A => Self::GatewayPathUnavailable,
            0x0B => Self::GatewayTargetFailedToRespond,
            other => Self::Unknown(other),
        }
    }

    /// The numeric code.
    pub const fn value(self) -> u8 {
        match self {
            Self::IllegalFunction => 0x01,
            Self::IllegalDataAddress => 0x02,
            Self::IllegalDataValue => 0x03,
            Self::ServerDeviceFailure => 0x04,
            Self::Acknowledge => 0x05,
            Self::ServerDeviceBusy => 0x06,
            Self::MemoryParityError => 0x08,
            Self::GatewayPathUnavailable => 0x0A,
            Self::GatewayTargetFailedToRespond => 0x0B,
            Self::Unknown(v) => v,
        }
    }

    /// Zeek's name (`ILLEGAL_DATA_ADDRESS`), `UNKNOWN` otherwise.
    pub const fn name(self) -> &'static str {
        match self {
            Self::IllegalFunction => "ILLEGAL_FUNCTION",
            Self::IllegalDataAddress => "ILLEGAL_DATA_ADDRESS",
            Self::IllegalDataValue => "ILLEGAL_DATA_VALUE",
            Self::ServerDeviceFailure => "SLAVE_DEVICE_FAILURE",
            Self::Acknowledge => "ACKNOWLEDGE",
            Self::ServerDeviceBusy => "SLAVE_DEVICE_BUSY",
            Self::MemoryParityError => "MEMORY_PARITY_ERROR",
            Self::GatewayPathUnavailable => "GATEWAY_PATH_UNAVAILABLE",
            Self::GatewayTargetFailedToRespond => "GATEWAY_TARGET_DEVICE_FAILED_TO_RESPOND",
            Self::Unknown(_) => "UNKNOWN",
        }
    }
}

/// 0x0001 Restart Communications Option (Diagnostics sub-function, V1.1b3 §6.8.1).
pub const DIAG_RESTART_COMMUNICATIONS: u16 = 0x0001;
/// 0x0004 Force Listen Only Mode: the server stops answering (V1.1b3 §6.8.1).
pub const DIAG_FORCE_LISTEN_ONLY: u16 = 0x0004;

/// Diagnostics (0x08) sub-function name (V1.1b3 §6.8.1), `None` when unknown.
pub const fn diagnostic_subfunction_name(v: u16) -> Option<&'static str> {
    Some(match v {
        0x00 => "RETURN_QUERY_DATA",
        0x01 => "RESTART_COMMUNICATIONS_OPTION",
        0x02 => "RETURN_DIAGNOSTIC_REGISTER",
        0x03 => "CHANGE_ASCII_INPUT_DELIMITER",
        0x04 => "FORCE_LISTEN_ONLY_MODE",
        0x0A => "CLEAR_COUNTERS_AND_DIAGNOSTIC_REGISTER",
        0x0B => "RETURN_BUS_MESSAGE_COUNT",
        0x0C => "RETURN_BUS_COMMUNICATION_ERROR_COUNT",
        0x0D => "RETURN_BUS_EXCEPTION_ERROR_COUNT",
        0x0E => "RETURN_SERVER_MESSAGE_COUNT",
        0x0F => "RETURN_SERVER_NO_RESPONSE_COUNT",
        0x10 => "RETURN_SERVER_NAK_COUNT",
        0x11 => "RETURN_SERVER_BUSY_COUNT",
        0x12 => "RETURN_BUS_CHARACTER_OVERRUN_COUNT",
        0x14 => "CLEAR_OVERRUN_COUNTER_AND_FLAG",
        _ => return None,
    })
}

/// 0x0D MEI type: CANopen General Reference Request and Response PDU (V1.1b3 §6.20).
pub const MEI_CANOPEN: u8 = 0x0D;
/// 0x0E MEI type: Read Device Identification (V1.1b3 §6.21).
pub const MEI_READ_DEVICE_ID: u8 = 0x0E;

/// UMAS sub-function codes this crate gives a meaning to (the full name
/// table is generated into `umas_gen.rs` from `kb/protocols/modbus_umas_functions.csv`).
pub mod umas {
    /// 0x01 INIT_COMM
    pub const INIT_COMM: u8 = 0x01;
    /// 0x10 TAKE_PLC_RESERVATION
    pub const TAKE_PLC_RESERVATION: u8 = 0x10;
    /// 0x40 START_PLC
    pub const START_PLC: u8 = 0x40;
    /// 0x41 STOP_PLC
    pub const STOP_PLC: u8 = 0x41;
    /// 0x42 INIT_PLC
    pub const INIT_PLC: u8 = 0x42;
    /// 0xFE response: OK
    pub const RESPONSE_OK: u8 = 0xFE;
    /// 0xFD response: error
    pub const RESPONSE_ERROR: u8 = 0xFD;
}
