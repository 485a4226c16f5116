// SPDX-License-Identifier: Apache-2.0
//! The knowledge base: the `kb/` tables the analyses read, parsed once.

use crate::hash::HashMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::date::Date;

/// `kb/oui.csv`: MAC prefix → short vendor name (IEEE registry).
const OUI_CSV: &str = include_str!("../../../kb/oui.csv");
/// `kb/os_lifecycle.csv`: OS releases with support dates.
const LIFECYCLE_CSV: &str = include_str!("../../../kb/os_lifecycle.csv");
/// `kb/os_passive_fingerprints.csv`: what passive observables mean.
const FINGERPRINTS_CSV: &str = include_str!("../../../kb/os_passive_fingerprints.csv");
/// `kb/default_credentials.csv`: publicly documented vendor defaults.
const CREDENTIALS_CSV: &str = include_str!("../../../kb/default_credentials.csv");
/// `kb/protocols/remote_access_tools.csv`: remote-access tools and ports.
const REMOTE_ACCESS_CSV: &str = include_str!("../../../kb/protocols/remote_access_tools.csv");

/// A `kb/` table that could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KbError {
    /// The CSV text is malformed (unbalanced quotes, bad UTF-8).
    #[error("{table}: {source}")]
    Csv {
        /// Table name.
        table: &'static str,
        /// The CSV reader's error.
        #[source]
        source: csv::Error,
    },
    /// A required column is missing from the header.
    #[error("{table}: missing column {column}")]
    MissingColumn {
        /// Table name.
        table: &'static str,
        /// Column name.
        column: &'static str,
    },
}

/// One row of `kb/os_lifecycle.csv`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OsLifecycle {
    /// `Windows`, `Windows Embedded`, `Linux`.
    pub family: String,
    /// Product name (`Windows XP`, `Ubuntu 18.04 LTS`).
    pub product: String,
    /// Edition or channel.
    pub edition: String,
    /// Windows NT version (`5.1`), empty for others.
    pub nt_version: String,
    /// Build number(s) (`7601`, `6002/6003`).
    pub build: String,
    /// General availability.
    pub release_date: Option<Date>,
    /// End of mainstream support (feature and non-security fixes).
    pub mainstream_end: Option<Date>,
    /// End of extended support (last public security update).
    pub extended_end: Option<Date>,
    /// Paid extended security updates, as written (`2023-01-10`).
    pub paid_end: Option<Date>,
    /// The paid-support column as written, with its note.
    pub paid_note: String,
    /// `verified` or `from_knowledge_cross_check`.
    pub verification: String,
    /// Where the dates come from.
    pub source: String,
    /// 1-based data row number in the CSV.
    pub row: usize,
}

impl OsLifecycle {
    /// True when `build` lists `b` (`6002/6003` lists `6003`).
    pub fn has_build(&self, b: &str) -> bool {
        self.build.split('/').any(|x| x.trim() == b)
    }
}

/// A TCP SYN / SYN+ACK signature rule from `kb/os_passive_fingerprints.csv`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TcpRule {
    /// Applies to SYN packets (client side).
    pub syn: bool,
    /// Applies to SYN+ACK packets (server side).
    pub synack: bool,
    /// Initial TTL (32, 64, 128, 255).
    pub ittl: u8,
    /// Window size, `None` = any.
    pub window: Option<u32>,
    /// Window scale, `None` = any.
    pub scale: Option<u8>,
    /// Option layout (`mss,sok,ts,nop,ws`), `None` = any.
    pub layout: Option<String>,
    /// What the match means (`Linux 2.6 or newer ...`).
    pub means: String,
    /// The row's pattern as written.
    pub pattern: String,
    /// 1-based data row number.
    pub row: usize,
}

/// A `value → means` row for banner and version observables.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueRule {
    /// Observable (`HTTP Server header`, `SSH server banner (...)`, `NetBIOS browser ...`).
    pub observable: String,
    /// The value (`7.5`, `deb9`, `6.1.7601`).
    pub value: String,
    /// What it means (`Windows 7 / Server 2008 R2`).
    pub means: String,
    /// 1-based data row number.
    pub row: usize,
}

