// SPDX-License-Identifier: Apache-2.0
//! The merged result of an assessment run: what `--json` prints.
//!
//! Every list is sorted on a total order and every counter is a sum, so the
//! result does not depend on the number of worker threads.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::net::IpAddr;

use plantguard_model::{Evidence, HostFact, IdentityFact, Timestamp};
use serde::{Deserialize, Serialize};

/// Everything one run learned. Field order is the JSON order.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    /// Version of this JSON shape (bumped on breaking changes).
    pub schema_version: u32,
    /// Each input file with its packet count and any read warning.
    pub files: Vec<FileSummary>,
    /// First and last packet timestamps, RFC 3339.
    pub capture: CaptureSpan,
    /// Totals.
    pub totals: Totals,
    /// Per application protocol (or `unknown_tcp` / `unknown_udp` / `icmp` / `other_ip`).
    pub protocols: Vec<TrafficCount>,
    /// Per server port (`tcp/502`), busiest first.
    pub ports: Vec<TrafficCount>,
    /// Non-IP frames per EtherType name (`arp`, `lldp`, `profinet`, ...).
    pub link_protocols: Vec<TrafficCount>,
    /// Operations per protocol (`modbus` → `write` → 12).
    pub operations: BTreeMap<String, BTreeMap<String, u64>>,
    /// Hosts seen at the IP layer, sorted by address.
    pub hosts: Vec<Host>,
    /// Hosts seen only at layer 2 (no IP traffic of their own), by MAC.
    pub l2_hosts: Vec<L2Host>,
    /// Network devices that announced themselves (LLDP/CDP).
    pub neighbors: Vec<NeighborRecord>,
    /// Industrial layer-2 traffic (PROFINET RT/DCP, GOOSE, SV, EtherCAT) per
    /// device pair.
    pub l2_conversations: Vec<L2Conversation>,
    /// Identity facts devices revealed, with evidence.
    pub identities: Vec<IdentityRecord>,
    /// IT-side facts (names, OS, software, credentials, lookups, TCP/IP
    /// stack signatures), with evidence.
    pub host_facts: Vec<HostFactRecord>,
    /// Malformed frames by decoder error kind (`tcp_header`: 3).
    pub decode_errors: BTreeMap<String, u64>,
    /// Protocol anomalies (`modbus.unsolicited_response`: 2) and engine
    /// limits hit (`engine.flow_table_full`).
    pub anomalies: BTreeMap<String, u64>,
    /// TCP reassembly counters summed over all flows.
    pub reassembly: ReassemblySummary,
    /// Flows no parser claimed, by server port, so nothing is silently guessed.
    pub unrecognised: Vec<TrafficCount>,
    /// Every flow (only with `--flows`; empty otherwise).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub flows: Vec<FlowRecord>,
}

impl Assessment {
    /// Replaces every cleartext secret with its masked form (`adm***`).
    /// The engine keeps secrets whole so analysis can match them against
    /// known default credentials; outputs call this unless the user asked
    /// to see secrets.
    pub fn mask_secrets(&mut self) {
        for f in &mut self.host_facts {
            f.fact = f.fact.masked();
        }
    }
}

/// One input file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileSummary {
    /// Path as given.
    pub path: String,
    /// Format (`pcap`, `pcapng`, with `+gzip`).
    pub format: String,
    /// Packets read.
    pub packets: u64,
    /// The error that stopped reading early (truncation, corruption), with its byte offset.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub warning: Option<String>,
    /// Byte offset of that error.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub warning_offset: Option<u64>,
}

/// Capture time span.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CaptureSpan {
    /// First packet time (RFC 3339), if any packet was read.
    pub first: Option<String>,
    /// Last packet time.
    pub last: Option<String>,
    /// Seconds between them.
    pub duration_s: f64,
}

