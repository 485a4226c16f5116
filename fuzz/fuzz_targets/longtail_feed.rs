// SPDX-License-Identifier: Apache-2.0
//! One long-tail session (chosen by the first byte) fed arbitrary bytes in
//! arbitrary chunks, both directions, with gaps, using the engine's
//! buffering: `consumed <= input.len()`, `Incomplete` asks for bytes,
//! buffered bytes stay below one maximal PDU, and the MMS pending cap holds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plantguard_model::{IdentityFact, Operation, Side};
use plantguard_protocols::api::{Direction, ObservationSink, Progress, Session};
use plantguard_protocols::longtail::{self, mms};

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

/// Largest PDU any long-tail framing accepts (ADS/AMS: 1 MiB + header).
const MAX_PDU: usize = 0x10_0000 + 64;

fn drive<S: Session + ?Sized>(s: &mut S, control: u8, mut rest: &[u8], check: impl Fn(&S)) {
    let mut bufs: [Vec<u8>; 2] = [Vec::new(), Vec::new()];
    let step = usize::from(control % 29) + 1;
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
            assert!(bufs[d].len() <= MAX_PDU, "{} bytes kept", bufs[d].len());
        }
        check(s);
        turn = turn.wrapping_add(1);
    }
    s.finish(&mut Null);
}

fuzz_target!(|data: &[u8]| {
    let Some((&control, rest)) = data.split_first() else {
        return;
    };
    let pick = usize::from(control) % (longtail::ALL.len() + 1);
    match longtail::ALL.get(pick) {
        Some(info) => drive(&mut *(info.new_session)(), control, rest, |_| {}),
        None => {
            let mut s = mms::MmsSession::new();
            drive(&mut s, control, rest, |s| {
                assert!(s.pending_len() <= mms::MAX_PENDING)
            });
            assert_eq!(s.pending_len(), 0);
        }
    }
});
