// SPDX-License-Identifier: Apache-2.0
//! Read throughput of the capture reader.
//!
//! ```text
//! cargo run --release -p plantguard-capture --example throughput -- FILE [REPEAT]
//! ```
//!
//! Reads FILE REPEAT times (default 20) through `CaptureReader::open` and once
//! more from memory, touching one byte of every packet, and prints packets/s
//! and MB/s of captured data. Files over 256 MiB are only read from disk, so
//! the process's peak RSS shows the reader's own memory use.

use std::io::Cursor;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use plantguard_capture::{CaptureError, CaptureReader};

fn drain(mut r: CaptureReader) -> Result<(u64, u64, u64), CaptureError> {
    let (mut packets, mut bytes, mut sum) = (0u64, 0u64, 0u64);
    while let Some(p) = r.next_packet()? {
        packets += 1;
        bytes += p.data.len() as u64;
        sum = sum.wrapping_add(u64::from(p.data.first().copied().unwrap_or(0))) ^ p.ts_nanos as u64;
    }
    Ok((packets, bytes, sum))
}

fn report(label: &str, packets: u64, bytes: u64, secs: f64) {
    println!(
        "{label:>8}: {packets} packets, {:.1} MB in {secs:.3} s = {:.2} Mpackets/s, {:.0} MB/s",
        bytes as f64 / 1e6,
        packets as f64 / secs / 1e6,
        bytes as f64 / secs / 1e6
    );
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = PathBuf::from(args.next().ok_or("usage: throughput FILE [REPEAT]")?);
    let repeat: u32 = args.next().map_or(Ok(20), |s| s.parse())?;

    let (mut packets, mut bytes, mut check) = (0, 0, 0u64);
    let t = Instant::now();
    for _ in 0..repeat {
        let (p, b, s) = drain(CaptureReader::open(&path)?)?;
        packets += p;
        bytes += b;
        check = check.wrapping_add(s);
    }
    report("file", packets, bytes, t.elapsed().as_secs_f64());

    if std::fs::metadata(&path)?.len() > 256 << 20 {
        println!("(file over 256 MiB: in-memory pass skipped, so the peak RSS is the reader's)");
        return Ok(());
    }
    // Shared, so each pass starts without copying the file.
    let raw: Arc<[u8]> = std::fs::read(&path)?.into();
    let (mut packets, mut bytes) = (0, 0);
    let t = Instant::now();
    for _ in 0..repeat {
        let (p, b, s) = drain(CaptureReader::from_reader(
            Box::new(Cursor::new(Arc::clone(&raw))),
            "mem",
        )?)?;
        packets += p;
        bytes += b;
        check = check.wrapping_add(s);
    }
    report("memory", packets, bytes, t.elapsed().as_secs_f64());
    println!("(checksum {check:x})");
    Ok(())
}
