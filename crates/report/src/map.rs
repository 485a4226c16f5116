// SPDX-License-Identifier: Apache-2.0
//! The plant map: an SVG drawn from an [`Inventory`] by our own layout.
//!
//! # Layout
//!
//! - **Bands.** Purdue levels are horizontal bands, top to bottom: 5, 4,
//!   3.5 (DMZ), 3, 2, 1, 0, then "level not known" when some asset has no
//!   level. Every level is drawn, even when empty, so the reader sees the
//!   whole model and what is missing from it.
//! - **Zones** are boxes. An asset sits in the band of its own level, so a
//!   zone whose assets sit at several levels (a flat network: PLCs, HMIs and
//!   a historian in one subnet) is one box that spans those bands. Such
//!   zones are placed first, left to right, by a skyline over the bands they
//!   span; zones of one band then flow to their right and wrap at
//!   [`MapOptions::max_row_width`]. Boxes never overlap: a band's single-band
//!   zones start where its last spanning zone ends, and bands do not overlap.
//! - **Assets** are nodes in a grid inside their zone's section of a band,
//!   with a role icon, the name (or address) and address and role; a
//!   `<title>` carries address, MAC, vendor, model, firmware, OS and why the
//!   role was chosen. Assets in a convergence point have a red border.
//! - **Collapse.** A zone with more than [`MapOptions::max_assets_per_zone`]
//!   assets (fewer when the whole map would exceed [`MapOptions::max_nodes`])
//!   shows that many (convergence assets first, then by role and
//!   traffic) and one group node per band for the rest: `+ 37 more` with the
//!   counts by role. Every asset is drawn or counted.
//! - **Edges.** With per-asset links ([`asset_links`]) and a small
//!   inventory, edges join assets (or the group that holds them); otherwise
//!   they join zone boxes, from the conduit matrix. Width grows with the log
//!   of the bytes; an arrow points from client to server. Convergence edges
//!   (IT↔OT without a DMZ, outside↔OT) are red and dashed, with a `<title>`
//!   that says why.
//!
//! Every drawn rectangle carries its kind and id as attributes
//! (`data-asset`, `data-group` with `data-count`, `data-zone`) so tests
//! and scripts can check the drawing without guessing.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;
use std::net::IpAddr;

use plantguard_analysis::conduits::{Conduit, ConvergenceKind};
use plantguard_analysis::inventory::{Asset, AssetId, Domain, Inventory, PurdueLevel, Role};
use plantguard_engine::Assessment;

use crate::escape::{truncate, Esc};
use crate::labels::{
    band_index, domain_colours, domain_label, level_label, role_icon, role_label, role_short,
    BANDS, ICON_LEGEND, ICON_SYMBOLS,
};

/// How to draw the map.
#[derive(Clone, Debug)]
pub struct MapOptions {
    /// A zone with more assets than this shows this many and counts the
    /// rest in group nodes.
    pub max_assets_per_zone: usize,
    /// Most asset nodes on the whole map. When the zones together would
    /// draw more, every zone's limit is lowered alike (never below
    /// [`MIN_PER_ZONE`]) until they fit, so a plant of many zones stays an
    /// overview; the inventory table lists every asset.
    pub max_nodes: usize,
    /// Edges join assets (not zones) when [`MapOptions::links`] is given and
    /// the inventory has at most this many assets.
    pub asset_edges_max: usize,
    /// Per-asset traffic, from [`asset_links`]. Empty: edges join zones.
    pub links: Vec<AssetLink>,
    /// Zones of one band wrap to a new line beyond this width (pixels).
    pub max_row_width: f64,
    /// Draw the title and legend (off when the map is embedded in a page
    /// that has its own).
    pub standalone: bool,
}

impl Default for MapOptions {
    fn default() -> Self {
        MapOptions {
            max_assets_per_zone: 20,
            max_nodes: 160,
            asset_edges_max: 60,
            links: Vec::new(),
            max_row_width: 1500.0,
            standalone: true,
        }
    }
}

/// Traffic between two assets, summed over their flows.
#[derive(Clone, Debug, PartialEq)]
pub struct AssetLink {
    /// The client of the first flow.
    pub client: AssetId,
    /// The server of the first flow.
    pub server: AssetId,
    /// Flows either way.
    pub flows: u64,
    /// Bytes both ways.
    pub bytes: u64,
    /// Protocols seen (`modbus`, `tcp/5900`).
    pub protocols: BTreeSet<String>,
    /// Why this link is a convergence point, when it is one.
    pub convergence: Option<String>,
}

