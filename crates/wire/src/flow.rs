// SPDX-License-Identifier: Apache-2.0
//! Bidirectional flow keys and the symmetric hash that assigns flows to workers.

use std::net::IpAddr;

/// Identifies a bidirectional flow: VLAN tags, transport protocol and the two
/// (address, port) ends in canonical order, so both directions of a
/// conversation map to the same key.
///
/// Addresses are kept as 16-byte arrays (IPv4 in the first four bytes, with
/// the family alongside) so that comparing and hashing a key is a few word
/// operations on the per-packet path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FlowKey {
    /// VLAN ids, outermost first (0 = untagged). Part of the key: the same
    /// addresses on two VLANs are two conversations.
    pub vlans: [u16; 2],
    /// IP protocol number.
    pub protocol: u8,
    v6: bool,
    lo_addr: [u8; 16],
    lo_port: u16,
    hi_addr: [u8; 16],
    hi_port: u16,
}

#[inline]
fn addr_bytes(a: IpAddr) -> [u8; 16] {
    match a {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            [o[0], o[1], o[2], o[3], 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        }
        IpAddr::V6(v6) => v6.octets(),
    }
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
        let v6 = src.0.is_ipv6();
        let s = (addr_bytes(src.0), src.1);
        let d = (addr_bytes(dst.0), dst.1);
        let forward = s <= d;
        // Which end sorts first is as good as random from packet to packet:
        // a select, never a branch (a profile-guided build turned the plain
        // `if` into one).
        let (lo, hi) = core::hint::select_unpredictable(forward, (s, d), (d, s));
        (
            FlowKey {
                vlans,
                protocol,
                v6,
                lo_addr: lo.0,
                lo_port: lo.1,
                hi_addr: hi.0,
                hi_port: hi.1,
            },
            forward,
        )
    }

    fn ip(&self, b: [u8; 16]) -> IpAddr {
        if self.v6 {
            IpAddr::V6(std::net::Ipv6Addr::from(b))
        } else {
            IpAddr::V4(std::net::Ipv4Addr::new(b[0], b[1], b[2], b[3]))
        }
    }

    /// The lower (address, port) end.
    pub fn lo(&self) -> (IpAddr, u16) {
        (self.ip(self.lo_addr), self.lo_port)
    }

    /// The higher (address, port) end.
    pub fn hi(&self) -> (IpAddr, u16) {
        (self.ip(self.hi_addr), self.hi_port)
    }

    /// The (originator, responder) ends, given whether the originator is
    /// the lower end.
    pub fn ends(&self, orig_is_lo: bool) -> ((IpAddr, u16), (IpAddr, u16)) {
        if orig_is_lo {
            (self.lo(), self.hi())
        } else {
            (self.hi(), self.lo())
        }
    }

    /// The port of the lower end (without building its address).
    pub fn lo_port(&self) -> u16 {
        self.lo_port
    }

    /// The port of the higher end.
    pub fn hi_port(&self) -> u16 {
        self.hi_port
    }

    /// A well-mixed 64-bit hash of the whole key, for flow tables.
    #[inline]
    pub fn hash64(&self) -> u64 {
        let w = |b: &[u8; 16]| {
            let (x, y) = b.split_at(8);
            let x = u64::from_le_bytes(x.try_into().unwrap_or([0; 8]));
            let y = u64::from_le_bytes(y.try_into().unwrap_or([0; 8]));
            (x, y)
        };
        let (a, b) = w(&self.lo_addr);
        let (c, d) = w(&self.hi_addr);
        let tail = (u64::from(self.lo_port) << 48)
            | (u64::from(self.hi_port) << 32)
            | (u64::from(self.vlans[0]) << 20)
            | (u64::from(self.vlans[1]) << 8)
            | u64::from(self.protocol);
        let mut h = mix(a ^ 0x243f_6a88_85a3_08d3);
        h = mix(h ^ b);
        h = mix(h ^ c);
        h = mix(h ^ d);
        mix(h ^ tail)
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
        IpAddr::V4(v4) => v4_word(v4.octets()),
        IpAddr::V6(v6) => v6_word(v6.octets()),
    }
}

#[inline]
fn v4_word(octets: [u8; 4]) -> u64 {
    u64::from(u32::from_be_bytes(octets))
}

#[inline]
fn v6_word(octets: [u8; 16]) -> u64 {
    let x = u128::from_be_bytes(octets);
    (x as u64) ^ ((x >> 64) as u64).rotate_left(17) ^ 0x6000_0000_0000_0000
}

/// [`shard_hash`] of two address words.
#[inline]
fn pair_hash(vlans: [u16; 2], x: u64, y: u64) -> u64 {
    let (lo, hi) = if x <= y { (x, y) } else { (y, x) };
    let v = (u64::from(vlans[0]) << 16) | u64::from(vlans[1]);
    // One finaliser round: every worker hashes every frame, and a slot
    // needs only well-mixed low bits.
    mix((lo ^ v.rotate_left(48)).wrapping_add(hi.rotate_left(32)))
}

