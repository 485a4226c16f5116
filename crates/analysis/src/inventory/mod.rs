// SPDX-License-Identifier: Apache-2.0
//! The asset inventory: one [`Asset`] per host, with its addresses, names,
//! identity, OS, services, role, IT/OT/DMZ domain and Purdue level, each with
//! the reasons and frames behind it.
//!
//! [`build_inventory`] is a pure function of an [`Assessment`], the optional
//! [`Hardening`] (OS, remote-access sessions) and the optional [`SiteFile`]
//! (zones, known assets). It also proposes zones when there is no site file,
//! reconciles the known-asset list, and builds the zone × zone
//! [conduit matrix](crate::conduits) with its convergence points.
//!
//! # Asset ids
//!
//! An id is stable across runs because it derives from what identifies the
//! hardware: `mac:<lowest own MAC>` when the host's own MAC is known (it
//! claimed its address in ARP, it is the DHCP client MAC, or it is the only
//! source MAC of the address and no other address shares it), else
//! `ip:<lowest address>` (a host seen only through a router). A DHCP client
//! that changes address keeps its id; a router's MAC never becomes the id of
//! the hosts behind it.
//!
//! # Routers
//!
//! A MAC that carries packets of an address that is not its own (the address
//! was claimed in ARP by another MAC) is a router's. Router MACs of one vendor
//! (OUI) are taken as the interfaces of one routing device, together with
//! addresses only seen in ARP at the first or last host address of a /24
//! whose MAC has that OUI (the gateway addresses). Limitation: two routers of
//! the same vendor in one capture are merged; a site-file known-asset row
//! can keep them apart only by naming them (see `docs/site-file.md`).
//!
//! # Host names
//!
//! Addresses that share no MAC are one asset when they state the same
//! strong host name: a NetBIOS name (name registration, node status, browser
//! host announcement), a DHCP host name, or an NTLMSSP workstation or
//! computer name, compared by first label and case-insensitively. A
//! dual-homed PC registers its NetBIOS name on each network it is on; a
//! host renumbered by DHCP keeps its name. DNS PTR answers, HTTP Host and
//! TLS SNI never tie addresses (they are someone else's record or a
//! service's name). What keeps two hosts apart: generic names (`localhost`,
//! `WORKGROUP`, empty, ...) and names on more than four addresses tie
//! nothing; an address stating more than two names (a DHCP relay) or a
//! router's address is no witness; a name held by two addresses of one /24
//! at the same time belongs to two hosts and ties none of its addresses.
//! The addresses tied carry the source `host_name`; a host tied across
//! zones is reported as a dual-homed convergence point.

mod class;
mod diff;
mod roles;
mod zones;

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use plantguard_engine::result::Assessment;
use plantguard_model::{Evidence, HostFact};
use serde::{Deserialize, Serialize};

use crate::conduits::{self, ConduitMatrix, ConvergencePoint};
use crate::index::FlowsByIp;
use crate::site::{KnownAsset, SiteFile};
use crate::{Hardening, KnowledgeBase, OsInference};

pub use class::{Decided, Domain, PurdueLevel, Reason, Role};
pub use diff::{diff, AssetChange, ConduitChange, FieldChange, InventoryDiff};
pub(crate) use zones::subnet24;
pub use zones::ZoneSummary;

/// Version of the `assets.json` shape.
pub const INVENTORY_SCHEMA_VERSION: u32 = 1;

/// A stable asset id: `mac:00:80:f4:1e:00:0a` or `ip:10.30.0.10`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AssetId(pub String);

