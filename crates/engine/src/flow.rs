// SPDX-License-Identifier: Apache-2.0
//! Per-flow state: counters, TCP reassembly and the application parser.

use plantguard_protocols::{Direction, Probe, Progress, ProtocolInfo, Session, Transport};
use plantguard_wire::reassembly::{ReassemblyLimits, StreamChunk, TcpStream};

use crate::sink::Sink;

/// Most bytes kept for a PDU a parser could not finish yet, per direction.
/// Beyond it the partial PDU is dropped as a gap (`engine.pending_overflow`).
pub(crate) const MAX_PENDING: usize = 1 << 20;

/// How many data chunks a flow may show before probing gives up on it.
const MAX_PROBES: u8 = 6;

/// Most bytes held per direction while probes ask for more.
const MAX_HELD: usize = 4096;

/// Distinct operations of the flow's protocol kept inline before spilling
/// to the heap (EtherNet/IP flows commonly show three: session, read,
/// identity).
const INLINE_OPS: usize = 3;

/// The counts of the operations a flow's parser reported, kept in the
/// flow's third cache line beside the parser's state, which every data
/// segment reads anyway: counting an operation touches no other line.
/// The protocol is not kept: these are the flow's parser's (its name comes
/// from the flow's application state), each an operation code and a count
/// in a short list searched linearly (a flow sees a handful of distinct
/// operations); another protocol's, or more than [`INLINE_OPS`], go to
/// [`MoreOps`].
#[repr(C)]
#[derive(Debug, Default)]
pub(crate) struct InlineOps {
    /// Operation codes ([`plantguard_model::Operation::code`]) of the
    /// first `len` counts.
    codes: [u8; INLINE_OPS],
    len: u8,
    counts: [u32; INLINE_OPS],
}

impl InlineOps {
    /// Counts operation `code` when it is among the inline ones.
    #[inline]
    fn bump(&mut self, code: u8) -> bool {
        let n = usize::from(self.len).min(INLINE_OPS);
        for (c, count) in self.codes[..n].iter().zip(&mut self.counts) {
            if *c == code {
                *count = count.saturating_add(1);
                return true;
            }
        }
        false
    }
}

/// Operations of a flow beyond the inline ones (rare): a boxed vector, one
/// pointer wide (a `Vec` would take three words of every flow), kept in
/// the flow's last line.
#[allow(clippy::box_collection)]
pub(crate) type MoreOps = Option<Box<Vec<OpCount>>>;

/// (protocol, operation, count). A flow's count saturates at `u32::MAX`
/// (over a year of polling at 100 requests a second).
pub(crate) type OpCount = (&'static str, plantguard_model::Operation, u32);

/// A flow's operation counts as a packet's sink updates them.
pub(crate) struct FlowOps<'a> {
    /// The flow's parser ("" before one claims the flow): its operations
    /// are the inline ones.
    pub parser: &'static str,
    pub inline: &'a mut InlineOps,
    pub more: &'a mut MoreOps,
}

impl FlowOps<'_> {
    /// Counts one operation.
    #[inline]
    pub fn add(&mut self, protocol: &'static str, op: plantguard_model::Operation) {
        if !self.bump(protocol, op) {
            self.add_slow(protocol, op);
        }
    }

    /// Counts one operation when it is the parser's (`protocol` is the
    /// parser's very string) and already among the inline ones: the hot
    /// case, a flow's parser repeating itself. False, counting nothing,
    /// otherwise.
    #[inline]
    pub fn bump(&mut self, protocol: &'static str, op: plantguard_model::Operation) -> bool {
        std::ptr::eq(self.parser, protocol) && self.inline.bump(op.code())
    }

    #[cold]
    fn add_slow(&mut self, protocol: &'static str, op: plantguard_model::Operation) {
        let inline = &mut *self.inline;
        let n = usize::from(inline.len).min(INLINE_OPS);
        if self.parser == protocol {
            let code = op.code();
            if inline.bump(code) {
                return;
            }
            if n < INLINE_OPS {
                inline.codes[n] = code;
                inline.counts[n] = 1;
                inline.len += 1;
                return;
            }
        }
        let more = self.more.get_or_insert_with(Default::default);
        match more.iter_mut().find(|(p, o, _)| *o == op && *p == protocol) {
            Some(e) => e.2 = e.2.saturating_add(1),
            None => more.push((protocol, op, 1)),
        }
    }
}

