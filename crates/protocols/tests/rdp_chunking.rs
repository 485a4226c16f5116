// SPDX-License-Identifier: Apache-2.0
//! Chunking property for RDP: the connection of zeek
//! `rdp/rdp-proprietary-encryption.pcap` (stream 1: Connection Request and
//! Confirm with standard RDP security, then MCS and security-exchange
//! TPKTs; `tests/assets/rdp/rdp-proprietary-encryption.conv`) fed in
//! arbitrary chunks gives the same cookie and record as fed whole.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "chunking_support.rs"]
mod support;

use plantguard_protocols::rdp::RdpSession;
use proptest::prelude::*;

const CONV: &str = include_str!("assets/rdp/rdp-proprietary-encryption.conv");

fn whole() -> support::Sink {
    support::run(
        Box::new(RdpSession::new()),
        &support::conversation(CONV),
        &[],
    )
}

#[test]
fn whole_connection_reports_cookie_and_rdp_security() {
    let sink = whole();
    let r = &sink.records[0];
    assert_eq!(r["cookie"], "FTBCO\\A70");
    assert_eq!(r["security_protocol"], "RDP");
    assert!(sink.anomalies.is_empty(), "{:?}", sink.anomalies);
}

proptest! {
    #[test]
    fn rdp_chunking_does_not_change_results(cuts in proptest::collection::vec(0usize..500, 0..30)) {
        let conv = support::conversation(CONV);
        prop_assert_eq!(support::run(Box::new(RdpSession::new()), &conv, &cuts), whole());
    }
}
