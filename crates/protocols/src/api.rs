// SPDX-License-Identifier: Apache-2.0
//! The parser contract shared by every protocol.

use plantguard_model::{HostFact, IdentityFact, Operation, Side, Text};

/// Which way a message travels within its flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// From the flow originator (client) to the responder (server).
    ToServer,
    /// From the responder (server) to the originator (client).
    ToClient,
}

impl Direction {
    /// The end of the flow that sends messages travelling this way.
    pub const fn sender(self) -> Side {
        match self {
            Direction::ToServer => Side::Client,
            Direction::ToClient => Side::Server,
        }
    }

    /// The opposite direction.
    pub const fn reverse(self) -> Direction {
        match self {
            Direction::ToServer => Direction::ToClient,
            Direction::ToClient => Direction::ToServer,
        }
    }

    /// EVE spelling: `to_server` / `to_client`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Direction::ToServer => "to_server",
            Direction::ToClient => "to_client",
        }
    }
}

/// Result of looking at the first bytes of one direction of a flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Probe {
    /// The bytes are this protocol (magic values, reserved fields and lengths agree).
    Match,
    /// The bytes are not this protocol.
    NoMatch,
    /// Too few bytes to decide.
    NeedMore,
}

/// Why a session stopped parsing its flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AbandonReason {
    /// The bytes do not follow the protocol (or stopped following it).
    NotThisProtocol,
    /// Too many malformed messages in a row to keep trusting the stream.
    TooManyErrors,
    /// The rest of the stream is encrypted and cannot be decoded.
    Encrypted,
}

/// Outcome of one call to [`Session::feed`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// All input was used.
    Done,
    /// `consumed` bytes were used; call again when at least `needed` more bytes
    /// are buffered after them.
    Incomplete {
        /// Bytes used from the start of the input.
        consumed: usize,
        /// Further bytes needed before another call can make progress.
        needed: usize,
    },
    /// Stop parsing this flow.
    Abandon(AbandonReason),
}

/// Per-flow parser state. One value per flow, owned by one worker thread.
///
/// For TCP, `feed` receives the reassembled in-order bytes of one direction,
/// starting with whatever the engine still buffers from a previous
/// `Incomplete`. For UDP (and other datagram transports) each call carries
/// exactly one datagram payload; an `Incomplete` answer is then treated as
/// the datagram being fully used.
pub trait Session: Send {
    /// Parses as many complete PDUs as `input` holds.
    ///
    /// Must make progress: `Incomplete { consumed: 0, .. }` is allowed only
    /// when no complete PDU can be read from `input`. Must never panic,
    /// whatever the bytes.
    fn feed(&mut self, dir: Direction, input: &[u8], out: &mut dyn ObservationSink) -> Progress;

    /// A gap of `len` bytes in the TCP stream of `dir`: drop partial PDUs and
    /// resynchronise on the next valid header.
    fn gap(&mut self, dir: Direction, len: u32);

    /// The flow ended (closed, timed out, or the capture ended): report what
    /// is still pending, such as requests that never got an answer.
    /// Called once, as the last call on the session.
    fn finish(&mut self, out: &mut dyn ObservationSink) {
        let _ = out;
    }
}