/// Every (protocol, operation, count) of a flow whose parser is `parser`:
/// the parser's inline ones in first-seen order, then the others in
/// first-seen order.
pub(crate) fn op_counts<'a>(
    parser: Option<&'static str>,
    inline: &'a InlineOps,
    more: &'a MoreOps,
) -> impl Iterator<Item = OpCount> + 'a {
    let n = usize::from(inline.len).min(INLINE_OPS);
    let protocol = parser.unwrap_or_default();
    inline.codes[..n]
        .iter()
        .zip(&inline.counts)
        .map(move |(&code, &count)| {
            let op = plantguard_model::Operation::from_code(code)
                .unwrap_or(plantguard_model::Operation::Other);
            (protocol, op, count)
        })
        .chain(more.iter().flat_map(|m| m.iter().copied()))
}

/// TCP-specific state of a flow.
pub(crate) struct TcpState {
    pub streams: [TcpStream; 2],
    pub fin: [bool; 2],
    pub rst: bool,
    /// Sequence number of the originator's SYN, to tell a retransmitted SYN
    /// from a new connection on the same ports.
    pub syn_seq: Option<u32>,
}

/// The application layer of a flow.
pub(crate) enum App {
    /// Not yet recognised: data chunks looked at, and the bytes held per
    /// direction while a probe asked for more (a header split across
    /// segments).
    Probing(u8, Option<Box<[Vec<u8>; 2]>>),
    /// A parser claimed the flow. Kept inline in the flow (not behind
    /// another box) because every data segment reaches the session.
    Parsing {
        /// The parser's protocol.
        info: &'static ProtocolInfo,
        /// Its state for this flow.
        session: Box<dyn Session>,
        /// Bytes of a PDU the parser could not finish yet, per direction
        /// (none most of the time).
        pending: Option<Box<[Vec<u8>; 2]>>,
        /// Whether `pending` holds bytes for each direction: the box (once
        /// allocated, kept) is only read when it does, which saves a cache
        /// miss on most segments.
        held: [bool; 2],
    },
    /// A parser claimed the flow, then gave up on it.
    Abandoned(&'static ProtocolInfo),
    /// No parser recognised it.
    Unrecognised,
    /// Parsers are off: the stream is still reassembled (and its bytes
    /// counted), so the cost of decoding, flows and reassembly can be
    /// measured on its own.
    ReassembleOnly,
}

impl App {
    pub fn service(&self) -> Option<&'static str> {
        match self {
            App::Parsing { info, .. } | App::Abandoned(info) => Some(info.name),
            _ => None,
        }
    }

    fn is_active(&self) -> bool {
        matches!(
            self,
            App::Probing(..) | App::Parsing { .. } | App::ReassembleOnly
        )
    }
}

/// One bidirectional flow. Index 0 of the arrays is the originator's
/// direction (to server), 1 the responder's.
// Field order is the memory order (`repr(C)`): what every packet reads or
// writes comes first, so a packet touches three cache lines of its flow
// instead of all four; the counts of the operations a parser reports fill
// the third line after the application state; what only the first packet
// sets comes last. Aligned to
// a cache line, so each flow in the table is exactly four lines (at the
// allocator's 16-byte alignment most flows straddled five).
#[repr(C, align(64))]
pub(crate) struct Flow {
    pub key: plantguard_wire::FlowKey,
    /// True when the originator is the key's `lo` end.
    pub orig_is_lo: bool,
    pub handshake: bool,
    /// Both sides sent FIN, or one sent RST.
    pub closed: bool,
    pub macs: [Option<[u8; 6]>; 2],
    pub last_file: u32,
    pub pkts: [u64; 2],
    pub bytes: [u64; 2],
    pub last_ts: i64,
    /// TCP/UDP payload bytes, both directions, as captured.
    pub payload_bytes: u64,
    pub last_frame: u64,
    pub uid: u64,
    pub tcp: Option<Box<TcpState>>,
    pub app: App,
    /// Operations the parser reported on this flow, with counts.
    pub ops: InlineOps,
    /// Other operations reported on this flow (rare).
    pub more_ops: MoreOps,
    pub first_file: u32,
    pub first_ts: i64,
    pub first_frame: u64,
}