/// One row of `kb/default_credentials.csv`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefaultCredential {
    /// Vendor.
    pub vendor: String,
    /// Product.
    pub product: String,
    /// Device type.
    pub device_type: String,
    /// Protocol or service as written (`FTP`, `http 80/tcp`, blank = any).
    pub protocol_service: String,
    /// User name (`<blank>` in the file becomes empty).
    pub username: String,
    /// Password or community (`<blank>` becomes empty).
    pub password: String,
    /// Where the row comes from.
    pub source: String,
    /// 1-based data row number (line number minus one).
    pub row: usize,
}

/// One row of `kb/protocols/remote_access_tools.csv`, with parsed ports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteAccessTool {
    /// Tool name (`TeamViewer`).
    pub tool: String,
    /// Ports as written.
    pub default_ports: String,
    /// Category (`vendor remote access (unmanaged)`, `VPN`, ...).
    pub category: String,
    /// Source.
    pub source: String,
    /// Parsed ports: (transport `tcp`/`udp`, first, last). Generic web
    /// ports (80, 443) are left out: they say nothing on their own.
    pub ports: Vec<(String, u16, u16)>,
}

/// The `kb/` tables, parsed.
#[derive(Debug)]
pub struct KnowledgeBase {
    oui: HashMap<String, String>,
    lifecycle: Vec<OsLifecycle>,
    tcp_rules: Vec<TcpRule>,
    value_rules: Vec<ValueRule>,
    credentials: Vec<DefaultCredential>,
    remote_tools: Vec<RemoteAccessTool>,
}

/// The text of each `kb/` table, for [`KnowledgeBase::from_tables`].
#[derive(Clone, Copy, Debug)]
pub struct KbTables<'a> {
    /// `oui.csv`.
    pub oui: &'a str,
    /// `os_lifecycle.csv`.
    pub lifecycle: &'a str,
    /// `os_passive_fingerprints.csv`.
    pub fingerprints: &'a str,
    /// `default_credentials.csv`.
    pub credentials: &'a str,
    /// `protocols/remote_access_tools.csv`.
    pub remote_access: &'a str,
}

impl KbTables<'static> {
    /// The tables compiled into the binary.
    pub const EMBEDDED: KbTables<'static> = KbTables {
        oui: OUI_CSV,
        lifecycle: LIFECYCLE_CSV,
        fingerprints: FINGERPRINTS_CSV,
        credentials: CREDENTIALS_CSV,
        remote_access: REMOTE_ACCESS_CSV,
    };
}

struct Table<'a> {
    name: &'static str,
    header: Vec<String>,
    rows: Vec<csv::StringRecord>,
    _text: &'a str,
}

impl<'a> Table<'a> {
    fn read(name: &'static str, text: &'a str) -> Result<Self, KbError> {
        let mut r = csv_reader(text);
        let header = r
            .headers()
            .map_err(|source| KbError::Csv {
                table: name,
                source,
            })?
            .iter()
            .map(str::to_string)
            .collect();
        let rows = r
            .records()
            .collect::<Result<Vec<_>, _>>()
            .map_err(|source| KbError::Csv {
                table: name,
                source,
            })?;
        Ok(Table {
            name,
            header,
            rows,
            _text: text,
        })
    }

    fn col(&self, column: &'static str) -> Result<usize, KbError> {
        column_index(self.name, self.header.iter().map(String::as_str), column)
    }
}

/// A reader of one table's CSV text: `#` starts a comment line, rows may
/// have fewer fields than the header.
fn csv_reader(text: &str) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .flexible(true)
        .from_reader(text.as_bytes())
}

/// The position of `column` among a table's header names.
fn column_index<'h>(
    table: &'static str,
    header: impl IntoIterator<Item = &'h str>,
    column: &'static str,
) -> Result<usize, KbError> {
    header
        .into_iter()
        .position(|h| h == column)
        .ok_or(KbError::MissingColumn { table, column })
}

fn field(r: &csv::StringRecord, i: usize) -> String {
    r.get(i).unwrap_or("").trim().to_string()
}

fn blank(s: String) -> String {
    if s.eq_ignore_ascii_case("<blank>") {
        String::new()
    } else {
        s
    }
}

