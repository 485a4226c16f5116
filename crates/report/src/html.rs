// SPDX-License-Identifier: Apache-2.0
//! The self-contained HTML report: one file with inline CSS, the map as
//! inline SVG, and a little plain JavaScript (table sort and filter). No
//! external URL, so it opens on a laptop without network and prints to PDF.
//!
//! Order follows what a plant manager needs first: what needs attention
//! (worst first), key figures, the map, convergence points with evidence,
//! hardening facts, then the full inventory and conduit tables.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::net::IpAddr;

use plantguard_analysis::conduits::{ConvergenceKind, ConvergencePoint};
use plantguard_analysis::inventory::{Asset, AssetId, Domain, Inventory};
use plantguard_analysis::{ClientScope, CredentialKind, Hardening, LegacyOsFinding, SupportStatus};
use plantguard_engine::Assessment;
use plantguard_model::Evidence;

use crate::escape::{truncate, Esc};
use crate::labels::{
    domain_label, human_bytes, is_state_changing, level_label, operation_count, operation_label,
    role_label,
};
use crate::map::{asset_links, convergence_words, render_map_inline, short_time, MapOptions};

/// Everything the report is drawn from.
#[derive(Clone, Debug)]
pub struct ReportInput<'a> {
    /// The engine's result (capture span, totals, protocols, operations, flows).
    pub assessment: &'a Assessment,
    /// The asset inventory with zones, conduits and convergence points.
    pub inventory: &'a Inventory,
    /// Hardening facts (legacy OS, credentials, remote access).
    pub hardening: &'a Hardening,
    /// Capture names the assessment was run on, as the user gave them.
    pub generated_from: Vec<String>,
    /// Print secrets whole. Off by default: secrets are masked (`adm***`)
    /// even when `hardening` still holds them whole.
    pub show_secrets: bool,
    /// Options of the embedded map. When its `links` are empty they are
    /// computed from the assessment's flows.
    pub map: MapOptions,
    /// The producer, printed in the footer (`PlantGuard 0.1.0`).
    pub generator: String,
}

impl<'a> ReportInput<'a> {
    /// A report input with default options.
    pub fn new(
        assessment: &'a Assessment,
        inventory: &'a Inventory,
        hardening: &'a Hardening,
        generated_from: Vec<String>,
    ) -> ReportInput<'a> {
        ReportInput {
            assessment,
            inventory,
            hardening,
            generated_from,
            show_secrets: false,
            map: MapOptions::default(),
            generator: format!("PlantGuard {}", env!("CARGO_PKG_VERSION")),
        }
    }
}

/// How bad a finding is, worst first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Severity {
    Critical,
    High,
    Medium,
    Info,
}

impl Severity {
    fn word(self) -> &'static str {
        match self {
            Severity::Critical => "Critical",
            Severity::High => "High",
            Severity::Medium => "Medium",
            Severity::Info => "Note",
        }
    }
    fn class(self) -> &'static str {
        match self {
            Severity::Critical => "sev crit",
            Severity::High => "sev high",
            Severity::Medium => "sev med",
            Severity::Info => "sev info",
        }
    }
}

fn convergence_severity(k: ConvergenceKind) -> Severity {
    match k {
        ConvergenceKind::RemoteAccessIntoOt => Severity::Critical,
        ConvergenceKind::OtToInternet
        | ConvergenceKind::ItOtSkipsDmz
        | ConvergenceKind::DualHomed
        | ConvergenceKind::RoutesBetweenItAndOt
        | ConvergenceKind::FlatNetwork => Severity::High,
        ConvergenceKind::OtResolvesInternetName => Severity::Medium,
    }
}

fn badge(s: &mut String, sev: Severity) {
    let _ = write!(s, r#"<span class="{}">{}</span>"#, sev.class(), sev.word());
}

fn evidence(s: &mut String, e: &Evidence) {
    if e.pcap_filename.is_empty() && e.pcap_cnt == 0 {
        s.push('–');
        return;
    }
    let _ = write!(
        s,
        r#"<code class="ev" title="Open {f} in Wireshark and go to frame {n} (Ctrl+G), or filter: frame.number == {n}">{f} #{n}</code>"#,
        f = Esc(&e.pcap_filename),
        n = e.pcap_cnt
    );
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn duration_words(s: f64) -> String {
    let t = s.round() as u64;
    match t {
        0 => format!("{s:.1} s"),
        1..=59 => format!("{t} s"),
        60..=3599 => format!("{} min {} s", t / 60, t % 60),
        3600..=86_399 => format!("{} h {} min", t / 3600, (t % 3600) / 60),
        _ => format!("{} days {} h", t / 86_400, (t % 86_400) / 3600),
    }
}

/// The inventory's assets by id and by address, looked up once: the
/// report names assets per convergence point and per hardening finding.
struct Ctx<'a> {
    /// The first asset with each id ([`Inventory::asset`]).
    by_id: HashMap<&'a AssetId, &'a Asset>,
    /// The first asset holding each address ([`Inventory::asset_by_ip`]).
    by_ip: HashMap<IpAddr, &'a Asset>,
}

impl<'a> Ctx<'a> {
    fn new(inv: &'a Inventory) -> Ctx<'a> {
        let mut by_id = HashMap::new();
        let mut by_ip = HashMap::new();
        for a in &inv.assets {
            by_id.entry(&a.id).or_insert(a);
            for u in &a.addresses {
                by_ip.entry(u.ip).or_insert(a);
            }
        }
        Ctx { by_id, by_ip }
    }
    fn asset(&self, id: &AssetId) -> Option<&'a Asset> {
        self.by_id.get(id).copied()
    }
    fn asset_by_ip(&self, ip: IpAddr) -> Option<&'a Asset> {
        self.by_ip.get(&ip).copied()
    }
    /// `plc-m340 (10.30.0.10)`, or the address alone.
    fn asset_words(&self, id: &AssetId) -> String {
        match self.asset(id) {
            Some(a) => match (&a.name, a.ip()) {
                (Some(n), Some(ip)) => format!("{n} ({ip})"),
                (Some(n), None) => n.clone(),
                (None, Some(ip)) => format!("{ip} ({})", role_label(a.role)),
                (None, None) => id.to_string(),
            },
            None => id.to_string(),
        }
    }
    fn host_words(&self, ip: IpAddr) -> String {
        match self.asset_by_ip(ip) {
            Some(a) => match &a.name {
                Some(n) => format!("{n} ({ip})"),
                None => format!("{ip} ({})", role_label(a.role)),
            },
            None => ip.to_string(),
        }
    }
    fn domain_of(&self, ip: IpAddr) -> Option<Domain> {
        self.asset_by_ip(ip).map(|a| a.domain)
    }
}

