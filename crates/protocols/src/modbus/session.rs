// SPDX-License-Identifier: Apache-2.0
//! Per-flow Modbus/TCP state: framing, request/response pairing by
//! transaction id and unit id, caps, anomalies, identity accumulation.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use super::codes::{FunctionCode, MEI_READ_DEVICE_ID};
use super::wire::{
    parse_device_id_response, parse_frame, parse_mbap, parse_request, parse_response,
    pdu_is_plausible, Frame, FrameError, PduFields, MAX_MBAP_LENGTH, MBAP_LEN,
};
use super::{identity, record, semantics, NAME};
use crate::api::{AbandonReason, Direction, ObservationSink, Progress, Session};
use crate::queue::InlineQueue;
use plantguard_model::{IdentityFact, Side};

/// Most requests kept waiting for a response; the oldest is evicted (and
/// logged unanswered) past this, with a `too_many_transactions` anomaly.
pub const MAX_PENDING: usize = 64;
/// Consecutive bad MBAP headers tolerated before the flow is abandoned.
pub const MAX_CONSECUTIVE_ERRORS: u8 = 8;

/// A request waiting for its response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PendingRequest {
    /// MBAP transaction id.
    pub tid: u16,
    /// MBAP unit id.
    pub unit: u8,
    /// Function code.
    pub function: FunctionCode,
    /// Decoded request fields.
    pub fields: PduFields,
}

/// Modbus/TCP per-flow state.
///
/// Records are emitted when a response pairs with its request, when a
/// request is evicted by the [`MAX_PENDING`] cap, for responses without a
/// request, and by [`ModbusSession::flush`] for requests still unanswered
/// when the engine drops the flow.
#[derive(Debug, Default)]
pub struct ModbusSession {
    /// Requests waiting for an answer, the usual one or two inline.
    pending: InlineQueue<PendingRequest, 2>,
    /// Resynchronise on the next plausible header (after a gap or bad header), per direction.
    resync: [bool; 2],
    consecutive_errors: u8,
    /// Read Device Identification objects collected while "more follows" is set.
    partial_identity: Option<Box<IdentityFact>>,
}

const fn dir_index(dir: Direction) -> usize {
    match dir {
        Direction::ToServer => 0,
        Direction::ToClient => 1,
    }
}

/// Offset of the first plausible MBAP header in `input`, if any. A header
/// whose whole frame is present must also carry a plausible PDU.
fn find_header(dir: Direction, input: &[u8]) -> Option<usize> {
    let last = input.len().checked_sub(MBAP_LEN)?;
    (0..=last).find(|&i| {
        let Some(rest) = input.get(i..) else {
            return false;
        };
        let Ok(header) = parse_mbap(rest) else {
            return false;
        };
        if !header.is_valid() {
            return false;
        }
        match parse_frame(rest) {
            Ok((frame, _)) => pdu_is_plausible(dir == Direction::ToServer, &frame),
            Err(FrameError::Truncated { .. }) => rest
                .get(MBAP_LEN)
                .is_none_or(|&f| FunctionCode::is_plausible(f & 0x7F)),
            Err(_) => false,
        }
    })
}

impl ModbusSession {
    /// A new session.
    pub fn new() -> Self {
        Self {
            pending: InlineQueue::new(),
            ..Self::default()
        }
    }

    /// Requests still waiting for a response, oldest first.
    pub fn pending(&self) -> impl Iterator<Item = &PendingRequest> {
        self.pending.iter()
    }

    /// Emits records for every unanswered request and any identity still
    /// being collected. Call when the flow ends.
    pub fn flush(&mut self, out: &mut dyn ObservationSink) {
        let wants = out.wants_records();
        for req in self.pending.take_all() {
            if wants {
                let rec = record::build(req.tid, req.unit, req.function, Some(&req.fields), None);
                out.record(NAME, &rec);
            }
        }
        if let Some(fact) = self.partial_identity.take() {
            out.identity(Side::Server, *fact);
        }
    }

