// SPDX-License-Identifier: Apache-2.0
//! Chunking property: feeding a real S7 conversation in arbitrary chunks,
//! with the engine's buffering emulated (unconsumed bytes are kept and the
//! next chunk appended), gives the same operations, identities, anomalies
//! and records as feeding each TCP segment whole.
//!
//! The conversation is `snap7_s300_everything.pcapng` (Setup Communication,
//! SZL reads, uploads, block lists) plus an S7comm-plus capture, extracted
//! with tshark.

#[path = "chunking_support.rs"]
mod support;

use plantguard_protocols::s7comm::S7Session;
use proptest::prelude::*;
use std::sync::OnceLock;

fn streams() -> &'static Vec<support::Conversation> {
    static S: OnceLock<Vec<support::Conversation>> = OnceLock::new();
    S.get_or_init(|| {
        support::corpus_conversations(&[
            (
                "ITI-ICS-Security-Tools/pcaps/s7/snap7_s300_everything.pcapng",
                0,
                102,
            ),
            ("ITI-ICS-Security-Tools/pcaps/s7/s7-1200-hmi.pcap", 0, 102),
        ])
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
    #[test]
    fn chunked_feeding_matches_whole_segments(cuts in proptest::collection::vec(0u16..200, 1..16)) {
        for conv in streams() {
            let whole = support::run_segments(S7Session::new(), conv, &[]);
            prop_assert!(!whole.ops.is_empty());
            let chunked = support::run_segments(S7Session::new(), conv, &cuts);
            prop_assert_eq!(&whole, &chunked);
        }
    }
}
