// SPDX-License-Identifier: Apache-2.0
//! Per-flow OPC UA state: message framing, secure channel policy and mode,
//! plaintext detection, request/response pairing by request id, caps.
//!
//! Records are per transaction: a request is logged with its response. A
//! request still unanswered is logged (`answered: false`) when evicted by
//! the pending cap or when the owner calls [`OpcUaSession::flush`].
//! CloseSecureChannel (no response) and messages of encrypted channels
//! (their sequence header is encrypted too, so they cannot be paired) are
//! logged one line per message.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use super::codes::{
    identity_token_name, request_type_name, security_mode_name, status_code_name, ChunkType,
    MessageType, SecurityPolicy,
};
use super::record::{text, EndpointRecord, OpcUaRecord};
use super::service_gen::service_name;
use super::type_name_gen::service_type_name;
use super::wire::{self, Cursor, FrameError, Header, HEADER_LEN};
use super::{identity, semantics, PROTO};
use crate::api::{AbandonReason, Direction, ObservationSink, Progress, Session};
use crate::queue::InlineQueue;
use plantguard_model::{Operation, Side};

/// Most requests waiting for a response.
pub const MAX_PENDING: usize = 64;
/// Most endpoints copied into a record.
pub const MAX_LOGGED_ENDPOINTS: usize = 8;
/// Consecutive unparsable headers before the flow is abandoned.
const MAX_BAD_HEADERS: u32 = 8;

/// One decoded message, for tests and debugging (see [`OpcUaSession::enable_trace`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decoded {
    /// Message type.
    pub msg_type: MessageType,
    /// Chunk type.
    pub chunk: ChunkType,
    /// Secure channel id.
    pub channel_id: Option<u32>,
    /// Request id (sequence header).
    pub request_id: Option<u32>,
    /// Sequence number.
    pub sequence_number: Option<u32>,
    /// Service type id when the body was read.
    pub service_type_id: Option<u32>,
    /// Request handle when the body was read.
    pub request_handle: Option<u32>,
    /// The body was not readable (encrypted).
    pub encrypted: bool,
}

struct Pending {
    request_id: u32,
    record: Option<Box<OpcUaRecord>>,
}

/// Per-flow OPC UA binary state.
pub struct OpcUaSession {
    policy: Option<SecurityPolicy>,
    mode: Option<u32>,
    /// Requests waiting for an answer, the usual one or two inline.
    pending: InlineQueue<Pending, 2>,
    hello: Option<Box<OpcUaRecord>>,
    /// Request id whose first chunk was read, per direction (later chunks are skipped).
    chunking_to_server: Option<u32>,
    chunking_to_client: Option<u32>,
    bad_headers: u32,
    server_identity_seen: bool,
    client_identity_seen: bool,
    encrypted_messages: u64,
    trace: Option<Vec<Decoded>>,
}

impl Default for OpcUaSession {
    fn default() -> Self {
        Self::new()
    }
}

impl OpcUaSession {
    /// A fresh session.
    pub fn new() -> Self {
        Self {
            policy: None,
            mode: None,
            pending: InlineQueue::new(),
            hello: None,
            chunking_to_server: None,
            chunking_to_client: None,
            bad_headers: 0,
            server_identity_seen: false,
            client_identity_seen: false,
            encrypted_messages: 0,
            trace: None,
        }
    }

    /// Records every decoded message until [`Self::take_trace`].
    pub fn enable_trace(&mut self) {
        self.trace.get_or_insert_with(Vec::new);
    }

    /// Decoded messages since the last call.
    pub fn take_trace(&mut self) -> Vec<Decoded> {
        self.trace.as_mut().map(std::mem::take).unwrap_or_default()
    }

    /// Requests waiting for a response.
    pub fn pending_len(&self) -> usize {
        self.pending.len()
    }

    /// Messages whose body could not be read.
    pub fn encrypted_messages(&self) -> u64 {
        self.encrypted_messages
    }

    /// Security policy of the channel, once an OPN was seen.
    pub fn security_policy(&self) -> Option<SecurityPolicy> {
        self.policy
    }

