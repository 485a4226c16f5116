// SPDX-License-Identifier: Apache-2.0
//! Shared tshark agreement harness of the IT-side parsers (HTTP, TLS, SSH,
//! FTP, SNMP, Telnet, RDP): included with `#[path]` by each
//! `<proto>_tshark.rs`. Every corpus capture listing the protocol is read by
//! tshark (payload per frame plus the protocol's fields); payloads are fed
//! per stream and direction in frame order with the engine's buffering
//! (unconsumed bytes kept, gaps reported, retransmissions skipped), and the
//! values the session traced while a frame was fed are compared with
//! tshark's values for that frame.
//!
//! Speed: captures of up to 4000 frames are concatenated (`mergecap -a`,
//! up to 150 per batch) and read by one tshark run, frame numbers mapped
//! back per file (files whose streams tshark would join are re-read
//! alone); two batches run at a time. All 677 HTTP captures take about
//! 12 s instead of minutes of tshark start-ups.
//!
//! Reordering: a segment after a hole that a later out-of-order segment
//! fills (tshark's `tcp.analysis.out_of_order`, within 50 frames) is held
//! and fed once the hole is filled, as the engine's reassembly does; other
//! holes are reported with `gap`. The SYN counts for one sequence number,
//! so a lost first segment is a gap too.
//!
//! While analysing: `PLANTGUARD_TSHARK_ONLY=<path fragment>` runs matching
//! captures only, `PLANTGUARD_TSHARK_VERBOSE=1` prints every disagreement
//! (explained ones prefixed `EXPLAINED <reason>`), `PLANTGUARD_TIMING=1`
//! the time per batch.
#![allow(
    dead_code,
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use plantguard_model::{HostFact, IdentityFact, Operation, Side};
use plantguard_protocols::{Direction, ObservationSink, Progress, Session};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;
#[path = "common/mod.rs"]
mod common;
pub use common::corpus_dir;
use common::Duplicates;

/// True when tshark runs; panics with a clear message unless
/// PLANTGUARD_ALLOW_NO_TSHARK=1 (then says the test is skipped).
pub fn have_tshark() -> bool {
    let ok = common::tshark_available();
    if !ok {
        eprintln!("tshark not found: skipped (PLANTGUARD_ALLOW_NO_TSHARK=1)");
    }
    ok
}

/// Captures of the corpus index whose IT protocols column holds `needle`
/// (a `;`-separated entry equal to it), skipping duplicates and bad files.
pub fn corpus_files(needle: &str) -> Vec<PathBuf> {
    let dir = corpus_dir();
    let mut v: Vec<PathBuf> = common::corpus_files(
        |r| {
            let listed = r.it_protocols.split(';').any(|p| p.trim() == needle);
            listed && r.status == "ok"
        },
        Duplicates::Skip,
    )
    .into_iter()
    .map(|p| dir.join(p))
    .collect();
    v.sort();
    v
}

