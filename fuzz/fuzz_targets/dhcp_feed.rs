// SPDX-License-Identifier: Apache-2.0
//! DHCP and DHCPv6 sessions fed arbitrary datagrams: no panic, every
//! datagram is used whole (`Done`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use plantguard_model::{HostFact, IdentityFact, Operation, Side};
use plantguard_protocols::api::{Direction, ObservationSink, Progress, Session};
use plantguard_protocols::dhcp::{DhcpSession, Dhcpv6Session};

struct Null;

impl ObservationSink for Null {
    fn operation(&mut self, _: &'static str, _: Operation) {
        panic!("DHCP reports no operations");
    }
    fn identity(&mut self, _: Side, _: IdentityFact) {}
    fn host_fact(&mut self, _: Side, f: HostFact) {
        if let HostFact::Attribute { value, .. } = f {
            assert!(!value.is_empty(), "empty attribute");
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
    let dir = if data.first().is_some_and(|b| b & 1 == 1) {
        Direction::ToClient
    } else {
        Direction::ToServer
    };
    assert_eq!(DhcpSession.feed(dir, data, &mut Null), Progress::Done);
    assert_eq!(Dhcpv6Session.feed(dir, data, &mut Null), Progress::Done);
});