impl Flow {
    /// True once both sides sent FIN, or either sent RST. Kept in the flow
    /// itself (not behind the TCP state's box) because it is read for every
    /// packet.
    pub fn is_closed(&self) -> bool {
        self.closed
    }
}

/// The direction of a flow's side index (0: from the originator).
pub(crate) const fn direction(d: usize) -> Direction {
    if d == 0 {
        Direction::ToServer
    } else {
        Direction::ToClient
    }
}

/// Ports that identify the server side when the handshake was not seen.
pub(crate) fn is_server_port(port: u16) -> bool {
    port < 1024
        || plantguard_protocols::registry::is_registered_port(port)
        || matches!(
            port,
            1433 | 1521
                | 1883
                | 1911
                | 2222
                | 2404
                | 3306
                | 3389
                | 4840
                | 4843
                | 4911
                | 5006
                | 5007
                | 5094
                | 5432
                | 5900
                | 5938
                | 7070
                | 8080
                | 8443
                | 9600
                | 18245
                | 18246
                | 20000
                | 20547
                | 34962
                | 34963
                | 34964
                | 44818
                | 47808
                | 48898
        )
}

/// Decides whether the sender of the first packet seen is the originator.
///
/// 1. A SYN without ACK comes from the originator; a SYN+ACK from the responder.
/// 2. Otherwise, if exactly one port is a known server port, its owner is the responder.
/// 3. Otherwise, the lower port is the server's when both are known server ports
///    or both ephemeral ... and, failing all, the first sender is the originator.
pub(crate) fn first_sender_is_originator(syn: bool, ack: bool, sport: u16, dport: u16) -> bool {
    if syn {
        return !ack;
    }
    match (is_server_port(sport), is_server_port(dport)) {
        (false, true) => true,
        (true, false) => false,
        (true, true) if sport != dport => sport > dport,
        _ => true,
    }
}

/// Looks for a parser for the first data of a direction.
fn probe(
    transport: plantguard_protocols::Transport,
    server_port: u16,
    dir: Direction,
    data: &[u8],
    enabled: Option<&[&str]>,
) -> (Option<&'static ProtocolInfo>, bool) {
    let fits = |p: &&&ProtocolInfo| {
        (p.transport == Transport::Both || p.transport == transport)
            && enabled.is_none_or(|names| names.contains(&p.name))
    };
    use plantguard_protocols::registry::{on_port_set, positions_on_port, PROTOCOLS};
    let mut need_more = false;
    // Protocols registered for the server port first, then the rest.
    let by_port = positions_on_port(server_port).filter_map(|i| PROTOCOLS.get(i));
    let on_port = on_port_set(server_port);
    let others = PROTOCOLS
        .iter()
        .enumerate()
        .filter(move |&(i, _)| (on_port >> i) & 1 == 0)
        .map(|(_, p)| p);
    for p in by_port.filter(fits).chain(others.filter(fits)) {
        match (p.probe)(dir, data) {
            Probe::Match => return (Some(p), false),
            Probe::NeedMore => need_more = true,
            Probe::NoMatch => {}
        }
    }
    (None, need_more)
}

/// Hands one in-order chunk (or gap) of a direction to the application layer.
///
/// The common case — bytes for a parser that holds nothing back and takes
/// them all — is a few instructions inlined at the caller around the
/// parser's `feed`; probing, gaps, held bytes and a parser that wants more
/// or gives up take the general path ([`deliver_general`]).
#[inline]
pub(crate) fn deliver(
    app: &mut App,
    transport: Transport,
    server_port: u16,
    dir: Direction,
    chunk: StreamChunk<'_>,
    datagram: bool,
    sink: &mut Sink<'_>,
) {
    let d = usize::from(dir == Direction::ToClient);
    if let (App::Parsing { held, .. }, StreamChunk::Data(data)) = (&*app, chunk) {
        if !held[d] && !data.is_empty() {
            feed_unheld(app, d, dir, data, datagram, sink);
            return;
        }
    }
    deliver_general(app, transport, server_port, dir, chunk, datagram, sink);
}

