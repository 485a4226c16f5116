// SPDX-License-Identifier: Apache-2.0
//! Property tests for [`plantguard_wire::reassembly::TcpStream`]: a random
//! byte stream cut into random segments, duplicated, reordered and partly
//! dropped, must come out of the reassembler with every byte at its place.
#![allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use plantguard_wire::reassembly::{ReassemblyLimits, StreamChunk, TcpStream};
use proptest::prelude::*;
use proptest::sample::Index;

/// One segment as pushed: offset in the stream, and its bytes (a duplicate
/// may be corrupted).
#[derive(Clone, Debug)]
struct Pushed {
    offset: usize,
    bytes: Vec<u8>,
}

#[derive(Clone, Debug)]
struct Scenario {
    stream: Vec<u8>,
    isn: u32,
    segments: Vec<Pushed>,
    order: Vec<Pushed>,
    dropped_any: bool,
}

/// Builds a scenario: `cuts` are segment lengths (used cyclically), `jitter`
/// moves each segment up to 7 places later, `drops` loses segments (never the
/// last one, so the stream's end is known), and `copies` re-sends arbitrary
/// byte ranges (re-packetised retransmissions, overlapping segments at other
/// boundaries). A clean copy goes anywhere in the order; a corrupted one (when
/// `corrupt` allows) goes after every segment it overlaps, so the first copy
/// of each byte is always the right one.
fn scenario(with_drops: bool, corrupt: bool) -> impl Strategy<Value = Scenario> {
    (
        prop::collection::vec(any::<u8>(), 1..3000),
        any::<u32>(),
        prop::collection::vec(1usize..300, 1..32),
        prop::collection::vec(0usize..8, 1..32),
        prop::collection::vec(
            (
                any::<Index>(),
                1usize..400,
                any::<Index>(),
                0usize..4,
                any::<bool>(),
            ),
            0..12,
        ),
        prop::collection::vec(prop::bool::weighted(0.15), 1..32),
    )
        .prop_map(move |(stream, isn, cuts, jitter, copies, drops)| {
            let mut segments = Vec::new();
            let mut at = 0;
            while at < stream.len() {
                let len = cuts[segments.len() % cuts.len()].min(stream.len() - at);
                segments.push(Pushed {
                    offset: at,
                    bytes: stream[at..at + len].to_vec(),
                });
                at += len;
            }
            let last = segments.len() - 1;
            let mut keyed: Vec<(usize, usize)> = (0..segments.len())
                .map(|i| (i + jitter[i % jitter.len()], i))
                .collect();
            keyed.sort();
            let mut dropped_any = false;
            let mut order: Vec<Pushed> = Vec::new();
            for (_, i) in keyed {
                if with_drops && i != last && drops[i % drops.len()] {
                    dropped_any = true;
                } else {
                    order.push(segments[i].clone());
                }
            }
            for (start, len, place, delay, flip) in copies {
                let offset = start.index(stream.len());
                let end = (offset + len).min(stream.len());
                let mut copy = Pushed {
                    offset,
                    bytes: stream[offset..end].to_vec(),
                };
                let at = if corrupt && flip {
                    copy.bytes.iter_mut().for_each(|b| *b ^= 0xA5);
                    let after = order
                        .iter()
                        .rposition(|p| p.offset < end && offset < p.offset + p.bytes.len())
                        .map_or(0, |k| k + 1);
                    (after + delay).min(order.len())
                } else {
                    place.index(order.len() + 1)
                };
                order.insert(at, copy);
            }
            Scenario {
                stream,
                isn,
                segments,
                order,
                dropped_any,
            }
        })
}

/// What the reassembler produced, checked byte by byte against the stream.
struct Outcome {
    /// Stream position reached (data + gaps).
    position: usize,
    delivered: Vec<u8>,
    gap_bytes: u64,
    /// First delivered chunk that was not at its place, if any.
    misplaced: Option<usize>,
    max_buffered_bytes: usize,
    max_buffered_segments: usize,
}

