// SPDX-License-Identifier: Apache-2.0
//! Each format variant on small synthetic files written by the test writers.

mod common;

use std::io::{Cursor, Read};

use common::{drain, gzip, read_bytes, NgWriter, Owned, PcapWriter};
use plantguard_capture::{
    linktype, CaptureError, CaptureFormat, CaptureReader, CorruptReason, MAX_RECORD_SIZE,
};

const T0: u32 = 1_700_000_000;

fn sample_pcap(big_endian: bool, nanos: bool) -> Vec<u8> {
    let mut w = PcapWriter::new(big_endian, nanos, 96, linktype::ETHERNET);
    w.packet(T0, 123_456, &[0xaa; 60], 60);
    w.packet(T0 + 1, 999_999, &[0xbb; 96], 1514);
    w.packet(T0 + 2, 0, &[], 0);
    w.buf
}

fn ok(bytes: Vec<u8>) -> Vec<Owned> {
    let (pkts, err) = read_bytes(bytes).expect("open");
    assert!(err.is_none(), "{err:?}");
    pkts
}

fn err_of(bytes: Vec<u8>) -> (Vec<Owned>, CaptureError) {
    let (pkts, err) = read_bytes(bytes).expect("open");
    (pkts, err.expect("an error"))
}

fn format_of(bytes: Vec<u8>) -> CaptureFormat {
    CaptureReader::from_reader(Box::new(Cursor::new(bytes)), "t")
        .expect("open")
        .format()
}

#[test]
fn little_endian_microsecond_pcap_reports_lengths_offsets_and_frames() {
    let pkts = ok(sample_pcap(false, false));
    assert_eq!(pkts.len(), 3);
    let p = &pkts[1];
    assert_eq!(
        p.ts_nanos,
        (i64::from(T0) + 1) * 1_000_000_000 + 999_999_000
    );
    assert_eq!(
        (p.data.len(), p.orig_len),
        (96, 1514),
        "caplen below orig_len is reported as is"
    );
    assert_eq!(
        (p.frame, p.offset, p.end),
        (2, 24 + 16 + 60, 24 + 16 + 60 + 16 + 96)
    );
    assert_eq!(p.link_type, linktype::ETHERNET);
    assert_eq!(
        pkts[0].ts_nanos,
        i64::from(T0) * 1_000_000_000 + 123_456_000
    );
    assert!(pkts[2].data.is_empty());
    assert_eq!(
        format_of(sample_pcap(false, false)),
        CaptureFormat::Pcap {
            nanos: false,
            big_endian: false,
            gzip: false
        }
    );
}

#[test]
fn byte_swapped_pcap_reads_the_same_packets_as_native_order() {
    assert_eq!(ok(sample_pcap(true, false)), ok(sample_pcap(false, false)));
    assert_eq!(
        format_of(sample_pcap(true, true)),
        CaptureFormat::Pcap {
            nanos: true,
            big_endian: true,
            gzip: false
        }
    );
}

#[test]
fn nanosecond_pcap_keeps_nanoseconds_in_both_byte_orders() {
    for big in [false, true] {
        let pkts = ok(sample_pcap(big, true));
        assert_eq!(pkts[0].ts_nanos, i64::from(T0) * 1_000_000_000 + 123_456);
        assert_eq!(
            pkts[1].ts_nanos,
            (i64::from(T0) + 1) * 1_000_000_000 + 999_999
        );
    }
}

#[test]
fn pcap_link_type_ignores_fcs_bits_of_the_header_field() {
    let mut w = PcapWriter::new(false, false, 65535, linktype::LINUX_SLL2 | 0x1400_0000);
    w.packet(T0, 0, &[1, 2, 3], 3);
    assert_eq!(ok(w.buf)[0].link_type, linktype::LINUX_SLL2);
}

#[test]
fn gzip_is_detected_by_magic_for_pcap_and_pcapng() {
    let plain = sample_pcap(false, true);
    assert_eq!(ok(gzip(&plain)), ok(plain.clone()));
    assert_eq!(
        format_of(gzip(&plain)),
        CaptureFormat::Pcap {
            nanos: true,
            big_endian: false,
            gzip: true
        }
    );
    let ng = two_interface_pcapng();
    assert_eq!(ok(gzip(&ng)), ok(ng.clone()));
    assert_eq!(format_of(gzip(&ng)), CaptureFormat::PcapNg { gzip: true });
    assert!(format_of(gzip(&ng)).is_gzip());
    // A file name says nothing: a gzip file named .pcap is still read.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("looks-plain.pcap");
    std::fs::write(&path, gzip(&plain)).expect("write");
    let r = CaptureReader::open(&path).expect("open");
    assert!(r.format().is_gzip());
    assert_eq!(drain(r).0.len(), 3);
}

