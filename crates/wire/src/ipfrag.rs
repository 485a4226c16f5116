// SPDX-License-Identifier: Apache-2.0
//! IPv4 (and IPv6) fragment reassembly within bounds.
//!
//! Fragmentation is rare on a plant network: it happens on links with a
//! small MTU (some VPN tunnels, PPP links to remote sites) and in attacks. A
//! [`Defragmenter`] collects the fragments of each datagram, keyed by
//! [`FragKey`] (addresses, identification, protocol, VLAN), and returns the
//! whole transport payload once the last hole is filled. The caller decodes
//! the IP header (IPv4 fragment offset × 8 and the MF flag, or the IPv6
//! Fragment extension header) and passes only fragments; an unfragmented
//! packet does not need to go through here.
//!
//! # Bounds and anomalies
//!
//! - At most [`DefragLimits::max_datagrams`] datagrams are in progress; a new
//!   one evicts the oldest ([`DefragStats::dropped_over_cap`]).
//! - A fragment that ends beyond [`DefragLimits::max_datagram_bytes`] (the
//!   "ping of death") discards its datagram ([`DefragStats::too_big`]).
//! - Datagrams older than [`DefragLimits::timeout_nanos`] of *capture* time
//!   are dropped by [`Defragmenter::expire`], and lazily when a fragment of a
//!   stale datagram arrives ([`DefragStats::timed_out`]).
//! - **Overlapping fragments: first wins.** Each byte keeps the first copy
//!   received; every fragment overlapping data already received counts in
//!   [`DefragStats::overlaps`], and those whose overlapping bytes differ
//!   also in [`DefragStats::overlap_conflicts`]. Overlaps are an evasion
//!   technique (Ptacek & Newsham 1998; teardrop): hosts resolve them
//!   differently, and Linux and RFC 5722 (IPv6) discard the whole datagram,
//!   so what we reassemble may not be what the target saw. The counters are
//!   the signal to report.
//! - Fragments that contradict the datagram's length (a second, different
//!   last fragment, or data beyond the end announced by the last fragment)
//!   are ignored and counted in [`DefragStats::inconsistent`].
//!
//! Memory is bounded by `max_datagrams × max_datagram_bytes` plus the range
//! lists (64 MiB with the defaults, reached only under attack).
//!
//! # Example
//!
//! ```
//! use plantguard_wire::ipfrag::{DefragLimits, Defragmenter, FragKey};
//! use std::net::{IpAddr, Ipv4Addr};
//!
//! let key = FragKey {
//!     src: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)),
//!     dst: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)),
//!     id: 0x1234,
//!     protocol: 17,
//!     vlan: 0,
//! };
//! let mut defrag = Defragmenter::new(DefragLimits::default());
//! assert_eq!(defrag.push(0, key, 8, false, b"world"), None);
//! assert_eq!(defrag.push(1, key, 0, true, b"hello, _"), Some(&b"hello, _world"[..]));
//! assert_eq!(defrag.stats().completed, 1);
//! ```
#![deny(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::collections::HashMap;
use std::net::IpAddr;

/// Bounds on the fragments held.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DefragLimits {
    /// Most datagrams in progress at once (default 1024).
    pub max_datagrams: usize,
    /// Largest reassembled payload accepted (default 65535).
    pub max_datagram_bytes: usize,
    /// How long, in capture time, a datagram may stay incomplete (default 30 s).
    pub timeout_nanos: i64,
}

impl Default for DefragLimits {
    fn default() -> Self {
        Self {
            max_datagrams: 1024,
            max_datagram_bytes: 65_535,
            timeout_nanos: 30_000_000_000,
        }
    }
}

/// What identifies the fragments of one datagram (RFC 791 §3.2; RFC 8200
/// §4.5), plus the VLAN so that overlapping address plans do not mix.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct FragKey {
    /// Source address.
    pub src: IpAddr,
    /// Destination address.
    pub dst: IpAddr,
    /// Identification (16 bits in IPv4, 32 bits in IPv6).
    pub id: u32,
    /// IPv4 protocol, or the IPv6 Fragment header's next header.
    pub protocol: u8,
    /// VLAN id (0 when untagged).
    pub vlan: u16,
}

