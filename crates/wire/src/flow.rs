// SPDX-License-Identifier: Apache-2.0
//! Bidirectional flow keys and the symmetric hash that assigns flows to workers.

use std::net::IpAddr;

/// Identifies a bidirectional flow: VLAN tags, transport protocol and the two
/// (address, port) ends in canonical order, so both directions of a
/// conversation map to the same key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FlowKey {
    /// VLAN ids, outermost first (0 = untagged). Part of the key: the same
    /// addresses on two VLANs are two conversations.
    pub vlans: [u16; 2],
    /// IP protocol number.
    pub protocol: u8,
    /// The lower (address, port) end.
    pub lo: (IpAddr, u16),
    /// The higher (address, port) end.
    pub hi: (IpAddr, u16),
}

impl FlowKey {
    /// Builds the key for a packet from `src` to `dst`. The boolean is true
    /// when the packet travels from `lo` to `hi`.
    #[inline]
    pub fn new(
        vlans: [u16; 2],
        protocol: u8,
        src: (IpAddr, u16),
        dst: (IpAddr, u16),
    ) -> (FlowKey, bool) {
        if src <= dst {
            (
                FlowKey {
                    vlans,
                    protocol,
                    lo: src,
                    hi: dst,
                },
                true,
            )
        } else {
            (
                FlowKey {
                    vlans,
                    protocol,
                    lo: dst,
                    hi: src,
                },
                false,
            )
        }
    }
}

/// SplitMix64 finaliser: a fast, well-distributed 64-bit mix.
#[inline]
const fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[inline]
fn addr_word(a: IpAddr) -> u64 {
    match a {
        IpAddr::V4(v4) => u64::from(u32::from(v4)),
        IpAddr::V6(v6) => {
            let x = u128::from(v6);
            (x as u64) ^ ((x >> 64) as u64).rotate_left(17) ^ 0x6000_0000_0000_0000
        }
    }
}

/// Symmetric hash of a packet's VLANs and address pair, used to pick the
/// worker that owns its flow.
///
/// Ports are left out on purpose: non-first IP fragments carry no ports, and
/// they must reach the worker that owns the rest of their flow. The hash is
/// the same on every platform and run, so sharding is reproducible.
#[inline]
pub fn shard_hash(vlans: [u16; 2], a: IpAddr, b: IpAddr) -> u64 {
    let (x, y) = (addr_word(a), addr_word(b));
    let (lo, hi) = if x <= y { (x, y) } else { (y, x) };
    let v = (u64::from(vlans[0]) << 16) | u64::from(vlans[1]);
    mix(mix(lo ^ v.rotate_left(48)).wrapping_add(hi))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn both_directions_give_the_same_key() {
        let (k1, fwd1) = FlowKey::new([0, 0], 6, (ip("10.0.0.9"), 50000), (ip("10.0.0.1"), 502));
        let (k2, fwd2) = FlowKey::new([0, 0], 6, (ip("10.0.0.1"), 502), (ip("10.0.0.9"), 50000));
        assert_eq!(k1, k2);
        assert_ne!(fwd1, fwd2);
    }

    #[test]
    fn vlan_is_part_of_the_key() {
        let a = (ip("10.0.0.9"), 1);
        let b = (ip("10.0.0.1"), 2);
        assert_ne!(
            FlowKey::new([10, 0], 6, a, b).0,
            FlowKey::new([20, 0], 6, a, b).0
        );
    }

    #[test]
    fn shard_hash_is_symmetric_and_spreads() {
        let a = ip("10.1.2.3");
        let b = ip("fe80::1");
        assert_eq!(shard_hash([5, 0], a, b), shard_hash([5, 0], b, a));
        let mut buckets = [0u32; 4];
        for i in 0..4000u32 {
            let x = IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + i));
            buckets[(shard_hash([0, 0], x, ip("10.255.0.1")) % 4) as usize] += 1;
        }
        assert!(buckets.iter().all(|&n| n > 800), "{buckets:?}");
    }
}
