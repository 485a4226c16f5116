// SPDX-License-Identifier: Apache-2.0
//! BacnetSession fed arbitrary datagrams in both directions: a datagram is
//! always used whole (`Done` or `Abandon`, never `Incomplete`), the pending
//! cap holds, and `finish` reports every pending request.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plantguard_model::{IdentityFact, Operation, Side};
use plantguard_protocols::api::{Direction, ObservationSink, Progress, Session};
use plantguard_protocols::bacnet::{BacnetSession, MAX_PENDING};

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
    let mut s = BacnetSession::new();
    // Datagrams are separated by 0xFF 0xFE; their first byte picks the direction.
    for (i, dgram) in data.split(|&b| b == 0xFE).enumerate() {
        let dir = if i % 2 == 0 {
            Direction::ToServer
        } else {
            Direction::ToClient
        };
        match s.feed(dir, dgram, &mut Null) {
            Progress::Done => {}
            Progress::Abandon(_) => return,
            p @ Progress::Incomplete { .. } => panic!("datagram parser answered {p:?}"),
        }
        assert!(s.pending_len() <= MAX_PENDING);
    }
    s.finish(&mut Null);
    assert_eq!(s.pending_len(), 0);
});
