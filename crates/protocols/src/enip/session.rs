// SPDX-License-Identifier: Apache-2.0
//! Per-flow EtherNet/IP state: encapsulation framing, CIP request/response
//! pairing, Unconnected Send and Multiple Service Packet unwrapping, and
//! implicit I/O counters.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use super::class_gen::cip_class_name;
use super::codes::{class, encap_status_name, general_status_name, item, service, Command};
use super::device_type_gen::cip_device_type_name;
use super::record::{CipIdentityRecord, CipIoRecord, CipRecord, Data, EnipRecord};
use super::vendor_gen::cip_vendor_name;
use super::wire::{
    cpf_items, encap_data, multiple_services, parse_cip, parse_encap_header, parse_forward_close,
    parse_forward_open, parse_forward_open_reply, parse_identity_item, parse_io,
    parse_unconnected_send, send_data_items, CipMessage, CipPath, EncapError, EncapHeader,
    ENCAP_HEADER_LEN,
};
use super::{identity, semantics, NAME};
use crate::api::{AbandonReason, Direction, ObservationSink, Progress, Session};
use crate::queue::InlineQueue;
use plantguard_model::Operation;

/// Most CIP requests kept waiting for a response.
pub const MAX_PENDING: usize = 64;
/// Most implicit I/O connections counted per flow.
pub const MAX_IO_CONNECTIONS: usize = 64;
/// Most services unwrapped from one Multiple Service Packet.
pub const MAX_MULTIPLE_SERVICES: u16 = 256;
/// Consecutive bad encapsulation headers tolerated before abandoning the flow.
pub const MAX_CONSECUTIVE_ERRORS: u8 = 4;
/// Nesting depth of Unconnected Send / Multiple Service Packet unwrapped.
const MAX_DEPTH: u8 = 4;

/// How a response finds its request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PairKey {
    /// Unconnected messaging (SendRRData): the encapsulation sender context.
    Context(u64),
    /// Connected messaging (SendUnitData): the CIP sequence count. The two
    /// directions use different connection ids (O->T and T->O), so the
    /// sequence count, echoed by the target, is what ties them.
    Sequence(u16),
}

/// A CIP request waiting for its response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PendingCip {
    /// Pairing key.
    pub key: PairKey,
    /// Service code.
    pub service: u8,
    /// Class id of the request path.
    pub class: Option<u32>,
    /// Instance id.
    pub instance: Option<u32>,
    /// Attribute id.
    pub attribute: Option<u32>,
    /// Symbolic (tag) path.
    pub symbolic: bool,
}

/// Per-connection implicit I/O counter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IoCounter {
    /// Connection id.
    pub connection_id: u32,
    /// Sent by the flow originator.
    pub is_orig: bool,
    /// First sequence number.
    pub first_sequence: u32,
    /// Last sequence number.
    pub last_sequence: u32,
    /// Packets.
    pub packets: u64,
    /// Data bytes.
    pub bytes: u64,
}

/// EtherNet/IP per-flow state (TCP or UDP 44818 encapsulation, UDP 2222 I/O).
///
/// Logs are per message (`enip.log`, `cip.log`, `cip_identity.log`), so
/// nothing waits for a response before being logged; a response carries the
/// path of its request when they pair. `cip_io.log` summaries are emitted by
/// [`EnipSession::flush`].
#[derive(Debug, Default)]
pub struct EnipSession {
    /// Requests waiting for an answer, the usual one or two inline.
    pending: InlineQueue<PendingCip, 2>,
    io: Vec<IoCounter>,
    resync: [bool; 2],
    consecutive_errors: u8,
}

const fn dir_index(dir: Direction) -> usize {
    match dir {
        Direction::ToServer => 0,
        Direction::ToClient => 1,
    }
}

/// Context of one CIP message inside an encapsulation message.
#[derive(Clone, Copy)]
struct Ctx {
    is_orig: bool,
    key: PairKey,
    sequence: Option<u16>,
    via: Option<u8>,
    pair: bool,
    depth: u8,
}

fn hex_context(ctx: u64) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(16);
    for b in ctx.to_le_bytes() {
        let _ = write!(s, "{b:02x}");
    }
    s
}

fn tag_name(path: &CipPath<'_>) -> Option<Data> {
    if !path.symbolic {
        return None;
    }
    let mut name = Vec::new();
    for (i, sym) in path.symbols().enumerate() {
        if i > 0 {
            name.push(b'.');
        }
        name.extend_from_slice(sym);
    }
    Some(Data(name))
}

