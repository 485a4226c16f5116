// SPDX-License-Identifier: Apache-2.0
//! Per-flow DNP3 state: link framing with CRC checks, transport
//! reassembly, request/response pairing by application sequence number,
//! caps, roles and identity.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use super::codes::{
    iin_flags, object_name, operation_type_name, status_code_name, trip_control_code_name,
    FunctionCode,
};
use super::objects::{carries_values, ObjectError, ObjectHeader, ObjectHeaders, Range};
use super::record::{
    Dnp3ControlRecord, Dnp3ObjectRecord, Dnp3Record, CONTROL_LOG, LOG, OBJECTS_LOG,
};
use super::wire::{
    parse_app_header, parse_link_frame_data, parse_link_header, AppHeader, LinkError, LinkHeader,
    TransportHeader, LINK_HEADER_LEN,
};
use super::{identity, semantics, NAME};
use crate::api::{AbandonReason, Direction, ObservationSink, Progress, Session};
use crate::once::ReportedOnce;
use crate::queue::InlineQueue;
use plantguard_model::{IdentityFact, Side};

/// Most requests kept waiting for a response; past it the oldest is logged
/// unanswered and a `too_many_transactions` anomaly is raised.
pub const MAX_PENDING: usize = 64;
/// Largest application fragment reassembled from transport segments
/// (IEEE 1815-2012 recommends 2048 octets).
pub const MAX_FRAGMENT: usize = 2048;
/// Control point indexes remembered per request for `dnp3.log`.
pub const MAX_POINTS: usize = 8;
/// Consecutive invalid link headers tolerated before the flow is abandoned.
pub const MAX_CONSECUTIVE_ERRORS: u8 = 8;

/// A request waiting for its response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingRequest {
    /// Application sequence number.
    pub seq: u8,
    /// Function code.
    pub function: FunctionCode,
    /// Link address of the master (request source).
    pub master: u16,
    /// Link address of the outstation (request destination).
    pub outstation: u16,
    /// Kept only for control requests when records are written (the
    /// points feed `dnp3.log`): a request is 16 bytes, not 48, in the
    /// queue every poll goes through.
    points: Option<Box<Points>>,
}

impl PendingRequest {
    /// Control point indexes the request operated (at most [`MAX_POINTS`]),
    /// when records are written; empty otherwise.
    pub fn points(&self) -> &[u32] {
        self.points
            .as_deref()
            .and_then(|p| p.indexes.get(..usize::from(p.len)))
            .unwrap_or_default()
    }
}

/// Summary of one decoded application fragment, kept only when the tap is
/// on ([`Dnp3Session::with_tap`]); used by tests that compare with tshark.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FragmentSummary {
    /// Link source address.
    pub source: u16,
    /// Link destination address.
    pub destination: u16,
    /// DIR bit of the link frame that completed the fragment.
    pub from_master: bool,
    /// Application function code.
    pub function: u8,
    /// IIN of responses.
    pub iin: Option<u16>,
    /// `(group, variation, qualifier)` of each object header decoded.
    pub objects: Vec<(u8, u8, u8)>,
    /// Why iteration stopped early, if it did.
    pub error: Option<ObjectError>,
}

#[derive(Debug, Default)]
struct Reassembly {
    buf: Vec<u8>,
    active: bool,
    /// The fragment being assembled outgrew [`MAX_FRAGMENT`]: its remaining
    /// segments are dropped until its last one.
    overflowed: bool,
    next_seq: u8,
    source: u16,
}

#[derive(Debug, Default)]
struct DirState {
    resync: bool,
    transport: Reassembly,
}