/// Totals over the run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Frames read.
    pub packets: u64,
    /// Bytes on the wire (original lengths).
    pub bytes: u64,
    /// Frames that failed to decode.
    pub malformed: u64,
    /// IP hosts (including those seen only in ARP).
    pub hosts: u64,
    /// Flows (TCP/UDP/other IP conversations).
    pub flows: u64,
    /// TCP flows.
    pub tcp_flows: u64,
    /// UDP flows.
    pub udp_flows: u64,
    /// IPv4 datagrams reassembled from fragments.
    pub ip_reassembled: u64,
}

/// Packets, bytes and flows for one label.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrafficCount {
    /// Protocol, port or EtherType label.
    pub name: String,
    /// Flows (0 for non-IP frames).
    pub flows: u64,
    /// Packets.
    pub packets: u64,
    /// Bytes on the wire.
    pub bytes: u64,
    /// TCP/UDP payload bytes (as captured, retransmissions included); 0 for
    /// non-IP frames.
    #[serde(default)]
    pub payload_bytes: u64,
}

/// An IP host, built from the flows it took part in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Host {
    /// Address.
    pub ip: IpAddr,
    /// MAC addresses its packets carried as source (a router's MAC shows up
    /// for every host behind it), most packets first.
    pub macs: Vec<String>,
    /// MAC addresses that claimed this address in ARP: the host's own MAC,
    /// even when its IP traffic reaches the capture through a router.
    pub arp_macs: Vec<String>,
    /// VLAN ids it was seen on (0 = untagged).
    pub vlans: Vec<u16>,
    /// First packet (RFC 3339).
    pub first_seen: String,
    /// Last packet (RFC 3339).
    pub last_seen: String,
    /// Packets sent.
    pub packets_sent: u64,
    /// Bytes sent.
    pub bytes_sent: u64,
    /// Packets received.
    pub packets_received: u64,
    /// Bytes received.
    pub bytes_received: u64,
    /// Flows it originated.
    pub flows_originated: u64,
    /// Flows it answered.
    pub flows_answered: u64,
    /// Services it offered (`tcp/502 modbus`), sorted.
    pub services: Vec<String>,
}

/// A host seen only at layer 2.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct L2Host {
    /// MAC address.
    pub mac: String,
    /// IPv4 addresses it claimed in ARP.
    pub arp_ips: Vec<IpAddr>,
    /// VLAN ids.
    pub vlans: Vec<u16>,
    /// Frames sent.
    pub packets_sent: u64,
    /// Bytes sent.
    pub bytes_sent: u64,
    /// Non-IP protocols it sent.
    pub protocols: Vec<String>,
    /// First frame.
    pub first_seen: String,
    /// Last frame.
    pub last_seen: String,
}

/// Industrial frames between two MACs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct L2Conversation {
    /// `profinet`, `ethercat`, `goose`, `iec61850_sv`.
    pub protocol: String,
    /// Sender.
    pub src_mac: String,
    /// Destination (a multicast group for GOOSE/SV).
    pub dst_mac: String,
    /// Frames.
    pub frames: u64,
    /// Bytes on the wire.
    pub bytes: u64,
    /// First frame (RFC 3339).
    pub first_seen: String,
    /// Last frame.
    pub last_seen: String,
}

/// An LLDP/CDP announcement.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct NeighborRecord {
    /// Sender MAC.
    pub mac: String,
    /// `lldp` or `cdp`.
    pub protocol: String,
    /// System / device name.
    pub system_name: Option<String>,
    /// Port the device sent from.
    pub port_id: Option<String>,
    /// System description / software version.
    pub system_description: Option<String>,
    /// Platform (CDP).
    pub platform: Option<String>,
    /// Management address.
    pub management_address: Option<IpAddr>,
    /// Capabilities.
    pub capabilities: Vec<String>,
    /// Where it was first seen.
    pub evidence: Evidence,
}

/// An identity fact bound to the host that spoke it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct IdentityRecord {
    /// Host address (absent for layer-2 protocols such as PROFINET DCP).
    pub ip: Option<IpAddr>,
    /// Host MAC, for facts from layer-2 frames.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub mac: Option<String>,
    /// The fact.
    pub identity: IdentityFact,
    /// First frame that carried it.
    pub evidence: Evidence,
}

