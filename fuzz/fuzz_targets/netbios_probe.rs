// SPDX-License-Identifier: Apache-2.0
//! NetBIOS probes on arbitrary bytes: no panic, and a `Match` means the
//! first name (name service) or the datagram header decodes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plantguard_protocols::api::{Direction, Probe};
use plantguard_protocols::netbios::{self, wire};

fuzz_target!(|data: &[u8]| {
    if netbios::probe_ns(Direction::ToServer, data) == Probe::Match {
        wire::name_at(data, 12).expect("matched name service packet has a name");
    }
    if netbios::probe_dgm(Direction::ToServer, data) == Probe::Match {
        netbios::parse_datagram(data).expect("matched datagram decodes");
    }
    if let Some(ms) = netbios::parse_mailslot(data) {
        assert!(ms.data.len() <= data.len());
        let _ = netbios::parse_announcement(ms.data);
    }
});
