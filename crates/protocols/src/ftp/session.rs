// SPDX-License-Identifier: Apache-2.0
//! Per-flow FTP state: command and reply lines, pairing of commands with
//! their final replies, credentials and the `ftp.log` record.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use super::{command, operation, reply_code, NAME};
use crate::api::{AbandonReason, Direction, ObservationSink, Progress, Session};
use crate::http::text::{owned, split_line, trim, Trace};
use plantguard_model::{HostFact, Side};
use serde::Serialize;
use std::collections::VecDeque;

/// Commands waiting for their reply; beyond it the oldest is logged unanswered.
pub const MAX_PENDING: usize = 64;
/// Longest command or reply line kept; longer lines are skipped.
pub const MAX_LINE: usize = 4096;

/// One `ftp.log` line (the engine prepends `ts`, `uid` and `id.*`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FtpRecord {
    /// User name of the session at the time of the command.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Command verb as sent (upper-cased).
    pub command: String,
    /// Argument (absent for PASS: the password is never logged).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arg: Option<String>,
    /// A password was sent with this command.
    pub password_seen: bool,
    /// Final reply code; absent when the command got no reply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_code: Option<u16>,
    /// Text of the final reply's first line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_msg: Option<String>,
}

#[derive(Debug)]
struct Pending {
    command: &'static str,
    record: Option<Box<FtpRecord>>,
}

#[derive(Debug, Default)]
struct Half {
    /// Skipping the rest of an over-long line.
    skipping: bool,
    /// After a gap: the next line is read only when it looks like the start
    /// of a command or reply (a segment usually starts at a line), else
    /// skipped as the tail of a line cut by the gap.
    resync: bool,
}

/// Per-flow FTP state.
#[derive(Debug, Default)]
pub struct FtpSession {
    client: Half,
    server: Half,
    pending: VecDeque<Pending>,
    /// Code of a multi-line reply in progress.
    multiline: Option<u16>,
    user: Option<String>,
    secret: Option<String>,
    greeted: bool,
    encrypted: bool,
    trace: Trace,
}

impl FtpSession {
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

    /// Commands still waiting for a reply.
    pub fn pending_len(&self) -> usize {
        self.pending.len()
    }

    /// Logs every unanswered command and reports a password whose outcome was not seen.
    pub fn flush(&mut self, out: &mut dyn ObservationSink) {
        while let Some(p) = self.pending.pop_front() {
            self.complete(p, None, out);
        }
    }

    fn complete(&mut self, p: Pending, reply: Option<(u16, &[u8])>, out: &mut dyn ObservationSink) {
        if p.command == "PASS" {
            if let Some(secret) = self.secret.take() {
                let accepted = match reply.map(|r| r.0) {
                    Some(230 | 202) => Some(true),
                    Some(530) => Some(false),
                    _ => None,
                };
                out.host_fact(
                    Side::Server,
                    HostFact::Credential {
                        service: NAME.into(),
                        username: self.user.clone().unwrap_or_default().into(),
                        secret: secret.into(),
                        accepted,
                    },
                );
            }
        }
        if let Some(mut r) = p.record {
            if let Some((code, text)) = reply {
                r.reply_code = Some(code);
                r.reply_msg = Some(owned(text));
            }
            out.record(NAME, &*r);
        }
    }

    fn on_command(&mut self, line: &[u8], out: &mut dyn ObservationSink) {
        let verb_end = line.iter().position(|&b| b == b' ').unwrap_or(line.len());
        let verb = line.get(..verb_end).unwrap_or_default();
        let arg = trim(line.get(verb_end..).unwrap_or_default());
        self.trace.push("ftp.request.command", || owned(verb));
        if !arg.is_empty() {
            self.trace.push("ftp.request.arg", || owned(arg));
        }
        let Some(cmd) = command(verb) else {
            out.anomaly(NAME, "unknown_command");
            return;
        };
        out.operation(NAME, operation(cmd));
        match cmd {
            "USER" => self.user = Some(owned(arg)),
            "PASS" => self.secret = Some(owned(arg)),
            _ => {}
        }
        let record = out.wants_records().then(|| {
            Box::new(FtpRecord {
                user: self.user.clone(),
                command: cmd.to_owned(),
                arg: (cmd != "PASS" && !arg.is_empty()).then(|| owned(arg)),
                password_seen: cmd == "PASS",
                ..FtpRecord::default()
            })
        });
        if self.pending.len() >= MAX_PENDING {
            out.anomaly(NAME, "too_many_transactions");
            if let Some(old) = self.pending.pop_front() {
                self.complete(old, None, out);
            }
        }
        self.pending.push_back(Pending {
            command: cmd,
            record,
        });
    }

