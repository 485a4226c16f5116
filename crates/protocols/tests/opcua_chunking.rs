// SPDX-License-Identifier: Apache-2.0
//! Chunking property: feeding a real OPC UA conversation in arbitrary chunks,
//! with the engine's buffering emulated (unconsumed bytes are kept and the
//! next chunk appended), gives the same operations, identities, anomalies
//! and records as feeding each TCP segment whole.
//!
//! The conversations are open62541's client/server main loop (HEL, OPN,
//! GetEndpoints, CreateSession, ActivateSession, Read, Write, Browse, ...)
//! and an encrypted session, extracted with tshark.

#[path = "chunking_support.rs"]
mod support;

use plantguard_protocols::opcua::OpcUaSession;
use proptest::prelude::*;
use std::sync::OnceLock;

fn streams() -> &'static Vec<support::Conversation> {
    static S: OnceLock<Vec<support::Conversation>> = OnceLock::new();
    S.get_or_init(|| {
        support::corpus_conversations(&[
            (
                "icsnpp/icsnpp-opcua-binary/pcaps/open62541_client-server_mainloop.pcap",
                1,
                4840,
            ),
            (
                "icsnpp/icsnpp-opcua-binary/pcaps/open62541_client-server_encrypted.pcap",
                1,
                4840,
            ),
        ])
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
    #[test]
    fn chunked_feeding_matches_whole_segments(cuts in proptest::collection::vec(0u16..200, 1..16)) {
        for conv in streams() {
            let whole = support::run_segments(OpcUaSession::new(), conv, &[]);
            prop_assert!(!whole.ops.is_empty());
            let chunked = support::run_segments(OpcUaSession::new(), conv, &cuts);
            prop_assert_eq!(&whole, &chunked);
        }
    }
}
