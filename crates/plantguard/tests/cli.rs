// SPDX-License-Identifier: Apache-2.0
//! The `plantguard` binary as a user runs it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use plantguard_engine::Assessment;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_plantguard"))
}

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/pcap/modbus/polling/input.pcap")
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("run plantguard")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn not_a_capture_names_the_file_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let bogus = dir.path().join("notes.pcap");
    std::fs::write(&bogus, "this is a text file, not a capture\n").unwrap();
    let o = run(bin().arg("assess").arg(&bogus));
    assert_eq!(o.status.code(), Some(2), "stderr: {}", stderr(&o));
    assert!(stderr(&o).contains("notes.pcap"), "stderr: {}", stderr(&o));
}

#[test]
fn missing_file_exits_2() {
    let o = run(bin().args(["assess", "/nonexistent/capture.pcap"]));
    assert_eq!(o.status.code(), Some(2), "stderr: {}", stderr(&o));
    assert!(stderr(&o).contains("/nonexistent/capture.pcap"));
}

#[test]
fn json_parses_back_and_counts_the_fixture() {
    let o = run(bin()
        .arg("assess")
        .arg(fixture())
        .args(["--json", "--quiet"]));
    assert!(o.status.success(), "stderr: {}", stderr(&o));
    let a: Assessment = serde_json::from_str(&stdout(&o)).expect("valid assessment JSON");
    assert_eq!(a.totals.packets, 118);
    assert_eq!(a.files.len(), 1);
    assert!(a.files[0].warning.is_none());
    assert!(a
        .protocols
        .iter()
        .any(|p| p.name == "modbus" && p.flows >= 1));
    assert!(a.hosts.len() >= 2);
    let server = a
        .hosts
        .iter()
        .find(|h| h.services.iter().any(|s| s.starts_with("tcp/502")))
        .expect("a Modbus server host");
    assert!(!server.macs.is_empty());
    assert!(server.packets_sent > 0 && server.packets_received > 0);
}

#[test]
fn json_is_identical_for_one_and_four_threads() {
    let one = run(bin()
        .arg("assess")
        .arg(fixture())
        .args(["--json", "-t", "1"]));
    let four = run(bin()
        .arg("assess")
        .arg(fixture())
        .args(["--json", "-t", "4"]));
    assert!(one.status.success() && four.status.success());
    assert_eq!(stdout(&one), stdout(&four));
}

#[test]
fn truncated_capture_keeps_earlier_packets_and_warns_with_offset() {
    let bytes = std::fs::read(fixture()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cut = dir.path().join("cut.pcap");
    // Cut in the middle of the file: some records survive, one is damaged.
    std::fs::write(&cut, &bytes[..bytes.len() / 2 + 3]).unwrap();
    let o = run(bin().arg("assess").arg(&cut).args(["--json", "--quiet"]));
    assert!(o.status.success(), "stderr: {}", stderr(&o));
    let a: Assessment = serde_json::from_str(&stdout(&o)).unwrap();
    let f = &a.files[0];
    let offset = f.warning_offset.expect("a warning offset");
    assert!(offset > 24 && offset < bytes.len() as u64);
    assert!(a.totals.packets > 10 && a.totals.packets < 118);
    let err = stderr(&o);
    assert!(
        err.contains("cut.pcap") && err.contains(&offset.to_string()),
        "stderr: {err}"
    );
}

#[test]
fn out_folder_holds_assessment_flows_summary_and_logs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("result");
    let o = run(bin()
        .arg("assess")
        .arg(fixture())
        .arg("--out")
        .arg(&out)
        .arg("--quiet"));
    assert!(o.status.success(), "stderr: {}", stderr(&o));
    let a: Assessment =
        serde_json::from_str(&std::fs::read_to_string(out.join("assessment.json")).unwrap())
            .unwrap();
    assert_eq!(a.totals.packets, 118);
    let flows: Vec<plantguard_engine::result::FlowRecord> =
        serde_json::from_str(&std::fs::read_to_string(out.join("flows.json")).unwrap()).unwrap();
    assert_eq!(flows.len() as u64, a.totals.flows);
    assert!(std::fs::read_to_string(out.join("summary.txt"))
        .unwrap()
        .contains("modbus"));
    let log = std::fs::read_to_string(out.join("logs/modbus.log")).expect("modbus.log");
    let first: serde_json::Value = serde_json::from_str(log.lines().next().unwrap()).unwrap();
    for field in [
        "ts",
        "uid",
        "id.orig_h",
        "id.orig_p",
        "id.resp_h",
        "id.resp_p",
    ] {
        assert!(first.get(field).is_some(), "missing {field} in {first}");
    }
    assert_eq!(first["id.resp_p"], 502);
}

#[test]
fn terminal_summary_shows_protocols_and_hosts() {
    let o = run(bin().arg("assess").arg(fixture()));
    assert!(o.status.success());
    let s = stdout(&o);
    assert!(s.contains("packets 118"), "{s}");
    assert!(s.contains("modbus"), "{s}");
    assert!(s.contains("Top hosts"), "{s}");
}

#[test]
fn site_file_error_names_file_line_and_field_and_stops() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site.toml");
    std::fs::write(
        &site,
        "[site]\nname = \"Test plant\"\n\n[[zone]]\nname = \"cell\"\npurdue_level = 1\nkind = \"ot\"\nsubnets = [\"10.30.0.0/33\"]\n",
    )
    .unwrap();
    let o = run(bin()
        .arg("assess")
        .arg(fixture())
        .arg("--site")
        .arg(&site)
        .arg("-q"));
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(err.contains("site.toml:8"), "no file:line in {err}");
    assert!(err.contains("10.30.0.0/33"), "no value in {err}");
}

#[test]
fn inventory_csv_has_one_row_per_asset_and_diff_of_a_run_with_itself_is_empty() {
    let o = run(bin().arg("inventory").arg(fixture()).args(["--csv", "-q"]));
    assert!(o.status.success(), "stderr: {}", stderr(&o));
    let csv = stdout(&o);
    let header = csv.lines().next().unwrap().trim_end();
    assert!(header.starts_with("id,name,role,"), "{header}");
    let j = run(bin().arg("inventory").arg(fixture()).args(["--json", "-q"]));
    let inv: serde_json::Value = serde_json::from_str(&stdout(&j)).unwrap();
    let assets = inv["assets"].as_array().unwrap().len();
    assert!(assets >= 2);
    assert_eq!(csv.lines().count(), assets + 1);

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    assert!(run(bin()
        .arg("assess")
        .arg(fixture())
        .arg("--out")
        .arg(&out)
        .arg("-q"))
    .status
    .success());
    let d = run(bin().arg("diff").arg(&out).arg(&out).arg("--json"));
    assert!(d.status.success(), "stderr: {}", stderr(&d));
    let v: serde_json::Value = serde_json::from_str(&stdout(&d)).unwrap();
    for section in v.as_object().unwrap().values() {
        if let Some(list) = section.as_array() {
            assert!(list.is_empty(), "diff of a run with itself: {v}");
        }
    }
}
