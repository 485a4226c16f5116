// SPDX-License-Identifier: Apache-2.0
//! Helpers shared by the integration tests: the shared corpus and tiny
//! writers for synthetic pcap and pcapng files.
#![allow(dead_code)]

use std::io::{Cursor, Write};
use std::path::PathBuf;

use plantguard_capture::{CaptureError, CaptureReader, RawPacket};

/// The shared corpus, or `None` when absent and allowed to be.
///
/// # Panics
/// When the corpus is missing and `PLANTGUARD_ALLOW_NO_CORPUS=1` is not set.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("PLANTGUARD_CORPUS") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"),
    };
    if dir.join("INDEX.tsv").is_file() {
        return Some(dir);
    }
    if std::env::var("PLANTGUARD_ALLOW_NO_CORPUS").as_deref() == Ok("1") {
        eprintln!("corpus not found at {}: skipped", dir.display());
        return None;
    }
    panic!(
        "capture corpus not found at {} (INDEX.tsv missing): set PLANTGUARD_CORPUS=<dir>, \
         or PLANTGUARD_ALLOW_NO_CORPUS=1 to skip corpus tests",
        dir.display()
    );
}

/// One row of INDEX.tsv.
#[derive(Debug, Clone)]
pub struct IndexRow {
    pub path: PathBuf,
    pub rel: String,
    pub bytes: u64,
    pub packets: u64,
    pub status: String,
}

pub fn index_rows(dir: &std::path::Path) -> Vec<IndexRow> {
    let text = std::fs::read_to_string(dir.join("INDEX.tsv")).expect("read INDEX.tsv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split('\t').collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    };
    let (c_path, c_bytes, c_packets, c_status) =
        (col("path"), col("bytes"), col("packets"), col("status"));
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            IndexRow {
                path: dir.join(f[c_path]),
                rel: f[c_path].to_string(),
                bytes: f[c_bytes].parse().expect("bytes"),
                packets: f[c_packets].parse().expect("packets"),
                status: f[c_status].to_string(),
            }
        })
        .collect()
}

/// An owned copy of a packet, for comparisons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owned {
    pub ts_nanos: i64,
    pub link_type: u32,
    pub interface: u32,
    pub data: Vec<u8>,
    pub orig_len: u32,
    pub frame: u64,
    pub offset: u64,
    /// `bytes_read()` just after this packet: the end of its record.
    pub end: u64,
}

impl Owned {
    /// A copy of `p`; `end` is left 0 for the caller to set.
    pub fn of(p: &RawPacket<'_>) -> Self {
        Owned {
            ts_nanos: p.ts_nanos,
            link_type: p.link_type,
            interface: p.interface,
            data: p.data.to_vec(),
            orig_len: p.orig_len,
            frame: p.frame,
            offset: p.offset,
            end: 0,
        }
    }
}

/// Reads everything from a reader: the packets, then the error if any, and
/// checks that the reader stays finished afterwards.
pub fn drain(mut r: CaptureReader) -> (Vec<Owned>, Option<CaptureError>) {
    let mut out = Vec::new();
    loop {
        match r.next_packet() {
            Ok(Some(p)) => {
                out.push(Owned::of(&p));
                let end = r.bytes_read();
                if let Some(last) = out.last_mut() {
                    last.end = end;
                }
            }
            Ok(None) => return (out, None),
            Err(e) => {
                assert!(
                    r.next_packet().expect("no second error").is_none(),
                    "reader must end after an error"
                );
                return (out, Some(e));
            }
        }
    }
}

pub fn read_bytes(bytes: Vec<u8>) -> Result<(Vec<Owned>, Option<CaptureError>), CaptureError> {
    CaptureReader::from_reader(Box::new(Cursor::new(bytes)), "test").map(drain)
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).expect("gzip");
    enc.finish().expect("gzip")
}

/// Writes classic pcap files.
pub struct PcapWriter {
    pub buf: Vec<u8>,
    big: bool,
}

impl PcapWriter {
    pub fn new(big_endian: bool, nanos: bool, snaplen: u32, link_type: u32) -> Self {
        let mut w = PcapWriter {
            buf: Vec::new(),
            big: big_endian,
        };
        w.u32(if nanos { 0xa1b2_3c4d } else { 0xa1b2_c3d4 });
        w.u16(2);
        w.u16(4);
        w.u32(0);
        w.u32(0);
        w.u32(snaplen);
        w.u32(link_type);
        w
    }
    fn u16(&mut self, v: u16) {
        let b = if self.big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        self.buf.extend_from_slice(&b);
    }
    pub fn u32(&mut self, v: u32) {
        let b = if self.big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        self.buf.extend_from_slice(&b);
    }
    pub fn packet(&mut self, secs: u32, frac: u32, data: &[u8], orig_len: u32) -> &mut Self {
        self.u32(secs);
        self.u32(frac);
        self.u32(u32::try_from(data.len()).expect("len"));
        self.u32(orig_len);
        self.buf.extend_from_slice(data);
        self
    }
}

