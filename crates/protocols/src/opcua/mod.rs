// SPDX-License-Identifier: Apache-2.0
//! OPC UA binary (UA TCP + UA Secure Conversation) on TCP 4840 / 4843.
//!
//! # References
//! - OPC 10000-6 (Part 6) v1.04: §7.1 UA TCP (message header, Hello,
//!   Acknowledge, Error, ReverseHello), §6.7 UA Secure Conversation
//!   (asymmetric and symmetric security headers, sequence header,
//!   chunks F/C/A), §5.2 binary encoding of built-in types (NodeId
//!   §5.2.2.9, ExtensionObject §5.2.2.15, DiagnosticInfo §5.2.2.12).
//! - OPC 10000-4 (Part 4) v1.04: §5 services (OpenSecureChannel §5.5.2,
//!   CreateSession §5.6.2, ActivateSession §5.6.3, Write §5.10.4, Call
//!   §5.11.2, GetEndpoints §5.4.4), §7.28/§7.29 request/response headers,
//!   §7.20 MessageSecurityMode, §7.41 user identity tokens.
//! - Service type ids: NodeIds.csv binary encoding ids, in
//!   `kb/protocols/opcua_services.csv` (generated into `service_gen.rs`).
//!
//! # What is decoded
//! Message header; HEL/ACK (version, buffer sizes, endpoint URL), ERR (code,
//! reason); OPN security policy (short name), sender certificate and
//! receiver thumbprint presence, and with policy None the request type and
//! security mode; symmetric token id, sequence number and request id; the
//! service type id and request handle of readable bodies; CreateSession
//! client application and session name; CreateSession / GetEndpoints
//! endpoints (URL, mode, policy) and server application →
//! [`plantguard_model::IdentityFact`]; ActivateSession identity token kind and
//! plaintext user name (never the password); Write node count and first
//! node; Call first object and method.
//!
//! Bodies of channels with a security policy are readable only in Sign
//! mode; a body is treated as plaintext when the channel's policy is None,
//! or when it starts with the type id of a known service followed by a
//! well-formed request/response header (captures that start after the
//! handshake). Otherwise messages are counted and logged as `encrypted`.
//!
//! # Not decoded yet
//! Service bodies other than those above (Read/Browse node lists, values,
//! subscriptions), intermediate chunks beyond the first, ECC policy names
//! (reported as `other`), OPC UA over HTTPS/WebSockets.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

pub mod codes;
pub mod identity;
pub mod record;
pub mod semantics;
#[allow(missing_docs)]
pub mod service_gen;
pub mod session;
#[allow(missing_docs)]
pub mod type_name_gen;
pub mod wire;

#[cfg(test)]
mod tests;

pub use session::{Decoded, OpcUaSession};

use crate::api::{Direction, Probe, ProtocolInfo, Session, Transport};
use codes::MessageType;
use wire::{parse_header, FrameError, HEADER_LEN};

/// Protocol name for operations, anomalies and `opcua.log`.
pub const PROTO: &str = "opcua";

/// Registration of OPC UA binary.
pub static INFO: ProtocolInfo = ProtocolInfo {
    name: PROTO,
    transport: Transport::Tcp,
    ports: &[4840, 4843],
    probe,
    new_session,
};

fn new_session() -> Box<dyn Session> {
    Box::new(OpcUaSession::new())
}

/// Strict probe: known message type, chunk `F`/`C`/`A`, size 8..=16 MiB;
/// HEL/ACK/ERR are single-chunk (`F`) and HEL/ACK carry protocol version 0;
/// secure messages must be long enough for their headers.
pub fn probe(_dir: Direction, input: &[u8]) -> Probe {
    let h = match parse_header(input) {
        Ok(h) => h,
        Err(FrameError::Truncated(_)) => {
            // Reject early when the bytes present already cannot be a header.
            let prefix_ok = [b"HEL", b"ACK", b"ERR", b"RHE", b"OPN", b"CLO", b"MSG"]
                .iter()
                .any(|t| t.starts_with(input.get(..input.len().min(3)).unwrap_or_default()));
            return if prefix_ok {
                Probe::NeedMore
            } else {
                Probe::NoMatch
            };
        }
        Err(_) => return Probe::NoMatch,
    };
    let size = h.size as usize;
    match h.msg_type {
        MessageType::Hello
        | MessageType::Acknowledge
        | MessageType::ReverseHello
        | MessageType::Error => {
            if h.chunk != codes::ChunkType::Final {
                return Probe::NoMatch;
            }
            let min = if h.msg_type == MessageType::Error {
                16
            } else {
                28
            };
            if size < min {
                return Probe::NoMatch;
            }
            if matches!(h.msg_type, MessageType::Hello | MessageType::Acknowledge) {
                let Some(v) = input.get(HEADER_LEN..HEADER_LEN.saturating_add(4)) else {
                    return Probe::NeedMore;
                };
                if v != [0, 0, 0, 0] {
                    return Probe::NoMatch;
                }
            }
            Probe::Match
        }
        // channel id + (asymmetric header: 3 lengths | token id) + sequence header
        MessageType::Open => {
            if size >= 36 {
                Probe::Match
            } else {
                Probe::NoMatch
            }
        }
        MessageType::Close | MessageType::Message => {
            if size >= 24 {
                Probe::Match
            } else {
                Probe::NoMatch
            }
        }
    }
}
