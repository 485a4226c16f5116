// SPDX-License-Identifier: Apache-2.0
//! TCP stream reassembly (one direction at a time).
//!
//! Industrial PDUs (a Modbus write of 120 registers, a CIP multiple-service
//! packet, an S7 block download) often span several TCP segments; captures
//! often start mid-stream, with no handshake; and SPAN ports drop packets
//! under load. [`TcpStream`] turns the segments of **one direction** of a TCP
//! connection into an ordered sequence of [`StreamChunk`]s that the protocol
//! parsers consume: [`StreamChunk::Data`] for bytes in stream order and
//! [`StreamChunk::Gap`] for bytes that are known to be missing, so a parser can
//! drop its partial PDU and resynchronise.
//!
//! # Design
//!
//! - **Hot path.** A segment that starts exactly at the next expected
//!   sequence number while nothing is buffered is handed to the callback
//!   straight from the packet bytes: a few comparisons, no copy, no
//!   allocation.
//! - **Out of order.** A segment that starts ahead of the next expected byte
//!   (but within [`ReassemblyLimits::window`]) is copied into a small buffer,
//!   sorted by sequence number, with overlaps trimmed. The buffer is
//!   allocated lazily: an idle or in-order stream owns no heap memory.
//! - **Bounded.** When buffering a segment would exceed
//!   [`ReassemblyLimits::max_buffered_bytes`] or
//!   [`ReassemblyLimits::max_segments`], or a segment starts beyond the
//!   window, the stream gives up on its oldest hole: it emits a
//!   [`StreamChunk::Gap`] for it and continues from the earliest data it holds.
//!   The limits are checked before anything is copied, so the buffer never
//!   exceeds them. Buffered runs are never copied again: bytes that continue
//!   a run are appended to it, anything else becomes a new run, so the work
//!   per segment is linear in its length (plus `max_segments`).
//! - **Overlaps: first copy wins.** Bytes that arrive twice keep the copy that
//!   arrived first. Hosts resolve overlaps differently (target-based IDSes
//!   model this per host OS); a passive tool cannot know which copy the
//!   target kept, so it keeps the simplest rule and reports the ambiguity:
//!   buffered bytes are compared with the new copy and every differing byte
//!   counts in [`StreamStats::overlap_conflicts`], a classic sign of evasion
//!   (Ptacek & Newsham, 1998). Bytes that were already *delivered* are not
//!   kept (that would cost a copy on the hot path), so a retransmission of
//!   delivered bytes is only counted in [`StreamStats::retransmitted_bytes`],
//!   not compared.
//! - **Synchronisation.** A SYN fixes the initial sequence number (ISN + 1 is
//!   the first data byte; a SYN may carry data). Without a SYN, the first
//!   segment that carries data synchronises the stream at its own sequence
//!   number (mid-stream start). Empty segments do not synchronise the stream:
//!   a TCP keep-alive carries `SND.NXT - 1` and would otherwise make the whole
//!   stream look one byte ahead.
//! - **RST** segments are noted, and their payload (diagnostic text at best,
//!   an injection at worst) is not delivered. **FIN** is noted; the caller
//!   calls [`TcpStream::flush`] at the end of the flow.
//! - Sequence numbers wrap around: every comparison uses the wrapping
//!   difference interpreted as an `i32`.
//!
//! # Example
//!
//! ```
//! use plantguard_wire::reassembly::{ReassemblyLimits, StreamChunk, TcpStream};
//!
//! let limits = ReassemblyLimits::default();
//! let mut stream = TcpStream::new();
//! let mut got = Vec::new();
//! let mut out = |chunk: StreamChunk<'_>| match chunk {
//!     StreamChunk::Data(d) => got.extend_from_slice(d),
//!     StreamChunk::Gap(n) => got.extend(std::iter::repeat(b'?').take(n as usize)),
//! };
//! stream.push(1000, true, false, false, b"", &limits, &mut out); // SYN, ISN 1000
//! stream.push(1004, false, false, false, b"DEF", &limits, &mut out); // ahead: buffered
//! stream.push(1001, false, false, false, b"ABC", &limits, &mut out); // fills the hole
//! stream.push(1010, false, true, false, b"XY", &limits, &mut out); // 1007..1010 lost
//! stream.flush(&mut out);
//! drop(out);
//! assert_eq!(got, b"ABCDEF???XY");
//! ```
#![deny(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::collections::VecDeque;

/// Largest window honoured, whatever [`ReassemblyLimits::window`] says.
///
/// Keeping every buffered offset (window + segment length) below 2^31 keeps
/// the wrapping sequence arithmetic unambiguous.
const MAX_WINDOW: u32 = 1 << 30;

/// Largest segment payload considered. Real segments are at most 64 KiB
/// (256 KiB with offloads); anything longer is cut, and the excess counted
/// in [`StreamStats::dropped_over_cap_bytes`].
const MAX_SEGMENT_LEN: usize = 1 << 30;

/// Bounds on the state kept for one direction of a TCP stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReassemblyLimits {
    /// Most out-of-order payload bytes held per direction (default 256 KiB).
    pub max_buffered_bytes: usize,
    /// Most non-contiguous buffered runs per direction (default 256).
    pub max_segments: usize,
    /// How far ahead of the next expected byte a segment may start and still
    /// be buffered (default 1 MiB; values above 1 GiB are treated as 1 GiB).
    pub window: u32,
}

