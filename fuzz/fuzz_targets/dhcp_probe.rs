// SPDX-License-Identifier: Apache-2.0
//! DHCP probes on arbitrary bytes: no panic, and a `Match` means the
//! message decodes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plantguard_protocols::api::{Direction, Probe};
use plantguard_protocols::dhcp;

fuzz_target!(|data: &[u8]| {
    if dhcp::probe(Direction::ToServer, data) == Probe::Match {
        let m = dhcp::parse_message(data).expect("matched message decodes");
        assert!(m.chaddr.len() <= 16);
    }
    if dhcp::probe_v6(Direction::ToServer, data) == Probe::Match {
        let m = dhcp::parse_message_v6(data).expect("matched message decodes");
        assert!(!m.truncated);
    }
});
