// SPDX-License-Identifier: Apache-2.0
//! PN-IO context management over connectionless DCE/RPC (UDP 34964).
//!
//! DCE 1.1 RPC §12.5 (connectionless PDU header, 80 bytes) with the
//! PROFINET interface UUIDs of IEC 61158-6-10 (DEA00001 device, DEA00002
//! controller, DEA00003 supervisor, DEA00004 parameter server) and the
//! endpoint mapper (E1AF8308). Requests pair with their response by
//! activity UUID and sequence number when both travel in the same flow.
//! Real devices often answer from an ephemeral port rather than 34964, so
//! the answer belongs to another flow: then the request is logged when the
//! flow ends (no `response_packet_type`) and the answer on its own.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use super::record::CmRecord;
use crate::api::{AbandonReason, Direction, ObservationSink, Progress, Session};
use plantguard_model::Operation;

/// Protocol name, also the log name (`profinet_io_cm.log`).
pub const CM_NAME: &str = "profinet_io_cm";

/// Pending requests kept per flow.
pub const MAX_PENDING: usize = 64;

/// Connectionless DCE/RPC header length.
pub const HEADER_LEN: usize = 80;

/// Why a datagram is not PN-IO CM.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CmError {
    /// Shorter than the 80-byte header.
    #[error("DCE/RPC header truncated ({0} bytes)")]
    Truncated(usize),
    /// RPC version is not 4 (connectionless).
    #[error("RPC version {0} is not 4")]
    Version(u8),
}

/// Connectionless DCE/RPC header (DCE 1.1 RPC §12.5.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DgHeader {
    /// RPC version (4).
    pub rpc_version: u8,
    /// Packet type (0 request, 2 response, 3 fault, 6 reject, ...).
    pub packet_type: u8,
    /// Flags1.
    pub flags1: u8,
    /// Little-endian data representation (`drep[0]` bit 4).
    pub little_endian: bool,
    /// Object UUID (wire order normalised to big-endian text order).
    pub object_uuid: [u8; 16],
    /// Interface UUID.
    pub interface_uuid: [u8; 16],
    /// Activity UUID.
    pub activity_uuid: [u8; 16],
    /// Server boot time.
    pub server_boot_time: u32,
    /// Sequence number.
    pub sequence_num: u32,
    /// Operation number.
    pub opnum: u16,
    /// Body length.
    pub body_len: u16,
    /// Fragment number.
    pub fragment_num: u16,
}

fn uuid(b: &[u8; 16], le: bool) -> [u8; 16] {
    let mut u = *b;
    if le {
        u[..4].reverse();
        u[4..6].reverse();
        u[6..8].reverse();
    }
    u
}

