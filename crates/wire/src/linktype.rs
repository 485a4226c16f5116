// SPDX-License-Identifier: Apache-2.0
//! LINKTYPE_* values (tcpdump.org link-layer header types) that [`crate::decode`] handles.

/// 0 BSD loopback (4-byte address family in host byte order).
pub const NULL: u32 = 0;
/// 1 Ethernet II / IEEE 802.3.
pub const ETHERNET: u32 = 1;
/// 12 raw IP on some BSDs (DLT_RAW).
pub const RAW_ALT: u32 = 12;
/// 14 raw IP on OpenBSD.
pub const RAW_OPENBSD: u32 = 14;
/// 101 raw IPv4 or IPv6, told apart by the version nibble.
pub const RAW: u32 = 101;
/// 108 OpenBSD loopback (address family in network byte order).
pub const LOOP: u32 = 108;
/// 113 Linux cooked capture v1 (SLL).
pub const LINUX_SLL: u32 = 113;
/// 228 raw IPv4.
pub const IPV4: u32 = 228;
/// 229 raw IPv6.
pub const IPV6: u32 = 229;
/// 276 Linux cooked capture v2 (SLL2).
pub const LINUX_SLL2: u32 = 276;
