// SPDX-License-Identifier: Apache-2.0
//! Protocols with little or no public documentation, recognised by
//! structure (GE SRTP, CODESYS) or by their well-known port plus a minimal
//! sanity check (Phoenix PCWorx, ProConOS, Red Lion Crimson v3, GE EGD).
//!
//! The probe contract gives a probe the bytes but not the port, so the
//! "port" recognisers still check a few fixed bytes; their records carry
//! `recognised_by: "port"` to say the evidence is weak. Sources: nmap
//! scripts `pcworx-info.nse`, `proconos-info.nse`, `cr3-fingerprint.nse`,
//! `codesys-v2-discover.nse` (Digital Bond Redpoint), Wireshark's GE SRTP
//! and EGD dissectors (header layout only).
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use super::tail::{be16, le16, le32, text, FrameLen, Message, RecognisedBy, Spec};
use crate::api::{Direction, ObservationSink, Probe};
use plantguard_model::{IdentityFact, Operation};

fn whole(b: &[u8]) -> FrameLen {
    FrameLen::Len(b.len())
}

fn basic(dir: Direction, code: Option<u32>) -> Message {
    let is_request = dir == Direction::ToServer;
    Message {
        is_response: Some(!is_request),
        command_code: code,
        operation: is_request.then_some(Operation::Other),
        ..Message::default()
    }
}

// ---- GE SRTP (TCP 18245): 56-byte header, text length (LE) at 4.

/// GE SRTP spec.
pub static SRTP: Spec = Spec {
    name: "ge_srtp",
    recognised_by: RecognisedBy::Signature,
    frame: srtp_frame,
    handle: |_, dir, b, _| Some(basic(dir, b.first().copied().map(u32::from))),
};

fn srtp_frame(b: &[u8]) -> FrameLen {
    if b.len() < 56 {
        return FrameLen::NeedMore(56);
    }
    match (b.first(), le16(b, 4)) {
        (Some(0..=3), Some(n)) => FrameLen::Len(56usize.saturating_add(usize::from(n))),
        _ => FrameLen::Bad,
    }
}

/// GE SRTP probe: message type 0-3, 56-byte header whose text length
/// accounts exactly for the rest of the first message.
pub fn probe_srtp(_dir: Direction, b: &[u8]) -> Probe {
    if b.len() < 56 {
        return match b.first() {
            Some(0..=3) | None => Probe::NeedMore,
            _ => Probe::NoMatch,
        };
    }
    match (b.first(), le16(b, 4)) {
        (Some(1..=3), Some(n)) if 56usize.saturating_add(usize::from(n)) == b.len() => Probe::Match,
        // The connection opens with an all-zero 56-byte message.
        (Some(0), Some(0)) if b.len() == 56 && b.iter().all(|&x| x == 0) => Probe::Match,
        _ => Probe::NoMatch,
    }
}

// ---- CODESYS (TCP 1200/1217/2455): V2 0xBBBB magic, V3 block driver 0x000117E8.

/// CODESYS spec.
pub static CODESYS: Spec = Spec {
    name: "codesys",
    recognised_by: RecognisedBy::Signature,
    frame: codesys_frame,
    handle: |_, dir, b, _| {
        let v3 = b.get(..4) == Some(&V3_MAGIC[..]);
        let mut m = basic(dir, None);
        m.command = Some(if v3 { "v3_block" } else { "v2" });
        Some(m)
    },
};

const V3_MAGIC: [u8; 4] = [0xE8, 0x17, 0x01, 0x00];

fn codesys_frame(b: &[u8]) -> FrameLen {
    match (b.get(..2), b.get(..4)) {
        (_, Some(m)) if m == V3_MAGIC => match le32(b, 4) {
            Some(n) if (8..=0x10_0000).contains(&n) => {
                FrameLen::Len(usize::try_from(n).unwrap_or(usize::MAX))
            }
            Some(_) => FrameLen::Bad,
            None => FrameLen::NeedMore(8),
        },
        (Some(&[0xBB, 0xBB]), _) => FrameLen::Len(b.len()),
        (None, _) => FrameLen::NeedMore(2),
        _ => FrameLen::Bad,
    }
}

