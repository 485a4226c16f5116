// SPDX-License-Identifier: Apache-2.0
//! Look-ups built once per analysis, so per-host and per-fact work reads
//! its own flows instead of scanning all of them: with a million flows and
//! tens of thousands of hosts, a scan per host (or per fact) is quadratic.

use crate::hash::HashMap;
use std::net::IpAddr;

use plantguard_engine::result::FlowRecord;

/// The flows of each address: positions in the flow list of the flows it
/// originated or answered, in flow-list order.
///
/// Stored as one array of `u32` positions (each flow once per end, once
/// for a flow whose two ends are the same address) cut into one run per
/// address: 8 bytes per flow, and no vector per address.
pub(crate) struct FlowsByIp {
    slot: HashMap<IpAddr, u32>,
    /// Run `s` is `flows[start[s]..start[s + 1]]`.
    start: Vec<u32>,
    flows: Vec<u32>,
}

/// The addresses of a flow: originator, then responder when it differs.
fn ends(f: &FlowRecord) -> impl Iterator<Item = IpAddr> {
    std::iter::once(f.orig_h).chain((f.resp_h != f.orig_h).then_some(f.resp_h))
}

/// A position in a list as an index.
pub(crate) fn at(i: u32) -> usize {
    i as usize
}

/// An index in a list as a stored position (lists are far shorter than
/// 2^32: the engine caps flows at 4 million per worker).
pub(crate) fn pos(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

impl FlowsByIp {
    /// Indexes `flows`.
    pub(crate) fn new(flows: &[FlowRecord]) -> FlowsByIp {
        let mut slot: HashMap<IpAddr, u32> = HashMap::default();
        let mut count: Vec<u32> = Vec::new();
        for f in flows {
            for ip in ends(f) {
                let s = *slot.entry(ip).or_insert_with(|| {
                    count.push(0);
                    pos(count.len() - 1)
                });
                count[at(s)] += 1;
            }
        }
        let mut start = Vec::with_capacity(count.len() + 1);
        let mut total = 0u32;
        start.push(0);
        for c in &count {
            total += c;
            start.push(total);
        }
        let mut next = start.clone();
        let mut out = vec![0u32; at(total)];
        for (i, f) in flows.iter().enumerate() {
            for ip in ends(f) {
                let n = &mut next[at(slot[&ip])];
                out[at(*n)] = pos(i);
                *n += 1;
            }
        }
        FlowsByIp {
            slot,
            start,
            flows: out,
        }
    }

    /// Positions of the flows `ip` took part in, in flow-list order.
    pub(crate) fn of(&self, ip: IpAddr) -> &[u32] {
        let Some(s) = self.slot.get(&ip).map(|s| at(*s)) else {
            return &[];
        };
        match (self.start.get(s), self.start.get(s + 1)) {
            (Some(a), Some(b)) => self.flows.get(at(*a)..at(*b)).unwrap_or(&[]),
            _ => &[],
        }
    }

    /// Positions of the flows any of `ips` took part in, each once, in
    /// flow-list order.
    pub(crate) fn of_all(&self, ips: impl IntoIterator<Item = IpAddr>) -> Vec<u32> {
        let mut v: Vec<u32> = Vec::new();
        let mut runs = 0;
        for ip in ips {
            v.extend_from_slice(self.of(ip));
            runs += 1;
        }
        if runs > 1 {
            v.sort_unstable();
            v.dedup();
        }
        v
    }
}

/// What a flow's service is called: its parser's name, or `tcp/5900` when
/// no parser claimed it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Protocol<'a> {
    /// A parser claimed the flow.
    Service(&'a str),
    /// Transport and server port.
    Port(&'a str, u16),
}

impl<'a> Protocol<'a> {
    /// The protocol of a flow.
    pub(crate) fn of(f: &'a FlowRecord) -> Protocol<'a> {
        match f.service.as_deref() {
            Some(s) => Protocol::Service(s),
            None => Protocol::Port(f.proto.as_ref(), f.resp_p),
        }
    }
}

impl std::fmt::Display for Protocol<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Protocol::Service(s) => f.write_str(s),
            Protocol::Port(t, p) => write!(f, "{t}/{p}"),
        }
    }
}

/// Positions of items grouped by a key, in list order.
pub(crate) fn positions_by<K: std::hash::Hash + Eq, T>(
    items: &[T],
    key: impl Fn(&T) -> Option<K>,
) -> HashMap<K, Vec<u32>> {
    let mut m: HashMap<K, Vec<u32>> = HashMap::default();
    for (i, x) in items.iter().enumerate() {
        if let Some(k) = key(x) {
            m.entry(k).or_default().push(pos(i));
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use plantguard_model::{Evidence, Timestamp};

    fn flow(o: &str, r: &str) -> FlowRecord {
        FlowRecord {
            uid: String::new(),
            ts: Timestamp(0),
            last_ts: Timestamp(0),
            vlans: [0, 0],
            proto: "tcp".into(),
            orig_h: o.parse().unwrap(),
            orig_p: 1,
            resp_h: r.parse().unwrap(),
            resp_p: 2,
            service: None,
            orig_pkts: 0,
            orig_bytes: 0,
            resp_pkts: 0,
            resp_bytes: 0,
            orig_mac: None,
            resp_mac: None,
            handshake: false,
            operations: Default::default(),
            evidence: Evidence {
                pcap_filename: "t".into(),
                pcap_cnt: 0,
                ts: Timestamp(0),
            },
        }
    }

    #[test]
    fn flows_of_each_address_in_order() {
        let flows = [
            flow("10.0.0.1", "10.0.0.2"),
            flow("10.0.0.3", "10.0.0.1"),
            flow("10.0.0.2", "10.0.0.2"),
            flow("10.0.0.1", "10.0.0.3"),
        ];
        let ix = FlowsByIp::new(&flows);
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(ix.of(ip("10.0.0.1")), &[0, 1, 3]);
        assert_eq!(ix.of(ip("10.0.0.2")), &[0, 2]);
        assert_eq!(ix.of(ip("10.0.0.3")), &[1, 3]);
        assert!(ix.of(ip("10.0.0.9")).is_empty());
        assert_eq!(
            ix.of_all([ip("10.0.0.2"), ip("10.0.0.3")]),
            vec![0, 1, 2, 3]
        );
        assert!(FlowsByIp::new(&[]).of(ip("10.0.0.1")).is_empty());
    }
}
