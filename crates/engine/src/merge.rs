// SPDX-License-Identifier: Apache-2.0
//! Folds the workers' results into one [`Assessment`]: sums and sorts only,
//! so the result is the same for any number of workers.

use std::collections::BTreeMap;
use std::net::IpAddr;

use hashbrown::HashMap;
use plantguard_model::{Evidence, Timestamp};
use plantguard_wire::decode::ipproto;

use crate::result::{
    mac_string, Assessment, CaptureSpan, FileSummary, Host, HostFactRecord, IdentityRecord, L2Host,
    Totals, TrafficCount,
};
use crate::sink::{HostKey, SeenAt};
use crate::worker::{Count, HostAgg, L2Agg, WorkerOut};
use crate::{Config, Output};

/// Version of the `--json` shape.
pub const SCHEMA_VERSION: u32 = 1;

fn rfc3339(ts: i64) -> String {
    Timestamp(ts).to_rfc3339()
}

fn counts(map: impl IntoIterator<Item = (String, Count)>) -> Vec<TrafficCount> {
    let mut v: Vec<TrafficCount> = map
        .into_iter()
        .map(|(name, c)| TrafficCount {
            name,
            flows: c.flows,
            packets: c.packets,
            bytes: c.bytes,
            payload_bytes: c.payload_bytes,
        })
        .collect();
    v.sort_by(|a, b| {
        b.packets
            .cmp(&a.packets)
            .then(b.bytes.cmp(&a.bytes))
            .then(a.name.cmp(&b.name))
    });
    v
}

fn port_label((proto, port): (u8, u16)) -> String {
    match proto {
        ipproto::TCP => format!("tcp/{port}"),
        ipproto::UDP => format!("udp/{port}"),
        p => format!("{p}/{port}"),
    }
}

