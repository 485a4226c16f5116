// SPDX-License-Identifier: Apache-2.0
//! SMB 1, 2 and 3 over TCP 445 (direct) and 139 (NetBIOS session service).
//!
//! References:
//! - RFC 1002 §4.3 (session service packets); [MS-SMB2] §2.1 (direct TCP
//!   framing with a 24-bit length).
//! - [MS-CIFS] §2.2.3.1 (SMB1 header), §2.2.4.52 (NEGOTIATE), §2.2.4.53
//!   (SESSION_SETUP_ANDX, non-extended), §2.2.4.55 (TREE_CONNECT_ANDX);
//!   [MS-SMB] §2.2.4.5-§2.2.4.7 (extended security forms).
//! - [MS-SMB2] §2.2.1 (header), §2.2.3/§2.2.4 (NEGOTIATE), §2.2.5/§2.2.6
//!   (SESSION_SETUP), §2.2.9/§2.2.10 (TREE_CONNECT), §2.2.41 (transform).
//! - [MS-NLMP] §2.2.1.1-§2.2.1.3 (NTLMSSP messages), §2.2.2.1 (AV_PAIR),
//!   §2.2.2.10 (VERSION); RFC 4178 (SPNEGO wrapper, not walked: see
//!   [`ntlmssp`]).
//! - Zeek `base/protocols/smb` (`smb_mapping.log`) and
//!   `base/protocols/ntlm` (`ntlm.log`) for field names.
//!
//! What comes out:
//! - Operations: session setup and tree connect requests →
//!   `Operation::Session`; write requests (SMB1 WRITE, WRITE_ANDX,
//!   WRITE_RAW; SMB2 WRITE) → `Operation::FileTransfer`.
//! - Host facts: negotiate requests → `Attribute smb_client_dialects`
//!   (`NT LM 0.12,SMB 2.002,SMB 2.???` or `SMB 2.0.2,SMB 3.1.1`) about the
//!   client; the answer → `Attribute smb_dialect` about the server, and
//!   `Attribute smb1_in_use = true` about both ends when an SMB1 dialect is
//!   chosen or any SMB1 command other than NEGOTIATE is seen. NTLMSSP
//!   NEGOTIATE/AUTHENTICATE → client `Os { source: "smb_ntlmssp", version:
//!   "6.1.7601" }`, workstation `Name`, user's `Domain`, `Attribute
//!   smb_user`; CHALLENGE → server `Os`, NetBIOS/DNS computer `Name`s and
//!   domain/tree `Domain`s. SMB1 session setup Native OS / Native LAN
//!   Manager → `Os { source: "smb_native_os" }` / `Software { role:
//!   "smb_client" | "smb_server" }`. Tree connects to administrative shares
//!   (`ADMIN$`, `C$`) → `Attribute smb_admin_share` about the server and
//!   anomaly `admin_share_access`. Session requests on 139 → the called
//!   (server) and calling (client) NetBIOS names. SMB 3 encryption →
//!   `Attribute smb_encryption`.
//! - Records: `smb_mapping.log` per tree connect, `ntlm.log` per NTLM
//!   authentication (with `success` from the session setup answer);
//!   requests without an answer are logged at
//!   [`Session::finish`](crate::api::Session::finish) or when more than
//!   [`MAX_PENDING`] wait (anomaly `too_many_pending_requests`).
//!
//! PDUs over [`MAX_BUFFERED`] bytes (file data of large reads and writes)
//! are not buffered: their first [`DECODED_PREFIX`] bytes are decoded and
//! the rest skipped as it arrives (anomaly `large_pdu_skipped`). After a
//! gap the session resynchronises on the next session message header
//! followed by an SMB protocol id.
//!
//! Not decoded yet: Kerberos in SPNEGO (only NTLMSSP), file names of
//! CREATE / NT_CREATE_ANDX, DCE/RPC over named pipes, SMB1 LANMAN
//! (pre-NT LM 0.12) session setup forms, encrypted (transform) and
//! compressed SMB 3 payloads.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

pub mod codes;
pub mod ntlmssp;
pub mod os;
pub mod record;
pub mod session;
pub mod wire;

#[cfg(test)]
mod tests;

pub use record::{NtlmRecord, SmbMappingRecord};
pub use session::{SmbSession, DECODED_PREFIX, MAX_BUFFERED, MAX_PENDING};
pub use wire::{
    parse_nbss, parse_smb1_header, parse_smb2_header, Smb1Header, Smb2Header, SmbError,
};

use crate::api::{Direction, Probe, ProtocolInfo, Transport};

/// Protocol name.
pub const NAME: &str = "smb";

/// Registry entry.
pub static INFO: ProtocolInfo = ProtocolInfo {
    name: NAME,
    transport: Transport::Tcp,
    ports: &[445, 139],
    probe,
    new_session: || Box::new(SmbSession::new()),
};

/// Strict probe: a session message whose payload starts with an SMB
/// protocol id and is long enough for its header, or a session request
/// whose called name decodes. Keep-alives alone need more bytes.
pub fn probe(_dir: Direction, input: &[u8]) -> Probe {
    let Some((t, len)) = wire::parse_nbss(input) else {
        return Probe::NeedMore;
    };
    match t {
        nbss::SESSION_MESSAGE => {
            let Some(id) = input.get(4..8) else {
                return Probe::NeedMore;
            };
            match wire::version(id) {
                Some(SmbVersion::Smb1) if len >= 35 => Probe::Match,
                Some(SmbVersion::Smb2) if len >= 64 => Probe::Match,
                Some(SmbVersion::Transform | SmbVersion::Compressed) if len >= 16 => Probe::Match,
                _ => Probe::NoMatch,
            }
        }
        nbss::SESSION_REQUEST => {
            let Some(p) = input.get(4..) else {
                return Probe::NeedMore;
            };
            if p.len() < 34 {
                return Probe::NeedMore;
            }
            if len >= 68 && crate::netbios::wire::name_at(p, 0).is_ok() {
                Probe::Match
            } else {
                Probe::NoMatch
            }
        }
        nbss::KEEP_ALIVE if len == 0 => {
            if input.len() > 4 {
                probe(Direction::ToServer, input.get(4..).unwrap_or(&[]))
            } else {
                Probe::NeedMore
            }
        }
        nbss::POSITIVE_RESPONSE if len == 0 => Probe::Match,
        _ => Probe::NoMatch,
    }
}

use wire::{nbss_type as nbss, SmbVersion};
