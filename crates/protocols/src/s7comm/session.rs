// SPDX-License-Identifier: Apache-2.0
//! Per-flow S7 state: TPKT framing, COTP DT reassembly, job / userdata
//! pairing by PDU reference, caps and anomalies.
//!
//! Records are per transaction: a request is logged with its response. A
//! request still unanswered is logged (with `answered: false`) when it is
//! evicted by the pending cap, when a new request reuses its PDU reference,
//! or when the owner calls [`S7Session::flush`] before dropping the session.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use super::codes::{
    CotpType, JobFunction, PiService, PlusOpcode, Rosctr, UserdataGroup, UserdataKind,
};
use super::record::{self, CotpRecord, ItemRecord, S7PlusRecord};
use super::wire::{
    self, parse_cotp, parse_tpkt_header, BlockName, Cotp, FrameError, S7Pdu, S7Tsap, Setup,
    TPKT_HEADER_LEN,
};
use super::{identity, semantics, PROTO, PROTO_PLUS};
use crate::api::{AbandonReason, Direction, ObservationSink, Progress, Session};
use crate::queue::InlineQueue;
use plantguard_model::{Operation, Side};

/// Most requests waiting for a response; the oldest is logged unanswered beyond it.
pub const MAX_PENDING: usize = 64;
/// Most Read/Write Var items copied into a record.
pub const MAX_LOGGED_ITEMS: usize = 8;
/// Largest S7 PDU reassembled from COTP DT fragments (S7 PDUs are at most 960
/// bytes; S7comm-plus downloads reach a few KiB).
pub const MAX_TSDU: usize = 64 * 1024;
/// Consecutive unparsable TPKT headers before the flow is abandoned.
const MAX_BAD_FRAMES: u32 = 16;

/// A block file name kept inline (no allocation).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ShortName {
    buf: [u8; 24],
    len: u8,
}

impl ShortName {
    /// Copies up to 24 bytes of `name`.
    pub fn new(name: &[u8]) -> Self {
        let mut s = Self::default();
        for (dst, src) in s.buf.iter_mut().zip(name) {
            *dst = *src;
            s.len = s.len.saturating_add(1);
        }
        s
    }
    /// The stored bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.buf.get(..usize::from(self.len)).unwrap_or(&[])
    }
}

/// What a request said, kept until its response arrives (fixed size, no heap).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestInfo {
    /// ROSCTR (job or userdata).
    pub rosctr: Rosctr,
    /// PDU reference.
    pub pdu_ref: u16,
    /// Job function, or the userdata type/group byte.
    pub function: u8,
    /// Function (or userdata group) name.
    pub function_name: &'static str,
    /// Userdata group.
    pub group: Option<UserdataGroup>,
    /// Userdata subfunction.
    pub subfunction: Option<u8>,
    /// Operation reported for the request.
    pub op: Operation,
    /// Read/Write Var item count.
    pub item_count: Option<u8>,
    /// Read SZL id and index.
    pub szl: Option<(u16, u16)>,
    /// Block file name.
    pub filename: Option<ShortName>,
    /// Block named by the file name or the PI parameter block.
    pub block: Option<BlockName>,
    /// Up/download session id.
    pub session_id: Option<u32>,
    /// PI service.
    pub pi: Option<PiService>,
    /// Setup Communication parameters.
    pub setup: Option<Setup>,
    /// Security group request carrying a password.
    pub password_supplied: bool,
    /// Userdata follow-up request asking for the next fragment of a response.
    pub continuation: bool,
}

impl RequestInfo {
    fn new(rosctr: Rosctr, pdu_ref: u16, function: u8, function_name: &'static str) -> Self {
        Self {
            rosctr,
            pdu_ref,
            function,
            function_name,
            group: None,
            subfunction: None,
            op: Operation::Other,
            item_count: None,
            szl: None,
            filename: None,
            block: None,
            session_id: None,
            pi: None,
            setup: None,
            password_supplied: false,
            continuation: false,
        }
    }
}

