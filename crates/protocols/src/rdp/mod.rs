// SPDX-License-Identifier: Apache-2.0
//! RDP connection setup (X.224 over TPKT).
//!
//! References: [MS-RDPBCGR] §2.2.1.1 Client X.224 Connection Request PDU
//! (`Cookie: mstshash=IDENTIFIER\r\n`, §2.2.1.1.1 RDP_NEG_REQ with
//! requestedProtocols), §2.2.1.2 Server X.224 Connection Confirm PDU
//! (§2.2.1.2.1 RDP_NEG_RSP selectedProtocol, §2.2.1.2.2 RDP_NEG_FAILURE);
//! RFC 1006 (TPKT), ITU-T X.224 §13.3 (CR TPDU) and §13.4 (CC TPDU).
//!
//! Transport: TCP 3389. The Connection Request gives one `Session`
//! operation; its cookie's user name becomes an `rdp_user` attribute about
//! the client. One `rdp.log` record per flow (Zeek's `cookie`, `result`,
//! `security_protocol`, plus `requested_protocols`). When TLS, CredSSP or
//! RDSTLS was selected the rest is TLS and the session returns
//! `Abandon(Encrypted)`.
//!
//! Not decoded: MCS Connect Initial (client name, build, keyboard: standard
//! RDP security only), routing tokens beyond their presence, RDP over UDP.
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
use crate::http::text::{owned, Trace};
use plantguard_model::{HostFact, Operation, Side};
use serde::Serialize;

/// Protocol name, also the log name (`rdp.log`).
pub const NAME: &str = "rdp";

/// Registry entry.
pub static INFO: ProtocolInfo = ProtocolInfo {
    name: NAME,
    transport: Transport::Tcp,
    ports: &[3389],
    probe,
    new_session,
};

fn new_session() -> Box<dyn Session> {
    Box::new(RdpSession::new())
}

/// X.224 Connection Request TPDU code.
const CR: u8 = 0xe0;
/// X.224 Connection Confirm TPDU code.
const CC: u8 = 0xd0;

/// Strict probe: a TPKT header (version 3, reserved 0, length 11..=512)
/// around an X.224 CR (to server) or CC (to client) whose length indicator
/// fits the TPKT length.
pub fn probe(dir: Direction, input: &[u8]) -> Probe {
    let want = if dir == Direction::ToServer { CR } else { CC };
    let Some(&[v, r, l0, l1, li, code]) = input.get(..6) else {
        return match input {
            [] | [3] | [3, 0] => Probe::NeedMore,
            [3, 0, ..] => Probe::NeedMore,
            _ => Probe::NoMatch,
        };
    };
    let len = usize::from(u16::from_be_bytes([l0, l1]));
    if v != 3 || r != 0 || !(11..=512).contains(&len) || code & 0xf0 != want {
        return Probe::NoMatch;
    }
    if usize::from(li).checked_add(5) != Some(len) {
        return Probe::NoMatch;
    }
    Probe::Match
}

/// Name of a protocol flag of requestedProtocols / selectedProtocol.
fn protocol_names(flags: u32) -> Vec<&'static str> {
    let mut v = Vec::new();
    if flags == 0 {
        v.push("RDP");
    }
    for (bit, name) in [
        (1, "SSL"),
        (2, "HYBRID"),
        (4, "RDSTLS"),
        (8, "HYBRID_EX"),
        (16, "RDSAAD"),
    ] {
        if flags & bit != 0 {
            v.push(name);
        }
    }
    v
}

/// RDP_NEG_FAILURE failureCode names ([MS-RDPBCGR] §2.2.1.2.2).
fn failure_name(code: u32) -> &'static str {
    match code {
        1 => "SSL_REQUIRED_BY_SERVER",
        2 => "SSL_NOT_ALLOWED_BY_SERVER",
        3 => "SSL_CERT_NOT_ON_SERVER",
        4 => "INCONSISTENT_FLAGS",
        5 => "HYBRID_REQUIRED_BY_SERVER",
        6 => "SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER",
        _ => "unknown",
    }
}

