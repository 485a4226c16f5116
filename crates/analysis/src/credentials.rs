// SPDX-License-Identifier: Apache-2.0
//! Cleartext credentials seen on the wire, matched against publicly
//! documented vendor defaults (`kb/default_credentials.csv`).
//!
//! Matching is exact on the password (case-sensitive, as devices check it)
//! and case-insensitive on the user name. An SNMP community matches rows
//! with an empty user name and the community as password. A row applies when
//! its `protocol_service` names the service or is blank. When several rows
//! match, the one whose vendor matches the host's MAC vendor or protocol
//! identity wins; the rest are counted.

use std::net::IpAddr;

use plantguard_engine::result::{FlowRecord, HostFactRecord};
use plantguard_model::{mask_secret, Evidence, HostFact};
use serde::{Deserialize, Serialize};

use crate::index::{at, FlowsByIp};
use crate::kb::{DefaultCredential, KnowledgeBase};

/// What kind of credential finding this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialKind {
    /// A publicly documented vendor default is in use.
    DefaultCredential,
    /// A credential crossed the network in clear text.
    CleartextCredential,
}

/// The `kb/default_credentials.csv` row a credential matched. The row's
/// password is not repeated here: it equals the secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefaultCredentialMatch {
    /// Vendor.
    pub vendor: String,
    /// Product.
    pub product: String,
    /// Device type.
    pub device_type: String,
    /// Service as the row writes it.
    pub protocol_service: String,
    /// Where the row comes from.
    pub source: String,
    /// 1-based data row in `kb/default_credentials.csv`.
    pub row: usize,
    /// Whether the row's vendor matches what the host revealed.
    pub vendor_matches_host: bool,
    /// Other rows that match the same credential.
    pub other_matching_rows: usize,
}

/// A cleartext credential, and whether it is a known default.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialFinding {
    /// `default_credential` or `cleartext_credential`.
    pub kind: CredentialKind,
    /// The server the credential is for.
    pub server_ip: Option<IpAddr>,
    /// The client that sent it, when flows were kept.
    pub client_ip: Option<IpAddr>,
    /// Service (`ftp`, `telnet`, `http_basic`, `snmp`).
    pub service: String,
    /// User name (empty for SNMP).
    pub username: String,
    /// The secret, whole until [`crate::Hardening::mask_secrets`].
    pub secret: String,
    /// Whether the server accepted it, when the reply showed it.
    pub accepted: Option<bool>,
    /// Vendor the host revealed (MAC or protocol identity).
    pub host_vendor: Option<String>,
    /// The best matching default-credential row.
    pub default_match: Option<DefaultCredentialMatch>,
    /// Times seen.
    pub count: u64,
    /// First frame that carried it.
    pub evidence: Evidence,
}

impl CredentialFinding {
    /// Replaces the secret with its masked form.
    pub fn mask(&mut self) {
        self.secret = mask_secret(&self.secret);
    }
}

fn service_compatible(row: &str, service: &str) -> Option<bool> {
    let row = row.to_ascii_lowercase();
    if row.is_empty() {
        return Some(false);
    }
    let keys: &[&str] = match service {
        "ftp" => &["ftp"],
        "telnet" => &["telnet"],
        "http_basic" | "http" => &["http", "web"],
        "snmp" => &["snmp"],
        other => return row.contains(other).then_some(true),
    };
    keys.iter().any(|k| row.contains(k)).then_some(true)
}

/// First word of a vendor name, lower-case (`D-Link`, `schneider`).
fn vendor_key(v: &str) -> String {
    v.split(|c: char| !c.is_ascii_alphanumeric() && c != '-')
        .find(|w| !w.is_empty())
        .unwrap_or("")
        .to_ascii_lowercase()
}

fn vendor_matches(row_vendor: &str, host_vendors: &[String]) -> bool {
    let k = vendor_key(row_vendor);
    !row_vendor.starts_with('(')
        && k.len() >= 3
        && host_vendors
            .iter()
            .any(|h| h.to_ascii_lowercase().contains(&k))
}

/// Finds the default-credential rows a credential matches, best first.
pub fn match_default<'k>(
    kb: &'k KnowledgeBase,
    service: &str,
    username: &str,
    secret: &str,
    host_vendors: &[String],
) -> Vec<(&'k DefaultCredential, bool)> {
    let snmp = service == "snmp";
    let mut hits: Vec<(i32, &DefaultCredential, bool)> = kb
        .default_credentials()
        .iter()
        .filter_map(|row| {
            let explicit = service_compatible(&row.protocol_service, service)?;
            if row.password != secret {
                return None;
            }
            let user_ok = if snmp {
                row.username.is_empty() || row.username.to_ascii_lowercase().contains("community")
            } else {
                row.username.eq_ignore_ascii_case(username)
            };
            if !user_ok {
                return None;
            }
            let vm = vendor_matches(&row.vendor, host_vendors);
            let generic = row.vendor.starts_with("(any");
            let score = i32::from(vm) * 4 + i32::from(generic) * 2 + i32::from(explicit);
            Some((score, row, vm))
        })
        .collect();
    hits.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.row.cmp(&b.1.row)));
    hits.into_iter().map(|(_, r, vm)| (r, vm)).collect()
}