    /// Logs every request still waiting for a response.
    pub fn flush(&mut self, out: &mut dyn ObservationSink) {
        for p in std::mem::take(&mut self.pending) {
            if let Some(r) = p.record {
                out.record(PROTO, &*r);
            }
        }
        if let Some(h) = self.hello.take() {
            out.record(PROTO, &*h);
        }
    }

    fn chunking(&mut self, dir: Direction) -> &mut Option<u32> {
        match dir {
            Direction::ToServer => &mut self.chunking_to_server,
            Direction::ToClient => &mut self.chunking_to_client,
        }
    }

    fn base_record(&self, msg_type: MessageType) -> Box<OpcUaRecord> {
        Box::new(OpcUaRecord {
            msg_type: msg_type.as_str(),
            security_policy: self.policy.map(SecurityPolicy::name),
            security_mode_code: self.mode,
            security_mode: self.mode.map(security_mode_name),
            ..OpcUaRecord::default()
        })
    }

    fn on_message(&mut self, dir: Direction, h: Header, msg: &[u8], out: &mut dyn ObservationSink) {
        let body = msg.get(HEADER_LEN..).unwrap_or_default();
        let mut d = Decoded {
            msg_type: h.msg_type,
            chunk: h.chunk,
            channel_id: None,
            request_id: None,
            sequence_number: None,
            service_type_id: None,
            request_handle: None,
            encrypted: false,
        };
        match h.msg_type {
            MessageType::Hello | MessageType::ReverseHello => {
                let hello = wire::parse_hello(body, h.msg_type == MessageType::Hello);
                if hello.is_some_and(|x| x.version != 0) {
                    out.anomaly(PROTO, "unexpected_protocol_version");
                }
                if dir == Direction::ToClient && h.msg_type == MessageType::Hello {
                    out.anomaly(PROTO, "hello_from_server");
                }
                out.operation(PROTO, Operation::Session);
                if out.wants_records() {
                    let mut r = self.base_record(h.msg_type);
                    if let Some(x) = hello {
                        r.version = Some(x.version);
                        r.rcv_buf_size = Some(x.receive_buffer_size);
                        r.snd_buf_size = Some(x.send_buffer_size);
                        r.max_msg_size = Some(x.max_message_size);
                        r.endpoint_url = text(x.endpoint_url);
                    }
                    if let Some(old) = self.hello.replace(r) {
                        out.record(PROTO, &*old);
                    }
                }
            }
            MessageType::Acknowledge => {
                if let Some(mut r) = self.hello.take() {
                    r.answered = true;
                    out.record(PROTO, &*r);
                }
            }
            MessageType::Error => {
                let err = wire::parse_error(body);
                out.anomaly(PROTO, "error_message");
                if out.wants_records() {
                    let mut r = self
                        .hello
                        .take()
                        .unwrap_or_else(|| self.base_record(h.msg_type));
                    r.msg_type = h.msg_type.as_str();
                    if let Some((code, reason)) = err {
                        r.error = Some(code);
                        r.status_code_name = Some(status_code_name(code));
                        r.reason = text(reason);
                    }
                    out.record(PROTO, &*r);
                }
            }
            MessageType::Open | MessageType::Close | MessageType::Message => {
                self.on_secure(dir, h, body, &mut d, out);
            }
        }
        if let Some(t) = self.trace.as_mut() {
            t.push(d);
        }
    }

