// SPDX-License-Identifier: Apache-2.0
//! OS inference: every piece of OS evidence about a host becomes a weighted
//! claim on an OS family; the family with the most support wins, and the
//! strongest claim in it names the release.
//!
//! Weights (0..1, combined per family as a noisy-or, one claim per source):
//!
//! | source | weight | why |
//! |---|---|---|
//! | NTLMSSP version, SMB native OS | 0.90 | the OS writes its own version |
//! | NetBIOS browser announcement | 0.85 | OS major.minor from the host itself |
//! | SNMP sysDescr | 0.80 | configured by the vendor, rarely changed |
//! | HTTP User-Agent, SSH / HTTP server banner | 0.50 | spoofable, several browsers per host |
//! | DHCP vendor class | 0.40 | coarse (`MSFT 5.0` = any Windows since 2000) |
//! | TCP SYN / SYN+ACK signature | 0.25 | stack defaults, tunable, NAT-blurred |
//! | initial TTL 128 alone | 0.15 | |

use std::collections::BTreeMap;

use plantguard_engine::result::HostFactRecord;
use plantguard_model::{Evidence, HostFact};
use serde::{Deserialize, Serialize};

use crate::kb::{KnowledgeBase, OsLifecycle, TcpRule};

/// How sure the inference is, bucketed from [`OsInference::confidence`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// Below 0.5: weak or conflicting evidence.
    Low,
    /// 0.5 to 0.8.
    Medium,
    /// 0.8 and above: a strong source, uncontradicted.
    High,
}

impl Confidence {
    /// Bucket for a score in 0..1.
    pub fn from_score(s: f32) -> Confidence {
        if s >= 0.8 {
            Confidence::High
        } else if s >= 0.5 {
            Confidence::Medium
        } else {
            Confidence::Low
        }
    }
}

/// How one reason relates to the conclusion.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Names the inferred OS (or its family without a release).
    Supports,
    /// Same family, different release.
    Differs,
    /// Another family: outweighed.
    Contradicts,
}

/// One piece of OS evidence and what it claimed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OsReason {
    /// Evidence source (`smb_ntlmssp`, `http_user_agent`, `tcp_syn`, ...).
    pub source: String,
    /// What it observed (`NTLMSSP version 6.1.7601`).
    pub observed: String,
    /// OS it points to.
    pub claim: String,
    /// Family of that OS.
    pub family: String,
    /// Weight of this source.
    pub weight: f32,
    /// How it relates to the conclusion.
    pub verdict: Verdict,
    /// One readable line with source, claim, weight and frame.
    pub text: String,
    /// Where it was seen.
    pub evidence: Evidence,
}

/// The OS a host most likely runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OsInference {
    /// Family (`Windows`, `Linux`, `Apple`, `BSD`, `Network OS`, `Embedded`).
    pub family: String,
    /// Release (`Windows 7`, `Ubuntu 18.04 LTS`), or the family when no
    /// evidence names one.
    pub name: String,
    /// Version or build as observed (`6.1.7601`).
    pub version: Option<String>,
    /// 0..1: support of the winning family times its share of all support.
    pub confidence: f32,
    /// Bucketed confidence.
    pub level: Confidence,
    /// Other releases the same evidence fits (`Windows Server 2008 R2`).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub also_possible: Vec<String>,
    /// The lifecycle row (`kb/os_lifecycle.csv`, 1-based) the release maps to.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub lifecycle_row: Option<usize>,
    /// Every piece of evidence, strongest first.
    pub reasons: Vec<OsReason>,
}

/// A TCP/IP stack signature seen for a host, decoded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TcpStackHint {
    /// `syn` (the host opened a connection) or `synack` (it answered).
    pub kind: String,
    /// The p0f-style signature as recorded.
    pub signature: String,
    /// TTL seen.
    pub observed_ttl: u8,
    /// Initial TTL guessed (32, 64, 128, 255).
    pub initial_ttl: u8,
    /// Routers between the host and the capture point (initial − observed).
    pub hops: u8,
    /// What the matching `kb/os_passive_fingerprints.csv` row says, if any.
    pub matched: Option<String>,
    /// Where it was seen.
    pub evidence: Evidence,
}

