// SPDX-License-Identifier: Apache-2.0
//! What changed between two inventories (`plantguard diff OLD NEW`).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::{Asset, AssetId, Inventory};
use crate::conduits::Conduit;

/// New, gone and changed assets and conduits.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct InventoryDiff {
    /// Assets only in the new inventory.
    pub new_assets: Vec<AssetId>,
    /// Assets only in the old one.
    pub gone_assets: Vec<AssetId>,
    /// Assets in both whose facts differ.
    pub changed_assets: Vec<AssetChange>,
    /// Zone pairs (`from -> to`) only in the new inventory.
    pub new_conduits: Vec<String>,
    /// Zone pairs only in the old one.
    pub gone_conduits: Vec<String>,
    /// Zone pairs in both whose services differ.
    pub changed_conduits: Vec<ConduitChange>,
}

impl InventoryDiff {
    /// True when nothing changed.
    pub fn is_empty(&self) -> bool {
        self.new_assets.is_empty()
            && self.gone_assets.is_empty()
            && self.changed_assets.is_empty()
            && self.new_conduits.is_empty()
            && self.gone_conduits.is_empty()
            && self.changed_conduits.is_empty()
    }
}

/// One asset's changes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetChange {
    /// The asset.
    pub id: AssetId,
    /// Its changed fields.
    pub changes: Vec<FieldChange>,
}

/// One changed field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    /// Field (`addresses`, `role`, `purdue_level`, `firmware`, `services`, ...).
    pub field: String,
    /// Old value.
    pub old: String,
    /// New value.
    pub new: String,
}

/// One conduit's changes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConduitChange {
    /// `from -> to`.
    pub conduit: String,
    /// Services (`modbus tcp/502`) that appeared.
    pub new_services: Vec<String>,
    /// Services that disappeared.
    pub gone_services: Vec<String>,
}

fn fields(a: &Asset) -> Vec<(&'static str, String)> {
    let opt =
        |o: &Option<super::Attributed>| o.as_ref().map(|x| x.value.clone()).unwrap_or_default();
    vec![
        ("name", a.name.clone().unwrap_or_default()),
        ("macs", a.macs.join(", ")),
        (
            "addresses",
            a.ips()
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(", "),
        ),
        ("vlans", format!("{:?}", a.vlans)),
        ("vendor", opt(&a.vendor)),
        ("model", opt(&a.model)),
        ("firmware", opt(&a.firmware)),
        ("serial", opt(&a.serial)),
        (
            "os",
            a.os.as_ref().map(|o| o.name.clone()).unwrap_or_default(),
        ),
        ("role", a.role.to_string()),
        ("domain", a.domain.to_string()),
        (
            "purdue_level",
            a.purdue_level.map(|l| l.to_string()).unwrap_or_default(),
        ),
        ("zone", a.zone.clone().unwrap_or_default()),
        (
            "services",
            a.services
                .iter()
                .map(|s| {
                    format!("{:?} {} {}/{}", s.role, s.protocol, s.transport, s.port).to_lowercase()
                })
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect::<Vec<_>>()
                .join(", "),
        ),
    ]
}

fn conduit_key(c: &Conduit) -> String {
    format!("{} -> {}", c.from_zone, c.to_zone)
}

fn conduit_services(c: &Conduit) -> BTreeSet<String> {
    c.services
        .iter()
        .map(|s| format!("{} {}/{}", s.protocol, s.transport, s.port))
        .collect()
}

/// Compares two inventories by asset id and by zone pair.
pub fn diff(old: &Inventory, new: &Inventory) -> InventoryDiff {
    let o: BTreeMap<&AssetId, &Asset> = old.assets.iter().map(|a| (&a.id, a)).collect();
    let n: BTreeMap<&AssetId, &Asset> = new.assets.iter().map(|a| (&a.id, a)).collect();
    let mut d = InventoryDiff {
        new_assets: n
            .keys()
            .filter(|k| !o.contains_key(*k))
            .map(|k| (*k).clone())
            .collect(),
        gone_assets: o
            .keys()
            .filter(|k| !n.contains_key(*k))
            .map(|k| (*k).clone())
            .collect(),
        ..InventoryDiff::default()
    };
    for (id, na) in &n {
        let Some(oa) = o.get(id) else { continue };
        let changes: Vec<FieldChange> = fields(oa)
            .into_iter()
            .zip(fields(na))
            .filter(|((_, x), (_, y))| x != y)
            .map(|((f, x), (_, y))| FieldChange {
                field: f.into(),
                old: x,
                new: y,
            })
            .collect();
        if !changes.is_empty() {
            d.changed_assets.push(AssetChange {
                id: (*id).clone(),
                changes,
            });
        }
    }
    let oc: BTreeMap<String, &Conduit> = old
        .conduits
        .conduits
        .iter()
        .map(|c| (conduit_key(c), c))
        .collect();
    let nc: BTreeMap<String, &Conduit> = new
        .conduits
        .conduits
        .iter()
        .map(|c| (conduit_key(c), c))
        .collect();
    d.new_conduits = nc
        .keys()
        .filter(|k| !oc.contains_key(*k))
        .cloned()
        .collect();
    d.gone_conduits = oc
        .keys()
        .filter(|k| !nc.contains_key(*k))
        .cloned()
        .collect();
    for (k, c) in &nc {
        let Some(prev) = oc.get(k) else { continue };
        let (a, b) = (conduit_services(prev), conduit_services(c));
        if a != b {
            d.changed_conduits.push(ConduitChange {
                conduit: k.clone(),
                new_services: b.difference(&a).cloned().collect(),
                gone_services: a.difference(&b).cloned().collect(),
            });
        }
    }
    d
}
