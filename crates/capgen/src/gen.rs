// SPDX-License-Identifier: Apache-2.0
//! The packet scheduler: interleaves the active flows over time and drives
//! each flow's small state machine (handshake, setup, request/response
//! exchanges, close), with occasional retransmissions and reordering.

use crate::app::{self, PduCtx};
use crate::flows::{self, Flow, Phase, ACK_DUE, FIN, RETRANS, RETRANS_SERVER, SPLIT, TWIN};
use crate::frame::{self, tcp, Addr, TcpSeg};
use crate::hosts::HostPlan;
use crate::rng::{mix, threshold, SplitMix64};
use crate::{Config, ConfigError, Kind};

/// One generated frame.
#[derive(Clone, Copy, Debug)]
pub struct Packet<'a> {
    /// Capture time, seconds since the Unix epoch.
    pub ts_sec: u32,
    /// Microseconds within the second.
    pub ts_usec: u32,
    /// The Ethernet frame (no FCS).
    pub data: &'a [u8],
}

/// Streaming packet source: yields exactly `cfg.packets` frames, in time
/// order, from `cfg.flows` distinct flows. Memory is O(flows) (40 bytes per
/// flow) plus the active-flow list.
pub struct Generator {
    cfg: Config,
    hosts: HostPlan,
    flows: Vec<Flow>,
    active: Vec<u32>,
    next_flow: u32,
    rng: SplitMix64,
    clock_us: u64,
    emitted: u64,
    retrans_t: u64,
    reorder_t: u64,
    frame: Vec<u8>,
    payload: Vec<u8>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Dir {
    ToServer,
    ToClient,
}

impl Generator {
    /// Validate `cfg`, lay out hosts and plan all flows.
    pub fn new(cfg: Config) -> Result<Self, ConfigError> {
        cfg.validate()?;
        let hosts = HostPlan::new(cfg.mix, cfg.hosts);
        let flows = flows::plan(&cfg, &hosts)?;
        let conc = cfg.concurrency.min(cfg.flows).max(1);
        Ok(Self {
            active: (0..conc).collect(),
            next_flow: conc,
            rng: SplitMix64::new(mix(cfg.seed, 0x5C4ED)),
            clock_us: u64::from(cfg.start_time) * 1_000_000,
            emitted: 0,
            retrans_t: threshold(cfg.retransmit_share),
            reorder_t: threshold(cfg.reorder_share),
            frame: Vec::with_capacity(1600),
            payload: Vec::with_capacity(1600),
            hosts,
            flows,
            cfg,
        })
    }

    /// Number of flows of each kind (in [`Kind::ALL`] order).
    pub fn flows_per_kind(&self) -> [u64; Kind::ALL.len()] {
        let mut n = [0; Kind::ALL.len()];
        for f in &self.flows {
            n[f.kind as usize] += 1;
        }
        n
    }

    /// Packets still to come.
    pub fn remaining(&self) -> u64 {
        self.cfg.packets - self.emitted
    }

    /// The next frame, or `None` after `cfg.packets` frames.
    pub fn next_packet(&mut self) -> Option<Packet<'_>> {
        if self.active.is_empty() {
            return None;
        }
        let slot = self.rng.below(self.active.len() as u64) as usize;
        let fi = self.active[slot];
        self.emit(fi);
        let f = &mut self.flows[fi as usize];
        f.remaining -= 1;
        if f.remaining == 0 {
            if self.next_flow < self.cfg.flows {
                self.active[slot] = self.next_flow;
                self.next_flow += 1;
            } else {
                self.active.swap_remove(slot);
            }
        }
        self.emitted += 1;
        let gap = self.rng.range(1, 2 * u64::from(self.cfg.mean_gap_us) - 1);
        self.clock_us += gap;
        Some(Packet {
            ts_sec: (self.clock_us / 1_000_000) as u32,
            ts_usec: (self.clock_us % 1_000_000) as u32,
            data: &self.frame,
        })
    }

