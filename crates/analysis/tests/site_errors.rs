// SPDX-License-Identifier: Apache-2.0
//! Site-file errors: each kind names the file, the line (and column) and the
//! field.

use std::path::{Path, PathBuf};

use plantguard_analysis::inventory::{PurdueLevel, Role};
use plantguard_analysis::site::{
    load_site, parse_site, ConduitEnd, SiteError, SiteErrorKind, ZoneKind,
};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

const HEAD: &str = r#"[site]
name = "Test plant"

[[zone]]
name = "office"
kind = "it"
purdue_level = 4
subnets = ["10.10.0.0/24"]

[[zone]]
name = "cell-1"
kind = "ot"
purdue_level = 1
subnets = ["10.30.0.0/24"]
vlans = [30]
"#;

fn err(body: &str) -> SiteError {
    let src = format!("{HEAD}{body}");
    parse_site(&src, Path::new("plant/site.toml")).expect_err("must fail")
}

fn assert_at(e: &SiteError, kind: SiteErrorKind, line: usize, field: &str) {
    assert_eq!(e.kind, kind, "{e}");
    assert_eq!(e.line, line, "{e}");
    assert!(
        e.field.contains(field),
        "field {:?} lacks {field:?}: {e}",
        e.field
    );
    let shown = e.to_string();
    assert!(
        shown.starts_with(&format!("plant/site.toml:{line}:")),
        "{shown}"
    );
}

#[test]
fn demo_site_file_loads() {
    let s = load_site(&root().join("demo/site.toml")).expect("demo site file");
    assert_eq!(s.site.name.as_deref(), Some("Demo Packaging Plant"));
    assert_eq!(s.zones.len(), 4);
    assert_eq!(s.zones[1].kind, ZoneKind::Dmz);
    assert_eq!(s.zones[1].purdue_level, PurdueLevel::L3_5);
    assert_eq!(s.zones[3].kind, ZoneKind::External);
    assert_eq!(s.conduits[0].to, ConduitEnd::Host("dmz-web-01".into()));
    assert_eq!(s.conduits[1].protocol, vec!["dns", "dhcp"]);
    assert_eq!(s.assets.len(), 8);
    assert!(
        s.assets[0].origin.ends_with("demo/site.toml:136"),
        "{}",
        s.assets[0].origin
    );
    assert_eq!(s.lines[1].downtime_cost_per_hour, Some(26000.0));
    assert_eq!(s.maintenance_windows[0].start.unwrap().to_string(), "02:00");
    assert_eq!(s.maintenance_windows[1].dates.len(), 2);
    assert_eq!(s.vendors[0].target, vec!["ews-01"]);
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
}

#[test]
fn syntax_error_names_line_and_column() {
    let e = err("\n[[zone]]\nname = \"cell-2\n");
    assert_eq!(e.kind, SiteErrorKind::Syntax, "{e}");
    assert_eq!(e.line, 18, "{e}");
}

#[test]
fn invalid_cidr_names_zone_and_field() {
    let e = err("\n[[zone]]\nname = \"cell-2\"\nkind = \"ot\"\npurdue_level = 1\nsubnets = [\"10.40.0.0/24\", \"10.30.0.0/33\"]\n");
    assert_at(
        &e,
        SiteErrorKind::InvalidValue,
        21,
        "zone \"cell-2\": subnets",
    );
    assert!(
        e.message.contains("\"10.30.0.0/33\" is not a valid CIDR"),
        "{e}"
    );
    assert_eq!(e.column, 28, "{e}");
}

#[test]
fn purdue_level_outside_range() {
    let e = err("\n[[zone]]\nname = \"cell-2\"\nkind = \"ot\"\npurdue_level = 2.5\n");
    assert_at(
        &e,
        SiteErrorKind::InvalidValue,
        20,
        "zone \"cell-2\": purdue_level",
    );
    assert!(e.message.contains("outside 0..=5"), "{e}");
}

#[test]
fn unknown_zone_kind() {
    let e = err("\n[[zone]]\nname = \"cell-2\"\nkind = \"plant\"\npurdue_level = 1\n");
    assert_at(&e, SiteErrorKind::InvalidValue, 19, "zone \"cell-2\": kind");
}

#[test]
fn missing_field() {
    let e = err("\n[[zone]]\nname = \"cell-2\"\npurdue_level = 1\n");
    assert_eq!(e.kind, SiteErrorKind::MissingField, "{e}");
    assert!(e.message.contains("kind"), "{e}");
    assert_eq!(e.line, 17, "{e}");
    assert!(e.field.contains("zone \"cell-2\""), "{e}");
}

#[test]
fn overlapping_subnets() {
    let e = err("\n[[zone]]\nname = \"cell-2\"\nkind = \"ot\"\npurdue_level = 1\nsubnets = [\"10.30.0.128/25\"]\n");
    assert_at(
        &e,
        SiteErrorKind::OverlappingSubnets,
        21,
        "zone \"cell-2\": subnets",
    );
    assert!(e.message.contains("cell-1"), "{e}");
}

#[test]
fn default_route_zone_may_overlap() {
    let src = format!(
        "{HEAD}\n[[zone]]\nname = \"internet\"\nkind = \"external\"\npurdue_level = 5\nsubnets = [\"0.0.0.0/0\"]\n"
    );
    parse_site(&src, Path::new("site.toml")).expect("catch-all zone");
}

