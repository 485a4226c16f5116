// SPDX-License-Identifier: Apache-2.0
//! NetBIOS name service and datagram sessions fed arbitrary datagrams: no
//! panic, every datagram used whole, no empty names in facts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plantguard_model::{HostFact, IdentityFact, Operation, Side};
use plantguard_protocols::api::{Direction, ObservationSink, Progress, Session};
use plantguard_protocols::netbios::{NbdgmSession, NbnsSession};

struct Check;

impl ObservationSink for Check {
    fn operation(&mut self, _: &'static str, _: Operation) {
        panic!("NetBIOS reports no operations");
    }
    fn identity(&mut self, _: Side, _: IdentityFact) {}
    fn host_fact(&mut self, _: Side, f: HostFact) {
        if let HostFact::Name { name, .. } | HostFact::Domain { name, .. } = f {
            assert!(!name.is_empty(), "empty name fact");
        }
    }
    fn anomaly(&mut self, _: &'static str, _: &'static str) {}
    fn wants_records(&self) -> bool {
        true
    }
    fn record(&mut self, _: &'static str, r: &dyn erased_serde::Serialize) {
        let _ = r;
    }
}

fuzz_target!(|data: &[u8]| {
    for dir in [Direction::ToServer, Direction::ToClient] {
        assert_eq!(NbnsSession.feed(dir, data, &mut Check), Progress::Done);
        assert_eq!(NbdgmSession.feed(dir, data, &mut Check), Progress::Done);
    }
});
