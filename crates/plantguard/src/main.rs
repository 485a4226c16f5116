// SPDX-License-Identifier: Apache-2.0
//! `plantguard`: the command-line front end. Thin: flags, wiring, exit codes.

mod analysis;
mod assess;
mod demo;
mod inventory;
mod summary;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Passive IT/OT security assessment for manufacturing plants.
///
/// PlantGuard reads network captures; it never sends a packet.
#[derive(Parser, Debug)]
#[command(name = "plantguard", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Analyse captures (pcap, pcapng, gzip of either, or directories of them).
    Assess(assess::AssessArgs),
    /// List every asset: role, domain, Purdue level, vendor, model, OS.
    Inventory(inventory::InventoryArgs),
    /// Draw the plant map (Purdue bands, zones, assets, conduits) as SVG.
    Map(inventory::MapArgs),
    /// Compare two assessments' `assets.json`: new, gone and changed assets and conduits.
    Diff(inventory::DiffArgs),
    /// Run the whole assessment on the bundled demo plant capture.
    Demo(demo::DemoArgs),
}

/// Exit code when an input is not usable (not a capture, missing file).
pub const EXIT_BAD_INPUT: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Assess(args) => assess::run(&args),
        Command::Inventory(args) => inventory::run(&args),
        Command::Diff(args) => inventory::diff(&args),
        Command::Map(args) => inventory::map(&args),
        Command::Demo(args) => demo::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            // A closed pipe (`plantguard assess x --json | head`) is not a failure.
            if err
                .chain()
                .filter_map(|e| e.downcast_ref::<std::io::Error>())
                .any(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            {
                return ExitCode::SUCCESS;
            }
            eprintln!("plantguard: error: {err:#}");
            ExitCode::from(1)
        }
    }
}
