// SPDX-License-Identifier: Apache-2.0
//! Asset facts from S7 SZL responses and S7comm-plus session setup.
//!
//! - SZL 0x0011 (module identification): order number (MLFB), hardware and
//!   firmware versions (index 0x0001 module, 0x0006 basic hardware,
//!   0x0007 basic firmware).
//! - SZL 0x001C (component identification): automation system (PLC) name,
//!   module name, plant identification, copyright, serial number, module
//!   type name, memory card serial, location.
//! - S7comm-plus: a best-effort scan for a Siemens order number (`6ES7 …`)
//!   in the unencrypted CreateObject response of the session setup.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use super::wire::{Cursor, SzlResponse};
use plantguard_model::IdentityFact;

/// Text of a fixed-width SZL string: up to the first NUL, trailing blanks trimmed.
pub fn szl_text(bytes: &[u8]) -> Option<String> {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    let text = String::from_utf8_lossy(bytes.get(..end)?);
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

fn fact(protocol: &'static str) -> IdentityFact {
    IdentityFact {
        protocol: protocol.into(),
        vendor: Some("Siemens".into()),
        ..IdentityFact::default()
    }
}

/// Identity from an SZL response, when its SZL id is 0x0011/0x0111 or
/// 0x001C/0x011C and at least one field was present.
pub fn from_szl(szl: &SzlResponse<'_>) -> Option<IdentityFact> {
    let mut f = fact("s7comm");
    match szl.id & 0x00FF {
        0x11 => {
            for rec in szl.records() {
                let mut c = Cursor::new(rec);
                // Some servers (snap7) send 26-byte records without the last
                // version word: the order number is still there.
                let (Some(index), Some(mlfb)) = (c.u16(), c.take(20)) else {
                    continue;
                };
                let _bgtyp = c.u16();
                let ausbg = c.take(2).unwrap_or(&[]);
                let ausbe = c.take(2).unwrap_or(&[]);
                match (index, ausbg, ausbe) {
                    (0x0001, _, _) => {
                        f.model = szl_text(mlfb).map(Into::into).or(f.model.take());
                        if !ausbe.is_empty() {
                            f.extra
                                .push(("hardware_version".into(), u16_text(ausbe).into()));
                        }
                    }
                    (0x0006, _, _) if f.model.is_none() => f.model = szl_text(mlfb).map(Into::into),
                    (0x0007, [b'V', major], [minor, patch]) => {
                        f.firmware = Some(format!("V{major}.{minor}.{patch}").into());
                    }
                    (0x0081, [b'A' | b'V', major], [minor, patch]) => {
                        f.extra.push((
                            "boot_loader".into(),
                            format!("V{major}.{minor}.{patch}").into(),
                        ));
                    }
                    _ => {}
                }
            }
        }
        0x1C => {
            for rec in szl.records() {
                let mut c = Cursor::new(rec);
                let Some(index) = c.u16() else { continue };
                let Some(text) = szl_text(c.rest().get(..32).unwrap_or(c.rest())) else {
                    continue;
                };
                match index {
                    0x0001 => f.name = Some(text.into()),
                    0x0002 => f.product = Some(text.into()),
                    0x0003 => f.extra.push(("plant_identification".into(), text.into())),
                    0x0004 => f.extra.push(("copyright".into(), text.into())),
                    0x0005 => f.serial = Some(text.into()),
                    0x0007 => f.device_type = Some(text.into()),
                    0x0008 => f.extra.push(("memory_card_serial".into(), text.into())),
                    0x000B => f.extra.push(("location".into(), text.into())),
                    _ => {}
                }
            }
        }
        _ => return None,
    }
    let empty = f.model.is_none()
        && f.firmware.is_none()
        && f.name.is_none()
        && f.product.is_none()
        && f.serial.is_none()
        && f.device_type.is_none()
        && f.extra.is_empty();
    (!empty).then_some(f)
}

fn u16_text(b: &[u8]) -> String {
    match b {
        [hi, lo] => u16::from_be_bytes([*hi, *lo]).to_string(),
        _ => String::new(),
    }
}

/// Finds a Siemens order number (`6ES7 xxx-xxxxx-xxxx` and variants `6AV`, `6GK`)
/// in `payload`. Best effort: S7comm-plus attribute encoding is not decoded,
/// the bytes are scanned for the pattern.
pub fn scan_order_number(payload: &[u8]) -> Option<String> {
    const PREFIXES: [&[u8]; 3] = [b"6ES7", b"6AV", b"6GK"];
    let mut start = 0usize;
    while let Some(window) = payload.get(start..) {
        let pos = window
            .windows(3)
            .position(|w| PREFIXES.iter().any(|p| p.get(..3) == Some(w)))?;
        let cand_start = start.checked_add(pos)?;
        let cand = payload.get(cand_start..)?;
        let len = cand
            .iter()
            .take(24)
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b' ' | b'-' | b'/'))
            .count();
        let text = cand.get(..len)?;
        // A real order number has at least "6ES7 214-1AG40-0XB0" shape: 16+ chars with a dash.
        if len >= 16 && text.contains(&b'-') {
            return std::str::from_utf8(text).ok().map(|s| s.trim().to_owned());
        }
        start = cand_start.checked_add(1)?;
    }
    None
}

/// Identity from an S7comm-plus CreateObject response (order-number scan).
pub fn from_plus_payload(payload: &[u8]) -> Option<IdentityFact> {
    let model = scan_order_number(payload)?;
    let mut f = fact("s7comm_plus");
    f.model = Some(model.into());
    f.extra.push(("source".into(), "order_number_scan".into()));
    Some(f)
}