/// DNP3 per-flow state (TCP or UDP).
///
/// Records: `dnp3.log` when a response pairs with its request, for
/// unsolicited responses, for requests that expect no response (the `_NR`
/// functions), for requests evicted by the [`MAX_PENDING`] cap, and from
/// [`Dnp3Session::flush`] (called by [`Session::finish`]) for requests still
/// unanswered when the flow ends. `dnp3_objects.log` and `dnp3_control.log`
/// lines are written as each message is decoded.
#[derive(Debug, Default)]
pub struct Dnp3Session {
    dirs: [DirState; 2],
    /// Requests waiting for an answer, the usual one or two inline.
    pending: InlineQueue<PendingRequest, 2>,
    /// The last request answered, for the records of later fragments of a
    /// multi-fragment response (kept only when records are written).
    last_answered: Option<PendingRequest>,
    /// Role reported per side (index 0 client, 1 server): the DIR bit last seen.
    roles: [Option<bool>; 2],
    consecutive_errors: u8,
    tap: Option<Vec<FragmentSummary>>,
    /// Device-attribute responses already reported as identity.
    reported: ReportedOnce,
}

const fn dir_index(dir: Direction) -> usize {
    match dir {
        Direction::ToServer => 0,
        Direction::ToClient => 1,
    }
}

const fn side_index(side: Side) -> usize {
    match side {
        Side::Client => 0,
        Side::Server => 1,
    }
}

/// Offset of the first link header (start octets and a matching header CRC) in `input`.
fn find_header(input: &[u8]) -> Option<usize> {
    let last = input.len().checked_sub(LINK_HEADER_LEN)?;
    (0..=last).find(|&i| {
        input
            .get(i..)
            .and_then(|rest| parse_link_header(rest).ok())
            .is_some_and(|h| h.crc_ok)
    })
}

fn record_for(
    req: Option<&PendingRequest>,
    reply: Option<&AppHeader>,
    link: Option<&LinkHeader>,
) -> Dnp3Record {
    let (master, outstation, seq) = match (req, link) {
        (Some(r), _) => (r.master, r.outstation, r.seq),
        (None, Some(l)) => (
            l.destination,
            l.source,
            reply.map_or(0, |a| a.control.seq()),
        ),
        (None, None) => (0, 0, 0),
    };
    let iin = reply.and_then(|a| a.iin);
    Dnp3Record {
        fc_request_code: req.map(|r| r.function.value()),
        fc_request: req.map(|r| r.function.name()),
        fc_reply_code: reply.map(|a| a.function),
        fc_reply: reply.map(|a| FunctionCode(a.function).name()),
        iin,
        iin_flags: iin.map(|i| iin_flags(i).collect()).unwrap_or_default(),
        master_address: master,
        outstation_address: outstation,
        app_seq: seq,
        control_points: req.map(|r| r.points().to_vec()).unwrap_or_default(),
        matched: req.is_some() && reply.is_some(),
    }
}

impl Dnp3Session {
    /// A new session.
    pub fn new() -> Self {
        Self::default()
    }

    /// A session that also keeps a [`FragmentSummary`] of every decoded
    /// fragment (for tests; allocates per fragment).
    pub fn with_tap() -> Self {
        Self {
            tap: Some(Vec::new()),
            ..Self::default()
        }
    }

    /// Takes the fragment summaries collected since the last call.
    pub fn take_tapped(&mut self) -> Vec<FragmentSummary> {
        self.tap.as_mut().map(std::mem::take).unwrap_or_default()
    }

    /// Requests still waiting for a response, oldest first.
    pub fn pending(&self) -> impl Iterator<Item = &PendingRequest> {
        self.pending.iter()
    }

    /// Logs every unanswered request. Call when the flow ends.
    pub fn flush(&mut self, out: &mut dyn ObservationSink) {
        let wants = out.wants_records();
        for req in self.pending.take_all() {
            if wants {
                out.record(LOG, &record_for(Some(&req), None, None));
            }
        }
    }

    fn report_role(&mut self, dir: Direction, link: &LinkHeader, out: &mut dyn ObservationSink) {
        let side = dir.sender();
        let is_master = link.is_from_master();
        let Some(slot) = self.roles.get_mut(side_index(side)) else {
            return;
        };
        if *slot == Some(is_master) {
            return;
        }
        if slot.is_some() {
            out.anomaly(NAME, "role_changed");
        }
        *slot = Some(is_master);
        out.templated_facts(
            side,
            &identity::STATION,
            &identity::station_param(is_master, link.source).to_le_bytes(),
        );
    }

