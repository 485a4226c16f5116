// SPDX-License-Identifier: Apache-2.0
//! The inventory of corpus captures against their documented truth: the
//! logs Zeek and CISA's ICSNPP plugins write for them (`../shared/corpus`,
//! `BASELINE_MAP.tsv`).
//!
//! Truth per address, from the baseline logs of each capture:
//! - an address that answers Modbus, S7comm, EtherNet/IP + CIP or DNP3 (the
//!   side on the protocol's port, the DNP3 responder), answers BACnet
//!   confirmed requests or announces a BACnet device (I-Am), or that Zeek
//!   lists as a `MODBUS_SLAVE`, is a **controller**: a PLC, RTU, building
//!   controller or safety controller, Purdue level 1;
//! - an address that polls them (Modbus/S7/CIP/DNP3 client, BACnet
//!   confirmed requests or Who-Is, `MODBUS_MASTER`) is a **supervisory**
//!   station: HMI, SCADA server or engineering workstation, level 2;
//! - an address on both sides (a client and server on one host, as in
//!   captures made on `localhost`) has no single role and is not scored;
//!   nor is an address the baseline only shows as a destination (a request
//!   that was never answered);
//! - identity logs (`cip_identity.log`, `s7comm_known_devices.log`,
//!   `bacnet_discovery.log`) give the vendor or product the asset must show.
//!
//! Checks: every truth address is in exactly one asset and no two truth
//! addresses share one; role class and level match for at least 90% of the
//! scored addresses. Every miss is listed in [`MISSES`] with its reason
//! (also in `docs/accuracy.md`, "Inventory on corpus captures"); a new miss
//! fails the test, and so does a listed miss that no longer happens.
//!
//! Without the corpus (`../shared/corpus`, or the directory in
//! `PLANTGUARD_CORPUS`) the test prints a note and passes.
//!
//! Run: `cargo test -p plantguard-analysis --test inventory_corpus -- --nocapture`.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use plantguard_analysis::inventory::{build_inventory, Asset, Inventory, PurdueLevel, Role};
use plantguard_analysis::{analyse_hardening, KnowledgeBase};

mod common;