    /// Build the next frame of flow `fi` into `self.frame`.
    fn emit(&mut self, fi: u32) {
        let Self {
            flows,
            hosts,
            rng,
            frame,
            payload,
            cfg,
            retrans_t,
            reorder_t,
            ..
        } = self;
        let f = &mut flows[fi as usize];
        let fs = mix(cfg.seed, u64::from(fi));
        let is_tcp = f.kind.is_tcp();
        let close = if is_tcp && f.flags & FIN != 0 { 3 } else { 0 };
        let server_ip = hosts.hosts[f.server as usize].ip;
        let client_ip = hosts.hosts[f.client as usize].ip;
        let ctx = |step: u32, segs: u8| PduCtx {
            fs,
            step,
            server_ip,
            client_ip,
            start: u64::from(cfg.start_time),
            segs,
        };
        payload.clear();
        let mut flags = tcp::ACK;
        let mut syn_options = false;
        let (dir, seq, ack);
        if f.flags & RETRANS != 0 {
            // Repeat the last data segment, byte for byte.
            f.flags &= !RETRANS;
            if f.flags & RETRANS_SERVER == 0 {
                app::request(f.kind, &ctx(f.step, f.segs), payload);
                dir = Dir::ToServer;
                (seq, ack) = (f.cseq.wrapping_sub(payload.len() as u32), f.sseq);
            } else {
                let (step, seg) = if f.phase == Phase::Response {
                    (f.step, f.seg - 1)
                } else {
                    (f.step - 1, f.segs - 1)
                };
                app::response(f.kind, &ctx(step, f.segs), seg, payload);
                dir = Dir::ToClient;
                (seq, ack) = (f.sseq.wrapping_sub(payload.len() as u32), f.cseq);
            }
            flags |= tcp::PSH;
        } else {
            match f.phase {
                Phase::Syn => {
                    (dir, seq, ack, flags, syn_options) =
                        (Dir::ToServer, f.cseq, 0, tcp::SYN, true);
                    f.cseq = f.cseq.wrapping_add(1);
                    f.phase = Phase::SynAck;
                }
                Phase::SynAck => {
                    (dir, seq, ack, flags, syn_options) =
                        (Dir::ToClient, f.sseq, f.cseq, tcp::SYN | tcp::ACK, true);
                    f.sseq = f.sseq.wrapping_add(1);
                    f.phase = Phase::HandshakeAck;
                }
                Phase::HandshakeAck => {
                    (dir, seq, ack) = (Dir::ToServer, f.cseq, f.sseq);
                    f.phase = Phase::Request;
                }
                Phase::FinServer => {
                    (dir, seq, ack, flags) = (Dir::ToClient, f.sseq, f.cseq, tcp::FIN | tcp::ACK);
                    f.sseq = f.sseq.wrapping_add(1);
                    f.phase = Phase::LastAck;
                }
                Phase::LastAck => (dir, seq, ack) = (Dir::ToServer, f.cseq, f.sseq),
                Phase::Request if is_tcp && close > 0 && f.remaining == close => {
                    (dir, seq, ack, flags) = (Dir::ToServer, f.cseq, f.sseq, tcp::FIN | tcp::ACK);
                    f.cseq = f.cseq.wrapping_add(1);
                    f.phase = Phase::FinServer;
                }
                Phase::Request
                    if is_tcp
                        && (f.remaining == close + 1
                            || (f.flags & ACK_DUE != 0 && f.remaining >= close + 3)) =>
                {
                    (dir, seq, ack) = (Dir::ToServer, f.cseq, f.sseq);
                    f.flags &= !ACK_DUE;
                }
                Phase::Request => {
                    f.flags &= !ACK_DUE;
                    if f.flags & SPLIT == 0 {
                        let room = f.remaining.saturating_sub(close + 1).clamp(1, 255) as u8;
                        f.segs = app::wanted_segments(f.kind, &ctx(f.step, 1)).min(room);
                    }
                    app::request(f.kind, &ctx(f.step, f.segs), payload);
                    dir = Dir::ToServer;
                    let need = 1 + u32::from(f.segs);
                    (seq, ack) = data(f, dir, payload, rng, *retrans_t, *reorder_t, close + need);
                    flags |= tcp::PSH;
                    if f.kind.one_way() {
                        // Announcements: no response, the next one follows.
                        f.phase = Phase::Request;
                        f.step = f.step.wrapping_add(1);
                    }
                }
                Phase::Response => {
                    app::response(f.kind, &ctx(f.step, f.segs), f.seg, payload);
                    dir = Dir::ToClient;
                    let need = u32::from(f.segs - f.seg);
                    (seq, ack) = data(f, dir, payload, rng, *retrans_t, *reorder_t, close + need);
                    flags |= tcp::PSH;
                }
            }
        }
        // Addressing: the capture point is the server-side switch; routed
        // client traffic carries the gateway MAC and one less TTL.
        let twin = f.flags & TWIN != 0;
        let (c, s) = (
            &hosts.hosts[f.client as usize],
            &hosts.hosts[f.server as usize],
        );
        let routed = hosts.routed(f.client, f.server);
        let client_mac = if routed {
            HostPlan::gateway_mac(s.vlan)
        } else {
            hosts.mac(f.client, twin)
        };
        let server_mac = hosts.mac(f.server, twin);
        let addr = if dir == Dir::ToServer {
            f.cipid = f.cipid.wrapping_add(1);
            Addr {
                src_mac: client_mac,
                dst_mac: server_mac,
                vlan: f.vlan,
                src_ip: c.ip,
                dst_ip: s.ip,
                ttl: c.ttl - u8::from(routed),
                ip_id: f.cipid,
                src_port: f.cport,
                dst_port: f.sport,
            }
        } else {
            f.sipid = f.sipid.wrapping_add(1);
            Addr {
                src_mac: server_mac,
                dst_mac: client_mac,
                vlan: f.vlan,
                src_ip: s.ip,
                dst_ip: c.ip,
                ttl: s.ttl,
                ip_id: f.sipid,
                src_port: f.sport,
                dst_port: f.cport,
            }
        };
        if is_tcp {
            let window = if dir == Dir::ToServer {
                c.window
            } else {
                s.window
            };
            let seg = TcpSeg {
                seq,
                ack,
                flags,
                window,
                syn_options,
            };
            frame::build(frame, &addr, Some(&seg), payload);
        } else {
            frame::build(frame, &addr, None, payload);
        }
    }
}