    fn on_secure(
        &mut self,
        dir: Direction,
        h: Header,
        body: &[u8],
        d: &mut Decoded,
        out: &mut dyn ObservationSink,
    ) {
        let Some(sec) = wire::parse_secure(h.msg_type, body) else {
            out.anomaly(PROTO, "malformed_security_header");
            return;
        };
        d.channel_id = Some(sec.channel_id);
        let mut asym_info = None;
        if let Some(a) = sec.asymmetric {
            let policy = a
                .policy_uri
                .map_or(SecurityPolicy::Other, SecurityPolicy::from_uri);
            self.policy = Some(policy);
            asym_info = Some((
                a.sender_certificate_len >= 0,
                a.receiver_thumbprint_len >= 0,
            ));
        }
        // Symmetric encryption also hides the sequence header: only trust it when the body reads.
        let chunk = *self.chunking(dir);
        let continuation = chunk == Some(sec.request_id);
        if h.chunk == ChunkType::Abort || h.chunk == ChunkType::Final {
            *self.chunking(dir) = None;
        }
        if continuation {
            d.request_id = Some(sec.request_id);
            d.sequence_number = Some(sec.sequence_number);
            return;
        }
        let plain = self.readable(dir, h.msg_type, sec.body);
        if !plain {
            d.encrypted = true;
            self.encrypted_messages = self.encrypted_messages.saturating_add(1);
            if self.policy.is_some_and(|p| p != SecurityPolicy::None)
                && h.msg_type == MessageType::Message
            {
                self.mode.get_or_insert(3);
            }
            if dir == Direction::ToServer {
                let op = match h.msg_type {
                    MessageType::Open | MessageType::Close => Operation::Session,
                    _ => Operation::Other,
                };
                out.operation(PROTO, op);
            }
            if out.wants_records() {
                let mut r = self.base_record(h.msg_type);
                r.sec_channel_id = Some(sec.channel_id);
                r.encrypted = true;
                if let Some((cert, thumb)) = asym_info {
                    r.sender_certificate = Some(cert);
                    r.receiver_thumbprint = Some(thumb);
                }
                r.answered = dir == Direction::ToClient;
                out.record(PROTO, &*r);
            }
            return;
        }
        if self.policy.is_some_and(|p| p != SecurityPolicy::None)
            && h.msg_type == MessageType::Message
        {
            // Readable body on a channel with a policy: signed, not encrypted.
            self.mode.get_or_insert(2);
        }
        d.request_id = Some(sec.request_id);
        d.sequence_number = Some(sec.sequence_number);
        if h.chunk == ChunkType::Intermediate {
            *self.chunking(dir) = Some(sec.request_id);
        }
        let Some((type_id, rest)) = wire::parse_type_id(sec.body) else {
            return;
        };
        let Some(type_id) = type_id.ns0_numeric() else {
            out.anomaly(PROTO, "non_numeric_type_id");
            return;
        };
        d.service_type_id = Some(type_id);
        // The type id says request or response; the direction should agree.
        let is_response = is_response_type(type_id);
        if is_response != (dir == Direction::ToClient) {
            out.anomaly(PROTO, "unexpected_direction");
        }
        if is_response {
            self.on_response(h, &sec, type_id, rest, d, out);
        } else {
            self.on_request(h, &sec, type_id, rest, asym_info, d, out);
        }
    }

    /// True once an OPN with policy None was seen: bodies are plaintext.
    fn is_plain_known(&self) -> bool {
        self.policy == Some(SecurityPolicy::None)
    }

