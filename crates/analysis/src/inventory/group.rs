// SPDX-License-Identifier: Apache-2.0
//! Grouping addresses and MACs into assets, and gathering each asset's facts.

use std::collections::{BTreeMap, BTreeSet};

use crate::hash::{HashMap, HashSet};
use std::net::IpAddr;

use plantguard_engine::result::{Assessment, FlowRecord, Host, L2Host, NeighborRecord};
use plantguard_model::HostFact;

use super::zones::subnet24;
use super::{
    fact_attr, is_public, AddressUse, Asset, AssetId, Attributed, Decided, Domain, NameFact, Role,
    ServiceRole, ServiceUse,
};
use crate::index::{at, FlowsByIp, Protocol};
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
            index: HashMap::default(),
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

/// Sources of names a host states about itself, the same on every interface
/// it has: NetBIOS name registrations and node status answers, browser host
/// announcements, the DHCP host name (options 12 and 81, DHCPv6 option 39)
/// and the NTLMSSP workstation or computer name. DNS PTR answers, HTTP Host,
/// TLS SNI and protocol identities name a service or come from someone
/// else's records, so they never tie addresses together.
const HOST_NAME_SOURCES: &[&str] = &[
    "netbios",
    "netbios_browser",
    "dhcp",
    "dhcpv6",
    "smb_ntlmssp",
];

/// A name on more addresses than this is shared by several hosts (an image
/// default, a naming scheme gone wrong), not one host's.
const MAX_ADDRESSES_PER_NAME: usize = 4;

/// An address stating more distinct names than this speaks for other hosts
/// (a DHCP relay, a NetBIOS proxy): its names tie nothing.
const MAX_NAMES_PER_ADDRESS: usize = 2;

/// Names that stacks and installers leave as defaults: many hosts carry them.
const GENERIC_HOST_NAMES: &[&str] = &[
    "LOCALHOST",
    "WORKGROUP",
    "MSHOME",
    "DOMAIN",
    "DEFAULT",
    "UNKNOWN",
    "NONE",
    "(NONE)",
    "USER",
    "ADMIN",
    "ADMINISTRATOR",
    "PC",
    "HOST",
    "CLIENT",
    "SERVER",
    "WORKSTATION",
    "DESKTOP",
    "LAPTOP",
    "WINDOWS",
    "ANDROID",
    "IPHONE",
    "RASPBERRYPI",
    "UBUNTU",
    "DEBIAN",
    "KALI",
    "*SMBSERVER",
];

/// The key a host name ties addresses by: its first DNS label, upper case
/// (NetBIOS names are case-insensitive, and the NTLMSSP DNS computer name or
/// a DHCP FQDN starts with the NetBIOS name). `None` for names that do not
/// single out a host: empty, generic defaults, numbers, address literals.
pub(super) fn host_name_key(name: &str) -> Option<String> {
    let first = name.trim().trim_end_matches('.').split('.').next()?.trim();
    let key = first.to_ascii_uppercase();
    let generic = key.is_empty()
        || key.len() > 63
        || GENERIC_HOST_NAMES.contains(&key.as_str())
        || key.starts_with("LOCALHOST")
        || !key.chars().any(|c| c.is_ascii_alphabetic())
        || key.chars().any(char::is_control);
    (!generic).then_some(key)
}

