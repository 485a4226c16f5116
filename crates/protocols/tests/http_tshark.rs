// SPDX-License-Identifier: Apache-2.0
//! tshark agreement for HTTP/1.x: request method, URI, Host, User-Agent,
//! status code and Server header of every corpus capture listing HTTP.
//! Run with `--nocapture` to see the per-file counts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "http_tshark_harness.rs"]
mod harness;

use harness::{Diff, Spec, Traced};
use plantguard_protocols::http::HttpSession;

impl Traced for HttpSession {
    fn take_trace(&mut self) -> Vec<(&'static str, String)> {
        HttpSession::take_trace(self)
    }
}

const SPEC: Spec = Spec {
    index_name: "HTTP",
    udp: false,
    server_ports: &[80, 8080, 8000, 3128],
    fields: &[
        "http.request.method",
        "http.request.uri",
        "http.host",
        "http.user_agent",
        "http.response.code",
        "http.server",
    ],
    tshark_args: &["-o", "http.desegment_body:FALSE"],
};

fn new() -> Box<dyn Traced> {
    let mut s = HttpSession::new();
    s.enable_trace();
    Box::new(s)
}

fn explain(d: &Diff<'_>) -> Option<&'static str> {
    let _ = d;
    None
}

#[test]
fn http_agrees_with_tshark_on_corpus() {
    harness::run_corpus(&SPEC, &new, &explain, 500);
}