pub(crate) fn merge(outs: Vec<WorkerOut>, names: &[String], _config: &Config) -> Output {
    let mut a = Assessment {
        schema_version: SCHEMA_VERSION,
        ..Assessment::default()
    };
    let mut protocols: HashMap<&'static str, Count> = HashMap::new();
    let mut ports: HashMap<(u8, u16), Count> = HashMap::new();
    let mut unrecognised: HashMap<(u8, u16), Count> = HashMap::new();
    let mut link: BTreeMap<String, Count> = BTreeMap::new();
    let mut hosts: BTreeMap<IpAddr, HostAgg> = BTreeMap::new();
    let mut l2: BTreeMap<[u8; 6], L2Agg> = BTreeMap::new();
    let mut operations: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    let mut anomalies: BTreeMap<String, u64> = BTreeMap::new();
    let mut identities: BTreeMap<(HostKey, plantguard_model::IdentityFact), SeenAt> =
        BTreeMap::new();
    let mut host_facts: BTreeMap<(HostKey, plantguard_model::HostFact), (SeenAt, u64)> =
        BTreeMap::new();
    let mut logs = Vec::new();
    let mut log_runs = Vec::new();
    let mut first_ts: Option<i64> = None;
    let mut last_ts: Option<i64> = None;
    let mut totals = Totals::default();

    for out in outs {
        if !out.files.is_empty() {
            a.files = out
                .files
                .iter()
                .zip(names)
                .map(|(f, name)| FileSummary {
                    path: name.clone(),
                    format: f.format.clone(),
                    packets: f.packets,
                    warning: f.warning.as_ref().map(|w| w.0.clone()),
                    warning_offset: f.warning.as_ref().and_then(|w| w.1),
                })
                .collect();
        }
        first_ts = first_ts.into_iter().chain(out.first_ts).min();
        last_ts = last_ts.into_iter().chain(out.last_ts).max();
        totals.packets += out.packets;
        totals.bytes += out.bytes;
        totals.malformed += out.malformed;
        totals.flows += out.flows_total;
        totals.tcp_flows += out.tcp_flows;
        totals.udp_flows += out.udp_flows;
        totals.ip_reassembled += out.ip_reassembled;
        for (k, v) in out.decode_errors {
            *a.decode_errors.entry(k.to_string()).or_insert(0) += v;
        }
        for (k, v) in out.engine_anomalies {
            *anomalies.entry(k.to_string()).or_insert(0) += v;
        }
        for (k, c) in out.link_protocols {
            link.entry(k).or_default().add(c);
        }
        for (k, c) in out.protocols {
            protocols.entry(k).or_default().add(c);
        }
        for (k, c) in out.ports {
            ports.entry(k).or_default().add(c);
        }
        for (k, c) in out.unrecognised {
            unrecognised.entry(k).or_default().add(c);
        }
        for (ip, h) in out.hosts {
            match hosts.get_mut(&ip) {
                Some(e) => e.merge(h),
                None => {
                    hosts.insert(ip, h);
                }
            }
        }
        for (mac, h) in out.l2 {
            l2.insert(mac, h);
        }
        a.neighbors.extend(out.neighbors);
        for ((proto, src, dst), (c, first, last)) in out.l2_conversations {
            a.l2_conversations.push(crate::result::L2Conversation {
                protocol: proto.to_string(),
                src_mac: mac_string(src),
                dst_mac: mac_string(dst),
                frames: c.packets,
                bytes: c.bytes,
                first_seen: rfc3339(first),
                last_seen: rfc3339(last),
            });
        }
        let r = &mut a.reassembly;
        r.delivered_bytes += out.reassembly.delivered_bytes;
        r.retransmitted_bytes += out.reassembly.retransmitted_bytes;
        r.overlap_conflicts += out.reassembly.overlap_conflicts;
        r.out_of_order_segments += out.reassembly.out_of_order_segments;
        r.gaps += out.reassembly.gaps;
        r.gap_bytes += out.reassembly.gap_bytes;
        r.acked_gaps += out.reassembly.acked_gaps;
        r.dropped_over_cap_bytes += out.reassembly.dropped_over_cap_bytes;
        for ((proto, op), n) in out.obs.operations {
            *operations
                .entry(proto.to_string())
                .or_default()
                .entry(op.name().to_string())
                .or_insert(0) += n;
        }
        for ((proto, name), n) in out.obs.anomalies {
            *anomalies.entry(format!("{proto}.{name}")).or_insert(0) += n;
        }
        let mut add_identity = |key, at: SeenAt| {
            identities
                .entry(key)
                .and_modify(|e| {
                    if (at.file, at.frame) < (e.file, e.frame) {
                        *e = at;
                    }
                })
                .or_insert(at);
        };
        for (key, at, _) in out.obs.identities.into_entries() {
            add_identity(key, at);
        }
        // A template's report stands for one report of each fact it builds.
        let mut templated = Vec::new();
        for (t, at, n) in out.obs.templated.into_entries() {
            let (facts, identities) = (t.template.build)(&t.param);
            for identity in identities {
                add_identity((t.host, identity), at);
            }
            templated.extend(facts.into_iter().map(|f| ((t.host, f), at, n)));
        }
        for (key, at, n) in out.obs.host_facts.into_entries().chain(templated) {
            let e = host_facts.entry(key).or_insert((at, 0));
            if (at.file, at.frame) < (e.0.file, e.0.frame) {
                e.0 = at;
            }
            e.1 += n;
        }
        logs.extend(out.obs.logs);
        log_runs.extend(out.obs.log_runs);
        a.flows.extend(out.flow_records);
    }

    totals.hosts = hosts.len() as u64;
    a.totals = totals;
    a.capture = CaptureSpan {
        first: first_ts.map(rfc3339),
        last: last_ts.map(rfc3339),
        duration_s: match (first_ts, last_ts) {
            (Some(f), Some(l)) => ((l - f) as f64 / 1e9 * 1e6).round() / 1e6,
            _ => 0.0,
        },
    };
    a.protocols = counts(protocols.into_iter().map(|(k, c)| (k.to_string(), c)));
    a.ports = counts(ports.into_iter().map(|(k, c)| (port_label(k), c)));
    a.unrecognised = counts(unrecognised.into_iter().map(|(k, c)| (port_label(k), c)));
    a.link_protocols = counts(link);
    a.operations = operations;
    a.anomalies = anomalies;

    // ARP bindings: which MACs claimed which IPv4 address.
    let mut arp: BTreeMap<IpAddr, std::collections::BTreeSet<[u8; 6]>> = BTreeMap::new();
    for (mac, h) in &l2 {
        for ip in &h.arp_ips {
            arp.entry(*ip).or_default().insert(*mac);
        }
    }
    // An address seen only in ARP is still a host on the network.
    for (ip, macs) in &arp {
        if hosts.contains_key(ip) {
            continue;
        }
        let mut h = HostAgg {
            first: i64::MAX,
            last: i64::MIN,
            ..HostAgg::default()
        };
        for mac in macs {
            if let Some(l) = l2.get(mac) {
                h.first = h.first.min(l.first);
                h.last = h.last.max(l.last);
                h.vlans.extend(l.vlans.iter().copied());
            }
            h.macs.insert(*mac, 0);
        }
        hosts.insert(*ip, h);
    }
    a.totals.hosts = hosts.len() as u64;
    let ip_macs: std::collections::BTreeSet<[u8; 6]> = hosts
        .values()
        .flat_map(|h| h.macs.keys().copied())
        .collect();
    a.hosts = hosts
        .into_iter()
        .map(|(ip, h)| {
            let arp_macs = arp
                .get(&ip)
                .map(|m| m.iter().copied().map(mac_string).collect())
                .unwrap_or_default();
            let mut macs: Vec<([u8; 6], u64)> = h.macs.into_iter().collect();
            macs.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
            Host {
                ip,
                macs: macs.into_iter().map(|(m, _)| mac_string(m)).collect(),
                arp_macs,
                vlans: h.vlans.into_iter().collect(),
                first_seen: rfc3339(h.first),
                last_seen: rfc3339(h.last),
                packets_sent: h.pkts_sent,
                bytes_sent: h.bytes_sent,
                packets_received: h.pkts_recv,
                bytes_received: h.bytes_recv,
                flows_originated: h.originated,
                flows_answered: h.answered,
                services: h.services.into_iter().collect(),
            }
        })
        .collect();
    a.l2_hosts = l2
        .into_iter()
        .filter(|(mac, _)| !ip_macs.contains(mac))
        .map(|(mac, h)| L2Host {
            mac: mac_string(mac),
            arp_ips: h.arp_ips.into_iter().collect(),
            vlans: h.vlans.into_iter().collect(),
            packets_sent: h.packets,
            bytes_sent: h.bytes,
            protocols: h.protocols.into_iter().map(str::to_string).collect(),
            first_seen: rfc3339(h.first),
            last_seen: rfc3339(h.last),
        })
        .collect();
    a.neighbors.sort();
    a.l2_conversations.sort_by(|x, y| {
        (&x.protocol, &x.src_mac, &x.dst_mac).cmp(&(&y.protocol, &y.src_mac, &y.dst_mac))
    });
    let shared_names: Vec<std::sync::Arc<str>> = names.iter().map(|n| n.as_str().into()).collect();
    let evidence = |at: SeenAt| Evidence {
        pcap_filename: shared_names
            .get(at.file as usize)
            .cloned()
            .unwrap_or_else(|| "".into()),
        pcap_cnt: at.frame,
        ts: Timestamp(at.ts),
    };
    a.identities = identities
        .into_iter()
        .map(|((host, identity), at)| IdentityRecord {
            ip: host.ip,
            mac: host.mac.map(mac_string),
            identity,
            evidence: evidence(at),
        })
        .collect();
    a.host_facts = host_facts
        .into_iter()
        .map(|((host, fact), (at, count))| HostFactRecord {
            ip: host.ip,
            mac: host.mac.map(mac_string),
            fact,
            count,
            evidence: evidence(at),
        })
        .collect();
    a.flows.sort_by(|x, y| (x.ts, &x.uid).cmp(&(y.ts, &y.uid)));

    if !log_runs.is_empty() {
        return Output {
            assessment: a,
            logs: BTreeMap::new(),
            spilled: Some(crate::spill::SpilledLogs::new(log_runs, logs)),
        };
    }
    logs.sort_by_key(|l| (l.file, l.frame, l.uid, l.seq));
    let mut by_log: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for l in logs {
        by_log.entry(l.log.to_string()).or_default().push(l.line);
    }
    Output {
        assessment: a,
        logs: by_log,
        spilled: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sink::TemplatedFacts;
    use plantguard_model::{HostFact, IdentityFact};
    use plantguard_protocols::{template_number, FactTemplate, TemplateFacts};

    /// A template building two host facts, and an identity for odd
    /// parameters (a number).
    static PAIR: FactTemplate = FactTemplate {
        name: "test_pair",
        build: pair,
    };

    fn pair(param: &[u8]) -> TemplateFacts {
        let param = template_number(param);
        let facts = vec![
            HostFact::Attribute {
                key: "test_role".into(),
                value: if param % 2 == 1 { "odd" } else { "even" }.into(),
            },
            HostFact::Attribute {
                key: "test_param".into(),
                value: param.to_string().into(),
            },
        ];
        let identity = (param % 2 == 1).then(|| IdentityFact {
            protocol: "test".into(),
            extra: vec![("test_param".into(), param.to_string().into())],
            ..IdentityFact::default()
        });
        (facts, identity.into_iter().collect())
    }

    fn at(frame: u64) -> SeenAt {
        SeenAt {
            file: 0,
            frame,
            ts: frame as i64 * 1_000,
        }
    }

    /// (host, parameter, frame) reports.
    const REPORTS: [(u8, u64, u64); 6] = [
        (1, 3, 5),
        (2, 4, 6),
        (1, 3, 7),
        (1, 4, 8),
        (2, 4, 2),
        (1, 3, 9),
    ];

    fn host(n: u8) -> HostKey {
        HostKey {
            ip: Some(IpAddr::from([10, 0, 0, n])),
            mac: None,
        }
    }

    fn templated_key(h: u8, param: u64) -> TemplatedFacts {
        TemplatedFacts {
            host: host(h),
            template: &PAIR,
            param: param.to_le_bytes().into(),
        }
    }

    fn merged(outs: Vec<WorkerOut>) -> Assessment {
        merge(outs, &["t.pcap".to_string()], &Config::default()).assessment
    }

    #[test]
    fn templated_facts_merge_as_the_facts_they_build() {
        // Every report spread over two workers, as templates...
        let mut templated = vec![WorkerOut::default(), WorkerOut::default()];
        // ... and as the facts and identities each one builds.
        let mut direct = vec![WorkerOut::default(), WorkerOut::default()];
        for (i, &(h, param, frame)) in REPORTS.iter().enumerate() {
            templated[i % 2]
                .obs
                .templated
                .report(templated_key(h, param), at(frame));
            let (facts, identities) = pair(&param.to_le_bytes());
            let obs = &mut direct[i % 2].obs;
            for fact in facts {
                obs.host_facts.report((host(h), fact), at(frame));
            }
            for identity in identities {
                obs.identities.report((host(h), identity), at(frame));
            }
        }
        let (t, d) = (merged(templated), merged(direct));
        assert_eq!(t.host_facts, d.host_facts);
        assert_eq!(t.identities, d.identities);
        // The counts and first frames are the reports': host 1 reported
        // parameter 3 three times (first at frame 5), 4 once; host 2
        // reported 4 twice, first at frame 2.
        let count = |h: u8, key: &str, value: &str| {
            t.host_facts
                .iter()
                .find(|r| {
                    r.ip == host(h).ip
                        && matches!(&r.fact, HostFact::Attribute { key: k, value: v }
                            if **k == *key && **v == *value)
                })
                .map(|r| (r.count, r.evidence.pcap_cnt))
        };
        assert_eq!(count(1, "test_param", "3"), Some((3, 5)));
        assert_eq!(count(1, "test_role", "odd"), Some((3, 5)));
        assert_eq!(count(1, "test_role", "even"), Some((1, 8)));
        assert_eq!(count(2, "test_param", "4"), Some((2, 2)));
        assert_eq!(t.identities.len(), 1);
        assert_eq!(t.identities[0].evidence.pcap_cnt, 5);
    }

    #[test]
    fn a_fact_both_templated_and_reported_alone_is_counted_once_with_both() {
        let mut out = WorkerOut::default();
        out.obs.templated.report(templated_key(1, 2), at(10));
        out.obs.templated.report(templated_key(1, 2), at(11));
        let role = HostFact::Attribute {
            key: "test_role".into(),
            value: "even".into(),
        };
        out.obs.host_facts.report((host(1), role.clone()), at(4));
        let a = merged(vec![out]);
        let r = a.host_facts.iter().find(|r| r.fact == role).unwrap();
        assert_eq!((r.count, r.evidence.pcap_cnt), (3, 4));
        assert_eq!(a.host_facts.len(), 2);
    }
}
