// SPDX-License-Identifier: Apache-2.0
//! Remote-access sessions: who connected to what, when, for how long and
//! how many bytes — the raw material of a vendor-access review.
//!
//! A flow is remote access when a parser named its service (`rdp`, `rfb`,
//! `ssh`, `teamviewer`, `anydesk`, `telnet`, ...) or, when no parser claimed
//! it, when its server port is a tool's default in
//! `kb/protocols/remote_access_tools.csv` (80 and 443 are never enough on
//! their own). Flows between the same client and server for the same tool
//! that follow each other within [`SESSION_GAP_S`] form one session.

use std::net::IpAddr;

use plantguard_engine::result::{FlowRecord, HostFactRecord};
use plantguard_model::{Evidence, HostFact, Timestamp};
use serde::{Deserialize, Serialize};

use crate::index::{at, positions_by};
use crate::kb::{KnowledgeBase, RemoteAccessTool};

/// Flows of one pair and tool closer than this (seconds) merge into one session.
pub const SESSION_GAP_S: i64 = 300;

/// Where the client sits relative to the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientScope {
    /// Same /24 (IPv4) or /64 (IPv6) as the server.
    SameSubnet,
    /// A private address in another subnet (routed inside the site).
    OtherInternalSubnet,
    /// A public address: access from outside the site.
    External,
}

/// One remote-access session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RemoteAccessSession {
    /// Who connected.
    pub client_ip: IpAddr,
    /// To whom.
    pub server_ip: IpAddr,
    /// Server port of the first flow.
    pub server_port: u16,
    /// `tcp` / `udp`.
    pub proto: String,
    /// Tool as `kb/protocols/remote_access_tools.csv` names it.
    pub tool: String,
    /// Its category (`vendor remote access (unmanaged)`, `VPN`, ...).
    pub category: String,
    /// How the flows were recognised (`parser: rdp`, `port tcp/5938`).
    pub recognised_by: String,
    /// First packet (RFC 3339).
    pub start: String,
    /// Last packet (RFC 3339).
    pub end: String,
    /// Seconds between them.
    pub duration_s: f64,
    /// Bytes client → server.
    pub bytes_to_server: u64,
    /// Bytes server → client.
    pub bytes_to_client: u64,
    /// Packets both ways.
    pub packets: u64,
    /// Flows merged into the session.
    pub flows: usize,
    /// Whether the client is outside the server's subnet.
    pub client_outside_subnet: bool,
    /// Where the client sits.
    pub client_scope: ClientScope,
    /// User name the protocol revealed (RDP cookie), if any.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub user: Option<String>,
    /// Observations worth a reviewer's eye (`VNC without authentication`).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub notes: Vec<String>,
    /// Flow uids (Zeek style), first 20.
    pub uids: Vec<String>,
    /// First frame of the first flow.
    pub evidence: Evidence,
}

/// Service names parsers use, mapped to a tool-name prefix in the kb.
const SERVICES: &[(&str, &str)] = &[
    ("rdp", "RDP"),
    ("rfb", "VNC"),
    ("vnc", "VNC"),
    ("teamviewer", "TeamViewer"),
    ("anydesk", "AnyDesk"),
    ("ssh", "SSH"),
    ("telnet", "Telnet"),
    ("openvpn", "OpenVPN"),
    ("ike", "IPsec"),
    ("ipsec", "IPsec"),
    ("wireguard", "WireGuard"),
    ("radmin", "Radmin"),
    ("rustdesk", "RustDesk"),
    ("pcanywhere", "pcAnywhere"),
];

fn tool_by_prefix<'k>(kb: &'k KnowledgeBase, prefix: &str) -> Option<&'k RemoteAccessTool> {
    kb.remote_access_tools()
        .iter()
        .find(|t| t.tool.starts_with(prefix))
}

/// The tool a flow belongs to, with how it was recognised.
fn recognise<'k>(kb: &'k KnowledgeBase, f: &FlowRecord) -> Option<(&'k RemoteAccessTool, String)> {
    if let Some(s) = f.service.as_deref() {
        // The names in SERVICES are lower case.
        return SERVICES
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(s))
            .and_then(|(_, p)| tool_by_prefix(kb, p))
            .map(|t| (t, format!("parser: {s}")));
    }
    kb.remote_access_tools()
        .iter()
        .filter(|t| !t.category.contains("file transfer"))
        .find(|t| {
            t.ports
                .iter()
                .any(|(p, a, b)| *p == f.proto && (*a..=*b).contains(&f.resp_p))
        })
        .map(|t| {
            (
                t,
                format!("port {}/{} (kb remote_access_tools)", f.proto, f.resp_p),
            )
        })
}

fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v) => v.is_private() || v.is_loopback() || v.is_link_local(),
        IpAddr::V6(v) => {
            let s = v.segments()[0];
            v.is_loopback() || (s & 0xfe00) == 0xfc00 || (s & 0xffc0) == 0xfe80
        }
    }
}