/// What a response said.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResponseInfo {
    /// ROSCTR (ack, ack-data or userdata).
    pub rosctr: Rosctr,
    /// PDU reference.
    pub pdu_ref: u16,
    /// Function (or userdata type/group byte).
    pub function: u8,
    /// Function name.
    pub function_name: &'static str,
    /// Header error class.
    pub error_class: Option<u8>,
    /// Header error code.
    pub error_code: Option<u8>,
    /// Userdata parameter error code.
    pub userdata_error: Option<u16>,
    /// First data item return code.
    pub return_code: Option<u8>,
    /// Negotiated Setup Communication parameters.
    pub setup: Option<Setup>,
    /// Upload session id.
    pub session_id: Option<u32>,
    /// Start Upload block length.
    pub block_length: Option<u32>,
    /// Read SZL id and index.
    pub szl: Option<(u16, u16)>,
}

struct Pending {
    info: RequestInfo,
    /// Filled only when records are wanted.
    items: Vec<ItemRecord>,
}

/// One decoded PDU, for tests and debugging (see [`S7Session::enable_trace`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decoded {
    /// A COTP TPDU.
    Cotp {
        /// TPDU type.
        kind: CotpType,
    },
    /// An S7comm PDU.
    S7 {
        /// ROSCTR byte.
        rosctr: u8,
        /// PDU reference.
        pdu_ref: u16,
        /// Job / ack-data function.
        function: Option<u8>,
        /// Userdata function group.
        group: Option<u8>,
        /// Userdata subfunction.
        subfunction: Option<u8>,
        /// SZL id (Read SZL requests and first response fragments).
        szl_id: Option<u16>,
        /// Userdata follow-up request (long parameter form) or the response to one:
        /// a continuation fragment without its own SZL header.
        continuation: bool,
    },
    /// An S7comm-plus PDU.
    Plus {
        /// Version byte.
        version: u8,
        /// Opcode.
        opcode: Option<u8>,
        /// Function code.
        function: Option<u16>,
    },
}

#[derive(Default)]
struct Reassembly {
    buf: Vec<u8>,
    /// After a gap or an oversize TSDU: drop DT fragments until the next EOT.
    discarding: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// No DT payload seen yet.
    Unknown,
    /// Classic S7comm.
    S7,
    /// S7comm-plus.
    Plus,
}

/// Per-flow S7comm / S7comm-plus state.
pub struct S7Session {
    to_server: Reassembly,
    to_client: Reassembly,
    /// Requests waiting for an answer, the usual one or two inline.
    pending: InlineQueue<Pending, 2>,
    mode: Mode,
    bad_frames: u32,
    encrypted: bool,
    plus_identity_seen: bool,
    trace: Option<Vec<Decoded>>,
}

impl Default for S7Session {
    fn default() -> Self {
        Self::new()
    }
}

impl S7Session {
    /// A fresh session.
    pub fn new() -> Self {
        Self {
            to_server: Reassembly::default(),
            to_client: Reassembly::default(),
            pending: InlineQueue::new(),
            mode: Mode::Unknown,
            bad_frames: 0,
            encrypted: false,
            plus_identity_seen: false,
            trace: None,
        }
    }

    /// Records every decoded PDU until [`Self::take_trace`] (tests, debugging).
    pub fn enable_trace(&mut self) {
        self.trace.get_or_insert_with(Vec::new);
    }

    /// Decoded PDUs since the last call.
    pub fn take_trace(&mut self) -> Vec<Decoded> {
        self.trace.as_mut().map(std::mem::take).unwrap_or_default()
    }

    /// Requests waiting for a response.
    pub fn pending_len(&self) -> usize {
        self.pending.len()
    }

    /// Logs every request still waiting for a response (`answered: false`).
    /// Call before dropping the session when records are wanted.
    pub fn flush(&mut self, out: &mut dyn ObservationSink) {
        for p in std::mem::take(&mut self.pending) {
            emit_unanswered(&p, out);
        }
    }

    fn trace(&mut self, d: Decoded) {
        if let Some(t) = self.trace.as_mut() {
            t.push(d);
        }
    }

    fn reasm(&mut self, dir: Direction) -> &mut Reassembly {
        match dir {
            Direction::ToServer => &mut self.to_server,
            Direction::ToClient => &mut self.to_client,
        }
    }