/// A session that can report what it decoded (see `Trace` in the crate).
pub trait Traced: Session {
    fn take_trace(&mut self) -> Vec<(&'static str, String)>;
}

#[derive(Default)]
pub struct FrameSink {
    pub frame: u64,
    pub ops: Vec<(u64, &'static str, Operation)>,
    pub identities: Vec<(u64, Side, IdentityFact)>,
    pub facts: Vec<(u64, Side, HostFact)>,
    pub anomalies: Vec<(u64, &'static str)>,
    pub records: Vec<(u64, &'static str, serde_json::Value)>,
}

impl ObservationSink for FrameSink {
    fn operation(&mut self, p: &'static str, op: Operation) {
        self.ops.push((self.frame, p, op));
    }
    fn identity(&mut self, speaker: Side, fact: IdentityFact) {
        self.identities.push((self.frame, speaker, fact));
    }
    fn host_fact(&mut self, subject: Side, fact: HostFact) {
        self.facts.push((self.frame, subject, fact));
    }
    fn anomaly(&mut self, _p: &'static str, name: &'static str) {
        self.anomalies.push((self.frame, name));
    }
    fn wants_records(&self) -> bool {
        true
    }
    fn record(&mut self, log: &'static str, record: &dyn erased_serde::Serialize) {
        let v = serde_json::to_value(record).expect("record serialises");
        self.records.push((self.frame, log, v));
    }
}

/// What to compare for one protocol.
pub struct Spec {
    /// Entry of the INDEX.tsv `it_protocols` column.
    pub index_name: &'static str,
    /// UDP instead of TCP.
    pub udp: bool,
    /// Server ports (decide the direction when no SYN was captured).
    pub server_ports: &'static [u16],
    /// tshark fields compared with the trace.
    pub fields: &'static [&'static str],
    /// Extra tshark arguments (`-o` preferences).
    pub tshark_args: &'static [&'static str],
    /// Path fragments of captures left out (each with its reason at the use site).
    pub skip: &'static [&'static str],
    /// Feed only streams with one end on a server port (FTP: not the data connections).
    pub only_server_ports: bool,
}

/// One disagreement, handed to the explainer.
pub struct Diff<'a> {
    pub file: &'a Path,
    pub frame: u64,
    pub field: &'static str,
    pub ours: &'a [String],
    pub theirs: &'a [String],
    /// The stream was abandoned (tunnel, encryption, not this protocol) before this frame.
    pub abandoned: bool,
    /// Source and destination ports of the frame.
    pub ports: (u16, u16),
    /// The frame's payload.
    pub payload: &'a [u8],
    /// A gap (lost segment) was reported in this direction at or before this frame.
    pub after_gap: bool,
    /// tshark flagged the frame as an out-of-order segment.
    pub out_of_order: bool,
}

#[derive(Default, Debug)]
pub struct Tally {
    pub frames: usize,
    pub values: usize,
    pub disagreements: usize,
    pub explained: BTreeMap<&'static str, usize>,
}

const SEP: char = '\u{1e}';
/// Largest capture (frames) read in a batch, and the most frames and files per batch.
const BATCH_PACKETS: u64 = 4000;
const BATCH_FILES: usize = 150;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .filter_map(|i| u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok())
        .collect()
}

