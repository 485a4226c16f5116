// SPDX-License-Identifier: Apache-2.0
//! Telnet: option negotiation skipped, login heuristics on the text.
//!
//! References: RFC 854 (NVT, IAC commands: IAC IAC is a data 0xFF, IAC SB
//! ... IAC SE is sub-negotiation, WILL/WONT/DO/DONT take an option byte),
//! RFC 855 (option negotiation).
//!
//! Transport: TCP 23 (2323 too). The probe wants an IAC negotiation
//! (`0xFF 0xFB-0xFE option` or `0xFF 0xFA`) at the start of a direction:
//! servers that print a bare banner without negotiating are not recognised
//! by content.
//!
//! Login heuristic: a server prompt ending in `login:`, `username:` or
//! `user name:` makes the client's next line the user name; `password:`
//! makes the next client line the secret; the server's next text decides
//! `accepted` (`incorrect`, `failed`, `denied`, `invalid` → refused; `last
//! login`, `welcome` or a shell prompt `$ `, `# `, `> ` → accepted). This
//! yields `Credential{service: "telnet"}` about the server and one
//! `telnet.log` record per attempt (`user`, `password_seen`, `success`).
//! The first non-empty server line before the prompt becomes
//! `Software{role: "telnet_server"}`. Client keystrokes arriving one per
//! segment (echoed by the server) are assembled into lines; BS/DEL erase.
//!
//! Not decoded: option values (terminal type, window size), encryption
//! options, NTLM authentication (option 37).
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
use crate::http::text::{contains_ci, owned, trim, Trace};
use plantguard_model::{HostFact, Operation, Side};
use serde::Serialize;

/// Protocol name, also the log name (`telnet.log`).
pub const NAME: &str = "telnet";

/// Registry entry.
pub static INFO: ProtocolInfo = ProtocolInfo {
    name: NAME,
    transport: Transport::Tcp,
    ports: &[23, 2323],
    probe,
    new_session,
};

fn new_session() -> Box<dyn Session> {
    Box::new(TelnetSession::new())
}

const IAC: u8 = 0xff;
const SB: u8 = 0xfa;
const SE: u8 = 0xf0;

/// Strict probe: the direction starts with an IAC negotiation command.
pub fn probe(_dir: Direction, input: &[u8]) -> Probe {
    match input {
        [] | [IAC] => Probe::NeedMore,
        [IAC, 0xfb..=0xfe] | [IAC, SB] => Probe::NeedMore,
        [IAC, 0xfb..=0xfe, _, ..] | [IAC, SB, _, ..] => Probe::Match,
        _ => Probe::NoMatch,
    }
}

/// Server text kept to recognise prompts.
const TAIL: usize = 128;
/// Longest client line kept.
const MAX_LINE: usize = 256;

/// One `telnet.log` line per login attempt.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TelnetRecord {
    /// User name typed at the login prompt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// A password was typed (never logged).
    pub password_seen: bool,
    /// Outcome when the server's answer showed it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub success: Option<bool>,
    /// Server banner line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub banner: Option<String>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Login {
    #[default]
    Idle,
    AwaitUser,
    AwaitPassword,
    AwaitResult,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Iac {
    #[default]
    Data,
    Command,
    Option,
    Sub,
    SubCommand,
}

/// Per-flow Telnet state.
#[derive(Debug, Default)]
pub struct TelnetSession {
    iac: [Iac; 2],
    /// Recent server text (lower-cased), for prompt detection.
    tail: Vec<u8>,
    /// Client line being typed.
    line: Vec<u8>,
    login: Login,
    user: Option<String>,
    secret: Option<String>,
    banner: Option<String>,
    banner_done: bool,
    banner_line: Vec<u8>,
    started: bool,
    trace: Trace,
}

impl TelnetSession {
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

    fn report(&mut self, accepted: Option<bool>, out: &mut dyn ObservationSink) {
        let Some(secret) = self.secret.take() else {
            return;
        };
        let user = self.user.take();
        self.trace
            .push("telnet.login", || format!("{user:?} {accepted:?}"));
        out.host_fact(
            Side::Server,
            HostFact::Credential {
                service: NAME.into(),
                username: user.clone().unwrap_or_default().into(),
                secret: secret.into(),
                accepted,
            },
        );
        if out.wants_records() {
            out.record(
                NAME,
                &TelnetRecord {
                    user,
                    password_seen: true,
                    success: accepted,
                    banner: self.banner.clone(),
                },
            );
        }
    }

