// SPDX-License-Identifier: Apache-2.0
//! Captures cut at many byte offsets: every packet complete before the cut
//! comes out unchanged, then one `Truncated` error naming the start of the
//! damaged record (none when the cut falls on a record boundary).

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{corpus_dir, drain, Owned};
use plantguard_capture::{CaptureError, CaptureReader};

/// Record boundaries of a pcapng file, walked independently of the reader:
/// (start, end, header length needed before the block length is known).
fn pcapng_blocks(b: &[u8]) -> Vec<(usize, usize, usize)> {
    let mut out = Vec::new();
    let mut off = 0;
    let mut big = false;
    while off + 12 <= b.len() {
        let shb = b[off..off + 4] == [0x0a, 0x0d, 0x0d, 0x0a];
        if shb {
            big = b[off + 8..off + 12] == [0x1a, 0x2b, 0x3c, 0x4d];
        }
        let raw: [u8; 4] = b[off + 4..off + 8].try_into().expect("4 bytes");
        let len = if big {
            u32::from_be_bytes(raw)
        } else {
            u32::from_le_bytes(raw)
        } as usize;
        out.push((off, off + len, if shb { 12 } else { 8 }));
        off += len;
    }
    assert_eq!(off, b.len(), "test file must be well formed");
    out
}

fn pcap_blocks(full: &[Owned]) -> Vec<(usize, usize, usize)> {
    let mut out = vec![(0, 24, 24)];
    out.extend(full.iter().map(|p| (p.offset as usize, p.end as usize, 16)));
    out
}

fn read_path(path: &Path) -> (Vec<Owned>, Option<CaptureError>) {
    match CaptureReader::open(path) {
        Ok(r) => drain(r),
        Err(e) => (Vec::new(), Some(e)),
    }
}

/// Cuts `bytes` at each offset in `cuts` and checks the reader's output.
fn check_cuts(
    name: &str,
    bytes: &[u8],
    blocks: &[(usize, usize, usize)],
    full: &[Owned],
    cuts: &BTreeSet<usize>,
) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cut.pcap");
    let boundaries: BTreeSet<usize> = blocks.iter().map(|b| b.0).chain([bytes.len()]).collect();
    for &cut in cuts {
        std::fs::write(&path, &bytes[..cut]).expect("write prefix");
        let (pkts, err) = read_path(&path);
        let ctx = format!("{name} cut at {cut}");
        if cut < 4 {
            assert!(
                matches!(err, Some(CaptureError::NotACapture { .. })),
                "{ctx}: {err:?}"
            );
            continue;
        }
        let expected: Vec<&Owned> = full.iter().filter(|p| p.end as usize <= cut).collect();
        assert_eq!(pkts.len(), expected.len(), "{ctx}: packet count");
        for (got, want) in pkts.iter().zip(&expected) {
            assert_eq!(&got, want, "{ctx}");
        }
        if boundaries.contains(&cut) && cut >= blocks[0].1 {
            assert!(err.is_none(), "{ctx}: cut on a boundary, got {err:?}");
            continue;
        }
        let &(start, end, head) = blocks.iter().rev().find(|b| b.0 <= cut).expect("a block");
        match err {
            Some(CaptureError::Truncated { offset, needed }) => {
                assert_eq!(offset, start as u64, "{ctx}: offset of the damaged record");
                // Until its 4-byte type is read, a section header looks like any block.
                let head = if head == 12 && cut - start < 4 {
                    8
                } else {
                    head
                };
                let want = if cut - start < head {
                    head - (cut - start)
                } else {
                    end - cut
                };
                assert_eq!(needed, want as u64, "{ctx}: bytes needed");
            }
            other => panic!("{ctx}: expected Truncated at {start}, got {other:?}"),
        }
    }
}

fn spread(len: usize, blocks: &[(usize, usize, usize)], every: bool) -> BTreeSet<usize> {
    if every {
        return (0..=len).collect();
    }
    // A few hundred spread offsets, and each side of the first and last
    // boundaries, where off-by-one mistakes live.
    let mut cuts: BTreeSet<usize> = (0..300).map(|i| i * len / 300).collect();
    for &(s, e, _) in blocks.iter().take(6).chain(blocks.iter().rev().take(6)) {
        for c in [
            s,
            s + 1,
            s + 7,
            s + 8,
            s + 9,
            s + 15,
            s + 16,
            s + 17,
            e - 1,
            e,
        ] {
            if c <= len {
                cuts.insert(c);
            }
        }
    }
    cuts.insert(len);
    cuts
}

