// SPDX-License-Identifier: Apache-2.0
//! Per-flow SNMP state: request/response pairing by request-id,
//! communities and their outcome, agent facts, the per-flow `snmp.log`.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use super::wire::{self, PduType};
use super::{enterprise_vendor, NAME};
use crate::api::{Direction, ObservationSink, Progress, Session};
use crate::http::text::{fnv1a, owned, Trace};
use crate::tls::x509::oid_string;
use plantguard_model::{mask_secret, HostFact, Operation, Side};
use serde::Serialize;
use std::collections::VecDeque;

/// Requests waiting for a response (by request-id).
pub const MAX_PENDING: usize = 64;
/// Distinct communities remembered per flow (a brute force tries many).
pub const MAX_COMMUNITIES: usize = 16;

/// One `snmp.log` line per flow (the engine prepends `ts`, `uid`, `id.*`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SnmpRecord {
    /// `1`, `2c` or `3`.
    pub version: &'static str,
    /// First community seen, masked (`pu***`): the engine reports credentials itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub community: Option<String>,
    /// Number of distinct communities tried.
    pub communities_seen: usize,
    /// GetRequest and GetNextRequest PDUs.
    pub get_requests: u32,
    /// GetBulkRequest PDUs.
    pub get_bulk_requests: u32,
    /// Response PDUs.
    pub get_responses: u32,
    /// SetRequest PDUs.
    pub set_requests: u32,
    /// Trap and Inform PDUs.
    pub traps: u32,
    /// sysDescr returned by the agent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_string: Option<String>,
    /// sysName returned by the agent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sys_name: Option<String>,
    /// sysObjectID returned by the agent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sys_object_id: Option<String>,
}

#[derive(Debug)]
struct Community {
    hash: u64,
    text: String,
    reported: bool,
}

/// Per-flow SNMP state.
#[derive(Debug, Default)]
pub struct SnmpSession {
    record: SnmpRecord,
    version: Option<i64>,
    communities: Vec<Community>,
    /// (request-id, community hash) of requests waiting for a response.
    pending: VecDeque<(i64, u64)>,
    messages: u32,
    seen_descr: bool,
    seen_name: bool,
    seen_oid: bool,
    trace: Trace,
}

/// OS hint in a sysDescr (`Linux plc 4.9.0 ...`, `Cisco IOS Software ...`).
pub fn os_from_sys_descr(descr: &str) -> Option<(&'static str, Option<String>)> {
    let word_after = |token: &str| {
        descr.find(token).and_then(|i| {
            descr
                .get(i.saturating_add(token.len())..)?
                .split([' ', ','])
                .find(|w| !w.is_empty())
                .map(str::to_owned)
        })
    };
    if descr.contains("Windows") {
        return Some(("Windows", word_after("Version ")));
    }
    if descr.contains("Cisco IOS") {
        return Some(("Cisco IOS", word_after("Version ")));
    }
    if descr.contains("VxWorks") {
        return Some(("VxWorks", None));
    }
    if descr.starts_with("Linux ") {
        return Some(("Linux", descr.split(' ').nth(2).map(str::to_owned)));
    }
    None
}

impl SnmpSession {
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

    /// Requests still waiting for a response.
    pub fn pending_len(&self) -> usize {
        self.pending.len()
    }

    /// Reports communities whose outcome is unknown and writes the flow record.
    pub fn flush(&mut self, out: &mut dyn ObservationSink) {
        for c in &mut self.communities {
            if !c.reported {
                c.reported = true;
                out.host_fact(
                    Side::Server,
                    HostFact::Credential {
                        service: NAME.into(),
                        username: "".into(),
                        secret: c.text.clone().into(),
                        accepted: None,
                    },
                );
            }
        }
        if self.messages > 0 && out.wants_records() {
            self.record.version = match self.version {
                Some(0) => "1",
                Some(1) => "2c",
                Some(3) => "3",
                _ => "unknown",
            };
            self.record.communities_seen = self.communities.len();
            self.record.community = self.communities.first().map(|c| mask_secret(&c.text));
            out.record(NAME, &self.record);
            self.messages = 0;
        }
    }

    fn remember(&mut self, community: &[u8], out: &mut dyn ObservationSink) -> u64 {
        let hash = fnv1a(community);
        if !self.communities.iter().any(|c| c.hash == hash) {
            if self.communities.len() >= MAX_COMMUNITIES {
                out.anomaly(NAME, "too_many_communities");
            } else {
                self.communities.push(Community {
                    hash,
                    text: owned(community),
                    reported: false,
                });
            }
        }
        hash
    }