/// One `rdp.log` line (the engine prepends `ts`, `uid` and `id.*`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RdpRecord {
    /// User name of the `mstshash` cookie.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cookie: Option<String>,
    /// requestedProtocols flags.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requested_protocols_code: Option<u32>,
    /// requestedProtocols names (`RDP`, `SSL`, `HYBRID`, ...).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub requested_protocols: Vec<&'static str>,
    /// `Success` or the failure code name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<&'static str>,
    /// Selected protocol name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_protocol: Option<&'static str>,
}

/// Per-flow RDP state.
#[derive(Debug, Default)]
pub struct RdpSession {
    record: RdpRecord,
    request: bool,
    confirm: bool,
    encrypted: bool,
    logged: bool,
    trace: Trace,
}

fn le32(b: &[u8]) -> Option<u32> {
    let &[a, b2, c, d] = b.get(..4)? else {
        return None;
    };
    Some(u32::from_le_bytes([a, b2, c, d]))
}

impl RdpSession {
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

    /// Writes the `rdp.log` record once.
    pub fn flush(&mut self, out: &mut dyn ObservationSink) {
        if !self.logged && self.request && out.wants_records() {
            out.record(NAME, &self.record);
        }
        self.logged = true;
    }

    fn on_request(&mut self, body: &[u8], out: &mut dyn ObservationSink) {
        self.request = true;
        out.operation(NAME, Operation::Session);
        let mut rest = body;
        if let Some(line_end) = rest.windows(2).position(|w| w == b"\r\n") {
            let line = rest.get(..line_end).unwrap_or_default();
            if line.starts_with(b"Cookie: ") {
                self.trace.push("rdp.rt_cookie", || owned(line));
                if let Some(user) = line.strip_prefix(b"Cookie: mstshash=".as_slice()) {
                    let user = owned(user);
                    out.host_fact(
                        Side::Client,
                        HostFact::Attribute {
                            key: "rdp_user".into(),
                            value: user.clone().into(),
                        },
                    );
                    self.record.cookie = Some(user);
                }
            }
            rest = rest.get(line_end.saturating_add(2)..).unwrap_or_default();
        }
        if rest.first() == Some(&1) {
            if let Some(flags) = rest.get(4..).and_then(le32) {
                self.trace
                    .push("rdp.negReq.requestedProtocols", || format!("0x{flags:08x}"));
                self.record.requested_protocols_code = Some(flags);
                self.record.requested_protocols = protocol_names(flags);
            }
        }
    }

    fn on_confirm(&mut self, body: &[u8], out: &mut dyn ObservationSink) {
        self.confirm = true;
        match (body.first(), body.get(4..).and_then(le32)) {
            (Some(2), Some(selected)) => {
                self.record.result = Some("Success");
                self.record.security_protocol = protocol_names(selected).first().copied();
                self.encrypted = selected != 0;
            }
            (Some(3), Some(code)) => {
                self.record.result = Some(failure_name(code));
            }
            _ => {
                // No negotiation: standard RDP security.
                self.record.result = Some("Success");
                self.record.security_protocol = Some("RDP");
            }
        }
        self.flush(out);
    }
}

impl Session for RdpSession {
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
            let Some(&[v, _, l0, l1]) = rest.get(..4) else {
                return Progress::Incomplete {
                    consumed: pos,
                    needed: 4usize.saturating_sub(rest.len()),
                };
            };
            if v != 3 {
                // Fast-path PDUs and anything after the setup: not decoded.
                return Progress::Done;
            }
            let len = usize::from(u16::from_be_bytes([l0, l1]));
            if len < 4 {
                out.anomaly(NAME, "invalid_tpkt_length");
                return Progress::Abandon(AbandonReason::NotThisProtocol);
            }
            let Some(tpdu) = rest.get(4..len) else {
                return Progress::Incomplete {
                    consumed: pos,
                    needed: len.saturating_sub(rest.len()),
                };
            };
            pos = pos.saturating_add(len);
            let code = tpdu.get(1).copied().unwrap_or(0) & 0xf0;
            let body = tpdu.get(7..).unwrap_or_default();
            match (dir, code) {
                (Direction::ToServer, CR) if !self.request => self.on_request(body, out),
                (Direction::ToClient, CC) if !self.confirm => self.on_confirm(body, out),
                _ => {}
            }
        }
    }

    fn gap(&mut self, _dir: Direction, _len: u32) {}

    fn finish(&mut self, out: &mut dyn ObservationSink) {
        self.flush(out);
    }
}
