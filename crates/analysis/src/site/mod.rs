// SPDX-License-Identifier: Apache-2.0
//! The site file (`site.toml`): what a plant's engineers know and the network
//! cannot tell.
//!
//! [`load_site`] reads the file, imports the known-asset CSV it names, and
//! validates everything beyond syntax. Every [`SiteError`] names the file, the
//! line and column, and the field (`demo/site.toml:42:9: zone "cell-2":
//! subnets: "10.30.0.0/33" is not a valid CIDR`). The schema is documented
//! with a commented example in `docs/site-file.md`.

mod known;
mod locate;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::inventory::{Domain, PurdueLevel, Role};
use locate::{Locator, Seg};

pub use known::parse_known_assets;

/// A parsed and validated site file.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SiteFile {
    /// The `[site]` table.
    #[serde(default)]
    pub site: SiteInfo,
    /// Zones (`[[zone]]`).
    #[serde(default, rename = "zone")]
    pub zones: Vec<Zone>,
    /// Allowed conduits (`[[conduit]]`).
    #[serde(default, rename = "conduit")]
    pub conduits: Vec<AllowedConduit>,
    /// Known assets: `[[asset]]` rows first, then the rows of the CSV named by
    /// `site.known_assets`.
    #[serde(default, rename = "asset")]
    pub assets: Vec<KnownAsset>,
    /// Production lines (`[[line]]`).
    #[serde(default, rename = "line")]
    pub lines: Vec<ProductionLine>,
    /// Maintenance windows (`[[maintenance_window]]`).
    #[serde(default, rename = "maintenance_window")]
    pub maintenance_windows: Vec<MaintenanceWindow>,
    /// Vendors with remote access (`[[vendor]]`).
    #[serde(default, rename = "vendor")]
    pub vendors: Vec<Vendor>,
    /// Things that are accepted but look wrong (unknown fields, names that
    /// match nothing yet), each as `file:line:column: message`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// The `[site]` table.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SiteInfo {
    /// Plant name, shown in reports.
    #[serde(default)]
    pub name: Option<String>,
    /// Where the plant is.
    #[serde(default)]
    pub location: Option<String>,
    /// IANA time zone of maintenance windows (`Europe/Berlin`).
    #[serde(default)]
    pub timezone: Option<String>,
    /// Currency of every cost (`EUR`).
    #[serde(default)]
    pub currency: Option<String>,
    /// Known-asset CSV, relative to the site file.
    #[serde(default)]
    pub known_assets: Option<String>,
}

/// A zone: subnets and VLANs that share a security level.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Zone {
    /// Unique name.
    pub name: String,
    /// IT, OT, DMZ or external.
    pub kind: ZoneKind,
    /// Purdue level (0-5, 3.5 = DMZ).
    pub purdue_level: PurdueLevel,
    /// Member subnets. `0.0.0.0/0` (or `::/0`) is a catch-all: it holds what
    /// no other zone holds.
    #[serde(default)]
    pub subnets: Vec<Cidr>,
    /// Member VLAN ids (1-4094).
    #[serde(default)]
    pub vlans: Vec<u16>,
    /// Free text.
    #[serde(default)]
    pub description: Option<String>,
}

/// The kind of a zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ZoneKind {
    /// Enterprise / office.
    It,
    /// Operational technology.
    Ot,
    /// IT/OT DMZ.
    Dmz,
    /// Outside the plant.
    External,
}

impl ZoneKind {
    /// The asset domain of members of such a zone.
    pub const fn domain(self) -> Domain {
        match self {
            ZoneKind::It => Domain::It,
            ZoneKind::Ot => Domain::Ot,
            ZoneKind::Dmz => Domain::Dmz,
            ZoneKind::External => Domain::External,
        }
    }
}

/// One end of an allowed conduit: a zone (`control`) or a host
/// (`host:hmi-01`, by asset name or IP address).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ConduitEnd {
    /// A zone by name.
    Zone(String),
    /// A host by asset name or address.
    Host(String),
}

impl fmt::Display for ConduitEnd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConduitEnd::Zone(z) => f.write_str(z),
            ConduitEnd::Host(h) => write!(f, "host:{h}"),
        }
    }
}

