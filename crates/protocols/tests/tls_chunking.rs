// SPDX-License-Identifier: Apache-2.0
//! Chunking property for TLS: the handshake of zeek
//! `tls/chrome-34-google.pcap` (ClientHello, ServerHello, Certificate,
//! ServerKeyExchange, ServerHelloDone, the client's key exchange and
//! ChangeCipherSpec, in capture order; `tests/assets/tls/chrome-34-google.conv`)
//! fed in arbitrary chunks gives the same facts and record as fed whole.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "chunking_support.rs"]
mod support;

use plantguard_model::HostFact;
use plantguard_protocols::tls::TlsSession;
use proptest::prelude::*;

const CONV: &str = include_str!("assets/tls/chrome-34-google.conv");

fn whole() -> support::Sink {
    support::run(
        Box::new(TlsSession::new()),
        &support::conversation(CONV),
        &[],
    )
}

#[test]
fn whole_handshake_reports_sni_fingerprints_and_certificate() {
    let sink = whole();
    let r = &sink.records[0];
    assert_eq!(r["server_name"], "google.de");
    assert_eq!(r["ja3"], "a607f3a5c94c2ee592af1456f36c8367");
    assert_eq!(r["ja3s"], "9f5e2e0d84076af5475bbe44debdb03e");
    assert!(r["subject"].as_str().unwrap().contains("*.google.de"));
    assert!(sink
        .facts
        .iter()
        .any(|(_, f)| matches!(f, HostFact::Attribute { key, .. } if key == "tls_cert_subject")));
}

proptest! {
    #[test]
    fn tls_chunking_does_not_change_results(cuts in proptest::collection::vec(0usize..3000, 0..30)) {
        let conv = support::conversation(CONV);
        prop_assert_eq!(support::run(Box::new(TlsSession::new()), &conv, &cuts), whole());
    }
}
