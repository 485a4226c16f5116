// SPDX-License-Identifier: Apache-2.0
//! MMS (ISO 9506) over the OSI stack on TCP 102: TPKT (RFC 1006), COTP
//! class 0 (ISO 8073), ISO 8327 session, ISO 8823 presentation (fully
//! encoded data) and the MMS PDU (ISO 9506-2 §7, `MMSpdu`). Used by
//! IEC 61850 station buses and ICCP/TASE.2.
//!
//! Registered after `s7comm`: both run over TPKT/COTP on port 102; the S7
//! probe claims flows with S7 TSAPs or an S7 header in the first DT, and
//! this probe claims flows whose first DT carries a session CONNECT/ACCEPT
//! SPDU or session-layer data transfer with a presentation PPDU.
//!
//! Confirmed requests produce one operation each (read / write / program
//! download / start / stop ...), pair with their response by invoke id and
//! give one `mms.log` record; an Identify response gives an
//! [`IdentityFact`] (vendor, model, revision).
//!
//! Not decoded yet: service parameters (variable names, domain names),
//! ACSE details (AP titles), unconfirmed InformationReport contents.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use crate::api::{
    AbandonReason, Direction, ObservationSink, Probe, Progress, ProtocolInfo, Session, Transport,
};
use plantguard_model::{IdentityFact, ModeChange, Operation};
use serde::Serialize;

/// Protocol and log name.
pub const NAME: &str = "mms";

/// Pending confirmed requests kept per flow.
pub const MAX_PENDING: usize = 64;

/// Largest COTP user data reassembled across DT TPDUs.
pub const MAX_REASSEMBLY: usize = 65_536;

/// Registry entry (after `s7comm`).
pub static INFO: ProtocolInfo = ProtocolInfo {
    name: NAME,
    transport: Transport::Tcp,
    ports: &[102],
    probe,
    new_session,
};

fn new_session() -> Box<dyn Session> {
    Box::new(MmsSession::new())
}

/// One BER TLV: (tag byte, tag number, value, rest).
fn tlv(buf: &[u8]) -> Option<(u8, u32, &[u8], &[u8])> {
    let (&tag, mut r) = buf.split_first()?;
    let mut number = u32::from(tag & 0x1F);
    if number == 0x1F {
        number = 0;
        loop {
            let (&b, rest) = r.split_first()?;
            r = rest;
            number = number.checked_mul(128)?.checked_add(u32::from(b & 0x7F))?;
            if b & 0x80 == 0 {
                break;
            }
        }
    }
    let (&l0, mut r) = r.split_first()?;
    let len = if l0 & 0x80 == 0 {
        usize::from(l0)
    } else {
        let n = usize::from(l0 & 0x7F);
        if n == 0 || n > 4 {
            return None;
        }
        let bytes = r.get(..n)?;
        r = r.get(n..)?;
        bytes
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b))
    };
    let value = r.get(..len)?;
    Some((tag, number, value, r.get(len..).unwrap_or_default()))
}

fn uint(v: &[u8]) -> Option<u32> {
    if v.is_empty() || v.len() > 4 {
        return None;
    }
    Some(v.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b)))
}

/// Kind of MMS PDU (ISO 9506-2 `MMSpdu` CHOICE).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PduKind {
    /// \[0\] confirmed-RequestPDU.
    ConfirmedRequest,
    /// \[1\] confirmed-ResponsePDU.
    ConfirmedResponse,
    /// \[2\] confirmed-ErrorPDU.
    ConfirmedError,
    /// \[3\] unconfirmed-PDU.
    Unconfirmed,
    /// \[4\] rejectPDU.
    Reject,
    /// \[5\]/\[6\]/\[7\] cancel request/response/error.
    Cancel,
    /// \[8\] initiate-RequestPDU (also a session CONNECT).
    InitiateRequest,
    /// \[9\] initiate-ResponsePDU (also a session ACCEPT).
    InitiateResponse,
    /// \[10\] initiate-ErrorPDU.
    InitiateError,
    /// \[11\]..\[13\] conclude request/response/error (also session FINISH/DISCONNECT).
    Conclude,
}

/// One decoded MMS PDU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MmsPdu<'a> {
    /// PDU kind.
    pub kind: PduKind,
    /// Invoke id of confirmed PDUs.
    pub invoke_id: Option<u32>,
    /// Service tag number (ConfirmedServiceRequest/Response choice).
    pub service: Option<u32>,
    /// Service body.
    pub body: &'a [u8],
}

