// SPDX-License-Identifier: Apache-2.0
//! Grouping addresses and MACs into assets, and gathering each asset's facts.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;

use plantguard_engine::result::{Assessment, Host};
use plantguard_model::HostFact;

use super::{
    fact_attr, is_public, AddressUse, Asset, AssetId, Attributed, Decided, Domain, NameFact, Role,
    ServiceRole, ServiceUse,
};
use crate::site::SiteFile;
use crate::KnowledgeBase;

/// Union-find over node keys (`ip:` / `mac:`).
struct Groups {
    parent: Vec<usize>,
    index: HashMap<String, usize>,
}

impl Groups {
    fn new() -> Groups {
        Groups {
            parent: Vec::new(),
            index: HashMap::new(),
        }
    }
    fn node(&mut self, key: &str) -> usize {
        if let Some(i) = self.index.get(key) {
            return *i;
        }
        let i = self.parent.len();
        self.parent.push(i);
        self.index.insert(key.to_string(), i);
        i
    }
    fn find(&mut self, mut i: usize) -> usize {
        while self.parent[i] != i {
            self.parent[i] = self.parent[self.parent[i]];
            i = self.parent[i];
        }
        i
    }
    fn union(&mut self, a: &str, b: &str) {
        let (x, y) = (self.node(a), self.node(b));
        let (rx, ry) = (self.find(x), self.find(y));
        if rx != ry {
            self.parent[rx.max(ry)] = rx.min(ry);
        }
    }
}

fn is_asset_address(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v) => !(v.is_unspecified() || v.is_broadcast() || v.is_multicast()),
        IpAddr::V6(v) => !(v.is_unspecified() || v.is_multicast()),
    }
}

fn oui(mac: &str) -> &str {
    mac.get(..8).unwrap_or(mac)
}

/// Whether `ip` is the first or last host address of its /24 (where
/// gateways usually sit).
fn gateway_like(ip: IpAddr) -> bool {
    matches!(ip, IpAddr::V4(v) if matches!(v.octets()[3], 1 | 254))
}

