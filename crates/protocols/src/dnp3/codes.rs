// SPDX-License-Identifier: Apache-2.0
//! DNP3 code sets: application function codes (names generated from
//! `kb/protocols/dnp3_function_codes.csv`), internal indications, CROB
//! control codes and command status codes.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use super::function_gen::function_name;
use super::object_gen::object_name as object_name_gen;

/// Application function code (IEEE 1815-2012 Table 4-1 and 4-2).
///
/// A newtype rather than an enum: the names come from the generated table,
/// and unknown values keep their number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FunctionCode(pub u8);

impl FunctionCode {
    /// 0x00 (0) Confirm
    pub const CONFIRM: Self = Self(0);
    /// 0x01 (1) Read
    pub const READ: Self = Self(1);
    /// 0x02 (2) Write
    pub const WRITE: Self = Self(2);
    /// 0x03 (3) Select
    pub const SELECT: Self = Self(3);
    /// 0x04 (4) Operate
    pub const OPERATE: Self = Self(4);
    /// 0x05 (5) Direct operate
    pub const DIRECT_OPERATE: Self = Self(5);
    /// 0x06 (6) Direct operate, no acknowledgement
    pub const DIRECT_OPERATE_NR: Self = Self(6);
    /// 0x81 (129) Response
    pub const RESPONSE: Self = Self(0x81);
    /// 0x82 (130) Unsolicited response
    pub const UNSOLICITED_RESPONSE: Self = Self(0x82);
    /// 0x83 (131) Authentication response
    pub const AUTHENTICATE_RESP: Self = Self(0x83);

    /// The numeric value.
    pub const fn value(self) -> u8 {
        self.0
    }

    /// Name in Zeek's spelling (`DIRECT_OPERATE`), `"unknown"` for unassigned codes.
    pub fn name(self) -> &'static str {
        function_name(self.0).unwrap_or("unknown")
    }

    /// True for 0x81-0x83.
    pub const fn is_response(self) -> bool {
        matches!(self.0, 0x81..=0x83)
    }

    /// True for the control functions SELECT, OPERATE, DIRECT_OPERATE(_NR).
    pub const fn is_control(self) -> bool {
        matches!(self.0, 3..=6)
    }
}

/// Name of object `group`/`variation` (octet-string groups 110-113 use the
/// variation as a length, so they are named by group alone).
pub fn object_name(group: u8, variation: u8) -> Option<&'static str> {
    let variation = if matches!(group, 110..=113) {
        0
    } else {
        variation
    };
    object_name_gen((u16::from(group) << 8) | u16::from(variation))
}

/// Internal indication bits (IEEE 1815-2012 §4.2.2.6), as `(mask, name)` of
/// the 16-bit value with IIN1 in the high octet.
pub const IIN_BITS: [(u16, &str); 14] = [
    (0x0100, "broadcast"),
    (0x0200, "class_1_events"),
    (0x0400, "class_2_events"),
    (0x0800, "class_3_events"),
    (0x1000, "need_time"),
    (0x2000, "local_control"),
    (0x4000, "device_trouble"),
    (0x8000, "device_restart"),
    (0x0001, "no_func_code_support"),
    (0x0002, "object_unknown"),
    (0x0004, "parameter_error"),
    (0x0008, "event_buffer_overflow"),
    (0x0010, "already_executing"),
    (0x0020, "config_corrupt"),
];

/// Names of the IIN bits set in `iin`.
pub fn iin_flags(iin: u16) -> impl Iterator<Item = &'static str> {
    IIN_BITS
        .iter()
        .filter(move |(mask, _)| iin & mask != 0)
        .map(|&(_, name)| name)
}

/// CROB operation type (control code bits 0-3), ICSNPP spelling.
pub const fn operation_type_name(control_code: u8) -> &'static str {
    match control_code & 0x0F {
        0 => "Nul",
        1 => "Pulse On",
        2 => "Pulse Off",
        3 => "Latch On",
        4 => "Latch Off",
        _ => "Undefined",
    }
}

/// CROB trip-close code (control code bits 6-7), ICSNPP spelling.
pub const fn trip_control_code_name(control_code: u8) -> &'static str {
    match control_code >> 6 {
        0 => "Nul",
        1 => "Close",
        2 => "Trip",
        _ => "Reserved",
    }
}

/// Command status (IEEE 1815-2012 Table 11-? "Control Status Codes", ICSNPP spelling).
pub const fn status_code_name(status: u8) -> &'static str {
    match status & 0x7F {
        0 => "Success",
        1 => "Timeout",
        2 => "No Select",
        3 => "Format Error",
        4 => "Not Supported",
        5 => "Already Active",
        6 => "Hardware Error",
        7 => "Local",
        8 => "Too Many Ops",
        9 => "Not Authorized",
        10 => "Automation Inhibit",
        11 => "Processing Limited",
        12 => "Out of Range",
        13 => "Downstream Local",
        14 => "Already Complete",
        15 => "Blocked",
        16 => "Canceled",
        17 => "Blocked Other Master",
        18 => "Downstream Fail",
        126 => "Non Participating",
        _ => "Undefined",
    }
}