/// Captures with an ICS baseline in the corpus: (capture, baseline folder).
const CASES: &[(&str, &str)] = &[
    (
        "icsnpp/icsnpp-bacnet/testing/traces/bacnet_example.pcap",
        "icsnpp/icsnpp-bacnet/testing/baseline/analyzer.basic",
    ),
    (
        "icsnpp/icsnpp-bacnet/testing/traces/bacnet_error_reject_abort.pcap",
        "icsnpp/icsnpp-bacnet/testing/baseline/analyzer.error-reject-abort",
    ),
    (
        "icsnpp/icsnpp-bacnet/testing/traces/bacnet_segmented_data.pcap",
        "icsnpp/icsnpp-bacnet/testing/baseline/analyzer.segmented_data",
    ),
    (
        "icsnpp/icsnpp-bacnet/testing/traces/bacnet_services.pcap",
        "icsnpp/icsnpp-bacnet/testing/baseline/analyzer.services",
    ),
    (
        "icsnpp/icsnpp-dnp3/testing/traces/dnp3_example.pcap",
        "icsnpp/icsnpp-dnp3/testing/baseline/analyzer.basic",
    ),
    (
        "icsnpp/icsnpp-enip/tests/traces/enip_cip_example.pcap",
        "icsnpp/icsnpp-enip/tests/baseline/analyzer.basic",
    ),
    (
        "icsnpp/icsnpp-enip/tests/traces/multiple_service_packet_cip.pcapng",
        "icsnpp/icsnpp-enip/tests/baseline/analyzer.multiple_service_request",
    ),
    (
        "icsnpp/icsnpp-enip/tests/traces/set_attribute_single_service_cip.pcapng",
        "icsnpp/icsnpp-enip/tests/baseline/analyzer.set_attr_single_service",
    ),
    (
        "icsnpp/icsnpp-modbus/testing/traces/modbus_example.pcap",
        "icsnpp/icsnpp-modbus/testing/baseline/analyzer.basic",
    ),
    (
        "icsnpp/icsnpp-s7comm/tests/traces/s7comm_plus.pcap",
        "icsnpp/icsnpp-s7comm/tests/baseline/analyzer.s7comm_plus",
    ),
    (
        "icsnpp/icsnpp-s7comm/tests/traces/s7ident.pcap",
        "icsnpp/icsnpp-s7comm/tests/baseline/analyzer.s7ident",
    ),
    (
        "icsnpp/icsnpp-s7comm/tests/traces/snap7.pcap",
        "icsnpp/icsnpp-s7comm/tests/baseline/analyzer.snap7",
    ),
    (
        "zeek/testing/btest/Traces/dnp3/dnp3.pcap",
        "zeek/testing/btest/Baseline/scripts.base.protocols.dnp3.events",
    ),
    (
        "zeek/testing/btest/Traces/dnp3/dnp3_del_measure.pcap",
        "zeek/testing/btest/Baseline/scripts.base.protocols.dnp3.dnp3_del_measure",
    ),
    (
        "zeek/testing/btest/Traces/dnp3/dnp3_en_spon.pcap",
        "zeek/testing/btest/Baseline/scripts.base.protocols.dnp3.dnp3_en_spon",
    ),
    (
        "zeek/testing/btest/Traces/dnp3/dnp3_file_del.pcap",
        "zeek/testing/btest/Baseline/scripts.base.protocols.dnp3.dnp3_file_del",
    ),
    (
        "zeek/testing/btest/Traces/dnp3/dnp3_file_read.pcap",
        "zeek/testing/btest/Baseline/scripts.base.protocols.dnp3.dnp3_file_read",
    ),
    (
        "zeek/testing/btest/Traces/dnp3/dnp3_file_write.pcap",
        "zeek/testing/btest/Baseline/scripts.base.protocols.dnp3.dnp3_file_write",
    ),
    (
        "zeek/testing/btest/Traces/dnp3/dnp3_read.pcap",
        "zeek/testing/btest/Baseline/scripts.base.protocols.dnp3.dnp3_read",
    ),
    (
        "zeek/testing/btest/Traces/dnp3/dnp3_rec_time.pcap",
        "zeek/testing/btest/Baseline/scripts.base.protocols.dnp3.dnp3_rec_time",
    ),
    (
        "zeek/testing/btest/Traces/dnp3/dnp3_select_operate.pcap",
        "zeek/testing/btest/Baseline/scripts.base.protocols.dnp3.dnp3_select_operate",
    ),
    (
        "zeek/testing/btest/Traces/dnp3/dnp3_udp_en_spon.pcap",
        "zeek/testing/btest/Baseline/scripts.base.protocols.dnp3.dnp3_udp_en_spon",
    ),
    (
        "zeek/testing/btest/Traces/dnp3/dnp3_udp_read.pcap",
        "zeek/testing/btest/Baseline/scripts.base.protocols.dnp3.dnp3_udp_read",
    ),
    (
        "zeek/testing/btest/Traces/dnp3/dnp3_udp_select_operate.pcap",
        "zeek/testing/btest/Baseline/scripts.base.protocols.dnp3.dnp3_udp_select_operate",
    ),
    (
        "zeek/testing/btest/Traces/dnp3/dnp3_udp_write.pcap",
        "zeek/testing/btest/Baseline/scripts.base.protocols.dnp3.dnp3_udp_write",
    ),
    (
        "zeek/testing/btest/Traces/dnp3/dnp3_write.pcap",
        "zeek/testing/btest/Baseline/scripts.base.protocols.dnp3.dnp3_write",
    ),
    (
        "zeek/testing/btest/Traces/modbus/modbusBig.pcap",
        "zeek/testing/btest/Baseline/scripts.base.protocols.modbus.coil_parsing_big",
    ),
    (
        "zeek/testing/btest/Traces/modbus/modbusSmall.pcap",
        "zeek/testing/btest/Baseline/scripts.base.protocols.modbus.coil_parsing_small",
    ),
    (
        "zeek/testing/btest/Traces/modbus/fuzz-72.pcap",
        "zeek/testing/btest/Baseline/scripts.base.protocols.modbus.exception_handling",
    ),
    (
        "zeek/testing/btest/Traces/modbus/fuzz-1011.pcap",
        "zeek/testing/btest/Baseline/scripts.base.protocols.modbus.register_parsing",
    ),
    (
        "zeek/testing/btest/Traces/modbus/modbus-and-non-modbus-p502.pcap",
        "zeek/testing/btest/Baseline/scripts.base.protocols.modbus.modbus_and_non_modbus_on_port_502",
    ),
];