impl KnowledgeBase {
    /// The knowledge base compiled into the binary (parsed on first use).
    ///
    /// # Panics
    ///
    /// Never in a released build: the embedded tables are parsed by this
    /// crate's tests.
    pub fn embedded() -> &'static KnowledgeBase {
        static KB: OnceLock<KnowledgeBase> = OnceLock::new();
        KB.get_or_init(|| {
            #[allow(clippy::expect_used)]
            KnowledgeBase::from_tables(KbTables::EMBEDDED).expect("embedded kb/ tables parse")
        })
    }

    /// Parses the tables (for a site that ships its own `kb/`).
    pub fn from_tables(t: KbTables<'_>) -> Result<KnowledgeBase, KbError> {
        Ok(KnowledgeBase {
            oui: parse_oui(t.oui)?,
            lifecycle: parse_lifecycle(t.lifecycle)?,
            tcp_rules: parse_tcp_rules(t.fingerprints)?,
            value_rules: parse_value_rules(t.fingerprints)?,
            credentials: parse_credentials(t.credentials)?,
            remote_tools: parse_remote_tools(t.remote_access)?,
        })
    }

    /// Vendor of a MAC address (`00:80:f4:01:02:03`, `00-80-F4-...`,
    /// `0080.f401.0203`), longest registered prefix first (MA-S 36 bits,
    /// MA-M 28 bits, MA-L 24 bits). `None` for unknown, private or
    /// locally administered (randomised) addresses.
    pub fn mac_vendor(&self, mac: &str) -> Option<&str> {
        let hex: String = mac
            .chars()
            .filter(char::is_ascii_hexdigit)
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if hex.len() < 6 {
            return None;
        }
        for n in [9, 7, 6] {
            if let Some(v) = hex.get(..n).and_then(|p| self.oui.get(p)) {
                return Some(v);
            }
        }
        None
    }

    /// True when the MAC's locally-administered bit is set (randomised
    /// phone addresses, virtual NICs): no vendor can be known.
    pub fn is_locally_administered(mac: &str) -> bool {
        let hex: String = mac
            .chars()
            .filter(char::is_ascii_hexdigit)
            .take(2)
            .collect();
        u8::from_str_radix(&hex, 16).is_ok_and(|b| b & 0x02 != 0)
    }

    /// All OS lifecycle rows, in file order.
    pub fn lifecycle(&self) -> &[OsLifecycle] {
        &self.lifecycle
    }

    /// TCP signature rules, in file order (first match wins).
    pub fn tcp_rules(&self) -> &[TcpRule] {
        &self.tcp_rules
    }

    /// Value rules (IIS version, OpenSSH package, NetBIOS version ...).
    pub fn value_rules(&self) -> &[ValueRule] {
        &self.value_rules
    }

    /// Default credential rows, in file order.
    pub fn default_credentials(&self) -> &[DefaultCredential] {
        &self.credentials
    }

    /// Remote-access tools.
    pub fn remote_access_tools(&self) -> &[RemoteAccessTool] {
        &self.remote_tools
    }

    /// The value rule for `observable` (prefix match) and `value`.
    pub fn value_rule(&self, observable_prefix: &str, value: &str) -> Option<&ValueRule> {
        self.value_rules
            .iter()
            .find(|r| r.observable.starts_with(observable_prefix) && r.value == value)
    }
}

/// The vendor table has 41 k rows, every other table a few hundred: it is
/// read a record at a time into one buffer instead of through [`Table`]
/// (which keeps every record), the same fields with the same trimming. It
/// was most of the knowledge base's parse, which every run pays.
fn parse_oui(text: &str) -> Result<HashMap<String, String>, KbError> {
    const NAME: &str = "oui.csv";
    let csv_error = |source| KbError::Csv {
        table: NAME,
        source,
    };
    let mut r = csv_reader(text);
    let header = r.headers().map_err(csv_error)?;
    let col = |column| column_index(NAME, header.iter(), column);
    let (p, v) = (col("prefix")?, col("vendor")?);
    let mut oui = HashMap::with_capacity_and_hasher(text.len() / 24, Default::default());
    let mut record = csv::StringRecord::new();
    while r.read_record(&mut record).map_err(csv_error)? {
        let field = |i: usize| record.get(i).unwrap_or("").trim();
        oui.insert(field(p).to_ascii_uppercase(), field(v).to_string());
    }
    Ok(oui)
}