/// Feeds `data` to the flow's parser when it holds nothing back for this
/// direction, and settles what the parser asks for.
#[inline(always)]
fn feed_unheld(
    app: &mut App,
    d: usize,
    dir: Direction,
    data: &[u8],
    datagram: bool,
    sink: &mut Sink<'_>,
) {
    let App::Parsing { info, session, .. } = app else {
        return;
    };
    set_parser(sink, info);
    let progress = session.feed(dir, data, sink);
    if !matches!(progress, Progress::Done) {
        settle_unheld(app, d, data, datagram, progress, sink);
    }
}

/// What a parser that was fed `data` with nothing held before it asked
/// for: the rest of a stream kept for its next call, or the flow abandoned.
#[cold]
#[inline(never)]
fn settle_unheld(
    app: &mut App,
    d: usize,
    data: &[u8],
    datagram: bool,
    progress: Progress,
    sink: &mut Sink<'_>,
) {
    let App::Parsing {
        info,
        pending,
        held,
        ..
    } = app
    else {
        return;
    };
    match progress {
        Progress::Incomplete { consumed, .. } => {
            let rest = data.get(consumed..).unwrap_or(&[]);
            if datagram {
                // Each datagram stands alone: nothing is held.
            } else if rest.len() > MAX_PENDING {
                sink.obs_anomaly("engine", "pending_overflow");
            } else if !rest.is_empty() {
                pending.get_or_insert_with(Default::default)[d].extend_from_slice(rest);
                held[d] = true;
            }
        }
        Progress::Abandon(_) => *app = App::Abandoned(info),
        Progress::Done => {}
    }
}

/// Tells the sink which parser is about to report: its operations are the
/// flow's inline ones.
#[inline(always)]
fn set_parser(sink: &mut Sink<'_>, info: &ProtocolInfo) {
    if let Some(ops) = sink.flow_ops.as_mut() {
        ops.parser = info.name;
    }
}

/// [`deliver`]'s general path.
#[inline(never)]
fn deliver_general(
    app: &mut App,
    transport: Transport,
    server_port: u16,
    dir: Direction,
    chunk: StreamChunk<'_>,
    datagram: bool,
    sink: &mut Sink<'_>,
) {
    let d = usize::from(dir == Direction::ToClient);
    match chunk {
        StreamChunk::Gap(len) => {
            if let App::Parsing {
                session,
                pending,
                held,
                ..
            } = app
            {
                if held[d] {
                    if let Some(p) = pending {
                        p[d].clear();
                    }
                    held[d] = false;
                }
                session.gap(dir, len);
            }
        }
        StreamChunk::Data([]) => {}
        StreamChunk::Data(data) => {
            if let App::ReassembleOnly = app {
                return;
            }
            if let App::Probing(tries, held) = app {
                let mut combined = None;
                let looked_at: &[u8] = match held.as_deref() {
                    Some(h) if !h[d].is_empty() => {
                        let mut v = h[d].clone();
                        v.extend_from_slice(data);
                        combined.insert(v).as_slice()
                    }
                    _ => data,
                };
                match probe(transport, server_port, dir, looked_at, sink.enabled) {
                    (Some(info), _) => {
                        // Held bytes become the parser's pending input, so
                        // they are fed before this chunk.
                        let pending = held.take();
                        let held = pending
                            .as_deref()
                            .map_or([false; 2], |p| [!p[0].is_empty(), !p[1].is_empty()]);
                        *app = App::Parsing {
                            info,
                            session: (info.new_session)(),
                            pending,
                            held,
                        };
                    }
                    (None, need_more) => {
                        *tries += 1;
                        let keep = need_more && !datagram && looked_at.len() <= MAX_HELD;
                        if keep {
                            let h = held.get_or_insert_with(Default::default);
                            h[d] = combined.unwrap_or_else(|| data.to_vec());
                        }
                        if *tries >= MAX_PROBES || (!need_more && *tries >= 2) {
                            *app = App::Unrecognised;
                        }
                        return;
                    }
                }
            }
            let App::Parsing {
                info,
                session,
                pending,
                held,
            } = app
            else {
                return;
            };
            set_parser(sink, info);
            let held_buf = if datagram || !held[d] {
                None
            } else {
                pending.as_deref_mut().map(|p| &mut p[d])
            };
            let progress = match held_buf {
                Some(buf) if !buf.is_empty() => {
                    let mut buf_owned = std::mem::take(buf);
                    buf_owned.extend_from_slice(data);
                    let progress = session.feed(dir, &buf_owned, sink);
                    if let Progress::Incomplete { consumed, .. } = progress {
                        buf_owned.drain(..consumed.min(buf_owned.len()));
                        if buf_owned.len() > MAX_PENDING {
                            sink.obs_anomaly("engine", "pending_overflow");
                            buf_owned.clear();
                        }
                        *buf = buf_owned;
                    }
                    held[d] = !buf.is_empty();
                    progress
                }
                _ => {
                    feed_unheld(app, d, dir, data, datagram, sink);
                    return;
                }
            };
            if let Progress::Abandon(_) = progress {
                *app = App::Abandoned(info);
            }
        }
    }
}