/// A claim before scoring.
#[derive(Clone, Debug)]
pub(crate) struct Claim {
    pub source: String,
    pub observed: String,
    pub name: String,
    pub version: Option<String>,
    pub family: &'static str,
    pub weight: f32,
    /// Names a family or a range of releases, never one release (TCP
    /// signatures, DHCP vendor class): not resolved to a lifecycle row.
    pub generic: bool,
    pub evidence: Evidence,
}

impl Claim {
    fn resolve(&self, kb: &KnowledgeBase) -> Resolved {
        if self.generic {
            Resolved {
                name: self.name.clone(),
                ..Resolved::default()
            }
        } else {
            resolve(kb, &self.name, self.version.as_deref())
        }
    }
}

/// Guesses the initial TTL from an observed one.
pub fn initial_ttl(ttl: u8) -> u8 {
    match ttl {
        0..=32 => 32,
        33..=64 => 64,
        65..=128 => 128,
        _ => 255,
    }
}

/// OS family of a name as evidence writes it.
pub fn family_of(name: &str) -> &'static str {
    let n = name.to_ascii_lowercase();
    let has = |w: &[&str]| w.iter().any(|x| n.contains(x));
    if has(&["windows", "win32", "win64", "microsoft", "msft"]) {
        "Windows"
    } else if has(&[
        "cisco",
        "junos",
        "routeros",
        "mikrotik",
        "network os",
        "fortios",
    ]) {
        "Network OS"
    } else if has(&[
        "android", "linux", "ubuntu", "debian", "centos", "red hat", "rhel",
    ]) || has(&["fedora", "suse", "raspbian", "cros", "dropbear", "busybox"])
        || has(&["qnap", "qts", "synology"])
    {
        "Linux"
    } else if has(&[
        "mac os", "macos", "os x", "darwin", "iphone", "ipad", "ios ",
    ]) || n == "ios"
    {
        "Apple"
    } else if has(&["freebsd", "openbsd", "netbsd", "bsd"]) {
        "BSD"
    } else if has(&["embedded", "rtos", "vxworks", "qnx", "lwip", "legacy"]) {
        "Embedded"
    } else if has(&["solaris", "sunos"]) {
        "Solaris"
    } else {
        "Other"
    }
}

fn source_weight(source: &str) -> f32 {
    match source {
        // The SMB1 native-OS string names the edition ("Windows Server 2008
        // R2 Standard 7601 Service Pack 1"); NTLMSSP only the NT version.
        "smb_native_os" => 0.92,
        "smb_ntlmssp" | "ntlmssp" | "smb" | "rdp_ntlmssp" => 0.9,
        "netbios_browser" => 0.85,
        "snmp" | "snmp_sysdescr" => 0.8,
        "http_user_agent" | "ssh_banner" | "ssh" | "http_server" => 0.5,
        "dhcp" | "dhcp_vendor_class" => 0.4,
        "tcp_syn" | "tcp_synack" => 0.25,
        _ => 0.5,
    }
}

fn strength(w: f32) -> &'static str {
    if w >= 0.8 {
        "strong"
    } else if w >= 0.4 {
        "medium"
    } else {
        "weak"
    }
}

/// A release resolved against `kb/os_lifecycle.csv`.
#[derive(Clone, Debug, Default)]
pub(crate) struct Resolved {
    pub name: String,
    pub row: Option<usize>,
    pub also: Vec<String>,
}

/// Splits `6.1.7601` into (`6.1`, `7601`).
fn nt_parts(version: &str) -> (Option<String>, Option<String>) {
    let mut it = version.split('.');
    match (it.next(), it.next(), it.next()) {
        (Some(a), Some(b), build) if a.parse::<u8>().is_ok() && b.parse::<u8>().is_ok() => (
            Some(format!("{a}.{b}")),
            build
                .map(|x| {
                    x.chars()
                        .take_while(char::is_ascii_digit)
                        .collect::<String>()
                })
                .filter(|x| !x.is_empty()),
        ),
        _ => (None, None),
    }
}

