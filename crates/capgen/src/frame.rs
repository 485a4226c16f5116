// SPDX-License-Identifier: Apache-2.0
//! Ethernet II / 802.1Q / IPv4 / TCP / UDP frame assembly with correct
//! IPv4, TCP and UDP checksums.

/// TCP flag bits.
pub(crate) mod tcp {
    pub(crate) const FIN: u8 = 0x01;
    pub(crate) const SYN: u8 = 0x02;
    pub(crate) const PSH: u8 = 0x08;
    pub(crate) const ACK: u8 = 0x10;
}

/// Layer 2 and 3 addressing of one frame.
pub(crate) struct Addr {
    pub(crate) src_mac: [u8; 6],
    pub(crate) dst_mac: [u8; 6],
    pub(crate) vlan: u16,
    pub(crate) src_ip: [u8; 4],
    pub(crate) dst_ip: [u8; 4],
    pub(crate) ttl: u8,
    pub(crate) ip_id: u16,
    pub(crate) src_port: u16,
    pub(crate) dst_port: u16,
}

/// TCP header fields of one segment.
pub(crate) struct TcpSeg {
    pub(crate) seq: u32,
    pub(crate) ack: u32,
    pub(crate) flags: u8,
    pub(crate) window: u16,
    /// Add MSS 1460 and SACK-permitted options (SYN and SYN/ACK).
    pub(crate) syn_options: bool,
}

/// Minimum Ethernet frame without FCS; shorter frames are zero-padded.
pub(crate) const MIN_FRAME: usize = 60;

fn sum16(data: &[u8], mut acc: u32) -> u32 {
    let mut chunks = data.chunks_exact(2);
    for c in &mut chunks {
        acc += u32::from(u16::from_be_bytes([c[0], c[1]]));
    }
    if let [last] = chunks.remainder() {
        acc += u32::from(*last) << 8;
    }
    acc
}

fn fold(mut acc: u32) -> u16 {
    while acc > 0xFFFF {
        acc = (acc & 0xFFFF) + (acc >> 16);
    }
    !(acc as u16)
}

/// Build a frame into `out` (cleared first). `tcp` = `None` means UDP.
pub(crate) fn build(out: &mut Vec<u8>, a: &Addr, tcp: Option<&TcpSeg>, payload: &[u8]) {
    out.clear();
    out.extend_from_slice(&a.dst_mac);
    out.extend_from_slice(&a.src_mac);
    if a.vlan != 0 {
        out.extend_from_slice(&[0x81, 0x00]);
        out.extend_from_slice(&a.vlan.to_be_bytes());
    }
    out.extend_from_slice(&[0x08, 0x00]);
    let ip = out.len();
    let l4_hdr = match tcp {
        Some(t) if t.syn_options => 28,
        Some(_) => 20,
        None => 8,
    };
    let total = 20 + l4_hdr + payload.len();
    out.extend_from_slice(&[0x45, 0]);
    out.extend_from_slice(&(total as u16).to_be_bytes());
    out.extend_from_slice(&a.ip_id.to_be_bytes());
    out.extend_from_slice(if tcp.is_some() { &[0x40, 0] } else { &[0, 0] }); // DF for TCP
    out.push(a.ttl);
    out.push(if tcp.is_some() { 6 } else { 17 });
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(&a.src_ip);
    out.extend_from_slice(&a.dst_ip);
    let c = fold(sum16(&out[ip..ip + 20], 0));
    out[ip + 10..ip + 12].copy_from_slice(&c.to_be_bytes());
    let l4 = out.len();
    out.extend_from_slice(&a.src_port.to_be_bytes());
    out.extend_from_slice(&a.dst_port.to_be_bytes());
    let csum_at;
    match tcp {
        Some(t) => {
            out.extend_from_slice(&t.seq.to_be_bytes());
            out.extend_from_slice(&t.ack.to_be_bytes());
            out.push(((l4_hdr / 4) as u8) << 4);
            out.push(t.flags);
            out.extend_from_slice(&t.window.to_be_bytes());
            csum_at = out.len();
            out.extend_from_slice(&[0, 0, 0, 0]); // checksum, urgent pointer
            if t.syn_options {
                out.extend_from_slice(&[2, 4, 0x05, 0xB4, 1, 1, 4, 2]); // MSS 1460, NOP NOP SACK-permitted
            }
        }
        None => {
            out.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
            csum_at = out.len();
            out.extend_from_slice(&[0, 0]);
        }
    }
    out.extend_from_slice(payload);
    // Pseudo header: addresses, protocol, L4 length.
    let l4_len = out.len() - l4;
    let mut acc = sum16(&out[ip + 12..ip + 20], 0);
    acc += u32::from(out[ip + 9]) + l4_len as u32;
    let mut c = fold(sum16(&out[l4..], acc));
    if tcp.is_none() && c == 0 {
        c = 0xFFFF;
    }
    out[csum_at..csum_at + 2].copy_from_slice(&c.to_be_bytes());
    if out.len() < MIN_FRAME {
        out.resize(MIN_FRAME, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_verify_to_zero() {
        let a = Addr {
            src_mac: [2; 6],
            dst_mac: [4; 6],
            vlan: 100,
            src_ip: [192, 168, 1, 10],
            dst_ip: [172, 20, 0, 10],
            ttl: 127,
            ip_id: 0x1234,
            src_port: 50000,
            dst_port: 502,
        };
        let t = TcpSeg {
            seq: 1,
            ack: 2,
            flags: tcp::ACK | tcp::PSH,
            window: 8192,
            syn_options: false,
        };
        let mut out = Vec::new();
        build(
            &mut out,
            &a,
            Some(&t),
            b"\x00\x01\x00\x00\x00\x06\x01\x03\x00\x00\x00\x0a\x07",
        );
        let ip = 18;
        assert_eq!(fold(sum16(&out[ip..ip + 20], 0)), 0);
        let l4_len = out.len() - ip - 20;
        let acc = sum16(&out[ip + 12..ip + 20], 0) + 6 + l4_len as u32;
        assert_eq!(fold(sum16(&out[ip + 20..], acc)), 0);
    }
}
