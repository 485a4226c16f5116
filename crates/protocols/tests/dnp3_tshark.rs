// SPDX-License-Identifier: Apache-2.0
//! tshark agreement: every DNP3 capture of the shared corpus is fed, frame
//! by frame and per stream and direction, through [`Dnp3Session`] (with its
//! fragment tap on), and for each frame the application function codes,
//! object headers (group, variation, qualifier prefix and range codes) and
//! link addresses of the fragments completed by that frame are compared
//! with tshark's `dnp3.al.func`, `dnp3.al.obj`, `dnp3.al.objq.prefix`,
//! `dnp3.al.objq.range`, `dnp3.src` and `dnp3.dst`. Every remaining
//! disagreement must be explained in [`explain`].
//!
//! Run with `PLANTGUARD_ALLOW_NO_TSHARK=1` to skip where tshark is missing;
//! set `PLANTGUARD_CORPUS` to use a corpus outside `../shared/corpus`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::{BTreeMap, HashMap};
use std::process::Command;

use plantguard_model::{IdentityFact, Operation, Side};
use plantguard_protocols::api::{Direction, ObservationSink, Probe, Progress, Session};
use plantguard_protocols::dnp3::{Dnp3Session, FragmentSummary};
mod common;
use common::{corpus_dir, hex, tshark_available, Duplicates};

/// Captures listed in INDEX.tsv whose protocols include `needle`, skipping duplicates.
fn corpus_files(needle: &str) -> Vec<String> {
    common::corpus_files(|r| r.ics_protocols.contains(needle), Duplicates::Skip)
}

/// Why a disagreement on a frame is accepted, or `None` when it is not
/// understood. Each rule names the captures and frames it covers.
fn explain(
    file: &str,
    mine: &[FragmentSummary],
    theirs: &Theirs,
    anomalies: &[&'static str],
) -> Option<&'static str> {
    let funcs: Vec<u64> = mine.iter().map(|m| u64::from(m.function)).collect();
    let objs: Vec<u64> = mine
        .iter()
        .flat_map(|m| {
            m.objects
                .iter()
                .map(|o| u64::from(o.0) << 8 | u64::from(o.1))
        })
        .collect();
    let known = |f: u8| plantguard_protocols::dnp3::function_name(f).is_some();
    // tshark dissects no object headers for ASSIGN_CLASS (22), the
    // authentication functions (32, 33, 131) or function codes it does not know.
    if funcs == theirs.func
        && theirs.obj.is_empty()
        && mine
            .iter()
            .all(|m| matches!(m.function, 22 | 32 | 33 | 131) || !known(m.function))
    {
        return Some(
            "tshark does not dissect objects of ASSIGN_CLASS, authentication or unknown functions",
        );
    }
    // tshark cannot size g51v2 (unsynchronised CTO) or g120 (authentication)
    // objects and stops listing headers after them.
    if funcs == theirs.func
        && objs.len() > theirs.obj.len()
        && objs.starts_with(&theirs.obj)
        && theirs
            .obj
            .last()
            .is_some_and(|&o| o == 0x3302 || o >> 8 == 120)
    {
        return Some("tshark stops after g51v2 or g120 objects it cannot size");
    }
    // Fuzzed captures: after a malformed header we stop; tshark reads on and
    // lists the garbage that follows as further headers.
    if file.contains("Malformed")
        && funcs == theirs.func
        && mine.iter().any(|m| m.error.is_some())
        && theirs.obj.starts_with(&objs)
    {
        return Some("fuzzed capture: tshark lists garbage after a malformed object header");
    }
    // IEEE 1815 §9.2.4.1.3.2: only primary frames with link function 3 or 4
    // carry user data. The opendnp3 conformance captures send reserved link
    // functions on purpose; tshark decodes their payload anyway.
    if mine.is_empty()
        && !theirs.prifunc.is_empty()
        && theirs.prifunc.iter().all(|f| !matches!(f, 3 | 4))
    {
        return Some("tshark decodes user data of link frames whose function is not user data");
    }
    // A crafted WRITE repeats g112v0 headers (zero-length virtual terminal
    // objects, 65,536 of them each); tshark gives up after the first.
    if funcs == theirs.func
        && theirs.obj.len() == 1
        && objs.starts_with(&theirs.obj)
        && objs
            .iter()
            .all(|&o| (110..=113).contains(&(o >> 8)) && o & 0xFF == 0)
    {
        return Some("tshark stops after the first header of zero-length octet strings");
    }
    if mine.is_empty() && anomalies.contains(&"transport_overflow") {
        return Some("fragment larger than MAX_FRAGMENT (2048 octets) dropped");
    }
    // The transport sequence number wraps from 63 to 0; tshark's reassembly
    // keys segments by sequence number and fails to join (or mixes up) the
    // segments around the wrap.
    if !mine.is_empty() && theirs.tr_seq.contains(&0) && funcs != theirs.func {
        return Some("tshark transport reassembly fails at the 63 -> 0 sequence wrap");
    }
    None
}