    /// Whether a body is readable: always for policy None; otherwise (and for
    /// captures without the OPN) when it starts with the type id of a known
    /// service and a well-formed request/response header.
    fn readable(&self, dir: Direction, msg_type: MessageType, body: &[u8]) -> bool {
        if self.is_plain_known() {
            return true;
        }
        if msg_type == MessageType::Open && self.policy.is_some() {
            // OPN with a policy is always asymmetrically signed and encrypted.
            return false;
        }
        let Some((id, rest)) = wire::parse_type_id(body) else {
            return false;
        };
        let Some(id) = id.ns0_numeric() else {
            return false;
        };
        if service_type_name(id).is_none() {
            return false;
        }
        let _ = dir;
        if is_response_type(id) {
            wire::parse_response_header(rest).is_some()
        } else {
            wire::parse_request_header(rest).is_some()
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn on_request(
        &mut self,
        h: Header,
        sec: &wire::Secure<'_>,
        type_id: u32,
        rest: &[u8],
        asym_info: Option<(bool, bool)>,
        d: &mut Decoded,
        out: &mut dyn ObservationSink,
    ) {
        let header = wire::parse_request_header(rest);
        d.request_handle = header.as_ref().map(|(handle, _)| *handle);
        let op = semantics::request_operation(type_id);
        out.operation(PROTO, op);
        let wants = out.wants_records();
        let mut r = wants.then(|| self.base_record(h.msg_type));
        if let Some(r) = r.as_mut() {
            r.sec_channel_id = Some(sec.channel_id);
            r.request_id = Some(sec.request_id);
            r.request_handle = d.request_handle;
            r.service_type_id = Some(type_id);
            r.service_type = service_type_name(type_id);
            r.service = service_name(type_id);
            r.operation = Some(op.name());
            if let Some((cert, thumb)) = asym_info {
                r.sender_certificate = Some(cert);
                r.receiver_thumbprint = Some(thumb);
            }
        }
        if let Some((_, c)) = header {
            self.request_body(type_id, c, r.as_deref_mut(), out);
        }
        if h.msg_type == MessageType::Close || type_id == 452 {
            if let Some(r) = r {
                out.record(PROTO, &*r);
            }
            return;
        }
        if let Some(old) = self.pending.take_first(|p| p.request_id == sec.request_id) {
            out.anomaly(PROTO, "duplicate_request_id");
            if let Some(o) = old.record {
                out.record(PROTO, &*o);
            }
        }
        if self.pending.len() >= MAX_PENDING {
            out.anomaly(PROTO, "too_many_pending");
            if let Some(old) = self.pending.pop_front() {
                if let Some(o) = old.record {
                    out.record(PROTO, &*o);
                }
            }
        }
        self.pending.push_back(Pending {
            request_id: sec.request_id,
            record: r,
        });
    }

    fn request_body(
        &mut self,
        type_id: u32,
        c: Cursor<'_>,
        r: Option<&mut OpcUaRecord>,
        out: &mut dyn ObservationSink,
    ) {
        match type_id {
            446 => {
                if let Some((request_type, mode)) = wire::parse_open_request(c) {
                    self.mode = Some(mode);
                    if let Some(r) = r {
                        r.request_type = Some(request_type_name(request_type));
                        r.security_mode_code = Some(mode);
                        r.security_mode = Some(security_mode_name(mode));
                    }
                }
            }
            461 => {
                if let Some(cs) = wire::parse_create_session_request(c) {
                    if !self.client_identity_seen {
                        if let Some(f) = identity::from_application(&cs.client) {
                            self.client_identity_seen = true;
                            out.identity(Side::Client, f);
                        }
                    }
                    if let Some(r) = r {
                        r.application_uri = text(cs.client.application_uri);
                        r.product_uri = text(cs.client.product_uri);
                        r.application_name = text(cs.client.application_name);
                        r.endpoint_url = text(cs.endpoint_url);
                        r.session_name = text(cs.session_name);
                    }
                }
            }
            467 => {
                if let Some((token, user)) = wire::parse_activate_session(c) {
                    if let Some(r) = r {
                        r.identity_token = Some(identity_token_name(token));
                        r.username = text(user);
                    }
                }
            }
            428 => {
                if let (Some(r), Some(url)) = (r, wire::parse_get_endpoints_request(c)) {
                    r.endpoint_url = text(url);
                }
            }
            673 => {
                if let (Some(r), Some((n, first))) = (r, wire::parse_write_request(c)) {
                    r.nodes_written = Some(n);
                    r.first_node_written = first.map(|n| n.to_text());
                }
            }
            712 => {
                if let (Some(r), Some((n, first))) = (r, wire::parse_call_request(c)) {
                    r.methods_called = Some(n);
                    if let Some((obj, method)) = first {
                        r.object_id = Some(obj.to_text());
                        r.method_id = Some(method.to_text());
                    }
                }
            }
            _ => {}
        }
    }

    fn on_response(
        &mut self,
        h: Header,
        sec: &wire::Secure<'_>,
        type_id: u32,
        rest: &[u8],
        d: &mut Decoded,
        out: &mut dyn ObservationSink,
    ) {
        let header = wire::parse_response_header(rest);
        d.request_handle = header.as_ref().map(|(handle, _, _)| *handle);
        let pending = self.pending.take_first(|p| p.request_id == sec.request_id);
        if pending.is_none() {
            out.anomaly(PROTO, "response_without_request");
        }
        let wants = out.wants_records();
        let mut r = if wants {
            Some(pending.and_then(|p| p.record).unwrap_or_else(|| {
                let mut r = self.base_record(h.msg_type);
                r.sec_channel_id = Some(sec.channel_id);
                r.request_id = Some(sec.request_id);
                r.request_handle = d.request_handle;
                r
            }))
        } else {
            None
        };
        if let Some(r) = r.as_mut() {
            r.answered = true;
            r.response_type_id = Some(type_id);
            if let Some((_, status, _)) = header {
                r.status_code = Some(status);
                r.status_code_name = Some(status_code_name(status));
            }
            if r.security_policy.is_none() {
                r.security_policy = self.policy.map(SecurityPolicy::name);
            }
        }
        if let Some((_, _, c)) = header {
            let endpoints = match type_id {
                464 => wire::create_session_response_endpoints(c),
                431 => Some(c),
                _ => None,
            };
            if let Some(c) = endpoints {
                self.endpoints(c, r.as_deref_mut(), out);
            }
        }
        if let Some(r) = r {
            out.record(PROTO, &*r);
        }
    }

    fn endpoints(
        &mut self,
        mut c: Cursor<'_>,
        mut r: Option<&mut OpcUaRecord>,
        out: &mut dyn ObservationSink,
    ) {
        let Some(n) = c.array_len() else { return };
        for i in 0..n {
            let Some(e) = wire::endpoint(&mut c) else {
                break;
            };
            if i == 0 {
                if !self.server_identity_seen {
                    if let Some(f) = identity::from_application(&e.server) {
                        self.server_identity_seen = true;
                        out.identity(Side::Server, f);
                    }
                }
                if let Some(r) = r.as_deref_mut() {
                    r.server_application_uri = text(e.server.application_uri);
                    r.server_product_uri = text(e.server.product_uri);
                    r.server_application_name = text(e.server.application_name);
                }
            }
            let Some(r) = r.as_deref_mut() else {
                if self.server_identity_seen {
                    break;
                }
                continue;
            };
            if r.endpoints.len() < MAX_LOGGED_ENDPOINTS {
                r.endpoints.push(EndpointRecord {
                    endpoint_url: text(e.url),
                    security_mode_code: e.security_mode,
                    security_mode: security_mode_name(e.security_mode),
                    security_policy: e
                        .policy_uri
                        .map_or("other", |u| SecurityPolicy::from_uri(u).name()),
                });
            }
        }
    }
}

impl Session for OpcUaSession {
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
            match wire::parse_header(rest) {
                Err(FrameError::Truncated(n)) => {
                    return Progress::Incomplete {
                        consumed: off,
                        needed: n,
                    }
                }
                Err(_) => {
                    out.anomaly(PROTO, "bad_message_header");
                    self.bad_headers = self.bad_headers.saturating_add(1);
                    if self.bad_headers > MAX_BAD_HEADERS {
                        return Progress::Abandon(AbandonReason::TooManyErrors);
                    }
                    match resync_offset(rest) {
                        Some(skip) => off = off.saturating_add(skip),
                        None => return Progress::Done,
                    }
                }
                Ok(h) => {
                    let size = h.size as usize;
                    let Some(msg) = rest.get(..size) else {
                        return Progress::Incomplete {
                            consumed: off,
                            needed: size.saturating_sub(rest.len()),
                        };
                    };
                    self.bad_headers = 0;
                    self.on_message(dir, h, msg, out);
                    off = off.saturating_add(size);
                }
            }
        }
    }

    fn gap(&mut self, dir: Direction, _len: u32) {
        *self.chunking(dir) = None;
    }
}

/// True for response type ids (and ServiceFault).
fn is_response_type(type_id: u32) -> bool {
    type_id == 397 || service_type_name(type_id).is_some_and(|n| n.ends_with("Response"))
}

/// Offset (≥ 1) of the next plausible message header in `buf`.
fn resync_offset(buf: &[u8]) -> Option<usize> {
    (1..buf.len()).find(|&i| {
        let rest = buf.get(i..).unwrap_or_default();
        if rest.len() < HEADER_LEN {
            // Could be the start of a header cut by the end of the input.
            return rest
                .first()
                .is_some_and(|b| matches!(b, b'H' | b'A' | b'E' | b'R' | b'O' | b'C' | b'M'));
        }
        wire::parse_header(rest).is_ok()
    })
}
