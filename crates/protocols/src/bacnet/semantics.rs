// SPDX-License-Identifier: Apache-2.0
//! BACnet messages to neutral [`Operation`]s.
//!
//! DeviceCommunicationControl `disable` silences a device and maps to a
//! stop; `enable` to a start. ReinitializeDevice maps to a restart, except
//! `start_backup` (the device hands its configuration out: an upload) and
//! `start_restore` (configuration is sent to it: a download). Time
//! synchronization sets the device clock and counts as a write.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use plantguard_model::{ModeChange, Operation};

/// Operation of a confirmed request; `state` is the DCC / reinitialize state.
pub const fn confirmed_operation(service: u8, state: Option<u32>) -> Operation {
    match service {
        3 | 4 | 29 => Operation::Diagnostics,
        5 | 6 | 12 | 13 | 14 | 26 | 28 | 30 => Operation::Read,
        7 => Operation::FileTransfer,
        0 | 8 | 9 | 10 | 11 | 15 | 16 | 27 => Operation::Write,
        17 => match state {
            Some(0) => Operation::ModeChange(ModeChange::Start),
            _ => Operation::ModeChange(ModeChange::Stop),
        },
        20 => match state {
            Some(2) => Operation::ProgramUpload,
            Some(4) => Operation::ProgramDownload,
            _ => Operation::ModeChange(ModeChange::Restart),
        },
        21..=25 => Operation::Session,
        _ => Operation::Other,
    }
}

/// Operation of an unconfirmed request.
pub const fn unconfirmed_operation(service: u8) -> Operation {
    match service {
        7 | 8 | 13 => Operation::IdentityQuery,
        6 | 9 | 10 | 14 => Operation::Write,
        _ => Operation::Other,
    }
}

/// Operation of a BVLL-only message (no NPDU), `None` for results and acks.
pub const fn bvlc_operation(function: u8) -> Option<Operation> {
    match function {
        0x01 | 0x08 => Some(Operation::Write),
        0x02 | 0x06 => Some(Operation::Read),
        0x05 => Some(Operation::Session),
        _ => None,
    }
}