/// An IT-side fact bound to a host.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct HostFactRecord {
    /// Host address (absent for layer-2 facts).
    pub ip: Option<IpAddr>,
    /// Host MAC, for facts from layer-2 frames.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub mac: Option<String>,
    /// The fact (see [`Assessment::mask_secrets`]).
    pub fact: HostFact,
    /// How many times it was seen.
    pub count: u64,
    /// First frame that carried it.
    pub evidence: Evidence,
}

/// TCP reassembly counters.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReassemblySummary {
    /// Bytes delivered to parsers in order.
    pub delivered_bytes: u64,
    /// Retransmitted bytes dropped.
    pub retransmitted_bytes: u64,
    /// Overlapping bytes that differed from the first copy.
    pub overlap_conflicts: u64,
    /// Segments that arrived ahead of a hole.
    pub out_of_order_segments: u64,
    /// Holes given up on.
    pub gaps: u64,
    /// Bytes in those holes.
    pub gap_bytes: u64,
    /// Bytes dropped by buffer caps.
    pub dropped_over_cap_bytes: u64,
    /// Holes given up on as soon as the other side acknowledged the data
    /// after them (the capture missed bytes the endpoint received); also
    /// counted in `gaps`.
    #[serde(default)]
    pub acked_gaps: u64,
}

/// One flow.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FlowRecord {
    /// Zeek-style unique id.
    pub uid: String,
    /// First packet.
    pub ts: Timestamp,
    /// Last packet.
    pub last_ts: Timestamp,
    /// VLAN ids.
    pub vlans: [u16; 2],
    /// `tcp`, `udp`, `icmp`, or the IP protocol number. Borrowed from a
    /// static table when the engine builds it (a million flows share a few
    /// names instead of owning a million strings).
    pub proto: Cow<'static, str>,
    /// Originator address.
    pub orig_h: IpAddr,
    /// Originator port.
    pub orig_p: u16,
    /// Responder address.
    pub resp_h: IpAddr,
    /// Responder port.
    pub resp_p: u16,
    /// Application protocol, if a parser claimed the flow.
    pub service: Option<Cow<'static, str>>,
    /// Packets from the originator.
    pub orig_pkts: u64,
    /// Bytes from the originator.
    pub orig_bytes: u64,
    /// Packets from the responder.
    pub resp_pkts: u64,
    /// Bytes from the responder.
    pub resp_bytes: u64,
    /// Originator MAC (first seen).
    pub orig_mac: Option<Mac>,
    /// Responder MAC (first seen).
    pub resp_mac: Option<Mac>,
    /// True when the handshake (SYN) was seen.
    pub handshake: bool,
    /// Operations on this flow (`write` → 3), from its protocol parser.
    #[serde(skip_serializing_if = "OpCounts::is_empty", default)]
    pub operations: OpCounts,
    /// Capture file and frame of the first packet.
    pub evidence: Evidence,
}

/// Operation counts of one flow by operation name (`write` → 3), in name
/// order. Serialised as a JSON object. A short sorted list rather than a
/// map: most flows carry one to three operations, and a result may hold a
/// million flows.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct OpCounts(Vec<(Cow<'static, str>, u64)>);

impl OpCounts {
    /// The count of operation `name`.
    pub fn get(&self, name: &str) -> Option<&u64> {
        self.0
            .binary_search_by(|(k, _)| k.as_ref().cmp(name))
            .ok()
            .and_then(|i| self.0.get(i))
            .map(|(_, n)| n)
    }

    /// Adds `n` to operation `name`.
    pub fn add(&mut self, name: impl Into<Cow<'static, str>>, n: u64) {
        let name = name.into();
        match self
            .0
            .binary_search_by(|(k, _)| k.as_ref().cmp(name.as_ref()))
        {
            Ok(i) => {
                if let Some(e) = self.0.get_mut(i) {
                    e.1 += n;
                }
            }
            Err(i) => self.0.insert(i, (name, n)),
        }
    }

