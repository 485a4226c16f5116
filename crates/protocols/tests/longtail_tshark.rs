// SPDX-License-Identifier: Apache-2.0
//! tshark agreement for the long-tail recognisers that tshark dissects:
//! OMRON FINS (`omron.tcp.command`, `omron.command`, `omron.icf`,
//! `omron.sid`), HART-IP (`hart_ip.message_type`, `hart_ip.message_id`)
//! and Beckhoff ADS/AMS (`ams.cmdid`, `ams.stateflags`, `ams.invokeid`);
//! and, for Niagara Fox (no tshark dissector), every segment tshark shows
//! starting with `fox a ` must give one decoded Fox message. Each capture's
//! flows go through the registered session (TCP with the engine's buffering
//! emulated, UDP one datagram per feed); the `longtail.log` records emitted
//! while a frame was fed are compared with tshark's fields for that frame.
//! Every remaining disagreement must be listed in [`EXPLAINED`].
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::HashMap;
use std::process::Command;

use plantguard_model::{IdentityFact, Operation, Side};
use plantguard_protocols::api::{Direction, ObservationSink, Progress, ProtocolInfo};
use plantguard_protocols::longtail;
mod common;
use common::{corpus_dir, hex, tshark_available, Duplicates};

/// Capture paths whose INDEX row mentions `needle` in the protocols-found
/// column or in the path. A duplicate is kept when its original is not
/// among the captures found.
fn corpus_files(needle: &str) -> Vec<String> {
    common::corpus_files(
        |r| r.protocols_found.contains(needle) || r.path.contains(needle),
        Duplicates::KeepWhenOriginalNotSelected,
    )
}

/// Disagreements understood and accepted: (capture path suffix, frame, why).
const EXPLAINED: &[(&str, u32, &str)] = &[];

#[derive(Default)]
struct FrameSink {
    records: Vec<serde_json::Value>,
}

impl ObservationSink for FrameSink {
    fn operation(&mut self, _: &'static str, _: Operation) {}
    fn identity(&mut self, _: Side, _: IdentityFact) {}
    fn anomaly(&mut self, _: &'static str, _: &'static str) {}
    fn wants_records(&self) -> bool {
        true
    }
    fn record(&mut self, _: &'static str, r: &dyn erased_serde::Serialize) {
        self.records.push(serde_json::to_value(r).unwrap());
    }
}

fn num(x: &str) -> Option<u64> {
    let x = x.split('|').next()?;
    if x.is_empty() {
        return None;
    }
    Some(match x.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16).unwrap(),
        None => x.parse().unwrap(),
    })
}

struct Case {
    needle: &'static str,
    filter: &'static str,
    port: u16,
    tcp: &'static ProtocolInfo,
    udp: Option<&'static ProtocolInfo>,
    fields: &'static [&'static str],
    /// Compares tshark's field values (after the 7 fixed columns) with the records of the frame.
    compare: CompareFn,
}

/// (tshark fields, records emitted for the frame, frame payload) -> problems.
type CompareFn = fn(&[&str], &[serde_json::Value], &[u8]) -> Vec<String>;

fn rec_u64(r: &serde_json::Value, k: &str) -> Option<u64> {
    r.get(k).and_then(serde_json::Value::as_u64)
}

fn fins(c: &[&str], recs: &[serde_json::Value], _: &[u8]) -> Vec<String> {
    let mut p = Vec::new();
    let Some(r) = recs.first() else {
        return vec!["no message decoded".into()];
    };
    match (num(c[0]), num(c[1])) {
        (Some(2), Some(cmd)) | (None, Some(cmd)) => {
            if rec_u64(r, "command_code") != Some(cmd) {
                p.push(format!(
                    "omron.command {cmd:#x} ours {:?}",
                    r["command_code"]
                ));
            }
            if rec_u64(r, "transaction_id") != num(c[3]) {
                p.push(format!(
                    "omron.sid {:?} ours {:?}",
                    num(c[3]),
                    r["transaction_id"]
                ));
            }
            let resp = num(c[2]).map(|icf| icf & 0x40 != 0);
            if r["is_response"].as_bool() != resp {
                p.push(format!(
                    "omron.icf response {resp:?} ours {:?}",
                    r["is_response"]
                ));
            }
        }
        (Some(t), _) => {
            if rec_u64(r, "command_code") != Some(t) {
                p.push(format!(
                    "omron.tcp.command {t} ours {:?}",
                    r["command_code"]
                ));
            }
        }
        (None, None) => {}
    }
    p
}

