// SPDX-License-Identifier: Apache-2.0
//! Zero-copy decoding of one captured frame, from the link layer to the
//! transport payload.
//!
//! [`decode`] never allocates and never panics. A frame cut short by the
//! capture's snaplen is decoded as far as it goes ([`Packet::truncated`]);
//! a header that is structurally invalid yields a [`DecodeError`] naming the
//! layer, which the engine counts by kind.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::linktype;

/// EtherType values the decoder understands.
pub mod ethertype {
    /// 0x0800 IPv4
    pub const IPV4: u16 = 0x0800;
    /// 0x0806 ARP
    pub const ARP: u16 = 0x0806;
    /// 0x86DD IPv6
    pub const IPV6: u16 = 0x86DD;
    /// 0x8100 IEEE 802.1Q VLAN tag
    pub const VLAN: u16 = 0x8100;
    /// 0x88A8 IEEE 802.1ad service tag (QinQ)
    pub const QINQ: u16 = 0x88A8;
    /// 0x9100 legacy QinQ tag
    pub const QINQ_OLD: u16 = 0x9100;
    /// 0x88CC LLDP
    pub const LLDP: u16 = 0x88CC;
    /// 0x8892 PROFINET (RT and DCP)
    pub const PROFINET: u16 = 0x8892;
    /// 0x88A4 EtherCAT
    pub const ETHERCAT: u16 = 0x88A4;
    /// 0x88B8 IEC 61850 GOOSE
    pub const GOOSE: u16 = 0x88B8;
    /// 0x88BA IEC 61850 Sampled Values
    pub const SV: u16 = 0x88BA;
    /// Pseudo EtherType for Cisco CDP frames (802.3 + SNAP, OUI 00:00:0C, PID 0x2000).
    pub const CDP: u16 = 0x2000;
    /// Pseudo EtherType for 802.3 frames with an LLC header that is not SNAP (STP, ...).
    pub const LLC: u16 = 0x0000;
}

/// IP protocol numbers the decoder understands.
pub mod ipproto {
    /// 1 ICMP
    pub const ICMP: u8 = 1;
    /// 6 TCP
    pub const TCP: u8 = 6;
    /// 17 UDP
    pub const UDP: u8 = 17;
    /// 58 ICMPv6
    pub const ICMPV6: u8 = 58;
}

/// TCP flag bits.
pub mod tcpflags {
    /// FIN
    pub const FIN: u8 = 0x01;
    /// SYN
    pub const SYN: u8 = 0x02;
    /// RST
    pub const RST: u8 = 0x04;
    /// PSH
    pub const PSH: u8 = 0x08;
    /// ACK
    pub const ACK: u8 = 0x10;
}

/// A structurally invalid header. Each variant is one counter in the stats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The link type is not one PlantGuard decodes.
    #[error("unsupported link type {0}")]
    UnsupportedLinkType(u32),
    /// The frame is shorter than its link-layer header.
    #[error("frame shorter than its link-layer header")]
    LinkTruncated,
    /// More VLAN tags than the decoder follows (two).
    #[error("more than two VLAN tags")]
    TooManyVlanTags,
    /// IPv4 header shorter than 20 bytes, or IHL below 5.
    #[error("IPv4 header is invalid")]
    Ipv4Header,
    /// IPv6 header shorter than 40 bytes.
    #[error("IPv6 header is invalid")]
    Ipv6Header,
    /// An IPv6 extension header runs past the packet.
    #[error("IPv6 extension header is invalid")]
    Ipv6Extension,
    /// IP version nibble is neither 4 nor 6 where IP was expected.
    #[error("IP version {0} is neither 4 nor 6")]
    IpVersion(u8),
    /// TCP header shorter than 20 bytes or data offset below 5.
    #[error("TCP header is invalid")]
    TcpHeader,
    /// UDP header shorter than 8 bytes.
    #[error("UDP header is invalid")]
    UdpHeader,
    /// ARP packet too short.
    #[error("ARP packet is invalid")]
    Arp,
}

