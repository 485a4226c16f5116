// SPDX-License-Identifier: Apache-2.0
//! OS inference compared with p0f (the passive-fingerprinting peer) on
//! corpus captures with TCP handshakes.
//!
//! For every host both tools name an OS for, the *families* must agree,
//! except for the disagreements listed in [`KNOWN`], each explained in
//! `docs/accuracy.md`. A new disagreement fails the test; so does a listed
//! one that no longer happens (update the list and the doc).
//!
//! Needs `p0f` (Debian package) and `../shared/corpus` (or the directory
//! in `PLANTGUARD_CORPUS`). Without p0f the
//! test fails unless `PLANTGUARD_ALLOW_NO_P0F=1`.
//!
//! Run: `cargo test -p plantguard-analysis --test p0f -- --nocapture`.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

use plantguard_analysis::{analyse_hardening, KnowledgeBase};

mod common;

/// Corpus captures with TCP handshakes from Windows, Linux, macOS and
/// embedded hosts (HTTP, SMB, FTP, SSH, RDP, LDAP, Modbus, EtherNet/IP).
const CAPTURES: &[&str] = &[
    "ITI-ICS-Security-Tools/pcaps/C37.118/C37118/c37118_1100_unclean.pcap",
    "ITI-ICS-Security-Tools/pcaps/ModbusTCP/mb2.pcap",
    "ITI-ICS-Security-Tools/pcaps/openics/EIP-IPAddressChangeAttempt.pcap",
    "ITI-ICS-Security-Tools/pcaps/openics/EIP-ControlProtocolChangeAttempt.pcap",
    "zeek/testing/btest/Traces/http/methods.pcap",
    "zeek/testing/btest/Traces/http/bro.org.pcap",
    "zeek/testing/btest/Traces/http/cooper-grill-dvwa.pcapng",
    "zeek/testing/btest/Traces/ftp/bruteforce.pcap",
    "zeek/testing/btest/Traces/ssh/ssh.pcap",
    "zeek/testing/btest/Traces/workshop_2011_browse.pcap",
    "zeek/testing/btest/Traces/dce-rpc/mapi.pcap",
    "zeek/testing/btest/Traces/rdp/rdp-proprietary-encryption.pcap",
    "zeek/testing/btest/Traces/ldap/aduser1.pcap",
    "suricata-verify/tests/bug-4663/input.pcap",
    "suricata-verify/tests/bug-5162/input.pcap",
    "suricata-verify/tests/output-eve-ftp-data/input.pcap",
    "suricata-verify/tests/smb2-09-trunc-file-logging/input.pcap",
    "suricata-verify/tests/smb-filename/input.pcap",
    "suricata-verify/tests/smb2-ntlmssp-negotiateflags/input.pcap",
    "suricata-verify/tests/smb1-02/smb1_osx.pcap",
    "suricata-verify/tests/smb2-07/20171220_smb_psexec_add_user.pcap",
];

/// Disagreements we understand: (capture, host, ours, p0f's). The why is in
/// docs/accuracy.md.
const KNOWN: &[(&str, &str, &str, &str)] = &[
    // An ELAU (Schneider PacDrive) motion controller answering Modbus: its
    // SYN+ACK (TTL 64, window 8192, MSS only) is an embedded RTOS stack;
    // p0f's fuzzy match picks Windows 7/8 from the 8192 window.
    (
        "ITI-ICS-Security-Tools/pcaps/ModbusTCP/mb2.pcap",
        "141.81.0.86",
        "Embedded",
        "Windows 7 or 8",
    ),
    // VirtualBox NAT answers the handshake itself (TTL 64, MSS only):
    // p0f fuzzily reads that as Windows XP; the Apache banner says Fedora.
    (
        "zeek/testing/btest/Traces/http/bro.org.pcap",
        "192.150.187.43",
        "Linux",
        "Windows XP",
    ),
    (
        "zeek/testing/btest/Traces/workshop_2011_browse.pcap",
        "192.150.187.43",
        "Linux",
        "Windows XP",
    ),
];

/// p0f label → family, as `plantguard_analysis::os::family_of` names them.
fn p0f_family(label: &str) -> &'static str {
    let l = label.to_ascii_lowercase();
    if l.contains("windows") {
        "Windows"
    } else if l.contains("linux") || l.contains("android") {
        "Linux"
    } else if l.contains("mac os") || l.contains("macos") || l.contains("ios") {
        "Apple"
    } else if l.contains("bsd") {
        "BSD"
    } else if l.contains("solaris") {
        "Solaris"
    } else {
        "Other"
    }
}

fn p0f_binary() -> Option<PathBuf> {
    ["p0f", "/usr/sbin/p0f", "/usr/bin/p0f"]
        .iter()
        .map(PathBuf::from)
        .find(|p| {
            Command::new(p)
                .arg("-h")
                .output()
                .is_ok_and(|o| !o.stdout.is_empty() || !o.stderr.is_empty())
        })
}