/// Maps an OS name and version to a lifecycle row.
pub(crate) fn resolve(kb: &KnowledgeBase, name: &str, version: Option<&str>) -> Resolved {
    let rows = kb.lifecycle();
    let lname = name.to_ascii_lowercase();
    // "Windows 7 / Server 2008 R2" (a kb `means`) resolves by its first alternative.
    let first = lname
        .split(" / ")
        .next()
        .unwrap_or(&lname)
        .trim()
        .to_string();
    let done = |r: &OsLifecycle, others: Vec<&OsLifecycle>| Resolved {
        name: r.product.clone(),
        row: Some(r.row),
        also: others
            .into_iter()
            .filter(|o| o.row != r.row)
            .map(|o| o.product.clone())
            .collect(),
    };
    // 1. Exact product name.
    if let Some(r) = rows
        .iter()
        .find(|r| r.product.to_ascii_lowercase() == first)
    {
        let same: Vec<&OsLifecycle> = rows
            .iter()
            .filter(|o| {
                !r.nt_version.is_empty() && o.nt_version == r.nt_version && o.build == r.build
            })
            .collect();
        return done(r, same);
    }
    // 2. NT version and build (NTLMSSP, browser, "Windows 5.1", "Windows NT 6.1").
    let (mut nt, mut build) = version.map(nt_parts).unwrap_or_default();
    if nt.is_none() {
        if let Some(v) = lname
            .split_whitespace()
            .find(|w| nt_parts(w).0.is_some() && w.contains('.'))
        {
            (nt, build) = nt_parts(v);
        }
    }
    if build.is_none() {
        build = lname
            .split_whitespace()
            .find(|w| w.len() == 4 && w.chars().all(|c| c.is_ascii_digit()) && !w.starts_with("20"))
            .map(str::to_string);
    }
    if family_of(name) == "Windows" {
        // A product named inside the text ("Windows 7 Professional 7601 Service Pack 1").
        let mut named: Vec<&OsLifecycle> = rows
            .iter()
            .filter(|r| {
                let p = r.product.to_ascii_lowercase();
                let p = p.split(" / ").next().unwrap_or(&p);
                first.starts_with(p)
                    && first[p.len()..]
                        .chars()
                        .next()
                        .is_none_or(|c| !c.is_ascii_alphanumeric() && c != '.' && c != '/')
            })
            .collect();
        named.sort_by_key(|r| std::cmp::Reverse(r.product.len()));
        if let Some(r) = named.first() {
            return done(r, Vec::new());
        }
        if let Some(nt) = nt {
            let matches: Vec<&OsLifecycle> = rows
                .iter()
                .filter(|r| r.nt_version == nt && build.as_deref().is_none_or(|b| r.has_build(b)))
                .collect();
            if let Some(r) = matches.first() {
                return done(r, matches.clone());
            }
        }
        return Resolved {
            name: name.to_string(),
            ..Resolved::default()
        };
    }
    // 3. Other families: a product that starts with the name or the reverse
    //    ("Ubuntu 18.04" → "Ubuntu 18.04 LTS"; "Debian 9 stretch").
    if first.chars().any(|c| c.is_ascii_digit()) {
        if let Some(r) = rows.iter().find(|r| {
            let p = r.product.to_ascii_lowercase();
            p.starts_with(&first) || first.starts_with(&p)
        }) {
            return done(r, Vec::new());
        }
    }
    Resolved {
        name: name.to_string(),
        ..Resolved::default()
    }
}

/// Parsed fields of a p0f-style signature `ver:ttl:olen:mss:wsize,scale:olayout:quirks:pclass`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SynSignature {
    /// Observed TTL.
    pub ttl: u8,
    /// Window size.
    pub window: u32,
    /// Window scale, if the option was present.
    pub scale: Option<u8>,
    /// MSS, if present.
    pub mss: Option<u16>,
    /// Option layout.
    pub layout: String,
}

impl SynSignature {
    /// Parses a signature as the engine writes it.
    pub fn parse(s: &str) -> Option<SynSignature> {
        let f: Vec<&str> = s.split(':').collect();
        let ttl = f.get(1)?.parse().ok()?;
        let mss = f.get(3)?.parse().ok();
        let (w, sc) = f.get(4)?.split_once(',')?;
        let mut layout = (*f.get(5)?).to_string();
        // Some engine versions wrote the end-of-options marker without its
        // separator (`sokeol+1`); p0f writes `sok,eol+1`.
        if let Some(i) = layout.find("eol+") {
            if i > 0 && !layout[..i].ends_with(',') {
                layout.insert(i, ',');
            }
        }
        Some(SynSignature {
            ttl,
            window: w.parse().ok()?,
            scale: sc.parse().ok(),
            mss,
            layout,
        })
    }