fn hart(c: &[&str], recs: &[serde_json::Value], _: &[u8]) -> Vec<String> {
    let mut p = Vec::new();
    let Some(r) = recs.first() else {
        return vec!["no message decoded".into()];
    };
    if rec_u64(r, "command_code") != num(c[1]) {
        p.push(format!(
            "hart_ip.message_id {:?} ours {:?}",
            num(c[1]),
            r["command_code"]
        ));
    }
    let resp = num(c[0]).map(|t| t != 0);
    if r["is_response"].as_bool() != resp {
        p.push(format!(
            "hart_ip.message_type {:?} ours is_response {:?}",
            num(c[0]),
            r["is_response"]
        ));
    }
    p
}

fn ads(c: &[&str], recs: &[serde_json::Value], _: &[u8]) -> Vec<String> {
    let cmds: Vec<u64> = c[0]
        .split('|')
        .filter(|x| !x.is_empty())
        .map(|x| num(x).unwrap())
        .collect();
    let ours: Vec<u64> = recs
        .iter()
        .filter_map(|r| rec_u64(r, "command_code"))
        .collect();
    let mut p = Vec::new();
    if cmds != ours {
        p.push(format!("ams.cmdid {cmds:?} ours {ours:?}"));
    }
    let flags: Vec<bool> = c[1]
        .split('|')
        .filter(|x| !x.is_empty())
        .map(|x| num(x).unwrap() & 1 != 0)
        .collect();
    let ours_f: Vec<bool> = recs
        .iter()
        .filter_map(|r| r["is_response"].as_bool())
        .collect();
    if flags != ours_f {
        p.push(format!("ams.stateflags response {flags:?} ours {ours_f:?}"));
    }
    let ids: Vec<u64> = c[2]
        .split('|')
        .filter(|x| !x.is_empty())
        .map(|x| num(x).unwrap())
        .collect();
    let ours_i: Vec<u64> = recs
        .iter()
        .filter_map(|r| rec_u64(r, "transaction_id"))
        .collect();
    if ids != ours_i {
        p.push(format!("ams.invokeid {ids:?} ours {ours_i:?}"));
    }
    p
}

fn fox(_: &[&str], recs: &[serde_json::Value], payload: &[u8]) -> Vec<String> {
    if payload.starts_with(b"fox a ") && payload.ends_with(b"};;\n") && recs.len() != 1 {
        return vec![format!("one fox message expected, {} decoded", recs.len())];
    }
    Vec::new()
}

const CASES: &[Case] = &[
    Case {
        needle: "omron",
        filter: "omron || (tcp.port == 9600 && tcp.len > 0)",
        port: 9600,
        tcp: &longtail::FINS_TCP,
        udp: Some(&longtail::FINS_UDP),
        fields: &[
            "omron.tcp.command",
            "omron.command",
            "omron.icf",
            "omron.sid",
        ],
        compare: fins,
    },
    Case {
        needle: "hart_ip",
        filter: "hart_ip",
        port: 5094,
        tcp: &longtail::HART_TCP,
        udp: Some(&longtail::HART_UDP),
        fields: &["hart_ip.message_type", "hart_ip.message_id"],
        compare: hart,
    },
    Case {
        needle: "*ams*",
        filter: "tcp.port == 48898 && tcp.len > 0 && !tcp.analysis.retransmission",
        port: 48898,
        tcp: &longtail::ADS,
        udp: None,
        fields: &["ams.cmdid", "ams.stateflags", "ams.invokeid"],
        compare: ads,
    },
    Case {
        needle: "pcaps/fox/",
        filter: "tcp.port == 1911 && tcp.len > 0",
        port: 1911,
        tcp: &longtail::FOX,
        udp: None,
        fields: &["frame.len"],
        compare: fox,
    },
];

