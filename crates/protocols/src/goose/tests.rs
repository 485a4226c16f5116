// SPDX-License-Identifier: Apache-2.0
//! Unit tests with annotated bytes from
//! `ITI-ICS-Security-Tools/pcaps/IEC61850/GOOSE/GOOSE.pcap` frame 1.
#![allow(clippy::indexing_slicing, clippy::unwrap_used, clippy::panic)]

use super::*;
use plantguard_model::{IdentityFact, Operation, Side};

#[derive(Default)]
struct Sink {
    ops: Vec<Operation>,
    ids: Vec<IdentityFact>,
    anomalies: Vec<&'static str>,
    records: Vec<serde_json::Value>,
}

impl ObservationSink for Sink {
    fn operation(&mut self, _: &'static str, op: Operation) {
        self.ops.push(op);
    }
    fn identity(&mut self, _: Side, f: IdentityFact) {
        self.ids.push(f);
    }
    fn anomaly(&mut self, _: &'static str, n: &'static str) {
        self.anomalies.push(n);
    }
    fn wants_records(&self) -> bool {
        true
    }
    fn record(&mut self, _: &'static str, r: &dyn erased_serde::Serialize) {
        self.records.push(serde_json::to_value(r).unwrap());
    }
}

fn frame(sq: u8, test: u8) -> Vec<u8> {
    let mut f = vec![
        0x00, 0x01, // APPID 1
        0x00, 0x91, // Length 145
        0x00, 0x00, // Reserved1 (no simulation)
        0x00, 0x00, // Reserved2
        0x61, 0x81, 0x86, // goosePdu, length 134
        0x80, 0x1a, // [0] gocbRef, 26 bytes
    ];
    f.extend_from_slice(b"GEDeviceF650/LLN0$GO$gcb01");
    f.extend_from_slice(&[0x81, 0x03, 0x00, 0x9c, 0x40]); // [1] timeAllowedtoLive 40000
    f.extend_from_slice(&[0x82, 0x18]); // [2] datSet, 24 bytes
    f.extend_from_slice(b"GEDeviceF650/LLN0$GOOSE1");
    f.extend_from_slice(&[0x83, 0x0b]); // [3] goID, 11 bytes
    f.extend_from_slice(b"F650_GOOSE1");
    f.extend_from_slice(&[0x84, 0x08, 0x38, 0x6e, 0xbb, 0xf3, 0x42, 0x17, 0x28, 0x0a]); // [4] t
    f.extend_from_slice(&[0x85, 0x01, 0x01]); // [5] stNum 1
    f.extend_from_slice(&[0x86, 0x01, sq]); // [6] sqNum
    f.extend_from_slice(&[0x87, 0x01, test]); // [7] test
    f.extend_from_slice(&[0x88, 0x01, 0x01]); // [8] confRev 1
    f.extend_from_slice(&[0x89, 0x01, 0x00]); // [9] ndsCom false
    f.extend_from_slice(&[0x8a, 0x01, 0x08]); // [10] numDatSetEntries 8
    f.extend_from_slice(&[0xab, 0x20]); // [11] allData, 32 bytes
    for _ in 0..4 {
        f.extend_from_slice(&[0x83, 0x01, 0x00, 0x84, 0x03, 0x03, 0x00, 0x00]); // boolean, bit-string
    }
    f
}

#[test]
fn decodes_goose_pdu_fields() {
    let f = frame(10, 0);
    let (h, p) = wire::parse_goose(&f).unwrap();
    assert_eq!(h.appid, 1);
    assert_eq!(p.gocb_ref, Some(&b"GEDeviceF650/LLN0$GO$gcb01"[..]));
    assert_eq!(p.dat_set, Some(&b"GEDeviceF650/LLN0$GOOSE1"[..]));
    assert_eq!(
        (p.st_num, p.sq_num, p.conf_rev),
        (Some(1), Some(10), Some(1))
    );
    assert_eq!(p.num_dat_set_entries, Some(8));
    assert_eq!(p.time_allowed_to_live, Some(40000));
}

#[test]
fn a_publish_is_other_and_a_retransmission_is_no_state_change() {
    let mut sink = Sink::default();
    parse_goose_frame(&frame(10, 0), &mut sink);
    assert_eq!(sink.ops, vec![Operation::Other]);
    assert!(sink.anomalies.is_empty());
    assert!(sink.ids.is_empty());
    assert_eq!(
        sink.records[0]["goCBRef"]["text"],
        "GEDeviceF650/LLN0$GO$gcb01"
    );
    assert_eq!(sink.records[0]["state_change"], false);
}

#[test]
fn sq_num_zero_is_a_state_change_and_names_the_ied() {
    let mut sink = Sink::default();
    parse_goose_frame(&frame(0, 0), &mut sink);
    assert_eq!(sink.anomalies, vec!["state_change"]);
    assert_eq!(sink.ids[0].name.as_deref(), Some("GEDeviceF650"));
}

#[test]
fn test_flag_raises_an_anomaly() {
    let mut sink = Sink::default();
    parse_goose_frame(&frame(5, 1), &mut sink);
    assert_eq!(sink.anomalies, vec!["test_mode"]);
}

#[test]
fn never_panics_on_truncations() {
    let f = frame(0, 0);
    for n in 0..f.len() {
        parse_goose_frame(&f[..n], &mut Sink::default());
        parse_sv_frame(&f[..n], &mut Sink::default());
    }
}
