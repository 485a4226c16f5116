// SPDX-License-Identifier: Apache-2.0
//! Property tests for [`plantguard_wire::ipfrag::Defragmenter`]: any arrival
//! order of the fragments of a datagram (with duplicates and re-fragmented
//! copies) gives back the datagram, and the limits hold under floods.
#![allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use plantguard_wire::ipfrag::{DefragLimits, Defragmenter, FragKey};
use proptest::prelude::*;
use proptest::sample::Index;
use std::net::{IpAddr, Ipv4Addr};

#[derive(Clone, Debug)]
struct Fragment {
    offset: u32,
    more: bool,
    bytes: Vec<u8>,
}

fn key(id: u32) -> FragKey {
    FragKey {
        src: IpAddr::V4(Ipv4Addr::new(10, 1, 1, 1)),
        dst: IpAddr::V4(Ipv4Addr::new(10, 1, 1, 2)),
        id,
        protocol: 17,
        vlan: 0,
    }
}

/// Cuts `datagram` at multiples of 8 (as IPv4 requires), `units` giving each
/// fragment's length in 8-byte units, used cyclically.
fn cut(datagram: &[u8], units: &[usize]) -> Vec<Fragment> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < datagram.len() {
        let len = (units[out.len() % units.len()] * 8).min(datagram.len() - at);
        out.push(Fragment {
            offset: at as u32,
            more: at + len < datagram.len(),
            bytes: datagram[at..at + len].to_vec(),
        });
        at += len;
    }
    out
}

/// A datagram, its fragments in a random order, plus clean copies of
/// arbitrary 8-aligned ranges (a re-fragmented retransmission) inserted
/// anywhere before the end.
fn shuffled() -> impl Strategy<Value = (Vec<u8>, Vec<Fragment>)> {
    (
        prop::collection::vec(any::<u8>(), 1..5000),
        prop::collection::vec(1usize..200, 1..16),
        prop::collection::vec((any::<Index>(), 1usize..64, any::<Index>()), 0..6),
    )
        .prop_flat_map(|(datagram, units, copies)| {
            let frags = cut(&datagram, &units);
            (Just(datagram), Just(copies), Just(frags).prop_shuffle())
        })
        .prop_map(|(datagram, copies, mut frags)| {
            for (start, units, place) in copies {
                let offset = start.index(datagram.len()) / 8 * 8;
                let end = (offset + units * 8).min(datagram.len());
                let copy = Fragment {
                    offset: offset as u32,
                    more: end < datagram.len(),
                    bytes: datagram[offset..end].to_vec(),
                };
                // Before the last element, so the datagram completes once.
                let at = place.index(frags.len());
                frags.insert(at, copy);
            }
            (datagram, frags)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_fragment_order_reassembles_the_datagram((datagram, frags) in shuffled()) {
        let mut d = Defragmenter::new(DefragLimits::default());
        let mut first: Option<Vec<u8>> = None;
        for (i, f) in frags.iter().enumerate() {
            if let Some(done) = d.push(i as i64, key(7), f.offset, f.more, &f.bytes) {
                first.get_or_insert_with(|| done.to_vec());
            }
        }
        prop_assert_eq!(first.as_deref(), Some(&datagram[..]));
        let unfragmented = frags.iter().any(|f| f.offset == 0 && !f.more);
        prop_assert!(d.stats().completed >= 1 || unfragmented);
        prop_assert_eq!(d.stats().overlap_conflicts, 0);
        prop_assert_eq!(d.stats().too_big, 0);
        prop_assert_eq!(d.stats().inconsistent, 0);
    }

    #[test]
    fn floods_of_random_fragments_stay_within_limits(
        frags in prop::collection::vec(
            (0u32..6, 0u32..70_000, any::<bool>(), 0usize..3000, 0i64..5_000_000_000),
            0..200,
        ),
        max_datagrams in 0usize..4,
        max_bytes in 0usize..70_000,
    ) {
        let limits = DefragLimits {
            max_datagrams,
            max_datagram_bytes: max_bytes,
            timeout_nanos: 1_000_000_000,
        };
        let mut d = Defragmenter::new(limits);
        let filler = vec![0x5Au8; 3000];
        for (id, offset, more, len, ts) in frags {
            if let Some(done) = d.push(ts, key(id), offset, more, &filler[..len]) {
                prop_assert!(done.len() <= max_bytes.max(len));
            }
            prop_assert!(d.in_progress() <= max_datagrams);
            prop_assert!(d.buffered_bytes() <= max_datagrams * max_bytes);
            d.expire(ts);
        }
    }
}