/// Sums the kept flows of `a` into one link per pair of assets. Flows named
/// by a convergence point carry its summary. Empty when no flows were kept.
pub fn asset_links(a: &Assessment, inv: &Inventory) -> Vec<AssetLink> {
    /// One pair's flows as they add up, under asset positions and borrowed
    /// protocol names.
    struct Sum<'a> {
        client: usize,
        server: usize,
        flows: u64,
        bytes: u64,
        /// Application protocol, or transport and server port.
        protocols: HashSet<(Option<&'a str>, &'a str, u16)>,
        convergence: Option<&'a str>,
    }
    let by_ip: HashMap<IpAddr, usize> = inv
        .assets
        .iter()
        .enumerate()
        .flat_map(|(i, x)| x.ips().map(move |ip| (ip, i)))
        .collect();
    let mut why: HashMap<&str, &str> = HashMap::new();
    for p in &inv.convergence {
        for uid in &p.flows {
            why.entry(uid.as_str()).or_insert(p.summary.as_str());
        }
    }
    let id = |i: usize| &inv.assets[i].id;
    let mut links: HashMap<(usize, usize), Sum<'_>> = HashMap::new();
    for f in &a.flows {
        let (Some(&c), Some(&s)) = (by_ip.get(&f.orig_h), by_ip.get(&f.resp_h)) else {
            continue;
        };
        if id(c) == id(s) {
            continue;
        }
        let key = if id(c) < id(s) { (c, s) } else { (s, c) };
        let l = links.entry(key).or_insert_with(|| Sum {
            client: c,
            server: s,
            flows: 0,
            bytes: 0,
            protocols: HashSet::new(),
            convergence: None,
        });
        l.flows += 1;
        l.bytes += f.orig_bytes + f.resp_bytes;
        l.protocols.insert(match f.service.as_deref() {
            Some(p) => (Some(p), "", 0),
            None => (None, f.proto.as_ref(), f.resp_p),
        });
        if l.convergence.is_none() {
            l.convergence = why.get(f.uid.as_str()).copied();
        }
    }
    let mut links: Vec<((usize, usize), Sum<'_>)> = links.into_iter().collect();
    links.sort_by(|x, y| (id(x.0 .0), id(x.0 .1)).cmp(&(id(y.0 .0), id(y.0 .1))));
    links
        .into_iter()
        .map(|(_, l)| AssetLink {
            client: id(l.client).clone(),
            server: id(l.server).clone(),
            flows: l.flows,
            bytes: l.bytes,
            protocols: l
                .protocols
                .into_iter()
                .map(|(service, proto, port)| match service {
                    Some(p) => p.to_string(),
                    None => format!("{proto}/{port}"),
                })
                .collect(),
            convergence: l.convergence.map(str::to_string),
        })
        .collect()
}

/// The lowest per-zone limit [`MapOptions::max_nodes`] can impose.
pub const MIN_PER_ZONE: usize = 4;

/// The per-zone limit: [`MapOptions::max_assets_per_zone`], lowered until
/// the zones' drawn assets fit [`MapOptions::max_nodes`].
fn per_zone_limit(sizes: &[usize], opts: &MapOptions) -> usize {
    let mut limit = opts.max_assets_per_zone.max(1);
    let floor = MIN_PER_ZONE.min(limit);
    while limit > floor && sizes.iter().map(|n| (*n).min(limit)).sum::<usize>() > opts.max_nodes {
        limit -= 1;
    }
    limit
}

// Geometry, in pixels.
const NODE_W: f64 = 172.0;
const NODE_H: f64 = 40.0;
const GAP: f64 = 10.0;
const ZONE_PAD: f64 = 10.0;
const ZONE_HEADER: f64 = 38.0;
const ZONE_GAP: f64 = 18.0;
const BAND_PAD: f64 = 12.0;
const EMPTY_BAND_H: f64 = 44.0;
const LABEL_W: f64 = 150.0;
const MARGIN: f64 = 16.0;
const TITLE_H: f64 = 56.0;

const RED: &str = "#d62828";

/// A zone as drawn.
struct ZoneDraw<'a> {
    name: String,
    domain: Domain,
    level: Option<PurdueLevel>,
    proposed: bool,
    subnets: Vec<String>,
    total: usize,
    /// Per band: the items drawn there, in order.
    bands: BTreeMap<usize, Vec<Item<'a>>>,
    top: usize,
    bottom: usize,
    cols: usize,
    w: f64,
    x: f64,
    y: f64,
    h: f64,
    /// Flows between the zone's own assets.
    inner_flows: u64,
}

