// SPDX-License-Identifier: Apache-2.0
//! Shared harness of the IT-protocol tshark agreement tests (`dns_tshark`,
//! `dhcp_tshark`, `netbios_tshark`, `smb_tshark`): runs tshark over a
//! corpus capture, feeds each frame's payload to a session the way the
//! engine does (datagrams whole; TCP per stream and direction, keeping
//! unconsumed bytes), and hands back what the session reported for each
//! frame next to tshark's fields for it.
#![allow(
    dead_code,
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::HashMap;
use std::process::Command;

use plantguard_model::{HostFact, IdentityFact, Operation, Side};
use plantguard_protocols::api::{Direction, ObservationSink, Progress, Session};
#[path = "common/mod.rs"]
mod common;
use common::Duplicates;
pub use common::{corpus_dir, tshark_available};

/// Captures of INDEX.tsv whose IT protocol column names one of `needles`
/// (exact list items), not duplicates, at most `max_bytes` long.
pub fn corpus_files(needles: &[&str], max_bytes: u64) -> Vec<String> {
    common::corpus_files(
        |r| {
            let hit = r
                .it_protocols
                .split([',', ';'])
                .map(str::trim)
                .any(|p| needles.contains(&p));
            hit && r.bytes.unwrap_or(u64::MAX) <= max_bytes
        },
        Duplicates::Skip,
    )
}

/// One frame as tshark saw it.
pub struct Frame {
    pub no: u32,
    /// TCP (else UDP).
    pub tcp: bool,
    pub stream: u64,
    pub sport: u16,
    pub dport: u16,
    pub payload: Vec<u8>,
    /// The requested protocol fields, `|`-joined occurrences.
    pub fields: Vec<String>,
}

impl Frame {
    pub fn field(&self, i: usize) -> &str {
        self.fields.get(i).map_or("", String::as_str)
    }
    pub fn list(&self, i: usize) -> Vec<String> {
        self.field(i)
            .split('|')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    }
}

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| *c != ':').collect();
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

const TRANSPORT_FIELDS: &[&str] = &[
    "frame.number",
    "tcp.stream",
    "udp.stream",
    "tcp.srcport",
    "udp.srcport",
    "tcp.dstport",
    "udp.dstport",
    "tcp.payload",
    "udp.payload",
];

/// Runs tshark over `file` for frames matching `filter` (TCP or UDP).
pub fn tshark(file: &str, filter: &str, fields: &[&str]) -> Vec<Frame> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r").arg(corpus_dir().join(file));
    cmd.args(["-Y", filter]);
    cmd.args([
        "-T",
        "fields",
        "-E",
        "separator=/t",
        "-E",
        "occurrence=a",
        "-E",
        "aggregator=|",
    ]);
    for f in TRANSPORT_FIELDS.iter().chain(fields) {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().expect("run tshark");
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .filter_map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            // ICMP-quoted datagrams carry several stream/port values.
            let one = |s: &str| s.split('|').next().unwrap_or("").to_string();
            let tcp = !c.get(1)?.is_empty();
            let k = usize::from(!tcp);
            Some(Frame {
                no: c.first()?.parse().ok()?,
                tcp,
                stream: one(c.get(1 + k)?).parse().ok()?,
                sport: one(c.get(3 + k)?).parse().ok()?,
                dport: one(c.get(5 + k)?).parse().ok()?,
                payload: hex(&one(c.get(7 + k)?)),
                fields: c.iter().skip(9).map(|s| s.to_string()).collect(),
            })
        })
        .collect()
}