#[derive(Default)]
struct NullSink {
    anomalies: Vec<&'static str>,
}

impl ObservationSink for NullSink {
    fn operation(&mut self, _: &'static str, _: Operation) {}
    fn identity(&mut self, _: Side, _: IdentityFact) {}
    fn anomaly(&mut self, _: &'static str, name: &'static str) {
        self.anomalies.push(name);
    }
    fn wants_records(&self) -> bool {
        true
    }
    fn record(&mut self, _: &'static str, record: &dyn erased_serde::Serialize) {
        // Records must serialise.
        serde_json::to_value(record).unwrap();
    }
}

fn list(s: &str) -> Vec<u64> {
    s.split(',')
        .filter(|x| !x.is_empty())
        .map(|x| {
            x.strip_prefix("0x").map_or_else(
                || x.parse().unwrap(),
                |h| u64::from_str_radix(h, 16).unwrap(),
            )
        })
        .collect()
}

/// tshark's view of one frame.
#[derive(Debug, Default)]
struct Theirs {
    func: Vec<u64>,
    obj: Vec<u64>,
    prefix: Vec<u64>,
    range: Vec<u64>,
    src: Vec<u64>,
    dst: Vec<u64>,
    prifunc: Vec<u64>,
    tr_seq: Vec<u64>,
}

struct Row {
    frame: u32,
    key: String,
    src_port: u16,
    dst_port: u16,
    payload: Vec<u8>,
    theirs: Theirs,
}

struct Flow {
    session: Dnp3Session,
    buf: [Vec<u8>; 2],
    to_server_port: u16,
}

const FIELDS: &[&str] = &[
    "frame.number",
    "tcp.stream",
    "udp.stream",
    "tcp.srcport",
    "tcp.dstport",
    "udp.srcport",
    "udp.dstport",
    "tcp.payload",
    "udp.payload",
    "dnp3.al.func",
    "dnp3.al.obj",
    "dnp3.al.objq.prefix",
    "dnp3.al.objq.range",
    "dnp3.src",
    "dnp3.dst",
    "dnp3.ctl.prifunc",
    "dnp3.tr.seq",
];

fn rows(path: &std::path::Path) -> Vec<Row> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r").arg(path).args([
        "-Y",
        "(tcp.len > 0 && !tcp.analysis.retransmission) || (udp && udp.length > 8)",
        "-T",
        "fields",
        "-E",
        "separator=/t",
        "-E",
        "occurrence=a",
        "-E",
        "aggregator=,",
    ]);
    for f in FIELDS {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().expect("run tshark");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut v = Vec::new();
    for line in text.lines() {
        let c: Vec<&str> = line.split('\t').collect();
        if c.len() < FIELDS.len() {
            continue;
        }
        let (key, sp, dp, payload) = if c[1].is_empty() {
            (format!("u{}", c[2]), c[5], c[6], c[8])
        } else {
            (format!("t{}", c[1]), c[3], c[4], c[7])
        };
        v.push(Row {
            frame: c[0].parse().unwrap(),
            key,
            src_port: sp.parse().unwrap_or(0),
            dst_port: dp.parse().unwrap_or(0),
            payload: hex(payload),
            theirs: Theirs {
                func: list(c[9]),
                obj: list(c[10]),
                prefix: list(c[11]),
                range: list(c[12]),
                src: list(c[13]),
                dst: list(c[14]),
                prifunc: list(c[15]),
                tr_seq: list(c[16]),
            },
        });
    }
    v
}