impl Sink<'_> {
    pub(crate) fn obs_anomaly(&mut self, protocol: &'static str, name: &'static str) {
        *self.obs.anomalies.entry((protocol, name)).or_insert(0) += 1;
    }
}

/// Feeds one TCP segment of a flow through reassembly into its parser.
pub(crate) fn tcp_segment(
    tcp_state: &mut Option<Box<TcpState>>,
    app: &mut App,
    d: usize,
    tcp: &plantguard_wire::decode::Tcp<'_>,
    server_port: u16,
    limits: &ReassemblyLimits,
    sink: &mut Sink<'_>,
) {
    let Some(state) = tcp_state.as_mut() else {
        return;
    };
    // FIN/RST and the flow's `closed` flag are recorded by the worker before
    // this call; only the SYN sequence is kept here.
    if tcp.is_syn() && !tcp.is_ack() && state.syn_seq.is_none() {
        state.syn_seq = Some(tcp.seq);
    }
    if !app.is_active() {
        return;
    }
    let dir = direction(d);
    // The ACK may show that the other direction's oldest hole will never be
    // filled: deliver what waits behind it first (it was sent earlier).
    if tcp.is_ack() && state.streams[1 - d].buffered_segments() > 0 {
        state.streams[1 - d].acked(tcp.ack, &mut |chunk| {
            deliver(
                app,
                Transport::Tcp,
                server_port,
                dir.reverse(),
                chunk,
                false,
                sink,
            );
        });
        if !app.is_active() {
            return;
        }
    }
    let stream = &mut state.streams[d];
    stream.push(
        tcp.seq,
        tcp.is_syn(),
        tcp.is_fin(),
        tcp.is_rst(),
        tcp.payload,
        limits,
        &mut |chunk| deliver(app, Transport::Tcp, server_port, dir, chunk, false, sink),
    );
}