    fn on_reply(&mut self, line: &[u8], out: &mut dyn ObservationSink) {
        let parsed = lenient_reply_code(line);
        if parsed.is_some() && reply_code(line).is_none() {
            out.anomaly(NAME, "missing_space_after_reply_code");
        }
        if let Some(code) = self.multiline {
            // Inside a multi-line reply only `code SP` ends it.
            if parsed == Some((code, b' ')) {
                self.trace.push("ftp.response.code", || code.to_string());
                self.multiline = None;
            }
            return;
        }
        let Some((code, sep)) = parsed else {
            out.anomaly(NAME, "invalid_reply");
            return;
        };
        self.trace.push("ftp.response.code", || code.to_string());
        if sep == b'-' {
            self.multiline = Some(code);
        }
        let text = trim(line.get(4..).unwrap_or_default());
        if !self.greeted && code == 220 {
            self.greeted = true;
            if !text.is_empty() {
                out.host_fact(
                    Side::Server,
                    HostFact::Software {
                        role: "ftp_server".into(),
                        banner: owned(text).into(),
                    },
                );
            }
            if self.pending.is_empty() {
                return;
            }
        }
        if (100..200).contains(&code) {
            return;
        }
        let Some(p) = self.pending.pop_front() else {
            if code != 421 && code != 220 {
                out.anomaly(NAME, "unsolicited_reply");
            }
            return;
        };
        if p.command == "AUTH" && code == 234 {
            self.encrypted = true;
        }
        self.complete(p, Some((code, text)), out);
    }
}

/// [`reply_code`], also accepting any other non-digit after the three
/// digits as a final reply (`230_no_space`, zeek
/// ftp-missing-space-after-reply-code), as servers' clients do.
fn lenient_reply_code(line: &[u8]) -> Option<(u16, u8)> {
    if let Some(r) = reply_code(line) {
        return Some(r);
    }
    let sep = *line.get(3)?;
    if sep.is_ascii_digit() {
        return None;
    }
    let mut fixed = [0u8; 4];
    fixed.get_mut(..3)?.copy_from_slice(line.get(..3)?);
    if let Some(last) = fixed.get_mut(3) {
        *last = b' ';
    }
    reply_code(&fixed)
}

impl Session for FtpSession {
    fn feed(&mut self, dir: Direction, input: &[u8], out: &mut dyn ObservationSink) -> Progress {
        let mut pos = 0usize;
        loop {
            if self.encrypted {
                return Progress::Abandon(AbandonReason::Encrypted);
            }
            let rest = input.get(pos..).unwrap_or_default();
            if rest.is_empty() {
                return Progress::Done;
            }
            let Some((line, used)) = split_line(rest) else {
                if rest.len() > MAX_LINE {
                    out.anomaly(NAME, "line_too_long");
                    match dir {
                        Direction::ToServer => self.client.skipping = true,
                        Direction::ToClient => self.server.skipping = true,
                    }
                    return Progress::Done;
                }
                return Progress::Incomplete {
                    consumed: pos,
                    needed: 1,
                };
            };
            pos = pos.saturating_add(used);
            let half = match dir {
                Direction::ToServer => &mut self.client,
                Direction::ToClient => &mut self.server,
            };
            if half.skipping {
                half.skipping = false;
                continue;
            }
            if half.resync {
                half.resync = false;
                let starts = match dir {
                    Direction::ToServer => {
                        let verb_end = line.iter().position(|&b| b == b' ').unwrap_or(line.len());
                        command(line.get(..verb_end).unwrap_or_default()).is_some()
                    }
                    Direction::ToClient => lenient_reply_code(line).is_some(),
                };
                if !starts {
                    continue;
                }
            }
            match dir {
                Direction::ToServer => self.on_command(line, out),
                Direction::ToClient => self.on_reply(line, out),
            }
        }
    }

    fn gap(&mut self, dir: Direction, _len: u32) {
        // The partial line before the gap is dropped by the engine; the line
        // after it is read only if it starts like a command or reply.
        match dir {
            Direction::ToServer => self.client.resync = true,
            Direction::ToClient => {
                self.server.resync = true;
                self.multiline = None;
            }
        }
    }

    fn finish(&mut self, out: &mut dyn ObservationSink) {
        self.flush(out);
    }
}
