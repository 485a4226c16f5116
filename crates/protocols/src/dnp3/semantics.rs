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
///
/// Reads [`OPERATIONS`]: the `match` in [`classify`] compiles to a jump
/// table whose indirect jump mispredicts whenever the function code changes
/// from one request to the next (poll, control, poll).
#[inline]
pub fn operation(function: FunctionCode) -> Operation {
    OPERATIONS
        .get(usize::from(function.0))
        .copied()
        .unwrap_or(Operation::Other)
}

/// [`classify`] of every function code, built at compile time.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
const OPERATIONS: [Operation; 256] = {
    let mut t = [Operation::Other; 256];
    let mut i = 0;
    while i < t.len() {
        t[i] = classify(FunctionCode(i as u8));
        i += 1;
    }
    t
};

/// The mapping [`operation`] reads from its table.
const fn classify(function: FunctionCode) -> Operation {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_agrees_with_the_mapping_for_every_function_code() {
        for code in 0..=u8::MAX {
            assert_eq!(
                operation(FunctionCode(code)),
                classify(FunctionCode(code)),
                "{code}"
            );
        }
        assert_eq!(operation(FunctionCode(1)), Operation::Read);
        assert_eq!(
            operation(FunctionCode(13)),
            Operation::ModeChange(ModeChange::Restart)
        );
        assert_eq!(operation(FunctionCode(0x82)), Operation::Other);
    }
}
