// SPDX-License-Identifier: Apache-2.0
//! A small pcap reader and frame decoder for checking generated captures.
#![allow(dead_code)]

use plantguard_capgen::{write_pcap, Config};

/// One decoded frame.
pub struct Frame {
    pub ts_us: u64,
    pub len: usize,
    pub vlan: u16,
    pub tcp: bool,
    pub src: ([u8; 4], u16),
    pub dst: ([u8; 4], u16),
    pub seq: u32,
    pub flags: u8,
    pub payload: Vec<u8>,
    pub ip_checksum_ok: bool,
    pub l4_checksum_ok: bool,
}

impl Frame {
    /// Direction-independent flow key: sorted endpoints, protocol, VLAN.
    pub fn key(&self) -> ([u8; 4], u16, [u8; 4], u16, bool, u16) {
        let (a, b) = if self.src <= self.dst {
            (self.src, self.dst)
        } else {
            (self.dst, self.src)
        };
        (a.0, a.1, b.0, b.1, self.tcp, self.vlan)
    }
}

pub fn generate(cfg: &Config) -> Vec<u8> {
    let mut out = Vec::new();
    write_pcap(cfg, &mut out).expect("generation succeeds");
    out
}

fn csum(data: &[u8], mut acc: u32) -> u16 {
    for c in data.chunks(2) {
        acc += u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]));
    }
    while acc > 0xFFFF {
        acc = (acc & 0xFFFF) + (acc >> 16);
    }
    !(acc as u16)
}

/// Parse a classic LE microsecond Ethernet pcap and decode every frame.
pub fn parse(pcap: &[u8]) -> Vec<Frame> {
    assert_eq!(
        &pcap[..4],
        &[0xD4, 0xC3, 0xB2, 0xA1],
        "LE microsecond magic"
    );
    assert_eq!(
        u32::from_le_bytes(pcap[20..24].try_into().unwrap()),
        1,
        "LINKTYPE_ETHERNET"
    );
    let mut at = 24;
    let mut out = Vec::new();
    while at < pcap.len() {
        let h = &pcap[at..at + 16];
        let sec = u32::from_le_bytes(h[0..4].try_into().unwrap());
        let usec = u32::from_le_bytes(h[4..8].try_into().unwrap());
        let incl = u32::from_le_bytes(h[8..12].try_into().unwrap()) as usize;
        let orig = u32::from_le_bytes(h[12..16].try_into().unwrap()) as usize;
        assert_eq!(incl, orig);
        let d = &pcap[at + 16..at + 16 + incl];
        at += 16 + incl;
        out.push(decode(u64::from(sec) * 1_000_000 + u64::from(usec), d));
    }
    out
}

fn decode(ts_us: u64, d: &[u8]) -> Frame {
    let mut p = 12;
    let mut vlan = 0;
    if d[p..p + 2] == [0x81, 0x00] {
        vlan = u16::from_be_bytes([d[p + 2], d[p + 3]]) & 0x0FFF;
        p += 4;
    }
    assert_eq!(&d[p..p + 2], &[0x08, 0x00], "IPv4 ethertype");
    let ip = &d[p + 2..];
    assert_eq!(ip[0], 0x45);
    let total = u16::from_be_bytes([ip[2], ip[3]]) as usize;
    let ip_checksum_ok = csum(&ip[..20], 0) == 0;
    let proto = ip[9];
    let src_ip: [u8; 4] = ip[12..16].try_into().unwrap();
    let dst_ip: [u8; 4] = ip[16..20].try_into().unwrap();
    let l4 = &ip[20..total];
    let acc = u32::from(u16::from_be_bytes([ip[12], ip[13]]))
        + u32::from(u16::from_be_bytes([ip[14], ip[15]]))
        + u32::from(u16::from_be_bytes([ip[16], ip[17]]))
        + u32::from(u16::from_be_bytes([ip[18], ip[19]]))
        + u32::from(proto)
        + l4.len() as u32;
    let l4_checksum_ok = csum(l4, acc) == 0;
    let sport = u16::from_be_bytes([l4[0], l4[1]]);
    let dport = u16::from_be_bytes([l4[2], l4[3]]);
    let (tcp, seq, flags, payload) = match proto {
        6 => {
            let off = usize::from(l4[12] >> 4) * 4;
            (
                true,
                u32::from_be_bytes(l4[4..8].try_into().unwrap()),
                l4[13],
                l4[off..].to_vec(),
            )
        }
        17 => {
            assert_eq!(u16::from_be_bytes([l4[4], l4[5]]) as usize, l4.len());
            (false, 0, 0, l4[8..].to_vec())
        }
        _ => panic!("unexpected IP protocol {proto}"),
    };
    Frame {
        ts_us,
        len: d.len(),
        vlan,
        tcp,
        src: (src_ip, sport),
        dst: (dst_ip, dport),
        seq,
        flags,
        payload,
        ip_checksum_ok,
        l4_checksum_ok,
    }
}
