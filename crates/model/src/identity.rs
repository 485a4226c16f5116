// SPDX-License-Identifier: Apache-2.0
use serde::{Deserialize, Serialize};

use crate::Text;

/// Which end of a flow a fact is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The flow originator (the host that sent `ToServer` messages).
    Client,
    /// The responder (the host that sent `ToClient` messages).
    Server,
}

/// What a device said about itself on the wire.
///
/// Only the fields the protocol carried are set. Text from a fixed set
/// (protocol, device types, attribute names) is borrowed, text from the
/// packet copied: devices repeat their identity on every connection, so
/// building one must cost little.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct IdentityFact {
    /// Protocol that carried the identity (`modbus`, `enip`, `s7comm`, ...).
    pub protocol: Text,
    /// Vendor name, resolved from a numeric id where the protocol uses one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub vendor: Option<Text>,
    /// Numeric vendor id as sent (CIP, BACnet, PROFINET).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub vendor_id: Option<u32>,
    /// Product name.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub product: Option<Text>,
    /// Product code or model / order number.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub model: Option<Text>,
    /// Device type or class (CIP device type name, S7 module type, ...).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub device_type: Option<Text>,
    /// Firmware / software revision.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub firmware: Option<Text>,
    /// Serial number.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub serial: Option<Text>,
    /// Station, device or plant name configured on the device.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub name: Option<Text>,
    /// Other named attributes (`("state", "0x30")`, `("security_mode", "none")`).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub extra: Vec<(Text, Text)>,
}
