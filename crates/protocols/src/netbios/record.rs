// SPDX-License-Identifier: Apache-2.0
//! `netbios.log` records: one line per name service packet and per
//! datagram (browser announcements spelled out). Names are written as
//! Wireshark shows them, `NAME<1d>`.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use serde::Serialize;

/// One `netbios.log` line (the engine prepends `ts`, `uid` and `id.*`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct NetbiosRecord {
    /// `nbns` (UDP 137) or `nbdgm` (UDP 138).
    pub service: &'static str,
    /// Name service transaction id or datagram id.
    pub trans_id: u16,
    /// Name service opcode or datagram message type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opcode: Option<u8>,
    /// Opcode name (`query`, `registration`, `refresh`, `release`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opcode_name: Option<&'static str>,
    /// Whether the name service packet is a response.
    pub is_response: bool,
    /// Response code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rcode: Option<u8>,
    /// Queried / registered name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Question / record type (0x20 NB, 0x21 NBSTAT).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qtype: Option<u16>,
    /// Registered name is a group name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<bool>,
    /// Names listed by a node status response.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub node_names: Vec<String>,
    /// Datagram source name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_name: Option<String>,
    /// Datagram destination name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination_name: Option<String>,
    /// Mailslot written (`\MAILSLOT\BROWSE`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mailslot: Option<String>,
    /// Browser opcode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub browser_opcode: Option<u8>,
    /// Browser opcode name (`host_announcement`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub browser_command: Option<&'static str>,
    /// Announced server (or workgroup) name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_name: Option<String>,
    /// Announced OS major version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os_major: Option<u8>,
    /// Announced OS minor version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os_minor: Option<u8>,
    /// Server type bits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_type: Option<u32>,
    /// Names of the server type bits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_types: Option<String>,
    /// Announcement comment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}
