// SPDX-License-Identifier: Apache-2.0
//! `diff` between two inventories: new, gone and changed assets and conduits,
//! also after a round trip through `assets.json`.

use std::path::Path;

use plantguard_analysis::inventory::{build_inventory, diff, Inventory, Role};

mod common;

fn demo_inventory() -> Inventory {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../demo/plant.pcapng");
    build_inventory(&common::assess(&path, "demo/plant.pcapng"), None, None)
}

#[test]
fn reports_new_gone_and_changed_assets_and_conduits() {
    let old = demo_inventory();
    let mut new: Inventory = serde_json::from_str(&serde_json::to_string(&old).unwrap()).unwrap();
    assert!(diff(&old, &new).is_empty());

    let gone = new.assets.remove(0).id;
    let mut added = new.assets[0].clone();
    added.id = plantguard_analysis::inventory::AssetId("mac:02:00:00:00:00:01".into());
    new.assets.push(added.clone());
    new.assets[1].role = Role::Unknown;
    let changed = new.assets[1].id.clone();
    let removed_conduit = new.conduits.conduits.remove(0);
    new.conduits.conduits[0].services.pop();

    let d = diff(&old, &new);
    assert_eq!(d.gone_assets, vec![gone]);
    assert_eq!(d.new_assets, vec![added.id]);
    let c = d.changed_assets.iter().find(|c| c.id == changed).unwrap();
    assert!(
        c.changes
            .iter()
            .any(|f| f.field == "role" && f.new == "unknown"),
        "{c:?}"
    );
    assert_eq!(
        d.gone_conduits,
        vec![format!(
            "{} -> {}",
            removed_conduit.from_zone, removed_conduit.to_zone
        )]
    );
    assert_eq!(d.changed_conduits.len(), 1);
    assert_eq!(d.changed_conduits[0].gone_services.len(), 1);
    assert!(d.new_conduits.is_empty());
}
