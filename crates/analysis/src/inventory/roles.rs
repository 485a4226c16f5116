// SPDX-License-Identifier: Apache-2.0
//! Role inference: each rule adds a score and a reason to a role; the best
//! score wins. Scores are 0..1 and read as confidence.
//!
//! | evidence | role | score |
//! |---|---|---|
//! | MAC forwards other hosts' packets; LLDP/CDP; SNMP+Telnet/SSH management only | network_infrastructure | 0.95 / 0.9 / 0.55 |
//! | serves Modbus, S7, EtherNet/IP, PROFINET, FINS, MELSEC...; identity says controller | plc | 0.6 / +0.3 |
//! | IEC-104 controlled station, DNP3 outstation | rtu | 0.85 |
//! | BACnet device identity (I-Am, device object); answers BACnet reads and asks none | building_system | 0.85 / 0.5 |
//! | program download/upload, mode change, firmware; writes over 2+ protocols | engineering_workstation | 0.9 / 0.7 |
//! | polls 2+ controllers or 2+ industrial protocols | hmi | 0.5 + 0.1 per protocol (≤ 0.8) |
//! | reads from one OT server / only queries OT servers' identity | hmi | 0.35 / 0.3 |
//! | OPC UA (or other) server that also polls controllers | historian | 0.85 |
//! | reads from an OT server and serves HTTP/other to others | historian (mirror) | 0.6 |
//! | OPC UA server only | opc_server | 0.55 |
//! | serves DNS, DHCP, Kerberos, LDAP | it_server | 0.8 |
//! | browser User-Agent, DHCP vendor class, desktop OS | it_workstation | 0.5 + 0.1 |
//! | serves 9100/631/515 | printer | 0.8 |
//! | serves RTSP 554 | camera | 0.6 |
//! | public address opening remote access into the plant | remote_access_endpoint | 0.9 |
//! | public address | internet_host | 0.7 |

use std::collections::{BTreeMap, BTreeSet};

use crate::hash::{HashMap, HashSet};
use std::net::IpAddr;

use plantguard_engine::result::{Assessment, FlowRecord, HostFactRecord, IdentityRecord};
use plantguard_model::HostFact;

use super::{is_public, Asset, Domain, Reason, Role, ServiceRole};
use crate::index::{at, positions_by, FlowsByIp};
use crate::{Hardening, HostProfile};

/// Industrial protocols a controller serves.
const CONTROLLER_PROTOCOLS: &[&str] = &[
    "modbus",
    "s7comm",
    "s7comm_plus",
    "enip",
    "cip",
    "profinet",
    "fins",
    "melsec",
    "goose",
    "mms",
    "ethercat",
    "codesys",
];
/// Industrial protocols as seen from a client.
const OT_PROTOCOLS: &[&str] = &[
    "modbus",
    "s7comm",
    "s7comm_plus",
    "enip",
    "cip",
    "opcua",
    "iec104",
    "dnp3",
    "bacnet",
    "profinet",
    "fins",
    "melsec",
    "mms",
];
/// Ports of remote-access tools.
const REMOTE_PORTS: &[u16] = &[22, 23, 3389, 5800, 5900, 5901, 5938, 7070, 6568];

struct Scores {
    m: BTreeMap<Role, (f32, Vec<Reason>)>,
}

impl Scores {
    fn add(&mut self, role: Role, score: f32, reason: Reason) {
        let e = self.m.entry(role).or_insert((0.0, Vec::new()));
        // Independent pieces of evidence combine as 1 - Π(1 - s).
        e.0 = 1.0 - (1.0 - e.0) * (1.0 - score.clamp(0.0, 1.0));
        e.1.push(reason);
    }
}

/// What the rules look up per asset, indexed once for all assets.
struct Lookups<'a> {
    a: &'a Assessment,
    flows_by_ip: &'a FlowsByIp,
    /// Host facts by address (positions, in list order).
    facts_by_ip: HashMap<IpAddr, Vec<u32>>,
    /// Neighbour records by lower-case MAC (positions, in list order).
    neighbors_by_mac: HashMap<String, Vec<u32>>,
    /// The first BACnet identity of each address (position).
    bacnet_identity: HashMap<IpAddr, u32>,
    /// Addresses that answered a BACnet read or write.
    bacnet_answerers: HashSet<IpAddr>,
}