    /// True when no operation was counted.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Number of distinct operations.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// (name, count) in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, u64)> {
        self.0.iter().map(|(k, n)| (k.as_ref(), *n))
    }
}

impl<'a> IntoIterator for &'a OpCounts {
    type Item = (&'a str, u64);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (Cow<'static, str>, u64)>,
        fn(&'a (Cow<'static, str>, u64)) -> (&'a str, u64),
    >;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, n)| (k.as_ref(), *n))
    }
}

impl FromIterator<(String, u64)> for OpCounts {
    fn from_iter<I: IntoIterator<Item = (String, u64)>>(iter: I) -> Self {
        let mut o = OpCounts::default();
        for (k, n) in iter {
            o.add(k, n);
        }
        o
    }
}

impl Serialize for OpCounts {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, n)| (k.as_ref(), n)))
    }
}

impl<'de> Deserialize<'de> for OpCounts {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let m = BTreeMap::<String, u64>::deserialize(d)?;
        Ok(m.into_iter().collect())
    }
}

/// A MAC address, written and read as `00:80:f4:01:02:03`. Six bytes in
/// memory rather than a string per flow end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Mac(pub [u8; 6]);

impl Mac {
    /// `aa:bb:cc:dd:ee:ff` as bytes (every host and flow record spells
    /// MACs, so this avoids the formatting machinery).
    fn text(self) -> [u8; 17] {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut t = [b':'; 17];
        for (i, b) in self.0.into_iter().enumerate() {
            t[i * 3] = HEX[usize::from(b >> 4)];
            t[i * 3 + 1] = HEX[usize::from(b & 0x0f)];
        }
        t
    }
}

impl std::fmt::Display for Mac {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let t = self.text();
        f.write_str(std::str::from_utf8(&t).unwrap_or_default())
    }
}

impl std::str::FromStr for Mac {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut out = [0u8; 6];
        let mut parts = s.split([':', '-']);
        for b in &mut out {
            let p = parts
                .next()
                .ok_or_else(|| format!("not a MAC address: {s:?}"))?;
            *b = u8::from_str_radix(p, 16).map_err(|_| format!("not a MAC address: {s:?}"))?;
        }
        if parts.next().is_some() {
            return Err(format!("not a MAC address: {s:?}"));
        }
        Ok(Mac(out))
    }
}

impl Serialize for Mac {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Mac {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Formats a MAC as `00:80:f4:01:02:03`.
pub fn mac_string(m: [u8; 6]) -> String {
    String::from_utf8_lossy(&Mac(m).text()).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mac_round_trips_through_json_and_rejects_junk() {
        let m: Mac = "00:80:F4:01:02:0a".parse().unwrap();
        assert_eq!(m, Mac([0x00, 0x80, 0xf4, 0x01, 0x02, 0x0a]));
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, "\"00:80:f4:01:02:0a\"");
        assert_eq!(serde_json::from_str::<Mac>(&json).unwrap(), m);
        for bad in [
            "",
            "00:80:f4:01:02",
            "00:80:f4:01:02:03:04",
            "zz:80:f4:01:02:03",
        ] {
            assert!(bad.parse::<Mac>().is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn operation_counts_sum_sort_and_serialise_as_an_object() {
        let mut o = OpCounts::default();
        o.add("write", 1);
        o.add("read", 5);
        o.add(String::from("write"), 2);
        assert_eq!(o.get("write"), Some(&3));
        assert_eq!(o.get("stop"), None);
        assert_eq!(o.len(), 2);
        let json = serde_json::to_string(&o).unwrap();
        assert_eq!(json, r#"{"read":5,"write":3}"#);
        let back: OpCounts = serde_json::from_str(&json).unwrap();
        assert_eq!(back, o);
    }
}
