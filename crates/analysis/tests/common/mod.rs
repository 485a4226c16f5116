// SPDX-License-Identifier: Apache-2.0
//! What the inventory tests share: the engine run they start from.
#![allow(dead_code)] // each test crate uses its own part

use std::path::Path;

use plantguard_engine::{Assessment, Config};

/// The engine's assessment of one capture named `name`, with the flow
/// records the inventory is built from. One thread: the output is the same
/// for any number.
pub fn assess(path: &Path, name: &str) -> Assessment {
    run(path, name, false)
}

/// [`assess`] with the Zeek-style logs on as well.
pub fn assess_with_logs(path: &Path, name: &str) -> Assessment {
    run(path, name, true)
}

fn run(path: &Path, name: &str, logs: bool) -> Assessment {
    plantguard_engine::run(
        &[path.to_path_buf()],
        &[name.to_string()],
        &Config {
            threads: 1,
            keep_flows: true,
            logs,
            ..Config::default()
        },
        &|_| {},
    )
    .assessment
}
