// SPDX-License-Identifier: Apache-2.0
//! A segment the capture missed (a SPAN port dropping under load) must cost
//! the transactions it carried, not the ones after it: once the other side
//! acknowledges data beyond the hole, the engine gives the hole up and the
//! parser sees the following responses at once.

use std::io::Write;
use std::path::PathBuf;

use plantguard_engine::{run, Config};

const CLIENT: [u8; 4] = [10, 0, 0, 2];
const SERVER: [u8; 4] = [10, 0, 0, 1];
const CPORT: u16 = 50_000;
const SPORT: u16 = 502;

/// One Ethernet/IPv4/TCP frame.
fn frame(from_client: bool, seq: u32, ack: u32, flags: u8, payload: &[u8]) -> Vec<u8> {
    let (src, dst, sp, dp) = if from_client {
        (CLIENT, SERVER, CPORT, SPORT)
    } else {
        (SERVER, CLIENT, SPORT, CPORT)
    };
    let mut f = Vec::with_capacity(54 + payload.len());
    f.extend_from_slice(&[0x02, 0, 0, 0, 0, if from_client { 1 } else { 2 }]);
    f.extend_from_slice(&[0x02, 0, 0, 0, 0, if from_client { 2 } else { 1 }]);
    f.extend_from_slice(&0x0800u16.to_be_bytes());
    let total = u16::try_from(40 + payload.len()).unwrap();
    f.extend_from_slice(&[0x45, 0]);
    f.extend_from_slice(&total.to_be_bytes());
    f.extend_from_slice(&[0, 0, 0x40, 0, 64, 6, 0, 0]);
    f.extend_from_slice(&src);
    f.extend_from_slice(&dst);
    f.extend_from_slice(&sp.to_be_bytes());
    f.extend_from_slice(&dp.to_be_bytes());
    f.extend_from_slice(&seq.to_be_bytes());
    f.extend_from_slice(&ack.to_be_bytes());
    f.extend_from_slice(&[0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
    f.extend_from_slice(payload);
    f
}

const SYN: u8 = 0x02;
const ACK: u8 = 0x10;
const PSH_ACK: u8 = 0x18;

/// Modbus Read Holding Registers (10 registers at `tid`) and its answer.
fn transaction(tid: u16) -> (Vec<u8>, Vec<u8>) {
    let t = tid.to_be_bytes();
    let req = vec![t[0], t[1], 0, 0, 0, 6, 1, 3, 0, 0, 0, 10];
    let mut resp = vec![t[0], t[1], 0, 0, 0, 23, 1, 3, 20];
    resp.extend(std::iter::repeat_n(0x11, 20));
    (req, resp)
}

/// Writes a classic pcap of `transactions` polls, leaving out the response
/// of transaction `missing` (the capture's loss, not the network's: the
/// client acknowledges it).
fn write_capture(path: &PathBuf, transactions: u16, missing: u16) {
    let mut frames = Vec::new();
    let (mut c, mut s) = (1_000u32, 50_000u32);
    frames.push(frame(true, c, 0, SYN, &[]));
    frames.push(frame(false, s, c + 1, SYN | ACK, &[]));
    c += 1;
    s += 1;
    frames.push(frame(true, c, s, ACK, &[]));
    for tid in 0..transactions {
        let (req, resp) = transaction(tid);
        frames.push(frame(true, c, s, PSH_ACK, &req));
        c += u32::try_from(req.len()).unwrap();
        if tid != missing {
            frames.push(frame(false, s, c, PSH_ACK, &resp));
        }
        s += u32::try_from(resp.len()).unwrap();
    }
    frames.push(frame(true, c, s, ACK, &[]));
    let mut out = std::fs::File::create(path).unwrap();
    out.write_all(&0xa1b2_c3d4u32.to_le_bytes()).unwrap();
    out.write_all(&[2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        .unwrap();
    out.write_all(&65_535u32.to_le_bytes()).unwrap();
    out.write_all(&1u32.to_le_bytes()).unwrap();
    for (i, f) in frames.iter().enumerate() {
        let ts = 1_700_000_000u32;
        let usec = u32::try_from(i).unwrap() * 1_000;
        let len = u32::try_from(f.len()).unwrap();
        for v in [ts, usec, len, len] {
            out.write_all(&v.to_le_bytes()).unwrap();
        }
        out.write_all(f).unwrap();
    }
}

#[test]
fn a_missed_response_costs_one_transaction_not_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("one-response-missed.pcap");
    let transactions = 300u16;
    write_capture(&path, transactions, 40);
    let config = Config {
        threads: 1,
        logs: true,
        ..Config::default()
    };
    let out = run(
        &[path],
        &["one-response-missed.pcap".into()],
        &config,
        &|_| {},
    );
    let lines = out.logs.get("modbus").expect("a modbus log");
    assert_eq!(
        lines.len(),
        usize::from(transactions),
        "one line per request"
    );
    let answered = lines
        .iter()
        .filter(|l| l.contains("\"response_values_count\":10"))
        .count();
    assert_eq!(
        answered,
        usize::from(transactions) - 1,
        "every request but the one whose response the capture missed is answered"
    );
    let r = &out.assessment.reassembly;
    assert_eq!(r.gaps, 1);
    assert_eq!(r.acked_gaps, 1);
    assert_eq!(r.gap_bytes, 29);
    assert_eq!(r.dropped_over_cap_bytes, 0);
}