pub(super) fn group(a: &Assessment, site: Option<&SiteFile>, kb: &KnowledgeBase) -> Vec<Asset> {
    // A host that only ever received (a broadcast address, a scan target
    // that never answered) is not an asset.
    let hosts: Vec<&Host> = a
        .hosts
        .iter()
        .filter(|h| is_asset_address(h.ip))
        .filter(|h| h.packets_sent > 0 || !h.arp_macs.is_empty() || h.flows_answered > 0)
        .filter(|h| !(matches!(h.ip, IpAddr::V4(v) if v.octets()[3] == 255) && h.macs.is_empty()))
        .collect();

    // DHCP: client MAC per address (and addresses a MAC was given).
    let mut dhcp_mac: BTreeMap<IpAddr, String> = BTreeMap::new();
    for f in &a.host_facts {
        if let (Some(ip), Some(m)) = (f.ip, fact_attr(&f.fact, "dhcp_client_mac")) {
            if is_asset_address(ip) {
                dhcp_mac.insert(ip, m.to_ascii_lowercase());
            }
        }
        if let Some(v) = fact_attr(&f.fact, "dhcp_lease") {
            if let Some((m, ip)) = v.split_once(' ') {
                if let Ok(ip) = ip.parse::<IpAddr>() {
                    dhcp_mac.insert(ip, m.to_ascii_lowercase());
                }
            }
        }
    }

    // The host's own MAC: ARP claim, DHCP client MAC, else its only source
    // MAC when no other address carries it.
    let mut mac_users: HashMap<&str, usize> = HashMap::new();
    for h in &hosts {
        for m in &h.macs {
            *mac_users.entry(m.as_str()).or_default() += 1;
        }
    }
    let own_mac = |h: &Host| -> Option<String> {
        if h.arp_macs.len() == 1 {
            return Some(h.arp_macs[0].clone());
        }
        if let Some(m) = dhcp_mac.get(&h.ip) {
            return Some(m.clone());
        }
        match h.macs.as_slice() {
            [m] if mac_users.get(m.as_str()).copied().unwrap_or(0) == 1 => Some(m.clone()),
            _ => None,
        }
    };
    let own: BTreeMap<IpAddr, Option<String>> = hosts.iter().map(|h| (h.ip, own_mac(h))).collect();

    // Router MACs: carry packets of an address that is not their own.
    let mut forwarded: BTreeMap<String, BTreeSet<IpAddr>> = BTreeMap::new();
    for h in &hosts {
        let mine = own.get(&h.ip).cloned().flatten();
        for m in &h.macs {
            let foreign = match &mine {
                Some(o) => o != m,
                None => mac_users.get(m.as_str()).copied().unwrap_or(0) >= 3,
            };
            if foreign {
                forwarded.entry(m.clone()).or_default().insert(h.ip);
            }
        }
    }
    for n in &a.neighbors {
        if n.capabilities
            .iter()
            .any(|c| c.eq_ignore_ascii_case("router"))
        {
            forwarded.entry(n.mac.to_ascii_lowercase()).or_default();
        }
    }
    let router_ouis: BTreeSet<String> = forwarded.keys().map(|m| oui(m).to_string()).collect();

    let mut g = Groups::new();
    for h in &hosts {
        let ipk = format!("ip:{}", h.ip);
        g.node(&ipk);
        if let Some(m) = own.get(&h.ip).cloned().flatten() {
            g.union(&ipk, &format!("mac:{m}"));
        }
    }
    // Router interfaces of one vendor are one device.
    let routers: Vec<String> = forwarded.keys().cloned().collect();
    for w in routers.windows(2) {
        if oui(&w[0]) == oui(&w[1]) {
            g.union(&format!("mac:{}", w[0]), &format!("mac:{}", w[1]));
        }
    }
    // Gateway addresses seen only in ARP with a router vendor's MAC.
    let mut gateway_ips = BTreeSet::new();
    for h in &hosts {
        if let Some(m) = own.get(&h.ip).cloned().flatten() {
            if h.packets_sent == 0 && gateway_like(h.ip) && router_ouis.contains(oui(&m)) {
                if let Some(r) = routers.iter().find(|r| oui(r) == oui(&m)) {
                    g.union(&format!("mac:{m}"), &format!("mac:{r}"));
                    forwarded.entry(m.clone()).or_default();
                    gateway_ips.insert(h.ip);
                }
            }
        }
    }
    // DHCP clients still in DISCOVER (0.0.0.0) with facts keyed by MAC.
    for m in dhcp_mac.values() {
        g.node(&format!("mac:{m}"));
    }
    // Layer-2-only hosts and LLDP/CDP neighbours.
    for l in &a.l2_hosts {
        let mk = format!("mac:{}", l.mac);
        g.node(&mk);
    }
    for n in &a.neighbors {
        let mk = format!("mac:{}", n.mac.to_ascii_lowercase());
        g.node(&mk);
        if let Some(ip) = n.management_address {
            if hosts.iter().any(|h| h.ip == ip) {
                g.union(&mk, &format!("ip:{ip}"));
            }
        }
    }
    for r in &a.identities {
        if let (None, Some(m)) = (r.ip, &r.mac) {
            g.node(&format!("mac:{}", m.to_ascii_lowercase()));
        }
    }
    // Known-asset rows: every address and MAC of one name is one asset
    // (dual-homed hosts the wire cannot tie together).
    if let Some(s) = site {
        let mut by_name: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for k in &s.assets {
            let mut keys: Vec<String> = k.addresses().iter().map(|i| format!("ip:{i}")).collect();
            keys.extend(k.mac.iter().map(|m| format!("mac:{m}")));
            keys.retain(|key| g.index.contains_key(key));
            if let Some(n) = &k.name {
                by_name
                    .entry(n.to_ascii_lowercase())
                    .or_default()
                    .extend(keys);
            } else if let Some(w) = keys.first().cloned() {
                for key in &keys {
                    g.union(&w, key);
                }
            }
        }
        for keys in by_name.values() {
            for w in keys.windows(2) {
                g.union(&w[0], &w[1]);
            }
        }
    }

    // Collect groups.
    let keys: Vec<String> = g.index.keys().cloned().collect();
    let mut members: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
    for k in keys {
        let i = g.node(&k);
        let r = g.find(i);
        members.entry(r).or_default().insert(k);
    }
    let host_by_ip: HashMap<IpAddr, &Host> = hosts.iter().map(|h| (h.ip, *h)).collect();
    let ix = Index::new(a);

    let mut out = Vec::new();
    for keys in members.values() {
        let ips: BTreeSet<IpAddr> = keys
            .iter()
            .filter_map(|k| k.strip_prefix("ip:").and_then(|s| s.parse().ok()))
            .collect();
        let macs: BTreeSet<String> = keys
            .iter()
            .filter_map(|k| k.strip_prefix("mac:").map(str::to_string))
            .collect();
        let is_router = macs.iter().any(|m| forwarded.contains_key(m));
        out.push(build_asset(
            a,
            kb,
            site,
            &ips,
            &macs,
            is_router,
            &host_by_ip,
            &dhcp_mac,
            &gateway_ips,
            &ix,
        ));
    }
    out.sort_by(|x, y| x.id.cmp(&y.id));
    out
}