struct Flow {
    session: Box<dyn plantguard_protocols::api::Session>,
    buf: [Vec<u8>; 2],
    dead: bool,
}

#[test]
fn longtail_agrees_with_tshark() {
    if !tshark_available() {
        return;
    }
    let mut summary = Vec::new();
    let mut disagreements = Vec::new();
    for case in CASES {
        let files = corpus_files(case.needle);
        assert!(!files.is_empty(), "no captures for {}", case.needle);
        let (mut compared, mut explained) = (0usize, 0usize);
        for file in &files {
            let mut cmd = Command::new("tshark");
            cmd.arg("-r").arg(corpus_dir().join(file)).args([
                "-Y",
                case.filter,
                "-T",
                "fields",
                "-E",
                "separator=/t",
                "-E",
                "occurrence=a",
                "-E",
                "aggregator=|",
                "-e",
                "frame.number",
                "-e",
                "tcp.stream",
                "-e",
                "udp.stream",
                "-e",
                "tcp.dstport",
                "-e",
                "udp.dstport",
                "-e",
                "tcp.payload",
                "-e",
                "udp.payload",
            ]);
            for f in case.fields {
                cmd.args(["-e", f]);
            }
            let out = cmd.output().expect("run tshark");
            let text = String::from_utf8_lossy(&out.stdout);
            let mut flows: HashMap<(bool, u64), Flow> = HashMap::new();
            for line in text.lines() {
                let c: Vec<&str> = line.split('\t').collect();
                if c.len() < 7 + case.fields.len() {
                    continue;
                }
                let frame: u32 = c[0].parse().unwrap();
                let tcp = !c[1].is_empty();
                let info = if tcp { case.tcp } else { case.udp.unwrap() };
                let stream: u64 = if tcp {
                    c[1].parse().unwrap()
                } else {
                    c[2].parse().unwrap()
                };
                let dport: u16 = (if tcp { c[3] } else { c[4] }).parse().unwrap();
                let dir = if dport == case.port {
                    Direction::ToServer
                } else {
                    Direction::ToClient
                };
                let payload = hex(if tcp { c[5] } else { c[6] });
                let flow = flows.entry((tcp, stream)).or_insert_with(|| Flow {
                    session: (info.new_session)(),
                    buf: [Vec::new(), Vec::new()],
                    dead: false,
                });
                if flow.dead {
                    continue;
                }
                let mut sink = FrameSink::default();
                let d = usize::from(dir == Direction::ToClient);
                let mut problems = Vec::new();
                flow.buf[d].extend_from_slice(&payload);
                match flow.session.feed(dir, &flow.buf[d], &mut sink) {
                    Progress::Done => flow.buf[d].clear(),
                    Progress::Incomplete { consumed, .. } => {
                        flow.buf[d].drain(..consumed);
                    }
                    Progress::Abandon(r) => {
                        flow.dead = true;
                        problems.push(format!("abandoned: {r:?}"));
                    }
                }
                problems.extend((case.compare)(&c[7..], &sink.records, &payload));
                compared += 1;
                if !problems.is_empty() {
                    if EXPLAINED
                        .iter()
                        .any(|(f, n, _)| file.ends_with(f) && *n == frame)
                    {
                        explained += 1;
                    } else {
                        disagreements
                            .push(format!("{file} frame {frame}: {}", problems.join("; ")));
                    }
                }
            }
        }
        summary.push(format!(
            "{}: {} captures, {compared} frames, {explained} explained",
            case.tcp.name,
            files.len()
        ));
    }
    eprintln!(
        "longtail vs tshark: {}; {} unexplained",
        summary.join("; "),
        disagreements.len()
    );
    assert!(
        disagreements.is_empty(),
        "unexplained disagreements:\n{}",
        disagreements.join("\n")
    );
}