/// Counters of a [`Defragmenter`].
#[derive(Default, Clone, Copy, Debug, PartialEq, Eq)]
pub struct DefragStats {
    /// Fragments pushed.
    pub fragments: u64,
    /// Datagrams reassembled.
    pub completed: u64,
    /// Datagrams dropped because they stayed incomplete too long.
    pub timed_out: u64,
    /// Datagrams evicted (or fragments refused) because
    /// [`DefragLimits::max_datagrams`] was reached.
    pub dropped_over_cap: u64,
    /// Fragments that overlapped data already received.
    pub overlaps: u64,
    /// Overlapping fragments whose overlapping bytes differ from the first copy.
    pub overlap_conflicts: u64,
    /// Fragments ending beyond [`DefragLimits::max_datagram_bytes`]; their
    /// datagram is discarded.
    pub too_big: u64,
    /// Fragments contradicting the datagram's known length (ignored).
    pub inconsistent: u64,
}

/// A datagram in progress.
#[derive(Debug)]
struct Datagram {
    first_ts: i64,
    /// Creation order, for evicting the oldest.
    order: u64,
    data: Vec<u8>,
    /// Received byte ranges `[start, end)`, sorted, disjoint, not adjacent.
    have: Vec<(u32, u32)>,
    /// Length, once the last fragment (MF = 0) has been seen.
    total: Option<u32>,
}

impl Datagram {
    fn received_end(&self) -> u32 {
        self.have.last().map_or(0, |r| r.1)
    }

    fn is_complete(&self) -> bool {
        match (self.total, self.have.as_slice()) {
            (Some(0), []) => true,
            (Some(t), [(0, end)]) => *end == t,
            _ => false,
        }
    }

    /// Copies the bytes of `payload` at `[a, b)` that are not yet present,
    /// merges the range, and reports (overlapped, conflicting).
    fn add(&mut self, a: u32, b: u32, payload: &[u8]) -> (bool, bool) {
        let end = usize::try_from(b).unwrap_or(usize::MAX);
        if self.data.len() < end {
            self.data.resize(end, 0);
        }
        let i = self.have.partition_point(|r| r.1 < a);
        let j = self.have.partition_point(|r| r.0 <= b).max(i);
        let (mut overlapped, mut conflict) = (false, false);
        let mut cursor = a;
        for &(s, e) in self.have.get(i..j).unwrap_or(&[]) {
            if s > cursor {
                copy(&mut self.data, payload, a, cursor, s.min(b));
            }
            let (lo, hi) = (s.max(a), e.min(b));
            if lo < hi {
                overlapped = true;
                let old = self.data.get(to_usize(lo)..to_usize(hi)).unwrap_or(&[]);
                let new = payload
                    .get(to_usize(lo.saturating_sub(a))..to_usize(hi.saturating_sub(a)))
                    .unwrap_or(&[]);
                conflict |= old != new;
            }
            cursor = cursor.max(e);
        }
        if cursor < b {
            copy(&mut self.data, payload, a, cursor, b);
        }
        let (start, stop) = match (
            self.have.get(i),
            j.checked_sub(1).and_then(|k| self.have.get(k)),
        ) {
            (Some(first), Some(last)) if i < j => (first.0.min(a), last.1.max(b)),
            _ => (a, b),
        };
        self.have.splice(i..j.min(self.have.len()), [(start, stop)]);
        (overlapped, conflict)
    }
}

fn to_usize(n: u32) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// Copies `payload` (which starts at datagram offset `a`) over `[from, to)`.
fn copy(data: &mut [u8], payload: &[u8], a: u32, from: u32, to: u32) {
    let src = payload.get(to_usize(from.saturating_sub(a))..to_usize(to.saturating_sub(a)));
    let dst = data.get_mut(to_usize(from)..to_usize(to));
    if let (Some(src), Some(dst)) = (src, dst) {
        if src.len() == dst.len() {
            dst.copy_from_slice(src);
        }
    }
}

/// Reassembles IP fragments into whole transport payloads.
#[derive(Debug)]
pub struct Defragmenter {
    limits: DefragLimits,
    in_progress: HashMap<FragKey, Datagram>,
    /// The last datagram completed; [`Defragmenter::push`] returns a view of it.
    done: Vec<u8>,
    next_order: u64,
    stats: DefragStats,
}