/// p0f's OS labels per host from SYN / SYN+ACK signatures.
fn run_p0f(p0f: &Path, capture: &Path, log: &Path) -> BTreeMap<IpAddr, BTreeSet<String>> {
    let _ = std::fs::remove_file(log);
    let out = Command::new(p0f)
        .arg("-r")
        .arg(capture)
        .arg("-o")
        .arg(log)
        .output()
        .expect("run p0f");
    assert!(log.exists(), "p0f wrote no log: {out:?}");
    let text = std::fs::read_to_string(log).expect("read p0f log");
    let mut by_host: BTreeMap<IpAddr, BTreeSet<String>> = BTreeMap::new();
    for line in text.lines() {
        let fields: BTreeMap<&str, &str> = line
            .split('|')
            .filter_map(|kv| {
                let kv = kv.split("] ").last().unwrap_or(kv);
                kv.split_once('=')
            })
            .collect();
        let (Some(m), Some(os), Some(subj)) =
            (fields.get("mod"), fields.get("os"), fields.get("subj"))
        else {
            continue;
        };
        if !(*m == "syn" || *m == "syn+ack") || *os == "???" {
            continue;
        }
        let end = if *subj == "cli" { "cli" } else { "srv" };
        let Some(addr) = fields
            .get(end)
            .and_then(|a| a.rsplit_once('/'))
            .map(|x| x.0)
        else {
            continue;
        };
        if let Ok(ip) = addr.parse() {
            by_host.entry(ip).or_default().insert((*os).to_string());
        }
    }
    by_host
}

#[test]
fn os_families_agree_with_p0f() {
    let Some(p0f) = p0f_binary() else {
        if std::env::var("PLANTGUARD_ALLOW_NO_P0F").as_deref() == Ok("1") {
            eprintln!(
                "SKIPPED: p0f not installed (apt-get install -y p0f); PLANTGUARD_ALLOW_NO_P0F=1"
            );
            return;
        }
        panic!("p0f is not installed: apt-get install -y p0f (or set PLANTGUARD_ALLOW_NO_P0F=1 to skip)");
    };
    let corpus = std::env::var_os("PLANTGUARD_CORPUS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"),
        PathBuf::from,
    );
    if !corpus.is_dir() {
        if std::env::var("PLANTGUARD_ALLOW_NO_P0F").as_deref() == Ok("1") {
            eprintln!("SKIPPED: no corpus at {}", corpus.display());
            return;
        }
        panic!("corpus not found at {}", corpus.display());
    }
    let tmp = std::env::temp_dir().join(format!("plantguard-p0f-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("temp dir");
    let kb = KnowledgeBase::embedded();
    let (mut both, mut agree, mut ours_only, mut p0f_only) = (0, 0, 0, 0);
    let mut disagreements = Vec::new();
    println!("| capture | host | PlantGuard | confidence | p0f | agree |");
    println!("|---|---|---|---|---|---|");
    for (i, rel) in CAPTURES.iter().enumerate() {
        let path = corpus.join(rel);
        assert!(path.exists(), "missing corpus capture {rel}");
        let theirs = run_p0f(&p0f, &path, &tmp.join(format!("{i}.log")));
        let a = common::assess(&path, rel);
        let h = analyse_hardening(&a, kb);
        let ours: BTreeMap<IpAddr, (String, String, f32)> = h
            .hosts
            .iter()
            .filter_map(|p| {
                p.os.as_ref()
                    .map(|o| (p.ip, (o.family.clone(), o.name.clone(), o.confidence)))
            })
            .collect();
        let hosts: BTreeSet<IpAddr> = ours.keys().chain(theirs.keys()).copied().collect();
        for ip in hosts {
            match (ours.get(&ip), theirs.get(&ip)) {
                (Some((fam, name, conf)), Some(labels)) => {
                    both += 1;
                    let fams: BTreeSet<&str> = labels.iter().map(|l| p0f_family(l)).collect();
                    let ok = fams.contains(fam.as_str());
                    let label = labels.iter().cloned().collect::<Vec<_>>().join(" / ");
                    println!(
                        "| {rel} | {ip} | {name} ({fam}) | {conf:.2} | {label} | {} |",
                        if ok { "yes" } else { "**no**" }
                    );
                    if ok {
                        agree += 1;
                    } else {
                        disagreements.push((rel.to_string(), ip.to_string(), fam.clone(), label));
                    }
                }
                (Some(_), None) => ours_only += 1,
                (None, Some(_)) => p0f_only += 1,
                (None, None) => {}
            }
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
    println!(
        "\n{} captures; hosts named by both: {both}, families agree: {agree}, disagree: {}; PlantGuard only: {ours_only}; p0f only: {p0f_only}",
        CAPTURES.len(),
        disagreements.len()
    );
    let known: BTreeSet<(String, String, String, String)> = KNOWN
        .iter()
        .map(|(a, b, c, d)| ((*a).into(), (*b).into(), (*c).into(), (*d).into()))
        .collect();
    let seen: BTreeSet<(String, String, String, String)> = disagreements.iter().cloned().collect();
    let new: Vec<_> = seen.difference(&known).collect();
    let gone: Vec<_> = known.difference(&seen).collect();
    assert!(
        new.is_empty() && gone.is_empty(),
        "disagreements changed (update KNOWN and docs/accuracy.md):\n new: {new:#?}\n gone: {gone:#?}"
    );
    assert!(both > 0, "no host named by both tools");
}
