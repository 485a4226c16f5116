// SPDX-License-Identifier: Apache-2.0
//! OMRON FINS (TCP and UDP 9600). OMRON W227 "FINS Commands Reference
//! Manual" §3 (frame: ICF, RSV, GCT, DNA/DA1/DA2, SNA/SA1/SA2, SID, MRC/SRC,
//! end code) and W421 §7-4 (FINS/TCP header: "FINS", length, command, error
//! code). Controller Data Read (05 01) responses carry the model and
//! version (W227 §5-3-1).
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use super::tail::{be16, be32, text, FrameLen, Message, RecognisedBy, Spec};
use crate::api::{Direction, ObservationSink, Probe};
use plantguard_model::{IdentityFact, ModeChange, Operation};

/// FINS/TCP spec.
pub static TCP: Spec = Spec {
    name: "fins",
    recognised_by: RecognisedBy::Signature,
    frame: frame_tcp,
    handle: handle_tcp,
};

/// FINS/UDP spec.
pub static UDP: Spec = Spec {
    name: "fins",
    recognised_by: RecognisedBy::Signature,
    frame: |b| FrameLen::Len(b.len()),
    handle: handle_udp,
};

const MAGIC: &[u8; 4] = b"FINS";

fn frame_tcp(b: &[u8]) -> FrameLen {
    let Some(m) = b.get(..4) else {
        return FrameLen::NeedMore(8);
    };
    if m != MAGIC {
        return FrameLen::Bad;
    }
    match be32(b, 4) {
        None => FrameLen::NeedMore(8),
        Some(n) if (8..=0x1_0000).contains(&n) => {
            FrameLen::Len(usize::try_from(n).unwrap_or(usize::MAX).saturating_add(8))
        }
        Some(_) => FrameLen::Bad,
    }
}

/// MRC/SRC name (W227 §3-1 command list).
pub const fn command_name(code: u16) -> &'static str {
    match code {
        0x0101 => "memory_area_read",
        0x0102 => "memory_area_write",
        0x0103 => "memory_area_fill",
        0x0104 => "multiple_memory_area_read",
        0x0105 => "memory_area_transfer",
        0x0201 => "parameter_area_read",
        0x0202 => "parameter_area_write",
        0x0203 => "parameter_area_clear",
        0x0306 => "program_area_read",
        0x0307 => "program_area_write",
        0x0308 => "program_area_clear",
        0x0401 => "run",
        0x0402 => "stop",
        0x0501 => "controller_data_read",
        0x0502 => "connection_data_read",
        0x0601 => "controller_status_read",
        0x0620 => "cycle_time_read",
        0x0701 => "clock_read",
        0x0702 => "clock_write",
        0x0920 => "message_read_clear",
        0x0C01 => "access_right_acquire",
        0x0C02 => "access_right_forced_acquire",
        0x0C03 => "access_right_release",
        0x2101 => "error_clear",
        0x2102 => "error_log_read",
        0x2103 => "error_log_clear",
        0x2201..=0x2215 => "file_memory",
        0x2301 => "forced_set_reset",
        0x2302 => "forced_set_reset_cancel",
        _ => "unknown",
    }
}

/// Operation of a FINS command.
pub const fn operation_of(code: u16) -> Operation {
    match code {
        0x0101 | 0x0104 | 0x0201 | 0x0502 | 0x0701 | 0x2102 => Operation::Read,
        0x0102 | 0x0103 | 0x0105 | 0x0202 | 0x0203 | 0x0702 | 0x2301 | 0x2302 => Operation::Write,
        0x0306 => Operation::ProgramUpload,
        0x0307 | 0x0308 => Operation::ProgramDownload,
        0x0401 => Operation::ModeChange(ModeChange::Start),
        0x0402 => Operation::ModeChange(ModeChange::Stop),
        0x0501 => Operation::IdentityQuery,
        0x0601 | 0x0620 | 0x2101 | 0x2103 | 0x0920 => Operation::Diagnostics,
        0x0C01..=0x0C03 => Operation::Session,
        0x2201..=0x2215 => Operation::FileTransfer,
        _ => Operation::Other,
    }
}