/// Facts, identities, PTR names and flows by address (and MAC), built once
/// so each asset looks up its own instead of scanning everything: with
/// thousands of hosts and tens of thousands of flows a scan per asset is
/// quadratic.
struct Index<'a> {
    facts_by_ip: HashMap<IpAddr, Vec<&'a plantguard_engine::result::HostFactRecord>>,
    facts_by_mac: HashMap<String, Vec<&'a plantguard_engine::result::HostFactRecord>>,
    idents_by_ip: HashMap<IpAddr, Vec<&'a plantguard_engine::result::IdentityRecord>>,
    idents_by_mac: HashMap<String, Vec<&'a plantguard_engine::result::IdentityRecord>>,
    ptr_names: HashMap<IpAddr, Vec<NameFact>>,
    flows_by_ip: HashMap<IpAddr, Vec<usize>>,
}

impl<'a> Index<'a> {
    fn new(a: &'a Assessment) -> Self {
        let mut ix = Index {
            facts_by_ip: HashMap::new(),
            facts_by_mac: HashMap::new(),
            idents_by_ip: HashMap::new(),
            idents_by_mac: HashMap::new(),
            ptr_names: HashMap::new(),
            flows_by_ip: HashMap::new(),
        };
        for f in &a.host_facts {
            if let Some(ip) = f.ip {
                ix.facts_by_ip.entry(ip).or_default().push(f);
            }
            if let Some(m) = &f.mac {
                ix.facts_by_mac
                    .entry(m.to_ascii_lowercase())
                    .or_default()
                    .push(f);
            }
            // PTR answers name an address wherever they were seen.
            if let Some(v) = fact_attr(&f.fact, "dns_ptr_answer") {
                if let Some((q, n)) = v.split_once(' ') {
                    if let Some(ip) = ptr_ip(q) {
                        ix.ptr_names.entry(ip).or_default().push(NameFact {
                            name: n.trim_end_matches('.').to_string(),
                            source: "dns_ptr".into(),
                            evidence: Some(f.evidence.clone()),
                        });
                    }
                }
            }
        }
        for r in &a.identities {
            if let Some(ip) = r.ip {
                ix.idents_by_ip.entry(ip).or_default().push(r);
            }
            if let Some(m) = &r.mac {
                ix.idents_by_mac
                    .entry(m.to_ascii_lowercase())
                    .or_default()
                    .push(r);
            }
        }
        for (i, f) in a.flows.iter().enumerate() {
            ix.flows_by_ip.entry(f.orig_h).or_default().push(i);
            if f.resp_h != f.orig_h {
                ix.flows_by_ip.entry(f.resp_h).or_default().push(i);
            }
        }
        ix
    }
}

