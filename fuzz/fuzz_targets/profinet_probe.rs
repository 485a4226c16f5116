// SPDX-License-Identifier: Apache-2.0
//! PROFINET entry points on arbitrary bytes: the PN-IO CM probe (`Match`
//! implies a version-4 header whose body length accounts for the
//! datagram), the DCP decoder and the layer-2 parser never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plantguard_model::{IdentityFact, Operation, Side};
use plantguard_protocols::api::{Direction, ObservationSink, Probe};
use plantguard_protocols::profinet::{cm, parse, probe_cm, summarize_dcp};

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
    if probe_cm(Direction::ToServer, data) == Probe::Match {
        let h = cm::parse_header(data).expect("a matching datagram has a header");
        assert_eq!(cm::HEADER_LEN + usize::from(h.body_len), data.len());
    }
    if let Ok(s) = summarize_dcp(data) {
        assert!(s.option_count <= s.options.len());
    }
    parse(data, &mut Null);
});