impl DecodeError {
    /// A stable snake_case name for counters and JSON.
    pub const fn name(self) -> &'static str {
        match self {
            DecodeError::UnsupportedLinkType(_) => "unsupported_link_type",
            DecodeError::LinkTruncated => "link_truncated",
            DecodeError::TooManyVlanTags => "too_many_vlan_tags",
            DecodeError::Ipv4Header => "ipv4_header",
            DecodeError::Ipv6Header => "ipv6_header",
            DecodeError::Ipv6Extension => "ipv6_extension",
            DecodeError::IpVersion(_) => "ip_version",
            DecodeError::TcpHeader => "tcp_header",
            DecodeError::UdpHeader => "udp_header",
            DecodeError::Arp => "arp",
        }
    }
}

/// A MAC address.
pub type Mac = [u8; 6];

/// One decoded frame. Every slice borrows the captured bytes.
#[derive(Clone, Debug)]
pub struct Packet<'a> {
    /// Source MAC, when the link layer carries one.
    pub src_mac: Option<Mac>,
    /// Destination MAC, when the link layer carries one.
    pub dst_mac: Option<Mac>,
    /// VLAN ids, outermost first; 0 where absent (or priority-tagged).
    pub vlans: [u16; 2],
    /// EtherType of the network layer (after VLAN tags); pseudo values for CDP/LLC.
    pub ethertype: u16,
    /// The network layer.
    pub network: Network<'a>,
    /// True when the frame was cut by the capture's snaplen before the end
    /// of the IP datagram.
    pub truncated: bool,
}

impl Packet<'_> {
    /// The IP layer, if any.
    pub fn ip(&self) -> Option<&Ip<'_>> {
        match &self.network {
            Network::Ip(ip) => Some(ip),
            _ => None,
        }
    }
}

/// The network layer of a frame.
#[derive(Clone, Debug)]
pub enum Network<'a> {
    /// IPv4 or IPv6.
    Ip(Ip<'a>),
    /// ARP over Ethernet/IPv4.
    Arp(Arp),
    /// LLDP data units (parse with [`crate::neighbor::parse_lldp`]).
    Lldp(&'a [u8]),
    /// CDP payload (parse with [`crate::neighbor::parse_cdp`]).
    Cdp(&'a [u8]),
    /// Any other EtherType: the payload after the link header and tags.
    Other(&'a [u8]),
}

/// An IPv4 or IPv6 datagram.
#[derive(Clone, Debug)]
pub struct Ip<'a> {
    /// Source address.
    pub src: IpAddr,
    /// Destination address.
    pub dst: IpAddr,
    /// Transport protocol (after IPv6 extension headers).
    pub protocol: u8,
    /// TTL / hop limit.
    pub ttl: u8,
    /// Identification (IPv4) or fragment identification (IPv6 fragment header).
    pub id: u32,
    /// Don't Fragment flag (IPv4).
    pub dont_fragment: bool,
    /// Fragment position when the datagram is a fragment.
    pub fragment: Option<Fragment>,
    /// Bytes after the IP header(s), trimmed to the datagram length (drops Ethernet padding).
    pub payload: &'a [u8],
    /// The decoded transport layer.
    pub transport: Transport<'a>,
}

/// Where a fragment sits in its datagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fragment {
    /// Offset in bytes.
    pub offset: u32,
    /// More-fragments flag.
    pub more: bool,
}

/// The transport layer of a datagram.
#[derive(Clone, Debug)]
pub enum Transport<'a> {
    /// TCP segment.
    Tcp(Tcp<'a>),
    /// UDP datagram.
    Udp(Udp<'a>),
    /// ICMP / ICMPv6 message type and code.
    Icmp {
        /// Type.
        icmp_type: u8,
        /// Code.
        code: u8,
    },
    /// A fragment: the transport header is elsewhere (or needs reassembly).
    Fragment,
    /// Another protocol, not decoded.
    Other,
}

/// A TCP segment.
#[derive(Clone, Debug)]
pub struct Tcp<'a> {
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// Sequence number.
    pub seq: u32,
    /// Acknowledgement number.
    pub ack: u32,
    /// Flag bits (see [`tcpflags`]).
    pub flags: u8,
    /// Receive window (unscaled).
    pub window: u16,
    /// Raw options bytes.
    pub options: &'a [u8],
    /// Segment data (as captured).
    pub payload: &'a [u8],
}

impl Tcp<'_> {
    /// True when the SYN flag is set.
    pub const fn is_syn(&self) -> bool {
        self.flags & tcpflags::SYN != 0
    }
    /// True when the ACK flag is set.
    pub const fn is_ack(&self) -> bool {
        self.flags & tcpflags::ACK != 0
    }
    /// True when the FIN flag is set.
    pub const fn is_fin(&self) -> bool {
        self.flags & tcpflags::FIN != 0
    }
    /// True when the RST flag is set.
    pub const fn is_rst(&self) -> bool {
        self.flags & tcpflags::RST != 0
    }
}

