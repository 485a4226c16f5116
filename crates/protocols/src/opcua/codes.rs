// SPDX-License-Identifier: Apache-2.0
//! OPC UA code sets: message types, chunk types, security policies and
//! modes, user identity token types. Service type ids are generated from
//! `kb/protocols/opcua_services.csv` ([`super::service_gen`], [`super::type_name_gen`]).
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

/// UA TCP / UA Secure Conversation message type (Part 6 §7.1.2.2, Table 50).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageType {
    /// `HEL` Hello
    Hello,
    /// `ACK` Acknowledge
    Acknowledge,
    /// `ERR` Error
    Error,
    /// `RHE` ReverseHello
    ReverseHello,
    /// `OPN` OpenSecureChannel
    Open,
    /// `CLO` CloseSecureChannel
    Close,
    /// `MSG` Message
    Message,
}

impl MessageType {
    /// From the three ASCII bytes.
    pub fn from_bytes(b: &[u8]) -> Option<Self> {
        Some(match b {
            b"HEL" => Self::Hello,
            b"ACK" => Self::Acknowledge,
            b"ERR" => Self::Error,
            b"RHE" => Self::ReverseHello,
            b"OPN" => Self::Open,
            b"CLO" => Self::Close,
            b"MSG" => Self::Message,
            _ => return None,
        })
    }
    /// The three-letter code (ICSNPP `msg_type`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Hello => "HEL",
            Self::Acknowledge => "ACK",
            Self::Error => "ERR",
            Self::ReverseHello => "RHE",
            Self::Open => "OPN",
            Self::Close => "CLO",
            Self::Message => "MSG",
        }
    }
    /// True for secure-conversation messages (they carry a secure channel id).
    pub const fn is_secure(self) -> bool {
        matches!(self, Self::Open | Self::Close | Self::Message)
    }
}

/// Chunk type byte: `F` final, `C` intermediate, `A` abort.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChunkType {
    /// `F` final chunk
    Final,
    /// `C` intermediate chunk
    Intermediate,
    /// `A` abort
    Abort,
}

impl ChunkType {
    /// From the byte.
    pub const fn from_u8(b: u8) -> Option<Self> {
        match b {
            b'F' => Some(Self::Final),
            b'C' => Some(Self::Intermediate),
            b'A' => Some(Self::Abort),
            _ => None,
        }
    }
}

/// Security policy, from its URI (`kb/protocols/opcua_security.csv`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecurityPolicy {
    /// `#None`
    None,
    /// `#Basic128Rsa15` (deprecated)
    Basic128Rsa15,
    /// `#Basic256` (deprecated)
    Basic256,
    /// `#Basic256Sha256`
    Basic256Sha256,
    /// `#Aes128_Sha256_RsaOaep`
    Aes128Sha256RsaOaep,
    /// `#Aes256_Sha256_RsaPss`
    Aes256Sha256RsaPss,
    /// Any other URI (ECC policies, vendor policies).
    Other,
}

impl SecurityPolicy {
    /// Recognises a policy URI.
    pub fn from_uri(uri: &[u8]) -> Self {
        let Some(frag) = uri.strip_prefix(b"http://opcfoundation.org/UA/SecurityPolicy#") else {
            return Self::Other;
        };
        match frag {
            b"None" => Self::None,
            b"Basic128Rsa15" => Self::Basic128Rsa15,
            b"Basic256" => Self::Basic256,
            b"Basic256Sha256" => Self::Basic256Sha256,
            b"Aes128_Sha256_RsaOaep" => Self::Aes128Sha256RsaOaep,
            b"Aes256_Sha256_RsaPss" => Self::Aes256Sha256RsaPss,
            _ => Self::Other,
        }
    }
    /// Short name (the URI fragment).
    pub const fn name(self) -> &'static str {
        match self {
            Self::None => "None",
            Self::Basic128Rsa15 => "Basic128Rsa15",
            Self::Basic256 => "Basic256",
            Self::Basic256Sha256 => "Basic256Sha256",
            Self::Aes128Sha256RsaOaep => "Aes128_Sha256_RsaOaep",
            Self::Aes256Sha256RsaPss => "Aes256_Sha256_RsaPss",
            Self::Other => "other",
        }
    }
}

/// MessageSecurityMode name (Part 4 §7.20).
pub const fn security_mode_name(mode: u32) -> &'static str {
    match mode {
        0 => "invalid",
        1 => "none",
        2 => "sign",
        3 => "sign_and_encrypt",
        _ => "unknown",
    }
}

/// User identity token kind from the ExtensionObject type id (binary encoding ids).
pub const fn identity_token_name(type_id: u32) -> &'static str {
    match type_id {
        321 => "anonymous",
        324 => "username",
        327 => "certificate",
        940 => "issued",
        _ => "unknown",
    }
}

/// OpenSecureChannel request type (Part 4 §5.5.2.2).
pub const fn request_type_name(t: u32) -> &'static str {
    match t {
        0 => "issue",
        1 => "renew",
        _ => "unknown",
    }
}

/// Name of a few common status codes (Part 6 A.2 / StatusCode.csv); others are `unknown`.
pub const fn status_code_name(code: u32) -> &'static str {
    match code {
        0x0000_0000 => "good",
        0x8001_0000 => "bad_unexpected_error",
        0x8002_0000 => "bad_internal_error",
        0x800A_0000 => "bad_timeout",
        0x800B_0000 => "bad_service_unsupported",
        0x800D_0000 => "bad_server_not_connected",
        0x8010_0000 => "bad_nothing_to_do",
        0x8013_0000 => "bad_certificate_invalid",
        0x801F_0000 => "bad_user_access_denied",
        0x8020_0000 => "bad_identity_token_invalid",
        0x8021_0000 => "bad_identity_token_rejected",
        0x8022_0000 => "bad_secure_channel_id_invalid",
        0x8025_0000 => "bad_session_id_invalid",
        0x8026_0000 => "bad_session_closed",
        0x8027_0000 => "bad_session_not_activated",
        0x8034_0000 => "bad_node_id_unknown",
        0x8035_0000 => "bad_attribute_id_invalid",
        0x803B_0000 => "bad_not_writable",
        0x8073_0000 => "bad_not_supported",
        0x8078_0000 => "bad_no_subscription",
        0x807F_0000 => "bad_too_many_publish_requests",
        0x8086_0000 => "bad_tcp_endpoint_url_invalid",
        0x8089_0000 => "bad_security_checks_failed",
        0x80BE_0000 => "bad_connection_rejected",
        0x80AF_0000 => "bad_invalid_state",
        _ => "unknown",
    }
}
