// SPDX-License-Identifier: Apache-2.0
//! EtherNet/IP and CIP.
//!
//! References:
//! - ODVA, The CIP Networks Library Vol 2 (EtherNet/IP Adaptation of CIP):
//!   §2-3 encapsulation header and commands (Tables 2-3.1, 2-3.2, 2-3.3),
//!   §2-4 ListIdentity / ListServices / ListInterfaces, Table 2-4.4 CIP
//!   Identity item, §2-6 Common Packet Format (Table 2-6.3 item ids).
//! - ODVA, The CIP Networks Library Vol 1 (Common Industrial Protocol):
//!   §2-4 Message Router request/response format, Appendix A (services,
//!   Multiple Service Packet § ), Appendix B (general status), Appendix C
//!   (EPATH segments), §3-5.5 (Forward Open / Large Forward Open / Forward
//!   Close), §3-5.6 (Unconnected Send).
//! - Rockwell 1756-PM020 (Logix 5000 Data Access): Read Tag 0x4C, Write Tag
//!   0x4D, Read Modify Write 0x4E, Read / Write Tag Fragmented 0x52 / 0x53 on
//!   ANSI extended symbolic (0x91) paths.
//!
//! Transports: TCP 44818 and UDP 44818 (encapsulation), UDP 2222 (implicit
//! I/O: sequenced address item 0x8002 + connected data item, counted per
//! connection id and summarised in `cip_io.log` by [`EnipSession::flush`]).
//!
//! Service codes 0x4B-0x63 are object-specific: 0x52 is Unconnected Send on
//! the Connection Manager (class 0x06) but Read Tag Fragmented on a symbolic
//! path, and 0x4E is Forward Close vs Read Modify Write Tag. The request
//! path decides ([`codes::service_name`], [`semantics::cip_operation`]).
//!
//! Not decoded yet: PCCC (0x4B) payloads, tag values and data types,
//! ListServices / ListInterfaces reply items, sockaddr items, CIP Security,
//! pairing of Multiple Service Packet embedded replies with their embedded
//! requests (the outer packet is paired), connected-message pairing across
//! several connections using the same sequence count, the path of
//! CIP-routed responses that fail before reaching the target.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

mod class_gen;
pub mod codes;
mod device_type_gen;
pub mod identity;
pub mod record;
pub mod semantics;
pub mod session;
mod vendor_gen;
pub mod wire;

#[cfg(test)]
mod tests;

pub use class_gen::cip_class_name;
pub use codes::Command;
pub use device_type_gen::cip_device_type_name;
pub use session::{EnipSession, IoCounter, PairKey, PendingCip, MAX_PENDING};
pub use vendor_gen::cip_vendor_name;

use crate::api::{Direction, Probe, ProtocolInfo, Session, Transport};
use wire::{parse_encap_header, ENCAP_HEADER_LEN};

/// Protocol name, also the log name (`enip.log`).
pub const NAME: &str = "enip";

/// Registry entry.
pub static INFO: ProtocolInfo = ProtocolInfo {
    name: NAME,
    transport: Transport::Both,
    ports: &[44818, 2222],
    probe,
    new_session,
};

fn new_session() -> Box<dyn Session> {
    Box::new(EnipSession::new())
}

/// True for an implicit I/O datagram whose CPF items cover it exactly.
fn is_io_datagram(input: &[u8]) -> bool {
    let Some(items) = wire::cpf_items(input) else {
        return false;
    };
    if !(2..=4).contains(&items.announced()) {
        return false;
    }
    let used: usize = items
        .clone()
        .map(|(_, d)| d.len().saturating_add(4))
        .fold(2usize, usize::saturating_add);
    used == input.len() && wire::parse_io(input).is_some()
}

/// Strict probe: a known command, options 0, status 0 in requests, a length
/// consistent with the available bytes and with the command (RegisterSession
/// = 4 bytes with protocol version 1, List* requests empty, SendRRData /
/// SendUnitData with a CPF item list that fits), or an implicit I/O datagram.
pub fn probe(dir: Direction, input: &[u8]) -> Probe {
    if is_io_datagram(input) {
        return Probe::Match;
    }
    let Ok(h) = parse_encap_header(input) else {
        // Reject early when the command bytes are already wrong.
        return match input.get(..2) {
            Some(&[lo, hi])
                if matches!(
                    Command::from_u16(u16::from_le_bytes([lo, hi])),
                    Command::Unknown(_)
                ) =>
            {
                Probe::NoMatch
            }
            _ => Probe::NeedMore,
        };
    };
    let command = Command::from_u16(h.command);
    if matches!(command, Command::Unknown(_)) || h.options != 0 {
        return Probe::NoMatch;
    }
    if dir == Direction::ToServer && h.status != 0 && command != Command::ListIdentity {
        return Probe::NoMatch;
    }
    let total = ENCAP_HEADER_LEN.saturating_add(usize::from(h.length));
    let Some(data) = input.get(ENCAP_HEADER_LEN..total) else {
        return Probe::NeedMore;
    };
    let ok = match command {
        Command::RegisterSession => h.length == 4 && data.get(..2) == Some(&[1, 0][..]),
        Command::UnRegisterSession => h.length == 0,
        Command::ListServices | Command::ListInterfaces | Command::ListIdentity => {
            h.length == 0
                || wire::cpf_items(data).is_some_and(|i| (1..=16).contains(&i.announced()))
        }
        Command::SendRrData | Command::SendUnitData => {
            wire::send_data_items(data).is_some_and(|items| {
                let n = items.announced();
                (1..=8).contains(&n) && items.count() == usize::from(n)
            })
        }
        Command::Nop | Command::IndicateStatus | Command::Cancel => true,
        Command::Unknown(_) => false,
    };
    if !ok {
        return Probe::NoMatch;
    }
    // Bytes after the first message must start another plausible header.
    let after = input.get(total..).unwrap_or_default();
    if after.len() >= ENCAP_HEADER_LEN {
        match parse_encap_header(after) {
            Ok(next) if session::header_is_plausible(&next) => {}
            _ => return Probe::NoMatch,
        }
    }
    Probe::Match
}
