// SPDX-License-Identifier: Apache-2.0
//! Chunking property for SSH: the version exchange and first KEXINIT
//! packets of zeek `ssh/ssh_kex_curve25519.pcap`
//! (`tests/assets/ssh/ssh-kex-curve25519.conv`) fed in arbitrary chunks
//! give the same banners and record as fed whole.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "chunking_support.rs"]
mod support;

use plantguard_protocols::ssh::SshSession;
use proptest::prelude::*;

const CONV: &str = include_str!("assets/ssh/ssh-kex-curve25519.conv");

fn whole() -> support::Sink {
    support::run(
        Box::new(SshSession::new()),
        &support::conversation(CONV),
        &[],
    )
}

#[test]
fn whole_exchange_reports_both_banners() {
    let sink = whole();
    assert_eq!(sink.records[0]["client"], "SSH-2.0-OpenSSH_7.4");
    assert_eq!(sink.records[0]["server"], "SSH-2.0-OpenSSH_7.5");
    assert_eq!(sink.ops.len(), 1);
}

proptest! {
    #[test]
    fn ssh_chunking_does_not_change_results(cuts in proptest::collection::vec(0usize..1500, 0..30)) {
        let conv = support::conversation(CONV);
        prop_assert_eq!(support::run(Box::new(SshSession::new()), &conv, &cuts), whole());
    }
}