impl<'a> Lookups<'a> {
    fn new(a: &'a Assessment, flows_by_ip: &'a FlowsByIp) -> Lookups<'a> {
        let mut bacnet_identity = HashMap::default();
        for (i, r) in a.identities.iter().enumerate() {
            if let (Some(ip), "bacnet") = (r.ip, r.identity.protocol.as_ref()) {
                bacnet_identity.entry(ip).or_insert(crate::index::pos(i));
            }
        }
        let bacnet_answerers = a
            .flows
            .iter()
            .filter(|f| {
                f.service.as_deref() == Some("bacnet")
                    && f.resp_pkts > 0
                    && f.operations
                        .iter()
                        .any(|(k, n)| (k == "read" || k == "write") && n > 0)
            })
            .map(|f| f.resp_h)
            .collect();
        Lookups {
            a,
            flows_by_ip,
            facts_by_ip: positions_by(&a.host_facts, |f| f.ip),
            neighbors_by_mac: positions_by(&a.neighbors, |n| Some(n.mac.to_ascii_lowercase())),
            bacnet_identity,
            bacnet_answerers,
        }
    }

    /// The host facts of any of `ips`, in list order.
    fn facts(&self, ips: &BTreeSet<IpAddr>) -> Vec<&'a HostFactRecord> {
        let mut v: Vec<u32> = ips
            .iter()
            .filter_map(|ip| self.facts_by_ip.get(ip))
            .flatten()
            .copied()
            .collect();
        v.sort_unstable();
        v.into_iter().map(|i| &self.a.host_facts[at(i)]).collect()
    }

    /// The first BACnet identity any of `ips` stated.
    fn bacnet_identity(&self, ips: &BTreeSet<IpAddr>) -> Option<&'a IdentityRecord> {
        ips.iter()
            .filter_map(|ip| self.bacnet_identity.get(ip))
            .min()
            .map(|&i| &self.a.identities[at(i)])
    }

    /// The flows any of `ips` took part in, in list order.
    fn flows(&self, ips: &BTreeSet<IpAddr>) -> impl Iterator<Item = &'a FlowRecord> + '_ {
        self.flows_by_ip
            .of_all(ips.iter().copied())
            .into_iter()
            .map(|i| &self.a.flows[at(i)])
    }
}

pub(super) fn assign(
    assets: &mut [Asset],
    a: &Assessment,
    hardening: Option<&Hardening>,
    flows_by_ip: &FlowsByIp,
) {
    let ix = Lookups::new(a, flows_by_ip);
    let mut profiles: HashMap<IpAddr, &HostProfile> = HashMap::default();
    for p in hardening.iter().flat_map(|h| h.hosts.iter()) {
        profiles.entry(p.ip).or_insert(p);
    }
    for asset in assets.iter_mut() {
        if hardening.is_some() {
            let os = asset
                .ips()
                .find_map(|ip| profiles.get(&ip))
                .and_then(|p| p.os.clone());
            asset.os = os;
        }
        let mut s = Scores { m: BTreeMap::new() };
        let inside = score(asset, &ix, hardening, &mut s);
        let mut ranked: Vec<(Role, f32, Vec<Reason>)> =
            s.m.into_iter().map(|(r, (x, why))| (r, x, why)).collect();
        ranked.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
        if let Some(k) = asset.known.as_ref().and_then(|k| k.role) {
            asset.role = k;
            asset.role_confidence = 1.0;
            asset.role_reasons = vec![Reason::new(format!(
                "known-asset row {} says {k}",
                asset
                    .known
                    .as_ref()
                    .map(|k| k.origin.as_str())
                    .unwrap_or("")
            ))];
        } else if let Some((r, x, why)) = ranked.first() {
            asset.role = *r;
            asset.role_confidence = (*x * 100.0).round() / 100.0;
            asset.role_reasons = why.clone();
        } else {
            asset.role = Role::Unknown;
            asset.role_reasons = vec![Reason::new("no role-specific traffic seen")];
        }
        asset.other_roles = ranked
            .iter()
            .filter(|(r, _, _)| *r != asset.role)
            .take(3)
            .map(|(r, x, _)| (*r, (*x * 100.0).round() / 100.0))
            .collect();
        // A plant device on public addresses is not outside the plant:
        // its zone and level come from its role, like any other device.
        if let Some(why) = inside {
            if asset.domain == Domain::External && asset.role.default_domain() == Domain::Ot {
                asset.domain = Domain::Unknown;
                asset.level_reasons.push(Reason::new(why));
            }
        }
        if asset.role == Role::NetworkInfrastructure {
            asset.is_network_infrastructure = true;
        }
    }
}