/// A UDP datagram.
#[derive(Clone, Debug)]
pub struct Udp<'a> {
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// Datagram payload.
    pub payload: &'a [u8],
}

/// An ARP packet for IPv4 over Ethernet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arp {
    /// 1 request, 2 reply.
    pub operation: u16,
    /// Sender hardware address.
    pub sender_mac: Mac,
    /// Sender protocol address.
    pub sender_ip: Ipv4Addr,
    /// Target hardware address.
    pub target_mac: Mac,
    /// Target protocol address.
    pub target_ip: Ipv4Addr,
}

#[inline]
fn be16(b: &[u8], at: usize) -> Option<u16> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(u16::from_be_bytes([s[0], s[1]]))
}

#[inline]
fn mac(b: &[u8], at: usize) -> Option<Mac> {
    b.get(at..at.checked_add(6)?)?.try_into().ok()
}

/// Decodes one frame of the given LINKTYPE.
pub fn decode(link_type: u32, frame: &[u8]) -> Result<Packet<'_>, DecodeError> {
    match link_type {
        linktype::ETHERNET => decode_ethernet(frame),
        linktype::LINUX_SLL => {
            // Linux cooked v1: packet type(2) ARPHRD(2) addr len(2) addr(8) protocol(2)
            let hatype = be16(frame, 2).ok_or(DecodeError::LinkTruncated)?;
            let alen = be16(frame, 4).ok_or(DecodeError::LinkTruncated)?;
            let proto = be16(frame, 14).ok_or(DecodeError::LinkTruncated)?;
            let src = if hatype == 1 && alen == 6 {
                mac(frame, 6)
            } else {
                None
            };
            let rest = frame.get(16..).ok_or(DecodeError::LinkTruncated)?;
            decode_ethertype(src, None, [0, 0], proto, rest)
        }
        linktype::LINUX_SLL2 => {
            // Linux cooked v2: protocol(2) reserved(2) ifindex(4) ARPHRD(2) pkttype(1) addr len(1) addr(8)
            let proto = be16(frame, 0).ok_or(DecodeError::LinkTruncated)?;
            let hatype = be16(frame, 8).ok_or(DecodeError::LinkTruncated)?;
            let alen = *frame.get(11).ok_or(DecodeError::LinkTruncated)?;
            let src = if hatype == 1 && alen == 6 {
                mac(frame, 12)
            } else {
                None
            };
            let rest = frame.get(20..).ok_or(DecodeError::LinkTruncated)?;
            decode_ethertype(src, None, [0, 0], proto, rest)
        }
        linktype::RAW | linktype::RAW_OPENBSD | linktype::RAW_ALT => decode_raw_ip(frame),
        linktype::IPV4 => decode_ethertype(None, None, [0, 0], ethertype::IPV4, frame),
        linktype::IPV6 => decode_ethertype(None, None, [0, 0], ethertype::IPV6, frame),
        linktype::NULL | linktype::LOOP => {
            // 4-byte address family: host byte order for NULL (either order
            // in practice), network order for LOOP. AF_INET is 2 everywhere;
            // AF_INET6 is 10, 24, 28 or 30 depending on the OS.
            let fam = frame.get(..4).ok_or(DecodeError::LinkTruncated)?;
            let le = u32::from_le_bytes([fam[0], fam[1], fam[2], fam[3]]);
            let be = u32::from_be_bytes([fam[0], fam[1], fam[2], fam[3]]);
            let family = if le < 256 { le } else { be };
            let rest = frame.get(4..).ok_or(DecodeError::LinkTruncated)?;
            match family {
                2 => decode_ethertype(None, None, [0, 0], ethertype::IPV4, rest),
                10 | 24 | 28 | 30 => decode_ethertype(None, None, [0, 0], ethertype::IPV6, rest),
                _ => Ok(Packet {
                    src_mac: None,
                    dst_mac: None,
                    vlans: [0, 0],
                    ethertype: 0,
                    network: Network::Other(rest),
                    truncated: false,
                }),
            }
        }
        other => Err(DecodeError::UnsupportedLinkType(other)),
    }
}