/// Where `client` sits relative to `server`, assuming /24 (IPv4) and /64
/// (IPv6) subnets until a site file says otherwise.
pub fn client_scope(client: IpAddr, server: IpAddr) -> ClientScope {
    let same = match (client, server) {
        (IpAddr::V4(c), IpAddr::V4(s)) => c.octets()[..3] == s.octets()[..3],
        (IpAddr::V6(c), IpAddr::V6(s)) => c.segments()[..4] == s.segments()[..4],
        _ => false,
    };
    if same {
        ClientScope::SameSubnet
    } else if is_private(client) {
        ClientScope::OtherInternalSubnet
    } else {
        ClientScope::External
    }
}

fn secs(ns: i64) -> f64 {
    (ns as f64 / 1e9 * 1e6).round() / 1e6
}

/// Builds the sessions from the flows (empty without `--flows`).
pub(crate) fn sessions(
    kb: &KnowledgeBase,
    flows: &[FlowRecord],
    facts: &[HostFactRecord],
) -> Vec<RemoteAccessSession> {
    let mut hits: Vec<(&FlowRecord, &RemoteAccessTool, String)> = flows
        .iter()
        .filter_map(|f| recognise(kb, f).map(|(t, how)| (f, t, how)))
        .collect();
    hits.sort_by(|a, b| {
        (a.0.orig_h, a.0.resp_h, &a.1.tool, a.0.ts)
            .cmp(&(b.0.orig_h, b.0.resp_h, &b.1.tool, b.0.ts))
    });
    let mut out: Vec<RemoteAccessSession> = Vec::new();
    let mut last_end: Option<Timestamp> = None;
    for (f, tool, how) in hits {
        let joins = out.last().zip(last_end).is_some_and(|(s, end)| {
            s.client_ip == f.orig_h
                && s.server_ip == f.resp_h
                && s.tool == tool.tool
                && f.ts.0.saturating_sub(end.0) <= SESSION_GAP_S * 1_000_000_000
        });
        if joins {
            if let Some(s) = out.last_mut() {
                let end = last_end.unwrap_or(f.last_ts).max(f.last_ts);
                last_end = Some(end);
                s.end = end.to_rfc3339();
                s.bytes_to_server += f.orig_bytes;
                s.bytes_to_client += f.resp_bytes;
                s.packets += f.orig_pkts + f.resp_pkts;
                s.flows += 1;
                if s.uids.len() < 20 {
                    s.uids.push(f.uid.clone());
                }
                // The session starts at its first flow (kept in evidence).
                s.duration_s = secs(end.0 - s.evidence.ts.0);
            }
            continue;
        }
        last_end = Some(f.last_ts);
        let scope = client_scope(f.orig_h, f.resp_h);
        out.push(RemoteAccessSession {
            client_ip: f.orig_h,
            server_ip: f.resp_h,
            server_port: f.resp_p,
            proto: f.proto.to_string(),
            tool: tool.tool.clone(),
            category: tool.category.clone(),
            recognised_by: how,
            start: f.ts.to_rfc3339(),
            end: f.last_ts.to_rfc3339(),
            duration_s: secs(f.last_ts.0 - f.ts.0),
            bytes_to_server: f.orig_bytes,
            bytes_to_client: f.resp_bytes,
            packets: f.orig_pkts + f.resp_pkts,
            flows: 1,
            client_outside_subnet: scope != ClientScope::SameSubnet,
            client_scope: scope,
            user: None,
            notes: Vec::new(),
            uids: vec![f.uid.clone()],
            evidence: Evidence {
                ts: f.ts,
                ..f.evidence.clone()
            },
        });
    }
    let facts_by_ip = positions_by(facts, |r| r.ip);
    for s in &mut out {
        // The facts of either end, in fact-list order.
        let mut mine: Vec<u32> = facts_by_ip
            .get(&s.client_ip)
            .into_iter()
            .flatten()
            .copied()
            .collect();
        if s.server_ip != s.client_ip {
            mine.extend(facts_by_ip.get(&s.server_ip).into_iter().flatten());
            mine.sort_unstable();
        }
        annotate(s, mine.iter().map(|&i| &facts[at(i)]));
    }
    out.sort_by(|a, b| a.start.cmp(&b.start).then(a.client_ip.cmp(&b.client_ip)));
    out
}