/// Ties the addresses that state one strong host name (see
/// [`HOST_NAME_SOURCES`]) into one asset: a dual-homed host announces its
/// NetBIOS name on each interface, and a host renumbered by DHCP keeps its
/// name. Returns the addresses tied, with the name.
///
/// Guards against false merges: generic names never tie; a name on more
/// than [`MAX_ADDRESSES_PER_NAME`] addresses never ties; an address stating
/// more than [`MAX_NAMES_PER_ADDRESS`] names, or a router's address, is no
/// witness; and a name held by two addresses of one subnet at the same time
/// (different own MACs, overlapping first..last seen) belongs to two hosts,
/// so it ties none of its addresses. Two addresses of one subnet seen one
/// after the other are a renumbering, and are tied.
fn tie_by_host_name(
    a: &Assessment,
    hosts: &[&Host],
    own: &BTreeMap<IpAddr, Option<String>>,
    forwarded: &BTreeMap<String, BTreeSet<IpAddr>>,
    g: &mut Groups,
) -> BTreeMap<IpAddr, String> {
    let host_by_ip: HashMap<IpAddr, &Host> = hosts.iter().map(|h| (h.ip, *h)).collect();
    let own_mac = |ip: &IpAddr| own.get(ip).cloned().flatten();
    let mut names_of: BTreeMap<IpAddr, BTreeSet<String>> = BTreeMap::new();
    for f in &a.host_facts {
        let (Some(ip), HostFact::Name { name, source }) = (f.ip, &f.fact) else {
            continue;
        };
        if !HOST_NAME_SOURCES.contains(&source.as_ref()) || !host_by_ip.contains_key(&ip) {
            continue;
        }
        // A router's interfaces are tied already, and a DHCP relay states
        // the names of the clients it relays.
        if own_mac(&ip).is_some_and(|m| forwarded.contains_key(&m)) {
            continue;
        }
        if let Some(k) = host_name_key(name) {
            names_of.entry(ip).or_default().insert(k);
        }
    }
    let mut by_name: BTreeMap<String, Vec<IpAddr>> = BTreeMap::new();
    for (ip, names) in &names_of {
        if names.len() <= MAX_NAMES_PER_ADDRESS {
            for n in names {
                by_name.entry(n.clone()).or_default().push(*ip);
            }
        }
    }
    let mut tied = BTreeMap::new();
    for (name, ips) in by_name {
        if ips.len() < 2 || ips.len() > MAX_ADDRESSES_PER_NAME {
            continue;
        }
        let two_holders = ips.iter().enumerate().any(|(i, x)| {
            ips.iter().skip(i + 1).any(|y| {
                let (Some(hx), Some(hy)) = (host_by_ip.get(x), host_by_ip.get(y)) else {
                    return false;
                };
                let same_nic = own_mac(x).is_some() && own_mac(x) == own_mac(y);
                let overlap = hx.first_seen <= hy.last_seen && hy.first_seen <= hx.last_seen;
                subnet24(*x) == subnet24(*y) && !same_nic && overlap
            })
        });
        if two_holders {
            continue;
        }
        for w in ips.windows(2) {
            g.union(&format!("ip:{}", w[0]), &format!("ip:{}", w[1]));
        }
        for ip in ips {
            tied.insert(ip, name.clone());
        }
    }
    tied
}

/// Fewest groups worth a thread of their own when assets are built on
/// several threads.
const MIN_GROUPS_PER_THREAD: usize = 64;

pub(super) fn group(
    a: &Assessment,
    site: Option<&SiteFile>,
    kb: &KnowledgeBase,
    flows_by_ip: &FlowsByIp,
    threads: usize,
) -> Vec<Asset> {
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
    let mut mac_users: HashMap<&str, usize> = HashMap::default();
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
    // One host name on several addresses: a dual-homed host, a renumbering.
    let tied = tie_by_host_name(a, &hosts, &own, &forwarded, &mut g);
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
    let ix = Index::new(a, flows_by_ip);

    let groups: Vec<(BTreeSet<IpAddr>, BTreeSet<String>, bool)> = members
        .values()
        .map(|keys| {
            let ips: BTreeSet<IpAddr> = keys
                .iter()
                .filter_map(|k| k.strip_prefix("ip:").and_then(|s| s.parse().ok()))
                .collect();
            let macs: BTreeSet<String> = keys
                .iter()
                .filter_map(|k| k.strip_prefix("mac:").map(str::to_string))
                .collect();
            let is_router = macs.iter().any(|m| forwarded.contains_key(m));
            (ips, macs, is_router)
        })
        .collect();
    let build = |(ips, macs, is_router): &(BTreeSet<IpAddr>, BTreeSet<String>, bool)| {
        build_asset(
            a,
            kb,
            site,
            ips,
            macs,
            *is_router,
            &host_by_ip,
            &dhcp_mac,
            &gateway_ips,
            &tied,
            &ix,
        )
    };
    // Each asset is built from shared, read-only indexes: with several
    // threads the groups are split in runs, one per thread (the result is
    // sorted below, so it does not depend on the split).
    let mut out: Vec<Asset> = if threads > 1 && groups.len() >= MIN_GROUPS_PER_THREAD * 2 {
        let run = groups
            .len()
            .div_ceil(threads.min(groups.len() / MIN_GROUPS_PER_THREAD));
        std::thread::scope(|s| {
            let handles: Vec<_> = groups
                .chunks(run)
                .map(|c| s.spawn(|| c.iter().map(build).collect::<Vec<_>>()))
                .collect();
            handles
                .into_iter()
                .flat_map(|h| match h.join() {
                    Ok(v) => v,
                    Err(panic) => std::panic::resume_unwind(panic),
                })
                .collect()
        })
    } else {
        groups.iter().map(build).collect()
    };
    out.sort_by(|x, y| x.id.cmp(&y.id));
    out
}

