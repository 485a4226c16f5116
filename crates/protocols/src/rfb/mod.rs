// SPDX-License-Identifier: Apache-2.0
//! VNC / RFB handshake.
//!
//! References: RFC 6143 §7.1.1 ProtocolVersion (`RFB 003.008\n`), §7.1.2
//! Security Handshake (3.7+: count + types, client's choice; 3.3: the
//! server decides with a u32), §7.1.3 SecurityResult, §7.2.2 VNC
//! Authentication (16-byte challenge and response), §7.3.1 ClientInit,
//! §7.3.2 ServerInit (width, height, pixel format, name); IANA RFB
//! security types.
//!
//! Transport: TCP 5900-5910 (5800 for the Java viewer port is not RFB);
//! the probe matches the 12-byte version banner in either direction.
//!
//! Facts: security type 1 (None) offered or chosen → `Attribute{key:
//! "rfb_security", value: "none"}` about the server (an HMI anyone can
//! drive); the ServerInit desktop name → `Name{source: "rfb"}`; both
//! versions as `Software` (`rfb_server`/`rfb_client`). One `Session`
//! operation per flow and one `rfb.log` record (Zeek's
//! `client_major_version`, `server_minor_version`, ...,
//! `authentication_method`, `auth`, `share_flag`, `desktop_name`, `width`,
//! `height`). After the handshake the framebuffer traffic is skipped.
//!
//! Not decoded: vendor security types beyond their number (Apple ARD 30,
//! TightVNC 16, VeNCrypt 19 sub-negotiations), framebuffer updates, input
//! events, clipboard.
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
use crate::http::text::{owned, Trace};
use plantguard_model::{HostFact, Operation, Side};
use serde::Serialize;

/// Protocol name, also the log name (`rfb.log`).
pub const NAME: &str = "rfb";

/// Registry entry.
pub static INFO: ProtocolInfo = ProtocolInfo {
    name: NAME,
    transport: Transport::Tcp,
    ports: &[
        5900, 5901, 5902, 5903, 5904, 5905, 5906, 5907, 5908, 5909, 5910,
    ],
    probe,
    new_session,
};

fn new_session() -> Box<dyn Session> {
    Box::new(RfbSession::new())
}

const VERSION_LEN: usize = 12;

/// `(major, minor)` of a `RFB xxx.yyy\n` banner.
pub fn parse_version(b: &[u8]) -> Option<(u16, u16)> {
    let b = b.get(..VERSION_LEN)?;
    if b.get(..4) != Some(b"RFB ") || b.get(7) != Some(&b'.') || b.get(11) != Some(&b'\n') {
        return None;
    }
    let num = |s: &[u8]| {
        s.iter().try_fold(0u16, |a, &d| {
            d.is_ascii_digit().then(|| {
                a.wrapping_mul(10)
                    .wrapping_add(u16::from(d.wrapping_sub(b'0')))
            })
        })
    };
    Some((num(b.get(4..7)?)?, num(b.get(8..11)?)?))
}

/// Strict probe: `RFB ` + 3 digits + `.` + 3 digits + `\n`.
pub fn probe(_dir: Direction, input: &[u8]) -> Probe {
    if input.len() < VERSION_LEN {
        let n = input.len().min(4);
        return if input.get(..n) == b"RFB ".get(..n) {
            Probe::NeedMore
        } else {
            Probe::NoMatch
        };
    }
    if parse_version(input).is_some() {
        Probe::Match
    } else {
        Probe::NoMatch
    }
}

/// Security type names (IANA "RFB Security Types").
pub const fn security_type_name(t: u32) -> &'static str {
    match t {
        0 => "invalid",
        1 => "none",
        2 => "vnc_authentication",
        5 => "ra2",
        6 => "ra2ne",
        16 => "tight",
        17 => "ultra",
        18 => "tls",
        19 => "vencrypt",
        20 => "sasl",
        21 => "md5_hash",
        22 => "xvp",
        30 => "apple_remote_desktop",
        _ => "unknown",
    }
}

/// One `rfb.log` line (the engine prepends `ts`, `uid` and `id.*`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RfbRecord {
    /// Client protocol major version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_major_version: Option<u16>,
    /// Client protocol minor version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_minor_version: Option<u16>,
    /// Server protocol major version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_major_version: Option<u16>,
    /// Server protocol minor version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_minor_version: Option<u16>,
    /// Security types the server offered.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub security_types: Vec<u8>,
    /// Chosen security type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authentication_method_code: Option<u32>,
    /// Chosen security type name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authentication_method: Option<&'static str>,
    /// SecurityResult: true when it was OK.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth: Option<bool>,
    /// ClientInit shared flag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub share_flag: Option<bool>,
    /// ServerInit desktop name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub desktop_name: Option<String>,
    /// Framebuffer width.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width: Option<u16>,
    /// Framebuffer height.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub height: Option<u16>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Server {
    #[default]
    Version,
    Security,
    /// Waiting for the client's choice (3.7+).
    AwaitChoice,
    Challenge,
    Result,
    Reason,
    Init,
    Done,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Client {
    #[default]
    Version,
    Choice,
    Response,
    Init,
    Done,
}