/// Undoes tshark's escaping of string fields in `-T fields` output.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c == '\\' {
            match it.next() {
                Some('t') => out.push('\t'),
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some('\\') => out.push('\\'),
                Some('"') => out.push('"'),
                Some(o) => {
                    out.push('\\');
                    out.push(o);
                }
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

struct Stream {
    session: Box<dyn Traced>,
    bufs: [Vec<u8>; 2],
    dead: bool,
    client: Option<String>,
    next_seq: [Option<u64>; 2],
    /// Segments that arrived ahead of a hole a later out-of-order segment fills.
    held: [Vec<(u64, Vec<u8>)>; 2],
    gapped: [bool; 2],
}

/// What the look-ahead needs of a frame.
struct Row {
    stream: Option<u64>,
    src: String,
    seq: Option<u64>,
    has_payload: bool,
    out_of_order: bool,
}

/// Feeds `bytes` starting at sequence number `seq`, dropping what was already fed.
fn feed_segment(
    st: &mut Stream,
    i: usize,
    dir: Direction,
    seq: Option<u64>,
    bytes: &[u8],
    sink: &mut FrameSink,
) {
    let end = seq.map(|s| s + bytes.len() as u64);
    let mut bytes = bytes;
    if let (Some(next), Some(seq)) = (st.next_seq[i], seq) {
        if seq > next {
            st.session
                .gap(dir, u32::try_from(seq - next).unwrap_or(u32::MAX));
            st.bufs[i].clear();
            st.gapped[i] = true;
        } else if seq < next {
            let skip = usize::try_from(next - seq).unwrap_or(usize::MAX);
            bytes = bytes.get(skip..).unwrap_or_default();
        }
    }
    if let Some(end) = end {
        st.next_seq[i] = Some(st.next_seq[i].map_or(end, |n| n.max(end)));
    }
    if bytes.is_empty() || st.dead {
        return;
    }
    st.bufs[i].extend_from_slice(bytes);
    match st.session.feed(dir, &st.bufs[i], sink) {
        Progress::Done => st.bufs[i].clear(),
        Progress::Incomplete { consumed, .. } => {
            assert!(consumed <= st.bufs[i].len(), "consumed beyond input");
            st.bufs[i].drain(..consumed);
        }
        Progress::Abandon(_) => st.dead = true,
    }
}

fn base_fields(spec: &Spec) -> [&'static str; 12] {
    let (stream_f, srcport, dstport, payload) = if spec.udp {
        ("udp.stream", "udp.srcport", "udp.dstport", "udp.payload")
    } else {
        ("tcp.stream", "tcp.srcport", "tcp.dstport", "tcp.payload")
    };
    [
        "frame.number",
        stream_f,
        "ip.src",
        "ipv6.src",
        srcport,
        dstport,
        payload,
        "tcp.flags.syn",
        "tcp.flags.ack",
        "tcp.seq",
        "tcp.analysis.retransmission",
        "tcp.analysis.out_of_order",
    ]
}

/// tshark's per-frame field lines for one capture (one tshark run).
fn tshark_text(spec: &Spec, path: &Path) -> String {
    let l4 = if spec.udp { "udp" } else { "tcp" };
    let agg = format!("aggregator={SEP}");
    let base = base_fields(spec);
    let out = Command::new("tshark")
        .arg("-n")
        .arg("-r")
        .arg(path)
        .args(spec.tshark_args)
        .args([
            "-Y",
            l4,
            "-T",
            "fields",
            "-E",
            "separator=/t",
            "-E",
            "occurrence=a",
            "-E",
        ])
        .arg(&agg)
        .args(base.iter().chain(spec.fields).flat_map(|f| ["-e", f]))
        .output()
        .expect("run tshark");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Frame counts of captures, from one `capinfos` run.
fn packet_counts(files: &[PathBuf]) -> HashMap<PathBuf, u64> {
    let Ok(out) = Command::new("capinfos")
        .args(["-T", "-r", "-c"])
        .args(files)
        .output()
    else {
        return HashMap::new();
    };
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let (path, n) = l.rsplit_once('\t')?;
            Some((PathBuf::from(path), n.trim().parse().ok()?))
        })
        .collect()
}