/// Misses we understand: (capture, address, check, what the inventory says).
/// `check` is `role`, `level`, `split` (the address is in no asset or in
/// several) or `merged` (it shares an asset with another truth address).
/// The why is in docs/accuracy.md ("Inventory on corpus captures").
const MISSES: &[(&str, &str, &str, &str)] = &[
    // A BACnet device (I-Am with its own device object) that also reads
    // properties of 10.0.0.2 and sends Who-Is, Who-Has and time
    // synchronization: the truth rule makes a poller supervisory, PlantGuard
    // takes its device announcement. BACnet controllers read each other, so
    // 20 packets cannot tell a workstation from a supervisory controller.
    (
        "icsnpp/icsnpp-bacnet/testing/traces/bacnet_segmented_data.pcap",
        "10.0.0.1",
        "role",
        "building_system",
    ),
    (
        "icsnpp/icsnpp-bacnet/testing/traces/bacnet_segmented_data.pcap",
        "10.0.0.1",
        "level",
        "1",
    ),
    // A Modbus server on a public cloud address (3.15.227.20) polled from a
    // private one: the truth rule sees a Modbus server, PlantGuard keeps it
    // outside the plant (its only industrial peer is not in its /16) and
    // reports the OT-to-internet flow instead.
    (
        "icsnpp/icsnpp-modbus/testing/traces/modbus_example.pcap",
        "3.15.227.20",
        "role",
        "internet_host",
    ),
    (
        "icsnpp/icsnpp-modbus/testing/traces/modbus_example.pcap",
        "3.15.227.20",
        "level",
        "5",
    ),
    // Zeek's fuzzed capture: the first packet is a SYN+FIN+PSH+URG from the
    // Modbus server's port 502, which the engine does not take as a
    // connection attempt, so the port rule orients the flow and Modbus is
    // decoded (192.168.66.235 is the supervisory master, as the truth says).
    // The PLC's public address has no industrial peer in its /16, so it
    // stays outside the plant as an internet host.
    (
        "zeek/testing/btest/Traces/modbus/fuzz-72.pcap",
        "166.161.16.230",
        "role",
        "internet_host",
    ),
    (
        "zeek/testing/btest/Traces/modbus/fuzz-72.pcap",
        "166.161.16.230",
        "level",
        "5",
    ),
    // The Modbus baseline shows it polling 10.235.149.243, but it also
    // serves S7comm (tcp/102) to 10.235.149.95: a PLC that is a Modbus
    // master. The whole capture says plc; the Modbus-only truth says
    // supervisory.
    (
        "zeek/testing/btest/Traces/modbus/modbusBig.pcap",
        "10.235.149.240",
        "role",
        "plc",
    ),
    (
        "zeek/testing/btest/Traces/modbus/modbusBig.pcap",
        "10.235.149.240",
        "level",
        "1",
    ),
];

/// Which side of a protocol an address was on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Side {
    /// Answered requests or announced a device.
    Server,
    /// Only announced a BACnet device (I-Am): a device unless it also polls.
    Announces,
    /// Sent requests.
    Client,
}

/// The truth class of an address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    /// PLC, RTU, building or safety controller: level 1.
    Controller,
    /// HMI, SCADA server, engineering workstation: level 2.
    Supervisory,
}

impl Class {
    fn level(self) -> PurdueLevel {
        match self {
            Class::Controller => PurdueLevel::L1,
            Class::Supervisory => PurdueLevel::L2,
        }
    }
    fn holds(self, r: Role) -> bool {
        match self {
            Class::Controller => matches!(
                r,
                Role::Plc | Role::Rtu | Role::BuildingSystem | Role::SafetyController
            ),
            Class::Supervisory => matches!(
                r,
                Role::Hmi | Role::ScadaServer | Role::EngineeringWorkstation
            ),
        }
    }
    fn name(self) -> &'static str {
        match self {
            Class::Controller => "controller (1)",
            Class::Supervisory => "supervisory (2)",
        }
    }
}

