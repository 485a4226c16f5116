// SPDX-License-Identifier: Apache-2.0
//! opcua probe on arbitrary bytes: never panics, and a decision is stable:
//! once the bytes `Match` or `NoMatch`, more bytes do not change it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plantguard_protocols::api::{Direction, Probe};
use plantguard_protocols::opcua::probe;

fuzz_target!(|data: &[u8]| {
    for dir in [Direction::ToServer, Direction::ToClient] {
        let full = probe(dir, data);
        for cut in [data.len() / 3, data.len() / 2, data.len().saturating_sub(1)] {
            let Some(prefix) = data.get(..cut) else { continue };
            let p = probe(dir, prefix);
            if p != Probe::NeedMore {
                assert_eq!(p, full, "prefix of {cut} bytes decided {p:?}, full input {full:?}");
            }
        }
    }
});