    fn server_text(&mut self, b: u8, out: &mut dyn ObservationSink) {
        if !self.banner_done {
            if b == b'\n' || b == b'\r' {
                let t = trim(&self.banner_line);
                if !t.is_empty() {
                    self.banner_done = true;
                    let banner = owned(t);
                    out.host_fact(
                        Side::Server,
                        HostFact::Software {
                            role: "telnet_server".into(),
                            banner: banner.clone().into(),
                        },
                    );
                    self.banner = Some(banner);
                }
                self.banner_line.clear();
            } else if b >= 0x20 && self.banner_line.len() < TAIL {
                self.banner_line.push(b);
            }
        }
        if self.tail.len() >= TAIL {
            self.tail.remove(0);
        }
        self.tail.push(b.to_ascii_lowercase());
        let t = trim(&self.tail);
        if t.ends_with(b"login:") || t.ends_with(b"username:") || t.ends_with(b"user name:") {
            if !self.banner_done {
                // A prompt on the first line is no banner.
                self.banner_done = true;
            }
            if self.login == Login::AwaitResult {
                self.report(Some(false), out);
            }
            self.login = Login::AwaitUser;
            self.tail.clear();
        } else if t.ends_with(b"password:") {
            self.login = Login::AwaitPassword;
            self.tail.clear();
        } else if self.login == Login::AwaitResult {
            if ["incorrect", "failed", "denied", "invalid"]
                .iter()
                .any(|w| contains_ci(&self.tail, w.as_bytes()))
            {
                self.report(Some(false), out);
                self.login = Login::Idle;
            } else if contains_ci(&self.tail, b"last login")
                || contains_ci(&self.tail, b"welcome")
                || t.ends_with(b"$")
                || t.ends_with(b"#")
                || t.ends_with(b">")
            {
                self.report(Some(true), out);
                self.login = Login::Idle;
            }
        }
    }

    fn client_text(&mut self, b: u8) {
        match b {
            b'\r' | b'\n' | 0 => {
                if self.line.is_empty() && b != b'\r' {
                    return;
                }
                let line = owned(trim(&self.line));
                self.line.clear();
                match self.login {
                    Login::AwaitUser => {
                        self.user = Some(line);
                        self.login = Login::Idle;
                    }
                    Login::AwaitPassword => {
                        self.secret = Some(line);
                        self.login = Login::AwaitResult;
                        self.tail.clear();
                    }
                    _ => {}
                }
            }
            0x08 | 0x7f => {
                self.line.pop();
            }
            _ if self.line.len() < MAX_LINE => self.line.push(b),
            _ => {}
        }
    }
}

impl Session for TelnetSession {
    fn feed(&mut self, dir: Direction, input: &[u8], out: &mut dyn ObservationSink) -> Progress {
        if !self.started {
            self.started = true;
            out.operation(NAME, Operation::Session);
        }
        let i = usize::from(dir == Direction::ToClient);
        let mut state = self.iac.get(i).copied().unwrap_or_default();
        for &b in input {
            state = match (state, b) {
                (Iac::Data, IAC) => Iac::Command,
                (Iac::Data, _) => {
                    match dir {
                        Direction::ToServer => self.client_text(b),
                        Direction::ToClient => self.server_text(b, out),
                    }
                    Iac::Data
                }
                (Iac::Command, IAC) => Iac::Data,
                (Iac::Command, 0xfb..=0xfe) => Iac::Option,
                (Iac::Command, SB) => Iac::Sub,
                (Iac::Command, _) | (Iac::Option, _) => Iac::Data,
                (Iac::Sub, IAC) => Iac::SubCommand,
                (Iac::Sub, _) => Iac::Sub,
                (Iac::SubCommand, SE) => Iac::Data,
                (Iac::SubCommand, _) => Iac::Sub,
            };
        }
        if let Some(s) = self.iac.get_mut(i) {
            *s = state;
        }
        Progress::Done
    }

    fn gap(&mut self, dir: Direction, _len: u32) {
        if let Some(s) = self.iac.get_mut(usize::from(dir == Direction::ToClient)) {
            *s = Iac::Data;
        }
        self.line.clear();
    }

    fn finish(&mut self, out: &mut dyn ObservationSink) {
        self.report(None, out);
    }
}
