// SPDX-License-Identifier: Apache-2.0
//! Expanding files and directories of rotated captures.

mod common;

use std::path::{Path, PathBuf};

use common::{gzip, NgWriter, PcapWriter};
use plantguard_capture::{expand_inputs, first_timestamp, CaptureError};

fn pcap_at(secs: u32) -> Vec<u8> {
    let mut w = PcapWriter::new(false, false, 65535, 1);
    w.packet(secs, 0, &[0; 20], 20);
    w.packet(secs + 1, 0, &[0; 20], 20);
    w.buf
}

fn ng_at(secs: u64) -> Vec<u8> {
    let mut w = NgWriter::new();
    w.shb(false);
    w.idb(1, 0, Some(9), None);
    w.epb(0, secs * 1_000_000_000, &[0; 20], 20);
    w.buf
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(&p, bytes).expect("write");
    p
}

fn names(root: &Path, paths: &[PathBuf]) -> Vec<String> {
    paths
        .iter()
        .map(|p| {
            p.strip_prefix(root)
                .unwrap_or(p)
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect()
}

#[test]
fn first_timestamp_reads_only_the_first_packet() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = write(dir.path(), "a.pcap", &pcap_at(1_600_000_000));
    assert_eq!(
        first_timestamp(&p).expect("ts"),
        Some(1_600_000_000_000_000_000)
    );
    let empty = write(
        dir.path(),
        "e.pcap",
        &PcapWriter::new(false, false, 65535, 1).buf,
    );
    assert_eq!(first_timestamp(&empty).expect("ts"), None);
    let text = write(dir.path(), "t.txt", b"not a capture at all");
    assert!(matches!(
        first_timestamp(&text),
        Err(CaptureError::NotACapture { .. })
    ));
}

#[test]
fn directory_files_are_ordered_by_first_packet_time_not_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("span");
    // Ring-buffer names that sort wrongly after wrapping, mixed formats.
    write(&root, "ring_00001.pcap", &pcap_at(1_700_000_300));
    write(&root, "ring_00002.pcapng", &ng_at(1_700_000_400));
    write(&root, "ring_00003.pcap.gz", &gzip(&pcap_at(1_700_000_100)));
    write(&root, "ring_00004", &pcap_at(1_700_000_200));
    write(&root, "sub/older.pcap", &pcap_at(1_700_000_000));
    // Same first timestamp: ordered by path.
    write(&root, "tie_b.pcap", &pcap_at(1_700_000_250));
    write(&root, "tie_a.pcap", &pcap_at(1_700_000_250));
    // No packet yet (the file being written): last.
    write(
        &root,
        "ring_00005.pcap",
        &PcapWriter::new(false, false, 65535, 1).buf,
    );
    // Not captures: skipped silently.
    write(&root, "README.txt", b"capture notes");
    write(&root, "empty", b"");
    write(&root, "sub/log.gz", &gzip(b"a compressed log"));

    let got = expand_inputs(std::slice::from_ref(&root)).expect("expand");
    assert_eq!(
        names(&root, &got),
        [
            "sub/older.pcap",
            "ring_00003.pcap.gz",
            "ring_00004",
            "tie_a.pcap",
            "tie_b.pcap",
            "ring_00001.pcap",
            "ring_00002.pcapng",
            "ring_00005.pcap",
        ]
    );
}

#[test]
fn inputs_keep_their_order_and_files_are_kept_as_given() {
    let dir = tempfile::tempdir().expect("tempdir");
    let late = write(dir.path(), "late.pcap", &pcap_at(2_000_000_000));
    let d = dir.path().join("d");
    write(&d, "x.pcap", &pcap_at(1_000_000_100));
    write(&d, "y.pcap", &pcap_at(1_000_000_000));
    let got = expand_inputs(&[late.clone(), d.clone()]).expect("expand");
    assert_eq!(got, vec![late, d.join("y.pcap"), d.join("x.pcap")]);
}

#[test]
fn explicit_non_capture_file_is_an_error_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = write(dir.path(), "notes.txt", b"hello");
    match expand_inputs(std::slice::from_ref(&text)) {
        Err(CaptureError::NotACapture { path }) => assert_eq!(path, text),
        other => panic!("{other:?}"),
    }
    let missing = dir.path().join("nope");
    match expand_inputs(std::slice::from_ref(&missing)) {
        Err(CaptureError::Input { path, source }) => {
            assert_eq!(path, missing);
            assert!(matches!(*source, CaptureError::Io { .. }));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn damaged_capture_in_a_directory_is_kept_for_the_reader_to_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cut = pcap_at(1_700_000_000);
    cut.truncate(30);
    write(dir.path(), "cut.pcap", &cut);
    write(dir.path(), "good.pcap", &pcap_at(1_700_000_500));
    let got = expand_inputs(&[dir.path().to_path_buf()]).expect("expand");
    assert_eq!(names(dir.path(), &got), ["good.pcap", "cut.pcap"]);
}

#[cfg(unix)]
#[test]
fn symlinked_files_are_followed_and_symlinked_directories_are_not() {
    let dir = tempfile::tempdir().expect("tempdir");
    let outside = dir.path().join("outside");
    let target = write(&outside, "t.pcap", &pcap_at(1_700_000_000));
    let root = dir.path().join("root");
    std::fs::create_dir_all(&root).expect("mkdir");
    std::os::unix::fs::symlink(&target, root.join("link.pcap")).expect("symlink");
    std::os::unix::fs::symlink(&root, root.join("loop")).expect("symlink");
    std::os::unix::fs::symlink(root.join("dangling"), root.join("broken")).expect("symlink");
    let got = expand_inputs(std::slice::from_ref(&root)).expect("expand");
    assert_eq!(names(&root, &got), ["link.pcap"]);
}