/// Decodes an MMS PDU.
pub fn parse_mms(buf: &[u8]) -> Option<MmsPdu<'_>> {
    let (tag, number, content, _) = tlv(buf)?;
    if tag & 0xC0 != 0x80 {
        return None;
    }
    let kind = match number {
        0 => PduKind::ConfirmedRequest,
        1 => PduKind::ConfirmedResponse,
        2 => PduKind::ConfirmedError,
        3 => PduKind::Unconfirmed,
        4 => PduKind::Reject,
        5..=7 => PduKind::Cancel,
        8 => PduKind::InitiateRequest,
        9 => PduKind::InitiateResponse,
        10 => PduKind::InitiateError,
        11..=13 => PduKind::Conclude,
        _ => return None,
    };
    let mut pdu = MmsPdu {
        kind,
        invoke_id: None,
        service: None,
        body: &[],
    };
    match kind {
        PduKind::ConfirmedRequest | PduKind::ConfirmedResponse | PduKind::ConfirmedError => {
            let (t, _, v, mut rest) = tlv(content)?;
            if t == 0x02 || t == 0x80 {
                pdu.invoke_id = uint(v);
            }
            if kind != PduKind::ConfirmedError {
                while let Some((t, n, v, r)) = tlv(rest) {
                    rest = r;
                    if t & 0xC0 == 0x80 {
                        pdu.service = Some(n);
                        pdu.body = v;
                        break;
                    }
                }
            }
        }
        PduKind::Unconfirmed => {
            if let Some((_, n, v, _)) = tlv(content) {
                pdu.service = Some(n);
                pdu.body = v;
            }
        }
        PduKind::Reject | PduKind::Cancel => {
            if let Some((_, _, v, _)) = tlv(content) {
                pdu.invoke_id = uint(v);
            }
        }
        _ => {}
    }
    Some(pdu)
}

/// ConfirmedServiceRequest name (ISO 9506-2 §7.4).
pub const fn service_name(n: u32) -> &'static str {
    match n {
        0 => "status",
        1 => "get_name_list",
        2 => "identify",
        3 => "rename",
        4 => "read",
        5 => "write",
        6 => "get_variable_access_attributes",
        7 => "define_named_variable",
        8 => "define_scattered_access",
        9 => "get_scattered_access_attributes",
        10 => "delete_variable_access",
        11 => "define_named_variable_list",
        12 => "get_named_variable_list_attributes",
        13 => "delete_named_variable_list",
        14 => "define_named_type",
        15 => "get_named_type_attributes",
        16 => "delete_named_type",
        17 => "input",
        18 => "output",
        19 => "take_control",
        20 => "relinquish_control",
        21..=25 => "semaphore",
        26 => "initiate_download_sequence",
        27 => "download_segment",
        28 => "terminate_download_sequence",
        29 => "initiate_upload_sequence",
        30 => "upload_segment",
        31 => "terminate_upload_sequence",
        32 => "request_domain_download",
        33 => "request_domain_upload",
        34 => "load_domain_content",
        35 => "store_domain_content",
        36 => "delete_domain",
        37 => "get_domain_attributes",
        38 => "create_program_invocation",
        39 => "delete_program_invocation",
        40 => "start",
        41 => "stop",
        42 => "resume",
        43 => "reset",
        44 => "kill",
        45 => "get_program_invocation_attributes",
        46 => "obtain_file",
        47..=62 => "event_management",
        63 => "get_alarm_summary",
        64 => "get_alarm_enrollment_summary",
        65..=70 => "journal",
        71 => "get_capability_list",
        72 => "file_open",
        73 => "file_read",
        74 => "file_close",
        75 => "file_rename",
        76 => "file_delete",
        77 => "file_directory",
        _ => "unknown",
    }
}

/// Operation of a confirmed request.
pub const fn operation_of(service: u32) -> Operation {
    match service {
        0 | 63 | 64 | 71 => Operation::Diagnostics,
        2 => Operation::IdentityQuery,
        1 | 4 | 6 | 9 | 12 | 15 | 37 | 45 | 49 | 55 | 61 | 65 | 17 => Operation::Read,
        3
        | 5
        | 7
        | 8
        | 10
        | 11
        | 13
        | 14
        | 16
        | 18
        | 38
        | 39
        | 47
        | 48
        | 50..=54
        | 56..=60
        | 62
        | 66..=70 => Operation::Write,
        26 | 27 | 28 | 32 | 34 => Operation::ProgramDownload,
        29 | 30 | 31 | 33 | 35 => Operation::ProgramUpload,
        36 | 46 | 72..=77 => Operation::FileTransfer,
        40 | 42 => Operation::ModeChange(ModeChange::Start),
        41 | 44 => Operation::ModeChange(ModeChange::Stop),
        43 => Operation::ModeChange(ModeChange::Restart),
        _ => Operation::Other,
    }
}

