// SPDX-License-Identifier: Apache-2.0
//! The inventory of the demo plant against `demo/truth.toml`: every host is
//! one asset, and roles and Purdue levels match for at least 90% of hosts.
//! Misses are explained in `docs/accuracy.md` ("Inventory and roles").

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plantguard_analysis::conduits::ConvergenceKind;
use plantguard_analysis::inventory::{build_inventory, diff, Inventory, PurdueLevel, Role};
use plantguard_analysis::site::{load_site, SiteFile};
use plantguard_analysis::{analyse_hardening, Hardening, KnowledgeBase};
use plantguard_engine::result::Assessment;

mod common;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn demo() -> &'static (Assessment, Hardening) {
    static D: OnceLock<(Assessment, Hardening)> = OnceLock::new();
    D.get_or_init(|| {
        let path = root().join("demo/plant.pcapng");
        let a = common::assess_with_logs(&path, "demo/plant.pcapng");
        let h = analyse_hardening(&a, KnowledgeBase::embedded());
        (a, h)
    })
}

struct TruthHost {
    name: String,
    ips: Vec<String>,
    role: String,
    purdue_level: f64,
}

fn truth() -> Vec<TruthHost> {
    let text = std::fs::read_to_string(root().join("demo/truth.toml")).unwrap();
    let v: toml::Value = toml::from_str(&text).unwrap();
    v["host"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| TruthHost {
            name: h["name"].as_str().unwrap().into(),
            ips: h["interfaces"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["ip"].as_str().unwrap().to_string())
                .collect(),
            role: h["role"].as_str().unwrap().into(),
            purdue_level: h["purdue_level"]
                .as_float()
                .or(h["purdue_level"].as_integer().map(|i| i as f64))
                .unwrap(),
        })
        .collect()
}

/// (hosts, role matches, level matches, misses)
fn score(inv: &Inventory) -> (usize, usize, usize, Vec<String>) {
    let t = truth();
    let (mut roles, mut levels, mut misses) = (0, 0, Vec::new());
    for h in &t {
        let ip = h.ips[0].parse().unwrap();
        let a = inv
            .asset_by_ip(ip)
            .unwrap_or_else(|| panic!("{} not an asset", h.name));
        let want: Role = h.role.parse().unwrap();
        if a.role == want {
            roles += 1;
        } else {
            misses.push(format!(
                "{}: role {} (want {}) {:?}",
                h.name,
                a.role,
                h.role,
                a.role_reasons.iter().map(|r| &r.text).collect::<Vec<_>>()
            ));
        }
        if a.purdue_level == PurdueLevel::from_value(h.purdue_level) {
            levels += 1;
        } else {
            misses.push(format!(
                "{}: level {:?} (want {}) {:?}",
                h.name,
                a.purdue_level.map(|l| l.value()),
                h.purdue_level,
                a.level_reasons.iter().map(|r| &r.text).collect::<Vec<_>>()
            ));
        }
    }
    (t.len(), roles, levels, misses)
}

/// Every truth host is exactly one asset, holding all its addresses and no
/// other host's, and every asset is a truth host.
fn assert_each_host_once(inv: &Inventory) {
    for h in truth() {
        let ids: std::collections::BTreeSet<_> = h
            .ips
            .iter()
            .map(|ip| {
                inv.asset_by_ip(ip.parse().unwrap())
                    .unwrap_or_else(|| panic!("{} {ip} is in no asset", h.name))
            })
            .map(|a| a.id.clone())
            .collect();
        assert_eq!(ids.len(), 1, "{} is {:?}", h.name, ids);
        for id in &ids {
            let a = inv.asset(id).unwrap();
            for ip in a.ips() {
                let owner = truth()
                    .into_iter()
                    .find(|t| t.ips.contains(&ip.to_string()))
                    .map(|t| t.name);
                assert_eq!(
                    owner.as_deref(),
                    Some(h.name.as_str()),
                    "asset {id} holds {ip}"
                );
            }
        }
    }
    let truth_ips: Vec<String> = truth().into_iter().flat_map(|t| t.ips).collect();
    for a in &inv.assets {
        assert!(
            a.ips().any(|ip| truth_ips.contains(&ip.to_string())) || a.ips().next().is_none(),
            "asset {} ({:?}) is not a truth host",
            a.id,
            a.ips().collect::<Vec<_>>()
        );
    }
}

