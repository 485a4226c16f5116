// SPDX-License-Identifier: Apache-2.0
//! Modbus/TCP.
//!
//! References:
//! - Modbus Messaging on TCP/IP Implementation Guide V1.0b, §3.1.3 (MBAP header).
//! - MODBUS Application Protocol Specification V1.1b3: §5 (function codes),
//!   §6.1-§6.21 (PDUs of functions 1-8, 11, 12, 15-17, 20-24, 43), §7 (exceptions),
//!   §6.21 Table "Device identification categories" (MEI 0x0E objects).
//! - Schneider UMAS (function 0x5A): no public specification; sub-function
//!   names come from `kb/protocols/modbus_umas_functions.csv` (see its source column).
//!
//! Transport: TCP port 502. Each request produces one [`Operation`](plantguard_model::Operation)
//! ([`semantics`]), responses pair with requests by transaction id and unit
//! id, Read Device Identification responses produce an
//! [`IdentityFact`](plantguard_model::IdentityFact) ([`identity`]), and each
//! transaction produces one `modbus.log` record ([`record`]).
//!
//! Not decoded yet: register and coil values (only their counts are
//! logged), Report Server ID contents (vendor-specific), file record data,
//! CANopen (MEI 0x0D) payloads, UMAS payloads beyond the sub-function and
//! response status, Modbus RTU over TCP (no MBAP).
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
pub mod session;
mod umas_gen;
pub mod wire;

#[cfg(test)]
mod tests;

pub use codes::{ExceptionCode, FunctionCode};
pub use record::ModbusRecord;
pub use session::{ModbusSession, PendingRequest, MAX_PENDING};
pub use umas_gen::umas_function_name;
pub use wire::{parse_frame, Frame, FrameError, MbapHeader, PduFields};

use crate::api::{Direction, Probe, ProtocolInfo, Session, Transport};

/// Protocol name, also the log name (`modbus.log`).
pub const NAME: &str = "modbus";

/// Registry entry.
pub static INFO: ProtocolInfo = ProtocolInfo {
    name: NAME,
    transport: Transport::Tcp,
    ports: &[502],
    probe,
    new_session,
};

fn new_session() -> Box<dyn Session> {
    Box::new(ModbusSession::new())
}

/// Strict probe: protocol id 0, MBAP length 2..=254, a plausible function
/// code whose PDU length matches the function, and (when more bytes follow
/// the first frame) another valid MBAP header behind it.
pub fn probe(dir: Direction, input: &[u8]) -> Probe {
    // Protocol id must be 0 as soon as its bytes are present.
    if let Some(&[p0, p1]) = input.get(2..4) {
        if p0 != 0 || p1 != 0 {
            return Probe::NoMatch;
        }
    }
    let header = match wire::parse_mbap(input) {
        Ok(h) => h,
        Err(_) => return Probe::NeedMore,
    };
    if !header.is_valid() {
        return Probe::NoMatch;
    }
    let frame = match wire::parse_frame(input) {
        Ok((frame, _)) => frame,
        Err(FrameError::Truncated { .. }) => {
            return match input.get(wire::MBAP_LEN) {
                Some(&f) if !FunctionCode::is_plausible(f & 0x7F) => Probe::NoMatch,
                _ => Probe::NeedMore,
            };
        }
        Err(_) => return Probe::NoMatch,
    };
    if !wire::pdu_is_plausible(dir == Direction::ToServer, &frame) {
        return Probe::NoMatch;
    }
    let after = input.get(header.frame_len()..).unwrap_or_default();
    if after.len() >= wire::MBAP_LEN {
        match wire::parse_mbap(after) {
            Ok(next) if next.is_valid() => {}
            _ => return Probe::NoMatch,
        }
    }
    Probe::Match
}
