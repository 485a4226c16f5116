// SPDX-License-Identifier: Apache-2.0
//! `next_packet_where` against `next_packet` on arbitrary bytes: the filtered
//! reader returns exactly the wanted frames of the plain one (same numbers,
//! offsets and bytes), asks the filter once per frame, ends with the same
//! error, and a `next_packet` between filtered reads returns the very next
//! frame. The first input byte chooses the filter and where plain reads
//! are mixed in; the rest is the capture.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plantguard_capture::{CaptureReader, RawPacket};

type Frame = (u64, u64, i64, Vec<u8>);

fn owned(p: &RawPacket<'_>) -> Frame {
    (p.frame, p.offset, p.ts_nanos, p.data.to_vec())
}

fuzz_target!(|input: &[u8]| {
    let Some((&choice, data)) = input.split_first() else {
        return;
    };
    let open = || CaptureReader::from_reader(Box::new(std::io::Cursor::new(data.to_vec())), "f");
    let Ok(mut plain) = open() else {
        return;
    };
    let mut all = Vec::new();
    let plain_err = loop {
        match plain.next_packet() {
            Ok(Some(p)) => all.push(owned(&p)),
            Ok(None) => break None,
            Err(e) => break Some(e.to_string()),
        }
    };
    // Wanted: frames whose length is a multiple of (choice % 5 + 1) (all of
    // them for 1); every (choice / 5 % 4 + 2)-th read is a plain one.
    let modulus = usize::from(choice % 5) + 1;
    let wanted = |d: &[u8]| d.len() % modulus == 0;
    let plain_every = usize::from(choice / 5 % 4) + 2;
    let mut reader = open().expect("opened once already");
    let mut next = 0usize;
    let mut step = 0usize;
    let ending = loop {
        step += 1;
        if step % plain_every == 0 {
            match reader.next_packet() {
                Ok(Some(p)) => {
                    assert_eq!(Some(&owned(&p)), all.get(next), "plain read at step {step}");
                    next += 1;
                }
                end => {
                    assert_eq!(next, all.len(), "plain read ended early at step {step}");
                    break end.err().map(|e| e.to_string());
                }
            }
        } else {
            match reader.next_packet_where(|_, d| wanted(d)) {
                Ok(Some(p)) => {
                    let at = all
                        .iter()
                        .skip(next)
                        .position(|f| wanted(&f.3))
                        .map(|k| next + k);
                    assert_eq!(Some(owned(&p)), at.map(|k| all[k].clone()), "step {step}");
                    next = at.map_or(all.len(), |k| k + 1);
                }
                end => {
                    assert!(
                        all.iter().skip(next).all(|f| !wanted(&f.3)),
                        "filtered read ended before a wanted frame at step {step}"
                    );
                    break end.err().map(|e| e.to_string());
                }
            }
        }
    };
    assert_eq!(ending, plain_err, "same ending");
});
