// SPDX-License-Identifier: Apache-2.0
//! What an IEC 60870-5-104 message does to the plant.
//!
//! The controlling station (SCADA master) is the TCP client, so
//! [`Direction::ToServer`] is the control direction (IEC 60870-5-104 §5).
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use super::codes::{type_class, TypeClass};
use super::wire::Asdu;
use crate::api::Direction;
use plantguard_model::{ModeChange, Operation};

/// Causes that make an ASDU a request: activation (6), deactivation (8),
/// request (5) and file transfer (13).
const fn is_request_cot(cot: u8) -> bool {
    matches!(cot, 5 | 6 | 8 | 13)
}

/// Causes of data the controlled station sends on its own: periodic (1),
/// background (2), spontaneous (3), initialised (4), return information (11, 12).
const fn is_spontaneous_cot(cot: u8) -> bool {
    matches!(cot, 1..=4 | 11 | 12)
}

/// The operation of one ASDU, or `None` for answers (confirmations,
/// terminations, interrogated or requested data), which belong to the
/// request already counted.
///
/// - Monitoring types (`M_*`, 1-44): spontaneous, periodic or background
///   data from the controlled station → `Read`; monitoring types sent in
///   the control direction → `Other`.
/// - Process commands (`C_SC`...`C_BO`, 45-64) → `Write`.
/// - `C_IC` (100), `C_CI` (101), `C_RD` (102) → `Read`; `C_CS` (103) → `Write`;
///   `C_TS` (104, 107) → `Diagnostics`; `C_RP` (105) → `ModeChange(Restart)`;
///   `C_CD` (106) → `Other`.
/// - Parameters (`P_*`, 110-113) → `Write`; file transfer (`F_*`) from the
///   controlling station → `FileTransfer`.
/// - End of initialisation (`M_EI_NA_1`) → `Other` (the station restarted).
#[inline]
pub const fn operation(dir: Direction, asdu: &Asdu<'_>) -> Option<Operation> {
    let control_dir = matches!(dir, Direction::ToServer);
    match type_class(asdu.type_id) {
        TypeClass::Monitor if control_dir => Some(Operation::Other),
        TypeClass::Monitor if is_spontaneous_cot(asdu.cot) => Some(Operation::Read),
        TypeClass::Monitor => None,
        TypeClass::EndOfInit => Some(Operation::Other),
        TypeClass::File if control_dir => Some(Operation::FileTransfer),
        TypeClass::File => None,
        _ if !is_request_cot(asdu.cot) => None,
        TypeClass::Command | TypeClass::Parameter => Some(Operation::Write),
        TypeClass::System => Some(match asdu.type_id {
            100..=102 => Operation::Read,
            103 => Operation::Write,
            104 | 107 => Operation::Diagnostics,
            105 => Operation::ModeChange(ModeChange::Restart),
            _ => Operation::Other,
        }),
        TypeClass::Other => Some(Operation::Other),
    }
}

/// The operation of a U-format frame: STARTDT/STOPDT activation →
/// `Session`, TESTFR activation → `Other` (keep-alive); confirmations → none.
pub const fn u_operation(function: u8) -> Option<Operation> {
    match function {
        0x07 | 0x13 => Some(Operation::Session),
        0x43 => Some(Operation::Other),
        _ => None,
    }
}
