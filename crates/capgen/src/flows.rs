// SPDX-License-Identifier: Apache-2.0
//! Flow planning: which hosts talk, over which protocol, on which VLAN, with
//! how many packets. Every flow gets a distinct (5-tuple, VLAN) key.

use std::collections::HashSet;

use crate::hosts::{HostPlan, Role, TWIN_VLAN_OFFSET};
use crate::rng::{mix, threshold, SplitMix64};
use crate::{Config, ConfigError, Mix};

/// Application protocol (and transport) of a generated flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Kind {
    /// Modbus/TCP, TCP 502.
    Modbus,
    /// EtherNet/IP explicit messaging (SendRRData + CIP), TCP 44818.
    EnipTcp,
    /// EtherNet/IP class 1 implicit I/O, UDP 2222.
    EnipIo,
    /// S7comm over TPKT/COTP, TCP 102.
    S7,
    /// OPC UA binary, TCP 4840.
    OpcUa,
    /// DNS, UDP 53.
    Dns,
    /// NTP, UDP 123.
    Ntp,
    /// HTTP/1.1, TCP 80 or 8080.
    Http,
    /// TLS 1.3, TCP 443.
    Tls,
    /// DNP3 over TCP 20000 (master polls, direct operate, unsolicited responses).
    Dnp3,
    /// IEC 60870-5-104, TCP 2404.
    Iec104,
    /// BACnet/IP confirmed ReadProperty(Multiple) and ComplexACK, UDP 47808.
    Bacnet,
    /// BACnet/IP Who-Is broadcast to a cell, UDP 47808 (one way).
    BacnetWhoIs,
    /// BACnet/IP I-Am broadcast by a controller, UDP 47808 (one way).
    BacnetIAm,
}

impl Kind {
    /// All kinds, in declaration order.
    pub const ALL: [Kind; 14] = [
        Kind::Modbus,
        Kind::EnipTcp,
        Kind::EnipIo,
        Kind::S7,
        Kind::OpcUa,
        Kind::Dns,
        Kind::Ntp,
        Kind::Http,
        Kind::Tls,
        Kind::Dnp3,
        Kind::Iec104,
        Kind::Bacnet,
        Kind::BacnetWhoIs,
        Kind::BacnetIAm,
    ];

    /// Short lowercase name.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Modbus => "modbus",
            Kind::EnipTcp => "enip",
            Kind::EnipIo => "enip-io",
            Kind::S7 => "s7comm",
            Kind::OpcUa => "opcua",
            Kind::Dns => "dns",
            Kind::Ntp => "ntp",
            Kind::Http => "http",
            Kind::Tls => "tls",
            Kind::Dnp3 => "dnp3",
            Kind::Iec104 => "iec104",
            Kind::Bacnet => "bacnet",
            Kind::BacnetWhoIs => "bacnet-whois",
            Kind::BacnetIAm => "bacnet-iam",
        }
    }

    /// True for TCP flows.
    pub fn is_tcp(self) -> bool {
        !matches!(
            self,
            Kind::EnipIo
                | Kind::Dns
                | Kind::Ntp
                | Kind::Bacnet
                | Kind::BacnetWhoIs
                | Kind::BacnetIAm
        )
    }

    /// True for flows whose every packet goes from client to server
    /// (broadcast announcements): no responses.
    pub(crate) fn one_way(self) -> bool {
        matches!(self, Kind::BacnetWhoIs | Kind::BacnetIAm)
    }

    /// Exchanges that set up the application session before the steady state
    /// (ENIP RegisterSession; COTP CR/CC + S7 Setup Communication; OPC UA
    /// HEL/ACK + OPN; TLS handshake; IEC 104 STARTDT).
    pub(crate) fn setup_exchanges(self) -> u32 {
        match self {
            Kind::EnipTcp | Kind::Tls | Kind::Iec104 => 1,
            Kind::S7 | Kind::OpcUa => 2,
            _ => 0,
        }
    }

    /// Relative weight of this kind when spreading extra packets over flows
    /// (polling and cyclic I/O flows are long-lived; DNS/NTP are one exchange).
    fn activity(self) -> u64 {
        match self {
            Kind::Modbus | Kind::S7 => 8,
            Kind::EnipTcp | Kind::OpcUa => 6,
            Kind::EnipIo => 10,
            Kind::Http => 3,
            Kind::Tls => 4,
            Kind::Dns | Kind::Ntp => 0,
            Kind::Dnp3 | Kind::Iec104 => 8,
            Kind::Bacnet => 6,
            Kind::BacnetWhoIs | Kind::BacnetIAm => 1,
        }
    }
}