impl Defragmenter {
    /// An empty defragmenter.
    #[must_use]
    pub fn new(limits: DefragLimits) -> Self {
        Self {
            limits,
            in_progress: HashMap::new(),
            done: Vec::new(),
            next_order: 0,
            stats: DefragStats::default(),
        }
    }

    /// Adds one fragment captured at `ts_nanos`.
    ///
    /// `offset` is in bytes (the IPv4 field × 8), `more` is the MF flag, and
    /// `payload` is the fragment's data after the IP header (and after the
    /// IPv6 Fragment header). Returns the whole reassembled payload
    /// (transport header onwards) when this fragment fills the last hole.
    /// A packet that is not a fragment (`offset == 0 && !more`) is returned
    /// as is, copied.
    pub fn push(
        &mut self,
        ts_nanos: i64,
        key: FragKey,
        offset: u32,
        more: bool,
        payload: &[u8],
    ) -> Option<&[u8]> {
        self.stats.fragments = self.stats.fragments.saturating_add(1);
        let end =
            u64::from(offset).saturating_add(u64::try_from(payload.len()).unwrap_or(u64::MAX));
        let max = u64::try_from(self.limits.max_datagram_bytes).unwrap_or(u64::MAX);
        let Some(end) = u32::try_from(end).ok().filter(|&e| u64::from(e) <= max) else {
            self.stats.too_big = self.stats.too_big.saturating_add(1);
            self.in_progress.remove(&key);
            return None;
        };
        if offset == 0 && !more {
            self.done.clear();
            self.done.extend_from_slice(payload);
            return Some(self.done.as_slice());
        }
        if self
            .in_progress
            .get(&key)
            .is_some_and(|d| ts_nanos.saturating_sub(d.first_ts) > self.limits.timeout_nanos)
        {
            self.in_progress.remove(&key);
            self.stats.timed_out = self.stats.timed_out.saturating_add(1);
        }
        if !self.in_progress.contains_key(&key) {
            if self.limits.max_datagrams == 0 {
                self.stats.dropped_over_cap = self.stats.dropped_over_cap.saturating_add(1);
                return None;
            }
            while self.in_progress.len() >= self.limits.max_datagrams && self.evict_oldest() {}
            let order = self.next_order;
            self.next_order = self.next_order.wrapping_add(1);
            self.in_progress.insert(
                key,
                Datagram {
                    first_ts: ts_nanos,
                    order,
                    data: Vec::new(),
                    have: Vec::new(),
                    total: None,
                },
            );
        }
        let dg = self.in_progress.get_mut(&key)?;
        let consistent = match (more, dg.total) {
            (false, None) => end >= dg.received_end(),
            (false, Some(t)) => t == end,
            (true, Some(t)) => end <= t,
            (true, None) => true,
        };
        if !consistent {
            self.stats.inconsistent = self.stats.inconsistent.saturating_add(1);
            return None;
        }
        if !more {
            dg.total = Some(end);
        }
        if end > offset {
            let (overlapped, conflict) = dg.add(offset, end, payload);
            if overlapped {
                self.stats.overlaps = self.stats.overlaps.saturating_add(1);
            }
            if conflict {
                self.stats.overlap_conflicts = self.stats.overlap_conflicts.saturating_add(1);
            }
        }
        if !dg.is_complete() {
            return None;
        }
        let dg = self.in_progress.remove(&key)?;
        self.stats.completed = self.stats.completed.saturating_add(1);
        self.done = dg.data;
        self.done.truncate(to_usize(dg.total.unwrap_or(0)));
        Some(self.done.as_slice())
    }

    /// Drops datagrams that started more than the timeout before `now_nanos`
    /// (capture time). Call it periodically, e.g. once per second of capture.
    pub fn expire(&mut self, now_nanos: i64) {
        let timeout = self.limits.timeout_nanos;
        let before = self.in_progress.len();
        self.in_progress
            .retain(|_, d| now_nanos.saturating_sub(d.first_ts) <= timeout);
        let gone = before.saturating_sub(self.in_progress.len());
        self.stats.timed_out = self
            .stats
            .timed_out
            .saturating_add(u64::try_from(gone).unwrap_or(u64::MAX));
    }

