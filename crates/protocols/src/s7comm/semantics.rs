// SPDX-License-Identifier: Apache-2.0
//! What an S7 request does to the plant, as a neutral [`Operation`].
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use super::codes::{JobFunction, PiService, UserdataGroup, UserdataKind};
use plantguard_model::{ModeChange, Operation};

/// Job (ROSCTR 1) → operation. `pi` is the PI service of a 0x28 job.
pub fn job_operation(function: JobFunction, pi: Option<PiService>) -> Operation {
    match function {
        JobFunction::ReadVar => Operation::Read,
        JobFunction::WriteVar => Operation::Write,
        JobFunction::SetupCommunication => Operation::Session,
        JobFunction::RequestDownload | JobFunction::DownloadBlock | JobFunction::DownloadEnded => {
            Operation::ProgramDownload
        }
        JobFunction::StartUpload | JobFunction::Upload | JobFunction::EndUpload => {
            Operation::ProgramUpload
        }
        JobFunction::PlcStop => Operation::ModeChange(ModeChange::Stop),
        JobFunction::PiService => match pi {
            // Block insert/delete changes which logic the CPU runs.
            Some(PiService::Insert | PiService::Insert2 | PiService::Delete) => {
                Operation::FileTransfer
            }
            // P_PROGRAM through 0x28 is the hot/cold (re)start of the program.
            Some(PiService::Program) => Operation::ModeChange(ModeChange::Start),
            Some(PiService::CopyRamToRom | PiService::Compress) => Operation::Write,
            _ => Operation::Other,
        },
        JobFunction::CpuServices | JobFunction::Unknown(_) => Operation::Other,
    }
}

/// True for SZL lists that identify the module (0x0011 module identification,
/// 0x001C component identification, 0x0000 list of SZL ids); other SZL reads
/// are diagnostics.
pub const fn is_identity_szl(szl_id: u16) -> bool {
    matches!(szl_id & 0x00FF, 0x00 | 0x11 | 0x1C)
}

/// Userdata (ROSCTR 7) → operation, for requests and pushes.
pub fn userdata_operation(
    kind: UserdataKind,
    group: UserdataGroup,
    subfunction: u8,
    szl_id: Option<u16>,
) -> Operation {
    if matches!(kind, UserdataKind::Push) {
        // Alarms, diagnostic messages and mode-transition notices the PLC sends on its own.
        return Operation::Diagnostics;
    }
    match group {
        UserdataGroup::ModeTransition => match subfunction {
            0x00 => Operation::ModeChange(ModeChange::Stop),
            0x02 | 0x09 => Operation::ModeChange(ModeChange::Start),
            0x01 | 0x03 | 0x06 => Operation::ModeChange(ModeChange::Restart),
            _ => Operation::Other,
        },
        UserdataGroup::ProgrammerCommands => match subfunction {
            0x08 | 0x09 => Operation::Write,
            0x0C => Operation::ModeChange(ModeChange::Restart),
            _ => Operation::Diagnostics,
        },
        UserdataGroup::CyclicServices => Operation::Read,
        UserdataGroup::BlockFunctions => Operation::Diagnostics,
        UserdataGroup::CpuFunctions => match (subfunction, szl_id) {
            (0x01, Some(id)) if is_identity_szl(id) => Operation::IdentityQuery,
            _ => Operation::Diagnostics,
        },
        UserdataGroup::Security => Operation::Session,
        UserdataGroup::TimeFunctions => match subfunction {
            0x02 | 0x04 => Operation::Write,
            _ => Operation::Diagnostics,
        },
        UserdataGroup::Pbc | UserdataGroup::NcProgramming | UserdataGroup::Unknown(_) => {
            Operation::Other
        }
    }
}

/// S7comm-plus request function → operation.
pub const fn plus_operation(function: Option<u16>) -> Operation {
    match function {
        Some(0x04CA | 0x04D4 | 0x05B3) => Operation::Session,
        Some(0x04F2 | 0x0542 | 0x057C | 0x056B) => Operation::Write,
        Some(0x04BB | 0x04FC | 0x0524 | 0x054C | 0x0586 | 0x0590) => Operation::Read,
        _ => Operation::Other,
    }
}