/// Delivers whatever reassembly still holds at the end of a flow.
pub(crate) fn flush_tcp(
    tcp_state: &mut Option<Box<TcpState>>,
    app: &mut App,
    server_port: u16,
    sink: &mut Sink<'_>,
) {
    let Some(state) = tcp_state.as_mut() else {
        return;
    };
    if !app.is_active() {
        return;
    }
    for (d, stream) in state.streams.iter_mut().enumerate() {
        let dir = direction(d);
        stream
            .flush(&mut |chunk| deliver(app, Transport::Tcp, server_port, dir, chunk, false, sink));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plantguard_model::{ModeChange, Operation};

    #[test]
    fn a_flow_is_four_cache_lines_and_its_operation_counts_share_the_parsers_line() {
        // Every data segment of a parsed flow reads the flow's third line
        // (its TCP state and parser); counting an operation reads no other.
        assert_eq!(std::mem::size_of::<Flow>(), 256);
        assert_eq!(std::mem::align_of::<Flow>(), 64);
        let app = std::mem::offset_of!(Flow, app);
        let ops = std::mem::offset_of!(Flow, ops);
        assert_eq!(app / 64, 2);
        assert_eq!(ops, app + std::mem::size_of::<App>());
        assert_eq!((ops + std::mem::size_of::<InlineOps>() - 1) / 64, 2);
    }

    /// Counts kept as a flow keeps them, for a flow whose parser is `parser`.
    struct Counts {
        parser: &'static str,
        inline: InlineOps,
        more: MoreOps,
    }

    impl Counts {
        fn new(parser: &'static str) -> Self {
            Counts {
                parser,
                inline: InlineOps::default(),
                more: None,
            }
        }

        fn add(&mut self, protocol: &'static str, op: Operation) {
            FlowOps {
                parser: self.parser,
                inline: &mut self.inline,
                more: &mut self.more,
            }
            .add(protocol, op);
        }

        fn all(&self) -> Vec<OpCount> {
            let parser = (!self.parser.is_empty()).then_some(self.parser);
            op_counts(parser, &self.inline, &self.more).collect()
        }
    }

    #[test]
    fn another_protocols_operations_are_counted_apart() {
        let mut ops = Counts::new("enip");
        ops.add("enip", Operation::Session);
        ops.add("cip", Operation::Read);
        ops.add("enip", Operation::IdentityQuery);
        ops.add("cip", Operation::Read);
        ops.add("enip", Operation::Session);
        assert_eq!(
            ops.all(),
            vec![
                ("enip", Operation::Session, 2),
                ("enip", Operation::IdentityQuery, 1),
                ("cip", Operation::Read, 2),
            ]
        );
        // Before a parser claims the flow nothing is counted inline.
        let mut ops = Counts::new("");
        ops.add("dns", Operation::Read);
        ops.add("dns", Operation::Read);
        assert_eq!(ops.all(), vec![("dns", Operation::Read, 2)]);
        assert_eq!(ops.inline.len, 0);
    }

    #[test]
    fn operation_counts_spill_past_the_inline_slots_and_keep_order() {
        let mut ops = Counts::new("modbus");
        let seq = [
            ("modbus", Operation::Read),
            ("modbus", Operation::Write),
            ("modbus", Operation::Read),
            ("umas", Operation::Read),
            ("modbus", Operation::ModeChange(ModeChange::Stop)),
            ("modbus", Operation::ModeChange(ModeChange::Start)),
            ("modbus", Operation::ModeChange(ModeChange::Stop)),
            ("modbus", Operation::Write),
            ("modbus", Operation::ModeChange(ModeChange::Start)),
        ];
        for (p, o) in seq {
            ops.add(p, o);
        }
        // The same name from another string (not the same pointer) counts alike.
        let elsewhere: &'static str = Box::leak(String::from("modbus").into_boxed_str());
        ops.add(elsewhere, Operation::Read);
        assert_eq!(
            ops.all(),
            vec![
                ("modbus", Operation::Read, 3),
                ("modbus", Operation::Write, 2),
                ("modbus", Operation::ModeChange(ModeChange::Stop), 2),
                ("umas", Operation::Read, 1),
                ("modbus", Operation::ModeChange(ModeChange::Start), 2),
            ]
        );
    }
}
#[cfg(test)]
mod layout_tests {
    use super::*;
    use std::mem::{offset_of, size_of};

    /// The per-packet fields and the application state fill the first
    /// three cache lines of a flow, and a flow stays within its memory
    /// budget (a million flows must fit in well under 1 GiB).
    #[test]
    fn hot_fields_come_first_and_the_flow_stays_small() {
        let hot_end = offset_of!(Flow, app) + size_of::<App>();
        assert!(hot_end <= 192, "application state ends at byte {hot_end}");
        for cold in [offset_of!(Flow, first_ts), offset_of!(Flow, first_frame)] {
            assert!(cold >= hot_end, "a first-packet-only field at {cold}");
        }
        assert!(
            size_of::<Flow>() <= 288,
            "flow is {} bytes",
            size_of::<Flow>()
        );
    }
}