/// True when the header could start an encapsulation message.
pub(crate) fn header_is_plausible(h: &EncapHeader) -> bool {
    !matches!(Command::from_u16(h.command), Command::Unknown(_)) && h.options == 0
}

impl EnipSession {
    /// A new session.
    pub fn new() -> Self {
        Self {
            pending: InlineQueue::new(),
            ..Self::default()
        }
    }

    /// CIP requests still waiting for a response, oldest first.
    pub fn pending(&self) -> impl Iterator<Item = &PendingCip> {
        self.pending.iter()
    }

    /// Implicit I/O counters, one per connection id and direction.
    pub fn io_counters(&self) -> &[IoCounter] {
        &self.io
    }

    /// Emits one `cip_io` record per counted I/O connection and forgets
    /// pending requests. Call when the flow ends.
    pub fn flush(&mut self, out: &mut dyn ObservationSink) {
        let wants = out.wants_records();
        for c in self.io.drain(..) {
            if wants {
                out.record(
                    "cip_io",
                    &CipIoRecord {
                        is_orig: c.is_orig,
                        connection_id: c.connection_id,
                        first_sequence_number: c.first_sequence,
                        sequence_number: c.last_sequence,
                        packets: c.packets,
                        data_bytes: c.bytes,
                    },
                );
            }
        }
        self.pending.clear();
    }

    fn on_io(
        &mut self,
        dir: Direction,
        conn: u32,
        seq: u32,
        len: usize,
        out: &mut dyn ObservationSink,
    ) {
        let is_orig = dir == Direction::ToServer;
        let bytes = u64::try_from(len).unwrap_or(u64::MAX);
        if let Some(c) = self
            .io
            .iter_mut()
            .find(|c| c.connection_id == conn && c.is_orig == is_orig)
        {
            c.last_sequence = seq;
            c.packets = c.packets.saturating_add(1);
            c.bytes = c.bytes.saturating_add(bytes);
        } else if self.io.len() < MAX_IO_CONNECTIONS {
            self.io.push(IoCounter {
                connection_id: conn,
                is_orig,
                first_sequence: seq,
                last_sequence: seq,
                packets: 1,
                bytes,
            });
        } else {
            out.anomaly(NAME, "too_many_io_connections");
        }
    }

    fn on_message(
        &mut self,
        dir: Direction,
        h: &EncapHeader,
        data: &[u8],
        out: &mut dyn ObservationSink,
    ) {
        let is_orig = dir == Direction::ToServer;
        let command = Command::from_u16(h.command);
        if out.wants_records() {
            out.record(
                "enip",
                &EnipRecord {
                    is_orig,
                    enip_command_code: h.command,
                    enip_command: command.name(),
                    length: h.length,
                    session_handle: h.session_handle,
                    enip_status_code: h.status,
                    enip_status: encap_status_name(h.status),
                    sender_context: hex_context(h.sender_context),
                    options: h.options,
                },
            );
        }
        match command {
            Command::ListIdentity | Command::ListServices | Command::ListInterfaces => {
                // Requests carry no data; replies (unicast, or broadcast
                // replies over UDP that may open their own flow) carry items.
                if data.is_empty() {
                    out.operation(NAME, Operation::IdentityQuery);
                } else if command == Command::ListIdentity {
                    self.on_list_identity(dir, data, out);
                }
            }
            Command::RegisterSession | Command::UnRegisterSession => {
                if is_orig {
                    out.operation(NAME, Operation::Session);
                }
            }
            Command::SendRrData | Command::SendUnitData => {
                self.on_send_data(is_orig, h, data, command == Command::SendUnitData, out);
            }
            Command::Nop | Command::IndicateStatus | Command::Cancel => {
                if let Some(op) = semantics::command_operation(command) {
                    out.operation(NAME, op);
                }
            }
            Command::Unknown(_) => out.anomaly(NAME, "unknown_command"),
        }
    }

