// SPDX-License-Identifier: Apache-2.0
//! `plantguard-capgen`: write a deterministic, realistic plant capture.

use std::fs::File;
use std::io::BufWriter;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::{Parser, ValueEnum};
use plantguard_capgen::{write_pcap, Config, Kind, Mix};

const MODEL: &str = "\
TRAFFIC MODEL
  Hosts sit in /24 subnets per zone: IT workstations 10.10.x (VLAN 10), IT
  servers 10.20.x (11), DMZ servers 172.16.10.x (20; historian, DNS, NTP,
  web), HMI/SCADA/EWS 192.168.1.x (100), PLC cells 172.20.c.x of 24 PLCs
  (VLAN 200+c; vendors Siemens, Rockwell, Schneider in turn). A share of
  flows (--vlan-share) is 802.1Q-tagged with the server zone's VLAN; about
  1 % of flows (after a tagged PLC flow) repeat an earlier flow's 5-tuple on a twin cell
  (VLAN +2000, other MACs), so the VLAN is part of the flow key.

  Flows (ics mix, per mille): Modbus/TCP 502 280, EtherNet/IP 44818 150,
  ENIP implicit I/O UDP 2222 100, S7comm 102 200, OPC UA 4840 100,
  DNS 53 120, NTP 123 50. it mix: HTTP 80/8080 300, TLS 443 400, DNS 250,
  NTP 50. mixed: both (about 60 % industrial). ics2 (industrial protocols
  II): DNP3 TCP 20000 280, IEC 60870-5-104 TCP 2404 220, BACnet/IP UDP 47808
  ReadProperty(Multiple) 200, Who-Is 40, I-Am 40, DNS 150, NTP 70; its cells
  hold SEL RTUs (DNP3), ABB RTUs (IEC 104) and Johnson Controls building
  controllers (BACnet) instead of PLCs.
  Clients are HMIs/SCADA/EWS (10 % DMZ historian); servers are PLCs of the
  fitting vendor. TCP flows open with SYN/SYN-ACK/ACK (MSS, SACK-permitted)
  except --midstream-share of them, run the protocol's setup (ENIP
  RegisterSession; COTP CR/CC + S7 Setup Communication; OPC UA HEL/ACK +
  OPN with SecurityPolicy None; TLS 1.3 ClientHello/ServerHello), then
  request/response exchanges: Modbus 0x03 reads (0.5 % exception
  responses), 0x06/0x10 writes, incrementing transaction ids; ENIP
  SendRRData with CIP Read Tag (0x4C) or Get Attribute Single (0x0E);
  S7 Read Var (3 % Write Var); OPC UA MSG ReadRequest/ReadResponse;
  DNS A queries (3 % NXDOMAIN); NTP mode 3/4; DNP3 link frames with
  CRCs per 16-octet block, READ of classes 1/2/3 (event polls: null
  responses or g2v1/g32v1 events) and every 20th exchange classes 1/2/3/0
  (integrity: g1v2 + g30v1), 4 % DIRECT_OPERATE of a g12v1 CROB, 5 % of
  event polls followed by an unsolicited response (g32v1/g2v1) that the
  master confirms; IEC 104 STARTDT act/con, C_IC_NA_1 station
  interrogation (actcon, M_SP_NA_1 + M_ME_NC_1 inrogen, actterm; every 200
  exchanges), S-frames each answered by a spontaneous M_ME_NC_1 or M_SP_NA_1
  I-frame, TESTFR every 32 exchanges; BACnet ReadProperty of the device's
  model-name, then ReadProperty (70 %) / ReadPropertyMultiple of AI/AV/BI/BV
  objects with their ComplexACK; Who-Is (global or local, half with an
  instance range) and I-Am broadcast to the cell's x.x.x.255 address as
  one-way flows; HTTP GET with
  Content-Length bodies; TLS application data. --fin-share of TCP flows
  close with FIN, FIN, ACK; the rest just stop.

  Packet budgets sum to exactly --packets: every flow gets its nominal
  life, the rest is spread by protocol activity with a heavy tail (polling
  and cyclic I/O flows are long). If packets are short, flows are cut.
  --concurrency flows are active at once; each packet comes from a random
  active flow and the clock advances 1..2x--mean-gap-us microseconds.

  TCP sequence/ack numbers advance with the bytes sent; --retransmit-share
  of data segments are repeated byte for byte later, --reorder-share are
  sent as two halves, second half first. IPv4, TCP and UDP checksums are
  all correct; short frames are zero-padded to 60 bytes. ics and ics2
  frames are 60-200 bytes (incl. VLAN tag).

  Same arguments => byte-identical file (SplitMix64 seeded by --seed).";

