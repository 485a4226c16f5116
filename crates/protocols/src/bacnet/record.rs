// SPDX-License-Identifier: Apache-2.0
//! `bacnet.log` records: one per transaction (confirmed request paired with
//! its ack, error, reject or abort by invoke id), one per unconfirmed
//! request (Who-Is, I-Am, Who-Has, I-Have, notifications, time
//! synchronization), one per network-layer message and one per BVLL-only
//! message. Field names follow ICSNPP's `bacnet.log` (`bvlc_function`,
//! `pdu_type`, `pdu_service`, `invoke_id`, `result_code`),
//! `bacnet_discovery.log` (`instance_number`, `vendor`, `range`,
//! `object_name`), `bacnet_property.log` (`object_type`, `property`,
//! `array_index`, `value`) and `bacnet_device_control.log`, merged into one
//! log with optional fields. Passwords of DeviceCommunicationControl and
//! ReinitializeDevice are never logged (`password_seen` only).
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use super::wire::{char_string_text, PropertyValue};
use crate::enip::record::Data;
use serde::Serialize;

/// A property value as logged.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordValue {
    /// Character string.
    Text(Data),
    /// Unsigned integer.
    Unsigned(u32),
    /// Enumerated.
    Enumerated(u32),
    /// Real.
    Real(f32),
    /// Boolean.
    Boolean(bool),
    /// Object identifier `type:instance`.
    ObjectId {
        /// Object type code.
        object_type: u16,
        /// Instance number.
        instance: u32,
    },
    /// Other application tag, by number.
    Tag(u8),
}

impl RecordValue {
    /// Owned copy of a decoded value (only built when records are wanted).
    pub fn from_value(v: &PropertyValue<'_>) -> Self {
        match *v {
            PropertyValue::CharString { encoding, bytes } => RecordValue::Text(Data(
                char_string_text(encoding, bytes)
                    .map_or_else(|| bytes.to_vec(), String::into_bytes),
            )),
            PropertyValue::Unsigned(x) => RecordValue::Unsigned(x),
            PropertyValue::Enumerated(x) => RecordValue::Enumerated(x),
            PropertyValue::Real(x) => RecordValue::Real(x),
            PropertyValue::Boolean(x) => RecordValue::Boolean(x),
            PropertyValue::ObjectId(t, i) => RecordValue::ObjectId {
                object_type: t,
                instance: i,
            },
            PropertyValue::Other(n) => RecordValue::Tag(n),
        }
    }
}

/// One `bacnet.log` line (the engine prepends `ts`, `uid` and `id.*`).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct BacnetRecord {
    /// True when the request (or message) travelled from the flow originator.
    pub is_orig: bool,
    /// BVLC function code of the request (or message).
    pub bvlc_function_code: u8,
    /// BVLC function name (`Original_Unicast_NPDU`).
    pub bvlc_function: &'static str,
    /// BVLC-Result code (function 0x00).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bvlc_result_code: Option<u16>,
    /// NPCI control octet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub npdu_control: Option<u8>,
    /// Routed source network (SNET).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snet: Option<u16>,
    /// Routed destination network (DNET).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dnet: Option<u16>,
    /// Network-layer message type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_message_code: Option<u8>,
    /// Network-layer message name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_message: Option<&'static str>,
    /// APDU type code of the request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pdu_type_code: Option<u8>,
    /// APDU type name (`CONFIRMED_REQUEST`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pdu_type: Option<&'static str>,
    /// Service choice.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pdu_service_code: Option<u8>,
    /// Service name (`read_property`, `who_is`), `unknown` when not in the table.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pdu_service: Option<&'static str>,
    /// Invoke id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoke_id: Option<u8>,
    /// Object type code of the first object named.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object_type_code: Option<u16>,
    /// Object type name (`analog-input`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object_type: Option<&'static str>,
    /// Object instance number (the device instance for I-Am).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_number: Option<u32>,
    /// Property identifier code of the first property named.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub property_code: Option<u32>,
    /// Property name (`present-value`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub property: Option<&'static str>,
    /// Property array index.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub array_index: Option<u32>,
    /// Properties referenced by a ...Multiple request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub references_count: Option<u16>,
    /// Value written (WriteProperty) or read (ReadProperty-ACK).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<RecordValue>,
    /// WriteProperty priority.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<u32>,
    /// I-Am vendor identifier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor_id: Option<u32>,
    /// Vendor name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor: Option<&'static str>,
    /// I-Am max APDU length accepted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_apdu: Option<u32>,
    /// I-Am segmentation supported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segmentation: Option<&'static str>,
    /// Who-Is / Who-Has low instance limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub range_low: Option<u32>,
    /// Who-Is / Who-Has high instance limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub range_high: Option<u32>,
    /// Object name (Who-Has, I-Have).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object_name: Option<Data>,
    /// DeviceCommunicationControl / ReinitializeDevice state code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_state_code: Option<u32>,
    /// State name (`disable`, `coldstart`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_state: Option<&'static str>,
    /// DeviceCommunicationControl time duration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_minutes: Option<u32>,
    /// A password was sent (its value is never logged).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub password_seen: bool,
    /// APDU type of the response.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_pdu_type: Option<&'static str>,
    /// ICSNPP `result_code`: `success`, `error`, `reject`, `abort` or
    /// `no_response` (request never answered in this flow).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result_code: Option<&'static str>,
    /// Error class of an Error-PDU.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_class: Option<u32>,
    /// Error code of an Error-PDU.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<u32>,
    /// Reject or abort reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason_code: Option<u8>,
}