fn parse_lifecycle(text: &str) -> Result<Vec<OsLifecycle>, KbError> {
    let t = Table::read("os_lifecycle.csv", text)?;
    let c = [
        t.col("family")?,
        t.col("product")?,
        t.col("edition_or_channel")?,
        t.col("nt_version")?,
        t.col("build")?,
        t.col("release_date")?,
        t.col("mainstream_end")?,
        t.col("extended_end")?,
        t.col("esu_or_paid_end")?,
        t.col("verification")?,
        t.col("source")?,
    ];
    Ok(t.rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let f = |k: usize| field(r, c[k]);
            OsLifecycle {
                family: f(0),
                product: f(1),
                edition: f(2),
                nt_version: f(3),
                build: f(4),
                release_date: Date::parse_lenient(&f(5), false),
                mainstream_end: Date::parse_lenient(&f(6), true),
                extended_end: Date::parse_lenient(&f(7), true),
                paid_end: Date::parse_lenient(&f(8), true),
                paid_note: f(8),
                verification: f(9),
                source: f(10),
                row: i + 1,
            }
        })
        .collect())
}

fn parse_tcp_rules(text: &str) -> Result<Vec<TcpRule>, KbError> {
    let t = Table::read("os_passive_fingerprints.csv", text)?;
    let (o, v, m) = (t.col("observable")?, t.col("value")?, t.col("means")?);
    let mut out = Vec::new();
    for (i, r) in t.rows.iter().enumerate() {
        let obs = field(r, o);
        if !obs.starts_with("TCP SYN") {
            continue;
        }
        let (syn, synack) = match obs.as_str() {
            "TCP SYN" => (true, false),
            "TCP SYN+ACK" => (false, true),
            _ => (true, true),
        };
        let pattern = field(r, v);
        // ittl:window,scale:layout
        let mut parts = pattern.splitn(3, ':');
        let (Some(ittl), Some(ws), layout) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        let Ok(ittl) = ittl.parse::<u8>() else {
            continue;
        };
        let (w, s) = ws.split_once(',').unwrap_or((ws, "*"));
        out.push(TcpRule {
            syn,
            synack,
            ittl,
            window: w.parse().ok(),
            scale: s.parse().ok(),
            layout: layout.filter(|l| *l != "*").map(str::to_string),
            means: field(r, m),
            pattern: pattern.clone(),
            row: i + 1,
        });
    }
    Ok(out)
}

fn parse_value_rules(text: &str) -> Result<Vec<ValueRule>, KbError> {
    let t = Table::read("os_passive_fingerprints.csv", text)?;
    let (o, v, m) = (t.col("observable")?, t.col("value")?, t.col("means")?);
    Ok(t.rows
        .iter()
        .enumerate()
        .filter(|(_, r)| !field(r, o).starts_with("TCP SYN"))
        .map(|(i, r)| ValueRule {
            observable: field(r, o),
            value: field(r, v),
            means: field(r, m),
            row: i + 1,
        })
        .collect())
}

fn parse_credentials(text: &str) -> Result<Vec<DefaultCredential>, KbError> {
    let t = Table::read("default_credentials.csv", text)?;
    let c = [
        t.col("vendor")?,
        t.col("product")?,
        t.col("device_type")?,
        t.col("protocol_service")?,
        t.col("username")?,
        t.col("password")?,
        t.col("source")?,
    ];
    Ok(t.rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let f = |k: usize| field(r, c[k]);
            DefaultCredential {
                vendor: f(0),
                product: f(1),
                device_type: f(2),
                protocol_service: f(3),
                username: blank(f(4)),
                password: blank(f(5)),
                source: f(6),
                row: i + 1,
            }
        })
        .collect())
}

fn parse_remote_tools(text: &str) -> Result<Vec<RemoteAccessTool>, KbError> {
    let t = Table::read("remote_access_tools.csv", text)?;
    let c = [
        t.col("tool")?,
        t.col("default_ports")?,
        t.col("transport")?,
        t.col("category")?,
        t.col("source")?,
    ];
    Ok(t.rows
        .iter()
        .map(|r| {
            let f = |k: usize| field(r, c[k]);
            let ports = parse_ports(&f(1), &f(2));
            RemoteAccessTool {
                tool: f(0),
                default_ports: f(1),
                category: f(3),
                source: f(4),
                ports,
            }
        })
        .collect())
}