#[derive(Default, Debug)]
struct Truth {
    sides: BTreeMap<IpAddr, BTreeSet<Side>>,
    /// Addresses seen sending: the `source_h` of a message row (ICSNPP
    /// logs), either end of a connection-level row (Zeek's own logs), the
    /// responder only when `conn.log` counts packets from it.
    senders: BTreeSet<IpAddr>,
    /// Vendor or product strings an identity log gives for the address.
    identity: BTreeMap<IpAddr, BTreeSet<String>>,
}

impl Truth {
    fn add(&mut self, ip: &str, side: Side) {
        if let Ok(ip) = ip.parse::<IpAddr>() {
            let skip = match ip {
                IpAddr::V4(v) => {
                    v.is_broadcast()
                        || v.is_multicast()
                        || v.is_unspecified()
                        || v.octets()[3] == 255
                }
                IpAddr::V6(v) => v.is_multicast() || v.is_unspecified(),
            };
            if !skip {
                self.sides.entry(ip).or_default().insert(side);
            }
        }
    }
    fn identity(&mut self, ip: &str, what: &str) {
        if let (Ok(ip), false) = (ip.parse::<IpAddr>(), what == "-" || what.is_empty()) {
            self.identity
                .entry(ip)
                .or_default()
                .insert(what.to_string());
        }
    }
    /// The class, or why the address is not scored.
    fn class(&self, ip: &IpAddr) -> Result<Class, &'static str> {
        let s = &self.sides[ip];
        if !self.senders.contains(ip) {
            return Err("only a destination: the baseline shows it sending nothing");
        }
        let server = s.contains(&Side::Server);
        let client = s.contains(&Side::Client);
        match (server, client, s.contains(&Side::Announces)) {
            (true, true, _) => Err("client and server on one address"),
            (true, false, _) => Ok(Class::Controller),
            (false, true, _) => Ok(Class::Supervisory),
            (false, false, true) => Ok(Class::Controller),
            (false, false, false) => Err("no side"),
        }
    }
}

/// Server ports of the protocols whose logs are read.
fn server_ports(log: &str) -> &'static [u16] {
    if log.starts_with("modbus") || log.starts_with("known_modbus") {
        &[502]
    } else if log.starts_with("dnp3") {
        &[20000]
    } else if log.starts_with("s7comm") || log.starts_with("cotp") {
        &[102]
    } else if log.starts_with("enip") || log.starts_with("cip") {
        &[44818, 2222]
    } else {
        &[]
    }
}

/// Columns of an ICSNPP log whose header `zeek-cut -n` removed (the
/// baselines of `icsnpp-enip`): the connection id, then the message's own
/// addresses, then (`cip_identity.log`) the identity fields.
const ICSNPP_COLUMNS: &[&str] = &[
    "ts",
    "uid",
    "id.orig_h",
    "id.orig_p",
    "id.resp_h",
    "id.resp_p",
    "is_orig",
    "source_h",
    "source_p",
    "destination_h",
    "destination_p",
];
const CIP_IDENTITY_COLUMNS: &[&str] = &[
    "encapsulation_version",
    "socket_address",
    "socket_port",
    "vendor_id",
    "vendor_name",
    "device_type_id",
    "device_type_name",
    "product_code",
    "revision",
    "device_status",
    "serial_number",
    "product_name",
    "device_state",
];

