// SPDX-License-Identifier: Apache-2.0
//! Beckhoff ADS/AMS over TCP 48898 (Beckhoff InfoSys "ADS specification":
//! AMS/TCP header, AMS header, ADS commands 1-9, ADS states) and the ADS
//! UDP discovery on 48899 (magic 0x71146603, tags: 5 host name, 3 version).
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use super::tail::{le16, le32, text, FrameLen, Message, RecognisedBy, Spec};
use crate::api::{Direction, ObservationSink, Probe};
use plantguard_model::{IdentityFact, ModeChange, Operation};

/// ADS/AMS over TCP.
pub static TCP: Spec = Spec {
    name: "ads",
    recognised_by: RecognisedBy::Signature,
    frame,
    handle,
};

/// ADS discovery over UDP 48899.
pub static DISCOVERY: Spec = Spec {
    name: "ads_discovery",
    recognised_by: RecognisedBy::Signature,
    frame: |b| FrameLen::Len(b.len()),
    handle: handle_discovery,
};

const AMS_HEADER: usize = 32;

fn frame(b: &[u8]) -> FrameLen {
    if b.len() < 6 {
        return FrameLen::NeedMore(6);
    }
    if le16(b, 0) != Some(0) {
        return FrameLen::Bad;
    }
    match le32(b, 2) {
        Some(n) if (32..=0x10_0000).contains(&n) => {
            FrameLen::Len(usize::try_from(n).unwrap_or(usize::MAX).saturating_add(6))
        }
        _ => FrameLen::Bad,
    }
}

/// ADS command name.
pub const fn command_name(c: u16) -> &'static str {
    match c {
        1 => "read_device_info",
        2 => "read",
        3 => "write",
        4 => "read_state",
        5 => "write_control",
        6 => "add_device_notification",
        7 => "delete_device_notification",
        8 => "device_notification",
        9 => "read_write",
        _ => "unknown",
    }
}

fn netid(b: &[u8]) -> String {
    b.iter().map(u8::to_string).collect::<Vec<_>>().join(".")
}

fn handle(_: &mut u32, dir: Direction, b: &[u8], out: &mut dyn ObservationSink) -> Option<Message> {
    let ams = b.get(6..)?;
    let cmd = le16(ams, 16)?;
    let flags = le16(ams, 18)?;
    let invoke = le32(ams, 28)?;
    let data = ams.get(AMS_HEADER..).unwrap_or_default();
    let is_response = flags & 0x0001 != 0;
    let mut msg = Message {
        is_response: Some(is_response),
        command_code: Some(u32::from(cmd)),
        command: Some(command_name(cmd)),
        transaction_id: Some(invoke),
        ..Message::default()
    };
    if is_response {
        msg.status_code = le32(ams, 24);
        if cmd == 1 && le32(data, 0) == Some(0) {
            let name = data.get(8..24).map(text).filter(|s| !s.is_empty());
            let version = match (data.get(4), data.get(5), le16(data, 6)) {
                (Some(a), Some(b2), Some(c)) => Some(format!("{a}.{b2}.{c}")),
                _ => None,
            };
            msg.detail.clone_from(&name);
            let mut fact = IdentityFact {
                protocol: "ads".into(),
                vendor: Some("Beckhoff".into()),
                product: name.map(Into::into),
                firmware: version.map(Into::into),
                ..IdentityFact::default()
            };
            if let Some(src) = ams.get(8..14) {
                fact.extra.push(("ams_net_id".into(), netid(src).into()));
            }
            out.identity(dir.sender(), fact);
        }
        return Some(msg);
    }
    msg.operation = Some(match cmd {
        1 => Operation::IdentityQuery,
        2 | 6 | 9 => Operation::Read,
        3 => Operation::Write,
        4 => Operation::Diagnostics,
        5 => match le16(data, 0) {
            Some(5) => Operation::ModeChange(ModeChange::Start),
            Some(6) => Operation::ModeChange(ModeChange::Stop),
            Some(2 | 15 | 16) => Operation::ModeChange(ModeChange::Restart),
            _ => Operation::Write,
        },
        _ => Operation::Other,
    });
    Some(msg)
}

/// ADS probe: AMS/TCP reserved 0, AMS length = 32 + ADS data length, the
/// ADS-command state flag, a command id of 0..=9.
pub fn probe(_dir: Direction, b: &[u8]) -> Probe {
    if b.len() < 38 {
        return if b.iter().take(2).any(|&x| x != 0) {
            Probe::NoMatch
        } else {
            Probe::NeedMore
        };
    }
    let (Some(0), Some(len), Some(cmd), Some(flags), Some(dlen)) = (
        le16(b, 0),
        le32(b, 2),
        le16(b, 22),
        le16(b, 24),
        le32(b, 26),
    ) else {
        return Probe::NoMatch;
    };
    if len >= 32 && dlen.checked_add(32) == Some(len) && flags & 0x0004 != 0 && cmd <= 9 {
        Probe::Match
    } else {
        Probe::NoMatch
    }
}

const DISCOVERY_MAGIC: [u8; 4] = [0x03, 0x66, 0x14, 0x71];

fn handle_discovery(
    _: &mut u32,
    dir: Direction,
    b: &[u8],
    out: &mut dyn ObservationSink,
) -> Option<Message> {
    if b.get(..4)? != DISCOVERY_MAGIC {
        return None;
    }
    let service = le32(b, 8)?;
    let is_response = service & 0x8000_0000 != 0;
    let mut msg = Message {
        is_response: Some(is_response),
        command_code: Some(service & 0x7FFF_FFFF),
        command: Some(match service & 0x7FFF_FFFF {
            1 => "discovery",
            6 => "add_route",
            _ => "unknown",
        }),
        transaction_id: le32(b, 4),
        ..Message::default()
    };
    if !is_response {
        msg.operation = Some(match service {
            1 => Operation::IdentityQuery,
            6 => Operation::Write,
            _ => Operation::Other,
        });
        return Some(msg);
    }
    if service & 0x7FFF_FFFF == 1 {
        let count = le32(b, 20)?;
        let mut at = 24usize;
        let mut fact = IdentityFact {
            protocol: "ads".into(),
            vendor: Some("Beckhoff".into()),
            ..IdentityFact::default()
        };
        if let Some(n) = b.get(12..18) {
            fact.extra.push(("ams_net_id".into(), netid(n).into()));
        }
        for _ in 0..count.min(32) {
            let (Some(ty), Some(len)) = (le16(b, at), le16(b, at.saturating_add(2))) else {
                break;
            };
            let start = at.saturating_add(4);
            let end = start.saturating_add(usize::from(len));
            let Some(v) = b.get(start..end) else { break };
            match ty {
                5 => fact.name = Some(text(v)).filter(|s| !s.is_empty()).map(Into::into),
                3 => {
                    if let (Some(a), Some(c), Some(d)) = (v.first(), v.get(1), le16(v, 2)) {
                        fact.firmware = Some(format!("{a}.{c}.{d}").into());
                    }
                }
                _ => {}
            }
            at = end;
        }
        msg.detail = fact.name.as_deref().map(str::to_owned);
        out.identity(dir.sender(), fact);
    }
    Some(msg)
}

/// ADS discovery probe: magic 0x71146603.
pub fn probe_discovery(_dir: Direction, b: &[u8]) -> Probe {
    match b.get(..4) {
        Some(m) if m == DISCOVERY_MAGIC && b.len() >= 12 => Probe::Match,
        _ => Probe::NoMatch,
    }
}
