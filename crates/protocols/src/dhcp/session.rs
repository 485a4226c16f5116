// SPDX-License-Identifier: Apache-2.0
//! Per-datagram DHCP handling: host facts and `dhcp.log` / `dhcpv6.log`
//! records. DHCP keeps no per-flow state: each message stands alone.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use std::fmt::Write as _;
use std::net::Ipv4Addr;

use plantguard_model::{HostFact, Side};

use super::record::{DhcpRecord, Dhcpv6Record};
use super::wire::{self, fqdn_text, msg_type_name, msg_type_v6_name, Message};
use crate::api::{report_attribute, Direction, ObservationSink, Progress, Session};

/// `aa:bb:cc:dd:ee:ff`.
pub fn mac_text(mac: &[u8]) -> String {
    let mut s = String::with_capacity(mac.len().saturating_mul(3));
    for (i, b) in mac.iter().enumerate() {
        if i > 0 {
            s.push(':');
        }
        let _ = write!(s, "{b:02x}");
    }
    s
}

fn ip_text(a: [u8; 4]) -> String {
    Ipv4Addr::from(a).to_string()
}

fn ip_list(v: &[u8]) -> Vec<String> {
    v.chunks_exact(4)
        .filter_map(|c| <[u8; 4]>::try_from(c).ok())
        .map(ip_text)
        .collect()
}

fn text(v: &[u8]) -> String {
    // Some clients NUL-terminate their option strings.
    let v = v.strip_suffix(&[0]).unwrap_or(v);
    String::from_utf8_lossy(v).into_owned()
}

fn list_text(v: &[u8]) -> String {
    let mut s = String::new();
    for (i, b) in v.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        let _ = write!(s, "{b}");
    }
    s
}

fn fqdn(flags: u8, name: &[u8]) -> Option<String> {
    let mut s = String::new();
    // RFC 4702 §2.1: bit E (0x04) selects the canonical wire encoding.
    (fqdn_text(name, flags & 0x04 != 0, &mut s) && !s.is_empty()).then_some(s)
}

/// DHCPv4 session (one per UDP flow; every datagram is one message).
#[derive(Debug, Default)]
pub struct DhcpSession;

impl DhcpSession {
    /// Decodes one message.
    pub fn message(&mut self, dir: Direction, b: &[u8], out: &mut dyn ObservationSink) {
        let m = match wire::parse_message(b) {
            Ok(m) => m,
            Err(_) => {
                out.anomaly(super::NAME, "malformed_message");
                return;
            }
        };
        if m.options.truncated {
            out.anomaly(super::NAME, "truncated_option");
        }
        if m.options.msg_type.is_none() {
            out.anomaly(super::NAME, "missing_message_type");
        }
        let speaker = dir.sender();
        let o = &m.options;
        let mac = m.mac().map(|x| mac_text(&x));
        if m.op == 1 {
            client_facts(&m, speaker, mac.as_deref(), out);
        } else {
            server_facts(&m, dir, mac.as_deref(), out);
        }
        if !out.wants_records() {
            return;
        }
        let nonzero = |a: [u8; 4]| (a != [0; 4]).then(|| ip_text(a));
        let t = o.msg_type.unwrap_or(0);
        let rec = DhcpRecord {
            trans_id: m.xid,
            msg_type: t,
            msg_types: vec![if o.msg_type.is_some() {
                msg_type_name(t)
            } else {
                "BOOTP"
            }],
            mac,
            client_addr: nonzero(m.ciaddr),
            requested_addr: o.requested_addr.map(ip_text),
            assigned_addr: nonzero(m.yiaddr),
            server_addr: o.server_id.map(ip_text),
            host_name: o.host_name.map(text),
            client_fqdn: o.client_fqdn.and_then(|(f, n)| fqdn(f, n)),
            domain: o.domain.map(text),
            lease_time: o.lease_time,
            vendor_class: o.vendor_class.map(text),
            param_list: o.param_list.map(<[u8]>::to_vec).unwrap_or_default(),
            routers: o.routers.map(ip_list).unwrap_or_default(),
            dns_servers: o.dns_servers.map(ip_list).unwrap_or_default(),
            message: o.message.map(text),
        };
        out.record(super::NAME, &rec);
    }
}

/// Facts about the client sending a BOOTREQUEST.
fn client_facts(m: &Message<'_>, speaker: Side, mac: Option<&str>, out: &mut dyn ObservationSink) {
    let o = &m.options;
    if let Some(mac) = mac {
        report_attribute(out, speaker, "dhcp_client_mac", mac.to_string());
    }
    if let Some(h) = o.host_name.map(text).filter(|h| !h.is_empty()) {
        out.host_fact(
            speaker,
            HostFact::Name {
                name: h.into(),
                source: "dhcp".into(),
            },
        );
    }
    if let Some(n) = o.client_fqdn.and_then(|(f, n)| fqdn(f, n)) {
        out.host_fact(
            speaker,
            HostFact::Name {
                name: n.into(),
                source: "dhcp".into(),
            },
        );
    }
    if let Some(v) = o.vendor_class {
        report_attribute(out, speaker, "dhcp_vendor_class", text(v));
    }
    if let Some(p) = o.param_list {
        report_attribute(out, speaker, "dhcp_fingerprint", list_text(p));
    }
    if let Some(r) = o.requested_addr {
        report_attribute(out, speaker, "dhcp_requested_ip", ip_text(r));
    }
}

