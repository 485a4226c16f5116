// SPDX-License-Identifier: Apache-2.0
//! `dhcp.log` records with Zeek's `dhcp.log` field names (`mac`,
//! `client_addr`, `requested_addr`, `assigned_addr`, `server_addr`,
//! `host_name`, `client_fqdn`, `domain`, `lease_time`, `msg_types`) plus
//! `vendor_class` and `param_list`.
//!
//! Zeek joins the messages of one exchange by transaction id across flows;
//! a PlantGuard session sees one flow (the DISCOVER to 255.255.255.255 and
//! the OFFER back are two flows), so each message is one line and lines
//! join on `trans_id` + `mac`.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use serde::Serialize;

/// One `dhcp.log` line (the engine prepends `ts`, `uid` and `id.*`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DhcpRecord {
    /// Transaction id (`xid`).
    pub trans_id: u32,
    /// Message type code (option 53; 0 for plain BOOTP).
    pub msg_type: u8,
    /// Message type names, Zeek spelling (`DISCOVER`, `ACK`).
    pub msg_types: Vec<&'static str>,
    /// Client hardware address (`chaddr`), `aa:bb:cc:dd:ee:ff`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
    /// `ciaddr`, when set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_addr: Option<String>,
    /// Option 50.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requested_addr: Option<String>,
    /// `yiaddr`, when set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assigned_addr: Option<String>,
    /// Option 54 (server identifier).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_addr: Option<String>,
    /// Option 12.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_name: Option<String>,
    /// Option 81 name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_fqdn: Option<String>,
    /// Option 15.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// Option 51, seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lease_time: Option<u32>,
    /// Option 60.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor_class: Option<String>,
    /// Option 55, as requested.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub param_list: Vec<u8>,
    /// Option 3.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub routers: Vec<String>,
    /// Option 6.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dns_servers: Vec<String>,
    /// Option 56 (client or server message).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// A DHCPv6 line in `dhcpv6.log`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Dhcpv6Record {
    /// Transaction id (24 bits).
    pub trans_id: u32,
    /// Message type code.
    pub msg_type: u8,
    /// Message type name (`SOLICIT`).
    pub msg_type_name: &'static str,
    /// Client DUID, hex.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duid: Option<String>,
    /// Client FQDN (option 39).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_fqdn: Option<String>,
    /// Vendor class data (option 16).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor_class: Option<String>,
    /// Option request list (option 6).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub option_request: Vec<u16>,
}
