// SPDX-License-Identifier: Apache-2.0
//! Passive TCP/IP stack signatures from SYN and SYN+ACK packets, in the
//! layout p0f v3 uses (`ver:ttl:olen:mss:wsize,scale:olayout:quirks:pclass`),
//! so analysis can compare them with p0f-style fingerprint tables.
//!
//! The TTL is the *observed* one; guessing the initial TTL (32, 64, 128,
//! 255) is left to analysis, which knows whether hosts sit behind routers.

use std::net::IpAddr;

use crate::decode::{Ip, Tcp};

/// Builds the signature of a SYN or SYN+ACK.
///
/// Every SYN and SYN+ACK of a capture gets one, so it is written straight
/// into one string (no intermediate allocations or format machinery).
pub fn syn_signature(ip: &Ip<'_>, tcp: &Tcp<'_>) -> String {
    let mut sig = String::with_capacity(64);
    sig.push(match ip.src {
        IpAddr::V4(_) => '4',
        IpAddr::V6(_) => '6',
    });
    sig.push(':');
    push_decimal(&mut sig, u64::from(ip.ttl));
    sig.push_str(":0:");
    // The option layout is written after mss and window scale, which are
    // read from it: keep it aside.
    let mut layout = String::with_capacity(32);
    let mut mss = None;
    let mut scale = None;
    let mut b = tcp.options;
    while let Some((&kind, rest)) = b.split_first() {
        let name = match kind {
            0 => {
                // End of options: p0f notes how many padding bytes follow.
                push_item(&mut layout, "eol+");
                push_decimal(&mut layout, rest.len() as u64);
                break;
            }
            1 => {
                b = rest;
                push_item(&mut layout, "nop");
                continue;
            }
            2 => "mss",
            3 => "ws",
            4 => "sok",
            5 => "sack",
            8 => "ts",
            _ => "?",
        };
        let Some(&len) = rest.first() else {
            push_item(&mut layout, "bad");
            break;
        };
        let len = usize::from(len);
        let Some(body) = b.get(2..len.max(2)) else {
            push_item(&mut layout, "bad");
            break;
        };
        match (kind, body) {
            (2, [h, l]) => mss = Some(u16::from_be_bytes([*h, *l])),
            (3, [s]) => scale = Some(*s),
            _ => {}
        }
        push_item(&mut layout, name);
        if name == "?" {
            push_decimal(&mut layout, u64::from(kind));
        }
        b = b.get(len.max(2)..).unwrap_or(&[]);
    }
    match mss {
        Some(m) => push_decimal(&mut sig, u64::from(m)),
        None => sig.push('*'),
    }
    sig.push(':');
    push_decimal(&mut sig, u64::from(tcp.window));
    sig.push(',');
    match scale {
        Some(s) => push_decimal(&mut sig, u64::from(s)),
        None => sig.push('*'),
    }
    sig.push(':');
    sig.push_str(&layout);
    sig.push(':');
    let mut quirks = String::new();
    if ip.dont_fragment {
        push_item(&mut quirks, "df");
        if ip.id != 0 {
            push_item(&mut quirks, "id+");
        }
    } else if matches!(ip.src, IpAddr::V4(_)) && ip.id == 0 {
        push_item(&mut quirks, "id-");
    }
    if tcp.flags & 0x40 != 0 {
        push_item(&mut quirks, "ecn");
    }
    if !tcp.is_ack() && tcp.ack != 0 {
        push_item(&mut quirks, "ack+");
    }
    sig.push_str(&quirks);
    sig.push(':');
    sig.push(if tcp.payload.is_empty() { '0' } else { '+' });
    sig
}

/// Appends `item` to a comma-separated list.
fn push_item(list: &mut String, item: &str) {
    if !list.is_empty() {
        list.push(',');
    }
    list.push_str(item);
}

/// Appends `n` in decimal.
fn push_decimal(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // ASCII digits: always valid UTF-8.
    out.push_str(std::str::from_utf8(&digits[at..]).unwrap_or_default());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::{decode, Transport};

    #[test]
    fn end_of_options_is_a_separate_item() {
        let mut f = vec![
            0x45, 0, 0, 48, 0, 0, 0x40, 0, 128, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 0xc3, 0x50,
            0x01, 0xf6, 0, 0, 0, 1, 0, 0, 0, 0, 0x70, 0x02, 0xff, 0xff, 0, 0, 0, 0,
        ];
        f.extend_from_slice(&[2, 4, 5, 0xb4, 4, 2, 0, 0]);
        let p = decode(crate::linktype::RAW, &f).unwrap();
        let ip = p.ip().unwrap();
        let Transport::Tcp(tcp) = &ip.transport else {
            panic!()
        };
        assert_eq!(
            syn_signature(ip, tcp),
            "4:128:0:1460:65535,*:mss,sok,eol+1:df:0"
        );
    }

    #[test]
    fn unknown_options_and_quirks_are_spelled_out() {
        // IPv4 (no DF, id 0, TTL 64) + TCP SYN with ECE, a non-zero ack
        // field, window 1024 and one unknown option (kind 30, length 4).
        let f = vec![
            0x45, 0, 0, 48, 0, 0, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 0xc3, 0x50, 0x01,
            0xf6, 0, 0, 0, 1, 0, 0, 0, 9, 0x60, 0x42, 0x04, 0x00, 0, 0, 0, 0, 30, 4, 0, 0,
        ];
        let p = decode(crate::linktype::RAW, &f).unwrap();
        let ip = p.ip().unwrap();
        let Transport::Tcp(tcp) = &ip.transport else {
            panic!()
        };
        assert_eq!(syn_signature(ip, tcp), "4:64:0:*:1024,*:?30:id-,ecn,ack+:0");
    }

    #[test]
    fn signature_of_a_linux_style_syn() {
        // IPv4 (DF, TTL 64) + TCP SYN, window 64240, options mss 1460, sok, ts, nop, ws 7.
        let mut f = vec![
            0x45, 0, 0, 60, 0x12, 0x34, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 0xc3, 0x50,
            0x01, 0xf6, 0, 0, 0, 1, 0, 0, 0, 0, 0xa0, 0x02, 0xfa, 0xf0, 0, 0, 0, 0,
        ];
        f.extend_from_slice(&[
            2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7,
        ]);
        let p = decode(crate::linktype::RAW, &f).unwrap();
        let ip = p.ip().unwrap();
        let Transport::Tcp(tcp) = &ip.transport else {
            panic!()
        };
        assert_eq!(
            syn_signature(ip, tcp),
            "4:64:0:1460:64240,7:mss,sok,ts,nop,ws:df,id+:0"
        );
    }
}