    fn on_tpkt(
        &mut self,
        dir: Direction,
        cotp: &[u8],
        out: &mut dyn ObservationSink,
    ) -> Option<AbandonReason> {
        // The common case first: a DT TPDU (length indicator 2, code 0xF0,
        // then EOT and number) carrying S7; `parse_cotp` reads it the same.
        if let [2, 0xF0, nr, payload @ ..] = cotp {
            self.trace(Decoded::Cotp {
                kind: CotpType::Data,
            });
            return self.on_dt(dir, nr & 0x80 != 0, payload, out);
        }
        let cotp = match parse_cotp(cotp) {
            Ok(c) => c,
            Err(_) => {
                out.anomaly(PROTO, "malformed_cotp");
                return None;
            }
        };
        self.trace(Decoded::Cotp { kind: cotp.kind() });
        match cotp {
            Cotp::Data { eot, payload, .. } => return self.on_dt(dir, eot, payload, out),
            Cotp::Connect(kind, c) => {
                if out.wants_records() {
                    let tsap = c.called_tsap.and_then(S7Tsap::parse);
                    let rec = CotpRecord {
                        is_orig: dir == Direction::ToServer,
                        pdu_code: kind.value(),
                        pdu_name: kind.name(),
                        calling_tsap: c.calling_tsap.map(record::tsap_text),
                        called_tsap: c.called_tsap.map(record::tsap_text),
                        connection_type: tsap.map(|t| t.connection_type_name()),
                        rack: tsap.map(|t| t.rack),
                        slot: tsap.map(|t| t.slot),
                        tpdu_size: c.tpdu_size.and_then(|s| 1u32.checked_shl(u32::from(s))),
                        reason: None,
                    };
                    out.record("cotp", &rec);
                }
            }
            Cotp::Disconnect { reason, .. } => {
                self.cotp_simple(dir, CotpType::DisconnectRequest, Some(reason), out)
            }
            Cotp::Error { cause } => {
                out.anomaly(PROTO, "cotp_tpdu_error");
                self.cotp_simple(dir, CotpType::Error, Some(cause), out);
            }
            Cotp::Other(kind) => {
                if matches!(kind, CotpType::DisconnectConfirm) {
                    self.cotp_simple(dir, kind, None, out);
                }
            }
        }
        None
    }

    fn cotp_simple(
        &mut self,
        dir: Direction,
        kind: CotpType,
        reason: Option<u8>,
        out: &mut dyn ObservationSink,
    ) {
        if out.wants_records() {
            let rec = CotpRecord {
                is_orig: dir == Direction::ToServer,
                pdu_code: kind.value(),
                pdu_name: kind.name(),
                calling_tsap: None,
                called_tsap: None,
                connection_type: None,
                rack: None,
                slot: None,
                tpdu_size: None,
                reason,
            };
            out.record("cotp", &rec);
        }
    }

    fn on_dt(
        &mut self,
        dir: Direction,
        eot: bool,
        payload: &[u8],
        out: &mut dyn ObservationSink,
    ) -> Option<AbandonReason> {
        let r = self.reasm(dir);
        if r.discarding {
            if r.buf.is_empty() && eot && looks_like_pdu_start(payload) {
                // A complete single-DT PDU right after the gap: resynchronised.
                r.discarding = false;
            } else {
                if eot {
                    r.discarding = false;
                }
                return None;
            }
        }
        if r.buf.is_empty() && eot {
            return self.on_tsdu(dir, payload, out);
        }
        if r.buf.len().saturating_add(payload.len()) > MAX_TSDU {
            r.buf.clear();
            r.discarding = !eot;
            out.anomaly(PROTO, "tsdu_too_large");
            return None;
        }
        r.buf.extend_from_slice(payload);
        if !eot {
            return None;
        }
        let mut buf = std::mem::take(&mut r.buf);
        let res = self.on_tsdu(dir, &buf, out);
        buf.clear();
        self.reasm(dir).buf = buf; // keep the capacity for the next fragmented PDU
        res
    }

