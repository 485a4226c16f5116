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

    /// Every operation, in [`Operation::code`] order.
    pub const ALL: [Operation; 13] = [
        Operation::Read,
        Operation::Write,
        Operation::ProgramDownload,
        Operation::ProgramUpload,
        Operation::ModeChange(ModeChange::Start),
        Operation::ModeChange(ModeChange::Stop),
        Operation::ModeChange(ModeChange::Restart),
        Operation::FirmwareTransfer,
        Operation::FileTransfer,
        Operation::Diagnostics,
        Operation::IdentityQuery,
        Operation::Session,
        Operation::Other,
    ];

    /// A one-octet code, distinct for every operation (its index in
    /// [`Operation::ALL`]): counters compare one octet instead of a
    /// variant and its mode.
    pub const fn code(self) -> u8 {
        match self {
            Operation::Read => 0,
            Operation::Write => 1,
            Operation::ProgramDownload => 2,
            Operation::ProgramUpload => 3,
            Operation::ModeChange(ModeChange::Start) => 4,
            Operation::ModeChange(ModeChange::Stop) => 5,
            Operation::ModeChange(ModeChange::Restart) => 6,
            Operation::FirmwareTransfer => 7,
            Operation::FileTransfer => 8,
            Operation::Diagnostics => 9,
            Operation::IdentityQuery => 10,
            Operation::Session => 11,
            Operation::Other => 12,
        }
    }

    /// The operation of a [`Operation::code`] (`None` for no operation's).
    pub const fn from_code(code: u8) -> Option<Operation> {
        if (code as usize) < Operation::ALL.len() {
            Some(Operation::ALL[code as usize])
        } else {
            None
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

#[cfg(test)]
mod tests {
    use super::*;

    // `code` is an exhaustive match, so a new variant needs a code there;
    // this test holds `ALL` to those codes (a variant left out of `ALL`
    // would have no way back from its code).
    #[test]
    fn every_operation_in_all_has_its_own_code_and_comes_back_from_it() {
        for (i, op) in Operation::ALL.into_iter().enumerate() {
            assert_eq!(usize::from(op.code()), i, "{op:?}");
            assert_eq!(Operation::from_code(op.code()), Some(op));
        }
        for code in 0..=u8::MAX {
            match Operation::from_code(code) {
                Some(op) => assert_eq!(op.code(), code),
                None => assert!(usize::from(code) >= Operation::ALL.len(), "{code}"),
            }
        }
        // ALL holds every variant: the names are distinct and cover the enum.
        let names: std::collections::BTreeSet<_> =
            Operation::ALL.iter().map(|o| o.name()).collect();
        assert_eq!(names.len(), Operation::ALL.len());
    }
}
