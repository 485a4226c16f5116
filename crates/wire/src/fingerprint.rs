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
pub fn syn_signature(ip: &Ip<'_>, tcp: &Tcp<'_>) -> String {
    let ver = match ip.src {
        IpAddr::V4(_) => '4',
        IpAddr::V6(_) => '6',
    };
    let mut layout = String::new();
    let mut mss = None;
    let mut scale = None;
    let mut b = tcp.options;
    while let Some((&kind, rest)) = b.split_first() {
        let name = match kind {
            0 => {
                // End of options: p0f notes how many padding bytes follow.
                push(&mut layout, &format!("eol+{}", rest.len()));
                break;
            }
            1 => {
                b = rest;
                push(&mut layout, "nop");
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
            push(&mut layout, "bad");
            break;
        };
        let len = usize::from(len);
        let Some(body) = b.get(2..len.max(2)) else {
            push(&mut layout, "bad");
            break;
        };
        match (kind, body) {
            (2, [h, l]) => mss = Some(u16::from_be_bytes([*h, *l])),
            (3, [s]) => scale = Some(*s),
            _ => {}
        }
        if name == "?" {
            push(&mut layout, &format!("?{kind}"));
        } else {
            push(&mut layout, name);
        }
        b = b.get(len.max(2)..).unwrap_or(&[]);
    }
    let mut quirks = Vec::new();
    if ip.dont_fragment {
        quirks.push("df");
        if ip.id != 0 {
            quirks.push("id+");
        }
    } else if matches!(ip.src, IpAddr::V4(_)) && ip.id == 0 {
        quirks.push("id-");
    }
    if tcp.flags & 0x40 != 0 {
        quirks.push("ecn");
    }
    if !tcp.is_ack() && tcp.ack != 0 {
        quirks.push("ack+");
    }
    format!(
        "{ver}:{}:0:{}:{},{}:{}:{}:{}",
        ip.ttl,
        mss.map_or("*".to_string(), |m| m.to_string()),
        tcp.window,
        scale.map_or("*".to_string(), |s| s.to_string()),
        layout,
        quirks.join(","),
        if tcp.payload.is_empty() { '0' } else { '+' }
    )
}

fn push(layout: &mut String, item: &str) {
    if !layout.is_empty() {
        layout.push(',');
    }
    layout.push_str(item);
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
