// SPDX-License-Identifier: Apache-2.0
//! Inventories for the tests: synthetic ones of any size, and the demo
//! plant run through the engine and the analysis.
#![allow(dead_code)]

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;

use plantguard_analysis::conduits::{
    Conduit, ConduitMatrix, ConduitService, ConvergenceKind, ConvergencePoint,
};
use plantguard_analysis::inventory::{
    build_inventory, AddressUse, Asset, AssetId, Decided, Domain, Inventory, PurdueLevel, Role,
    ZoneSummary,
};
use plantguard_analysis::site::{load_site, Cidr};
use plantguard_analysis::{analyse_hardening, Hardening, KnowledgeBase};
use plantguard_engine::{Assessment, Config};
use plantguard_model::Evidence;

/// One synthetic asset.
pub fn asset(i: u32, role: Role, level: Option<PurdueLevel>, zone: Option<&str>) -> Asset {
    let ip = IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + i));
    Asset {
        id: AssetId(format!("ip:{ip}")),
        name: (!matches!(i % 3, 0)).then(|| format!("{}-{i:04}", role.name())),
        macs: vec![format!(
            "00:00:00:00:{:02x}:{:02x}",
            (i >> 8) & 0xff,
            i & 0xff
        )],
        mac_vendor: Some("Example Vendor".into()),
        addresses: vec![AddressUse {
            ip,
            first_seen: None,
            last_seen: None,
            sources: vec!["traffic".into()],
        }],
        vlans: vec![0],
        names: Vec::new(),
        vendor: None,
        product: None,
        model: None,
        firmware: None,
        serial: None,
        device_type: None,
        os: None,
        services: Vec::new(),
        first_seen: None,
        last_seen: None,
        role,
        role_confidence: 0.8,
        role_reasons: Vec::new(),
        other_roles: Vec::new(),
        domain: level.map_or(Domain::Unknown, |l| l.domain()),
        purdue_level: level,
        classified_by: Decided::Inferred,
        level_reasons: Vec::new(),
        zone: zone.map(str::to_string),
        other_zones: Vec::new(),
        is_network_infrastructure: role == Role::NetworkInfrastructure,
        known: None,
        packets: u64::from(i) * 10,
        bytes: u64::from(i) * 1000,
    }
}

fn zone(name: &str, domain: Domain, level: Option<PurdueLevel>, assets: &[Asset]) -> ZoneSummary {
    ZoneSummary {
        name: name.into(),
        domain,
        purdue_level: level,
        subnets: vec![Cidr::new("10.0.0.0".parse().unwrap(), 16).unwrap()],
        vlans: Vec::new(),
        assets: assets
            .iter()
            .filter(|a| a.zone.as_deref() == Some(name))
            .map(|a| a.id.clone())
            .collect(),
        proposed: true,
        reasons: Vec::new(),
    }
}