/// Decodes a FINS frame (ICF .. parameters).
pub fn handle_frame(
    last: &mut u32,
    dir: Direction,
    f: &[u8],
    out: &mut dyn ObservationSink,
) -> Option<Message> {
    let icf = *f.first()?;
    let sid = *f.get(9)?;
    let code = be16(f, 10)?;
    let is_response = icf & 0x40 != 0;
    let mut msg = Message {
        is_response: Some(is_response),
        command_code: Some(u32::from(code)),
        command: Some(command_name(code)),
        transaction_id: Some(u32::from(sid)),
        ..Message::default()
    };
    if is_response {
        msg.status_code = be16(f, 12).map(u32::from);
        if code == 0x0501 && msg.status_code == Some(0) {
            let model = f.get(14..34).map(text).filter(|s| !s.is_empty());
            let version = f.get(34..54).map(text).filter(|s| !s.is_empty());
            if model.is_some() {
                msg.detail.clone_from(&model);
                out.identity(
                    dir.sender(),
                    IdentityFact {
                        protocol: "fins".into(),
                        vendor: Some("OMRON".into()),
                        model: model.map(Into::into),
                        firmware: version.map(Into::into),
                        ..IdentityFact::default()
                    },
                );
            }
        }
    } else {
        *last = u32::from(code);
        msg.operation = Some(operation_of(code));
    }
    Some(msg)
}

/// FINS/TCP command name (W421 §7-4).
const fn tcp_command_name(c: u32) -> &'static str {
    match c {
        0 => "node_address_data_send_client",
        1 => "node_address_data_send_server",
        2 => "frame_send",
        3 => "frame_send_error",
        6 => "connection_confirmation",
        _ => "unknown",
    }
}

fn handle_tcp(
    last: &mut u32,
    dir: Direction,
    b: &[u8],
    out: &mut dyn ObservationSink,
) -> Option<Message> {
    let cmd = be32(b, 8)?;
    if cmd == 2 {
        return handle_frame(last, dir, b.get(16..)?, out);
    }
    Some(Message {
        is_response: Some(cmd == 1),
        command_code: Some(cmd),
        command: Some(tcp_command_name(cmd)),
        status_code: be32(b, 12),
        operation: (cmd == 0).then_some(Operation::Session),
        ..Message::default()
    })
}

fn handle_udp(
    last: &mut u32,
    dir: Direction,
    b: &[u8],
    out: &mut dyn ObservationSink,
) -> Option<Message> {
    handle_frame(last, dir, b, out)
}

/// FINS/TCP probe: "FINS" magic, a length of at least 8, a defined command.
pub fn probe_tcp(_dir: Direction, b: &[u8]) -> Probe {
    match b.get(..4) {
        None => {
            if MAGIC.starts_with(b) {
                Probe::NeedMore
            } else {
                Probe::NoMatch
            }
        }
        Some(m) if m != MAGIC => Probe::NoMatch,
        Some(_) => match (be32(b, 4), be32(b, 8)) {
            (Some(n), Some(c)) if (8..=0x1_0000).contains(&n) && matches!(c, 0..=3 | 6) => {
                Probe::Match
            }
            (Some(_), Some(_)) => Probe::NoMatch,
            _ => Probe::NeedMore,
        },
    }
}

/// FINS/UDP probe: ICF with the gateway bit and reserved bits clear, RSV 0,
/// GCT below 8, and a command code from the W227 list.
pub fn probe_udp(_dir: Direction, b: &[u8]) -> Probe {
    let (Some(&icf), Some(&rsv), Some(&gct), Some(code)) =
        (b.first(), b.get(1), b.get(2), be16(b, 10))
    else {
        return Probe::NoMatch;
    };
    if icf & 0x80 != 0 && icf & 0x3E == 0 && rsv == 0 && gct < 8 && command_name(code) != "unknown"
    {
        Probe::Match
    } else {
        Probe::NoMatch
    }
}