impl std::fmt::Display for AssetId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The whole inventory: what `assets.json` holds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Inventory {
    /// [`INVENTORY_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Plant name from the site file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site_name: Option<String>,
    /// First packet (RFC 3339).
    pub first_seen: Option<String>,
    /// Last packet (RFC 3339).
    pub last_seen: Option<String>,
    /// One per host, by id.
    pub assets: Vec<Asset>,
    /// Zones: the site file's, or proposals (then `zones_proposed`).
    pub zones: Vec<ZoneSummary>,
    /// True when there was no site file and the zones are PlantGuard's
    /// proposal (by subnet and VLAN, refined by role and level).
    pub zones_proposed: bool,
    /// Zone × zone communication matrix.
    pub conduits: ConduitMatrix,
    /// Where IT and OT meet in ways they should not.
    pub convergence: Vec<ConvergencePoint>,
    /// Known-asset list against what was seen (only with a site file that
    /// lists assets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reconciliation: Option<Reconciliation>,
    /// What limited the analysis.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Inventory {
    /// The asset holding `ip`.
    pub fn asset_by_ip(&self, ip: IpAddr) -> Option<&Asset> {
        self.assets
            .iter()
            .find(|a| a.addresses.iter().any(|x| x.ip == ip))
    }

    /// The asset with this id.
    pub fn asset(&self, id: &AssetId) -> Option<&Asset> {
        self.assets.iter().find(|a| &a.id == id)
    }
}

/// One host.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Asset {
    /// Stable id (see the module docs).
    pub id: AssetId,
    /// Best name: the known-asset name, else DHCP/NetBIOS/SMB, LLDP,
    /// protocol identity, DNS, in that order.
    pub name: Option<String>,
    /// The host's own MACs (a router's: one per interface).
    pub macs: Vec<String>,
    /// Vendor of the first MAC (IEEE registry).
    pub mac_vendor: Option<String>,
    /// Addresses, with when and how each was seen.
    pub addresses: Vec<AddressUse>,
    /// VLAN ids (0 = untagged).
    pub vlans: Vec<u16>,
    /// Every name with its source and frame.
    pub names: Vec<NameFact>,
    /// Vendor from industrial identities (else the known-asset row).
    pub vendor: Option<Attributed>,
    /// Product name (`Modicon M340`).
    pub product: Option<Attributed>,
    /// Model or order number (`BMX P34 2020`), else the product name.
    pub model: Option<Attributed>,
    /// Firmware / revision.
    pub firmware: Option<Attributed>,
    /// Serial number.
    pub serial: Option<Attributed>,
    /// Device type as the protocol states it.
    pub device_type: Option<Attributed>,
    /// OS inference from the hardening analysis.
    pub os: Option<OsInference>,
    /// Services offered (server) and used (client).
    pub services: Vec<ServiceUse>,
    /// First packet (RFC 3339).
    pub first_seen: Option<String>,
    /// Last packet.
    pub last_seen: Option<String>,
    /// Role.
    pub role: Role,
    /// 0..1.
    pub role_confidence: f32,
    /// Why this role, strongest first.
    pub role_reasons: Vec<Reason>,
    /// Runner-up roles with their scores.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_roles: Vec<(Role, f32)>,
    /// IT / OT / DMZ / external.
    pub domain: Domain,
    /// Purdue level.
    pub purdue_level: Option<PurdueLevel>,
    /// Who decided domain and level.
    pub classified_by: Decided,
    /// Why this domain and level.
    pub level_reasons: Vec<Reason>,
    /// Zone (site file zone, or proposed zone).
    pub zone: Option<String>,
    /// Other zones its addresses are in (dual-homed hosts, routers).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_zones: Vec<String>,
    /// True for routers, firewalls and switches.
    pub is_network_infrastructure: bool,
    /// The known-asset rows matched (origins), with owner, line, criticality.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub known: Option<KnownAsset>,
    /// Packets sent and received.
    pub packets: u64,
    /// Bytes sent and received.
    pub bytes: u64,
}

impl Asset {
    /// The first address.
    pub fn ip(&self) -> Option<IpAddr> {
        self.addresses.first().map(|a| a.ip)
    }

    /// Every address.
    pub fn ips(&self) -> impl Iterator<Item = IpAddr> + '_ {
        self.addresses.iter().map(|a| a.ip)
    }
}

/// An address an asset used.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AddressUse {
    /// The address.
    pub ip: IpAddr,
    /// First packet with it (RFC 3339), if it sent or received any.
    pub first_seen: Option<String>,
    /// Last packet.
    pub last_seen: Option<String>,
    /// How it was tied to the asset (`arp`, `dhcp`, `traffic`, `known_asset`,
    /// `gateway`, `host_name`: the asset's other addresses state the same
    /// host name, see the module docs).
    pub sources: Vec<String>,
}

