// SPDX-License-Identifier: Apache-2.0
//! Conduits and convergence points.
//!
//! The [`ConduitMatrix`] is the zone × zone communication matrix built from
//! the kept flows (`--flows`): per (client zone, server zone) pair, the
//! protocols and ports, the operations (`FlowRecord.operations`), flows,
//! packets and bytes, and the site-file conduit each service matches.
//!
//! [`ConvergencePoint`]s are where IT and OT meet in ways they should not:
//! IT↔OT flows that skip a DMZ, hosts on both IT and OT networks
//! (dual-homed, or routing between them), OT hosts talking to public
//! addresses or resolving internet names, remote-access sessions landing in
//! OT, and flat networks (IT and OT assets in one subnet or VLAN).

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use plantguard_engine::result::Assessment;
use plantguard_model::{Evidence, HostFact};
use serde::{Deserialize, Serialize};

use crate::inventory::{is_public, subnet24, Asset, AssetId, Domain};
use crate::site::{ConduitEnd, SiteFile};
use crate::Hardening;

/// The zone × zone matrix.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ConduitMatrix {
    /// One entry per (from, to) zone pair that carried traffic.
    pub conduits: Vec<Conduit>,
}

/// Traffic from one zone's clients to another zone's servers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Conduit {
    /// Client zone (`unzoned` when an address is in no zone).
    pub from_zone: String,
    /// Server zone.
    pub to_zone: String,
    /// Client domain.
    pub from_domain: Domain,
    /// Server domain.
    pub to_domain: Domain,
    /// Per protocol and port.
    pub services: Vec<ConduitService>,
    /// Flows.
    pub flows: u64,
    /// Packets both ways.
    pub packets: u64,
    /// Bytes both ways.
    pub bytes: u64,
    /// Client assets.
    pub clients: Vec<AssetId>,
    /// Server assets.
    pub servers: Vec<AssetId>,
}

/// One protocol/port inside a conduit.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ConduitService {
    /// Application protocol or `tcp/5900`.
    pub protocol: String,
    /// `tcp` / `udp`.
    pub transport: String,
    /// Server port.
    pub port: u16,
    /// Flows.
    pub flows: u64,
    /// Bytes both ways.
    pub bytes: u64,
    /// Operations (`write`: 1).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub operations: BTreeMap<String, u64>,
    /// Site-file conduits that allow some of its flows.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_by: Vec<String>,
    /// Flows no site-file conduit allows (0 without a site file).
    #[serde(default)]
    pub unallowed_flows: u64,
    /// First frame of the first flow.
    pub evidence: Evidence,
}

/// The kinds of convergence point.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConvergenceKind {
    /// IT and OT hosts talk directly, not through a DMZ.
    ItOtSkipsDmz,
    /// One host has addresses (or a MAC) on both IT and OT networks.
    DualHomed,
    /// A router or firewall joins IT and OT networks.
    RoutesBetweenItAndOt,
    /// An OT host talks to a public address.
    OtToInternet,
    /// An OT host resolves internet names.
    OtResolvesInternetName,
    /// A remote-access session lands on an OT host.
    RemoteAccessIntoOt,
    /// IT and OT assets share one subnet or VLAN.
    FlatNetwork,
}

/// One convergence point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConvergencePoint {
    /// Kind.
    pub kind: ConvergenceKind,
    /// Assets involved.
    pub assets: Vec<AssetId>,
    /// In words.
    pub summary: String,
    /// Flow uids (first 20).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flows: Vec<String>,
    /// First frame.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
}

const UNZONED: &str = "unzoned";

/// Flow uids, services and first frame between two assets.
type PairFlows = (Vec<String>, BTreeSet<String>, Evidence);

fn it_ot(a: Domain, b: Domain) -> bool {
    matches!((a, b), (Domain::It, Domain::Ot) | (Domain::Ot, Domain::It))
}

