// SPDX-License-Identifier: Apache-2.0
//! tshark agreement for PROFINET: every corpus capture holding DCP, RT or
//! PN-IO CM. DCP frames (raw bytes from `tshark -T json -x`) go through
//! [`summarize_dcp`] and are compared with `pn_rt.frame_id`,
//! `pn_dcp.service_id`, `pn_dcp.service_type`, `pn_dcp.xid`,
//! `pn_dcp.option`, `pn_dcp.suboption_device_nameofstation`,
//! `pn_dcp.suboption_vendor_id`, `pn_dcp.suboption_device_id` and
//! `pn_dcp.suboption_ip_ip`. PN-IO CM datagrams (UDP 34964 and the
//! ephemeral ports of the same conversations) go through [`CmSession`] and
//! are compared with `dcerpc.pkt_type`, `dcerpc.opnum` and
//! `dcerpc.dg_seqnum`. Every remaining disagreement must be in [`EXPLAINED`].
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::HashMap;
use std::process::Command;

use plantguard_protocols::api::{Direction, Session};
use plantguard_protocols::profinet::{dcp, summarize_dcp, CmSession};
mod common;
use common::{corpus_dir, hex, tshark_available, Duplicates, NullSink};

/// Captures in which tshark found PROFINET DCP, IO or RT; a duplicate is
/// kept when its original is not among them.
fn corpus_files() -> Vec<String> {
    common::corpus_files(
        |r| {
            let p = &r.protocols_found;
            p.contains("pn_dcp") || p.contains("pn_io") || p.contains("pn_rt")
        },
        Duplicates::KeepWhenOriginalNotSelected,
    )
}

/// Disagreements understood and accepted: (capture path suffix, frame, why).
const EXPLAINED: &[(&str, u32, &str)] = &[];

fn num(x: &str) -> u64 {
    match x.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16).unwrap(),
        None => x.parse().unwrap(),
    }
}

fn list(s: &str) -> Vec<u64> {
    s.split('|').filter(|x| !x.is_empty()).map(num).collect()
}

fn tshark_fields(file: &str, filter: &str, fields: &[&str]) -> Vec<Vec<String>> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r").arg(corpus_dir().join(file)).args([
        "-Y",
        filter,
        "-T",
        "fields",
        "-E",
        "separator=/t",
        "-E",
        "occurrence=a",
        "-E",
        "aggregator=|",
    ]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().expect("run tshark");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split('\t').map(str::to_string).collect::<Vec<_>>())
        .filter(|c| c.len() >= fields.len())
        .collect()
}

