// SPDX-License-Identifier: Apache-2.0
//! `LINKTYPE_*` values: what the first byte of a packet's data is.
//!
//! The numbers are the ones written in pcap and pcapng files (tcpdump.org
//! "Link-layer header types"); they differ from some platforms' `DLT_*`
//! values, so a reader never translates them. Only the types a plant network
//! capture is likely to carry are named here; any other value is passed
//! through unchanged in [`crate::RawPacket::link_type`].

/// 0 BSD loopback: a 4-byte address family in the *capturing host's* byte order, then IP.
pub const NULL: u32 = 0;
/// 1 Ethernet II / IEEE 802.3 (with or without 802.1Q tags).
pub const ETHERNET: u32 = 1;
/// 9 PPP, RFC 1661 framing.
pub const PPP: u32 = 9;
/// 101 Raw IP: the packet starts with an IPv4 or IPv6 header (version nibble decides).
pub const RAW: u32 = 101;
/// 104 Cisco HDLC.
pub const C_HDLC: u32 = 104;
/// 105 IEEE 802.11 wireless LAN, no radio header.
pub const IEEE802_11: u32 = 105;
/// 108 OpenBSD loopback: a 4-byte address family in network byte order, then IP.
pub const LOOP: u32 = 108;
/// 113 Linux "cooked" capture v1 (`tcpdump -i any`): 16-byte SLL header.
pub const LINUX_SLL: u32 = 113;
/// 127 IEEE 802.11 with a radiotap header.
pub const IEEE802_11_RADIOTAP: u32 = 127;
/// 192 Per-Packet Information header, then the packet.
pub const PPI: u32 = 192;
/// 228 Raw IPv4: the packet starts with an IPv4 header.
pub const IPV4: u32 = 228;
/// 229 Raw IPv6: the packet starts with an IPv6 header.
pub const IPV6: u32 = 229;
/// 276 Linux "cooked" capture v2: 20-byte SLL2 header (carries the interface index).
pub const LINUX_SLL2: u32 = 276;

/// Every named link type: value, `LINKTYPE_` name, short description.
pub const TABLE: &[(u32, &str, &str)] = &[
    (NULL, "NULL", "BSD loopback, host-order address family"),
    (ETHERNET, "ETHERNET", "Ethernet"),
    (PPP, "PPP", "PPP"),
    (RAW, "RAW", "raw IPv4 or IPv6"),
    (C_HDLC, "C_HDLC", "Cisco HDLC"),
    (IEEE802_11, "IEEE802_11", "802.11 wireless"),
    (
        LOOP,
        "LOOP",
        "OpenBSD loopback, network-order address family",
    ),
    (LINUX_SLL, "LINUX_SLL", "Linux cooked capture v1"),
    (
        IEEE802_11_RADIOTAP,
        "IEEE802_11_RADIOTAP",
        "802.11 with radiotap header",
    ),
    (PPI, "PPI", "Per-Packet Information"),
    (IPV4, "IPV4", "raw IPv4"),
    (IPV6, "IPV6", "raw IPv6"),
    (LINUX_SLL2, "LINUX_SLL2", "Linux cooked capture v2"),
];

/// The `LINKTYPE_` name of a value, if it is in [`TABLE`].
#[must_use]
pub fn name(link_type: u32) -> Option<&'static str> {
    TABLE
        .iter()
        .find(|(v, _, _)| *v == link_type)
        .map(|(_, n, _)| *n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_values_are_unique_and_named() {
        for (i, (v, n, _)) in TABLE.iter().enumerate() {
            assert!(TABLE[i + 1..].iter().all(|(w, _, _)| w != v), "{n} twice");
            assert_eq!(name(*v), Some(*n));
        }
        assert_eq!(name(ETHERNET), Some("ETHERNET"));
        assert_eq!(name(65_000), None);
    }
}