impl Serialize for ConduitEnd {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ConduitEnd {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let s = s.trim();
        if let Some(h) = s.strip_prefix("host:") {
            if h.trim().is_empty() {
                return Err(serde::de::Error::custom("\"host:\" needs a host name"));
            }
            Ok(ConduitEnd::Host(h.trim().to_string()))
        } else if s.is_empty() {
            Err(serde::de::Error::custom("empty zone name"))
        } else {
            Ok(ConduitEnd::Zone(
                s.strip_prefix("zone:").unwrap_or(s).to_string(),
            ))
        }
    }
}

/// Which way an allowed conduit may be opened.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub enum Direction {
    /// Only `from` opens connections to `to` (the default).
    #[default]
    #[serde(rename = "from->to")]
    FromTo,
    /// Either side may open.
    #[serde(rename = "bidirectional")]
    Bidirectional,
}

/// A flow that is meant to exist.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AllowedConduit {
    /// Unique name.
    pub name: String,
    /// Client side.
    pub from: ConduitEnd,
    /// Server side.
    pub to: ConduitEnd,
    /// Protocols (`"modbus,enip"` or `["modbus", "enip"]`); empty = any.
    #[serde(default, alias = "protocols", deserialize_with = "list_or_csv")]
    pub protocol: Vec<String>,
    /// Server ports; empty = any.
    #[serde(default)]
    pub ports: Vec<u16>,
    /// Who may open.
    #[serde(default)]
    pub direction: Direction,
    /// Why it exists.
    #[serde(default)]
    pub justification: Option<String>,
}

/// How bad losing an asset or a line is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Criticality {
    /// Minor.
    Low,
    /// Noticeable.
    Medium,
    /// Stops production.
    High,
}

impl FromStr for Criticality {
    type Err = String;
    fn from_str(s: &str) -> Result<Criticality, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "low" => Ok(Criticality::Low),
            "medium" => Ok(Criticality::Medium),
            "high" => Ok(Criticality::High),
            other => Err(format!(
                "criticality {other:?} is not one of low, medium, high"
            )),
        }
    }
}

/// An asset the plant knows about, from `[[asset]]` or the known-asset CSV.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct KnownAsset {
    /// Name (hostname or tag). Rows of the CSV with the same name are one
    /// asset with several addresses (a dual-homed host).
    #[serde(default)]
    pub name: Option<String>,
    /// Address.
    #[serde(default)]
    pub ip: Option<IpAddr>,
    /// Further addresses (other NICs).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ips: Vec<IpAddr>,
    /// MAC address, `00:80:f4:01:02:03` (any of `:`, `-`, `.` accepted).
    #[serde(default, deserialize_with = "opt_mac")]
    pub mac: Option<String>,
    /// Manufacturer.
    #[serde(default)]
    pub vendor: Option<String>,
    /// Model.
    #[serde(default)]
    pub model: Option<String>,
    /// Who looks after it.
    #[serde(default)]
    pub owner: Option<String>,
    /// Production line it serves.
    #[serde(default)]
    pub line: Option<String>,
    /// Criticality.
    #[serde(default)]
    pub criticality: Option<Criticality>,
    /// Role, overriding the inferred one.
    #[serde(default, deserialize_with = "opt_role")]
    pub role: Option<Role>,
    /// Zone, overriding subnet/VLAN membership.
    #[serde(default)]
    pub zone: Option<String>,
    /// Purdue level, overriding the zone's and the inferred one.
    #[serde(default)]
    pub purdue_level: Option<PurdueLevel>,
    /// Free text.
    #[serde(default)]
    pub notes: Option<String>,
    /// Where the row came from (`demo/site.toml:120`, `assets.csv:4`).
    #[serde(default)]
    pub origin: String,
}

impl KnownAsset {
    /// Every address of the row.
    pub fn addresses(&self) -> Vec<IpAddr> {
        let mut v: Vec<IpAddr> = self.ip.iter().chain(self.ips.iter()).copied().collect();
        v.sort();
        v.dedup();
        v
    }
}

