// SPDX-License-Identifier: Apache-2.0
//! Remote-access tools (TeamViewer, AnyDesk, Radmin, ...).
//!
//! Vendor remote access into a plant is a finding in itself (IEC 62443-3-3
//! SR 1.13, NIST SP 800-82 §6.2.1.4), so every flow of such a tool yields
//! one `operation("<tool>", Session)` and one `remote_access.log` record
//! saying which tool and **how** it was recognised:
//!
//! - `signature`: the tool's own framing. TeamViewer's TCP framing (port
//!   5938, also tunnelled over 80/443) starts every packet with the command
//!   header bytes `0x17 0x24` (or `0x11 0x30` in older versions), the check
//!   nDPI uses too. See [`INFO`].
//! - `tls_certificate` / `tls_sni`: recognised inside TLS by the TLS
//!   parser: AnyDesk presents a self-signed certificate with
//!   `CN=AnyDesk Client`; relays of several tools have well-known names
//!   ([`tool_by_tls_name`]).
//! - `port`: only the server port matched `kb/protocols/remote_access_tools.csv`.
//!   Probes do not see ports, so the engine labels such flows itself with
//!   [`tool_by_port`] and [`PortLabelSession`] when no content probe
//!   matched.
//!
//! Not decoded: anything inside the tools' (encrypted) sessions; UDP
//! variants; RustDesk and Chrome Remote Desktop signatures.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

#[cfg(test)]
mod tests;

use crate::api::{Direction, ObservationSink, Probe, Progress, ProtocolInfo, Session, Transport};
use plantguard_model::Operation;
use serde::Serialize;

/// Log name (`remote_access.log`).
pub const LOG: &str = "remote_access";

/// A remote-access tool of `kb/protocols/remote_access_tools.csv`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tool {
    /// Protocol name used for operations (`teamviewer`).
    pub proto: &'static str,
    /// Display name as in the knowledge table (`TeamViewer`).
    pub name: &'static str,
    /// Default TCP server ports.
    pub tcp_ports: &'static [u16],
}

/// Tools with a default port (from `kb/protocols/remote_access_tools.csv`;
/// RDP, VNC, SSH and Telnet have their own parsers and are not listed).
pub static TOOLS: &[Tool] = &[
    Tool {
        proto: "teamviewer",
        name: "TeamViewer",
        tcp_ports: &[5938],
    },
    Tool {
        proto: "anydesk",
        name: "AnyDesk",
        tcp_ports: &[7070],
    },
    Tool {
        proto: "splashtop",
        name: "Splashtop",
        tcp_ports: &[6783, 6784],
    },
    Tool {
        proto: "screenconnect",
        name: "ConnectWise ScreenConnect",
        tcp_ports: &[8040, 8041],
    },
    Tool {
        proto: "rustdesk",
        name: "RustDesk",
        tcp_ports: &[21115, 21116, 21117, 21118, 21119],
    },
    Tool {
        proto: "radmin",
        name: "Radmin",
        tcp_ports: &[4899],
    },
    Tool {
        proto: "dameware",
        name: "DameWare Mini Remote Control",
        tcp_ports: &[6129],
    },
    Tool {
        proto: "pcanywhere",
        name: "pcAnywhere",
        tcp_ports: &[5631],
    },
    Tool {
        proto: "netsupport",
        name: "NetSupport Manager",
        tcp_ports: &[5405],
    },
    Tool {
        proto: "thinmanager",
        name: "Rockwell FactoryTalk Remote Access / ThinManager",
        tcp_ports: &[2031],
    },
    Tool {
        proto: "gatemanager",
        name: "Secomea SiteManager / GateManager",
        tcp_ports: &[11444],
    },
    Tool {
        proto: "openvpn",
        name: "OpenVPN",
        tcp_ports: &[1194],
    },
    Tool {
        proto: "logmein",
        name: "LogMeIn / GoTo Resolve",
        tcp_ports: &[],
    },
    Tool {
        proto: "chrome_remote_desktop",
        name: "Chrome Remote Desktop",
        tcp_ports: &[],
    },
    Tool {
        proto: "ammyy",
        name: "Ammyy Admin",
        tcp_ports: &[],
    },
];

fn tool(proto: &str) -> Option<&'static Tool> {
    TOOLS.iter().find(|t| t.proto == proto)
}

/// The tool whose default TCP server port is `port`.
pub fn tool_by_port(port: u16) -> Option<&'static Tool> {
    TOOLS.iter().find(|t| t.tcp_ports.contains(&port))
}

