// SPDX-License-Identifier: Apache-2.0
//! What a Modbus request does to the plant, as a neutral [`Operation`].
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use super::codes::{umas, FunctionCode, DIAG_RESTART_COMMUNICATIONS, MEI_READ_DEVICE_ID};
use super::wire::PduFields;
use plantguard_model::{ModeChange, Operation};

/// Maps a request to the operation it performs.
pub fn operation(function: FunctionCode, request: &PduFields) -> Operation {
    match function {
        FunctionCode::ReadCoils
        | FunctionCode::ReadDiscreteInputs
        | FunctionCode::ReadHoldingRegisters
        | FunctionCode::ReadInputRegisters
        | FunctionCode::ReadFifoQueue
        | FunctionCode::ReadFileRecord => Operation::Read,
        // 0x17 reads and writes in one request; the write is what changes the plant.
        FunctionCode::WriteSingleCoil
        | FunctionCode::WriteSingleRegister
        | FunctionCode::WriteMultipleCoils
        | FunctionCode::WriteMultipleRegisters
        | FunctionCode::MaskWriteRegister
        | FunctionCode::ReadWriteMultipleRegisters => Operation::Write,
        // File records replace stored file content (configuration and
        // firmware images on some devices), so they count as a file transfer.
        FunctionCode::WriteFileRecord => Operation::FileTransfer,
        FunctionCode::Diagnostics => match request.subfunction {
            Some(DIAG_RESTART_COMMUNICATIONS) => Operation::ModeChange(ModeChange::Restart),
            _ => Operation::Diagnostics,
        },
        FunctionCode::ReadExceptionStatus
        | FunctionCode::GetCommEventCounter
        | FunctionCode::GetCommEventLog => Operation::Diagnostics,
        FunctionCode::ReportServerId => Operation::IdentityQuery,
        FunctionCode::EncapsulatedInterfaceTransport => match request.mei_type {
            Some(MEI_READ_DEVICE_ID) => Operation::IdentityQuery,
            _ => Operation::Other,
        },
        FunctionCode::Umas => request
            .umas_function
            .map_or(Operation::Other, umas_operation),
        FunctionCode::Unknown(_) => Operation::Other,
    }
}

/// Maps a UMAS sub-function (see `kb/protocols/modbus_umas_functions.csv`).
///
/// UMAS names transfers from the PLC's point of view: "upload" (0x30-0x32)
/// sends a program *to* the PLC, which is a [`Operation::ProgramDownload`]
/// in PlantGuard's engineering-station wording.
pub fn umas_operation(code: u8) -> Operation {
    match code {
        umas::INIT_COMM | 0x12 | umas::TAKE_PLC_RESERVATION | 0x11 | 0x6D | 0x6E => {
            Operation::Session
        }
        0x02..=0x04 | 0x06 => Operation::IdentityQuery,
        0x20 | 0x22 | 0x24 | 0x26 | 0x39 | 0x50 | 0x70 | 0x73 => Operation::Read,
        0x21 | 0x23 | 0x25 | 0x71 => Operation::Write,
        0x30..=0x32 | 0x37 => Operation::ProgramDownload,
        0x33..=0x35 => Operation::ProgramUpload,
        0x36 => Operation::FileTransfer,
        umas::START_PLC => Operation::ModeChange(ModeChange::Start),
        umas::STOP_PLC => Operation::ModeChange(ModeChange::Stop),
        umas::INIT_PLC => Operation::ModeChange(ModeChange::Restart),
        0x58 | 0x60 => Operation::Diagnostics,
        _ => Operation::Other,
    }
}
