// SPDX-License-Identifier: Apache-2.0
//! `next_packet_where`, the reader several workers share a capture with:
//! it returns exactly the packets `next_packet` returns that the filter
//! wants (same frame numbers, offsets and bytes), asks the filter once per
//! frame, and ends with the same error on damaged input.

mod common;

use common::{corpus_dir, drain, index_rows, Owned};
use plantguard_capture::{CaptureError, CaptureReader};

/// A filter that keeps about half the frames, decided by their bytes.
fn wanted(link_type: u32, data: &[u8]) -> bool {
    let sum = data.iter().fold(link_type, |acc, &b| {
        acc.wrapping_mul(31).wrapping_add(u32::from(b))
    });
    sum % 2 == 0
}

/// Reads with `next_packet_where`: the packets, the error, and how many
/// times the filter was asked.
fn drain_where(mut r: CaptureReader) -> (Vec<Owned>, Option<CaptureError>, u64) {
    let mut asked = 0u64;
    let mut out = Vec::new();
    loop {
        let next = r.next_packet_where(|lt, d| {
            asked += 1;
            wanted(lt, d)
        });
        match next {
            Ok(Some(p)) => out.push(Owned::of(&p)),
            Ok(None) => return (out, None, asked),
            Err(e) => {
                assert!(
                    r.next_packet_where(|_, _| true)
                        .expect("no second error")
                        .is_none(),
                    "reader must end after an error"
                );
                return (out, Some(e), asked);
            }
        }
    }
}

/// A reader over `bytes` in memory.
fn open_bytes(bytes: &[u8], name: &str) -> Result<CaptureReader, CaptureError> {
    CaptureReader::from_reader(Box::new(std::io::Cursor::new(bytes.to_vec())), name)
}

/// A little-endian microsecond pcap of `n` frames, frame `i` (from 0) of
/// `len(i)` octets, each octet `i as u8`.
fn pcap_of(n: u32, len: impl Fn(u32) -> usize) -> Vec<u8> {
    let mut w = common::PcapWriter::new(false, false, 65_535, 1);
    for i in 0..n {
        let len = len(i);
        w.packet(i, 0, &vec![i as u8; len], len as u32);
    }
    w.buf
}

/// `p` as the filtered reader returns it (its record end is not tracked).
fn unended(p: Owned) -> Owned {
    Owned { end: 0, ..p }
}

fn check(name: &str, bytes: &[u8]) {
    let open = || open_bytes(bytes, name);
    let (all, all_err) = match open() {
        Ok(r) => drain(r),
        Err(_) => return,
    };
    let (got, err, asked) = drain_where(open().expect("opened once already"));
    let frames = all.len() as u64;
    let want: Vec<Owned> = all
        .into_iter()
        .filter(|p| wanted(p.link_type, &p.data))
        .map(unended)
        .collect();
    assert_eq!(got, want, "{name}");
    assert_eq!(
        format!("{err:?}"),
        format!("{all_err:?}"),
        "{name}: same ending"
    );
    assert_eq!(asked, frames, "{name}: the filter is asked once per frame");
}

#[test]
fn corpus_captures_filter_like_next_packet() {
    let Some(dir) = corpus_dir() else { return };
    let mut checked = 0;
    for row in index_rows(&dir) {
        if row.bytes > 2_000_000 {
            continue;
        }
        let bytes = std::fs::read(&row.path).expect("read corpus file");
        check(&row.rel, &bytes);
        checked += 1;
    }
    assert!(checked > 50, "only {checked} corpus captures checked");
}

#[test]
fn filter_is_asked_once_per_frame() {
    let bytes = pcap_of(500, |i| 40 + (i as usize * 7) % 90);
    let r = open_bytes(&bytes, "t").expect("pcap");
    let (got, err, asked) = drain_where(r);
    assert!(err.is_none());
    assert_eq!(asked, 500);
    assert!(!got.is_empty() && got.len() < 500);
    for p in &got {
        assert_eq!(p.data[0], (p.frame - 1) as u8, "frame numbers kept");
    }
}