/// Per-mille share of flows per kind for each mix.
pub(crate) fn mix_weights(mix: Mix) -> &'static [(Kind, u64)] {
    match mix {
        Mix::Ics => &[
            (Kind::Modbus, 280),
            (Kind::EnipTcp, 150),
            (Kind::EnipIo, 100),
            (Kind::S7, 200),
            (Kind::OpcUa, 100),
            (Kind::Dns, 120),
            (Kind::Ntp, 50),
        ],
        Mix::It => &[
            (Kind::Http, 300),
            (Kind::Tls, 400),
            (Kind::Dns, 250),
            (Kind::Ntp, 50),
        ],
        Mix::Mixed => &[
            (Kind::Modbus, 170),
            (Kind::EnipTcp, 90),
            (Kind::EnipIo, 60),
            (Kind::S7, 120),
            (Kind::OpcUa, 60),
            (Kind::Dns, 150),
            (Kind::Ntp, 40),
            (Kind::Http, 120),
            (Kind::Tls, 190),
        ],
        Mix::Ics2 => &[
            (Kind::Dnp3, 280),
            (Kind::Iec104, 220),
            (Kind::Bacnet, 200),
            (Kind::BacnetWhoIs, 40),
            (Kind::BacnetIAm, 40),
            (Kind::Dns, 150),
            (Kind::Ntp, 70),
        ],
    }
}

/// Flow flag: the capture starts in the middle of the connection.
pub(crate) const MIDSTREAM: u8 = 1;
/// Flow flag: the connection is closed with FIN/FIN/ACK.
pub(crate) const FIN: u8 = 2;
/// Flow flag: endpoints belong to a twin cell (same IPs, other VLAN and MACs).
pub(crate) const TWIN: u8 = 4;
/// Flow flag: the client owes an ACK after a bulk response.
pub(crate) const ACK_DUE: u8 = 8;
/// Flow flag: the second half of a split segment was sent; the first is due.
pub(crate) const SPLIT: u8 = 16;
/// Flow flag: the last data segment is to be retransmitted.
pub(crate) const RETRANS: u8 = 32;
/// Flow flag: with [`RETRANS`], the segment was sent by the server.
pub(crate) const RETRANS_SERVER: u8 = 64;

/// Where a flow is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Phase {
    Syn,
    SynAck,
    HandshakeAck,
    Request,
    Response,
    FinServer,
    LastAck,
}

/// One flow: its fixed key and its (small) running state. 40 bytes.
#[derive(Clone, Debug)]
pub(crate) struct Flow {
    pub(crate) client: u32,
    pub(crate) server: u32,
    pub(crate) remaining: u32,
    pub(crate) step: u32,
    pub(crate) cseq: u32,
    pub(crate) sseq: u32,
    pub(crate) cport: u16,
    pub(crate) sport: u16,
    pub(crate) vlan: u16,
    pub(crate) cipid: u16,
    pub(crate) sipid: u16,
    pub(crate) kind: Kind,
    pub(crate) flags: u8,
    pub(crate) phase: Phase,
    pub(crate) seg: u8,
    pub(crate) segs: u8,
}

impl Flow {
    /// Packets of a complete life: handshake, setup, one exchange, close.
    fn nominal_packets(&self) -> u64 {
        if !self.kind.is_tcp() {
            return 2;
        }
        let fresh = self.flags & MIDSTREAM == 0;
        let hs = if fresh { 3 } else { 0 };
        let setup = if fresh {
            2 * u64::from(self.kind.setup_exchanges())
        } else {
            0
        };
        let close = if self.flags & FIN != 0 { 3 } else { 0 };
        hs + setup + 2 + close
    }
}

/// `a`, or `b` when `a` is empty.
fn or<'a>(a: &'a [u32], b: &'a [u32]) -> &'a [u32] {
    if a.is_empty() {
        b
    } else {
        a
    }
}

fn pick(r: &mut SplitMix64, v: &[u32]) -> u32 {
    v[r.below(v.len() as u64) as usize]
}

fn ephemeral(r: &mut SplitMix64, windows: bool) -> u16 {
    if windows {
        r.range(49152, 65535) as u16
    } else {
        r.range(32768, 60999) as u16
    }
}

