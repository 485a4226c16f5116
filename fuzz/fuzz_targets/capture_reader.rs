// SPDX-License-Identifier: Apache-2.0
//! Arbitrary bytes through the capture reader: it must never panic, offsets
//! must move forward and stay inside the input, frames count up from 1, and
//! after an error the reader stays finished.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plantguard_capture::{CaptureReader, MAX_RECORD_SIZE};

fuzz_target!(|data: &[u8]| {
    let src = Box::new(std::io::Cursor::new(data.to_vec()));
    let Ok(mut reader) = CaptureReader::from_reader(src, "fuzz") else {
        return;
    };
    // A gzip stream decompresses to more bytes than the input holds.
    let bounded = !reader.format().is_gzip();
    let limit = data.len() as u64;
    let mut consumed = reader.bytes_read();
    let mut frame = 0;
    loop {
        match reader.next_packet() {
            Ok(Some(p)) => {
                frame += 1;
                assert_eq!(p.frame, frame, "frames count up from 1");
                assert!(
                    p.offset >= consumed,
                    "offset {} went back before {consumed}",
                    p.offset
                );
                assert!(p.data.len() <= MAX_RECORD_SIZE);
                let (offset, data_end) = (p.offset, p.offset + p.data.len() as u64);
                let next = reader.bytes_read();
                assert!(
                    next > offset && next >= data_end,
                    "record end {next} before its data end {data_end}"
                );
                if bounded {
                    assert!(
                        next <= limit,
                        "read to {next} beyond the {limit}-byte input"
                    );
                }
                consumed = next;
            }
            Ok(None) => break,
            Err(e) => {
                if let Some(off) = e.offset() {
                    assert!(off >= consumed, "error offset {off} before {consumed}");
                    if bounded {
                        assert!(off <= limit, "error offset {off} beyond the input");
                    }
                }
                assert!(!e.to_string().is_empty());
                break;
            }
        }
    }
    assert!(
        matches!(reader.next_packet(), Ok(None)),
        "reader must stay finished"
    );
});