    /// Counters so far.
    #[must_use]
    pub fn stats(&self) -> &DefragStats {
        &self.stats
    }

    /// Datagrams currently incomplete.
    #[must_use]
    pub fn in_progress(&self) -> usize {
        self.in_progress.len()
    }

    /// Payload bytes held by incomplete datagrams.
    #[must_use]
    pub fn buffered_bytes(&self) -> usize {
        self.in_progress
            .values()
            .map(|d| d.data.len())
            .fold(0, usize::saturating_add)
    }

    /// Evicts the datagram created first. Linear in the number in
    /// progress, which only matters when the table is full (a flood).
    fn evict_oldest(&mut self) -> bool {
        let oldest = self
            .in_progress
            .iter()
            .min_by_key(|(_, d)| d.order)
            .map(|(k, _)| *k);
        let Some(k) = oldest else {
            return false;
        };
        self.in_progress.remove(&k);
        self.stats.dropped_over_cap = self.stats.dropped_over_cap.saturating_add(1);
        true
    }
}

#[cfg(test)]
#[allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::unwrap_used
)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    fn key(id: u32) -> FragKey {
        FragKey {
            src: IpAddr::V4(Ipv4Addr::new(192, 168, 1, 10)),
            dst: IpAddr::V4(Ipv4Addr::new(192, 168, 1, 20)),
            id,
            protocol: 6,
            vlan: 100,
        }
    }

    fn datagram(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 7 + 3) as u8).collect()
    }

    const SEC: i64 = 1_000_000_000;

    #[test]
    fn reassembles_in_order_fragments() {
        let d = datagram(3000);
        let mut f = Defragmenter::new(DefragLimits::default());
        assert_eq!(f.push(0, key(1), 0, true, &d[..1480]), None);
        assert_eq!(f.push(1, key(1), 1480, true, &d[1480..2960]), None);
        assert_eq!(f.push(2, key(1), 2960, false, &d[2960..]), Some(&d[..]));
        assert_eq!(f.stats().completed, 1);
        assert_eq!(f.in_progress(), 0);
    }

    #[test]
    fn reassembles_reverse_order_fragments() {
        let d = datagram(100);
        let mut f = Defragmenter::new(DefragLimits::default());
        assert_eq!(f.push(0, key(1), 96, false, &d[96..]), None);
        assert_eq!(f.push(0, key(1), 48, true, &d[48..96]), None);
        assert_eq!(f.push(0, key(1), 0, true, &d[..48]), Some(&d[..]));
    }

    #[test]
    fn duplicate_fragment_counts_as_overlap_without_conflict() {
        let d = datagram(64);
        let mut f = Defragmenter::new(DefragLimits::default());
        f.push(0, key(1), 0, true, &d[..32]);
        f.push(0, key(1), 0, true, &d[..32]);
        assert_eq!(f.push(0, key(1), 32, false, &d[32..]), Some(&d[..]));
        assert_eq!(f.stats().overlaps, 1);
        assert_eq!(f.stats().overlap_conflicts, 0);
    }

    #[test]
    fn overlapping_fragment_keeps_first_copy_and_counts_conflict() {
        let mut f = Defragmenter::new(DefragLimits::default());
        f.push(0, key(1), 0, true, b"GET /safe..");
        // Teardrop-style: rewrites bytes 8.. with different content.
        f.push(0, key(1), 8, true, b"EVIL/../..");
        let got = f.push(0, key(1), 18, false, b"!").map(<[u8]>::to_vec);
        assert_eq!(got.as_deref(), Some(&b"GET /safe..L/../..!"[..]));
        assert_eq!(f.stats().overlaps, 1);
        assert_eq!(f.stats().overlap_conflicts, 1);
    }

    #[test]
    fn fragment_bridging_two_runs_merges_them() {
        let d = datagram(40);
        let mut f = Defragmenter::new(DefragLimits::default());
        f.push(0, key(1), 0, true, &d[..8]);
        f.push(0, key(1), 24, true, &d[24..32]);
        f.push(0, key(1), 32, false, &d[32..]);
        assert_eq!(f.push(0, key(1), 8, true, &d[8..24]), Some(&d[..]));
        assert_eq!(f.stats().overlaps, 0);
    }

    #[test]
    fn expires_incomplete_datagram_after_timeout() {
        let d = datagram(16);
        let mut f = Defragmenter::new(DefragLimits::default());
        f.push(0, key(1), 0, true, &d[..8]);
        f.expire(30 * SEC);
        assert_eq!(f.in_progress(), 1);
        f.expire(30 * SEC + 1);
        assert_eq!(f.in_progress(), 0);
        assert_eq!(f.stats().timed_out, 1);
        // The late last fragment starts a new datagram, which stays incomplete.
        assert_eq!(f.push(31 * SEC, key(1), 8, false, &d[8..]), None);
    }

    #[test]
    fn stale_datagram_is_replaced_when_its_key_comes_back() {
        let d = datagram(16);
        let mut f = Defragmenter::new(DefragLimits::default());
        f.push(0, key(1), 0, true, b"oldoldol");
        f.push(40 * SEC, key(1), 8, false, &d[8..]);
        assert_eq!(f.stats().timed_out, 1);
        assert_eq!(f.push(41 * SEC, key(1), 0, true, &d[..8]), Some(&d[..]));
    }

    #[test]
    fn evicts_oldest_datagram_when_table_is_full() {
        let limits = DefragLimits {
            max_datagrams: 2,
            ..DefragLimits::default()
        };
        let d = datagram(16);
        let mut f = Defragmenter::new(limits);
        for id in 1..=3 {
            f.push(i64::from(id), key(id), 0, true, &d[..8]);
        }
        assert_eq!(f.in_progress(), 2);
        assert_eq!(f.stats().dropped_over_cap, 1);
        assert_eq!(f.push(9, key(1), 8, false, &d[8..]), None); // evicted
        assert_eq!(f.push(9, key(3), 8, false, &d[8..]), Some(&d[..]));
    }

    #[test]
    fn drops_fragment_ending_beyond_max_size() {
        let mut f = Defragmenter::new(DefragLimits::default());
        f.push(0, key(1), 0, true, &[0; 1480]);
        assert_eq!(f.push(0, key(1), 65_528, false, &[0; 8]), None);
        assert_eq!(f.stats().too_big, 1);
        assert_eq!(f.in_progress(), 0);
        assert_eq!(f.push(0, key(2), u32::MAX, false, &[0; 8]), None);
        assert_eq!(f.stats().too_big, 2);
    }

    #[test]
    fn ignores_fragment_beyond_announced_end() {
        let d = datagram(24);
        let mut f = Defragmenter::new(DefragLimits::default());
        f.push(0, key(1), 16, false, &d[16..]);
        assert_eq!(f.push(0, key(1), 24, true, &[1; 8]), None);
        assert_eq!(f.push(0, key(1), 8, false, &[1; 8]), None);
        assert_eq!(f.stats().inconsistent, 2);
        assert_eq!(f.push(0, key(1), 0, true, &d[..16]), Some(&d[..]));
    }

    #[test]
    fn keys_separate_datagrams_by_vlan_and_family() {
        let d = datagram(16);
        let mut f = Defragmenter::new(DefragLimits::default());
        let v6 = FragKey {
            src: IpAddr::V6(Ipv6Addr::LOCALHOST),
            dst: IpAddr::V6(Ipv6Addr::LOCALHOST),
            id: 0xDEAD_BEEF,
            protocol: 17,
            vlan: 0,
        };
        let other_vlan = FragKey {
            vlan: 200,
            ..key(1)
        };
        f.push(0, key(1), 0, true, &d[..8]);
        f.push(0, v6, 0, true, &d[..8]);
        assert_eq!(f.push(0, other_vlan, 8, false, &d[8..]), None);
        assert_eq!(f.in_progress(), 3);
        assert_eq!(f.push(0, v6, 8, false, &d[8..]), Some(&d[..]));
    }

    #[test]
    fn unfragmented_packet_is_returned_as_is() {
        let mut f = Defragmenter::new(DefragLimits::default());
        assert_eq!(f.push(0, key(1), 0, false, b"whole"), Some(&b"whole"[..]));
        assert_eq!(f.in_progress(), 0);
    }
}