/// Frame number -> payload after the EtherType (VLAN tags skipped).
fn raw_l2_payloads(file: &str, filter: &str) -> HashMap<u32, Vec<u8>> {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(corpus_dir().join(file))
        .args(["-Y", filter, "-T", "json", "-x"])
        .output()
        .expect("run tshark");
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    let mut map = HashMap::new();
    for pkt in v.as_array().into_iter().flatten() {
        let layers = &pkt["_source"]["layers"];
        let n: u32 = layers["frame"]["frame.number"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let raw = hex(layers["frame_raw"][0].as_str().unwrap());
        let mut at = 12;
        while raw.get(at..at + 2) == Some(&[0x81, 0x00][..]) {
            at += 4;
        }
        map.insert(n, raw[at + 2..].to_vec());
    }
    map
}

const DCP_FIELDS: &[&str] = &[
    "frame.number",
    "pn_rt.frame_id",
    "pn_dcp.service_id",
    "pn_dcp.service_type",
    "pn_dcp.xid",
    "pn_dcp.option",
    "pn_dcp.suboption_device_nameofstation",
    "pn_dcp.suboption_vendor_id",
    "pn_dcp.suboption_device_id",
    "pn_dcp.suboption_ip_ip",
];

const CM_FIELDS: &[&str] = &[
    "frame.number",
    "udp.stream",
    "udp.srcport",
    "udp.payload",
    "dcerpc.pkt_type",
    "dcerpc.opnum",
    "dcerpc.dg_seqnum",
];

#[test]
fn profinet_agrees_with_tshark() {
    if !tshark_available() {
        return;
    }
    let files = corpus_files();
    assert!(
        !files.is_empty(),
        "no PROFINET captures in the corpus index"
    );
    let (mut dcp_frames, mut cm_frames, mut explained) = (0usize, 0usize, 0usize);
    let mut disagreements = Vec::new();
    let mut checks: HashMap<&str, usize> = HashMap::new();
    for file in &files {
        let raws = raw_l2_payloads(file, "pn_dcp");
        for c in tshark_fields(file, "pn_dcp", DCP_FIELDS) {
            let frame: u32 = c[0].parse().unwrap();
            let payload = &raws[&frame];
            let mut problems = Vec::new();
            match summarize_dcp(payload) {
                Err(e) => problems.push(format!("undecoded: {e}")),
                Ok(s) => {
                    let h = s.header.unwrap();
                    let mut check = |name: &'static str, theirs: Option<u64>, ours: Option<u64>| {
                        if let Some(t) = theirs {
                            *checks.entry(name).or_default() += 1;
                            if ours != Some(t) {
                                problems.push(format!("{name}: tshark {t} ours {ours:?}"));
                            }
                        }
                    };
                    check(
                        "pn_rt.frame_id",
                        list(&c[1]).first().copied(),
                        Some(u64::from(h.frame_id)),
                    );
                    check(
                        "pn_dcp.service_id",
                        list(&c[2]).first().copied(),
                        Some(u64::from(h.service_id)),
                    );
                    check(
                        "pn_dcp.service_type",
                        list(&c[3]).first().copied(),
                        Some(u64::from(h.service_type)),
                    );
                    check(
                        "pn_dcp.xid",
                        list(&c[4]).first().copied(),
                        Some(u64::from(h.xid)),
                    );
                    check(
                        "pn_dcp.suboption_vendor_id",
                        list(&c[7]).first().copied(),
                        s.device_id.map(|d| u64::from(d.0)),
                    );
                    check(
                        "pn_dcp.suboption_device_id",
                        list(&c[8]).first().copied(),
                        s.device_id.map(|d| u64::from(d.1)),
                    );
                    let theirs_opts = list(&c[5]);
                    // tshark lists the options named inside a DeviceOptions block (2/5) too.
                    let (hdr, area) = dcp::parse_header(payload).unwrap();
                    let mut ours_opts = Vec::new();
                    for b in dcp::Blocks::new(&hdr, area) {
                        ours_opts.push(u64::from(b.option));
                        if (b.option, b.suboption) == (2, 5) {
                            ours_opts.extend(b.value.chunks_exact(2).map(|p| u64::from(p[0])));
                        }
                    }
                    assert_eq!(s.option_count, ours_opts.len().min(16).min(s.option_count));
                    if !theirs_opts.is_empty() {
                        *checks.entry("pn_dcp.option").or_default() += 1;
                        if theirs_opts != ours_opts {
                            problems.push(format!(
                                "pn_dcp.option: tshark {theirs_opts:?} ours {ours_opts:?}"
                            ));
                        }
                    }
                    if !c[6].is_empty() {
                        *checks
                            .entry("pn_dcp.suboption_device_nameofstation")
                            .or_default() += 1;
                        let ours = s
                            .name_of_station
                            .map(|n| String::from_utf8_lossy(n).into_owned());
                        if ours.as_deref() != Some(c[6].as_str()) {
                            problems
                                .push(format!("name_of_station: tshark {:?} ours {ours:?}", c[6]));
                        }
                    }
                    if let Some(t) = c[9].split('|').next().filter(|t| !t.is_empty()) {
                        *checks.entry("pn_dcp.suboption_ip_ip").or_default() += 1;
                        let ours = s.ip.map(|x| std::net::Ipv4Addr::from(x.0).to_string());
                        if ours.as_deref() != Some(t) {
                            problems.push(format!("ip: tshark {t} ours {ours:?}"));
                        }
                    }
                }
            }
            dcp_frames += 1;
            note(file, frame, problems, &mut explained, &mut disagreements);
        }
        let mut flows: HashMap<u64, (CmSession, String)> = HashMap::new();
        for c in tshark_fields(file, "dcerpc && udp", CM_FIELDS) {
            let frame: u32 = c[0].parse().unwrap();
            let stream: u64 = c[1].parse().unwrap();
            let (session, first) = flows
                .entry(stream)
                .or_insert_with(|| (CmSession::new(), c[2].clone()));
            let dir = if c[2] == *first {
                Direction::ToServer
            } else {
                Direction::ToClient
            };
            let _ = session.feed(dir, &hex(&c[3]), &mut NullSink);
            let mut problems = Vec::new();
            match session.last_frame() {
                None => problems.push("undecoded datagram".to_string()),
                Some(m) => {
                    let mut check = |name: &'static str, theirs: Option<u64>, ours: u64| {
                        if let Some(t) = theirs {
                            *checks.entry(name).or_default() += 1;
                            if ours != t {
                                problems.push(format!("{name}: tshark {t} ours {ours}"));
                            }
                        }
                    };
                    check(
                        "dcerpc.pkt_type",
                        list(&c[4]).first().copied(),
                        u64::from(m.packet_type),
                    );
                    check(
                        "dcerpc.opnum",
                        list(&c[5]).first().copied(),
                        u64::from(m.opnum),
                    );
                    check(
                        "dcerpc.dg_seqnum",
                        list(&c[6]).first().copied(),
                        u64::from(m.sequence_num),
                    );
                }
            }
            cm_frames += 1;
            note(file, frame, problems, &mut explained, &mut disagreements);
        }
    }
    eprintln!(
        "profinet vs tshark: {} captures, {dcp_frames} DCP frames and {cm_frames} CM datagrams compared, {explained} explained, {} unexplained; checks {checks:?}",
        files.len(),
        disagreements.len()
    );
    assert!(
        dcp_frames > 10 && cm_frames > 100,
        "too few frames compared"
    );
    assert!(
        disagreements.is_empty(),
        "unexplained disagreements:\n{}",
        disagreements.join("\n")
    );
}

fn note(
    file: &str,
    frame: u32,
    problems: Vec<String>,
    explained: &mut usize,
    out: &mut Vec<String>,
) {
    if problems.is_empty() {
        return;
    }
    if EXPLAINED
        .iter()
        .any(|(f, n, _)| file.ends_with(f) && *n == frame)
    {
        *explained += 1;
    } else {
        out.push(format!("{file} frame {frame}: {}", problems.join("; ")));
    }
}
