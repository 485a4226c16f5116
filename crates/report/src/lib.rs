// SPDX-License-Identifier: Apache-2.0
//! Outputs for people: the plant map, the HTML report and CSV exports.
//!
//! In go the analysis results: an [`Inventory`] (assets, zones, conduits,
//! convergence points), a [`Hardening`] (legacy OS, credentials, remote
//! access) and the engine's [`Assessment`] (capture span, totals, protocols,
//! operations, flows). Out come strings the caller writes to files:
//!
//! - [`render_map_svg`]: the plant map as a standalone SVG document. Purdue
//!   levels are bands, zones are boxes, assets are labelled nodes with role
//!   icons, conduits are edges; large zones collapse into counted groups
//!   (see [`map`] for the layout). [`asset_links`] turns kept flows into
//!   per-asset edges for [`MapOptions::links`].
//! - [`render_report_html`]: one self-contained HTML file from a
//!   [`ReportInput`]: what needs attention (worst first), key figures, the
//!   map, convergence points with their frames, hardening facts, and
//!   sortable, filterable inventory and conduit tables. It prints to PDF.
//! - [`inventory_csv`] and [`conduits_csv`]: RFC 4180 CSV.
//!
//! Every string from the wire is escaped ([`escape`]).
//!
//! ```
//! use plantguard_analysis::inventory::Inventory;
//! use plantguard_report::{inventory_csv, render_map_svg, MapOptions};
//!
//! let inv = Inventory::default();
//! let svg = render_map_svg(&inv, &MapOptions::default());
//! assert!(svg.starts_with("<?xml"));
//! assert!(svg.contains("Level 3.5"));
//! assert!(inventory_csv(&inv).starts_with("id,name,role,"));
//! ```
//!
//! [`Inventory`]: plantguard_analysis::inventory::Inventory
//! [`Hardening`]: plantguard_analysis::Hardening
//! [`Assessment`]: plantguard_engine::Assessment
#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

mod csv;
pub mod escape;
mod html;
mod labels;
pub mod map;

pub use csv::{conduits_csv, inventory_csv};
pub use html::{render_report_html, ReportInput};
pub use map::{asset_links, render_map_svg, AssetLink, MapOptions};