    fn on_link_frame(
        &mut self,
        dir: Direction,
        link: &LinkHeader,
        user_data: &[u8],
        out: &mut dyn ObservationSink,
    ) {
        self.report_role(dir, link, out);
        if !link.carries_user_data() {
            return;
        }
        let Some((&th, payload)) = user_data.split_first() else {
            out.anomaly(NAME, "empty_user_data");
            return;
        };
        let th = TransportHeader(th);
        let Some(state) = self.dirs.get_mut(dir_index(dir)) else {
            return;
        };
        let tp = &mut state.transport;
        if tp.overflowed && (th.is_fir() || th.is_fin()) {
            tp.overflowed = false;
            out.anomaly(NAME, "transport_overflow");
            if !th.is_fir() {
                return;
            }
        } else if tp.overflowed {
            return;
        }
        if th.is_fir() {
            if tp.active {
                out.anomaly(NAME, "transport_fragment_dropped");
            }
            if th.is_fin() {
                tp.active = false;
                self.on_fragment(dir, link, payload, out);
                return;
            }
            tp.buf.clear();
            tp.buf.extend_from_slice(payload);
            tp.active = true;
            tp.next_seq = th.seq().wrapping_add(1) & 0x3F;
            tp.source = link.source;
            return;
        }
        if !tp.active {
            out.anomaly(NAME, "transport_segment_without_first");
            return;
        }
        if th.seq() != tp.next_seq || link.source != tp.source {
            out.anomaly(NAME, "transport_sequence_error");
            tp.active = false;
            return;
        }
        if tp.buf.len().saturating_add(payload.len()) > MAX_FRAGMENT {
            tp.active = false;
            if th.is_fin() {
                out.anomaly(NAME, "transport_overflow");
            } else {
                tp.overflowed = true;
            }
            return;
        }
        tp.buf.extend_from_slice(payload);
        tp.next_seq = th.seq().wrapping_add(1) & 0x3F;
        if th.is_fin() {
            tp.active = false;
            let buf = std::mem::take(&mut tp.buf);
            self.on_fragment(dir, link, &buf, out);
            if let Some(state) = self.dirs.get_mut(dir_index(dir)) {
                state.transport.buf = buf;
            }
        }
    }

    fn on_fragment(
        &mut self,
        dir: Direction,
        link: &LinkHeader,
        fragment: &[u8],
        out: &mut dyn ObservationSink,
    ) {
        let Ok((app, objects)) = parse_app_header(fragment) else {
            out.anomaly(NAME, "truncated_application_header");
            return;
        };
        let function = FunctionCode(app.function);
        let is_orig = dir == Direction::ToServer;
        let wants = out.wants_records();
        let mut points = Points::default();
        let mut identity_fact: Option<Box<IdentityFact>> = None;
        // Whether this fragment's device attributes are new on this flow
        // (decided at the first group 0 object: most responses have none).
        let mut new_identity: Option<bool> = None;
        let mut summary = self.tap.is_some().then(|| new_summary(link, &app));
        // Control points feed only the logs. For responses, the control
        // function being answered decides whether CROBs are logged.
        let collect_points = wants
            && (function.is_control()
                || (function.is_response()
                    && self
                        .pending
                        .iter()
                        .find(|p| p.seq == app.control.seq() && p.outstation == link.source)
                        .is_some_and(|p| p.function.is_control())));
        // The loop keeps to what every header needs; logs, control points,
        // device attributes and the tap are out of line, so the code a
        // plain poll or event report runs stays a few cache lines long.
        for item in ObjectHeaders::new(objects, carries_values(app.function)) {
            let header = match item {
                Ok(h) => h,
                Err(e) => {
                    object_error(e, summary.as_mut(), out);
                    break;
                }
            };
            if let Some(s) = summary.as_mut() {
                s.objects
                    .push((header.group, header.variation, header.qualifier));
            }
            if matches!(header.group, 110..=113) && header.variation == 0 && header.count() > 0 {
                out.anomaly(NAME, "zero_length_octet_string");
            }
            if wants {
                record_object(is_orig, function, &header, out);
            }
            if collect_points && matches!(header.group, 12 | 41) {
                points.collect(is_orig, function, &header, out);
            }
            if header.group == 0
                && function.is_response()
                && *new_identity.get_or_insert_with(|| {
                    self.reported
                        .first(dir.sender(), u32::from(link.source), objects)
                })
            {
                add_attribute(&mut identity_fact, link, &header);
            }
        }
        if let Some(fact) = identity_fact {
            if fact.vendor.is_some()
                || fact.product.is_some()
                || fact.serial.is_some()
                || fact.firmware.is_some()
                || fact.name.is_some()
            {
                out.identity(dir.sender(), *fact);
            }
        }
        if let (Some(tap), Some(s)) = (self.tap.as_mut(), summary) {
            tap.push(s);
        }
        if function.is_response() {
            self.on_response(link, &app, out);
        } else {
            // The points feed only `dnp3.log`.
            let points = (points.len > 0).then(|| Box::new(points));
            self.on_request(link, &app, points, out);
        }
    }