/// Choose endpoints and ports for a flow of `kind`: (client, server, cport, sport).
fn endpoints(kind: Kind, mix: Mix, p: &HostPlan, r: &mut SplitMix64) -> (u32, u32, u16, u16) {
    let ics_client = |r: &mut SplitMix64| {
        if r.below(10) == 0 {
            pick(r, &p.dmz) // historian polling the cell
        } else {
            pick(r, &p.clients)
        }
    };
    let office = mix == Mix::It || (mix == Mix::Mixed && r.below(2) == 0);
    let (client, server, sport) = match kind {
        Kind::Modbus => {
            let s = if r.below(10) < 7 {
                pick(r, or(&p.schneider, &p.plcs))
            } else {
                pick(r, &p.plcs)
            };
            (ics_client(r), s, 502)
        }
        Kind::EnipTcp => (ics_client(r), pick(r, or(&p.rockwell, &p.plcs)), 44818),
        Kind::S7 => (ics_client(r), pick(r, or(&p.siemens, &p.plcs)), 102),
        Kind::OpcUa => {
            let s = if r.below(10) < 6 {
                pick(r, or(&p.siemens, &p.plcs))
            } else {
                pick(r, &p.plcs)
            };
            (ics_client(r), s, 4840)
        }
        Kind::EnipIo => {
            let scanner = pick(r, or(&p.rockwell, &p.plcs));
            let mut adapter = pick(r, &p.plcs);
            if adapter == scanner {
                adapter = pick(r, &p.clients);
            }
            (scanner, adapter, 2222)
        }
        Kind::Dns | Kind::Ntp => {
            let sport = if kind == Kind::Dns { 53 } else { 123 };
            if office || p.clients.is_empty() {
                let srv = if !p.it_servers.is_empty() && r.below(10) < 7 {
                    p.it_servers[0]
                } else {
                    p.dmz[0]
                };
                (pick(r, &p.workstations), srv, sport)
            } else {
                let c = if kind == Kind::Ntp && r.below(2) == 0 {
                    pick(r, &p.plcs)
                } else {
                    pick(r, &p.clients)
                };
                let srv = if p.dmz.len() > 1 && r.below(10) < 3 {
                    p.dmz[1]
                } else {
                    p.dmz[0]
                };
                (c, srv, sport)
            }
        }
        Kind::Dnp3 => (pick(r, &p.clients), pick(r, or(&p.sel, &p.plcs)), 20000),
        Kind::Iec104 => (pick(r, &p.clients), pick(r, or(&p.abb, &p.plcs)), 2404),
        Kind::Bacnet => (pick(r, &p.clients), pick(r, or(&p.jci, &p.plcs)), 47808),
        Kind::BacnetWhoIs => {
            let client = pick(r, &p.clients);
            let device = pick(r, or(&p.jci, &p.plcs));
            (client, p.broadcast_of(device), 47808)
        }
        Kind::BacnetIAm => {
            let device = pick(r, or(&p.jci, &p.plcs));
            (device, p.broadcast_of(device), 47808)
        }
        Kind::Http | Kind::Tls => {
            let k = r.below((p.it_servers.len() + p.dmz.len()) as u64) as usize;
            let server = p
                .it_servers
                .get(k)
                .copied()
                .unwrap_or_else(|| p.dmz[k - p.it_servers.len()]);
            let sport = match kind {
                Kind::Http if r.below(10) == 0 => 8080,
                Kind::Http => 80,
                _ => 443,
            };
            (pick(r, &p.workstations), server, sport)
        }
    };
    let ch = &p.hosts[client as usize];
    let cport = match (kind, ch.role) {
        (Kind::EnipIo, _) => 2222,
        (Kind::Ntp, Role::Plc(_)) => 123,
        (Kind::BacnetWhoIs | Kind::BacnetIAm, _) => 47808,
        // BACnet clients often bind the well-known port too.
        (Kind::Bacnet, _) if r.below(2) == 0 => 47808,
        _ => ephemeral(r, ch.windows()),
    };
    (client, server, cport, sport)
}

fn key(f: &Flow) -> u128 {
    let a = (u64::from(f.client) << 16) | u64::from(f.cport);
    let b = (u64::from(f.server) << 16) | u64::from(f.sport);
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    (u128::from(lo) << 80)
        | (u128::from(hi) << 32)
        | (u128::from(f.vlan) << 1)
        | u128::from(f.kind.is_tcp())
}

