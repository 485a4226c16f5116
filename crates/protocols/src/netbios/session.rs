// SPDX-License-Identifier: Apache-2.0
//! NetBIOS name service and datagram service handling. Both are datagram
//! protocols without pairing, so sessions keep no state.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use plantguard_model::{HostFact, Side};

use super::record::NetbiosRecord;
use super::wire::{self, NetbiosName};
use crate::api::{report_attribute, Direction, ObservationSink, Progress, Session};
use crate::dns::wire as dns;
use crate::smb::os::windows_name;

/// The host fact a name stands for: unique `<00>`/`<20>` names are the
/// host's own name; group `<00>`/`<1C>`/`<1E>` and unique `<1B>`/`<1D>`
/// names are its workgroup or domain. Other suffixes (messenger `<03>`,
/// `__MSBROWSE__<01>`) name services, not the host.
pub fn name_fact(n: &NetbiosName, group: bool, source: &'static str) -> Option<HostFact> {
    let name = n.name();
    if name.is_empty() || name.starts_with('\u{1}') || name == "*" {
        return None;
    }
    match (group, n.suffix()) {
        (false, 0x00 | 0x20) => Some(HostFact::Name {
            name: name.into(),
            source: source.into(),
        }),
        (true, 0x00 | 0x1c | 0x1e) | (false, 0x1b | 0x1d) => Some(HostFact::Domain {
            name: name.into(),
            source: source.into(),
        }),
        _ => None,
    }
}

/// Name service session (UDP 137).
#[derive(Debug, Default)]
pub struct NbnsSession;

impl NbnsSession {
    /// Decodes one name service packet.
    pub fn message(&mut self, dir: Direction, msg: &[u8], out: &mut dyn ObservationSink) {
        let Ok(h) = dns::parse_header(msg) else {
            out.anomaly(super::NAME_NS, "truncated_header");
            return;
        };
        let speaker = dir.sender();
        let wants = out.wants_records();
        let mut rec = NetbiosRecord {
            service: "nbns",
            trans_id: h.id,
            opcode: Some(h.opcode()),
            opcode_name: Some(wire::ns_opcode_name(h.opcode())),
            is_response: h.is_response(),
            rcode: h.is_response().then_some(h.rcode()),
            ..NetbiosRecord::default()
        };
        let mut off = 12usize;
        if h.qdcount > 0 {
            let (Ok(name), Ok(q)) = (wire::name_at(msg, 12), dns::parse_question(msg, 12)) else {
                out.anomaly(super::NAME_NS, "malformed_question");
                return;
            };
            off = q.end;
            rec.qtype = Some(q.qtype);
            if wants {
                rec.name = Some(name.display());
            }
            if !h.is_response() && h.opcode() == 0 && q.qtype == 0x20 && name.name() != "*" {
                out.host_fact(
                    speaker,
                    HostFact::Lookup {
                        name: name.name().into(),
                        source: "netbios".into(),
                    },
                );
            }
        }
        for item in dns::Records::new(msg, &h, off) {
            let Ok((_, rr)) = item else {
                out.anomaly(super::NAME_NS, "malformed_record");
                break;
            };
            let Ok(name) = wire::name_at(msg, rr.name_off) else {
                continue;
            };
            if wants && rec.name.is_none() {
                rec.name = Some(name.display());
                rec.qtype = Some(rr.rtype);
            }
            match (h.is_response(), h.opcode(), rr.rtype) {
                // Registration / refresh: the sender claims the name.
                (false, 5 | 8 | 9 | 15, 0x20) => {
                    let group = rr.rdata.first().is_some_and(|f| f & 0x80 != 0);
                    rec.group = Some(group);
                    if let Some(f) = name_fact(&name, group, "netbios") {
                        out.host_fact(speaker, f);
                    }
                }
                // Node status: the responder lists its own names.
                (true, 0, 0x21) => {
                    let Some(ns) = wire::parse_node_status(rr.rdata) else {
                        out.anomaly(super::NAME_NS, "malformed_node_status");
                        continue;
                    };
                    for (n, group) in ns.names() {
                        if wants {
                            rec.node_names.push(n.display());
                        }
                        if let Some(f) = name_fact(&n, group, "netbios") {
                            out.host_fact(speaker, f);
                        }
                    }
                    if let Some(mac) = ns.unit_id.filter(|m| *m != [0; 6]) {
                        out.host_fact(
                            speaker,
                            HostFact::Attribute {
                                key: "netbios_mac".into(),
                                value: crate::dhcp::session::mac_text(&mac).into(),
                            },
                        );
                    }
                }
                _ => {}
            }
        }
        if wants {
            out.record(super::NAME, &rec);
        }
    }
}

