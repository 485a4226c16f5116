// SPDX-License-Identifier: Apache-2.0
//! Domains, Purdue levels and zones.
//!
//! With a site file, an asset's zone is its known-asset row's `zone`, else
//! the zone holding one of its addresses (a `/0` zone last), else the zone
//! of one of its VLANs; the zone gives the domain. The level is the
//! known-asset row's, else the role's level when the role belongs to the
//! zone's domain (a PLC in a level-2 OT zone stays at level 1), else the
//! zone's level.
//!
//! Without a site file, every IPv4 /24 (or tagged VLAN) is a proposed zone,
//! and public addresses form one `internet` zone. A zone's domain is the
//! vote of its assets' role domains; a zone with no controllers, operator
//! or engineering stations and no IT workstations, whose assets talk to both
//! IT and OT, is a DMZ (3.5). Assets whose role has no domain (switches,
//! unknown) take their zone's. A router joining IT and OT zones is the
//! boundary (DMZ, 3.5).

use std::collections::{BTreeMap, BTreeSet};

use crate::hash::HashMap;
use std::net::IpAddr;

use plantguard_engine::result::Assessment;
use serde::{Deserialize, Serialize};

use super::{is_public, Asset, Decided, Domain, PurdueLevel, Reason, Role};
use crate::site::{Cidr, SiteFile};

/// A zone as the inventory sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ZoneSummary {
    /// Name (the site file's, or `it-10.10.0.0/24` for a proposal).
    pub name: String,
    /// Domain.
    pub domain: Domain,
    /// Purdue level.
    pub purdue_level: Option<PurdueLevel>,
    /// Subnets.
    pub subnets: Vec<Cidr>,
    /// VLANs.
    pub vlans: Vec<u16>,
    /// Assets in it (by id).
    pub assets: Vec<super::AssetId>,
    /// True for PlantGuard's proposals.
    pub proposed: bool,
    /// Why this domain and level.
    pub reasons: Vec<Reason>,
}

/// The /24 (IPv4) or /64 (IPv6) holding `ip`: a proposed zone, and what
/// "the same subnet" means when no site file says otherwise.
pub(crate) fn subnet24(ip: IpAddr) -> Cidr {
    match ip {
        IpAddr::V4(_) => Cidr::new(ip, 24),
        IpAddr::V6(_) => Cidr::new(ip, 64),
    }
    .unwrap_or(Cidr {
        addr: ip,
        prefix: 0,
    })
}

fn core_ot(r: Role) -> bool {
    matches!(
        r,
        Role::Plc
            | Role::Rtu
            | Role::Hmi
            | Role::EngineeringWorkstation
            | Role::SafetyController
            | Role::ScadaServer
            | Role::BuildingSystem
    )
}

pub(super) fn classify(
    assets: &mut [Asset],
    a: &Assessment,
    site: Option<&SiteFile>,
) -> (Vec<ZoneSummary>, bool) {
    match site.filter(|s| !s.zones.is_empty()) {
        Some(s) => (site_zones(assets, s), false),
        None => (proposed_zones(assets, a), true),
    }
}

