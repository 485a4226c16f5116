// SPDX-License-Identifier: Apache-2.0
//! `dns.log` records, one per transaction (query paired with its response
//! by transaction id), with Zeek's `dns.log` field names (`trans_id`,
//! `query`, `qtype`, `qtype_name`, `rcode`, `rcode_name`, `AA`, `TC`, `RD`,
//! `RA`, `Z`, `answers`, `TTLs`, `rejected`). LLMNR and mDNS use the same
//! log, as Zeek does.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use serde::Serialize;

/// One `dns.log` line (the engine prepends `ts`, `uid` and `id.*`).
#[allow(non_snake_case)]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DnsRecord {
    /// `dns`, `llmnr` or `mdns`.
    pub proto_name: &'static str,
    /// DNS transaction id.
    pub trans_id: u16,
    /// Opcode number.
    pub opcode: u8,
    /// Opcode name (`query`, `notify`, `update`).
    pub opcode_name: &'static str,
    /// First queried name (dotted, `\DDD` escapes for odd bytes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// QCLASS of the first question.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qclass: Option<u16>,
    /// QCLASS name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qclass_name: Option<&'static str>,
    /// QTYPE of the first question.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qtype: Option<u16>,
    /// QTYPE name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qtype_name: Option<&'static str>,
    /// Response code, when a response was seen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rcode: Option<u8>,
    /// Response code name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rcode_name: Option<&'static str>,
    /// Authoritative answer (response).
    pub AA: bool,
    /// Truncated (either message).
    pub TC: bool,
    /// Recursion desired (query, else response).
    pub RD: bool,
    /// Recursion available (response).
    pub RA: bool,
    /// The Z, AD and CD bits.
    pub Z: u8,
    /// Answer-section RDATA in presentation form.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub answers: Vec<String>,
    /// TTLs of `answers`, in seconds.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub TTLs: Vec<u32>,
    /// The server answered with an error (rcode other than NOERROR).
    pub rejected: bool,
    /// Whether a query was seen for this transaction.
    pub query_seen: bool,
    /// Whether a response was seen for this transaction.
    pub response_seen: bool,
}
