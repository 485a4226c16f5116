//! Live tests: real third-party protocol stacks, captured in network namespaces.
//!
//! `tests/live/run.sh OUTDIR` (a Python harness, see `tests/live/harness.py`)
//! builds small networks of namespaces, runs servers and clients of real stacks
//! (pymodbus, python-snap7, cpppo and pycomm3, asyncua, bacpypes3, c104,
//! pyftpdlib, pysnmp, telnetlib3, x11vnc, curl) with values it chose at random,
//! and writes for each scenario `capture.pcap` and `expected.json`. This test
//! then runs the `plantguard` binary on every capture and checks its output
//! against the checks in `expected.json`:
//!
//! - `{"log": "modbus.log", "match": {..}, "count": n?}`: a line of the Zeek-style
//!   log (from `--logs`) contains `match` (`count`: exactly that many lines do);
//! - `{"json": "/identities", "match": {..}}`: the `--json --flows` output at that
//!   JSON pointer contains `match` (for an array: one of its elements does);
//! - `"secrets": true` runs the check on the output of `--show-secrets`;
//! - `{"absent": "text"}`: the text is nowhere in the default outputs (JSON,
//!   logs, summary, `--out` folder);
//! - `"gap": "why"` marks a check that fails today because PlantGuard lacks a
//!   feature: it is reported but does not fail the test (and a gap that passes is
//!   reported too, so the mark can be removed).
//!
//! "Contains" is recursive: objects by key, arrays element-wise (every expected
//! element matches some actual element), numbers by value.
//!
//! Needs root, `ip netns` and tcpdump. Without them the test fails, unless
//! `PLANTGUARD_ALLOW_NO_LIVE=1`, which turns it into a skip. Runs only the
//! scenarios named in `PLANTGUARD_LIVE_SCENARIOS` (space-separated) when set.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const SCENARIOS: &[&str] = &["modbus", "s7", "enip", "opcua", "bacnet_iec104", "it"];
/// The harness's own budget is about 3 minutes; the first run also creates the venv.
const HARNESS_TIMEOUT: Duration = Duration::from_secs(20 * 60);

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// Why the live tests cannot run here, if they cannot.
fn missing_prerequisite() -> Option<String> {
    let uid = Command::new("id").arg("-u").output().ok()?;
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        return Some("not running as root (network namespaces need it)".into());
    }
    match Command::new("ip").args(["netns", "list"]).output() {
        Ok(o) if o.status.success() => {}
        _ => return Some("`ip netns` is not available (install iproute2)".into()),
    }
    for tool in ["tcpdump", "timeout", "unshare"] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .stdout(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if !found {
            return Some(format!("`{tool}` is not installed"));
        }
    }
    None
}

fn namespaces() -> BTreeSet<String> {
    let out = Command::new("ip").args(["netns", "list"]).output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect()
}

/// Runs the harness in its own process group; ends the whole group at the deadline.
fn run_harness(out: &Path, scenarios: &[String]) -> bool {
    use std::os::unix::process::CommandExt;
    let script = repo_root().join("tests/live/run.sh");
    let mut child = Command::new(&script)
        .arg(out)
        .args(scenarios)
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", script.display()));
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            eprintln!(
                "live: harness finished in {:.1} s ({status})",
                start.elapsed().as_secs_f64()
            );
            return status.success();
        }
        if start.elapsed() > HARNESS_TIMEOUT {
            let group = format!("-{}", child.id());
            eprintln!("live: harness timed out after {HARNESS_TIMEOUT:?}; stopping it");
            // The harness removes its namespaces on SIGTERM.
            let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
            std::thread::sleep(Duration::from_secs(15));
            let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
            let _ = child.wait();
            return false;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The outputs of one capture, as PlantGuard writes them.
struct Outputs {
    json: Value,
    secrets_json: Value,
    /// Every file under `--logs` (default run), by name.
    logs: Vec<(String, String)>,
    secrets_logs: Vec<(String, String)>,
    /// Everything the default runs printed or wrote, for the `absent` checks.
    all_default_text: String,
}

fn plantguard(args: &[&str]) -> String {
    let bin = env!("CARGO_BIN_EXE_plantguard");
    let out = Command::new("timeout")
        .args(["-s", "KILL", "120", bin])
        .args(args)
        .output()
        .expect("run plantguard");
    assert!(
        out.status.success(),
        "plantguard {args:?} failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

fn read_dir_text(dir: &Path) -> Vec<(String, String)> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let mut s = String::new();
                if std::fs::File::open(&p)
                    .and_then(|mut f| f.read_to_string(&mut s))
                    .is_ok()
                {
                    let name = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                    files.push((name, s));
                }
            }
        }
    }
    files.sort();
    files
}