impl Default for ReassemblyLimits {
    fn default() -> Self {
        Self {
            max_buffered_bytes: 256 * 1024,
            max_segments: 256,
            window: 1 << 20,
        }
    }
}

/// A piece of reassembled stream, in stream order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamChunk<'a> {
    /// Bytes that follow the previous chunk directly.
    Data(&'a [u8]),
    /// This many bytes of the stream are missing (never seen, or given up on
    /// because of a limit). The next chunk starts after them.
    Gap(u32),
}

/// Counters for one direction of a stream.
#[derive(Default, Clone, Copy, Debug, PartialEq, Eq)]
pub struct StreamStats {
    /// Bytes received again: before the next expected byte, or over bytes
    /// already buffered.
    pub retransmitted_bytes: u64,
    /// Overlapping bytes whose value differs from the copy that arrived first
    /// (only comparable against buffered, not yet delivered, bytes).
    pub overlap_conflicts: u64,
    /// Segments that started ahead of the next expected byte.
    pub out_of_order_segments: u64,
    /// Number of [`StreamChunk::Gap`]s emitted.
    pub gaps: u64,
    /// Sum of the lengths of all [`StreamChunk::Gap`]s emitted.
    pub gap_bytes: u64,
    /// Bytes given up on because a limit was hit: gap bytes declared because
    /// the buffer was full or a segment was beyond the window, plus payload
    /// beyond the largest segment length considered.
    pub dropped_over_cap_bytes: u64,
    /// Bytes delivered as [`StreamChunk::Data`].
    pub delivered_bytes: u64,
    /// Holes given up on as soon as the other side acknowledged the bytes
    /// after them (also counted in `gaps`).
    pub acked_gaps: u64,
}

/// Out-of-order bytes held until the hole before them fills.
#[derive(Debug)]
struct Segment {
    seq: u32,
    data: Vec<u8>,
}

/// One direction of a TCP stream.
///
/// 56 bytes: what an in-order segment reads and writes (the next sequence
/// number, the flags, the delivered-bytes count, the emptiness of the
/// out-of-order buffer) is inline; the other counters and the buffered byte
/// count live behind a box allocated at the stream's first retransmission,
/// hole or out-of-order segment. Heap memory for out-of-order data is used
/// only while it is buffered, and is released by [`TcpStream::flush`].
#[derive(Debug, Default)]
pub struct TcpStream {
    next_seq: u32,
    synced: bool,
    fin: bool,
    rst: bool,
    delivered_bytes: u64,
    /// Sorted by sequence number, disjoint (possibly adjacent), every run
    /// starting strictly after `next_seq`.
    ooo: VecDeque<Segment>,
    rare: Option<Box<Rare>>,
}

/// What a stream keeps only once something other than in-order data
/// happened to it.
#[derive(Debug, Default)]
struct Rare {
    buffered_bytes: usize,
    /// Every counter but `delivered_bytes` (kept inline, left at zero here).
    stats: StreamStats,
}

/// The stream's [`Rare`] part, allocated on first use.
fn rare(r: &mut Option<Box<Rare>>) -> &mut Rare {
    r.get_or_insert_with(Box::default)
}

/// Length of a slice already bounded by `MAX_SEGMENT_LEN` or the window.
fn len32(b: &[u8]) -> u32 {
    u32::try_from(b.len()).unwrap_or(u32::MAX)
}

fn widen(n: u32) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

fn count_differences(a: &[u8], b: &[u8]) -> u64 {
    let n = a.iter().zip(b).filter(|(x, y)| x != y).count();
    u64::try_from(n).unwrap_or(u64::MAX)
}

fn add(counter: &mut u64, n: usize) {
    *counter = counter.saturating_add(u64::try_from(n).unwrap_or(u64::MAX));
}