/// Symmetric hash of a packet's VLANs and address pair, used to pick the
/// worker that owns its flow.
///
/// Ports are left out on purpose: non-first IP fragments carry no ports, and
/// they must reach the worker that owns the rest of their flow. The hash is
/// the same on every platform and run, so sharding is reproducible.
#[inline]
pub fn shard_hash(vlans: [u16; 2], a: IpAddr, b: IpAddr) -> u64 {
    pair_hash(vlans, addr_word(a), addr_word(b))
}

/// The worker-assignment hash of a raw frame, read straight from the link
/// and IP headers without a full decode: the same inputs as [`shard_hash`]
/// (VLAN ids and the address pair). `None` when the frame is not IPv4/IPv6
/// over a link type this fast path knows, or too short; such frames all go
/// to one worker.
///
/// With several workers every worker computes it for every frame, so the
/// common case (untagged IPv4 over Ethernet) is read with one bounds check.
#[inline]
pub fn frame_shard_hash(link_type: u32, frame: &[u8]) -> Option<u64> {
    if link_type == crate::linktype::ETHERNET {
        // Untagged: ethertype (12..14), IPv4 version (14), source (26..30),
        // destination (30..34). One 802.1Q tag: everything 4 bytes later.
        // Tagged or not is chosen by arithmetic, not by a branch: whether a
        // flow is tagged is as good as random from frame to frame, and a
        // mispredicted branch here, paid by every worker for every frame,
        // cost more than the rest of the hash.
        if let Some(h) = frame
            .get(12..38)
            .and_then(|s| <&[u8; 26]>::try_from(s).ok())
        {
            let tagged = u16::from_be_bytes([h[0], h[1]]) == 0x8100;
            let at = usize::from(tagged) * 4;
            let vlan = (u16::from_be_bytes([h[2], h[3]]) & 0x0FFF) * u16::from(tagged);
            let word = |i: usize| {
                let b = h.get(at + i..at + i + 4).unwrap_or(&[0; 4]);
                v4_word([b[0], b[1], b[2], b[3]])
            };
            let ethertype = u16::from_be_bytes([h[at], h[at + 1]]);
            if (ethertype == 0x0800) & (h[at + 2] >> 4 == 4) {
                return Some(pair_hash([vlan, 0], word(14), word(18)));
            }
        }
    }
    frame_shard_hash_general(link_type, frame)
}

