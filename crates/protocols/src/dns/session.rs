// SPDX-License-Identifier: Apache-2.0
//! Per-flow DNS / LLMNR / mDNS state: datagram or TCP (2-byte length
//! prefix, RFC 1035 §4.2.2) framing, query/response pairing by transaction
//! id for `dns.log`, and host facts.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use plantguard_model::{HostFact, Side};

use super::codes::{opcode_name, qclass_name, qtype_name, rcode_name};
use super::record::DnsRecord;
use super::wire::{self, be16, Section};
use crate::api::{Direction, ObservationSink, Progress, Session};

/// Pending queries kept per flow for pairing (records only).
pub const MAX_PENDING: usize = 64;

/// Questions per message turned into facts (a query normally holds one).
const MAX_QUESTIONS: usize = 8;

/// Which name service this flow speaks; they share the DNS wire format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavour {
    /// Unicast DNS (RFC 1035), UDP/TCP 53.
    Dns,
    /// Link-Local Multicast Name Resolution (RFC 4795), UDP 5355.
    Llmnr,
    /// Multicast DNS (RFC 6762), UDP 5353.
    Mdns,
}

impl Flavour {
    /// Protocol name, also the `source` of host facts.
    pub const fn name(self) -> &'static str {
        match self {
            Flavour::Dns => "dns",
            Flavour::Llmnr => "llmnr",
            Flavour::Mdns => "mdns",
        }
    }
}

/// How messages are delimited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// One message per datagram.
    Datagram,
    /// Each message prefixed by its 16-bit length (DNS over TCP).
    Stream,
}

#[derive(Debug)]
struct Pending {
    record: DnsRecord,
}

/// Per-flow state.
#[derive(Debug)]
pub struct DnsSession {
    flavour: Flavour,
    framing: Framing,
    pending: Vec<Pending>,
    resync: [bool; 2],
}

impl DnsSession {
    /// A session for `flavour` with `framing`.
    pub fn new(flavour: Flavour, framing: Framing) -> DnsSession {
        DnsSession {
            flavour,
            framing,
            pending: Vec::new(),
            resync: [false; 2],
        }
    }

    /// Queries waiting for their response (only kept when records are wanted).
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Emits the records of queries that never got an answer.
    pub fn flush(&mut self, out: &mut dyn ObservationSink) {
        for p in self.pending.drain(..) {
            out.record("dns", &p.record);
        }
    }

    /// Decodes one whole DNS message.
    pub fn message(&mut self, dir: Direction, msg: &[u8], out: &mut dyn ObservationSink) {
        let proto = self.flavour.name();
        let Ok(h) = wire::parse_header(msg) else {
            out.anomaly(proto, "truncated_header");
            return;
        };
        let speaker = dir.sender();
        let wants = out.wants_records();
        let mut rec = if wants {
            Some(DnsRecord {
                proto_name: proto,
                trans_id: h.id,
                opcode: h.opcode(),
                opcode_name: opcode_name(h.opcode()),
                ..DnsRecord::default()
            })
        } else {
            None
        };
        // Questions.
        let mut off = 12usize;
        let mut questions_ok = true;
        for i in 0..h.qdcount {
            let q = match wire::parse_question(msg, off) {
                Ok(q) => q,
                Err(_) => {
                    out.anomaly(proto, "malformed_question");
                    questions_ok = false;
                    break;
                }
            };
            off = q.end;
            let first = i == 0;
            if first {
                if let Some(r) = rec.as_mut() {
                    r.query = wire::name_string(msg, q.name_off).ok();
                    r.qtype = Some(q.qtype);
                    r.qtype_name = Some(qtype_name(q.qtype));
                    r.qclass = Some(q.qclass);
                    r.qclass_name = Some(qclass_name(q.qclass));
                }
            }
            if !h.is_response() && usize::from(i) < MAX_QUESTIONS {
                if let Ok(name) = wire::name_string(msg, q.name_off) {
                    if !name.is_empty() {
                        out.host_fact(
                            speaker,
                            HostFact::Lookup {
                                name: name.into(),
                                source: proto.into(),
                            },
                        );
                    }
                }
            }
        }
        if h.is_response() && questions_ok {
            self.answers(speaker, msg, &h, off, rec.as_mut(), out);
        }
        let Some(mut r) = rec else { return };
        if h.is_response() {
            r.rcode = Some(h.rcode());
            r.rcode_name = Some(rcode_name(h.rcode()));
            r.rejected = h.rcode() != 0;
            r.AA = h.is_aa();
            r.TC = h.is_tc();
            r.RD = h.is_rd();
            r.RA = h.is_ra();
            r.Z = h.z();
            r.response_seen = true;
            let found = self
                .pending
                .iter()
                .position(|p| p.record.trans_id == h.id && p.record.query == r.query);
            if let Some(i) = found {
                let q = self.pending.remove(i).record;
                r.query_seen = true;
                r.RD = q.RD;
                r.TC = r.TC || q.TC;
            }
            out.record("dns", &r);
        } else {
            r.RD = h.is_rd();
            r.TC = h.is_tc();
            r.Z = h.z();
            r.query_seen = true;
            if self.pending.len() >= MAX_PENDING {
                out.anomaly(proto, "too_many_pending_queries");
                let old = self.pending.remove(0);
                out.record("dns", &old.record);
            }
            self.pending.push(Pending { record: r });
        }
    }