/// The client of the flow that carried a fact about `server`, and whether
/// the fact's host is in fact the client (then the peer is the server).
fn locate(
    flows: &[FlowRecord],
    flows_by_ip: &FlowsByIp,
    ip: IpAddr,
    ev: &Evidence,
    service: &str,
) -> (Option<IpAddr>, Option<IpAddr>) {
    let svc = match service {
        "http_basic" => "http",
        s => s,
    };
    let within = |f: &&FlowRecord| {
        f.ts <= ev.ts
            && ev.ts <= f.last_ts
            && f.evidence.pcap_filename == ev.pcap_filename
            && f.service.as_deref().is_none_or(|s| s == svc)
    };
    // The flows `ip` took part in, in flow-list order.
    let mine = || {
        flows_by_ip
            .of(ip)
            .iter()
            .map(|&i| &flows[at(i)])
            .filter(within)
    };
    if let Some(f) = mine().find(|f| f.resp_h == ip) {
        return (Some(ip), Some(f.orig_h));
    }
    if let Some(f) = mine().find(|f| f.orig_h == ip) {
        return (Some(f.resp_h), Some(ip));
    }
    (Some(ip), None)
}

/// Every credential fact as a finding.
pub(crate) fn findings(
    kb: &KnowledgeBase,
    facts: &[HostFactRecord],
    flows: &[FlowRecord],
    flows_by_ip: &FlowsByIp,
    vendors_of: &dyn Fn(Option<IpAddr>) -> Vec<String>,
) -> Vec<CredentialFinding> {
    let mut out = Vec::new();
    for rec in facts {
        let HostFact::Credential {
            service,
            username,
            secret,
            accepted,
        } = &rec.fact
        else {
            continue;
        };
        let (server_ip, client_ip) = match rec.ip {
            Some(ip) => locate(flows, flows_by_ip, ip, &rec.evidence, service),
            None => (None, None),
        };
        let vendors = vendors_of(server_ip);
        let hits = match_default(kb, service, username, secret, &vendors);
        let default_match = hits.first().map(|(r, vm)| DefaultCredentialMatch {
            vendor: r.vendor.clone(),
            product: r.product.clone(),
            device_type: r.device_type.clone(),
            protocol_service: r.protocol_service.clone(),
            source: r.source.clone(),
            row: r.row,
            vendor_matches_host: *vm,
            other_matching_rows: hits.len() - 1,
        });
        out.push(CredentialFinding {
            kind: if default_match.is_some() {
                CredentialKind::DefaultCredential
            } else {
                CredentialKind::CleartextCredential
            },
            server_ip,
            client_ip,
            service: service.to_string(),
            username: username.to_string(),
            secret: secret.to_string(),
            accepted: *accepted,
            host_vendor: vendors.first().cloned(),
            default_match,
            count: rec.count,
            evidence: rec.evidence.clone(),
        });
    }
    out.sort_by(|a, b| {
        a.kind
            .cmp(&b.kind)
            .then(a.server_ip.cmp(&b.server_ip))
            .then(a.service.cmp(&b.service))
            .then(a.username.cmp(&b.username))
            .then(a.evidence.cmp(&b.evidence))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schneider_ftp_default_matches_its_row() {
        let kb = KnowledgeBase::embedded();
        let vendors = vec!["Telemecanique (Schneider Electric)".to_string()];
        let hits = match_default(kb, "ftp", "SYSDIAG", "factorycast@schneider", &vendors);
        let (row, vm) = hits[0];
        assert!(vm);
        assert_eq!(
            (row.vendor.as_str(), row.product.as_str()),
            ("Schneider", "M340")
        );
        assert_eq!(row.protocol_service, "FTP");
        // The Premium row documents the same default.
        assert!(hits.iter().any(|(r, _)| r.product == "Premium"));
        // Password is case-sensitive.
        assert!(match_default(kb, "ftp", "sysdiag", "FactoryCast@schneider", &vendors).is_empty());
        // A row for another service does not apply.
        assert!(
            match_default(kb, "telnet", "sysdiag", "factorycast@schneider", &vendors).is_empty()
        );
    }

    #[test]
    fn snmp_public_matches_generic_row_first_without_vendor() {
        let kb = KnowledgeBase::embedded();
        let hits = match_default(kb, "snmp", "", "public", &[]);
        assert!(hits.len() > 1);
        assert_eq!(hits[0].0.vendor, "(any SNMP agent)");
        let hits = match_default(kb, "snmp", "", "public", &["Hirschmann (Belden)".into()]);
        // Hirschmann's documented public row is `user/public` (not a
        // community), so the generic row still wins; D-Link's is a community.
        assert!(hits.iter().all(|(r, _)| r.username.is_empty()));
        let hits = match_default(kb, "snmp", "", "public", &["D-Link International".into()]);
        assert_eq!(hits[0].0.vendor, "D-Link");
        assert!(hits[0].1);
    }

    #[test]
    fn unknown_secret_has_no_match() {
        let kb = KnowledgeBase::embedded();
        assert!(match_default(kb, "ftp", "operator", "x9!unlikely", &[]).is_empty());
    }
}