#[test]
fn concatenated_gzip_members_read_as_one_stream() {
    let plain = sample_pcap(false, false);
    let (a, b) = plain.split_at(24 + 16 + 30);
    let mut two = gzip(a);
    two.extend(gzip(b));
    assert_eq!(ok(two), ok(plain));
}

#[test]
fn gzip_position_counts_compressed_bytes_for_progress() {
    let plain = sample_pcap(false, false);
    let gz = gzip(&plain);
    let mut r = CaptureReader::from_reader(Box::new(Cursor::new(gz.clone())), "t").expect("open");
    while r.next_packet().expect("read").is_some() {}
    assert_eq!(r.bytes_read(), plain.len() as u64);
    assert_eq!(r.source_bytes_read(), gz.len() as u64);
}

/// Interface 0: Ethernet, default microseconds. Interface 1: raw IPv4,
/// 2^-20 s units, offset 100 s. Interface 2: SLL, nanoseconds.
fn two_interface_pcapng() -> Vec<u8> {
    let mut w = NgWriter::new();
    w.shb(false);
    w.idb(linktype::ETHERNET as u16, 0, None, None);
    w.idb(linktype::IPV4 as u16, 0, Some(0x80 | 20), Some(100));
    w.block(4, &[0; 8]); // name resolution block: skipped
    w.idb(linktype::LINUX_SLL as u16, 0, Some(9), None);
    w.epb(0, 1_700_000_000_123_456, &[0x11; 14], 64);
    w.epb(1, (1_700_000_000 << 20) | (1 << 19), &[0x45; 20], 20);
    w.block(5, &[0; 24]); // interface statistics block: skipped
    w.epb(2, 1_700_000_000_000_000_007, &[0x22; 17], 17);
    w.block(0x0000_000a, &[0; 12]); // decryption secrets block: skipped
    w.block(0x4000_0bad, &[1, 2, 3, 4, 5]); // custom block: skipped
    w.buf
}

