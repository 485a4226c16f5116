// SPDX-License-Identifier: Apache-2.0
//! Helpers shared by the integration tests (`mod common;`): where the
//! corpus is and which of its captures hold a protocol, whether tshark
//! runs, how tshark's hex fields are read, and a sink that drops what a
//! session reports.
#![allow(dead_code)]

use plantguard_model::{IdentityFact, Operation, Side};
use plantguard_protocols::api::ObservationSink;
use std::path::PathBuf;
use std::process::Command;

/// The shared capture corpus: `PLANTGUARD_CORPUS`, or `../shared/corpus`
/// beside the project.
pub fn corpus_dir() -> PathBuf {
    std::env::var_os("PLANTGUARD_CORPUS").map_or_else(
        || {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/corpus"
            ))
        },
        PathBuf::from,
    )
}

/// Bytes of a hex string without separators, as tshark prints `data` and
/// `*.payload` fields (a trailing odd digit is ignored).
pub fn hex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

/// True when tshark runs. When it does not, the test fails with a hint to
/// install it (`apt-get install -y tshark`), unless
/// `PLANTGUARD_ALLOW_NO_TSHARK=1`: then this is false and the caller skips.
pub fn tshark_available() -> bool {
    let ok = Command::new("tshark")
        .arg("-v")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var("PLANTGUARD_ALLOW_NO_TSHARK").as_deref() == Ok("1"),
            "tshark is not installed (apt-get install -y tshark); set PLANTGUARD_ALLOW_NO_TSHARK=1 to skip"
        );
    }
    ok
}

/// One capture row of the corpus index `INDEX.tsv` (tab separated, a header
/// line first). Columns missing from a short row read as empty.
#[derive(Debug, Clone, Default)]
pub struct IndexRow {
    /// Path of the capture, relative to [`corpus_dir`].
    pub path: String,
    /// Size of the capture file (`None` when the column is not a number).
    pub bytes: Option<u64>,
    /// ICS protocols, `;`-separated names (`BACnet; BACnet/IP`).
    pub ics_protocols: String,
    /// IT protocols, `;`-separated names (`DNS; HTTP`).
    pub it_protocols: String,
    /// tshark's protocol hierarchy, `name:frames` separated by spaces,
    /// ICS protocols highlighted as `*name*`.
    pub protocols_found: String,
    /// Path of the capture this one is a byte-identical copy of; empty for
    /// an original.
    pub duplicate_of: String,
    /// `ok` when tshark read the capture, otherwise why not (`empty`,
    /// `tshark-error ...`).
    pub status: String,
}

/// Every row of the corpus index, in index order.
pub fn corpus_index() -> Vec<IndexRow> {
    let index = std::fs::read_to_string(corpus_dir().join("INDEX.tsv")).expect("INDEX.tsv");
    index
        .lines()
        .skip(1)
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            let col = |i: usize| cols.get(i).copied().unwrap_or("").to_string();
            IndexRow {
                path: col(0),
                bytes: cols.get(1).and_then(|b| b.parse().ok()),
                ics_protocols: col(3),
                it_protocols: col(4),
                protocols_found: col(5),
                duplicate_of: col(8),
                status: col(9),
            }
        })
        .collect()
}

/// What [`corpus_files`] does with a row marked as a duplicate of another
/// capture (non-empty `duplicate_of`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Duplicates {
    /// Leave every duplicate out.
    Skip,
    /// Keep a duplicate only when its original is not itself among the
    /// selected rows (each selected content is then read once).
    KeepWhenOriginalNotSelected,
    /// Keep duplicates like any other row.
    Keep,
}

/// Paths (relative to [`corpus_dir`]) of the index rows `select` accepts,
/// in index order, duplicates handled as `duplicates` says.
pub fn corpus_files(select: impl Fn(&IndexRow) -> bool, duplicates: Duplicates) -> Vec<String> {
    let rows: Vec<IndexRow> = corpus_index().into_iter().filter(|r| select(r)).collect();
    let keep = |r: &IndexRow| {
        r.duplicate_of.is_empty()
            || match duplicates {
                Duplicates::Skip => false,
                Duplicates::KeepWhenOriginalNotSelected => {
                    !rows.iter().any(|o| o.path == r.duplicate_of)
                }
                Duplicates::Keep => true,
            }
    };
    rows.iter()
        .filter(|r| keep(r))
        .map(|r| r.path.clone())
        .collect()
}

/// The first `n` captures (duplicates kept) holding some industrial
/// protocol but none whose name contains one of `excluded`, and, when
/// `tcp_only`, TCP traffic: the other protocols' flows a strict probe must
/// reject.
pub fn other_ics_captures(excluded: &[&str], tcp_only: bool, n: usize) -> Vec<String> {
    corpus_files(
        |r| {
            let protos = &r.ics_protocols;
            (!tcp_only || r.protocols_found.contains("tcp"))
                && !protos.is_empty()
                && !excluded.iter().any(|x| protos.contains(x))
        },
        Duplicates::Keep,
    )
    .into_iter()
    .take(n)
    .collect()
}

/// A sink that drops everything a session reports, but asks for records
/// and serialises each one (a record that cannot be serialised fails the
/// test).
pub struct NullSink;

impl ObservationSink for NullSink {
    fn operation(&mut self, _: &'static str, _: Operation) {}
    fn identity(&mut self, _: Side, _: IdentityFact) {}
    fn anomaly(&mut self, _: &'static str, _: &'static str) {}
    fn wants_records(&self) -> bool {
        true
    }
    fn record(&mut self, _: &'static str, r: &dyn erased_serde::Serialize) {
        serde_json::to_value(r).unwrap();
    }
}
