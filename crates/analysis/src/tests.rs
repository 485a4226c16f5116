// SPDX-License-Identifier: Apache-2.0
//! Whole-analysis tests over hand-built assessments.

use std::net::IpAddr;

use plantguard_engine::result::{Assessment, FlowRecord, Host, HostFactRecord, IdentityRecord};
use plantguard_model::{Evidence, HostFact, IdentityFact, Timestamp};

use super::*;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn ev(frame: u64, secs: i64) -> Evidence {
    Evidence {
        pcap_filename: "plant.pcap".into(),
        pcap_cnt: frame,
        ts: Timestamp(secs * 1_000_000_000),
    }
}

fn fact(addr: &str, fact: HostFact, frame: u64) -> HostFactRecord {
    HostFactRecord {
        ip: Some(ip(addr)),
        mac: None,
        fact,
        count: 1,
        evidence: ev(frame, 1_400_000_000 + i64::try_from(frame).unwrap()),
    }
}

fn host(addr: &str, mac: &str) -> Host {
    Host {
        ip: ip(addr),
        macs: vec![mac.into()],
        arp_macs: vec![],
        vlans: vec![0],
        first_seen: "2016-05-01T08:00:00.000000+0000".into(),
        last_seen: "2016-05-01T09:00:00.000000+0000".into(),
        packets_sent: 1,
        bytes_sent: 1,
        packets_received: 1,
        bytes_received: 1,
        flows_originated: 0,
        flows_answered: 0,
        services: vec![],
    }
}

fn plant() -> Assessment {
    let mut a = Assessment::default();
    a.capture.last = Some("2016-05-01T09:00:00.000000+0000".into());
    a.hosts = vec![
        host("10.0.0.5", "00:0c:29:aa:bb:cc"),
        host("10.0.0.9", "00:1b:1b:01:02:03"),
        host("10.0.0.20", "00:80:f4:01:02:03"),
    ];
    a.host_facts = vec![
        fact(
            "10.0.0.5",
            HostFact::Os {
                name: "Windows XP".into(),
                version: Some("5.1".into()),
                source: "netbios_browser".into(),
            },
            11,
        ),
        fact(
            "10.0.0.5",
            HostFact::Name {
                name: "HMI-01".into(),
                source: "netbios".into(),
            },
            11,
        ),
        fact(
            "10.0.0.9",
            HostFact::Os {
                name: "Windows 7".into(),
                version: Some("6.1.7601".into()),
                source: "smb_ntlmssp".into(),
            },
            30,
        ),
        fact(
            "10.0.0.20",
            HostFact::Credential {
                service: "ftp".into(),
                username: "sysdiag".into(),
                secret: "factorycast@schneider".into(),
                accepted: Some(true),
            },
            40,
        ),
        fact(
            "10.0.0.20",
            HostFact::Credential {
                service: "snmp".into(),
                username: "".into(),
                secret: "public".into(),
                accepted: None,
            },
            41,
        ),
        fact(
            "10.0.0.20",
            HostFact::Credential {
                service: "telnet".into(),
                username: "maint".into(),
                secret: "Pl4nt!2016".into(),
                accepted: Some(false),
            },
            42,
        ),
    ];
    a.identities = vec![IdentityRecord {
        ip: Some(ip("10.0.0.20")),
        mac: None,
        identity: IdentityFact {
            protocol: "modbus".into(),
            vendor: Some("Schneider Electric".into()),
            ..IdentityFact::default()
        },
        evidence: ev(5, 1_400_000_005),
    }];
    a.flows = vec![FlowRecord {
        uid: "CftpA1".into(),
        ts: Timestamp(1_400_000_039_000_000_000),
        last_ts: Timestamp(1_400_000_045_000_000_000),
        vlans: [0, 0],
        proto: "tcp".into(),
        orig_h: ip("10.0.0.5"),
        orig_p: 1030,
        resp_h: ip("10.0.0.20"),
        resp_p: 21,
        service: Some("ftp".into()),
        orig_pkts: 5,
        orig_bytes: 300,
        resp_pkts: 5,
        resp_bytes: 400,
        orig_mac: None,
        resp_mac: None,
        handshake: true,
        operations: Default::default(),
        evidence: ev(39, 1_400_000_039),
    }];
    a
}

#[test]
fn profiles_hosts_with_mac_vendor_names_and_os() {
    let h = analyse_hardening(&plant(), KnowledgeBase::embedded());
    let p = |a: &str| h.hosts.iter().find(|x| x.ip == ip(a)).unwrap();
    assert_eq!(p("10.0.0.9").mac_vendor.as_deref(), Some("Siemens"));
    assert_eq!(
        p("10.0.0.20").mac_vendor.as_deref(),
        Some("Telemecanique (Schneider Electric)")
    );
    assert_eq!(p("10.0.0.20").identity_vendors, ["Schneider Electric"]);
    assert_eq!(p("10.0.0.5").names[0].name, "HMI-01");
    assert_eq!(p("10.0.0.9").os.as_ref().unwrap().name, "Windows 7");
}