fn assess(dir: &Path) -> Outputs {
    let cap = dir.join("capture.pcap");
    let cap = cap.to_str().unwrap();
    let work = dir.join("assess");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();
    let (l1, l2, folder) = (
        work.join("logs"),
        work.join("logs-secrets"),
        work.join("out"),
    );
    let default = plantguard(&[
        "assess",
        cap,
        "--json",
        "--flows",
        "--logs",
        l1.to_str().unwrap(),
        "-q",
    ]);
    let secrets = plantguard(&[
        "assess",
        cap,
        "--json",
        "--flows",
        "--show-secrets",
        "--logs",
        l2.to_str().unwrap(),
        "-q",
    ]);
    let summary = plantguard(&["assess", cap, "-q"]);
    let summary_out = plantguard(&["assess", cap, "-q", "--out", folder.to_str().unwrap()]);
    std::fs::write(work.join("assess.json"), &default).unwrap();
    std::fs::write(work.join("assess-secrets.json"), &secrets).unwrap();
    std::fs::write(work.join("summary.txt"), &summary).unwrap();
    let logs = read_dir_text(&l1);
    let mut all = format!("{default}\n{summary}\n{summary_out}\n");
    for (_, text) in logs.iter().chain(read_dir_text(&folder).iter()) {
        all.push_str(text);
        all.push('\n');
    }
    Outputs {
        json: serde_json::from_str(&default).expect("JSON output"),
        secrets_json: serde_json::from_str(&secrets).expect("JSON output (--show-secrets)"),
        logs,
        secrets_logs: read_dir_text(&l2),
        all_default_text: all,
    }
}

/// Whether `actual` contains `expected` (see the module docs).
fn contains(actual: &Value, expected: &Value) -> bool {
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) => e
            .iter()
            .all(|(k, ev)| a.get(k).is_some_and(|av| contains(av, ev))),
        (Value::Array(a), Value::Array(e)) => {
            e.iter().all(|ev| a.iter().any(|av| contains(av, ev)))
        }
        (Value::Number(a), Value::Number(e)) => a.as_f64() == e.as_f64(),
        (a, e) => a == e,
    }
}

/// Runs one check; `Ok` with a short note, or `Err` with what was looked at.
fn check(out: &Outputs, c: &Value) -> Result<String, String> {
    let secrets = c.get("secrets").and_then(Value::as_bool).unwrap_or(false);
    let want = c.get("match").cloned().unwrap_or(Value::Null);
    let count = c.get("count").and_then(Value::as_u64);
    let judge = |candidates: Vec<&Value>, place: &str| -> Result<String, String> {
        let n = candidates.iter().filter(|v| contains(v, &want)).count() as u64;
        let ok = match count {
            Some(c) => n == c,
            None => n >= 1,
        };
        if ok {
            Ok(format!("{n} match(es) in {place}"))
        } else {
            let near: Vec<String> = candidates.iter().take(6).map(|v| v.to_string()).collect();
            Err(format!(
                "{n} match(es) in {place} (want {}) for {want}\n        first of {} candidates:\n          {}",
                count.map_or("at least 1".to_string(), |c| c.to_string()),
                candidates.len(),
                near.join("\n          ")
            ))
        }
    };
    if let Some(file) = c.get("log").and_then(Value::as_str) {
        let logs = if secrets {
            &out.secrets_logs
        } else {
            &out.logs
        };
        let lines: Vec<Value> = logs
            .iter()
            .filter(|(name, _)| name == file)
            .flat_map(|(_, text)| {
                text.lines()
                    .filter_map(|l| serde_json::from_str(l).ok())
                    .collect::<Vec<_>>()
            })
            .collect();
        if lines.is_empty() {
            return Err(format!(
                "no {file} written (logs: {:?})",
                logs.iter().map(|l| &l.0).collect::<Vec<_>>()
            ));
        }
        return judge(lines.iter().collect(), file);
    }
    if let Some(ptr) = c.get("json").and_then(Value::as_str) {
        let root = if secrets {
            &out.secrets_json
        } else {
            &out.json
        };
        let Some(at) = root.pointer(ptr) else {
            return Err(format!("nothing at {ptr} in the JSON output"));
        };
        return match at {
            Value::Array(items) => judge(items.iter().collect(), ptr),
            other => judge(vec![other], ptr),
        };
    }
    if let Some(text) = c.get("absent").and_then(Value::as_str) {
        return match out.all_default_text.find(text) {
            None => Ok("absent from the default outputs".into()),
            Some(i) => {
                let from = out.all_default_text[..i]
                    .char_indices()
                    .rev()
                    .nth(80)
                    .map_or(0, |(j, _)| j);
                let ctx: String = out.all_default_text[from..]
                    .chars()
                    .take(160 + text.len())
                    .collect();
                Err(format!(
                    "{text:?} printed without --show-secrets: ...{ctx}..."
                ))
            }
        };
    }
    Err(format!("unknown check {c}"))
}