/// Plan `cfg.flows` flows with distinct keys and packet budgets summing to
/// exactly `cfg.packets`.
pub(crate) fn plan(cfg: &Config, hosts: &HostPlan) -> Result<Vec<Flow>, ConfigError> {
    let mut r = SplitMix64::new(mix(cfg.seed, 0xF10));
    let weights = mix_weights(cfg.mix);
    let total_w: u64 = weights.iter().map(|w| w.1).sum();
    let vlan_t = threshold(cfg.vlan_share);
    let mid_t = threshold(cfg.midstream_share);
    let fin_t = threshold(cfg.fin_share);
    let twin_t = threshold(0.01);
    let n = cfg.flows as usize;
    let mut flows = Vec::with_capacity(n);
    let mut seen: HashSet<u128> = HashSet::with_capacity(n);
    let mut last_tagged_plc: Option<usize> = None;
    for i in 0..n {
        let fs = mix(cfg.seed, i as u64);
        let mut attempts = 0u32;
        let flow = loop {
            attempts += 1;
            if attempts > 10_000 {
                return Err(ConfigError::TooManyFlows {
                    flows: cfg.flows,
                    hosts: cfg.hosts,
                });
            }
            if let Some(j) = last_tagged_plc.filter(|_| r.chance(twin_t)) {
                let src: &Flow = &flows[j];
                let mut f = src.clone();
                f.vlan = src.vlan + TWIN_VLAN_OFFSET;
                f.flags |= TWIN;
                if seen.insert(key(&f)) {
                    last_tagged_plc = None;
                    break f;
                }
            }
            let mut x = r.below(total_w);
            let kind = weights
                .iter()
                .find(|(_, w)| {
                    let hit = x < *w;
                    x = x.saturating_sub(*w);
                    hit
                })
                .map_or(Kind::Dns, |w| w.0);
            let (client, server, cport, sport) = endpoints(kind, cfg.mix, hosts, &mut r);
            let sh = &hosts.hosts[server as usize];
            let vlan = if r.chance(vlan_t) { sh.vlan } else { 0 };
            let mut flags = 0;
            if kind.is_tcp() {
                if r.chance(mid_t) {
                    flags |= MIDSTREAM;
                }
                if r.chance(fin_t) {
                    flags |= FIN;
                }
            }
            let f = Flow {
                client,
                server,
                remaining: 0,
                step: 0,
                cseq: fs as u32,
                sseq: (fs >> 32) as u32,
                cport,
                sport,
                vlan,
                cipid: (fs >> 8) as u16,
                sipid: (fs >> 40) as u16,
                kind,
                flags,
                phase: Phase::Request,
                seg: 0,
                segs: 1,
            };
            if seen.insert(key(&f)) {
                if vlan != 0 && matches!(sh.role, Role::Plc(_)) {
                    last_tagged_plc = Some(i);
                }
                break f;
            }
        };
        flows.push(flow);
    }
    drop(seen);
    for (i, f) in flows.iter_mut().enumerate() {
        let fs = mix(cfg.seed, i as u64);
        f.cseq = fs as u32;
        f.sseq = (fs >> 32) as u32;
        if f.kind.is_tcp() && f.flags & MIDSTREAM == 0 {
            f.phase = Phase::Syn;
        } else if f.kind.is_tcp() {
            f.step = f.kind.setup_exchanges() + (fs >> 48) as u32 % 5000;
        }
    }
    budgets(cfg, &mut flows, &mut r);
    Ok(flows)
}

/// Give every flow a packet budget; budgets sum to exactly `cfg.packets`.
fn budgets(cfg: &Config, flows: &mut [Flow], r: &mut SplitMix64) {
    let n = cfg.packets;
    let nominal: Vec<u64> = flows.iter().map(Flow::nominal_packets).collect();
    let sum_min: u64 = nominal.iter().sum();
    let mut b: Vec<u64>;
    if sum_min <= n {
        // Heavy tail: weight = activity × 2^k with P(k) = 2^-(k+1), k ≤ 8.
        let w: Vec<u64> = flows
            .iter()
            .map(|f| f.kind.activity() << (r.next_u64().trailing_zeros().min(8)))
            .collect();
        let total_w: u64 = w.iter().sum();
        let extra = n - sum_min;
        b = nominal.clone();
        if total_w == 0 {
            let len = flows.len() as u64;
            for (i, x) in b.iter_mut().enumerate() {
                *x += extra / len + u64::from((i as u64) < extra % len);
            }
        } else {
            let mut given = 0;
            for (x, &wi) in b.iter_mut().zip(&w) {
                let e = (u128::from(extra) * u128::from(wi) / u128::from(total_w)) as u64;
                *x += e;
                given += e;
            }
            let mut left = extra - given;
            for (x, &wi) in b.iter_mut().zip(&w) {
                if left == 0 {
                    break;
                }
                if wi > 0 {
                    *x += 1;
                    left -= 1;
                }
            }
        }
    } else {
        // Too few packets for complete flows: scale down, at least 1 each.
        b = nominal
            .iter()
            .map(|&m| ((u128::from(n) * u128::from(m) / u128::from(sum_min)) as u64).max(1))
            .collect();
        let mut total: u64 = b.iter().sum();
        'fix: while total != n {
            for x in b.iter_mut() {
                if total < n {
                    *x += 1;
                    total += 1;
                } else if total > n && *x > 1 {
                    *x -= 1;
                    total -= 1;
                }
                if total == n {
                    break 'fix;
                }
            }
        }
    }
    for (f, x) in flows.iter_mut().zip(b) {
        f.remaining = x.min(u64::from(u32::MAX)) as u32;
    }
}