/// [`tshark`] over many files on two threads, results in file order.
pub fn tshark_all(files: &[String], filter: &str, fields: &[&str]) -> Vec<(String, Vec<Frame>)> {
    let half = files.len().div_ceil(2);
    std::thread::scope(|s| {
        let parts: Vec<_> = files
            .chunks(half.max(1))
            .map(|chunk| {
                s.spawn(move || {
                    chunk
                        .iter()
                        .map(|f| (f.clone(), tshark(f, filter, fields)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        parts.into_iter().flat_map(|h| h.join().unwrap()).collect()
    })
}

/// What a session reported while one frame was fed.
#[derive(Default, Debug)]
pub struct FrameSink {
    pub ops: Vec<Operation>,
    pub facts: Vec<(Side, HostFact)>,
    pub records: Vec<(&'static str, serde_json::Value)>,
    pub anomalies: Vec<&'static str>,
}

impl FrameSink {
    pub fn attrs(&self, key: &str) -> Vec<String> {
        self.facts
            .iter()
            .filter_map(|(_, f)| match f {
                HostFact::Attribute { key: k, value } if k == key => Some(value.to_string()),
                _ => None,
            })
            .collect()
    }
}

impl ObservationSink for FrameSink {
    fn operation(&mut self, _: &'static str, op: Operation) {
        self.ops.push(op);
    }
    fn identity(&mut self, _: Side, _: IdentityFact) {}
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
        self.records
            .push((log, serde_json::to_value(record).unwrap()));
    }
}

struct Flow {
    session: Box<dyn Session>,
    buf: [Vec<u8>; 2],
    dead: bool,
}

/// Feeds every frame to a session of its flow and calls `check` with the
/// frame and what the session reported for it. `server_port` tells which
/// end is the server (`None`: skip the frame); `new_session` gets it.
pub fn run(
    frames: &[Frame],
    server_port: impl Fn(u16, u16) -> Option<u16>,
    new_session: impl Fn(bool, u16) -> Box<dyn Session>,
    mut check: impl FnMut(&Frame, &FrameSink),
) {
    let mut flows: HashMap<u64, Flow> = HashMap::new();
    for f in frames {
        let Some(port) = server_port(f.sport, f.dport) else {
            continue;
        };
        let dir = if f.dport == port {
            Direction::ToServer
        } else {
            Direction::ToClient
        };
        let key = if f.tcp {
            f.stream << 2
        } else {
            (f.stream << 2) | 1 | (u64::from(dir == Direction::ToClient) << 1)
        };
        let flow = flows.entry(key).or_insert_with(|| Flow {
            session: new_session(f.tcp, port),
            buf: [Vec::new(), Vec::new()],
            dead: false,
        });
        let mut sink = FrameSink::default();
        if !flow.dead && !f.payload.is_empty() {
            if f.tcp {
                let d = usize::from(dir == Direction::ToClient);
                let mut data = std::mem::take(&mut flow.buf[d]);
                data.extend_from_slice(&f.payload);
                match flow.session.feed(dir, &data, &mut sink) {
                    Progress::Done => {}
                    Progress::Incomplete { consumed, .. } => {
                        assert!(consumed <= data.len());
                        flow.buf[d] = data[consumed..].to_vec();
                    }
                    Progress::Abandon(_) => flow.dead = true,
                }
            } else {
                let _ = flow.session.feed(dir, &f.payload, &mut sink);
            }
        }
        check(f, &sink);
    }
}

/// Prints the tally and fails on disagreements not in `explained`
/// (capture path suffix, frame number, reason) or whose description
/// starts with one of `explained_kinds` (prefix, reason).
pub fn verdict(
    proto: &str,
    compared: usize,
    disagreements: &[(String, u32, String)],
    explained: &[(&str, u32, &str)],
    explained_kinds: &[(&str, &str)],
) {
    let mut unexplained = Vec::new();
    let mut accepted = 0usize;
    for (file, frame, what) in disagreements {
        if explained
            .iter()
            .any(|(f, n, _)| file.ends_with(f) && (*n == 0 || *n == *frame))
            || explained_kinds.iter().any(|(k, _)| what.starts_with(k))
        {
            accepted += 1;
        } else {
            unexplained.push(format!("{file} frame {frame}: {what}"));
        }
    }
    eprintln!(
        "{proto}: {compared} frames compared with tshark, {} disagreements ({accepted} explained)",
        disagreements.len()
    );
    assert!(compared > 0, "{proto}: nothing compared");
    assert!(
        unexplained.is_empty(),
        "{proto}: {} unexplained disagreements:\n{}",
        unexplained.len(),
        unexplained.join("\n")
    );
}
