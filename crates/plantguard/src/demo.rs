// SPDX-License-Identifier: Apache-2.0
//! `plantguard demo`: the whole assessment on the bundled demo plant.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

/// Options of `plantguard demo`.
#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Where to write the output folder.
    #[arg(long, default_value = "plantguard-demo")]
    pub out: PathBuf,
    /// Folder holding `plant.pcapng` (default: `demo/` of the source tree or the current directory).
    #[arg(long, value_name = "DIR")]
    pub demo_dir: Option<PathBuf>,
    /// Worker threads (default: available cores).
    #[arg(long, short = 't')]
    pub threads: Option<usize>,
}

fn find_demo_dir(explicit: Option<&Path>) -> Option<PathBuf> {
    let candidates = [
        explicit.map(Path::to_path_buf),
        std::env::var_os("PLANTGUARD_DEMO_DIR").map(PathBuf::from),
        Some(PathBuf::from("demo")),
        Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../demo")),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|d| d.join("plant.pcapng").is_file())
        .map(|d| std::fs::canonicalize(&d).unwrap_or(d))
}

pub fn run(args: &DemoArgs) -> anyhow::Result<ExitCode> {
    let Some(dir) = find_demo_dir(args.demo_dir.as_deref()) else {
        eprintln!(
            "plantguard: the demo capture (demo/plant.pcapng) was not found; run from the source tree or pass --demo-dir"
        );
        return Ok(ExitCode::from(crate::EXIT_BAD_INPUT));
    };
    let capture = dir.join("plant.pcapng");
    let site = dir.join("site.toml");
    let assess = crate::assess::AssessArgs {
        capture: crate::assess::CaptureArgs {
            inputs: vec![capture.clone()],
            threads: args.threads,
            site: site.is_file().then_some(site),
            quiet: false,
            show_secrets: false,
        },
        json: false,
        flows: false,
        logs: None,
        no_parsers: false,
        out: Some(args.out.clone()),
    };
    println!("Assessing the demo plant: {}", capture.display());
    let code = crate::assess::run(&assess).context("running the demo assessment")?;
    println!(
        "\nReport: {}\nOutput folder: {} (map.svg, inventory.csv, conduits.csv, assets.json, hardening.json, assessment.json, flows.json, summary.txt, logs/)",
        args.out.join("report.html").display(),
        args.out.display()
    );
    Ok(code)
}
