// SPDX-License-Identifier: Apache-2.0
//! `plantguard inventory` and `plantguard diff`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use plantguard_analysis::inventory::{diff as diff_inventories, Inventory};

use crate::assess::{run_engine, CaptureArgs};

/// Options of `plantguard inventory`.
#[derive(Args, Debug)]
pub struct InventoryArgs {
    #[command(flatten)]
    pub capture: CaptureArgs,
    /// CSV on standard output (one row per asset).
    #[arg(long, conflicts_with = "json")]
    pub csv: bool,
    /// JSON on standard output (`assets.json`).
    #[arg(long)]
    pub json: bool,
}

/// Options of `plantguard map`.
#[derive(Args, Debug)]
pub struct MapArgs {
    #[command(flatten)]
    pub capture: CaptureArgs,
    /// Where to write the SVG.
    #[arg(long, short = 'o', default_value = "map.svg")]
    pub output: PathBuf,
}

/// Options of `plantguard diff`.
#[derive(Args, Debug)]
pub struct DiffArgs {
    /// The older `assets.json` (or an output folder holding one).
    pub old: PathBuf,
    /// The newer `assets.json` (or an output folder holding one).
    pub new: PathBuf,
    /// JSON on standard output.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &InventoryArgs) -> anyhow::Result<ExitCode> {
    let run = match run_engine(&args.capture, |_| {})? {
        Ok(r) => r,
        Err(code) => return Ok(code),
    };
    let inv = &run.analysis.inventory;
    // Buffered: standard output alone writes every line with its own call.
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    if args.json {
        serde_json::to_writer_pretty(&mut out, inv)?;
        writeln!(out)?;
    } else if args.csv {
        out.write_all(plantguard_report::inventory_csv(inv).as_bytes())?;
    } else {
        writeln!(
            out,
            "{:<24} {:<18} {:<24} {:<28} {:<22} {:<6} {:<8} role (confidence)",
            "id", "address", "name", "vendor / model", "os", "level", "domain"
        )?;
        for a in &inv.assets {
            let vendor = [a.vendor.as_ref(), a.model.as_ref()]
                .iter()
                .flatten()
                .map(|v| v.value.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            writeln!(
                out,
                "{:<24} {:<18} {:<24} {:<28} {:<22} {:<6} {:<8} {} ({:.0}%)",
                a.id.to_string(),
                a.ip().map_or("-".into(), |i| i.to_string()),
                a.name.as_deref().unwrap_or("-"),
                if vendor.is_empty() {
                    a.mac_vendor.clone().unwrap_or_default()
                } else {
                    vendor
                },
                a.os.as_ref().map_or("-".to_string(), |o| o.name.clone()),
                a.purdue_level.map_or("-".into(), |l| l.to_string()),
                a.domain.to_string(),
                a.role,
                a.role_confidence * 100.0
            )?;
        }
        writeln!(out, "\n{} assets", inv.assets.len())?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn read_inventory(p: &std::path::Path) -> anyhow::Result<Inventory> {
    let path = if p.is_dir() {
        p.join("assets.json")
    } else {
        p.to_path_buf()
    };
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not an assets.json", path.display()))
}

pub fn diff(args: &DiffArgs) -> anyhow::Result<ExitCode> {
    let old = read_inventory(&args.old)?;
    let new = read_inventory(&args.new)?;
    let d = diff_inventories(&old, &new);
    // Buffered: standard output alone writes every line with its own call.
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    if args.json {
        serde_json::to_writer_pretty(&mut out, &d)?;
        writeln!(out)?;
    } else {
        let text = serde_json::to_value(&d)?;
        writeln!(
            out,
            "Changes from {} to {}",
            args.old.display(),
            args.new.display()
        )?;
        for (section, value) in text.as_object().into_iter().flatten() {
            let n = value.as_array().map_or(0, Vec::len);
            if n == 0 {
                continue;
            }
            writeln!(out, "\n{section} ({n})")?;
            for item in value.as_array().into_iter().flatten() {
                writeln!(out, "  {}", item)?;
            }
        }
        if d.is_empty() {
            writeln!(out, "  no change")?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

pub fn map(args: &MapArgs) -> anyhow::Result<ExitCode> {
    let run = match run_engine(&args.capture, |_| {})? {
        Ok(r) => r,
        Err(code) => return Ok(code),
    };
    let svg = run.analysis.map_svg();
    std::fs::write(&args.output, svg)
        .with_context(|| format!("writing {}", args.output.display()))?;
    println!(
        "{}: {} assets in {} zones",
        args.output.display(),
        run.analysis.inventory.assets.len(),
        run.analysis.inventory.zones.len()
    );
    Ok(ExitCode::SUCCESS)
}
