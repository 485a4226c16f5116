// SPDX-License-Identifier: Apache-2.0
//! Deterministic generator of large, realistic plant-network captures.
//!
//! `plantguard-capgen` writes a classic pcap of an industrial site: IT
//! workstations and servers, a DMZ, HMI/SCADA/engineering stations and PLC
//! cells, talking Modbus/TCP, EtherNet/IP (explicit and implicit I/O),
//! S7comm, OPC UA, DNS and NTP (plus HTTP and TLS for the `it` and `mixed`
//! mixes; DNP3, IEC 60870-5-104 and BACnet/IP instead of the first four in
//! the `ics2` mix). The same [`Config`] always yields the same bytes: all randomness
//! comes from a SplitMix64 seeded by [`Config::seed`].
//!
//! The output is streamed: [`Generator`] yields one frame at a time, so a
//! 20-million-packet capture needs only O(flows) memory (40 bytes a flow).
//! The traffic model is described in the crate's README.md.
//!
//! ```
//! use plantguard_capgen::{Config, Generator, Mix};
//! let mut cfg = Config::new(1_000, 50, 40, 7);
//! cfg.mix = Mix::Ics;
//! let mut g = Generator::new(cfg).unwrap();
//! let mut n = 0;
//! while let Some(p) = g.next_packet() {
//!     assert!((60..=200).contains(&p.data.len()));
//!     n += 1;
//! }
//! assert_eq!(n, 1_000);
//! ```
#![deny(missing_docs)]

mod app;
mod flows;
mod frame;
mod gen;
mod hosts;
mod pcap;
mod rng;

use std::io::Write;

pub use flows::Kind;
pub use gen::{Generator, Packet};
pub use pcap::PcapWriter;

/// Traffic mix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Mix {
    /// Industrial only: Modbus, EtherNet/IP, S7comm, OPC UA, DNS, NTP;
    /// every frame is 60–200 bytes.
    #[default]
    Ics,
    /// Office only: HTTP, TLS, DNS, NTP, with bulk transfers up to 1514-byte frames.
    It,
    /// Both, about 60 % industrial flows.
    Mixed,
    /// Industrial protocols II: DNP3, IEC 60870-5-104, BACnet/IP, DNS, NTP;
    /// every frame is 60–200 bytes.
    Ics2,
}

/// Invalid generator parameters.
#[derive(Clone, Copy, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// Every flow needs at least one packet.
    #[error("{packets} packets cannot carry {flows} flows (need packets >= flows >= 1)")]
    TooFewPackets {
        /// Requested packets.
        packets: u64,
        /// Requested flows.
        flows: u32,
    },
    /// The host plan needs at least five hosts and at most 60 000.
    #[error("--hosts must be between 5 and 60000, got {0}")]
    Hosts(u32),
    /// Not enough distinct (5-tuple, VLAN) keys among so few hosts.
    #[error("cannot find {flows} distinct flows among {hosts} hosts; use more hosts")]
    TooManyFlows {
        /// Requested flows.
        flows: u32,
        /// Requested hosts.
        hosts: u32,
    },
    /// A share is outside [0, 1].
    #[error("share {0} is outside [0, 1]")]
    Share(f64),
    /// A count that must be positive is zero, or packets exceed 2^32.
    #[error("{0} is out of range")]
    Range(&'static str),
}

/// Generator parameters. Equal configs give byte-identical captures.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Exact number of packets.
    pub packets: u64,
    /// Exact number of distinct flows (5-tuple + VLAN).
    pub flows: u32,
    /// Number of hosts in the plant.
    pub hosts: u32,
    /// Seed of all randomness.
    pub seed: u64,
    /// Share of flows carried in an 802.1Q tag (VLAN of the server's zone).
    pub vlan_share: f64,
    /// Traffic mix.
    pub mix: Mix,
    /// Share of TCP flows that start mid-stream (no handshake).
    pub midstream_share: f64,
    /// Share of TCP flows that close with FIN (the others just stop).
    pub fin_share: f64,
    /// Share of TCP data segments that are retransmitted once.
    pub retransmit_share: f64,
    /// Share of TCP data segments sent as two halves in reverse order.
    pub reorder_share: f64,
    /// Flows active at the same time.
    pub concurrency: u32,
    /// Mean gap between consecutive packets, microseconds (uniform 1..2×mean).
    pub mean_gap_us: u32,
    /// Timestamp of the first packet, Unix seconds.
    pub start_time: u32,
}

impl Config {
    /// A config with the documented defaults for everything else.
    pub fn new(packets: u64, flows: u32, hosts: u32, seed: u64) -> Self {
        Self {
            packets,
            flows,
            hosts,
            seed,
            vlan_share: 0.3,
            mix: Mix::Ics,
            midstream_share: 0.1,
            fin_share: 0.5,
            retransmit_share: 0.0025,
            reorder_share: 0.0025,
            concurrency: 2000,
            mean_gap_us: 6,
            start_time: 1_709_539_200, // 2024-03-04 08:00:00 UTC
        }
    }

    /// Check the parameters.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.flows == 0 || self.packets < u64::from(self.flows) {
            return Err(ConfigError::TooFewPackets {
                packets: self.packets,
                flows: self.flows,
            });
        }
        if self.packets > u64::from(u32::MAX) {
            return Err(ConfigError::Range("packets"));
        }
        if !(5..=60_000).contains(&self.hosts) {
            return Err(ConfigError::Hosts(self.hosts));
        }
        for s in [
            self.vlan_share,
            self.midstream_share,
            self.fin_share,
            self.retransmit_share,
            self.reorder_share,
        ] {
            if !(0.0..=1.0).contains(&s) {
                return Err(ConfigError::Share(s));
            }
        }
        if self.concurrency == 0 {
            return Err(ConfigError::Range("concurrency"));
        }
        if self.mean_gap_us == 0 {
            return Err(ConfigError::Range("mean gap"));
        }
        Ok(())
    }
}

/// What was written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Packets written.
    pub packets: u64,
    /// Distinct flows.
    pub flows: u64,
    /// Bytes of frame data (without pcap headers).
    pub frame_bytes: u64,
    /// Time of the first and last packet, microseconds since the epoch.
    pub span_us: (u64, u64),
    /// Flows per [`Kind`] in [`Kind::ALL`] order.
    pub flows_per_kind: [u64; Kind::ALL.len()],
}

/// Error from [`write_pcap`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Bad parameters.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Writing failed.
    #[error("writing the capture")]
    Io(#[from] std::io::Error),
}

/// Generate the capture described by `cfg` and stream it to `out` as pcap.
/// Wrap files in a `BufWriter`.
pub fn write_pcap<W: Write>(cfg: &Config, out: W) -> Result<Summary, Error> {
    let mut g = Generator::new(cfg.clone())?;
    let mut w = PcapWriter::new(out)?;
    let mut s = Summary {
        flows: u64::from(cfg.flows),
        flows_per_kind: g.flows_per_kind(),
        ..Summary::default()
    };
    while let Some(p) = g.next_packet() {
        let t = u64::from(p.ts_sec) * 1_000_000 + u64::from(p.ts_usec);
        if s.packets == 0 {
            s.span_us.0 = t;
        }
        s.span_us.1 = t;
        s.packets += 1;
        s.frame_bytes += p.data.len() as u64;
        w.write(&p)?;
    }
    w.finish()?;
    Ok(s)
}
