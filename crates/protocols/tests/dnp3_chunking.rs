// SPDX-License-Identifier: Apache-2.0
//! Chunking property: a real dnp3 conversation (cut from a corpus capture,
//! see `tests/assets/dnp3/`) fed in arbitrary chunks, with the engine's
//! buffering emulated (unconsumed bytes kept and the next chunk appended),
//! yields the same operations, identities, host facts, anomalies and
//! records as the conversation fed whole.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "chunking_support.rs"]
mod support;

use plantguard_protocols::api::Direction;
use plantguard_protocols::dnp3::Dnp3Session;
use proptest::prelude::*;

const TO_SERVER: &[u8] = include_bytes!("assets/dnp3/example_to_server.bin");
const TO_CLIENT: &[u8] = include_bytes!("assets/dnp3/example_to_client.bin");

fn run(cuts_req: &[usize], cuts_resp: &[usize]) -> support::Sink {
    support::run_streams(
        Dnp3Session::new(),
        &[
            (Direction::ToServer, TO_SERVER, cuts_req),
            (Direction::ToClient, TO_CLIENT, cuts_resp),
        ],
    )
}

#[test]
fn whole_conversation_decodes() {
    let sink = run(&[], &[]);
    assert!(sink.ops.len() >= 5, "{:?}", sink.ops);
    assert!(sink.records.len() >= 10);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn chunked_equals_whole(
        cuts_req in proptest::collection::vec(0usize..4000, 0..60),
        cuts_resp in proptest::collection::vec(0usize..4000, 0..60),
    ) {
        prop_assert_eq!(run(&cuts_req, &cuts_resp), run(&[], &[]));
    }
}