    fn on_tsdu(
        &mut self,
        dir: Direction,
        payload: &[u8],
        out: &mut dyn ObservationSink,
    ) -> Option<AbandonReason> {
        match payload.first() {
            None => None,
            Some(0x32) => {
                self.mode = Mode::S7;
                self.on_s7(dir, payload, out);
                None
            }
            Some(0x72) => {
                self.mode = Mode::Plus;
                self.on_plus(dir, payload, out);
                None
            }
            Some(first) => match self.mode {
                // MMS / ICCP (ISO session SPDUs) or anything else over COTP: not ours.
                Mode::Unknown => Some(AbandonReason::NotThisProtocol),
                Mode::Plus if matches!(first, 0x14..=0x17) => {
                    // TLS records inside COTP after S7comm-plus InitSsl (V3 with TLS).
                    if !self.encrypted {
                        self.encrypted = true;
                        out.anomaly(PROTO_PLUS, "tls_encrypted");
                    }
                    None
                }
                _ => {
                    out.anomaly(PROTO, "unknown_tsdu");
                    None
                }
            },
        }
    }

    fn on_s7(&mut self, dir: Direction, payload: &[u8], out: &mut dyn ObservationSink) {
        let pdu = match wire::parse_s7(payload) {
            Ok(p) => p,
            Err(_) => {
                out.anomaly(PROTO, "malformed_s7_pdu");
                return;
            }
        };
        match pdu.header.rosctr {
            Rosctr::Job => self.on_job(dir, &pdu, out),
            Rosctr::Ack | Rosctr::AckData => self.on_ack(dir, &pdu, out),
            Rosctr::Userdata => self.on_userdata(dir, &pdu, out),
            Rosctr::Unknown(v) => {
                self.trace(Decoded::S7 {
                    rosctr: v,
                    pdu_ref: pdu.header.pdu_ref,
                    function: None,
                    group: None,
                    subfunction: None,
                    szl_id: None,
                    continuation: false,
                });
                out.anomaly(PROTO, "unknown_rosctr");
            }
        }
    }

    fn on_job(&mut self, dir: Direction, pdu: &S7Pdu<'_>, out: &mut dyn ObservationSink) {
        if dir == Direction::ToClient {
            out.anomaly(PROTO, "job_from_server");
        }
        let params = pdu.params;
        let Some(func) = wire::job_function(params) else {
            out.anomaly(PROTO, "empty_parameters");
            return;
        };
        self.trace(Decoded::S7 {
            rosctr: 1,
            pdu_ref: pdu.header.pdu_ref,
            function: Some(func.value()),
            group: None,
            subfunction: None,
            szl_id: None,
            continuation: false,
        });
        let mut info = RequestInfo::new(Rosctr::Job, pdu.header.pdu_ref, func.value(), func.name());
        let mut items = Vec::new();
        match func {
            JobFunction::SetupCommunication => info.setup = wire::parse_setup(params),
            JobFunction::ReadVar | JobFunction::WriteVar => {
                if let Some((count, iter)) = wire::var_items(params) {
                    info.item_count = Some(count);
                    if out.wants_records() {
                        items.extend(iter.take(MAX_LOGGED_ITEMS).map(ItemRecord::from));
                    }
                }
            }
            f if f.is_block_transfer() => {
                if let Some(bc) = wire::parse_block_control(params) {
                    info.session_id = Some(bc.session_id);
                    if let Some(name) = bc.filename {
                        info.filename = Some(ShortName::new(name));
                        info.block = wire::parse_block_name(name);
                    }
                }
            }
            JobFunction::PiService => {
                if let Some(pi) = wire::parse_pi_job(params) {
                    let svc = PiService::from_name(pi.service);
                    info.pi = Some(svc);
                    if matches!(
                        svc,
                        PiService::Insert | PiService::Insert2 | PiService::Delete
                    ) {
                        info.block = wire::pi_first_block(pi.parameter_block);
                    }
                } else {
                    out.anomaly(PROTO, "malformed_pi_service");
                }
            }
            JobFunction::PlcStop => {
                info.pi = wire::parse_plc_stop(params).map(PiService::from_name);
            }
            _ => {}
        }
        info.op = semantics::job_operation(func, info.pi);
        out.operation(PROTO, info.op);
        self.push_pending(Pending { info, items }, out);
    }

