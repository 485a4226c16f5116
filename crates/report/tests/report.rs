// SPDX-License-Identifier: Apache-2.0
//! The HTML report without a browser: self-contained, escaped, secrets
//! masked, and the figures it shows match the inventory.

mod common;

use plantguard_analysis::Hardening;
use plantguard_engine::Assessment;
use plantguard_report::{render_report_html, ReportInput};

fn count_rows(html: &str) -> usize {
    let start = html
        .find(r#"id="inventory-table""#)
        .expect("inventory table");
    let end = start + html[start..].find("</table>").unwrap();
    html[start..end].matches("<tr data-asset=").count()
}

#[test]
fn demo_report_is_self_contained_and_masks_secrets() {
    let (a, h, inv) = common::demo();
    assert!(!h.secrets_masked);
    let whole: Vec<String> = h
        .credentials
        .iter()
        .map(|c| c.secret.clone())
        .filter(|s| s.len() > 3)
        .collect();
    assert!(!whole.is_empty(), "the demo carries cleartext secrets");
    let html = render_report_html(&ReportInput::new(
        &a,
        &inv,
        &h,
        vec!["demo/plant.pcapng".into()],
    ));
    for s in &whole {
        assert!(
            !html.contains(&format!("<code>{s}</code>")),
            "secret {s} is masked"
        );
    }
    // No external resource: the only URL is the SVG namespace.
    let without_ns = html.replace("http://www.w3.org/2000/svg", "");
    assert!(!without_ns.contains("http://") && !without_ns.contains("https://"));
    assert!(!html.contains(" src="), "no external scripts or images");
    assert!(html.contains("Demo Packaging Plant"));
    assert!(html.contains(&format!(r#"data-count="{}""#, inv.assets.len())));
    assert_eq!(count_rows(&html), inv.assets.len());
    // Convergence points cite file and frame.
    for p in &inv.convergence {
        if let Some(e) = &p.evidence {
            assert!(html.contains(&format!("{} #{}", e.pcap_filename, e.pcap_cnt)));
        }
    }
    // Worst first: the first finding is critical.
    let att = &html[html.find(r#"id="attention""#).unwrap()..];
    let first = att.find("<span class=\"sev ").unwrap();
    assert!(att[first..].starts_with("<span class=\"sev crit\">"));
}

#[test]
fn show_secrets_prints_them_whole() {
    let (a, h, inv) = common::demo();
    let mut input = ReportInput::new(&a, &inv, &h, Vec::new());
    input.show_secrets = true;
    let html = render_report_html(&input);
    let s = &h.credentials[0].secret;
    assert!(html.contains(&format!("<code>{s}</code>")));
}

#[test]
fn report_of_500_synthetic_assets_lists_each_once_and_escapes_names() {
    let mut inv = common::synthetic(500);
    inv.assets[3].name = Some("</td><script>alert(1)</script>".into());
    let a = Assessment::default();
    let h = Hardening::default();
    let html = render_report_html(&ReportInput::new(&a, &inv, &h, vec!["x.pcap".into()]));
    assert_eq!(count_rows(&html), 500);
    assert!(!html.contains("<script>alert(1)"));
    assert!(html.contains("Synthetic plant &lt;500&gt; &amp; Co"));
}
