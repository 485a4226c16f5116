// SPDX-License-Identifier: Apache-2.0
//! One worker: reads every input, keeps the flows of its shard.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use hashbrown::HashMap;
use plantguard_capture::RawPacket;
use plantguard_protocols::Transport as ProtoTransport;
use plantguard_wire::decode::{decode_transport, ethertype, ipproto, Ip, Network, Transport};
use plantguard_wire::ipfrag::{Defragmenter, FragKey};
use plantguard_wire::neighbor::{parse_cdp, parse_lldp};
use plantguard_wire::reassembly::{StreamChunk, TcpStream};
use plantguard_wire::FlowKey;

use crate::flow::{
    deliver, first_sender_is_originator, flush_tcp, op_counts, tcp_segment, App, Flow, FlowOps,
    InlineOps, TcpState,
};
use crate::result::{mac_string, FlowRecord, NeighborRecord, ReassemblySummary};
use crate::sink::{Ends, Observations, PacketCtx, Sink};
use crate::Config;

/// (protocol, source MAC, destination MAC) of layer-2 industrial traffic.
pub(crate) type L2Key = (&'static str, [u8; 6], [u8; 6]);

/// Most layer-2 conversations kept (a cap against MAC-spoofing floods).
const MAX_L2_CONVERSATIONS: usize = 65_536;

/// What opening a flow needs to know of its first frame.
struct FlowStart {
    hash: u64,
    key: FlowKey,
    src_is_lo: bool,
    syn: bool,
    ack: bool,
    sport: u16,
    dport: u16,
}

/// Opens a flow for a frame the table has none for; `None` (counted) when
/// the table is full. Out of line: once a flow, not once a frame (not
/// `#[cold]`: DNS and scans open a flow every frame or two).
#[inline(never)]
fn open_flow<'f>(
    flows: &'f mut hashbrown::HashTable<Flow>,
    config: &Config,
    anomalies: &mut BTreeMap<&'static str, u64>,
    start: &FlowStart,
    meta: &Meta,
    t: &Transport<'_>,
) -> Option<&'f mut Flow> {
    let (key, syn) = (start.key, start.syn);
    if flows.len() >= config.max_flows_per_worker {
        *anomalies.entry("engine.flow_table_full").or_insert(0) += 1;
        return None;
    }
    // A SYN that also carries FIN or RST is no connection attempt (scans,
    // fuzzers): the port rule decides instead.
    let opening = syn && matches!(t, Transport::Tcp(tcp) if !tcp.is_fin() && !tcp.is_rst());
    let src_is_orig = first_sender_is_originator(opening, start.ack, start.sport, start.dport);
    let flow = Flow {
        key,
        uid: flow_uid(&key, meta.ts),
        first_ts: meta.ts,
        last_ts: meta.ts,
        orig_is_lo: src_is_orig == start.src_is_lo,
        handshake: syn,
        pkts: [0; 2],
        bytes: [0; 2],
        payload_bytes: 0,
        macs: [None; 2],
        first_file: meta.file,
        first_frame: meta.frame,
        last_file: meta.file,
        last_frame: meta.frame,
        tcp: matches!(t, Transport::Tcp(_)).then(|| {
            Box::new(TcpState {
                streams: [TcpStream::new(), TcpStream::new()],
                fin: [false; 2],
                rst: false,
                syn_seq: None,
            })
        }),
        ops: InlineOps::default(),
        more_ops: None,
        closed: false,
        app: match (config.parse, t) {
            (true, Transport::Tcp(_) | Transport::Udp(_)) => App::Probing(0, None),
            (false, Transport::Tcp(_)) => App::ReassembleOnly,
            _ => App::Unrecognised,
        },
    };
    Some(
        flows
            .insert_unique(start.hash, flow, |f| f.key.hash64())
            .into_mut(),
    )
}