fn decode_raw_ip(frame: &[u8]) -> Result<Packet<'_>, DecodeError> {
    let version = frame.first().ok_or(DecodeError::LinkTruncated)? >> 4;
    let et = match version {
        4 => ethertype::IPV4,
        6 => ethertype::IPV6,
        v => return Err(DecodeError::IpVersion(v)),
    };
    decode_ethertype(None, None, [0, 0], et, frame)
}

fn decode_ethernet(frame: &[u8]) -> Result<Packet<'_>, DecodeError> {
    let dst = mac(frame, 0).ok_or(DecodeError::LinkTruncated)?;
    let src = mac(frame, 6).ok_or(DecodeError::LinkTruncated)?;
    let mut et = be16(frame, 12).ok_or(DecodeError::LinkTruncated)?;
    let mut at = 14usize;
    let mut vlans = [0u16; 2];
    let mut tags = 0usize;
    while matches!(et, ethertype::VLAN | ethertype::QINQ | ethertype::QINQ_OLD) {
        let tci = be16(frame, at).ok_or(DecodeError::LinkTruncated)?;
        let slot = vlans.get_mut(tags).ok_or(DecodeError::TooManyVlanTags)?;
        *slot = tci & 0x0FFF;
        tags += 1;
        et = be16(frame, at + 2).ok_or(DecodeError::LinkTruncated)?;
        at += 4;
    }
    let rest = frame.get(at..).ok_or(DecodeError::LinkTruncated)?;
    if et <= 1500 {
        // IEEE 802.3 length field: LLC follows, maybe with SNAP.
        let llc_len = usize::from(et).min(rest.len());
        let llc = rest.get(..llc_len).unwrap_or(rest);
        if llc.len() >= 8 && llc[0] == 0xAA && llc[1] == 0xAA && llc[2] == 0x03 {
            let oui = [llc[3], llc[4], llc[5]];
            let pid = u16::from_be_bytes([llc[6], llc[7]]);
            let payload = &llc[8..];
            if oui == [0, 0, 0x0C] && pid == 0x2000 {
                return Ok(Packet {
                    src_mac: Some(src),
                    dst_mac: Some(dst),
                    vlans,
                    ethertype: ethertype::CDP,
                    network: Network::Cdp(payload),
                    truncated: false,
                });
            }
            if oui == [0, 0, 0] {
                return decode_ethertype(Some(src), Some(dst), vlans, pid, payload);
            }
        }
        return Ok(Packet {
            src_mac: Some(src),
            dst_mac: Some(dst),
            vlans,
            ethertype: ethertype::LLC,
            network: Network::Other(llc),
            truncated: false,
        });
    }
    decode_ethertype(Some(src), Some(dst), vlans, et, rest)
}

fn decode_ethertype(
    src_mac: Option<Mac>,
    dst_mac: Option<Mac>,
    vlans: [u16; 2],
    et: u16,
    rest: &[u8],
) -> Result<Packet<'_>, DecodeError> {
    let mut truncated = false;
    let network = match et {
        ethertype::IPV4 => {
            let (ip, cut) = decode_ipv4(rest)?;
            truncated = cut;
            Network::Ip(ip)
        }
        ethertype::IPV6 => {
            let (ip, cut) = decode_ipv6(rest)?;
            truncated = cut;
            Network::Ip(ip)
        }
        ethertype::ARP => Network::Arp(decode_arp(rest)?),
        ethertype::LLDP => Network::Lldp(rest),
        _ => Network::Other(rest),
    };
    Ok(Packet {
        src_mac,
        dst_mac,
        vlans,
        ethertype: et,
        network,
        truncated,
    })
}