    fn on_request(
        &mut self,
        link: &LinkHeader,
        app: &AppHeader,
        points: Option<Box<Points>>,
        out: &mut dyn ObservationSink,
    ) {
        let function = FunctionCode(app.function);
        if function == FunctionCode::CONFIRM {
            // An acknowledgement of a response fragment, not a request.
            return;
        }
        if !link.is_from_master() {
            out.anomaly(NAME, "request_from_outstation");
        }
        out.operation(NAME, semantics::operation(function));
        let req = PendingRequest {
            seq: app.control.seq(),
            function,
            master: link.source,
            outstation: link.destination,
            points,
        };
        // The _NR functions and broadcasts expect no response.
        let no_response =
            matches!(app.function, 6 | 8 | 10 | 12 | 33) || link.destination >= 0xFFFD;
        if no_response {
            if out.wants_records() {
                out.record(LOG, &record_for(Some(&req), None, None));
            }
            return;
        }
        // A retry reuses the sequence number: the earlier copy is unanswered.
        if let Some(old) = self
            .pending
            .take_first(|p| p.seq == req.seq && p.outstation == req.outstation)
        {
            if out.wants_records() {
                out.record(LOG, &record_for(Some(&old), None, None));
            }
        }
        if self.pending.len() >= MAX_PENDING {
            out.anomaly(NAME, "too_many_transactions");
            if let Some(old) = self.pending.pop_front() {
                if out.wants_records() {
                    out.record(LOG, &record_for(Some(&old), None, None));
                }
            }
        }
        self.pending.push_back(req);
    }

    fn on_response(&mut self, link: &LinkHeader, app: &AppHeader, out: &mut dyn ObservationSink) {
        if link.is_from_master() {
            out.anomaly(NAME, "response_from_master");
        }
        if app.function == FunctionCode::UNSOLICITED_RESPONSE.0 || app.control.is_unsolicited() {
            out.operation(NAME, semantics::operation(FunctionCode(app.function)));
            if out.wants_records() {
                out.record(LOG, &record_for(None, Some(app), Some(link)));
            }
            return;
        }
        let seq = app.control.seq();
        let request = self
            .pending
            .take_first(|p| p.seq == seq && p.outstation == link.source);
        match request {
            Some(_) => {}
            // Later fragments of a multi-fragment response carry the next sequence numbers.
            None if !app.control.is_fir() => {}
            None => out.anomaly(NAME, "response_without_request"),
        }
        // The request answered feeds only `dnp3.log` (later fragments of
        // the response are logged with it too).
        if out.wants_records() {
            let request = match request {
                Some(r) => {
                    self.last_answered = Some(r.clone());
                    Some(r)
                }
                None if !app.control.is_fir() => self.last_answered.clone(),
                None => None,
            };
            out.record(LOG, &record_for(request.as_ref(), Some(app), Some(link)));
        }
    }
}