/// Writes pcapng files block by block.
pub struct NgWriter {
    pub buf: Vec<u8>,
    big: bool,
}

impl NgWriter {
    pub fn new() -> Self {
        NgWriter {
            buf: Vec::new(),
            big: false,
        }
    }
    fn b16(&self, v: u16) -> [u8; 2] {
        if self.big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    }
    fn b32(&self, v: u32) -> [u8; 4] {
        if self.big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    }
    /// Appends a block with a correct length in header and trailer; returns
    /// its offset.
    pub fn block(&mut self, block_type: u32, body: &[u8]) -> usize {
        let mut padded = body.to_vec();
        while !padded.len().is_multiple_of(4) {
            padded.push(0);
        }
        let len = u32::try_from(padded.len() + 12).expect("len");
        let at = self.buf.len();
        let t = self.b32(block_type);
        let l = self.b32(len);
        self.buf.extend_from_slice(&t);
        self.buf.extend_from_slice(&l);
        self.buf.extend_from_slice(&padded);
        self.buf.extend_from_slice(&l);
        at
    }
    pub fn shb(&mut self, big_endian: bool) -> usize {
        self.big = big_endian;
        let mut body = Vec::new();
        body.extend_from_slice(&self.b32(0x1a2b_3c4d));
        body.extend_from_slice(&self.b16(1));
        body.extend_from_slice(&self.b16(0));
        body.extend_from_slice(&(-1_i64).to_le_bytes());
        self.block(0x0a0d_0d0a, &body)
    }
    /// IDB with optional `if_tsresol` and `if_tsoffset`.
    pub fn idb(
        &mut self,
        link_type: u16,
        snaplen: u32,
        tsresol: Option<u8>,
        tsoffset: Option<i64>,
    ) -> usize {
        let mut body = Vec::new();
        body.extend_from_slice(&self.b16(link_type));
        body.extend_from_slice(&self.b16(0));
        body.extend_from_slice(&self.b32(snaplen));
        // An unknown option first, to check options are walked.
        body.extend_from_slice(&self.b16(2));
        body.extend_from_slice(&self.b16(5));
        body.extend_from_slice(b"eth0\0\0\0\0");
        if let Some(r) = tsresol {
            body.extend_from_slice(&self.b16(9));
            body.extend_from_slice(&self.b16(1));
            body.extend_from_slice(&[r, 0, 0, 0]);
        }
        if let Some(o) = tsoffset {
            body.extend_from_slice(&self.b16(14));
            body.extend_from_slice(&self.b16(8));
            let b = if self.big {
                o.to_be_bytes()
            } else {
                o.to_le_bytes()
            };
            body.extend_from_slice(&b);
        }
        body.extend_from_slice(&[0, 0, 0, 0]);
        self.block(1, &body)
    }
    pub fn epb(&mut self, iface: u32, ts: u64, data: &[u8], orig_len: u32) -> usize {
        let mut body = Vec::new();
        body.extend_from_slice(&self.b32(iface));
        body.extend_from_slice(&self.b32(u32::try_from(ts >> 32).expect("hi")));
        body.extend_from_slice(&self.b32(u32::try_from(ts & 0xffff_ffff).expect("lo")));
        body.extend_from_slice(&self.b32(u32::try_from(data.len()).expect("len")));
        body.extend_from_slice(&self.b32(orig_len));
        body.extend_from_slice(data);
        while !body.len().is_multiple_of(4) {
            body.push(0);
        }
        // An epb_flags option, which readers must step over.
        body.extend_from_slice(&self.b16(2));
        body.extend_from_slice(&self.b16(4));
        body.extend_from_slice(&self.b32(1));
        body.extend_from_slice(&[0, 0, 0, 0]);
        self.block(6, &body)
    }
    /// Obsolete Packet Block (type 2).
    pub fn pb(&mut self, iface: u16, ts: u64, data: &[u8], orig_len: u32) -> usize {
        let mut body = Vec::new();
        body.extend_from_slice(&self.b16(iface));
        body.extend_from_slice(&self.b16(0));
        body.extend_from_slice(&self.b32(u32::try_from(ts >> 32).expect("hi")));
        body.extend_from_slice(&self.b32(u32::try_from(ts & 0xffff_ffff).expect("lo")));
        body.extend_from_slice(&self.b32(u32::try_from(data.len()).expect("len")));
        body.extend_from_slice(&self.b32(orig_len));
        body.extend_from_slice(data);
        self.block(2, &body)
    }
    pub fn spb(&mut self, data: &[u8], orig_len: u32) -> usize {
        let mut body = Vec::new();
        body.extend_from_slice(&self.b32(orig_len));
        body.extend_from_slice(data);
        self.block(3, &body)
    }
    pub fn set_u32(&mut self, at: usize, v: u32) {
        let b = self.b32(v);
        self.buf[at..at + 4].copy_from_slice(&b);
    }
}
