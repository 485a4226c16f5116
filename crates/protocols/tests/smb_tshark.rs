// SPDX-License-Identifier: Apache-2.0
//! tshark agreement for SMB: every SMB capture of the corpus is fed per
//! TCP stream and direction (ports 445 and 139, with the engine's
//! buffering, so PDUs spanning segments reassemble through `Incomplete`),
//! and for each frame where tshark decodes them, the SMB1 dialect names
//! (`smb.dialect.name`), SMB2 dialects (`smb2.dialect`), the NTLMSSP
//! AUTHENTICATE user, host and domain (`ntlmssp.auth.*`) and NTLMSSP
//! version (`ntlmssp.version.*`) are compared with our host facts for the
//! same frame.
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
use plantguard_protocols::smb::session::dialect_text;
use plantguard_protocols::smb::SmbSession;

/// Disagreements understood and accepted: (capture suffix, frame or 0 for all, why).
const EXPLAINED: &[(&str, u32, &str)] = &[];

/// Kinds of disagreement understood and accepted: (description prefix, why).
const EXPLAINED_KINDS: &[(&str, &str)] = &[(
    "[dcerpc] ",
    "NTLMSSP inside DCE/RPC bind/auth3 PDUs on named pipes: DCE/RPC is not decoded",
)];

fn smb2_dialect(hex: &str) -> String {
    let v = u16::from_str_radix(hex.trim_start_matches("0x"), 16).unwrap_or(0);
    dialect_text(v).to_string()
}

/// tshark prints `NULL` for an empty NTLMSSP string.
fn ntlm_text(s: &str) -> String {
    if s == "NULL" {
        String::new()
    } else {
        s.to_string()
    }
}

#[test]
fn smb_agrees_with_tshark() {
    if !tshark_available() {
        return;
    }
    let files = corpus_files(&["SMB1", "SMB2/3"], 4 << 20);
    assert!(!files.is_empty(), "no SMB captures in the corpus index");
    let fields = [
        "smb.dialect.name",
        "smb2.dialect",
        "ntlmssp.auth.username",
        "ntlmssp.auth.hostname",
        "ntlmssp.auth.domain",
        "ntlmssp.version.major",
        "ntlmssp.version.minor",
        "ntlmssp.version.build_number",
        "smb.cmd",
        "smb2.cmd",
        "smb2.flags.response",
        "smb.flags.response",
        "frame.protocols",
    ];
    let filter = "(tcp.port == 445 || tcp.port == 139) && tcp.len > 0 \
                  && !tcp.analysis.retransmission && !tcp.analysis.out_of_order";
    let (mut compared, mut bad) = (0usize, Vec::new());
    for (file, frames) in tshark_all(&files, filter, &fields) {
        run(
            &frames,
            |s, d| {
                [445, 139]
                    .into_iter()
                    .find(|p| *p == d)
                    .or_else(|| [445, 139].into_iter().find(|p| *p == s))
            },
            |_, _| Box::new(SmbSession::new()),
            |f, sink| {
                // NTLMSSP carried in DCE/RPC binds over named pipes is not
                // decoded (only SMB session setup security blobs are).
                let dcerpc = f.field(12).contains("dcerpc");
                let mut push = |what: String| {
                    let what = if dcerpc {
                        format!("[dcerpc] {what}")
                    } else {
                        what
                    };
                    bad.push((file.clone(), f.no, what));
                };
                let mut any = false;
                // Dialects: negotiate requests list them, answers name one.
                let smb1: Vec<String> = f.list(0);
                let smb2: Vec<String> = f.list(1).iter().map(|d| smb2_dialect(d)).collect();
                let client = sink.attrs("smb_client_dialects");
                let chosen = sink.attrs("smb_dialect");
                let smb1_req = f.list(8).first().map(String::as_str) == Some("0x72")
                    && matches!(f.list(11).first().map(String::as_str), Some("0" | "False"));
                if smb1_req && !smb1.is_empty() {
                    any = true;
                    let ours: Vec<String> = client
                        .first()
                        .map(|c| c.split(',').map(str::to_string).collect())
                        .unwrap_or_default();
                    if ours != smb1 {
                        push(format!("smb1 dialects {ours:?} vs {smb1:?}"));
                    }
                }
                // FSCTL_VALIDATE_NEGOTIATE_INFO ioctls repeat the dialects;
                // only NEGOTIATE (command 0) is compared.
                let negotiate2 = f.list(9).iter().any(|c| c == "0");
                if negotiate2 && !smb2.is_empty() {
                    any = true;
                    let resp = matches!(f.list(10).first().map(String::as_str), Some("1" | "True"));
                    let ours: Vec<String> = if resp {
                        chosen.clone()
                    } else {
                        client
                            .last()
                            .map(|c| c.split(',').map(str::to_string).collect())
                            .unwrap_or_default()
                    };
                    if ours != smb2 {
                        push(format!("smb2 dialects {ours:?} vs {smb2:?}"));
                    }
                }
                // NTLMSSP AUTHENTICATE.
                let users = f.list(2);
                if let Some(u) = users.first() {
                    any = true;
                    let u = ntlm_text(u);
                    let ours = sink.attrs("smb_user");
                    if ours.first().map(String::as_str).unwrap_or("") != u {
                        push(format!("user {ours:?} vs {u:?}"));
                    }
                    let host = ntlm_text(f.list(3).first().map_or("", String::as_str));
                    let dom = ntlm_text(f.list(4).first().map_or("", String::as_str));
                    let names: Vec<&str> = sink
                        .facts
                        .iter()
                        .filter_map(|(_, x)| match x {
                            HostFact::Name { name, source } if source == "smb_ntlmssp" => {
                                Some(name.as_ref())
                            }
                            _ => None,
                        })
                        .collect();
                    let doms: Vec<&str> = sink
                        .facts
                        .iter()
                        .filter_map(|(_, x)| match x {
                            HostFact::Domain { name, source } if source == "smb_ntlmssp" => {
                                Some(name.as_ref())
                            }
                            _ => None,
                        })
                        .collect();
                    if !host.is_empty() && !names.contains(&host.as_str()) {
                        push(format!("hostname {names:?} vs {host:?}"));
                    }
                    if !dom.is_empty() && !doms.contains(&dom.as_str()) {
                        push(format!("domain {doms:?} vs {dom:?}"));
                    }
                }
                // NTLMSSP VERSION structures.
                let (maj, min, build) = (f.list(5), f.list(6), f.list(7));
                if !maj.is_empty() {
                    any = true;
                    let theirs: Vec<String> = maj
                        .iter()
                        .zip(&min)
                        .zip(&build)
                        .map(|((a, b), c)| format!("{a}.{b}.{c}"))
                        .filter(|v| !v.starts_with("0."))
                        .collect();
                    let ours: Vec<String> = sink
                        .facts
                        .iter()
                        .filter_map(|(_, x)| match x {
                            HostFact::Os {
                                version, source, ..
                            } if source == "smb_ntlmssp" => version.as_deref().map(str::to_owned),
                            _ => None,
                        })
                        .collect();
                    if ours != theirs {
                        push(format!("ntlmssp version {ours:?} vs {theirs:?}"));
                    }
                }
                if any {
                    compared += 1;
                }
            },
        );
    }
    verdict("smb", compared, &bad, EXPLAINED, EXPLAINED_KINDS);
}
