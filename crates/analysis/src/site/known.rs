// SPDX-License-Identifier: Apache-2.0
//! The known-asset CSV: an engineering spreadsheet or CMDB export.
//!
//! Columns (header names, any order, case-insensitive; others ignored):
//! `ip`, `mac`, `name`, `vendor`, `model`, `owner`, `line`, and optionally
//! `criticality`, `role`, `zone`, `purdue_level`, `notes`. A row needs an
//! `ip`, a `mac` or a `name`. Several rows with the same name are one asset
//! with several addresses (a dual-homed host).

use std::collections::BTreeSet;
use std::path::Path;

use super::{normalise_mac, KnownAsset, SiteError, SiteErrorKind};
use crate::inventory::PurdueLevel;

const COLUMNS: &[&str] = &[
    "ip",
    "mac",
    "name",
    "vendor",
    "model",
    "owner",
    "line",
    "criticality",
    "role",
    "zone",
    "purdue_level",
    "notes",
];

/// Reads the known-asset CSV at `path`; `zones` are the zone names a `zone`
/// column may use.
pub(crate) fn load_known_assets(
    path: &Path,
    zones: &BTreeSet<&str>,
) -> Result<Vec<KnownAsset>, SiteError> {
    let text = std::fs::read_to_string(path).map_err(|e| SiteError {
        file: path.to_path_buf(),
        line: 0,
        column: 0,
        field: String::new(),
        message: format!("cannot read the known-asset CSV: {e}"),
        kind: SiteErrorKind::Io,
    })?;
    parse_known_assets_in(&text, path, Some(zones))
}

/// Parses known-asset CSV text; `path` names the file in errors and origins.
/// Zone names are not checked (there is no site file to check them against).
pub fn parse_known_assets(text: &str, path: &Path) -> Result<Vec<KnownAsset>, SiteError> {
    parse_known_assets_in(text, path, None)
}

fn parse_known_assets_in(
    text: &str,
    path: &Path,
    zones: Option<&BTreeSet<&str>>,
) -> Result<Vec<KnownAsset>, SiteError> {
    let err = |line: usize, column: usize, field: &str, message: String, kind| SiteError {
        file: path.to_path_buf(),
        line,
        column,
        field: if field.is_empty() {
            String::new()
        } else {
            format!("column {field}")
        },
        message,
        kind,
    };
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| {
            let line = e.position().map_or(1, |p| p.line() as usize);
            err(line, 0, "", e.to_string(), SiteErrorKind::Syntax)
        })?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase().replace([' ', '-'], "_"))
        .collect();
    let col = |name: &str| headers.iter().position(|h| h == name);
    if !["ip", "mac", "name"].iter().any(|c| col(c).is_some()) {
        return Err(err(
            1,
            1,
            "",
            format!(
                "header has none of the columns ip, mac, name (expected some of: {})",
                COLUMNS.join(", ")
            ),
            SiteErrorKind::MissingField,
        ));
    }
    let mut out = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line() as usize);
            err(line, 0, "", e.to_string(), SiteErrorKind::Syntax)
        })?;
        let line = rec.position().map_or(0, |p| p.line() as usize);
        let get = |name: &str| -> Option<(usize, String)> {
            let i = col(name)?;
            let v = rec.get(i)?.trim();
            (!v.is_empty()).then(|| (i + 1, v.to_string()))
        };
        if rec.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let mut a = KnownAsset {
            origin: format!("{}:{line}", path.display()),
            ..KnownAsset::default()
        };
        if let Some((c, v)) = get("ip") {
            a.ip = Some(v.parse().map_err(|_| {
                err(
                    line,
                    c,
                    "ip",
                    format!("{v:?} is not an IP address"),
                    SiteErrorKind::InvalidValue,
                )
            })?);
        }
        if let Some((c, v)) = get("mac") {
            a.mac = Some(normalise_mac(&v).ok_or_else(|| {
                err(
                    line,
                    c,
                    "mac",
                    format!("{v:?} is not a MAC address"),
                    SiteErrorKind::InvalidValue,
                )
            })?);
        }
        a.name = get("name").map(|x| x.1);
        a.vendor = get("vendor").map(|x| x.1);
        a.model = get("model").map(|x| x.1);
        a.owner = get("owner").map(|x| x.1);
        a.line = get("line").map(|x| x.1);
        a.notes = get("notes").map(|x| x.1);
        if let Some((c, v)) = get("criticality") {
            a.criticality = Some(
                v.parse()
                    .map_err(|m| err(line, c, "criticality", m, SiteErrorKind::InvalidValue))?,
            );
        }
        if let Some((c, v)) = get("role") {
            a.role = Some(
                v.parse()
                    .map_err(|m| err(line, c, "role", m, SiteErrorKind::InvalidValue))?,
            );
        }
        if let Some((c, v)) = get("purdue_level") {
            let n: f64 = v.parse().map_err(|_| {
                err(
                    line,
                    c,
                    "purdue_level",
                    format!("{v:?} is not a number"),
                    SiteErrorKind::InvalidValue,
                )
            })?;
            a.purdue_level = Some(
                PurdueLevel::try_from(n)
                    .map_err(|m| err(line, c, "purdue_level", m, SiteErrorKind::InvalidValue))?,
            );
        }
        if let Some((c, v)) = get("zone") {
            if let Some(z) = zones {
                if !z.contains(v.as_str()) {
                    return Err(err(
                        line,
                        c,
                        "zone",
                        format!("zone {v:?} is not defined in the site file"),
                        SiteErrorKind::UnknownZone,
                    ));
                }
            }
            a.zone = Some(v);
        }
        if a.ip.is_none() && a.mac.is_none() && a.name.is_none() {
            return Err(err(
                line,
                1,
                "",
                "row has no ip, mac or name".into(),
                SiteErrorKind::MissingField,
            ));
        }
        out.push(a);
    }
    Ok(out)
}
