// SPDX-License-Identifier: Apache-2.0
//! The tls probe on arbitrary bytes, both directions: never panics, and an
//! answer on a prefix never contradicts the answer on the whole input
//! (`NoMatch` on a prefix stays `NoMatch`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use plantguard_protocols::api::{Direction, Probe};
use plantguard_protocols::tls::probe;

fuzz_target!(|data: &[u8]| {
    for dir in [Direction::ToServer, Direction::ToClient] {
        let whole = probe(dir, data);
        for cut in [data.len() / 2, data.len().saturating_sub(1)] {
            if let Some(prefix) = data.get(..cut) {
                if probe(dir, prefix) == Probe::NoMatch && !prefix.is_empty() {
                    assert_ne!(
                        whole,
                        Probe::Match,
                        "NoMatch on a prefix, Match on the whole"
                    );
                }
            }
        }
    }
});
