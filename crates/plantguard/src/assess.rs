// SPDX-License-Identifier: Apache-2.0
//! `plantguard assess`, and the engine run shared by the other commands.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use plantguard_engine::Config;

use crate::analysis::{analyse, expand, site, Analysis};
use crate::EXIT_BAD_INPUT;

/// Inputs and engine options shared by every command that reads captures.
#[derive(Args, Debug, Clone)]
pub struct CaptureArgs {
    /// Capture files or directories (pcap, pcapng, optionally gzip-compressed).
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Worker threads (default: available cores).
    #[arg(long, short = 't')]
    pub threads: Option<usize>,
    /// Site file (zones, conduits, lines, vendors, known assets); see docs/site-file.md.
    #[arg(long, value_name = "FILE")]
    pub site: Option<PathBuf>,
    /// No progress bar.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Show cleartext credentials whole (masked as `adm***` by default).
    #[arg(long)]
    pub show_secrets: bool,
}

/// Options of `plantguard assess`.
#[derive(Args, Debug)]
pub struct AssessArgs {
    #[command(flatten)]
    pub capture: CaptureArgs,
    /// Print the result as JSON on standard output.
    #[arg(long)]
    pub json: bool,
    /// Include every flow in the JSON output.
    #[arg(long)]
    pub flows: bool,
    /// Write Zeek-style JSON logs (one file per protocol) into this directory.
    #[arg(long, value_name = "DIR")]
    pub logs: Option<PathBuf>,
    /// Decode, track flows and reassemble TCP only; do not run protocol parsers.
    #[arg(long)]
    pub no_parsers: bool,
    /// Write the output folder here: `report.html`, `map.svg`, `inventory.csv`,
    /// `conduits.csv`, `assessment.json`, `assets.json`, `hardening.json`,
    /// `flows.json`, `summary.txt` and Zeek-style logs under `logs/`.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// A finished run: analysis plus how long the engine took.
pub struct Run {
    /// Results.
    pub analysis: Analysis,
    /// Engine wall time.
    pub elapsed: Duration,
}

/// Runs the engine and the analyses. `Err(code)` when the inputs are unusable.
pub fn run_engine(
    args: &CaptureArgs,
    tune: impl FnOnce(&mut Config),
) -> anyhow::Result<Result<Run, ExitCode>> {
    let inputs = match expand(&args.inputs) {
        Ok(v) => v,
        Err(msg) => {
            eprintln!("plantguard: {msg}");
            return Ok(Err(ExitCode::from(EXIT_BAD_INPUT)));
        }
    };
    let site = site(args.site.as_deref())?;
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
    // Analyses need every flow; they are dropped from outputs unless asked for.
    config.keep_flows = true;
    tune(&mut config);

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
    for f in &output.assessment.files {
        if let Some(w) = &f.warning {
            eprintln!(
                "plantguard: warning: {}: {w} ({} packets before it were analysed)",
                f.path, f.packets
            );
        }
    }
    let analysis = analyse(output, site.as_ref(), args.show_secrets, config.threads);
    Ok(Ok(Run { analysis, elapsed }))
}

/// `--json` output: the engine's assessment with the hardening facts added.
#[derive(serde::Serialize)]
struct AssessJson<'a> {
    #[serde(flatten)]
    assessment: &'a plantguard_engine::Assessment,
    hardening: &'a plantguard_analysis::Hardening,
}