/// Facts from a BOOTREPLY: about the server that sent it, and (ACK only)
/// the lease about the receiving side.
fn server_facts(m: &Message<'_>, dir: Direction, mac: Option<&str>, out: &mut dyn ObservationSink) {
    let o = &m.options;
    let server = dir.sender();
    if let Some(s) = o.server_id {
        report_attribute(out, server, "dhcp_server_identifier", ip_text(s));
    }
    if let Some(r) = o.routers {
        report_attribute(out, server, "dhcp_router", ip_list(r).join(","));
    }
    if let Some(d) = o.dns_servers {
        report_attribute(out, server, "dhcp_dns_servers", ip_list(d).join(","));
    }
    if let Some(d) = o.domain.map(text).filter(|d| !d.is_empty()) {
        out.host_fact(
            server,
            HostFact::Domain {
                name: d.into(),
                source: "dhcp".into(),
            },
        );
    }
    if o.msg_type == Some(5) && m.yiaddr != [0; 4] {
        let client = dir.reverse().sender();
        let ip = ip_text(m.yiaddr);
        if let Some(mac) = mac {
            report_attribute(out, client, "dhcp_client_mac", mac.to_string());
            report_attribute(out, client, "dhcp_lease", format!("{mac} {ip}"));
        }
        report_attribute(out, client, "dhcp_assigned_ip", ip);
    }
}

impl Session for DhcpSession {
    fn feed(&mut self, dir: Direction, input: &[u8], out: &mut dyn ObservationSink) -> Progress {
        self.message(dir, input, out);
        Progress::Done
    }

    fn gap(&mut self, _dir: Direction, _len: u32) {}
}

/// DHCPv6 session (UDP 546/547).
#[derive(Debug, Default)]
pub struct Dhcpv6Session;

impl Dhcpv6Session {
    /// Decodes one message.
    pub fn message(&mut self, dir: Direction, b: &[u8], out: &mut dyn ObservationSink) {
        let m = match wire::parse_message_v6(b) {
            Ok(m) => m,
            Err(_) => {
                out.anomaly(super::NAME_V6, "malformed_message");
                return;
            }
        };
        if m.truncated {
            out.anomaly(super::NAME_V6, "truncated_option");
        }
        let speaker = dir.sender();
        let client_msg = matches!(m.msg_type, 1 | 3 | 4 | 5 | 6 | 8 | 9 | 11);
        let name = m.client_fqdn.and_then(|(_, n)| fqdn(0x04, n));
        let vendor = m.vendor_class.map(|(e, d)| format!("{e}:{}", text(d)));
        let oro: Vec<u16> = m
            .oro
            .map(|v| {
                v.chunks_exact(2)
                    .map(|c| {
                        u16::from_be_bytes([
                            c.first().copied().unwrap_or(0),
                            c.get(1).copied().unwrap_or(0),
                        ])
                    })
                    .collect()
            })
            .unwrap_or_default();
        if client_msg {
            if let Some(n) = name.clone() {
                out.host_fact(
                    speaker,
                    HostFact::Name {
                        name: n.into(),
                        source: "dhcpv6".into(),
                    },
                );
            }
            if let Some(v) = vendor.clone() {
                report_attribute(out, speaker, "dhcpv6_vendor_class", v);
            }
            if !oro.is_empty() {
                let s: Vec<String> = oro.iter().map(u16::to_string).collect();
                report_attribute(out, speaker, "dhcpv6_fingerprint", s.join(","));
            }
            if let Some(d) = m.client_id {
                report_attribute(out, speaker, "dhcpv6_duid", hex(d));
            }
        }
        if out.wants_records() {
            let rec = Dhcpv6Record {
                trans_id: m.xid,
                msg_type: m.msg_type,
                msg_type_name: msg_type_v6_name(m.msg_type),
                duid: m.client_id.map(hex),
                client_fqdn: name,
                vendor_class: vendor,
                option_request: oro,
            };
            out.record(super::NAME_V6, &rec);
        }
    }
}

fn hex(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len().saturating_mul(2));
    for x in b {
        let _ = write!(s, "{x:02x}");
    }
    s
}

impl Session for Dhcpv6Session {
    fn feed(&mut self, dir: Direction, input: &[u8], out: &mut dyn ObservationSink) -> Progress {
        self.message(dir, input, out);
        Progress::Done
    }

    fn gap(&mut self, _dir: Direction, _len: u32) {}
}