#[test]
fn dnp3_agrees_with_tshark() {
    if !tshark_available() {
        return;
    }
    let files = corpus_files("DNP3");
    assert!(!files.is_empty(), "no DNP3 captures in the corpus index");
    let (mut compared, mut objects, mut disagreements) = (0usize, 0usize, Vec::new());
    let mut explained: BTreeMap<&'static str, usize> = BTreeMap::new();
    for file in &files {
        let all = rows(&corpus_dir().join(file));
        // Streams tshark decodes as DNP3 somewhere, and their server port.
        let mut dnp3_streams: HashMap<String, u16> = HashMap::new();
        for r in &all {
            if !r.theirs.src.is_empty() {
                let port = if r.dst_port == 20000 || r.src_port != 20000 {
                    r.dst_port
                } else {
                    r.src_port
                };
                dnp3_streams.entry(r.key.clone()).or_insert(port);
            }
        }
        let mut flows: HashMap<String, Flow> = HashMap::new();
        for r in &all {
            let Some(&server_port) = dnp3_streams.get(&r.key) else {
                continue;
            };
            let flow = flows.entry(r.key.clone()).or_insert_with(|| Flow {
                session: Dnp3Session::with_tap(),
                buf: [Vec::new(), Vec::new()],
                to_server_port: server_port,
            });
            let dir = if r.dst_port == flow.to_server_port {
                Direction::ToServer
            } else {
                Direction::ToClient
            };
            let d = usize::from(dir == Direction::ToClient);
            let udp = r.key.starts_with('u');
            if udp {
                flow.buf[d].clear();
            }
            flow.buf[d].extend_from_slice(&r.payload);
            let mut sink = NullSink::default();
            match flow.session.feed(dir, &flow.buf[d], &mut sink) {
                Progress::Done => flow.buf[d].clear(),
                Progress::Incomplete { consumed, .. } => {
                    flow.buf[d].drain(..consumed);
                }
                Progress::Abandon(_) => flow.buf[d].clear(),
            }
            if udp {
                flow.buf[d].clear();
            }
            let mine = flow.session.take_tapped();
            let t = &r.theirs;
            if mine.is_empty() && t.func.is_empty() {
                continue;
            }
            compared += 1;
            objects += t.obj.len();
            let funcs: Vec<u64> = mine.iter().map(|m| u64::from(m.function)).collect();
            let objs: Vec<u64> = mine
                .iter()
                .flat_map(|m| {
                    m.objects
                        .iter()
                        .map(|o| u64::from(o.0) << 8 | u64::from(o.1))
                })
                .collect();
            let prefixes: Vec<u64> = mine
                .iter()
                .flat_map(|m| m.objects.iter().map(|o| u64::from((o.2 >> 4) & 7)))
                .collect();
            let ranges: Vec<u64> = mine
                .iter()
                .flat_map(|m| m.objects.iter().map(|o| u64::from(o.2 & 0x0F)))
                .collect();
            let addrs_ok = mine.iter().all(|m| {
                t.src.contains(&u64::from(m.source)) && t.dst.contains(&u64::from(m.destination))
            });
            let agree = funcs == t.func
                && objs == t.obj
                && prefixes == t.prefix
                && ranges == t.range
                && addrs_ok;
            if !agree {
                match explain(file, &mine, t, &sink.anomalies) {
                    Some(why) => *explained.entry(why).or_default() += 1,
                    None => disagreements.push(format!(
                        "{file} frame {}: mine func={funcs:?} obj={objs:x?} q={prefixes:?}/{ranges:?} err={:?} | tshark {t:?}",
                        r.frame,
                        mine.iter().filter_map(|m| m.error).collect::<Vec<_>>()
                    )),
                }
            }
        }
    }
    let n_explained: usize = explained.values().sum();
    eprintln!(
        "dnp3/tshark: {} captures, {compared} frames compared ({objects} object headers), {n_explained} explained disagreements {explained:?}, {} unexplained",
        files.len(),
        disagreements.len()
    );
    if let Ok(p) = std::env::var("DNP3_TSHARK_DUMP") {
        std::fs::write(p, disagreements.join("\n")).unwrap();
    }
    let shown: Vec<&String> = disagreements.iter().take(40).collect();
    assert!(
        disagreements.is_empty(),
        "unexplained disagreements:\n{shown:#?}"
    );
}

/// The probe must accept the first bytes of every DNP3 stream tshark
/// decodes from its start, and reject the first bytes of the other TCP
/// flows of the corpus (Modbus, S7, IEC 104, EtherNet/IP, OPC UA, HTTP...).
#[test]
fn probe_accepts_dnp3_and_rejects_other_corpus_flows() {
    if !tshark_available() {
        return;
    }
    let files = common::other_ics_captures(&["DNP3"], true, 40);
    let mut rejected = 0;
    for file in &files {
        let out = Command::new("tshark")
            .arg("-r")
            .arg(corpus_dir().join(file))
            .args(["-Y", "tcp.len > 0", "-T", "fields", "-E", "separator=/t"])
            .args(["-e", "tcp.stream", "-e", "tcp.srcport", "-e", "tcp.payload"])
            .output()
            .expect("run tshark");
        let mut seen = std::collections::HashSet::new();
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            let c: Vec<&str> = line.split('\t').collect();
            if c.len() < 3 || !seen.insert((c[0].to_string(), c[1].to_string())) {
                continue;
            }
            let bytes = hex(c[2]);
            rejected += 1;
            assert_ne!(
                plantguard_protocols::dnp3::probe(Direction::ToServer, &bytes),
                Probe::Match,
                "{file} stream {} port {} matched as DNP3",
                c[0],
                c[1]
            );
        }
    }
    let mut accepted = 0;
    for file in corpus_files("DNP3").iter().take(30) {
        for r in rows(&corpus_dir().join(file)) {
            if r.theirs.src.is_empty() || r.payload.first() != Some(&0x05) {
                continue;
            }
            accepted += 1;
            assert_eq!(
                plantguard_protocols::dnp3::probe(Direction::ToServer, &r.payload),
                Probe::Match,
                "{file} frame {} not matched",
                r.frame
            );
        }
    }
    eprintln!(
        "dnp3 probe: {rejected} non-DNP3 flow starts rejected, {accepted} DNP3 frames accepted"
    );
}
