// SPDX-License-Identifier: Apache-2.0
//! The `ics2` mix, PDU by PDU: every DNP3 link frame (CRC-16/DNP of the
//! header and of each 16-octet block, transport and application headers,
//! object headers walked to the end of the fragment), every IEC 60870-5-104
//! APDU (APCI formats, ASDU lengths by type, send sequence numbers without
//! gaps) and every BACnet/IP datagram (BVLC length, NPDU, APDU, tags
//! balanced to the end, broadcasts to x.x.x.255) decodes, and every
//! operation the mix promises occurs. The decoders here are written from
//! the standards independently of the generator; `tests/tshark.rs` checks
//! the same captures with Wireshark's dissectors.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{generate, parse, Frame};
use plantguard_capgen::{Config, Mix};

/// CRC-16/DNP (IEEE 1815-2012 §9.2.4.2.2), bit by bit.
fn dnp3_crc(data: &[u8]) -> u16 {
    let mut crc = 0u16;
    for &b in data {
        crc ^= u16::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xA6BC
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[test]
fn dnp3_crc_matches_the_reference_check_value() {
    // CRC-16/DNP check value over "123456789".
    assert_eq!(dnp3_crc(b"123456789"), 0xEA82);
}

/// What the PDUs of one capture contained.
#[derive(Default, Debug)]
struct Seen {
    dnp3_functions: BTreeMap<u8, u64>,
    dnp3_objects: BTreeSet<(u8, u8)>,
    iec104: BTreeMap<String, u64>,
    bacnet: BTreeMap<String, u64>,
}

/// Walk the object headers of a DNP3 fragment: qualifiers 0x06 (all
/// objects), 0x00 (1-octet start/stop) and 0x28 (2-octet count, 2-octet
/// index prefix), with the object sizes of the groups the mix uses.
fn dnp3_objects(mut objects: &[u8], request: bool, seen: &mut Seen) {
    while !objects.is_empty() {
        let (group, variation, qualifier) = (objects[0], objects[1], objects[2]);
        seen.dnp3_objects.insert((group, variation));
        let size = match (group, variation) {
            (60, 1..=4) => 0,
            (1, 2) | (2, 1) => 1,
            (30, 1) | (32, 1) => 5,
            (12, 1) => 11,
            other => panic!("unexpected object g{}v{}", other.0, other.1),
        };
        let len = match qualifier {
            0x06 => 3,
            0x00 => {
                let (start, stop) = (objects[3], objects[4]);
                assert!(start <= stop);
                5 + (usize::from(stop - start) + 1) * size
            }
            0x28 => {
                let count = usize::from(u16::from_le_bytes([objects[3], objects[4]]));
                assert!(count > 0);
                5 + count * (2 + size)
            }
            q => panic!("unexpected qualifier {q:#04x}"),
        };
        assert!(
            request && group == 60 || size > 0,
            "g{group}v{variation} in the wrong direction"
        );
        assert!(len <= objects.len(), "g{group}v{variation} overruns");
        objects = &objects[len..];
    }
}

/// Check every link frame of one direction of a DNP3 stream.
fn dnp3_stream(mut s: &[u8], from_client: bool, seen: &mut Seen) {
    while !s.is_empty() {
        assert_eq!(&s[..2], &[0x05, 0x64], "start octets");
        let length = usize::from(s[2]);
        assert!(length >= 5);
        assert_eq!(
            u16::from_le_bytes([s[8], s[9]]),
            dnp3_crc(&s[..8]),
            "header CRC"
        );
        let control = s[3];
        // Masters send with DIR set, outstations without; all primary,
        // unconfirmed user data.
        assert_eq!(control, if from_client { 0xC4 } else { 0x44 });
        let n = length - 5;
        let mut user = Vec::with_capacity(n);
        let mut at = 10;
        let mut left = n;
        while left > 0 {
            let k = left.min(16);
            let block = &s[at..at + k];
            assert_eq!(
                u16::from_le_bytes([s[at + k], s[at + k + 1]]),
                dnp3_crc(block),
                "block CRC"
            );
            user.extend_from_slice(block);
            at += k + 2;
            left -= k;
        }
        s = &s[at..];
        // Transport: FIR and FIN (one segment per fragment).
        assert_eq!(user[0] & 0xC0, 0xC0, "transport FIR/FIN");
        let (app_control, function) = (user[1], user[2]);
        assert_eq!(app_control & 0xC0, 0xC0, "application FIR/FIN");
        *seen.dnp3_functions.entry(function).or_default() += 1;
        match function {
            0x00 => {
                assert!(from_client);
                assert_eq!(
                    app_control & 0x30,
                    0x10,
                    "CONFIRM of an unsolicited response"
                );
                assert_eq!(user.len(), 3);
            }
            0x01 | 0x05 => {
                assert!(from_client);
                dnp3_objects(&user[3..], function == 0x01, seen);
            }
            0x81 | 0x82 => {
                assert!(!from_client);
                let uns = app_control & 0x30;
                assert_eq!(uns, if function == 0x82 { 0x30 } else { 0 }, "CON/UNS");
                assert!(user.len() >= 5, "IIN");
                dnp3_objects(&user[5..], false, seen);
            }
            f => panic!("unexpected DNP3 function {f:#04x}"),
        }
    }
}

/// Check every APDU of one direction of an IEC 104 stream; I-frame send
/// sequence numbers must follow each other.
fn iec104_stream(mut s: &[u8], from_client: bool, seen: &mut Seen) {
    let mut next_tx: Option<u16> = None;
    while !s.is_empty() {
        assert_eq!(s[0], 0x68, "start");
        let len = usize::from(s[1]);
        assert!((4..=253).contains(&len));
        let (apdu, rest) = s.split_at(2 + len);
        s = rest;
        let c1 = apdu[2];
        let key = if c1 & 0x01 == 0 {
            let tx = u16::from_le_bytes([apdu[2], apdu[3]]) >> 1;
            if let Some(want) = next_tx {
                assert_eq!(tx, want, "N(S) continues");
            }
            next_tx = Some((tx + 1) & 0x7FFF);
            let asdu = &apdu[6..];
            let (type_id, vsq, cot) = (asdu[0], asdu[1], asdu[2] & 0x3F);
            let n = usize::from(vsq & 0x7F);
            let size = match type_id {
                1 | 100 => 1,
                13 => 5,
                t => panic!("unexpected type {t}"),
            };
            let objects = asdu.len() - 6;
            if vsq & 0x80 != 0 {
                assert_eq!(objects, 3 + n * size, "SQ=1 length");
            } else {
                assert_eq!(objects, n * (3 + size), "SQ=0 length");
            }
            assert_eq!(type_id == 100, from_client || matches!(cot, 7 | 10));
            format!("I type {type_id} cot {cot}")
        } else {
            assert_eq!(len, 4);
            if c1 & 0x03 == 0x01 {
                assert!(from_client, "S-frames acknowledge the controlled station");
                "S".to_string()
            } else {
                let name = match c1 {
                    0x07 => "STARTDT act",
                    0x0B => "STARTDT con",
                    0x43 => "TESTFR act",
                    0x83 => "TESTFR con",
                    f => panic!("unexpected U function {f:#04x}"),
                };
                assert_eq!(from_client, name.ends_with("act"));
                name.to_string()
            }
        };
        *seen.iec104.entry(key).or_default() += 1;
    }
}

/// Walk BACnet tags (Clause 20.2) to the end; opening and closing tags balance.
fn bacnet_tags(mut b: &[u8]) {
    let mut depth = 0i32;
    while !b.is_empty() {
        let t = b[0];
        let mut at = 1;
        if t >> 4 == 0x0F {
            at += 1;
        }
        let context = t & 0x08 != 0;
        let lvt = usize::from(t & 0x07);
        if context && lvt == 6 {
            depth += 1;
        } else if context && lvt == 7 {
            depth -= 1;
            assert!(depth >= 0, "closing tag without opening");
        } else {
            let mut len = lvt;
            if lvt == 5 {
                len = usize::from(b[at]);
                at += 1;
                assert!(len < 254);
            }
            at += len;
        }
        assert!(at <= b.len(), "tag overruns the APDU");
        b = &b[at..];
    }
    assert_eq!(depth, 0, "unbalanced constructed tags");
}

fn bacnet_datagram(f: &Frame, pending: &mut BTreeMap<(FlowKey, u8), u8>, seen: &mut Seen) {
    let d = &f.payload;
    assert_eq!(d[0], 0x81, "BVLC type");
    assert_eq!(usize::from(u16::from_be_bytes([d[2], d[3]])), d.len());
    assert_eq!(d[4], 1, "NPDU version");
    let apdu = match d[5] {
        0x00 | 0x04 => &d[6..],
        0x20 => {
            assert_eq!(&d[6..10], &[0xFF, 0xFF, 0x00, 0xFF], "global broadcast");
            &d[10..]
        }
        c => panic!("unexpected NPCI {c:#04x}"),
    };
    let broadcast = d[1] == 0x0B;
    assert_eq!(broadcast, f.dst.0[3] == 255, "broadcasts go to x.x.x.255");
    if !broadcast {
        assert_eq!(d[1], 0x0A);
    }
    let key = f.key();
    let name = match apdu[0] {
        0x00 => {
            assert!(!broadcast);
            assert_eq!(d[5], 0x04, "confirmed requests expect a reply");
            pending.insert((key, apdu[2]), apdu[3]);
            bacnet_tags(&apdu[4..]);
            format!("confirmed {}", apdu[3])
        }
        0x30 => {
            let service = pending.remove(&(key, apdu[1]));
            assert_eq!(service, Some(apdu[2]), "ComplexACK answers a request");
            bacnet_tags(&apdu[3..]);
            format!("ack {}", apdu[2])
        }
        0x10 => {
            assert!(broadcast);
            bacnet_tags(&apdu[2..]);
            match apdu[1] {
                0 => {
                    // I-Am: device object, max APDU, segmentation, vendor.
                    assert_eq!(apdu[2], 0xC4);
                    let object_type = (u16::from(apdu[3]) << 2) | u16::from(apdu[4] >> 6);
                    assert_eq!(object_type, 8, "device object");
                    "i-am".to_string()
                }
                8 => "who-is".to_string(),
                s => panic!("unexpected unconfirmed service {s}"),
            }
        }
        t => panic!("unexpected APDU type {t:#04x}"),
    };
    *seen.bacnet.entry(name).or_default() += 1;
}

type FlowKey = ([u8; 4], u16, [u8; 4], u16, bool, u16);
/// One direction of a flow: source and destination (address, port), VLAN.
type Direction = (([u8; 4], u16), ([u8; 4], u16), u16);

/// Decode one capture; no disorder, so a direction's stream is its
/// payloads in capture order.
fn check(cfg: &Config) -> Seen {
    let frames = parse(&generate(cfg));
    let mut streams: BTreeMap<Direction, Vec<u8>> = BTreeMap::new();
    let mut pending = BTreeMap::new();
    let mut seen = Seen::default();
    for f in &frames {
        let port = f.src.1.min(f.dst.1);
        if !f.tcp && (f.src.1 == 47808 || f.dst.1 == 47808) {
            bacnet_datagram(f, &mut pending, &mut seen);
        } else if f.tcp && matches!(port, 2404 | 20000) {
            streams
                .entry((f.src, f.dst, f.vlan))
                .or_default()
                .extend_from_slice(&f.payload);
        }
    }
    for ((src, dst, _), s) in &streams {
        let from_client = dst.1 == 2404 || dst.1 == 20000;
        match src.1.min(dst.1) {
            20000 => dnp3_stream(s, from_client, &mut seen),
            _ => iec104_stream(s, from_client, &mut seen),
        }
    }
    seen
}

#[test]
fn ics2_pdus_decode_and_cover_every_operation() {
    let mut c = Config::new(120_000, 1_500, 200, 12);
    c.mix = Mix::Ics2;
    c.reorder_share = 0.0;
    c.retransmit_share = 0.0;
    let seen = check(&c);
    // DNP3: READ, DIRECT_OPERATE, CONFIRM, response, unsolicited response.
    for f in [0x00, 0x01, 0x05, 0x81, 0x82] {
        assert!(
            seen.dnp3_functions.contains_key(&f),
            "DNP3 {f:#04x}: {seen:?}"
        );
    }
    for o in [
        (60, 1),
        (60, 2),
        (60, 3),
        (60, 4),
        (1, 2),
        (30, 1),
        (2, 1),
        (32, 1),
        (12, 1),
    ] {
        assert!(seen.dnp3_objects.contains(&o), "g{}v{}: {seen:?}", o.0, o.1);
    }
    for k in [
        "STARTDT act",
        "STARTDT con",
        "TESTFR act",
        "TESTFR con",
        "S",
        "I type 100 cot 6",
        "I type 100 cot 7",
        "I type 100 cot 10",
        "I type 1 cot 20",
        "I type 13 cot 20",
        "I type 1 cot 3",
        "I type 13 cot 3",
    ] {
        assert!(seen.iec104.contains_key(k), "IEC 104 {k}: {seen:?}");
    }
    for k in [
        "who-is",
        "i-am",
        "confirmed 12",
        "confirmed 14",
        "ack 12",
        "ack 14",
    ] {
        assert!(seen.bacnet.contains_key(k), "BACnet {k}: {seen:?}");
    }
}
