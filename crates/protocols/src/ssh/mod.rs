// SPDX-License-Identifier: Apache-2.0
//! SSH protocol version exchange.
//!
//! References: RFC 4253 §4.2 (protocol version exchange:
//! `SSH-protoversion-softwareversion SP comments CR LF`, at most 255
//! bytes; the server may send other lines first), RFC 4253 §5.1
//! (`SSH-1.99-` for servers that also speak SSH 1).
//!
//! Transport: TCP 22 and any port whose first bytes are `SSH-2.0-`,
//! `SSH-1.99-` or `SSH-1.5-`. Both banners become `Software{role:
//! "ssh_client" / "ssh_server"}` facts (old OpenSSH and dropbear builds on
//! OT devices show here), the client's banner gives one `Session`
//! operation, and each flow one `ssh.log` record (`version`, `client`,
//! `server`, Zeek's names). After both banners the rest is binary packets
//! and soon encrypted: the session returns `Abandon(Encrypted)`.
//!
//! Not decoded: KEXINIT algorithm lists (HASSH), host keys, authentication
//! outcome.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

#[cfg(test)]
mod tests;

use crate::api::{
    AbandonReason, Direction, ObservationSink, Probe, Progress, ProtocolInfo, Session, Transport,
};
use crate::http::text::{owned, split_line, Trace};
use plantguard_model::{HostFact, Operation};
use serde::Serialize;

/// Protocol name, also the log name (`ssh.log`).
pub const NAME: &str = "ssh";

/// Longest banner line (RFC 4253 §4.2: 255 bytes including CR LF).
pub const MAX_LINE: usize = 255;
/// Lines a server may send before its banner (RFC 4253 §4.2 allows them;
/// OpenSSH's client accepts 1024, and zeek's server-pre-banner-data capture
/// shows 35 lines of ASCII art before the banner).
pub const MAX_PRE_BANNER_LINES: u16 = 1024;

/// Registry entry.
pub static INFO: ProtocolInfo = ProtocolInfo {
    name: NAME,
    transport: Transport::Tcp,
    ports: &[22, 2222],
    probe,
    new_session,
};

fn new_session() -> Box<dyn Session> {
    Box::new(SshSession::new())
}

const PREFIXES: [&[u8]; 3] = [b"SSH-2.0-", b"SSH-1.99-", b"SSH-1.5-"];

/// Strict probe: the direction starts with `SSH-2.0-`, `SSH-1.99-` or
/// `SSH-1.5-` followed by a printable software version.
pub fn probe(_dir: Direction, input: &[u8]) -> Probe {
    for p in PREFIXES {
        let n = input.len().min(p.len());
        if input.get(..n) != p.get(..n) {
            continue;
        }
        if input.len() <= p.len() {
            return Probe::NeedMore;
        }
        let soft = input.get(p.len()..).unwrap_or_default();
        let end = soft
            .iter()
            .position(|&b| b == b'\r' || b == b'\n')
            .unwrap_or(soft.len());
        let text = soft.get(..end).unwrap_or_default();
        if text.is_empty() && end < soft.len() {
            return Probe::NoMatch;
        }
        return if text.iter().all(|b| (0x20..0x7f).contains(b)) {
            Probe::Match
        } else {
            Probe::NoMatch
        };
    }
    Probe::NoMatch
}

/// One `ssh.log` line (the engine prepends `ts`, `uid` and `id.*`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SshRecord {
    /// Protocol major version the two sides agree on (1 or 2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<u8>,
    /// Client banner (`SSH-2.0-PuTTY_Release_0.78`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    /// Server banner (`SSH-2.0-dropbear_2019.78`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
}

#[derive(Debug, Default)]
struct Half {
    banner: Option<String>,
    seen: bool,
    lines: u16,
}

/// Per-flow SSH state.
#[derive(Debug, Default)]
pub struct SshSession {
    client: Half,
    server: Half,
    logged: bool,
    trace: Trace,
}