/// Longest ServerInit name or failure reason kept.
const MAX_TEXT: usize = 1024;

/// Per-flow RFB state.
#[derive(Debug, Default)]
pub struct RfbSession {
    server: Server,
    client: Client,
    minor: u16,
    chosen: Option<u32>,
    record: RfbRecord,
    none_reported: bool,
    logged: bool,
    trace: Trace,
}

fn be32(b: &[u8]) -> Option<u32> {
    let &[a, b2, c, d] = b.get(..4)? else {
        return None;
    };
    Some(u32::from_be_bytes([a, b2, c, d]))
}

impl RfbSession {
    /// A session at the start of a flow.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records decoded fields for tests.
    pub fn enable_trace(&mut self) {
        self.trace.enable();
    }

    /// Decoded fields since the last call.
    pub fn take_trace(&mut self) -> Vec<(&'static str, String)> {
        self.trace.take()
    }

    /// Writes the `rfb.log` record once.
    pub fn flush(&mut self, out: &mut dyn ObservationSink) {
        if !self.logged
            && (self.record.server_major_version.is_some()
                || self.record.client_major_version.is_some())
            && out.wants_records()
        {
            out.record(NAME, &self.record);
        }
        self.logged = true;
    }

    fn report_none(&mut self, out: &mut dyn ObservationSink) {
        if !self.none_reported {
            self.none_reported = true;
            out.host_fact(
                Side::Server,
                HostFact::Attribute {
                    key: "rfb_security".into(),
                    value: "none".into(),
                },
            );
        }
    }

    fn chose(&mut self, t: u32, out: &mut dyn ObservationSink) {
        self.chosen = Some(t);
        self.trace.push("vnc.security_type", || t.to_string());
        self.record.authentication_method_code = Some(t);
        self.record.authentication_method = Some(security_type_name(t));
        if t == 1 {
            self.report_none(out);
        }
    }

    /// After the choice: what the server sends next.
    fn after_choice(&self) -> Server {
        match (self.chosen, self.minor) {
            (Some(2), _) => Server::Challenge,
            (Some(1), m) if m >= 8 => Server::Result,
            (Some(1), _) => Server::Init,
            (Some(_), m) if m >= 7 => Server::Result,
            // Vendor types we cannot follow (or 3.3 with another type).
            _ => Server::Done,
        }
    }

    /// One step of the server side; `Err(needed)` when more bytes are needed.
    fn server_step(&mut self, b: &[u8], out: &mut dyn ObservationSink) -> Result<usize, usize> {
        let need = |n: usize| Err(n.saturating_sub(b.len()));
        match self.server {
            Server::Version => {
                let Some((major, minor)) = parse_version(b) else {
                    return if b.len() < VERSION_LEN {
                        need(VERSION_LEN)
                    } else {
                        Ok(b.len())
                    };
                };
                self.trace
                    .push("vnc.server_proto_ver", || format!("{major:03}.{minor:03}"));
                self.record.server_major_version = Some(major);
                self.record.server_minor_version = Some(minor);
                self.minor = minor;
                out.host_fact(
                    Side::Server,
                    HostFact::Software {
                        role: "rfb_server".into(),
                        banner: format!("RFB {major:03}.{minor:03}").into(),
                    },
                );
                self.server = Server::Security;
                Ok(VERSION_LEN)
            }
            Server::Security if self.minor < 7 => {
                let Some(t) = be32(b) else { return need(4) };
                self.chose(t, out);
                self.server = if t == 0 {
                    Server::Reason
                } else {
                    self.after_choice()
                };
                Ok(4)
            }
            Server::Security => {
                let Some(&n) = b.first() else { return need(1) };
                let total = usize::from(n).saturating_add(1);
                let Some(types) = b.get(1..total) else {
                    return need(total);
                };
                self.record.security_types = types.to_vec();
                if types.contains(&1) {
                    self.report_none(out);
                }
                self.server = if n == 0 {
                    Server::Reason
                } else {
                    Server::AwaitChoice
                };
                Ok(total)
            }
            Server::AwaitChoice => need(b.len().saturating_add(1)),
            Server::Challenge => {
                if b.len() < 16 {
                    return need(16);
                }
                self.server = Server::Result;
                Ok(16)
            }
            Server::Result => {
                let Some(r) = be32(b) else { return need(4) };
                self.record.auth = Some(r == 0);
                self.server = if r == 0 {
                    Server::Init
                } else if self.minor >= 8 {
                    Server::Reason
                } else {
                    Server::Done
                };
                Ok(4)
            }
            Server::Reason => {
                let Some(len) = be32(b) else { return need(4) };
                let total = usize::try_from(len).unwrap_or(usize::MAX).saturating_add(4);
                if total > MAX_TEXT {
                    self.server = Server::Done;
                    return Ok(b.len());
                }
                if b.len() < total {
                    return need(total);
                }
                self.server = Server::Done;
                Ok(total)
            }
            Server::Init => {
                let Some(len) = b.get(20..).and_then(be32) else {
                    return need(24);
                };
                let total = usize::try_from(len)
                    .unwrap_or(usize::MAX)
                    .saturating_add(24);
                if total > MAX_TEXT.saturating_add(24) {
                    out.anomaly(NAME, "oversized_desktop_name");
                    self.server = Server::Done;
                    return Ok(b.len());
                }
                let Some(name) = b.get(24..total) else {
                    return need(total);
                };
                if let (Some(&[w0, w1, h0, h1]), true) = (b.get(..4), true) {
                    self.record.width = Some(u16::from_be_bytes([w0, w1]));
                    self.record.height = Some(u16::from_be_bytes([h0, h1]));
                }
                self.trace.push("vnc.server_name", || owned(name));
                if !name.is_empty() {
                    let name = owned(name);
                    out.host_fact(
                        Side::Server,
                        HostFact::Name {
                            name: name.clone().into(),
                            source: NAME.into(),
                        },
                    );
                    self.record.desktop_name = Some(name);
                }
                self.server = Server::Done;
                self.flush(out);
                Ok(total)
            }
            Server::Done => Ok(b.len()),
        }
    }

