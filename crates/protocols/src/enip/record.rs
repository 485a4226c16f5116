// SPDX-License-Identifier: Apache-2.0
//! Log records: `enip.log` (one per encapsulation message), `cip.log` (one
//! per CIP message, embedded ones included), `cip_identity.log` (one per
//! ListIdentity identity item) and `cip_io.log` (one per implicit I/O
//! connection, summarised). Field names follow CISA ICSNPP-ENIP; codes are
//! integers followed by their name (STYLE.md §3).
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use serde::{Serialize, Serializer};

/// Bytes that may not be text: `{"text": …}` when UTF-8, else `{"bytes": "<base64>"}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Data(pub Vec<u8>);

impl Serialize for Data {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(1))?;
        match std::str::from_utf8(&self.0) {
            Ok(text) => m.serialize_entry("text", text)?,
            Err(_) => m.serialize_entry("bytes", &base64(&self.0))?,
        }
        m.end()
    }
}

/// Standard base64 with padding (RFC 4648 §4).
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let sym = |v: u32| -> char {
        ALPHABET
            .get(usize::try_from(v & 0x3F).unwrap_or(0))
            .map_or('A', |&b| char::from(b))
    };
    let mut out = String::with_capacity(bytes.len().div_ceil(3).saturating_mul(4));
    for chunk in bytes.chunks(3) {
        let b = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let n = (b(0) << 16) | (b(1) << 8) | b(2);
        out.push(sym(n >> 18));
        out.push(sym(n >> 12));
        out.push(if chunk.len() > 1 { sym(n >> 6) } else { '=' });
        out.push(if chunk.len() > 2 { sym(n) } else { '=' });
    }
    out
}

/// One `enip.log` line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EnipRecord {
    /// True when the originator of the flow sent it.
    pub is_orig: bool,
    /// Encapsulation command code.
    pub enip_command_code: u16,
    /// Command name (`send_rr_data`).
    pub enip_command: &'static str,
    /// Length of the command data.
    pub length: u16,
    /// Session handle.
    pub session_handle: u32,
    /// Encapsulation status code.
    pub enip_status_code: u32,
    /// Status name (`success`).
    pub enip_status: &'static str,
    /// Sender context as 16 hex digits (the 8 bytes in wire order).
    pub sender_context: String,
    /// Options.
    pub options: u32,
}

/// One `cip.log` line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CipRecord {
    /// True when the originator of the flow sent it.
    pub is_orig: bool,
    /// Connected-messaging sequence count.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cip_sequence_count: Option<u16>,
    /// `request` or `response`.
    pub direction: &'static str,
    /// Service code (response bit cleared).
    pub cip_service_code: u8,
    /// Service name (`get_attribute_single`).
    pub cip_service: &'static str,
    /// General status (responses).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cip_status_code: Option<u8>,
    /// General status name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cip_status: Option<&'static str>,
    /// First extended status word.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cip_extended_status_code: Option<u16>,
    /// Class id (of the request; copied to its paired response).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class_id: Option<u32>,
    /// Class name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class_name: Option<&'static str>,
    /// Instance id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<u32>,
    /// Attribute id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribute_id: Option<u32>,
    /// Connection point.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection_point: Option<u32>,
    /// Logix tag name from ANSI extended symbolic segments (`Program:Main.Tag`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag_name: Option<Data>,
    /// Service code of the message that carried this one (0x52 Unconnected Send, 0x0A Multiple Service Packet).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encapsulated_in: Option<u8>,
    /// Forward Open: O->T network connection id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ot_connection_id: Option<u32>,
    /// Forward Open: T->O network connection id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_connection_id: Option<u32>,
    /// Forward Open / Close: connection serial number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection_serial: Option<u16>,
    /// Forward Open: O->T RPI (request) or API (reply), microseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ot_rpi_us: Option<u32>,
    /// Forward Open: T->O RPI (request) or API (reply), microseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_rpi_us: Option<u32>,
    /// Response only: true when its request was seen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matched: Option<bool>,
}

/// One `cip_identity.log` line (ICSNPP names).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CipIdentityRecord {
    /// True when the originator of the flow sent it.
    pub is_orig: bool,
    /// Encapsulation protocol version.
    pub encapsulation_version: u16,
    /// Socket address (dotted quad).
    pub socket_address: String,
    /// Socket port.
    pub socket_port: u16,
    /// Vendor id.
    pub vendor_id: u16,
    /// Vendor name.
    pub vendor_name: &'static str,
    /// Device type id.
    pub device_type_id: u16,
    /// Device type name.
    pub device_type_name: &'static str,
    /// Product code.
    pub product_code: u16,
    /// Revision `major.minor`.
    pub revision: String,
    /// Status word.
    pub device_status: u16,
    /// Serial number, hex (`0x00524d8e`).
    pub serial_number: String,
    /// Product name.
    pub product_name: Data,
    /// State (absent when the item has no state byte).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_state: Option<u8>,
}

/// One `cip_io.log` line: summary of one implicit I/O connection.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CipIoRecord {
    /// True when the originator of the flow sent the packets.
    pub is_orig: bool,
    /// Connection id of the sequenced address item.
    pub connection_id: u32,
    /// First sequence number seen.
    pub first_sequence_number: u32,
    /// Last sequence number seen.
    pub sequence_number: u32,
    /// Packets counted.
    pub packets: u64,
    /// I/O data bytes counted.
    pub data_bytes: u64,
}