enum Item<'a> {
    Asset(&'a Asset),
    Group(Vec<&'a Asset>),
}

/// A drawn node's rectangle.
#[derive(Clone, Copy)]
struct Rect {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

impl Rect {
    fn centre(self) -> (f64, f64) {
        (self.x + self.w / 2.0, self.y + self.h / 2.0)
    }

    /// Where the ray from the centre towards `(tx, ty)` leaves the rectangle.
    fn border_towards(self, tx: f64, ty: f64) -> (f64, f64) {
        let (cx, cy) = self.centre();
        let (dx, dy) = (tx - cx, ty - cy);
        if dx.abs() < 1e-9 && dy.abs() < 1e-9 {
            return (cx, cy);
        }
        let sx = if dx.abs() < 1e-9 {
            f64::INFINITY
        } else {
            (self.w / 2.0) / dx.abs()
        };
        let sy = if dy.abs() < 1e-9 {
            f64::INFINITY
        } else {
            (self.h / 2.0) / dy.abs()
        };
        let t = sx.min(sy);
        (cx + dx * t, cy + dy * t)
    }
}

fn role_rank(r: Role) -> usize {
    Role::ALL.iter().position(|x| *x == r).unwrap_or(usize::MAX)
}

fn sort_key(a: &Asset) -> (usize, Option<IpAddr>, String) {
    (
        role_rank(a.role),
        a.ip(),
        a.name.clone().unwrap_or_default(),
    )
}

fn label_of(a: &Asset) -> String {
    a.name
        .clone()
        .or_else(|| a.ip().map(|i| i.to_string()))
        .unwrap_or_else(|| a.id.to_string())
}

/// Role counts, biggest first (`PLC 20, HMI 4`).
fn role_counts(assets: &[&Asset], short: bool) -> String {
    let mut counts: BTreeMap<Role, usize> = BTreeMap::new();
    for a in assets {
        *counts.entry(a.role).or_default() += 1;
    }
    let mut v: Vec<(Role, usize)> = counts.into_iter().collect();
    v.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
    v.iter()
        .map(|(r, n)| {
            format!(
                "{} {n}",
                if short {
                    role_short(*r)
                } else {
                    role_label(*r)
                }
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn asset_tooltip(a: &Asset) -> String {
    let mut t = label_of(a);
    let _ = write!(
        t,
        "\n{} ({:.0}% sure) · {} · {}",
        role_label(a.role),
        a.role_confidence * 100.0,
        domain_label(a.domain),
        level_label(a.purdue_level).0
    );
    let ips: Vec<String> = a.ips().map(|i| i.to_string()).collect();
    if !ips.is_empty() {
        let _ = write!(t, "\nIP: {}", ips.join(", "));
    }
    if !a.macs.is_empty() {
        let _ = write!(t, "\nMAC: {}", a.macs.join(", "));
    }
    let vendor = a
        .vendor
        .as_ref()
        .map(|v| v.value.clone())
        .or_else(|| a.mac_vendor.clone());
    if let Some(v) = vendor {
        let _ = write!(t, "\nVendor: {v}");
    }
    if let Some(m) = a.model.as_ref().or(a.product.as_ref()) {
        let _ = write!(t, "\nModel: {}", m.value);
    }
    if let Some(f) = &a.firmware {
        let _ = write!(t, "\nFirmware: {}", f.value);
    }
    if let Some(o) = &a.os {
        let _ = write!(t, "\nOS: {} ({:.0}% sure)", o.name, o.confidence * 100.0);
    }
    if let Some(z) = &a.zone {
        let _ = write!(t, "\nZone: {z}");
    }
    if let Some(r) = a.role_reasons.first() {
        let _ = write!(t, "\nWhy {}: {}", role_label(a.role), r.text);
    }
    t
}

fn edge_width(bytes: u64, max: u64) -> f64 {
    let max = (max.max(2)) as f64;
    1.2 + 4.8 * ((1.0 + bytes as f64).ln() / (1.0 + max).ln()).clamp(0.0, 1.0)
}

fn is_convergent(a: Domain, b: Domain) -> bool {
    matches!(
        (a, b),
        (Domain::It, Domain::Ot)
            | (Domain::Ot, Domain::It)
            | (Domain::External, Domain::Ot)
            | (Domain::Ot, Domain::External)
    )
}

fn convergence_kind_words(k: ConvergenceKind) -> &'static str {
    match k {
        ConvergenceKind::ItOtSkipsDmz => "IT and OT talk directly, not through the DMZ",
        ConvergenceKind::DualHomed => "one host on both IT and OT networks",
        ConvergenceKind::RoutesBetweenItAndOt => "a router joins IT and OT networks",
        ConvergenceKind::OtToInternet => "an OT device talks to the internet",
        ConvergenceKind::OtResolvesInternetName => "an OT device looks up internet names",
        ConvergenceKind::RemoteAccessIntoOt => "remote access lands on an OT device",
        ConvergenceKind::FlatNetwork => "IT and OT devices share one network",
    }
}

/// The convergence kind in plain words (for the report as well).
pub fn convergence_words(k: ConvergenceKind) -> &'static str {
    convergence_kind_words(k)
}

/// Picks the assets a collapsed zone shows: those in a convergence point
/// first, then one of each role in turn (busiest first within a role), so a
/// zone of 300 PLCs and 40 HMIs still shows its HMIs.
fn pick_shown<'a>(
    mut assets: Vec<&'a Asset>,
    limit: usize,
    hot: &BTreeSet<&AssetId>,
) -> (Vec<&'a Asset>, Vec<&'a Asset>) {
    assets.sort_by(|x, y| y.bytes.cmp(&x.bytes).then(x.id.cmp(&y.id)));
    let mut shown: Vec<&Asset> = Vec::new();
    let mut queues: BTreeMap<usize, std::collections::VecDeque<&Asset>> = BTreeMap::new();
    for a in assets {
        if hot.contains(&a.id) && shown.len() < limit {
            shown.push(a);
        } else {
            queues.entry(role_rank(a.role)).or_default().push_back(a);
        }
    }
    while shown.len() < limit && queues.values().any(|q| !q.is_empty()) {
        for q in queues.values_mut() {
            if shown.len() >= limit {
                break;
            }
            if let Some(a) = q.pop_front() {
                shown.push(a);
            }
        }
    }
    let hidden = queues.into_values().flatten().collect();
    (shown, hidden)
}

/// Groups the inventory's assets into zones, picks what each zone shows,
/// and sizes each zone.
fn zones_of<'a>(
    inv: &'a Inventory,
    opts: &MapOptions,
    hot: &BTreeSet<&AssetId>,
) -> Vec<ZoneDraw<'a>> {
    let mut order: Vec<String> = inv.zones.iter().map(|z| z.name.clone()).collect();
    let mut members: HashMap<String, Vec<&Asset>> = HashMap::new();
    for a in &inv.assets {
        let z = a.zone.clone().unwrap_or_else(|| "unzoned".to_string());
        if !order.contains(&z) {
            order.push(z.clone());
        }
        members.entry(z).or_default().push(a);
    }
    let mut inner: HashMap<&str, u64> = HashMap::new();
    for c in &inv.conduits.conduits {
        if c.from_zone == c.to_zone {
            *inner.entry(c.from_zone.as_str()).or_default() += c.flows;
        }
    }
    let sizes: Vec<usize> = members.values().map(Vec::len).collect();
    let limit = per_zone_limit(&sizes, opts);
    let mut out = Vec::new();
    for name in order {
        let summary = inv.zones.iter().find(|z| z.name == name);
        let mut assets = members.remove(&name).unwrap_or_default();
        let level = summary.and_then(|z| z.purdue_level).or_else(|| {
            // A zone without a level sits where most of its assets sit.
            let mut c: BTreeMap<Option<PurdueLevel>, usize> = BTreeMap::new();
            for a in &assets {
                *c.entry(a.purdue_level).or_default() += 1;
            }
            c.into_iter().max_by_key(|(_, n)| *n).and_then(|(l, _)| l)
        });
        let domain = summary.map_or_else(
            || assets.first().map_or(Domain::Unknown, |a| a.domain),
            |z| z.domain,
        );
        let band_of = |a: &Asset| band_index(a.purdue_level.or(level));
        let total = assets.len();
        let mut hidden: Vec<&Asset> = Vec::new();
        if assets.len() > limit {
            let (shown, rest) = pick_shown(assets, limit, hot);
            assets = shown;
            hidden = rest;
        }
        let mut bands: BTreeMap<usize, Vec<Item>> = BTreeMap::new();
        assets.sort_by_key(|a| sort_key(a));
        for a in assets {
            bands.entry(band_of(a)).or_default().push(Item::Asset(a));
        }
        let mut hidden_by_band: BTreeMap<usize, Vec<&Asset>> = BTreeMap::new();
        for a in hidden {
            hidden_by_band.entry(band_of(a)).or_default().push(a);
        }
        for (b, v) in hidden_by_band {
            bands.entry(b).or_default().push(Item::Group(v));
        }
        let (top, bottom) = match (bands.keys().next(), bands.keys().next_back()) {
            (Some(t), Some(b)) => (*t, *b),
            _ => {
                let b = band_index(level);
                (b, b)
            }
        };
        let most = bands.values().map(Vec::len).max().unwrap_or(0);
        let cols = ((most as f64).sqrt().ceil() as usize)
            .clamp(1, 5)
            .min(most.max(1));
        let title_w = 9.0 * name.chars().count().min(40) as f64 + 2.0 * ZONE_PAD;
        let meta_w = 190.0;
        let grid_w = cols as f64 * (NODE_W + GAP) - GAP + 2.0 * ZONE_PAD;
        out.push(ZoneDraw {
            inner_flows: inner.get(name.as_str()).copied().unwrap_or(0),
            subnets: summary
                .map(|z| z.subnets.iter().map(ToString::to_string).collect())
                .unwrap_or_default(),
            proposed: summary.is_some_and(|z| z.proposed),
            name,
            domain,
            level,
            total,
            bands,
            top,
            bottom,
            cols,
            w: grid_w.max(title_w).max(meta_w),
            x: 0.0,
            y: 0.0,
            h: 0.0,
        });
    }
    out
}

/// Height the zone needs in band `b` (inside the band padding).
fn need_in_band(z: &ZoneDraw, b: usize) -> f64 {
    let n = z.bands.get(&b).map_or(0, Vec::len);
    let rows = n.div_ceil(z.cols);
    let grid = if rows == 0 {
        if z.total == 0 {
            18.0
        } else {
            0.0
        }
    } else {
        rows as f64 * (NODE_H + GAP) - GAP
    };
    let header = if b == z.top { ZONE_HEADER } else { 0.0 };
    header + grid + 2.0 * ZONE_PAD
}

/// Places boxes of the given (width, height) left to right from `x0`,
/// wrapping at `limit`; returns each box's (x, y offset) and the total height.
fn flow(sizes: &[(f64, f64)], x0: f64, limit: f64) -> (Vec<(f64, f64)>, f64) {
    let mut out = Vec::with_capacity(sizes.len());
    let (mut x, mut line_y, mut line_h) = (x0, 0.0, 0.0_f64);
    for (w, h) in sizes {
        if x > x0 && x + w > limit {
            line_y += line_h + ZONE_GAP;
            line_h = 0.0;
            x = x0;
        }
        out.push((x, line_y));
        line_h = line_h.max(*h);
        x += w + ZONE_GAP;
    }
    (out, line_y + line_h)
}

struct Layout<'a> {
    zones: Vec<ZoneDraw<'a>>,
    band_y: Vec<f64>,
    band_h: Vec<f64>,
    width: f64,
    bands_bottom: f64,
}