/// Send the data segment in `payload` for direction `dir`, maybe split in two
/// halves sent in reverse order, maybe marked for a later retransmission.
/// `need` = packets this flow still needs (close + rest of the exchange);
/// disorder is only added when the budget has room for it. Returns (seq, ack)
/// and leaves in `payload` the bytes to send.
fn data(
    f: &mut Flow,
    dir: Dir,
    payload: &mut Vec<u8>,
    rng: &mut SplitMix64,
    retrans_t: u64,
    reorder_t: u64,
    need: u32,
) -> (u32, u32) {
    let len = payload.len();
    let (base, ack) = if dir == Dir::ToServer {
        (f.cseq, f.sseq)
    } else {
        (f.sseq, f.cseq)
    };
    let tcp = f.kind.is_tcp();
    if f.flags & SPLIT != 0 {
        f.flags &= !SPLIT;
        payload.truncate(len / 2);
        complete(f, dir, len);
        return (base, ack);
    }
    if tcp && len >= 2 && f.remaining > need && rng.chance(reorder_t) {
        f.flags |= SPLIT;
        payload.drain(..len / 2);
        return (base.wrapping_add((len / 2) as u32), ack);
    }
    complete(f, dir, len);
    if tcp && f.remaining > need && rng.chance(retrans_t) {
        f.flags |= RETRANS;
        if dir == Dir::ToClient {
            f.flags |= RETRANS_SERVER;
        } else {
            f.flags &= !RETRANS_SERVER;
        }
    }
    (base, ack)
}

/// A whole segment of `len` bytes is out: advance sequence numbers and phase.
fn complete(f: &mut Flow, dir: Dir, len: usize) {
    if dir == Dir::ToServer {
        f.cseq = f.cseq.wrapping_add(len as u32);
        f.phase = Phase::Response;
        f.seg = 0;
    } else {
        f.sseq = f.sseq.wrapping_add(len as u32);
        f.seg += 1;
        if f.seg == f.segs {
            f.phase = Phase::Request;
            f.step = f.step.wrapping_add(1);
            if f.segs > 1 {
                f.flags |= ACK_DUE;
            }
        }
    }
}