/// A name with its source.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct NameFact {
    /// The name.
    pub name: String,
    /// Where it came from (`dhcp`, `netbios`, `smb_ntlmssp`, `dns_ptr`,
    /// `lldp`, `modbus`, `bacnet`, `http_host`, `tls_sni`, `known_asset`).
    pub source: String,
    /// Frame that carried it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
}

/// A value with its source.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Attributed {
    /// The value.
    pub value: String,
    /// Protocol or list it came from.
    pub source: String,
    /// Frame that carried it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
}

/// Client or server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceRole {
    /// The asset answered (offers the service).
    Server,
    /// The asset opened (uses the service).
    Client,
}

/// A service an asset offered or used.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ServiceUse {
    /// Server or client.
    pub role: ServiceRole,
    /// Application protocol (`modbus`), or `tcp/5900` when no parser claimed it.
    pub protocol: String,
    /// `tcp` / `udp`.
    pub transport: String,
    /// Server port.
    pub port: u16,
    /// Distinct peers.
    pub peers: usize,
    /// Flows.
    pub flows: u64,
    /// Packets both ways.
    pub packets: u64,
    /// Bytes both ways.
    pub bytes: u64,
    /// Operations (`read`: 208).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub operations: BTreeMap<String, u64>,
    /// First flow's first frame.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
}

/// The known-asset list against what was seen.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Reconciliation {
    /// Listed assets never seen on the wire.
    pub listed_not_seen: Vec<KnownAsset>,
    /// Assets seen but not listed (plant assets only: external hosts are
    /// left out).
    pub seen_not_listed: Vec<AssetId>,
    /// Where the list and the wire disagree.
    pub conflicts: Vec<Conflict>,
    /// Listed assets matched, with the asset id.
    pub matched: Vec<(String, AssetId)>,
}

/// A disagreement between the known-asset list and the wire.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    /// The asset seen.
    pub asset: AssetId,
    /// Row of the list (`assets.csv:4`).
    pub origin: String,
    /// `mac`, `model`, `vendor`.
    pub field: String,
    /// What the list says.
    pub listed: String,
    /// What the wire says.
    pub observed: String,
}

/// Builds the inventory (see the module docs).
pub fn build_inventory(
    a: &Assessment,
    hardening: Option<&Hardening>,
    site: Option<&SiteFile>,
) -> Inventory {
    build_inventory_threads(a, hardening, site, 1)
}

/// [`build_inventory`] on up to `threads` threads (assets are built in
/// parallel); the inventory is the same for any number.
pub fn build_inventory_threads(
    a: &Assessment,
    hardening: Option<&Hardening>,
    site: Option<&SiteFile>,
    threads: usize,
) -> Inventory {
    let kb = KnowledgeBase::embedded();
    let flows_by_ip = FlowsByIp::new(&a.flows);
    let mut assets = group::group(a, site, kb, &flows_by_ip, threads);
    roles::assign(&mut assets, a, hardening, &flows_by_ip);
    drop(flows_by_ip);
    let (zones, proposed) = zones::classify(&mut assets, a, site);
    let reconciliation = site
        .filter(|s| !s.assets.is_empty())
        .map(|s| reconcile(&assets, &s.assets));
    let (conduits, convergence, mut notes) = conduits::analyse(a, &assets, hardening, site);
    if proposed {
        notes.push("no site file: zones are proposals (one per subnet or VLAN, classified by the roles of their assets)".into());
    }
    Inventory {
        schema_version: INVENTORY_SCHEMA_VERSION,
        site_name: site.and_then(|s| s.site.name.clone()),
        first_seen: a.capture.first.clone(),
        last_seen: a.capture.last.clone(),
        assets,
        zones,
        zones_proposed: proposed,
        conduits,
        convergence,
        reconciliation,
        notes,
    }
}

