// SPDX-License-Identifier: Apache-2.0
//! `inventory.csv` and `conduits.csv`: one header line, then one row per
//! asset (per conduit service), CRLF line ends and RFC 4180 quoting, so a
//! spreadsheet opens them as they are.

use std::fmt::Write as _;

use plantguard_analysis::inventory::{Asset, Decided, Inventory, ServiceRole};

use crate::escape::csv_field;

const INVENTORY_HEADER: &[&str] = &[
    "id",
    "name",
    "role",
    "role_confidence",
    "domain",
    "purdue_level",
    "classified_by",
    "zone",
    "other_zones",
    "ips",
    "macs",
    "mac_vendor",
    "vendor",
    "product",
    "model",
    "firmware",
    "serial",
    "os",
    "os_confidence",
    "services_offered",
    "services_used",
    "vlans",
    "first_seen",
    "last_seen",
    "packets",
    "bytes",
];

const CONDUIT_HEADER: &[&str] = &[
    "from_zone",
    "to_zone",
    "from_domain",
    "to_domain",
    "protocol",
    "transport",
    "port",
    "flows",
    "bytes",
    "operations",
    "allowed_by",
    "unallowed_flows",
    "client_assets",
    "server_assets",
    "pcap_filename",
    "pcap_cnt",
];

fn push_row(out: &mut String, fields: &[String]) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&csv_field(f));
    }
    out.push_str("\r\n");
}

fn header(out: &mut String, h: &[&str]) {
    push_row(out, &h.iter().map(|s| (*s).to_string()).collect::<Vec<_>>());
}

/// `tcp/502 modbus` for each service the asset offers (or uses), `;`-joined.
fn services(a: &Asset, role: ServiceRole) -> String {
    a.services
        .iter()
        .filter(|s| s.role == role)
        .map(|s| format!("{}/{} {}", s.transport, s.port, s.protocol))
        .collect::<Vec<_>>()
        .join("; ")
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// The inventory as CSV: one row per asset, in inventory order.
pub fn inventory_csv(inv: &Inventory) -> String {
    let mut out = String::new();
    header(&mut out, INVENTORY_HEADER);
    for a in &inv.assets {
        let row = vec![
            a.id.to_string(),
            a.name.clone().unwrap_or_default(),
            a.role.name().to_string(),
            format!("{:.2}", a.role_confidence),
            a.domain.name().to_string(),
            opt(a.purdue_level),
            match a.classified_by {
                Decided::Inferred => "inferred",
                Decided::SiteZone => "site_zone",
                Decided::KnownAsset => "known_asset",
            }
            .to_string(),
            a.zone.clone().unwrap_or_default(),
            a.other_zones.join("; "),
            a.ips()
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join("; "),
            a.macs.join("; "),
            a.mac_vendor.clone().unwrap_or_default(),
            opt(a.vendor.as_ref().map(|v| &v.value)),
            opt(a.product.as_ref().map(|v| &v.value)),
            opt(a.model.as_ref().map(|v| &v.value)),
            opt(a.firmware.as_ref().map(|v| &v.value)),
            opt(a.serial.as_ref().map(|v| &v.value)),
            opt(a.os.as_ref().map(|o| &o.name)),
            opt(a.os.as_ref().map(|o| format!("{:.2}", o.confidence))),
            services(a, ServiceRole::Server),
            services(a, ServiceRole::Client),
            a.vlans
                .iter()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join("; "),
            a.first_seen.clone().unwrap_or_default(),
            a.last_seen.clone().unwrap_or_default(),
            a.packets.to_string(),
            a.bytes.to_string(),
        ];
        push_row(&mut out, &row);
    }
    out
}

/// The conduit matrix as CSV: one row per (client zone, server zone,
/// service), with the first frame as evidence.
pub fn conduits_csv(inv: &Inventory) -> String {
    let mut out = String::new();
    header(&mut out, CONDUIT_HEADER);
    for c in &inv.conduits.conduits {
        for s in &c.services {
            let mut ops = String::new();
            for (k, v) in &s.operations {
                if !ops.is_empty() {
                    ops.push_str("; ");
                }
                let _ = write!(ops, "{k}={v}");
            }
            let row = vec![
                c.from_zone.clone(),
                c.to_zone.clone(),
                c.from_domain.name().to_string(),
                c.to_domain.name().to_string(),
                s.protocol.clone(),
                s.transport.clone(),
                s.port.to_string(),
                s.flows.to_string(),
                s.bytes.to_string(),
                ops,
                s.allowed_by.join("; "),
                s.unallowed_flows.to_string(),
                c.clients.len().to_string(),
                c.servers.len().to_string(),
                s.evidence.pcap_filename.to_string(),
                s.evidence.pcap_cnt.to_string(),
            ];
            push_row(&mut out, &row);
        }
    }
    out
}
