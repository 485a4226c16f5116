// SPDX-License-Identifier: Apache-2.0
//! Siemens S7comm (S7-300/400, S7-1200 in PUT/GET mode) and S7comm-plus
//! recognition, over ISO-on-TCP on port 102.
//!
//! # References
//! - RFC 1006 §6 (TPKT: version 3, reserved 0, 16-bit length).
//! - ISO 8073 / X.224 §13 (COTP TPDUs: CR 0xE0, CC 0xD0, DR 0x80, DC 0xC0,
//!   DT 0xF0 with the EOT bit, ER 0x70; CR/CC parameters 0xC0 TPDU size,
//!   0xC1 calling TSAP, 0xC2 called TSAP).
//! - S7comm has no public specification; field layouts follow Wireshark's
//!   `packet-s7comm.c` and `packet-s7comm_plus.c` (T. Wiens) as mirrored by
//!   CISA ICSNPP-S7comm (`kb/protocols/s7comm_codes.csv` cites the commit).
//!
//! # What is decoded
//! - TPKT framing with resynchronisation, COTP CR/CC (TSAPs → connection
//!   type PG/OP/S7 basic, rack and slot), DT reassembly up to EOT, DR/DC/ER.
//! - S7comm header (ROSCTR job / ack / ack-data / userdata, PDU reference,
//!   error class and code); jobs: Setup Communication, Read/Write Var (S7ANY
//!   items: area, DB, byte.bit, transport size, count), Request Download,
//!   Download Block, Download Ended, Start Upload, Upload, End Upload (block
//!   file name `_0A00001P`, session id, block length), PI Service (`_INSE`,
//!   `_DELE`, `P_PROGRAM`, `_MODU`, `_GARB`, `_N_*`), PLC Stop.
//! - Userdata: type, function group, subfunction; Read SZL id/index; SZL
//!   0x0011 and 0x001C responses → [`plantguard_model::IdentityFact`];
//!   security (password requests are flagged, never logged).
//! - S7comm-plus: version, opcode, function code, sequence number; a
//!   best-effort order-number scan of the CreateObject response.
//! - MMS / ICCP over the same COTP (ISO session SPDUs after DT) are refused
//!   by [`probe`] and abandoned by the session, so another parser can take them.
//!
//! # Not decoded yet
//! Write Var data values, NCK / DBREAD item syntaxes, userdata payloads
//! other than SZL (alarms, block lists, clock values), SZL responses split
//! over several userdata fragments beyond the first fragment, S7comm-plus
//! attribute values and integrity digests (V3 with TLS is counted, opaque).
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
#[allow(missing_docs)]
pub mod subfunction_gen;
#[allow(missing_docs)]
pub mod szl_gen;
pub mod wire;

#[cfg(test)]
mod tests;

pub use session::{Decoded, S7Session};

use crate::api::{Direction, Probe, ProtocolInfo, Session, Transport};
use codes::CotpType;
use wire::{parse_cotp, parse_tpkt_header, Cotp, FrameError, TPKT_HEADER_LEN};

/// Protocol name for classic S7comm operations, anomalies and `s7comm.log`.
pub const PROTO: &str = "s7comm";
/// Protocol name for S7comm-plus operations and anomalies.
pub const PROTO_PLUS: &str = "s7comm_plus";

/// Registration of S7comm (and S7comm-plus) on TCP 102.
pub static INFO: ProtocolInfo = ProtocolInfo {
    name: PROTO,
    transport: Transport::Tcp,
    ports: &[102],
    probe,
    new_session,
};

fn new_session() -> Box<dyn Session> {
    Box::new(S7Session::new())
}

/// Strict probe: a TPKT header (version 3, reserved 0, length ≥ 7), a COTP
/// TPDU that fits, and then either a CR/CC whose TSAPs are Siemens S7
/// TSAPs, or a DT whose payload starts an S7comm (0x32, known ROSCTR) or
/// S7comm-plus (0x72, known version) PDU. A CR/CC with other TSAPs (MMS,
/// ICCP) asks for more bytes: the first DT decides.
pub fn probe(_dir: Direction, input: &[u8]) -> Probe {
    let mut rest = input;
    // At most two TPKT packets are looked at: a CR/CC, then the first DT.
    for _ in 0..2 {
        let len = match parse_tpkt_header(rest) {
            Ok(len) => len,
            Err(FrameError::Truncated(_)) => return Probe::NeedMore,
            Err(_) => return Probe::NoMatch,
        };
        let (Some(&li), Some(&code)) = (rest.get(4), rest.get(5)) else {
            return Probe::NeedMore;
        };
        if li < 2 || usize::from(li).saturating_add(5) > len {
            return Probe::NoMatch;
        }
        match CotpType::from_u8(code >> 4) {
            CotpType::ConnectionRequest | CotpType::ConnectionConfirm => {
                let Some(frame) = rest.get(TPKT_HEADER_LEN..len) else {
                    return Probe::NeedMore;
                };
                let Ok(Cotp::Connect(_, c)) = parse_cotp(frame) else {
                    return Probe::NoMatch;
                };
                let s7 = c.called_tsap.is_some_and(wire::is_s7_tsap)
                    || c.calling_tsap.is_some_and(wire::is_s7_tsap);
                if s7 {
                    return Probe::Match;
                }
                rest = rest.get(len..).unwrap_or_default();
                if rest.is_empty() {
                    return Probe::NeedMore;
                }
            }
            CotpType::Data => {
                let start = usize::from(li).saturating_add(5);
                let Some(payload) = rest.get(start..len.min(rest.len())) else {
                    return Probe::NeedMore;
                };
                return match (payload.first(), payload.get(1)) {
                    (None, _) | (Some(0x32 | 0x72), None) => {
                        if rest.len() >= len {
                            Probe::NoMatch
                        } else {
                            Probe::NeedMore
                        }
                    }
                    (Some(0x32), Some(1 | 2 | 3 | 7)) => Probe::Match,
                    (Some(0x72), Some(1 | 2 | 3 | 0xFE)) => Probe::Match,
                    _ => Probe::NoMatch,
                };
            }
            _ => return Probe::NoMatch,
        }
    }
    Probe::NoMatch
}