    fn on_ack(&mut self, dir: Direction, pdu: &S7Pdu<'_>, out: &mut dyn ObservationSink) {
        if dir == Direction::ToServer {
            out.anomaly(PROTO, "ack_from_client");
        }
        let h = pdu.header;
        let req = self.take_pending(Rosctr::Job, h.pdu_ref);
        let func = wire::job_function(pdu.params)
            .or_else(|| req.as_ref().map(|p| JobFunction::from_u8(p.info.function)));
        if self.trace.is_some() {
            self.trace(Decoded::S7 {
                rosctr: h.rosctr.value(),
                pdu_ref: h.pdu_ref,
                function: wire::job_function(pdu.params).map(JobFunction::value),
                group: None,
                subfunction: None,
                szl_id: None,
                continuation: false,
            });
        }
        let func = func.unwrap_or(JobFunction::Unknown(0));
        if let Some(p) = req.as_ref() {
            if p.info.function != func.value() {
                out.anomaly(PROTO, "function_mismatch");
            }
        } else {
            out.anomaly(PROTO, "response_without_request");
        }
        if !out.wants_records() {
            return;
        }
        let mut resp = ResponseInfo {
            rosctr: h.rosctr,
            pdu_ref: h.pdu_ref,
            function: func.value(),
            function_name: func.name(),
            error_class: h.error_class,
            error_code: h.error_code,
            userdata_error: None,
            return_code: None,
            setup: None,
            session_id: None,
            block_length: None,
            szl: None,
        };
        match func {
            JobFunction::SetupCommunication => resp.setup = wire::parse_setup(pdu.params),
            JobFunction::ReadVar | JobFunction::WriteVar => {
                resp.return_code = wire::first_return_code(pdu.data);
            }
            JobFunction::StartUpload => {
                resp.session_id = wire::parse_block_control(pdu.params).map(|b| b.session_id);
                resp.block_length = wire::parse_upload_block_length(pdu.params);
            }
            _ => {}
        }
        let rec = record::build(
            req.as_ref().map(|p| (&p.info, p.items.as_slice())),
            Some(&resp),
        );
        out.record(PROTO, &rec);
    }

    fn on_userdata(&mut self, dir: Direction, pdu: &S7Pdu<'_>, out: &mut dyn ObservationSink) {
        let h = pdu.header;
        let Some(up) = wire::parse_userdata_params(pdu.params) else {
            out.anomaly(PROTO, "malformed_userdata");
            return;
        };
        let data = wire::parse_userdata_data(pdu.data);
        let is_szl = up.group == UserdataGroup::CpuFunctions && up.subfunction == 0x01;
        match up.kind {
            UserdataKind::Request => {
                if dir == Direction::ToClient {
                    out.anomaly(PROTO, "request_from_server");
                }
                // Follow-up requests for the next fragment carry no SZL id (return code 0x0A, empty payload).
                let szl = if is_szl {
                    data.filter(|d| d.return_code == 0xFF)
                        .and_then(|d| wire::parse_szl_id_index(d.payload))
                } else {
                    None
                };
                // Requests use the short parameter form; the long form (with a
                // data unit reference) asks for the next fragment of a response.
                let continuation = up.data_unit_ref.is_some();
                self.trace_userdata(&up, h.pdu_ref, szl, continuation);
                let mut info =
                    RequestInfo::new(Rosctr::Userdata, h.pdu_ref, up.type_group, up.group.name());
                info.group = Some(up.group);
                info.subfunction = Some(up.subfunction);
                info.szl = szl;
                info.continuation = continuation;
                info.password_supplied = up.group == UserdataGroup::Security
                    && up.subfunction == 0x01
                    && data.is_some_and(|d| !d.payload.is_empty());
                info.op = semantics::userdata_operation(
                    up.kind,
                    up.group,
                    up.subfunction,
                    szl.map(|s| s.0),
                );
                out.operation(PROTO, info.op);
                self.push_pending(
                    Pending {
                        info,
                        items: Vec::new(),
                    },
                    out,
                );
            }
            UserdataKind::Response => {
                if dir == Direction::ToServer {
                    out.anomaly(PROTO, "response_from_client");
                }
                let req = self.take_pending(Rosctr::Userdata, h.pdu_ref);
                if req.is_none() {
                    out.anomaly(PROTO, "response_without_request");
                }
                let req_szl = req.as_ref().map(|p| p.info.szl);
                let continuation = req.as_ref().is_some_and(|p| p.info.continuation);
                let mut szl_pair = None;
                if is_szl {
                    if let Some(d) = data.filter(|d| d.return_code == 0xFF) {
                        if let Some(s) = wire::parse_szl_response(d.payload) {
                            // Only a first fragment starts with the SZL header: it repeats
                            // the requested id (a follow-up request has none).
                            let first = match req_szl {
                                Some(Some((id, _))) => id == s.id,
                                Some(None) => false,
                                None => s.record_len > 0 && s.record_len <= 1024,
                            };
                            if first {
                                szl_pair = Some((s.id, s.index));
                                if let Some(fact) = identity::from_szl(&s) {
                                    out.identity(dir.sender(), fact);
                                }
                            }
                        }
                    }
                }
                self.trace_userdata(&up, h.pdu_ref, szl_pair, continuation);
                if out.wants_records() {
                    let resp = ResponseInfo {
                        rosctr: Rosctr::Userdata,
                        pdu_ref: h.pdu_ref,
                        function: up.type_group,
                        function_name: up.group.name(),
                        error_class: None,
                        error_code: None,
                        userdata_error: up.error_code,
                        return_code: data.map(|d| d.return_code),
                        setup: None,
                        session_id: None,
                        block_length: None,
                        szl: szl_pair,
                    };
                    let rec = record::build(
                        req.as_ref().map(|p| (&p.info, p.items.as_slice())),
                        Some(&resp),
                    );
                    out.record(PROTO, &rec);
                }
            }
            UserdataKind::Push | UserdataKind::Unknown(_) => {
                self.trace_userdata(&up, h.pdu_ref, None, false);
                let op = semantics::userdata_operation(up.kind, up.group, up.subfunction, None);
                out.operation(PROTO, op);
                if out.wants_records() {
                    let mut info = RequestInfo::new(
                        Rosctr::Userdata,
                        h.pdu_ref,
                        up.type_group,
                        up.group.name(),
                    );
                    info.group = Some(up.group);
                    info.subfunction = Some(up.subfunction);
                    info.op = op;
                    let rec = record::build(Some((&info, &[])), None);
                    out.record(PROTO, &rec);
                }
            }
        }
    }

