// SPDX-License-Identifier: Apache-2.0
//! BACnet/IP probe on arbitrary datagrams: never panics, and a `Match`
//! implies the datagram decodes (BVLL-only messages with a BVLC length
//! equal to their size).
#![no_main]

use libfuzzer_sys::fuzz_target;
use plantguard_protocols::api::{Direction, Probe};
use plantguard_protocols::bacnet::{parse_frame, probe};

fuzz_target!(|data: &[u8]| {
    if probe(Direction::ToServer, data) == Probe::Match {
        let f = parse_frame(data).expect("a matching datagram decodes");
        if f.npdu.is_none() {
            assert_eq!(usize::from(f.bvlc.length), data.len());
        }
    }
});
