// SPDX-License-Identifier: Apache-2.0
//! What a DNP3 request does to the plant.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use super::codes::FunctionCode;
use plantguard_model::{ModeChange, Operation};

/// Maps a request (or unsolicited response) function code to an operation.
///
/// - READ → `Read`; WRITE, the control functions (SELECT, OPERATE,
///   DIRECT_OPERATE, DIRECT_OPERATE_NR), the freeze functions (they copy or
///   clear counters in the outstation), SAVE_CONFIG, ENABLE/DISABLE_UNSOLICITED,
///   ASSIGN_CLASS and ACTIVATE_CONFIG → `Write`.
/// - COLD/WARM_RESTART → `ModeChange(Restart)`; INITIALIZE_DATA,
///   INITIALIZE_APPL, START_APPL → `ModeChange(Start)`; STOP_APPL → `ModeChange(Stop)`.
/// - File functions 25-30 → `FileTransfer`; authentication 32/33 → `Session`.
/// - DELAY_MEASURE, RECORD_CURRENT_TIME, unsolicited responses and unknown codes → `Other`.
pub const fn operation(function: FunctionCode) -> Operation {
    match function.0 {
        1 => Operation::Read,
        2..=12 | 19..=22 | 31 => Operation::Write,
        13 | 14 => Operation::ModeChange(ModeChange::Restart),
        15..=17 => Operation::ModeChange(ModeChange::Start),
        18 => Operation::ModeChange(ModeChange::Stop),
        25..=30 => Operation::FileTransfer,
        32 | 33 => Operation::Session,
        _ => Operation::Other,
    }
}
