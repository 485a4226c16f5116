// SPDX-License-Identifier: Apache-2.0
//! The plant map at 10 and at 500 assets: the SVG parses, nodes and zones
//! do not overlap, nodes sit inside their zone, and every asset is drawn or
//! counted in a collapsed group.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{boxes, synthetic, Box2};
use plantguard_analysis::inventory::{Inventory, Role};
use plantguard_report::{render_map_svg, AssetLink, MapOptions};

/// Parses the map and checks the invariants every drawing must keep;
/// returns the boxes.
fn check_map(inv: &Inventory, svg: &str) -> Vec<Box2> {
    let doc = roxmltree::Document::parse(svg).expect("the map is well-formed XML");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    let all = boxes(&doc);
    let nodes: Vec<&Box2> = all.iter().filter(|b| b.kind != "zone").collect();
    let zones: Vec<&Box2> = all.iter().filter(|b| b.kind == "zone").collect();

    for (i, a) in nodes.iter().enumerate() {
        for b in &nodes[i + 1..] {
            assert!(!a.overlaps(b), "nodes overlap: {a:?} and {b:?}");
        }
    }
    for (i, a) in zones.iter().enumerate() {
        for b in &zones[i + 1..] {
            assert!(!a.overlaps(b), "zones overlap: {a:?} and {b:?}");
        }
    }
    // Each node inside the box of its zone.
    let zone_of: BTreeMap<&str, &str> = inv
        .assets
        .iter()
        .map(|a| (a.id.0.as_str(), a.zone.as_deref().unwrap_or("unzoned")))
        .collect();
    for n in &nodes {
        let z = if n.kind == "asset" {
            zone_of[n.id.as_str()]
        } else {
            n.id.as_str()
        };
        let zb = zones
            .iter()
            .find(|b| b.id == z)
            .unwrap_or_else(|| panic!("zone {z} is drawn"));
        assert!(zb.contains(n), "{n:?} lies outside its zone {zb:?}");
    }
    // Every asset drawn once or counted once.
    let drawn: Vec<&str> = nodes
        .iter()
        .filter(|b| b.kind == "asset")
        .map(|b| b.id.as_str())
        .collect();
    let unique: BTreeSet<&str> = drawn.iter().copied().collect();
    assert_eq!(unique.len(), drawn.len(), "an asset is drawn twice");
    for id in &unique {
        assert!(zone_of.contains_key(id), "{id} is not in the inventory");
    }
    let counted: usize = nodes
        .iter()
        .filter(|b| b.kind == "group")
        .map(|b| b.count)
        .sum();
    assert_eq!(
        drawn.len() + counted,
        inv.assets.len(),
        "drawn ({}) + counted in groups ({counted}) = inventory size",
        drawn.len()
    );
    all
}

#[test]
fn map_of_10_assets_draws_every_asset_without_overlap() {
    let inv = synthetic(10);
    assert_eq!(inv.assets.len(), 10);
    let svg = render_map_svg(&inv, &MapOptions::default());
    let boxes = check_map(&inv, &svg);
    assert_eq!(boxes.iter().filter(|b| b.kind == "asset").count(), 10);
    assert_eq!(boxes.iter().filter(|b| b.kind == "group").count(), 0);
    // Every Purdue level is a band, the DMZ included.
    for l in [
        "Level 5",
        "Level 4",
        "Level 3.5",
        "Level 3",
        "Level 2",
        "Level 1",
        "Level 0",
    ] {
        assert!(svg.contains(&format!(">{l}<")), "band {l} is drawn");
    }
    // The legend lists the role icons.
    assert!(svg.contains("Engineering workstation"));
}

#[test]
fn map_of_500_assets_collapses_large_zones_and_counts_everyone() {
    let inv = synthetic(500);
    assert_eq!(inv.assets.len(), 500);
    let opts = MapOptions::default();
    let svg = render_map_svg(&inv, &opts);
    if let Some(p) = std::env::var_os("PLANTGUARD_MAP_DUMP") {
        std::fs::write(p, &svg).unwrap();
    }
    let boxes = check_map(&inv, &svg);
    let groups: Vec<&Box2> = boxes.iter().filter(|b| b.kind == "group").collect();
    assert!(!groups.is_empty(), "large zones collapse");
    assert!(groups.iter().any(|g| g.id == "control"));
    // No zone draws more than the limit plus one group per band it spans.
    let mut per_zone: BTreeMap<&str, usize> = BTreeMap::new();
    for a in &inv.assets {
        let drawn = boxes.iter().any(|b| b.kind == "asset" && b.id == a.id.0);
        if drawn {
            *per_zone
                .entry(a.zone.as_deref().unwrap_or("unzoned"))
                .or_default() += 1;
        }
    }
    assert!(per_zone.values().all(|n| *n <= opts.max_assets_per_zone));
    // The group says what it holds.
    assert!(svg.contains("+ "), "a group node reads `+ N more`");
    assert!(svg.contains("PLC "), "group counts name roles");
    // An overview: at most `max_nodes` asset cards, and a sane size.
    let cards = boxes.iter().filter(|b| b.kind == "asset").count();
    assert!(cards <= opts.max_nodes, "{cards} cards");
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let w: f64 = doc
        .root_element()
        .attribute("width")
        .unwrap()
        .parse()
        .unwrap();
    let h: f64 = doc
        .root_element()
        .attribute("height")
        .unwrap()
        .parse()
        .unwrap();
    assert!(w <= 4000.0 && h <= 3000.0, "map is {w}×{h}");
}

