// SPDX-License-Identifier: Apache-2.0
//! Fuzzes one direction of TCP reassembly with small limits.
//!
//! Input: a 4-byte base sequence number, then records of
//! `seq offset (u16 BE) | flags (u8: 0x01 FIN, 0x02 SYN, 0x04 RST) | len (u8) | len bytes`.
//! Checks, beyond "no panic": memory stays within the limits after every
//! segment; nothing is delivered that was not pushed (no more bytes than the
//! input carried, and every delivered byte equals a byte pushed at its
//! sequence number); the counters match what the callback saw.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plantguard_wire::reassembly::{ReassemblyLimits, StreamChunk, TcpStream};
use std::collections::HashMap;

const LIMITS: ReassemblyLimits = ReassemblyLimits {
    max_buffered_bytes: 512,
    max_segments: 4,
    window: 4096,
};

enum Seen {
    Data(Vec<u8>),
    Gap(u32),
}

#[derive(Default)]
struct Tally {
    pushed_bytes: u64,
    delivered: u64,
    gap_bytes: u64,
}

/// Checks the chunks delivered by the last call against what was pushed.
fn check(
    stream: &TcpStream,
    chunks: &mut Vec<Seen>,
    pushed: &HashMap<u32, Vec<u8>>,
    tally: &mut Tally,
) {
    let total: u32 = chunks
        .iter()
        .map(|c| match c {
            Seen::Data(d) => d.len() as u32,
            Seen::Gap(n) => *n,
        })
        .fold(0, u32::wrapping_add);
    if let Some(next) = stream.next_seq() {
        let mut at = next.wrapping_sub(total);
        for c in chunks.drain(..) {
            match c {
                Seen::Data(d) => {
                    for b in d {
                        let ok = pushed.get(&at).is_some_and(|v| v.contains(&b));
                        assert!(
                            ok,
                            "delivered byte {b:#04x} at seq {at} was never pushed there"
                        );
                        at = at.wrapping_add(1);
                        tally.delivered += 1;
                    }
                }
                Seen::Gap(n) => {
                    at = at.wrapping_add(n);
                    tally.gap_bytes += u64::from(n);
                }
            }
        }
    } else {
        assert!(chunks.is_empty(), "delivered before synchronising");
    }
    assert!(stream.buffered_bytes() <= LIMITS.max_buffered_bytes);
    assert!(stream.buffered_segments() <= LIMITS.max_segments);
    assert_eq!(stream.stats().delivered_bytes, tally.delivered);
    assert_eq!(stream.stats().gap_bytes, tally.gap_bytes);
    assert!(tally.delivered <= tally.pushed_bytes);
}

fuzz_target!(|input: &[u8]| {
    let Some((base, mut rest)) = input.split_first_chunk::<4>() else {
        return;
    };
    let base = u32::from_be_bytes(*base);
    let mut stream = TcpStream::new();
    // Every value pushed at each sequence number (RST payloads excluded).
    let mut pushed: HashMap<u32, Vec<u8>> = HashMap::new();
    let mut tally = Tally::default();
    let mut chunks: Vec<Seen> = Vec::new();

    while let Some((head, tail)) = rest.split_first_chunk::<4>() {
        let seq = base.wrapping_add(u32::from(u16::from_be_bytes([head[0], head[1]])));
        let flags = head[2];
        let len = usize::from(head[3]).min(tail.len());
        let (payload, tail) = tail.split_at(len);
        rest = tail;
        let (fin, syn, rst) = (flags & 1 != 0, flags & 2 != 0, flags & 4 != 0);
        if !rst {
            let first = if syn { seq.wrapping_add(1) } else { seq };
            for (i, &b) in payload.iter().enumerate() {
                let v = pushed.entry(first.wrapping_add(i as u32)).or_default();
                if !v.contains(&b) {
                    v.push(b);
                }
            }
            tally.pushed_bytes += payload.len() as u64;
        }
        stream.push(seq, syn, fin, rst, payload, &LIMITS, &mut |c| match c {
            StreamChunk::Data(d) => chunks.push(Seen::Data(d.to_vec())),
            StreamChunk::Gap(n) => chunks.push(Seen::Gap(n)),
        });
        check(&stream, &mut chunks, &pushed, &mut tally);
    }
    stream.flush(&mut |c| match c {
        StreamChunk::Data(d) => chunks.push(Seen::Data(d.to_vec())),
        StreamChunk::Gap(n) => chunks.push(Seen::Gap(n)),
    });
    check(&stream, &mut chunks, &pushed, &mut tally);
    assert_eq!(stream.buffered_bytes(), 0);
});