    fn on_request(&mut self, frame: &Frame<'_>, out: &mut dyn ObservationSink) {
        if frame.is_exception() {
            out.anomaly(NAME, "exception_bit_in_request");
        }
        let function = frame.function_code();
        let fields = parse_request(function, frame.data);
        if !fields.well_formed {
            out.anomaly(NAME, "malformed_request");
        }
        out.operation(NAME, semantics::operation(function, &fields));
        if self.pending.len() >= MAX_PENDING {
            out.anomaly(NAME, "too_many_transactions");
            if let Some(old) = self.pending.pop_front() {
                if out.wants_records() {
                    let rec =
                        record::build(old.tid, old.unit, old.function, Some(&old.fields), None);
                    out.record(NAME, &rec);
                }
            }
        }
        self.pending.push_back(PendingRequest {
            tid: frame.header.transaction_id,
            unit: frame.header.unit_id,
            function,
            fields,
        });
    }

    fn on_response(&mut self, frame: &Frame<'_>, out: &mut dyn ObservationSink) {
        let function = frame.function_code();
        let fields = parse_response(function, frame.is_exception(), frame.data);
        if !fields.well_formed {
            out.anomaly(NAME, "malformed_response");
        }
        let (tid, unit) = (frame.header.transaction_id, frame.header.unit_id);
        let request = self.pending.take_first(|p| p.tid == tid && p.unit == unit);
        match &request {
            Some(req) if req.function != function => out.anomaly(NAME, "function_mismatch"),
            Some(_) => {}
            None => out.anomaly(NAME, "unsolicited_response"),
        }
        if function == FunctionCode::EncapsulatedInterfaceTransport
            && !frame.is_exception()
            && fields.mei_type == Some(MEI_READ_DEVICE_ID)
        {
            self.on_device_id(frame.data, out);
        }
        if out.wants_records() {
            let rec = record::build(
                tid,
                unit,
                function,
                request.as_ref().map(|r| &r.fields),
                Some(&fields),
            );
            out.record(NAME, &rec);
        }
    }

    fn on_device_id(&mut self, data: &[u8], out: &mut dyn ObservationSink) {
        let Some(resp) = parse_device_id_response(data) else {
            out.anomaly(NAME, "malformed_device_identification");
            return;
        };
        let fact = self
            .partial_identity
            .get_or_insert_with(|| Box::new(identity::new_fact()));
        identity::merge_objects(fact, &resp);
        if !resp.has_more() {
            if let Some(fact) = self.partial_identity.take() {
                out.identity(Side::Server, *fact);
            }
        }
    }
}

impl Session for ModbusSession {
    fn finish(&mut self, out: &mut dyn ObservationSink) {
        self.flush(out);
    }

    fn feed(&mut self, dir: Direction, input: &[u8], out: &mut dyn ObservationSink) -> Progress {
        let d = dir_index(dir);
        let mut pos = 0usize;
        loop {
            let rest = input.get(pos..).unwrap_or_default();
            if rest.is_empty() {
                return Progress::Done;
            }
            if self.resync.get(d).copied().unwrap_or(false) {
                match find_header(dir, rest) {
                    Some(off) => {
                        pos = pos.saturating_add(off);
                        if let Some(r) = self.resync.get_mut(d) {
                            *r = false;
                        }
                        continue;
                    }
                    None => {
                        // Keep the last bytes: a header may start in them.
                        let keep = rest.len().min(MBAP_LEN.saturating_sub(1));
                        return Progress::Incomplete {
                            consumed: pos.saturating_add(rest.len().saturating_sub(keep)),
                            needed: MBAP_LEN.saturating_sub(keep),
                        };
                    }
                }
            }
            match parse_frame(rest) {
                Ok((frame, len)) => {
                    self.consecutive_errors = 0;
                    if frame.header.length > MAX_MBAP_LENGTH {
                        out.anomaly(NAME, "oversized_pdu");
                    }
                    match dir {
                        Direction::ToServer => self.on_request(&frame, out),
                        Direction::ToClient => self.on_response(&frame, out),
                    }
                    pos = pos.saturating_add(len);
                }
                Err(FrameError::Truncated { needed }) => {
                    return Progress::Incomplete {
                        consumed: pos,
                        needed,
                    };
                }
                Err(_) => {
                    out.anomaly(NAME, "invalid_mbap_header");
                    self.consecutive_errors = self.consecutive_errors.saturating_add(1);
                    if self.consecutive_errors > MAX_CONSECUTIVE_ERRORS {
                        return Progress::Abandon(AbandonReason::NotThisProtocol);
                    }
                    if let Some(r) = self.resync.get_mut(d) {
                        *r = true;
                    }
                    pos = pos.saturating_add(1);
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