/// [`frame_shard_hash`] for VLAN tags, IPv6 and the other link types.
fn frame_shard_hash_general(link_type: u32, frame: &[u8]) -> Option<u64> {
    use crate::linktype;
    let be16 = |at: usize| -> Option<u16> {
        let b = frame.get(at..at.checked_add(2)?)?;
        Some(u16::from_be_bytes([b[0], b[1]]))
    };
    let mut vlans = [0u16; 2];
    let (ethertype, at) = match link_type {
        linktype::ETHERNET => {
            let mut et = be16(12)?;
            let mut at = 14usize;
            let mut tags = 0usize;
            while matches!(et, 0x8100 | 0x88A8 | 0x9100) {
                let slot = vlans.get_mut(tags)?;
                *slot = be16(at)? & 0x0FFF;
                tags += 1;
                et = be16(at + 2)?;
                at += 4;
            }
            (et, at)
        }
        linktype::LINUX_SLL => (be16(14)?, 16),
        linktype::LINUX_SLL2 => (be16(0)?, 20),
        linktype::RAW | linktype::RAW_ALT | linktype::RAW_OPENBSD => match frame.first()? >> 4 {
            4 => (0x0800, 0),
            6 => (0x86DD, 0),
            _ => return None,
        },
        linktype::IPV4 => (0x0800, 0),
        linktype::IPV6 => (0x86DD, 0),
        _ => return None,
    };
    let ip = frame.get(at..)?;
    let (src, dst) = match ethertype {
        0x0800 => {
            let h: &[u8; 20] = ip.get(..20)?.try_into().ok()?;
            if h[0] >> 4 != 4 {
                return None;
            }
            (
                v4_word([h[12], h[13], h[14], h[15]]),
                v4_word([h[16], h[17], h[18], h[19]]),
            )
        }
        0x86DD => {
            let h = ip.get(..40)?;
            let s: [u8; 16] = h.get(8..24)?.try_into().ok()?;
            let d: [u8; 16] = h.get(24..40)?.try_into().ok()?;
            (v6_word(s), v6_word(d))
        }
        _ => return None,
    };
    Some(pair_hash(vlans, src, dst))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn ends_put_the_originator_first_whichever_end_is_lower() {
        let client = (ip("10.0.0.9"), 50123);
        let server = (ip("10.0.0.2"), 502);
        // The client is the higher end here, then the lower one.
        for (c, s) in [(client, server), ((ip("10.0.0.1"), 50123), server)] {
            let (key, client_is_lo) = FlowKey::new([0, 0], 6, c, s);
            assert_eq!(key.ends(client_is_lo), (c, s));
            // Seen from the server's first packet, the same flow.
            let (back, server_is_lo) = FlowKey::new([0, 0], 6, s, c);
            assert_eq!(back, key);
            assert_eq!(back.ends(!server_is_lo), (c, s));
        }
    }

    #[test]
    fn both_directions_give_the_same_key() {
        let (k1, fwd1) = FlowKey::new([0, 0], 6, (ip("10.0.0.9"), 50000), (ip("10.0.0.1"), 502));
        let (k2, fwd2) = FlowKey::new([0, 0], 6, (ip("10.0.0.1"), 502), (ip("10.0.0.9"), 50000));
        assert_eq!(k1, k2);
        assert_ne!(fwd1, fwd2);
    }

    #[test]
    fn ends_round_trip_and_hash_is_direction_free() {
        let a = (ip("2001:db8::1"), 443);
        let b = (ip("2001:db8::2"), 50000);
        let (k1, _) = FlowKey::new([0, 0], 6, a, b);
        let (k2, _) = FlowKey::new([0, 0], 6, b, a);
        assert_eq!((k1.lo(), k1.hi()), (a, b));
        assert_eq!(k1.hash64(), k2.hash64());
        let (k4, _) = FlowKey::new([7, 0], 17, (ip("10.0.0.1"), 1), (ip("10.0.0.2"), 2));
        assert_eq!(k4.lo(), (ip("10.0.0.1"), 1));
    }

    #[test]
    fn fast_frame_hash_matches_the_decoded_one() {
        // Ethernet + 802.1Q 100 + IPv4 10.30.0.5 -> 10.30.0.10 (TCP header omitted: not needed).
        let mut f = vec![0u8; 12];
        f.extend_from_slice(&[0x81, 0x00, 0x00, 0x64, 0x08, 0x00]);
        f.extend_from_slice(&[
            0x45, 0, 0, 20, 0, 0, 0, 0, 64, 6, 0, 0, 10, 30, 0, 5, 10, 30, 0, 10,
        ]);
        let want = shard_hash([100, 0], ip("10.30.0.5"), ip("10.30.0.10"));
        assert_eq!(frame_shard_hash(crate::linktype::ETHERNET, &f), Some(want));
        assert_eq!(frame_shard_hash(crate::linktype::ETHERNET, &f[..20]), None);
        // Untagged (the one-bounds-check path) and IPv6 agree with the decoded hash too.
        let mut u = vec![0u8; 12];
        u.extend_from_slice(&[0x08, 0x00]);
        u.extend_from_slice(&f[18..]);
        let want = shard_hash([0, 0], ip("10.30.0.5"), ip("10.30.0.10"));
        assert_eq!(frame_shard_hash(crate::linktype::ETHERNET, &u), Some(want));
        assert_eq!(frame_shard_hash(crate::linktype::RAW, &u[14..]), Some(want));
        assert_eq!(frame_shard_hash(crate::linktype::ETHERNET, &u[..33]), None);
        let mut v6 = vec![0u8; 12];
        v6.extend_from_slice(&[0x86, 0xDD, 0x60]);
        v6.extend_from_slice(&[0u8; 7]);
        v6.extend_from_slice(&ip6_octets("2001:db8::1"));
        v6.extend_from_slice(&ip6_octets("2001:db8::2"));
        let want = shard_hash([0, 0], ip("2001:db8::2"), ip("2001:db8::1"));
        assert_eq!(frame_shard_hash(crate::linktype::ETHERNET, &v6), Some(want));
    }

    fn ip6_octets(s: &str) -> [u8; 16] {
        s.parse::<std::net::Ipv6Addr>().unwrap().octets()
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
        // Every one of the 64 slots gets its share of a plant's usual shapes:
        // many hosts polled by one server, the same pairs on many VLANs,
        // neighbours on one subnet talking to each other, and cells built
        // from one address plan (PLC .10 and HMI .20 in every 10.N.M.0/24).
        let server = ip("10.0.0.10");
        let mut slots = [0u32; 64];
        for i in 0..6400u32 {
            let host = IpAddr::V4(std::net::Ipv4Addr::from(0x0a01_0000 + i));
            slots[(shard_hash([0, 0], server, host) % 64) as usize] += 1;
        }
        for vlan in 1..=4094u16 {
            slots[(shard_hash([vlan, 0], server, a) % 64) as usize] += 1;
        }
        for i in 0..6400u32 {
            let x = IpAddr::V4(std::net::Ipv4Addr::from(0xc0a8_0000 + i));
            let y = IpAddr::V4(std::net::Ipv4Addr::from(0xc0a8_0000 + i + 1));
            slots[(shard_hash([0, 0], x, y) % 64) as usize] += 1;
        }
        for cell in 0..6400u32 {
            let base = 0x0a00_0000 + (cell << 8);
            let plc = IpAddr::V4(std::net::Ipv4Addr::from(base + 10));
            let hmi = IpAddr::V4(std::net::Ipv4Addr::from(base + 20));
            slots[(shard_hash([0, 0], plc, hmi) % 64) as usize] += 1;
        }
        // 23,294 pairs: 364 a slot on average.
        let (min, max) = (slots.iter().min(), slots.iter().max());
        assert!(
            slots.iter().all(|&n| (270..=460).contains(&n)),
            "{min:?}..{max:?}: {slots:?}"
        );
    }
}
