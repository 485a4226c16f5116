// SPDX-License-Identifier: Apache-2.0
//! Project tasks (`cargo run -p xtask -- <task>`).
//!
//! - `codegen`: turns the code tables in `kb/protocols/*.csv` listed in
//!   [`codegen::TABLES`] into `crates/protocols/src/<proto>/<table>_gen.rs`.
//! - `codegen --check`: exits non-zero when a generated file is missing or
//!   differs from what the CSV would produce (run in CI and in `cargo test -p xtask`).

mod codegen;

use anyhow::{bail, Context, Result};
use std::path::PathBuf;

fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root();
    match args.first().map(String::as_str) {
        Some("codegen") => {
            let check = args.iter().skip(1).any(|a| a == "--check");
            if check {
                let stale = codegen::check(&root).context("checking generated tables")?;
                if stale.is_empty() {
                    println!(
                        "codegen: {} generated files are up to date",
                        codegen::TABLES.len()
                    );
                    Ok(())
                } else {
                    for path in &stale {
                        eprintln!("stale: {path} (run `cargo run -p xtask -- codegen`)");
                    }
                    bail!("{} generated file(s) are stale", stale.len());
                }
            } else {
                let written = codegen::write_all(&root).context("generating tables")?;
                for path in written {
                    println!("wrote {path}");
                }
                Ok(())
            }
        }
        _ => {
            eprintln!("usage: cargo run -p xtask -- codegen [--check]");
            std::process::exit(2);
        }
    }
}