/// A production line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProductionLine {
    /// Unique name.
    pub name: String,
    /// Asset names (or `zone:<name>`, or a bare zone name) it needs to run.
    #[serde(default)]
    pub depends_on: Vec<String>,
    /// Criticality.
    #[serde(default)]
    pub criticality: Option<Criticality>,
    /// What an hour of stoppage costs, in `site.currency`.
    #[serde(default)]
    pub downtime_cost_per_hour: Option<f64>,
    /// Asset names in restart order, first to last.
    #[serde(default)]
    pub restart_order: Vec<String>,
}

/// When changes that can stop production may be made.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MaintenanceWindow {
    /// Unique name.
    pub name: String,
    /// Weekdays (`sunday`, ...), for a weekly window.
    #[serde(default)]
    pub days: Vec<Weekday>,
    /// Local start time `HH:MM`.
    #[serde(default)]
    pub start: Option<TimeOfDay>,
    /// Local end time `HH:MM`.
    #[serde(default)]
    pub end: Option<TimeOfDay>,
    /// First and last day (`YYYY-MM-DD`), whole days, for a one-off window.
    #[serde(default)]
    pub dates: Vec<crate::Date>,
    /// Line names, or `all`.
    #[serde(default)]
    pub applies_to: Vec<String>,
}

/// A day of the week.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[allow(missing_docs)]
pub enum Weekday {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

/// A local time of day, `HH:MM`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimeOfDay {
    /// 0-23 (24 only as `24:00`).
    pub hour: u8,
    /// 0-59.
    pub minute: u8,
}

impl FromStr for TimeOfDay {
    type Err = String;
    fn from_str(s: &str) -> Result<TimeOfDay, String> {
        let bad = || format!("{s:?} is not a time HH:MM");
        let (h, m) = s.split_once(':').ok_or_else(bad)?;
        let hour: u8 = h.parse().map_err(|_| bad())?;
        let minute: u8 = m.parse().map_err(|_| bad())?;
        if m.len() != 2 || minute > 59 || hour > 24 || (hour == 24 && minute != 0) {
            return Err(bad());
        }
        Ok(TimeOfDay { hour, minute })
    }
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.hour, self.minute)
    }
}

impl Serialize for TimeOfDay {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TimeOfDay {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// A vendor with remote access.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Vendor {
    /// Unique name.
    pub name: String,
    /// How to reach them.
    #[serde(default)]
    pub contact: Option<String>,
    /// Approved remote-access methods (string or list).
    #[serde(default, deserialize_with = "list")]
    pub approved_method: Vec<String>,
    /// Target hosts (asset names or addresses; string or list).
    #[serde(default, deserialize_with = "list")]
    pub target: Vec<String>,
    /// Where they connect from (addresses or CIDRs; string or list).
    #[serde(default, deserialize_with = "list")]
    pub source: Vec<String>,
    /// When access is allowed, in words.
    #[serde(default)]
    pub schedule: Option<String>,
    /// Whether security approved the access.
    #[serde(default)]
    pub approved: Option<bool>,
}

/// An IPv4 or IPv6 network in CIDR notation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cidr {
    /// Network address (host bits cleared).
    pub addr: IpAddr,
    /// Prefix length.
    pub prefix: u8,
}

impl Cidr {
    /// The network of `ip` with `prefix` bits (host bits cleared).
    pub fn new(ip: IpAddr, prefix: u8) -> Option<Cidr> {
        let max = if ip.is_ipv4() { 32 } else { 128 };
        if prefix > max {
            return None;
        }
        Some(Cidr {
            addr: mask(ip, prefix),
            prefix,
        })
    }

    /// Whether `ip` is inside.
    pub fn contains(&self, ip: IpAddr) -> bool {
        ip.is_ipv4() == self.addr.is_ipv4() && mask(ip, self.prefix) == self.addr
    }

    /// Whether the two networks share any address.
    pub fn overlaps(&self, other: &Cidr) -> bool {
        self.contains(other.addr) || other.contains(self.addr)
    }

    /// `0.0.0.0/0` or `::/0`.
    pub fn is_default(&self) -> bool {
        self.prefix == 0
    }
}

fn mask(ip: IpAddr, prefix: u8) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => {
            let m = if prefix == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(prefix))
            };
            IpAddr::V4((u32::from(v4) & m).into())
        }
        IpAddr::V6(v6) => {
            let m = if prefix == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(prefix))
            };
            IpAddr::V6((u128::from(v6) & m).into())
        }
    }
}

