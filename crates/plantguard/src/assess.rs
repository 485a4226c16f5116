// SPDX-License-Identifier: Apache-2.0
//! `plantguard assess`.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use plantguard_engine::Config;

use crate::EXIT_BAD_INPUT;

/// Options of `plantguard assess`.
#[derive(Args, Debug)]
pub struct AssessArgs {
    /// Capture files or directories (pcap, pcapng, optionally gzip-compressed).
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Worker threads (default: available cores).
    #[arg(long, short = 't')]
    pub threads: Option<usize>,
    /// Print the result as JSON on standard output.
    #[arg(long)]
    pub json: bool,
    /// Include every flow in the JSON output.
    #[arg(long)]
    pub flows: bool,
    /// Write Zeek-style JSON logs (one file per protocol) into this directory.
    #[arg(long, value_name = "DIR")]
    pub logs: Option<PathBuf>,
    /// No progress bar.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Decode and count flows only; do not run application-protocol parsers.
    #[arg(long)]
    pub no_parsers: bool,
    /// Show cleartext credentials whole (masked as `adm***` by default).
    #[arg(long)]
    pub show_secrets: bool,
    /// Write the output folder here: `assessment.json`, `summary.txt`,
    /// `flows.json` and Zeek-style logs under `logs/`.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

pub fn run(args: &AssessArgs) -> anyhow::Result<ExitCode> {
    let inputs = match plantguard_capture::expand_inputs(&args.inputs) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("plantguard: {e}");
            let mut src = std::error::Error::source(&e);
            while let Some(s) = src {
                eprintln!("  caused by: {s}");
                src = s.source();
            }
            return Ok(ExitCode::from(EXIT_BAD_INPUT));
        }
    };
    if inputs.is_empty() {
        eprintln!("plantguard: no capture files found in the given inputs");
        return Ok(ExitCode::from(EXIT_BAD_INPUT));
    }
    let names: Vec<String> = inputs.iter().map(|p| p.display().to_string()).collect();
    let total_bytes: u64 = inputs
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();
    let mut config = Config::default();
    if let Some(t) = args.threads {
        config.threads = t.max(1);
    }
    config.logs = args.logs.is_some() || args.out.is_some();
    config.keep_flows = args.flows || args.out.is_some();
    config.parse = !args.no_parsers;


    let show_progress = !args.quiet && std::io::stderr().is_terminal();
    let bar = show_progress.then(|| {
        let bar = indicatif::ProgressBar::new(total_bytes);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} {bytes}/{total_bytes} [{bar:30}] {bytes_per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar
    });
    let progress = |done: u64| {
        if let Some(b) = &bar {
            b.set_position(done);
        }
    };
    let started = std::time::Instant::now();
    let output = plantguard_engine::run(&inputs, &names, &config, &progress);
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let elapsed = started.elapsed();
    let mut output = output;
    if !args.show_secrets {
        output.assessment.mask_secrets();
    }

    for f in &output.assessment.files {
        if let Some(w) = &f.warning {
            eprintln!(
                "plantguard: warning: {}: {w} ({} packets before it were analysed)",
                f.path, f.packets
            );
        }
    }
    if let Some(dir) = &args.logs {
        write_logs(dir, &output.logs)?;
    }
    if let Some(dir) = &args.out {
        write_output_folder(dir, &output, elapsed)?;
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.json {
        let mut a = output.assessment;
        if !args.flows {
            a.flows.clear();
        }
        serde_json::to_writer_pretty(&mut out, &a)?;
        writeln!(out)?;
    } else {
        crate::summary::print(&mut out, &output.assessment, elapsed)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Writes one `<log>.log` file of JSON lines per protocol log.
fn write_logs(
    dir: &std::path::Path,
    logs: &std::collections::BTreeMap<String, Vec<String>>,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("creating log directory {}", dir.display()))?;
    for (log, lines) in logs {
        let path = dir.join(format!("{log}.log"));
        let mut f = std::io::BufWriter::new(
            std::fs::File::create(&path).with_context(|| format!("creating {}", path.display()))?,
        );
        for line in lines {
            writeln!(f, "{line}").with_context(|| format!("writing {}", path.display()))?;
        }
        f.flush()
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// Writes the output folder of an assessment.
pub fn write_output_folder(
    dir: &std::path::Path,
    output: &plantguard_engine::Output,
    elapsed: std::time::Duration,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut a = output.assessment.clone();
    let flows = std::mem::take(&mut a.flows);
    let write_json = |name: &str, value: &dyn erased::Json| -> anyhow::Result<()> {
        let path = dir.join(name);
        let f =
            std::fs::File::create(&path).with_context(|| format!("creating {}", path.display()))?;
        let mut w = std::io::BufWriter::new(f);
        value
            .write(&mut w)
            .with_context(|| format!("writing {}", path.display()))?;
        w.flush()
            .with_context(|| format!("writing {}", path.display()))?;
        Ok(())
    };
    write_json("assessment.json", &a)?;
    write_json("flows.json", &flows)?;
    let mut summary = Vec::new();
    crate::summary::print(&mut summary, &a, elapsed)?;
    let path = dir.join("summary.txt");
    std::fs::write(&path, summary).with_context(|| format!("writing {}", path.display()))?;
    write_logs(&dir.join("logs"), &output.logs)
}

mod erased {
    /// A value that can be written as pretty JSON.
    pub trait Json {
        fn write(&self, w: &mut dyn std::io::Write) -> std::io::Result<()>;
    }
    impl<T: serde::Serialize> Json for T {
        fn write(&self, w: &mut dyn std::io::Write) -> std::io::Result<()> {
            serde_json::to_writer_pretty(&mut *w, self)?;
            writeln!(w)
        }
    }
}