// Out of line, as IPv6 below: the IPv4 path of `decode` stays short.
#[inline(never)]
fn decode_arp(b: &[u8]) -> Result<Arp, DecodeError> {
    // htype(2) ptype(2) hlen(1) plen(1) oper(2) sha(6) spa(4) tha(6) tpa(4)
    if b.len() < 28 || b[4] != 6 || b[5] != 4 {
        return Err(DecodeError::Arp);
    }
    let ip = |at: usize| Ipv4Addr::new(b[at], b[at + 1], b[at + 2], b[at + 3]);
    Ok(Arp {
        operation: u16::from_be_bytes([b[6], b[7]]),
        sender_mac: mac(b, 8).ok_or(DecodeError::Arp)?,
        sender_ip: ip(14),
        target_mac: mac(b, 18).ok_or(DecodeError::Arp)?,
        target_ip: ip(24),
    })
}

/// IPv4 (RFC 791). Returns the datagram and whether the capture cut it short.
fn decode_ipv4(b: &[u8]) -> Result<(Ip<'_>, bool), DecodeError> {
    if b.len() < 20 {
        return Err(DecodeError::Ipv4Header);
    }
    let version = b[0] >> 4;
    if version != 4 {
        return Err(DecodeError::IpVersion(version));
    }
    let ihl = usize::from(b[0] & 0x0F) * 4;
    if ihl < 20 || ihl > b.len() {
        return Err(DecodeError::Ipv4Header);
    }
    let total = usize::from(u16::from_be_bytes([b[2], b[3]]));
    // Total length 0 is seen with TCP segmentation offload on the capturing
    // host: take what was captured.
    let end = if total == 0 { b.len() } else { total.max(ihl) };
    let truncated = end > b.len();
    let end = end.min(b.len());
    let id = u32::from(u16::from_be_bytes([b[4], b[5]]));
    let flags_frag = u16::from_be_bytes([b[6], b[7]]);
    let dont_fragment = flags_frag & 0x4000 != 0;
    let more = flags_frag & 0x2000 != 0;
    let offset = u32::from(flags_frag & 0x1FFF) * 8;
    let protocol = b[9];
    let src = IpAddr::V4(Ipv4Addr::new(b[12], b[13], b[14], b[15]));
    let dst = IpAddr::V4(Ipv4Addr::new(b[16], b[17], b[18], b[19]));
    let payload = &b[ihl..end];
    let fragment = (more || offset != 0).then_some(Fragment { offset, more });
    let transport = if offset != 0 {
        Transport::Fragment
    } else if more {
        // First fragment: the transport header is here but the payload is partial.
        Transport::Fragment
    } else {
        transport_or_cut(protocol, payload, truncated)?
    };
    Ok((
        Ip {
            src,
            dst,
            protocol,
            ttl: b[8],
            id,
            dont_fragment,
            fragment,
            payload,
            transport,
        },
        truncated,
    ))
}

/// IPv6 (RFC 8200) with hop-by-hop, routing, fragment and destination-options headers.
#[inline(never)]
fn decode_ipv6(b: &[u8]) -> Result<(Ip<'_>, bool), DecodeError> {
    if b.len() < 40 {
        return Err(DecodeError::Ipv6Header);
    }
    let version = b[0] >> 4;
    if version != 6 {
        return Err(DecodeError::IpVersion(version));
    }
    let plen = usize::from(u16::from_be_bytes([b[4], b[5]]));
    let end = if plen == 0 { b.len() } else { 40 + plen };
    let truncated = end > b.len();
    let end = end.min(b.len());
    let mut next = b[6];
    let hop = b[7];
    let mut src = [0u8; 16];
    src.copy_from_slice(&b[8..24]);
    let mut dst = [0u8; 16];
    dst.copy_from_slice(&b[24..40]);
    let mut at = 40usize;
    let mut fragment = None;
    let mut id = 0u32;
    // Follow at most 8 extension headers: more is an evasion attempt or garbage.
    for _ in 0..8 {
        match next {
            0 | 43 | 60 => {
                let h = b.get(at..at + 2).ok_or(DecodeError::Ipv6Extension)?;
                let len = (usize::from(h[1]) + 1) * 8;
                next = h[0];
                at += len;
                if at > end {
                    return Err(DecodeError::Ipv6Extension);
                }
            }
            44 => {
                let h = b.get(at..at + 8).ok_or(DecodeError::Ipv6Extension)?;
                next = h[0];
                let fo = u16::from_be_bytes([h[2], h[3]]);
                fragment = Some(Fragment {
                    offset: u32::from(fo & 0xFFF8),
                    more: fo & 1 != 0,
                });
                id = u32::from_be_bytes([h[4], h[5], h[6], h[7]]);
                at += 8;
            }
            _ => break,
        }
    }
    let payload = b.get(at..end).ok_or(DecodeError::Ipv6Extension)?;
    let transport = if fragment.is_some() {
        Transport::Fragment
    } else {
        transport_or_cut(next, payload, truncated)?
    };
    Ok((
        Ip {
            src: IpAddr::V6(Ipv6Addr::from(src)),
            dst: IpAddr::V6(Ipv6Addr::from(dst)),
            protocol: next,
            ttl: hop,
            id,
            dont_fragment: false,
            fragment,
            payload,
            transport,
        },
        truncated,
    ))
}

