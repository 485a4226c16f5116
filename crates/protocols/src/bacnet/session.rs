// SPDX-License-Identifier: Apache-2.0
//! Per-flow BACnet/IP state: pairs confirmed requests with their answers by
//! (direction, invoke id), caps pending requests, reports operations,
//! identities, anomalies and records.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use super::codes::{
    bvlc_function_name, dcc_state_name, network_message_name, pdu_type_name,
    reinitialize_state_name, segmentation_name, service_name,
};
use super::object_type_gen::object_type_name;
use super::property_gen::property_name;
use super::record::{BacnetRecord, RecordValue};
use super::semantics::{bvlc_operation, confirmed_operation, unconfirmed_operation};
use super::vendor_gen::bacnet_vendor_name;
use super::wire::{parse_frame, parse_service, Apdu, Frame, ServiceFields};
use super::{identity, NAME};
use crate::api::{AbandonReason, Direction, ObservationSink, Progress, Session};
use crate::enip::record::Data;
use crate::once::ReportedOnce;
use crate::queue::InlineQueue;

/// Most confirmed requests kept waiting for an answer per flow.
pub const MAX_PENDING: usize = 64;

/// Consecutive undecodable datagrams before the flow is abandoned.
pub const MAX_ERRORS: u8 = 8;

/// What the last datagram held (for tests and diagnostics; `Copy`, no allocation).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FrameSummary {
    /// BVLC function.
    pub bvlc_function: u8,
    /// NPCI control octet.
    pub npdu_control: Option<u8>,
    /// APDU type.
    pub pdu_type: Option<u8>,
    /// Service choice.
    pub service: Option<u8>,
    /// First object identifier named by the service parameters.
    pub object: Option<(u16, u32)>,
    /// First property identifier.
    pub property: Option<u32>,
}

#[derive(Debug)]
struct Pending {
    dir: Direction,
    invoke_id: u8,
    record: Option<Box<BacnetRecord>>,
}

/// BACnet/IP per-flow session.
#[derive(Debug, Default)]
pub struct BacnetSession {
    /// Requests waiting for an answer, the usual one or two inline.
    pending: InlineQueue<Pending, 2>,
    errors: u8,
    /// Whether [`BacnetSession::last_frame`] is kept (tests, diagnostics).
    keep_last: bool,
    last: Option<FrameSummary>,
    /// I-Am and property answers already reported as identity.
    reported: ReportedOnce,
}