fn major(banner: &[u8]) -> Option<u8> {
    if banner.starts_with(b"SSH-2.0-") || banner.starts_with(b"SSH-1.99-") {
        Some(2)
    } else if banner.starts_with(b"SSH-1.") {
        Some(1)
    } else {
        None
    }
}

impl SshSession {
    /// A session at the start of a flow.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records decoded fields for tests.
    pub fn enable_trace(&mut self) {
        self.trace.enable();
    }

    /// Decoded fields since the last call, keyed by tshark field name.
    pub fn take_trace(&mut self) -> Vec<(&'static str, String)> {
        self.trace.take()
    }

    /// Writes the `ssh.log` record once (when both banners are known, or at the end).
    pub fn flush(&mut self, out: &mut dyn ObservationSink) {
        if self.logged || !(self.client.seen || self.server.seen) {
            return;
        }
        self.logged = true;
        if out.wants_records() {
            let version = match (
                self.client
                    .banner
                    .as_deref()
                    .map(str::as_bytes)
                    .and_then(major),
                self.server
                    .banner
                    .as_deref()
                    .map(str::as_bytes)
                    .and_then(major),
            ) {
                (Some(c), Some(s)) => Some(c.min(s)),
                (a, b) => a.or(b),
            };
            out.record(
                NAME,
                &SshRecord {
                    version,
                    client: self.client.banner.take(),
                    server: self.server.banner.take(),
                },
            );
        }
    }

    fn on_banner(&mut self, dir: Direction, line: &[u8], out: &mut dyn ObservationSink) {
        self.trace.push("ssh.protocol", || owned(line));
        let (half, role) = match dir {
            Direction::ToServer => (&mut self.client, "ssh_client"),
            Direction::ToClient => (&mut self.server, "ssh_server"),
        };
        half.seen = true;
        let text = owned(line);
        if dir == Direction::ToServer {
            out.operation(NAME, Operation::Session);
        }
        out.host_fact(
            dir.sender(),
            HostFact::Software {
                role: role.into(),
                banner: text.clone().into(),
            },
        );
        if out.wants_records() {
            half.banner = Some(text);
        }
        if self.client.seen && self.server.seen {
            self.flush(out);
        }
    }
}

impl Session for SshSession {
    fn feed(&mut self, dir: Direction, input: &[u8], out: &mut dyn ObservationSink) -> Progress {
        let mut pos = 0usize;
        loop {
            let done = match dir {
                Direction::ToServer => self.client.seen,
                Direction::ToClient => self.server.seen,
            };
            if done {
                return if self.client.seen && self.server.seen {
                    Progress::Abandon(AbandonReason::Encrypted)
                } else {
                    Progress::Done
                };
            }
            let rest = input.get(pos..).unwrap_or_default();
            let Some((line, used)) = split_line(rest) else {
                if rest.len() > MAX_LINE {
                    out.anomaly(NAME, "banner_too_long");
                    return Progress::Abandon(AbandonReason::NotThisProtocol);
                }
                return if rest.is_empty() {
                    Progress::Done
                } else {
                    Progress::Incomplete {
                        consumed: pos,
                        needed: 1,
                    }
                };
            };
            pos = pos.saturating_add(used);
            if line.starts_with(b"SSH-") {
                self.on_banner(dir, line, out);
                continue;
            }
            let half = match dir {
                Direction::ToServer => &mut self.client,
                Direction::ToClient => &mut self.server,
            };
            half.lines = half.lines.saturating_add(1);
            if dir == Direction::ToServer || half.lines > MAX_PRE_BANNER_LINES {
                // Only servers may send lines before their banner.
                out.anomaly(NAME, "data_before_banner");
                return Progress::Abandon(AbandonReason::NotThisProtocol);
            }
        }
    }

    fn gap(&mut self, _dir: Direction, _len: u32) {}

    fn finish(&mut self, out: &mut dyn ObservationSink) {
        self.flush(out);
    }
}
