// SPDX-License-Identifier: Apache-2.0
//! PROFINET: DCP and RT over Ethernet (EtherType 0x8892), PN-IO context
//! management over DCE/RPC (UDP 34964).
//!
//! References:
//! - IEC 61158-6-10:2014 §4.3 (DCP: services Get/Set/Identify/Hello,
//!   option/suboption blocks, BlockInfo / BlockQualifier), Table "FrameID"
//!   (RT class 1/2/3, alarms, DCP, PTCP ranges), §4.10 (PN-IO CM:
//!   interface UUIDs, operations Connect/Release/Read/Write/Control).
//! - PROFINET IO Specification PNO-2.712 (DCP option/suboption names).
//! - DCE 1.1 RPC (Open Group C706) §12.5 connectionless PDU header.
//!
//! DCP: requests produce operations (Identify → identity query, Get → read,
//! Set → write, Hello → other); Identify/Get responses and Hello produce an
//! [`IdentityFact`](plantguard_model::IdentityFact) about the frame sender
//! (station name, vendor/device id, role, IP suite); every DCP frame gets a
//! `profinet_dcp.log` record naming what it carries (a Set names the
//! station name / IP / factory reset it writes). RT cyclic frames are only
//! counted (see [`frame`]); alarms raise an anomaly. PN-IO CM datagrams pair
//! request and response into `profinet_io_cm.log`.
//!
//! Not decoded yet: PN-IO CM block contents (AR/IOCR blocks of Connect,
//! record indices of Read/Write), RT payload data, PTCP, DCP DHCP options,
//! multi-fragment CM reassembly (only fragment 0 counts).
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

pub mod cm;
pub mod dcp;
pub mod frame;
pub mod record;

#[cfg(test)]
mod tests;

pub use cm::{CmSession, CM_NAME};
pub use frame::{parse, summarize_dcp, DCP_NAME, RT_NAME};

use crate::api::{Direction, L2ProtocolInfo, Probe, ProtocolInfo, Session, Transport};

/// PROFINET EtherType.
pub const ETHERTYPE: u16 = 0x8892;

/// Layer-2 registry entry (DCP, RT, alarms).
pub static L2_INFO: L2ProtocolInfo = L2ProtocolInfo {
    name: "profinet",
    ethertypes: &[ETHERTYPE],
    parse,
};

/// PN-IO CM registry entry.
pub static CM_INFO: ProtocolInfo = ProtocolInfo {
    name: CM_NAME,
    transport: Transport::Udp,
    ports: &[34964],
    probe: probe_cm,
    new_session: new_cm_session,
};

fn new_cm_session() -> Box<dyn Session> {
    Box::new(CmSession::new())
}

/// Strict probe: DCE/RPC connectionless version 4, a defined packet type,
/// header plus body length equal to the datagram, and a PROFINET or
/// endpoint-mapper interface UUID.
pub fn probe_cm(_dir: Direction, input: &[u8]) -> Probe {
    if input.first().is_some_and(|&v| v != 4) {
        return Probe::NoMatch;
    }
    let Ok(h) = cm::parse_header(input) else {
        return Probe::NeedMore;
    };
    let len_ok = cm::HEADER_LEN.checked_add(usize::from(h.body_len)) == Some(input.len());
    if h.packet_type > 10 || !len_ok || cm::interface_name(&h.interface_uuid).is_none() {
        return Probe::NoMatch;
    }
    Probe::Match
}
