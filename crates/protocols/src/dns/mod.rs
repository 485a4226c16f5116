// SPDX-License-Identifier: Apache-2.0
//! DNS, LLMNR and mDNS: one wire format, three registrations.
//!
//! References:
//! - RFC 1035 §4.1 (message format), §4.1.4 (compression), §4.2.2 (TCP
//!   length prefix); RFC 4343 §2.1 (escaping in names).
//! - RFC 4795 (LLMNR, UDP 5355), RFC 6762 (mDNS, UDP 5353: top bit of
//!   QCLASS/CLASS is the unicast-response / cache-flush flag) and RFC 6763
//!   (DNS-SD service names `_ipp._tcp.local`).
//! - Zeek `base/protocols/dns/main.zeek` for the `dns.log` field names.
//!
//! What comes out:
//! - Every query: a `Lookup { source: "dns" | "llmnr" | "mdns" }` host fact
//!   about the sender for each question name (an OT host resolving internet
//!   names is a convergence fact; analysis decides).
//! - DNS responses: each PTR answer becomes an `Attribute { key:
//!   "dns_ptr_answer", value: "<reverse name> <host name>" }` about the
//!   answering side. A PTR answer names a third address, so it is not a
//!   `Name` of either end of the flow; analysis binds it to the address.
//! - LLMNR and mDNS responses: owner names of A/AAAA records (and mDNS SRV
//!   targets) become `Name` facts about the responder; mDNS service types
//!   (`_http._tcp`, `_ipp._tcp`, `_workstation._tcp`) become `Attribute {
//!   key: "mdns_service" }`.
//! - `dns.log` records (Zeek names), one per query/response pair; queries
//!   left unanswered are logged at [`Session::finish`](crate::api::Session::finish)
//!   or when more than [`MAX_PENDING`] wait (anomaly `too_many_pending_queries`).
//!   Responses without a query in the flow (multicast answers) are logged alone.
//!
//! No [`Operation`](plantguard_model::Operation) is reported: name
//! resolution does nothing to the plant.
//!
//! Compression pointers are followed at most [`wire::MAX_POINTERS`] times
//! per name, so pointer loops end in a `malformed_*` anomaly.
//!
//! Not decoded yet: EDNS extended rcodes (the OPT record is skipped), DNSSEC
//! and SVCB RDATA (logged as `<TYPE>`), zone transfers beyond their first
//! message, DNS over TLS/HTTPS.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

pub mod codes;
pub mod record;
pub mod session;
pub mod wire;

#[cfg(test)]
pub(crate) mod tests;

pub use record::DnsRecord;
pub use session::{is_plausible, DnsSession, Flavour, Framing, MAX_PENDING};
pub use wire::{parse_header, DnsError, Header};

use crate::api::{Direction, Probe, ProtocolInfo, Transport};

/// DNS over UDP (registry entry; log `dns.log`).
pub static INFO: ProtocolInfo = ProtocolInfo {
    name: "dns",
    transport: Transport::Udp,
    ports: &[53],
    probe: probe_udp,
    new_session: || Box::new(DnsSession::new(Flavour::Dns, Framing::Datagram)),
};

/// DNS over TCP (same name, length-prefixed messages).
pub static TCP_INFO: ProtocolInfo = ProtocolInfo {
    name: "dns",
    transport: Transport::Tcp,
    ports: &[53],
    probe: probe_tcp,
    new_session: || Box::new(DnsSession::new(Flavour::Dns, Framing::Stream)),
};

/// LLMNR (UDP 5355).
pub static LLMNR_INFO: ProtocolInfo = ProtocolInfo {
    name: "llmnr",
    transport: Transport::Udp,
    ports: &[5355],
    probe: probe_llmnr,
    new_session: || Box::new(DnsSession::new(Flavour::Llmnr, Framing::Datagram)),
};

/// mDNS (UDP 5353).
pub static MDNS_INFO: ProtocolInfo = ProtocolInfo {
    name: "mdns",
    transport: Transport::Udp,
    ports: &[5353],
    probe: probe_mdns,
    new_session: || Box::new(DnsSession::new(Flavour::Mdns, Framing::Datagram)),
};

fn verdict(ok: bool) -> Probe {
    if ok {
        Probe::Match
    } else {
        Probe::NoMatch
    }
}

/// Strict probe of one DNS datagram (see [`is_plausible`]).
pub fn probe_udp(_dir: Direction, input: &[u8]) -> Probe {
    verdict(is_plausible(input, Flavour::Dns))
}

/// Strict probe of one LLMNR datagram.
pub fn probe_llmnr(_dir: Direction, input: &[u8]) -> Probe {
    verdict(is_plausible(input, Flavour::Llmnr))
}

/// Strict probe of one mDNS datagram.
pub fn probe_mdns(_dir: Direction, input: &[u8]) -> Probe {
    verdict(is_plausible(input, Flavour::Mdns))
}

/// Strict probe of the first bytes of a DNS-over-TCP direction: a length of
/// at least 12, a plausible header, and (when the whole message is there)
/// every question and record decoding.
pub fn probe_tcp(_dir: Direction, input: &[u8]) -> Probe {
    let (Some(len), Some(msg)) = (wire::be16(input, 0), input.get(2..)) else {
        return Probe::NeedMore;
    };
    let len = usize::from(len);
    if len < 12 {
        return Probe::NoMatch;
    }
    match msg.get(..len) {
        Some(m) => verdict(is_plausible(m, Flavour::Dns)),
        None => match wire::parse_header(msg) {
            Err(_) => Probe::NeedMore,
            Ok(h) if !matches!(h.opcode(), 0 | 1 | 2 | 4 | 5) || h.qdcount > 32 => Probe::NoMatch,
            Ok(_) => Probe::NeedMore,
        },
    }
}