#[test]
fn pcapng_interfaces_keep_their_own_link_type_and_resolution() {
    let pkts = ok(two_interface_pcapng());
    let got: Vec<(u32, u32, i64, usize, u32)> = pkts
        .iter()
        .map(|p| {
            (
                p.interface,
                p.link_type,
                p.ts_nanos,
                p.data.len(),
                p.orig_len,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (0, linktype::ETHERNET, 1_700_000_000_123_456_000, 14, 64),
            (1, linktype::IPV4, 1_700_000_100_500_000_000, 20, 20),
            (2, linktype::LINUX_SLL, 1_700_000_000_000_000_007, 17, 17),
        ]
    );
    assert_eq!(pkts.iter().map(|p| p.frame).collect::<Vec<_>>(), [1, 2, 3]);
}

#[test]
fn pcapng_big_endian_section_reads_like_little_endian() {
    let mut le = NgWriter::new();
    let mut be = NgWriter::new();
    for (w, big) in [(&mut le, false), (&mut be, true)] {
        w.shb(big);
        w.idb(1, 0, Some(6), None);
        w.epb(0, 42, &[9; 33], 40);
    }
    let a = ok(le.buf);
    let b = ok(be.buf);
    assert_eq!(a, b);
    assert_eq!(a[0].ts_nanos, 42_000);
}

#[test]
fn new_section_resets_interfaces_and_byte_order() {
    let mut w = NgWriter::new();
    w.shb(false);
    w.idb(1, 0, None, None);
    w.idb(1, 0, None, None);
    w.epb(1, 1, &[1], 1);
    w.shb(true);
    w.idb(101, 0, Some(9), None);
    w.epb(0, 5, &[2, 2], 2);
    let second_section_bad = w.epb(1, 6, &[3], 1);
    let (pkts, err) = err_of(w.buf);
    assert_eq!(pkts.len(), 2);
    assert_eq!(
        (pkts[1].link_type, pkts[1].ts_nanos, pkts[1].frame),
        (101, 5, 2)
    );
    assert!(
        matches!(
            err,
            CaptureError::Corrupt { offset, reason: CorruptReason::UnknownInterface { id: 1, count: 1 } }
                if offset == second_section_bad as u64
        ),
        "{err:?}"
    );
}

#[test]
fn simple_packet_block_uses_interface_zero_and_its_snaplen() {
    let mut w = NgWriter::new();
    w.shb(false);
    w.idb(linktype::ETHERNET as u16, 64, Some(9), None);
    w.epb(0, 77, &[0; 10], 10);
    w.spb(&[5; 64], 1514); // snaplen 64 caps it
    w.spb(&[6; 61], 61); // padded to 64 in the block: caplen stays 61
    let pkts = ok(w.buf);
    assert_eq!(pkts.len(), 3);
    assert_eq!(
        (pkts[1].data.len(), pkts[1].orig_len, pkts[1].interface),
        (64, 1514, 0)
    );
    assert_eq!(pkts[2].data, vec![6; 61]);
    assert_eq!(
        pkts[1].ts_nanos, 77,
        "no timestamp in an SPB: the previous packet's"
    );
    assert_eq!(pkts[2].link_type, linktype::ETHERNET);
}

#[test]
fn simple_packet_block_without_an_interface_is_corrupt() {
    let mut w = NgWriter::new();
    w.shb(false);
    let at = w.spb(&[1; 4], 4);
    let (_, err) = err_of(w.buf);
    assert!(
        matches!(err, CaptureError::Corrupt { offset, reason: CorruptReason::UnknownInterface { id: 0, count: 0 } } if offset == at as u64),
        "{err:?}"
    );
}

#[test]
fn obsolete_packet_block_is_read_like_an_enhanced_one() {
    let mut w = NgWriter::new();
    w.shb(false);
    w.idb(1, 0, None, None);
    w.idb(113, 0, None, None);
    w.pb(1, 3_000_001, &[7; 21], 100);
    let pkts = ok(w.buf);
    assert_eq!(
        (
            pkts[0].interface,
            pkts[0].link_type,
            pkts[0].ts_nanos,
            pkts[0].data.len(),
            pkts[0].orig_len
        ),
        (1, 113, 3_000_001_000, 21, 100)
    );
}

#[test]
fn pcapng_block_length_errors_are_corrupt_at_the_block_offset() {
    type Expect = fn(u32) -> CorruptReason;
    let cases: [(u32, Expect); 3] = [
        (8, |len| CorruptReason::BlockTooShort {
            block_type: 6,
            len,
            min: 32,
        }),
        (50, |len| CorruptReason::BlockLengthUnaligned { len }),
        (0x2000_0000, |_| CorruptReason::RecordTooLarge {
            len: 0x2000_0000,
            max: MAX_RECORD_SIZE as u64,
        }),
    ];
    for (bad_len, reason) in cases {
        let mut w = NgWriter::new();
        w.shb(false);
        w.idb(1, 0, None, None);
        w.epb(0, 1, &[1; 8], 8);
        let at = w.epb(0, 2, &[2; 8], 8);
        w.epb(0, 3, &[3; 8], 8);
        w.set_u32(at + 4, bad_len);
        let (pkts, err) = err_of(w.buf);
        assert_eq!(pkts.len(), 1, "the packet before the damage is returned");
        match err {
            CaptureError::Corrupt { offset, reason: r } => {
                assert_eq!(offset, at as u64);
                assert_eq!(r, reason(bad_len));
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn pcapng_trailer_length_mismatch_is_corrupt() {
    let mut w = NgWriter::new();
    w.shb(false);
    w.idb(1, 0, None, None);
    let at = w.epb(0, 2, &[2; 8], 8);
    let end = w.buf.len();
    w.set_u32(end - 4, 36);
    let (_, err) = err_of(w.buf);
    assert!(
        matches!(err, CaptureError::Corrupt { offset, reason: CorruptReason::BlockLengthMismatch { leading: 52, trailing: 36 } } if offset == at as u64),
        "{err:?}"
    );
}

#[test]
fn enhanced_packet_caplen_beyond_its_block_is_corrupt() {
    let mut w = NgWriter::new();
    w.shb(false);
    w.idb(1, 0, None, None);
    let at = w.epb(0, 2, &[2; 8], 8);
    w.set_u32(at + 20, 200);
    let (_, err) = err_of(w.buf);
    assert!(
        matches!(
            err,
            CaptureError::Corrupt {
                reason: CorruptReason::CaplenBeyondBlock {
                    caplen: 200,
                    room: 20
                },
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn bad_byte_order_magic_in_a_later_section_is_corrupt() {
    let mut w = NgWriter::new();
    w.shb(false);
    let at = w.shb(false);
    w.set_u32(at + 8, 0x1234_5678);
    let (_, err) = err_of(w.buf);
    assert!(
        matches!(err, CaptureError::Corrupt { offset, reason: CorruptReason::BadByteOrderMagic { magic: 0x1234_5678 } } if offset == at as u64),
        "{err:?}"
    );
}

#[test]
fn pcap_caplen_above_snaplen_and_262144_is_corrupt_but_below_is_accepted() {
    let mut w = PcapWriter::new(false, false, 128, 1);
    w.packet(T0, 0, &[0; 1000], 1000); // above snaplen, below 256 KiB: real files do this
    let at = w.buf.len();
    w.packet(T0, 0, &[0; 4], 4);
    w.buf[at + 8..at + 12].copy_from_slice(&300_000_u32.to_le_bytes());
    let (pkts, err) = err_of(w.buf);
    assert_eq!(pkts.len(), 1);
    assert!(
        matches!(err, CaptureError::Corrupt { offset, reason: CorruptReason::CaplenTooLarge { caplen: 300_000, max: 262_144 } } if offset == at as u64),
        "{err:?}"
    );
}

#[test]
fn records_larger_than_the_buffer_grow_it() {
    let big = vec![0x5a; 3 << 20];
    let mut w = PcapWriter::new(false, false, 16 << 20, 1);
    w.packet(T0, 0, &[1; 100], 100);
    w.packet(T0, 1, &big, 3 << 20);
    w.packet(T0, 2, &[2; 100], 100);
    let pkts = ok(w.buf);
    assert_eq!(pkts.len(), 3);
    assert!(pkts[1].data == big);
    let mut ng = NgWriter::new();
    ng.shb(false);
    ng.idb(1, 0, None, None);
    ng.epb(0, 1, &big, 3 << 20);
    ng.epb(0, 2, &[3; 7], 7);
    let pkts = ok(ng.buf);
    assert!(pkts[0].data == big);
    assert_eq!(pkts[1].data, vec![3; 7]);
}

/// Hands out at most `step` bytes per read, and sometimes `Interrupted`.
struct Dribble {
    data: Cursor<Vec<u8>>,
    step: usize,
    calls: usize,
}

impl Read for Dribble {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.calls += 1;
        if self.calls.is_multiple_of(7) {
            return Err(std::io::ErrorKind::Interrupted.into());
        }
        let n = buf.len().min(self.step);
        self.data.read(&mut buf[..n])
    }
}

#[test]
fn short_reads_and_interruptions_give_the_same_packets() {
    for bytes in [
        sample_pcap(true, true),
        two_interface_pcapng(),
        gzip(&two_interface_pcapng()),
    ] {
        let want = ok(bytes.clone());
        for step in [1, 3, 64] {
            let src = Dribble {
                data: Cursor::new(bytes.clone()),
                step,
                calls: 0,
            };
            let r = CaptureReader::from_reader(Box::new(src), "dribble").expect("open");
            let (got, err) = drain(r);
            assert!(err.is_none());
            assert_eq!(got, want, "step {step}");
        }
    }
}

struct Failing;

impl Read for Failing {
    fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
        Err(std::io::Error::other("disk on fire"))
    }
}

#[test]
fn read_errors_after_good_packets_are_io_at_the_record_offset() {
    let bytes = sample_pcap(false, false);
    let cut = 24 + 16 + 60 + 10;
    let src = Cursor::new(bytes[..cut].to_vec()).chain(Failing);
    let r = CaptureReader::from_reader(Box::new(src), "t").expect("open");
    let (pkts, err) = drain(r);
    assert_eq!(pkts.len(), 1);
    assert!(
        matches!(err, Some(CaptureError::Io { offset: 100, .. })),
        "{err:?}"
    );
}

#[test]
fn text_and_empty_files_are_not_captures() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, content) in [
        ("notes.pcap", &b"hello, this is text\n"[..]),
        ("empty.pcap", b""),
        ("ab", b"\x1f"),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, content).expect("write");
        match CaptureReader::open(&path) {
            Err(CaptureError::NotACapture { path: p }) => assert_eq!(p, path),
            other => panic!("{name}: {other:?}"),
        }
    }
    let gz_text = gzip(b"just some compressed text, not a capture");
    assert!(matches!(
        CaptureReader::from_reader(Box::new(Cursor::new(gz_text)), "log.gz"),
        Err(CaptureError::NotACapture { path }) if path.as_os_str() == "log.gz"
    ));
    let missing = dir.path().join("missing.pcap");
    assert!(matches!(
        CaptureReader::open(&missing),
        Err(CaptureError::Io { offset: 0, .. })
    ));
}

#[test]
fn header_only_pcap_has_no_packets_and_a_short_header_is_truncated() {
    assert!(ok(PcapWriter::new(false, false, 65535, 1).buf).is_empty());
    let mut short = PcapWriter::new(false, false, 65535, 1).buf;
    short.truncate(20);
    assert!(matches!(
        CaptureReader::from_reader(Box::new(Cursor::new(short)), "t"),
        Err(CaptureError::Truncated {
            offset: 0,
            needed: 4
        })
    ));
}

#[test]
fn error_messages_name_the_byte_offset() {
    let t = CaptureError::Truncated {
        offset: 4242,
        needed: 7,
    };
    assert!(t.to_string().contains("4242"), "{t}");
    let c = CaptureError::Corrupt {
        offset: 99,
        reason: CorruptReason::BlockLengthUnaligned { len: 13 },
    };
    assert!(
        c.to_string().contains("byte offset 99") && c.to_string().contains("13"),
        "{c}"
    );
    let io = CaptureError::Io {
        offset: 5150,
        source: std::io::Error::other("x"),
    };
    assert!(
        io.to_string().contains("5150") && io.to_string().ends_with(": x"),
        "{io}"
    );
    let input = CaptureError::Input {
        path: "ring/a.pcap".into(),
        source: Box::new(io),
    };
    assert!(
        input
            .to_string()
            .starts_with("ring/a.pcap: read error at byte offset 5150"),
        "{input}"
    );
    assert_eq!(input.offset(), Some(5150));
}

#[test]
fn reader_can_move_to_another_thread() {
    fn is_send<T: Send>() {}
    is_send::<CaptureReader>();
    let bytes = sample_pcap(false, false);
    let r = CaptureReader::from_reader(Box::new(Cursor::new(bytes)), "t").expect("open");
    let n = std::thread::spawn(move || drain(r).0.len())
        .join()
        .expect("join");
    assert_eq!(n, 3);
}

#[test]
fn damaged_huge_length_in_a_short_file_does_not_allocate_the_claimed_size() {
    // snaplen allows 200 MiB records; the file holds 1 KiB of one.
    let mut w = PcapWriter::new(false, false, 200 << 20, 1);
    w.packet(T0, 0, &[1; 1024], 1024);
    w.buf[24 + 8..24 + 12].copy_from_slice(&(200_u32 << 20).to_le_bytes());
    let mut r = CaptureReader::from_reader(Box::new(Cursor::new(w.buf)), "t").expect("open");
    assert!(matches!(
        r.next_packet(),
        Err(CaptureError::Truncated { offset: 24, .. })
    ));
    assert!(
        r.buffer_len() <= 2 << 20,
        "buffer grew to {}",
        r.buffer_len()
    );
}

#[test]
fn buffer_stays_at_its_initial_size_for_ordinary_records() {
    let mut w = PcapWriter::new(false, false, 65535, 1);
    for i in 0..50_000u32 {
        w.packet(T0 + i, 0, &[0x42; 100], 100);
    }
    let mut r = CaptureReader::from_reader(Box::new(Cursor::new(w.buf)), "t").expect("open");
    let mut n = 0;
    while r.next_packet().expect("read").is_some() {
        n += 1;
    }
    assert_eq!(n, 50_000);
    assert_eq!(r.buffer_len(), plantguard_capture::DEFAULT_BUFFER_SIZE);
}
