// SPDX-License-Identifier: Apache-2.0
//! Shared pieces of the tshark agreement tests of the industrial TCP
//! parsers (OPC UA, S7comm), included with `#[path]`: where the corpus is,
//! whether tshark runs, which corpus captures hold a protocol, and a sink
//! that tags everything a session reports with the frame being fed.
#![allow(dead_code, missing_docs)]

use plantguard_model::{IdentityFact, Operation, Side};
use plantguard_protocols::ObservationSink;
use std::path::PathBuf;
#[path = "common/mod.rs"]
pub mod common;
pub use common::corpus_dir;
use common::Duplicates;

/// True when tshark runs; panics with a clear message unless
/// PLANTGUARD_ALLOW_NO_TSHARK=1 (then says the test is skipped).
pub fn have_tshark() -> bool {
    let ok = common::tshark_available();
    if !ok {
        eprintln!("tshark not found: skipped (PLANTGUARD_ALLOW_NO_TSHARK=1)");
    }
    ok
}

/// Captures of the corpus index whose ICS protocols mention `needle`, skipping duplicates and bad files.
pub fn corpus_files(needle: &str) -> Vec<PathBuf> {
    let dir = corpus_dir();
    common::corpus_files(
        |r| r.ics_protocols.contains(needle) && r.status == "ok",
        Duplicates::Skip,
    )
    .into_iter()
    .map(|p| dir.join(p))
    .collect()
}

#[derive(Default)]
pub struct FrameSink {
    pub frame: u64,
    pub ops: Vec<(u64, Operation)>,
    pub identities: Vec<(u64, Side, IdentityFact)>,
    pub anomalies: Vec<(u64, &'static str)>,
    pub records: Vec<(u64, &'static str, serde_json::Value)>,
}

impl ObservationSink for FrameSink {
    fn operation(&mut self, _p: &'static str, op: Operation) {
        self.ops.push((self.frame, op));
    }
    fn identity(&mut self, speaker: Side, fact: IdentityFact) {
        self.identities.push((self.frame, speaker, fact));
    }
    fn anomaly(&mut self, _p: &'static str, name: &'static str) {
        self.anomalies.push((self.frame, name));
    }
    fn wants_records(&self) -> bool {
        true
    }
    fn record(&mut self, log: &'static str, record: &dyn erased_serde::Serialize) {
        let v = serde_json::to_value(record).expect("record serialises");
        self.records.push((self.frame, log, v));
    }
}
