// SPDX-License-Identifier: Apache-2.0
//! The bundled demo plant against its ground truth (`demo/truth.toml`): every
//! host found with its MAC, the identities its stacks were configured with,
//! and the injected events inside their time windows. A regression in any
//! decoder shows here.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use plantguard_engine::{run, Assessment, Config, Output};
use serde_json::Value;

fn demo_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../demo")
}

fn assess() -> Output {
    let capture = demo_dir().join("plant.pcapng");
    let config = Config {
        threads: 2,
        logs: true,
        keep_flows: true,
        ..Config::default()
    };
    run(
        &[capture],
        &["demo/plant.pcapng".to_string()],
        &config,
        &|_| {},
    )
}

fn truth() -> toml::Table {
    let text = std::fs::read_to_string(demo_dir().join("truth.toml")).expect("demo/truth.toml");
    text.parse().expect("truth.toml parses")
}

/// `2026-11-26T02:36:46.995Z` → nanoseconds since the epoch.
fn rfc3339_nanos(s: &str) -> i64 {
    let (date, time) = s.split_once('T').expect("date and time");
    let mut d = date.split('-').map(|x| x.parse::<i64>().unwrap());
    let (y, m, day) = (d.next().unwrap(), d.next().unwrap(), d.next().unwrap());
    let time = time.trim_end_matches('Z');
    let mut t = time.split(':');
    let (hh, mm) = (
        t.next().unwrap().parse::<i64>().unwrap(),
        t.next().unwrap().parse::<i64>().unwrap(),
    );
    let secs: f64 = t.next().unwrap().parse().unwrap();
    // Days from civil (H. Hinnant).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    (days * 86_400 + hh * 3600 + mm * 60) * 1_000_000_000 + (secs * 1e9).round() as i64
}

struct Host {
    name: String,
    ip: String,
    mac: String,
}

fn hosts(t: &toml::Table) -> Vec<Host> {
    t["host"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| Host {
            name: h["name"].as_str().unwrap().to_string(),
            ip: h["ip"].as_str().unwrap().to_string(),
            mac: h["mac"].as_str().unwrap().to_string(),
        })
        .collect()
}

fn ip_of<'a>(hosts: &'a [Host], name: &str) -> &'a str {
    &hosts
        .iter()
        .find(|h| h.name == name)
        .unwrap_or_else(|| panic!("no host {name}"))
        .ip
}

#[test]
fn every_truth_host_is_found_once_with_its_mac() {
    let out = assess();
    let a: &Assessment = &out.assessment;
    let t = truth();
    for h in hosts(&t) {
        let found: Vec<_> = a
            .hosts
            .iter()
            .filter(|x| x.ip.to_string() == h.ip)
            .collect();
        assert_eq!(
            found.len(),
            1,
            "{} ({}) found {} times",
            h.name,
            h.ip,
            found.len()
        );
        assert!(
            found[0]
                .macs
                .iter()
                .chain(&found[0].arp_macs)
                .any(|m| m.eq_ignore_ascii_case(&h.mac)),
            "{} ({}): MAC {} not among {:?}",
            h.name,
            h.ip,
            h.mac,
            found[0].macs
        );
    }
}

