// SPDX-License-Identifier: Apache-2.0
//! NetBIOS over TCP/IP: name service (UDP 137) and datagram service (UDP
//! 138) with browser announcements. The session service (TCP 139) frames
//! SMB and lives in [`crate::smb`].
//!
//! References:
//! - RFC 1001 §14.1 (first-level name encoding), §17 (datagram service).
//! - RFC 1002 §4.2 (name service packets: §4.2.2 registration, §4.2.12
//!   query, §4.2.18 node status response), §4.4 (datagram packets).
//! - [MS-BRWS] §2.2.1 HostAnnouncement, §2.2.6 LocalMasterAnnouncement,
//!   §2.2.7 DomainAnnouncement; [MS-RAP] §5.5.6.1 (`SV_TYPE_*` bits);
//!   [MS-MAIL] §2.2.1 and [MS-CIFS] §2.2.4.33 (mailslot writes in
//!   SMB_COM_TRANSACTION).
//!
//! What comes out (no operations; `netbios.log` records, one per packet):
//! - Name queries → `Lookup { source: "netbios" }` about the asker.
//! - Registrations / refreshes and node status responses → `Name {
//!   source: "netbios" }` for unique `<00>`/`<20>` names and `Domain` for
//!   workgroup names (see [`session::name_fact`]); node status MAC →
//!   `Attribute netbios_mac`.
//! - Host / local master announcements → `Name`, `Os { name: "Windows
//!   XP", version: "5.1", source: "netbios_browser" }` (from OS major.minor,
//!   [`crate::smb::os::windows_release`]; Samba hosts, which set the Unix
//!   bit, are `Unix (Samba)`), `Attribute netbios_server_type`
//!   (`workstation,server,sql_server,...`), `Attribute netbios_comment`,
//!   and the destination workgroup as `Domain`. Domain announcements →
//!   `Domain` and the master browser's `Name`.
//!
//! Not decoded yet: WINS replication, NetBIOS scope ids (skipped), browser
//! election criteria and backup lists, datagram fragments.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

pub mod record;
pub mod session;
pub mod wire;

#[cfg(test)]
mod tests;

pub use record::NetbiosRecord;
pub use session::{NbdgmSession, NbnsSession};
pub use wire::{
    decode_name, parse_announcement, parse_datagram, parse_mailslot, NetbiosError, NetbiosName,
};

use crate::api::{Direction, Probe, ProtocolInfo, Transport};

/// Log name (`netbios.log`).
pub const NAME: &str = "netbios";
/// Name service protocol name.
pub const NAME_NS: &str = "nbns";
/// Datagram service protocol name.
pub const NAME_DGM: &str = "nbdgm";

/// Name service registry entry.
pub static NS_INFO: ProtocolInfo = ProtocolInfo {
    name: NAME_NS,
    transport: Transport::Udp,
    ports: &[137],
    probe: probe_ns,
    new_session: || Box::new(NbnsSession),
};

/// Datagram service registry entry.
pub static DGM_INFO: ProtocolInfo = ProtocolInfo {
    name: NAME_DGM,
    transport: Transport::Udp,
    ports: &[138],
    probe: probe_dgm,
    new_session: || Box::new(NbdgmSession),
};

/// Strict probe: a name service opcode, at most one question, and the
/// first name (question or record) a valid 32-character encoded name.
pub fn probe_ns(_dir: Direction, input: &[u8]) -> Probe {
    let Ok(h) = crate::dns::wire::parse_header(input) else {
        return Probe::NoMatch;
    };
    let ok_op = matches!(h.opcode(), 0 | 5 | 6 | 7 | 8 | 9 | 15);
    let counts = u32::from(h.qdcount)
        .saturating_add(u32::from(h.ancount))
        .saturating_add(u32::from(h.arcount));
    if !ok_op || h.qdcount > 1 || counts == 0 || counts > 4 {
        return Probe::NoMatch;
    }
    if wire::name_at(input, 12).is_ok() {
        Probe::Match
    } else {
        Probe::NoMatch
    }
}

/// Strict probe: a datagram type 0x10-0x16 whose names decode, for 0x10-0x12.
pub fn probe_dgm(_dir: Direction, input: &[u8]) -> Probe {
    match wire::parse_datagram(input) {
        Ok(_) => Probe::Match,
        Err(_) => Probe::NoMatch,
    }
}
