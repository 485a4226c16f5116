// SPDX-License-Identifier: Apache-2.0
//! tshark agreement for DHCP: for every DHCP capture of the corpus, the
//! message type (option 53), host name (12), vendor class (60), parameter
//! request list (55) and client MAC of each `dhcp.log` record are compared
//! with tshark's `dhcp.option.dhcp`, `dhcp.option.hostname`,
//! `dhcp.option.vendor_class_id`, `dhcp.option.request_list_item` and
//! `dhcp.hw.mac_addr` for the same frame.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "dns_tshark_harness.rs"]
mod harness;

use harness::*;
use plantguard_protocols::dhcp::DhcpSession;

/// Disagreements understood and accepted: (capture suffix, frame or 0 for all, why).
const EXPLAINED: &[(&str, u32, &str)] = &[
    // Zeek's trace of messages with a damaged magic cookie: tshark still
    // dissects them as BOOTP/DHCP; RFC 2131 §3 makes the cookie mandatory,
    // so we drop them (anomaly `malformed_message`) rather than trust the
    // options behind a wrong cookie.
    (
        "dhcp/dhcp_bad_cookie_option_retention.pcap",
        2,
        "bad magic cookie",
    ),
    (
        "dhcp/dhcp_bad_cookie_option_retention.pcap",
        3,
        "bad magic cookie",
    ),
    (
        "dhcp/dhcp_bad_cookie_option_retention.pcap",
        4,
        "bad magic cookie",
    ),
];

#[test]
fn dhcp_agrees_with_tshark() {
    if !tshark_available() {
        return;
    }
    let files = corpus_files(&["DHCP"], 8 << 20);
    assert!(!files.is_empty(), "no DHCP captures in the corpus index");
    let (mut compared, mut bad) = (0usize, Vec::new());
    let fields = [
        "dhcp.option.dhcp",
        "dhcp.option.hostname",
        "dhcp.option.vendor_class_id",
        "dhcp.option.request_list_item",
        "dhcp.hw.mac_addr",
    ];
    for (file, frames) in tshark_all(&files, "dhcp && !icmp", &fields) {
        run(
            &frames,
            |s, d| {
                [67, 68]
                    .contains(&d)
                    .then_some(d)
                    .or([67, 68].contains(&s).then_some(s))
            },
            |_, _| Box::new(DhcpSession),
            |f, sink| {
                compared += 1;
                let rec = sink
                    .records
                    .iter()
                    .find(|(l, _)| *l == "dhcp")
                    .map(|r| &r.1);
                let Some(rec) = rec else {
                    bad.push((file.clone(), f.no, "no record".to_string()));
                    return;
                };
                let s = |k: &str| {
                    rec.get(k)
                        .and_then(|v| v.as_str())
                        .unwrap_or("")
                        .to_string()
                };
                let ours_type = rec["msg_type"].as_u64().unwrap_or(0);
                let theirs_type: u64 = f
                    .field(0)
                    .split('|')
                    .next()
                    .unwrap_or("")
                    .parse()
                    .unwrap_or(0);
                if ours_type != theirs_type {
                    bad.push((
                        file.clone(),
                        f.no,
                        format!("type {ours_type} vs {theirs_type}"),
                    ));
                }
                for (ours, theirs, what) in [
                    (
                        s("host_name"),
                        f.list(1).first().cloned().unwrap_or_default(),
                        "host_name",
                    ),
                    (
                        s("vendor_class"),
                        f.list(2).first().cloned().unwrap_or_default(),
                        "vendor_class",
                    ),
                    (
                        s("mac"),
                        f.list(4).first().cloned().unwrap_or_default(),
                        "mac",
                    ),
                ] {
                    if ours != theirs {
                        bad.push((file.clone(), f.no, format!("{what} {ours:?} vs {theirs:?}")));
                    }
                }
                let ours_pl: Vec<String> = rec
                    .get("param_list")
                    .and_then(|v| v.as_array())
                    .map(|a| a.iter().map(|x| x.to_string()).collect())
                    .unwrap_or_default();
                if ours_pl != f.list(3) {
                    bad.push((
                        file.clone(),
                        f.no,
                        format!("param_list {ours_pl:?} vs {:?}", f.list(3)),
                    ));
                }
            },
        );
    }
    verdict("dhcp", compared, &bad, EXPLAINED, &[]);
}