/// Finds the MMS PDU in a COTP DT user-data unit (session + presentation).
/// Session CONNECT/ACCEPT/FINISH/DISCONNECT map to initiate/conclude.
pub fn parse_spdu(user: &[u8]) -> Option<MmsPdu<'_>> {
    let (&si, _) = user.split_first()?;
    let bare = |kind| MmsPdu {
        kind,
        invoke_id: None,
        service: None,
        body: &[],
    };
    match si {
        0x0D => Some(bare(PduKind::InitiateRequest)),
        0x0E => Some(bare(PduKind::InitiateResponse)),
        0x09 | 0x0A | 0x19 => Some(bare(PduKind::Conclude)),
        0x01 => {
            // GIVE-TOKENS (0x01 0x00) then DATA TRANSFER (0x01 0x00).
            if user.get(..4) != Some(&[0x01, 0x00, 0x01, 0x00][..]) {
                return None;
            }
            let ppdu = user.get(4..)?;
            let (tag, _, content, _) = tlv(ppdu)?;
            if tag != 0x61 {
                return None;
            }
            let (t, _, mut pdv, _) = tlv(content)?;
            if t != 0x30 {
                return None;
            }
            while let Some((t, _, v, rest)) = tlv(pdv) {
                pdv = rest;
                if t == 0xA0 {
                    return parse_mms(v);
                }
            }
            None
        }
        _ => None,
    }
}

/// Strict probe: TPKT version 3; a COTP CR/CC is skipped; the first DT must
/// carry an ISO 8327 CONNECT/ACCEPT SPDU or session data transfer with a
/// presentation PPDU holding an MMS PDU.
pub fn probe(_dir: Direction, input: &[u8]) -> Probe {
    let mut rest = input;
    for _ in 0..2 {
        let (Some(&v), Some(&[l0, l1])) = (rest.first(), rest.get(2..4)) else {
            return Probe::NeedMore;
        };
        if v != 3 {
            return Probe::NoMatch;
        }
        let len = usize::from(u16::from_be_bytes([l0, l1]));
        if len < 7 {
            return Probe::NoMatch;
        }
        let Some(pkt) = rest.get(..len) else {
            return Probe::NeedMore;
        };
        let (Some(&li), Some(&code)) = (pkt.get(4), pkt.get(5)) else {
            return Probe::NoMatch;
        };
        match code & 0xF0 {
            0xE0 | 0xD0 => {
                rest = rest.get(len..).unwrap_or_default();
                if rest.is_empty() {
                    return Probe::NeedMore;
                }
            }
            0xF0 => {
                let user = pkt
                    .get(usize::from(li).saturating_add(5)..)
                    .unwrap_or_default();
                return match user.first() {
                    Some(0x0D | 0x0E) if user.len() > 4 => Probe::Match,
                    Some(0x01) if parse_spdu(user).is_some() => Probe::Match,
                    _ => Probe::NoMatch,
                };
            }
            _ => return Probe::NoMatch,
        }
    }
    Probe::NoMatch
}

/// One `mms.log` line.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct MmsRecord {
    /// True when the request travelled from the flow originator.
    pub is_orig: bool,
    /// PDU of the request (`confirmed_request`, `initiate_request`, `unconfirmed`, `conclude`).
    pub pdu: &'static str,
    /// Invoke id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoke_id: Option<u32>,
    /// Service number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_code: Option<u32>,
    /// Service name (`read`, `write`, `identify`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<&'static str>,
    /// Answer: `response`, `error`, `reject`, or `no_response`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<&'static str>,
    /// Identify response vendor name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    /// Identify response model name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Identify response revision.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
}

/// What the last complete PDU held (for tests).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MmsSummary {
    /// PDU kind.
    pub kind: PduKind,
    /// Invoke id.
    pub invoke_id: Option<u32>,
    /// Service.
    pub service: Option<u32>,
}

#[derive(Debug)]
struct Pending {
    dir: Direction,
    invoke_id: u32,
    record: Option<Box<MmsRecord>>,
}