/// A transport header cut by the snaplen is not an error: the frame is
/// decoded as far as it goes.
fn transport_or_cut(protocol: u8, b: &[u8], truncated: bool) -> Result<Transport<'_>, DecodeError> {
    match decode_transport(protocol, b) {
        Err(_) if truncated => Ok(Transport::Other),
        other => other,
    }
}

/// Decodes a transport header from a complete (or reassembled) IP payload.
pub fn decode_transport(protocol: u8, b: &[u8]) -> Result<Transport<'_>, DecodeError> {
    Ok(match protocol {
        ipproto::TCP => {
            if b.len() < 20 {
                return Err(DecodeError::TcpHeader);
            }
            let off = usize::from(b[12] >> 4) * 4;
            if off < 20 || off > b.len() {
                return Err(DecodeError::TcpHeader);
            }
            Transport::Tcp(Tcp {
                src_port: u16::from_be_bytes([b[0], b[1]]),
                dst_port: u16::from_be_bytes([b[2], b[3]]),
                seq: u32::from_be_bytes([b[4], b[5], b[6], b[7]]),
                ack: u32::from_be_bytes([b[8], b[9], b[10], b[11]]),
                flags: b[13],
                window: u16::from_be_bytes([b[14], b[15]]),
                options: &b[20..off],
                payload: &b[off..],
            })
        }
        ipproto::UDP => {
            if b.len() < 8 {
                return Err(DecodeError::UdpHeader);
            }
            let len = usize::from(u16::from_be_bytes([b[4], b[5]]));
            // Trust the UDP length only when it is consistent.
            let end = if (8..=b.len()).contains(&len) {
                len
            } else {
                b.len()
            };
            Transport::Udp(Udp {
                src_port: u16::from_be_bytes([b[0], b[1]]),
                dst_port: u16::from_be_bytes([b[2], b[3]]),
                payload: &b[8..end],
            })
        }
        ipproto::ICMP | ipproto::ICMPV6 => match b {
            [t, c, ..] => Transport::Icmp {
                icmp_type: *t,
                code: *c,
            },
            _ => Transport::Other,
        },
        _ => Transport::Other,
    })
}

/// TCP options that matter for passive OS fingerprinting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TcpOptions {
    /// Maximum segment size.
    pub mss: Option<u16>,
    /// Window scale shift.
    pub window_scale: Option<u8>,
    /// SACK permitted.
    pub sack_permitted: bool,
    /// Timestamps option present.
    pub timestamps: bool,
}