    fn on_list_identity(&mut self, dir: Direction, data: &[u8], out: &mut dyn ObservationSink) {
        let Some(items) = cpf_items(data) else {
            out.anomaly(NAME, "malformed_list_identity");
            return;
        };
        for (type_id, body) in items {
            if type_id != item::CIP_IDENTITY {
                continue;
            }
            let Some(id) = parse_identity_item(body) else {
                out.anomaly(NAME, "malformed_identity_item");
                continue;
            };
            out.identity(dir.sender(), identity::fact(&id));
            if out.wants_records() {
                let [a, b, c, d] = id.socket_address;
                out.record(
                    "cip_identity",
                    &CipIdentityRecord {
                        is_orig: dir == Direction::ToServer,
                        encapsulation_version: id.encapsulation_version,
                        socket_address: format!("{a}.{b}.{c}.{d}"),
                        socket_port: id.socket_port,
                        vendor_id: id.vendor_id,
                        vendor_name: cip_vendor_name(id.vendor_id).unwrap_or("unknown"),
                        device_type_id: id.device_type,
                        device_type_name: cip_device_type_name(id.device_type).unwrap_or("unknown"),
                        product_code: id.product_code,
                        revision: format!("{}.{}", id.revision_major, id.revision_minor),
                        device_status: id.status,
                        serial_number: format!("{:#010x}", id.serial_number),
                        product_name: Data(id.product_name.to_vec()),
                        device_state: (id.state != 0xFF).then_some(id.state),
                    },
                );
            }
        }
    }

    fn on_send_data(
        &mut self,
        is_orig: bool,
        h: &EncapHeader,
        data: &[u8],
        connected: bool,
        out: &mut dyn ObservationSink,
    ) {
        let Some(items) = send_data_items(data) else {
            out.anomaly(NAME, "malformed_cpf");
            return;
        };
        let mut carried = false;
        for (type_id, body) in items {
            let (msg, sequence) = match type_id {
                item::UNCONNECTED_DATA => (body, None),
                item::CONNECTED_DATA => {
                    let Some((seq, msg)) = body.split_first_chunk::<2>() else {
                        out.anomaly(NAME, "malformed_cpf");
                        continue;
                    };
                    (msg, Some(u16::from_le_bytes(*seq)))
                }
                _ => continue,
            };
            carried = true;
            let key = match (connected, sequence) {
                (true, Some(seq)) => PairKey::Sequence(seq),
                _ => PairKey::Context(h.sender_context),
            };
            let ctx = Ctx {
                is_orig,
                key,
                sequence,
                via: None,
                pair: true,
                depth: 0,
            };
            self.on_cip(msg, ctx, out);
        }
        if !carried && is_orig {
            out.anomaly(NAME, "send_data_without_cip");
            out.operation(NAME, Operation::Other);
        }
    }

    fn base_record(ctx: Ctx, direction: &'static str, code: u8) -> CipRecord {
        CipRecord {
            is_orig: ctx.is_orig,
            cip_sequence_count: ctx.sequence,
            direction,
            cip_service_code: code,
            cip_service: "unknown",
            cip_status_code: None,
            cip_status: None,
            cip_extended_status_code: None,
            class_id: None,
            class_name: None,
            instance_id: None,
            attribute_id: None,
            connection_point: None,
            tag_name: None,
            encapsulated_in: ctx.via,
            ot_connection_id: None,
            to_connection_id: None,
            connection_serial: None,
            ot_rpi_us: None,
            to_rpi_us: None,
            matched: None,
        }
    }

    fn on_cip(&mut self, msg: &[u8], ctx: Ctx, out: &mut dyn ObservationSink) {
        match parse_cip(msg) {
            Some(CipMessage::Request {
                service: code,
                path,
                data,
            }) => self.on_cip_request(code, &path, data, ctx, out),
            Some(CipMessage::Response {
                service: code,
                general_status,
                extended_status,
                data,
            }) => self.on_cip_response(code, general_status, extended_status, data, ctx, out),
            None => {
                out.anomaly(NAME, "malformed_cip");
                if ctx.is_orig {
                    out.operation(NAME, Operation::Other);
                }
            }
        }
    }