    /// The first rule of `rules` this signature matches.
    pub fn matching_rule<'k>(&self, rules: &'k [TcpRule], synack: bool) -> Option<&'k TcpRule> {
        let ittl = initial_ttl(self.ttl);
        rules.iter().find(|r| {
            (if synack { r.synack } else { r.syn })
                && r.ittl == ittl
                && r.window.is_none_or(|w| w == self.window)
                && r.scale.is_none_or(|s| Some(s) == self.scale)
                && r.layout.as_deref().is_none_or(|l| l == self.layout)
        })
    }
}

/// OS named by a User-Agent, as (name, version).
pub(crate) fn ua_os(kb: &KnowledgeBase, ua: &str) -> Option<(String, Option<String>)> {
    if let Some(i) = ua.find("Windows NT ") {
        let v: String = ua[i + 11..]
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        let name = kb
            .lifecycle()
            .iter()
            .find(|r| r.nt_version == v && r.family == "Windows")
            .map_or_else(|| format!("Windows NT {v}"), |r| r.product.clone());
        let name = if v == "10.0" {
            "Windows 10 / 11".to_string()
        } else {
            name
        };
        return Some((name, Some(v)));
    }
    if let Some(i) = ua.find("Microsoft-CryptoAPI/") {
        let v: String = ua[i + 20..]
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        return Some(("Windows".into(), Some(v)));
    }
    let pick = |k: &str| ua.contains(k);
    if pick("Android") {
        return Some(("Android".into(), None));
    }
    if pick("iPhone") || pick("iPad") {
        return Some(("iOS".into(), None));
    }
    if pick("Mac OS X") || pick("Macintosh") {
        return Some(("macOS".into(), None));
    }
    if pick("CrOS") {
        return Some(("ChromeOS (Linux)".into(), None));
    }
    if pick("Ubuntu") {
        return Some(("Ubuntu".into(), None));
    }
    if pick("Linux") || pick("X11") {
        return Some(("Linux".into(), None));
    }
    if pick("Windows") {
        return Some(("Windows".into(), None));
    }
    None
}

/// OS named by an SSH banner (`SSH-2.0-OpenSSH_7.6p1 Ubuntu-4ubuntu0.3`).
fn ssh_os(kb: &KnowledgeBase, banner: &str) -> Option<(String, f32)> {
    let ver = banner.split("OpenSSH_").nth(1).map(|r| {
        r.split(|c: char| c.is_whitespace() || c == '-')
            .next()
            .unwrap_or("")
    });
    if banner.contains("Ubuntu") {
        let name = ver
            .and_then(|v| kb.value_rule("SSH server banner (OpenSSH Ubuntu", v))
            .map_or("Ubuntu".to_string(), |r| r.means.clone());
        return Some((name, 0.5));
    }
    if banner.contains("Debian") {
        let deb = banner.split("+deb").nth(1).map(|r| {
            let n: String = r.chars().take_while(char::is_ascii_digit).collect();
            format!("deb{n}")
        });
        let name = deb
            .and_then(|d| kb.value_rule("SSH server banner (OpenSSH Debian", &d))
            .map_or("Debian".to_string(), |r| r.means.clone());
        return Some((name, 0.5));
    }
    for (k, name, w) in [
        ("Raspbian", "Raspbian (Linux)", 0.5),
        ("FreeBSD", "FreeBSD", 0.5),
        ("for_Windows", "Windows", 0.5),
        ("dropbear", "Embedded Linux (dropbear)", 0.4),
        ("Cisco", "Cisco IOS (Network OS)", 0.5),
        ("ROSSSH", "MikroTik RouterOS (Network OS)", 0.5),
    ] {
        if banner.contains(k) {
            return Some((name.to_string(), w));
        }
    }
    None
}