#[test]
fn demo_without_site_file() {
    let (a, h) = demo();
    let inv = build_inventory(a, Some(h), None);
    assert_each_host_once(&inv);
    // qa-pc-02's two NICs share no MAC; it registers and announces its
    // NetBIOS name on both, which ties them into one dual-homed asset.
    let qa = inv.asset_by_ip("10.30.0.60".parse().unwrap()).unwrap();
    assert_eq!(qa.addresses.len(), 2, "{qa:#?}");
    assert!(qa
        .addresses
        .iter()
        .all(|u| u.sources.iter().any(|s| s == "host_name")));
    assert_eq!(qa.role, Role::ItWorkstation, "{:#?}", qa.role_reasons);
    assert!(
        inv.convergence
            .iter()
            .any(|c| c.kind == ConvergenceKind::DualHomed
                && c.assets == vec![qa.id.clone()]
                && c.summary.contains("same host name")),
        "{:#?}",
        inv.convergence
    );
    for x in &inv.assets {
        eprintln!(
            "{:<26} {:<28} {:<24} {:.2} {:<8} {:?} {:?}",
            x.id.0,
            x.ips().map(|i| i.to_string()).collect::<Vec<_>>().join(","),
            x.role.name(),
            x.role_confidence,
            x.domain.name(),
            x.purdue_level.map(|l| l.value()),
            x.zone
        );
    }
    for c in &inv.convergence {
        eprintln!("{:?}: {}", c.kind, c.summary);
    }
    let (n, roles, levels, misses) = score(&inv);
    eprintln!(
        "without site: {roles}/{n} roles, {levels}/{n} levels\n{}",
        misses.join("\n")
    );
    assert!(roles * 10 >= n * 9, "roles {roles}/{n}: {misses:#?}");
    assert!(levels * 10 >= n * 9, "levels {levels}/{n}: {misses:#?}");
    assert!(inv.zones_proposed);
    let fw = inv.asset_by_ip("10.30.0.1".parse().unwrap()).unwrap();
    assert_eq!(fw.addresses.len(), 4, "{fw:#?}");
    assert!(fw.is_network_infrastructure);
    let kinds: Vec<ConvergenceKind> = inv.convergence.iter().map(|c| c.kind).collect();
    for k in [
        ConvergenceKind::ItOtSkipsDmz,
        ConvergenceKind::OtToInternet,
        ConvergenceKind::OtResolvesInternetName,
        ConvergenceKind::RemoteAccessIntoOt,
    ] {
        assert!(kinds.contains(&k), "{k:?} missing: {:#?}", inv.convergence);
    }
    // Stable across runs, and serialisable.
    let again = build_inventory(a, Some(h), None);
    assert!(diff(&inv, &again).is_empty());
    let json = serde_json::to_string(&inv).unwrap();
    let back: Inventory = serde_json::from_str(&json).unwrap();
    assert!(diff(&inv, &back).is_empty());
}

fn reconcile_site() -> SiteFile {
    load_site(&root().join("tests/fixtures/site/reconcile.toml")).unwrap()
}

#[test]
fn demo_with_known_assets_merges_dual_homed_host_and_reconciles() {
    let (a, h) = demo();
    let site = reconcile_site();
    let inv = build_inventory(a, Some(h), Some(&site));
    assert_each_host_once(&inv);
    let qa = inv.asset_by_ip("10.30.0.60".parse().unwrap()).unwrap();
    assert_eq!(qa.addresses.len(), 2);
    assert_eq!(qa.role, Role::ItWorkstation, "{:#?}", qa.role_reasons);
    assert!(inv
        .convergence
        .iter()
        .any(|c| c.kind == ConvergenceKind::DualHomed && c.assets == vec![qa.id.clone()]));
    let r = inv.reconciliation.as_ref().unwrap();
    let unseen: Vec<_> = r
        .listed_not_seen
        .iter()
        .filter_map(|k| k.name.as_deref())
        .collect();
    assert_eq!(unseen, vec!["plc-spare"]);
    assert!(
        r.conflicts
            .iter()
            .any(|c| c.field == "mac" && c.listed.contains("00:00:00:00:00:99")),
        "{:#?}",
        r.conflicts
    );
    assert!(
        r.conflicts
            .iter()
            .any(|c| c.field == "model" && c.listed == "1756-L61"),
        "{:#?}",
        r.conflicts
    );
    assert!(
        !r.conflicts.iter().any(|c| c.origin.ends_with(":3")),
        "plc-m340 agrees: {:#?}",
        r.conflicts
    );
    let hmi = inv.asset_by_ip("10.30.0.20".parse().unwrap()).unwrap();
    assert!(r.seen_not_listed.contains(&hmi.id));
    let cloud = inv.asset_by_ip("203.0.113.10".parse().unwrap()).unwrap();
    assert!(!r.seen_not_listed.contains(&cloud.id));
}

#[test]
fn demo_with_demo_site_file() {
    let (a, h) = demo();
    let site = load_site(&root().join("demo/site.toml")).unwrap();
    let inv = build_inventory(a, Some(h), Some(&site));
    assert!(!inv.zones_proposed);
    assert_each_host_once(&inv);
    let (n, roles, levels, misses) = score(&inv);
    eprintln!(
        "with demo/site.toml: {roles}/{n} roles, {levels}/{n} levels\n{}",
        misses.join("\n")
    );
    assert!(roles * 10 >= n * 9 && levels * 10 >= n * 9, "{misses:#?}");
    let plc = inv.asset_by_ip("10.30.0.10".parse().unwrap()).unwrap();
    assert_eq!(plc.zone.as_deref(), Some("control"));
    assert_eq!(plc.purdue_level, Some(PurdueLevel::L1));
    let office_to_control = inv
        .conduits
        .conduits
        .iter()
        .find(|c| c.from_zone == "office" && c.to_zone == "control")
        .expect("office -> control conduit");
    let modbus = office_to_control
        .services
        .iter()
        .find(|s| s.protocol == "modbus")
        .unwrap();
    assert!(modbus.allowed_by.is_empty());
    assert_eq!(modbus.unallowed_flows, 1);
    assert!(modbus.operations.get("write").copied().unwrap_or(0) >= 1);
    let hmi_plc = inv
        .conduits
        .conduits
        .iter()
        .find(|c| c.from_zone == "control" && c.to_zone == "control")
        .unwrap();
    assert!(hmi_plc
        .services
        .iter()
        .any(|s| s.protocol == "modbus" && s.allowed_by.iter().any(|r| r == "hmi-to-controllers")));
}