/// CODESYS probe: V2 `BB BB` then a small little-endian length, or the V3
/// block-driver magic with a plausible length.
pub fn probe_codesys(_dir: Direction, b: &[u8]) -> Probe {
    if b.len() < 8 {
        return Probe::NeedMore;
    }
    if b.get(..4) == Some(&V3_MAGIC[..]) {
        return match le32(b, 4) {
            Some(n) if (8..=0x10_0000).contains(&n) => Probe::Match,
            _ => Probe::NoMatch,
        };
    }
    match (b.get(..2), le32(b, 2)) {
        (Some(&[0xBB, 0xBB]), Some(n)) if n <= 0x1_0000 => Probe::Match,
        _ => Probe::NoMatch,
    }
}

// ---- Phoenix Contact PCWorx (TCP 1962).

/// PCWorx spec.
pub static PCWORX: Spec = Spec {
    name: "pcworx",
    recognised_by: RecognisedBy::Port,
    frame: pcworx_frame,
    handle: pcworx_handle,
};

fn pcworx_frame(b: &[u8]) -> FrameLen {
    match be16(b, 2) {
        Some(n) if n >= 4 => FrameLen::Len(usize::from(n)),
        Some(_) => FrameLen::Bad,
        None => FrameLen::NeedMore(4),
    }
}

fn pcworx_handle(
    _: &mut u32,
    dir: Direction,
    b: &[u8],
    out: &mut dyn ObservationSink,
) -> Option<Message> {
    let code = *b.get(1)?;
    let mut m = basic(dir, Some(u32::from(code & 0x7F)));
    // Info response layout from nmap pcworx-info.nse: PLC type at 30,
    // firmware version at 66, model number at 152 (NUL-terminated).
    if dir == Direction::ToClient && b.len() > 160 {
        let z = |at: usize| {
            b.get(at..).map(|s| {
                let end = s.iter().position(|&c| c == 0).unwrap_or(s.len()).min(32);
                text(s.get(..end).unwrap_or_default())
            })
        };
        let plc = z(30).filter(|s| !s.is_empty() && s.is_ascii());
        if plc.is_some() {
            m.detail.clone_from(&plc);
            out.identity(
                dir.sender(),
                IdentityFact {
                    protocol: "pcworx".into(),
                    vendor: Some("Phoenix Contact".into()),
                    product: plc.map(Into::into),
                    firmware: z(66)
                        .filter(|s| !s.is_empty() && s.is_ascii())
                        .map(Into::into),
                    model: z(152)
                        .filter(|s| !s.is_empty() && s.is_ascii())
                        .map(Into::into),
                    ..IdentityFact::default()
                },
            );
        }
    }
    Some(m)
}

/// PCWorx probe: the session-open request of `pcworx-info.nse`
/// (`01 01`, a length equal to the message, `78 80` at offset 8) or its
/// answer (`81 01` with a consistent length). MS-SQL TDS packets share the
/// `01 xx len` shape; the fixed bytes tell them apart.
pub fn probe_pcworx(dir: Direction, b: &[u8]) -> Probe {
    let (Some(&b0), Some(&b1), Some(n)) = (b.first(), b.get(1), be16(b, 2)) else {
        return Probe::NeedMore;
    };
    let len_ok = usize::from(n) == b.len() && n >= 8;
    let ok = match (dir, b0, b1) {
        (Direction::ToServer, 0x01, 0x01) => len_ok && b.get(8..10) == Some(&[0x78, 0x80][..]),
        (Direction::ToClient, 0x81, 0x01) => len_ok,
        _ => false,
    };
    if ok {
        Probe::Match
    } else {
        Probe::NoMatch
    }
}