/// Formats a UUID as text.
pub fn uuid_text(u: &[u8; 16]) -> String {
    let mut s = String::with_capacity(36);
    for (i, b) in u.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// Parses the 80-byte header.
pub fn parse_header(input: &[u8]) -> Result<DgHeader, CmError> {
    let h: &[u8; HEADER_LEN] = input
        .get(..HEADER_LEN)
        .and_then(|s| s.try_into().ok())
        .ok_or(CmError::Truncated(input.len()))?;
    if h[0] != 4 {
        return Err(CmError::Version(h[0]));
    }
    let le = h[4] & 0x10 != 0;
    let u16_at = |i: usize| {
        let b = [
            h.get(i).copied().unwrap_or(0),
            h.get(i.saturating_add(1)).copied().unwrap_or(0),
        ];
        if le {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        }
    };
    let u32_at = |i: usize| {
        let mut b = [0u8; 4];
        for (k, slot) in b.iter_mut().enumerate() {
            *slot = h.get(i.saturating_add(k)).copied().unwrap_or(0);
        }
        if le {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        }
    };
    let uuid_at = |i: usize| {
        let mut b = [0u8; 16];
        if let Some(s) = h.get(i..i.saturating_add(16)) {
            b.copy_from_slice(s);
        }
        uuid(&b, le)
    };
    Ok(DgHeader {
        rpc_version: h[0],
        packet_type: h[1],
        flags1: h[2],
        little_endian: le,
        object_uuid: uuid_at(8),
        interface_uuid: uuid_at(24),
        activity_uuid: uuid_at(40),
        server_boot_time: u32_at(56),
        sequence_num: u32_at(64),
        opnum: u16_at(68),
        body_len: u16_at(74),
        fragment_num: u16_at(76),
    })
}

const PNIO_UUID_TAIL: [u8; 12] = [
    0x6c, 0x97, 0x11, 0xd1, 0x82, 0x71, 0x00, 0xa0, 0x24, 0x42, 0xdf, 0x7d,
];
const EPMAP_UUID: [u8; 16] = [
    0xe1, 0xaf, 0x83, 0x08, 0x5d, 0x1f, 0x11, 0xc9, 0x91, 0xa4, 0x08, 0x00, 0x2b, 0x14, 0xa0, 0xfa,
];

/// PROFINET interface name of a UUID, `None` for other interfaces.
pub fn interface_name(u: &[u8; 16]) -> Option<&'static str> {
    if u.get(..3) == Some(&[0xde, 0xa0, 0x00][..]) && u.get(4..) == Some(&PNIO_UUID_TAIL[..]) {
        return Some(match u.get(3) {
            Some(1) => "pn_io_device",
            Some(2) => "pn_io_controller",
            Some(3) => "pn_io_supervisor",
            Some(4) => "pn_io_parameter_server",
            _ => return None,
        });
    }
    (u == &EPMAP_UUID).then_some("epmap")
}

/// DCE/RPC connectionless packet type name.
pub const fn packet_type_name(t: u8) -> &'static str {
    match t {
        0 => "request",
        1 => "ping",
        2 => "response",
        3 => "fault",
        4 => "working",
        5 => "nocall",
        6 => "reject",
        7 => "ack",
        8 => "cl_cancel",
        9 => "fack",
        10 => "cancel_ack",
        _ => "unknown",
    }
}

/// PN-IO operation name.
pub const fn operation_name(opnum: u16) -> &'static str {
    match opnum {
        0 => "connect",
        1 => "release",
        2 => "read",
        3 => "write",
        4 => "control",
        5 => "read_implicit",
        _ => "unknown",
    }
}

/// Operation of a PN-IO request.
pub const fn operation_of(opnum: u16) -> Operation {
    match opnum {
        0 | 1 => Operation::Session,
        2 | 5 => Operation::Read,
        3 => Operation::Write,
        _ => Operation::Other,
    }
}

/// What the last datagram held (for tests).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CmSummary {
    /// Packet type.
    pub packet_type: u8,
    /// Operation number.
    pub opnum: u16,
    /// Sequence number.
    pub sequence_num: u32,
}

#[derive(Debug)]
struct Pending {
    activity: [u8; 16],
    seq: u32,
    record: Option<Box<CmRecord>>,
}

/// PN-IO CM per-flow session.
#[derive(Debug, Default)]
pub struct CmSession {
    pending: Vec<Pending>,
    errors: u8,
    last: Option<CmSummary>,
}

impl CmSession {
    /// A fresh session.
    pub fn new() -> Self {
        Self::default()
    }

    /// Summary of the last datagram.
    pub fn last_frame(&self) -> Option<CmSummary> {
        self.last
    }

    /// Requests waiting for an answer.
    pub fn pending_len(&self) -> usize {
        self.pending.len()
    }

    /// Emits unanswered requests.
    pub fn flush(&mut self, out: &mut dyn ObservationSink) {
        for p in self.pending.drain(..) {
            if let Some(r) = p.record {
                out.record(CM_NAME, &*r);
            }
        }
    }

