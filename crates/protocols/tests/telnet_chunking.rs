// SPDX-License-Identifier: Apache-2.0
//! Chunking property for Telnet: the first 40 payload segments of
//! suricata-verify `telnet/telnet-01/telnet.pcap` (option negotiation,
//! banner, login and the first shell command;
//! `tests/assets/telnet/telnet-01.conv`) fed in arbitrary chunks give the
//! same banner, credential and record as fed whole.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "chunking_support.rs"]
mod support;

use plantguard_model::HostFact;
use plantguard_protocols::telnet::TelnetSession;
use proptest::prelude::*;

const CONV: &str = include_str!("assets/telnet/telnet-01.conv");

fn whole() -> support::Sink {
    support::run(
        Box::new(TelnetSession::new()),
        &support::conversation(CONV),
        &[],
    )
}

#[test]
fn whole_session_reports_the_accepted_login() {
    let sink = whole();
    assert!(sink.facts.iter().any(|(_, f)| matches!(
        f,
        HostFact::Credential { username, accepted: Some(true), .. } if username == "fake"
    )));
    assert_eq!(sink.records[0]["banner"], "OpenBSD/i386 (oof) (ttyp2)");
}

proptest! {
    #[test]
    fn telnet_chunking_does_not_change_results(cuts in proptest::collection::vec(0usize..800, 0..30)) {
        let conv = support::conversation(CONV);
        prop_assert_eq!(support::run(Box::new(TelnetSession::new()), &conv, &cuts), whole());
    }
}