/// The TCP/IP stack defaults a SYN (client) or SYN+ACK (server) carries,
/// as a fact about its sender: weak but free OS evidence. Out of line: two
/// frames a connection.
#[cold]
#[inline(never)]
fn syn_signature_fact(
    sink: &mut Sink<'_>,
    d: usize,
    ack: bool,
    ip: &Ip<'_>,
    tcp: &plantguard_wire::decode::Tcp<'_>,
) {
    let key_name = if ack {
        "tcp_synack_signature"
    } else {
        "tcp_syn_signature"
    };
    // The signature describes the stack that sent this packet.
    let side = crate::flow::direction(d).sender();
    let value = plantguard_wire::fingerprint::syn_signature(ip, tcp);
    plantguard_protocols::ObservationSink::host_fact(
        sink,
        side,
        plantguard_model::HostFact::Attribute {
            key: key_name.into(),
            value: value.into(),
        },
    );
}

/// Capture time between two sweeps of the flow table for idle flows.
const SWEEP_INTERVAL_NS: i64 = 10_000_000_000;

/// Traffic counters for one label.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Count {
    pub flows: u64,
    pub packets: u64,
    pub bytes: u64,
    /// TCP/UDP payload bytes (as captured, retransmissions included).
    pub payload_bytes: u64,
}

impl Count {
    pub fn add(&mut self, o: Count) {
        self.flows += o.flows;
        self.packets += o.packets;
        self.bytes += o.bytes;
        self.payload_bytes += o.payload_bytes;
    }
}

/// Per-host sums over the flows it took part in.
#[derive(Clone, Debug, Default)]
pub(crate) struct HostAgg {
    pub first: i64,
    pub last: i64,
    pub macs: BTreeMap<[u8; 6], u64>,
    pub vlans: BTreeSet<u16>,
    pub pkts_sent: u64,
    pub bytes_sent: u64,
    pub pkts_recv: u64,
    pub bytes_recv: u64,
    pub originated: u64,
    pub answered: u64,
    pub services: BTreeSet<String>,
}

impl HostAgg {
    fn new(ts: i64) -> Self {
        HostAgg {
            first: ts,
            last: ts,
            ..HostAgg::default()
        }
    }

    pub fn merge(&mut self, o: HostAgg) {
        self.first = self.first.min(o.first);
        self.last = self.last.max(o.last);
        for (m, n) in o.macs {
            *self.macs.entry(m).or_insert(0) += n;
        }
        self.vlans.extend(o.vlans);
        self.pkts_sent += o.pkts_sent;
        self.bytes_sent += o.bytes_sent;
        self.pkts_recv += o.pkts_recv;
        self.bytes_recv += o.bytes_recv;
        self.originated += o.originated;
        self.answered += o.answered;
        self.services.extend(o.services);
    }
}

/// Layer-2-only facts (kept by worker 0, which sees every non-IP frame).
#[derive(Clone, Debug, Default)]
pub(crate) struct L2Agg {
    pub first: i64,
    pub last: i64,
    pub arp_ips: BTreeSet<IpAddr>,
    pub vlans: BTreeSet<u16>,
    pub packets: u64,
    pub bytes: u64,
    pub protocols: BTreeSet<&'static str>,
}

/// Per-file facts (kept by worker 0).
#[derive(Clone, Debug, Default)]
pub(crate) struct FileFacts {
    pub format: String,
    pub packets: u64,
    pub warning: Option<(String, Option<u64>)>,
}

/// What a worker hands back for merging.
#[derive(Default)]
pub(crate) struct WorkerOut {
    pub files: Vec<FileFacts>,
    pub first_ts: Option<i64>,
    pub last_ts: Option<i64>,
    pub packets: u64,
    pub bytes: u64,
    pub malformed: u64,
    pub decode_errors: BTreeMap<&'static str, u64>,
    pub link_protocols: BTreeMap<String, Count>,
    pub protocols: HashMap<&'static str, Count>,
    pub ports: HashMap<(u8, u16), Count>,
    pub unrecognised: HashMap<(u8, u16), Count>,
    pub hosts: HashMap<IpAddr, HostAgg>,
    pub l2: HashMap<[u8; 6], L2Agg>,
    pub neighbors: Vec<NeighborRecord>,
    /// Industrial layer-2 traffic per (protocol, source MAC, destination MAC).
    pub l2_conversations: HashMap<L2Key, (Count, i64, i64)>,
    pub flows_total: u64,
    pub tcp_flows: u64,
    pub udp_flows: u64,
    pub ip_reassembled: u64,
    pub reassembly: ReassemblySummary,
    pub flow_records: Vec<FlowRecord>,
    pub obs: Observations,
    pub engine_anomalies: BTreeMap<&'static str, u64>,
}