/// Adds the RDP user and protocol notes seen on either end during the session.
fn annotate<'a>(s: &mut RemoteAccessSession, facts: impl Iterator<Item = &'a HostFactRecord>) {
    let (start, end) = (s.start.clone(), s.end.clone());
    for rec in facts {
        let Some(ip) = rec.ip else { continue };
        if ip != s.client_ip && ip != s.server_ip {
            continue;
        }
        let t = rec.evidence.ts.to_rfc3339();
        let during = start <= t && t <= end;
        if let HostFact::Attribute { key, value } = &rec.fact {
            match key.as_ref() {
                "rdp_user" if during && s.user.is_none() => s.user = Some(value.to_string()),
                "rfb_security" if value == "none" && ip == s.server_ip => {
                    let n = "VNC server offers security type None: no authentication".to_string();
                    if !s.notes.contains(&n) {
                        s.notes.push(n);
                    }
                }
                _ => {}
            }
        }
    }
    if s.client_scope == ClientScope::External {
        s.notes
            .push("client has a public address: access from outside the site".into());
    }
    if s.tool == "Telnet" {
        s.notes
            .push("Telnet carries the login and the whole session in clear text".into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow(
        uid: &str,
        c: [u8; 4],
        s: [u8; 4],
        port: u16,
        svc: Option<&str>,
        t0: i64,
        t1: i64,
    ) -> FlowRecord {
        FlowRecord {
            uid: uid.into(),
            ts: Timestamp(t0 * 1_000_000_000),
            last_ts: Timestamp(t1 * 1_000_000_000),
            vlans: [0, 0],
            proto: "tcp".into(),
            orig_h: IpAddr::from(c),
            orig_p: 50_000,
            resp_h: IpAddr::from(s),
            resp_p: port,
            service: svc.map(|s| s.to_string().into()),
            orig_pkts: 10,
            orig_bytes: 1_000,
            resp_pkts: 20,
            resp_bytes: 50_000,
            orig_mac: None,
            resp_mac: None,
            handshake: true,
            operations: Default::default(),
            evidence: Evidence {
                pcap_filename: "r.pcap".into(),
                pcap_cnt: u64::try_from(t0).unwrap_or(0),
                ts: Timestamp(t0 * 1_000_000_000),
            },
        }
    }

    #[test]
    fn merges_flows_within_the_gap_and_splits_after() {
        let kb = KnowledgeBase::embedded();
        let flows = [
            flow(
                "C1",
                [10, 0, 0, 9],
                [10, 0, 0, 5],
                3389,
                Some("rdp"),
                1_000,
                1_600,
            ),
            flow(
                "C2",
                [10, 0, 0, 9],
                [10, 0, 0, 5],
                3389,
                Some("rdp"),
                1_700,
                2_000,
            ),
            flow(
                "C3",
                [10, 0, 0, 9],
                [10, 0, 0, 5],
                3389,
                Some("rdp"),
                9_000,
                9_060,
            ),
            flow(
                "C4",
                [10, 0, 0, 9],
                [10, 0, 0, 5],
                80,
                Some("http"),
                1_000,
                1_001,
            ),
        ];
        let facts = [HostFactRecord {
            ip: Some(IpAddr::from([10, 0, 0, 9])),
            mac: None,
            fact: HostFact::Attribute {
                key: "rdp_user".into(),
                value: "vendor1".into(),
            },
            count: 1,
            evidence: Evidence {
                pcap_filename: "r.pcap".into(),
                pcap_cnt: 5,
                ts: Timestamp(1_000_500_000_000),
            },
        }];
        let s = sessions(kb, &flows, &facts);
        assert_eq!(s.len(), 2);
        assert_eq!((s[0].flows, s[0].duration_s), (2, 1_000.0));
        assert_eq!(
            (s[0].bytes_to_server, s[0].bytes_to_client),
            (2_000, 100_000)
        );
        assert_eq!(s[0].uids, ["C1", "C2"]);
        assert_eq!(s[0].tool, "RDP (Microsoft Remote Desktop)");
        assert_eq!(s[0].recognised_by, "parser: rdp");
        assert_eq!(s[0].user.as_deref(), Some("vendor1"));
        assert_eq!(s[1].user, None);
        assert!(!s[0].client_outside_subnet);
    }

    #[test]
    fn recognises_unparsed_flows_by_kb_port_and_flags_external_clients() {
        let kb = KnowledgeBase::embedded();
        let flows = [
            flow(
                "C1",
                [203, 0, 113, 7],
                [192, 168, 1, 20],
                5938,
                None,
                10,
                70,
            ),
            flow("C2", [10, 1, 0, 9], [192, 168, 1, 21], 5901, None, 10, 20),
            flow("C3", [10, 1, 0, 9], [192, 168, 1, 21], 443, None, 10, 20),
            flow("C4", [10, 1, 0, 9], [192, 168, 1, 21], 21, None, 10, 20),
        ];
        let s = sessions(kb, &flows, &[]);
        assert_eq!(s.len(), 2, "{s:#?}");
        let tv = s.iter().find(|x| x.tool == "TeamViewer").unwrap();
        assert_eq!(tv.client_scope, ClientScope::External);
        assert!(tv.recognised_by.contains("tcp/5938"));
        let vnc = s.iter().find(|x| x.tool.starts_with("VNC")).unwrap();
        assert_eq!(vnc.client_scope, ClientScope::OtherInternalSubnet);
        assert!(vnc.client_outside_subnet);
    }
}