fn loose(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn similar(listed: &str, observed: &str) -> bool {
    let (l, o) = (loose(listed), loose(observed));
    !l.is_empty() && !o.is_empty() && (l.contains(&o) || o.contains(&l))
}

/// Matches known-asset rows to assets: by MAC, then address, then name.
fn reconcile(assets: &[Asset], known: &[KnownAsset]) -> Reconciliation {
    let mut r = Reconciliation::default();
    let mut seen_ids = BTreeSet::new();
    for k in known {
        let by_mac = k
            .mac
            .as_ref()
            .and_then(|m| assets.iter().find(|x| x.macs.contains(m)));
        let by_ip = k
            .addresses()
            .iter()
            .find_map(|ip| assets.iter().find(|x| x.ips().any(|y| y == *ip)));
        let by_name = k.name.as_ref().and_then(|n| {
            assets.iter().find(|x| {
                x.names
                    .iter()
                    .any(|f| f.name.eq_ignore_ascii_case(n) && f.source != "known_asset")
            })
        });
        let label = k
            .name
            .clone()
            .or(k.ip.map(|i| i.to_string()))
            .unwrap_or_default();
        let Some(asset) = by_ip.or(by_mac).or(by_name) else {
            r.listed_not_seen.push(k.clone());
            continue;
        };
        seen_ids.insert(asset.id.clone());
        r.matched.push((label, asset.id.clone()));
        if let (Some(m), Some(ip_asset)) = (&k.mac, by_ip) {
            if !ip_asset.macs.is_empty() && !ip_asset.macs.contains(m) {
                r.conflicts.push(Conflict {
                    asset: ip_asset.id.clone(),
                    origin: k.origin.clone(),
                    field: "mac".into(),
                    listed: format!(
                        "{} has MAC {m}",
                        k.ip.map(|i| i.to_string()).unwrap_or_default()
                    ),
                    observed: ip_asset.macs.join(", "),
                });
            }
        }
        if let (Some(lm), Some(om)) = (&k.model, &asset.model) {
            let agrees = [&asset.model, &asset.product]
                .iter()
                .any(|x| x.as_ref().is_some_and(|x| similar(lm, &x.value)));
            if !agrees {
                r.conflicts.push(Conflict {
                    asset: asset.id.clone(),
                    origin: k.origin.clone(),
                    field: "model".into(),
                    listed: lm.clone(),
                    observed: format!("{} ({})", om.value, om.source),
                });
            }
        }
        if let Some(lv) = &k.vendor {
            let observed: Vec<&str> = asset
                .vendor
                .iter()
                .map(|v| v.value.as_str())
                .chain(asset.mac_vendor.as_deref())
                .collect();
            let first_word = lv.split_whitespace().next().unwrap_or(lv);
            if !observed.is_empty() && !observed.iter().any(|o| similar(first_word, o)) {
                r.conflicts.push(Conflict {
                    asset: asset.id.clone(),
                    origin: k.origin.clone(),
                    field: "vendor".into(),
                    listed: lv.clone(),
                    observed: observed.join(" / "),
                });
            }
        }
    }
    r.seen_not_listed = assets
        .iter()
        .filter(|x| !seen_ids.contains(&x.id) && x.domain != Domain::External)
        .map(|x| x.id.clone())
        .collect();
    r
}

mod group;

/// Whether an address is public (not private, loopback, link-local, CGNAT,
/// multicast or unspecified). Documentation ranges count as public: they
/// stand for the internet in examples and test captures.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v) => {
            let o = v.octets();
            !(v.is_private()
                || v.is_loopback()
                || v.is_link_local()
                || v.is_multicast()
                || v.is_broadcast()
                || v.is_unspecified()
                || (o[0] == 100 && (64..128).contains(&o[1])))
        }
        IpAddr::V6(v) => {
            let s = v.segments();
            !(v.is_loopback()
                || v.is_multicast()
                || v.is_unspecified()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80)
        }
    }
}

pub(crate) fn fact_attr<'a>(f: &'a HostFact, k: &str) -> Option<&'a str> {
    match f {
        HostFact::Attribute { key, value } if key == k => Some(value),
        _ => None,
    }
}
