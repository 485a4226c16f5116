// SPDX-License-Identifier: Apache-2.0
//! The engine over every capture of the shared corpus: nothing crashes,
//! packet counts equal tshark's, and the result does not depend on the
//! number of threads.

use std::path::{Path, PathBuf};
use std::process::Command;

use plantguard_engine::{run, Config, Output};

fn corpus_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("PLANTGUARD_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"));
    if dir.join("INDEX.tsv").is_file() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("PLANTGUARD_ALLOW_NO_CORPUS").is_some(),
        "corpus not found at {} (set PLANTGUARD_CORPUS, or PLANTGUARD_ALLOW_NO_CORPUS=1 to skip)",
        dir.display()
    );
    None
}

/// (path, tshark packet count, status) for every capture in INDEX.tsv.
fn index(dir: &Path) -> Vec<(PathBuf, u64, String)> {
    let text = std::fs::read_to_string(dir.join("INDEX.tsv")).unwrap();
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            let packets = cols.get(2)?.parse().ok()?;
            Some((dir.join(cols[0]), packets, cols.get(9)?.to_string()))
        })
        .collect()
}

fn assess(path: &Path, threads: usize, logs: bool) -> Output {
    let config = Config {
        threads,
        logs,
        ..Config::default()
    };
    let name = path.display().to_string();
    run(&[path.to_path_buf()], &[name], &config, &|_| {})
}

fn json(o: &Output) -> String {
    let mut s = serde_json::to_string(&o.assessment).unwrap();
    for (log, lines) in &o.logs {
        s.push_str(log);
        for l in lines {
            s.push_str(l);
        }
    }
    s
}

#[test]
fn every_corpus_capture_matches_tshark_packet_count_for_any_thread_count() {
    let Some(dir) = corpus_dir() else { return };
    let rows = index(&dir);
    assert!(rows.len() > 1000, "INDEX.tsv lists {} captures", rows.len());
    let mut checked = 0;
    let mut mismatches = Vec::new();
    for (path, tshark_packets, status) in &rows {
        if status == "empty" {
            continue;
        }
        let one = assess(path, 1, true);
        let a = &one.assessment;
        if a.totals.packets != *tshark_packets {
            mismatches.push(format!(
                "{}: ours {} tshark {}",
                path.display(),
                a.totals.packets,
                tshark_packets
            ));
        }
        if status.starts_with("tshark-error") {
            assert!(
                a.files[0].warning_offset.is_some(),
                "{}: truncated capture without a warning offset",
                path.display()
            );
        }
        // Thread-count independence: byte-identical JSON and logs.
        let reference = json(&one);
        for threads in [2, 4] {
            let other = json(&assess(path, threads, true));
            assert!(
                reference == other,
                "{}: output differs between 1 and {threads} threads",
                path.display()
            );
        }
        checked += 1;
    }
    assert!(
        mismatches.is_empty(),
        "packet counts differ from tshark:\n{}",
        mismatches.join("\n")
    );
    assert!(checked > 1000, "only {checked} captures checked");
}

fn tshark_available() -> bool {
    let ok = Command::new("tshark")
        .arg("-v")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok || std::env::var_os("PLANTGUARD_ALLOW_NO_TSHARK").is_some(),
        "tshark is not installed (set PLANTGUARD_ALLOW_NO_TSHARK=1 to skip)"
    );
    ok
}

fn tshark_lines(path: &Path, args: &[&str]) -> Vec<String> {
    let out = Command::new("tshark")
        .arg("-n")
        .arg("-r")
        .arg(path)
        .args(args)
        .output()
        .expect("run tshark");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// Distinct values of a tshark field (e.g. `tcp.stream`).
fn tshark_distinct(path: &Path, field: &str) -> usize {
    let mut v: Vec<String> = tshark_lines(path, &["-T", "fields", "-e", field])
        .into_iter()
        .filter(|l| !l.is_empty())
        .collect();
    v.sort();
    v.dedup();
    v.len()
}

/// IP addresses that appear as a source or destination of TCP, UDP, or other
/// IP traffic that is not an ICMP error quoting another packet.
fn tshark_hosts(path: &Path) -> usize {
    let mut v: Vec<String> = Vec::new();
    for line in tshark_lines(
        path,
        &[
            "-Y",
            "ip || ipv6",
            "-T",
            "fields",
            "-E",
            "separator=,",
            "-e",
            "ip.src",
            "-e",
            "ip.dst",
            "-e",
            "ipv6.src",
            "-e",
            "ipv6.dst",
        ],
    ) {
        // ICMP errors quote the offending header: tshark lists both the outer
        // and inner addresses, the first of each pair is the outer one.
        let cols: Vec<&str> = line.split(',').collect();
        for c in cols.iter().filter(|c| !c.is_empty()) {
            v.push((*c).to_string());
        }
    }
    v.sort();
    v.dedup();
    v.len()
}

/// Captures with VLAN tags (802.1Q and QinQ) and captures that start
/// mid-stream (no handshake for some flows).
const CONVERSATION_CASES: &[&str] = &[
    "zeek/testing/btest/Traces/http-vlan-0.pcap",
    "zeek/testing/btest/Traces/http-qinq-0.pcap",
    "suricata-verify/tests/filestore-filecontainer-smb/filecontainer-smb.pcap",
    "suricata-verify/tests/tcp-rst-unacked-stream-05-http-nogap/input.pcap",
    "ITI-ICS-Security-Tools/pcaps/IEC61850/GOOSE/Sample_File_GOOSE.pcap",
    "ITI-ICS-Security-Tools/pcaps/ModbusTCP/ModbusTCP.pcap",
    "ITI-ICS-Security-Tools/pcaps/ModbusTCP/mb2.pcap",
    "ITI-ICS-Security-Tools/pcaps/EthernetIP/cip-multiple-1.pcap",
    "ITI-ICS-Security-Tools/pcaps/dnp3/dnp3_test_data_part1.pcap",
    "ITI-ICS-Security-Tools/pcaps/dnp3/full_exchange.pcap",
];

#[test]
fn host_and_flow_counts_agree_with_tshark_on_vlan_and_midstream_captures() {
    let Some(dir) = corpus_dir() else { return };
    if !tshark_available() {
        return;
    }
    let mut report = Vec::new();
    let mut compared = 0;
    for rel in CONVERSATION_CASES {
        let path = dir.join(rel);
        if !path.is_file() {
            report.push(format!("{rel}: missing from the corpus"));
            continue;
        }
        let a = assess(&path, 2, false).assessment;
        let tcp = tshark_distinct(&path, "tcp.stream");
        let udp = tshark_distinct(&path, "udp.stream");
        let hosts = tshark_hosts(&path);
        // Hosts with IP traffic (ARP-only hosts are ours alone: tshark's
        // endpoint list is built from IP headers).
        let ours_hosts = a
            .hosts
            .iter()
            .filter(|h| h.packets_sent + h.packets_received > 0)
            .count();
        if a.totals.tcp_flows as usize != tcp
            || a.totals.udp_flows as usize != udp
            || ours_hosts != hosts
        {
            report.push(format!(
                "{rel}: tcp flows ours {} tshark {tcp}; udp flows ours {} tshark {udp}; hosts ours {ours_hosts} tshark {hosts}",
                a.totals.tcp_flows, a.totals.udp_flows
            ));
        }
        compared += 1;
    }
    assert!(
        compared >= 8,
        "compared only {compared} captures: {report:?}"
    );
    assert!(
        report.is_empty(),
        "disagreements with tshark:\n{}",
        report.join("\n")
    );
}