/// Scores every role for `asset`; returns why an asset with only public
/// addresses is a plant device, when it is one.
fn score(
    asset: &Asset,
    ix: &Lookups<'_>,
    hardening: Option<&Hardening>,
    s: &mut Scores,
) -> Option<String> {
    let a = ix.a;
    let ips: BTreeSet<_> = asset.ips().collect();
    let facts = ix.facts(&ips);
    let served: Vec<_> = asset
        .services
        .iter()
        .filter(|x| x.role == ServiceRole::Server)
        .collect();
    let used: Vec<_> = asset
        .services
        .iter()
        .filter(|x| x.role == ServiceRole::Client)
        .collect();
    let serves = |p: &str| served.iter().find(|x| x.protocol == p);
    let serves_port = |t: &str, port: u16| {
        served
            .iter()
            .find(|x| x.transport == t && x.port == port && x.peers > 0)
    };

    // Network infrastructure.
    if asset.is_network_infrastructure {
        s.add(
            Role::NetworkInfrastructure,
            0.95,
            Reason::new(format!(
                "routes: its MAC{} carr{} packets of hosts in other subnets ({} interface{})",
                if asset.macs.len() > 1 { "s" } else { "" },
                if asset.macs.len() > 1 { "y" } else { "ies" },
                asset.addresses.len().max(asset.macs.len()),
                if asset.addresses.len().max(asset.macs.len()) > 1 {
                    "s"
                } else {
                    ""
                }
            )),
        );
    }
    let mut neighbors: Vec<u32> = asset
        .macs
        .iter()
        .filter_map(|m| ix.neighbors_by_mac.get(m))
        .flatten()
        .copied()
        .collect();
    neighbors.sort_unstable();
    neighbors.dedup();
    for n in neighbors.into_iter().map(|i| &a.neighbors[at(i)]) {
        s.add(
            Role::NetworkInfrastructure,
            0.9,
            Reason::with(
                format!(
                    "announces itself in {} (capabilities: {})",
                    n.protocol,
                    n.capabilities.join(", ")
                ),
                &n.evidence,
            ),
        );
    }
    let snmp_agent = serves_port("udp", 161);
    let mgmt = serves_port("tcp", 23)
        .or(serves_port("tcp", 22))
        .or(serves_port("tcp", 443));
    let ot_served = served
        .iter()
        .any(|x| OT_PROTOCOLS.contains(&x.protocol.as_str()));
    if let Some(sn) = snmp_agent {
        if !ot_served
            && used
                .iter()
                .all(|u| !OT_PROTOCOLS.contains(&u.protocol.as_str()))
        {
            let mut score = 0.45;
            let mut text = "SNMP agent with no industrial or user service".to_string();
            if mgmt.is_some() {
                score += 0.1;
                text.push_str(", remote management (Telnet/SSH/HTTPS)");
            }
            if asset.mac_vendor.as_deref().is_some_and(is_network_vendor) {
                score += 0.25;
                text.push_str(&format!(
                    ", MAC vendor {} makes network equipment",
                    asset.mac_vendor.as_deref().unwrap_or("")
                ));
            }
            let mut r = Reason::new(text);
            r.evidence = sn.evidence.clone();
            s.add(Role::NetworkInfrastructure, score, r);
        }
    }

    // Controllers.
    let ident_controller = asset.device_type.as_ref().is_some_and(|d| {
        let d = d.value.to_ascii_lowercase();
        d.contains("logic controller") || d.contains("plc") || d.contains("cpu")
    });
    for p in CONTROLLER_PROTOCOLS {
        if let Some(x) = serves(p) {
            let mut r = Reason::new(format!(
                "serves {p} on {}/{} to {} client{}",
                x.transport,
                x.port,
                x.peers,
                if x.peers == 1 { "" } else { "s" }
            ));
            r.evidence = x.evidence.clone();
            s.add(Role::Plc, 0.6, r);
        }
    }
    let controller_identity = asset.vendor.is_some()
        && asset.model.is_some()
        && asset.vendor.as_ref().is_some_and(|v| {
            ["modbus", "s7comm", "enip", "profinet", "cip"].contains(&v.source.as_str())
        });
    if ident_controller || controller_identity {
        let m = asset.model.as_ref().or(asset.device_type.as_ref());
        if let Some(m) = m {
            let mut r = Reason::new(format!(
                "answers identity as a controller: {} {} ({})",
                asset
                    .vendor
                    .as_ref()
                    .map(|v| v.value.as_str())
                    .unwrap_or(""),
                m.value,
                m.source
            ));
            r.evidence = m.evidence.clone();
            s.add(Role::Plc, 0.75, r);
        }
    }
    if asset
        .device_type
        .as_ref()
        .is_some_and(|d| d.value.to_ascii_lowercase().contains("safety"))
    {
        s.add(
            Role::SafetyController,
            0.95,
            Reason::new("identity names a safety device"),
        );
    }
    for f in &facts {
        match &f.fact {
            HostFact::Attribute { key, value }
                if key == "iec104_role" && value == "controlled_station" =>
            {
                s.add(
                    Role::Rtu,
                    0.85,
                    Reason::with(
                        "IEC 60870-5-104 controlled station (outstation)",
                        &f.evidence,
                    ),
                );
            }
            HostFact::Attribute { key, value } if key == "dnp3_role" && value == "outstation" => {
                s.add(
                    Role::Rtu,
                    0.85,
                    Reason::with("DNP3 outstation", &f.evidence),
                );
            }
            _ => {}
        }
    }
    if let Some(x) = serves("iec104").or(serves("dnp3")) {
        let mut r = Reason::new(format!("serves {} on tcp/{}", x.protocol, x.port));
        r.evidence = x.evidence.clone();
        s.add(Role::Rtu, 0.6, r);
    }
    if let Some(r) = ix.bacnet_identity(&ips) {
        s.add(
            Role::BuildingSystem,
            0.85,
            Reason::with(
                "BACnet device (answers Who-Is / device object reads)",
                &r.evidence,
            ),
        );
    } else if let Some(x) = serves("bacnet") {
        // A BACnet device that never announced itself: it answers property
        // reads or writes and asks nothing of other BACnet devices. (Both
        // ends use port 47808, so a flow's client is whoever spoke first: a
        // station that also appears as a BACnet client elsewhere is left
        // out.)
        let answers = ips.iter().any(|ip| ix.bacnet_answerers.contains(ip));
        if answers && !used.iter().any(|u| u.protocol == "bacnet") {
            let mut r = Reason::new(format!(
                "answers BACnet requests from {} client{} and sends none",
                x.peers,
                if x.peers == 1 { "" } else { "s" }
            ));
            r.evidence = x.evidence.clone();
            s.add(Role::BuildingSystem, 0.5, r);
        }
    }

    // Clients of OT servers.
    let ot_used: Vec<_> = used
        .iter()
        .filter(|u| OT_PROTOCOLS.contains(&u.protocol.as_str()))
        .collect();
    let mut ops: BTreeMap<&str, u64> = BTreeMap::new();
    for u in &ot_used {
        for (k, v) in &u.operations {
            *ops.entry(k.as_str()).or_default() += v;
        }
    }
    let eng_ops: Vec<(&str, u64)> = ops
        .iter()
        .filter(|(k, _)| {
            k.starts_with("program_") || k.starts_with("mode_change") || **k == "firmware_transfer"
        })
        .map(|(k, v)| (*k, *v))
        .collect();
    if !eng_ops.is_empty() {
        let ev = ot_used
            .iter()
            .find(|u| {
                u.operations
                    .keys()
                    .any(|k| eng_ops.iter().any(|(e, _)| e == k))
            })
            .and_then(|u| u.evidence.clone());
        let mut r = Reason::new(format!(
            "engineering operations on controllers: {}",
            eng_ops
                .iter()
                .map(|(k, v)| format!("{k} ×{v}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        r.evidence = ev;
        s.add(Role::EngineeringWorkstation, 0.9, r);
    }
    let write_protocols: BTreeSet<&str> = ot_used
        .iter()
        .filter(|u| u.operations.get("write").is_some_and(|n| *n > 0))
        .map(|u| u.protocol.as_str())
        .collect();
    if write_protocols.len() >= 2 {
        s.add(
            Role::EngineeringWorkstation,
            0.7,
            Reason::new(format!(
                "writes to controllers over {}",
                write_protocols
                    .iter()
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        );
    } else if write_protocols.len() == 1 {
        s.add(
            Role::EngineeringWorkstation,
            0.3,
            Reason::new(format!(
                "writes over {}",
                write_protocols.iter().next().copied().unwrap_or("")
            )),
        );
    }
    // Engineering tools beside industrial traffic: FTP/Telnet/SNMP to OT devices.
    let eng_tools: BTreeSet<u16> = used
        .iter()
        .filter(|u| [21, 23, 161].contains(&u.port))
        .map(|u| u.port)
        .collect();
    if !ot_used.is_empty() && eng_tools.len() >= 2 {
        s.add(
            Role::EngineeringWorkstation,
            0.3,
            Reason::new("also uses FTP/Telnet/SNMP to manage devices"),
        );
    }
    let ot_protocols: BTreeSet<&str> = ot_used
        .iter()
        .filter(|u| u.operations.get("read").is_some_and(|n| *n > 0) || u.operations.is_empty())
        .map(|u| u.protocol.as_str())
        .collect();
    let reads: u64 = ops.get("read").copied().unwrap_or(0);
    let servers_polled: usize = ot_used.iter().map(|u| u.peers).sum();
    let opc_server = serves("opcua");
    if ot_protocols.len() >= 2 || servers_polled >= 3 {
        let score = (0.4 + 0.1 * ot_protocols.len() as f32).min(0.8);
        s.add(
            Role::Hmi,
            score,
            Reason::new(format!(
                "polls {servers_polled} OT server{} over {} ({reads} reads)",
                if servers_polled == 1 { "" } else { "s" },
                ot_protocols.iter().copied().collect::<Vec<_>>().join(", ")
            )),
        );
    } else if !ot_protocols.is_empty() && opc_server.is_none() {
        s.add(
            Role::Hmi,
            0.35,
            Reason::new(format!(
                "reads from one OT server over {}",
                ot_protocols.iter().copied().collect::<Vec<_>>().join(", ")
            )),
        );
    } else if !ot_used.is_empty()
        && eng_ops.is_empty()
        && write_protocols.is_empty()
        && opc_server.is_none()
    {
        // Only identity queries or discovery (ListIdentity, Who-Is): a
        // station browsing for controllers, at the supervisory level.
        let mut r = Reason::new(format!(
            "queries OT servers over {} as a client (no reads or writes seen)",
            ot_used
                .iter()
                .map(|u| u.protocol.as_str())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect::<Vec<_>>()
                .join(", ")
        ));
        r.evidence = ot_used.first().and_then(|u| u.evidence.clone());
        s.add(Role::Hmi, 0.3, r);
    }
    if let Some(x) = opc_server {
        if reads > 0 && !ot_used.is_empty() {
            let mut r = Reason::new(format!(
                "serves OPC UA to {} client{} and polls {} ({reads} reads)",
                x.peers,
                if x.peers == 1 { "" } else { "s" },
                ot_protocols.iter().copied().collect::<Vec<_>>().join(", ")
            ));
            r.evidence = x.evidence.clone();
            s.add(Role::Historian, 0.85, r);
        } else {
            let mut r = Reason::new("serves OPC UA".to_string());
            r.evidence = x.evidence.clone();
            s.add(Role::OpcServer, 0.55, r);
        }
    }
    // A data mirror: reads from OT servers and serves the data on.
    let serves_others = served
        .iter()
        .filter(|x| !OT_PROTOCOLS.contains(&x.protocol.as_str()) && x.peers > 0)
        .collect::<Vec<_>>();
    if !ot_used.is_empty()
        && eng_ops.is_empty()
        && write_protocols.is_empty()
        && !serves_others.is_empty()
        && opc_server.is_none()
    {
        s.add(
            Role::Historian,
            0.6,
            Reason::new(format!(
                "collects data over {} and serves {} to {} client{} (historian mirror)",
                ot_used
                    .iter()
                    .map(|u| u.protocol.as_str())
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect::<Vec<_>>()
                    .join(", "),
                serves_others[0].protocol,
                serves_others[0].peers,
                if serves_others[0].peers == 1 { "" } else { "s" }
            )),
        );
    }

    // IT.
    for (t, port, what) in [
        ("udp", 53, "DNS"),
        ("tcp", 53, "DNS"),
        ("udp", 67, "DHCP"),
        ("tcp", 88, "Kerberos"),
        ("tcp", 389, "LDAP"),
    ] {
        if let Some(x) = serves_port(t, port) {
            let mut r = Reason::new(format!(
                "serves {what} to {} client{}",
                x.peers,
                if x.peers == 1 { "" } else { "s" }
            ));
            r.evidence = x.evidence.clone();
            s.add(Role::ItServer, 0.8, r);
        }
    }
    if let Some(x) = serves_port("tcp", 445) {
        if ot_used.is_empty() {
            let mut r = Reason::new(format!(
                "file server (SMB) for {} client{}",
                x.peers,
                if x.peers == 1 { "" } else { "s" }
            ));
            r.evidence = x.evidence.clone();
            s.add(Role::ItServer, 0.45, r);
        }
    }
    for (port, role, what, sc) in [
        (9100, Role::Printer, "raw printing (9100)", 0.8),
        (631, Role::Printer, "IPP (631)", 0.8),
        (515, Role::Printer, "LPD (515)", 0.8),
        (554, Role::Camera, "RTSP (554)", 0.6),
    ] {
        if let Some(x) = serves_port("tcp", port) {
            let mut r = Reason::new(format!("serves {what}"));
            r.evidence = x.evidence.clone();
            s.add(role, sc, r);
        }
    }
    for f in &facts {
        match &f.fact {
            HostFact::Software { role, banner }
                if role == "http_client" && banner.starts_with("Mozilla/") =>
            {
                s.add(
                    Role::ItWorkstation,
                    0.5,
                    Reason::with(format!("browser User-Agent {banner:?}"), &f.evidence),
                );
            }
            HostFact::Attribute { key, value }
                if key == "dhcp_vendor_class" && value.starts_with("MSFT") =>
            {
                s.add(
                    Role::ItWorkstation,
                    0.15,
                    Reason::with(
                        format!("DHCP client with vendor class {value:?}"),
                        &f.evidence,
                    ),
                );
            }
            _ => {}
        }
    }
    // Public addresses.
    let mut inside = None;
    if !ips.is_empty() && ips.iter().all(|i| is_public(*i)) {
        let remote_sessions: Vec<_> = hardening
            .map(|h| {
                h.remote_access
                    .iter()
                    .filter(|r| ips.contains(&r.client_ip) && !is_public(r.server_ip))
                    .collect()
            })
            .unwrap_or_default();
        let remote_flows: Vec<_> = ix
            .flows(&ips)
            .filter(|f| {
                ips.contains(&f.orig_h) && !is_public(f.resp_h) && REMOTE_PORTS.contains(&f.resp_p)
            })
            .collect();
        if let Some(r) = remote_sessions.first() {
            s.add(
                Role::RemoteAccessEndpoint,
                0.9,
                Reason::with(
                    format!(
                        "opens {} sessions into the plant ({} to {})",
                        r.tool, r.client_ip, r.server_ip
                    ),
                    &r.evidence,
                ),
            );
        } else if let Some(f) = remote_flows.first() {
            s.add(
                Role::RemoteAccessEndpoint,
                0.8,
                Reason::with(
                    format!(
                        "connects from the internet to {}:{} (remote access port)",
                        f.resp_h, f.resp_p
                    ),
                    &f.evidence,
                ),
            );
        }
        inside = inside_on_public_addresses(ix.flows(&ips), &ips);
        if inside.is_none() {
            s.add(
                Role::InternetHost,
                0.7,
                Reason::new("public address: outside the plant"),
            );
        }
    }
    inside
}

/// Why a host with only public addresses is a plant device on public
/// addressing (a utility's or campus's own range) rather than an internet
/// host: every peer it speaks an industrial protocol with (clients it
/// serves, servers it polls) is in its own /16, one organisation's
/// allocation. A controller polled from a private address, or an internet
/// host polling a plant, stays outside the plant, so the OT-to-internet
/// finding stands.
fn inside_on_public_addresses<'a>(
    flows: impl Iterator<Item = &'a FlowRecord>,
    ips: &BTreeSet<std::net::IpAddr>,
) -> Option<String> {
    let slash16 = |ip: &std::net::IpAddr| match ip {
        std::net::IpAddr::V4(v) => Some([v.octets()[0], v.octets()[1]]),
        std::net::IpAddr::V6(_) => None,
    };
    let mut peers: BTreeSet<std::net::IpAddr> = BTreeSet::new();
    for f in flows {
        if !f
            .service
            .as_deref()
            .is_some_and(|p| OT_PROTOCOLS.contains(&p))
        {
            continue;
        }
        if ips.contains(&f.orig_h) {
            peers.insert(f.resp_h);
        } else if ips.contains(&f.resp_h) {
            peers.insert(f.orig_h);
        }
    }
    let mine: BTreeSet<[u8; 2]> = ips.iter().filter_map(slash16).collect();
    let same_range = !peers.is_empty()
        && peers
            .iter()
            .all(|p| is_public(*p) && slash16(p).is_some_and(|r| mine.contains(&r)));
    same_range.then(|| {
        format!(
            "public address, but every industrial peer is in its own /16 ({}): a plant device on public addressing",
            peers
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

fn is_network_vendor(v: &str) -> bool {
    let v = v.to_ascii_lowercase();
    [
        "cisco",
        "hirschmann",
        "moxa",
        "westermo",
        "juniper",
        "fortinet",
        "palo alto",
        "aruba",
        "hewlett packard enterprise",
        "ruggedcom",
        "phoenix contact",
        "netgear",
        "ubiquiti",
        "mikrotik",
        "belden",
        "sophos",
        "check point",
        "huawei",
        "extreme",
        "brocade",
        "arista",
    ]
    .iter()
    .any(|n| v.contains(n))
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use plantguard_engine::result::{Assessment, FlowRecord, Host};
    use plantguard_model::{Evidence, Timestamp};

    use crate::inventory::{build_inventory, Domain, Inventory, PurdueLevel, Role};

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn host(addr: &str, mac: &str) -> Host {
        Host {
            ip: ip(addr),
            macs: vec![mac.into()],
            arp_macs: vec![mac.into()],
            vlans: vec![0],
            first_seen: "2024-03-01T08:00:00.000000+0000".into(),
            last_seen: "2024-03-01T09:00:00.000000+0000".into(),
            packets_sent: 10,
            bytes_sent: 1000,
            packets_received: 10,
            bytes_received: 1000,
            flows_originated: 1,
            flows_answered: 1,
            services: vec![],
        }
    }

    fn flow(orig: &str, resp: &str, port: u16, service: &str, ops: &[(&str, u64)]) -> FlowRecord {
        FlowRecord {
            uid: format!("C{orig}{resp}"),
            ts: Timestamp(0),
            last_ts: Timestamp(1),
            vlans: [0, 0],
            proto: if port == 47808 { "udp" } else { "tcp" }.into(),
            orig_h: ip(orig),
            orig_p: 40000,
            resp_h: ip(resp),
            resp_p: port,
            service: Some(service.to_string().into()),
            orig_pkts: 10,
            orig_bytes: 1000,
            resp_pkts: 10,
            resp_bytes: 1000,
            orig_mac: None,
            resp_mac: None,
            handshake: true,
            operations: ops.iter().map(|(k, n)| ((*k).to_string(), *n)).collect(),
            evidence: Evidence {
                pcap_filename: "t.pcap".into(),
                pcap_cnt: 1,
                ts: Timestamp(0),
            },
        }
    }

    fn inventory(hosts: Vec<Host>, flows: Vec<FlowRecord>) -> Inventory {
        let a = Assessment {
            hosts,
            flows,
            ..Assessment::default()
        };
        build_inventory(&a, None, None)
    }

    #[test]
    fn plant_devices_on_public_addresses_are_not_internet_hosts() {
        // A utility's DNP3 master and outstation in its own public /16.
        let inv = inventory(
            vec![
                host("130.126.142.250", "b8:ac:6f:ab:45:7a"),
                host("130.126.140.229", "00:1b:21:0b:15:24"),
            ],
            vec![flow(
                "130.126.142.250",
                "130.126.140.229",
                20000,
                "dnp3",
                &[("read", 5)],
            )],
        );
        let master = inv.asset_by_ip(ip("130.126.142.250")).unwrap();
        assert_eq!(master.role, Role::Hmi, "{:#?}", master.role_reasons);
        assert_eq!(master.domain, Domain::Ot);
        assert_eq!(master.purdue_level, Some(PurdueLevel::L2));
        assert!(inv.convergence.is_empty(), "{:#?}", inv.convergence);
        // An internet host polling a plant PLC from another range stays an
        // internet host, and the PLC talking to it is a finding.
        let inv = inventory(
            vec![
                host("198.51.100.7", "00:11:22:33:44:55"),
                host("10.30.0.10", "00:80:f4:1e:00:0a"),
            ],
            vec![flow(
                "198.51.100.7",
                "10.30.0.10",
                502,
                "modbus",
                &[("read", 5)],
            )],
        );
        let outsider = inv.asset_by_ip(ip("198.51.100.7")).unwrap();
        assert_eq!(outsider.role, Role::InternetHost);
        assert_eq!(outsider.domain, Domain::External);
        assert!(
            inv.convergence
                .iter()
                .any(|c| c.kind == crate::conduits::ConvergenceKind::OtToInternet),
            "{:#?}",
            inv.convergence
        );
    }

    #[test]
    fn a_silent_bacnet_responder_is_a_building_system() {
        let inv = inventory(
            vec![
                host("172.20.32.200", "00:11:22:33:44:c8"),
                host("172.20.32.50", "00:11:22:33:44:32"),
                host("172.20.32.51", "00:11:22:33:44:33"),
            ],
            vec![
                flow(
                    "172.20.32.200",
                    "172.20.32.50",
                    47808,
                    "bacnet",
                    &[("read", 100)],
                ),
                flow(
                    "172.20.32.200",
                    "172.20.32.51",
                    47808,
                    "bacnet",
                    &[("read", 100)],
                ),
            ],
        );
        let dev = inv.asset_by_ip(ip("172.20.32.50")).unwrap();
        assert_eq!(dev.role, Role::BuildingSystem, "{:#?}", dev.role_reasons);
        assert_eq!(dev.purdue_level, Some(PurdueLevel::L1));
        let ws = inv.asset_by_ip(ip("172.20.32.200")).unwrap();
        assert_eq!(ws.role, Role::Hmi, "{:#?}", ws.role_reasons);
    }

    #[test]
    fn an_identity_only_client_is_supervisory() {
        let inv = inventory(
            vec![
                host("10.1.1.167", "3c:a9:f4:21:22:f8"),
                host("10.1.1.164", "00:19:07:24:3c:ca"),
            ],
            vec![flow(
                "10.1.1.167",
                "10.1.1.164",
                44818,
                "enip",
                &[("identity_query", 2)],
            )],
        );
        let st = inv.asset_by_ip(ip("10.1.1.167")).unwrap();
        assert_eq!(st.role, Role::Hmi, "{:#?}", st.role_reasons);
        assert_eq!(st.purdue_level, Some(PurdueLevel::L2));
    }
}
