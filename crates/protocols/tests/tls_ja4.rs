// SPDX-License-Identifier: Apache-2.0
//! JA4 checked against a reference: the suricata-verify captures whose
//! `test.yaml` lists the `tls.ja4` value Suricata (with
//! `app-layer.protocols.tls.ja4-fingerprints=yes`) writes in its EVE output.
//! The TCP payloads are read with tshark and fed through the same harness
//! as the agreement tests; the `ja4` of our `tls.log` records must equal
//! the expected value. (`quic.ja4` of ja4-tls-quic is QUIC, not decoded.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "http_tshark_harness.rs"]
mod harness;

use harness::{Spec, Traced};
use plantguard_protocols::tls::TlsSession;

impl Traced for TlsSession {
    fn take_trace(&mut self) -> Vec<(&'static str, String)> {
        TlsSession::take_trace(self)
    }
}

const SPEC: Spec = Spec {
    index_name: "TLS",
    udp: false,
    server_ports: &[443],
    fields: &[],
    tshark_args: &[],
    skip: &[],
    only_server_ports: false,
};

/// (capture under suricata-verify/tests, expected `tls.ja4` from its test.yaml)
const CASES: &[(&str, &str)] = &[
    // ja4-tls/test.yaml: TLS 1.2 ClientHello without SNI, 18 ciphers, 10 extensions, ALPN `s1`.
    ("ja4-tls/input.pcap", "t12i1810s1_27d4652c4487_06a4338d0495"),
    // ja4-tls-quic/test.yaml: the TLS 1.3 (TCP) flow next to the QUIC one.
    (
        "ja4-tls-quic/input.pcap",
        "t13d1516h2_8daaf6152771_e5627efa2ab1",
    ),
];

/// The expected value as the test.yaml states it (guards against the table drifting).
fn expected_in_yaml(capture: &str) -> Vec<String> {
    let dir = harness::corpus_dir()
        .join("suricata-verify/tests")
        .join(capture);
    let yaml = std::fs::read_to_string(dir.with_file_name("test.yaml")).expect("test.yaml");
    yaml.lines()
        .filter_map(|l| l.trim().strip_prefix("tls.ja4:"))
        .map(|v| v.trim().to_owned())
        .collect()
}

#[test]
fn ja4_matches_suricata_verify_expectations() {
    if !harness::have_tshark() {
        return;
    }
    for (capture, want) in CASES {
        assert_eq!(
            expected_in_yaml(capture),
            vec![(*want).to_owned()],
            "{capture}"
        );
        let path = harness::corpus_dir()
            .join("suricata-verify/tests")
            .join(capture);
        let new = || -> Box<dyn Traced> { Box::new(TlsSession::new()) };
        let (_, sink) = harness::compare_file(&SPEC, &path, &new, &|_| None);
        let ja4: Vec<String> = sink
            .records
            .iter()
            .filter_map(|(_, _, r)| r.get("ja4").and_then(|v| v.as_str()).map(str::to_owned))
            .collect();
        eprintln!("{capture}: ja4 {ja4:?}");
        assert_eq!(ja4, vec![(*want).to_owned()], "{capture}");
    }
}
