// SPDX-License-Identifier: Apache-2.0
//! Damaged input never makes the reader panic, and what it returns keeps the
//! invariants the engine relies on: frames count up from 1, offsets move
//! forward and stay inside the input, one error at most, then the end. (The
//! same checks as `fuzz/fuzz_targets/capture_reader.rs`, run on every test.)

mod common;

use std::io::Cursor;

use common::{gzip, NgWriter, PcapWriter};
use plantguard_capture::CaptureReader;

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).expect("fits")
    }
}

fn check_invariants(bytes: Vec<u8>) -> u64 {
    let limit = bytes.len() as u64;
    let Ok(mut r) = CaptureReader::from_reader(Box::new(Cursor::new(bytes)), "mutant") else {
        return 0;
    };
    let bounded = !r.format().is_gzip();
    let mut consumed = r.bytes_read();
    let mut frame = 0;
    loop {
        match r.next_packet() {
            Ok(Some(p)) => {
                frame += 1;
                assert_eq!(p.frame, frame);
                assert!(p.offset >= consumed);
                let (offset, data_end) = (p.offset, p.offset + p.data.len() as u64);
                let next = r.bytes_read();
                assert!(next > offset && next >= data_end);
                assert!(!bounded || next <= limit);
                consumed = next;
            }
            Ok(None) => break,
            Err(e) => {
                if let Some(off) = e.offset() {
                    assert!(off >= consumed && (!bounded || off <= limit), "{e}");
                }
                break;
            }
        }
    }
    assert!(matches!(r.next_packet(), Ok(None)));
    frame
}

fn seeds() -> Vec<Vec<u8>> {
    let mut pcap = PcapWriter::new(false, true, 65535, 1);
    let mut pcap_be = PcapWriter::new(true, false, 128, 113);
    for i in 0..12u8 {
        pcap.packet(u32::from(i), 7, &vec![i; usize::from(i) * 5], 100);
        pcap_be.packet(u32::from(i), 7, &vec![i; usize::from(i) * 3], 100);
    }
    let mut ng = NgWriter::new();
    ng.shb(false);
    ng.idb(1, 0, Some(9), Some(-5));
    ng.idb(101, 64, Some(0x80 | 10), None);
    for i in 0..6u8 {
        ng.epb(
            u32::from(i % 2),
            u64::from(i) << 20,
            &vec![i; usize::from(i) * 7],
            90,
        );
        ng.spb(&[i; 9], 9);
        ng.block(5, &[0; 20]);
    }
    ng.shb(true);
    ng.idb(1, 0, None, None);
    ng.pb(0, 9, &[1; 13], 13);
    vec![
        pcap.buf.clone(),
        pcap_be.buf,
        ng.buf.clone(),
        gzip(&ng.buf),
        gzip(&pcap.buf),
    ]
}

#[test]
fn randomly_damaged_captures_never_break_the_reader_invariants() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut packets = 0;
    for seed in seeds() {
        packets += check_invariants(seed.clone());
        for _ in 0..3000 {
            let mut m = seed.clone();
            match rng.below(4) {
                // Flip a few bytes.
                0 | 1 => {
                    for _ in 0..=rng.below(4) {
                        let at = rng.below(m.len());
                        m[at] = u8::try_from(rng.next() & 0xff).expect("byte");
                    }
                }
                // Write an extreme length-like value.
                2 => {
                    let at = rng.below(m.len().saturating_sub(4).max(1));
                    let v =
                        [0u32, 1, 11, 12, 13, 0x7fff_ffff, 0xffff_ffff, 0x1000_0000][rng.below(8)];
                    let end = (at + 4).min(m.len());
                    m[at..end].copy_from_slice(&v.to_le_bytes()[..end - at]);
                }
                // Cut, or cut and append junk.
                _ => {
                    m.truncate(rng.below(m.len() + 1));
                    for _ in 0..rng.below(3) * 7 {
                        m.push(u8::try_from(rng.next() & 0xff).expect("byte"));
                    }
                }
            }
            packets += check_invariants(m);
        }
    }
    assert!(packets > 10_000, "mutants still carry packets: {packets}");
}