fn layout<'a>(
    inv: &'a Inventory,
    opts: &MapOptions,
    hot: &BTreeSet<&AssetId>,
    top_y: f64,
) -> Layout<'a> {
    let mut zones = zones_of(inv, opts, hot);
    let nb = BANDS.len();
    // Spanning zones first, by the skyline over their bands.
    let mut cursor = vec![0.0_f64; nb];
    let mut spanning: Vec<usize> = (0..zones.len())
        .filter(|i| zones[*i].top != zones[*i].bottom)
        .collect();
    spanning.sort_by_key(|i| (zones[*i].top, std::cmp::Reverse(zones[*i].bottom)));
    for &i in &spanning {
        let z = &mut zones[i];
        let x = (z.top..=z.bottom).map(|b| cursor[b]).fold(0.0, f64::max);
        z.x = x;
        for c in cursor.iter_mut().take(z.bottom + 1).skip(z.top) {
            *c = x + z.w + ZONE_GAP;
        }
    }
    // Band content heights: spanning zones' needs, then single-band lines.
    let mut content = vec![0.0_f64; nb];
    for &i in &spanning {
        let z = &zones[i];
        for (b, c) in content
            .iter_mut()
            .enumerate()
            .take(z.bottom + 1)
            .skip(z.top)
        {
            *c = c.max(need_in_band(z, b));
        }
    }
    // Single-band zones flow in lines to the right of the spanning zones.
    // The line width starts at the larger of `max_row_width` and the widest
    // zone, and grows (up to `max_row_width` past the spanning zones)
    // while the lines would stand taller than the spanning zones already
    // make the band: beside tall spanning zones, small zones spread sideways
    // instead of stacking into a tower.
    let mut offsets: HashMap<usize, f64> = HashMap::new();
    for (b, c) in content.iter_mut().enumerate() {
        let x0 = cursor[b];
        let members: Vec<usize> = (0..zones.len())
            .filter(|i| zones[*i].top == b && zones[*i].bottom == b)
            .collect();
        if members.is_empty() {
            continue;
        }
        let sizes: Vec<(f64, f64)> = members
            .iter()
            .map(|i| (zones[*i].w, need_in_band(&zones[*i], b)))
            .collect();
        let widest = sizes.iter().map(|z| z.0).fold(0.0, f64::max);
        let mut limit = opts.max_row_width.max(x0 + widest);
        let cap = (x0 + opts.max_row_width).max(limit);
        let mut placed = flow(&sizes, x0, limit);
        while placed.1 > c.max(sizes.iter().map(|z| z.1).fold(0.0, f64::max)) && limit < cap {
            limit = (limit + widest / 2.0).min(cap);
            placed = flow(&sizes, x0, limit);
        }
        for (k, i) in members.iter().enumerate() {
            zones[*i].x = placed.0[k].0;
            offsets.insert(*i, placed.0[k].1);
            zones[*i].h = sizes[k].1;
        }
        *c = c.max(placed.1);
    }
    let mut band_y = vec![0.0; nb];
    let mut band_h = vec![0.0; nb];
    let mut y = top_y;
    for b in 0..nb {
        // The "level not known" band only when something sits in it.
        if b == nb - 1 && content[b] == 0.0 {
            band_y[b] = y;
            continue;
        }
        band_y[b] = y;
        band_h[b] = if content[b] > 0.0 {
            content[b] + 2.0 * BAND_PAD
        } else {
            EMPTY_BAND_H
        };
        y += band_h[b];
    }
    let left = MARGIN + LABEL_W;
    let mut right: f64 = 0.0;
    for (i, z) in zones.iter_mut().enumerate() {
        z.x += left + BAND_PAD;
        if z.top == z.bottom {
            z.y = band_y[z.top] + BAND_PAD + offsets.get(&i).copied().unwrap_or(0.0);
        } else {
            z.y = band_y[z.top] + BAND_PAD;
            z.h = band_y[z.bottom] + band_h[z.bottom] - BAND_PAD - z.y;
        }
        right = right.max(z.x + z.w);
    }
    Layout {
        zones,
        band_y,
        band_h,
        width: (right + MARGIN + BAND_PAD).max(900.0),
        bands_bottom: y,
    }
}