    fn record(dir: Direction, h: &DgHeader) -> CmRecord {
        CmRecord {
            is_orig: dir == Direction::ToServer,
            rpc_version: h.rpc_version,
            packet_type: packet_type_name(h.packet_type),
            object_uuid: uuid_text(&h.object_uuid),
            interface_uuid: uuid_text(&h.interface_uuid),
            interface: interface_name(&h.interface_uuid).unwrap_or("unknown"),
            activity_uuid: uuid_text(&h.activity_uuid),
            server_boot_time: h.server_boot_time,
            sequence_num: h.sequence_num,
            operation_num: h.opnum,
            operation: operation_name(h.opnum),
            fragment_num: h.fragment_num,
            len_of_body: h.body_len,
            ..CmRecord::default()
        }
    }
}

impl Session for CmSession {
    fn feed(&mut self, dir: Direction, input: &[u8], out: &mut dyn ObservationSink) -> Progress {
        let h = match parse_header(input) {
            Ok(h) => h,
            Err(_) => {
                self.last = None;
                out.anomaly(CM_NAME, "malformed_datagram");
                self.errors = self.errors.saturating_add(1);
                return if self.errors >= 8 {
                    Progress::Abandon(AbandonReason::TooManyErrors)
                } else {
                    Progress::Done
                };
            }
        };
        self.errors = 0;
        self.last = Some(CmSummary {
            packet_type: h.packet_type,
            opnum: h.opnum,
            sequence_num: h.sequence_num,
        });
        match h.packet_type {
            0 if h.fragment_num == 0 => {
                let pn = interface_name(&h.interface_uuid);
                let op = match pn {
                    Some("epmap") | None => Operation::Other,
                    Some(_) => operation_of(h.opnum),
                };
                out.operation(CM_NAME, op);
                let record = out.wants_records().then(|| Box::new(Self::record(dir, &h)));
                if let Some(i) = self
                    .pending
                    .iter()
                    .position(|p| p.activity == h.activity_uuid && p.seq == h.sequence_num)
                {
                    // Retransmitted request: keep one.
                    self.pending.remove(i);
                }
                if self.pending.len() >= MAX_PENDING {
                    out.anomaly(CM_NAME, "too_many_transactions");
                    let old = self.pending.remove(0);
                    if let Some(r) = old.record {
                        out.record(CM_NAME, &*r);
                    }
                }
                self.pending.push(Pending {
                    activity: h.activity_uuid,
                    seq: h.sequence_num,
                    record,
                });
            }
            2 | 3 | 6 => {
                if h.packet_type == 2 && h.fragment_num != 0 {
                    return Progress::Done;
                }
                let found = self
                    .pending
                    .iter()
                    .position(|p| p.activity == h.activity_uuid && p.seq == h.sequence_num);
                let Some(i) = found else {
                    // Not an anomaly: a PN-IO device answers from another UDP
                    // port than the 34964 the request went to, so the answer
                    // usually lives in a flow of its own. It is logged alone.
                    if out.wants_records() {
                        let mut r = Self::record(dir, &h);
                        r.response_packet_type = Some(packet_type_name(h.packet_type));
                        out.record(CM_NAME, &r);
                    }
                    return Progress::Done;
                };
                let p = self.pending.remove(i);
                if let Some(mut r) = p.record {
                    r.response_packet_type = Some(packet_type_name(h.packet_type));
                    if h.packet_type == 2 {
                        r.pnio_status = input
                            .get(HEADER_LEN..HEADER_LEN.saturating_add(4))
                            .map(|s| s.iter().map(|b| format!("{b:02x}")).collect());
                    }
                    out.record(CM_NAME, &*r);
                }
            }
            _ => {}
        }
        Progress::Done
    }

    fn gap(&mut self, _dir: Direction, _len: u32) {}

    fn finish(&mut self, out: &mut dyn ObservationSink) {
        self.flush(out);
    }
}