fn name_or_unknown(n: Option<&'static str>) -> &'static str {
    n.unwrap_or("unknown")
}

impl BacnetSession {
    /// A fresh session.
    pub fn new() -> Self {
        Self::default()
    }

    /// A fresh session that keeps a [`FrameSummary`] of the last datagram
    /// (for tests that compare with tshark; the engine's sessions do not
    /// spend the stores on every datagram).
    pub fn with_summaries() -> Self {
        Self {
            keep_last: true,
            ..Self::default()
        }
    }

    /// Summary of the last datagram decoded (`None` after an undecodable
    /// one, and always for a session made without
    /// [`BacnetSession::with_summaries`]).
    /// Its object and property are filled when the sink wants records (or
    /// the service needs them for identity or state); a poll decoded only
    /// for counting leaves them empty.
    pub fn last_frame(&self) -> Option<FrameSummary> {
        self.last
    }

    /// Confirmed requests still waiting for an answer.
    pub fn pending_len(&self) -> usize {
        self.pending.len()
    }

    /// Emits every unanswered request (`result_code: no_response`).
    pub fn flush(&mut self, out: &mut dyn ObservationSink) {
        for p in self.pending.take_all() {
            if let Some(mut r) = p.record {
                r.result_code = Some("no_response");
                out.record(NAME, &*r);
            }
        }
    }

    fn base_record(dir: Direction, frame: &Frame<'_>) -> BacnetRecord {
        let mut r = BacnetRecord {
            is_orig: dir == Direction::ToServer,
            bvlc_function_code: frame.bvlc.function,
            bvlc_function: name_or_unknown(bvlc_function_name(frame.bvlc.function)),
            bvlc_result_code: frame.bvlc.result_code,
            ..BacnetRecord::default()
        };
        if let Some(n) = frame.npdu {
            r.npdu_control = Some(n.control);
            r.snet = n.snet;
            r.dnet = n.dnet;
            r.network_message_code = n.network_message;
            r.network_message = n.network_message.map(network_message_name);
        }
        if let Some(a) = frame.apdu {
            r.pdu_type_code = Some(a.pdu_type);
            r.pdu_type = Some(name_or_unknown(pdu_type_name(a.pdu_type)));
            r.invoke_id = a.invoke_id;
            if let Some(s) = a.service {
                r.pdu_service_code = Some(s);
                r.pdu_service = Some(name_or_unknown(service_name(a.pdu_type, s)));
            }
        }
        r
    }

    fn fill_fields(r: &mut BacnetRecord, f: &ServiceFields<'_>) {
        if let Some((t, i)) = f.object {
            r.object_type_code = Some(t);
            r.object_type = Some(name_or_unknown(object_type_name(t)));
            r.instance_number = Some(i);
        }
        if let Some(p) = f.property {
            r.property_code = Some(p);
            r.property = Some(name_or_unknown(property_name(p)));
        }
        r.array_index = f.array_index;
        if f.references > 0 {
            r.references_count = Some(f.references);
        }
        if r.value.is_none() {
            r.value = f.value.as_ref().map(RecordValue::from_value);
        }
        r.priority = f.priority;
        r.vendor_id = f.vendor_id;
        r.vendor = f
            .vendor_id
            .and_then(|v| u16::try_from(v).ok())
            .and_then(bacnet_vendor_name);
        r.max_apdu = f.max_apdu;
        r.segmentation = f
            .segmentation
            .map(|s| name_or_unknown(segmentation_name(s)));
        if let Some((l, h)) = f.range {
            r.range_low = Some(l);
            r.range_high = Some(h);
        }
        r.object_name = f.object_name.map(|n| Data(n.to_vec()));
        r.duration_minutes = f.duration_minutes;
        r.password_seen |= f.password_seen;
    }

    fn on_request(
        &mut self,
        dir: Direction,
        frame: &Frame<'_>,
        apdu: &Apdu<'_>,
        service: u8,
        f: &ServiceFields<'_>,
        out: &mut dyn ObservationSink,
    ) {
        // Later segments of a segmented request continue the first one.
        if apdu.is_segmented() && apdu.sequence != Some(0) {
            return;
        }
        out.operation(NAME, confirmed_operation(service, f.state));
        if f.password_seen {
            out.anomaly(NAME, "password_in_request");
        }
        let record = out.wants_records().then(|| {
            let mut r = Self::base_record(dir, frame);
            Self::fill_fields(&mut r, f);
            if let Some(s) = f.state {
                r.device_state_code = Some(s);
                r.device_state = Some(name_or_unknown(if service == 17 {
                    dcc_state_name(s)
                } else {
                    reinitialize_state_name(s)
                }));
            }
            Box::new(r)
        });
        let Some(invoke_id) = apdu.invoke_id else {
            return;
        };
        // A retransmission or a reused invoke id: keep the newest.
        if let Some(old) = self
            .pending
            .take_first(|p| p.dir == dir && p.invoke_id == invoke_id)
        {
            if let Some(mut r) = old.record {
                r.result_code = Some("no_response");
                out.record(NAME, &*r);
            }
        }
        if self.pending.len() >= MAX_PENDING {
            out.anomaly(NAME, "too_many_transactions");
            if let Some(old) = self.pending.pop_front() {
                if let Some(mut r) = old.record {
                    r.result_code = Some("no_response");
                    out.record(NAME, &*r);
                }
            }
        }
        self.pending.push_back(Pending {
            dir,
            invoke_id,
            record,
        });
    }

    fn on_response(
        &mut self,
        dir: Direction,
        frame: &Frame<'_>,
        apdu: &Apdu<'_>,
        f: &ServiceFields<'_>,
        out: &mut dyn ObservationSink,
    ) {
        if apdu.pdu_type == 4 || (apdu.is_segmented() && apdu.sequence != Some(0)) {
            // Segment acks and later segments: flow control, not answers.
            return;
        }
        // Present-value answers are not fingerprinted: they would fill the
        // memory of reported identities with values that change.
        if apdu.pdu_type == 3
            && apdu.service == Some(12)
            && identity::is_identity_answer(f)
            && self.reported.first(dir.sender(), 12, apdu.body)
        {
            out.templated_facts(dir.sender(), &identity::READ_PROPERTY_ACK, apdu.body);
        }
        // Answers about points (most of them) name no device: they are not
        // fingerprinted either, so the memory of reported answers keeps
        // its room for the device's. The prefilter has run: walk directly.
        if apdu.pdu_type == 3
            && apdu.service == Some(14)
            && !apdu.is_segmented()
            && identity::may_name_a_device(apdu.body)
            && self.reported.first(dir.sender(), 14, apdu.body)
        {
            out.templated_facts(
                dir.sender(),
                &identity::READ_PROPERTY_MULTIPLE_ACK,
                apdu.body,
            );
        }
        let result = match apdu.pdu_type {
            2 | 3 => "success",
            5 => "error",
            6 => "reject",
            _ => "abort",
        };
        let pending = apdu.invoke_id.and_then(|id| {
            self.pending
                .take_first(|p| p.dir == dir.reverse() && p.invoke_id == id)
        });
        if pending.is_none() {
            out.anomaly(NAME, "unmatched_response");
        }
        if !out.wants_records() {
            return;
        }
        let mut r = match pending.and_then(|p| p.record) {
            Some(r) => *r,
            None => {
                let mut r = Self::base_record(dir, frame);
                r.pdu_type = None;
                r.pdu_type_code = None;
                r
            }
        };
        r.response_pdu_type = pdu_type_name(apdu.pdu_type);
        r.result_code = Some(result);
        if r.pdu_service.is_none() {
            if let Some(s) = apdu.service {
                r.pdu_service_code = Some(s);
                r.pdu_service = Some(name_or_unknown(service_name(apdu.pdu_type, s)));
            }
        }
        if r.invoke_id.is_none() {
            r.invoke_id = apdu.invoke_id;
        }
        if apdu.pdu_type == 3 {
            if r.object_type_code.is_none() {
                Self::fill_fields(&mut r, f);
            } else if r.value.is_none() {
                r.value = f.value.as_ref().map(RecordValue::from_value);
            }
        }
        if let Some((c, k)) = f.error {
            r.error_class = Some(c);
            r.error_code = Some(k);
        }
        r.reason_code = apdu.reason;
        out.record(NAME, &r);
    }

    fn on_frame(&mut self, dir: Direction, frame: &Frame<'_>, out: &mut dyn ObservationSink) {
        let summary = FrameSummary {
            bvlc_function: frame.bvlc.function,
            npdu_control: frame.npdu.map(|n| n.control),
            ..FrameSummary::default()
        };
        let Some(apdu) = frame.apdu else {
            if self.keep_last {
                self.last = Some(summary);
            }
            // BVLL-only message or network-layer message.
            let op = match frame.npdu {
                Some(n) if n.is_network_message() => Some(plantguard_model::Operation::Other),
                Some(_) => None,
                None => bvlc_operation(frame.bvlc.function),
            };
            if let Some(op) = op {
                out.operation(NAME, op);
            }
            if out.wants_records() && (op.is_some() || frame.bvlc.function == 0x00) {
                out.record(NAME, &Self::base_record(dir, frame));
            }
            return;
        };
        // Service fields feed records; without records only a few services
        // need them: device state and password (DeviceCommunicationControl,
        // ReinitializeDevice) and ReadProperty-ACKs whose bytes may name a
        // device object (is the property an identity?). An I-Am's identity
        // is built from its bytes when results merge: only the frame
        // summary kept for tests reads its fields. Polls of present values
        // and their answers are the bulk of the traffic and skip the tag
        // walk.
        let needed = out.wants_records()
            || match (apdu.pdu_type, apdu.service) {
                (0, Some(17 | 20)) => true,
                (1, Some(0)) => self.keep_last,
                (3, Some(12)) => identity::read_property_ack_may_name_a_device(apdu.body),
                _ => false,
            };
        let parsed;
        let fields = match apdu.service {
            Some(s) if needed && (!apdu.is_segmented() || apdu.sequence == Some(0)) => {
                parsed = parse_service(apdu.pdu_type, s, apdu.body);
                &parsed
            }
            _ => &ServiceFields::NONE,
        };
        if self.keep_last {
            self.last = Some(FrameSummary {
                pdu_type: Some(apdu.pdu_type),
                service: apdu.service,
                object: fields.object,
                property: fields.property,
                ..summary
            });
        }
        match (apdu.pdu_type, apdu.service) {
            (0, Some(s)) => self.on_request(dir, frame, &apdu, s, fields, out),
            (1, Some(s)) => {
                out.operation(NAME, unconfirmed_operation(s));
                if s == 0 && self.reported.first(dir.sender(), 0, apdu.body) {
                    out.templated_facts(dir.sender(), &identity::I_AM, apdu.body);
                }
                if out.wants_records() {
                    let mut r = Self::base_record(dir, frame);
                    Self::fill_fields(&mut r, fields);
                    out.record(NAME, &r);
                }
            }
            (2..=7, _) => self.on_response(dir, frame, &apdu, fields, out),
            _ => out.anomaly(NAME, "reserved_pdu_type"),
        }
    }
}

impl Session for BacnetSession {
    fn feed(&mut self, dir: Direction, input: &[u8], out: &mut dyn ObservationSink) -> Progress {
        match parse_frame(input) {
            Ok(frame) => {
                self.errors = 0;
                if usize::from(frame.bvlc.length) != input.len() {
                    out.anomaly(NAME, "bvlc_length_mismatch");
                }
                self.on_frame(dir, &frame, out);
                Progress::Done
            }
            Err(_) => {
                self.last = None;
                out.anomaly(NAME, "malformed_datagram");
                self.errors = self.errors.saturating_add(1);
                if self.errors >= MAX_ERRORS {
                    Progress::Abandon(AbandonReason::TooManyErrors)
                } else {
                    Progress::Done
                }
            }
        }
    }

    fn gap(&mut self, _dir: Direction, _len: u32) {}

    fn finish(&mut self, out: &mut dyn ObservationSink) {
        self.flush(out);
    }
}
