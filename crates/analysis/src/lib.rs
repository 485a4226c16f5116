// SPDX-License-Identifier: Apache-2.0
//! Hardening analysis: what an [`Assessment`] says about the hosts that
//! cannot defend themselves.
//!
//! The engine leaves facts with evidence: IT host facts (names, OS
//! evidence, software banners, cleartext credentials, TCP/IP stack
//! signatures), protocol identities, and (with `keep_flows`) every flow.
//! [`analyse_hardening`] is a pure function of those facts and a
//! [`KnowledgeBase`] (the `kb/` tables compiled into the binary), and
//! returns a [`Hardening`]:
//!
//! - [`HostProfile`] per IP host: MAC vendor from the IEEE registry, names
//!   with their sources, software, decoded TCP/IP stack hints, and an
//!   [`OsInference`] that combines every piece of OS evidence by weight and
//!   shows each reason with its frame (see [`os`] for the weights);
//! - [`LegacyOsFinding`]: the inferred release is out of support (or close
//!   to it) on the capture date, per `kb/os_lifecycle.csv`;
//! - [`CredentialFinding`]: every cleartext credential, and whether it is a
//!   publicly documented default (`kb/default_credentials.csv`). Secrets stay
//!   whole until [`Hardening::mask_secrets`], which outputs call unless the
//!   user asked to see them;
//! - [`RemoteAccessSession`]: RDP, VNC, TeamViewer, AnyDesk, SSH, Telnet
//!   and VPN sessions: who connected to what, when, how long, how many bytes.
//!
//! ```
//! use plantguard_analysis::{analyse_hardening, KnowledgeBase};
//! use plantguard_engine::result::{Assessment, HostFactRecord};
//! use plantguard_model::{Evidence, HostFact};
//!
//! let mut a = Assessment::default();
//! a.capture.last = Some("2019-05-01T08:00:00.000000+0000".into());
//! a.host_facts.push(HostFactRecord {
//!     ip: Some("10.0.0.5".parse().unwrap()),
//!     mac: None,
//!     fact: HostFact::Os {
//!         name: "Windows XP".into(),
//!         version: Some("5.1".into()),
//!         source: "netbios_browser".into(),
//!     },
//!     count: 1,
//!     evidence: Evidence::default(),
//! });
//! let h = analyse_hardening(&a, KnowledgeBase::embedded());
//! assert_eq!(h.legacy_os[0].os, "Windows XP");
//! assert_eq!(h.legacy_os[0].end_of_support.unwrap().to_string(), "2014-04-08");
//! ```
#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

pub mod conduits;
pub mod credentials;
pub mod date;
mod hash;
mod index;
pub mod inventory;
pub mod kb;
pub mod legacy;
pub mod os;
pub mod remote;
pub mod site;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use crate::hash::HashMap;
use std::net::IpAddr;

use plantguard_engine::result::{Assessment, Host, HostFactRecord, IdentityRecord};
use plantguard_model::{Evidence, HostFact};
use serde::{Deserialize, Serialize};

pub use credentials::{CredentialFinding, CredentialKind, DefaultCredentialMatch};
pub use date::Date;
pub use kb::{KbError, KbTables, KnowledgeBase};
pub use legacy::{LegacyOsFinding, SupportStatus};
pub use os::{Confidence, OsInference, OsReason, TcpStackHint, Verdict};
pub use remote::{ClientScope, RemoteAccessSession};

/// A name or domain a host announced or was given.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct NameEvidence {
    /// The name.
    pub name: String,
    /// `name` or `domain`.
    pub kind: String,
    /// Protocol it came from (`dhcp`, `netbios`, `smb`, ...).
    pub source: String,
    /// First frame.
    pub evidence: Evidence,
}

/// Software a host runs.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SoftwareEvidence {
    /// Role (`http_server`, `ssh_client`, ...).
    pub role: String,
    /// Banner as sent.
    pub banner: String,
    /// First frame.
    pub evidence: Evidence,
}

/// Everything the hardening analysis knows about one IP host.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HostProfile {
    /// Address.
    pub ip: IpAddr,
    /// The host's own MAC (DHCP client MAC first, else its most frequent
    /// source MAC unless that MAC is shared by a router for many hosts).
    pub mac: Option<String>,
    /// Vendor of that MAC from the IEEE registry.
    pub mac_vendor: Option<String>,
    /// Why the MAC or vendor is absent or uncertain.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub mac_note: Option<String>,
    /// Vendors the host stated in industrial protocols (CIP, S7, ...).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub identity_vendors: Vec<String>,
    /// Names and domains with their sources.
    pub names: Vec<NameEvidence>,
    /// The inferred OS.
    pub os: Option<OsInference>,
    /// Software banners.
    pub software: Vec<SoftwareEvidence>,
    /// TCP/IP stack signatures, decoded.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub tcp_stack: Vec<TcpStackHint>,
}

impl HostProfile {
    /// Vendors known for this host: MAC vendor first, then identities.
    pub fn vendors(&self) -> Vec<String> {
        self.mac_vendor
            .iter()
            .chain(self.identity_vendors.iter())
            .cloned()
            .collect()
    }
}

