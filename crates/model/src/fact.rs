// SPDX-License-Identifier: Apache-2.0
use std::borrow::Cow;

use serde::{Deserialize, Serialize};

/// Text in a fact: a `&'static str` (a key or value from a fixed set, as
/// most are) is kept without a copy, anything else is owned. Compared,
/// ordered, hashed and written out exactly as a `String` would be.
pub type Text = Cow<'static, str>;

/// A fact about a host learned from IT protocols: names, operating system,
/// software, credentials crossing the wire, lookups.
///
/// Parsers report facts about the end of the flow that spoke them (or, for
/// requests naming a server, the side the fact is about). Text from a fixed
/// set (sources, roles, services, attribute names) is borrowed, text from
/// the packet copied: devices and clients repeat the same facts on every
/// connection, so building one must cost little.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HostFact {
    /// A name the host announced or was given (`source`: `dhcp`, `netbios`,
    /// `llmnr`, `mdns`, `dns`, `smb`, `http_host`, `tls_sni`, `snmp`, ...).
    Name {
        /// The name as sent.
        name: Text,
        /// Protocol or field it came from.
        source: Text,
    },
    /// A domain or workgroup the host belongs to.
    Domain {
        /// Domain / workgroup name.
        name: Text,
        /// Protocol or field it came from.
        source: Text,
    },
    /// Operating-system evidence (`name`: `Windows XP`; `version`: `5.1`).
    Os {
        /// OS family and release as named by the evidence.
        name: Text,
        /// Version or build, when the evidence carries one.
        version: Option<Text>,
        /// What revealed it (`netbios_browser`, `smb_ntlmssp`, `http_user_agent`, `tcp_syn`, ...).
        source: Text,
    },
    /// Software the host runs (`role`: `http_server`, `http_client`,
    /// `ssh_server`, `ssh_client`, `snmp_agent`, `ftp_server`, ...).
    Software {
        /// What the software does on this host.
        role: Text,
        /// The identifying string as sent (banner, Server header, User-Agent).
        banner: Text,
    },
    /// A credential seen in clear text. The secret is kept whole here and
    /// masked at output unless the user asks to see secrets.
    Credential {
        /// Service (`ftp`, `telnet`, `http_basic`, `snmp`, `opcua`, ...).
        service: Text,
        /// User name (empty for SNMP communities).
        username: Text,
        /// Password or community string.
        secret: Text,
        /// Whether the server accepted it, when its reply shows it.
        accepted: Option<bool>,
    },
    /// A name this host looked up (DNS, LLMNR, mDNS, NetBIOS queries).
    Lookup {
        /// Queried name.
        name: Text,
        /// Protocol.
        source: Text,
    },
    /// Any other keyed attribute (`dhcp_vendor_class` = `MSFT 5.0`,
    /// `ja3` = `...`, `smb_dialect` = `NT LM 0.12`, `tcp_syn` = `64:65535:...`).
    Attribute {
        /// Attribute name, snake_case.
        key: Text,
        /// Value as text.
        value: Text,
    },
}

impl HostFact {
    /// The fact with any secret replaced by a masked form (`adm***`).
    pub fn masked(&self) -> HostFact {
        match self {
            HostFact::Credential {
                service,
                username,
                secret,
                accepted,
            } => HostFact::Credential {
                service: service.clone(),
                username: username.clone(),
                secret: mask_secret(secret).into(),
                accepted: *accepted,
            },
            other => other.clone(),
        }
    }
}

/// Masks a secret for display: the first three characters of a secret of
/// eight or more characters, the first one of a shorter one, then `***`.
/// Empty secrets stay visibly empty.
pub fn mask_secret(secret: &str) -> String {
    if secret.is_empty() {
        return String::new();
    }
    let n = secret.chars().count();
    let keep = if n >= 8 { 3 } else { 1 };
    let mut s: String = secret.chars().take(keep).collect();
    s.push_str("***");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_long_and_short_secrets() {
        assert_eq!(mask_secret("factorycast@schneider"), "fac***");
        assert_eq!(mask_secret("public"), "p***");
        assert_eq!(mask_secret(""), "");
    }

    #[test]
    fn masked_fact_hides_only_the_secret() {
        let f = HostFact::Credential {
            service: "ftp".into(),
            username: "sysdiag".into(),
            secret: "factorycast@schneider".into(),
            accepted: Some(true),
        };
        let HostFact::Credential {
            username, secret, ..
        } = f.masked()
        else {
            unreachable!()
        };
        assert_eq!((username.as_ref(), secret.as_ref()), ("sysdiag", "fac***"));
    }
}
