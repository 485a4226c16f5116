// SPDX-License-Identifier: Apache-2.0
//! Mitsubishi SLMP / MC protocol binary 3E and 4E frames (SLMP Reference
//! Manual SH-080956ENG §5: subheader 0x5000/0xD000 (3E), 0x5400/0xD400
//! (4E); request data length; command and subcommand, §7 command list)
//! and recognition of the MELSOFT engineering protocol (GX Works; subheader
//! 0x57/0xD7 followed by 00 11 11 at offset 4, seen in the corpus; no
//! public specification, so only the direction is reported).
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use super::tail::{le16, text, FrameLen, Message, RecognisedBy, Spec};
use crate::api::{Direction, ObservationSink, Probe};
use plantguard_model::{IdentityFact, ModeChange, Operation};

/// SLMP spec (TCP and UDP).
pub static SLMP: Spec = Spec {
    name: "slmp",
    recognised_by: RecognisedBy::Signature,
    frame,
    handle,
};

/// MELSOFT spec.
pub static MELSOFT: Spec = Spec {
    name: "melsoft",
    recognised_by: RecognisedBy::Signature,
    frame: |b| FrameLen::Len(b.len()),
    handle: handle_melsoft,
};

/// (header length before the data-length field end, is 4E, is response).
fn kind(b: &[u8]) -> Option<(usize, bool)> {
    match (b.first()?, b.get(1)?) {
        (0x50, 0x00) => Some((9, false)),
        (0xD0, 0x00) => Some((9, true)),
        (0x54, 0x00) => Some((13, false)),
        (0xD4, 0x00) => Some((13, true)),
        _ => None,
    }
}

fn frame(b: &[u8]) -> FrameLen {
    if b.len() < 2 {
        return FrameLen::NeedMore(2);
    }
    let Some((hdr, _)) = kind(b) else {
        return FrameLen::Bad;
    };
    match le16(b, hdr.saturating_sub(2)) {
        Some(n) => FrameLen::Len(hdr.saturating_add(usize::from(n))),
        None => FrameLen::NeedMore(hdr),
    }
}

/// SLMP command name (SH-080956ENG §7).
pub const fn command_name(c: u16) -> &'static str {
    match c {
        0x0401 => "device_read",
        0x1401 => "device_write",
        0x0403 => "device_read_random",
        0x1402 => "device_write_random",
        0x0406 => "device_read_block",
        0x1406 => "device_write_block",
        0x0801 => "monitor_register",
        0x0802 => "monitor",
        0x0101 => "read_type_name",
        0x1001 => "remote_run",
        0x1002 => "remote_stop",
        0x1003 => "remote_pause",
        0x1005 => "remote_latch_clear",
        0x1006 => "remote_reset",
        0x1617 => "clear_error",
        0x1630 => "remote_password_unlock",
        0x1631 => "remote_password_lock",
        0x0613 => "memory_read",
        0x1613 => "memory_write",
        0x1800..=0x18FF => "file",
        _ => "unknown",
    }
}

/// Operation of an SLMP command.
pub const fn operation_of(c: u16) -> Operation {
    match c {
        0x0401 | 0x0403 | 0x0406 | 0x0801 | 0x0802 | 0x0613 => Operation::Read,
        0x1401 | 0x1402 | 0x1406 | 0x1613 | 0x1005 => Operation::Write,
        0x0101 => Operation::IdentityQuery,
        0x1001 => Operation::ModeChange(ModeChange::Start),
        0x1002 | 0x1003 => Operation::ModeChange(ModeChange::Stop),
        0x1006 => Operation::ModeChange(ModeChange::Restart),
        0x1617 => Operation::Diagnostics,
        0x1630 | 0x1631 => Operation::Session,
        0x1800..=0x18FF => Operation::FileTransfer,
        _ => Operation::Other,
    }
}

fn handle(
    last: &mut u32,
    dir: Direction,
    b: &[u8],
    out: &mut dyn ObservationSink,
) -> Option<Message> {
    let (hdr, is_response) = kind(b)?;
    let serial = (hdr == 13).then(|| le16(b, 2)).flatten().map(u32::from);
    if is_response {
        let end = le16(b, hdr)?;
        let mut msg = Message {
            is_response: Some(true),
            status_code: Some(u32::from(end)),
            transaction_id: serial,
            ..Message::default()
        };
        if *last == 0x0101 && end == 0 {
            // Read Type Name: model name (16 ASCII) and model code.
            if let Some(model) = b
                .get(hdr.saturating_add(2)..hdr.saturating_add(18))
                .map(text)
            {
                if !model.is_empty() && model.is_ascii() {
                    msg.detail = Some(model.clone());
                    out.identity(
                        dir.sender(),
                        IdentityFact {
                            protocol: "slmp".into(),
                            vendor: Some("Mitsubishi Electric".into()),
                            model: Some(model.into()),
                            ..IdentityFact::default()
                        },
                    );
                }
            }
        }
        return Some(msg);
    }
    let cmd = le16(b, hdr.saturating_add(2))?;
    *last = u32::from(cmd);
    Some(Message {
        is_response: Some(false),
        command_code: Some(u32::from(cmd)),
        command: Some(command_name(cmd)),
        transaction_id: serial,
        operation: Some(operation_of(cmd)),
        ..Message::default()
    })
}

/// SLMP probe: 3E/4E subheader, network/station fields, a data length
/// matching the input (UDP) or at least 2 (TCP), a known command.
pub fn probe(_dir: Direction, b: &[u8]) -> Probe {
    if b.len() < 2 {
        return Probe::NeedMore;
    }
    let Some((hdr, is_response)) = kind(b) else {
        return Probe::NoMatch;
    };
    let Some(n) = le16(b, hdr.saturating_sub(2)) else {
        return Probe::NeedMore;
    };
    let total = hdr.saturating_add(usize::from(n));
    if n < 2 || total > b.len().saturating_add(8192) {
        return Probe::NoMatch;
    }
    if is_response {
        return if total == b.len() {
            Probe::Match
        } else {
            Probe::NoMatch
        };
    }
    match le16(b, hdr.saturating_add(2)) {
        Some(c) if command_name(c) != "unknown" && n >= 6 => Probe::Match,
        Some(_) => Probe::NoMatch,
        None => Probe::NeedMore,
    }
}

fn handle_melsoft(
    _: &mut u32,
    _dir: Direction,
    b: &[u8],
    _out: &mut dyn ObservationSink,
) -> Option<Message> {
    let first = *b.first()?;
    let is_response = first == 0xD7;
    Some(Message {
        is_response: Some(is_response),
        // No public command table: requests count as `other`.
        operation: (!is_response).then_some(Operation::Other),
        ..Message::default()
    })
}

/// MELSOFT probe: 0x57 (request) or 0xD7 (response), then 00 11 11 at offset 4.
pub fn probe_melsoft(_dir: Direction, b: &[u8]) -> Probe {
    match (b.first(), b.get(4..7)) {
        (Some(0x57 | 0xD7), Some(&[0x00, 0x11, 0x11])) => Probe::Match,
        (Some(0x57 | 0xD7), None) => Probe::NeedMore,
        _ => Probe::NoMatch,
    }
}
