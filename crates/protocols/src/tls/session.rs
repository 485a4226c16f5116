// SPDX-License-Identifier: Apache-2.0
//! Per-flow TLS state: record framing, handshake-message reassembly across
//! records (bounded), hello and certificate decoding, facts and the
//! `tls.log` record.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use super::fingerprint;
use super::record::TlsRecord;
use super::wire::{self, content, ext, handshake, parse_record_header, Cursor, RECORD_HEADER};
use super::x509;
use super::NAME;
use crate::api::{AbandonReason, Direction, ObservationSink, Progress, Session};
use crate::http::text::{owned, Trace};
use plantguard_model::{HostFact, Side};

/// Largest handshake message buffered across records (certificate chains).
pub const MAX_HANDSHAKE: usize = 64 * 1024;

#[derive(Debug, Default)]
struct Half {
    /// Bytes of a handshake message split across records.
    partial: Vec<u8>,
    /// Records from this side are encrypted (after ChangeCipherSpec, or
    /// after the ServerHello of TLS 1.3).
    encrypted: bool,
    /// A gap lost the record framing of this side: nothing more is parsed.
    lost: bool,
}

/// Per-flow TLS state.
#[derive(Debug, Default)]
pub struct TlsSession {
    halves: [Half; 2],
    record: TlsRecord,
    client_hello: bool,
    server_hello: bool,
    logged: bool,
    remote_reported: bool,
    trace: Trace,
}

impl TlsSession {
    /// A session at the start of a flow.
    pub fn new() -> Self {
        Self::default()
    }

    fn half_mut(&mut self, dir: Direction) -> &mut Half {
        match dir {
            Direction::ToServer => &mut self.halves[0],
            Direction::ToClient => &mut self.halves[1],
        }
    }

    /// Records decoded fields for tests.
    pub fn enable_trace(&mut self) {
        self.trace.enable();
    }

    /// Decoded fields since the last call, keyed by tshark field name.
    pub fn take_trace(&mut self) -> Vec<(&'static str, String)> {
        self.trace.take()
    }

    /// Writes the `tls.log` record once (at the end of the visible handshake or the flow).
    pub fn flush(&mut self, out: &mut dyn ObservationSink) {
        if self.logged || !(self.client_hello || self.server_hello) {
            return;
        }
        self.logged = true;
        if out.wants_records() {
            self.record.established = self.halves.iter().all(|h| h.encrypted);
            out.record(NAME, &self.record);
        }
    }

    fn on_client_hello(&mut self, body: &[u8], out: &mut dyn ObservationSink) {
        let Some(ch) = wire::parse_client_hello(body) else {
            out.anomaly(NAME, "malformed_client_hello");
            return;
        };
        let sni = wire::extensions(ch.extensions)
            .find(|e| e.kind == ext::SERVER_NAME)
            .and_then(|e| wire::sni(e.data));
        let ja3 = fingerprint::md5_hex(&fingerprint::ja3_string(&ch));
        let ja4 = fingerprint::ja4(&ch);
        if let Some(name) = sni {
            self.trace
                .push("tls.handshake.extensions_server_name", || owned(name));
        }
        self.trace.push("tls.handshake.ja3", || ja3.clone());
        if self.client_hello {
            // A second hello (after a HelloRetryRequest): facts are already out.
            out.anomaly(NAME, "duplicate_client_hello");
            return;
        }
        self.client_hello = true;
        if let Some(name) = sni.filter(|n| !n.is_empty()) {
            let name = owned(name);
            out.host_fact(
                Side::Server,
                HostFact::Name {
                    name: name.clone().into(),
                    source: "tls_sni".into(),
                },
            );
            out.host_fact(
                Side::Client,
                HostFact::Lookup {
                    name: name.clone().into(),
                    source: "tls_sni".into(),
                },
            );
            if let Some(tool) = crate::remote::tool_by_tls_name(&name) {
                if !self.remote_reported {
                    self.remote_reported = true;
                    crate::remote::report(tool, "tls_sni", out);
                }
            }
        }
        out.host_fact(
            Side::Client,
            HostFact::Attribute {
                key: "ja3".into(),
                value: ja3.clone().into(),
            },
        );
        out.host_fact(
            Side::Client,
            HostFact::Attribute {
                key: "ja4".into(),
                value: ja4.clone().into(),
            },
        );
        if out.wants_records() {
            let r = &mut self.record;
            r.version = Some(wire::version_name(ch.version));
            r.version_code = Some(ch.version);
            r.server_name = sni.map(owned);
            r.next_protocol = wire::extensions(ch.extensions)
                .find(|e| e.kind == ext::ALPN)
                .and_then(|e| wire::alpn(e.data).next())
                .map(owned);
            r.client_ciphers = Some(
                wire::u16s(ch.ciphers)
                    .filter(|&c| !wire::is_grease(c))
                    .count(),
            );
            r.ja3 = Some(ja3);
            r.ja4 = Some(ja4);
        }
    }

