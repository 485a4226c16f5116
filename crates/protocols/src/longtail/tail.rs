// SPDX-License-Identifier: Apache-2.0
//! The shared machinery of the long-tail recognisers: a per-protocol
//! [`Spec`] (framing and message handler), one generic [`TailSession`],
//! and the `longtail.log` record.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use crate::api::{AbandonReason, Direction, ObservationSink, Progress, Session};
use plantguard_model::Operation;
use serde::Serialize;

/// Log name (`longtail.log`).
pub const LOG: &str = "longtail";

/// How a protocol was recognised.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecognisedBy {
    /// Magic values, fixed fields and consistent lengths.
    Signature,
    /// Well-known port plus minimal sanity checks.
    Port,
}

impl RecognisedBy {
    /// `signature` / `port`.
    pub const fn as_str(self) -> &'static str {
        match self {
            RecognisedBy::Signature => "signature",
            RecognisedBy::Port => "port",
        }
    }
}

/// Length of the PDU at the start of a buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameLen {
    /// A PDU of this many bytes (may exceed the buffer: wait for it).
    Len(usize),
    /// At least this many bytes are needed to know the length.
    NeedMore(usize),
    /// The bytes are not a PDU of this protocol.
    Bad,
}

/// What a handler reports for one message.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Message {
    /// True for responses / acknowledgements.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_response: Option<bool>,
    /// Command or service code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command_code: Option<u32>,
    /// Command name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<&'static str>,
    /// Status / end / error code of a response.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_code: Option<u32>,
    /// Invoke id / sequence number / transaction id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<u32>,
    /// Free-form detail (model name, station name) for identity messages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Operation of a request (not serialised: the sink gets it).
    #[serde(skip)]
    pub operation: Option<Operation>,
}

/// One `longtail.log` line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LongtailRecord<'a> {
    /// Protocol (`fins`, `ads`, `hart_ip`, ...).
    pub protocol: &'static str,
    /// `signature` or `port`.
    pub recognised_by: &'static str,
    /// True when the message travelled from the flow originator.
    pub is_orig: bool,
    /// Decoded message fields.
    #[serde(flatten)]
    pub message: &'a Message,
}

/// Framing and message handling of one long-tail protocol.
pub struct Spec {
    /// Protocol name (also the anomaly and operation protocol).
    pub name: &'static str,
    /// How the probe recognises it.
    pub recognised_by: RecognisedBy,
    /// Length of the PDU at the start of a TCP stream buffer.
    pub frame: fn(&[u8]) -> FrameLen,
    /// Decodes one PDU (or datagram); reports identity and facts itself.
    /// The `u32` is per-flow scratch state (the last request's command, so
    /// a response that does not repeat it can still be understood).
    pub handle: fn(&mut u32, Direction, &[u8], &mut dyn ObservationSink) -> Option<Message>,
}

/// Reports a handled message: its operation (requests only) and its record.
pub fn emit(spec: &Spec, dir: Direction, msg: &Message, out: &mut dyn ObservationSink) {
    if let Some(op) = msg.operation {
        out.operation(spec.name, op);
    }
    if out.wants_records() {
        out.record(
            LOG,
            &LongtailRecord {
                protocol: spec.name,
                recognised_by: spec.recognised_by.as_str(),
                is_orig: dir == Direction::ToServer,
                message: msg,
            },
        );
    }
}

/// Consecutive bad PDUs before a flow is abandoned.
pub const MAX_ERRORS: u8 = 4;

/// Generic long-tail session: TCP streams are cut by `spec.frame`, UDP
/// datagrams are handled whole.
pub struct TailSession {
    spec: &'static Spec,
    datagram: bool,
    errors: u8,
    lost: [bool; 2],
    state: u32,
}

impl TailSession {
    /// A session for `spec`; `datagram` for UDP.
    pub fn new(spec: &'static Spec, datagram: bool) -> Self {
        TailSession {
            spec,
            datagram,
            errors: 0,
            lost: [false; 2],
            state: 0,
        }
    }

    fn bad(&mut self, out: &mut dyn ObservationSink) -> Progress {
        out.anomaly(self.spec.name, "bad_frame");
        self.errors = self.errors.saturating_add(1);
        if self.errors >= MAX_ERRORS {
            Progress::Abandon(AbandonReason::NotThisProtocol)
        } else {
            Progress::Done
        }
    }
}

impl Session for TailSession {
    fn feed(&mut self, dir: Direction, input: &[u8], out: &mut dyn ObservationSink) -> Progress {
        let d = usize::from(dir == Direction::ToClient);
        if self.datagram {
            return match (self.spec.handle)(&mut self.state, dir, input, out) {
                Some(msg) => {
                    self.errors = 0;
                    emit(self.spec, dir, &msg, out);
                    Progress::Done
                }
                None => self.bad(out),
            };
        }
        if self.lost.get(d).copied().unwrap_or(false) {
            // After a gap there is no reliable resync point for most of
            // these protocols: skip until a frame decodes again.
            match (self.spec.frame)(input) {
                FrameLen::Len(n) if n <= input.len() => {
                    if let Some(l) = self.lost.get_mut(d) {
                        *l = false;
                    }
                }
                _ => return Progress::Done,
            }
        }
        let mut at = 0usize;
        loop {
            let rest = input.get(at..).unwrap_or_default();
            if rest.is_empty() {
                return Progress::Done;
            }
            match (self.spec.frame)(rest) {
                FrameLen::NeedMore(n) => {
                    return Progress::Incomplete {
                        consumed: at,
                        needed: n.saturating_sub(rest.len()).max(1),
                    }
                }
                FrameLen::Len(n) => {
                    let Some(pdu) = rest.get(..n) else {
                        return Progress::Incomplete {
                            consumed: at,
                            needed: n.saturating_sub(rest.len()).max(1),
                        };
                    };
                    at = at.saturating_add(n.max(1));
                    match (self.spec.handle)(&mut self.state, dir, pdu, out) {
                        Some(msg) => {
                            self.errors = 0;
                            emit(self.spec, dir, &msg, out);
                        }
                        None => {
                            if let p @ Progress::Abandon(_) = self.bad(out) {
                                return p;
                            }
                        }
                    }
                }
                FrameLen::Bad => return self.bad(out),
            }
        }
    }

    fn gap(&mut self, dir: Direction, _len: u32) {
        let d = usize::from(dir == Direction::ToClient);
        if let Some(l) = self.lost.get_mut(d) {
            *l = true;
        }
    }
}

/// Text of a fixed-width, NUL-terminated field: up to the first NUL, with
/// surrounding spaces trimmed (OMRON pads with spaces, others with NULs).
pub fn text(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(b.get(..end).unwrap_or_default())
        .trim()
        .to_owned()
}

/// Little-endian u16 at `at`.
pub fn le16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes([
        *b.get(at)?,
        *b.get(at.checked_add(1)?)?,
    ]))
}

/// Big-endian u16 at `at`.
pub fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([
        *b.get(at)?,
        *b.get(at.checked_add(1)?)?,
    ]))
}

/// Little-endian u32 at `at`.
pub fn le32(b: &[u8], at: usize) -> Option<u32> {
    let s: [u8; 4] = b.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_le_bytes(s))
}

/// Big-endian u32 at `at`.
pub fn be32(b: &[u8], at: usize) -> Option<u32> {
    let s: [u8; 4] = b.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_be_bytes(s))
}