/// The hardening analysis of one assessment.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Hardening {
    /// Day the capture ended (lifecycle status is judged on it).
    pub capture_date: Option<Date>,
    /// One profile per IP host, by address.
    pub hosts: Vec<HostProfile>,
    /// Hosts whose OS is out of support (or close to it) at the capture date.
    pub legacy_os: Vec<LegacyOsFinding>,
    /// Cleartext credentials, default ones first.
    pub credentials: Vec<CredentialFinding>,
    /// Remote-access sessions, by start time.
    pub remote_access: Vec<RemoteAccessSession>,
    /// What limited the analysis (`no flows kept: ...`).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub notes: Vec<String>,
    /// Whether secrets are masked.
    pub secrets_masked: bool,
}

impl Hardening {
    /// Masks every secret (`adm***`). Outputs call this unless the user
    /// passed `--show-secrets`.
    pub fn mask_secrets(&mut self) {
        for c in &mut self.credentials {
            c.mask();
        }
        self.secrets_masked = true;
    }
}

/// A MAC seen as source for this many IP hosts or more is a router's.
const ROUTER_MAC_HOSTS: usize = 3;

/// Runs every hardening analysis over `a`. Pure: same input, same output.
pub fn analyse_hardening(a: &Assessment, kb: &KnowledgeBase) -> Hardening {
    let flows_by_ip = index::FlowsByIp::new(&a.flows);
    let mut host_by_ip: HashMap<IpAddr, &Host> = HashMap::default();
    for h in &a.hosts {
        host_by_ip.entry(h.ip).or_insert(h);
    }
    let all_facts = reattribute_synack(a, &flows_by_ip, &host_by_ip);
    let mut facts_by_ip: BTreeMap<IpAddr, Vec<&HostFactRecord>> = BTreeMap::new();
    let mut facts_by_mac: HashMap<String, Vec<&HostFactRecord>> = HashMap::default();
    for f in all_facts.iter().map(|f| &**f) {
        match (f.ip, &f.mac) {
            (Some(ip), _) => facts_by_ip.entry(ip).or_default().push(f),
            (None, Some(m)) => facts_by_mac
                .entry(m.to_ascii_lowercase())
                .or_default()
                .push(f),
            _ => {}
        }
    }
    let mut mac_hosts: HashMap<&str, usize> = HashMap::default();
    for h in &a.hosts {
        for m in &h.macs {
            *mac_hosts.entry(m.as_str()).or_default() += 1;
        }
    }
    let mut idents_by_ip: HashMap<IpAddr, Vec<&IdentityRecord>> = HashMap::default();
    for r in &a.identities {
        if let Some(ip) = r.ip {
            idents_by_ip.entry(ip).or_default().push(r);
        }
    }
    let mut ips: BTreeSet<IpAddr> = a.hosts.iter().map(|h| h.ip).collect();
    ips.extend(facts_by_ip.keys().copied());

    let mut hosts = Vec::new();
    for ip in ips {
        let host = host_by_ip.get(&ip).copied();
        let mut facts: Vec<&HostFactRecord> = facts_by_ip.get(&ip).cloned().unwrap_or_default();
        let dhcp_mac = facts.iter().find_map(|f| match &f.fact {
            HostFact::Attribute { key, value } if key == "dhcp_client_mac" => {
                Some(value.to_string())
            }
            _ => None,
        });
        // The host's own MAC: what it put in DHCP, else what claimed its
        // address in ARP, else the source MAC of its packets (unless a
        // router's, shared by many hosts).
        let own = dhcp_mac.or_else(|| host.and_then(|h| h.arp_macs.first().cloned()));
        let (mac, mac_note) = match (own, host.and_then(|h| h.macs.first())) {
            (Some(m), _) => (Some(m), None),
            (None, Some(m)) if mac_hosts.get(m.as_str()).copied().unwrap_or(0) >= ROUTER_MAC_HOSTS => (
                None,
                Some(format!(
                    "source MAC {m} ({}) is shared by {} IP hosts: a router between the host and the capture point",
                    kb.mac_vendor(m).unwrap_or("unknown vendor"),
                    mac_hosts.get(m.as_str()).copied().unwrap_or(0)
                )),
            ),
            (None, m) => (m.cloned(), None),
        };
        let mut mac_note = mac_note;
        if let Some(m) = &mac {
            facts.extend(
                facts_by_mac
                    .get(&m.to_ascii_lowercase())
                    .into_iter()
                    .flatten(),
            );
        }
        let mac_vendor = mac
            .as_deref()
            .and_then(|m| kb.mac_vendor(m))
            .map(str::to_string);
        if mac_vendor.is_none() {
            if let Some(m) = &mac {
                mac_note = Some(if KnowledgeBase::is_locally_administered(m) {
                    format!("{m} is locally administered (randomised or virtual): no vendor")
                } else {
                    format!("{m}: prefix not in the IEEE registry (kb/oui.csv)")
                });
            }
        }
        let identity_vendors: Vec<String> = idents_by_ip
            .get(&ip)
            .into_iter()
            .flatten()
            .filter_map(|r| r.identity.vendor.as_deref().map(str::to_owned))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut names = Vec::new();
        let mut software = Vec::new();
        for f in &facts {
            match &f.fact {
                HostFact::Name { name, source } | HostFact::Domain { name, source } => {
                    names.push(NameEvidence {
                        name: name.to_string(),
                        kind: if matches!(f.fact, HostFact::Name { .. }) {
                            "name"
                        } else {
                            "domain"
                        }
                        .into(),
                        source: source.to_string(),
                        evidence: f.evidence.clone(),
                    });
                }
                HostFact::Software { role, banner } => software.push(SoftwareEvidence {
                    role: role.to_string(),
                    banner: banner.to_string(),
                    evidence: f.evidence.clone(),
                }),
                _ => {}
            }
        }
        names.sort();
        names.dedup_by(|x, y| x.name == y.name && x.kind == y.kind && x.source == y.source);
        software.sort();
        software.dedup_by(|x, y| x.role == y.role && x.banner == y.banner);
        let (claims, tcp_stack) = os::claims(kb, &facts);
        let os = os::infer(kb, &claims);
        hosts.push(HostProfile {
            ip,
            mac,
            mac_vendor,
            mac_note,
            identity_vendors,
            names,
            os,
            software,
            tcp_stack,
        });
    }

    let capture_date = a
        .capture
        .last
        .as_deref()
        .and_then(Date::from_rfc3339)
        .or_else(|| {
            a.hosts
                .iter()
                .filter_map(|h| Date::from_rfc3339(&h.last_seen))
                .max()
        });
    let mut notes = Vec::new();
    let legacy_os = match capture_date {
        Some(d) => hosts
            .iter()
            .filter_map(|h| h.os.as_ref().and_then(|o| legacy::finding(kb, h.ip, o, d)))
            .collect(),
        None => {
            notes.push("no packet timestamps: lifecycle status not judged".into());
            Vec::new()
        }
    };
    let by_ip: HashMap<IpAddr, &HostProfile> = hosts.iter().map(|h| (h.ip, h)).collect();
    let vendors_of = |ip: Option<IpAddr>| {
        ip.and_then(|i| by_ip.get(&i))
            .map(|h| h.vendors())
            .unwrap_or_default()
    };
    let credentials = credentials::findings(kb, &a.host_facts, &a.flows, &flows_by_ip, &vendors_of);
    if a.flows.is_empty() {
        notes.push(
            "no flows kept (run with --flows): remote-access sessions and credential clients not analysed"
                .into(),
        );
    }
    let remote_access = remote::sessions(kb, &a.flows, &a.host_facts);
    Hardening {
        capture_date,
        hosts,
        legacy_os,
        credentials,
        remote_access,
        notes,
        secrets_masked: false,
    }
}