impl FromStr for Cidr {
    type Err = String;
    fn from_str(s: &str) -> Result<Cidr, String> {
        let bad = || format!("{s:?} is not a valid CIDR");
        let (a, p) = s.trim().split_once('/').ok_or_else(bad)?;
        let ip: IpAddr = a.parse().map_err(|_| bad())?;
        let prefix: u8 = p.parse().map_err(|_| bad())?;
        Cidr::new(ip, prefix).ok_or_else(bad)
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

impl Serialize for Cidr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Cidr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

fn list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    })
}

fn list_or_csv<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(list(d)?
        .iter()
        .flat_map(|s| s.split(','))
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect())
}

fn opt_mac<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(s) => normalise_mac(&s)
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom(format!("{s:?} is not a MAC address"))),
    }
}

fn opt_role<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Role>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(s) => s.parse().map(Some).map_err(serde::de::Error::custom),
    }
}

/// `00-80-F4-01-02-03`, `0080.f401.0203` or `00:80:f4:01:02:03` to
/// `00:80:f4:01:02:03`.
pub fn normalise_mac(s: &str) -> Option<String> {
    let hex: String = s
        .chars()
        .filter(|c| !matches!(c, ':' | '-' | '.'))
        .collect();
    if hex.len() != 12 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let hex = hex.to_ascii_lowercase();
    let parts: Vec<&str> = (0..6).map(|i| &hex[i * 2..i * 2 + 2]).collect();
    Some(parts.join(":"))
}

/// A site-file problem: where it is and what is wrong.
///
/// Displays as `file:line:column: field: message`.
#[derive(Debug, thiserror::Error)]
#[error("{}:{line}:{column}: {}{message}", file.display(), if field.is_empty() { String::new() } else { format!("{field}: ") })]
pub struct SiteError {
    /// The file at fault (the site file or the known-asset CSV).
    pub file: PathBuf,
    /// 1-based line (0 when the file could not be read).
    pub line: usize,
    /// 1-based column (for the CSV: the 1-based column number).
    pub column: usize,
    /// The entry and field (`zone "cell-2": subnets`), empty for syntax
    /// errors outside any field.
    pub field: String,
    /// What is wrong.
    pub message: String,
    /// The kind of problem.
    pub kind: SiteErrorKind,
}

/// The kinds of [`SiteError`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SiteErrorKind {
    /// The file could not be read.
    Io,
    /// Not valid TOML (or CSV).
    Syntax,
    /// A field has the wrong type or an invalid value (including CIDRs,
    /// MACs, addresses, times, Purdue levels, enum values).
    InvalidValue,
    /// A required field is missing.
    MissingField,
    /// A conduit, line, asset or window names a zone that is not defined.
    UnknownZone,
    /// A maintenance window names a line that is not defined.
    UnknownLine,
    /// Two entries of one table share a name.
    DuplicateName,
    /// Two zones claim the same addresses.
    OverlappingSubnets,
    /// Two zones claim the same VLAN.
    OverlappingVlans,
}

/// Reads, imports and validates a site file. See `docs/site-file.md`.
pub fn load_site(path: &Path) -> Result<SiteFile, SiteError> {
    let src = std::fs::read_to_string(path).map_err(|e| SiteError {
        file: path.to_path_buf(),
        line: 0,
        column: 0,
        field: String::new(),
        message: format!("cannot read: {e}"),
        kind: SiteErrorKind::Io,
    })?;
    parse_site(&src, path)
}