/// Renders the plant map as a standalone SVG document.
pub fn render_map_svg(inv: &Inventory, opts: &MapOptions) -> String {
    let mut s = String::new();
    render_into(&mut s, inv, opts, true);
    s
}

/// Renders the map as an `<svg>` element (no XML declaration) for a page.
pub(crate) fn render_map_inline(inv: &Inventory, opts: &MapOptions) -> String {
    let mut s = String::new();
    render_into(&mut s, inv, opts, false);
    s
}

#[allow(clippy::too_many_lines)]
fn render_into(s: &mut String, inv: &Inventory, opts: &MapOptions, document: bool) {
    let hot: BTreeSet<&AssetId> = inv
        .convergence
        .iter()
        .flat_map(|p| p.assets.iter())
        .collect();
    let title_h = if opts.standalone { TITLE_H } else { 8.0 };
    let lay = layout(inv, opts, &hot, MARGIN + title_h);
    let legend_h = if opts.standalone {
        legend_height(lay.width)
    } else {
        0.0
    };
    let width = lay.width;
    let height = lay.bands_bottom + legend_h + MARGIN;

    if document {
        s.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    }
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="plant-map" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif" data-assets="{}">"#,
        inv.assets.len()
    );
    let plant = inv.site_name.as_deref().unwrap_or("the plant");
    let _ = write!(s, "<title>Plant map of {}</title>", Esc(plant));
    s.push_str("<defs>");
    s.push_str(ICON_SYMBOLS);
    let _ = write!(
        s,
        r##"<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="10" markerHeight="10" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="#64748b"/></marker><marker id="arrow-red" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="10" markerHeight="10" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="{RED}"/></marker>"##
    );
    s.push_str(
        "<style>.n{font-size:12px;font-weight:600;fill:#0f172a}.s{font-size:10.5px;fill:#475569}\
         .zt{font-size:13px;font-weight:700;fill:#0f172a}.zm{font-size:11px;fill:#334155}\
         .bl{font-size:13px;font-weight:700;fill:#1e293b}.bs{font-size:11px;fill:#475569}\
         .lg{font-size:11.5px;fill:#1e293b}.tt{font-size:18px;font-weight:700;fill:#0f172a}\
         .ts{font-size:12px;fill:#475569}</style>",
    );
    s.push_str("</defs>");
    let _ = write!(
        s,
        r##"<rect x="0" y="0" width="{width:.0}" height="{height:.0}" fill="#ffffff"/>"##
    );

    if opts.standalone {
        let _ = write!(
            s,
            r#"<text class="tt" x="{MARGIN}" y="{:.0}">Plant map: {}</text>"#,
            MARGIN + 18.0,
            Esc(plant)
        );
        let zones_note = if inv.zones_proposed {
            " (proposed by PlantGuard: no site file)"
        } else {
            ""
        };
        let span = match (&inv.first_seen, &inv.last_seen) {
            (Some(a), Some(b)) => format!(" · traffic from {} to {}", short_time(a), short_time(b)),
            _ => String::new(),
        };
        let _ = write!(
            s,
            r#"<text class="ts" x="{MARGIN}" y="{:.0}">{} assets in {} zones{}{}</text>"#,
            MARGIN + 38.0,
            inv.assets.len(),
            lay.zones.len(),
            zones_note,
            Esc(&span)
        );
    }

    // Bands.
    for (b, level) in BANDS.iter().enumerate() {
        let h = lay.band_h[b];
        if h <= 0.0 {
            continue;
        }
        let y = lay.band_y[b];
        let fill = match level {
            Some(PurdueLevel::L3_5) => "#faf5ff",
            _ if b % 2 == 0 => "#f8fafc",
            _ => "#eef2f7",
        };
        let (title, what) = level_label(*level);
        let _ = write!(
            s,
            r##"<g class="band" data-band="{}"><rect x="{MARGIN}" y="{y:.1}" width="{:.1}" height="{h:.1}" fill="{fill}"/><line x1="{MARGIN}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}" stroke="#cbd5e1"/><text class="bl" x="{:.0}" y="{:.1}">{title}</text><text class="bs" x="{:.0}" y="{:.1}">{what}</text>"##,
            title,
            width - 2.0 * MARGIN,
            width - MARGIN,
            MARGIN + 10.0,
            y + 20.0,
            MARGIN + 10.0,
            y + 35.0,
        );
        let empty = lay.zones.iter().all(|z| !(z.top..=z.bottom).contains(&b));
        if empty {
            let _ = write!(
                s,
                r##"<text class="bs" x="{:.0}" y="{:.1}" font-style="italic">no assets seen at this level</text>"##,
                MARGIN + LABEL_W + BAND_PAD,
                y + 21.0
            );
        }
        s.push_str("</g>");
    }
    let _ = write!(
        s,
        r##"<line x1="{MARGIN}" x2="{:.1}" y1="{:.1}" y2="{:.1}" stroke="#cbd5e1"/>"##,
        width - MARGIN,
        lay.bands_bottom,
        lay.bands_bottom
    );

    // Zones and node rectangles.
    let mut asset_rect: HashMap<&AssetId, usize> = HashMap::new();
    let mut rects: Vec<Rect> = Vec::new();
    let mut node_svg = String::new();
    for z in &lay.zones {
        let (fill, stroke) = domain_colours(z.domain);
        let dash = if z.proposed {
            r#" stroke-dasharray="6 3""#
        } else {
            ""
        };
        let mut tip = format!(
            "Zone {}\n{} · {}",
            z.name,
            domain_label(z.domain),
            level_label(z.level).0
        );
        if !z.subnets.is_empty() {
            let _ = write!(tip, "\nSubnets: {}", z.subnets.join(", "));
        }
        if z.proposed {
            tip.push_str("\nProposed by PlantGuard (no site file)");
        }
        if z.inner_flows > 0 {
            let _ = write!(tip, "\n{} flows inside the zone", z.inner_flows);
        }
        let _ = write!(
            s,
            r#"<g class="zone"><title>{}</title><rect data-zone="{}" x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" rx="8" fill="{fill}" stroke="{stroke}" stroke-width="1.5"{dash}/></g>"#,
            Esc(&tip),
            Esc(&z.name),
            z.x,
            z.y,
            z.w,
            z.h
        );
        // Zone labels go with the nodes, above the edges, with a halo of
        // the zone's fill so a line crossing them does not hide them.
        let _ = write!(
            node_svg,
            r#"<g class="zone-label" paint-order="stroke" stroke="{fill}" stroke-width="4" stroke-linejoin="round"><text class="zt" x="{:.1}" y="{:.1}">{}</text>"#,
            z.x + ZONE_PAD,
            z.y + 17.0,
            Esc(&truncate(&z.name, 40))
        );
        let meta = format!(
            "{} · {} · {} asset{}{}",
            domain_label(z.domain),
            level_label(z.level).0,
            z.total,
            if z.total == 1 { "" } else { "s" },
            if z.proposed { " · proposed" } else { "" }
        );
        let _ = write!(
            node_svg,
            r#"<text class="zm" x="{:.1}" y="{:.1}">{}</text></g>"#,
            z.x + ZONE_PAD,
            z.y + 31.0,
            Esc(&meta)
        );
        if z.total == 0 {
            let _ = write!(
                node_svg,
                r#"<text class="s" x="{:.1}" y="{:.1}" font-style="italic">no assets seen</text>"#,
                z.x + ZONE_PAD,
                z.y + ZONE_HEADER + ZONE_PAD + 10.0
            );
        }
        for (b, items) in &z.bands {
            let y0 = if *b == z.top {
                z.y + ZONE_HEADER + ZONE_PAD
            } else {
                lay.band_y[*b] + BAND_PAD + ZONE_PAD
            };
            for (k, item) in items.iter().enumerate() {
                let r = Rect {
                    x: z.x + ZONE_PAD + (k % z.cols) as f64 * (NODE_W + GAP),
                    y: y0 + (k / z.cols) as f64 * (NODE_H + GAP),
                    w: NODE_W,
                    h: NODE_H,
                };
                let idx = rects.len();
                rects.push(r);
                match item {
                    Item::Asset(a) => {
                        asset_rect.insert(&a.id, idx);
                        draw_asset(&mut node_svg, a, r, hot.contains(&a.id));
                    }
                    Item::Group(members) => {
                        for a in members {
                            asset_rect.insert(&a.id, idx);
                        }
                        draw_group(&mut node_svg, &z.name, members, r);
                    }
                }
            }
        }
    }

    // Edges, under the nodes.
    s.push_str(r#"<g class="edges" fill="none">"#);
    let asset_mode = !opts.links.is_empty() && inv.assets.len() <= opts.asset_edges_max;
    if asset_mode {
        draw_asset_edges(s, &opts.links, &asset_rect, &rects);
    } else {
        draw_zone_edges(s, inv, &lay.zones);
    }
    s.push_str("</g>");
    s.push_str(r#"<g class="nodes">"#);
    s.push_str(&node_svg);
    s.push_str("</g>");

    if opts.standalone {
        draw_legend(s, lay.bands_bottom + 14.0, width, asset_mode);
    }
    s.push_str("</svg>\n");
}

/// `2026-11-26T02:54:21.142164+0000` → `2026-11-26 02:54 UTC`.
pub(crate) fn short_time(t: &str) -> String {
    if t.len() >= 16 && t.is_char_boundary(16) {
        let (d, rest) = t.split_at(10);
        let hm = rest.get(1..6).unwrap_or("");
        let zone = if t.ends_with("+0000") || t.ends_with('Z') {
            " UTC"
        } else {
            ""
        };
        format!("{d} {hm}{zone}")
    } else {
        t.to_string()
    }
}

fn draw_asset(s: &mut String, a: &Asset, r: Rect, hot: bool) {
    let (_, stroke) = domain_colours(a.domain);
    let (border, bw) = if hot { (RED, 2.5) } else { (stroke, 1.4) };
    let line1 = truncate(&label_of(a), 19);
    let ip = a.ip().map(|i| i.to_string()).unwrap_or_default();
    let line2 = if a.name.is_some() && !ip.is_empty() {
        format!("{ip} · {}", role_short(a.role))
    } else {
        role_label(a.role).to_string()
    };
    let _ = write!(
        s,
        r##"<g class="asset"><title>{}</title><rect data-asset="{}" x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" rx="6" fill="#ffffff" stroke="{border}" stroke-width="{bw}"/><use href="#{}" x="{:.1}" y="{:.1}" width="26" height="26" color="{stroke}"/><text class="n" x="{:.1}" y="{:.1}">{}</text><text class="s" x="{:.1}" y="{:.1}">{}</text></g>"##,
        Esc(&asset_tooltip(a)),
        Esc(&a.id.0),
        r.x,
        r.y,
        r.w,
        r.h,
        role_icon(a.role),
        r.x + 6.0,
        r.y + 7.0,
        r.x + 38.0,
        r.y + 17.0,
        Esc(&line1),
        r.x + 38.0,
        r.y + 31.0,
        Esc(&truncate(&line2, 24)),
    );
}

fn draw_group(s: &mut String, zone: &str, members: &[&Asset], r: Rect) {
    let tip = format!(
        "{} more assets in zone {} (not drawn one by one):\n{}\nSee the inventory table for each of them.",
        members.len(),
        zone,
        role_counts(members, false)
    );
    let _ = write!(
        s,
        r##"<g class="group"><title>{}</title><rect data-group="{}" data-count="{}" x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" rx="6" fill="#f8fafc" stroke="#475569" stroke-width="1.4" stroke-dasharray="4 3"/><use href="#i-group" x="{:.1}" y="{:.1}" width="26" height="26" color="#334155"/><text class="n" x="{:.1}" y="{:.1}">+ {} more</text><text class="s" x="{:.1}" y="{:.1}">{}</text></g>"##,
        Esc(&tip),
        Esc(zone),
        members.len(),
        r.x,
        r.y,
        r.w,
        r.h,
        r.x + 6.0,
        r.y + 7.0,
        r.x + 38.0,
        r.y + 17.0,
        members.len(),
        r.x + 38.0,
        r.y + 31.0,
        Esc(&truncate(&role_counts(members, true), 24)),
    );
}

/// A slightly bent path from `a` to `b`, so edges between neighbours in a
/// grid do not run along each other's rows.
fn curve(s: &mut String, from: Rect, to: Rect, width: f64, red: bool, title: &str) {
    let (tx, ty) = to.centre();
    let (fx, fy) = from.centre();
    let (x1, y1) = from.border_towards(tx, ty);
    let (x2, y2) = to.border_towards(fx, fy);
    let (mx, my) = ((x1 + x2) / 2.0, (y1 + y2) / 2.0);
    let (dx, dy) = (x2 - x1, y2 - y1);
    let (cx, cy) = (mx - dy * 0.12, my + dx * 0.12);
    let (colour, dash, marker) = if red {
        (RED, r#" stroke-dasharray="7 4""#, "arrow-red")
    } else {
        ("#64748b", "", "arrow")
    };
    let opacity = if red { 0.95 } else { 0.55 };
    let _ = write!(
        s,
        r#"<path class="{}" d="M{x1:.1} {y1:.1}Q{cx:.1} {cy:.1} {x2:.1} {y2:.1}" stroke="{colour}" stroke-width="{width:.1}" stroke-opacity="{opacity}"{dash} marker-end="url(#{marker})"><title>{}</title></path>"#,
        if red { "edge convergence" } else { "edge" },
        Esc(title)
    );
}

fn draw_asset_edges(
    s: &mut String,
    links: &[AssetLink],
    asset_rect: &HashMap<&AssetId, usize>,
    rects: &[Rect],
) {
    struct Agg {
        flows: u64,
        bytes: u64,
        protocols: BTreeSet<String>,
        why: Vec<String>,
    }
    let mut agg: BTreeMap<(usize, usize), Agg> = BTreeMap::new();
    for l in links {
        let (Some(&c), Some(&v)) = (asset_rect.get(&l.client), asset_rect.get(&l.server)) else {
            continue;
        };
        if c == v {
            continue;
        }
        let e = agg.entry((c, v)).or_insert(Agg {
            flows: 0,
            bytes: 0,
            protocols: BTreeSet::new(),
            why: Vec::new(),
        });
        e.flows += l.flows;
        e.bytes += l.bytes;
        e.protocols.extend(l.protocols.iter().cloned());
        if let Some(w) = &l.convergence {
            if !e.why.contains(w) {
                e.why.push(w.clone());
            }
        }
    }
    let max = agg.values().map(|e| e.bytes).max().unwrap_or(1);
    // Ordinary edges first so red ones are drawn on top.
    for red_pass in [false, true] {
        for ((c, v), e) in &agg {
            let red = !e.why.is_empty();
            if red != red_pass {
                continue;
            }
            let mut title = format!(
                "{} flow{}, {}: {}",
                e.flows,
                if e.flows == 1 { "" } else { "s" },
                crate::labels::human_bytes(e.bytes),
                e.protocols.iter().cloned().collect::<Vec<_>>().join(", ")
            );
            for w in &e.why {
                let _ = write!(title, "\nConvergence: {w}");
            }
            curve(
                s,
                rects[*c],
                rects[*v],
                edge_width(e.bytes, max),
                red,
                &title,
            );
        }
    }
}

fn draw_zone_edges(s: &mut String, inv: &Inventory, zones: &[ZoneDraw]) {
    let rect_of: HashMap<&str, Rect> = {
        let mut m = HashMap::new();
        for z in zones {
            m.entry(z.name.as_str()).or_insert(Rect {
                x: z.x,
                y: z.y,
                w: z.w,
                h: z.h,
            });
        }
        m
    };
    let zone_of: HashMap<&AssetId, &str> = inv
        .assets
        .iter()
        .map(|a| (&a.id, a.zone.as_deref().unwrap_or("unzoned")))
        .collect();
    // The convergence points (first four, in order) whose assets sit in
    // both zones of a pair, worked out once for every pair.
    let mut points: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
    for (i, p) in inv.convergence.iter().enumerate() {
        let zs: BTreeSet<&str> = p
            .assets
            .iter()
            .filter_map(|x| zone_of.get(x).copied())
            .collect();
        for a in &zs {
            for b in &zs {
                let v = points.entry((*a, *b)).or_default();
                if v.len() < 4 {
                    v.push(i);
                }
            }
        }
    }
    let max = inv
        .conduits
        .conduits
        .iter()
        .map(|c| c.bytes)
        .max()
        .unwrap_or(1);
    let edges: Vec<(&Conduit, Rect, Rect, Vec<String>)> = inv
        .conduits
        .conduits
        .iter()
        .filter(|c| c.from_zone != c.to_zone)
        .filter_map(|c| {
            let a = rect_of.get(c.from_zone.as_str())?;
            let b = rect_of.get(c.to_zone.as_str())?;
            let mut why: Vec<String> = points
                .get(&(c.from_zone.as_str(), c.to_zone.as_str()))
                .into_iter()
                .flatten()
                .map(|i| &inv.convergence[*i])
                .map(|p| format!("{}: {}", convergence_kind_words(p.kind), p.summary))
                .collect();
            if why.is_empty() && is_convergent(c.from_domain, c.to_domain) {
                why.push(format!(
                    "{} → {} without a DMZ in between",
                    domain_label(c.from_domain),
                    domain_label(c.to_domain)
                ));
            }
            Some((c, *a, *b, why))
        })
        .collect();
    for red_pass in [false, true] {
        for (c, a, b, why) in &edges {
            let red = !why.is_empty();
            if red != red_pass {
                continue;
            }
            let protos: BTreeSet<&str> = c.services.iter().map(|x| x.protocol.as_str()).collect();
            let mut title = format!(
                "{} → {}: {} flow{}, {}, {} client{} → {} server{}\n{}",
                c.from_zone,
                c.to_zone,
                c.flows,
                if c.flows == 1 { "" } else { "s" },
                crate::labels::human_bytes(c.bytes),
                c.clients.len(),
                if c.clients.len() == 1 { "" } else { "s" },
                c.servers.len(),
                if c.servers.len() == 1 { "" } else { "s" },
                protos.into_iter().collect::<Vec<_>>().join(", ")
            );
            for w in why {
                let _ = write!(title, "\nConvergence: {w}");
            }
            curve(s, *a, *b, edge_width(c.bytes, max), red, &title);
        }
    }
}

fn legend_per_row(width: f64) -> usize {
    (((width - 2.0 * MARGIN) / 240.0).floor() as usize).max(1)
}

fn legend_height(width: f64) -> f64 {
    24.0 + ICON_LEGEND.len().div_ceil(legend_per_row(width)) as f64 * 24.0
        + 4.0
        + 30.0
        + 22.0
        + 24.0
}

fn draw_legend(s: &mut String, y: f64, width: f64, asset_mode: bool) {
    let _ = write!(
        s,
        r#"<g class="legend"><text class="bl" x="{MARGIN}" y="{:.1}">Legend</text>"#,
        y + 12.0
    );
    let per_row = legend_per_row(width);
    let mut row_y = y + 24.0;
    for (i, (icon, words)) in ICON_LEGEND.iter().enumerate() {
        let x = MARGIN + (i % per_row) as f64 * 240.0;
        let yy = row_y + (i / per_row) as f64 * 24.0;
        let _ = write!(
            s,
            r##"<use href="#{icon}" x="{x:.1}" y="{yy:.1}" width="18" height="18" color="#334155"/><text class="lg" x="{:.1}" y="{:.1}">{words}</text>"##,
            x + 24.0,
            yy + 13.0
        );
    }
    row_y += (ICON_LEGEND.len().div_ceil(per_row)) as f64 * 24.0 + 4.0;
    let mut x = MARGIN;
    for d in [
        Domain::It,
        Domain::Dmz,
        Domain::Ot,
        Domain::External,
        Domain::Unknown,
    ] {
        let (fill, stroke) = domain_colours(d);
        let _ = write!(
            s,
            r#"<rect x="{x:.1}" y="{row_y:.1}" width="18" height="14" rx="3" fill="{fill}" stroke="{stroke}"/><text class="lg" x="{:.1}" y="{:.1}">{} zone</text>"#,
            x + 24.0,
            row_y + 11.5,
            domain_label(d)
        );
        x += 170.0;
    }
    let edge_words = if asset_mode {
        "traffic between assets (arrow: client → server; thicker: more bytes)"
    } else {
        "traffic between zones (arrow: client → server; thicker: more bytes)"
    };
    let ey = row_y + 30.0;
    let _ = write!(
        s,
        r##"<path d="M{MARGIN} {ey:.1}h40" stroke="#64748b" stroke-width="3" stroke-opacity="0.6" marker-end="url(#arrow)"/><text class="lg" x="{:.1}" y="{:.1}">{edge_words}</text>"##,
        MARGIN + 50.0,
        ey + 4.0
    );
    let rx = MARGIN;
    let ey = ey + 22.0;
    let _ = write!(
        s,
        r##"<path d="M{rx:.1} {ey:.1}h40" stroke="{RED}" stroke-width="3" stroke-dasharray="7 4" marker-end="url(#arrow-red)"/><text class="lg" x="{:.1}" y="{:.1}">convergence: IT↔OT without DMZ, outside↔OT (red border: asset involved)</text></g>"##,
        rx + 50.0,
        ey + 4.0
    );
}