/// One Zeek TSV log: rows as column name → value.
fn read_log(path: &Path) -> Vec<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut fields: Vec<String> = Vec::new();
    if !text.lines().any(|l| l.starts_with("#fields\t")) {
        fields = ICSNPP_COLUMNS.iter().map(|c| (*c).to_string()).collect();
        if path.ends_with("cip_identity.log") {
            fields.extend(CIP_IDENTITY_COLUMNS.iter().map(|c| (*c).to_string()));
        }
    }
    let mut rows = Vec::new();
    for line in text.lines() {
        if let Some(f) = line.strip_prefix("#fields\t") {
            fields = f.split('\t').map(str::to_string).collect();
            continue;
        }
        if line.starts_with('#') || fields.is_empty() {
            continue;
        }
        rows.push(
            fields
                .iter()
                .cloned()
                .zip(line.split('\t').map(str::to_string))
                .collect(),
        );
    }
    rows
}

/// `[orig_h=10.0.0.1, orig_p=1234/tcp, resp_h=10.0.0.2, resp_p=502/tcp` in
/// a btest `output` file.
fn output_conns(text: &str) -> Vec<(String, u16, String, u16)> {
    let val = |line: &str, key: &str| -> Option<String> {
        let i = line.find(key)? + key.len();
        let rest = &line[i..];
        let end = rest.find([',', ']', '/']).unwrap_or(rest.len());
        Some(rest[..end].to_string())
    };
    text.lines()
        .filter_map(|l| {
            Some((
                val(l, "orig_h=")?,
                val(l, "orig_p=")?.parse().ok()?,
                val(l, "resp_h=")?,
                val(l, "resp_p=")?.parse().ok()?,
            ))
        })
        .collect()
}

fn by_port(t: &mut Truth, ports: &[u16], oh: &str, op: u16, rh: &str, rp: u16, dnp3: bool) {
    let (o, r) = (ports.contains(&op), ports.contains(&rp));
    // Both on the port (DNP3 20000 to 20000): the responder is the outstation.
    if r && (!o || dnp3) {
        t.add(rh, Side::Server);
        t.add(oh, Side::Client);
    } else if o && !r {
        t.add(oh, Side::Server);
        t.add(rh, Side::Client);
    }
}

fn truth_of(dir: &Path) -> Truth {
    let mut t = Truth::default();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name == "output" {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let ports: &[u16] = if dir.to_string_lossy().contains("dnp3") {
                &[20000]
            } else {
                &[502]
            };
            for (oh, op, rh, rp) in output_conns(&text) {
                for ip in [&oh, &rh] {
                    if let Ok(ip) = ip.parse::<IpAddr>() {
                        t.senders.insert(ip);
                    }
                }
                by_port(&mut t, ports, &oh, op, &rh, rp, ports == [20000]);
            }
            continue;
        }
        if !name.ends_with(".log") {
            continue;
        }
        let rows = read_log(&path);
        let get = |r: &BTreeMap<String, String>, k: &str| r.get(k).cloned().unwrap_or_default();
        for r in &rows {
            if let Ok(ip) = get(r, "source_h").parse::<IpAddr>() {
                t.senders.insert(ip);
                continue;
            }
            for (k, active) in [
                ("id.orig_h", true),
                ("id.resp_h", get(r, "resp_pkts") != "0"),
                ("host", true),
            ] {
                if let (Ok(ip), true) = (get(r, k).parse::<IpAddr>(), active) {
                    t.senders.insert(ip);
                }
            }
        }
        if name.starts_with("known_modbus") {
            for r in &rows {
                match get(r, "device_type").as_str() {
                    "Known::MODBUS_SLAVE" => t.add(&get(r, "host"), Side::Server),
                    "Known::MODBUS_MASTER" => t.add(&get(r, "host"), Side::Client),
                    _ => {}
                }
            }
            continue;
        }
        if name.starts_with("bacnet") {
            for r in &rows {
                let (src, dst) = (get(r, "source_h"), get(r, "destination_h"));
                match (get(r, "pdu_type").as_str(), get(r, "pdu_service").as_str()) {
                    ("CONFIRMED_REQUEST", _) => {
                        t.add(&src, Side::Client);
                        t.add(&dst, Side::Server);
                    }
                    // Segment acks flow both ways; these answer requests.
                    (
                        "COMPLEX_ACK" | "SIMPLE_ACK" | "ERROR_PDU" | "REJECT_PDU" | "ABORT_PDU",
                        _,
                    ) => {
                        t.add(&src, Side::Server);
                        t.add(&dst, Side::Client);
                    }
                    (_, "who-is") | (_, "who_is") => t.add(&src, Side::Client),
                    (_, "i-am") | (_, "i_am") => t.add(&src, Side::Announces),
                    _ => {}
                }
                if name == "bacnet_discovery.log" && get(r, "pdu_service") == "i-am" {
                    t.identity(&src, &get(r, "vendor"));
                }
            }
            continue;
        }
        let ports = server_ports(&name);
        if ports.is_empty() && !name.starts_with("conn") {
            continue;
        }
        for r in &rows {
            let ports: &[u16] = if name.starts_with("conn") {
                match get(r, "service").as_str() {
                    s if s.contains("modbus") => &[502],
                    s if s.contains("dnp3") => &[20000],
                    s if s.contains("s7comm") || s.contains("cotp") => &[102],
                    s if s.contains("enip") || s.contains("cip") => &[44818, 2222],
                    _ => continue,
                }
            } else {
                ports
            };
            let (oh, rh) = (get(r, "id.orig_h"), get(r, "id.resp_h"));
            let op = get(r, "id.orig_p").parse().unwrap_or(0);
            let rp = get(r, "id.resp_p").parse().unwrap_or(0);
            by_port(&mut t, ports, &oh, op, &rh, rp, ports == [20000]);
            if name == "cip_identity.log" {
                let dev = get(r, "socket_address");
                let dev = if dev.is_empty() || dev == "-" {
                    get(r, "source_h")
                } else {
                    dev
                };
                t.identity(&dev, &get(r, "vendor_name"));
                t.identity(&dev, &get(r, "product_name"));
            }
            if name == "s7comm_known_devices.log" {
                t.identity(&rh, &get(r, "module_name"));
            }
        }
    }
    t
}