    fn on_agent_varbinds(&mut self, list: &[u8], out: &mut dyn ObservationSink) {
        for vb in wire::varbinds(list) {
            match (vb.oid, vb.tag) {
                (wire::SYS_DESCR, 0x04) if !self.seen_descr && !vb.value.is_empty() => {
                    self.seen_descr = true;
                    let descr = owned(vb.value);
                    if let Some((name, version)) = os_from_sys_descr(&descr) {
                        out.host_fact(
                            Side::Server,
                            HostFact::Os {
                                name: name.to_owned().into(),
                                version: version.map(Into::into),
                                source: "snmp_sys_descr".into(),
                            },
                        );
                    }
                    out.host_fact(
                        Side::Server,
                        HostFact::Software {
                            role: "snmp_agent".into(),
                            banner: descr.clone().into(),
                        },
                    );
                    self.record.display_string = Some(descr);
                }
                (wire::SYS_NAME, 0x04) if !self.seen_name && !vb.value.is_empty() => {
                    self.seen_name = true;
                    let name = owned(vb.value);
                    out.host_fact(
                        Side::Server,
                        HostFact::Name {
                            name: name.clone().into(),
                            source: NAME.into(),
                        },
                    );
                    self.record.sys_name = Some(name);
                }
                (wire::SYS_OBJECT_ID, 0x06) if !self.seen_oid => {
                    self.seen_oid = true;
                    let oid = oid_string(vb.value);
                    out.host_fact(
                        Side::Server,
                        HostFact::Attribute {
                            key: "snmp_sys_object_id".into(),
                            value: oid.clone().into(),
                        },
                    );
                    if let Some(vendor) =
                        wire::enterprise_number(vb.value).and_then(enterprise_vendor)
                    {
                        out.host_fact(
                            Side::Server,
                            HostFact::Attribute {
                                key: "snmp_vendor".into(),
                                value: vendor.into(),
                            },
                        );
                    }
                    self.record.sys_object_id = Some(oid);
                }
                _ => {}
            }
        }
    }
}

impl Session for SnmpSession {
    fn feed(&mut self, dir: Direction, input: &[u8], out: &mut dyn ObservationSink) -> Progress {
        let Some(msg) = wire::parse_message(input) else {
            out.anomaly(NAME, "malformed_message");
            return Progress::Done;
        };
        self.messages = self.messages.saturating_add(1);
        if self.version.is_some_and(|v| v != msg.version) {
            out.anomaly(NAME, "version_changed");
        }
        self.version = Some(msg.version);
        if let Some(c) = msg.community {
            self.trace.push("snmp.community", || owned(c));
        }
        let Some(pdu) = msg.pdu else {
            return Progress::Done;
        };
        self.trace
            .push("snmp.data", || pdu.kind.index().to_string());
        for vb in wire::varbinds(pdu.varbinds) {
            self.trace.push("snmp.name", || oid_string(vb.oid));
        }
        let r = &mut self.record;
        let op = match pdu.kind {
            PduType::GetRequest | PduType::GetNextRequest => {
                r.get_requests = r.get_requests.saturating_add(1);
                Some(Operation::Read)
            }
            PduType::GetBulkRequest => {
                r.get_bulk_requests = r.get_bulk_requests.saturating_add(1);
                Some(Operation::Read)
            }
            PduType::SetRequest => {
                r.set_requests = r.set_requests.saturating_add(1);
                Some(Operation::Write)
            }
            PduType::TrapV1 | PduType::TrapV2 | PduType::InformRequest => {
                r.traps = r.traps.saturating_add(1);
                Some(Operation::Other)
            }
            PduType::Response => {
                r.get_responses = r.get_responses.saturating_add(1);
                None
            }
            PduType::Report => None,
        };
        if let Some(op) = op {
            out.operation(NAME, op);
        }
        let hash = msg.community.map(|c| self.remember(c, out)).unwrap_or(0);
        match (pdu.kind, dir) {
            (PduType::Response, _) => {
                let matched = pdu
                    .request_id
                    .and_then(|id| self.pending.iter().position(|&(pid, _)| pid == id));
                match matched.and_then(|i| self.pending.remove(i)) {
                    Some((_, req_hash)) => {
                        if req_hash == hash && msg.community.is_some() {
                            if let Some(c) = self
                                .communities
                                .iter_mut()
                                .find(|c| c.hash == hash && !c.reported)
                            {
                                c.reported = true;
                                out.host_fact(
                                    Side::Server,
                                    HostFact::Credential {
                                        service: NAME.into(),
                                        username: "".into(),
                                        secret: c.text.clone().into(),
                                        accepted: Some(true),
                                    },
                                );
                            }
                        }
                    }
                    None => out.anomaly(NAME, "unsolicited_response"),
                }
                if dir == Direction::ToClient {
                    self.on_agent_varbinds(pdu.varbinds, out);
                }
            }
            (PduType::TrapV2 | PduType::TrapV1 | PduType::InformRequest, _) => {}
            (PduType::Report, _) => {}
            (_, _) => {
                if let Some(id) = pdu.request_id {
                    if self.pending.len() >= MAX_PENDING {
                        out.anomaly(NAME, "too_many_transactions");
                        self.pending.pop_front();
                    }
                    self.pending.push_back((id, hash));
                }
            }
        }
        Progress::Done
    }

    fn gap(&mut self, _dir: Direction, _len: u32) {}

    fn finish(&mut self, out: &mut dyn ObservationSink) {
        self.flush(out);
    }
}