/// Control point indexes of one request, the first [`MAX_POINTS`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Points {
    indexes: [u32; MAX_POINTS],
    len: u8,
}

impl Points {
    /// Notes the points of a CROB (g12) or analog output block (g41)
    /// header, and logs each to `dnp3_control.log` (called only when
    /// records are wanted).
    #[inline(never)]
    fn collect(
        &mut self,
        is_orig: bool,
        function: FunctionCode,
        header: &ObjectHeader<'_>,
        out: &mut dyn ObservationSink,
    ) {
        let size = match (header.group, header.variation) {
            (12, 1 | 2) => 11,
            (41, 1 | 3) => 5,
            (41, 2) => 3,
            (41, 4) => 9,
            _ => return,
        };
        for (index, obj) in header.points(size) {
            if let Some(p) = self.indexes.get_mut(usize::from(self.len)) {
                *p = index;
                self.len = self.len.saturating_add(1);
            }
            out.record(
                CONTROL_LOG,
                &control_record(is_orig, function, header, index, obj),
            );
        }
    }
}

#[cold]
fn new_summary(link: &LinkHeader, app: &AppHeader) -> FragmentSummary {
    FragmentSummary {
        source: link.source,
        destination: link.destination,
        from_master: link.is_from_master(),
        function: app.function,
        iin: app.iin,
        objects: Vec::new(),
        error: None,
    }
}

/// Reports why object iteration stopped (and notes it in the tap).
#[cold]
#[inline(never)]
fn object_error(
    e: ObjectError,
    summary: Option<&mut FragmentSummary>,
    out: &mut dyn ObservationSink,
) {
    out.anomaly(
        NAME,
        match e {
            ObjectError::UnknownObjectSize { .. } => "unknown_object_size",
            ObjectError::BadQualifier { .. } => "bad_qualifier",
            _ => "truncated_object",
        },
    );
    if let Some(s) = summary {
        if let ObjectError::BadQualifier {
            group,
            variation,
            qualifier,
        } = e
        {
            s.objects.push((group, variation, qualifier));
        }
        s.error = Some(e);
    }
}

#[inline(never)]
fn record_object(
    is_orig: bool,
    function: FunctionCode,
    header: &ObjectHeader<'_>,
    out: &mut dyn ObservationSink,
) {
    out.record(OBJECTS_LOG, &object_record(is_orig, function, header));
}

/// Adds a device attribute (g0) to the outstation's identity being built.
#[inline(never)]
fn add_attribute(
    fact: &mut Option<Box<IdentityFact>>,
    link: &LinkHeader,
    header: &ObjectHeader<'_>,
) {
    let fact = fact.get_or_insert_with(|| {
        let mut f = identity::outstation_identity(link.source);
        f.device_type = None;
        Box::new(f)
    });
    identity::merge_attributes(fact, header);
}

fn object_record(is_orig: bool, function: FunctionCode, h: &ObjectHeader<'_>) -> Dnp3ObjectRecord {
    let (low, high) = match h.range {
        Range::StartStop { start, stop } => (Some(start), Some(stop)),
        _ => (None, None),
    };
    Dnp3ObjectRecord {
        is_orig,
        function_code: function.value(),
        function: function.name(),
        group: h.group,
        variation: h.variation,
        object_type: object_name(h.group, h.variation).unwrap_or("unknown"),
        qualifier: h.qualifier,
        object_count: (h.range != Range::All).then(|| h.count()),
        range_low: low,
        range_high: high,
    }
}

fn u32_le(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    let a: [u8; 4] = s.try_into().ok()?;
    Some(u32::from_le_bytes(a))
}