    fn answers(
        &mut self,
        speaker: Side,
        msg: &[u8],
        h: &wire::Header,
        off: usize,
        mut rec: Option<&mut DnsRecord>,
        out: &mut dyn ObservationSink,
    ) {
        let proto = self.flavour.name();
        let mut seen: Vec<(&'static str, String)> = Vec::new();
        let mut emit = |out: &mut dyn ObservationSink, key: &'static str, value: String| {
            if value.is_empty() || seen.iter().any(|(k, v)| *k == key && *v == value) {
                return;
            }
            let fact = match key {
                "name" => HostFact::Name {
                    name: value.clone().into(),
                    source: proto.into(),
                },
                _ => HostFact::Attribute {
                    key: key.into(),
                    value: value.clone().into(),
                },
            };
            out.host_fact(speaker, fact);
            seen.push((key, value));
        };
        for item in wire::Records::new(msg, h, off) {
            let (section, rr) = match item {
                Ok(x) => x,
                Err(_) => {
                    out.anomaly(proto, "malformed_record");
                    break;
                }
            };
            if section == Section::Answer && rr.rtype != 41 {
                if let Some(r) = rec.as_deref_mut() {
                    let mut s = String::new();
                    wire::write_rdata(msg, &rr, &mut s);
                    r.answers.push(s);
                    r.TTLs.push(rr.ttl);
                }
            }
            match (self.flavour, rr.rtype) {
                // A reverse answer names an address, which is neither end of
                // the flow in general: report it as an attribute of the
                // resolver that knew it (`<address-name> <host-name>`).
                (Flavour::Dns, 12) if section == Section::Answer => {
                    let (Ok(owner), Ok(target)) = (
                        wire::name_string(msg, rr.name_off),
                        wire::name_string(msg, rr.rdata_off),
                    ) else {
                        continue;
                    };
                    emit(out, "dns_ptr_answer", format!("{owner} {target}"));
                }
                // A responder announces its own addresses under its names.
                (Flavour::Llmnr | Flavour::Mdns, 1 | 28) => {
                    if let Ok(n) = wire::name_string(msg, rr.name_off) {
                        emit(out, "name", n);
                    }
                }
                (Flavour::Mdns, 33) => {
                    if let Ok(n) = wire::name_string(msg, rr.rdata_off.saturating_add(6)) {
                        emit(out, "name", n);
                    }
                }
                (Flavour::Mdns, 12) => {
                    let owner = wire::name_string(msg, rr.name_off).unwrap_or_default();
                    let service = if owner.starts_with("_services._dns-sd.") {
                        wire::name_string(msg, rr.rdata_off).unwrap_or_default()
                    } else {
                        owner
                    };
                    if let Some(t) = service_type(&service) {
                        emit(out, "mdns_service", t.to_string());
                    }
                }
                _ => {}
            }
        }
    }

