// SPDX-License-Identifier: Apache-2.0
//! HART-IP (TCP/UDP 5094; FieldComm Group HCF_SPEC-085 §10: 8-byte header
//! with version, message type, message id, status, sequence number, byte
//! count) carrying HART PDUs (HCF_SPEC-081 §5: delimiter, address, command,
//! byte count). Command 0 (Read Unique Identifier) responses carry the
//! device identity (HCF_SPEC-127 §6.1).
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use super::tail::{be16, FrameLen, Message, RecognisedBy, Spec};
use crate::api::{Direction, ObservationSink, Probe};
use plantguard_model::{IdentityFact, ModeChange, Operation};

/// HART-IP spec (TCP and UDP).
pub static SPEC: Spec = Spec {
    name: "hart_ip",
    recognised_by: RecognisedBy::Signature,
    frame,
    handle,
};

fn frame(b: &[u8]) -> FrameLen {
    if b.len() < 8 {
        return FrameLen::NeedMore(8);
    }
    match (b.first(), be16(b, 6)) {
        (Some(1 | 2), Some(n)) if n >= 8 => FrameLen::Len(usize::from(n)),
        _ => FrameLen::Bad,
    }
}

/// HART-IP message id name.
pub const fn message_name(id: u8) -> &'static str {
    match id {
        0 => "session_initiate",
        1 => "session_close",
        2 => "keep_alive",
        3 => "token_passing_pdu",
        4 => "direct_pdu",
        128 => "read_audit_log",
        _ => "unknown",
    }
}

/// Operation of a HART command (universal and common-practice commands).
pub const fn command_operation(cmd: u8) -> Operation {
    match cmd {
        0 | 11 | 21 => Operation::IdentityQuery,
        1..=3 | 7..=9 | 12..=16 | 20 | 33 | 48 | 50 | 54 => Operation::Read,
        42 => Operation::ModeChange(ModeChange::Restart),
        6 | 17..=19 | 22 | 34..=38 | 40 | 41 | 43..=47 | 49 | 51..=53 | 55..=59 => Operation::Write,
        _ => Operation::Other,
    }
}

/// (command, response data) of a HART PDU.
fn hart_pdu(body: &[u8]) -> Option<(u8, &[u8])> {
    let d = *body.first()?;
    let addr = if d & 0x80 != 0 { 5usize } else { 1 };
    let exp = usize::from((d >> 5) & 0x03);
    let at = 1usize.checked_add(addr)?.checked_add(exp)?;
    let cmd = *body.get(at)?;
    let count = usize::from(*body.get(at.checked_add(1)?)?);
    let start = at.checked_add(2)?;
    let data = body
        .get(start..start.checked_add(count)?)
        .unwrap_or_default();
    Some((cmd, data))
}

fn handle(_: &mut u32, dir: Direction, b: &[u8], out: &mut dyn ObservationSink) -> Option<Message> {
    let ty = *b.get(1)?;
    let id = *b.get(2)?;
    let seq = be16(b, 4)?;
    let is_request = ty == 0;
    let mut msg = Message {
        is_response: Some(!is_request),
        command_code: Some(u32::from(id)),
        command: Some(message_name(id)),
        status_code: (!is_request)
            .then(|| b.get(3).copied().map(u32::from))
            .flatten(),
        transaction_id: Some(u32::from(seq)),
        ..Message::default()
    };
    let pdu = if matches!(id, 3 | 4) {
        b.get(8..).and_then(hart_pdu)
    } else {
        None
    };
    if is_request {
        msg.operation = Some(match (id, pdu) {
            (0 | 1, _) => Operation::Session,
            (3 | 4, Some((cmd, _))) => command_operation(cmd),
            (128, _) => Operation::Diagnostics,
            _ => Operation::Other,
        });
    }
    if let Some((cmd, data)) = pdu {
        msg.detail = Some(format!("hart_command={cmd}"));
        // Response data: response code, device status, then command 0 fields.
        if !is_request && cmd == 0 && data.get(2) == Some(&254) {
            let d = data.get(2..).unwrap_or_default();
            let mut fact = IdentityFact {
                protocol: "hart_ip".into(),
                ..IdentityFact::default()
            };
            if let Some(t) = be16(d, 1) {
                fact.device_type = Some(format!("{t:#06x}").into());
            }
            // HART 7 manufacturer id; HART 5/6 keep it in the device type's high byte.
            let universal = d.get(4).copied();
            fact.vendor_id = match universal {
                Some(7..) => be16(d, 17).map(u32::from),
                _ => d.get(1).copied().map(u32::from),
            };
            fact.firmware = d.get(6).map(|v| v.to_string().into());
            if let Some(id) = d.get(9..12) {
                fact.serial = Some(id.iter().map(|x| format!("{x:02x}")).collect());
            }
            if let Some(u) = universal {
                fact.extra
                    .push(("hart_universal_revision".into(), u.to_string().into()));
            }
            if let Some(r) = d.get(5) {
                fact.extra
                    .push(("device_revision".into(), r.to_string().into()));
            }
            out.identity(dir.sender(), fact);
        }
    }
    Some(msg)
}

/// True when `b` starts with a plausible HART-IP header: version 1 or 2,
/// a defined message type and id, status 0 in requests, and a byte count
/// fitting the message id (13 for session initiate, 8 for close and
/// keep-alive, more for PDUs).
fn header_ok(b: &[u8]) -> bool {
    let (Some(&ver), Some(&ty), Some(&id), Some(&status), Some(n)) =
        (b.first(), b.get(1), b.get(2), b.get(3), be16(b, 6))
    else {
        return false;
    };
    let count_ok = match id {
        0 => n == 13,
        1 | 2 => n == 8,
        3 | 4 => (11..=1024).contains(&n),
        128 => n >= 8,
        _ => false,
    };
    matches!(ver, 1 | 2) && matches!(ty, 0 | 1 | 2 | 3 | 15) && (ty != 0 || status == 0) && count_ok
}

/// HART-IP probe: a plausible header whose byte count covers the input
/// exactly, or is followed by another plausible header.
pub fn probe(_dir: Direction, b: &[u8]) -> Probe {
    if b.len() < 8 {
        return match b.first() {
            Some(1 | 2) | None => Probe::NeedMore,
            _ => Probe::NoMatch,
        };
    }
    if !header_ok(b) {
        return Probe::NoMatch;
    }
    let n = usize::from(be16(b, 6).unwrap_or(0));
    match b.get(n..) {
        Some([]) => Probe::Match,
        Some(next) if next.len() >= 8 => {
            if header_ok(next) {
                Probe::Match
            } else {
                Probe::NoMatch
            }
        }
        Some(_) => Probe::Match,
        None => Probe::NeedMore,
    }
}
