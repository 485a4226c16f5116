// SPDX-License-Identifier: Apache-2.0
//! `smb_mapping.log` and `ntlm.log` records, with Zeek's field names.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use serde::Serialize;

/// One `smb_mapping.log` line: a tree connect and its answer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SmbMappingRecord {
    /// `\\HOST\SHARE` as requested.
    pub path: String,
    /// Requested or answered service (`A:`, `IPC`, `?????`), SMB1 only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// Native file system from the SMB1 answer (`NTFS`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub native_file_system: Option<String>,
    /// `DISK`, `PIPE` or `PRINT` (SMB2 answers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub share_type: Option<&'static str>,
    /// Administrative share (`ADMIN$`, `C$`): remote administration access.
    pub admin_share: bool,
    /// SMB version of the exchange (1 or 2).
    pub smb_version: u8,
    /// NT status of the answer, when one was seen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u32>,
    /// The server accepted the connect (status 0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub success: Option<bool>,
}

/// One `ntlm.log` line: an NTLM authentication and its outcome.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct NtlmRecord {
    /// User name from AUTHENTICATE.
    pub username: String,
    /// Client workstation from AUTHENTICATE.
    pub hostname: String,
    /// User's domain from AUTHENTICATE.
    pub domainname: String,
    /// Server NetBIOS computer name (CHALLENGE target info).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_nb_computer_name: Option<String>,
    /// Server DNS computer name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_dns_computer_name: Option<String>,
    /// Server DNS tree (forest) name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_tree_name: Option<String>,
    /// Client version from AUTHENTICATE (`10.0.19041`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_version: Option<String>,
    /// Server version from CHALLENGE.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_version: Option<String>,
    /// Session setup answer status 0, when the answer was seen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub success: Option<bool>,
    /// NT status of the answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u32>,
}
