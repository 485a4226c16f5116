// SPDX-License-Identifier: Apache-2.0
//! Fuzzes the IP defragmenter with small limits.
//!
//! Input: records of
//! `id (u8) | flags (u8: 0x01 MF, high nibble = capture-time step) | offset/8 (u16 BE) | len (u8) | len bytes`.
//! Checks, beyond "no panic": at most `max_datagrams` in progress and their
//! memory bounded; a reassembled payload is no longer than the limit, and
//! each of its bytes was pushed at that offset for that datagram id.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plantguard_wire::ipfrag::{DefragLimits, Defragmenter, FragKey};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};

const LIMITS: DefragLimits = DefragLimits {
    max_datagrams: 4,
    max_datagram_bytes: 2048,
    timeout_nanos: 1_000,
};

fuzz_target!(|input: &[u8]| {
    let mut defrag = Defragmenter::new(LIMITS);
    // Every value pushed at each (id, offset).
    let mut pushed: HashMap<(u32, u32), Vec<u8>> = HashMap::new();
    let mut now = 0i64;
    let mut rest = input;
    while let Some((head, tail)) = rest.split_first_chunk::<5>() {
        let id = u32::from(head[0]);
        let more = head[1] & 1 != 0;
        now += i64::from(head[1] >> 4) * 100;
        let offset = u32::from(u16::from_be_bytes([head[2], head[3]])) * 8;
        let len = usize::from(head[4]).min(tail.len());
        let (payload, tail) = tail.split_at(len);
        rest = tail;
        for (i, &b) in payload.iter().enumerate() {
            let v = pushed.entry((id, offset + i as u32)).or_default();
            if !v.contains(&b) {
                v.push(b);
            }
        }
        let key = FragKey {
            src: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)),
            dst: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)),
            id,
            protocol: 17,
            vlan: 0,
        };
        if let Some(done) = defrag.push(now, key, offset, more, payload) {
            assert!(done.len() <= LIMITS.max_datagram_bytes);
            for (p, b) in done.iter().enumerate() {
                let ok = pushed.get(&(id, p as u32)).is_some_and(|v| v.contains(b));
                assert!(
                    ok,
                    "byte {b:#04x} at offset {p} of datagram {id} was never pushed there"
                );
            }
        }
        assert!(defrag.in_progress() <= LIMITS.max_datagrams);
        assert!(defrag.buffered_bytes() <= LIMITS.max_datagrams * LIMITS.max_datagram_bytes);
        if head[1] & 0x02 != 0 {
            defrag.expire(now);
        }
    }
});