impl Session for NbnsSession {
    fn feed(&mut self, dir: Direction, input: &[u8], out: &mut dyn ObservationSink) -> Progress {
        self.message(dir, input, out);
        Progress::Done
    }

    fn gap(&mut self, _dir: Direction, _len: u32) {}
}

/// Datagram service session (UDP 138).
#[derive(Debug, Default)]
pub struct NbdgmSession;

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

impl NbdgmSession {
    /// Decodes one datagram.
    pub fn message(&mut self, dir: Direction, b: &[u8], out: &mut dyn ObservationSink) {
        let d = match wire::parse_datagram(b) {
            Ok(d) => d,
            Err(_) => {
                out.anomaly(super::NAME_DGM, "malformed_datagram");
                return;
            }
        };
        let speaker = dir.sender();
        let wants = out.wants_records();
        let mut rec = NetbiosRecord {
            service: "nbdgm",
            trans_id: d.id,
            opcode: Some(d.msg_type),
            source_name: d.source_name.map(|n| n.display()),
            destination_name: d.destination_name.map(|n| n.display()),
            ..NetbiosRecord::default()
        };
        if let Some(f) = d.source_name.and_then(|n| name_fact(&n, false, "netbios")) {
            out.host_fact(speaker, f);
        }
        if let Some(ms) = wire::parse_mailslot(d.user_data) {
            if wants {
                rec.mailslot = Some(lossy(ms.name));
            }
            if ms.name.eq_ignore_ascii_case(b"\\MAILSLOT\\BROWSE")
                || ms.name.eq_ignore_ascii_case(b"\\MAILSLOT\\LANMAN")
            {
                rec.browser_opcode = ms.data.first().copied();
                rec.browser_command = ms.data.first().map(|&o| wire::browser_opcode_name(o));
                if let Some(a) = wire::parse_announcement(ms.data) {
                    announcement_facts(&a, d.destination_name.as_ref(), speaker, out);
                    if wants {
                        rec.server_name = Some(lossy(a.server_name));
                        rec.os_major = Some(a.os_major);
                        rec.os_minor = Some(a.os_minor);
                        rec.server_type = Some(a.server_type);
                        rec.server_types = Some(wire::server_type_names(a.server_type));
                        rec.comment = Some(lossy(a.comment));
                    }
                }
            }
        }
        if wants {
            out.record(super::NAME, &rec);
        }
    }
}

fn announcement_facts(
    a: &wire::Announcement<'_>,
    destination: Option<&NetbiosName>,
    speaker: Side,
    out: &mut dyn ObservationSink,
) {
    const SOURCE: &str = "netbios_browser";
    if a.opcode == 0x0c {
        // DomainAnnouncement: the workgroup and its master browser (the sender).
        out.host_fact(
            speaker,
            HostFact::Domain {
                name: lossy(a.server_name).into(),
                source: SOURCE.into(),
            },
        );
        if !a.comment.is_empty() {
            out.host_fact(
                speaker,
                HostFact::Name {
                    name: lossy(a.comment).into(),
                    source: SOURCE.into(),
                },
            );
        }
        return;
    }
    if !a.server_name.is_empty() {
        out.host_fact(
            speaker,
            HostFact::Name {
                name: lossy(a.server_name).into(),
                source: SOURCE.into(),
            },
        );
    }
    // Samba (SV_TYPE_SERVER_UNIX) announces a browser-protocol version,
    // not a Windows release.
    let name = if a.server_type & 0x800 != 0 {
        "Unix (Samba)".to_string()
    } else {
        windows_name(a.os_major, a.os_minor)
    };
    out.host_fact(
        speaker,
        HostFact::Os {
            name: name.into(),
            version: Some(format!("{}.{}", a.os_major, a.os_minor).into()),
            source: SOURCE.into(),
        },
    );
    report_attribute(
        out,
        speaker,
        "netbios_server_type",
        wire::server_type_names(a.server_type),
    );
    report_attribute(out, speaker, "netbios_comment", lossy(a.comment));
    if let Some(dst) = destination {
        if matches!(dst.suffix(), 0x00 | 0x1d | 0x1e)
            && !dst.name().is_empty()
            && !dst.name().starts_with('\u{1}')
        {
            out.host_fact(
                speaker,
                HostFact::Domain {
                    name: dst.name().into(),
                    source: SOURCE.into(),
                },
            );
        }
    }
}

impl Session for NbdgmSession {
    fn feed(&mut self, dir: Direction, input: &[u8], out: &mut dyn ObservationSink) -> Progress {
        self.message(dir, input, out);
        Progress::Done
    }

    fn gap(&mut self, _dir: Direction, _len: u32) {}
}