/// Where sessions report what they see. Implemented by the engine, which
/// knows the current packet (file, frame, timestamp) and flow, so parsers
/// never carry that context themselves.
pub trait ObservationSink {
    /// One application request (or one unsolicited message) and what it does.
    /// Called once per request, not again for its response.
    fn operation(&mut self, protocol: &'static str, op: Operation);

    /// A device described itself; `speaker` is the end of the flow that sent
    /// the message carrying the identity.
    fn identity(&mut self, speaker: Side, fact: IdentityFact);

    /// An IT-side fact about one end of the flow (name, OS, software,
    /// cleartext credential, lookup). `subject` is the end the fact is about.
    fn host_fact(&mut self, subject: Side, fact: HostFact) {
        let _ = (subject, fact);
    }

    /// The facts `template` builds from `param` (a DNP3 station's role and
    /// link address, with its identity when it is an outstation; a BACnet
    /// device's identity from the bytes of the answer that describes it),
    /// about `subject`: the same as reporting each of them with
    /// [`Self::host_fact`] and [`Self::identity`], which is what this
    /// default does. The engine counts the template and its parameter
    /// instead, and builds the facts once per distinct pair at the end, so
    /// a connection that repeats a station's facts costs one look-up and
    /// no allocation.
    fn templated_facts(&mut self, subject: Side, template: &'static FactTemplate, param: &[u8]) {
        let (facts, identities) = (template.build)(param);
        for fact in facts {
            self.host_fact(subject, fact);
        }
        for identity in identities {
            self.identity(subject, identity);
        }
    }

    /// Something odd in the stream (`"unsolicited_response"`), counted per
    /// protocol and name.
    fn anomaly(&mut self, protocol: &'static str, name: &'static str);

    /// True when log records are wanted; sessions skip building records otherwise.
    fn wants_records(&self) -> bool;

    /// One log line for `log` (`"modbus"` writes `modbus.log`). The record
    /// holds only protocol fields; the engine adds `ts`, `uid` and `id.*`.
    fn record(&mut self, log: &'static str, record: &dyn erased_serde::Serialize);
}

/// Facts a parser derives from a few bytes it reads off a frame, or from a
/// number (see [`ObservationSink::templated_facts`]).
#[derive(Debug)]
pub struct FactTemplate {
    /// Names the template: two templates never share a name.
    pub name: &'static str,
    /// The host facts and the identities `param` stands for. A pure
    /// function: the same parameter always builds the same facts.
    pub build: fn(&[u8]) -> TemplateFacts,
}

/// What a [`FactTemplate`] builds: host facts and identities.
pub type TemplateFacts = (Vec<HostFact>, Vec<IdentityFact>);

/// The number a template's parameter holds when it was given as
/// `n.to_le_bytes()` (missing high bytes are zero, bytes past eight ignored).
pub fn template_number(param: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    for (d, s) in b.iter_mut().zip(param) {
        *d = *s;
    }
    u64::from_le_bytes(b)
}

/// Transport a protocol runs over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// TCP only.
    Tcp,
    /// UDP only.
    Udp,
    /// TCP and UDP.
    Both,
}

/// A strict recogniser: looks at the first bytes a direction carried.
pub type ProbeFn = fn(Direction, &[u8]) -> Probe;

/// Static description of one protocol, registered in [`crate::registry`].
pub struct ProtocolInfo {
    /// Lower-case protocol name (`"modbus"`), also the EVE `app_proto`.
    pub name: &'static str,
    /// Transports it runs over.
    pub transport: Transport,
    /// Well-known server ports, tried first (content still has to probe `Match`).
    pub ports: &'static [u16],
    /// Strict content probe.
    pub probe: ProbeFn,
    /// Creates the per-flow state.
    pub new_session: fn() -> Box<dyn Session>,
}

/// Parses one non-IP frame payload (after the EtherType and VLAN tags).
/// In the sink, `Side::Client` is the frame's sender and `Side::Server` its
/// destination.
pub type FrameParseFn = fn(&[u8], &mut dyn ObservationSink);

/// Static description of a protocol carried directly over Ethernet
/// (PROFINET DCP, GOOSE, EtherCAT, ...), registered in [`crate::registry`].
pub struct L2ProtocolInfo {
    /// Lower-case protocol name.
    pub name: &'static str,
    /// EtherTypes it runs over.
    pub ethertypes: &'static [u16],
    /// Parses one frame.
    pub parse: FrameParseFn,
}

/// Reports `key` = `value` about `side` as a [`HostFact::Attribute`], unless
/// the value is empty (a field the message left blank says nothing).
pub fn report_attribute(
    out: &mut dyn ObservationSink,
    side: Side,
    key: &'static str,
    value: impl Into<Text>,
) {
    let value = value.into();
    if !value.is_empty() {
        out.host_fact(
            side,
            HostFact::Attribute {
                key: key.into(),
                value,
            },
        );
    }
}