fn site_zones(assets: &mut [Asset], s: &SiteFile) -> Vec<ZoneSummary> {
    let zone_of_ip = |ip: IpAddr| -> Option<usize> {
        s.zones
            .iter()
            .enumerate()
            .filter_map(|(i, z)| {
                z.subnets
                    .iter()
                    .filter(|c| c.contains(ip))
                    .map(|c| c.prefix)
                    .max()
                    .map(|p| (p, i))
            })
            .max()
            .map(|(_, i)| i)
    };
    let mut members: BTreeMap<usize, Vec<super::AssetId>> = BTreeMap::new();
    for asset in assets.iter_mut() {
        let known_zone = asset
            .known
            .as_ref()
            .and_then(|k| k.zone.as_ref())
            .and_then(|z| s.zones.iter().position(|x| &x.name == z));
        let mut zs: Vec<usize> = asset.ips().filter_map(zone_of_ip).collect();
        zs.extend(
            asset
                .vlans
                .iter()
                .filter_map(|v| s.zones.iter().position(|z| z.vlans.contains(v))),
        );
        zs.dedup();
        let primary = known_zone.or(zs.first().copied());
        let Some(zi) = primary else {
            asset.level_reasons.push(Reason::new(
                "no site-file zone holds its addresses or VLANs",
            ));
            infer_from_role(asset);
            continue;
        };
        let z = &s.zones[zi];
        members.entry(zi).or_default().push(asset.id.clone());
        asset.zone = Some(z.name.clone());
        asset.other_zones = zs
            .iter()
            .filter(|i| **i != zi)
            .map(|i| s.zones[*i].name.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        asset.domain = z.kind.domain();
        asset.classified_by = Decided::SiteZone;
        asset.level_reasons.push(Reason::new(format!(
            "site zone {:?} ({}, level {})",
            z.name,
            z.kind.domain(),
            z.purdue_level
        )));
        let role_level = asset
            .role
            .default_level()
            .filter(|l| z.kind.domain() == Domain::Ot && l.domain() == Domain::Ot);
        asset.purdue_level = Some(match role_level {
            Some(l) => {
                asset.level_reasons.push(Reason::new(format!(
                    "role {} sits at level {l} within the OT zone",
                    asset.role
                )));
                l
            }
            None => z.purdue_level,
        });
        let kinds: BTreeSet<Domain> = zs.iter().map(|i| s.zones[*i].kind.domain()).collect();
        if asset.is_network_infrastructure && kinds.len() > 1 {
            asset.domain = Domain::Dmz;
            asset.purdue_level = Some(PurdueLevel::L3_5);
            asset.level_reasons.push(Reason::new(format!(
                "routes between zones of {} kinds ({}): the IT/OT boundary",
                kinds.len(),
                asset.other_zones.join(", ")
            )));
        }
        if let Some(k) = &asset.known {
            if let Some(l) = k.purdue_level {
                asset.purdue_level = Some(l);
                asset.classified_by = Decided::KnownAsset;
                asset.level_reasons.push(Reason::new(format!(
                    "known-asset row {} sets level {l}",
                    k.origin
                )));
            }
        }
    }
    s.zones
        .iter()
        .enumerate()
        .map(|(i, z)| ZoneSummary {
            name: z.name.clone(),
            domain: z.kind.domain(),
            purdue_level: Some(z.purdue_level),
            subnets: z.subnets.clone(),
            vlans: z.vlans.clone(),
            assets: members.remove(&i).unwrap_or_default(),
            proposed: false,
            reasons: vec![Reason::new("defined in the site file")],
        })
        .collect()
}

fn infer_from_role(asset: &mut Asset) {
    if asset.domain == Domain::Unknown {
        asset.domain = asset.role.default_domain();
    }
    asset.purdue_level = asset.role.default_level();
    if let Some(l) = asset.purdue_level {
        asset.level_reasons.push(Reason::new(format!(
            "role {} sits at level {l}",
            asset.role
        )));
    }
}

fn proposed_zones(assets: &mut [Asset], a: &Assessment) -> Vec<ZoneSummary> {
    // Zone key per address: VLAN when tagged, else /24; public = internet,
    // except for a plant device on public addressing (see roles).
    let key_of = |ip: IpAddr, asset: &Asset| -> String {
        let vlans = &asset.vlans;
        let plant_public = asset.domain != Domain::External && asset.ips().all(is_public);
        if is_public(ip) && !plant_public {
            "internet".to_string()
        } else if let Some(v) = vlans.iter().find(|v| **v != 0) {
            format!("vlan-{v}")
        } else {
            subnet24(ip).to_string()
        }
    };
    let mut zone_assets: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, asset) in assets.iter().enumerate() {
        let keys: BTreeSet<String> = asset.ips().map(|ip| key_of(ip, asset)).collect();
        for k in keys {
            zone_assets.entry(k).or_default().push(i);
        }
    }
    // Role-based domain first.
    for asset in assets.iter_mut() {
        infer_from_role(asset);
    }
    // The assets each zone counts as its members (a router with addresses
    // in several zones is none of them), and the zones each asset is a
    // member of.
    let members_of: Vec<Vec<usize>> = zone_assets
        .values()
        .map(|idx| {
            idx.iter()
                .copied()
                .filter(|i| {
                    !assets[*i].is_network_infrastructure || assets[*i].addresses.len() == 1
                })
                .collect()
        })
        .collect();
    let mut member_zones: Vec<Vec<usize>> = vec![Vec::new(); assets.len()];
    for (z, members) in members_of.iter().enumerate() {
        for i in members {
            member_zones[*i].push(z);
        }
    }
    // Domains of the peers each zone's members talk to outside the zone,
    // from flows.
    let ip_asset: HashMap<IpAddr, usize> = assets
        .iter()
        .enumerate()
        .flat_map(|(i, x)| x.ips().map(move |ip| (ip, i)))
        .collect();
    let mut peer_domains: Vec<BTreeSet<Domain>> = vec![BTreeSet::new(); members_of.len()];
    for f in &a.flows {
        if let (Some(&x), Some(&y)) = (ip_asset.get(&f.orig_h), ip_asset.get(&f.resp_h)) {
            if x != y {
                for (me, peer) in [(x, y), (y, x)] {
                    for z in &member_zones[me] {
                        if !member_zones[peer].contains(z) {
                            peer_domains[*z].insert(assets[peer].role.default_domain());
                        }
                    }
                }
            }
        }
    }

    let mut zones = Vec::new();
    let mut zone_domain: BTreeMap<String, Domain> = BTreeMap::new();
    for (z, (key, idx)) in zone_assets.iter().enumerate() {
        let members: &[usize] = &members_of[z];
        let mut reasons = Vec::new();
        let domain = if key == "internet" {
            reasons.push(Reason::new("public addresses"));
            Domain::External
        } else {
            let mut votes: BTreeMap<Domain, f32> = BTreeMap::new();
            for i in members {
                let d = assets[*i].role.default_domain();
                if d != Domain::Unknown {
                    *votes.entry(d).or_default() += assets[*i].role_confidence.max(0.1);
                }
            }
            let any_core = members.iter().any(|i| core_ot(assets[*i].role));
            let any_it_ws = members
                .iter()
                .any(|i| assets[*i].role == Role::ItWorkstation);
            let peer_domains = &peer_domains[z];
            if !any_core
                && !any_it_ws
                && !members.is_empty()
                && peer_domains.contains(&Domain::It)
                && peer_domains.contains(&Domain::Ot)
            {
                reasons.push(Reason::new(
                    "no controllers, operator, engineering or office stations; its hosts talk to both IT and OT",
                ));
                Domain::Dmz
            } else if let Some((d, _)) = votes.iter().max_by(|x, y| x.1.total_cmp(y.1)) {
                reasons.push(Reason::new(format!(
                    "roles of its assets vote {}",
                    votes
                        .iter()
                        .map(|(d, v)| format!("{d} {v:.2}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
                *d
            } else {
                reasons.push(Reason::new("no asset with a known role"));
                Domain::Unknown
            }
        };
        zone_domain.insert(key.clone(), domain);
        let level = match domain {
            Domain::External => Some(PurdueLevel::L5),
            Domain::Dmz => Some(PurdueLevel::L3_5),
            Domain::It => Some(PurdueLevel::L4),
            Domain::Ot => {
                let sup = members.iter().any(|i| {
                    matches!(
                        assets[*i].role,
                        Role::Hmi | Role::EngineeringWorkstation | Role::ScadaServer
                    )
                });
                let only_l3 = members.iter().all(|i| {
                    matches!(
                        assets[*i].role,
                        Role::Historian
                            | Role::OpcServer
                            | Role::NetworkInfrastructure
                            | Role::Unknown
                    )
                });
                Some(if sup {
                    PurdueLevel::L2
                } else if only_l3 {
                    PurdueLevel::L3
                } else {
                    PurdueLevel::L1
                })
            }
            Domain::Unknown => None,
        };
        let name = if key == "internet" {
            "internet".to_string()
        } else {
            format!("{}-{key}", domain.name())
        };
        let (subnets, vlans) = if let Some(v) = key.strip_prefix("vlan-") {
            (Vec::new(), vec![v.parse().unwrap_or(0)])
        } else if key == "internet" {
            (Vec::new(), Vec::new())
        } else {
            (
                vec![key.parse().unwrap_or(Cidr {
                    addr: IpAddr::from([0, 0, 0, 0]),
                    prefix: 0,
                })],
                Vec::new(),
            )
        };
        zones.push(ZoneSummary {
            name,
            domain,
            purdue_level: level,
            subnets,
            vlans,
            assets: idx.iter().map(|i| assets[*i].id.clone()).collect(),
            proposed: true,
            reasons,
        });
    }

    // Assets: zone, and domain/level refinements. A key's zone is the first
    // zone whose name ends with it.
    let mut by_suffix: HashMap<&str, usize> = HashMap::default();
    for (i, z) in zones.iter().enumerate() {
        for (at, _) in z.name.char_indices() {
            by_suffix.entry(&z.name[at..]).or_insert(i);
        }
        by_suffix.entry("").or_insert(i);
    }
    for asset in assets.iter_mut() {
        let keys: Vec<String> = asset
            .ips()
            .map(|ip| key_of(ip, asset))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let zs: Vec<&ZoneSummary> = keys
            .iter()
            .filter_map(|k| by_suffix.get(k.as_str()).map(|i| &zones[*i]))
            .collect();
        let domains: BTreeSet<Domain> = zs.iter().map(|z| z.domain).collect();
        if asset.is_network_infrastructure && zs.len() > 1 {
            asset.zone = None;
            asset.other_zones = zs.iter().map(|z| z.name.clone()).collect();
            if domains.contains(&Domain::It) && domains.contains(&Domain::Ot)
                || domains.contains(&Domain::Dmz)
            {
                asset.domain = Domain::Dmz;
                asset.purdue_level = Some(PurdueLevel::L3_5);
                asset.level_reasons.push(Reason::new(format!(
                    "routes between {} zones ({}): the IT/OT boundary",
                    zs.len(),
                    zs.iter()
                        .map(|z| z.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
            continue;
        }
        let Some(z) = zs.first() else { continue };
        asset.zone = Some(z.name.clone());
        asset.other_zones = zs.iter().skip(1).map(|z| z.name.clone()).collect();
        match z.domain {
            Domain::Dmz => {
                asset.domain = Domain::Dmz;
                asset.purdue_level = Some(PurdueLevel::L3_5);
                asset
                    .level_reasons
                    .push(Reason::new(format!("in the DMZ zone {}", z.name)));
            }
            Domain::External => {
                asset.domain = Domain::External;
                asset.purdue_level = Some(PurdueLevel::L5);
            }
            d if asset.role.default_domain() == Domain::Unknown && d != Domain::Unknown => {
                asset.domain = d;
                asset.purdue_level = match d {
                    Domain::Ot => Some(PurdueLevel::L2),
                    Domain::It => Some(PurdueLevel::L4),
                    _ => z.purdue_level,
                };
                asset.level_reasons.push(Reason::new(format!(
                    "{} in {} zone {}: level {}",
                    asset.role,
                    d,
                    z.name,
                    asset
                        .purdue_level
                        .map(|l| l.to_string())
                        .unwrap_or_default()
                )));
            }
            _ => {}
        }
    }
    zones
}