const CSS: &str = r#"
:root{--ink:#0f172a;--muted:#475569;--line:#e2e8f0;--bg:#f8fafc;--crit:#b91c1c;--high:#c2410c;--med:#a16207;--info:#334155;--accent:#0f766e}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--ink);background:#fff}
header.top{background:#0f172a;color:#fff;padding:22px 32px 18px}
header.top h1{margin:0 0 4px;font-size:26px;letter-spacing:.2px}
header.top .sub{color:#cbd5e1;font-size:14px}
nav.toc{position:sticky;top:0;z-index:5;background:#fff;border-bottom:1px solid var(--line);padding:8px 32px;font-size:14px}
nav.toc a{color:var(--accent);text-decoration:none;margin-right:16px;white-space:nowrap}
main{padding:8px 32px 40px;max-width:1500px}
section{margin-top:28px}
h2{font-size:21px;margin:0 0 6px;border-bottom:2px solid var(--ink);padding-bottom:4px}
h3{font-size:16px;margin:18px 0 6px}
p.lead{margin:4px 0 12px;color:var(--muted)}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:12px;margin:10px 0 6px}
.card{border:1px solid var(--line);border-radius:10px;padding:10px 14px;background:var(--bg);break-inside:avoid}
.card .v{font-size:30px;font-weight:700;line-height:1.15}
.card .l{font-size:13px;color:var(--muted)}
.card.bad{border-color:#fca5a5;background:#fef2f2}.card.bad .v{color:var(--crit)}
.card.warn{border-color:#fdba74;background:#fff7ed}.card.warn .v{color:var(--high)}
.card.ok .v{color:#15803d}
ol.attention{list-style:none;padding:0;margin:8px 0}
ol.attention li{display:flex;gap:12px;align-items:baseline;padding:8px 10px;border-bottom:1px solid var(--line);break-inside:avoid}
ol.attention li .what{flex:1}
ol.attention li .what small{display:block;color:var(--muted)}
.sev{display:inline-block;min-width:68px;text-align:center;font-size:12px;font-weight:700;border-radius:4px;padding:1px 6px;color:#fff;text-transform:uppercase;letter-spacing:.4px}
.sev.crit{background:var(--crit)}.sev.high{background:var(--high)}.sev.med{background:var(--med)}.sev.info{background:var(--info)}
.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:18px}
table{border-collapse:collapse;width:100%;font-size:13.5px;margin:6px 0 10px}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{background:#f1f5f9;font-weight:600;white-space:nowrap}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
tr{break-inside:avoid}
table.sortable th{cursor:pointer;user-select:none;position:sticky;top:37px;z-index:2}
table.sortable th::after{content:" ↕";color:#94a3b8;font-size:11px}
table.sortable th[aria-sort=ascending]::after{content:" ▲";color:var(--ink)}
table.sortable th[aria-sort=descending]::after{content:" ▼";color:var(--ink)}
.tablewrap{overflow-x:auto}
code,.ev{font:12.5px/1.3 ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;background:#f1f5f9;padding:1px 4px;border-radius:3px;white-space:nowrap}
.muted{color:var(--muted)}
.pill{display:inline-block;font-size:12px;padding:0 6px;border-radius:9px;border:1px solid var(--line);background:#fff;white-space:nowrap}
.d-it{border-color:#0072b2;color:#075985}.d-ot{border-color:#009e73;color:#065f46}.d-dmz{border-color:#cc79a7;color:#86198f}.d-external{border-color:#475569;color:#334155}.d-unknown{border-color:#a16207;color:#854d0e}
.filter{display:flex;gap:12px;align-items:center;margin:6px 0}
.filter input{font:inherit;padding:6px 10px;border:1px solid #cbd5e1;border-radius:6px;width:min(420px,100%)}
.map{border:1px solid var(--line);border-radius:10px;overflow:auto;background:#fff}
.map svg{display:block;max-width:none;height:auto}
.legend-inline{display:flex;flex-wrap:wrap;gap:6px 18px;font-size:13px;color:var(--muted);margin:6px 0}
.legend-inline svg{vertical-align:middle}
.none{color:#15803d}
footer{margin-top:40px;padding-top:10px;border-top:1px solid var(--line);font-size:12.5px;color:var(--muted)}
@media print{
  @page{size:A4 landscape;margin:12mm}
  body{font-size:11.5px}
  header.top{background:#fff;color:var(--ink);padding:0 0 8px;border-bottom:2px solid var(--ink)}
  header.top .sub{color:var(--muted)}
  nav.toc,.filter,.noprint{display:none}
  main{padding:0;max-width:none}
  section{break-before:page;margin-top:0}
  section.first{break-before:auto}
  table.sortable th{position:static;cursor:auto}
  table.sortable th::after{content:""}
  thead{display:table-header-group}
  tr,.card,li{break-inside:avoid}
  .map{border:none;overflow:visible}
  .map svg{width:100%;height:auto;max-height:125mm}
  section#figures{break-before:auto;margin-top:8mm}
  table{font-size:10.5px}
  *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
"#;

const JS_ERRORS: &str = r"window.onerror=function(m,src,line){var b=document.body||document.documentElement;var p=b.getAttribute('data-errors');b.setAttribute('data-errors',(p?p+' | ':'')+m+' (line '+line+')');};";

const JS_MAIN: &str = r"(function(){
function key(td){if(!td)return '';var v=td.getAttribute('data-sort');return v!==null?v:td.textContent.trim();}
function sortBy(table,idx,th){
  var dir=th.getAttribute('aria-sort')==='ascending'?'descending':'ascending';
  var ths=table.tHead.rows[0].cells;for(var i=0;i<ths.length;i++){ths[i].removeAttribute('aria-sort');}
  th.setAttribute('aria-sort',dir);
  var body=table.tBodies[0];var rows=Array.prototype.slice.call(body.rows);
  rows.sort(function(a,b){var x=key(a.cells[idx]),y=key(b.cells[idx]);
    var nx=parseFloat(x),ny=parseFloat(y);var c;
    if(x!==''&&y!==''&&!isNaN(nx)&&!isNaN(ny)&&isFinite(x)&&isFinite(y)){c=nx-ny;}else{c=x.localeCompare(y,undefined,{numeric:true,sensitivity:'base'});}
    return dir==='ascending'?c:-c;});
  for(var r=0;r<rows.length;r++){body.appendChild(rows[r]);}
}
var tables=document.querySelectorAll('table.sortable');
for(var t=0;t<tables.length;t++){(function(table){
  var ths=table.tHead.rows[0].cells;
  for(var i=0;i<ths.length;i++){(function(idx,th){th.setAttribute('tabindex','0');th.title='Sort by this column';
    th.addEventListener('click',function(){sortBy(table,idx,th);});
    th.addEventListener('keydown',function(e){if(e.key==='Enter'||e.key===' '){e.preventDefault();sortBy(table,idx,th);}});
  })(i,ths[i]);}
})(tables[t]);}
var inputs=document.querySelectorAll('input[data-filter]');
for(var f=0;f<inputs.length;f++){(function(input){
  var table=document.getElementById(input.getAttribute('data-filter'));
  var out=document.getElementById(input.getAttribute('data-filter')+'-shown');
  input.addEventListener('input',function(){
    var q=input.value.toLowerCase().trim().split(/\s+/).filter(Boolean);var rows=table.tBodies[0].rows;var shown=0;
    for(var r=0;r<rows.length;r++){var txt=rows[r].textContent.toLowerCase();var ok=q.every(function(w){return txt.indexOf(w)>=0;});
      rows[r].hidden=!ok;if(ok)shown++;}
    if(out)out.textContent=shown+' of '+rows.length;
  });
})(inputs[f]);}
document.body.setAttribute('data-ready','1');
})();";

/// Renders the report as one self-contained HTML document.
pub fn render_report_html(input: &ReportInput<'_>) -> String {
    let inv = input.inventory;
    let a = input.assessment;
    let mut hardening = input.hardening.clone();
    if !input.show_secrets && !hardening.secrets_masked {
        hardening.mask_secrets();
    }
    let h = &hardening;
    let cx = Ctx::new(inv);
    let plant = inv
        .site_name
        .clone()
        .unwrap_or_else(|| "Unnamed plant".into());

    let mut s = String::with_capacity(256 * 1024);
    s.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    s.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
    // No network: a report opened from a USB stick must not call home.
    s.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">");
    let _ = write!(s, "<title>{} – network assessment</title>", Esc(&plant));
    let _ = write!(
        s,
        "<style>{CSS}</style><script>{JS_ERRORS}</script></head><body>"
    );

    // Header.
    let span = match (&a.capture.first, &a.capture.last) {
        (Some(f), Some(l)) => format!(
            "Traffic from {} to {} ({})",
            short_time(f),
            short_time(l),
            duration_words(a.capture.duration_s)
        ),
        _ => "No packet timestamps".to_string(),
    };
    let files = if input.generated_from.is_empty() {
        a.files.iter().map(|f| f.path.clone()).collect::<Vec<_>>()
    } else {
        input.generated_from.clone()
    };
    let _ = write!(
        s,
        r#"<header class="top"><h1>{}: network assessment</h1><div class="sub">{} · {} packets, {} · from {} · passive: nothing was sent to the plant's devices</div></header>"#,
        Esc(&plant),
        Esc(&span),
        a.totals.packets,
        human_bytes(a.totals.bytes),
        Esc(&files.join(", "))
    );
    s.push_str(r##"<nav class="toc"><a href="#attention">Needs attention</a><a href="#figures">Key figures</a><a href="#map">Plant map</a><a href="#convergence">IT/OT convergence</a><a href="#hardening">Weak spots</a><a href="#inventory">Inventory</a><a href="#conduits">Conduits</a><a href="#notes">Notes</a></nav><main>"##);

    let findings = attention(&cx, inv, h);
    section_attention(&mut s, &findings);
    section_figures(&mut s, a, inv, h);
    section_map(&mut s, input);
    section_convergence(&mut s, &cx, &inv.convergence);
    section_hardening(&mut s, &cx, h);
    section_inventory(&mut s, inv);
    section_conduits(&mut s, inv);
    section_notes(&mut s, a, inv, h);
    let _ = write!(
        s,
        "<footer>Generated by {} from {}. Every fact cites its capture file and frame number (<code>file #frame</code>): open the file in Wireshark and go to that frame to see the evidence.</footer>",
        Esc(&input.generator),
        Esc(&files.join(", "))
    );
    let _ = writeln!(s, "</main><script>{JS_MAIN}</script></body></html>");
    s
}

struct Finding {
    sev: Severity,
    text: String,
    detail: String,
    link: &'static str,
}

#[allow(clippy::too_many_lines)]
fn attention(cx: &Ctx, inv: &Inventory, h: &Hardening) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut by_kind: BTreeMap<ConvergenceKind, Vec<&ConvergencePoint>> = BTreeMap::new();
    for p in &inv.convergence {
        by_kind.entry(p.kind).or_default().push(p);
    }
    let names = |ps: &[&ConvergencePoint], pick: &dyn Fn(&ConvergencePoint) -> Vec<AssetId>| {
        let mut v: BTreeSet<String> = BTreeSet::new();
        for p in ps {
            for id in pick(p) {
                v.insert(cx.asset_words(&id));
            }
        }
        truncate(&v.into_iter().collect::<Vec<_>>().join(", "), 220)
    };
    let ot_assets = |p: &ConvergencePoint| {
        p.assets
            .iter()
            .filter(|id| cx.asset(id).is_some_and(|a| a.domain == Domain::Ot))
            .cloned()
            .collect::<Vec<_>>()
    };
    if let Some(ps) = by_kind.get(&ConvergenceKind::RemoteAccessIntoOt) {
        out.push(Finding {
            sev: Severity::Critical,
            text: format!(
                "Remote access from outside reaches the plant floor: {}.",
                plural(ps.len(), "session lands", "sessions land")
            ),
            detail: format!("On {}. Check that each session was approved, and route vendor access through a managed jump host in the DMZ.", names(ps, &ot_assets)),
            link: "#convergence",
        });
    }
    let defaults: Vec<_> = h
        .credentials
        .iter()
        .filter(|c| c.kind == CredentialKind::DefaultCredential)
        .collect();
    if !defaults.is_empty() {
        let accepted = defaults.iter().filter(|c| c.accepted == Some(true)).count();
        let hosts: BTreeSet<String> = defaults
            .iter()
            .filter_map(|c| c.server_ip)
            .map(|ip| cx.host_words(ip))
            .collect();
        out.push(Finding {
            sev: Severity::Critical,
            text: format!(
                "Factory-default passwords are in use: {} ({} accepted by the device).",
                plural(defaults.len(), "login", "logins"),
                accepted
            ),
            detail: format!(
                "On {}. These passwords are published on the internet: change them.",
                hosts.into_iter().collect::<Vec<_>>().join(", ")
            ),
            link: "#credentials",
        });
    }
    if let Some(ps) = by_kind.get(&ConvergenceKind::OtToInternet) {
        out.push(Finding {
            sev: Severity::High,
            text: format!(
                "{} on the plant network talk to the internet directly.",
                plural(
                    ps.iter()
                        .flat_map(|p| ot_assets(p))
                        .collect::<BTreeSet<_>>()
                        .len(),
                    "device",
                    "devices"
                )
            ),
            detail: format!(
                "{}. OT devices should reach the internet only through the DMZ, if at all.",
                names(ps, &ot_assets)
            ),
            link: "#convergence",
        });
    }
    if let Some(ps) = by_kind.get(&ConvergenceKind::ItOtSkipsDmz) {
        out.push(Finding {
            sev: Severity::High,
            text: format!(
                "Office (IT) and plant (OT) devices talk directly, without the DMZ: {}.",
                plural(ps.len(), "connection pair", "connection pairs")
            ),
            detail: format!(
                "Involving {}. A phishing email in the office could reach these plant devices.",
                names(ps, &|p| p.assets.clone())
            ),
            link: "#convergence",
        });
    }
    for kind in [
        ConvergenceKind::RoutesBetweenItAndOt,
        ConvergenceKind::DualHomed,
        ConvergenceKind::FlatNetwork,
    ] {
        if let Some(ps) = by_kind.get(&kind) {
            let what = match kind {
                ConvergenceKind::RoutesBetweenItAndOt => {
                    "A router or firewall joins the office and plant networks"
                }
                ConvergenceKind::DualHomed => {
                    "Devices sit on both the office and the plant network"
                }
                _ => "Office and plant devices share one network segment",
            };
            out.push(Finding {
                sev: Severity::High,
                text: format!("{what} ({}).", plural(ps.len(), "place", "places")),
                detail: format!(
                    "{}. Check its rules: only the conduits the plant needs should pass.",
                    names(ps, &|p| p.assets.clone())
                ),
                link: "#convergence",
            });
        }
    }
    if !h.legacy_os.is_empty() {
        let ot: Vec<&LegacyOsFinding> = h
            .legacy_os
            .iter()
            .filter(|l| cx.domain_of(l.ip) == Some(Domain::Ot))
            .collect();
        let list: Vec<String> = h
            .legacy_os
            .iter()
            .map(|l| format!("{} – {}", cx.host_words(l.ip), l.os))
            .collect();
        out.push(Finding {
            sev: if ot.is_empty() {
                Severity::Medium
            } else {
                Severity::High
            },
            text: format!(
                "{} run an operating system without security updates ({} on the plant network).",
                plural(h.legacy_os.len(), "computer", "computers"),
                ot.len()
            ),
            detail: format!(
                "{}. Isolate them and allow only the connections they need.",
                truncate(&list.join("; "), 260)
            ),
            link: "#legacy",
        });
    }
    let mut disruptive: BTreeMap<usize, (String, u64)> = BTreeMap::new();
    let mut by_zones: BTreeSet<String> = BTreeSet::new();
    for c in &inv.conduits.conduits {
        for sv in &c.services {
            for (op, n) in &sv.operations {
                if op_rank(op) <= 3 {
                    let e = disruptive
                        .entry(op_rank(op))
                        .or_insert_with(|| (op.clone(), 0));
                    e.1 += n;
                    by_zones.insert(format!("{} → {}", c.from_zone, c.to_zone));
                }
            }
        }
    }
    if !disruptive.is_empty() {
        let what: Vec<String> = disruptive
            .values()
            .map(|(op, n)| operation_count(op, *n))
            .collect();
        out.push(Finding {
            sev: Severity::Medium,
            text: format!(
                "Controllers were reprogrammed or stopped during the capture: {}.",
                what.join(", ")
            ),
            detail: format!(
                "Zones {}. Confirm each was planned maintenance by an authorised engineer.",
                by_zones.into_iter().collect::<Vec<_>>().join(", ")
            ),
            link: "#figures",
        });
    }
    let cleartext = h
        .credentials
        .iter()
        .filter(|c| c.kind == CredentialKind::CleartextCredential)
        .count();
    if cleartext > 0 {
        out.push(Finding {
            sev: Severity::Medium,
            text: format!(
                "Passwords cross the network unencrypted: {}.",
                plural(cleartext, "login", "logins")
            ),
            detail: "Anyone on the network can read them (Telnet, FTP, HTTP, SNMP). Prefer encrypted protocols.".into(),
            link: "#credentials",
        });
    }
    if let Some(ps) = by_kind.get(&ConvergenceKind::OtResolvesInternetName) {
        out.push(Finding {
            sev: Severity::Medium,
            text: format!(
                "{} on the plant network look up internet names.",
                plural(
                    ps.iter()
                        .flat_map(|p| ot_assets(p))
                        .collect::<BTreeSet<_>>()
                        .len(),
                    "device",
                    "devices"
                )
            ),
            detail: format!(
                "{}. A sign of software that wants to reach the internet.",
                names(ps, &ot_assets)
            ),
            link: "#convergence",
        });
    }
    let remote_internal = h
        .remote_access
        .iter()
        .filter(|r| r.client_scope != ClientScope::External)
        .count();
    if remote_internal > 0 {
        out.push(Finding {
            sev: Severity::Info,
            text: format!(
                "{} inside the site.",
                plural(remote_internal, "remote-access session", "remote-access sessions")
            ),
            detail: "Remote desktop, VNC, SSH or Telnet between the site's own computers: review who may do this.".into(),
            link: "#remote",
        });
    }
    if inv.zones_proposed {
        out.push(Finding {
            sev: Severity::Info,
            text: "There is no site file: the zones on the map are PlantGuard's proposal.".into(),
            detail: "Write a site.toml with the plant's zones, allowed conduits and known assets to check the network against the plan.".into(),
            link: "#notes",
        });
    }
    out.sort_by_key(|f| f.sev);
    out
}

fn section_attention(s: &mut String, findings: &[Finding]) {
    s.push_str(r#"<section id="attention" class="first"><h2>What needs attention</h2><p class="lead">Worst first. Each line links to the details and the evidence.</p>"#);
    if findings.iter().all(|f| f.sev == Severity::Info) {
        s.push_str(r#"<p class="none">No convergence point, default password or unsupported system was found in this capture.</p>"#);
    }
    s.push_str(r#"<ol class="attention">"#);
    for f in findings {
        s.push_str("<li>");
        badge(s, f.sev);
        let _ = write!(
            s,
            r#"<div class="what"><a href="{}">{}</a><small>{}</small></div></li>"#,
            f.link,
            Esc(&f.text),
            Esc(&f.detail)
        );
    }
    s.push_str("</ol></section>");
}

fn card(s: &mut String, value: impl std::fmt::Display, label: &str, class: &str, id: &str) {
    let id_attr = if id.is_empty() {
        String::new()
    } else {
        format!(r#" id="{id}""#)
    };
    let _ = write!(
        s,
        r#"<div class="card {class}"><div class="v"{id_attr}>{value}</div><div class="l">{}</div></div>"#,
        Esc(label)
    );
}

fn bad_if(n: usize, class: &'static str) -> &'static str {
    if n > 0 {
        class
    } else {
        "ok"
    }
}

#[allow(clippy::too_many_lines)]
fn section_figures(s: &mut String, a: &Assessment, inv: &Inventory, h: &Hardening) {
    s.push_str(r#"<section id="figures"><h2>Key figures</h2>"#);
    let n = inv.assets.len();
    let count = |d: Domain| inv.assets.iter().filter(|x| x.domain == d).count();
    let state_ops: u64 = a
        .operations
        .values()
        .flat_map(|m| m.iter())
        .filter(|(k, _)| is_state_changing(k))
        .map(|(_, v)| *v)
        .sum();
    let defaults = h
        .credentials
        .iter()
        .filter(|c| c.kind == CredentialKind::DefaultCredential)
        .count();
    s.push_str(r#"<div class="cards">"#);
    let _ = write!(
        s,
        r#"<div class="card"><div class="v"><span id="asset-count" data-count="{n}">{n}</span></div><div class="l">assets seen on the network</div></div>"#
    );
    card(s, count(Domain::Ot), "on the plant floor (OT)", "", "");
    card(s, count(Domain::It), "office (IT)", "", "");
    card(s, count(Domain::Dmz), "in the DMZ", "", "");
    card(s, count(Domain::External), "outside the plant", "", "");
    card(
        s,
        inv.convergence.len(),
        "IT/OT convergence points",
        bad_if(inv.convergence.len(), "bad"),
        "convergence-count",
    );
    card(
        s,
        h.legacy_os.len(),
        "computers without security updates",
        bad_if(h.legacy_os.len(), "warn"),
        "",
    );
    card(
        s,
        defaults,
        "factory-default passwords in use",
        bad_if(defaults, "bad"),
        "",
    );
    card(
        s,
        h.credentials.len() - defaults,
        "other passwords sent unencrypted",
        bad_if(h.credentials.len() - defaults, "warn"),
        "",
    );
    card(
        s,
        h.remote_access.len(),
        "remote-access sessions",
        bad_if(h.remote_access.len(), "warn"),
        "",
    );
    card(
        s,
        state_ops,
        "commands that change the process (writes, downloads, stops)",
        "",
        "",
    );
    s.push_str("</div>");

    s.push_str(r#"<div class="grid2">"#);
    // Assets by role.
    let mut roles: BTreeMap<&str, (usize, BTreeMap<Domain, usize>)> = BTreeMap::new();
    for x in &inv.assets {
        let e = roles.entry(role_label(x.role)).or_default();
        e.0 += 1;
        *e.1.entry(x.domain).or_default() += 1;
    }
    let mut roles: Vec<_> = roles.into_iter().collect();
    roles.sort_by(|x, y| y.1 .0.cmp(&x.1 .0).then(x.0.cmp(y.0)));
    s.push_str(r#"<div><h3>Assets by role</h3><table><thead><tr><th>Role</th><th class="num">Assets</th><th>Where</th></tr></thead><tbody>"#);
    for (r, (c, doms)) in &roles {
        let where_: Vec<String> = doms
            .iter()
            .map(|(d, n)| format!("{} {n}", domain_label(*d)))
            .collect();
        let _ = write!(
            s,
            r#"<tr><td>{}</td><td class="num">{c}</td><td class="muted">{}</td></tr>"#,
            Esc(r),
            Esc(&where_.join(", "))
        );
    }
    s.push_str("</tbody></table></div>");
    // Assets by level.
    let mut levels: BTreeMap<usize, usize> = BTreeMap::new();
    for x in &inv.assets {
        *levels
            .entry(crate::labels::band_index(x.purdue_level))
            .or_default() += 1;
    }
    s.push_str(r#"<div><h3>Assets by Purdue level</h3><table><thead><tr><th>Level</th><th>What lives there</th><th class="num">Assets</th></tr></thead><tbody>"#);
    for (i, l) in crate::labels::BANDS.iter().enumerate() {
        let c = levels.get(&i).copied().unwrap_or(0);
        if l.is_none() && c == 0 {
            continue;
        }
        let (t, w) = level_label(*l);
        let _ = write!(
            s,
            r#"<tr><td>{t}</td><td class="muted">{w}</td><td class="num">{c}</td></tr>"#
        );
    }
    s.push_str("</tbody></table></div>");
    // Protocols.
    let mut protos = a.protocols.clone();
    protos.sort_by(|x, y| y.bytes.cmp(&x.bytes).then(x.name.cmp(&y.name)));
    s.push_str(r#"<div><h3>Protocols by traffic</h3>"#);
    if protos.is_empty() {
        s.push_str(r#"<p class="muted">No traffic was counted.</p>"#);
    }
    s.push_str(r#"<table><thead><tr><th>Protocol</th><th class="num">Flows</th><th class="num">Packets</th><th class="num">Bytes</th></tr></thead><tbody>"#);
    for p in protos.iter().take(15) {
        let _ = write!(
            s,
            r#"<tr><td>{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td></tr>"#,
            Esc(&p.name),
            p.flows,
            p.packets,
            human_bytes(p.bytes)
        );
    }
    if protos.len() > 15 {
        let _ = write!(
            s,
            r#"<tr><td colspan="4" class="muted">and {} more</td></tr>"#,
            protos.len() - 15
        );
    }
    s.push_str("</tbody></table></div>");
    // State-changing operations, by zones.
    // Full width: the table has five columns and evidence that must not wrap.
    s.push_str(r#"</div><div><h3>Commands that change the process</h3>"#);
    let mut rows = Vec::new();
    for c in &inv.conduits.conduits {
        for sv in &c.services {
            for (op, n) in &sv.operations {
                if is_state_changing(op) {
                    rows.push((c, sv, op, *n));
                }
            }
        }
    }
    if rows.is_empty() {
        s.push_str(
            r#"<p class="muted">No writes, program downloads or mode changes were seen.</p>"#,
        );
    } else {
        s.push_str(r#"<table style="max-width:900px"><thead><tr><th>From zone → to zone</th><th>Protocol</th><th>Command</th><th class="num">Count</th><th>First seen</th></tr></thead><tbody>"#);
        rows.sort_by_key(|r| (op_rank(r.2), std::cmp::Reverse(r.3)));
        for (c, sv, op, n) in rows {
            let _ = write!(
                s,
                r#"<tr><td>{} → {}</td><td>{}</td><td>{}</td><td class="num">{n}</td><td>"#,
                Esc(&c.from_zone),
                Esc(&c.to_zone),
                Esc(&sv.protocol),
                Esc(&operation_label(op))
            );
            evidence(s, &sv.evidence);
            s.push_str("</td></tr>");
        }
        s.push_str("</tbody></table>");
    }
    s.push_str("</div></section>");
}

/// Commands by how much they can disturb production, worst first.
fn op_rank(op: &str) -> usize {
    match op {
        "mode_change_stop" => 0,
        "program_download" => 1,
        "firmware_transfer" => 2,
        o if o.starts_with("mode_change") => 3,
        "file_transfer" => 4,
        _ => 5,
    }
}

fn section_map(s: &mut String, input: &ReportInput<'_>) {
    let inv = input.inventory;
    let mut opts = input.map.clone();
    opts.standalone = false;
    // Links are drawn only for a small inventory (asset mode below).
    if opts.links.is_empty() && inv.assets.len() <= opts.asset_edges_max {
        opts.links = asset_links(input.assessment, inv);
    }
    let asset_mode = !opts.links.is_empty() && inv.assets.len() <= opts.asset_edges_max;
    s.push_str(r#"<section id="map"><h2>Plant map</h2><p class="lead">Purdue levels from top (enterprise and internet) to bottom (the physical process). Boxes are zones, cards are assets. "#);
    s.push_str(if asset_mode {
        "Lines show who talks to whom (arrow: from client to server; thicker: more traffic). "
    } else {
        "Lines show traffic between zones (arrow: from client to server; thicker: more traffic). "
    });
    s.push_str(r#"<b style="color:#d62828">Red dashed lines</b> and red borders mark IT/OT convergence. Hover over an asset for its details.</p>"#);
    s.push_str(r#"<div class="legend-inline">"#);
    for (icon, words) in crate::labels::ICON_LEGEND {
        let _ = write!(
            s,
            r##"<span><svg width="18" height="18" viewBox="0 0 24 24" aria-hidden="true"><use href="#{icon}" color="#334155"/></svg> {words}</span>"##
        );
    }
    for d in [Domain::It, Domain::Dmz, Domain::Ot, Domain::External] {
        let (fill, stroke) = crate::labels::domain_colours(d);
        let _ = write!(
            s,
            r#"<span><svg width="18" height="14" aria-hidden="true"><rect x="1" y="1" width="16" height="12" rx="3" fill="{fill}" stroke="{stroke}"/></svg> {} zone</span>"#,
            domain_label(d)
        );
    }
    s.push_str("</div>");
    s.push_str(r#"<div class="map">"#);
    s.push_str(&render_map_inline(inv, &opts));
    s.push_str("</div></section>");
}

fn section_convergence(s: &mut String, cx: &Ctx, points: &[ConvergencePoint]) {
    s.push_str(r#"<section id="convergence"><h2>Where IT and OT meet</h2><p class="lead">Places where the office network, the internet or remote users reach the plant floor without passing through the DMZ. Each has the frame that shows it.</p>"#);
    if points.is_empty() {
        s.push_str(r#"<p class="none">None found in this capture.</p></section>"#);
        return;
    }
    let mut ps: Vec<&ConvergencePoint> = points.iter().collect();
    ps.sort_by_key(|p| (convergence_severity(p.kind), p.kind));
    s.push_str(r#"<div class="tablewrap"><table><thead><tr><th>Severity</th><th>What</th><th>Details</th><th>Assets</th><th>Evidence</th></tr></thead><tbody>"#);
    for p in ps {
        s.push_str("<tr><td>");
        badge(s, convergence_severity(p.kind));
        let assets: Vec<String> = p.assets.iter().map(|id| cx.asset_words(id)).collect();
        let _ = write!(
            s,
            "</td><td>{}</td><td>{}</td><td>{}</td><td>",
            Esc(convergence_words(p.kind)),
            Esc(&p.summary),
            Esc(&assets.join(", "))
        );
        match &p.evidence {
            Some(e) => evidence(s, e),
            None => s.push_str(r#"<span class="muted">from addresses</span>"#),
        }
        if !p.flows.is_empty() {
            let _ = write!(
                s,
                r#"<br><span class="muted" title="Zeek-style flow uids, as in the logs">flows {}</span>"#,
                Esc(&truncate(&p.flows.join(" "), 60))
            );
        }
        s.push_str("</td></tr>");
    }
    s.push_str("</tbody></table></div></section>");
}

fn status_words(st: SupportStatus) -> (&'static str, Severity) {
    match st {
        SupportStatus::Unsupported => ("no security updates", Severity::High),
        SupportStatus::PaidSupportOnly => ("paid updates only", Severity::Medium),
        SupportStatus::EndingSoon => ("support ends within a year", Severity::Medium),
    }
}

#[allow(clippy::too_many_lines)]
fn section_hardening(s: &mut String, cx: &Ctx, h: &Hardening) {
    s.push_str(r#"<section id="hardening"><h2>Weak spots</h2><p class="lead">Systems that cannot be patched, passwords anyone on the network can read, and remote access.</p>"#);

    s.push_str(r#"<h3 id="credentials">Passwords seen on the network</h3>"#);
    if h.credentials.is_empty() {
        s.push_str(r#"<p class="none">No password crossed the network in clear text.</p>"#);
    } else {
        let _ = write!(
            s,
            r#"<p class="muted">{}</p>"#,
            if h.secrets_masked {
                "Secrets are masked in this report."
            } else {
                "Secrets are shown whole (the report was asked to show them): handle this file as confidential."
            }
        );
        s.push_str(r#"<div class="tablewrap"><table><thead><tr><th>Severity</th><th>Device</th><th>Service</th><th>From</th><th>User</th><th>Secret</th><th>Accepted</th><th>Why it matters</th><th>Evidence</th></tr></thead><tbody>"#);
        let mut creds: Vec<_> = h.credentials.iter().collect();
        creds.sort_by_key(|c| {
            (
                c.kind != CredentialKind::DefaultCredential,
                c.accepted != Some(true),
            )
        });
        for c in creds {
            let sev = if c.kind == CredentialKind::DefaultCredential {
                Severity::Critical
            } else {
                Severity::Medium
            };
            s.push_str("<tr><td>");
            badge(s, sev);
            let why = match (&c.kind, &c.default_match) {
                (CredentialKind::DefaultCredential, Some(m)) => format!(
                    "factory default of {}{}",
                    m.vendor,
                    if m.product.is_empty() {
                        String::new()
                    } else {
                        format!(" {}", m.product)
                    }
                ),
                (CredentialKind::DefaultCredential, None) => "factory default".into(),
                _ => "sent unencrypted".into(),
            };
            let _ = write!(
                s,
                "</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>",
                Esc(&c.server_ip.map_or_else(|| "–".into(), |ip| cx.host_words(ip))),
                Esc(&c.service),
                Esc(&c.client_ip.map_or_else(|| "–".into(), |ip| cx.host_words(ip))),
                Esc(if c.username.is_empty() { "–" } else { &c.username }),
                Esc(&c.secret),
                match c.accepted {
                    Some(true) => "yes",
                    Some(false) => "no",
                    None => "not seen",
                },
                Esc(&why)
            );
            evidence(s, &c.evidence);
            s.push_str("</td></tr>");
        }
        s.push_str("</tbody></table></div>");
    }

    s.push_str(r#"<h3 id="legacy">Computers without security updates</h3>"#);
    if h.legacy_os.is_empty() {
        s.push_str(
            r#"<p class="none">No host was found running an operating system out of support.</p>"#,
        );
    } else {
        s.push_str(r#"<div class="tablewrap"><table><thead><tr><th>Severity</th><th>Computer</th><th>Operating system</th><th>Status</th><th>Last security update</th><th>How sure</th><th>What it means</th><th>Evidence</th></tr></thead><tbody>"#);
        let mut legacy: Vec<&LegacyOsFinding> = h.legacy_os.iter().collect();
        legacy.sort_by_key(|l| {
            (
                cx.domain_of(l.ip) != Some(Domain::Ot),
                l.status,
                l.end_of_support,
            )
        });
        for l in legacy {
            let (words, sev) = status_words(l.status);
            s.push_str("<tr><td>");
            badge(s, sev);
            let _ = write!(
                s,
                r#"</td><td>{}</td><td>{}{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>"#,
                Esc(&cx.host_words(l.ip)),
                Esc(&l.os),
                if l.alternatives.is_empty() {
                    String::new()
                } else {
                    format!(
                        r#" <span class="muted" title="{}">(or {} other releases)</span>"#,
                        Esc(&l
                            .alternatives
                            .iter()
                            .map(|x| x.product.clone())
                            .collect::<Vec<_>>()
                            .join(", ")),
                        l.alternatives.len()
                    )
                },
                words,
                l.end_of_support
                    .map_or_else(|| "–".into(), |d| d.to_string()),
                format!("{:?} ({:.0}%)", l.level, l.confidence * 100.0).to_lowercase(),
                Esc(&l.meaning)
            );
            evidence(s, &l.evidence);
            s.push_str("</td></tr>");
        }
        s.push_str("</tbody></table></div>");
    }

    s.push_str(r#"<h3 id="remote">Remote-access sessions</h3>"#);
    if h.remote_access.is_empty() {
        s.push_str(r#"<p class="none">No remote-access session was seen.</p>"#);
    } else {
        s.push_str(r#"<div class="tablewrap"><table><thead><tr><th>Severity</th><th>Tool</th><th>From</th><th>To</th><th>Started</th><th>Lasted</th><th class="num">Data</th><th>Notes</th><th>Evidence</th></tr></thead><tbody>"#);
        let mut ra: Vec<_> = h.remote_access.iter().collect();
        ra.sort_by_key(|r| (r.client_scope != ClientScope::External, r.start.clone()));
        for r in ra {
            let into_ot = cx.domain_of(r.server_ip) == Some(Domain::Ot);
            let sev = match (r.client_scope, into_ot) {
                (ClientScope::External, true) => Severity::Critical,
                (ClientScope::External, false) => Severity::High,
                (_, true) => Severity::Medium,
                _ => Severity::Info,
            };
            s.push_str("<tr><td>");
            badge(s, sev);
            let from_words = match r.client_scope {
                ClientScope::External => " (outside the site)",
                ClientScope::OtherInternalSubnet => " (another subnet)",
                ClientScope::SameSubnet => "",
            };
            let _ = write!(
                s,
                r#"</td><td>{} <span class="muted">{}</span></td><td>{}{}</td><td>{}</td><td>{}</td><td>{}</td><td class="num">{}</td><td>{}</td><td>"#,
                Esc(&r.tool),
                Esc(&r.category),
                Esc(&cx.host_words(r.client_ip)),
                from_words,
                Esc(&cx.host_words(r.server_ip)),
                Esc(&short_time(&r.start)),
                duration_words(r.duration_s),
                human_bytes(r.bytes_to_server + r.bytes_to_client),
                Esc(&r
                    .user
                    .iter()
                    .map(|u| format!("user {u}"))
                    .chain(r.notes.iter().cloned())
                    .collect::<Vec<_>>()
                    .join("; "))
            );
            evidence(s, &r.evidence);
            s.push_str("</td></tr>");
        }
        s.push_str("</tbody></table></div>");
    }
    s.push_str("</section>");
}

fn domain_pill(d: Domain) -> String {
    format!(
        r#"<span class="pill d-{}">{}</span>"#,
        d.name(),
        domain_label(d)
    )
}

fn section_inventory(s: &mut String, inv: &Inventory) {
    let n = inv.assets.len();
    let _ = write!(
        s,
        r#"<section id="inventory"><h2>Asset inventory</h2><p class="lead">Every device seen on the network, once. Click a column header to sort; type in the box to filter (all words must match).</p><div class="filter noprint"><input type="search" placeholder="Filter: e.g. plc, 10.30., siemens, windows" data-filter="inventory-table" aria-label="Filter the inventory"><span class="muted">showing <span id="inventory-table-shown">{n} of {n}</span></span></div>"#
    );
    s.push_str(r#"<div class="tablewrap"><table class="sortable" id="inventory-table"><thead><tr><th>Name</th><th>IP address</th><th>Role</th><th class="num">Sure</th><th>Domain</th><th>Level</th><th>Zone</th><th>Vendor</th><th>Model</th><th>Firmware</th><th>OS</th><th>MAC</th><th class="num">Traffic</th><th>Last seen</th></tr></thead><tbody>"#);
    let mut assets: Vec<&Asset> = inv.assets.iter().collect();
    assets.sort_by_key(|a| (crate::labels::band_index(a.purdue_level), a.ip()));
    for a in assets {
        let ips: Vec<String> = a.ips().map(|i| i.to_string()).collect();
        let ip_sort = a.ip().map_or_else(String::new, |ip| match ip {
            IpAddr::V4(v) => format!("{:010}", u32::from(v)),
            IpAddr::V6(v) => format!("6{:039}", u128::from(v)),
        });
        let vendor = a
            .vendor
            .as_ref()
            .map(|v| v.value.clone())
            .or_else(|| a.mac_vendor.clone())
            .unwrap_or_default();
        let reasons: Vec<&str> = a
            .role_reasons
            .iter()
            .take(3)
            .map(|r| r.text.as_str())
            .collect();
        let level = a.purdue_level.map_or_else(|| "?".into(), |l| l.to_string());
        let _ = write!(
            s,
            r#"<tr data-asset="{}"><td>{}</td><td data-sort="{}">{}</td><td title="{}">{}</td><td class="num">{:.0}%</td><td>{}</td><td data-sort="{}">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td class="num" data-sort="{}">{}</td><td>{}</td></tr>"#,
            Esc(&a.id.0),
            Esc(a.name.as_deref().unwrap_or("–")),
            ip_sort,
            Esc(&ips.join(", ")),
            Esc(&reasons.join("; ")),
            Esc(role_label(a.role)),
            a.role_confidence * 100.0,
            domain_pill(a.domain),
            a.purdue_level.map_or(9.0, |l| l.value()),
            level,
            Esc(a.zone.as_deref().unwrap_or("–")),
            Esc(&vendor),
            Esc(a
                .model
                .as_ref()
                .or(a.product.as_ref())
                .map_or("", |m| m.value.as_str())),
            Esc(a.firmware.as_ref().map_or("", |m| m.value.as_str())),
            Esc(a.os.as_ref().map_or("", |o| o.name.as_str())),
            Esc(&a.macs.join(", ")),
            a.bytes,
            human_bytes(a.bytes),
            Esc(&a.last_seen.as_deref().map(short_time).unwrap_or_default()),
        );
    }
    s.push_str("</tbody></table></div></section>");
}

fn section_conduits(s: &mut String, inv: &Inventory) {
    s.push_str(r#"<section id="conduits"><h2>Conduits: traffic between zones</h2><p class="lead">Who talks to whom, zone by zone: the starting point for the segmentation rules. One row per zone pair and protocol.</p>"#);
    if inv.conduits.conduits.is_empty() {
        s.push_str(r#"<p class="muted">No flows were kept (run with flows to fill this table).</p></section>"#);
        return;
    }
    s.push_str(r#"<div class="tablewrap"><table class="sortable" id="conduit-table"><thead><tr><th>From zone</th><th>To zone</th><th>Protocol</th><th>Port</th><th class="num">Flows</th><th class="num">Bytes</th><th>Commands</th><th>Allowed by site file</th><th>First seen</th></tr></thead><tbody>"#);
    for c in &inv.conduits.conduits {
        for sv in &c.services {
            let ops: Vec<String> = sv
                .operations
                .iter()
                .map(|(k, v)| operation_count(k, *v))
                .collect();
            let allowed = if sv.allowed_by.is_empty() {
                if sv.unallowed_flows > 0 {
                    format!(
                        r#"<span class="sev high">no</span> {} flows"#,
                        sv.unallowed_flows
                    )
                } else {
                    "–".into()
                }
            } else {
                Esc(&sv.allowed_by.join(", ")).to_string()
            };
            let _ = write!(
                s,
                r#"<tr><td>{} {}</td><td>{} {}</td><td>{}</td><td data-sort="{}">{}/{}</td><td class="num">{}</td><td class="num" data-sort="{}">{}</td><td>{}</td><td>{}</td><td>"#,
                Esc(&c.from_zone),
                domain_pill(c.from_domain),
                Esc(&c.to_zone),
                domain_pill(c.to_domain),
                Esc(&sv.protocol),
                sv.port,
                Esc(&sv.transport),
                sv.port,
                sv.flows,
                sv.bytes,
                human_bytes(sv.bytes),
                Esc(&ops.join(", ")),
                allowed
            );
            evidence(s, &sv.evidence);
            s.push_str("</td></tr>");
        }
    }
    s.push_str("</tbody></table></div></section>");
}

fn section_notes(s: &mut String, a: &Assessment, inv: &Inventory, h: &Hardening) {
    s.push_str(r#"<section id="notes"><h2>Notes and method</h2><ul>"#);
    s.push_str("<li>PlantGuard listened only: it read captured traffic and sent nothing to the plant's devices. A device that stayed silent during the capture is not in this report.</li>");
    if inv.zones_proposed {
        s.push_str("<li>There was no site file, so the zones are PlantGuard's proposal (one per subnet or VLAN, classified by the roles of their assets).</li>");
    }
    for n in inv.notes.iter().chain(h.notes.iter()) {
        let _ = write!(s, "<li>{}</li>", Esc(n));
    }
    for f in &a.files {
        if let Some(w) = &f.warning {
            let _ = write!(s, "<li>{}: {}</li>", Esc(&f.path), Esc(w));
        }
    }
    if let Some(r) = &inv.reconciliation {
        let _ = write!(
            s,
            "<li>Known-asset list: {} matched, {} listed but not seen, {} seen but not listed, {} conflicts.</li>",
            r.matched.len(),
            r.listed_not_seen.len(),
            r.seen_not_listed.len(),
            r.conflicts.len()
        );
        for c in &r.conflicts {
            let _ = write!(
                s,
                "<li>Conflict on {} ({}): the list says {} = {}, the network shows {}.</li>",
                Esc(&c.asset.0),
                Esc(&c.origin),
                Esc(&c.field),
                Esc(&c.listed),
                Esc(&c.observed)
            );
        }
    }
    s.push_str("<li>Roles, domains and Purdue levels are inferred from traffic; hover over a role in the inventory for the reasons. A site file overrides them.</li>");
    s.push_str("</ul></section>");
}