pub fn run(args: &AssessArgs) -> anyhow::Result<ExitCode> {
    let logs = args.logs.is_some() || args.out.is_some();
    let parse = !args.no_parsers;
    // Log lines beyond what memory should hold go to sorted runs on the
    // disk the logs are written to, merged into the log files at the end.
    let spill_dir = match args.out.as_ref().or(args.logs.as_ref()) {
        Some(dir) => {
            let spill = dir.join(format!(".plantguard-spill-{}", std::process::id()));
            std::fs::create_dir_all(&spill)
                .with_context(|| format!("creating {}", spill.display()))?;
            Some(spill)
        }
        None => None,
    };
    let spill_for_engine = spill_dir.clone();
    let mut run = match run_engine(&args.capture, |c| {
        c.logs = logs;
        c.parse = parse;
        c.spill_dir = spill_for_engine;
    })? {
        Ok(r) => r,
        Err(code) => {
            if let Some(d) = &spill_dir {
                let _ = std::fs::remove_dir_all(d);
            }
            return Ok(code);
        }
    };
    let written = (|| -> anyhow::Result<()> {
        if let Some(dir) = &args.logs {
            write_logs(dir, &run.analysis.output)?;
        }
        if let Some(dir) = &args.out {
            write_output_folder(dir, &mut run)?;
        }
        Ok(())
    })();
    if let Some(s) = run.analysis.output.spilled.take() {
        s.remove();
    }
    if let Some(d) = &spill_dir {
        let _ = std::fs::remove_dir_all(d);
    }
    written?;
    // Standard output is line-buffered: without a buffer of our own the
    // pretty-printed JSON cost one write call per line (230 k for the
    // 5 M-packet benchmark capture).
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    if args.json {
        if !args.flows {
            // Nothing reads the flows after this: drop them rather than
            // copy the whole assessment without them.
            run.analysis.output.assessment.flows = Vec::new();
        }
        let a = &run.analysis;
        serde_json::to_writer_pretty(
            &mut out,
            &AssessJson {
                assessment: &a.output.assessment,
                hardening: &a.hardening,
            },
        )?;
        writeln!(out)?;
    } else {
        crate::summary::print(&mut out, &run.analysis, run.elapsed)?;
    }
    out.flush()?;
    // The process ends here: freeing every flow record, log line and asset
    // one by one would only add time (about a second for a million flows).
    std::mem::forget(run);
    Ok(ExitCode::SUCCESS)
}

/// Writes one `<log>.log` file of JSON lines per protocol log.
fn write_logs(dir: &Path, output: &plantguard_engine::Output) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("creating log directory {}", dir.display()))?;
    if let Some(spilled) = &output.spilled {
        return spilled
            .write_to(dir)
            .with_context(|| format!("writing logs to {}", dir.display()));
    }
    for (log, lines) in &output.logs {
        let path = dir.join(format!("{log}.log"));
        let mut f = std::io::BufWriter::new(
            std::fs::File::create(&path).with_context(|| format!("creating {}", path.display()))?,
        );
        for line in lines {
            f.write_all(line.as_bytes())
                .and_then(|()| f.write_all(b"\n"))
                .with_context(|| format!("writing {}", path.display()))?;
        }
        f.flush()
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

fn write_json(dir: &Path, name: &str, value: &impl serde::Serialize) -> anyhow::Result<()> {
    let path = dir.join(name);
    let f = std::fs::File::create(&path).with_context(|| format!("creating {}", path.display()))?;
    let mut w = std::io::BufWriter::new(f);
    serde_json::to_writer_pretty(&mut w, value)
        .with_context(|| format!("writing {}", path.display()))?;
    writeln!(w)?;
    w.flush()
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// Writes the output folder of an assessment. The flows go to `flows.json`
/// and are left out of `assessment.json` (they are moved out of the run
/// while it is written, and back, rather than copied).
pub fn write_output_folder(dir: &Path, run: &mut Run) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let assessment = &mut run.analysis.output.assessment;
    let flows = std::mem::take(&mut assessment.flows);
    let written = write_json(dir, "assessment.json", assessment)
        .and_then(|()| write_json(dir, "flows.json", &flows));
    assessment.flows = flows;
    written?;
    let a = &run.analysis;
    write_json(dir, "hardening.json", &a.hardening)?;
    write_json(dir, "assets.json", &a.inventory)?;
    let files = [
        ("report.html", a.report_html()),
        ("map.svg", a.map_svg()),
        (
            "inventory.csv",
            plantguard_report::inventory_csv(&a.inventory),
        ),
        (
            "conduits.csv",
            plantguard_report::conduits_csv(&a.inventory),
        ),
    ];
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    let mut summary = Vec::new();
    crate::summary::print(&mut summary, a, run.elapsed)?;
    let path = dir.join("summary.txt");
    std::fs::write(&path, summary).with_context(|| format!("writing {}", path.display()))?;
    write_logs(&dir.join("logs"), &a.output)
}