pub(crate) struct Worker<'c> {
    config: &'c Config,
    /// Input names, shared by every evidence record that cites them.
    file_names: Vec<std::sync::Arc<str>>,
    /// Flows of this shard, hashed with [`FlowKey::hash64`].
    flows: hashbrown::HashTable<Flow>,
    defrag: Defragmenter,
    now: i64,
    next_sweep: i64,
    /// Bytes of log text at which they are written out to a run
    /// (`usize::MAX`: never, with no spill directory or after a failure).
    spill_at: usize,
    out: WorkerOut,
}

/// Meta data of the packet being processed.
#[derive(Clone, Copy)]
struct Meta {
    file: u32,
    frame: u64,
    ts: i64,
    wire_len: u64,
    vlans: [u16; 2],
    src_mac: Option<[u8; 6]>,
    dst_mac: Option<[u8; 6]>,
}

fn flow_uid(key: &FlowKey, first_ts: i64) -> u64 {
    let mut h = key.hash64();
    h = h.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ (first_ts as u64);
    h ^= h >> 29;
    h.wrapping_mul(0xbf58_476d_1ce4_e5b9) ^ (h >> 32)
}

fn ethertype_name(et: u16) -> String {
    match et {
        ethertype::ARP => "arp".into(),
        ethertype::LLDP => "lldp".into(),
        ethertype::CDP => "cdp".into(),
        ethertype::PROFINET => "profinet".into(),
        ethertype::ETHERCAT => "ethercat".into(),
        ethertype::GOOSE => "goose".into(),
        ethertype::SV => "iec61850_sv".into(),
        ethertype::LLC => "llc".into(),
        0x88E3 => "mrp".into(),
        0x8899 => "realtek".into(),
        0x88F7 => "ptp".into(),
        0x88E1 => "homeplug".into(),
        0x9000 => "loopback".into(),
        other => format!("0x{other:04x}"),
    }
}

/// How long a flow may stay idle (capture time) before it ends.
fn timeout_for(f: &Flow, cfg: &Config) -> i64 {
    if f.is_closed() {
        cfg.closed_timeout_ns
    } else if f.key.protocol == ipproto::TCP {
        cfg.tcp_timeout_ns
    } else if f.key.protocol == ipproto::UDP {
        cfg.udp_timeout_ns
    } else {
        cfg.other_timeout_ns
    }
}

pub(crate) fn format_label(f: plantguard_capture::CaptureFormat) -> String {
    use plantguard_capture::CaptureFormat;
    let mut s = match f {
        CaptureFormat::Pcap {
            nanos, big_endian, ..
        } => format!(
            "pcap-{}-{}",
            if nanos { "ns" } else { "us" },
            if big_endian { "be" } else { "le" }
        ),
        CaptureFormat::PcapNg { .. } => "pcapng".to_string(),
        _ => "capture".to_string(),
    };
    if f.is_gzip() {
        s.push_str("+gzip");
    }
    s
}

fn lossy(b: Option<&[u8]>) -> Option<String> {
    b.map(|v| {
        String::from_utf8_lossy(v)
            .trim_end_matches('\0')
            .trim()
            .to_string()
    })
}

impl<'c> Worker<'c> {
    pub fn new(config: &'c Config, file_names: &'c [String]) -> Self {
        Worker {
            config,
            file_names: file_names.iter().map(|n| n.as_str().into()).collect(),
            flows: hashbrown::HashTable::new(),
            defrag: Defragmenter::new(Default::default()),
            now: i64::MIN,
            next_sweep: i64::MIN,
            spill_at: match &config.spill_dir {
                Some(_) if config.logs => config.spill_bytes,
                _ => usize::MAX,
            },
            out: WorkerOut::default(),
        }
    }