/// MMS per-flow session.
#[derive(Debug, Default)]
pub struct MmsSession {
    pending: Vec<Pending>,
    reassembly: [Vec<u8>; 2],
    resync: [bool; 2],
    last: Vec<MmsSummary>,
    keep_summaries: bool,
}

fn idx(dir: Direction) -> usize {
    usize::from(dir == Direction::ToClient)
}

fn identify_fields(body: &[u8]) -> (Option<String>, Option<String>, Option<String>) {
    let (mut v, mut m, mut r) = (None, None, None);
    let mut rest = body;
    while let Some((_, n, val, next)) = tlv(rest) {
        rest = next;
        let s = Some(String::from_utf8_lossy(val).into_owned());
        match n {
            0 => v = s,
            1 => m = s,
            2 => r = s,
            _ => {}
        }
    }
    (v, m, r)
}

impl MmsSession {
    /// A fresh session.
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps a summary of every PDU (tests compare them with tshark).
    pub fn keep_summaries(&mut self) {
        self.keep_summaries = true;
    }

    /// Takes the summaries kept since the last call.
    pub fn take_summaries(&mut self) -> Vec<MmsSummary> {
        std::mem::take(&mut self.last)
    }

    /// Requests waiting for an answer.
    pub fn pending_len(&self) -> usize {
        self.pending.len()
    }

    /// Emits unanswered requests.
    pub fn flush(&mut self, out: &mut dyn ObservationSink) {
        for p in self.pending.drain(..) {
            if let Some(mut r) = p.record {
                r.result = Some("no_response");
                out.record(NAME, &*r);
            }
        }
    }

    fn on_pdu(&mut self, dir: Direction, pdu: &MmsPdu<'_>, out: &mut dyn ObservationSink) {
        if self.keep_summaries {
            self.last.push(MmsSummary {
                kind: pdu.kind,
                invoke_id: pdu.invoke_id,
                service: pdu.service,
            });
        }
        let simple = |pdu_name: &'static str| MmsRecord {
            is_orig: dir == Direction::ToServer,
            pdu: pdu_name,
            ..MmsRecord::default()
        };
        match pdu.kind {
            PduKind::ConfirmedRequest => {
                let service = pdu.service.unwrap_or(u32::MAX);
                out.operation(NAME, operation_of(service));
                let record = out.wants_records().then(|| {
                    let mut r = simple("confirmed_request");
                    r.invoke_id = pdu.invoke_id;
                    r.service_code = pdu.service;
                    r.service = pdu.service.map(service_name);
                    Box::new(r)
                });
                let Some(id) = pdu.invoke_id else { return };
                if self.pending.len() >= MAX_PENDING {
                    out.anomaly(NAME, "too_many_transactions");
                    let old = self.pending.remove(0);
                    if let Some(mut r) = old.record {
                        r.result = Some("no_response");
                        out.record(NAME, &*r);
                    }
                }
                self.pending.push(Pending {
                    dir,
                    invoke_id: id,
                    record,
                });
            }
            PduKind::ConfirmedResponse | PduKind::ConfirmedError | PduKind::Reject => {
                let mut ident = (None, None, None);
                if pdu.kind == PduKind::ConfirmedResponse && pdu.service == Some(2) {
                    ident = identify_fields(pdu.body);
                    let fact = IdentityFact {
                        protocol: NAME.into(),
                        vendor: ident.0.clone().map(Into::into),
                        model: ident.1.clone().map(Into::into),
                        firmware: ident.2.clone().map(Into::into),
                        ..IdentityFact::default()
                    };
                    out.identity(dir.sender(), fact);
                }
                let found = pdu.invoke_id.and_then(|id| {
                    self.pending
                        .iter()
                        .position(|p| p.dir == dir.reverse() && p.invoke_id == id)
                });
                let Some(i) = found else {
                    out.anomaly(NAME, "unmatched_response");
                    return;
                };
                let p = self.pending.remove(i);
                if let Some(mut r) = p.record {
                    r.result = Some(match pdu.kind {
                        PduKind::ConfirmedResponse => "response",
                        PduKind::ConfirmedError => "error",
                        _ => "reject",
                    });
                    (r.vendor, r.model, r.revision) = ident;
                    out.record(NAME, &*r);
                }
            }
            PduKind::InitiateRequest | PduKind::Conclude | PduKind::Unconfirmed => {
                let (op, name) = match pdu.kind {
                    PduKind::InitiateRequest => (Operation::Session, "initiate_request"),
                    PduKind::Conclude => (Operation::Session, "conclude"),
                    _ => (Operation::Other, "unconfirmed"),
                };
                out.operation(NAME, op);
                if out.wants_records() {
                    let mut r = simple(name);
                    if pdu.kind == PduKind::Unconfirmed {
                        r.service_code = pdu.service;
                        r.service = Some(match pdu.service {
                            Some(0) => "information_report",
                            Some(1) => "unsolicited_status",
                            Some(2) => "event_notification",
                            _ => "unknown",
                        });
                    }
                    out.record(NAME, &r);
                }
            }
            PduKind::Cancel | PduKind::InitiateResponse | PduKind::InitiateError => {}
        }
    }

    fn on_user_data(&mut self, dir: Direction, user: &[u8], out: &mut dyn ObservationSink) {
        match parse_spdu(user) {
            Some(pdu) => self.on_pdu(dir, &pdu, out),
            None => out.anomaly(NAME, "undecoded_spdu"),
        }
    }
}