// ---- ProConOS (TCP 20547).

/// ProConOS spec.
pub static PROCONOS: Spec = Spec {
    name: "proconos",
    recognised_by: RecognisedBy::Port,
    frame: whole,
    handle: |_, dir, b, _| Some(basic(dir, b.get(4).copied().map(u32::from))),
};

/// ProConOS probe: 0xCC 0x01 header and a short message.
pub fn probe_proconos(_dir: Direction, b: &[u8]) -> Probe {
    match (b.first(), b.get(1), be16(b, 2)) {
        (Some(0xCC), Some(0x01), Some(n)) if b.len() >= 10 && n <= 0x1000 => Probe::Match,
        (Some(0xCC), None, _) | (Some(0xCC), Some(0x01), None) => Probe::NeedMore,
        _ => Probe::NoMatch,
    }
}

// ---- Red Lion Crimson v3 (TCP 789).

/// Crimson v3 spec.
pub static CRIMSON: Spec = Spec {
    name: "crimson_v3",
    recognised_by: RecognisedBy::Port,
    frame: crimson_frame,
    handle: crimson_handle,
};

fn crimson_frame(b: &[u8]) -> FrameLen {
    match be16(b, 0) {
        Some(n) if n >= 2 => FrameLen::Len(usize::from(n).saturating_add(2)),
        Some(_) => FrameLen::Bad,
        None => FrameLen::NeedMore(2),
    }
}

fn crimson_handle(
    _: &mut u32,
    dir: Direction,
    b: &[u8],
    out: &mut dyn ObservationSink,
) -> Option<Message> {
    let reg = be16(b, 2)?;
    let mut m = basic(dir, Some(u32::from(reg)));
    // cr3-fingerprint.nse: register 0x012a answers the model, 0x012b the manufacturer.
    if dir == Direction::ToClient && matches!(reg, 0x012A | 0x012B) {
        let v = b
            .get(6..)
            .map(text)
            .filter(|s| !s.is_empty() && s.is_ascii());
        if v.is_some() {
            m.detail.clone_from(&v);
            let mut fact = IdentityFact {
                protocol: "crimson_v3".into(),
                ..IdentityFact::default()
            };
            if reg == 0x012A {
                fact.model = v.map(Into::into);
            } else {
                fact.vendor = v.map(Into::into);
            }
            out.identity(dir.sender(), fact);
        }
    }
    Some(m)
}

/// Crimson v3 probe: a 16-bit length prefix matching the message and 0x01
/// as the first byte of the register number.
pub fn probe_crimson(_dir: Direction, b: &[u8]) -> Probe {
    match (be16(b, 0), b.get(2)) {
        (Some(n), Some(0x01))
            if usize::from(n).saturating_add(2) == b.len() && (4..=1024).contains(&n) =>
        {
            Probe::Match
        }
        (Some(_), None) | (None, _) => Probe::NeedMore,
        _ => Probe::NoMatch,
    }
}

// ---- GE Ethernet Global Data (UDP 18246).

/// EGD spec.
pub static EGD: Spec = Spec {
    name: "ge_egd",
    recognised_by: RecognisedBy::Port,
    frame: whole,
    handle: |_, _dir, b, _| {
        Some(Message {
            is_response: Some(false),
            command_code: le32(b, 8),
            command: Some("produce"),
            transaction_id: le16(b, 2).map(u32::from),
            // A producer publishes data spontaneously.
            operation: Some(Operation::Other),
            ..Message::default()
        })
    },
};

/// EGD probe: PDU type 13, version 1, a 32-byte header.
pub fn probe_egd(_dir: Direction, b: &[u8]) -> Probe {
    match (b.first(), b.get(1)) {
        (Some(0x0D), Some(0x01)) if b.len() >= 32 => Probe::Match,
        _ => Probe::NoMatch,
    }
}