impl TcpStream {
    /// A stream that has seen nothing yet.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds one segment.
    ///
    /// `seq` is the segment's sequence number, `syn`/`fin`/`rst` its TCP
    /// flags, `payload` its data. Every byte that becomes deliverable is
    /// passed to `out`, in stream order, with [`StreamChunk::Gap`]s for bytes
    /// given up on.
    // The flags are passed one by one so the engine can call this straight
    // from a decoded TCP header, whatever type that header uses.
    #[inline]
    #[allow(clippy::too_many_arguments)]
    pub fn push(
        &mut self,
        seq: u32,
        syn: bool,
        fin: bool,
        rst: bool,
        payload: &[u8],
        limits: &ReassemblyLimits,
        out: &mut impl FnMut(StreamChunk<'_>),
    ) {
        // Hot path: the next segment of an in-order stream.
        if seq == self.next_seq
            && self.synced
            && !(syn | rst)
            && self.ooo.is_empty()
            && payload.len() <= MAX_SEGMENT_LEN
        {
            self.fin |= fin;
            self.emit(payload, out);
            return;
        }
        self.push_slow(seq, syn, fin, rst, payload, limits, out);
    }

    #[inline(never)]
    #[allow(clippy::too_many_arguments)]
    fn push_slow(
        &mut self,
        seq: u32,
        syn: bool,
        fin: bool,
        rst: bool,
        payload: &[u8],
        limits: &ReassemblyLimits,
        out: &mut impl FnMut(StreamChunk<'_>),
    ) {
        if rst {
            self.rst = true;
            return;
        }
        self.fin |= fin;
        let mut data = payload;
        if let Some((head, excess)) = payload.split_at_checked(MAX_SEGMENT_LEN) {
            add(
                &mut rare(&mut self.rare).stats.dropped_over_cap_bytes,
                excess.len(),
            );
            data = head;
        }
        let mut dseq = seq;
        if syn {
            dseq = seq.wrapping_add(1);
            // A SYN (re)defines the stream only while no data has been seen,
            // so a late or forged SYN cannot rewind a running stream.
            if !self.synced || (self.delivered_bytes == 0 && self.ooo.is_empty()) {
                self.next_seq = dseq;
                self.synced = true;
            }
        }
        if !self.synced {
            if data.is_empty() {
                return;
            }
            self.next_seq = dseq;
            self.synced = true;
        }
        let window = limits.window.min(MAX_WINDOW);
        let mut counted = false;
        loop {
            if data.is_empty() {
                return;
            }
            // Reinterpreting the wrapping difference as signed is the
            // definition of TCP sequence comparison (RFC 9293 §3.4).
            #[allow(clippy::cast_possible_wrap)]
            let off = dseq.wrapping_sub(self.next_seq) as i32;
            if off <= 0 {
                let behind = widen(off.unsigned_abs());
                // What the stream already had is a retransmission; any
                // bytes beyond it are new.
                let rest = data.get(behind..).filter(|rest| !rest.is_empty());
                let repeated = rest.map_or(data.len(), |_| behind);
                add(
                    &mut rare(&mut self.rare).stats.retransmitted_bytes,
                    repeated,
                );
                if let Some(rest) = rest {
                    self.deliver_in_order(rest, out);
                }
                return;
            }
            let off = off.unsigned_abs();
            if !counted {
                counted = true;
                let r = rare(&mut self.rare);
                r.stats.out_of_order_segments = r.stats.out_of_order_segments.saturating_add(1);
            }
            if off < window {
                let end = off.saturating_add(len32(data));
                let (i, covered, starts_new_run) = self.overlapping(off, end);
                let new_bytes = data.len().saturating_sub(covered);
                let runs = self.ooo.len().saturating_add(usize::from(starts_new_run));
                if self.buffered_bytes().saturating_add(new_bytes) <= limits.max_buffered_bytes
                    && runs <= limits.max_segments
                {
                    self.insert(i, off, data);
                    return;
                }
            }
            // Over a limit: give up on the oldest hole and try again.
            let front = self.ooo.front().map(|s| s.seq.wrapping_sub(self.next_seq));
            match front {
                Some(front_off) if front_off < off => {
                    self.gap(front_off, true, out);
                    self.drain(out);
                }
                _ => {
                    // The new segment is the earliest data we have: skip to
                    // it; the next round delivers it in order.
                    self.gap(off, true, out);
                }
            }
        }
    }

    /// The other side acknowledged every byte before `ack`. A hole that
    /// lies wholly below `ack`, with data buffered beyond it, will never be
    /// filled: the endpoint received those bytes (the capture missed them,
    /// as a SPAN port under load does), and the sender will not send
    /// acknowledged data again. Such holes are given up on now, and the
    /// data after them delivered, instead of holding everything until the
    /// buffer caps force it (which would starve the parser for as long).
    ///
    /// Only holes with buffered data beyond them are skipped: a capture that
    /// shows an ACK before the segment it acknowledges (the two directions
    /// mirrored through different ports) then loses nothing.
    pub fn acked(&mut self, ack: u32, out: &mut impl FnMut(StreamChunk<'_>)) {
        if !self.synced {
            return;
        }
        while let Some(front) = self.ooo.front() {
            let hole = front.seq.wrapping_sub(self.next_seq);
            let acked = ack.wrapping_sub(self.next_seq);
            // Both offsets are "ahead" only below 2^31 (RFC 9293 §3.4).
            if hole == 0 || hole >= (1 << 31) || acked >= (1 << 31) || acked < hole {
                return;
            }
            self.gap(hole, false, out);
            let r = rare(&mut self.rare);
            r.stats.acked_gaps = r.stats.acked_gaps.saturating_add(1);
            self.drain(out);
        }
    }

    /// Delivers everything buffered, in order, with a [`StreamChunk::Gap`]
    /// before each hole, and releases the buffer. Call it at the end of the
    /// flow (FIN, RST, idle timeout, end of capture).
    pub fn flush(&mut self, out: &mut impl FnMut(StreamChunk<'_>)) {
        while let Some(front) = self.ooo.front() {
            let off = front.seq.wrapping_sub(self.next_seq);
            if off > 0 && off < (1 << 31) {
                self.gap(off, false, out);
            }
            self.drain(out);
            if self
                .ooo
                .front()
                .is_some_and(|s| s.seq.wrapping_sub(self.next_seq) >= (1 << 31))
            {
                // Unreachable by construction (buffered data is always ahead);
                // dropping it keeps the loop finite if that ever breaks.
                if let Some(seg) = self.ooo.pop_front() {
                    let r = rare(&mut self.rare);
                    r.buffered_bytes = r.buffered_bytes.saturating_sub(seg.data.len());
                }
            }
        }
        self.ooo = VecDeque::new();
        if let Some(r) = self.rare.as_mut() {
            r.buffered_bytes = 0;
        }
    }

    /// Counters so far.
    #[must_use]
    pub fn stats(&self) -> StreamStats {
        let rare = self.rare.as_ref().map(|r| r.stats).unwrap_or_default();
        StreamStats {
            delivered_bytes: self.delivered_bytes,
            ..rare
        }
    }

    /// Sequence number of the next byte expected, once synchronised.
    #[must_use]
    pub fn next_seq(&self) -> Option<u32> {
        self.synced.then_some(self.next_seq)
    }

    /// Out-of-order payload bytes currently held.
    #[must_use]
    pub fn buffered_bytes(&self) -> usize {
        self.rare.as_ref().map_or(0, |r| r.buffered_bytes)
    }

    /// Non-contiguous runs of out-of-order bytes currently held.
    #[must_use]
    pub fn buffered_segments(&self) -> usize {
        self.ooo.len()
    }

    /// Whether a FIN was seen in this direction.
    #[must_use]
    pub fn has_fin(&self) -> bool {
        self.fin
    }

    /// Whether a RST was seen in this direction.
    #[must_use]
    pub fn has_rst(&self) -> bool {
        self.rst
    }

    /// Passes `data` (which starts at `next_seq`) to `out` and advances.
    #[inline]
    fn emit(&mut self, data: &[u8], out: &mut impl FnMut(StreamChunk<'_>)) {
        if data.is_empty() {
            return;
        }
        self.next_seq = self.next_seq.wrapping_add(len32(data));
        add(&mut self.delivered_bytes, data.len());
        out(StreamChunk::Data(data));
    }

    fn gap(&mut self, n: u32, over_cap: bool, out: &mut impl FnMut(StreamChunk<'_>)) {
        if n == 0 {
            return;
        }
        self.next_seq = self.next_seq.wrapping_add(n);
        let stats = &mut rare(&mut self.rare).stats;
        stats.gaps = stats.gaps.saturating_add(1);
        stats.gap_bytes = stats.gap_bytes.saturating_add(u64::from(n));
        if over_cap {
            stats.dropped_over_cap_bytes =
                stats.dropped_over_cap_bytes.saturating_add(u64::from(n));
        }
        out(StreamChunk::Gap(n));
    }

    /// Delivers `data`, which starts at `next_seq`, interleaved with any
    /// buffered runs it overlaps (they arrived first, so they win), then
    /// whatever buffered data became contiguous.
    fn deliver_in_order(&mut self, mut data: &[u8], out: &mut impl FnMut(StreamChunk<'_>)) {
        while let Some(front) = self.ooo.front() {
            let front_off = widen(front.seq.wrapping_sub(self.next_seq));
            let Some((head, rest)) = data.split_at_checked(front_off) else {
                break;
            };
            if rest.is_empty() {
                break;
            }
            self.emit(head, out);
            let Some(seg) = self.ooo.pop_front() else {
                break;
            };
            let n = seg.data.len().min(rest.len());
            let (dup, after) = rest.split_at_checked(n).unwrap_or((rest, &[]));
            let r = rare(&mut self.rare);
            r.buffered_bytes = r.buffered_bytes.saturating_sub(seg.data.len());
            add(&mut r.stats.retransmitted_bytes, n);
            r.stats.overlap_conflicts = r
                .stats
                .overlap_conflicts
                .saturating_add(count_differences(&seg.data, dup));
            self.emit(&seg.data, out);
            data = after;
        }
        self.emit(data, out);
        self.drain(out);
    }

    /// Delivers buffered runs that start at (or, defensively, before)
    /// `next_seq`.
    fn drain(&mut self, out: &mut impl FnMut(StreamChunk<'_>)) {
        while let Some(front) = self.ooo.front() {
            let off = front.seq.wrapping_sub(self.next_seq);
            if off != 0 && off < (1 << 31) {
                return;
            }
            let Some(seg) = self.ooo.pop_front() else {
                return;
            };
            let r = rare(&mut self.rare);
            r.buffered_bytes = r.buffered_bytes.saturating_sub(seg.data.len());
            let behind = widen(off.wrapping_neg());
            match seg.data.get(behind..) {
                Some(rest) => {
                    add(&mut r.stats.retransmitted_bytes, behind);
                    self.emit(rest, out);
                }
                None => add(&mut r.stats.retransmitted_bytes, seg.data.len()),
            }
        }
    }

    /// Offset of a buffered run's first byte, relative to `next_seq`.
    fn start_of(&self, seg: &Segment) -> u32 {
        seg.seq.wrapping_sub(self.next_seq)
    }

    /// For new bytes at `[a, b)` (offsets from `next_seq`): the index of the
    /// first buffered run that overlaps or touches them, how many of those
    /// bytes are already buffered, and whether buffering them needs a new run
    /// (it does unless a run covers or ends exactly at `a`).
    fn overlapping(&self, a: u32, b: u32) -> (usize, usize, bool) {
        let i = self
            .ooo
            .partition_point(|s| self.start_of(s).saturating_add(len32(&s.data)) < a);
        let covered = self
            .ooo
            .range(i..)
            .map(|s| {
                (
                    self.start_of(s),
                    self.start_of(s).saturating_add(len32(&s.data)),
                )
            })
            .take_while(|&(start, _)| start < b)
            .map(|(start, end)| widen(end.min(b).saturating_sub(start.max(a))))
            .fold(0usize, usize::saturating_add);
        let starts_new_run = self.ooo.get(i).is_none_or(|s| self.start_of(s) > a);
        (i, covered, starts_new_run)
    }

    /// Buffers the bytes of `data` (at offset `a`) that fill holes, starting
    /// from run `i`; buffered bytes win and are compared with `data`.
    ///
    /// Existing runs are never copied: a piece that starts where a run ends
    /// is appended to it in place (the common case of consecutive segments
    /// after a hole), any other piece becomes a run of its own, and adjacent
    /// runs are left apart. Merging them would copy the later run, which
    /// makes segments arriving in reverse order cost quadratic time.
    fn insert(&mut self, i: usize, a: u32, data: &[u8]) {
        let b = a.saturating_add(len32(data));
        let mut cursor = a;
        let mut idx = i;
        while let Some(run) = self.ooo.get(idx) {
            let s = self.start_of(run);
            if s >= b {
                break;
            }
            let e = s.saturating_add(len32(&run.data));
            let (lo, hi) = (s.max(a), e.min(b));
            if lo < hi {
                let old = run
                    .data
                    .get(widen(lo.saturating_sub(s))..widen(hi.saturating_sub(s)))
                    .unwrap_or(&[]);
                let new = data
                    .get(widen(lo.saturating_sub(a))..widen(hi.saturating_sub(a)))
                    .unwrap_or(&[]);
                let stats = &mut rare(&mut self.rare).stats;
                add(&mut stats.retransmitted_bytes, old.len());
                stats.overlap_conflicts = stats
                    .overlap_conflicts
                    .saturating_add(count_differences(old, new));
            }
            if s > cursor && self.place(idx, cursor, s, a, data) {
                idx = idx.saturating_add(1);
            }
            cursor = cursor.max(e);
            idx = idx.saturating_add(1);
        }
        if cursor < b {
            self.place(idx, cursor, b, a, data);
        }
    }

    /// Buffers `data[from - a .. to - a]` just before run `idx`: appended to
    /// run `idx - 1` if that run ends at `from`, else as a new run. Returns
    /// whether a run was inserted.
    fn place(&mut self, idx: usize, from: u32, to: u32, a: u32, data: &[u8]) -> bool {
        let piece = data
            .get(widen(from.saturating_sub(a))..widen(to.saturating_sub(a)))
            .unwrap_or(&[]);
        if piece.is_empty() {
            return false;
        }
        let r = rare(&mut self.rare);
        r.buffered_bytes = r.buffered_bytes.saturating_add(piece.len());
        let next_seq = self.next_seq;
        if let Some(prev) = idx.checked_sub(1).and_then(|k| self.ooo.get_mut(k)) {
            if prev
                .seq
                .wrapping_sub(next_seq)
                .saturating_add(len32(&prev.data))
                == from
            {
                prev.data.extend_from_slice(piece);
                return false;
            }
        }
        self.ooo.insert(
            idx.min(self.ooo.len()),
            Segment {
                seq: next_seq.wrapping_add(from),
                data: piece.to_vec(),
            },
        );
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

    /// What a stream delivered, with gaps written as `(n)`-sized runs of `?`.
    #[derive(Default)]
    struct Collected {
        bytes: Vec<u8>,
        chunks: Vec<Chunk>,
    }

    #[derive(Debug, PartialEq, Eq)]
    enum Chunk {
        Data(Vec<u8>),
        Gap(u32),
    }

    impl Collected {
        fn sink(&mut self) -> impl FnMut(StreamChunk<'_>) + '_ {
            |c| match c {
                StreamChunk::Data(d) => {
                    self.bytes.extend_from_slice(d);
                    self.chunks.push(Chunk::Data(d.to_vec()));
                }
                StreamChunk::Gap(n) => {
                    self.bytes.extend(std::iter::repeat_n(b'?', n as usize));
                    self.chunks.push(Chunk::Gap(n));
                }
            }
        }
    }

    fn seg(s: &mut TcpStream, c: &mut Collected, seq: u32, payload: &[u8]) {
        s.push(
            seq,
            false,
            false,
            false,
            payload,
            &ReassemblyLimits::default(),
            &mut c.sink(),
        );
    }

    fn syn(s: &mut TcpStream, c: &mut Collected, isn: u32, payload: &[u8]) {
        s.push(
            isn,
            true,
            false,
            false,
            payload,
            &ReassemblyLimits::default(),
            &mut c.sink(),
        );
    }

    /// An in-order stream allocates nothing: the counters of
    /// retransmissions, holes and out-of-order data appear with the first
    /// of them, and `stats` reads the same either way.
    #[test]
    fn an_in_order_stream_allocates_nothing_until_its_first_rare_event() {
        let (mut s, mut c) = (TcpStream::new(), Collected::default());
        syn(&mut s, &mut c, 99, b"");
        seg(&mut s, &mut c, 100, b"abcd");
        seg(&mut s, &mut c, 104, b"efgh");
        assert!(s.rare.is_none());
        assert_eq!(
            s.stats(),
            StreamStats {
                delivered_bytes: 8,
                ..StreamStats::default()
            }
        );
        // A retransmission of bytes already delivered.
        seg(&mut s, &mut c, 104, b"efgh");
        assert!(s.rare.is_some());
        assert_eq!(
            s.stats(),
            StreamStats {
                delivered_bytes: 8,
                retransmitted_bytes: 4,
                ..StreamStats::default()
            }
        );
        // A segment ahead of a hole is buffered, then flushed behind a gap.
        seg(&mut s, &mut c, 112, b"mnop");
        assert_eq!((s.buffered_bytes(), s.buffered_segments()), (4, 1));
        s.flush(&mut c.sink());
        assert_eq!((s.buffered_bytes(), s.buffered_segments()), (0, 0));
        assert_eq!(c.bytes, b"abcdefgh????mnop".to_vec());
        let st = s.stats();
        assert_eq!(
            (
                st.delivered_bytes,
                st.out_of_order_segments,
                st.gaps,
                st.gap_bytes
            ),
            (12, 1, 1, 4)
        );
    }

    #[test]
    fn an_ack_beyond_a_hole_gives_it_up_and_delivers_what_waits_behind_it() {
        let (mut s, mut c) = (TcpStream::new(), Collected::default());
        syn(&mut s, &mut c, 999, b"");
        seg(&mut s, &mut c, 1000, b"0123456789");
        // 1010..1020 never reaches the capture; two later segments do.
        seg(&mut s, &mut c, 1020, b"KLMNO");
        seg(&mut s, &mut c, 1030, b"UVWXY");
        assert_eq!(s.buffered_segments(), 2);
        // An ACK inside the first hole, or at its start, proves nothing yet.
        s.acked(1010, &mut c.sink());
        s.acked(1015, &mut c.sink());
        assert_eq!(s.buffered_segments(), 2);
        // The peer acknowledged up to 1025: the first hole is gone for good.
        s.acked(1025, &mut c.sink());
        assert_eq!(
            c.chunks[1..],
            [Chunk::Gap(10), Chunk::Data(b"KLMNO".to_vec())]
        );
        assert_eq!(s.next_seq(), Some(1025));
        assert_eq!(s.buffered_segments(), 1);
        // An old ACK (behind next_seq) changes nothing; a later one skips
        // the second hole too.
        s.acked(1001, &mut c.sink());
        assert_eq!(s.buffered_segments(), 1);
        s.acked(1035, &mut c.sink());
        assert_eq!(c.bytes, b"0123456789??????????KLMNO?????UVWXY".to_vec());
        assert_eq!(s.stats().gaps, 2);
        assert_eq!(s.stats().acked_gaps, 2);
        assert_eq!(s.stats().dropped_over_cap_bytes, 0);
        // Nothing buffered: an ACK ahead of next_seq (seen before the data
        // it acknowledges) skips nothing.
        s.acked(2000, &mut c.sink());
        assert_eq!(s.next_seq(), Some(1035));
        seg(&mut s, &mut c, 1035, b"Z");
        assert_eq!(c.bytes.last(), Some(&b'Z'));
    }

    #[test]
    fn delivers_in_order_segments_as_they_come() {
        let (mut s, mut c) = (TcpStream::new(), Collected::default());
        syn(&mut s, &mut c, 99, b"");
        seg(&mut s, &mut c, 100, b"hello ");
        seg(&mut s, &mut c, 106, b"world");
        assert_eq!(
            c.chunks,
            [
                Chunk::Data(b"hello ".to_vec()),
                Chunk::Data(b"world".to_vec())
            ]
        );
        assert_eq!(s.next_seq(), Some(111));
        assert_eq!(s.stats().delivered_bytes, 11);
        assert_eq!(s.buffered_segments(), 0);
    }

    #[test]
    fn in_order_delivery_borrows_the_packet_bytes() {
        let mut s = TcpStream::new();
        let payload = b"zero copy".to_vec();
        let mut seen = std::ptr::null();
        s.push(
            7,
            false,
            false,
            false,
            &payload,
            &ReassemblyLimits::default(),
            &mut |c| {
                if let StreamChunk::Data(d) = c {
                    seen = d.as_ptr();
                }
            },
        );
        assert_eq!(seen, payload.as_ptr());
    }

    #[test]
    fn synchronises_on_first_data_segment_without_handshake() {
        let (mut s, mut c) = (TcpStream::new(), Collected::default());
        assert_eq!(s.next_seq(), None);
        seg(&mut s, &mut c, 5_000, b""); // pure ACK: no sync
        assert_eq!(s.next_seq(), None);
        seg(&mut s, &mut c, 123_456, b"mid");
        seg(&mut s, &mut c, 123_459, b"stream");
        assert_eq!(c.bytes, b"midstream");
        assert_eq!(s.next_seq(), Some(123_465));
    }

    #[test]
    fn drops_and_counts_retransmissions() {
        let (mut s, mut c) = (TcpStream::new(), Collected::default());
        seg(&mut s, &mut c, 10, b"abcd");
        seg(&mut s, &mut c, 10, b"abcd");
        seg(&mut s, &mut c, 12, b"cd");
        seg(&mut s, &mut c, 13, b""); // keep-alive: SND.NXT - 1, no data
        assert_eq!(c.bytes, b"abcd");
        assert_eq!(s.stats().retransmitted_bytes, 6);
        assert_eq!(s.next_seq(), Some(14));
    }

    #[test]
    fn trims_partial_overlap_with_delivered_bytes() {
        let (mut s, mut c) = (TcpStream::new(), Collected::default());
        seg(&mut s, &mut c, 10, b"abcd");
        seg(&mut s, &mut c, 12, b"cdef");
        assert_eq!(
            c.chunks,
            [Chunk::Data(b"abcd".to_vec()), Chunk::Data(b"ef".to_vec())]
        );
        assert_eq!(s.stats().retransmitted_bytes, 2);
    }

    #[test]
    fn reorders_out_of_order_segments() {
        let (mut s, mut c) = (TcpStream::new(), Collected::default());
        syn(&mut s, &mut c, 0, b"");
        seg(&mut s, &mut c, 1, b"AAA");
        seg(&mut s, &mut c, 7, b"CCC");
        assert_eq!(c.bytes, b"AAA");
        assert_eq!(s.buffered_bytes(), 3);
        seg(&mut s, &mut c, 4, b"BBB");
        assert_eq!(c.bytes, b"AAABBBCCC");
        assert_eq!(s.stats().out_of_order_segments, 1);
        assert_eq!(s.buffered_bytes(), 0);
        assert_eq!(s.next_seq(), Some(10));
    }

    #[test]
    fn fills_holes_between_buffered_runs_without_merging_them() {
        let (mut s, mut c) = (TcpStream::new(), Collected::default());
        syn(&mut s, &mut c, 0, b"");
        seg(&mut s, &mut c, 10, b"KLM");
        seg(&mut s, &mut c, 13, b"NOP");
        seg(&mut s, &mut c, 5, b"FGH");
        assert_eq!(s.buffered_segments(), 2);
        assert_eq!(s.buffered_bytes(), 9);
        seg(&mut s, &mut c, 7, b"HIJKL"); // fills the hole between the runs
        assert_eq!(s.buffered_segments(), 2);
        assert_eq!(s.buffered_bytes(), 11);
        seg(&mut s, &mut c, 1, b"BCDE");
        assert_eq!(c.bytes, b"BCDEFGHIJKLMNOP");
        assert_eq!(s.stats().overlap_conflicts, 0);
    }

    #[test]
    fn flush_reports_gap_for_segment_that_never_arrives() {
        let (mut s, mut c) = (TcpStream::new(), Collected::default());
        syn(&mut s, &mut c, 0, b"");
        seg(&mut s, &mut c, 1, b"one");
        seg(&mut s, &mut c, 9, b"three");
        seg(&mut s, &mut c, 20, b"five");
        s.flush(&mut c.sink());
        assert_eq!(
            c.chunks,
            [
                Chunk::Data(b"one".to_vec()),
                Chunk::Gap(5),
                Chunk::Data(b"three".to_vec()),
                Chunk::Gap(6),
                Chunk::Data(b"five".to_vec()),
            ]
        );
        assert_eq!(s.stats().gaps, 2);
        assert_eq!(s.stats().gap_bytes, 11);
        assert_eq!(s.stats().dropped_over_cap_bytes, 0);
        assert_eq!(s.buffered_bytes(), 0);
        assert_eq!(s.next_seq(), Some(24));
    }

    #[test]
    fn gives_up_on_hole_when_byte_cap_is_exceeded() {
        let limits = ReassemblyLimits {
            max_buffered_bytes: 10,
            max_segments: 8,
            window: 1 << 20,
        };
        let (mut s, mut c) = (TcpStream::new(), Collected::default());
        let mut max_held = 0;
        s.push(0, true, false, false, b"", &limits, &mut c.sink());
        // Byte 1 never arrives; 4 bytes at a time follow it.
        for k in 0..10u32 {
            let start = 2 + 4 * k;
            s.push(start, false, false, false, b"wxyz", &limits, &mut c.sink());
            max_held = max_held.max(s.buffered_bytes());
        }
        assert!(max_held <= 10, "held {max_held} bytes");
        assert_eq!(c.chunks[0], Chunk::Gap(1));
        assert_eq!(s.stats().gaps, 1);
        assert_eq!(s.stats().dropped_over_cap_bytes, 1);
        s.flush(&mut c.sink());
        assert_eq!(c.bytes.len(), 41);
        assert_eq!(&c.bytes[1..], "wxyz".repeat(10).as_bytes());
    }

    #[test]
    fn gives_up_on_hole_when_segment_cap_is_exceeded() {
        let limits = ReassemblyLimits {
            max_buffered_bytes: 1 << 20,
            max_segments: 2,
            window: 1 << 20,
        };
        let (mut s, mut c) = (TcpStream::new(), Collected::default());
        s.push(0, true, false, false, b"", &limits, &mut c.sink());
        s.push(3, false, false, false, b"c", &limits, &mut c.sink());
        s.push(5, false, false, false, b"e", &limits, &mut c.sink());
        assert!(c.chunks.is_empty());
        s.push(7, false, false, false, b"g", &limits, &mut c.sink());
        assert_eq!(c.chunks, [Chunk::Gap(2), Chunk::Data(b"c".to_vec())]);
        assert_eq!(s.buffered_segments(), 2);
    }

    #[test]
    fn skips_to_segment_beyond_window() {
        let limits = ReassemblyLimits {
            window: 100,
            ..ReassemblyLimits::default()
        };
        let (mut s, mut c) = (TcpStream::new(), Collected::default());
        s.push(0, false, false, false, b"a", &limits, &mut c.sink());
        s.push(50, false, false, false, b"b", &limits, &mut c.sink());
        s.push(1_000, false, false, false, b"z", &limits, &mut c.sink());
        assert_eq!(
            c.chunks,
            [
                Chunk::Data(b"a".to_vec()),
                Chunk::Gap(49),
                Chunk::Data(b"b".to_vec()),
                Chunk::Gap(949),
                Chunk::Data(b"z".to_vec()),
            ]
        );
        assert_eq!(s.stats().dropped_over_cap_bytes, 998);
    }

    #[test]
    fn handles_sequence_wrap_around() {
        let (mut s, mut c) = (TcpStream::new(), Collected::default());
        syn(&mut s, &mut c, 0xFFFF_FFF0, b"");
        seg(&mut s, &mut c, 0xFFFF_FFF1, b"0123456789");
        seg(&mut s, &mut c, 0x0000_0001, b"GHIJ"); // ahead, across the wrap
        seg(&mut s, &mut c, 0xFFFF_FFFB, b"ABCDEFGH"); // covers the wrap point
        seg(&mut s, &mut c, 0xFFFF_FFF1, b"0123"); // old
        assert_eq!(c.bytes, b"0123456789ABCDEFGHIJ");
        assert_eq!(s.next_seq(), Some(5));
        assert_eq!(s.stats().overlap_conflicts, 0);
    }

    #[test]
    fn syn_payload_starts_at_isn_plus_one() {
        let (mut s, mut c) = (TcpStream::new(), Collected::default());
        syn(&mut s, &mut c, 41, b"fast open");
        seg(&mut s, &mut c, 51, b"!");
        syn(&mut s, &mut c, 41, b"fast open"); // retransmitted SYN
        assert_eq!(c.bytes, b"fast open!");
        assert_eq!(s.stats().retransmitted_bytes, 9);
    }

    #[test]
    fn late_syn_does_not_rewind_running_stream() {
        let (mut s, mut c) = (TcpStream::new(), Collected::default());
        seg(&mut s, &mut c, 1_000, b"data");
        syn(&mut s, &mut c, 5, b"");
        seg(&mut s, &mut c, 1_004, b"more");
        assert_eq!(c.bytes, b"datamore");
    }

    #[test]
    fn counts_conflicting_overlap_and_keeps_first_copy() {
        let (mut s, mut c) = (TcpStream::new(), Collected::default());
        syn(&mut s, &mut c, 0, b"");
        seg(&mut s, &mut c, 5, b"WRITE");
        seg(&mut s, &mut c, 5, b"WRITX"); // buffered copy vs new copy
        seg(&mut s, &mut c, 1, b"abcdREAD"); // in-order copy overlapping buffer
        assert_eq!(c.bytes, b"abcdWRITE");
        assert_eq!(s.stats().overlap_conflicts, 1 + 4);
        assert_eq!(s.stats().retransmitted_bytes, 5 + 4);
    }

    #[test]
    fn rst_payload_is_not_delivered() {
        let (mut s, mut c) = (TcpStream::new(), Collected::default());
        seg(&mut s, &mut c, 1, b"ok");
        s.push(
            3,
            false,
            false,
            true,
            b"inj",
            &ReassemblyLimits::default(),
            &mut c.sink(),
        );
        assert_eq!(c.bytes, b"ok");
        assert!(s.has_rst());
    }

    #[test]
    fn fin_is_noted() {
        let (mut s, mut c) = (TcpStream::new(), Collected::default());
        seg(&mut s, &mut c, 1, b"ok");
        assert!(!s.has_fin());
        s.push(
            3,
            false,
            true,
            false,
            b"!",
            &ReassemblyLimits::default(),
            &mut c.sink(),
        );
        assert!(s.has_fin());
        assert_eq!(c.bytes, b"ok!");
    }

    #[test]
    fn idle_stream_is_small_and_owns_no_heap() {
        assert!(
            std::mem::size_of::<TcpStream>() <= 56,
            "{}",
            std::mem::size_of::<TcpStream>()
        );
        let (mut s, mut c) = (TcpStream::new(), Collected::default());
        seg(&mut s, &mut c, 1, b"abc");
        assert_eq!(s.ooo.capacity(), 0);
        seg(&mut s, &mut c, 10, b"x");
        s.flush(&mut c.sink());
        assert_eq!(s.ooo.capacity(), 0);
    }

    #[test]
    fn zero_limits_never_buffer() {
        let limits = ReassemblyLimits {
            max_buffered_bytes: 0,
            max_segments: 0,
            window: 0,
        };
        let (mut s, mut c) = (TcpStream::new(), Collected::default());
        s.push(0, false, false, false, b"a", &limits, &mut c.sink());
        s.push(5, false, false, false, b"b", &limits, &mut c.sink());
        s.push(3, false, false, false, b"c", &limits, &mut c.sink());
        assert_eq!(
            c.chunks,
            [
                Chunk::Data(b"a".to_vec()),
                Chunk::Gap(4),
                Chunk::Data(b"b".to_vec())
            ]
        );
        assert_eq!(s.buffered_bytes(), 0);
    }
}