impl Session for MmsSession {
    fn feed(&mut self, dir: Direction, input: &[u8], out: &mut dyn ObservationSink) -> Progress {
        let d = idx(dir);
        let mut at = 0usize;
        loop {
            let rest = input.get(at..).unwrap_or_default();
            if self.resync.get(d).copied().unwrap_or(false) {
                // After a gap: look for a TPKT header followed by a COTP DT.
                match rest.windows(6).position(|w| {
                    w.first() == Some(&3) && w.get(1) == Some(&0) && w.get(5) == Some(&0xF0)
                }) {
                    Some(p) => {
                        at = at.saturating_add(p);
                        if let Some(r) = self.resync.get_mut(d) {
                            *r = false;
                        }
                        continue;
                    }
                    None => {
                        let keep = rest.len().min(5);
                        return Progress::Incomplete {
                            consumed: input.len().saturating_sub(keep),
                            needed: 1,
                        };
                    }
                }
            }
            if rest.is_empty() {
                return Progress::Done;
            }
            let Some(&[v, _, l0, l1]) = rest.get(..4) else {
                return Progress::Incomplete {
                    consumed: at,
                    needed: 4usize.saturating_sub(rest.len()),
                };
            };
            let len = usize::from(u16::from_be_bytes([l0, l1]));
            if v != 3 || len < 7 {
                out.anomaly(NAME, "bad_tpkt");
                return Progress::Abandon(AbandonReason::NotThisProtocol);
            }
            let Some(pkt) = rest.get(..len) else {
                return Progress::Incomplete {
                    consumed: at,
                    needed: len.saturating_sub(rest.len()),
                };
            };
            at = at.saturating_add(len);
            let (Some(&li), Some(&code)) = (pkt.get(4), pkt.get(5)) else {
                continue;
            };
            if code & 0xF0 != 0xF0 {
                continue;
            }
            let eot = pkt.get(6).is_some_and(|&b| b & 0x80 != 0);
            let user = pkt
                .get(usize::from(li).saturating_add(5)..)
                .unwrap_or_default();
            let Some(buf) = self.reassembly.get_mut(d) else {
                continue;
            };
            if eot && buf.is_empty() {
                self.on_user_data(dir, user, out);
                continue;
            }
            if buf.len().saturating_add(user.len()) > MAX_REASSEMBLY {
                out.anomaly(NAME, "reassembly_overflow");
                buf.clear();
                continue;
            }
            buf.extend_from_slice(user);
            if eot {
                let whole = std::mem::take(buf);
                self.on_user_data(dir, &whole, out);
            }
        }
    }

    fn gap(&mut self, dir: Direction, _len: u32) {
        let d = idx(dir);
        if let Some(b) = self.reassembly.get_mut(d) {
            b.clear();
        }
        if let Some(r) = self.resync.get_mut(d) {
            *r = true;
        }
    }