    /// Finishes every flow still open and returns this worker's facts.
    pub fn finish_all(mut self) -> WorkerOut {
        // Finish in key order so log emission does not depend on the table
        // layout. Only the keys are copied out: each flow leaves the table as
        // it is finished, so its state is freed while its record is built
        // (no second copy of a million flows at the end of a capture).
        let mut keys: Vec<(FlowKey, u64)> =
            self.flows.iter().map(|f| (f.key, f.key.hash64())).collect();
        keys.sort_unstable_by_key(|(k, _)| *k);
        for (key, hash) in keys {
            if let Ok(entry) = self.flows.find_entry(hash, |f| f.key == key) {
                let (flow, _) = entry.remove();
                self.finish(flow);
            }
        }
        self.flows = hashbrown::HashTable::new();
        let ds = self.defrag.stats();
        self.out.ip_reassembled = ds.completed;
        // Sorted here, in parallel, in the merge's order: the merge then only
        // joins sorted runs (its sort finds them), which keeps the serial
        // end of a run short.
        self.out
            .flow_records
            .sort_by(|x, y| (x.ts, &x.uid).cmp(&(y.ts, &y.uid)));
        self.out
    }

    /// Processes one frame routed to this worker.
    pub fn packet(&mut self, file: u32, pkt: &RawPacket<'_>) {
        self.frame(file, pkt);
        if self.out.obs.log_bytes > self.spill_at {
            self.spill_logs();
        }
    }

    /// Writes the log lines held so far to a sorted run in the spill
    /// directory. A failure is counted and the lines stay in memory
    /// (nothing is lost; memory is just not bounded any more).
    #[cold]
    fn spill_logs(&mut self) {
        let Some(dir) = self.config.spill_dir.as_deref() else {
            return;
        };
        match crate::spill::write_run(dir, &mut self.out.obs.logs) {
            Ok(path) => {
                self.out.obs.log_runs.push(path);
                self.out.obs.log_bytes = 0;
                if self.out.obs.log_runs.len() >= crate::spill::MAX_RUNS
                    && crate::spill::compact(dir, &mut self.out.obs.log_runs).is_err()
                {
                    // The runs are all still there; only their number grows.
                    *self
                        .out
                        .engine_anomalies
                        .entry("engine.log_compaction_failed")
                        .or_insert(0) += 1;
                }
            }
            Err(_) => {
                self.spill_at = usize::MAX;
                *self
                    .out
                    .engine_anomalies
                    .entry("engine.log_spill_failed")
                    .or_insert(0) += 1;
            }
        }
    }

    fn frame(&mut self, file: u32, pkt: &RawPacket<'_>) {
        let ts = pkt.ts_nanos;
        if ts > self.now {
            self.now = ts;
        }
        if self.now >= self.next_sweep {
            if self.next_sweep != i64::MIN {
                self.sweep();
            }
            self.next_sweep = self.now.saturating_add(SWEEP_INTERVAL_NS);
        }
        let wire_len = u64::from(
            pkt.orig_len
                .max(u32::try_from(pkt.data.len()).unwrap_or(u32::MAX)),
        );
        let decoded = match plantguard_wire::decode(pkt.link_type, pkt.data) {
            Ok(p) => p,
            Err(e) => {
                self.out.malformed += 1;
                *self.out.decode_errors.entry(e.name()).or_insert(0) += 1;
                return;
            }
        };
        let meta = Meta {
            file,
            frame: pkt.frame,
            ts,
            wire_len,
            vlans: decoded.vlans,
            src_mac: decoded.src_mac,
            dst_mac: decoded.dst_mac,
        };
        match &decoded.network {
            Network::Ip(ip) => {
                if decoded.truncated {
                    *self
                        .out
                        .engine_anomalies
                        .entry("capture.snaplen_truncated")
                        .or_insert(0) += 1;
                }
                self.ip(meta, ip);
            }
            other => self.link(meta, decoded.ethertype, other),
        }
    }

