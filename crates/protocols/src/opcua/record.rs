// SPDX-License-Identifier: Apache-2.0
//! `opcua.log`: one line per service request/response pair (or per HEL/ACK
//! pair, ERR, CLO, and per opaque encrypted message). Names follow CISA
//! ICSNPP-OPCUA-Binary where it has them (`msg_type`, `sec_channel_id`,
//! `request_id`, `request_handle`, `sec_policy_uri`, `endpoint_url`,
//! `application_uri`, `product_uri`, `application_name`, `session_name`,
//! `identity_token`); codes are integers followed by their name.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use serde::Serialize;

/// One endpoint of a GetEndpoints / CreateSession response.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct EndpointRecord {
    /// Endpoint URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint_url: Option<String>,
    /// MessageSecurityMode code.
    pub security_mode_code: u32,
    /// MessageSecurityMode name.
    pub security_mode: &'static str,
    /// Security policy short name.
    pub security_policy: &'static str,
}

/// One `opcua.log` line.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct OpcUaRecord {
    /// `HEL`, `OPN`, `MSG`, `CLO`, `ERR`, `RHE` (of the request when paired).
    pub msg_type: &'static str,
    /// Secure channel id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sec_channel_id: Option<u32>,
    /// Request id (sequence header).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<u32>,
    /// Request handle (RequestHeader).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_handle: Option<u32>,
    /// Binary encoding id of the request type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_type_id: Option<u32>,
    /// Request type name (`ReadRequest`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_type: Option<&'static str>,
    /// Service (`read`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<&'static str>,
    /// Neutral operation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<&'static str>,
    /// Binary encoding id of the response type (or 397 ServiceFault).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_type_id: Option<u32>,
    /// ServiceResult of the response.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_code: Option<u32>,
    /// Status code name (common codes only, else `unknown`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_code_name: Option<&'static str>,
    /// Security policy short name of the channel.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_policy: Option<&'static str>,
    /// MessageSecurityMode code (OPN request, or inferred for channels with a policy).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_mode_code: Option<u32>,
    /// MessageSecurityMode name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_mode: Option<&'static str>,
    /// OPN: issue / renew.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_type: Option<&'static str>,
    /// OPN: sender certificate present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sender_certificate: Option<bool>,
    /// OPN: receiver certificate thumbprint present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receiver_thumbprint: Option<bool>,
    /// Body could not be read (encrypted channel).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub encrypted: bool,
    /// HEL/ACK protocol version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
    /// HEL receive buffer size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rcv_buf_size: Option<u32>,
    /// HEL send buffer size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snd_buf_size: Option<u32>,
    /// HEL max message size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_msg_size: Option<u32>,
    /// ERR error code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<u32>,
    /// ERR reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// HEL / CreateSession / GetEndpoints endpoint URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint_url: Option<String>,
    /// CreateSession: client application URI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_uri: Option<String>,
    /// CreateSession: client product URI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_uri: Option<String>,
    /// CreateSession: client application name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_name: Option<String>,
    /// CreateSession: session name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_name: Option<String>,
    /// Server application URI (CreateSession / GetEndpoints response).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_application_uri: Option<String>,
    /// Server product URI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_product_uri: Option<String>,
    /// Server application name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_application_name: Option<String>,
    /// Endpoints offered (first few).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub endpoints: Vec<EndpointRecord>,
    /// ActivateSession: `anonymous`, `username`, `certificate`, `issued`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_token: Option<&'static str>,
    /// ActivateSession user name when the token is readable (the password never is logged).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Write: number of nodes written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nodes_written: Option<usize>,
    /// Write: first node id written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_node_written: Option<String>,
    /// Call: number of methods called.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub methods_called: Option<usize>,
    /// Call: first object id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object_id: Option<String>,
    /// Call: first method id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method_id: Option<String>,
    /// False when no response was seen.
    pub answered: bool,
}

/// Bytes as text (lossy), for record fields.
pub fn text(b: Option<&[u8]>) -> Option<String> {
    b.map(|b| String::from_utf8_lossy(b).into_owned())
}