/// The tool whose relay or broker a TLS server name belongs to
/// (name suffixes from the `passive_signature_notes` of the knowledge table).
pub fn tool_by_tls_name(name: &str) -> Option<&'static Tool> {
    const SUFFIXES: &[(&str, &str)] = &[
        ("teamviewer.com", "teamviewer"),
        ("anydesk.com", "anydesk"),
        ("splashtop.com", "splashtop"),
        ("screenconnect.com", "screenconnect"),
        ("logmein.com", "logmein"),
        ("logme.in", "logmein"),
        ("remotedesktop.google.com", "chrome_remote_desktop"),
        ("ammyy.com", "ammyy"),
    ];
    let name = name.trim_end_matches('.');
    SUFFIXES.iter().find_map(|&(suffix, proto)| {
        let lower = name.to_ascii_lowercase();
        let hit = lower == suffix
            || lower
                .strip_suffix(suffix)
                .is_some_and(|head| head.ends_with('.'));
        if hit {
            tool(proto)
        } else {
            None
        }
    })
}

/// The tool a leaf-certificate common name identifies (AnyDesk signs its
/// sessions with self-signed `CN=AnyDesk Client` certificates).
pub fn tool_by_cert_cn(cn: &str) -> Option<&'static Tool> {
    if cn.eq_ignore_ascii_case("AnyDesk Client") {
        tool("anydesk")
    } else {
        None
    }
}

/// One `remote_access.log` line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct RemoteAccessRecord {
    /// Tool name as in the knowledge table.
    pub tool: &'static str,
    /// How it was recognised: `signature`, `tls_certificate`, `tls_sni` or `port`.
    pub how: &'static str,
}

/// Reports one remote-access flow: the operation and the log record.
pub fn report(tool: &Tool, how: &'static str, out: &mut dyn ObservationSink) {
    out.operation(tool.proto, Operation::Session);
    if out.wants_records() {
        out.record(
            LOG,
            &RemoteAccessRecord {
                tool: tool.name,
                how,
            },
        );
    }
}

/// Registry entry for TeamViewer's own framing.
pub static INFO: ProtocolInfo = ProtocolInfo {
    name: "teamviewer",
    transport: Transport::Tcp,
    ports: &[5938],
    probe: probe_teamviewer,
    new_session: new_teamviewer,
};

fn new_teamviewer() -> Box<dyn Session> {
    Box::new(PortLabelSession::teamviewer())
}

/// TeamViewer framing: the first two bytes are `0x17 0x24` or `0x11 0x30`
/// and at least one more byte follows.
pub fn probe_teamviewer(_dir: Direction, input: &[u8]) -> Probe {
    match input {
        [] | [0x17] | [0x11] => Probe::NeedMore,
        [0x17, 0x24] | [0x11, 0x30] => Probe::NeedMore,
        [0x17, 0x24, ..] | [0x11, 0x30, ..] => Probe::Match,
        _ => Probe::NoMatch,
    }
}

/// A session that reports its tool once and skips every byte.
#[derive(Debug)]
pub struct PortLabelSession {
    tool: &'static Tool,
    how: &'static str,
    reported: bool,
}

impl PortLabelSession {
    /// A flow labelled `how` as `tool`.
    pub fn new(tool: &'static Tool, how: &'static str) -> Self {
        PortLabelSession {
            tool,
            how,
            reported: false,
        }
    }

    /// A flow recognised by TeamViewer's framing.
    pub fn teamviewer() -> Self {
        const TEAMVIEWER: Tool = Tool {
            proto: "teamviewer",
            name: "TeamViewer",
            tcp_ports: &[5938],
        };
        static TV: Tool = TEAMVIEWER;
        Self::new(tool("teamviewer").unwrap_or(&TV), "signature")
    }

    /// A flow whose server port names a tool (`how` = `port`).
    pub fn by_port(port: u16) -> Option<Self> {
        tool_by_port(port).map(|t| Self::new(t, "port"))
    }
}

impl Session for PortLabelSession {
    fn feed(&mut self, _dir: Direction, _input: &[u8], out: &mut dyn ObservationSink) -> Progress {
        if !self.reported {
            self.reported = true;
            report(self.tool, self.how, out);
        }
        Progress::Done
    }

    fn gap(&mut self, _dir: Direction, _len: u32) {}

    fn finish(&mut self, out: &mut dyn ObservationSink) {
        if !self.reported {
            self.reported = true;
            report(self.tool, self.how, out);
        }
    }
}
