// SPDX-License-Identifier: Apache-2.0
//! tshark agreement: every Modbus/TCP capture of the shared corpus is fed,
//! frame by frame, through [`ModbusSession`] and the transaction id, unit
//! id, function code, reference number and exception code of each decoded
//! PDU are compared with tshark's `mbtcp.*` / `modbus.*` fields for the same
//! frame. Every remaining disagreement must be listed in [`EXPLAINED`].
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
use plantguard_protocols::api::{Direction, ObservationSink, Progress, Session};
use plantguard_protocols::modbus::ModbusSession;
mod common;
use common::{corpus_dir, hex, tshark_available, Duplicates};

/// Captures listed in INDEX.tsv whose protocols include `needle`, skipping duplicates.
fn corpus_files(needle: &str) -> Vec<String> {
    common::corpus_files(|r| r.ics_protocols.contains(needle), Duplicates::Skip)
}

/// Disagreements understood and accepted: (capture path suffix, frame, why).
const EXPLAINED: &[(&str, u32, &str)] = &[
    // Zeek's fuzz trace: MBAP lengths disagree with segment sizes (frame 1 has
    // length 0, frame 6 announces 4 bytes and carries 6). tshark restarts at
    // every segment; we resynchronise on the next header whose function code
    // is plausible, and codes 0x1C, 0x20, 0x23-0x25 are not.
    (
        "bro/modbus/fuzz-72.pcap",
        5,
        "fuzz trace: resync skips implausible function 32 (exception)",
    ),
    (
        "bro/modbus/fuzz-72.pcap",
        9,
        "fuzz trace: resync skips implausible function 35",
    ),
    (
        "bro/modbus/fuzz-72.pcap",
        10,
        "fuzz trace: resync skips implausible function 36",
    ),
    (
        "bro/modbus/fuzz-72.pcap",
        11,
        "fuzz trace: resync skips implausible function 37",
    ),
];

#[derive(Default)]
struct FrameSink {
    records: Vec<serde_json::Value>,
    ops: Vec<Operation>,
}

impl ObservationSink for FrameSink {
    fn operation(&mut self, _: &'static str, op: Operation) {
        self.ops.push(op);
    }
    fn identity(&mut self, _: Side, _: IdentityFact) {}
    fn anomaly(&mut self, _: &'static str, _: &'static str) {}
    fn wants_records(&self) -> bool {
        true
    }
    fn record(&mut self, _: &'static str, record: &dyn erased_serde::Serialize) {
        self.records.push(serde_json::to_value(record).unwrap());
    }
}

struct Flow {
    session: ModbusSession,
    buf: [Vec<u8>; 2],
}

fn list(s: &str) -> Vec<u64> {
    s.split(',')
        .filter(|x| !x.is_empty())
        .map(|x| x.parse().unwrap())
        .collect()
}

/// One decoded PDU: tid, unit, function, address, exception.
type Pdu = (u64, u64, u64, Option<u64>, Option<u64>);

