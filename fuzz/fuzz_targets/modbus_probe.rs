// SPDX-License-Identifier: Apache-2.0
//! Modbus probe on arbitrary bytes: never panics, is deterministic, and a
//! `Match` is a promise: feeding the same bytes decodes at least one PDU.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plantguard_model::{IdentityFact, Operation, Side};
use plantguard_protocols::api::{Direction, ObservationSink, Probe, Progress, Session};
use plantguard_protocols::modbus::{probe, ModbusSession};

#[derive(Default)]
struct Count {
    ops: usize,
    records: usize,
}

impl ObservationSink for Count {
    fn operation(&mut self, _: &'static str, _: Operation) {
        self.ops += 1;
    }
    fn identity(&mut self, _: Side, _: IdentityFact) {}
    fn anomaly(&mut self, _: &'static str, _: &'static str) {}
    fn wants_records(&self) -> bool {
        true
    }
    fn record(&mut self, _: &'static str, _: &dyn erased_serde::Serialize) {
        self.records += 1;
    }
}

fuzz_target!(|data: &[u8]| {
    for dir in [Direction::ToServer, Direction::ToClient] {
        let p = probe(dir, data);
        assert_eq!(p, probe(dir, data), "probe is deterministic");
        if p == Probe::Match {
            let mut s = ModbusSession::new();
            let mut sink = Count::default();
            let progress = s.feed(dir, data, &mut sink);
            assert!(!matches!(progress, Progress::Abandon(_)), "matched bytes abandoned");
            assert!(sink.ops + sink.records > 0, "matched bytes decoded nothing");
        }
    }
});
