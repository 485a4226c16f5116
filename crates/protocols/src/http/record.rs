// SPDX-License-Identifier: Apache-2.0
//! `http.log` records, one per request/response pair, with Zeek's
//! `http.log` field names (`trans_depth`, `method`, `host`, `uri`,
//! `version`, `user_agent`, `request_body_len`, `response_body_len`,
//! `status_code`, `status_msg`, `username`). Zeek does not log the `Server`
//! header; we do, because embedded web servers of PLCs, HMIs and switches
//! name themselves there. Passwords are never logged: `password_seen` says
//! one crossed the wire (the engine reports the credential itself).
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use serde::Serialize;

/// One `http.log` line (the engine prepends `ts`, `uid` and `id.*`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct HttpRecord {
    /// 1-based position of the request in the connection (pipelining depth).
    pub trans_depth: u32,
    /// Request method as sent.
    pub method: String,
    /// `Host` header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Request target as sent.
    pub uri: String,
    /// Version token of the request line (`HTTP/1.1`).
    pub version: String,
    /// `User-Agent` header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// Request `Content-Length`, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_body_len: Option<u64>,
    /// Response `Content-Length`, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_body_len: Option<u64>,
    /// Final status code; absent when the request got no answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_code: Option<u16>,
    /// Reason phrase of the status line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_msg: Option<String>,
    /// `Server` header of the response.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    /// Realm of a `WWW-Authenticate` challenge.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_realm: Option<String>,
    /// User name of Basic authentication.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// A Basic-authentication password was sent (never logged).
    pub password_seen: bool,
}
