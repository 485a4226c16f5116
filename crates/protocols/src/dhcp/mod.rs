// SPDX-License-Identifier: Apache-2.0
//! DHCP (UDP 67/68) and DHCPv6 (UDP 546/547).
//!
//! References:
//! - RFC 2131 §2 Figure 1 (BOOTP/DHCP message), §3 (magic cookie).
//! - RFC 2132 §3.3-§3.17 and §9 (options 1, 3, 6, 12, 15, 50-56, 60, 61),
//!   §9.3 (option overload into `file`/`sname`); RFC 4702 §2 (client FQDN,
//!   option 81); RFC 3396 (split options: only the first part is kept).
//! - RFC 8415 §8, §21 (DHCPv6 options 1, 6, 16) and RFC 4704 (option 39).
//! - Zeek `base/protocols/dhcp/main.zeek` for the `dhcp.log` field names.
//!
//! Host facts. The client of a DISCOVER/REQUEST usually has no address
//! yet, so facts about it are bound to `0.0.0.0` by IP. To let analysis
//! bind them to the right host, every BOOTREQUEST also carries
//! `Attribute { key: "dhcp_client_mac", value: "aa:bb:cc:dd:ee:ff" }`
//! (and the engine records the frame's MAC with each fact), and every ACK
//! reports about its receiving side `dhcp_client_mac`, `dhcp_assigned_ip`
//! and `dhcp_lease` = `"<mac> <ip>"`, which joins MAC and address in one
//! value even when the ACK was broadcast.
//!
//! - BOOTREQUEST, about the sender: option 12 → `Name { source: "dhcp" }`,
//!   option 81 → `Name { source: "dhcp" }`, option 60 → `Attribute
//!   dhcp_vendor_class` (`MSFT 5.0`), option 55 → `Attribute
//!   dhcp_fingerprint` (`1,3,6,15,31,33`), option 50 → `dhcp_requested_ip`.
//! - BOOTREPLY, about the server: option 54 → `dhcp_server_identifier`,
//!   option 3 → `dhcp_router`, option 6 → `dhcp_dns_servers`, option 15 →
//!   `Domain { source: "dhcp" }`.
//! - DHCPv6 client messages: option 39 → `Name { source: "dhcpv6" }`,
//!   option 16 → `dhcpv6_vendor_class` (`311:MSFT 5.0`), option 6 →
//!   `dhcpv6_fingerprint`, option 1 → `dhcpv6_duid`.
//!
//! Records: one `dhcp.log` / `dhcpv6.log` line per message (see
//! [`record`] for why messages are not joined). No operations.
//!
//! Not decoded yet: relay agent information (option 82) sub-options,
//! classless static routes (121), DHCPv6 relay messages' inner message,
//! RFC 3396 concatenation of split options.
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

pub use record::{DhcpRecord, Dhcpv6Record};
pub use session::{DhcpSession, Dhcpv6Session};
pub use wire::{parse_message, parse_message_v6, DhcpError, Message, MessageV6, Options};

use crate::api::{Direction, Probe, ProtocolInfo, Transport};

/// Protocol and log name (`dhcp.log`).
pub const NAME: &str = "dhcp";
/// DHCPv6 protocol and log name (`dhcpv6.log`).
pub const NAME_V6: &str = "dhcpv6";

/// DHCPv4 registry entry.
pub static INFO: ProtocolInfo = ProtocolInfo {
    name: NAME,
    transport: Transport::Udp,
    ports: &[67, 68],
    probe,
    new_session: || Box::new(DhcpSession),
};

/// DHCPv6 registry entry.
pub static V6_INFO: ProtocolInfo = ProtocolInfo {
    name: NAME_V6,
    transport: Transport::Udp,
    ports: &[546, 547],
    probe: probe_v6,
    new_session: || Box::new(Dhcpv6Session),
};

/// Strict probe: op 1 or 2, a hardware address length of at most 16 and
/// the magic cookie.
pub fn probe(_dir: Direction, input: &[u8]) -> Probe {
    match wire::parse_message(input) {
        Ok(m) if m.hlen <= 16 => Probe::Match,
        _ => Probe::NoMatch,
    }
}

/// Strict probe: a client/server message type (1-11) whose options all fit
/// and that carries a client or server identifier.
pub fn probe_v6(_dir: Direction, input: &[u8]) -> Probe {
    match wire::parse_message_v6(input) {
        Ok(m) if (1..=11).contains(&m.msg_type) && !m.truncated && input.len() > 4 => Probe::Match,
        _ => Probe::NoMatch,
    }
}
