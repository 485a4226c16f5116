// SPDX-License-Identifier: Apache-2.0
//! tshark agreement for NetBIOS: name service packets (UDP 137: the first
//! name, compared with `nbns.name`) and browser announcements in datagrams
//! (UDP 138: server name and OS version, compared with `browser.server`,
//! `browser.os_major`, `browser.os_minor`), frame by frame, over every
//! NetBIOS capture of the corpus.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "dns_tshark_harness.rs"]
mod harness;

use harness::*;
use plantguard_protocols::api::Session;
use plantguard_protocols::netbios::{NbdgmSession, NbnsSession};

/// Disagreements understood and accepted: (capture suffix, frame or 0 for all, why).
const EXPLAINED: &[(&str, u32, &str)] = &[];

/// Kinds of disagreement understood and accepted: (description prefix, why).
const EXPLAINED_KINDS: &[(&str, &str)] = &[
    // tshark writes the control bytes of `\x01\x02__MSBROWSE__\x02<01>`
    // as `<01><02>`, so its text has no name before the first `<`.
    (
        "nbns name \u{1}\u{2}__MSBROWSE__",
        "tshark escapes the control bytes of __MSBROWSE__",
    ),
    // RequestElection (0x08) carries the sender's name where tshark puts it
    // in `browser.server`; only announcements (0x01, 0x0C, 0x0F) are decoded.
    ("election ", "browser elections are not decoded"),
];

/// `NAME<1d> (Master Browser)` → (`NAME`, `1d`).
fn split_name(s: &str) -> (String, String) {
    let (n, rest) = s.split_once('<').unwrap_or((s, ""));
    let suffix = rest.split('>').next().unwrap_or("");
    (n.to_string(), suffix.to_ascii_lowercase())
}

#[test]
fn netbios_agrees_with_tshark() {
    if !tshark_available() {
        return;
    }
    let files = corpus_files(&["NetBIOS-NS", "NetBIOS-DGM", "Browser"], 8 << 20);
    assert!(!files.is_empty(), "no NetBIOS captures in the corpus index");
    let fields = [
        "nbns.name",
        "browser.server",
        "browser.os_major",
        "browser.os_minor",
        "browser.command",
    ];
    let filter = "(nbns || nbdgm) && !icmp";
    let (mut compared, mut bad) = (0usize, Vec::new());
    for (file, frames) in tshark_all(&files, filter, &fields) {
        run(
            &frames,
            |s, d| {
                [137, 138]
                    .into_iter()
                    .find(|p| *p == d)
                    .or_else(|| [137, 138].into_iter().find(|p| *p == s))
            },
            |_, p| -> Box<dyn Session> {
                if p == 137 {
                    Box::new(NbnsSession)
                } else {
                    Box::new(NbdgmSession)
                }
            },
            |f, sink| {
                let mut push = |what: String| bad.push((file.clone(), f.no, what));
                let rec = sink
                    .records
                    .iter()
                    .find(|(l, _)| *l == "netbios")
                    .map(|r| &r.1);
                let s = |k: &str| {
                    rec.and_then(|r| r.get(k))
                        .and_then(|v| v.as_str())
                        .unwrap_or("")
                        .to_string()
                };
                let u = |k: &str| rec.and_then(|r| r.get(k)).and_then(|v| v.as_u64());
                if let Some(theirs) = f.list(0).first() {
                    compared += 1;
                    let (tn, ts) = split_name(theirs);
                    let (on, os) = split_name(&s("name"));
                    if (tn.clone(), ts.clone()) != (on.clone(), os.clone()) {
                        push(format!("nbns name {on}<{os}> vs {tn}<{ts}>"));
                    }
                }
                if let Some(server) = f.list(1).first() {
                    compared += 1;
                    if f.field(4) == "0x08" {
                        push(format!("election {server:?} not decoded"));
                        return;
                    }
                    if &s("server_name") != server {
                        push(format!(
                            "browser server {:?} vs {server:?}",
                            s("server_name")
                        ));
                    }
                    let maj: Option<u64> = f.list(2).first().and_then(|x| x.parse().ok());
                    let min: Option<u64> = f.list(3).first().and_then(|x| x.parse().ok());
                    if (u("os_major"), u("os_minor")) != (maj, min) {
                        push(format!(
                            "os {:?}.{:?} vs {maj:?}.{min:?}",
                            u("os_major"),
                            u("os_minor")
                        ));
                    }
                }
            },
        );
    }
    verdict("netbios", compared, &bad, EXPLAINED, EXPLAINED_KINDS);
}