/// A plant with `n` assets over IT, DMZ, OT (one flat zone spanning levels
/// 1 to 3, many small cell zones), building, internet and unzoned assets.
pub fn synthetic(n: u32) -> Inventory {
    use PurdueLevel::*;
    // (zone, level, role, share of n in per-mille).
    let plan: &[(Option<&str>, Option<PurdueLevel>, Role, u32)] = &[
        (Some("office"), Some(L4), Role::ItWorkstation, 240),
        (Some("office"), Some(L4), Role::ItServer, 20),
        (Some("dmz"), Some(L3_5), Role::Historian, 6),
        (Some("control"), Some(L1), Role::Plc, 300),
        (Some("control"), Some(L2), Role::Hmi, 60),
        (Some("control"), Some(L2), Role::EngineeringWorkstation, 10),
        (Some("control"), Some(L3), Role::Historian, 10),
        (Some("building"), Some(L1), Role::BuildingSystem, 60),
        (Some("internet"), Some(L5), Role::InternetHost, 30),
        (None, None, Role::Unknown, 24),
    ];
    let total: u32 = plan.iter().map(|p| p.3).sum();
    let mut assets = Vec::new();
    let mut i = 1;
    let mut cells = 0;
    for (z, l, r, share) in plan {
        let k = (n * share / total).max(1);
        for _ in 0..k {
            if assets.len() as u32 >= n {
                break;
            }
            let mut a = asset(i, *r, *l, *z);
            if *r == Role::InternetHost {
                a.domain = Domain::External;
            }
            assets.push(a);
            i += 1;
        }
    }
    // The rest: PLCs in small cell zones (one band each), to exercise wrapping.
    while (assets.len() as u32) < n {
        let cell = format!("cell-{:02}", cells % 14);
        assets.push(asset(i, Role::Plc, Some(L1), Some(&cell)));
        i += 1;
        cells += 1;
    }
    let mut zones = vec![
        zone("office", Domain::It, Some(L4), &assets),
        zone("dmz", Domain::Dmz, Some(L3_5), &assets),
        zone("control", Domain::Ot, Some(L2), &assets),
        zone("building", Domain::Ot, Some(L1), &assets),
        zone("internet", Domain::External, Some(L5), &assets),
    ];
    for c in 0..cells.min(14) {
        zones.push(zone(&format!("cell-{c:02}"), Domain::Ot, Some(L1), &assets));
    }
    let id_of = |zone: &str| {
        assets
            .iter()
            .find(|a| a.zone.as_deref() == Some(zone))
            .map(|a| a.id.clone())
    };
    let mut conduits = Vec::new();
    let mut convergence = Vec::new();
    for (from, to, fd, td, proto, port, bytes) in [
        ("office", "dmz", Domain::It, Domain::Dmz, "http", 80, 50_000),
        (
            "dmz",
            "control",
            Domain::Dmz,
            Domain::Ot,
            "opcua",
            4840,
            900_000,
        ),
        (
            "office",
            "control",
            Domain::It,
            Domain::Ot,
            "modbus",
            502,
            2_000,
        ),
        (
            "control",
            "internet",
            Domain::Ot,
            Domain::External,
            "tls",
            443,
            20_000,
        ),
        (
            "control",
            "building",
            Domain::Ot,
            Domain::Ot,
            "bacnet",
            47808,
            7_000,
        ),
    ] {
        let (Some(c), Some(s)) = (id_of(from), id_of(to)) else {
            continue;
        };
        conduits.push(Conduit {
            from_zone: from.into(),
            to_zone: to.into(),
            from_domain: fd,
            to_domain: td,
            services: vec![ConduitService {
                protocol: proto.into(),
                transport: "tcp".into(),
                port,
                flows: 3,
                bytes,
                operations: Default::default(),
                allowed_by: Vec::new(),
                unallowed_flows: 0,
                evidence: Evidence {
                    pcap_filename: "synthetic.pcap".into(),
                    pcap_cnt: 7,
                    ts: Default::default(),
                },
            }],
            flows: 3,
            packets: 30,
            bytes,
            clients: vec![c.clone()],
            servers: vec![s.clone()],
        });
        if proto == "modbus" {
            convergence.push(ConvergencePoint {
                kind: ConvergenceKind::ItOtSkipsDmz,
                assets: vec![c, s],
                summary: "an office PC talks modbus to a PLC directly".into(),
                flows: vec!["Cabc".into()],
                evidence: None,
            });
        }
    }
    Inventory {
        schema_version: 1,
        site_name: Some(format!("Synthetic plant <{n}> & Co")),
        first_seen: Some("2026-01-01T00:00:00.000000+0000".into()),
        last_seen: Some("2026-01-01T01:00:00.000000+0000".into()),
        assets,
        zones,
        zones_proposed: true,
        conduits: ConduitMatrix { conduits },
        convergence,
        reconciliation: None,
        notes: Vec::new(),
    }
}

/// The demo plant: assessment, hardening (secrets whole) and inventory.
pub fn demo() -> (Assessment, Hardening, Inventory) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = plantguard_engine::run(
        &[root.join("demo/plant.pcapng")],
        &["demo/plant.pcapng".into()],
        &Config {
            keep_flows: true,
            logs: true,
            ..Default::default()
        },
        &|_| {},
    );
    let h = analyse_hardening(&out.assessment, KnowledgeBase::embedded());
    let site = load_site(&root.join("demo/site.toml")).expect("demo/site.toml loads");
    let inv = build_inventory(&out.assessment, Some(&h), Some(&site));
    (out.assessment, h, inv)
}

/// A drawn rectangle.
#[derive(Clone, Debug)]
pub struct Box2 {
    pub kind: &'static str,
    pub id: String,
    pub count: usize,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Box2 {
    pub fn overlaps(&self, o: &Box2) -> bool {
        self.x < o.x + o.w && o.x < self.x + self.w && self.y < o.y + o.h && o.y < self.y + self.h
    }
    pub fn contains(&self, o: &Box2) -> bool {
        o.x >= self.x
            && o.y >= self.y
            && o.x + o.w <= self.x + self.w
            && o.y + o.h <= self.y + self.h
    }
}

/// Every `<rect>` with `data-asset`, `data-group` or `data-zone`.
pub fn boxes(doc: &roxmltree::Document) -> Vec<Box2> {
    let num = |n: &roxmltree::Node, a: &str| -> f64 {
        n.attribute(a)
            .unwrap_or_else(|| panic!("rect without {a}"))
            .parse()
            .unwrap()
    };
    let mut out = Vec::new();
    for n in doc.descendants().filter(|n| n.has_tag_name("rect")) {
        let (kind, id) = if let Some(id) = n.attribute("data-asset") {
            ("asset", id)
        } else if let Some(id) = n.attribute("data-group") {
            ("group", id)
        } else if let Some(id) = n.attribute("data-zone") {
            ("zone", id)
        } else {
            continue;
        };
        out.push(Box2 {
            kind,
            id: id.to_string(),
            count: n.attribute("data-count").map_or(1, |c| c.parse().unwrap()),
            x: num(&n, "x"),
            y: num(&n, "y"),
            w: num(&n, "width"),
            h: num(&n, "height"),
        });
    }
    out
}
