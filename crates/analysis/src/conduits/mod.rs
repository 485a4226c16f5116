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

use crate::hash::{HashMap, HashSet};
use std::net::IpAddr;

use plantguard_engine::result::Assessment;
use plantguard_model::{Evidence, HostFact};
use serde::{Deserialize, Serialize};

use crate::index::Protocol;
use crate::inventory::{is_public, subnet24, Asset, AssetId, Domain, ServiceRole};
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

/// Where a flow end sits: its zone (by position in the zone names), the
/// domain, and the asset holding the address.
#[derive(Clone, Copy)]
struct End {
    zone: usize,
    domain: Domain,
    asset: Option<usize>,
}

/// Names (of zones, of protocols), each once, by position.
#[derive(Default)]
struct Names {
    names: Vec<String>,
    index: HashMap<String, usize>,
}

impl Names {
    fn intern(&mut self, name: String) -> usize {
        if let Some(i) = self.index.get(&name) {
            return *i;
        }
        self.names.push(name.clone());
        self.index.insert(name, self.names.len() - 1);
        self.names.len() - 1
    }
}

/// One conduit as its flows add up.
struct ConduitSum {
    from_zone: usize,
    to_zone: usize,
    from_domain: Domain,
    to_domain: Domain,
    flows: u64,
    packets: u64,
    bytes: u64,
    /// Assets in order of their first flow.
    clients: Vec<usize>,
    servers: Vec<usize>,
    /// Services (positions in the service sums).
    services: Vec<usize>,
}

/// One service of a conduit as its flows add up.
struct ServiceSum<'a> {
    /// Position in the protocol names.
    protocol: usize,
    transport: &'a str,
    port: u16,
    flows: u64,
    bytes: u64,
    operations: BTreeMap<&'a str, u64>,
    /// Site-file conduits (positions), in order of their first flow.
    allowed_by: Vec<usize>,
    unallowed_flows: u64,
    /// First flow (position in the flow list).
    first: usize,
}

/// A service between an IT/OT pair: protocol (position in the protocol
/// names), transport, port, and the client and server address when that
/// asset has several.
type PairService<'a> = (usize, &'a str, u16, Option<IpAddr>, Option<IpAddr>);

/// An IT/OT pair of assets as its flows add up.
struct PairSum<'a> {
    /// First 20 flow uids.
    uids: Vec<&'a str>,
    services: HashSet<PairService<'a>>,
    first: usize,
}

/// Public peers of an OT asset as its flows add up.
struct InternetSum<'a> {
    peers: BTreeSet<IpAddr>,
    /// First 20 flow uids.
    uids: Vec<&'a str>,
    first: usize,
}

/// Site-file conduit ends naming a host, with the assets each matches
/// (one of its names, or one of its addresses written out), worked out
/// once instead of per flow.
struct HostEnds<'s> {
    matches: HashMap<&'s str, HashSet<usize>>,
}