    fn on_server_hello(&mut self, body: &[u8], out: &mut dyn ObservationSink) {
        let Some(sh) = wire::parse_server_hello(body) else {
            out.anomaly(NAME, "malformed_server_hello");
            return;
        };
        self.server_hello = true;
        let ja3s = fingerprint::md5_hex(&fingerprint::ja3s_string(&sh));
        self.trace.push("tls.handshake.ja3s", || ja3s.clone());
        out.host_fact(
            Side::Server,
            HostFact::Attribute {
                key: "ja3s".into(),
                value: ja3s.clone().into(),
            },
        );
        let version = sh.negotiated_version();
        if out.wants_records() {
            self.record.version = Some(wire::version_name(version));
            self.record.version_code = Some(version);
            self.record.cipher_code = Some(sh.cipher);
            self.record.ja3s = Some(ja3s);
        }
        if version == 0x0304 {
            // Everything the server sends after its hello is encrypted.
            self.halves[1].encrypted = true;
        }
    }

    fn on_certificate(&mut self, body: &[u8], out: &mut dyn ObservationSink) {
        let Some(info) = wire::first_certificate(body).and_then(x509::parse_certificate) else {
            out.anomaly(NAME, "malformed_certificate");
            return;
        };
        out.host_fact(
            Side::Server,
            HostFact::Attribute {
                key: "tls_cert_subject".into(),
                value: info.subject.clone().into(),
            },
        );
        if info.self_signed {
            out.host_fact(
                Side::Server,
                HostFact::Attribute {
                    key: "tls_cert_self_signed".into(),
                    value: "true".into(),
                },
            );
        }
        if let Some(tool) = info
            .subject_cn
            .as_deref()
            .and_then(crate::remote::tool_by_cert_cn)
        {
            if !self.remote_reported {
                self.remote_reported = true;
                crate::remote::report(tool, "tls_certificate", out);
            }
        }
        if out.wants_records() && self.record.subject.is_none() {
            let r = &mut self.record;
            r.subject = Some(info.subject);
            r.issuer = Some(info.issuer);
            r.not_valid_before = info.not_valid_before;
            r.not_valid_after = info.not_valid_after;
            r.self_signed = Some(info.self_signed);
        }
    }

    fn on_message(&mut self, dir: Direction, kind: u8, body: &[u8], out: &mut dyn ObservationSink) {
        match (dir, kind) {
            (Direction::ToServer, handshake::CLIENT_HELLO) => self.on_client_hello(body, out),
            (Direction::ToClient, handshake::SERVER_HELLO) => self.on_server_hello(body, out),
            (Direction::ToClient, handshake::CERTIFICATE) => self.on_certificate(body, out),
            (Direction::ToClient, handshake::SERVER_HELLO_DONE) => self.flush(out),
            _ => {}
        }
    }

    /// Handles complete handshake messages at the start of `data`; returns the bytes used.
    fn on_messages(&mut self, dir: Direction, data: &[u8], out: &mut dyn ObservationSink) -> usize {
        let mut used = 0usize;
        loop {
            let mut c = Cursor(data.get(used..).unwrap_or_default());
            let (Some(kind), Some(len)) = (c.u8(), c.u24()) else {
                return used;
            };
            let Some(body) = c.take(len) else {
                return used;
            };
            self.on_message(dir, kind, body, out);
            used = used.saturating_add(len).saturating_add(4);
            if self.half_mut(dir).encrypted {
                // The TLS 1.3 ServerHello ends the cleartext part of this side.
                return data.len();
            }
        }
    }