    fn client_step(&mut self, b: &[u8], out: &mut dyn ObservationSink) -> Result<usize, usize> {
        let need = |n: usize| Err(n.saturating_sub(b.len()));
        match self.client {
            Client::Version => {
                let Some((major, minor)) = parse_version(b) else {
                    return if b.len() < VERSION_LEN {
                        need(VERSION_LEN)
                    } else {
                        Ok(b.len())
                    };
                };
                self.trace
                    .push("vnc.client_proto_ver", || format!("{major:03}.{minor:03}"));
                out.operation(NAME, Operation::Session);
                self.record.client_major_version = Some(major);
                self.record.client_minor_version = Some(minor);
                out.host_fact(
                    Side::Client,
                    HostFact::Software {
                        role: "rfb_client".into(),
                        banner: format!("RFB {major:03}.{minor:03}").into(),
                    },
                );
                // The client's version decides the handshake (RFC 6143 §7.1.1).
                self.minor = self.minor.min(minor).max(3);
                self.client = if self.minor >= 7 {
                    Client::Choice
                } else {
                    Client::Response
                };
                Ok(VERSION_LEN)
            }
            Client::Choice => {
                let Some(&t) = b.first() else { return need(1) };
                self.chose(u32::from(t), out);
                if self.server == Server::AwaitChoice {
                    self.server = self.after_choice();
                }
                self.client = if t == 2 {
                    Client::Response
                } else {
                    Client::Init
                };
                Ok(1)
            }
            Client::Response => {
                if self.chosen != Some(2) {
                    self.client = Client::Init;
                    return Ok(0);
                }
                if b.len() < 16 {
                    return need(16);
                }
                self.client = Client::Init;
                Ok(16)
            }
            Client::Init => {
                let Some(&shared) = b.first() else {
                    return need(1);
                };
                self.record.share_flag = Some(shared != 0);
                self.client = Client::Done;
                Ok(1)
            }
            Client::Done => Ok(b.len()),
        }
    }
}

impl Session for RfbSession {
    fn feed(&mut self, dir: Direction, input: &[u8], out: &mut dyn ObservationSink) -> Progress {
        let mut pos = 0usize;
        loop {
            let rest = input.get(pos..).unwrap_or_default();
            if rest.is_empty() {
                return Progress::Done;
            }
            let step = match dir {
                Direction::ToServer => self.client_step(rest, out),
                Direction::ToClient => self.server_step(rest, out),
            };
            match step {
                Ok(n) => pos = pos.saturating_add(n),
                Err(needed) => {
                    return Progress::Incomplete {
                        consumed: pos,
                        needed: needed.max(1),
                    }
                }
            }
        }
    }

    fn gap(&mut self, dir: Direction, _len: u32) {
        match dir {
            Direction::ToServer => self.client = Client::Done,
            Direction::ToClient => self.server = Server::Done,
        }
    }

    fn finish(&mut self, out: &mut dyn ObservationSink) {
        self.flush(out);
    }
}