/// The zone an asset's address is in: its zone, or for a host with
/// addresses in several zones (a dual-homed host) the one of them that holds
/// this address, so a flow from its control-network NIC is a control-network
/// flow.
fn address_zone(x: &Asset, ip: IpAddr, site: Option<&SiteFile>) -> Option<String> {
    if x.other_zones.is_empty() || x.is_network_infrastructure {
        return x.zone.clone();
    }
    let candidates = || x.zone.iter().chain(x.other_zones.iter());
    let found = match site.filter(|s| !s.zones.is_empty()) {
        Some(s) => candidates()
            .filter_map(|name| {
                let z = s.zones.iter().find(|z| &z.name == name)?;
                let prefix = z
                    .subnets
                    .iter()
                    .filter(|c| c.contains(ip))
                    .map(|c| c.prefix)
                    .max()?;
                Some((prefix, name))
            })
            .max()
            .map(|(_, name)| name.clone()),
        None if is_public(ip) => candidates().find(|z| *z == "internet").cloned(),
        None => {
            let net = subnet24(ip).to_string();
            candidates().find(|z| z.ends_with(net.as_str())).cloned()
        }
    };
    found.or_else(|| x.zone.clone())
}

/// Builds the matrix and the convergence points.
pub(crate) fn analyse(
    a: &Assessment,
    assets: &[Asset],
    hardening: Option<&Hardening>,
    site: Option<&SiteFile>,
) -> (ConduitMatrix, Vec<ConvergencePoint>, Vec<String>) {
    let mut notes = Vec::new();
    let by_ip: BTreeMap<IpAddr, &Asset> = assets
        .iter()
        .flat_map(|x| x.ips().map(move |ip| (ip, x)))
        .collect();
    let zone_of = |ip: IpAddr| -> (String, Domain, Option<&Asset>) {
        match by_ip.get(&ip) {
            Some(x) => (
                address_zone(x, ip, site).unwrap_or_else(|| {
                    if x.is_network_infrastructure {
                        "network".into()
                    } else {
                        UNZONED.into()
                    }
                }),
                x.domain,
                Some(*x),
            ),
            None if is_public(ip) => ("internet".into(), Domain::External, None),
            None => (UNZONED.into(), Domain::Unknown, None),
        }
    };
    if a.flows.is_empty() {
        notes.push("no flows kept (run with --flows): conduits and flow-based convergence points not analysed".into());
    }

    let mut m: BTreeMap<(String, String), Conduit> = BTreeMap::new();
    let mut svc: BTreeMap<(String, String, String, String, u16), ConduitService> = BTreeMap::new();
    let mut skip: BTreeMap<(AssetId, AssetId), PairFlows> = BTreeMap::new();
    let mut internet: BTreeMap<AssetId, (BTreeSet<IpAddr>, Vec<String>, Evidence)> =
        BTreeMap::new();
    for f in &a.flows {
        let (fz, fd, fa) = zone_of(f.orig_h);
        let (tz, td, ta) = zone_of(f.resp_h);
        let protocol = f
            .service
            .as_deref()
            .map_or_else(|| format!("{}/{}", f.proto, f.resp_p), str::to_string);
        let c = m
            .entry((fz.clone(), tz.clone()))
            .or_insert_with(|| Conduit {
                from_zone: fz.clone(),
                to_zone: tz.clone(),
                from_domain: fd,
                to_domain: td,
                services: Vec::new(),
                flows: 0,
                packets: 0,
                bytes: 0,
                clients: Vec::new(),
                servers: Vec::new(),
            });
        c.flows += 1;
        c.packets += f.orig_pkts + f.resp_pkts;
        c.bytes += f.orig_bytes + f.resp_bytes;
        if let Some(x) = fa {
            if !c.clients.contains(&x.id) {
                c.clients.push(x.id.clone());
            }
        }
        if let Some(x) = ta {
            if !c.servers.contains(&x.id) {
                c.servers.push(x.id.clone());
            }
        }
        let s = svc
            .entry((
                fz.clone(),
                tz.clone(),
                protocol.clone(),
                f.proto.to_string(),
                f.resp_p,
            ))
            .or_insert_with(|| ConduitService {
                protocol: protocol.clone(),
                transport: f.proto.to_string(),
                port: f.resp_p,
                flows: 0,
                bytes: 0,
                operations: BTreeMap::new(),
                allowed_by: Vec::new(),
                unallowed_flows: 0,
                evidence: f.evidence.clone(),
            });
        s.flows += 1;
        if let Some(site) = site {
            match allowed_by(site, fa, &fz, ta, &tz, &protocol, f.resp_p) {
                Some(rule) if !s.allowed_by.contains(&rule) => s.allowed_by.push(rule),
                Some(_) => {}
                None => s.unallowed_flows += 1,
            }
        }
        s.bytes += f.orig_bytes + f.resp_bytes;
        for (k, v) in &f.operations {
            *s.operations.entry(k.to_string()).or_default() += v;
        }
        if let (Some(x), Some(y)) = (fa, ta) {
            if it_ot(x.domain, y.domain) {
                let e = skip
                    .entry((x.id.clone(), y.id.clone()))
                    .or_insert_with(|| (Vec::new(), BTreeSet::new(), f.evidence.clone()));
                e.0.push(f.uid.clone());
                // Which address a host with several spoke from or to.
                let mut what = format!("{protocol} {}/{}", f.proto, f.resp_p);
                if x.addresses.len() > 1 && !x.is_network_infrastructure {
                    what.push_str(&format!(" from {}", f.orig_h));
                }
                if y.addresses.len() > 1 && !y.is_network_infrastructure {
                    what.push_str(&format!(" to {}", f.resp_h));
                }
                e.1.insert(what);
            }
        }
        for (me, other) in [(fa, f.resp_h), (ta, f.orig_h)] {
            if let Some(x) = me {
                // A plant device on public addressing is not the internet.
                let outside = is_public(other)
                    && by_ip
                        .get(&other)
                        .is_none_or(|y| y.domain == Domain::External);
                if x.domain == Domain::Ot && outside {
                    let e = internet
                        .entry(x.id.clone())
                        .or_insert_with(|| (BTreeSet::new(), Vec::new(), f.evidence.clone()));
                    e.0.insert(other);
                    e.1.push(f.uid.clone());
                }
            }
        }
    }
    for ((fz, tz, ..), s) in svc {
        if let Some(c) = m.get_mut(&(fz, tz)) {
            c.services.push(s);
        }
    }

    let mut out = Vec::new();
    for ((c, s), (uids, protos, ev)) in skip {
        out.push(ConvergencePoint {
            kind: ConvergenceKind::ItOtSkipsDmz,
            summary: format!(
                "{} ({}) talks to {} ({}) directly: {}",
                label(assets, &c),
                domain_of(assets, &c),
                label(assets, &s),
                domain_of(assets, &s),
                protos.into_iter().collect::<Vec<_>>().join(", ")
            ),
            assets: vec![c, s],
            flows: uids.into_iter().take(20).collect(),
            evidence: Some(ev),
        });
    }
    // Hosts on several networks.
    for x in assets {
        let zones: Vec<&String> = x.zone.iter().chain(x.other_zones.iter()).collect();
        if zones.len() < 2 {
            continue;
        }
        let domains: BTreeSet<Domain> = zones
            .iter()
            .filter_map(|z| {
                assets
                    .iter()
                    .find(|y| y.zone.as_ref() == Some(*z) && !y.is_network_infrastructure)
                    .map(|y| y.domain)
            })
            .collect();
        let spans =
            (domains.contains(&Domain::It) && domains.contains(&Domain::Ot)) || zones.len() >= 2;
        if !spans {
            continue;
        }
        let kind = if x.is_network_infrastructure {
            ConvergenceKind::RoutesBetweenItAndOt
        } else {
            ConvergenceKind::DualHomed
        };
        // How the addresses were found to be one host, when it was not a
        // shared MAC.
        let tie = if x
            .addresses
            .iter()
            .any(|u| u.sources.iter().any(|s| s == "host_name"))
        {
            "; it states the same host name on each"
        } else if x
            .addresses
            .iter()
            .any(|u| u.sources.iter().any(|s| s == "known_asset"))
            || x.known.as_ref().is_some_and(|k| k.addresses().len() > 1)
        {
            "; the known-asset list names them as one host"
        } else {
            ""
        };
        out.push(ConvergencePoint {
            kind,
            assets: vec![x.id.clone()],
            summary: format!(
                "{} has addresses in {} ({}){tie}",
                x.name.clone().unwrap_or_else(|| x.id.to_string()),
                zones
                    .iter()
                    .map(|z| z.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                x.ips()
                    .map(|i| i.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            flows: Vec::new(),
            evidence: None,
        });
    }
    for (id, (peers, uids, ev)) in internet {
        out.push(ConvergencePoint {
            kind: ConvergenceKind::OtToInternet,
            summary: format!(
                "OT asset {} talks to public address{} {}",
                label(assets, &id),
                if peers.len() == 1 { "" } else { "es" },
                peers
                    .iter()
                    .map(|p| p.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            assets: vec![id],
            flows: uids.into_iter().take(20).collect(),
            evidence: Some(ev),
        });
    }
    // Internet names looked up by OT hosts.
    let local_suffixes: BTreeSet<String> = a
        .host_facts
        .iter()
        .filter_map(|f| match &f.fact {
            HostFact::Domain { name, .. } if name.contains('.') => Some(name.to_ascii_lowercase()),
            _ => None,
        })
        .chain(
            site.and_then(|s| s.site.name.clone())
                .into_iter()
                .filter(|_| false),
        )
        .collect();
    let mut lookups: BTreeMap<AssetId, (BTreeSet<String>, Evidence)> = BTreeMap::new();
    for f in &a.host_facts {
        let HostFact::Lookup { name, .. } = &f.fact else {
            continue;
        };
        let Some(x) = f.ip.and_then(|ip| by_ip.get(&ip)) else {
            continue;
        };
        if x.domain != Domain::Ot {
            continue;
        }
        let n = name.to_ascii_lowercase();
        let internet_name = if let Some(rev) = n.strip_suffix(".in-addr.arpa") {
            let mut p: Vec<&str> = rev.split('.').collect();
            p.reverse();
            p.join(".").parse::<IpAddr>().is_ok_and(is_public)
        } else {
            n.contains('.')
                && !n.ends_with(".local")
                && !n.ends_with(".arpa")
                && !local_suffixes
                    .iter()
                    .any(|s| n == *s || n.ends_with(&format!(".{s}")))
        };
        if internet_name {
            lookups
                .entry(x.id.clone())
                .or_insert_with(|| (BTreeSet::new(), f.evidence.clone()))
                .0
                .insert(name.clone());
        }
    }
    for (id, (names, ev)) in lookups {
        out.push(ConvergencePoint {
            kind: ConvergenceKind::OtResolvesInternetName,
            summary: format!(
                "OT asset {} resolves {}",
                label(assets, &id),
                names.into_iter().collect::<Vec<_>>().join(", ")
            ),
            assets: vec![id],
            flows: Vec::new(),
            evidence: Some(ev),
        });
    }
    if let Some(h) = hardening {
        for r in &h.remote_access {
            let Some(srv) = by_ip.get(&r.server_ip) else {
                continue;
            };
            if srv.domain != Domain::Ot {
                continue;
            }
            let client = by_ip.get(&r.client_ip);
            if client.is_some_and(|c| c.zone.is_some() && c.zone == srv.zone) {
                continue;
            }
            out.push(ConvergencePoint {
                kind: ConvergenceKind::RemoteAccessIntoOt,
                summary: format!(
                    "{} session from {} to OT asset {} ({})",
                    r.tool,
                    r.client_ip,
                    label(assets, &srv.id),
                    r.start
                ),
                assets: client
                    .map(|c| c.id.clone())
                    .into_iter()
                    .chain([srv.id.clone()])
                    .collect(),
                flows: r.uids.clone(),
                evidence: Some(r.evidence.clone()),
            });
        }
    }
    // Flat networks.
    let mut by_zone: BTreeMap<&str, Vec<&Asset>> = BTreeMap::new();
    for x in assets.iter().filter(|x| !x.is_network_infrastructure) {
        if let Some(z) = &x.zone {
            by_zone.entry(z.as_str()).or_default().push(x);
        }
    }
    for (z, xs) in by_zone {
        let it: Vec<&&Asset> = xs
            .iter()
            .filter(|x| x.role.default_domain() == Domain::It)
            .collect();
        let ot: Vec<&&Asset> = xs
            .iter()
            .filter(|x| x.role.default_domain() == Domain::Ot)
            .collect();
        if !it.is_empty() && !ot.is_empty() {
            out.push(ConvergencePoint {
                kind: ConvergenceKind::FlatNetwork,
                summary: format!(
                    "zone {z} holds IT assets ({}) and OT assets ({})",
                    it.iter()
                        .map(|x| label(assets, &x.id))
                        .collect::<Vec<_>>()
                        .join(", "),
                    ot.iter()
                        .map(|x| label(assets, &x.id))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                assets: it.iter().chain(ot.iter()).map(|x| x.id.clone()).collect(),
                flows: Vec::new(),
                evidence: None,
            });
        }
    }
    out.sort_by(|x, y| x.kind.cmp(&y.kind).then(x.assets.cmp(&y.assets)));
    (
        ConduitMatrix {
            conduits: m.into_values().collect(),
        },
        out,
        notes,
    )
}

fn label(assets: &[Asset], id: &AssetId) -> String {
    assets
        .iter()
        .find(|x| &x.id == id)
        .map(|x| {
            let ip = x.ip().map(|i| i.to_string()).unwrap_or_default();
            match &x.name {
                Some(n) => format!("{n} {ip}"),
                None => ip,
            }
        })
        .unwrap_or_else(|| id.to_string())
}

fn domain_of(assets: &[Asset], id: &AssetId) -> Domain {
    assets
        .iter()
        .find(|x| &x.id == id)
        .map_or(Domain::Unknown, |x| x.domain)
}

fn end_matches(end: &ConduitEnd, asset: Option<&Asset>, zone: &str) -> bool {
    match end {
        ConduitEnd::Zone(z) => z == "any" || z == zone,
        ConduitEnd::Host(h) => asset.is_some_and(|x| {
            x.names.iter().any(|n| n.name.eq_ignore_ascii_case(h))
                || x.ips().any(|ip| ip.to_string() == *h)
        }),
    }
}

fn allowed_by(
    s: &SiteFile,
    fa: Option<&Asset>,
    fz: &str,
    ta: Option<&Asset>,
    tz: &str,
    protocol: &str,
    port: u16,
) -> Option<String> {
    s.conduits
        .iter()
        .find(|c| {
            let fwd = end_matches(&c.from, fa, fz) && end_matches(&c.to, ta, tz);
            let back = c.direction == crate::site::Direction::Bidirectional
                && end_matches(&c.to, fa, fz)
                && end_matches(&c.from, ta, tz);
            (fwd || back)
                && (c.protocol.is_empty() || c.protocol.iter().any(|p| p == protocol))
                && (c.ports.is_empty() || c.ports.contains(&port))
        })
        .map(|c| c.name.clone())
}
