// SPDX-License-Identifier: Apache-2.0
//! iec104 probe on arbitrary bytes: never panics, is deterministic, and a
//! `Match` is a promise: feeding the same bytes is not abandoned.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plantguard_model::{IdentityFact, Operation, Side};
use plantguard_protocols::api::{Direction, ObservationSink, Probe, Progress, Session};
use plantguard_protocols::iec104::{probe, Iec104Session};

struct Null;

impl ObservationSink for Null {
    fn operation(&mut self, _: &'static str, _: Operation) {}
    fn identity(&mut self, _: Side, _: IdentityFact) {}
    fn anomaly(&mut self, _: &'static str, _: &'static str) {}
    fn wants_records(&self) -> bool {
        true
    }
    fn record(&mut self, _: &'static str, _: &dyn erased_serde::Serialize) {}
}

fuzz_target!(|data: &[u8]| {
    for dir in [Direction::ToServer, Direction::ToClient] {
        let p = probe(dir, data);
        assert_eq!(p, probe(dir, data), "probe is deterministic");
        if p == Probe::Match {
            let mut s = Iec104Session::new();
            let progress = s.feed(dir, data, &mut Null);
            assert!(
                !matches!(progress, Progress::Abandon(_)),
                "matched bytes abandoned"
            );
            if let Progress::Incomplete { consumed, needed } = progress {
                assert!(consumed <= data.len() && needed > 0);
            }
        }
    }
});