fn run(s: &Scenario, limits: &ReassemblyLimits) -> (Outcome, TcpStream) {
    let mut stream = TcpStream::new();
    let mut o = Outcome {
        position: 0,
        delivered: Vec::new(),
        gap_bytes: 0,
        misplaced: None,
        max_buffered_bytes: 0,
        max_buffered_segments: 0,
    };
    {
        let mut sink = |c: StreamChunk<'_>| match c {
            StreamChunk::Data(d) => {
                let end = o.position + d.len();
                if s.stream.get(o.position..end) != Some(d) && o.misplaced.is_none() {
                    o.misplaced = Some(o.position);
                }
                o.delivered.extend_from_slice(d);
                o.position = end;
            }
            StreamChunk::Gap(n) => {
                o.position += n as usize;
                o.gap_bytes += u64::from(n);
            }
        };
        stream.push(s.isn, true, false, false, b"", limits, &mut sink);
        let mut peak = (0, 0);
        for p in &s.order {
            let seq = s.isn.wrapping_add(1).wrapping_add(p.offset as u32);
            stream.push(seq, false, false, false, &p.bytes, limits, &mut sink);
            peak.0 = peak.0.max(stream.buffered_bytes());
            peak.1 = peak.1.max(stream.buffered_segments());
        }
        stream.flush(&mut sink);
        o.max_buffered_bytes = peak.0;
        o.max_buffered_segments = peak.1;
    }
    (o, stream)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn without_drops_delivers_the_original_stream_exactly(s in scenario(false, true)) {
        let (o, stream) = run(&s, &ReassemblyLimits::default());
        prop_assert_eq!(&o.delivered, &s.stream);
        prop_assert_eq!(o.gap_bytes, 0);
        prop_assert_eq!(stream.stats().delivered_bytes, s.stream.len() as u64);
        prop_assert_eq!(stream.buffered_bytes(), 0);
        prop_assert_eq!(
            stream.next_seq(),
            Some(s.isn.wrapping_add(1).wrapping_add(s.stream.len() as u32))
        );
        prop_assert!(s.segments.len() <= s.order.len());
    }

    #[test]
    fn with_drops_data_and_gaps_cover_the_stream_with_bytes_in_place(s in scenario(true, false)) {
        let (o, stream) = run(&s, &ReassemblyLimits::default());
        prop_assert_eq!(o.misplaced, None);
        prop_assert_eq!(o.position, s.stream.len());
        prop_assert_eq!(o.delivered.len() as u64 + o.gap_bytes, s.stream.len() as u64);
        prop_assert_eq!(stream.stats().gap_bytes, o.gap_bytes);
        prop_assert_eq!(stream.stats().delivered_bytes, o.delivered.len() as u64);
        if !s.dropped_any {
            prop_assert_eq!(&o.delivered, &s.stream);
        }
    }

    #[test]
    fn tight_limits_keep_memory_bounded_and_bytes_in_place(
        s in scenario(true, false),
        max_bytes in 0usize..700,
        max_segments in 0usize..6,
        window in 0u32..4000,
    ) {
        let limits = ReassemblyLimits { max_buffered_bytes: max_bytes, max_segments, window };
        let (o, stream) = run(&s, &limits);
        prop_assert!(o.max_buffered_bytes <= max_bytes, "{} > {}", o.max_buffered_bytes, max_bytes);
        prop_assert!(o.max_buffered_segments <= max_segments);
        prop_assert_eq!(o.misplaced, None);
        prop_assert_eq!(o.position, s.stream.len());
        prop_assert!(stream.stats().dropped_over_cap_bytes <= o.gap_bytes);
    }

    #[test]
    fn late_corrupted_copies_never_change_delivered_bytes_under_tight_limits(
        s in scenario(false, true),
        max_bytes in 0usize..700,
        max_segments in 0usize..6,
    ) {
        let limits = ReassemblyLimits { max_buffered_bytes: max_bytes, max_segments, window: 1 << 20 };
        let (o, _) = run(&s, &limits);
        prop_assert_eq!(o.misplaced, None);
        prop_assert_eq!(o.position, s.stream.len());
    }
}

#[test]
fn mid_stream_start_across_wrap_reorders_and_drops_older_data() {
    let limits = ReassemblyLimits::default();
    let mut stream = TcpStream::new();
    let mut got = Vec::new();
    let mut sink = |c: StreamChunk<'_>| {
        if let StreamChunk::Data(d) = c {
            got.extend_from_slice(d);
        }
    };
    stream.push(0xFFFF_FFFE, false, false, false, b"ab", &limits, &mut sink);
    stream.push(0x0000_0002, false, false, false, b"ef", &limits, &mut sink);
    stream.push(0x0000_0000, false, false, false, b"cd", &limits, &mut sink);
    // Older than the segment the stream synchronised on: a retransmission.
    stream.push(
        0xFFFF_FFF0,
        false,
        false,
        false,
        b"before",
        &limits,
        &mut sink,
    );
    stream.flush(&mut sink);
    assert_eq!(got, b"abcdef");
    assert_eq!(stream.stats().retransmitted_bytes, 6);
    assert_eq!(stream.next_seq(), Some(4));
}
