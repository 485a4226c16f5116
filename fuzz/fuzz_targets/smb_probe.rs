// SPDX-License-Identifier: Apache-2.0
//! SMB probe on arbitrary bytes: no panic, and a `Match` means a session
//! service header of a known type is there.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plantguard_protocols::api::{Direction, Probe};
use plantguard_protocols::smb;

fuzz_target!(|data: &[u8]| {
    if smb::probe(Direction::ToServer, data) == Probe::Match {
        let (t, _) = smb::parse_nbss(data).expect("matched bytes have a header");
        assert!(matches!(t, 0x00 | 0x81 | 0x82 | 0x85), "type {t:#x}");
    }
});
