// SPDX-License-Identifier: Apache-2.0
//! Rough throughput figures for the reassembly hot paths. Ignored by default;
//! run with
//! `cargo test -p plantguard-wire --release --test reassembly_throughput -- --ignored --nocapture`.
#![allow(clippy::arithmetic_side_effects, clippy::cast_possible_truncation)]

use plantguard_wire::reassembly::{ReassemblyLimits, StreamChunk, TcpStream};
use std::hint::black_box;
use std::time::Instant;

const SEGMENTS: u32 = 20_000_000;

fn report(what: &str, segments: u32, started: Instant) {
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{what}: {segments} segments in {secs:.3} s = {:.2} ns/segment, {:.1} M segments/s",
        secs * 1e9 / f64::from(segments),
        f64::from(segments) / secs / 1e6
    );
}

#[test]
#[ignore = "timing, run in release"]
fn in_order_segments_throughput() {
    let limits = ReassemblyLimits::default();
    let payload = [0x42u8; 64];
    let mut stream = TcpStream::new();
    let mut total = 0usize;
    let mut out = |c: StreamChunk<'_>| {
        if let StreamChunk::Data(d) = c {
            total += d.len();
        }
    };
    let started = Instant::now();
    let mut seq = 0xFFFF_0000u32;
    for _ in 0..SEGMENTS {
        stream.push(
            black_box(seq),
            false,
            false,
            false,
            black_box(&payload),
            &limits,
            &mut out,
        );
        seq = seq.wrapping_add(64);
    }
    report("in order, 64-byte segments", SEGMENTS, started);
    assert_eq!(total, SEGMENTS as usize * 64);
}

#[test]
#[ignore = "timing, run in release"]
fn pairwise_swapped_segments_throughput() {
    // Every other pair arrives swapped: one copy into the buffer and one
    // delivery from it per pair, the common reordering on a SPAN port.
    let limits = ReassemblyLimits::default();
    let payload = [0x42u8; 64];
    let mut stream = TcpStream::new();
    let mut total = 0usize;
    let mut out = |c: StreamChunk<'_>| {
        if let StreamChunk::Data(d) = c {
            total += d.len();
        }
    };
    stream.push(0, true, false, false, b"", &limits, &mut out);
    let started = Instant::now();
    let n = SEGMENTS / 4;
    for i in 0..n {
        let base = 1 + i * 128;
        stream.push(
            base + 64,
            false,
            false,
            false,
            black_box(&payload),
            &limits,
            &mut out,
        );
        stream.push(
            base,
            false,
            false,
            false,
            black_box(&payload),
            &limits,
            &mut out,
        );
    }
    report("swapped pairs, 64-byte segments", n * 2, started);
    assert_eq!(total, n as usize * 128);
}

#[test]
#[ignore = "timing, run in release"]
fn reverse_order_bursts_throughput() {
    // Bursts of 128 full-size segments arriving last-first: every segment
    // is buffered as its own run, then the first one releases the burst.
    // Linear in the bytes (no run is ever copied to merge it).
    let limits = ReassemblyLimits::default();
    let payload = [0x42u8; 1460];
    let mut stream = TcpStream::new();
    let mut total = 0usize;
    let mut out = |c: StreamChunk<'_>| {
        if let StreamChunk::Data(d) = c {
            total += d.len();
        }
    };
    stream.push(0, true, false, false, b"", &limits, &mut out);
    let bursts = 4_000u32;
    let started = Instant::now();
    let mut base = 1u32;
    for _ in 0..bursts {
        for k in (0..128u32).rev() {
            let seq = base.wrapping_add(k * 1460);
            stream.push(
                seq,
                false,
                false,
                false,
                black_box(&payload),
                &limits,
                &mut out,
            );
        }
        base = base.wrapping_add(128 * 1460);
    }
    report(
        "reverse-order bursts of 128, 1460-byte segments",
        bursts * 128,
        started,
    );
    assert_eq!(total, bursts as usize * 128 * 1460);
    assert_eq!(stream.stats().gaps, 0);
}
