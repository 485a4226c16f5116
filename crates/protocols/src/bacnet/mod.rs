// SPDX-License-Identifier: Apache-2.0
//! BACnet/IP (UDP 47808).
//!
//! References:
//! - ANSI/ASHRAE Standard 135-2016: Annex J.2 (BVLL for BACnet/IP, Table J-1
//!   BVLC functions), Clause 6.2 (NPDU / NPCI, network-layer messages
//!   6.2.4), Clause 20.1 (APDU headers), Clause 20.2 (tag encoding),
//!   Clause 15.5/15.7/15.9/15.10 (Read/WriteProperty(Multiple)), 16.1
//!   (DeviceCommunicationControl), 16.4 (ReinitializeDevice), 16.9
//!   (Who-Has / I-Have), 16.10 (Who-Is / I-Am), Clause 21 (enumerations).
//! - Code tables: `kb/protocols/bacnet_*.csv` (vendor ids from the ASHRAE
//!   registry via ICSNPP, object types and property identifiers from
//!   Wireshark's `packet-bacapp.c`), generated into `*_gen.rs`.
//!
//! Each datagram is one `feed`. Confirmed requests produce one
//! [`Operation`](plantguard_model::Operation) ([`semantics`]) and pair with
//! their Simple/Complex-ACK, Error, Reject or Abort by invoke id; unconfirmed
//! requests (Who-Is, I-Am, ...) produce one operation each. I-Am and
//! ReadProperty-ACKs about device identity properties produce
//! [`IdentityFact`](plantguard_model::IdentityFact)s ([`identity`]).
//! Records go to `bacnet.log` ([`record`]).
//!
//! Not decoded yet: values inside ReadPropertyMultiple-ACKs (so device
//! names read with RPM give no identity), segmented message reassembly
//! (only the first segment's parameters are decoded), BACnet/IPv6 and
//! BACnet/SC, BACnet over Ethernet (802.2 LLC), property values other than
//! the first primitive one, network-layer message parameters.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

pub mod codes;
pub mod identity;
mod object_type_gen;
mod property_gen;
pub mod record;
pub mod semantics;
pub mod session;
mod vendor_gen;
pub mod wire;

#[cfg(test)]
mod tests;

pub use object_type_gen::object_type_name;
pub use property_gen::property_name;
pub use record::BacnetRecord;
pub use session::{BacnetSession, FrameSummary, MAX_PENDING};
pub use vendor_gen::bacnet_vendor_name;
pub use wire::{parse_frame, Frame, FrameError};

use crate::api::{Direction, Probe, ProtocolInfo, Session, Transport};

/// Protocol name, also the log name (`bacnet.log`).
pub const NAME: &str = "bacnet";

/// Registry entry.
pub static INFO: ProtocolInfo = ProtocolInfo {
    name: NAME,
    transport: Transport::Udp,
    ports: &[47808, 47809],
    probe,
    new_session,
};

fn new_session() -> Box<dyn Session> {
    Box::new(BacnetSession::new())
}

/// Strict probe on one datagram: BVLC type 0x81 and a defined function;
/// BVLL-only functions need a BVLC length equal to the datagram length,
/// NPDU-carrying functions need an NPDU of version 1 (and its APDU header)
/// that decodes. A BVLC length that disagrees with an otherwise valid NPDU
/// is accepted (and reported by the session as `bvlc_length_mismatch`):
/// crafted password-guessing traffic in the corpus carries such lengths.
pub fn probe(_dir: Direction, input: &[u8]) -> Probe {
    if input.len() < 4 {
        return if input.first().is_some_and(|&b| b != wire::BVLC_TYPE_BIP) {
            Probe::NoMatch
        } else {
            Probe::NeedMore
        };
    }
    let Ok(bvlc) = wire::parse_bvlc(input) else {
        return Probe::NoMatch;
    };
    if bvlc.function > 0x0B {
        return Probe::NoMatch;
    }
    if wire::carries_npdu(bvlc.function) {
        return match parse_frame(input) {
            Ok(f) if f.npdu.is_some() => Probe::Match,
            _ => Probe::NoMatch,
        };
    }
    if usize::from(bvlc.length) == input.len() {
        Probe::Match
    } else {
        Probe::NoMatch
    }
}