/// Parses and validates site-file text; `path` names the file in errors and
/// anchors the known-asset CSV.
pub fn parse_site(src: &str, path: &Path) -> Result<SiteFile, SiteError> {
    let loc = Locator::new(src);
    let err_at = |span: std::ops::Range<usize>, message: String, kind: SiteErrorKind| {
        let (line, column) = loc.line_col(span.start);
        SiteError {
            file: path.to_path_buf(),
            line,
            column,
            field: loc.field_at(&span),
            message,
            kind,
        }
    };
    if let Err(e) = toml::de::DeTable::parse(src) {
        return Err(err_at(
            e.span().unwrap_or(0..0),
            e.message().to_string(),
            SiteErrorKind::Syntax,
        ));
    }
    let mut site: SiteFile = toml::from_str(src).map_err(|e| {
        let msg = e.message().to_string();
        let kind = if msg.starts_with("missing field") {
            SiteErrorKind::MissingField
        } else {
            SiteErrorKind::InvalidValue
        };
        let span = narrow_to_quoted(src, e.span().unwrap_or(0..0), &msg);
        err_at(span, msg, kind)
    })?;
    let mut v = Validator {
        loc: &loc,
        path,
        errors: Vec::new(),
        warnings: Vec::new(),
    };
    v.unknown_fields();
    v.validate(&site);
    for (i, a) in site.assets.iter_mut().enumerate() {
        let (line, _) = loc.line_col(loc.span(&[Seg::Key("asset"), Seg::Index(i)]).start);
        a.origin = format!("{}:{line}", path.display());
    }
    v.validate_assets(&site);
    if let Some(csv) = site.site.known_assets.clone() {
        let csv_path = path.parent().unwrap_or_else(|| Path::new("")).join(&csv);
        let zones: BTreeSet<&str> = site.zones.iter().map(|z| z.name.as_str()).collect();
        match known::load_known_assets(&csv_path, &zones) {
            Ok(rows) => site.assets.extend(rows),
            Err(e) => v.errors.push(e),
        }
    }
    v.errors.sort_by_key(|e| (e.line, e.column));
    if let Some(e) = v.errors.into_iter().next() {
        return Err(e);
    }
    site.warnings = v.warnings;
    Ok(site)
}

/// Serde reports a bad element of an array at the whole array; point at the
/// element the message quotes instead.
fn narrow_to_quoted(src: &str, span: std::ops::Range<usize>, msg: &str) -> std::ops::Range<usize> {
    let quoted = msg
        .find('"')
        .and_then(|a| msg[a + 1..].find('"').map(|b| &msg[a..a + b + 2]));
    if let (Some(q), Some(text)) = (quoted, src.get(span.clone())) {
        if let Some(i) = text.find(q) {
            return span.start + i..span.start + i + q.len();
        }
    }
    span
}

struct Validator<'a, 'i> {
    loc: &'a Locator<'i>,
    path: &'a Path,
    errors: Vec<SiteError>,
    warnings: Vec<String>,
}

const KNOWN_FIELDS: &[(&str, &[&str])] = &[
    (
        "site",
        &["name", "location", "timezone", "currency", "known_assets"],
    ),
    (
        "zone",
        &[
            "name",
            "kind",
            "purdue_level",
            "subnets",
            "vlans",
            "description",
        ],
    ),
    (
        "conduit",
        &[
            "name",
            "from",
            "to",
            "protocol",
            "protocols",
            "ports",
            "direction",
            "justification",
        ],
    ),
    (
        "asset",
        &[
            "name",
            "ip",
            "ips",
            "mac",
            "vendor",
            "model",
            "owner",
            "line",
            "criticality",
            "role",
            "zone",
            "purdue_level",
            "notes",
        ],
    ),
    (
        "line",
        &[
            "name",
            "depends_on",
            "criticality",
            "downtime_cost_per_hour",
            "restart_order",
        ],
    ),
    (
        "maintenance_window",
        &["name", "days", "start", "end", "dates", "applies_to"],
    ),
    (
        "vendor",
        &[
            "name",
            "contact",
            "approved_method",
            "target",
            "source",
            "schedule",
            "approved",
        ],
    ),
];