/// OS named by an HTTP `Server` header.
fn http_server_os(kb: &KnowledgeBase, banner: &str) -> Option<(String, f32)> {
    if let Some(i) = banner.find("Microsoft-IIS/") {
        let v: String = banner[i + 14..]
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        let name = kb
            .value_rule("HTTP Server header", &v)
            .map_or("Windows".to_string(), |r| r.means.clone());
        return Some((name, 0.5));
    }
    for (k, name) in [
        ("(Win32)", "Windows"),
        ("(Win64)", "Windows"),
        ("(Windows)", "Windows"),
        ("(Ubuntu)", "Ubuntu"),
        ("(Debian)", "Debian"),
        ("(CentOS)", "CentOS"),
        ("(Red Hat)", "Red Hat Enterprise Linux"),
        ("(Fedora)", "Fedora (Linux)"),
        ("(Raspbian)", "Raspbian (Linux)"),
    ] {
        if banner.contains(k) {
            return Some((name.to_string(), 0.4));
        }
    }
    None
}

/// Turns the facts of one host into claims, plus the decoded stack hints.
pub(crate) fn claims(
    kb: &KnowledgeBase,
    facts: &[&HostFactRecord],
) -> (Vec<Claim>, Vec<TcpStackHint>) {
    let mut out = Vec::new();
    let mut hints = Vec::new();
    let has_ua_os = facts
        .iter()
        .any(|f| matches!(&f.fact, HostFact::Os { source, .. } if source == "http_user_agent"));
    for rec in facts {
        let ev = rec.evidence.clone();
        match &rec.fact {
            HostFact::Os {
                name,
                version,
                source,
            } => {
                // A name with no letters, or with undecodable bytes, is a
                // parser's misreading, not evidence.
                if !name.chars().any(|c| c.is_ascii_alphabetic())
                    || name.contains(char::REPLACEMENT_CHARACTER)
                {
                    continue;
                }
                // A name that maps to no family ("Unix", "nt", library
                // defaults such as pysmb's) says little whatever its source.
                let family = family_of(name);
                let weight = if family == "Other" {
                    0.1
                } else {
                    source_weight(source)
                };
                let observed = match version {
                    Some(v) => format!("{source} reports {name} (version {v})"),
                    None => format!("{source} reports {name}"),
                };
                out.push(Claim {
                    source: source.to_string(),
                    observed,
                    name: name.to_string(),
                    version: version.as_deref().map(str::to_owned),
                    family,
                    weight,
                    generic: false,
                    evidence: ev,
                });
            }
            HostFact::Software { role, banner } => {
                let hit = match role.as_ref() {
                    "ssh_server" | "ssh_client" => ssh_os(kb, banner).map(|h| ("ssh_banner", h)),
                    "http_server" => http_server_os(kb, banner).map(|h| ("http_server", h)),
                    "http_client" if !has_ua_os => {
                        ua_os(kb, banner).map(|(n, _)| ("http_user_agent", (n, 0.5)))
                    }
                    _ => None,
                };
                if let Some((source, (name, weight))) = hit {
                    out.push(Claim {
                        source: source.to_string(),
                        observed: format!("{role} banner \"{banner}\""),
                        family: family_of(&name),
                        name,
                        version: None,
                        weight,
                        generic: false,
                        evidence: ev,
                    });
                }
            }
            HostFact::Attribute { key, value } if key == "dhcp_vendor_class" => {
                let name = if value.starts_with("MSFT 5.0") {
                    Some(("Windows (2000 or later)", 0.4))
                } else if value.starts_with("MSFT 98") {
                    Some(("Windows 98", 0.4))
                } else if value.starts_with("android-dhcp") {
                    Some(("Android", 0.5))
                } else if value.starts_with("dhcpcd") {
                    Some(("Linux (dhcpcd)", 0.3))
                } else if value.starts_with("udhcp") {
                    Some(("Embedded Linux (udhcp)", 0.3))
                } else {
                    None
                };
                if let Some((name, weight)) = name {
                    out.push(Claim {
                        source: "dhcp_vendor_class".into(),
                        observed: format!("DHCP vendor class \"{value}\""),
                        name: name.into(),
                        version: None,
                        family: family_of(name),
                        weight,
                        generic: true,
                        evidence: ev,
                    });
                }
            }
            HostFact::Attribute { key, value }
                if key == "tcp_syn_signature" || key == "tcp_synack_signature" =>
            {
                let synack = key == "tcp_synack_signature";
                let Some(sig) = SynSignature::parse(value) else {
                    continue;
                };
                let ittl = initial_ttl(sig.ttl);
                let rule = sig.matching_rule(kb.tcp_rules(), synack);
                let kind = if synack { "synack" } else { "syn" };
                hints.push(TcpStackHint {
                    kind: kind.into(),
                    signature: value.to_string(),
                    observed_ttl: sig.ttl,
                    initial_ttl: ittl,
                    hops: ittl.saturating_sub(sig.ttl),
                    matched: rule.map(|r| r.means.clone()),
                    evidence: ev.clone(),
                });
                let source = format!("tcp_{kind}");
                if let Some(r) = rule {
                    out.push(Claim {
                        source,
                        observed: format!(
                            "TCP {} signature {value} (initial TTL {ittl}) matches kb row {} `{}`",
                            if synack { "SYN+ACK" } else { "SYN" },
                            r.row,
                            r.pattern
                        ),
                        name: r.means.clone(),
                        version: None,
                        family: family_of(&r.means),
                        weight: 0.25,
                        generic: true,
                        evidence: ev,
                    });
                } else if ittl == 128 {
                    out.push(Claim {
                        source,
                        observed: format!("TCP signature {value}: initial TTL 128"),
                        name: "Windows".into(),
                        version: None,
                        family: "Windows",
                        weight: 0.15,
                        generic: true,
                        evidence: ev,
                    });
                }
            }
            _ => {}
        }
    }
    (out, hints)
}

