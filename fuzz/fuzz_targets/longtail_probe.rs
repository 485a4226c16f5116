// SPDX-License-Identifier: Apache-2.0
//! Every long-tail probe (and MMS) on arbitrary bytes: never panics, and a
//! `Match` leads to a session that uses at most the bytes it was given.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plantguard_model::{IdentityFact, Operation, Side};
use plantguard_protocols::api::{Direction, ObservationSink, Probe, Progress};
use plantguard_protocols::longtail;

struct Null;

impl ObservationSink for Null {
    fn operation(&mut self, _: &'static str, _: Operation) {}
    fn identity(&mut self, _: Side, _: IdentityFact) {}
    fn anomaly(&mut self, _: &'static str, _: &'static str) {}
    fn wants_records(&self) -> bool {
        true
    }
    fn record(&mut self, _: &'static str, r: &dyn erased_serde::Serialize) {
        let _ = r;
    }
}

fuzz_target!(|data: &[u8]| {
    for info in longtail::ALL.iter().copied().chain([&longtail::mms::INFO]) {
        for dir in [Direction::ToServer, Direction::ToClient] {
            if (info.probe)(dir, data) == Probe::Match {
                let mut s = (info.new_session)();
                if let Progress::Incomplete { consumed, needed } = s.feed(dir, data, &mut Null) {
                    assert!(
                        consumed <= data.len(),
                        "{} consumed {consumed} of {}",
                        info.name,
                        data.len()
                    );
                    assert!(
                        needed > 0,
                        "{} incomplete without asking for bytes",
                        info.name
                    );
                }
            }
        }
    }
});