/// Parses TCP options (RFC 9293 §3.2); stops quietly at malformed bytes.
pub fn parse_tcp_options(mut b: &[u8]) -> TcpOptions {
    let mut o = TcpOptions::default();
    while let Some((&kind, rest)) = b.split_first() {
        match kind {
            0 => break,
            1 => b = rest,
            _ => {
                let Some(&len) = rest.first() else { break };
                let len = usize::from(len);
                if len < 2 || len > b.len() {
                    break;
                }
                let body = &b[2..len];
                match (kind, body) {
                    (2, [h, l]) => o.mss = Some(u16::from_be_bytes([*h, *l])),
                    (3, [s]) => o.window_scale = Some(*s),
                    (4, []) => o.sack_permitted = true,
                    (8, _) => o.timestamps = true,
                    _ => {}
                }
                b = &b[len..];
            }
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ethernet + 802.1Q (VLAN 100) + IPv4 + TCP SYN to port 502, as a Modbus client opens a connection.
    const VLAN_SYN: &[u8] = &[
        0x00, 0x80, 0xf4, 0x01, 0x02, 0x03, // dst MAC (Schneider OUI)
        0x00, 0x1b, 0x1b, 0x0a, 0x0b, 0x0c, // src MAC
        0x81, 0x00, // 802.1Q
        0x00, 0x64, // PCP 0, VLAN 100
        0x08, 0x00, // IPv4
        0x45, 0x00, 0x00, 0x2c, // v4, IHL 5, total 44
        0x12, 0x34, 0x40, 0x00, // id, DF
        0x40, 0x06, 0x00, 0x00, // TTL 64, TCP, checksum
        10, 30, 0, 5, // src
        10, 30, 0, 10, // dst
        0xc3, 0x50, 0x01, 0xf6, // sport 50000, dport 502
        0x00, 0x00, 0x00, 0x01, // seq
        0x00, 0x00, 0x00, 0x00, // ack
        0x60, 0x02, 0xfa, 0xf0, // data offset 6, SYN, window 64240
        0x00, 0x00, 0x00, 0x00, // checksum, urgent
        0x02, 0x04, 0x05, 0xb4, // MSS 1460
        0x00, 0x00, // Ethernet padding (must be trimmed)
    ];

    #[test]
    fn decodes_vlan_tagged_tcp_syn_and_trims_padding() {
        let p = decode(linktype::ETHERNET, VLAN_SYN).unwrap();
        assert_eq!(p.vlans, [100, 0]);
        let ip = p.ip().unwrap();
        assert_eq!(ip.src, "10.30.0.5".parse::<IpAddr>().unwrap());
        assert_eq!(ip.ttl, 64);
        assert!(ip.dont_fragment);
        let Transport::Tcp(tcp) = &ip.transport else {
            panic!("not tcp")
        };
        assert_eq!((tcp.src_port, tcp.dst_port), (50000, 502));
        assert!(tcp.is_syn() && !tcp.is_ack());
        assert!(tcp.payload.is_empty());
        assert_eq!(parse_tcp_options(tcp.options).mss, Some(1460));
        assert!(!p.truncated);
    }

    #[test]
    fn decodes_frame_cut_by_snaplen_as_far_as_it_goes() {
        // Cut inside the TCP header: the IP layer is still there.
        let p = decode(linktype::ETHERNET, &VLAN_SYN[..50]).unwrap();
        assert!(p.truncated);
        assert!(matches!(p.ip().unwrap().transport, Transport::Other));
    }

    #[test]
    fn rejects_ihl_below_five() {
        let mut f = VLAN_SYN.to_vec();
        f[18] = 0x44;
        assert_eq!(
            decode(linktype::ETHERNET, &f).unwrap_err(),
            DecodeError::Ipv4Header
        );
    }

    #[test]
    fn never_panics_on_any_prefix() {
        for n in 0..VLAN_SYN.len() {
            for lt in [0, 1, 101, 108, 113, 228, 229, 276] {
                let _ = decode(lt, &VLAN_SYN[..n]);
            }
        }
    }

    #[test]
    fn decodes_linux_cooked_v1() {
        let mut f = vec![
            0, 0, 0, 1, 0, 6, 0x00, 0x1b, 0x1b, 1, 2, 3, 0, 0, 0x08, 0x00,
        ];
        f.extend_from_slice(&VLAN_SYN[18..62]);
        let p = decode(linktype::LINUX_SLL, &f).unwrap();
        assert_eq!(p.src_mac, Some([0x00, 0x1b, 0x1b, 1, 2, 3]));
        assert!(matches!(p.ip().unwrap().transport, Transport::Tcp(_)));
    }

    #[test]
    fn marks_ipv4_fragments() {
        let mut f = VLAN_SYN.to_vec();
        f[24] = 0x20; // MF
        let p = decode(linktype::ETHERNET, &f).unwrap();
        let ip = p.ip().unwrap();
        assert_eq!(
            ip.fragment,
            Some(Fragment {
                offset: 0,
                more: true
            })
        );
        assert!(matches!(ip.transport, Transport::Fragment));
    }
}