    fn on_cip_request(
        &mut self,
        code: u8,
        path: &CipPath<'_>,
        data: &[u8],
        ctx: Ctx,
        out: &mut dyn ObservationSink,
    ) {
        if !path.complete {
            out.anomaly(NAME, "malformed_path");
        }
        let cm = path.class == Some(class::CONNECTION_MANAGER) && !path.symbolic;
        if out.wants_records() {
            let mut r = Self::base_record(ctx, "request", code);
            r.cip_service = super::codes::service_name(code, path.class, path.symbolic);
            r.class_id = path.class;
            r.class_name = path.class.and_then(cip_class_name);
            r.instance_id = path.instance;
            r.attribute_id = path.attribute;
            r.connection_point = path.connection_point;
            r.tag_name = tag_name(path);
            if cm && matches!(code, service::FORWARD_OPEN | service::LARGE_FORWARD_OPEN) {
                if let Some(fo) = parse_forward_open(data, code == service::LARGE_FORWARD_OPEN) {
                    r.ot_connection_id = Some(fo.ot_connection_id);
                    r.to_connection_id = Some(fo.to_connection_id);
                    r.connection_serial = Some(fo.connection_serial);
                    r.ot_rpi_us = Some(fo.ot_rpi_us);
                    r.to_rpi_us = Some(fo.to_rpi_us);
                }
            } else if cm && code == service::FORWARD_CLOSE {
                r.connection_serial = parse_forward_close(data);
            }
            out.record("cip", &r);
        }
        let nested = ctx.depth < MAX_DEPTH;
        if cm && code == service::UNCONNECTED_SEND && nested {
            match parse_unconnected_send(data) {
                Some((embedded, _route)) => {
                    let inner = Ctx {
                        via: Some(code),
                        depth: ctx.depth.saturating_add(1),
                        ..ctx
                    };
                    return self.on_cip(embedded, inner, out);
                }
                None => out.anomaly(NAME, "malformed_unconnected_send"),
            }
        } else if code == service::MULTIPLE_SERVICE_PACKET && !path.symbolic && nested {
            let mut any = false;
            if let Some(services) = multiple_services(data) {
                if services.announced() > MAX_MULTIPLE_SERVICES {
                    out.anomaly(NAME, "too_many_services");
                }
                let inner = Ctx {
                    via: Some(code),
                    pair: false,
                    depth: ctx.depth.saturating_add(1),
                    ..ctx
                };
                for embedded in services.take(usize::from(MAX_MULTIPLE_SERVICES)) {
                    any = true;
                    self.on_cip(embedded, inner, out);
                }
            } else {
                out.anomaly(NAME, "malformed_multiple_service_packet");
            }
            if !any {
                out.operation(NAME, Operation::Other);
            }
            self.push_pending(code, path, ctx, out);
            return;
        }
        out.operation(NAME, semantics::cip_operation(code, path));
        self.push_pending(code, path, ctx, out);
    }

    fn push_pending(
        &mut self,
        code: u8,
        path: &CipPath<'_>,
        ctx: Ctx,
        out: &mut dyn ObservationSink,
    ) {
        if !ctx.pair {
            return;
        }
        if self.pending.len() >= MAX_PENDING {
            out.anomaly(NAME, "too_many_transactions");
            self.pending.pop_front();
        }
        self.pending.push_back(PendingCip {
            key: ctx.key,
            service: code,
            class: path.class,
            instance: path.instance,
            attribute: path.attribute,
            symbolic: path.symbolic,
        });
    }

    fn on_cip_response(
        &mut self,
        code: u8,
        general_status: u8,
        extended_status: Option<u16>,
        data: &[u8],
        ctx: Ctx,
        out: &mut dyn ObservationSink,
    ) {
        let request = if ctx.pair {
            let found = self.pending.take_first(|p| p.key == ctx.key);
            match found {
                Some(req) if req.service != code && code != service::UNCONNECTED_SEND => {
                    out.anomaly(NAME, "service_mismatch");
                }
                Some(_) => {}
                None => out.anomaly(NAME, "unsolicited_response"),
            }
            found
        } else {
            None
        };
        if out.wants_records() {
            let class = request.and_then(|r| r.class);
            let symbolic = request.is_some_and(|r| r.symbolic);
            let mut r = Self::base_record(ctx, "response", code);
            r.cip_service = super::codes::service_name(code, class, symbolic);
            r.cip_status_code = Some(general_status);
            r.cip_status = Some(general_status_name(general_status));
            r.cip_extended_status_code = extended_status;
            r.class_id = class;
            r.class_name = class.and_then(cip_class_name);
            r.instance_id = request.and_then(|r| r.instance);
            r.attribute_id = request.and_then(|r| r.attribute);
            r.matched = ctx.pair.then_some(request.is_some());
            if class == Some(class::CONNECTION_MANAGER)
                && general_status == 0
                && matches!(code, service::FORWARD_OPEN | service::LARGE_FORWARD_OPEN)
            {
                if let Some((ot, to, serial, ot_api, to_api)) = parse_forward_open_reply(data) {
                    r.ot_connection_id = Some(ot);
                    r.to_connection_id = Some(to);
                    r.connection_serial = Some(serial);
                    r.ot_rpi_us = Some(ot_api);
                    r.to_rpi_us = Some(to_api);
                }
            }
            out.record("cip", &r);
        }
        let is_msp = code == service::MULTIPLE_SERVICE_PACKET
            && request.is_none_or(|r| !r.symbolic)
            && ctx.depth < MAX_DEPTH;
        // A Multiple Service Packet error reply may carry no body at all.
        if is_msp && !data.is_empty() {
            if let Some(services) = multiple_services(data) {
                let inner = Ctx {
                    via: Some(code),
                    pair: false,
                    depth: ctx.depth.saturating_add(1),
                    ..ctx
                };
                for embedded in services.take(usize::from(MAX_MULTIPLE_SERVICES)) {
                    self.on_cip(embedded, inner, out);
                }
            }
        }
    }