fn control_record(
    is_orig: bool,
    function: FunctionCode,
    h: &ObjectHeader<'_>,
    index: u32,
    obj: &[u8],
) -> Dnp3ControlRecord {
    let mut r = Dnp3ControlRecord {
        is_orig,
        function_code: function.value(),
        function: function.name(),
        block_type: "Analog Output Block",
        index_number: index,
        control_code: None,
        trip_control_code: None,
        operation_type: None,
        clear_bit: None,
        execute_count: None,
        on_time: None,
        off_time: None,
        value: None,
        status_code: 0,
        status: "",
    };
    let status = obj.last().copied().unwrap_or(0);
    r.status_code = status;
    r.status = status_code_name(status);
    if h.group == 12 {
        // CROB / PCB (Table 11-?): control code, count, on time, off time, status.
        r.block_type = if h.variation == 2 {
            "Pattern Control Block"
        } else {
            "Control Relay Output Block"
        };
        let code = obj.first().copied().unwrap_or(0);
        r.control_code = Some(code);
        r.trip_control_code = Some(trip_control_code_name(code));
        r.operation_type = Some(operation_type_name(code));
        r.clear_bit = Some(code & 0x20 != 0);
        r.execute_count = obj.get(1).copied();
        r.on_time = u32_le(obj, 2);
        r.off_time = u32_le(obj, 6);
    } else {
        r.value = match (h.variation, obj) {
            (1, [a, b, c, d, _]) => Some(f64::from(i32::from_le_bytes([*a, *b, *c, *d]))),
            (2, [a, b, _]) => Some(f64::from(i16::from_le_bytes([*a, *b]))),
            (3, [a, b, c, d, _]) => Some(f64::from(f32::from_le_bytes([*a, *b, *c, *d]))),
            (4, [a, b, c, d, e, f, g, hh, _]) => {
                Some(f64::from_le_bytes([*a, *b, *c, *d, *e, *f, *g, *hh]))
            }
            _ => None,
        };
    }
    r
}

impl Session for Dnp3Session {
    fn finish(&mut self, out: &mut dyn ObservationSink) {
        self.flush(out);
    }

    fn feed(&mut self, dir: Direction, input: &[u8], out: &mut dyn ObservationSink) -> Progress {
        let d = dir_index(dir);
        let mut pos = 0usize;
        // Every frame of this chunk is unpacked here (its CRCs removed).
        let mut user_data = None;
        loop {
            let rest = input.get(pos..).unwrap_or_default();
            if rest.is_empty() {
                return Progress::Done;
            }
            if self.dirs.get(d).is_some_and(|s| s.resync) {
                match find_header(rest) {
                    Some(off) => {
                        pos = pos.saturating_add(off);
                        if let Some(s) = self.dirs.get_mut(d) {
                            s.resync = false;
                        }
                        continue;
                    }
                    None => {
                        let keep = rest.len().min(LINK_HEADER_LEN.saturating_sub(1));
                        return Progress::Incomplete {
                            consumed: pos.saturating_add(rest.len().saturating_sub(keep)),
                            needed: LINK_HEADER_LEN.saturating_sub(keep),
                        };
                    }
                }
            }
            match parse_link_frame_data(rest, &mut user_data) {
                Ok((frame, data, len)) => {
                    self.consecutive_errors = 0;
                    if !frame.header.crc_ok {
                        out.anomaly(NAME, "link_header_crc_error");
                    }
                    if frame.block_crc_errors > 0 {
                        out.anomaly(NAME, "link_data_crc_error");
                    }
                    self.on_link_frame(dir, &frame.header, data, out);
                    pos = pos.saturating_add(len);
                }
                Err(LinkError::Truncated { needed }) => {
                    return Progress::Incomplete {
                        consumed: pos,
                        needed,
                    };
                }
                Err(_) => {
                    out.anomaly(NAME, "invalid_link_header");
                    self.consecutive_errors = self.consecutive_errors.saturating_add(1);
                    if self.consecutive_errors > MAX_CONSECUTIVE_ERRORS {
                        return Progress::Abandon(AbandonReason::NotThisProtocol);
                    }
                    if let Some(s) = self.dirs.get_mut(d) {
                        s.resync = true;
                        s.transport.active = false;
                    }
                    pos = pos.saturating_add(1);
                }
            }
        }
    }

    fn gap(&mut self, dir: Direction, _len: u32) {
        if let Some(s) = self.dirs.get_mut(dir_index(dir)) {
            s.resync = true;
            s.transport.active = false;
        }
    }
}