    fn trace_userdata(
        &mut self,
        up: &wire::UserdataParams,
        pdu_ref: u16,
        szl: Option<(u16, u16)>,
        continuation: bool,
    ) {
        self.trace(Decoded::S7 {
            rosctr: 7,
            pdu_ref,
            function: None,
            group: Some(up.group.value()),
            subfunction: Some(up.subfunction),
            szl_id: szl.map(|s| s.0),
            continuation,
        });
    }

    fn on_plus(&mut self, dir: Direction, payload: &[u8], out: &mut dyn ObservationSink) {
        let Some(h) = wire::parse_plus(payload) else {
            out.anomaly(PROTO_PLUS, "malformed_s7comm_plus");
            return;
        };
        self.trace(Decoded::Plus {
            version: h.version,
            opcode: h.opcode.map(PlusOpcode::value),
            function: h.function,
        });
        match h.opcode {
            Some(PlusOpcode::Request) => {
                out.operation(PROTO_PLUS, semantics::plus_operation(h.function))
            }
            Some(PlusOpcode::Notification) => out.operation(PROTO_PLUS, Operation::Other),
            Some(PlusOpcode::Response | PlusOpcode::Response2)
                if h.function == Some(0x04CA)
                    && dir == Direction::ToClient
                    && !self.plus_identity_seen =>
            {
                if let Some(fact) = identity::from_plus_payload(payload) {
                    self.plus_identity_seen = true;
                    out.identity(Side::Server, fact);
                }
            }
            _ => {}
        }
        if out.wants_records() {
            let rec = S7PlusRecord {
                is_orig: dir == Direction::ToServer,
                version: h.version,
                opcode: h.opcode.map(PlusOpcode::value),
                opcode_name: h.opcode.map(PlusOpcode::name),
                function_code: h.function,
                function_name: h.function.map(super::codes::plus_function_name),
                sequence_number: h.sequence,
            };
            out.record("s7comm_plus", &rec);
        }
    }