#[derive(Clone, Copy, ValueEnum)]
enum MixArg {
    /// Modbus/TCP, EtherNet/IP, S7comm, OPC UA, DNS, NTP (60-200-byte frames).
    Ics,
    /// HTTP, TLS, DNS, NTP (bulk transfers up to 1514-byte frames).
    It,
    /// Both, about 60 % industrial flows.
    Mixed,
    /// Industrial protocols II: DNP3, IEC 60870-5-104, BACnet/IP, DNS, NTP (60-200-byte frames).
    Ics2,
}

/// Write a deterministic, realistic plant capture (classic LE pcap, Ethernet).
#[derive(Parser)]
#[command(version, after_long_help = MODEL)]
struct Args {
    /// Exact number of packets to write.
    #[arg(long)]
    packets: u64,
    /// Exact number of distinct flows (5-tuple + VLAN).
    #[arg(long)]
    flows: u32,
    /// Number of hosts in the plant (5..=60000).
    #[arg(long)]
    hosts: u32,
    /// Seed of all randomness.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Share of flows carried in an 802.1Q tag.
    #[arg(long, default_value_t = 0.3)]
    vlan_share: f64,
    /// Traffic mix.
    #[arg(long, value_enum, default_value = "ics")]
    mix: MixArg,
    /// Share of TCP flows that start mid-stream (no handshake).
    #[arg(long, default_value_t = 0.1)]
    midstream_share: f64,
    /// Share of TCP flows that close with FIN.
    #[arg(long, default_value_t = 0.5)]
    fin_share: f64,
    /// Share of TCP data segments retransmitted once.
    #[arg(long, default_value_t = 0.0025)]
    retransmit_share: f64,
    /// Share of TCP data segments sent out of order (two halves, reversed).
    #[arg(long, default_value_t = 0.0025)]
    reorder_share: f64,
    /// Flows active at the same time.
    #[arg(long, default_value_t = 2000)]
    concurrency: u32,
    /// Mean gap between packets in microseconds.
    #[arg(long, default_value_t = 6)]
    mean_gap_us: u32,
    /// Output file.
    #[arg(long)]
    out: PathBuf,
}

fn main() -> anyhow::Result<()> {
    let a = Args::parse();
    let mut cfg = Config::new(a.packets, a.flows, a.hosts, a.seed);
    cfg.vlan_share = a.vlan_share;
    cfg.mix = match a.mix {
        MixArg::Ics => Mix::Ics,
        MixArg::It => Mix::It,
        MixArg::Mixed => Mix::Mixed,
        MixArg::Ics2 => Mix::Ics2,
    };
    cfg.midstream_share = a.midstream_share;
    cfg.fin_share = a.fin_share;
    cfg.retransmit_share = a.retransmit_share;
    cfg.reorder_share = a.reorder_share;
    cfg.concurrency = a.concurrency;
    cfg.mean_gap_us = a.mean_gap_us;
    let t0 = Instant::now();
    cfg.validate().context("invalid arguments")?;
    let file = File::create(&a.out).with_context(|| format!("creating {}", a.out.display()))?;
    let s = match write_pcap(&cfg, BufWriter::with_capacity(1 << 20, file)) {
        Ok(s) => s,
        Err(e) => {
            // Leave no partial capture behind for a benchmark cache to reuse.
            let _ = std::fs::remove_file(&a.out);
            return Err(e).with_context(|| format!("writing {}", a.out.display()));
        }
    };
    let kinds: Vec<String> = Kind::ALL
        .iter()
        .zip(s.flows_per_kind)
        .filter(|(_, n)| *n > 0)
        .map(|(k, n)| format!("{}={n}", k.name()))
        .collect();
    eprintln!(
        "{}: {} packets, {} flows ({}), {:.1} MiB of frames, {:.1} s of traffic, written in {:.1} s",
        a.out.display(),
        s.packets,
        s.flows,
        kinds.join(" "),
        s.frame_bytes as f64 / 1_048_576.0,
        (s.span_us.1 - s.span_us.0) as f64 / 1e6,
        t0.elapsed().as_secs_f64()
    );
    Ok(())
}
