// SPDX-License-Identifier: Apache-2.0
//! The CSV exports read back with a standard CSV reader: one record per
//! asset (per conduit service), every record as wide as the header, and
//! awkward text intact.

mod common;

use plantguard_report::{conduits_csv, inventory_csv};

fn read(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let header = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|x| x.unwrap().iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

#[test]
fn inventory_csv_has_one_record_per_asset_and_survives_awkward_names() {
    let mut inv = common::synthetic(40);
    inv.assets[0].name = Some("line 3, \"north\"\nPLC".into());
    inv.assets[1].name = Some("=HYPERLINK(\"x\")".into());
    let text = inventory_csv(&inv);
    assert!(text.contains("\r\n"), "RFC 4180 line ends");
    let (header, rows) = read(&text);
    assert_eq!(header[0], "id");
    assert_eq!(rows.len(), inv.assets.len());
    for r in &rows {
        assert_eq!(r.len(), header.len());
    }
    let name = header.iter().position(|h| h == "name").unwrap();
    assert_eq!(rows[0][name], "line 3, \"north\"\nPLC");
    assert!(
        rows[1][name].starts_with('\''),
        "formula defused: {}",
        rows[1][name]
    );
    assert_eq!(rows[2][0], inv.assets[2].id.0);
}

#[test]
fn conduits_csv_has_one_record_per_service_with_evidence() {
    let inv = common::synthetic(40);
    let (header, rows) = read(&conduits_csv(&inv));
    let services: usize = inv.conduits.conduits.iter().map(|c| c.services.len()).sum();
    assert_eq!(rows.len(), services);
    let f = header.iter().position(|h| h == "pcap_filename").unwrap();
    let n = header.iter().position(|h| h == "pcap_cnt").unwrap();
    assert!(rows.iter().all(|r| r[f] == "synthetic.pcap" && r[n] == "7"));
}
