// SPDX-License-Identifier: Apache-2.0
//! tshark agreement for DNS, LLMNR and mDNS: for every capture of the
//! corpus holding them, each query's question names (our `Lookup` facts)
//! and each response's first question name and rcode (our `dns.log`
//! record) are compared with tshark's `dns.qry.name` and
//! `dns.flags.rcode` for the same frame. UDP datagrams are fed whole; DNS
//! over TCP is fed per stream and direction with the engine's buffering.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "dns_tshark_harness.rs"]
mod harness;

use harness::*;
use plantguard_model::HostFact;
use plantguard_protocols::dns::{DnsSession, Flavour, Framing};

/// Disagreements understood and accepted: (capture suffix, frame or 0 for all, why).
const EXPLAINED: &[(&str, u32, &str)] = &[
    // Zeek's trace of a question name whose compression pointer points at
    // itself: tshark prints a placeholder, we stop after MAX_POINTERS hops
    // and report `malformed_question` instead of a name.
    ("dns/dns-invalid-names.pcap", 2, "compression pointer loop"),
];

fn flavour(port: u16) -> Flavour {
    match port {
        5353 => Flavour::Mdns,
        5355 => Flavour::Llmnr,
        _ => Flavour::Dns,
    }
}

fn server_port(s: u16, d: u16) -> Option<u16> {
    [53, 5353, 5355]
        .into_iter()
        .find(|p| *p == d)
        .or_else(|| [53, 5353, 5355].into_iter().find(|p| *p == s))
}

#[test]
fn dns_agrees_with_tshark() {
    if !tshark_available() {
        return;
    }
    let files = corpus_files(&["DNS", "mDNS", "LLMNR"], 1 << 20);
    assert!(!files.is_empty(), "no DNS captures in the corpus index");
    let (mut compared, mut bad) = (0usize, Vec::new());
    let filter = "(udp && (dns || mdns || llmnr) && !icmp && !icmpv6) \
                  || (tcp.port == 53 && tcp.len > 0 && !tcp.analysis.retransmission)";
    let fields = [
        "dns.flags.response",
        "dns.qry.name",
        "dns.flags.rcode",
        "dns.id",
    ];
    for (file, frames) in tshark_all(&files, filter, &fields) {
        run(
            &frames,
            server_port,
            |tcp, p| {
                Box::new(DnsSession::new(
                    flavour(p),
                    if tcp {
                        Framing::Stream
                    } else {
                        Framing::Datagram
                    },
                ))
            },
            |f, sink| {
                // TCP frames that only carry part of a message have no fields.
                if f.field(0).is_empty() {
                    return;
                }
                let responses: Vec<&str> = f.field(0).split('|').collect();
                let names: Vec<String> = f.list(1).into_iter().filter(|n| n != "<Root>").collect();
                compared += 1;
                let mut push = |what: String| bad.push((file.clone(), f.no, what));
                if responses.len() > 1 {
                    // Several messages in one TCP segment: something must come out.
                    if sink.facts.len() + sink.records.len() == 0 {
                        push("nothing decoded from a multi-message segment".into());
                    }
                    return;
                }
                if responses[0] == "0" || responses[0] == "False" {
                    let ours: Vec<String> = sink
                        .facts
                        .iter()
                        .filter_map(|(_, f)| match f {
                            HostFact::Lookup { name, .. } => Some(name.to_string()),
                            _ => None,
                        })
                        .collect();
                    let theirs: Vec<String> = names.into_iter().take(8).collect();
                    if ours != theirs {
                        push(format!("query names {ours:?} vs {theirs:?}"));
                    }
                } else {
                    let Some((_, rec)) = sink.records.iter().find(|(l, _)| *l == "dns") else {
                        push(format!("no record for response {:?}", f.field(1)));
                        return;
                    };
                    let ours_q = rec.get("query").and_then(|v| v.as_str()).unwrap_or("");
                    let theirs_q = names.first().map_or("", String::as_str);
                    if ours_q != theirs_q {
                        push(format!("response name {ours_q:?} vs {theirs_q:?}"));
                    }
                    let ours_r = rec["rcode"].as_u64().unwrap_or(99);
                    let theirs_r: u64 = f.field(2).parse().unwrap_or(98);
                    if ours_r != theirs_r {
                        push(format!("rcode {ours_r} vs {theirs_r}"));
                    }
                }
            },
        );
    }
    verdict("dns", compared, &bad, EXPLAINED, &[]);
}