/// Combines claims into one inference (`None` without claims).
pub(crate) fn infer(kb: &KnowledgeBase, claims: &[Claim]) -> Option<OsInference> {
    if claims.is_empty() {
        return None;
    }
    // One vote per (family, source): the strongest.
    let mut best: BTreeMap<(&str, &str), f32> = BTreeMap::new();
    for c in claims {
        let e = best.entry((c.family, c.source.as_str())).or_insert(0.0);
        *e = e.max(c.weight);
    }
    let mut family_score: BTreeMap<&str, f32> = BTreeMap::new();
    for ((fam, _), w) in &best {
        let s = family_score.entry(fam).or_insert(0.0);
        *s = 1.0 - (1.0 - *s) * (1.0 - w);
    }
    let (&family, &score) = family_score
        .iter()
        .max_by(|a, b| a.1.total_cmp(b.1).then_with(|| b.0.cmp(a.0)))?;
    let total: f32 = family_score.values().sum();
    let confidence = if total > 0.0 {
        score * score / total
    } else {
        0.0
    };
    // The release: strongest claim of the family, preferring specific ones.
    let specific = |c: &Claim| {
        let r = c.resolve(kb);
        (r.row.is_some(), c.version.is_some())
    };
    let top = claims
        .iter()
        .filter(|c| c.family == family)
        .max_by(|a, b| {
            a.weight
                .total_cmp(&b.weight)
                .then_with(|| specific(a).cmp(&specific(b)))
        })?;
    let resolved = top.resolve(kb);
    let name = if resolved.row.is_some() {
        resolved.name.clone()
    } else {
        top.name.clone()
    };
    let mut reasons: Vec<OsReason> = claims
        .iter()
        .map(|c| {
            let r = c.resolve(kb);
            let verdict = if c.family != family {
                Verdict::Contradicts
            } else if r.row == resolved.row
                || r.row.is_none()
                || resolved.row.is_none()
                || r.also.contains(&resolved.name)
            {
                Verdict::Supports
            } else {
                Verdict::Differs
            };
            let claim = if r.row.is_some() {
                r.name
            } else {
                c.name.clone()
            };
            let text = format!(
                "{}: {} → {} ({}, {:.2}; {}) at {} frame {}",
                c.source,
                c.observed,
                claim,
                strength(c.weight),
                c.weight,
                match verdict {
                    Verdict::Supports => "supports",
                    Verdict::Differs => "same family, other release",
                    Verdict::Contradicts => "contradicts, outweighed",
                },
                c.evidence.pcap_filename,
                c.evidence.pcap_cnt
            );
            OsReason {
                source: c.source.clone(),
                observed: c.observed.clone(),
                claim,
                family: c.family.to_string(),
                weight: c.weight,
                verdict,
                text,
                evidence: c.evidence.clone(),
            }
        })
        .collect();
    reasons.sort_by(|a, b| {
        b.weight
            .total_cmp(&a.weight)
            .then_with(|| a.verdict.cmp(&b.verdict))
            .then_with(|| a.evidence.cmp(&b.evidence))
    });
    reasons.dedup_by(|a, b| a.text == b.text);
    let confidence = (confidence * 100.0).round() / 100.0;
    Some(OsInference {
        family: family.to_string(),
        name,
        version: top.version.clone(),
        confidence,
        level: Confidence::from_score(confidence),
        also_possible: resolved.also,
        lifecycle_row: resolved.row,
        reasons,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::IpAddr;

    fn rec(fact: HostFact, frame: u64) -> HostFactRecord {
        HostFactRecord {
            ip: Some(IpAddr::from([10, 0, 0, 5])),
            mac: None,
            fact,
            count: 1,
            evidence: Evidence {
                pcap_filename: "t.pcap".into(),
                pcap_cnt: frame,
                ts: plantguard_model::Timestamp(0),
            },
        }
    }

    fn os(name: &str, version: Option<&str>, source: &str) -> HostFact {
        HostFact::Os {
            name: name.to_owned().into(),
            version: version.map(|v| v.to_owned().into()),
            source: source.to_owned().into(),
        }
    }

    fn run(facts: &[HostFactRecord]) -> Option<OsInference> {
        let kb = KnowledgeBase::embedded();
        let refs: Vec<&HostFactRecord> = facts.iter().collect();
        infer(kb, &claims(kb, &refs).0)
    }

    #[test]
    fn guesses_initial_ttl() {
        assert_eq!(
            [1, 32, 33, 64, 100, 128, 129, 255].map(initial_ttl),
            [32, 32, 64, 64, 128, 128, 255, 255]
        );
    }

    #[test]
    fn windows_7_from_ntlmssp_version() {
        let inf = run(&[rec(os("Windows", Some("6.1.7601"), "smb_ntlmssp"), 7)]).unwrap();
        assert_eq!(
            (inf.family.as_str(), inf.name.as_str()),
            ("Windows", "Windows 7")
        );
        assert_eq!(inf.version.as_deref(), Some("6.1.7601"));
        assert_eq!(inf.level, Confidence::High);
        assert!(inf
            .also_possible
            .iter()
            .any(|p| p == "Windows Server 2008 R2"));
        assert!(
            inf.reasons[0].text.contains("t.pcap frame 7"),
            "{}",
            inf.reasons[0].text
        );
    }

    #[test]
    fn windows_xp_from_netbios_browser() {
        let inf = run(&[rec(os("Windows XP", Some("5.1"), "netbios_browser"), 3)]).unwrap();
        assert_eq!(inf.name, "Windows XP");
        assert_eq!(inf.level, Confidence::High);
    }

    #[test]
    fn smb_native_os_string_names_the_edition() {
        let inf = run(&[rec(
            os(
                "Windows Server 2003 3790 Service Pack 2",
                None,
                "smb_native_os",
            ),
            3,
        )])
        .unwrap();
        assert_eq!(inf.name, "Windows Server 2003 / 2003 R2");
    }

    #[test]
    fn conflicting_evidence_is_resolved_by_weight_with_reasons() {
        let ua = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:73.0) Gecko/20100101 Firefox/73.0";
        let inf = run(&[
            rec(os("Windows 7", Some("6.1.7601"), "smb_ntlmssp"), 10),
            rec(os("Linux", None, "http_user_agent"), 20),
            rec(
                HostFact::Software {
                    role: "http_client".into(),
                    banner: ua.into(),
                },
                20,
            ),
            rec(
                HostFact::Attribute {
                    key: "tcp_syn_signature".into(),
                    value: "4:128:0:1460:8192,8:mss,nop,ws,nop,nop,sok:df,id+:0".into(),
                },
                9,
            ),
        ])
        .unwrap();
        assert_eq!(inf.name, "Windows 7");
        assert_eq!(inf.level, Confidence::Medium, "{inf:?}");
        let v: Vec<(&str, Verdict)> = inf
            .reasons
            .iter()
            .map(|r| (r.source.as_str(), r.verdict))
            .collect();
        assert_eq!(
            v,
            [
                ("smb_ntlmssp", Verdict::Supports),
                ("http_user_agent", Verdict::Contradicts),
                ("tcp_syn", Verdict::Supports),
            ]
        );
        assert!(inf.reasons[1].text.contains("outweighed"));
    }

    #[test]
    fn tcp_signature_alone_is_weak() {
        let inf = run(&[rec(
            HostFact::Attribute {
                key: "tcp_syn_signature".into(),
                value: "4:61:0:1460:64240,7:mss,sok,ts,nop,ws:df,id+:0".into(),
            },
            1,
        )])
        .unwrap();
        assert_eq!(inf.family, "Linux");
        assert_eq!(inf.level, Confidence::Low);
        assert!(inf.reasons[0].observed.contains("initial TTL 64"));
    }

    #[test]
    fn ssh_and_iis_banners_name_releases() {
        let inf = run(&[rec(
            HostFact::Software {
                role: "ssh_server".into(),
                banner: "SSH-2.0-OpenSSH_7.4p1 Debian-10+deb9u7".into(),
            },
            1,
        )])
        .unwrap();
        assert_eq!(inf.name, "Debian 9 stretch");
        let inf = run(&[rec(
            HostFact::Software {
                role: "http_server".into(),
                banner: "Microsoft-IIS/7.5".into(),
            },
            1,
        )])
        .unwrap();
        assert_eq!(inf.name, "Windows 7");
        assert!(inf.reasons[0].claim.contains("Windows 7"));
    }

    #[test]
    fn user_agent_maps_nt_token() {
        let kb = KnowledgeBase::embedded();
        assert_eq!(
            ua_os(
                kb,
                "Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 5.1; Trident/4.0)"
            ),
            Some(("Windows XP".into(), Some("5.1".into())))
        );
        assert_eq!(ua_os(kb, "curl/7.68.0"), None);
    }

    #[test]
    fn reads_eol_without_separator_as_p0f_does() {
        let s = SynSignature::parse("4:64:0:1460:65535,5:mss,nop,ws,nop,nop,ts,sokeol+1:df,id+:0");
        let s = s.unwrap();
        assert_eq!(s.layout, "mss,nop,ws,nop,nop,ts,sok,eol+1");
        let r = s.matching_rule(KnowledgeBase::embedded().tcp_rules(), false);
        assert_eq!(family_of(&r.unwrap().means), "Apple");
    }

    #[test]
    fn native_os_edition_beats_ntlmssp_version_and_agrees_with_it() {
        let inf = run(&[
            rec(
                os("Windows 7/Server 2008 R2", Some("6.1.7601"), "smb_ntlmssp"),
                1,
            ),
            rec(
                os(
                    "Windows Server 2008 R2 Standard 7601 Service Pack 1",
                    None,
                    "smb_native_os",
                ),
                2,
            ),
        ])
        .unwrap();
        assert_eq!(inf.name, "Windows Server 2008 R2");
        assert!(
            inf.reasons.iter().all(|r| r.verdict == Verdict::Supports),
            "{inf:#?}"
        );
    }

    #[test]
    fn unrecognised_os_names_weigh_little() {
        let inf = run(&[
            rec(os("nt", None, "smb_native_os"), 1),
            rec(os("Unix", None, "smb_native_os"), 1),
            rec(
                HostFact::Attribute {
                    key: "tcp_syn_signature".into(),
                    value: "4:128:0:1460:8192,8:mss,nop,ws,nop,nop,sok:df,id+:0".into(),
                },
                2,
            ),
        ])
        .unwrap();
        assert_eq!(inf.family, "Windows");
    }

    #[test]
    fn ignores_os_names_without_letters() {
        assert!(run(&[rec(os("\u{fffd}\u{fffd}", None, "smb_native_os"), 1)]).is_none());
    }

    #[test]
    fn families() {
        assert_eq!(family_of("Windows Embedded Standard 7"), "Windows");
        assert_eq!(family_of("Android"), "Linux");
        assert_eq!(family_of("macOS"), "Apple");
        assert_eq!(family_of("iOS"), "Apple");
        assert_eq!(family_of("QTS"), "Linux");
        assert_eq!(
            family_of("Network OS or embedded RTOS (initial TTL 255: Cisco IOS ...)"),
            "Network OS"
        );
        assert_eq!(
            family_of("Embedded TCP/IP stack (MSS option only)"),
            "Embedded"
        );
    }
}