fn corpus() -> Option<PathBuf> {
    let corpus = std::env::var_os("PLANTGUARD_CORPUS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"),
        PathBuf::from,
    );
    corpus.is_dir().then_some(corpus)
}

fn inventory(path: &Path, rel: &str) -> Inventory {
    let a = common::assess(path, rel);
    let h = analyse_hardening(&a, KnowledgeBase::embedded());
    build_inventory(&a, Some(&h), None)
}

fn loose(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Whether an identity string of the truth shows in the asset's vendor,
/// product, model, names or MAC vendor.
fn shows(a: &Asset, want: &str) -> bool {
    let w = loose(want);
    let first = loose(want.split([' ', '/']).next().unwrap_or(want));
    a.vendor
        .iter()
        .chain(&a.product)
        .chain(&a.model)
        .map(|x| loose(&x.value))
        .chain(a.names.iter().map(|n| loose(&n.name)))
        .chain(a.mac_vendor.iter().map(|m| loose(m)))
        .any(|v| !v.is_empty() && (v.contains(&w) || w.contains(&v) || v.contains(&first)))
}

#[test]
fn corpus_inventory_matches_documented_truth() {
    let Some(corpus) = corpus() else {
        eprintln!("SKIPPED: no corpus at ../shared/corpus (set PLANTGUARD_CORPUS)");
        return;
    };
    let started = std::time::Instant::now();
    let mut misses: BTreeSet<(String, String, String, String)> = BTreeSet::new();
    let (mut scored, mut roles, mut levels, mut not_scored) = (0, 0, 0, 0);
    let (mut idents, mut ident_ok) = (0, 0);
    let (mut captures, mut assets_total) = (0, 0);
    let mut per_capture = Vec::new();
    println!("| capture | address | truth | asset | role | level | match |");
    println!("|---|---|---|---|---|---|---|");
    for (rel, base) in CASES {
        let path = corpus.join(rel);
        assert!(path.exists(), "missing corpus capture {rel}");
        let truth = truth_of(&corpus.join(base));
        assert!(!truth.sides.is_empty(), "{base}: no truth derived");
        let inv = inventory(&path, rel);
        captures += 1;
        assets_total += inv.assets.len();
        let before = (scored, roles, levels, misses.len());
        let mut miss = |ip: &IpAddr, check: &str, what: String| {
            misses.insert((rel.to_string(), ip.to_string(), check.to_string(), what));
        };
        // One asset per truth address, and one truth address per asset.
        let mut owner: BTreeMap<String, Vec<IpAddr>> = BTreeMap::new();
        for ip in truth.sides.keys() {
            let holders: Vec<&Asset> = inv
                .assets
                .iter()
                .filter(|a| a.ips().any(|x| x == *ip))
                .collect();
            if holders.len() != 1 {
                miss(ip, "split", format!("{} assets", holders.len()));
                continue;
            }
            owner
                .entry(holders[0].id.to_string())
                .or_default()
                .push(*ip);
        }
        for ips in owner.values().filter(|v| v.len() > 1) {
            for ip in ips {
                miss(
                    ip,
                    "merged",
                    format!(
                        "with {}",
                        ips.iter()
                            .filter(|x| *x != ip)
                            .map(|x| x.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            }
        }
        for ip in truth.sides.keys() {
            let Some(a) = inv.asset_by_ip(*ip) else {
                continue;
            };
            let class = match truth.class(ip) {
                Ok(c) => c,
                Err(why) => {
                    not_scored += 1;
                    println!(
                        "| {rel} | {ip} | not scored: {why} | {} | {} | {:?} | - |",
                        a.id,
                        a.role,
                        a.purdue_level.map(|l| l.value())
                    );
                    continue;
                }
            };
            scored += 1;
            let role_ok = class.holds(a.role);
            let level_ok = a.purdue_level == Some(class.level());
            roles += usize::from(role_ok);
            levels += usize::from(level_ok);
            if !role_ok {
                miss(ip, "role", a.role.to_string());
            }
            if !level_ok {
                miss(
                    ip,
                    "level",
                    a.purdue_level
                        .map_or("none".to_string(), |l| l.value().to_string()),
                );
            }
            println!(
                "| {rel} | {ip} | {} | {} | {} ({:.2}) | {} | {} |",
                class.name(),
                a.id,
                a.role,
                a.role_confidence,
                a.purdue_level
                    .map_or("-".to_string(), |l| l.value().to_string()),
                if role_ok && level_ok { "yes" } else { "**no**" }
            );
            if let Some(want) = truth.identity.get(ip) {
                for w in want {
                    idents += 1;
                    if shows(a, w) {
                        ident_ok += 1;
                    } else {
                        miss(ip, "identity", w.clone());
                    }
                }
            }
        }
        per_capture.push(format!(
            "| `{}` | {} | {} | {} | {}/{} | {}/{} | {} |",
            rel.rsplit('/').next().unwrap_or(rel),
            truth.sides.len(),
            inv.assets.len(),
            scored - before.0,
            roles - before.1,
            scored - before.0,
            levels - before.2,
            scored - before.0,
            misses.len() - before.3
        ));
    }
    println!("\n| capture | truth addresses | assets | scored | role class | level | misses |");
    println!("|---|---|---|---|---|---|---|");
    for row in &per_capture {
        println!("{row}");
    }
    println!(
        "\n{captures} captures, {assets_total} assets; scored addresses: {scored} (not scored: {not_scored}); \
         role class matches: {roles}/{scored}; level matches: {levels}/{scored}; \
         identities shown: {ident_ok}/{idents}; misses: {}; {:.1} s",
        misses.len(),
        started.elapsed().as_secs_f64()
    );
    for m in &misses {
        println!("miss: {m:?}");
    }
    let known: BTreeSet<(String, String, String, String)> = MISSES
        .iter()
        .map(|(a, b, c, d)| ((*a).into(), (*b).into(), (*c).into(), (*d).into()))
        .collect();
    let new: Vec<_> = misses.difference(&known).collect();
    let gone: Vec<_> = known.difference(&misses).collect();
    assert!(
        new.is_empty() && gone.is_empty(),
        "misses changed (update MISSES and docs/accuracy.md):\n new: {new:#?}\n gone: {gone:#?}"
    );
    assert!(scored > 0);
    assert!(roles * 10 >= scored * 9, "roles {roles}/{scored}");
    assert!(levels * 10 >= scored * 9, "levels {levels}/{scored}");
}
