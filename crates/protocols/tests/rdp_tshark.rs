// SPDX-License-Identifier: Apache-2.0
//! tshark agreement for RDP: the X.224 cookie and requested protocols of every corpus capture listing
//! RDP. Run with `--nocapture` to see the per-file counts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "http_tshark_harness.rs"]
mod harness;

use harness::{Diff, Spec, Traced};
use plantguard_protocols::rdp::RdpSession;

impl Traced for RdpSession {
    fn take_trace(&mut self) -> Vec<(&'static str, String)> {
        RdpSession::take_trace(self)
    }
}

const SPEC: Spec = Spec {
    index_name: "RDP",
    udp: false,
    server_ports: &[3389],
    fields: &["rdp.rt_cookie", "rdp.negReq.requestedProtocols"],
    tshark_args: &[],
    skip: &[],
    only_server_ports: false,
};

fn new() -> Box<dyn Traced> {
    let mut s = RdpSession::new();
    s.enable_trace();
    Box::new(s)
}

fn explain(d: &Diff<'_>) -> Option<&'static str> {
    let _ = d;
    None
}

#[test]
fn rdp_agrees_with_tshark_on_corpus() {
    harness::run_corpus(&SPEC, &new, &explain, 3);
}
