// SPDX-License-Identifier: Apache-2.0
//! Runs the engine alone (no analyses, no per-flow records, no logs) over
//! captures and prints its throughput: the foundation's own cost, for
//! benchmarks. `cargo run --release -p plantguard-engine --example engine_only -- [--threads N] [--no-parsers] [--only NAME,NAME] FILE...`
//! `--list-parsers` prints the registered parser names (the names `--only`
//! takes), one a line, and exits.
use std::path::PathBuf;

fn main() {
    let mut config = plantguard_engine::Config::default();
    let mut inputs = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--threads" => config.threads = args.next().and_then(|t| t.parse().ok()).unwrap_or(1),
            "--no-parsers" => config.parse = false,
            "--list-parsers" => {
                // In registry order, once each (some names are registered
                // for TCP and UDP).
                let mut names: Vec<&str> = Vec::new();
                for p in plantguard_protocols::registry::PROTOCOLS {
                    if !names.contains(&p.name) {
                        names.push(p.name);
                        println!("{}", p.name);
                    }
                }
                return;
            }
            // `--only modbus,enip,s7comm,...`: just these parsers may claim flows.
            "--only" => {
                let names = args.next().unwrap_or_default();
                for x in names.split(',') {
                    if plantguard_protocols::registry::by_name(x).is_none() {
                        eprintln!(
                            "engine_only: no parser is registered as {x:?} (see --list-parsers)"
                        );
                        std::process::exit(2);
                    }
                }
                config.protocols = Some(
                    plantguard_protocols::registry::PROTOCOLS
                        .iter()
                        .map(|p| p.name)
                        .filter(|n| names.split(',').any(|x| x == *n))
                        .collect(),
                );
            }
            _ => inputs.push(PathBuf::from(a)),
        }
    }
    let names: Vec<String> = inputs.iter().map(|p| p.display().to_string()).collect();
    let started = std::time::Instant::now();
    let out = plantguard_engine::run(&inputs, &names, &config, &|_| {});
    let secs = started.elapsed().as_secs_f64();
    let t = &out.assessment.totals;
    println!(
        "{} packets, {} flows, {} hosts in {secs:.2} s: {:.2} M packets/s ({} threads, parsers {})",
        t.packets,
        t.flows,
        t.hosts,
        t.packets as f64 / secs / 1e6,
        config.threads,
        if config.parse { "on" } else { "off" }
    );
}