static BATCH: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// tshark's lines for several captures from one tshark run over their
/// concatenation (`mergecap -a`): tshark's start-up dominates on the many
/// small captures. Frame numbers are given back per file. A TCP/UDP stream
/// that tshark saw spanning two files (same addresses, ports and sequence
/// numbers reused) would mix their state, so those files are read alone.
fn tshark_batch(spec: &Spec, files: &[(PathBuf, u64)]) -> Vec<(PathBuf, String)> {
    let alone = |f: &PathBuf| (f.clone(), tshark_text(spec, f));
    if files.len() < 2 {
        return files.iter().map(|(f, _)| alone(f)).collect();
    }
    let merged = std::env::temp_dir().join(format!(
        "plantguard-it-tshark-{}-{}.pcapng",
        std::process::id(),
        BATCH.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let ok = Command::new("mergecap")
        .args(["-a", "-F", "pcapng", "-w"])
        .arg(&merged)
        .args(files.iter().map(|(f, _)| f))
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        let _ = std::fs::remove_file(&merged);
        return files.iter().map(|(f, _)| alone(f)).collect();
    }
    let text = tshark_text(spec, &merged);
    let _ = std::fs::remove_file(&merged);
    let mut ends = Vec::with_capacity(files.len());
    let mut total = 0u64;
    for (_, n) in files {
        total += n;
        ends.push(total);
    }
    let mut per_file: Vec<String> = vec![String::new(); files.len()];
    let mut stream_file: HashMap<u64, usize> = HashMap::new();
    let mut mixed = vec![false; files.len()];
    for line in text.lines() {
        let (num, rest) = line.split_once('\t').unwrap_or((line, ""));
        let Ok(frame) = num.parse::<u64>() else {
            continue;
        };
        let i = ends.partition_point(|&e| e < frame);
        let Some(start) = i.checked_sub(1).map_or(Some(0), |j| ends.get(j).copied()) else {
            continue;
        };
        if i >= files.len() {
            mixed.iter_mut().for_each(|m| *m = true);
            continue;
        }
        if let Some(stream) = rest.split('\t').next().and_then(|s| s.parse::<u64>().ok()) {
            let first = *stream_file.entry(stream).or_insert(i);
            if first != i {
                mixed[first] = true;
                mixed[i] = true;
            }
        }
        let out = &mut per_file[i];
        out.push_str(&(frame - start).to_string());
        out.push('\t');
        out.push_str(rest);
        out.push('\n');
    }
    files
        .iter()
        .zip(per_file)
        .zip(mixed)
        .map(|(((f, _), t), m)| if m { alone(f) } else { (f.clone(), t) })
        .collect()
}

/// Runs one capture; returns the counts and everything the sessions reported.
pub fn compare_file(
    spec: &Spec,
    path: &Path,
    new: &dyn Fn() -> Box<dyn Traced>,
    explain: &dyn Fn(&Diff<'_>) -> Option<&'static str>,
) -> (Tally, FrameSink) {
    compare_text(spec, path, &tshark_text(spec, path), new, explain)
}

/// Feeds one capture's tshark lines to fresh sessions and compares.
fn compare_text(
    spec: &Spec,
    path: &Path,
    text: &str,
    new: &dyn Fn() -> Box<dyn Traced>,
    explain: &dyn Fn(&Diff<'_>) -> Option<&'static str>,
) -> (Tally, FrameSink) {
    let base = base_fields(spec);
    let mut streams: HashMap<u64, Stream> = HashMap::new();
    let mut sink = FrameSink::default();
    let mut tally = Tally::default();
    let lines: Vec<&str> = text.lines().collect();
    let rows: Vec<Row> = lines
        .iter()
        .map(|line| {
            let c: Vec<&str> = line.split('\t').collect();
            let get = |i: usize| c.get(i).copied().unwrap_or("");
            Row {
                stream: get(1).parse().ok(),
                src: format!("{}{}:{}", get(2), get(3), get(4)),
                seq: get(9).parse().ok(),
                has_payload: !get(6).is_empty(),
                out_of_order: !get(11).is_empty(),
            }
        })
        .collect();
    // A later out-of-order segment of the same direction fills the hole below `seq`.
    let filled_later = |at: usize, seq: u64| {
        let me = &rows[at];
        rows.iter().skip(at + 1).take(50).any(|r| {
            r.stream == me.stream
                && r.src == me.src
                && r.has_payload
                && r.out_of_order
                && r.seq.is_some_and(|s| s < seq)
        })
    };
    for (row, line) in lines.iter().enumerate() {
        let c: Vec<&str> = line.split('\t').collect();
        let get = |i: usize| c.get(i).copied().unwrap_or("");
        let frame: u64 = get(0).parse().unwrap_or(0);
        let Ok(stream_id) = get(1).parse::<u64>() else {
            continue;
        };
        let src = format!("{}{}:{}", get(2), get(3), get(4));
        let (sport, dport): (u16, u16) = (get(4).parse().unwrap_or(0), get(5).parse().unwrap_or(0));
        let bytes = hex(get(6));
        let syn_only = get(7) == "1" && get(8) == "0";
        let seq: Option<u64> = get(9).parse().ok();
        let retrans = !get(10).is_empty();
        sink.frame = frame;
        if spec.only_server_ports
            && !spec.server_ports.contains(&sport)
            && !spec.server_ports.contains(&dport)
        {
            continue;
        }
        let st = streams.entry(stream_id).or_insert_with(|| Stream {
            session: new(),
            bufs: [Vec::new(), Vec::new()],
            dead: false,
            client: None,
            next_seq: [None, None],
            held: [Vec::new(), Vec::new()],
            gapped: [false, false],
        });
        if st.client.is_none() {
            let to_server_port =
                spec.server_ports.contains(&dport) && !spec.server_ports.contains(&sport);
            if syn_only || to_server_port {
                st.client = Some(src.clone());
            } else if spec.server_ports.contains(&sport) && !spec.server_ports.contains(&dport) {
                st.client = Some(format!("other-than-{src}"));
            } else if !bytes.is_empty() {
                st.client = Some(src.clone());
            }
        }
        let to_server = st.client.as_deref() == Some(src.as_str())
            || st
                .client
                .as_deref()
                .is_some_and(|c| c.starts_with("other-than-") && !c.ends_with(src.as_str()));
        let dir = if to_server {
            Direction::ToServer
        } else {
            Direction::ToClient
        };
        let i = usize::from(!to_server);
        let abandoned_before = st.dead;
        if !spec.udp && get(7) == "1" && !retrans {
            // The SYN takes one sequence number: a lost first segment is a gap.
            if let Some(seq) = seq {
                st.next_seq[i] = Some(st.next_seq[i].map_or(seq + 1, |n| n.max(seq + 1)));
            }
        }
        if !bytes.is_empty() && !retrans && !st.dead {
            if spec.udp {
                if let Progress::Abandon(_) = st.session.feed(dir, &bytes, &mut sink) {
                    st.dead = true;
                }
            } else {
                match (st.next_seq[i], seq) {
                    (Some(next), Some(seq)) if seq > next && filled_later(row, seq) => {
                        st.held[i].push((seq, bytes.clone()));
                    }
                    _ => feed_segment(st, i, dir, seq, &bytes, &mut sink),
                }
                // Held segments follow once the hole below them is filled (or
                // no later segment will fill it).
                st.held[i].sort_by_key(|(s, _)| *s);
                while let Some((hseq, _)) = st.held[i].first() {
                    let hseq = *hseq;
                    if st.next_seq[i].is_some_and(|n| hseq > n) && filled_later(row, hseq) {
                        break;
                    }
                    let (hseq, hbytes) = st.held[i].remove(0);
                    feed_segment(st, i, dir, Some(hseq), &hbytes, &mut sink);
                }
            }
        }
        let trace = st.session.take_trace();
        let mut any = false;
        for (k, field) in spec.fields.iter().enumerate() {
            let raw = get(base.len() + k);
            let theirs: Vec<String> = if raw.is_empty() {
                Vec::new()
            } else {
                raw.split(SEP).map(unescape).collect()
            };
            let ours: Vec<String> = trace
                .iter()
                .filter(|(f, _)| f == field)
                .map(|(_, v)| v.clone())
                .collect();
            if theirs.is_empty() && ours.is_empty() {
                continue;
            }
            any = true;
            tally.values += theirs.len().max(ours.len());
            if ours == theirs {
                continue;
            }
            let d = Diff {
                file: path,
                frame,
                field,
                ours: &ours,
                theirs: &theirs,
                abandoned: abandoned_before,
                ports: (sport, dport),
                payload: &bytes,
                after_gap: st.gapped[i],
                out_of_order: !get(11).is_empty(),
            };
            if let Some(why) = explain(&d) {
                if std::env::var_os("PLANTGUARD_TSHARK_VERBOSE").is_some() {
                    eprintln!(
                        "EXPLAINED {why}: {}: frame {frame} {field}: ours {ours:?} tshark {theirs:?}",
                        path.display()
                    );
                }
                *tally.explained.entry(why).or_default() += 1;
            } else {
                tally.disagreements += 1;
                if tally.disagreements <= 5
                    || std::env::var_os("PLANTGUARD_TSHARK_VERBOSE").is_some()
                {
                    eprintln!(
                        "{}: frame {frame} {field}: ours {ours:?} tshark {theirs:?}",
                        path.display()
                    );
                }
            }
        }
        if any {
            tally.frames += 1;
        }
    }
    let mut ids: Vec<u64> = streams.keys().copied().collect();
    ids.sort_unstable();
    for id in ids {
        if let Some(st) = streams.get_mut(&id) {
            for (i, dir) in [(0, Direction::ToServer), (1, Direction::ToClient)] {
                for (hseq, hbytes) in std::mem::take(&mut st.held[i]) {
                    feed_segment(st, i, dir, Some(hseq), &hbytes, &mut sink);
                }
            }
            st.session.finish(&mut sink);
        }
    }
    (tally, sink)
}

/// Runs every capture of the protocol and checks the totals.
pub fn run_corpus(
    spec: &Spec,
    new: &(dyn Fn() -> Box<dyn Traced> + Sync),
    explain: &(dyn Fn(&Diff<'_>) -> Option<&'static str> + Sync),
    min_frames: usize,
) {
    if !have_tshark() {
        return;
    }
    let files: Vec<PathBuf> = corpus_files(spec.index_name)
        .into_iter()
        .filter(|f| !spec.skip.iter().any(|s| f.to_string_lossy().contains(s)))
        .filter(|f| {
            // PLANTGUARD_TSHARK_ONLY=<path fragment> narrows the run while analysing.
            std::env::var("PLANTGUARD_TSHARK_ONLY")
                .map_or(true, |only| f.to_string_lossy().contains(&only))
        })
        .collect();
    assert!(
        !files.is_empty(),
        "no {} capture in the corpus index",
        spec.index_name
    );
    let (mut frames, mut values, mut bad) = (0, 0, 0);
    let mut explained: BTreeMap<&'static str, usize> = BTreeMap::new();
    // tshark's start-up dominates the run time: small captures are read in
    // batches by one tshark run each, and two batches at a time (two cores).
    let counts = packet_counts(&files);
    let mut batches: Vec<Vec<(PathBuf, u64)>> = Vec::new();
    let mut cur: Vec<(PathBuf, u64)> = Vec::new();
    let mut cur_packets = 0u64;
    for f in &files {
        let n = counts.get(f).copied();
        let Some(n) = n.filter(|&n| n <= BATCH_PACKETS) else {
            batches.push(vec![(f.clone(), n.unwrap_or(0))]);
            continue;
        };
        if cur_packets + n > BATCH_PACKETS || cur.len() >= BATCH_FILES {
            batches.push(std::mem::take(&mut cur));
            cur_packets = 0;
        }
        cur_packets += n;
        cur.push((f.clone(), n));
    }
    if !cur.is_empty() {
        batches.push(cur);
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(batch) = batches.get(i) else { break };
                let t0 = std::time::Instant::now();
                for (f, text) in tshark_batch(spec, batch) {
                    let (t, _) = compare_text(spec, &f, &text, new, explain);
                    results.lock().unwrap().push((f, t));
                }
                if std::env::var_os("PLANTGUARD_TIMING").is_some() {
                    eprintln!(
                        "TIME {:?} batch of {} from {}",
                        t0.elapsed(),
                        batch.len(),
                        batch[0].0.display()
                    );
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by(|a, b| a.0.cmp(&b.0));
    for (f, t) in results {
        if t.frames > 0 || t.disagreements > 0 {
            eprintln!(
                "{}: frames {} values {} disagreements {} explained {:?}",
                f.strip_prefix(corpus_dir()).unwrap_or(&f).display(),
                t.frames,
                t.values,
                t.disagreements,
                t.explained
            );
        }
        frames += t.frames;
        values += t.values;
        bad += t.disagreements;
        for (k, v) in t.explained {
            *explained.entry(k).or_default() += v;
        }
    }
    eprintln!(
        "TOTAL {}: {} files, {frames} frames compared, {values} values, {bad} unexplained disagreements, explained {explained:?}",
        spec.index_name,
        files.len()
    );
    if std::env::var_os("PLANTGUARD_TSHARK_ONLY").is_none() {
        assert!(frames >= min_frames, "too few frames compared: {frames}");
    }
    assert_eq!(bad, 0, "unexplained disagreements with tshark");
}
