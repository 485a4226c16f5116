// SPDX-License-Identifier: Apache-2.0
//! IEC 60870-5-104 (telecontrol over TCP).
//!
//! References:
//! - IEC 60870-5-104:2006 §5 (APCI: start 0x68, length, control field in I,
//!   S and U formats; STARTDT/STOPDT/TESTFR), §9 (ASDU field lengths:
//!   2-octet cause of transmission, 2-octet common address, 3-octet IOA).
//! - IEC 60870-5-101:2003 §7.2 (data unit identifier: type identification
//!   Table 8, variable structure qualifier, cause of transmission Table 14),
//!   §7.3 (information elements, for the element sizes in [`codes::element_size`]).
//! - Type and cause names: `kb/protocols/iec104_type_ids.csv` and
//!   `kb/protocols/iec104_cot.csv` (generated tables).
//!
//! Transport: TCP port 2404; the controlling station is the TCP client.
//! Each APDU is framed, its ASDU header decoded and its IOAs listed lazily;
//! commands, system commands and spontaneous data become operations
//! ([`semantics`]), every APDU is one `iec104.log` line ([`record`]), the
//! two ends get `iec104_role` host facts and the controlled station an
//! identity fact with its common address.
//!
//! Not decoded yet: information element values (commands' on/off states,
//! measured values, time tags), file segment contents, non-standard field
//! lengths (1-octet COT or common address as in some 101 gateways), and
//! the k/w window (unacknowledged I frames are not counted).
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

pub mod codes;
mod cot_gen;
pub mod record;
pub mod semantics;
pub mod session;
mod type_id_gen;
pub mod wire;

#[cfg(test)]
mod tests;

pub use codes::{cot_name, element_size, type_class, type_id_name, TypeClass};
pub use record::Iec104Record;
pub use session::Iec104Session;
pub use wire::{parse_apdu, parse_asdu, Apci, Apdu, ApduError, Asdu};

use crate::api::{Direction, Probe, ProtocolInfo, Session, Transport};

/// Protocol name, also the log name (`iec104.log`).
pub const NAME: &str = "iec104";

/// Registry entry.
pub static INFO: ProtocolInfo = ProtocolInfo {
    name: NAME,
    transport: Transport::Tcp,
    ports: &[2404],
    probe,
    new_session,
};

fn new_session() -> Box<dyn Session> {
    Box::new(Iec104Session::new())
}

/// Strict probe: 0x68, a length of 4..=253, a control field consistent
/// with it (S and U frames are exactly 4 octets; U frames one of the six
/// functions; I frames carry a data unit identifier with a known type and a
/// cause of transmission in 1..=47), and, when bytes follow the first APDU,
/// another 0x68 behind it.
pub fn probe(_dir: Direction, input: &[u8]) -> Probe {
    let (apdu, len) = match parse_apdu(input) {
        Ok(x) => x,
        Err(ApduError::Truncated { .. }) => {
            return match input.get(1) {
                Some(&l) if !(4..=wire::MAX_LENGTH).contains(&l) => Probe::NoMatch,
                _ => Probe::NeedMore,
            }
        }
        Err(_) => return Probe::NoMatch,
    };
    if !session::apdu_is_plausible(&apdu) {
        return Probe::NoMatch;
    }
    if let Apci::I { .. } = apdu.apci {
        let Ok(asdu) = parse_asdu(apdu.asdu) else {
            return Probe::NoMatch;
        };
        if type_id_name(asdu.type_id).is_none() || !(1..=47).contains(&asdu.cot) {
            return Probe::NoMatch;
        }
    }
    match input.get(len) {
        Some(&b) if b != wire::START => Probe::NoMatch,
        _ => Probe::Match,
    }
}