    fn find_header(input: &[u8]) -> Option<usize> {
        let last = input.len().checked_sub(ENCAP_HEADER_LEN)?;
        (0..=last).find(|&i| {
            input
                .get(i..)
                .and_then(|r| parse_encap_header(r).ok())
                .is_some_and(|h| header_is_plausible(&h) && h.status <= 0x69)
        })
    }
}

impl Session for EnipSession {
    fn finish(&mut self, out: &mut dyn ObservationSink) {
        self.flush(out);
    }

    fn feed(&mut self, dir: Direction, input: &[u8], out: &mut dyn ObservationSink) -> Progress {
        // Implicit I/O (UDP 2222): CPF items without an encapsulation header.
        let command = parse_encap_header(input).map(|h| Command::from_u16(h.command));
        if !matches!(command, Ok(c) if !matches!(c, Command::Unknown(_))) {
            if let Some((conn, seq, data)) = parse_io(input) {
                self.on_io(dir, conn, seq, data.len(), out);
                return Progress::Done;
            }
        }
        let d = dir_index(dir);
        let mut pos = 0usize;
        loop {
            let rest = input.get(pos..).unwrap_or_default();
            if rest.is_empty() {
                return Progress::Done;
            }
            if self.resync.get(d).copied().unwrap_or(false) {
                match Self::find_header(rest) {
                    Some(off) => {
                        pos = pos.saturating_add(off);
                        if let Some(r) = self.resync.get_mut(d) {
                            *r = false;
                        }
                        continue;
                    }
                    None => {
                        let keep = rest.len().min(ENCAP_HEADER_LEN.saturating_sub(1));
                        return Progress::Incomplete {
                            consumed: pos.saturating_add(rest.len().saturating_sub(keep)),
                            needed: ENCAP_HEADER_LEN.saturating_sub(keep),
                        };
                    }
                }
            }
            let header = match parse_encap_header(rest) {
                Ok(h) => h,
                Err(EncapError::Truncated { needed }) => {
                    return Progress::Incomplete {
                        consumed: pos,
                        needed,
                    }
                }
            };
            // Lenient framing: only non-zero options break it. Unknown
            // commands (0x0001 from legacy Rockwell tools, seen in the openics
            // captures) are logged with an anomaly and skipped by length.
            if header.options != 0 {
                out.anomaly(NAME, "invalid_encapsulation_header");
                self.consecutive_errors = self.consecutive_errors.saturating_add(1);
                if self.consecutive_errors > MAX_CONSECUTIVE_ERRORS {
                    return Progress::Abandon(AbandonReason::NotThisProtocol);
                }
                if let Some(r) = self.resync.get_mut(d) {
                    *r = true;
                }
                pos = pos.saturating_add(1);
                continue;
            }
            match encap_data(&header, rest) {
                Ok((data, total)) => {
                    self.consecutive_errors = 0;
                    self.on_message(dir, &header, data, out);
                    pos = pos.saturating_add(total);
                }
                Err(EncapError::Truncated { needed }) => {
                    return Progress::Incomplete {
                        consumed: pos,
                        needed,
                    }
                }
            }
        }
    }

    fn gap(&mut self, dir: Direction, _len: u32) {
        if let Some(r) = self.resync.get_mut(dir_index(dir)) {
            *r = true;
        }
    }
}