impl<'s> HostEnds<'s> {
    fn new(site: Option<&'s SiteFile>, assets: &[Asset]) -> HostEnds<'s> {
        let mut matches: HashMap<&'s str, HashSet<usize>> = HashMap::default();
        for c in site.iter().flat_map(|s| s.conduits.iter()) {
            for end in [&c.from, &c.to] {
                if let ConduitEnd::Host(h) = end {
                    matches.entry(h.as_str()).or_insert_with(|| {
                        assets
                            .iter()
                            .enumerate()
                            .filter(|(_, x)| host_matches(h, x))
                            .map(|(i, _)| i)
                            .collect()
                    });
                }
            }
        }
        HostEnds { matches }
    }

    /// [`end_matches`] with the host matches worked out.
    fn end_matches(&self, end: &ConduitEnd, asset: Option<usize>, zone: &str) -> bool {
        match end {
            ConduitEnd::Zone(z) => z == "any" || z == zone,
            ConduitEnd::Host(h) => {
                asset.is_some_and(|x| self.matches.get(h.as_str()).is_some_and(|m| m.contains(&x)))
            }
        }
    }

    /// [`allowed_by`] with the host matches worked out: the position of
    /// the first site-file conduit that allows the flow.
    #[allow(clippy::too_many_arguments)]
    fn allowed_by(
        &self,
        s: &SiteFile,
        fa: Option<usize>,
        fz: &str,
        ta: Option<usize>,
        tz: &str,
        protocol: &str,
        port: u16,
    ) -> Option<usize> {
        s.conduits.iter().position(|c| {
            let fwd = self.end_matches(&c.from, fa, fz) && self.end_matches(&c.to, ta, tz);
            let back = c.direction == crate::site::Direction::Bidirectional
                && self.end_matches(&c.to, fa, fz)
                && self.end_matches(&c.from, ta, tz);
            (fwd || back)
                && (c.protocol.is_empty() || c.protocol.iter().any(|p| p == protocol))
                && (c.ports.is_empty() || c.ports.contains(&port))
        })
    }
}

/// Builds the matrix and the convergence points.
///
/// Flows add up under positions and borrowed names (zones, protocols,
/// assets), so a flow costs a few hash look-ups and no allocation; names
/// are written once per conduit and service, and everything is put in
/// name order at the end.
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
    let asset_at: HashMap<IpAddr, usize> = assets
        .iter()
        .enumerate()
        .flat_map(|(i, x)| x.ips().map(move |ip| (ip, i)))
        .collect();
    let by_id: HashMap<&AssetId, &Asset> = {
        let mut m = HashMap::default();
        for x in assets {
            m.entry(&x.id).or_insert(x);
        }
        m
    };
    let label = |id: &AssetId| label(by_id.get(id).copied(), id);
    let domain_of = |id: &AssetId| by_id.get(id).map_or(Domain::Unknown, |x| x.domain);
    let zone_of = |ip: IpAddr| -> (String, Domain, Option<usize>) {
        match asset_at.get(&ip) {
            Some(&i) => {
                let x = &assets[i];
                (
                    address_zone(x, ip, site).unwrap_or_else(|| {
                        if x.is_network_infrastructure {
                            "network".into()
                        } else {
                            UNZONED.into()
                        }
                    }),
                    x.domain,
                    Some(i),
                )
            }
            None if is_public(ip) => ("internet".into(), Domain::External, None),
            None => (UNZONED.into(), Domain::Unknown, None),
        }
    };
    if a.flows.is_empty() {
        notes.push("no flows kept (run with --flows): conduits and flow-based convergence points not analysed".into());
    }

    let mut zones = Names::default();
    let mut ends: HashMap<IpAddr, End> = HashMap::default();
    let mut end = |ip: IpAddr, zones: &mut Names| -> End {
        *ends.entry(ip).or_insert_with(|| {
            let (z, domain, asset) = zone_of(ip);
            End {
                zone: zones.intern(z),
                domain,
                asset,
            }
        })
    };
    // Protocol names (`modbus`, `tcp/5900`), each once: flows whose
    // protocols are written alike share a position.
    let mut protocols = Names::default();
    let mut protocol_of: HashMap<Protocol<'_>, usize> = HashMap::default();
    let host_ends = HostEnds::new(site, assets);

