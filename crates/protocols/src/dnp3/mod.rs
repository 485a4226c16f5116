// SPDX-License-Identifier: Apache-2.0
//! DNP3 (IEEE 1815) over TCP and UDP.
//!
//! References (IEEE 1815-2012):
//! - §9.2 link layer: frame format (Figure 9-2), control octet (DIR, PRM,
//!   FCB/FCV, function), 16-octet data blocks each followed by a CRC-16/DNP
//!   (§9.2.4.2, polynomial 0x3D65).
//! - §8.2 transport function: FIR/FIN/sequence octet, segments of one
//!   application fragment.
//! - §4.2.2 application header (control: FIR/FIN/CON/UNS/SEQ; function
//!   codes Table 4-1, 4-2; internal indications §4.2.2.6), object headers
//!   (§4.2.2.7; qualifier prefix and range codes Tables 4-4, 4-5).
//! - Annex A object library: sizes of the common groups ([`objects::object_size`])
//!   and names (`kb/protocols/dnp3_objects.csv`, generated).
//!
//! Transport: TCP or UDP port 20000. Link frames are checked for their CRCs
//! (a bad CRC raises `link_header_crc_error` / `link_data_crc_error` and
//! parsing goes on), transport segments are reassembled per direction up
//! to [`session::MAX_FRAGMENT`] octets, object headers are iterated lazily
//! and each request produces one [`Operation`](plantguard_model::Operation)
//! ([`semantics`]). The DIR bit gives the master and outstation roles:
//! `dnp3_role` and `dnp3_address` host facts about each side, and an
//! identity fact for the outstation (plus group-0 device attributes when a
//! response carries them). Logs: `dnp3.log`, `dnp3_objects.log`,
//! `dnp3_control.log` ([`record`]).
//!
//! Not decoded yet: point values other than control blocks (only headers,
//! counts and ranges are logged), secure-authentication (g120) contents,
//! file contents (g70), link-layer confirmations and retries (link
//! functions other than user data are only used for roles), several
//! outstations multiplexed on one TCP connection with interleaved
//! transport segments.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

pub mod codes;
mod function_gen;
pub mod identity;
mod object_gen;
pub mod objects;
pub mod record;
pub mod semantics;
pub mod session;
pub mod wire;

#[cfg(test)]
mod tests;

pub use codes::{object_name, FunctionCode};
pub use function_gen::function_name;
pub use objects::{ObjectError, ObjectHeader, ObjectHeaders, ObjectSize, Range};
pub use record::{Dnp3ControlRecord, Dnp3ObjectRecord, Dnp3Record};
pub use session::{Dnp3Session, FragmentSummary, PendingRequest, MAX_FRAGMENT, MAX_PENDING};
pub use wire::{
    crc, parse_link_frame, parse_link_frame_data, parse_link_frame_into, parse_link_header,
    LinkError, LinkFrame, LinkFrameInfo, LinkHeader,
};

use crate::api::{Direction, Probe, ProtocolInfo, Session, Transport};

/// Protocol name, also the log name (`dnp3.log`).
pub const NAME: &str = "dnp3";

/// Registry entry.
pub static INFO: ProtocolInfo = ProtocolInfo {
    name: NAME,
    transport: Transport::Both,
    ports: &[20000],
    probe,
    new_session,
};

fn new_session() -> Box<dyn Session> {
    Box::new(Dnp3Session::new())
}

/// Strict probe: start octets 0x05 0x64, LENGTH of at least 5 and a link
/// header CRC that matches. The CRC alone makes a false match on other
/// protocols about 1 in 65,536 after the start octets already matched.
pub fn probe(_dir: Direction, input: &[u8]) -> Probe {
    match parse_link_header(input) {
        Ok(h) if h.crc_ok => Probe::Match,
        Ok(_) => Probe::NoMatch,
        Err(LinkError::Truncated { .. }) => Probe::NeedMore,
        Err(_) => Probe::NoMatch,
    }
}
