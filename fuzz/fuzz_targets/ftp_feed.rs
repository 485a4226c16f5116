// SPDX-License-Identifier: Apache-2.0
//! FtpSession fed arbitrary bytes in arbitrary chunks, both directions, with
//! gaps, using the engine's buffering: `consumed <= input.len()`,
//! `Incomplete` asks for more bytes, buffered bytes stay bounded and the pending cap holds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plantguard_model::{HostFact, IdentityFact, Operation, Side};
use plantguard_protocols::api::{Direction, ObservationSink, Progress, Session};
#[allow(unused_imports)]
use plantguard_protocols::ftp::{FtpSession, MAX_LINE, MAX_PENDING};

struct Null;

impl ObservationSink for Null {
    fn operation(&mut self, _: &'static str, _: Operation) {}
    fn identity(&mut self, _: Side, _: IdentityFact) {}
    fn host_fact(&mut self, _: Side, _: HostFact) {}
    fn anomaly(&mut self, _: &'static str, _: &'static str) {}
    fn wants_records(&self) -> bool {
        true
    }
    fn record(&mut self, _: &'static str, r: &dyn erased_serde::Serialize) {
        let _ = r;
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&control, mut rest)) = data.split_first() else {
        return;
    };
    let mut s = FtpSession::new();
    let mut bufs: [Vec<u8>; 2] = [Vec::new(), Vec::new()];
    let step = usize::from(control % 31) + 1;
    let mut turn = 0u8;
    while !rest.is_empty() {
        let n = step.min(rest.len());
        let (chunk, tail) = rest.split_at(n);
        rest = tail;
        let dir = if turn % 3 == 2 {
            Direction::ToClient
        } else {
            Direction::ToServer
        };
        let d = usize::from(dir == Direction::ToClient);
        if false {
            // Datagrams: each chunk is one message.
            if let Progress::Abandon(_) = s.feed(dir, chunk, &mut Null) {
                return;
            }
        } else if control & 0x80 != 0 && turn % 7 == 6 {
            bufs[d].clear();
            s.gap(dir, n as u32);
        } else {
            bufs[d].extend_from_slice(chunk);
            let len = bufs[d].len();
            match s.feed(dir, &bufs[d], &mut Null) {
                Progress::Done => bufs[d].clear(),
                Progress::Incomplete { consumed, needed } => {
                    assert!(consumed <= len, "consumed {consumed} of {len}");
                    assert!(needed > 0, "incomplete without asking for bytes");
                    bufs[d].drain(..consumed);
                }
                Progress::Abandon(_) => return,
            }
            assert!(
                bufs[d].len() <= MAX_LINE + 64,
                "{} bytes kept",
                bufs[d].len()
            );
        }
        assert!(s.pending_len() <= MAX_PENDING);
        turn = turn.wrapping_add(1);
    }
    s.finish(&mut Null);
});