#[test]
fn live_third_party_stacks() {
    if let Some(why) = missing_prerequisite() {
        if std::env::var("PLANTGUARD_ALLOW_NO_LIVE").as_deref() == Ok("1") {
            eprintln!("live tests skipped: {why} (PLANTGUARD_ALLOW_NO_LIVE=1)");
            return;
        }
        panic!(
            "live tests cannot run: {why}. They need root, iproute2 and tcpdump \
             (see tests/live/README.md); set PLANTGUARD_ALLOW_NO_LIVE=1 to skip them."
        );
    }
    let wanted: Vec<String> = match std::env::var("PLANTGUARD_LIVE_SCENARIOS") {
        Ok(s) if !s.trim().is_empty() => s.split_whitespace().map(str::to_owned).collect(),
        _ => SCENARIOS.iter().map(|s| (*s).to_owned()).collect(),
    };
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("live");
    let before = namespaces();
    let start = Instant::now();
    let harness_ok = run_harness(&out, &wanted);
    let left: Vec<String> = namespaces().difference(&before).cloned().collect();
    assert!(
        left.is_empty(),
        "namespaces left behind by the live harness: {left:?}"
    );

    let mut failures = Vec::new();
    let (mut passed, mut gaps) = (0, 0);
    for name in &wanted {
        let dir = out.join(name);
        let expected_path = dir.join("expected.json");
        let Ok(text) = std::fs::read_to_string(&expected_path) else {
            let why = std::fs::read_to_string(dir.join("FAILED")).unwrap_or_default();
            failures.push(format!(
                "{name}: the harness produced no expected.json\n{why}"
            ));
            continue;
        };
        let expected: Value = serde_json::from_str(&text).expect("expected.json");
        let t = Instant::now();
        let outputs = assess(&dir);
        eprintln!(
            "live: {name}: captured in {} s, assessed in {:.2} s",
            expected["seconds"],
            t.elapsed().as_secs_f64()
        );
        for c in expected["checks"].as_array().expect("checks") {
            let what = c["what"].as_str().unwrap_or("?");
            let gap = c.get("gap").and_then(Value::as_str);
            match (check(&outputs, c), gap) {
                (Ok(note), None) => {
                    passed += 1;
                    eprintln!("  ok    {name}: {what} ({note})");
                }
                (Ok(note), Some(g)) => {
                    passed += 1;
                    eprintln!("  ok    {name}: {what} ({note}); marked as a known gap ({g}): remove the mark");
                }
                (Err(e), Some(g)) => {
                    gaps += 1;
                    eprintln!("  GAP   {name}: {what}: {g}\n        {e}");
                }
                (Err(e), None) => {
                    eprintln!("  FAIL  {name}: {what}\n        {e}");
                    failures.push(format!("{name}: {what}: {e}"));
                }
            }
        }
    }
    eprintln!(
        "live: {passed} checks passed, {} failed, {gaps} known gaps, {:.1} s in all (outputs in {})",
        failures.len(),
        start.elapsed().as_secs_f64(),
        out.display()
    );
    assert!(
        failures.is_empty(),
        "live checks failed:\n{}",
        failures.join("\n")
    );
    assert!(
        harness_ok,
        "the live harness reported a failure (see its output above)"
    );
}