fn check_corpus_file(rel: &str, ng: bool) {
    let Some(dir) = corpus_dir() else { return };
    let path = dir.join(rel);
    let bytes = std::fs::read(&path).expect("read capture");
    let (full, err) = read_path(&path);
    assert!(err.is_none(), "{rel}: {err:?}");
    assert!(!full.is_empty());
    let blocks = if ng {
        pcapng_blocks(&bytes)
    } else {
        pcap_blocks(&full)
    };
    let cuts = spread(bytes.len(), &blocks, bytes.len() <= 4096);
    check_cuts(rel, &bytes, &blocks, &full, &cuts);
}

#[test]
fn pcap_cut_at_every_offset_keeps_complete_packets_then_reports_truncation() {
    check_corpus_file(
        "ITI-ICS-Security-Tools/pcaps/BACnet/bacnet_test.pcap",
        false,
    );
}

#[test]
fn nanosecond_big_file_pcap_cut_at_spread_offsets_keeps_complete_packets() {
    check_corpus_file(
        "zeek/testing/btest/Traces/http/get-to-ssh-server.pcap",
        false,
    );
    check_corpus_file(
        "ITI-ICS-Security-Tools/pcaps/IEC61850/m-send-req.mms.pcap",
        false,
    );
}

#[test]
fn pcapng_cut_at_every_offset_keeps_complete_packets_then_reports_truncation() {
    // An SHB, an IDB, two EPBs and an ISB at the end.
    check_corpus_file(
        "icsnpp/icsnpp-profinet-io-cm/testing/traces/profinet_io_cm_connect_minimal.pcapng",
        true,
    );
    // Two interfaces.
    check_corpus_file("zeek/testing/btest/Traces/snap-arp.pcapng", true);
}

#[test]
fn pcapng_with_many_interfaces_cut_at_spread_offsets_keeps_complete_packets() {
    // 126 IDBs and name resolution blocks before the packets.
    check_corpus_file(
        "zeek/testing/btest/Traces/ldap/gap-data-missing.pcapng",
        true,
    );
}

#[test]
fn synthetic_multi_section_pcapng_cut_at_every_offset() {
    let mut w = common::NgWriter::new();
    w.shb(false);
    w.idb(1, 0, None, None);
    w.epb(0, 1_000_000, &[1; 61], 61);
    w.spb(&[2; 30], 30);
    w.block(4, &[0; 16]);
    w.shb(true);
    w.idb(101, 0, Some(9), None);
    w.pb(0, 5, &[3; 20], 40);
    w.epb(0, 6, &[], 0);
    let bytes = w.buf.clone();
    let (full, err) = common::read_bytes(bytes.clone()).expect("open");
    assert!(err.is_none(), "{err:?}");
    assert_eq!(full.len(), 4);
    let blocks = pcapng_blocks(&bytes);
    check_cuts(
        "synthetic",
        &bytes,
        &blocks,
        &full,
        &(0..=bytes.len()).collect(),
    );
}

#[test]
fn gzip_cut_short_yields_a_prefix_of_the_packets_then_an_error() {
    let Some(dir) = corpus_dir() else { return };
    let path = dir.join("zeek/testing/btest/Traces/tls/tls-fragmented-handshake.pcap.gz");
    let bytes = std::fs::read(&path).expect("read");
    let (full, err) = read_path(&path);
    assert!(err.is_none(), "{err:?}");
    let tmp = tempfile::tempdir().expect("tempdir");
    let cut_path = tmp.path().join("cut");
    for cut in (2..bytes.len()).step_by(bytes.len() / 97 + 1) {
        std::fs::write(&cut_path, &bytes[..cut]).expect("write");
        let (pkts, err) = read_path(&cut_path);
        assert!(
            pkts.len() < full.len() || cut >= bytes.len() - 8,
            "cut {cut}"
        );
        assert_eq!(pkts[..], full[..pkts.len()], "cut {cut}");
        // The deflate stream ends early: an I/O error (or truncation when
        // the cut lands in the gzip trailer after complete data).
        assert!(
            matches!(
                err,
                Some(CaptureError::Io { .. } | CaptureError::Truncated { .. })
            ),
            "cut {cut}: {err:?}"
        );
    }
}
