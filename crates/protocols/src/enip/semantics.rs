// SPDX-License-Identifier: Apache-2.0
//! What an EtherNet/IP command or CIP request does to the plant.
//!
//! Start / Stop as seen in the corpus (cip_start_plc.pcap, cip_stop_plc.pcap):
//! a connected SendUnitData carrying service 0x06 (Start) or 0x07 (Stop) to
//! class 0x8E instance 1 of a Logix controller. cip_unlock_cpu.pcap sends
//! service 0x4C on the non-symbolic path 0x8E/1 + 0x74/1: that is not a Read
//! Tag (the path is not symbolic) and maps to [`Operation::Session`]
//! (controller lock / unlock is access control, not process data).
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use super::codes::{class, service, Command};
use super::wire::CipPath;
use plantguard_model::{ModeChange, Operation};

/// Operation of an encapsulation request that carries no CIP message.
pub fn command_operation(command: Command) -> Option<Operation> {
    match command {
        Command::ListIdentity | Command::ListServices | Command::ListInterfaces => {
            Some(Operation::IdentityQuery)
        }
        Command::RegisterSession | Command::UnRegisterSession => Some(Operation::Session),
        Command::Nop | Command::IndicateStatus | Command::Cancel | Command::Unknown(_) => {
            Some(Operation::Other)
        }
        // The CIP message inside decides.
        Command::SendRrData | Command::SendUnitData => None,
    }
}

/// Operation of one CIP request (after Unconnected Send and Multiple
/// Service Packet unwrapping).
pub fn cip_operation(code: u8, path: &CipPath<'_>) -> Operation {
    if path.symbolic {
        return match code {
            0x4C | 0x52 | 0x55 => Operation::Read,
            0x4D | 0x53 | 0x4E => Operation::Write,
            _ => Operation::Other,
        };
    }
    match (path.class, code) {
        (Some(class::CONNECTION_MANAGER), _) => Operation::Session,
        (Some(class::CONTROLLER), service::START) => Operation::ModeChange(ModeChange::Start),
        (Some(class::CONTROLLER), service::STOP) => Operation::ModeChange(ModeChange::Stop),
        (Some(class::CONTROLLER), 0x4C..=0x4F) => Operation::Session,
        (Some(class::IDENTITY), service::RESET) => Operation::ModeChange(ModeChange::Restart),
        (Some(class::IDENTITY), 0x01 | 0x03 | 0x0E) => Operation::IdentityQuery,
        (Some(class::FILE), 0x01 | 0x03 | 0x0E) => Operation::Read,
        (Some(class::FILE), _) => Operation::FileTransfer,
        (Some(class::SYMBOL), 0x55) => Operation::Read,
        (_, 0x01 | 0x03 | 0x0E | 0x11 | 0x18) => Operation::Read,
        // Set*, Create, Delete, Apply, Reset of other objects, Restore, Save,
        // member edits, and Start/Stop of ordinary objects change state.
        (_, 0x02 | 0x04 | 0x05 | 0x06 | 0x07 | 0x08 | 0x09 | 0x0D | 0x10 | 0x15 | 0x16)
        | (_, 0x19..=0x1B) => Operation::Write,
        _ => Operation::Other,
    }
}