    fn stream(&mut self, dir: Direction, input: &[u8], out: &mut dyn ObservationSink) -> Progress {
        let proto = self.flavour.name();
        let d = usize::from(dir == Direction::ToClient);
        let mut off = 0usize;
        if self.resync.get(d).copied().unwrap_or(false) {
            match find_message(input) {
                Some(at) => {
                    off = at;
                    if let Some(r) = self.resync.get_mut(d) {
                        *r = false;
                    }
                }
                None => {
                    let keep = input.len().min(13);
                    return Progress::Incomplete {
                        consumed: input.len().saturating_sub(keep),
                        needed: 1,
                    };
                }
            }
        }
        loop {
            let Some(rest) = input.get(off..) else {
                return Progress::Done;
            };
            if rest.is_empty() {
                return Progress::Done;
            }
            let Some(len) = be16(rest, 0) else {
                return Progress::Incomplete {
                    consumed: off,
                    needed: 2usize.saturating_sub(rest.len()),
                };
            };
            let len = usize::from(len);
            let total = len.saturating_add(2);
            let Some(msg) = rest.get(2..total) else {
                return Progress::Incomplete {
                    consumed: off,
                    needed: total.saturating_sub(rest.len()),
                };
            };
            if len < 12 {
                out.anomaly(proto, "short_message");
            } else {
                self.message(dir, msg, out);
            }
            off = off.saturating_add(total);
        }
    }
}

/// The service type of an mDNS service name (`_ipp._tcp` from
/// `_ipp._tcp.local` or `My Printer._ipp._tcp.local`).
fn service_type(name: &str) -> Option<&str> {
    let start = name.find("._").map(|i| i.saturating_add(1));
    let s = if name.starts_with('_') {
        name
    } else {
        name.get(start?..)?
    };
    let end = s
        .find("._tcp")
        .or_else(|| s.find("._udp"))
        .map(|i| i.saturating_add(5))?;
    let t = s.get(..end)?;
    // Sub-types (`_printer._sub._http._tcp`) keep the final service.
    Some(t.rsplit_once("._sub.").map_or(t, |(_, b)| b))
}

/// First offset in `input` where a plausible length-prefixed standard query
/// or response header starts (after a gap).
fn find_message(input: &[u8]) -> Option<usize> {
    (0..input.len()).find(|&i| {
        let Some(rest) = input.get(i..) else {
            return false;
        };
        let (Some(len), Some(msg)) = (be16(rest, 0), rest.get(2..)) else {
            return false;
        };
        let Ok(h) = wire::parse_header(msg) else {
            return false;
        };
        len >= 12 && h.opcode() == 0 && h.qdcount == 1 && h.z() & 0x4 == 0
    })
}

impl Session for DnsSession {
    fn feed(&mut self, dir: Direction, input: &[u8], out: &mut dyn ObservationSink) -> Progress {
        match self.framing {
            Framing::Datagram => {
                self.message(dir, input, out);
                Progress::Done
            }
            Framing::Stream => self.stream(dir, input, out),
        }
    }

    fn gap(&mut self, dir: Direction, _len: u32) {
        if self.framing == Framing::Stream {
            if let Some(r) = self.resync.get_mut(usize::from(dir == Direction::ToClient)) {
                *r = true;
            }
        }
    }

    fn finish(&mut self, out: &mut dyn ObservationSink) {
        self.flush(out);
    }
}

/// Strict check of one DNS message: a known opcode, a query with at least
/// one question and no answers (mDNS queries may carry known answers), and
/// every question and record decoding within the message.
pub fn is_plausible(msg: &[u8], flavour: Flavour) -> bool {
    let Ok(h) = wire::parse_header(msg) else {
        return false;
    };
    if !matches!(h.opcode(), 0 | 1 | 2 | 4 | 5) {
        return false;
    }
    if !h.is_response() && h.qdcount == 0 {
        return false;
    }
    if h.qdcount > 32
        || (flavour != Flavour::Mdns && !h.is_response() && h.ancount > 0 && h.opcode() == 0)
    {
        return false;
    }
    let Ok(off) = wire::skip_questions(msg, &h) else {
        return false;
    };
    let mut end = off;
    for r in wire::Records::new(msg, &h, off) {
        match r {
            Ok((_, rr)) => end = rr.end,
            Err(_) => return false,
        }
    }
    end <= msg.len()
}
