// SPDX-License-Identifier: Apache-2.0
//! `iec104.log`: one line per APDU. IEC 104 has no request/response
//! identifiers (commands are confirmed by an ASDU of the same type with
//! cause `actcon`, data flows spontaneously), so each APDU is its own line;
//! `is_orig` says which station sent it.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use serde::Serialize;

/// One `iec104.log` line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Iec104Record {
    /// True when sent by the flow originator (the controlling station).
    pub is_orig: bool,
    /// `I`, `S` or `U`.
    pub apci_type: &'static str,
    /// Send sequence number N(S) of I frames.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub apci_tx: Option<u16>,
    /// Receive sequence number N(R) of I and S frames.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub apci_rx: Option<u16>,
    /// U-frame function (`startdt_act`, `testfr_con`...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub u_function: Option<&'static str>,
    /// ASDU type identification.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub type_id: Option<u8>,
    /// Type mnemonic (`C_SC_NA_1`), `unknown` if not in the table.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub type_name: Option<&'static str>,
    /// SQ bit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sequence: Option<bool>,
    /// Number of objects / elements (VSQ).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub num_objects: Option<u8>,
    /// Cause of transmission.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cot: Option<u8>,
    /// Cause name (`act`, `spont`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cot_name: Option<&'static str>,
    /// P/N bit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub negative: Option<bool>,
    /// T bit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test: Option<bool>,
    /// Originator address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub originator_address: Option<u8>,
    /// Common address of ASDU (station address).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub common_address: Option<u16>,
    /// First information object address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ioa_first: Option<u32>,
    /// Number of information object addresses decoded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ioa_count: Option<u32>,
}