    let mut conduits: Vec<ConduitSum> = Vec::new();
    let mut conduit_at: HashMap<(usize, usize), usize> = HashMap::default();
    // (conduit, asset) pairs already listed as client or server.
    let mut listed: HashSet<(usize, usize, ServiceRole)> = HashSet::default();
    let mut svc: Vec<ServiceSum<'_>> = Vec::new();
    let mut svc_at: HashMap<(usize, usize, &str, u16), usize> = HashMap::default();
    let mut skip: HashMap<(usize, usize), PairSum<'_>> = HashMap::default();
    let mut internet: HashMap<usize, InternetSum<'_>> = HashMap::default();
    for (i, f) in a.flows.iter().enumerate() {
        let from = end(f.orig_h, &mut zones);
        let to = end(f.resp_h, &mut zones);
        let protocol = *protocol_of
            .entry(Protocol::of(f))
            .or_insert_with_key(|p| protocols.intern(p.to_string()));
        let ci = *conduit_at.entry((from.zone, to.zone)).or_insert_with(|| {
            conduits.push(ConduitSum {
                from_zone: from.zone,
                to_zone: to.zone,
                from_domain: from.domain,
                to_domain: to.domain,
                flows: 0,
                packets: 0,
                bytes: 0,
                clients: Vec::new(),
                servers: Vec::new(),
                services: Vec::new(),
            });
            conduits.len() - 1
        });
        let c = &mut conduits[ci];
        c.flows += 1;
        c.packets += f.orig_pkts + f.resp_pkts;
        c.bytes += f.orig_bytes + f.resp_bytes;
        if let Some(x) = from.asset {
            if listed.insert((ci, x, ServiceRole::Client)) {
                c.clients.push(x);
            }
        }
        if let Some(x) = to.asset {
            if listed.insert((ci, x, ServiceRole::Server)) {
                c.servers.push(x);
            }
        }
        let si = *svc_at
            .entry((ci, protocol, f.proto.as_ref(), f.resp_p))
            .or_insert_with(|| {
                svc.push(ServiceSum {
                    protocol,
                    transport: f.proto.as_ref(),
                    port: f.resp_p,
                    flows: 0,
                    bytes: 0,
                    operations: BTreeMap::new(),
                    allowed_by: Vec::new(),
                    unallowed_flows: 0,
                    first: i,
                });
                c.services.push(svc.len() - 1);
                svc.len() - 1
            });
        let s = &mut svc[si];
        s.flows += 1;
        if let Some(site) = site {
            match host_ends.allowed_by(
                site,
                from.asset,
                &zones.names[from.zone],
                to.asset,
                &zones.names[to.zone],
                &protocols.names[protocol],
                f.resp_p,
            ) {
                // Listed once per name.
                Some(rule)
                    if !s
                        .allowed_by
                        .iter()
                        .any(|r| site.conduits[*r].name == site.conduits[rule].name) =>
                {
                    s.allowed_by.push(rule);
                }
                Some(_) => {}
                None => s.unallowed_flows += 1,
            }
        }
        s.bytes += f.orig_bytes + f.resp_bytes;
        for (k, v) in &f.operations {
            *s.operations.entry(k).or_default() += v;
        }
        if let (Some(xi), Some(yi)) = (from.asset, to.asset) {
            let (x, y) = (&assets[xi], &assets[yi]);
            if it_ot(x.domain, y.domain) {
                let e = skip.entry((xi, yi)).or_insert_with(|| PairSum {
                    uids: Vec::new(),
                    services: HashSet::default(),
                    first: i,
                });
                if e.uids.len() < 20 {
                    e.uids.push(&f.uid);
                }
                // Which address a host with several spoke from or to.
                e.services.insert((
                    protocol,
                    f.proto.as_ref(),
                    f.resp_p,
                    (x.addresses.len() > 1 && !x.is_network_infrastructure).then_some(f.orig_h),
                    (y.addresses.len() > 1 && !y.is_network_infrastructure).then_some(f.resp_h),
                ));
            }
        }
        for (me, other) in [(from.asset, f.resp_h), (to.asset, f.orig_h)] {
            if let Some(xi) = me {
                // A plant device on public addressing is not the internet.
                let outside = is_public(other)
                    && asset_at
                        .get(&other)
                        .is_none_or(|y| assets[*y].domain == Domain::External);
                if assets[xi].domain == Domain::Ot && outside {
                    let e = internet.entry(xi).or_insert_with(|| InternetSum {
                        peers: BTreeSet::new(),
                        uids: Vec::new(),
                        first: i,
                    });
                    e.peers.insert(other);
                    if e.uids.len() < 20 {
                        e.uids.push(&f.uid);
                    }
                }
            }
        }
    }
    let mut matrix: Vec<Conduit> = conduits
        .into_iter()
        .map(|c| {
            let mut services: Vec<ConduitService> = c
                .services
                .iter()
                .map(|&si| {
                    let s = &svc[si];
                    ConduitService {
                        protocol: protocols.names[s.protocol].clone(),
                        transport: s.transport.to_string(),
                        port: s.port,
                        flows: s.flows,
                        bytes: s.bytes,
                        operations: s
                            .operations
                            .iter()
                            .map(|(k, v)| ((*k).to_string(), *v))
                            .collect(),
                        allowed_by: site.map_or_else(Vec::new, |site| {
                            s.allowed_by
                                .iter()
                                .map(|r| site.conduits[*r].name.clone())
                                .collect()
                        }),
                        unallowed_flows: s.unallowed_flows,
                        evidence: a.flows[s.first].evidence.clone(),
                    }
                })
                .collect();
            services.sort_by(|x, y| {
                (&x.protocol, &x.transport, x.port).cmp(&(&y.protocol, &y.transport, y.port))
            });
            Conduit {
                from_zone: zones.names[c.from_zone].clone(),
                to_zone: zones.names[c.to_zone].clone(),
                from_domain: c.from_domain,
                to_domain: c.to_domain,
                services,
                flows: c.flows,
                packets: c.packets,
                bytes: c.bytes,
                clients: c.clients.iter().map(|x| assets[*x].id.clone()).collect(),
                servers: c.servers.iter().map(|x| assets[*x].id.clone()).collect(),
            }
        })
        .collect();
    matrix.sort_by(|x, y| (&x.from_zone, &x.to_zone).cmp(&(&y.from_zone, &y.to_zone)));
    drop(svc);
    let mut skip: Vec<((&AssetId, &AssetId), PairSum<'_>)> = skip
        .into_iter()
        .map(|((x, y), p)| ((&assets[x].id, &assets[y].id), p))
        .collect();
    skip.sort_by(|x, y| x.0.cmp(&y.0));
    let mut internet: Vec<(&AssetId, InternetSum<'_>)> = internet
        .into_iter()
        .map(|(x, e)| (&assets[x].id, e))
        .collect();
    internet.sort_by(|x, y| x.0.cmp(y.0));

    let mut out = Vec::new();
    for ((c, s), pair) in skip {
        let protos: BTreeSet<String> = pair
            .services
            .iter()
            .map(|(protocol, transport, port, from, to)| {
                let mut what = format!("{} {transport}/{port}", protocols.names[*protocol]);
                if let Some(ip) = from {
                    what.push_str(&format!(" from {ip}"));
                }
                if let Some(ip) = to {
                    what.push_str(&format!(" to {ip}"));
                }
                what
            })
            .collect();
        out.push(ConvergencePoint {
            kind: ConvergenceKind::ItOtSkipsDmz,
            summary: format!(
                "{} ({}) talks to {} ({}) directly: {}",
                label(c),
                domain_of(c),
                label(s),
                domain_of(s),
                protos.into_iter().collect::<Vec<_>>().join(", ")
            ),
            assets: vec![c.clone(), s.clone()],
            flows: pair.uids.iter().map(|u| (*u).to_string()).collect(),
            evidence: Some(a.flows[pair.first].evidence.clone()),
        });
    }
    // Hosts on several networks. The domain of a zone here: its first
    // asset's that is not network infrastructure.
    let mut zone_domain: HashMap<&str, Domain> = HashMap::default();
    for y in assets.iter().filter(|y| !y.is_network_infrastructure) {
        if let Some(z) = &y.zone {
            zone_domain.entry(z.as_str()).or_insert(y.domain);
        }
    }
    for x in assets {
        let zones: Vec<&String> = x.zone.iter().chain(x.other_zones.iter()).collect();
        if zones.len() < 2 {
            continue;
        }
        let domains: BTreeSet<Domain> = zones
            .iter()
            .filter_map(|z| zone_domain.get(z.as_str()).copied())
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
    for (id, e) in internet {
        out.push(ConvergencePoint {
            kind: ConvergenceKind::OtToInternet,
            summary: format!(
                "OT asset {} talks to public address{} {}",
                label(id),
                if e.peers.len() == 1 { "" } else { "es" },
                e.peers
                    .iter()
                    .map(|p| p.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            assets: vec![id.clone()],
            flows: e.uids.iter().map(|u| (*u).to_string()).collect(),
            evidence: Some(a.flows[e.first].evidence.clone()),
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
                .insert(name.to_string());
        }
    }
    for (id, (names, ev)) in lookups {
        out.push(ConvergencePoint {
            kind: ConvergenceKind::OtResolvesInternetName,
            summary: format!(
                "OT asset {} resolves {}",
                label(&id),
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
                    label(&srv.id),
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
                        .map(|x| label(&x.id))
                        .collect::<Vec<_>>()
                        .join(", "),
                    ot.iter()
                        .map(|x| label(&x.id))
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
    (ConduitMatrix { conduits: matrix }, out, notes)
}

fn label(asset: Option<&Asset>, id: &AssetId) -> String {
    asset
        .map(|x| {
            let ip = x.ip().map(|i| i.to_string()).unwrap_or_default();
            match &x.name {
                Some(n) => format!("{n} {ip}"),
                None => ip,
            }
        })
        .unwrap_or_else(|| id.to_string())
}

/// Whether a site-file conduit end `host:<h>` names this asset: one of its
/// names (any case), or one of its addresses as written.
fn host_matches(h: &str, x: &Asset) -> bool {
    x.names.iter().any(|n| n.name.eq_ignore_ascii_case(h)) || x.ips().any(|ip| ip.to_string() == h)
}