/// Facts, identities, PTR names, layer-2 hosts, neighbours, host records
/// and flows by address (and MAC), built once so each asset looks up its
/// own instead of scanning everything: with thousands of hosts and tens of
/// thousands of flows a scan per asset is quadratic.
struct Index<'a> {
    facts_by_ip: HashMap<IpAddr, Vec<&'a plantguard_engine::result::HostFactRecord>>,
    facts_by_mac: HashMap<String, Vec<&'a plantguard_engine::result::HostFactRecord>>,
    idents_by_ip: HashMap<IpAddr, Vec<&'a plantguard_engine::result::IdentityRecord>>,
    idents_by_mac: HashMap<String, Vec<&'a plantguard_engine::result::IdentityRecord>>,
    ptr_names: HashMap<IpAddr, Vec<NameFact>>,
    l2_by_mac: HashMap<&'a str, Vec<&'a L2Host>>,
    neighbors_by_mac: HashMap<String, Vec<&'a NeighborRecord>>,
    /// Every host record (not only the assets') by address.
    hosts_by_ip: HashMap<IpAddr, Vec<&'a Host>>,
    flows_by_ip: &'a FlowsByIp,
}

impl<'a> Index<'a> {
    fn new(a: &'a Assessment, flows_by_ip: &'a FlowsByIp) -> Self {
        let mut ix = Index {
            facts_by_ip: HashMap::default(),
            facts_by_mac: HashMap::default(),
            idents_by_ip: HashMap::default(),
            idents_by_mac: HashMap::default(),
            ptr_names: HashMap::default(),
            l2_by_mac: HashMap::default(),
            neighbors_by_mac: HashMap::default(),
            hosts_by_ip: HashMap::default(),
            flows_by_ip,
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
        for l in &a.l2_hosts {
            ix.l2_by_mac.entry(l.mac.as_str()).or_default().push(l);
        }
        for n in &a.neighbors {
            ix.neighbors_by_mac
                .entry(n.mac.to_ascii_lowercase())
                .or_default()
                .push(n);
        }
        for h in &a.hosts {
            ix.hosts_by_ip.entry(h.ip).or_default().push(h);
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
    tied: &BTreeMap<IpAddr, String>,
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
        if tied.contains_key(ip) && ips.len() > 1 {
            sources.push("host_name".to_string());
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
    // Sums, a set and a minimum and maximum: the order of the layer-2
    // hosts does not matter.
    for l in macs
        .iter()
        .filter_map(|m| ix.l2_by_mac.get(m.as_str()))
        .flatten()
    {
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
                name: name.to_string(),
                source: source.to_string(),
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
    // Sorted below: the order of the neighbours does not matter.
    for n in macs
        .iter()
        .filter_map(|m| ix.neighbors_by_mac.get(m))
        .flatten()
    {
        if let Some(s) = &n.system_name {
            names.push(NameFact {
                name: s.clone(),
                source: n.protocol.clone(),
                evidence: Some(n.evidence.clone()),
            });
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
                name: n.to_string(),
                source: r.identity.protocol.to_string(),
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
        |get: &dyn for<'a> Fn(&'a plantguard_model::IdentityFact) -> Option<&'a str>| -> Option<Attributed> {
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
                                value: v.to_owned(),
                                source: r.identity.protocol.to_string(),
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
    let mut vendor = pick(&|f| f.vendor.as_deref().filter(|_| industrial(f)));
    let product = pick(&|f| f.product.as_deref().filter(|_| industrial(f)));
    let mut model = pick(&|f| {
        f.model
            .as_deref()
            .filter(|m| !m.chars().all(|c| c.is_ascii_digit()))
            .or(f.product.as_deref())
            .filter(|_| industrial(f))
    });
    let firmware = pick(&|f| f.firmware.as_deref());
    let serial = pick(&|f| f.serial.as_deref());
    let device_type = pick(&|f| f.device_type.as_deref());
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
        services: services(&a.flows, ips, ix),
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

/// One service of an asset as its flows add up.
struct ServiceSum<'a> {
    peers: HashSet<IpAddr>,
    flows: u64,
    packets: u64,
    bytes: u64,
    operations: BTreeMap<&'a str, u64>,
    /// The first flow (position in the flow list).
    first: usize,
}

impl<'a> ServiceSum<'a> {
    fn absorb(&mut self, o: ServiceSum<'a>) {
        self.peers.extend(o.peers);
        self.flows += o.flows;
        self.packets += o.packets;
        self.bytes += o.bytes;
        for (k, v) in o.operations {
            *self.operations.entry(k).or_default() += v;
        }
        self.first = self.first.min(o.first);
    }
}

/// Services from the kept flows, or from the host table without flows.
///
/// Flows add up under borrowed keys; the names are written once per
/// service, and services whose names come out equal are merged, so the
/// result is what adding up under the names would give.
fn services(flows: &[FlowRecord], ips: &BTreeSet<IpAddr>, ix: &Index<'_>) -> Vec<ServiceUse> {
    type Key = (ServiceRole, String, String, u16);
    let mut sums: HashMap<(ServiceRole, Protocol<'_>, &str, u16), ServiceSum<'_>> =
        HashMap::default();
    for i in ix.flows_by_ip.of_all(ips.iter().copied()) {
        let i = at(i);
        let f = &flows[i];
        for (role, me, peer) in [
            (ServiceRole::Server, f.resp_h, f.orig_h),
            (ServiceRole::Client, f.orig_h, f.resp_h),
        ] {
            if !ips.contains(&me) {
                continue;
            }
            let e = sums
                .entry((role, Protocol::of(f), f.proto.as_ref(), f.resp_p))
                .or_insert_with(|| ServiceSum {
                    peers: HashSet::default(),
                    flows: 0,
                    packets: 0,
                    bytes: 0,
                    operations: BTreeMap::new(),
                    first: i,
                });
            e.peers.insert(peer);
            e.flows += 1;
            e.packets += f.orig_pkts + f.resp_pkts;
            e.bytes += f.orig_bytes + f.resp_bytes;
            for (op, n) in &f.operations {
                *e.operations.entry(op).or_default() += n;
            }
        }
    }
    let mut m: BTreeMap<Key, ServiceSum<'_>> = BTreeMap::new();
    for ((role, protocol, transport, port), sum) in sums {
        match m.entry((role, protocol.to_string(), transport.to_string(), port)) {
            std::collections::btree_map::Entry::Vacant(v) => {
                v.insert(sum);
            }
            std::collections::btree_map::Entry::Occupied(mut o) => o.get_mut().absorb(sum),
        }
    }
    let mut out: BTreeMap<Key, ServiceUse> = m
        .into_iter()
        .map(|((role, protocol, transport, port), sum)| {
            let s = ServiceUse {
                role,
                protocol: protocol.clone(),
                transport: transport.clone(),
                port,
                peers: sum.peers.len(),
                flows: sum.flows,
                packets: sum.packets,
                bytes: sum.bytes,
                operations: sum
                    .operations
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect(),
                evidence: flows.get(sum.first).map(|f| f.evidence.clone()),
            };
            ((role, protocol, transport, port), s)
        })
        .collect();
    if flows.is_empty() {
        for h in ips.iter().filter_map(|ip| ix.hosts_by_ip.get(ip)).flatten() {
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
                out.entry((ServiceRole::Server, protocol.clone(), t.to_string(), port))
                    .or_insert_with(|| ServiceUse {
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
                    });
            }
        }
    }
    out.into_values().collect()
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use plantguard_engine::result::{Assessment, Host, HostFactRecord};
    use plantguard_model::{Evidence, HostFact, Timestamp};

    use super::host_name_key;
    use crate::conduits::ConvergenceKind;
    use crate::inventory::{build_inventory, Inventory};

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    /// A host that claimed its address in ARP with `mac`, seen from minute
    /// `from` to minute `to` of one hour.
    fn host(addr: &str, mac: &str, from: u32, to: u32) -> Host {
        Host {
            ip: ip(addr),
            macs: vec![mac.into()],
            arp_macs: vec![mac.into()],
            vlans: vec![0],
            first_seen: format!("2024-03-01T08:{from:02}:00.000000+0000"),
            last_seen: format!("2024-03-01T08:{to:02}:00.000000+0000"),
            packets_sent: 10,
            bytes_sent: 1000,
            packets_received: 10,
            bytes_received: 1000,
            flows_originated: 1,
            flows_answered: 0,
            services: vec![],
        }
    }

    fn name(addr: &str, name: &'static str, source: &'static str) -> HostFactRecord {
        HostFactRecord {
            ip: Some(ip(addr)),
            mac: None,
            fact: HostFact::Name {
                name: name.into(),
                source: source.into(),
            },
            count: 1,
            evidence: Evidence {
                pcap_filename: "t.pcap".into(),
                pcap_cnt: 1,
                ts: Timestamp(0),
            },
        }
    }

    fn inventory(hosts: Vec<Host>, facts: Vec<HostFactRecord>) -> Inventory {
        let a = Assessment {
            hosts,
            host_facts: facts,
            ..Assessment::default()
        };
        build_inventory(&a, None, None)
    }

    fn assets_holding(inv: &Inventory, ips: &[&str]) -> usize {
        let ids: std::collections::BTreeSet<_> = ips
            .iter()
            .map(|i| inv.asset_by_ip(ip(i)).expect(i).id.clone())
            .collect();
        ids.len()
    }

    #[test]
    fn netbios_name_on_two_subnets_is_one_dual_homed_asset() {
        let inv = inventory(
            vec![
                host("10.10.0.60", "f8:bc:12:0a:00:3c", 0, 50),
                host("10.30.0.60", "f8:bc:12:1e:00:3c", 0, 50),
                host("10.10.0.10", "3c:d9:2b:0a:00:0a", 0, 50),
                host("10.30.0.10", "00:80:f4:1e:00:0a", 0, 50),
            ],
            vec![
                name("10.10.0.60", "QA-PC-02", "netbios"),
                name("10.30.0.60", "QA-PC-02", "netbios"),
                name("10.30.0.60", "QA-PC-02", "netbios_browser"),
            ],
        );
        assert_eq!(assets_holding(&inv, &["10.10.0.60", "10.30.0.60"]), 1);
        assert_eq!(inv.assets.len(), 3);
        let qa = inv.asset_by_ip(ip("10.30.0.60")).unwrap();
        assert_eq!(qa.macs.len(), 2);
        assert!(qa
            .addresses
            .iter()
            .all(|u| u.sources.contains(&"host_name".to_string())));
        let dual = inv
            .convergence
            .iter()
            .find(|c| c.kind == ConvergenceKind::DualHomed)
            .expect("dual-homed convergence point");
        assert_eq!(dual.assets, vec![qa.id.clone()]);
        assert!(dual.summary.contains("same host name"), "{}", dual.summary);
    }

    #[test]
    fn dhcp_and_ntlmssp_names_tie_by_first_label_and_case() {
        let inv = inventory(
            vec![
                host("10.10.0.61", "f8:bc:12:0a:00:3d", 0, 50),
                host("10.30.0.61", "f8:bc:12:1e:00:3d", 0, 50),
                host("10.40.0.61", "f8:bc:12:28:00:3d", 0, 50),
            ],
            vec![
                name("10.10.0.61", "qa-pc-03", "dhcp"),
                name("10.30.0.61", "QA-PC-03.corp.example", "smb_ntlmssp"),
                name("10.40.0.61", "QA-PC-03", "smb_ntlmssp"),
            ],
        );
        assert_eq!(
            assets_holding(&inv, &["10.10.0.61", "10.30.0.61", "10.40.0.61"]),
            1
        );
    }

    #[test]
    fn generic_names_do_not_merge() {
        for generic in [
            "localhost",
            "WORKGROUP",
            "",
            "localhost.localdomain",
            "10.0.0.1",
        ] {
            let inv = inventory(
                vec![
                    host("10.10.0.60", "f8:bc:12:0a:00:3c", 0, 50),
                    host("10.30.0.60", "f8:bc:12:1e:00:3c", 0, 50),
                ],
                vec![
                    name("10.10.0.60", generic, "netbios"),
                    name("10.30.0.60", generic, "netbios"),
                ],
            );
            assert_eq!(
                assets_holding(&inv, &["10.10.0.60", "10.30.0.60"]),
                2,
                "{generic:?}"
            );
        }
        assert_eq!(
            host_name_key(" Ews-01.plant.example. "),
            Some("EWS-01".into())
        );
        assert_eq!(host_name_key("WORKGROUP"), None);
        assert_eq!(host_name_key("(none)"), None);
    }

    #[test]
    fn a_name_on_more_than_four_addresses_does_not_merge() {
        let subnets = ["10.10.0", "10.20.0", "10.30.0", "10.40.0", "10.50.0"];
        let hosts: Vec<Host> = subnets
            .iter()
            .enumerate()
            .map(|(i, s)| host(&format!("{s}.5"), &format!("00:11:22:33:44:{i:02x}"), 0, 50))
            .collect();
        let facts = subnets
            .iter()
            .map(|s| name(&format!("{s}.5"), "IMAGE-PC", "netbios"))
            .collect();
        let inv = inventory(hosts, facts);
        assert_eq!(inv.assets.len(), 5);
        // Four addresses are still one host.
        let hosts: Vec<Host> = subnets[..4]
            .iter()
            .enumerate()
            .map(|(i, s)| host(&format!("{s}.5"), &format!("00:11:22:33:44:{i:02x}"), 0, 50))
            .collect();
        let facts = subnets[..4]
            .iter()
            .map(|s| name(&format!("{s}.5"), "IMAGE-PC", "netbios"))
            .collect();
        assert_eq!(inventory(hosts, facts).assets.len(), 1);
    }

    #[test]
    fn same_subnet_one_after_the_other_is_a_renumbering() {
        let inv = inventory(
            vec![
                host("10.10.0.57", "18:66:da:0a:00:39", 0, 20),
                host("10.10.0.58", "18:66:da:0a:00:40", 30, 50),
            ],
            vec![
                name("10.10.0.57", "OFFICE-PC-07", "dhcp"),
                name("10.10.0.58", "OFFICE-PC-07", "netbios"),
            ],
        );
        assert_eq!(assets_holding(&inv, &["10.10.0.57", "10.10.0.58"]), 1);
    }

    #[test]
    fn same_subnet_at_the_same_time_is_two_hosts() {
        // Two PCs cloned from one image, both on the office network at once:
        // the name belongs to two hosts and ties none of its addresses, not
        // even the dual-homed one's other NIC.
        let inv = inventory(
            vec![
                host("10.10.0.57", "18:66:da:0a:00:39", 0, 40),
                host("10.10.0.58", "18:66:da:0a:00:40", 10, 50),
                host("10.30.0.58", "18:66:da:1e:00:40", 10, 50),
            ],
            vec![
                name("10.10.0.57", "CLONE-PC", "netbios"),
                name("10.10.0.58", "CLONE-PC", "netbios"),
                name("10.30.0.58", "CLONE-PC", "netbios"),
            ],
        );
        assert_eq!(inv.assets.len(), 3);
    }

    #[test]
    fn weak_names_and_relays_do_not_merge() {
        // DNS PTR, HTTP Host and TLS SNI name services or come from others.
        for source in ["dns_ptr", "http_host", "tls_sni", "modbus"] {
            let inv = inventory(
                vec![
                    host("10.10.0.60", "f8:bc:12:0a:00:3c", 0, 50),
                    host("10.30.0.60", "f8:bc:12:1e:00:3c", 0, 50),
                ],
                vec![
                    name("10.10.0.60", "reports", source),
                    name("10.30.0.60", "reports", source),
                ],
            );
            assert_eq!(inv.assets.len(), 2, "{source}");
        }
        // A DHCP relay states the host names of the clients it relays.
        let inv = inventory(
            vec![
                host("10.10.0.2", "00:11:22:00:00:02", 0, 50),
                host("10.30.0.61", "f8:bc:12:1e:00:3d", 0, 50),
            ],
            vec![
                name("10.10.0.2", "PC-A", "dhcp"),
                name("10.10.0.2", "PC-B", "dhcp"),
                name("10.10.0.2", "QA-PC-03", "dhcp"),
                name("10.30.0.61", "QA-PC-03", "netbios"),
            ],
        );
        assert_eq!(inv.assets.len(), 2);
    }
}