impl<'i> Validator<'_, 'i> {
    fn error(&mut self, path: &[Seg<'_>], message: String, kind: SiteErrorKind) {
        let span = self.loc.span(path);
        let (line, column) = self.loc.line_col(span.start);
        self.errors.push(SiteError {
            file: self.path.to_path_buf(),
            line,
            column,
            field: self.loc.field_at(&span),
            message,
            kind,
        });
    }

    fn warn(&mut self, path: &[Seg<'_>], message: String) {
        let span = self.loc.span(path);
        let (line, column) = self.loc.line_col(span.start);
        let field = self.loc.field_at(&span);
        self.warnings.push(format!(
            "{}:{line}:{column}: {field}: {message}",
            self.path.display()
        ));
    }

    /// Unknown fields are accepted (the file may carry notes for other
    /// tools) but reported, so a typo does not go unnoticed.
    fn unknown_fields(&mut self) {
        let Ok(doc) = toml::de::DeTable::parse(self.loc_src()) else {
            return;
        };
        let mut found = Vec::new();
        for (k, v) in doc.get_ref().iter() {
            let key: &str = k.get_ref();
            let Some((_, fields)) = KNOWN_FIELDS.iter().find(|(t, _)| *t == key) else {
                found.push((
                    vec![key.to_string()],
                    format!("unknown table {key:?} ignored"),
                ));
                continue;
            };
            let tables: Vec<(Option<usize>, &toml::de::DeTable<'_>)> = match v.get_ref() {
                toml::de::DeValue::Table(t) => vec![(None, t)],
                toml::de::DeValue::Array(a) => a
                    .iter()
                    .enumerate()
                    .filter_map(|(i, x)| match x.get_ref() {
                        toml::de::DeValue::Table(t) => Some((Some(i), t)),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            for (i, t) in tables {
                for (fk, _) in t.iter() {
                    let f: &str = fk.get_ref();
                    if !fields.contains(&f) {
                        let mut p = vec![key.to_string()];
                        if let Some(i) = i {
                            p.push(format!("#{i}"));
                        }
                        p.push(f.to_string());
                        found.push((p, format!("unknown field {f:?} ignored")));
                    }
                }
            }
        }
        for (p, msg) in found {
            let segs: Vec<Seg<'_>> = p
                .iter()
                .map(|s| match s.strip_prefix('#') {
                    Some(i) => Seg::Index(i.parse().unwrap_or(0)),
                    None => Seg::Key(s),
                })
                .collect();
            self.warn(&segs, msg);
        }
    }

    fn loc_src(&self) -> &'i str {
        self.loc.src()
    }

    fn duplicates<'n>(&mut self, table: &str, names: impl Iterator<Item = &'n str>) {
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, n) in names.enumerate() {
            if let Some(first) = seen.get(n) {
                let (line, _) = self
                    .loc
                    .line_col(self.loc.span(&[Seg::Key(table), Seg::Index(*first)]).start);
                self.error(
                    &[Seg::Key(table), Seg::Index(i), Seg::Key("name")],
                    format!("name {n:?} is already used by the {table} on line {line}"),
                    SiteErrorKind::DuplicateName,
                );
            } else {
                seen.insert(n, i);
            }
        }
    }

    fn validate(&mut self, s: &SiteFile) {
        self.duplicates("zone", s.zones.iter().map(|z| z.name.as_str()));
        self.duplicates("conduit", s.conduits.iter().map(|z| z.name.as_str()));
        self.duplicates("line", s.lines.iter().map(|z| z.name.as_str()));
        self.duplicates(
            "maintenance_window",
            s.maintenance_windows.iter().map(|z| z.name.as_str()),
        );
        self.duplicates("vendor", s.vendors.iter().map(|z| z.name.as_str()));
        self.duplicates("asset", s.assets.iter().filter_map(|a| a.name.as_deref()));

        // Subnets: CIDRs either nest or are disjoint, so any overlap means
        // two zones claim the same addresses. A /0 is the catch-all.
        let mut claimed: Vec<(usize, usize, Cidr)> = Vec::new();
        let mut vlans: BTreeMap<u16, usize> = BTreeMap::new();
        for (zi, z) in s.zones.iter().enumerate() {
            for (si, c) in z.subnets.iter().enumerate() {
                if c.is_default() {
                    continue;
                }
                if let Some((ozi, _, oc)) = claimed.iter().find(|(_, _, o)| o.overlaps(c)) {
                    let other = &s.zones[*ozi].name;
                    self.error(
                        &[
                            Seg::Key("zone"),
                            Seg::Index(zi),
                            Seg::Key("subnets"),
                            Seg::Index(si),
                        ],
                        format!("{c} overlaps {oc} of zone {other:?}"),
                        SiteErrorKind::OverlappingSubnets,
                    );
                }
                claimed.push((zi, si, *c));
            }
            for (vi, vl) in z.vlans.iter().enumerate() {
                let path = [
                    Seg::Key("zone"),
                    Seg::Index(zi),
                    Seg::Key("vlans"),
                    Seg::Index(vi),
                ];
                if !(1..=4094).contains(vl) {
                    self.error(
                        &path,
                        format!("VLAN {vl} is outside 1..=4094"),
                        SiteErrorKind::InvalidValue,
                    );
                } else if let Some(o) = vlans.get(vl) {
                    let other = s.zones[*o].name.clone();
                    self.error(
                        &path,
                        format!("VLAN {vl} is already in zone {other:?}"),
                        SiteErrorKind::OverlappingVlans,
                    );
                } else {
                    vlans.insert(*vl, zi);
                }
            }
        }

        let zones: BTreeSet<&str> = s.zones.iter().map(|z| z.name.as_str()).collect();
        for (i, c) in s.conduits.iter().enumerate() {
            for (key, end) in [("from", &c.from), ("to", &c.to)] {
                if let ConduitEnd::Zone(z) = end {
                    if !zones.contains(z.as_str()) && z != "any" {
                        self.error(
                            &[Seg::Key("conduit"), Seg::Index(i), Seg::Key(key)],
                            format!("zone {z:?} is not defined (use \"host:{z}\" for a host)"),
                            SiteErrorKind::UnknownZone,
                        );
                    }
                }
            }
        }
        for (i, l) in s.lines.iter().enumerate() {
            for (j, d) in l.depends_on.iter().enumerate() {
                if let Some(z) = d.strip_prefix("zone:") {
                    if !zones.contains(z) {
                        self.error(
                            &[
                                Seg::Key("line"),
                                Seg::Index(i),
                                Seg::Key("depends_on"),
                                Seg::Index(j),
                            ],
                            format!("zone {z:?} is not defined"),
                            SiteErrorKind::UnknownZone,
                        );
                    }
                }
            }
            if let Some(c) = l.downtime_cost_per_hour {
                if !(c.is_finite() && c >= 0.0) {
                    self.error(
                        &[
                            Seg::Key("line"),
                            Seg::Index(i),
                            Seg::Key("downtime_cost_per_hour"),
                        ],
                        format!("cost {c} must be zero or more"),
                        SiteErrorKind::InvalidValue,
                    );
                }
            }
        }
        let lines: BTreeSet<&str> = s.lines.iter().map(|l| l.name.as_str()).collect();
        for (i, w) in s.maintenance_windows.iter().enumerate() {
            for (j, a) in w.applies_to.iter().enumerate() {
                if a != "all" && !lines.contains(a.as_str()) {
                    self.error(
                        &[
                            Seg::Key("maintenance_window"),
                            Seg::Index(i),
                            Seg::Key("applies_to"),
                            Seg::Index(j),
                        ],
                        format!("line {a:?} is not defined"),
                        SiteErrorKind::UnknownLine,
                    );
                }
            }
            if w.dates.len() > 2 {
                self.error(
                    &[
                        Seg::Key("maintenance_window"),
                        Seg::Index(i),
                        Seg::Key("dates"),
                    ],
                    "dates is [first, last]: at most two dates".into(),
                    SiteErrorKind::InvalidValue,
                );
            }
            if w.days.is_empty() && w.dates.is_empty() {
                self.error(
                    &[Seg::Key("maintenance_window"), Seg::Index(i)],
                    "a window needs days (weekly) or dates (one-off)".into(),
                    SiteErrorKind::MissingField,
                );
            }
        }
    }

    fn validate_assets(&mut self, s: &SiteFile) {
        let zones: BTreeSet<&str> = s.zones.iter().map(|z| z.name.as_str()).collect();
        for (i, a) in s.assets.iter().enumerate() {
            if let Some(z) = &a.zone {
                if !zones.contains(z.as_str()) {
                    self.error(
                        &[Seg::Key("asset"), Seg::Index(i), Seg::Key("zone")],
                        format!("zone {z:?} is not defined"),
                        SiteErrorKind::UnknownZone,
                    );
                }
            }
        }
    }
}
