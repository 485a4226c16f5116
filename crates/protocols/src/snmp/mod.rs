// SPDX-License-Identifier: Apache-2.0
//! SNMP v1, v2c (and the plaintext parts of v3).
//!
//! References: RFC 1157 §4 (SNMPv1 message and PDUs, Trap-PDU), RFC 3416
//! §3 (SNMPv2 PDUs: GetBulkRequest, InformRequest, SNMPv2-Trap, Report),
//! RFC 1901 (community-based SNMPv2c), RFC 3412 §6 (SNMPv3 message),
//! RFC 3418 (SNMPv2-MIB: sysDescr 1.3.6.1.2.1.1.1, sysObjectID .1.2,
//! sysName .1.5), IANA Private Enterprise Numbers (vendor table below).
//!
//! Transport: UDP 161 (requests) and 162 (traps); each datagram is one
//! message. The probe checks the BER message structure.
//!
//! Requests give operations (get/get-next/get-bulk → read, set → write,
//! traps and informs → other). The community is a cleartext credential:
//! `Credential{service: "snmp", username: "", secret: community}` about
//! the agent, accepted once a response with that community comes back,
//! unknown otherwise (agents stay silent on a wrong community). Responses
//! carrying sysDescr give `Software{role: "snmp_agent"}` (plus an `Os`
//! fact when it names Windows, Linux, Cisco IOS, VxWorks...), sysName a
//! `Name{source: "snmp"}`, sysObjectID an `snmp_sys_object_id` attribute and
//! the vendor of its enterprise number. One `snmp.log` record per flow
//! (Zeek's `version`, `community` — masked, `get_requests`,
//! `get_bulk_requests`, `get_responses`, `set_requests`, `display_string`)
//! written by `Session::finish`.
//!
//! Not decoded: SNMPv3 security parameters (user names) and encrypted
//! scoped PDUs, values other than strings, OIDs and integers, SNMP over TCP.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

pub mod ber;
pub mod session;
pub mod wire;

#[cfg(test)]
mod tests;

pub use session::{SnmpRecord, SnmpSession, MAX_COMMUNITIES, MAX_PENDING};
pub use wire::{parse_message, Message, PduType};

use crate::api::{Direction, Probe, ProtocolInfo, Session, Transport};

/// Protocol name, also the log name (`snmp.log`).
pub const NAME: &str = "snmp";

/// Registry entry.
pub static INFO: ProtocolInfo = ProtocolInfo {
    name: NAME,
    transport: Transport::Udp,
    ports: &[161, 162],
    probe,
    new_session,
};

fn new_session() -> Box<dyn Session> {
    Box::new(SnmpSession::new())
}

/// Strict probe: a BER SEQUENCE spanning the datagram exactly, version 0,
/// 1 or 3, and (v1/v2c) a community followed by a PDU tag 0xA0-0xA8.
pub fn probe(_dir: Direction, input: &[u8]) -> Probe {
    match wire::parse_message(input) {
        Some(m) if m.trailing == 0 => Probe::Match,
        _ => Probe::NoMatch,
    }
}

/// Vendor of an IANA Private Enterprise Number (a small table of vendors
/// common in plants; `None` for others).
pub fn enterprise_vendor(number: u32) -> Option<&'static str> {
    Some(match number {
        9 => "Cisco",
        11 => "Hewlett-Packard",
        43 => "3Com",
        171 => "D-Link",
        232 => "Compaq (HPE)",
        248 => "Hirschmann",
        311 => "Microsoft",
        674 => "Dell",
        1916 => "Extreme Networks",
        2011 => "Huawei",
        2021 => "UC Davis (net-snmp)",
        2636 => "Juniper Networks",
        4329 => "Siemens",
        4526 => "Netgear",
        6876 => "VMware",
        8072 => "net-snmp",
        8691 => "Moxa",
        12356 => "Fortinet",
        14988 => "MikroTik",
        25461 => "Palo Alto Networks",
        41112 => "Ubiquiti",
        _ => return None,
    })
}
