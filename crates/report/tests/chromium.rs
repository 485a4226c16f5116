// SPDX-License-Identifier: Apache-2.0
//! The report in a real browser: headless Chromium opens it without a
//! script error, its script runs (`data-ready="1"`), the page shows the
//! inventory's asset count, the map and one inventory row per asset, and
//! it takes a screenshot and prints to PDF.
//!
//! Needs Debian's `chromium` (`apt-get install chromium`), or a browser
//! named by `PLANTGUARD_CHROMIUM`. Without one the tests fail, unless
//! `PLANTGUARD_ALLOW_NO_CHROMIUM=1`. Set `PLANTGUARD_REPORT_ARTIFACTS=DIR`
//! to keep the HTML, screenshot and PDF for a person to look at.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use plantguard_analysis::Hardening;
use plantguard_engine::Assessment;
use plantguard_report::{render_report_html, ReportInput};

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("PLANTGUARD_CHROMIUM") {
        let p = PathBuf::from(p);
        return p.is_file().then_some(p);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in ["chromium", "chromium-browser", "google-chrome", "chrome"] {
        for dir in std::env::split_paths(&path) {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// The browser, or `None` when its absence is allowed (the test then
/// returns early, saying so).
fn browser_or_skip() -> Option<PathBuf> {
    match chromium() {
        Some(p) => Some(p),
        None if std::env::var("PLANTGUARD_ALLOW_NO_CHROMIUM").as_deref() == Ok("1") => {
            eprintln!("chromium not found: skipped (PLANTGUARD_ALLOW_NO_CHROMIUM=1)");
            None
        }
        None => panic!(
            "headless Chromium is needed to test the HTML report: install it \
             (DEBIAN_FRONTEND=noninteractive apt-get install -y chromium), point \
             PLANTGUARD_CHROMIUM at a Chromium binary, or set PLANTGUARD_ALLOW_NO_CHROMIUM=1 to skip"
        ),
    }
}

/// Runs Chromium headless on `page` with `extra` flags and a fresh profile;
/// kills it after two minutes.
fn run_chromium(bin: &Path, profile: &Path, extra: &[String], page: &Path) -> Output {
    let mut cmd = Command::new(bin);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--enable-logging=stderr",
        "--v=0",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .args(extra)
    .arg(format!("file://{}", page.display()))
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("start chromium");
    let deadline = Instant::now() + Duration::from_secs(120);
    // Drain the pipes on threads so a chatty browser cannot block on them.
    let mut so = child.stdout.take().unwrap();
    let mut se = child.stderr.take().unwrap();
    let t_out = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut so, &mut v).ok();
        v
    });
    let t_err = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut se, &mut v).ok();
        v
    });
    let status = loop {
        if let Some(st) = child.try_wait().expect("wait for chromium") {
            break st;
        }
        if Instant::now() > deadline {
            child.kill().ok();
            panic!("chromium did not finish within 2 minutes");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    Output {
        status,
        stdout: t_out.join().unwrap(),
        stderr: t_err.join().unwrap(),
    }
}

/// Script errors Chromium logged to the console.
fn console_errors(stderr: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(stderr)
        .lines()
        .filter(|l| l.contains("CONSOLE") && (l.contains("Uncaught") || l.contains("Error")))
        .map(str::to_string)
        .collect()
}

struct Checked {
    dom: String,
}

/// Opens `html` in Chromium and checks what every report must satisfy.
fn open_and_check(bin: &Path, name: &str, html: &str, assets: usize) -> Checked {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join(format!("{name}.html"));
    std::fs::write(&page, html).unwrap();

    let profile = tempfile::tempdir().unwrap();
    let out = run_chromium(bin, profile.path(), &["--dump-dom".into()], &page);
    assert!(
        out.status.success(),
        "chromium --dump-dom failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dom = String::from_utf8(out.stdout).expect("DOM is UTF-8");
    let body_start = dom.find("<body").expect("a body");
    let body_tag = &dom[body_start..body_start + dom[body_start..].find('>').unwrap()];
    assert!(
        body_tag.contains(r#"data-ready="1""#),
        "the page script ran to the end: {body_tag}"
    );
    assert!(
        !body_tag.contains("data-errors"),
        "script errors: {body_tag}"
    );
    let errs = console_errors(&out.stderr);
    assert!(errs.is_empty(), "console errors: {errs:#?}");

    // What the page shows.
    assert!(
        dom.contains(&format!(
            r#"id="asset-count" data-count="{assets}">{assets}<"#
        )),
        "the page shows {assets} assets"
    );
    assert!(
        dom.contains(r#"<svg xmlns="http://www.w3.org/2000/svg" class="plant-map""#),
        "the map is on the page"
    );
    let t = dom
        .find(r#"id="inventory-table""#)
        .expect("inventory table");
    let t_end = t + dom[t..].find("</table>").unwrap();
    assert_eq!(
        dom[t..t_end].matches("<tr data-asset=").count(),
        assets,
        "one inventory row per asset"
    );

    // Screenshot.
    let png = dir.path().join(format!("{name}.png"));
    let profile = tempfile::tempdir().unwrap();
    let out = run_chromium(
        bin,
        profile.path(),
        &[
            format!("--screenshot={}", png.display()),
            "--window-size=1400,2000".into(),
            "--hide-scrollbars".into(),
        ],
        &page,
    );
    assert!(
        out.status.success(),
        "screenshot failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&png).expect("screenshot written");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
    assert!(
        bytes.len() > 40_000,
        "a screenshot with content, not a blank page ({} bytes)",
        bytes.len()
    );

    // Print to PDF.
    let pdf = dir.path().join(format!("{name}.pdf"));
    let profile = tempfile::tempdir().unwrap();
    let out = run_chromium(
        bin,
        profile.path(),
        &[
            format!("--print-to-pdf={}", pdf.display()),
            "--no-pdf-header-footer".into(),
        ],
        &page,
    );
    assert!(
        out.status.success(),
        "print to PDF failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&pdf).expect("PDF written");
    assert!(bytes.starts_with(b"%PDF-"), "a PDF");
    assert!(
        bytes.len() > 20_000,
        "a PDF with content ({} bytes)",
        bytes.len()
    );

    if let Some(keep) = std::env::var_os("PLANTGUARD_REPORT_ARTIFACTS") {
        let keep = PathBuf::from(keep);
        std::fs::create_dir_all(&keep).unwrap();
        for ext in ["html", "png", "pdf"] {
            let f = dir.path().join(format!("{name}.{ext}"));
            std::fs::copy(&f, keep.join(format!("{name}.{ext}"))).unwrap();
        }
    }
    Checked { dom }
}

#[test]
fn demo_report_opens_in_headless_chromium() {
    let Some(bin) = browser_or_skip() else { return };
    let (a, h, inv) = common::demo();
    let html = render_report_html(&ReportInput::new(
        &a,
        &inv,
        &h,
        vec!["demo/plant.pcapng".into()],
    ));
    let c = open_and_check(&bin, "demo-report", &html, inv.assets.len());
    assert!(c.dom.contains("Demo Packaging Plant"));
    assert!(c.dom.contains("What needs attention"));
}

#[test]
fn report_of_500_assets_opens_in_headless_chromium() {
    let Some(bin) = browser_or_skip() else { return };
    let inv = common::synthetic(500);
    let a = Assessment::default();
    let h = Hardening::default();
    let html = render_report_html(&ReportInput::new(
        &a,
        &inv,
        &h,
        vec!["synthetic.pcap".into()],
    ));
    open_and_check(&bin, "synthetic-500-report", &html, 500);
}

/// Drives the page's own sort and filter code in the browser: a script
/// appended for the test clicks the Traffic header twice (descending) and
/// types into the filter box, then records what it found on the body.
#[test]
fn inventory_sorts_by_a_clicked_header_and_filters_as_typed() {
    let Some(bin) = browser_or_skip() else { return };
    let inv = common::synthetic(60);
    let a = Assessment::default();
    let h = Hardening::default();
    let html = render_report_html(&ReportInput::new(&a, &inv, &h, Vec::new()));
    let probe = r#"<script>(function(){
  var t=document.getElementById('inventory-table');var ths=t.tHead.rows[0].cells;var col=-1;
  for(var i=0;i<ths.length;i++){if(ths[i].textContent.trim()==='Traffic')col=i;}
  ths[col].click();ths[col].click();
  var rows=t.tBodies[0].rows;var prev=Infinity;var sorted=true;
  for(var r=0;r<rows.length;r++){var v=parseFloat(rows[r].cells[col].getAttribute('data-sort'));if(v>prev)sorted=false;prev=v;}
  var input=document.querySelector('input[data-filter=inventory-table]');
  input.value='building system';input.dispatchEvent(new Event('input'));
  var shown=0;for(var k=0;k<rows.length;k++){if(!rows[k].hidden)shown++;}
  document.body.setAttribute('data-probe',(sorted?'sorted':'unsorted')+' '+ths[col].getAttribute('aria-sort')+' shown='+shown+' label='+document.getElementById('inventory-table-shown').textContent);
})();</script></body>"#;
    let html = html.replace("</body>", probe);
    let buildings = inv
        .assets
        .iter()
        .filter(|x| x.role == plantguard_analysis::inventory::Role::BuildingSystem)
        .count();
    assert!(buildings > 0);
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("probe.html");
    std::fs::write(&page, html).unwrap();
    let profile = tempfile::tempdir().unwrap();
    let out = run_chromium(&bin, profile.path(), &["--dump-dom".into()], &page);
    let dom = String::from_utf8(out.stdout).unwrap();
    let want = format!(
        r#"data-probe="sorted descending shown={buildings} label={buildings} of {}""#,
        inv.assets.len()
    );
    assert!(
        dom.contains(&want),
        "want {want} in {}",
        &dom[dom.find("<body").unwrap()..][..300]
    );
    assert!(!dom[dom.find("<body").unwrap()..][..300].contains("data-errors"));
}