#[allow(clippy::too_many_arguments)]
fn build_asset(
    a: &Assessment,
    kb: &KnowledgeBase,
    site: Option<&SiteFile>,
    ips: &BTreeSet<IpAddr>,
    macs: &BTreeSet<String>,
    is_router: bool,
    host_by_ip: &HashMap<IpAddr, &Host>,
    dhcp_mac: &BTreeMap<IpAddr, String>,
    gateway_ips: &BTreeSet<IpAddr>,
    ix: &Index<'_>,
) -> Asset {
    let id = match (macs.iter().next(), ips.iter().next()) {
        (Some(m), _) => AssetId(format!("mac:{m}")),
        (None, Some(ip)) => AssetId(format!("ip:{ip}")),
        (None, None) => AssetId("unknown".into()),
    };
    let mut addresses = Vec::new();
    let mut vlans = BTreeSet::new();
    let (mut first, mut last): (Option<String>, Option<String>) = (None, None);
    let (mut packets, mut bytes) = (0, 0);
    for ip in ips {
        let mut sources = Vec::new();
        let h = host_by_ip.get(ip);
        if let Some(h) = h {
            if !h.arp_macs.is_empty() {
                sources.push("arp".to_string());
            }
            if h.packets_sent > 0 || h.packets_received > 0 {
                sources.push("traffic".to_string());
            }
            vlans.extend(h.vlans.iter().copied());
            packets += h.packets_sent + h.packets_received;
            bytes += h.bytes_sent + h.bytes_received;
            if first.as_deref().is_none_or(|f| h.first_seen.as_str() < f) {
                first = Some(h.first_seen.clone());
            }
            if last.as_deref().is_none_or(|l| h.last_seen.as_str() > l) {
                last = Some(h.last_seen.clone());
            }
        }
        if dhcp_mac.get(ip).is_some_and(|m| macs.contains(m)) {
            sources.push("dhcp".to_string());
        }
        if gateway_ips.contains(ip) {
            sources.push("gateway".to_string());
        }
        if sources.is_empty() {
            sources.push("known_asset".to_string());
        }
        addresses.push(AddressUse {
            ip: *ip,
            first_seen: h.map(|h| h.first_seen.clone()),
            last_seen: h.map(|h| h.last_seen.clone()),
            sources,
        });
    }
    for l in &a.l2_hosts {
        if macs.contains(&l.mac) {
            vlans.extend(l.vlans.iter().copied());
            packets += l.packets_sent;
            bytes += l.bytes_sent;
            if first.as_deref().is_none_or(|f| l.first_seen.as_str() < f) {
                first = Some(l.first_seen.clone());
            }
            if last.as_deref().is_none_or(|x| l.last_seen.as_str() > x) {
                last = Some(l.last_seen.clone());
            }
        }
    }

    // Names.
    let mut names: Vec<NameFact> = Vec::new();
    let empty = Vec::new();
    let asset_facts: Vec<&plantguard_engine::result::HostFactRecord> = ips
        .iter()
        .flat_map(|ip| ix.facts_by_ip.get(ip).unwrap_or(&empty))
        .chain(
            macs.iter()
                .flat_map(|m| ix.facts_by_mac.get(m).unwrap_or(&empty)),
        )
        .copied()
        .collect();
    for f in &asset_facts {
        match &f.fact {
            HostFact::Name { name, source } => names.push(NameFact {
                name: name.clone(),
                source: source.clone(),
                evidence: Some(f.evidence.clone()),
            }),
            HostFact::Domain { name, source } if source == "smb_ntlmssp" && f.ip.is_some() => {
                // NTLMSSP carries the host's NetBIOS computer name in the
                // domain field when it is not joined to a domain.
                let _ = (name, source);
            }
            _ => {}
        }
    }
    for ip in ips {
        if let Some(ptr) = ix.ptr_names.get(ip) {
            names.extend(ptr.iter().cloned());
        }
    }
    for n in &a.neighbors {
        if macs.contains(&n.mac.to_ascii_lowercase()) {
            if let Some(s) = &n.system_name {
                names.push(NameFact {
                    name: s.clone(),
                    source: n.protocol.clone(),
                    evidence: Some(n.evidence.clone()),
                });
            }
        }
    }
    let no_idents = Vec::new();
    let mut idents: Vec<&plantguard_engine::result::IdentityRecord> = ips
        .iter()
        .flat_map(|ip| ix.idents_by_ip.get(ip).unwrap_or(&no_idents))
        .chain(
            macs.iter()
                .flat_map(|m| ix.idents_by_mac.get(m).unwrap_or(&no_idents)),
        )
        .copied()
        .collect();
    idents.sort();
    idents.dedup();
    for r in &idents {
        if let Some(n) = &r.identity.name {
            names.push(NameFact {
                name: n.clone(),
                source: r.identity.protocol.clone(),
                evidence: Some(r.evidence.clone()),
            });
        }
    }
    let known = site.and_then(|s| {
        let rows: Vec<&crate::site::KnownAsset> = s
            .assets
            .iter()
            .filter(|k| {
                k.addresses().iter().any(|i| ips.contains(i))
                    || k.mac.as_ref().is_some_and(|m| macs.contains(m))
            })
            .collect();
        let mut k = rows.first().map(|r| (*r).clone())?;
        for r in rows.iter().skip(1) {
            k.ips.extend(r.addresses());
            k.origin = format!("{}, {}", k.origin, r.origin);
        }
        Some(k)
    });
    if let Some(n) = known.as_ref().and_then(|k| k.name.clone()) {
        names.push(NameFact {
            name: n,
            source: "known_asset".into(),
            evidence: None,
        });
    }
    names.sort();
    names.dedup_by(|x, y| x.name.eq_ignore_ascii_case(&y.name) && x.source == y.source);
    let name_rank = |s: &str| match s {
        "known_asset" => 0,
        "dhcp" | "netbios" | "smb_ntlmssp" | "smb" | "llmnr" | "mdns" => 1,
        "lldp" | "cdp" | "snmp" => 2,
        "dns_ptr" => 4,
        "http_host" | "tls_sni" => 5,
        _ => 3,
    };
    let name = names
        .iter()
        .min_by_key(|n| (name_rank(&n.source), n.name.len()))
        .map(|n| n.name.clone());

    // Identity: the record with most fields wins each field.
    let pick =
        |get: &dyn Fn(&plantguard_model::IdentityFact) -> Option<String>| -> Option<Attributed> {
            let mut best: Option<(usize, Attributed)> = None;
            for r in &idents {
                if let Some(v) = get(&r.identity) {
                    let richness = [
                        &r.identity.vendor,
                        &r.identity.product,
                        &r.identity.model,
                        &r.identity.firmware,
                        &r.identity.serial,
                    ]
                    .iter()
                    .filter(|x| x.is_some())
                    .count();
                    if best.as_ref().is_none_or(|(b, _)| richness > *b) {
                        best = Some((
                            richness,
                            Attributed {
                                value: v,
                                source: r.identity.protocol.clone(),
                                evidence: Some(r.evidence.clone()),
                            },
                        ));
                    }
                }
            }
            best.map(|b| b.1)
        };
    let industrial = |f: &plantguard_model::IdentityFact| {
        f.protocol != "opcua"
            || f.device_type
                .as_deref()
                .is_none_or(|d| !d.contains("client"))
    };
    let mut vendor = pick(&|f| f.vendor.clone().filter(|_| industrial(f)));
    let product = pick(&|f| f.product.clone().filter(|_| industrial(f)));
    let mut model = pick(&|f| {
        f.model
            .clone()
            .filter(|m| !m.chars().all(|c| c.is_ascii_digit()))
            .or(f.product.clone())
            .filter(|_| industrial(f))
    });
    let firmware = pick(&|f| f.firmware.clone());
    let serial = pick(&|f| f.serial.clone());
    let device_type = pick(&|f| f.device_type.clone());
    if let Some(k) = &known {
        if vendor.is_none() {
            vendor = k.vendor.clone().map(|v| Attributed {
                value: v,
                source: "known_asset".into(),
                evidence: None,
            });
        }
        if model.is_none() {
            model = k.model.clone().map(|v| Attributed {
                value: v,
                source: "known_asset".into(),
                evidence: None,
            });
        }
    }
    let mac_vendor = macs
        .iter()
        .find_map(|m| kb.mac_vendor(m))
        .map(str::to_string);

    Asset {
        id,
        name,
        macs: macs.iter().cloned().collect(),
        mac_vendor,
        addresses,
        vlans: vlans.into_iter().collect(),
        names,
        vendor,
        product,
        model,
        firmware,
        serial,
        device_type,
        os: None,
        services: services(a, ips, ix),
        first_seen: first,
        last_seen: last,
        role: Role::Unknown,
        role_confidence: 0.0,
        role_reasons: Vec::new(),
        other_roles: Vec::new(),
        domain: if ips.iter().any(|i| is_public(*i)) && ips.iter().all(|i| is_public(*i)) {
            Domain::External
        } else {
            Domain::Unknown
        },
        purdue_level: None,
        classified_by: Decided::Inferred,
        level_reasons: Vec::new(),
        zone: None,
        other_zones: Vec::new(),
        is_network_infrastructure: is_router,
        known,
        packets,
        bytes,
    }
}

