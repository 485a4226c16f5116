// SPDX-License-Identifier: Apache-2.0
//! Renders the demo plant's map, report and CSV files into a folder:
//! `cargo run -p plantguard-report --example render_demo -- OUT_DIR`.
use std::path::PathBuf;

use plantguard_analysis::{
    analyse_hardening, inventory::build_inventory, site::load_site, KnowledgeBase,
};
use plantguard_engine::Config;
use plantguard_report::{
    asset_links, conduits_csv, inventory_csv, render_map_svg, render_report_html, MapOptions,
    ReportInput,
};

fn main() -> std::io::Result<()> {
    let out_dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "report-demo".into()),
    );
    std::fs::create_dir_all(&out_dir)?;
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
    let mut h = analyse_hardening(&out.assessment, KnowledgeBase::embedded());
    h.mask_secrets();
    let site = load_site(&root.join("demo/site.toml"));
    let inv = build_inventory(&out.assessment, Some(&h), site.as_ref().ok());
    let opts = MapOptions {
        links: asset_links(&out.assessment, &inv),
        ..MapOptions::default()
    };
    std::fs::write(out_dir.join("map.svg"), render_map_svg(&inv, &opts))?;
    let input = ReportInput::new(&out.assessment, &inv, &h, vec!["demo/plant.pcapng".into()]);
    std::fs::write(out_dir.join("report.html"), render_report_html(&input))?;
    std::fs::write(out_dir.join("inventory.csv"), inventory_csv(&inv))?;
    std::fs::write(out_dir.join("conduits.csv"), conduits_csv(&inv))?;
    Ok(())
}