#[test]
fn duplicate_vlan() {
    let e =
        err("\n[[zone]]\nname = \"cell-2\"\nkind = \"ot\"\npurdue_level = 1\nvlans = [31, 30]\n");
    assert_at(
        &e,
        SiteErrorKind::OverlappingVlans,
        21,
        "zone \"cell-2\": vlans",
    );
}

#[test]
fn duplicate_zone_name() {
    let e = err("\n[[zone]]\nname = \"office\"\nkind = \"it\"\npurdue_level = 4\n");
    assert_at(
        &e,
        SiteErrorKind::DuplicateName,
        18,
        "zone \"office\": name",
    );
    assert!(e.message.contains("line 4"), "{e}");
}

#[test]
fn conduit_to_unknown_zone() {
    let e = err(
        "\n[[conduit]]\nname = \"c1\"\nfrom = \"office\"\nto = \"cell-9\"\nprotocol = \"modbus\"\n",
    );
    assert_at(&e, SiteErrorKind::UnknownZone, 20, "conduit \"c1\": to");
}

#[test]
fn line_depends_on_unknown_zone() {
    let e = err("\n[[line]]\nname = \"Line 1\"\ndepends_on = [\"plc-1\", \"zone:cell-9\"]\n");
    assert_at(
        &e,
        SiteErrorKind::UnknownZone,
        19,
        "line \"Line 1\": depends_on",
    );
}

#[test]
fn window_for_unknown_line() {
    let e = err("\n[[maintenance_window]]\nname = \"weekly\"\ndays = [\"sunday\"]\nstart = \"02:00\"\nend = \"06:00\"\napplies_to = [\"Line 9\"]\n");
    assert_at(
        &e,
        SiteErrorKind::UnknownLine,
        22,
        "maintenance_window \"weekly\": applies_to",
    );
}

#[test]
fn bad_time_of_day() {
    let e = err(
        "\n[[maintenance_window]]\nname = \"weekly\"\ndays = [\"sunday\"]\nstart = \"25:00\"\n",
    );
    assert_at(
        &e,
        SiteErrorKind::InvalidValue,
        20,
        "maintenance_window \"weekly\": start",
    );
}

#[test]
fn bad_mac_in_asset() {
    let e = err("\n[[asset]]\nname = \"plc-1\"\nip = \"10.30.0.10\"\nmac = \"00:80:f4\"\n");
    assert_at(&e, SiteErrorKind::InvalidValue, 20, "asset \"plc-1\": mac");
}

#[test]
fn asset_in_unknown_zone() {
    let e = err("\n[[asset]]\nname = \"plc-1\"\nzone = \"cell-9\"\nrole = \"plc\"\n");
    assert_at(&e, SiteErrorKind::UnknownZone, 19, "asset \"plc-1\": zone");
}

#[test]
fn unknown_fields_are_warnings() {
    let src = format!("{HEAD}colour = \"blue\"\n");
    let s = parse_site(&src, Path::new("plant/site.toml")).expect("accepted");
    assert_eq!(s.warnings.len(), 1, "{:?}", s.warnings);
    assert!(
        s.warnings[0].starts_with("plant/site.toml:16:10: zone \"cell-1\": colour"),
        "{:?}",
        s.warnings
    );
}

#[test]
fn csv_import_and_its_errors() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site.toml");
    std::fs::write(
        &site,
        format!(
            "{}known_assets = \"assets.csv\"\n{}",
            &HEAD[..27],
            &HEAD[27..]
        ),
    )
    .unwrap();
    let csv = dir.path().join("assets.csv");
    std::fs::write(
        &csv,
        "IP,MAC,Name,Vendor,Model,Owner,Line,Role\n10.30.0.10,00-80-F4-1E-00-0A,plc-1,Schneider,M340,ops,L1,plc\n",
    )
    .unwrap();
    let s = load_site(&site).expect("site with CSV");
    assert_eq!(s.assets.len(), 1);
    assert_eq!(s.assets[0].mac.as_deref(), Some("00:80:f4:1e:00:0a"));
    assert_eq!(s.assets[0].role, Some(Role::Plc));
    assert!(s.assets[0].origin.ends_with("assets.csv:2"));

    std::fs::write(&csv, "ip,mac,name\n10.30.0.10,,plc-1\n10.30.0.300,,plc-2\n").unwrap();
    let e = load_site(&site).expect_err("bad ip");
    assert_eq!(e.file, csv);
    assert_eq!((e.line, e.column), (3, 1), "{e}");
    assert_eq!(e.field, "column ip");
    assert!(
        e.to_string()
            .ends_with("assets.csv:3:1: column ip: \"10.30.0.300\" is not an IP address"),
        "{e}"
    );

    std::fs::write(&csv, "ip,mac,name,zone\n10.30.0.10,,plc-1,cell-9\n").unwrap();
    let e = load_site(&site).expect_err("unknown zone");
    assert_eq!(
        (e.kind, e.line, e.column),
        (SiteErrorKind::UnknownZone, 2, 4),
        "{e}"
    );

    std::fs::remove_file(&csv).unwrap();
    let e = load_site(&site).expect_err("missing CSV");
    assert_eq!(e.kind, SiteErrorKind::Io);
    assert_eq!(e.file, csv);
}

#[test]
fn missing_site_file() {
    let e = load_site(Path::new("/nonexistent/site.toml")).expect_err("missing");
    assert_eq!(e.kind, SiteErrorKind::Io);
    assert!(
        e.to_string()
            .starts_with("/nonexistent/site.toml:0:0: cannot read"),
        "{e}"
    );
}