#[test]
fn flags_legacy_xp_with_its_end_of_support() {
    let h = analyse_hardening(&plant(), KnowledgeBase::embedded());
    assert_eq!(h.capture_date.unwrap().to_string(), "2016-05-01");
    let xp = h.legacy_os.iter().find(|f| f.ip == ip("10.0.0.5")).unwrap();
    assert_eq!(xp.os, "Windows XP");
    assert_eq!(xp.status, SupportStatus::Unsupported);
    assert_eq!(xp.end_of_support.unwrap().to_string(), "2014-04-08");
    assert!(
        xp.meaning.contains("no security updates since 2014-04-08")
            || xp.meaning.contains("No security updates since 2014-04-08")
    );
    assert!(xp.reason.contains("netbios_browser"));
    assert_eq!(xp.evidence.pcap_cnt, 11);
    // XP Embedded / POSReady 2009 report the same 5.1: listed, with their dates.
    assert!(xp
        .alternatives
        .iter()
        .any(|x| x.product == "Windows Embedded POSReady 2009"));
    // Windows 7 was still supported in May 2016 (ends 2020): no finding.
    assert!(h.legacy_os.iter().all(|f| f.ip != ip("10.0.0.9")));
}

#[test]
fn reports_default_and_cleartext_credentials() {
    let h = analyse_hardening(&plant(), KnowledgeBase::embedded());
    let ftp = h.credentials.iter().find(|c| c.service == "ftp").unwrap();
    assert_eq!(ftp.kind, CredentialKind::DefaultCredential);
    assert_eq!(ftp.server_ip, Some(ip("10.0.0.20")));
    assert_eq!(ftp.client_ip, Some(ip("10.0.0.5")));
    let m = ftp.default_match.as_ref().unwrap();
    assert_eq!(
        (m.vendor.as_str(), m.product.as_str()),
        ("Schneider", "M340")
    );
    assert!(m.vendor_matches_host);
    assert!(m.other_matching_rows >= 1);
    assert!(m.source.contains("ics-default-passwords"));
    let snmp = h.credentials.iter().find(|c| c.service == "snmp").unwrap();
    assert_eq!(snmp.kind, CredentialKind::DefaultCredential);
    let telnet = h
        .credentials
        .iter()
        .find(|c| c.service == "telnet")
        .unwrap();
    assert_eq!(telnet.kind, CredentialKind::CleartextCredential);
    assert!(telnet.default_match.is_none());
    // Default credentials sort first.
    assert_eq!(h.credentials[2].service, "telnet");
}

#[test]
fn masks_secrets_on_request_only() {
    let mut h = analyse_hardening(&plant(), KnowledgeBase::embedded());
    assert!(h
        .credentials
        .iter()
        .any(|c| c.secret == "factorycast@schneider"));
    h.mask_secrets();
    let secrets: Vec<&str> = h.credentials.iter().map(|c| c.secret.as_str()).collect();
    assert_eq!(secrets, ["fac***", "p***", "Pl4***"]);
    let json = serde_json::to_string(&h).unwrap();
    assert!(!json.contains("factorycast@schneider"));
    assert!(!json.contains("Pl4nt!2016"));
}

#[test]
fn round_trips_through_json() {
    let h = analyse_hardening(&plant(), KnowledgeBase::embedded());
    let json = serde_json::to_string(&h).unwrap();
    let back: Hardening = serde_json::from_str(&json).unwrap();
    assert_eq!(back, h);
}

#[test]
fn notes_the_router_mac_instead_of_naming_its_vendor() {
    let mut a = plant();
    for n in 1..=3 {
        a.hosts
            .push(host(&format!("172.16.0.{n}"), "00:00:0c:11:22:33"));
    }
    let h = analyse_hardening(&a, KnowledgeBase::embedded());
    let p = h.hosts.iter().find(|x| x.ip == ip("172.16.0.2")).unwrap();
    assert_eq!(p.mac_vendor, None);
    assert!(p.mac_note.as_deref().unwrap().contains("Cisco"), "{p:?}");
}

#[test]
fn without_flows_says_so() {
    let mut a = plant();
    a.flows.clear();
    let h = analyse_hardening(&a, KnowledgeBase::embedded());
    assert!(h.remote_access.is_empty());
    assert!(h.notes.iter().any(|n| n.contains("--flows")));
}

#[test]
fn synack_signature_lands_on_the_responder() {
    let mut a = plant();
    // Bound to the FTP client (10.0.0.5) at a time its flow to 10.0.0.20 is open.
    a.host_facts.push(HostFactRecord {
        ip: Some(ip("10.0.0.5")),
        mac: None,
        fact: HostFact::Attribute {
            key: "tcp_synack_signature".into(),
            value: "4:64:0:1460:5840,0:mss:df,id+:0".into(),
        },
        count: 1,
        evidence: ev(40, 1_400_000_040),
    });
    let h = analyse_hardening(&a, KnowledgeBase::embedded());
    let p = |x: &str| h.hosts.iter().find(|p| p.ip == ip(x)).unwrap();
    assert!(p("10.0.0.5").tcp_stack.is_empty());
    assert_eq!(p("10.0.0.20").tcp_stack[0].kind, "synack");
    // Without flows, a host that answered nothing keeps no SYN+ACK signature.
    a.flows.clear();
    a.hosts[0].flows_answered = 0;
    let h = analyse_hardening(&a, KnowledgeBase::embedded());
    assert!(h.hosts[0].tcp_stack.is_empty());
}
