// SPDX-License-Identifier: Apache-2.0
//! PN-IO CM sessions fed arbitrary datagrams in both directions (always
//! used whole, pending cap holds, `finish` empties the table) and the
//! PROFINET / GOOSE / SV / EtherCAT layer-2 parsers fed the same frames.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plantguard_model::{IdentityFact, Operation, Side};
use plantguard_protocols::api::{Direction, ObservationSink, Progress, Session};
use plantguard_protocols::profinet::{cm::MAX_PENDING, CmSession};

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
    let mut s = CmSession::new();
    for (i, dgram) in data.split(|&b| b == 0xFE).enumerate() {
        let dir = if i % 2 == 0 {
            Direction::ToServer
        } else {
            Direction::ToClient
        };
        match s.feed(dir, dgram, &mut Null) {
            Progress::Done => {}
            Progress::Abandon(_) => break,
            p @ Progress::Incomplete { .. } => panic!("datagram parser answered {p:?}"),
        }
        assert!(s.pending_len() <= MAX_PENDING);
        for l2 in plantguard_protocols::registry::L2_PROTOCOLS {
            (l2.parse)(dgram, &mut Null);
        }
    }
    s.finish(&mut Null);
    assert_eq!(s.pending_len(), 0);
});
