// SPDX-License-Identifier: Apache-2.0
//! From captures to every result PlantGuard derives: the engine's
//! assessment, the hardening analysis and the asset inventory.

use std::path::{Path, PathBuf};

use anyhow::Context;
use plantguard_analysis::inventory::{build_inventory_threads, Inventory};
use plantguard_analysis::site::{load_site, SiteFile};
use plantguard_analysis::{analyse_hardening, Hardening, KnowledgeBase};
use plantguard_engine::Output;

/// Everything one run produced.
pub struct Analysis {
    /// Engine output (assessment and logs).
    pub output: Output,
    /// Hardening facts.
    pub hardening: Hardening,
    /// Assets, zones, conduits, convergence.
    pub inventory: Inventory,
    /// Whether secrets are shown whole.
    pub show_secrets: bool,
}

impl Analysis {
    /// The self-contained HTML report.
    pub fn report_html(&self) -> String {
        let a = &self.output.assessment;
        let names = a.files.iter().map(|f| f.path.clone()).collect();
        let mut input =
            plantguard_report::ReportInput::new(a, &self.inventory, &self.hardening, names);
        input.show_secrets = self.show_secrets;
        plantguard_report::render_report_html(&input)
    }

    /// The plant map as a standalone SVG.
    pub fn map_svg(&self) -> String {
        let mut opts = plantguard_report::MapOptions::default();
        // The map draws per-asset links only for a small inventory.
        if self.inventory.assets.len() <= opts.asset_edges_max {
            opts.links = plantguard_report::asset_links(&self.output.assessment, &self.inventory);
        }
        plantguard_report::render_map_svg(&self.inventory, &opts)
    }
}

/// Loads the site file, naming file, line and field on error.
pub fn site(path: Option<&Path>) -> anyhow::Result<Option<SiteFile>> {
    match path {
        None => Ok(None),
        Some(p) => load_site(p)
            .map(Some)
            .map_err(|e| anyhow::anyhow!("{e}"))
            .with_context(|| format!("reading site file {}", p.display())),
    }
}

/// Runs the analyses over an engine output. Secrets are masked unless
/// `show_secrets`. The inventory uses up to `threads` threads.
pub fn analyse(
    mut output: Output,
    site: Option<&SiteFile>,
    show_secrets: bool,
    threads: usize,
) -> Analysis {
    let kb = KnowledgeBase::embedded();
    let mut hardening = analyse_hardening(&output.assessment, kb);
    let inventory = build_inventory_threads(&output.assessment, Some(&hardening), site, threads);
    if !show_secrets {
        output.assessment.mask_secrets();
        hardening.mask_secrets();
    }
    Analysis {
        output,
        hardening,
        inventory,
        show_secrets,
    }
}

/// The capture files behind `inputs`, in analysis order.
pub fn expand(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut lines = Vec::new();
    match plantguard_capture::expand_inputs(inputs) {
        Ok(v) if v.is_empty() => Err("no capture files found in the given inputs".to_string()),
        Ok(v) => Ok(v),
        Err(e) => {
            lines.push(e.to_string());
            let mut src = std::error::Error::source(&e);
            while let Some(s) = src {
                let text = s.to_string();
                if !lines.iter().any(|l| l.contains(&text)) {
                    lines.push(format!("caused by: {text}"));
                }
                src = s.source();
            }
            Err(lines.join("\n  "))
        }
    }
}