/// Parses port lists such as `5900-5906 (display :0-:6); 5800 Java web`,
/// `5631 (tcp), 5632 (udp)` or `443, 1194 (udp/tcp OpenVPN)`.
fn parse_ports(text: &str, transport: &str) -> Vec<(String, u16, u16)> {
    let default: Vec<&str> = ["tcp", "udp"]
        .into_iter()
        .filter(|t| transport.contains(t))
        .collect();
    let mut out = Vec::new();
    for piece in text.split([',', ';']) {
        let piece = piece.trim();
        let digits: String = piece
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '-')
            .collect();
        let (a, b) = digits.split_once('-').unwrap_or((&digits, &digits));
        let (Ok(a), Ok(b)) = (a.parse::<u16>(), b.parse::<u16>()) else {
            continue;
        };
        if a == 80 || a == 443 {
            continue;
        }
        let rest = &piece[digits.len()..];
        let explicit: Vec<&str> = ["tcp", "udp"]
            .into_iter()
            .filter(|t| rest.contains(&format!("({t}")) || rest.contains(&format!("/{t}")))
            .collect();
        let ts = if explicit.is_empty() {
            &default
        } else {
            &explicit
        };
        for t in ts {
            out.push(((*t).to_string(), a, b.max(a)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_tables_parse() {
        let kb = KnowledgeBase::embedded();
        assert!(kb.oui.len() > 30_000);
        assert!(kb.lifecycle().len() >= 56);
        assert!(kb.default_credentials().len() >= 683);
        assert!(kb.tcp_rules().len() >= 15);
        assert!(kb.remote_access_tools().len() >= 24);
    }

    #[test]
    fn vendor_table_reads_quotes_comments_and_case_like_the_other_tables() {
        let text = "# comment line\nprefix,vendor\n00a0f4 , Ge Fanuc \n0080F4,\"Telemecanique, Schneider\"\n# another\n001B1B,Siemens\n001b1b,Siemens AG\n";
        let oui = parse_oui(text).expect("parses");
        assert_eq!(oui.len(), 3, "{oui:?}");
        assert_eq!(oui.get("00A0F4").map(String::as_str), Some("Ge Fanuc"));
        assert_eq!(
            oui.get("0080F4").map(String::as_str),
            Some("Telemecanique, Schneider")
        );
        // A later row for the same prefix wins, as when collecting.
        assert_eq!(oui.get("001B1B").map(String::as_str), Some("Siemens AG"));
        assert!(matches!(
            parse_oui("prefix,name\n000000,Xerox\n"),
            Err(KbError::MissingColumn {
                table: "oui.csv",
                column: "vendor"
            })
        ));
    }

    #[test]
    fn resolves_industrial_mac_vendors() {
        let kb = KnowledgeBase::embedded();
        assert_eq!(
            kb.mac_vendor("00:80:F4:12:34:56"),
            Some("Telemecanique (Schneider Electric)")
        );
        assert_eq!(kb.mac_vendor("00:1b:1b:01:02:03"), Some("Siemens"));
        assert_eq!(
            kb.mac_vendor("00-1D-9C-00-00-01"),
            Some("Rockwell Automation")
        );
        assert_eq!(kb.mac_vendor("001b.1b01.0203"), Some("Siemens"));
        assert_eq!(kb.mac_vendor("02:00:00:00:00:01"), None);
        assert_eq!(kb.mac_vendor("zz"), None);
    }

    #[test]
    fn prefers_the_longest_registered_prefix() {
        let kb = KnowledgeBase::embedded();
        // 70:B3:D5 is the IEEE's MA-S block: the 36-bit owner wins.
        assert_eq!(kb.mac_vendor("70:b3:d5:f2:f0:01"), Some("Teleplatforms"));
    }

    #[test]
    fn flags_locally_administered_macs() {
        assert!(KnowledgeBase::is_locally_administered("da:a1:19:00:00:01"));
        assert!(!KnowledgeBase::is_locally_administered("00:1b:1b:00:00:01"));
    }

    #[test]
    fn parses_remote_access_ports() {
        assert_eq!(
            parse_ports("5900-5906 (display :0-:6); 5800 Java web", "tcp"),
            vec![("tcp".into(), 5900, 5906), ("tcp".into(), 5800, 5800)]
        );
        assert_eq!(
            parse_ports("5631 (tcp), 5632 (udp)", "tcp/udp"),
            vec![("tcp".into(), 5631, 5631), ("udp".into(), 5632, 5632)]
        );
        assert_eq!(
            parse_ports("443, 1194 (udp/tcp OpenVPN)", "tcp/udp"),
            vec![("tcp".into(), 1194, 1194), ("udp".into(), 1194, 1194)]
        );
    }

    #[test]
    fn blank_marker_becomes_empty() {
        let kb = KnowledgeBase::embedded();
        assert!(kb
            .default_credentials()
            .iter()
            .any(|c| c.username.is_empty() && c.password == "public"));
    }
}