/// Puts each SYN+ACK signature on the host that sent it.
///
/// The engine binds a SYN+ACK signature to a flow end; some engine versions
/// bound it to the client. A SYN+ACK at time `t` comes from the responder
/// of a TCP flow that is open at `t`: when no open flow has the fact's host
/// as responder but one has it as originator (the latest to start before
/// `t`), the fact moves to that flow's responder. Without flows, a host that
/// answered no flow cannot have sent a SYN+ACK, so its signature is dropped.
/// Facts left as they are stay borrowed.
fn reattribute_synack<'a>(
    a: &'a Assessment,
    flows_by_ip: &index::FlowsByIp,
    host_by_ip: &HashMap<IpAddr, &Host>,
) -> Vec<Cow<'a, HostFactRecord>> {
    let mut out = Vec::with_capacity(a.host_facts.len());
    for f in &a.host_facts {
        let (Some(ip), HostFact::Attribute { key, .. }) = (f.ip, &f.fact) else {
            out.push(Cow::Borrowed(f));
            continue;
        };
        if key != "tcp_synack_signature" {
            out.push(Cow::Borrowed(f));
            continue;
        }
        let t = f.evidence.ts;
        if a.flows.is_empty() {
            let answered = host_by_ip.get(&ip).map(|h| h.flows_answered);
            if answered != Some(0) {
                out.push(Cow::Borrowed(f));
            }
            continue;
        }
        // Every flow `ip` took part in, in flow-list order.
        let open = || {
            flows_by_ip
                .of(ip)
                .iter()
                .map(|&i| &a.flows[index::at(i)])
                .filter(move |fl| fl.proto == "tcp" && fl.ts <= t && t <= fl.last_ts)
        };
        if open().any(|fl| fl.resp_h == ip) {
            out.push(Cow::Borrowed(f));
            continue;
        }
        let from_client = open().filter(|fl| fl.orig_h == ip).max_by_key(|fl| fl.ts);
        let mut g = f.clone();
        if let Some(fl) = from_client {
            g.ip = Some(fl.resp_h);
            g.mac = fl.resp_mac.map(|m| m.to_string());
        }
        out.push(Cow::Owned(g));
    }
    out
}

#[cfg(test)]
mod tests;
