// SPDX-License-Identifier: Apache-2.0
//! The snmp probe on arbitrary bytes, both directions: never panics, and
//! `Match` implies the datagram parses as a whole SNMP message (a UDP probe
//! sees whole datagrams, so the prefix property of the TCP probes does not apply).
#![no_main]

use libfuzzer_sys::fuzz_target;
use plantguard_protocols::api::{Direction, Probe};
use plantguard_protocols::snmp::probe;

fuzz_target!(|data: &[u8]| {
    for dir in [Direction::ToServer, Direction::ToClient] {
        if probe(dir, data) == Probe::Match {
            let m = plantguard_protocols::snmp::parse_message(data).expect("Match parses");
            assert_eq!(m.trailing, 0);
        }
    }
});
