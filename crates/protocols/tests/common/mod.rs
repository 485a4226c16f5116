// SPDX-License-Identifier: Apache-2.0
//! Helpers shared by the integration tests (`mod common;`): where the
//! corpus is and how tshark's hex fields are read.
#![allow(dead_code)]

use std::path::PathBuf;

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
