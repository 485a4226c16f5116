// SPDX-License-Identifier: Apache-2.0
//! Shared chunking harness of the TCP parsers, included with `#[path]` by
//! each `<proto>_chunking.rs`. A conversation (messages or TCP segments in
//! capture order, each one direction's payload) or a pair of whole
//! direction streams is cut at arbitrary points and fed with the engine's
//! buffering emulated (unconsumed bytes kept per direction and the next
//! piece appended), recording everything the session reports, so a test
//! can compare chunked feeding with whole feeding.
//!
//! [`run`] (the IT parsers: TLS, SSH, RDP, RFB, Telnet) stops feeding after
//! `Abandon`; [`run_streams`] and [`run_segments`] (the industrial parsers)
//! treat `Abandon` as a failure.
#![allow(
    dead_code,
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::process::Command;

use plantguard_model::{HostFact, IdentityFact, Operation, Side};
use plantguard_protocols::api::{AbandonReason, Direction, ObservationSink, Progress, Session};
#[path = "common/mod.rs"]
pub mod common;
pub use common::corpus_dir;

#[derive(Default, Debug, PartialEq)]
pub struct Sink {
    pub ops: Vec<(&'static str, Operation)>,
    pub identities: Vec<(Side, IdentityFact)>,
    pub facts: Vec<(Side, HostFact)>,
    pub anomalies: Vec<&'static str>,
    pub records: Vec<serde_json::Value>,
    /// The log each record belongs to.
    pub logs: Vec<&'static str>,
}

impl ObservationSink for Sink {
    fn operation(&mut self, p: &'static str, op: Operation) {
        self.ops.push((p, op));
    }
    fn identity(&mut self, side: Side, fact: IdentityFact) {
        self.identities.push((side, fact));
    }
    fn host_fact(&mut self, side: Side, fact: HostFact) {
        self.facts.push((side, fact));
    }
    fn anomaly(&mut self, _: &'static str, name: &'static str) {
        self.anomalies.push(name);
    }
    fn wants_records(&self) -> bool {
        true
    }
    fn record(&mut self, log: &'static str, record: &dyn erased_serde::Serialize) {
        self.records.push(serde_json::to_value(record).unwrap());
        self.logs.push(log);
    }
}

/// Bytes of a hex string (as tshark prints payloads).
fn from_hex(hex: &str) -> Vec<u8> {
    (0..hex.len() / 2)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

/// Reads a conversation asset: one message per line, `> hex` to the
/// server, `< hex` to the client (cut from a capture with tshark).
pub fn conversation(text: &str) -> Conversation {
    text.lines()
        .filter_map(|l| {
            let (dir, hex) = l.split_once(' ')?;
            let dir = if dir == ">" {
                Direction::ToServer
            } else {
                Direction::ToClient
            };
            Some((dir, from_hex(hex)))
        })
        .collect()
}

/// Feeds `conv`, each message split at `cuts` (taken modulo its length);
/// after `Abandon` nothing more is fed, as in the engine.
pub fn run(mut s: Box<dyn Session>, conv: &[(Direction, Vec<u8>)], cuts: &[usize]) -> Sink {
    let mut sink = Sink::default();
    let mut bufs: [Vec<u8>; 2] = [Vec::new(), Vec::new()];
    'conv: for (dir, bytes) in conv {
        let i = usize::from(*dir == Direction::ToClient);
        let mut points: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
        points.push(bytes.len());
        points.sort_unstable();
        points.dedup();
        let mut start = 0;
        for p in points {
            if feed(s.as_mut(), &mut sink, *dir, &mut bufs[i], &bytes[start..p]).is_err() {
                break 'conv;
            }
            start = p;
        }
    }
    s.finish(&mut sink);
    sink
}

/// Feeds `bytes` to `s` in `dir`, appended to `buf` (what the session left
/// unconsumed), as the engine does; the reason if the session gives up.
fn feed(
    s: &mut dyn Session,
    sink: &mut Sink,
    dir: Direction,
    buf: &mut Vec<u8>,
    bytes: &[u8],
) -> Result<(), AbandonReason> {
    buf.extend_from_slice(bytes);
    if buf.is_empty() {
        return Ok(());
    }
    match s.feed(dir, buf, sink) {
        Progress::Done => buf.clear(),
        Progress::Incomplete { consumed, needed } => {
            assert!(consumed <= buf.len(), "consumed beyond input");
            assert!(needed > 0, "Incomplete must ask for more");
            buf.drain(..consumed);
        }
        Progress::Abandon(r) => return Err(r),
    }
    Ok(())
}

/// [`feed`] where giving up is a failure.
fn feed_strict(
    s: &mut dyn Session,
    sink: &mut Sink,
    dir: Direction,
    buf: &mut Vec<u8>,
    bytes: &[u8],
) {
    if let Err(r) = feed(s, sink, dir, buf, bytes) {
        panic!("abandoned: {r:?}");
    }
}

/// Feeds whole directions one after the other, each split at `cuts`
/// (positions, taken modulo its length), then ends the session. Every byte
/// must be consumed by the end.
pub fn run_streams(mut s: impl Session, streams: &[(Direction, &[u8], &[usize])]) -> Sink {
    let mut sink = Sink::default();
    for (dir, bytes, cuts) in streams {
        let mut buf = Vec::new();
        let mut bounds: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
        bounds.push(bytes.len());
        bounds.sort_unstable();
        let mut start = 0;
        for end in bounds {
            if end < start {
                continue;
            }
            feed_strict(&mut s, &mut sink, *dir, &mut buf, &bytes[start..end]);
            start = end;
        }
        assert!(buf.is_empty(), "{} bytes left over", buf.len());
    }
    s.finish(&mut sink);
    sink
}

/// One TCP conversation: (direction, segment payload) in frame order.
pub type Conversation = Vec<(Direction, Vec<u8>)>;

/// Feeds each segment of `conv` in steps drawn from `cuts` (each step
/// `1 + cut % segment length`; whole segments when `cuts` is empty),
/// keeping unconsumed bytes per direction, then ends the session.
pub fn run_segments(mut s: impl Session, conv: &[(Direction, Vec<u8>)], cuts: &[u16]) -> Sink {
    let mut sink = Sink::default();
    let mut bufs: [Vec<u8>; 2] = [Vec::new(), Vec::new()];
    let mut k = 0usize;
    for (dir, seg) in conv {
        let buf = &mut bufs[usize::from(*dir == Direction::ToClient)];
        let mut pos = 0;
        while pos < seg.len() {
            let step = if cuts.is_empty() {
                seg.len()
            } else {
                k += 1;
                1 + usize::from(cuts[k % cuts.len()]) % seg.len()
            };
            let end = (pos + step).min(seg.len());
            feed_strict(&mut s, &mut sink, *dir, buf, &seg[pos..end]);
            pos = end;
        }
    }
    s.finish(&mut sink);
    sink
}

/// The payload-carrying segments of TCP stream `stream` of a corpus
/// capture, read with tshark; `server_port` tells the directions apart.
pub fn tshark_conversation(rel: &str, stream: u32, server_port: u16) -> Option<Conversation> {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(corpus_dir().join(rel))
        .args([
            "-Y",
            &format!("tcp.stream == {stream} && tcp.len > 0"),
            "-T",
            "fields",
            "-e",
            "tcp.dstport",
            "-e",
            "tcp.payload",
        ])
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let server = server_port.to_string();
    let conv: Conversation = text
        .lines()
        .filter_map(|l| {
            let (port, hex) = l.split_once('\t')?;
            let dir = if port == server {
                Direction::ToServer
            } else {
                Direction::ToClient
            };
            Some((dir, from_hex(hex)))
        })
        .collect();
    (!conv.is_empty()).then_some(conv)
}

/// The conversations of `files` (relative to the corpus), panicking when
/// none could be read unless `PLANTGUARD_ALLOW_NO_TSHARK=1`.
pub fn corpus_conversations(files: &[(&str, u32, u16)]) -> Vec<Conversation> {
    let v: Vec<_> = files
        .iter()
        .filter_map(|(f, stream, port)| tshark_conversation(f, *stream, *port))
        .collect();
    if v.is_empty() && std::env::var("PLANTGUARD_ALLOW_NO_TSHARK").as_deref() != Ok("1") {
        panic!("tshark and the corpus are required (or set PLANTGUARD_ALLOW_NO_TSHARK=1)");
    }
    v
}