/// `40.0.30.10.in-addr.arpa` to `10.30.0.40`.
fn ptr_ip(q: &str) -> Option<IpAddr> {
    let rev = q.trim_end_matches('.').strip_suffix(".in-addr.arpa")?;
    let mut parts: Vec<&str> = rev.split('.').collect();
    if parts.len() != 4 {
        return None;
    }
    parts.reverse();
    parts.join(".").parse().ok()
}

/// Services from the kept flows, or from the host table without flows.
fn services(a: &Assessment, ips: &BTreeSet<IpAddr>, ix: &Index<'_>) -> Vec<ServiceUse> {
    type Key = (ServiceRole, String, String, u16);
    let mut m: BTreeMap<Key, (BTreeSet<IpAddr>, ServiceUse)> = BTreeMap::new();
    let mut mine: Vec<usize> = ips
        .iter()
        .flat_map(|ip| ix.flows_by_ip.get(ip).into_iter().flatten().copied())
        .collect();
    mine.sort_unstable();
    mine.dedup();
    for f in mine.iter().filter_map(|&i| a.flows.get(i)) {
        for (role, me, peer) in [
            (ServiceRole::Server, f.resp_h, f.orig_h),
            (ServiceRole::Client, f.orig_h, f.resp_h),
        ] {
            if !ips.contains(&me) {
                continue;
            }
            let protocol = f
                .service
                .clone()
                .unwrap_or_else(|| format!("{}/{}", f.proto, f.resp_p));
            let e = m
                .entry((role, protocol.clone(), f.proto.clone(), f.resp_p))
                .or_insert_with(|| {
                    (
                        BTreeSet::new(),
                        ServiceUse {
                            role,
                            protocol,
                            transport: f.proto.clone(),
                            port: f.resp_p,
                            peers: 0,
                            flows: 0,
                            packets: 0,
                            bytes: 0,
                            operations: BTreeMap::new(),
                            evidence: Some(f.evidence.clone()),
                        },
                    )
                });
            e.0.insert(peer);
            e.1.flows += 1;
            e.1.packets += f.orig_pkts + f.resp_pkts;
            e.1.bytes += f.orig_bytes + f.resp_bytes;
            for (op, n) in &f.operations {
                *e.1.operations.entry(op.clone()).or_default() += n;
            }
        }
    }
    if a.flows.is_empty() {
        for h in a.hosts.iter().filter(|h| ips.contains(&h.ip)) {
            for s in &h.services {
                // `tcp/502 modbus`
                let (pp, name) = s.split_once(' ').unwrap_or((s.as_str(), ""));
                let (t, p) = pp.split_once('/').unwrap_or(("tcp", pp));
                let port: u16 = p.parse().unwrap_or(0);
                let protocol = if name.is_empty() {
                    pp.to_string()
                } else {
                    name.to_string()
                };
                m.entry((ServiceRole::Server, protocol.clone(), t.to_string(), port))
                    .or_insert_with(|| {
                        (
                            BTreeSet::new(),
                            ServiceUse {
                                role: ServiceRole::Server,
                                protocol,
                                transport: t.to_string(),
                                port,
                                peers: 0,
                                flows: 0,
                                packets: 0,
                                bytes: 0,
                                operations: BTreeMap::new(),
                                evidence: None,
                            },
                        )
                    });
            }
        }
    }
    m.into_values()
        .map(|(peers, mut s)| {
            s.peers = peers.len();
            s
        })
        .collect()
}
