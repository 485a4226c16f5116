// SPDX-License-Identifier: Apache-2.0
//! iec104 session fed arbitrary bytes in arbitrary chunks, both directions,
//! with gaps, using the engine's buffering: `consumed <= input.len()`,
//! `Incomplete` asks for more bytes, the buffer never grows past one PDU,
//! and the pending cap holds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plantguard_model::{IdentityFact, Operation, Side};
use plantguard_protocols::api::{Direction, ObservationSink, Progress, Session};
use plantguard_protocols::iec104::Iec104Session;

struct Null;

impl ObservationSink for Null {
    fn operation(&mut self, _: &'static str, _: Operation) {}
    fn identity(&mut self, _: Side, _: IdentityFact) {}
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
    let mut s = Iec104Session::new();
    let mut bufs: [Vec<u8>; 2] = [Vec::new(), Vec::new()];
    let mut step = usize::from(control % 31) + 1;
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
        if control & 0x80 != 0 && turn % 7 == 6 {
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
            // The engine never buffers more than one PDU's worth of bytes.
            assert!(bufs[d].len() < 260, "{} bytes kept", bufs[d].len());
        }

        turn = turn.wrapping_add(1);
        step = (step * 7 + 3) % 97 + 1;
    }
    s.finish(&mut Null);
});
