// SPDX-License-Identifier: Apache-2.0
//! DNP3 log records: `dnp3.log` (one per transaction, Zeek's `fc_request`,
//! `fc_reply`, `iin`), `dnp3_objects.log` (one per object header, ICSNPP
//! `object_type`, `object_count`, `range_low`, `range_high`) and
//! `dnp3_control.log` (one per control point, ICSNPP CROB fields).
//!
//! Unlike ICSNPP we do not add `source_h`/`destination_h`: `is_orig` says
//! which way the message travelled (house style §3). Codes are integers
//! followed by their names.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use serde::Serialize;

/// Log names.
pub const LOG: &str = "dnp3";
/// Object-header log.
pub const OBJECTS_LOG: &str = "dnp3_objects";
/// Control-point log.
pub const CONTROL_LOG: &str = "dnp3_control";

/// One `dnp3.log` line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Dnp3Record {
    /// Request function code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fc_request_code: Option<u8>,
    /// Request function name (`READ`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fc_request: Option<&'static str>,
    /// Reply function code (129, 130, 131).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fc_reply_code: Option<u8>,
    /// Reply function name (`RESPONSE`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fc_reply: Option<&'static str>,
    /// Internal indications of the reply (IIN1 << 8 | IIN2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iin: Option<u16>,
    /// Names of the IIN bits set.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub iin_flags: Vec<&'static str>,
    /// Link address of the master.
    pub master_address: u16,
    /// Link address of the outstation.
    pub outstation_address: u16,
    /// Application sequence number of the request (or unsolicited reply).
    pub app_seq: u8,
    /// Indexes of the control points (g12, g41) the request operated.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub control_points: Vec<u32>,
    /// True when both the request and its reply were seen.
    pub matched: bool,
}

/// One `dnp3_objects.log` line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Dnp3ObjectRecord {
    /// True when sent by the flow originator.
    pub is_orig: bool,
    /// Function code of the message.
    pub function_code: u8,
    /// Function name.
    pub function: &'static str,
    /// Object group.
    pub group: u8,
    /// Object variation.
    pub variation: u8,
    /// Object name (`Binary Input With Status`), `"unknown"` if not in the table.
    pub object_type: &'static str,
    /// Qualifier octet.
    pub qualifier: u8,
    /// Objects announced (absent for "all objects").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object_count: Option<u32>,
    /// First index of a start/stop range.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub range_low: Option<u32>,
    /// Last index of a start/stop range.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub range_high: Option<u32>,
}

/// One `dnp3_control.log` line.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Dnp3ControlRecord {
    /// True when sent by the flow originator.
    pub is_orig: bool,
    /// Function code of the message.
    pub function_code: u8,
    /// Function name (`SELECT`, `OPERATE`, `RESPONSE`).
    pub function: &'static str,
    /// `Control Relay Output Block`, `Pattern Control Block` or `Analog Output Block`.
    pub block_type: &'static str,
    /// Point index.
    pub index_number: u32,
    /// CROB control code octet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control_code: Option<u8>,
    /// CROB trip-close code (`Nul`, `Close`, `Trip`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trip_control_code: Option<&'static str>,
    /// CROB operation (`Pulse On`, `Latch Off`...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_type: Option<&'static str>,
    /// CROB clear bit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clear_bit: Option<bool>,
    /// CROB count.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execute_count: Option<u8>,
    /// CROB on time (ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_time: Option<u32>,
    /// CROB off time (ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub off_time: Option<u32>,
    /// Analog output value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// Command status code.
    pub status_code: u8,
    /// Command status name (`Success`).
    pub status: &'static str,
}