#[test]
fn cut_captures_end_with_the_same_error() {
    let mut w = common::PcapWriter::new(true, true, 65_535, 1);
    for i in 0..40u32 {
        let len = 30 + (i as usize * 13) % 70;
        w.packet(i, i, &vec![(i * 3) as u8; len], len as u32);
    }
    for cut in 24..w.buf.len() {
        check(&format!("pcap cut at {cut}"), &w.buf[..cut]);
    }
    let mut ng = common::NgWriter::new();
    ng.shb(false);
    ng.idb(1, 0, None, None);
    for i in 0..20u32 {
        ng.epb(0, u64::from(i), &vec![i as u8; 20 + i as usize], 60);
    }
    ng.spb(&[7; 30], 30);
    for cut in 0..ng.buf.len() {
        check(&format!("pcapng cut at {cut}"), &ng.buf[..cut]);
    }
}

#[test]
fn a_simple_packet_after_passed_over_blocks_keeps_the_last_timestamp() {
    // Simple Packet Blocks carry no timestamp and take the previous
    // packet's, even when that packet was passed over.
    let mut ng = common::NgWriter::new();
    ng.shb(false);
    ng.idb(1, 0, None, None);
    for i in 0..5u64 {
        ng.epb(0, 1_000 + i, &[1; 40], 40);
    }
    ng.spb(&[2; 30], 30);
    let all = drain(open_bytes(&ng.buf, "t").expect("pcapng")).0;
    let mut r = open_bytes(&ng.buf, "t").expect("pcapng");
    let spb = r
        .next_packet_where(|_, d| d.first() == Some(&2))
        .expect("no error")
        .expect("the simple packet");
    let want = all.last().expect("six packets");
    assert_eq!((spb.frame, spb.ts_nanos), (want.frame, want.ts_nanos));
    assert_eq!(spb.frame, 6);
    assert_eq!(spb.ts_nanos, all[4].ts_nanos);
}

#[test]
fn next_packet_and_next_packet_where_mix() {
    // `next_packet_where` tests records ahead of the one it returns; a
    // `next_packet` in between must still return the very next frame, and
    // the filtered reads after it must not skip or repeat any.
    let bytes = pcap_of(300, |i| 40 + (i as usize * 11) % 80);
    let open = || open_bytes(&bytes, "t").expect("pcap");
    let all = drain(open()).0;
    // Wanted: two frames of three, so a `next_packet` often takes a frame
    // the filtered read had already queued.
    let want = |d: &[u8]| d.first().is_some_and(|b| b % 3 != 0);
    let mut r = open();
    let mut i = 0usize;
    for step in 0.. {
        let got = if step % 4 == 3 {
            let got = r.next_packet().expect("no error").map(|p| Owned::of(&p));
            let expect = all.get(i).cloned().map(unended);
            i += 1;
            assert_eq!(got, expect, "next_packet at step {step}");
            got
        } else {
            let got = r
                .next_packet_where(|_, d| want(d))
                .expect("no error")
                .map(|p| Owned::of(&p));
            let at = all
                .iter()
                .skip(i)
                .position(|p| want(&p.data))
                .map(|k| i + k);
            let expect = at.map(|k| unended(all[k].clone()));
            i = at.map_or(all.len(), |k| k + 1);
            assert_eq!(got, expect, "next_packet_where at step {step}");
            got
        };
        if got.is_none() {
            break;
        }
    }
    assert_eq!(r.frames(), 300);
}

#[test]
fn a_plain_read_after_a_filtered_one_sees_the_frames_tested_ahead() {
    // Wanted, then two unwanted: the filtered read tests all three before
    // returning the first; the next plain read must return the second, and
    // a filtered read then finds nothing more.
    let mut w = common::PcapWriter::new(false, false, 65_535, 1);
    w.packet(0, 0, &[1; 60], 60);
    w.packet(1, 0, &[2; 61], 61);
    w.packet(2, 0, &[2; 62], 62);
    let mut r = open_bytes(&w.buf, "t").expect("pcap");
    let first = r
        .next_packet_where(|_, d| d.first() == Some(&1))
        .expect("no error")
        .map(|p| (p.frame, p.data.len()));
    assert_eq!(first, Some((1, 60)));
    let second = r
        .next_packet()
        .expect("no error")
        .map(|p| (p.frame, p.data.len()));
    assert_eq!(second, Some((2, 61)));
    assert!(r
        .next_packet_where(|_, d| d.first() == Some(&1))
        .expect("no error")
        .is_none());
    assert_eq!(r.frames(), 3);
}
