// SPDX-License-Identifier: Apache-2.0
use serde::{Deserialize, Serialize};

/// What a protocol message does to the plant, independent of the protocol.
///
/// Every industrial parser maps each request (or each unsolicited message) to
/// one `Operation`, so detections reason about `Write` or `ProgramDownload`
/// and never about Modbus function 0x10 or S7 job 0x1B.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// Reads process data (registers, tags, objects, points).
    Read,
    /// Writes process data or configuration, or operates a control point.
    Write,
    /// Sends control logic or a program block to a device.
    ProgramDownload,
    /// Reads control logic or a program block from a device.
    ProgramUpload,
    /// Changes the operating mode of a controller.
    ModeChange(ModeChange),
    /// Transfers firmware to a device.
    FirmwareTransfer,
    /// Transfers or deletes a file (or a program block) on a device.
    FileTransfer,
    /// Diagnostics, counters, status and event-log queries.
    Diagnostics,
    /// Asks a device who it is (identity objects, SZL, ListIdentity, Who-Is).
    IdentityQuery,
    /// Session, connection or authentication management.
    Session,
    /// Anything else (keep-alives, unknown or vendor-specific functions).
    Other,
}

/// The kind of mode change requested.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModeChange {
    /// Start / run.
    Start,
    /// Stop / program mode.
    Stop,
    /// Restart, reset or reinitialise.
    Restart,
}

impl Operation {
    /// A stable snake_case name for tables and logs (`mode_change_stop`).
    pub const fn name(self) -> &'static str {
        match self {
            Operation::Read => "read",
            Operation::Write => "write",
            Operation::ProgramDownload => "program_download",
            Operation::ProgramUpload => "program_upload",
            Operation::ModeChange(ModeChange::Start) => "mode_change_start",
            Operation::ModeChange(ModeChange::Stop) => "mode_change_stop",
            Operation::ModeChange(ModeChange::Restart) => "mode_change_restart",
            Operation::FirmwareTransfer => "firmware_transfer",
            Operation::FileTransfer => "file_transfer",
            Operation::Diagnostics => "diagnostics",
            Operation::IdentityQuery => "identity_query",
            Operation::Session => "session",
            Operation::Other => "other",
        }
    }

    /// True for operations that change the state of the plant.
    pub const fn is_state_changing(self) -> bool {
        matches!(
            self,
            Operation::Write
                | Operation::ProgramDownload
                | Operation::ModeChange(_)
                | Operation::FirmwareTransfer
                | Operation::FileTransfer
        )
    }
}
