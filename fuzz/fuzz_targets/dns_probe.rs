// SPDX-License-Identifier: Apache-2.0
//! DNS probes on arbitrary bytes: no panic, and a `Match` means the header
//! and every question decode.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plantguard_protocols::api::{Direction, Probe};
use plantguard_protocols::dns::{self, wire};

fuzz_target!(|data: &[u8]| {
    for probe in [dns::probe_udp, dns::probe_llmnr, dns::probe_mdns] {
        if probe(Direction::ToServer, data) == Probe::Match {
            let h = wire::parse_header(data).expect("header of a matched datagram");
            wire::skip_questions(data, &h).expect("questions of a matched datagram");
        }
    }
    if dns::probe_tcp(Direction::ToServer, data) == Probe::Match {
        assert!(data.len() >= 14);
        let h = wire::parse_header(&data[2..]).expect("header of a matched stream");
        assert!(h.qdcount <= 32);
    }
});