#[test]
fn collapse_keeps_convergence_assets_visible() {
    let inv = synthetic(500);
    let svg = render_map_svg(&inv, &MapOptions::default());
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let drawn: BTreeSet<String> = boxes(&doc)
        .into_iter()
        .filter(|b| b.kind == "asset")
        .map(|b| b.id)
        .collect();
    for p in &inv.convergence {
        for id in &p.assets {
            assert!(
                drawn.contains(&id.0),
                "{id} is in a convergence point and drawn"
            );
        }
    }
}

#[test]
fn every_size_from_1_to_120_keeps_the_invariants() {
    for n in (1..=40).chain((45..=120).step_by(15)) {
        let inv = synthetic(n);
        let svg = render_map_svg(&inv, &MapOptions::default());
        check_map(&inv, &svg);
    }
}

#[test]
fn convergence_edges_are_red_dashed_with_a_reason() {
    let inv = synthetic(10);
    let svg = render_map_svg(&inv, &MapOptions::default());
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let red: Vec<_> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("edge convergence"))
        .collect();
    assert!(
        !red.is_empty(),
        "office → control modbus is a convergence edge"
    );
    for e in red {
        assert!(e.attribute("stroke-dasharray").is_some());
        let title = e.children().find(|c| c.has_tag_name("title")).unwrap();
        assert!(title.text().unwrap().contains("Convergence"));
    }
}

#[test]
fn asset_links_draw_edges_between_assets_or_their_group() {
    let inv = synthetic(40);
    let a = &inv.assets[0];
    let b = inv.assets.iter().find(|x| x.role == Role::Plc).unwrap();
    let opts = MapOptions {
        links: vec![AssetLink {
            client: a.id.clone(),
            server: b.id.clone(),
            flows: 2,
            bytes: 4000,
            protocols: ["modbus".to_string()].into(),
            convergence: Some("office PC writes to a PLC".into()),
        }],
        ..MapOptions::default()
    };
    let svg = render_map_svg(&inv, &opts);
    check_map(&inv, &svg);
    assert_eq!(svg.matches("class=\"edge convergence\"").count(), 1);
    assert!(svg.contains("office PC writes to a PLC"));
}

#[test]
fn text_from_the_wire_is_escaped() {
    let mut inv = synthetic(10);
    inv.assets[0].name = Some("<script>alert(1)</script> & \"x\" \u{1}".into());
    inv.assets[1].zone = Some("zone <b>".into());
    let svg = render_map_svg(&inv, &MapOptions::default());
    let doc = roxmltree::Document::parse(&svg).expect("still well-formed");
    assert!(!svg.contains("<script>"));
    let texts: String = doc
        .descendants()
        .filter_map(|n| n.text())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(texts.contains("<script>alert(1)"), "the name reads as text");
    check_map(&inv, &svg);
}

#[test]
fn empty_inventory_draws_the_bands_only() {
    let inv = Inventory::default();
    let svg = render_map_svg(&inv, &MapOptions::default());
    let doc = roxmltree::Document::parse(&svg).unwrap();
    assert!(boxes(&doc).is_empty());
    assert!(svg.contains("no assets seen at this level"));
}

/// A generated capture of 500 hosts, through the engine and the analysis:
/// the real inventory, not a hand-made one.
#[test]
fn map_of_a_generated_500_host_capture() {
    let dir = tempfile::tempdir().unwrap();
    let pcap = dir.path().join("plant-500.pcap");
    let mut cfg = plantguard_capgen::Config::new(30_000, 4_000, 500, 7);
    cfg.mix = plantguard_capgen::Mix::Mixed;
    let file = std::fs::File::create(&pcap).unwrap();
    plantguard_capgen::write_pcap(&cfg, std::io::BufWriter::new(file)).unwrap();
    let out = plantguard_engine::run(
        &[pcap],
        &["plant-500.pcap".into()],
        &plantguard_engine::Config {
            keep_flows: true,
            ..Default::default()
        },
        &|_| {},
    );
    let h = plantguard_analysis::analyse_hardening(
        &out.assessment,
        plantguard_analysis::KnowledgeBase::embedded(),
    );
    let inv = plantguard_analysis::inventory::build_inventory(&out.assessment, Some(&h), None);
    assert!(
        inv.assets.len() >= 400,
        "most of the 500 hosts become assets ({})",
        inv.assets.len()
    );
    let opts = MapOptions {
        links: plantguard_report::asset_links(&out.assessment, &inv),
        ..MapOptions::default()
    };
    let svg = render_map_svg(&inv, &opts);
    if let Some(p) = std::env::var_os("PLANTGUARD_MAP_DUMP_CAPGEN") {
        std::fs::write(p, &svg).unwrap();
    }
    let boxes = check_map(&inv, &svg);
    assert!(
        boxes.iter().any(|b| b.kind == "group"),
        "large zones collapse"
    );
    let cards = boxes.iter().filter(|b| b.kind == "asset").count();
    assert!(cards <= opts.max_nodes, "{cards} cards");
}
