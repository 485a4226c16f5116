// SPDX-License-Identifier: Apache-2.0
//! `tls.log` records, one per flow, with the field names of Zeek's
//! `ssl.log` (`version`, `cipher`, `server_name`, `next_protocol`,
//! `established`, `subject`, `issuer`) plus the fingerprints (`ja3`,
//! `ja3s`, `ja4`, as the Zeek JA3 package and Suricata name them) and the
//! leaf certificate's validity (`not_valid_before`/`not_valid_after` as in
//! Zeek's `x509.log`) and `self_signed`.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use serde::Serialize;

/// One `tls.log` line (the engine prepends `ts`, `uid` and `id.*`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TlsRecord {
    /// Negotiated version (`TLSv12`), or the client's when no ServerHello was seen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<&'static str>,
    /// Negotiated version number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_code: Option<u16>,
    /// Selected cipher suite number (the name table is not kept).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cipher_code: Option<u16>,
    /// SNI host name the client asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_name: Option<String>,
    /// First ALPN protocol the client offered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_protocol: Option<String>,
    /// Number of cipher suites the client offered (GREASE excluded).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_ciphers: Option<usize>,
    /// JA3 of the ClientHello.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ja3: Option<String>,
    /// JA4 of the ClientHello.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ja4: Option<String>,
    /// JA3S of the ServerHello.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ja3s: Option<String>,
    /// Leaf certificate subject (TLS ≤ 1.2 only: 1.3 encrypts it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Leaf certificate issuer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// Leaf certificate `notBefore` (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_valid_before: Option<String>,
    /// Leaf certificate `notAfter` (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_valid_after: Option<String>,
    /// Leaf certificate subject equals its issuer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_signed: Option<bool>,
    /// Both sides switched to encrypted records.
    pub established: bool,
}
