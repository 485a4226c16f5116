// SPDX-License-Identifier: Apache-2.0
//! Identity messages repeated on a flow, reported once.
//!
//! Devices repeat their identity on every poll (BACnet I-Am broadcasts,
//! ReadProperty answers, DNP3 device attributes). The observation sink keeps
//! the first sighting of each fact anyway, so building the same fact again
//! for every repetition (strings, allocations, a map look-up) only costs
//! time. A session remembers a fingerprint of the bytes each fact was built
//! from and skips messages it has already reported: the output is the same,
//! the cost of a repetition is one hash of a few dozen bytes.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use plantguard_model::Side;

/// Most fingerprints a session keeps; past this every message is reported
/// (correct, only slower).
pub const MAX_REMEMBERED: usize = 16;

/// Fingerprints of the identity-bearing messages a session has reported.
#[derive(Clone, Debug, Default)]
pub struct ReportedOnce {
    seen: Vec<u64>,
}

impl ReportedOnce {
    /// True unless `side` already sent these exact `bytes` as a message of
    /// kind `kind` (whatever else the fact depends on: a service, an
    /// address) on this flow (a message seen for the first time is
    /// remembered while there is room).
    pub fn first(&mut self, side: Side, kind: u32, bytes: &[u8]) -> bool {
        let h = fingerprint(side, kind, bytes);
        if self.seen.contains(&h) {
            return false;
        }
        if self.seen.len() < MAX_REMEMBERED {
            self.seen.push(h);
        }
        true
    }
}

/// A 64-bit hash of (side, kind, bytes), eight bytes at a time.
fn fingerprint(side: Side, kind: u32, bytes: &[u8]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let mix = |h: u64, w: u64| (h.rotate_left(5) ^ w).wrapping_mul(K);
    let mut h = mix(
        bytes.len() as u64,
        u64::from(kind) | (u64::from(side == Side::Server) << 32),
    );
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = mix(h, u64::from_le_bytes(w));
    }
    let mut w = [0u8; 8];
    for (d, s) in w.iter_mut().zip(chunks.remainder()) {
        *d = *s;
    }
    h = mix(h, u64::from_le_bytes(w));
    h ^ (h >> 29)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repetition_is_not_first_but_any_difference_is() {
        let mut r = ReportedOnce::default();
        let msg = b"\x10\x00\xc4\x02\x00\x00\x7b\x22\x01\xe0\x91\x00\x21\x08";
        assert!(r.first(Side::Server, 0, msg));
        assert!(!r.first(Side::Server, 0, msg));
        assert!(r.first(Side::Client, 0, msg), "other side");
        assert!(r.first(Side::Server, 1, msg), "other kind");
        let mut changed = *msg;
        changed[13] = 9;
        assert!(r.first(Side::Server, 0, &changed), "one byte differs");
        assert!(r.first(Side::Server, 0, &msg[..13]), "shorter");
    }

    #[test]
    fn past_the_cap_every_message_is_reported() {
        let mut r = ReportedOnce::default();
        for i in 0..MAX_REMEMBERED as u8 {
            assert!(r.first(Side::Server, 0, &[i]));
        }
        let extra = [0xFFu8];
        assert!(r.first(Side::Server, 0, &extra));
        assert!(r.first(Side::Server, 0, &extra), "not remembered when full");
        assert!(!r.first(Side::Server, 0, &[0]), "earlier ones still are");
    }
}