    fn finish(&mut self, out: &mut dyn ObservationSink) {
        self.flush(out);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::indexing_slicing, clippy::unwrap_used, clippy::panic)]
    use super::*;
    use plantguard_model::Side;

    #[derive(Default)]
    struct Sink {
        ops: Vec<Operation>,
        ids: Vec<(Side, IdentityFact)>,
        records: Vec<serde_json::Value>,
    }

    impl ObservationSink for Sink {
        fn operation(&mut self, _: &'static str, op: Operation) {
            self.ops.push(op);
        }
        fn identity(&mut self, s: Side, f: IdentityFact) {
            self.ids.push((s, f));
        }
        fn anomaly(&mut self, _: &'static str, _: &'static str) {}
        fn wants_records(&self) -> bool {
            true
        }
        fn record(&mut self, _: &'static str, r: &dyn erased_serde::Serialize) {
            self.records.push(serde_json::to_value(r).unwrap());
        }
    }

    /// piccolo.pcap frame 3: Identify request.
    const IDENTIFY_REQ: &[u8] = &[
        0x03, 0x00, 0x00, 0x1b, // TPKT v3, length 27
        0x02, 0xf0, 0x80, // COTP DT, EOT
        0x01, 0x00, 0x01, 0x00, // session GIVE-TOKENS, DATA TRANSFER
        0x61, 0x0e, // presentation fully-encoded data
        0x30, 0x0c, // PDV-list
        0x02, 0x01, 0x03, // presentation-context-id 3
        0xa0, 0x07, // single-ASN1-type
        0xa0, 0x05, // MMS confirmed-RequestPDU
        0x02, 0x01, 0x01, // invokeID 1
        0x82, 0x00, // identify (NULL)
    ];

    /// piccolo.pcap frame 4: Identify response "INFO TECH" / "S61850 for PC" / "0.0.1".
    const IDENTIFY_RES: &[u8] = &[
        0x03, 0x00, 0x00, 0x3c, // TPKT length 60
        0x02, 0xf0, 0x80, // COTP DT, EOT
        0x01, 0x00, 0x01, 0x00, // session
        0x61, 0x2f, 0x30, 0x2d, 0x02, 0x01, 0x03, 0xa0, 0x28, // presentation
        0xa1, 0x26, // confirmed-ResponsePDU
        0x02, 0x01, 0x01, // invokeID 1
        0xa2, 0x21, // identify response
        0x80, 0x09, b'I', b'N', b'F', b'O', b' ', b'T', b'E', b'C', b'H', // vendorName
        0x81, 0x0d, b'S', b'6', b'1', b'8', b'5', b'0', b' ', b'f', b'o', b'r', b' ', b'P',
        b'C', // modelName
        0x82, 0x05, b'0', b'.', b'0', b'.', b'1', // revision
    ];

    #[test]
    fn identify_pairs_and_reports_identity() {
        let mut s = MmsSession::new();
        let mut sink = Sink::default();
        assert_eq!(
            s.feed(Direction::ToServer, IDENTIFY_REQ, &mut sink),
            Progress::Done
        );
        assert_eq!(
            s.feed(Direction::ToClient, IDENTIFY_RES, &mut sink),
            Progress::Done
        );
        assert_eq!(sink.ops, vec![Operation::IdentityQuery]);
        let (side, f) = &sink.ids[0];
        assert_eq!(*side, Side::Server);
        assert_eq!(f.vendor.as_deref(), Some("INFO TECH"));
        assert_eq!(f.model.as_deref(), Some("S61850 for PC"));
        assert_eq!(f.firmware.as_deref(), Some("0.0.1"));
        assert_eq!(sink.records[0]["service"], "identify");
        assert_eq!(sink.records[0]["result"], "response");
    }

    #[test]
    fn probe_claims_mms_data_transfer_and_rejects_s7() {
        assert_eq!(probe(Direction::ToServer, IDENTIFY_REQ), Probe::Match);
        let s7 = [
            0x03, 0x00, 0x00, 0x0b, 0x02, 0xf0, 0x80, 0x32, 0x01, 0x00, 0x00,
        ];
        assert_eq!(probe(Direction::ToServer, &s7), Probe::NoMatch);
        assert_eq!(
            probe(Direction::ToServer, &IDENTIFY_REQ[..10]),
            Probe::NeedMore
        );
    }

    #[test]
    fn start_and_stop_are_mode_changes() {
        assert_eq!(operation_of(40), Operation::ModeChange(ModeChange::Start));
        assert_eq!(operation_of(41), Operation::ModeChange(ModeChange::Stop));
        assert_eq!(operation_of(27), Operation::ProgramDownload);
    }

    #[test]
    fn never_panics_on_truncations() {
        for pdu in [IDENTIFY_REQ, IDENTIFY_RES] {
            for n in 0..pdu.len() {
                let mut s = MmsSession::new();
                let _ = s.feed(Direction::ToServer, &pdu[..n], &mut Sink::default());
                let _ = probe(Direction::ToServer, &pdu[..n]);
            }
        }
    }
}