#[test]
fn modbus_agrees_with_tshark() {
    if !tshark_available() {
        return;
    }
    let files = corpus_files("Modbus");
    assert!(!files.is_empty(), "no Modbus captures in the corpus index");
    let (mut compared, mut disagreements, mut explained) = (0usize, Vec::new(), 0usize);
    for file in &files {
        let path = corpus_dir().join(file);
        let out = Command::new("tshark")
            .arg("-r")
            .arg(&path)
            .args([
                "-Y",
                "tcp.port == 502 && tcp.len > 0 && !tcp.analysis.retransmission",
            ])
            .args([
                "-T",
                "fields",
                "-E",
                "separator=/t",
                "-E",
                "occurrence=a",
                "-E",
                "aggregator=,",
            ])
            .args([
                "-e",
                "frame.number",
                "-e",
                "tcp.stream",
                "-e",
                "tcp.srcport",
                "-e",
                "tcp.dstport",
            ])
            .args([
                "-e",
                "tcp.payload",
                "-e",
                "mbtcp.trans_id",
                "-e",
                "mbtcp.unit_id",
            ])
            .args([
                "-e",
                "modbus.func_code",
                "-e",
                "modbus.reference_num",
                "-e",
                "modbus.exception_code",
            ])
            .output()
            .expect("run tshark");
        let text = String::from_utf8_lossy(&out.stdout);
        let mut flows: HashMap<u64, Flow> = HashMap::new();
        for line in text.lines() {
            let c: Vec<&str> = line.split('\t').collect();
            if c.len() < 10 {
                continue;
            }
            let frame: u32 = c[0].parse().unwrap();
            let stream: u64 = c[1].parse().unwrap();
            let dir = if c[3] == "502" {
                Direction::ToServer
            } else {
                Direction::ToClient
            };
            let d = usize::from(dir == Direction::ToClient);
            let flow = flows.entry(stream).or_insert_with(|| Flow {
                session: ModbusSession::new(),
                buf: [Vec::new(), Vec::new()],
            });
            let mut sink = FrameSink::default();
            let pending_before: Vec<_> = flow.session.pending().copied().collect();
            flow.buf[d].extend_from_slice(&hex(c[4]));
            match flow.session.feed(dir, &flow.buf[d], &mut sink) {
                Progress::Done => flow.buf[d].clear(),
                Progress::Incomplete { consumed, .. } => {
                    flow.buf[d].drain(..consumed);
                }
                Progress::Abandon(_) => flow.buf[d].clear(),
            }
            let mine: Vec<Pdu> = match dir {
                Direction::ToServer => {
                    let after: Vec<_> = flow.session.pending().copied().collect();
                    let new = after.len().saturating_sub(pending_before.len()).max(
                        // evictions keep the length at the cap
                        sink.ops.len().min(after.len()),
                    );
                    after[after.len() - new..]
                        .iter()
                        .map(|p| {
                            let f = u64::from(p.function.value());
                            let addr = // 23 is left out: tshark logs its addresses as modbus.read_reference_num /
                            // modbus.write_reference_num, not modbus.reference_num.
                            [1, 2, 3, 4, 5, 6, 15, 16, 22, 24]
                                .contains(&f)
                                .then_some(p.fields.address)
                                .flatten()
                                .map(u64::from);
                            (u64::from(p.tid), u64::from(p.unit), f, addr, None)
                        })
                        .collect()
                }
                Direction::ToClient => sink
                    .records
                    .iter()
                    .map(|r| {
                        let f = r["function_code"].as_u64().unwrap();
                        let exc = r["exception_code"].as_u64();
                        let addr = if exc.is_none() && [5, 6, 15, 16, 22].contains(&f) {
                            r["address"].as_u64()
                        } else {
                            None
                        };
                        (
                            r["tid"].as_u64().unwrap(),
                            r["unit"].as_u64().unwrap(),
                            f,
                            addr,
                            exc,
                        )
                    })
                    .collect(),
            };
            let theirs_tid = list(c[5]);
            if mine.is_empty() && theirs_tid.is_empty() {
                continue;
            }
            compared += 1;
            let mut mine_refs: Vec<u64> = mine.iter().filter_map(|p| p.3).collect();
            let mut their_refs = list(c[8]);
            mine_refs.sort_unstable();
            their_refs.sort_unstable();
            let agree = mine.iter().map(|p| p.0).collect::<Vec<_>>() == theirs_tid
                && mine.iter().map(|p| p.1).collect::<Vec<_>>() == list(c[6])
                && mine.iter().map(|p| p.2).collect::<Vec<_>>() == list(c[7])
                && mine_refs == their_refs
                && mine.iter().filter_map(|p| p.4).collect::<Vec<_>>() == list(c[9]);
            if !agree {
                if EXPLAINED
                    .iter()
                    .any(|(f, n, _)| file.ends_with(f) && *n == frame)
                {
                    explained += 1;
                } else {
                    disagreements.push(format!(
                        "{file} frame {frame}: mine {mine:?} tshark tid={} unit={} func={} ref={} exc={}",
                        c[5], c[6], c[7], c[8], c[9]
                    ));
                }
            }
        }
    }
    eprintln!(
        "modbus/tshark: {} captures, {compared} frames compared, {explained} explained disagreements, {} unexplained",
        files.len(),
        disagreements.len()
    );
    let shown: BTreeMap<usize, &String> = disagreements.iter().take(40).enumerate().collect();
    assert!(
        disagreements.is_empty(),
        "unexplained disagreements:\n{shown:#?}"
    );
}

/// The strict probe must not claim the first bytes of TCP flows of other
/// protocols (S7comm, DNP3, IEC 104, EtherNet/IP, OPC UA, HTTP...).
#[test]
fn probe_rejects_non_modbus_corpus_flows() {
    if !tshark_available() {
        return;
    }
    let files = common::other_ics_captures(&["Modbus"], true, 25);
    assert!(!files.is_empty());
    let mut probed = 0;
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
            for dir in [Direction::ToServer, Direction::ToClient] {
                probed += 1;
                assert_ne!(
                    plantguard_protocols::modbus::probe(dir, &bytes),
                    plantguard_protocols::api::Probe::Match,
                    "{file} stream {} port {} matched as Modbus",
                    c[0],
                    c[1]
                );
            }
        }
    }
    eprintln!(
        "modbus probe: {probed} non-Modbus flow starts from {} captures rejected",
        files.len()
    );
}