    /// A frame that is not IP (ARP, LLDP, CDP, PROFINET, GOOSE, ...). Out
    /// of line: the per-frame path of IP traffic stays short.
    #[inline(never)]
    fn link(&mut self, meta: Meta, et: u16, net: &Network<'_>) {
        let name = ethertype_name(et);
        let c = self.out.link_protocols.entry(name).or_default();
        c.packets += 1;
        c.bytes += meta.wire_len;
        if self.config.parse {
            if let (Some(p), Network::Other(payload)) =
                (plantguard_protocols::registry::l2_by_ethertype(et), net)
            {
                let mut sink = Sink {
                    obs: &mut self.out.obs,
                    ctx: PacketCtx {
                        file: meta.file,
                        frame: meta.frame,
                        ts: meta.ts,
                        uid: 0,
                        ends: Ends::Frame {
                            src: meta.src_mac,
                            dst: meta.dst_mac,
                        },
                    },
                    logs_enabled: self.config.logs,
                    flow_ops: None,
                    enabled: self.config.protocols.as_deref(),
                };
                (p.parse)(payload, &mut sink);
            }
        }
        let Some(mac) = meta.src_mac else { return };
        let l2 = self.out.l2.entry(mac).or_insert_with(|| L2Agg {
            first: meta.ts,
            last: meta.ts,
            ..L2Agg::default()
        });
        l2.first = l2.first.min(meta.ts);
        l2.last = l2.last.max(meta.ts);
        l2.packets += 1;
        l2.bytes += meta.wire_len;
        l2.vlans.insert(meta.vlans[0]);
        let proto: &'static str = match et {
            ethertype::ARP => "arp",
            ethertype::LLDP => "lldp",
            ethertype::CDP => "cdp",
            ethertype::PROFINET => "profinet",
            ethertype::ETHERCAT => "ethercat",
            ethertype::GOOSE => "goose",
            ethertype::SV => "iec61850_sv",
            _ => "other",
        };
        l2.protocols.insert(proto);
        if matches!(proto, "profinet" | "ethercat" | "goose" | "iec61850_sv") {
            let dst = meta.dst_mac.unwrap_or([0xff; 6]);
            let key = (proto, mac, dst);
            let full = self.out.l2_conversations.len() >= MAX_L2_CONVERSATIONS;
            match self.out.l2_conversations.get_mut(&key) {
                Some((c, _, last)) => {
                    c.packets += 1;
                    c.bytes += meta.wire_len;
                    *last = (*last).max(meta.ts);
                }
                None if full => {
                    *self
                        .out
                        .engine_anomalies
                        .entry("engine.l2_conversations_full")
                        .or_insert(0) += 1;
                }
                None => {
                    let c = Count {
                        flows: 1,
                        packets: 1,
                        bytes: meta.wire_len,
                        payload_bytes: 0,
                    };
                    self.out.l2_conversations.insert(key, (c, meta.ts, meta.ts));
                }
            }
        }
        let neighbor = match net {
            Network::Arp(arp) => {
                if !arp.sender_ip.is_unspecified() {
                    l2.arp_ips.insert(IpAddr::V4(arp.sender_ip));
                }
                None
            }
            Network::Lldp(b) => parse_lldp(b),
            Network::Cdp(b) => parse_cdp(b),
            _ => None,
        };
        if let Some(n) = neighbor {
            let mac_s = mac_string(mac);
            if !self
                .out
                .neighbors
                .iter()
                .any(|r| r.mac == mac_s && r.protocol == n.protocol)
            {
                self.out.neighbors.push(NeighborRecord {
                    mac: mac_s,
                    protocol: n.protocol.to_string(),
                    system_name: lossy(n.system_name),
                    port_id: lossy(n.port_id),
                    system_description: lossy(n.system_description),
                    platform: lossy(n.platform),
                    management_address: n.management_address,
                    capabilities: n.capabilities.iter().map(|c| (*c).to_string()).collect(),
                    evidence: self.evidence(meta.file, meta.frame, meta.ts),
                });
            }
        }
    }

    fn evidence(&self, file: u32, frame: u64, ts: i64) -> plantguard_model::Evidence {
        plantguard_model::Evidence {
            pcap_filename: self
                .file_names
                .get(file as usize)
                .cloned()
                .unwrap_or_else(|| "".into()),
            pcap_cnt: frame,
            ts: plantguard_model::Timestamp(ts),
        }
    }

    fn ip(&mut self, meta: Meta, ip: &Ip<'_>) {
        match ip.fragment {
            Some(frag) => self.fragment(meta, ip, frag),
            None => self.transport(meta, ip, &ip.transport),
        }
    }

    /// An IP fragment: held until its datagram is whole, which is then
    /// processed. Out of line (fragments are rare on plant networks).
    #[inline(never)]
    fn fragment(&mut self, meta: Meta, ip: &Ip<'_>, frag: plantguard_wire::decode::Fragment) {
        let key = FragKey {
            src: ip.src,
            dst: ip.dst,
            id: ip.id,
            protocol: ip.protocol,
            vlan: meta.vlans[0],
        };
        let whole = self
            .defrag
            .push(meta.ts, key, frag.offset, frag.more, ip.payload)
            .map(<[u8]>::to_vec);
        if let Some(buf) = whole {
            match decode_transport(ip.protocol, &buf) {
                Ok(t) => self.transport(meta, ip, &t),
                Err(e) => {
                    *self.out.decode_errors.entry(e.name()).or_insert(0) += 1;
                }
            }
        }
    }

    fn transport(&mut self, meta: Meta, ip: &Ip<'_>, t: &Transport<'_>) {
        let (sport, dport, syn, ack, seq) = match t {
            Transport::Tcp(tcp) => (
                tcp.src_port,
                tcp.dst_port,
                tcp.is_syn(),
                tcp.is_ack(),
                tcp.seq,
            ),
            Transport::Udp(udp) => (udp.src_port, udp.dst_port, false, false, 0),
            _ => (0, 0, false, false, 0),
        };
        let (key, src_is_lo) =
            FlowKey::new(meta.vlans, ip.protocol, (ip.src, sport), (ip.dst, dport));
        // A SYN on a closed flow opens a new connection (port reuse), unless
        // it repeats the first SYN (a retransmission answered by RST).
        let hash = key.hash64();
        // Decisions to end a flow depend only on that flow's own packets, so
        // they are the same whatever worker owns it and however often the
        // table is swept: a flow idle past its timeout ends here, and a SYN
        // on a closed connection opens a new one (unless it repeats the first
        // SYN, a retransmission answered by RST).
        // One probe of the table: the flow is used in place unless it ended.
        let mut ended = None;
        let found = match self.flows.find_entry(hash, |f| f.key == key) {
            Ok(entry) => {
                let old = entry.get();
                let idle = meta.ts.saturating_sub(old.last_ts) > timeout_for(old, self.config);
                // Short-circuit order matters: the TCP state sits behind a box
                // and is only read for a SYN on a closed connection.
                let reopened = syn
                    && !ack
                    && old.is_closed()
                    && old.tcp.as_ref().is_none_or(|t| t.syn_seq != Some(seq));
                if idle || reopened {
                    ended = Some(entry.remove().0);
                    None
                } else {
                    Some(entry.into_mut())
                }
            }
            Err(_) => None,
        };
        let flow = match found {
            Some(flow) => flow,
            None => {
                if let Some(old) = ended {
                    self.finish(old);
                }
                let opened = open_flow(
                    &mut self.flows,
                    self.config,
                    &mut self.out.engine_anomalies,
                    &FlowStart {
                        hash,
                        key,
                        src_is_lo,
                        syn,
                        ack,
                        sport,
                        dport,
                    },
                    &meta,
                    t,
                );
                match opened {
                    Some(flow) => flow,
                    None => return,
                }
            }
        };
        let d = usize::from(src_is_lo != flow.orig_is_lo);
        flow.last_ts = flow.last_ts.max(meta.ts);
        flow.last_file = meta.file;
        flow.last_frame = meta.frame;
        flow.pkts[d] += 1;
        flow.bytes[d] += meta.wire_len;
        flow.payload_bytes += match t {
            Transport::Tcp(tcp) => tcp.payload.len() as u64,
            Transport::Udp(udp) => udp.payload.len() as u64,
            _ => 0,
        };
        if flow.macs[d].is_none() {
            flow.macs[d] = meta.src_mac;
        }
        flow.handshake |= syn;
        let server_port = if flow.orig_is_lo {
            key.hi_port()
        } else {
            key.lo_port()
        };
        let mut sink = Sink {
            obs: &mut self.out.obs,
            ctx: PacketCtx {
                file: meta.file,
                frame: meta.frame,
                ts: meta.ts,
                uid: flow.uid,
                ends: Ends::Flow {
                    key: &flow.key,
                    orig_is_lo: flow.orig_is_lo,
                    macs: flow.macs,
                },
            },
            logs_enabled: self.config.logs,
            // The parser's name is set where the parser is fed.
            flow_ops: Some(FlowOps {
                parser: "",
                inline: &mut flow.ops,
                more: &mut flow.more_ops,
            }),
            enabled: self.config.protocols.as_deref(),
        };
        if syn {
            if let Transport::Tcp(tcp) = t {
                syn_signature_fact(&mut sink, d, ack, ip, tcp);
            }
        }
        match t {
            Transport::Tcp(tcp) => {
                if tcp.is_fin() || tcp.is_rst() {
                    let (d_fin, rst) = (tcp.is_fin(), tcp.is_rst());
                    if let Some(t) = flow.tcp.as_mut() {
                        t.fin[d] |= d_fin;
                        t.rst |= rst;
                        flow.closed = t.rst || (t.fin[0] && t.fin[1]);
                    }
                }
                tcp_segment(
                    &mut flow.tcp,
                    &mut flow.app,
                    d,
                    tcp,
                    server_port,
                    &self.config.reassembly,
                    &mut sink,
                );
            }
            Transport::Udp(udp) if !udp.payload.is_empty() => {
                let dir = crate::flow::direction(d);
                deliver(
                    &mut flow.app,
                    ProtoTransport::Udp,
                    server_port,
                    dir,
                    StreamChunk::Data(udp.payload),
                    true,
                    &mut sink,
                );
            }
            _ => {}
        }
    }

    /// Closes flows idle past their timeout (capture time) and closed TCP
    /// connections that stayed quiet for a short grace period.
    fn sweep(&mut self) {
        let now = self.now;
        let cfg = self.config;
        let mut expired: Vec<Flow> = self
            .flows
            .extract_if(|f| now.saturating_sub(f.last_ts) > timeout_for(f, cfg))
            .collect();
        // Finish in key order so log emission does not depend on the table layout.
        expired.sort_unstable_by_key(|f| f.key);
        for flow in expired {
            self.finish(flow);
        }
        self.defrag.expire(now);
    }

    /// Folds a finished flow into the shard's aggregates.
    fn finish(&mut self, mut flow: Flow) {
        let key = flow.key;
        let (orig, resp) = key.ends(flow.orig_is_lo);
        {
            let mut sink = Sink {
                obs: &mut self.out.obs,
                ctx: PacketCtx {
                    file: flow.last_file,
                    frame: flow.last_frame,
                    ts: flow.last_ts,
                    uid: flow.uid,
                    ends: Ends::Flow {
                        key: &key,
                        orig_is_lo: flow.orig_is_lo,
                        macs: flow.macs,
                    },
                },
                logs_enabled: self.config.logs,
                flow_ops: Some(FlowOps {
                    parser: flow.app.service().unwrap_or_default(),
                    inline: &mut flow.ops,
                    more: &mut flow.more_ops,
                }),
                enabled: self.config.protocols.as_deref(),
            };
            flush_tcp(&mut flow.tcp, &mut flow.app, resp.1, &mut sink);
            if let App::Parsing { session, .. } = &mut flow.app {
                session.finish(&mut sink);
            }
        }
        if let Some(t) = &flow.tcp {
            for s in &t.streams {
                let st = s.stats();
                let r = &mut self.out.reassembly;
                r.delivered_bytes += st.delivered_bytes;
                r.retransmitted_bytes += st.retransmitted_bytes;
                r.overlap_conflicts += st.overlap_conflicts;
                r.out_of_order_segments += st.out_of_order_segments;
                r.gaps += st.gaps;
                r.gap_bytes += st.gap_bytes;
                r.acked_gaps += st.acked_gaps;
                r.dropped_over_cap_bytes += st.dropped_over_cap_bytes;
            }
        }
        let service = flow.app.service();
        for (protocol, op, n) in op_counts(service, &flow.ops, &flow.more_ops) {
            *self.out.obs.operations.entry((protocol, op)).or_insert(0) += u64::from(n);
        }
        let total = Count {
            flows: 1,
            packets: flow.pkts[0] + flow.pkts[1],
            bytes: flow.bytes[0] + flow.bytes[1],
            payload_bytes: flow.payload_bytes,
        };
        self.out.flows_total += 1;
        match key.protocol {
            ipproto::TCP => self.out.tcp_flows += 1,
            ipproto::UDP => self.out.udp_flows += 1,
            _ => {}
        }
        let label: &'static str = match (service, key.protocol) {
            (Some(s), _) => s,
            (None, ipproto::TCP) => "unknown_tcp",
            (None, ipproto::UDP) => "unknown_udp",
            (None, ipproto::ICMP) => "icmp",
            (None, ipproto::ICMPV6) => "icmpv6",
            (None, _) => "other_ip",
        };
        self.out.protocols.entry(label).or_default().add(total);
        let port_key = (key.protocol, resp.1);
        if matches!(key.protocol, ipproto::TCP | ipproto::UDP) {
            self.out.ports.entry(port_key).or_default().add(total);
            if service.is_none() {
                self.out
                    .unrecognised
                    .entry(port_key)
                    .or_default()
                    .add(total);
            }
        }
        let proto_name: std::borrow::Cow<'static, str> = match key.protocol {
            ipproto::TCP => "tcp".into(),
            ipproto::UDP => "udp".into(),
            ipproto::ICMP | ipproto::ICMPV6 => "icmp".into(),
            n => n.to_string().into(),
        };
        for (end, ip) in [(0usize, orig.0), (1, resp.0)] {
            let h = self
                .out
                .hosts
                .entry(ip)
                .or_insert_with(|| HostAgg::new(flow.first_ts));
            h.first = h.first.min(flow.first_ts);
            h.last = h.last.max(flow.last_ts);
            h.vlans.insert(key.vlans[0]);
            if let Some(m) = flow.macs[end] {
                *h.macs.entry(m).or_insert(0) += flow.pkts[end];
            }
            h.pkts_sent += flow.pkts[end];
            h.bytes_sent += flow.bytes[end];
            h.pkts_recv += flow.pkts[1 - end];
            h.bytes_recv += flow.bytes[1 - end];
            if end == 0 {
                h.originated += 1;
            } else {
                h.answered += 1;
                if flow.pkts[1] > 0 && matches!(key.protocol, ipproto::TCP | ipproto::UDP) {
                    let svc = match service {
                        Some(s) => format!("{proto_name}/{} {s}", resp.1),
                        None => format!("{proto_name}/{}", resp.1),
                    };
                    h.services.insert(svc);
                }
            }
        }
        if self.config.keep_flows {
            let evidence = self.evidence(flow.first_file, flow.first_frame, flow.first_ts);
            self.out.flow_records.push(FlowRecord {
                uid: crate::sink::zeek_uid(flow.uid),
                ts: plantguard_model::Timestamp(flow.first_ts),
                last_ts: plantguard_model::Timestamp(flow.last_ts),
                vlans: key.vlans,
                proto: proto_name,
                orig_h: orig.0,
                orig_p: orig.1,
                resp_h: resp.0,
                resp_p: resp.1,
                service: service.map(std::borrow::Cow::Borrowed),
                orig_pkts: flow.pkts[0],
                orig_bytes: flow.bytes[0],
                resp_pkts: flow.pkts[1],
                resp_bytes: flow.bytes[1],
                orig_mac: flow.macs[0].map(crate::result::Mac),
                resp_mac: flow.macs[1].map(crate::result::Mac),
                handshake: flow.handshake,
                operations: {
                    let mut m = crate::result::OpCounts::default();
                    for (_, op, n) in op_counts(service, &flow.ops, &flow.more_ops) {
                        m.add(op.name(), u64::from(n));
                    }
                    m
                },
                evidence,
            });
        }
    }
}
