// SPDX-License-Identifier: Apache-2.0
//! tshark agreement for IEC 61850 GOOSE: every GOOSE frame of the corpus
//! (raw bytes from `tshark -T json -x`) goes through
//! [`parse_goose`] and is compared with `goose.appid`, `goose.gocbRef`,
//! `goose.datSet`, `goose.goID`, `goose.stNum`, `goose.sqNum`,
//! `goose.confRev` and `goose.simulation` (the ASN.1 `test` field). Every
//! remaining disagreement must be in [`EXPLAINED`].
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::HashMap;
use std::process::Command;

use plantguard_protocols::goose::wire::parse_goose;
mod common;
use common::{corpus_dir, hex, tshark_available, Duplicates};

/// Captures in which tshark found GOOSE; a duplicate is kept when its
/// original is not among them.
fn corpus_files() -> Vec<String> {
    common::corpus_files(
        |r| r.protocols_found.contains("*goose*"),
        Duplicates::KeepWhenOriginalNotSelected,
    )
}

/// Disagreements understood and accepted: (capture path suffix, frame, why).
const EXPLAINED: &[(&str, u32, &str)] = &[];

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

#[test]
fn goose_agrees_with_tshark() {
    if !tshark_available() {
        return;
    }
    let files = corpus_files();
    assert!(!files.is_empty(), "no GOOSE captures in the corpus index");
    let fields = [
        "frame.number",
        "goose.appid",
        "goose.gocbRef",
        "goose.datSet",
        "goose.goID",
        "goose.stNum",
        "goose.sqNum",
        "goose.confRev",
        "goose.simulation",
    ];
    let (mut compared, mut explained) = (0usize, 0usize);
    let mut disagreements = Vec::new();
    let mut checks: HashMap<&str, usize> = HashMap::new();
    for file in &files {
        let raws = raw_l2_payloads(file, "goose");
        for c in tshark_fields(file, "goose", &fields) {
            let frame: u32 = c[0].parse().unwrap();
            let mut problems = Vec::new();
            match parse_goose(&raws[&frame]) {
                Err(e) => problems.push(format!("undecoded: {e}")),
                Ok((h, p)) => {
                    let mut check = |name: &'static str, theirs: &str, ours: Option<String>| {
                        let t = theirs.split('|').next().unwrap_or("");
                        if !t.is_empty() {
                            *checks.entry(name).or_default() += 1;
                            if ours.as_deref() != Some(t) {
                                problems.push(format!("{name}: tshark {t:?} ours {ours:?}"));
                            }
                        }
                    };
                    let s = |b: Option<&[u8]>| b.map(|b| String::from_utf8_lossy(b).into_owned());
                    check("goose.appid", &c[1], Some(format!("{:#06x}", h.appid)));
                    check("goose.gocbRef", &c[2], s(p.gocb_ref));
                    check("goose.datSet", &c[3], s(p.dat_set));
                    check("goose.goID", &c[4], s(p.go_id));
                    check("goose.stNum", &c[5], p.st_num.map(|x| x.to_string()));
                    check("goose.sqNum", &c[6], p.sq_num.map(|x| x.to_string()));
                    check("goose.confRev", &c[7], p.conf_rev.map(|x| x.to_string()));
                    check(
                        "goose.simulation",
                        &c[8],
                        Some(u8::from(p.test).to_string()),
                    );
                }
            }
            compared += 1;
            note(file, frame, problems, &mut explained, &mut disagreements);
        }
    }
    eprintln!(
        "goose vs tshark: {} captures, {compared} frames compared, {explained} explained, {} unexplained; checks {checks:?}",
        files.len(),
        disagreements.len()
    );
    assert!(compared > 100, "too few frames compared: {compared}");
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