    fn on_handshake_record(
        &mut self,
        dir: Direction,
        payload: &[u8],
        out: &mut dyn ObservationSink,
    ) {
        let mut partial = std::mem::take(&mut self.half_mut(dir).partial);
        if partial.is_empty() {
            let used = self.on_messages(dir, payload, out);
            partial.extend_from_slice(payload.get(used..).unwrap_or_default());
        } else {
            partial.extend_from_slice(payload);
            let used = self.on_messages(dir, &partial, out);
            partial.drain(..used.min(partial.len()));
        }
        if partial.len() > MAX_HANDSHAKE {
            out.anomaly(NAME, "oversized_handshake");
            partial = Vec::new();
        }
        let half = &mut self.half_mut(dir);
        if half.encrypted {
            partial.clear();
        }
        half.partial = partial;
    }
}

impl Session for TlsSession {
    fn feed(&mut self, dir: Direction, input: &[u8], out: &mut dyn ObservationSink) -> Progress {
        if self.half_mut(dir).lost {
            return Progress::Done;
        }
        let mut pos = 0usize;
        loop {
            let rest = input.get(pos..).unwrap_or_default();
            let Some(h) = parse_record_header(rest) else {
                return if rest.is_empty() {
                    Progress::Done
                } else {
                    Progress::Incomplete {
                        consumed: pos,
                        needed: RECORD_HEADER.saturating_sub(rest.len()),
                    }
                };
            };
            if let (Some(&b0), Some(&b1), Some(&2 | &1)) = (rest.first(), rest.get(1), rest.get(2))
            {
                if b0 & 0x80 != 0 && !self.client_hello && dir == Direction::ToServer {
                    // SSLv2-compatible ClientHello (RFC 5246 Appendix E.2):
                    // 2-byte length, not decoded; the server answers in TLS records.
                    let total = (usize::from(b0 & 0x7f) << 8 | usize::from(b1)).saturating_add(2);
                    if rest.len() < total {
                        return Progress::Incomplete {
                            consumed: pos,
                            needed: total.saturating_sub(rest.len()),
                        };
                    }
                    out.anomaly(NAME, "sslv2_client_hello");
                    pos = pos.saturating_add(total);
                    continue;
                }
            }
            if !h.is_valid() {
                out.anomaly(NAME, "invalid_record_header");
                self.flush(out);
                return Progress::Abandon(AbandonReason::NotThisProtocol);
            }
            let total = RECORD_HEADER.saturating_add(h.length);
            let Some(payload) = rest.get(RECORD_HEADER..total) else {
                return Progress::Incomplete {
                    consumed: pos,
                    needed: total.saturating_sub(rest.len()),
                };
            };
            pos = pos.saturating_add(total);
            match h.content_type {
                content::HANDSHAKE if !self.half_mut(dir).encrypted => {
                    self.on_handshake_record(dir, payload, out);
                }
                content::CHANGE_CIPHER_SPEC | content::APPLICATION_DATA => {
                    self.half_mut(dir).encrypted = true;
                    self.half_mut(dir).partial = Vec::new();
                    if dir == Direction::ToClient || h.content_type == content::APPLICATION_DATA {
                        self.flush(out);
                    }
                }
                content::ALERT if !self.half_mut(dir).encrypted && payload.first() == Some(&2) => {
                    out.anomaly(NAME, "fatal_alert");
                }
                _ => {}
            }
            if self.logged && self.halves.iter().all(|h| h.encrypted) {
                return Progress::Abandon(AbandonReason::Encrypted);
            }
        }
    }

    fn gap(&mut self, dir: Direction, _len: u32) {
        let half = &mut self.half_mut(dir);
        half.partial = Vec::new();
        // Record boundaries cannot be found again reliably after a gap.
        half.lost = true;
    }

    fn finish(&mut self, out: &mut dyn ObservationSink) {
        self.flush(out);
    }
}