    fn take_pending(&mut self, rosctr: Rosctr, pdu_ref: u16) -> Option<Pending> {
        self.pending
            .take_first(|p| p.info.rosctr == rosctr && p.info.pdu_ref == pdu_ref)
    }

    fn push_pending(&mut self, p: Pending, out: &mut dyn ObservationSink) {
        if let Some(old) = self.take_pending(p.info.rosctr, p.info.pdu_ref) {
            out.anomaly(PROTO, "duplicate_pdu_reference");
            emit_unanswered(&old, out);
        }
        if self.pending.len() >= MAX_PENDING {
            out.anomaly(PROTO, "too_many_pending");
            if let Some(old) = self.pending.pop_front() {
                emit_unanswered(&old, out);
            }
        }
        self.pending.push_back(p);
    }
}

fn emit_unanswered(p: &Pending, out: &mut dyn ObservationSink) {
    if out.wants_records() {
        let rec = record::build(Some((&p.info, p.items.as_slice())), None);
        out.record(PROTO, &rec);
    }
}

/// True when a DT payload is the start of an S7 or S7comm-plus PDU.
fn looks_like_pdu_start(payload: &[u8]) -> bool {
    match payload.first() {
        Some(0x32) => wire::parse_s7(payload).is_ok_and(|p| {
            let hdr: usize = if p.header.rosctr.has_error_fields() {
                12
            } else {
                10
            };
            hdr.checked_add(usize::from(p.header.param_len))
                .and_then(|n| n.checked_add(usize::from(p.header.data_len)))
                == Some(payload.len())
        }),
        Some(0x72) => matches!(payload.get(1), Some(1 | 2 | 3 | 0xFE)),
        _ => false,
    }
}

/// Offset (≥ 1) of the next plausible TPKT header in `buf`, if any.
fn resync_offset(buf: &[u8]) -> Option<usize> {
    (1..buf.len()).find(|&i| {
        let Some(rest) = buf.get(i..) else {
            return false;
        };
        match (rest.first(), rest.get(1), rest.get(4), rest.get(5)) {
            (Some(3), Some(0), Some(&li), Some(&code)) => {
                parse_tpkt_header(rest).is_ok_and(|len| usize::from(li).saturating_add(5) <= len)
                    && !matches!(CotpType::from_u8(code >> 4), CotpType::Unknown(_))
            }
            (Some(3), Some(0), _, _) | (Some(3), None, _, _) => rest.len() < 6,
            _ => false,
        }
    })
}

impl Session for S7Session {
    fn finish(&mut self, out: &mut dyn ObservationSink) {
        self.flush(out);
    }

    fn feed(&mut self, dir: Direction, input: &[u8], out: &mut dyn ObservationSink) -> Progress {
        let mut off = 0usize;
        loop {
            let rest = input.get(off..).unwrap_or_default();
            if rest.is_empty() {
                return Progress::Done;
            }
            match parse_tpkt_header(rest) {
                Err(FrameError::Truncated(n)) => {
                    return Progress::Incomplete {
                        consumed: off,
                        needed: n,
                    }
                }
                Err(_) => {
                    out.anomaly(PROTO, "bad_tpkt_header");
                    self.bad_frames = self.bad_frames.saturating_add(1);
                    if self.bad_frames > MAX_BAD_FRAMES {
                        return Progress::Abandon(AbandonReason::TooManyErrors);
                    }
                    match resync_offset(rest) {
                        Some(skip) => off = off.saturating_add(skip),
                        None => return Progress::Done,
                    }
                }
                Ok(len) => {
                    let Some(frame) = rest.get(..len) else {
                        return Progress::Incomplete {
                            consumed: off,
                            needed: len.saturating_sub(rest.len()),
                        };
                    };
                    self.bad_frames = 0;
                    let cotp = frame.get(TPKT_HEADER_LEN..).unwrap_or_default();
                    if let Some(reason) = self.on_tpkt(dir, cotp, out) {
                        return Progress::Abandon(reason);
                    }
                    off = off.saturating_add(len);
                }
            }
        }
    }

    fn gap(&mut self, dir: Direction, _len: u32) {
        let r = self.reasm(dir);
        r.buf.clear();
        r.discarding = true;
    }
}