#[test]
fn configured_wire_identities_are_reported_for_their_hosts() {
    let out = assess();
    let a = &out.assessment;
    let t = truth();
    let mut checked = 0;
    for h in t["host"].as_array().unwrap() {
        let Some(id) = h.get("identity").and_then(|i| i.as_table()) else {
            continue;
        };
        let ip = h["ip"].as_str().unwrap();
        let facts: Vec<_> = a
            .identities
            .iter()
            .filter(|r| r.ip.map(|x| x.to_string()).as_deref() == Some(ip))
            .collect();
        // Identity strings that a protocol carries on the wire (MAC vendors and
        // host names are checked by the IT-side analysis, not here).
        for key in ["product_code", "order_code"] {
            if let Some(want) = id.get(key).and_then(|v| v.as_str()) {
                assert!(
                    facts.iter().any(|f| {
                        let i = &f.identity;
                        [&i.model, &i.product, &i.serial]
                            .iter()
                            .any(|v| v.as_deref().is_some_and(|v| v.contains(want)))
                            || i.extra.iter().any(|(_, v)| v.contains(want))
                    }),
                    "{ip}: {key} {want} not reported; identities: {facts:?}"
                );
                checked += 1;
            }
        }
        if let Some(want) = id.get("vendor_id").and_then(|v| v.as_integer()) {
            assert!(
                facts
                    .iter()
                    .any(|f| f.identity.vendor_id == Some(want as u32)),
                "{ip}: vendor id {want} not reported; identities: {facts:?}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 3, "only {checked} identity facts checked");
}

/// Event kinds verified through `operations.log`: (kind, protocol, operation).
const OPERATION_EVENTS: &[(&str, &str, &str)] = &[
    ("modbus_write_from_it", "modbus", "write"),
    ("s7_write", "s7comm", "write"),
    ("cip_write", "enip", "write"),
    ("opcua_write", "opcua", "write"),
    ("plc_stop", "s7comm", "mode_change_stop"),
    ("program_download", "s7comm", "program_download"),
];

#[test]
fn injected_operations_appear_between_the_right_hosts_in_their_windows() {
    let out = assess();
    let t = truth();
    let hosts = hosts(&t);
    let ops: Vec<Value> = out.logs["operations"]
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut verified = BTreeSet::new();
    for e in t["event"].as_array().unwrap() {
        let kind = e["kind"].as_str().unwrap();
        let Some((_, proto, op)) = OPERATION_EVENTS.iter().find(|(k, _, _)| *k == kind) else {
            continue;
        };
        let src = ip_of(&hosts, e["src"].as_str().unwrap());
        let dst = ip_of(&hosts, e["dst"].as_str().unwrap());
        let from = rfc3339_nanos(e["window_start"].as_str().unwrap()) as f64 / 1e9;
        let to = rfc3339_nanos(e["window_end"].as_str().unwrap()) as f64 / 1e9;
        let hit = ops.iter().any(|o| {
            o["protocol"] == *proto
                && o["operation"] == *op
                && o["id.orig_h"] == src
                && o["id.resp_h"] == dst
                && (from..=to).contains(&o["ts"].as_f64().unwrap())
        });
        assert!(
            hit,
            "event {kind}: no {proto} {op} from {src} to {dst} between {from} and {to}"
        );
        verified.insert(kind);
    }
    assert_eq!(
        verified.len(),
        OPERATION_EVENTS.len(),
        "verified only {verified:?}"
    );
}

#[test]
fn writes_happen_only_where_the_truth_says() {
    // No state-changing operation may come from a host the truth does not
    // list as the source of such an event or of a write-capable conduit.
    let out = assess();
    let t = truth();
    let hosts = hosts(&t);
    let mut allowed: BTreeSet<(String, String)> = BTreeSet::new();
    for e in t["event"].as_array().unwrap() {
        let src = ip_of(&hosts, e["src"].as_str().unwrap()).to_string();
        let dst = ip_of(&hosts, e["dst"].as_str().unwrap()).to_string();
        allowed.insert((src, dst));
    }
    for c in t["conduit"].as_array().unwrap() {
        let src = ip_of(&hosts, c["src"].as_str().unwrap()).to_string();
        let dst = ip_of(&hosts, c["dst"].as_str().unwrap()).to_string();
        allowed.insert((src, dst));
    }
    for line in &out.logs["operations"] {
        let o: Value = serde_json::from_str(line).unwrap();
        if o["state_changing"] == true {
            let pair = (
                o["id.orig_h"].as_str().unwrap().to_string(),
                o["id.resp_h"].as_str().unwrap().to_string(),
            );
            assert!(allowed.contains(&pair), "unexpected state change {o}");
        }
    }
}
