// SPDX-License-Identifier: Apache-2.0
//! Fuzzes frame decoding: the first byte picks a link type, the rest is the
//! frame. Beyond not panicking, every borrowed slice must lie inside the
//! input, and LLDP/CDP parsing of whatever the decoder hands over must hold.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plantguard_wire::decode::{decode, Network, Transport};
use plantguard_wire::neighbor::{parse_cdp, parse_lldp};

const LINK_TYPES: [u32; 10] = [0, 1, 12, 14, 101, 108, 113, 228, 229, 276];

fn inside(outer: &[u8], inner: &[u8]) -> bool {
    let (o, i) = (outer.as_ptr() as usize, inner.as_ptr() as usize);
    inner.is_empty() || (i >= o && i + inner.len() <= o + outer.len())
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, frame)) = data.split_first() else {
        return;
    };
    let link = LINK_TYPES[usize::from(sel) % LINK_TYPES.len()];
    let Ok(p) = decode(link, frame) else {
        return;
    };
    match &p.network {
        Network::Ip(ip) => {
            assert!(inside(frame, ip.payload));
            match &ip.transport {
                Transport::Tcp(t) => {
                    assert!(inside(frame, t.payload) && inside(frame, t.options));
                }
                Transport::Udp(u) => assert!(inside(frame, u.payload)),
                _ => {}
            }
        }
        Network::Lldp(b) => {
            assert!(inside(frame, b));
            let _ = parse_lldp(b);
        }
        Network::Cdp(b) => {
            assert!(inside(frame, b));
            let _ = parse_cdp(b);
        }
        Network::Other(b) => assert!(inside(frame, b)),
        Network::Arp(_) => {}
    }
});
