// SPDX-License-Identifier: Apache-2.0
//! Shared tshark agreement harness of the IT-side parsers (HTTP, TLS, SSH,
//! FTP, SNMP, Telnet, RDP): included with `#[path]` by each
//! `<proto>_tshark.rs`. Every corpus capture listing the protocol is read by
//! tshark (payload per frame plus the protocol's fields); payloads are fed
//! per stream and direction in frame order with the engine's buffering
//! (unconsumed bytes kept, gaps reported, retransmissions skipped), and the
//! values the session traced while a frame was fed are compared with
//! tshark's values for that frame.
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

pub fn corpus_dir() -> PathBuf {
    std::env::var_os("PLANTGUARD_CORPUS").map_or_else(
        || {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/corpus"
            ))
        },
        PathBuf::from,
    )
}

/// True when tshark runs; panics with a clear message unless PLANTGUARD_ALLOW_NO_TSHARK=1.
pub fn have_tshark() -> bool {
    if Command::new("tshark")
        .arg("-v")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        return true;
    }
    if std::env::var("PLANTGUARD_ALLOW_NO_TSHARK").as_deref() == Ok("1") {
        eprintln!("tshark not found: skipped (PLANTGUARD_ALLOW_NO_TSHARK=1)");
        return false;
    }
    panic!("tshark is required for this test (apt-get install tshark), or set PLANTGUARD_ALLOW_NO_TSHARK=1");
}

/// Captures of the corpus index whose IT protocols column holds `needle`
/// (a `;`-separated entry equal to it), skipping duplicates and bad files.
pub fn corpus_files(needle: &str) -> Vec<PathBuf> {
    let dir = corpus_dir();
    let index = std::fs::read_to_string(dir.join("INDEX.tsv")).expect("corpus INDEX.tsv");
    let mut v: Vec<PathBuf> = index
        .lines()
        .skip(1)
        .filter_map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            let (path, it, dup, status) = (cols.first()?, cols.get(4)?, cols.get(8)?, cols.get(9)?);
            let listed = it.split(';').any(|p| p.trim() == needle);
            (listed && dup.is_empty() && *status == "ok").then(|| dir.join(path))
        })
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
}

#[derive(Default, Debug)]
pub struct Tally {
    pub frames: usize,
    pub values: usize,
    pub disagreements: usize,
    pub explained: BTreeMap<&'static str, usize>,
}

const SEP: char = '\u{1e}';

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
}

/// Runs one capture; returns the counts and everything the sessions reported.
pub fn compare_file(
    spec: &Spec,
    path: &Path,
    new: &dyn Fn() -> Box<dyn Traced>,
    explain: &dyn Fn(&Diff<'_>) -> Option<&'static str>,
) -> (Tally, FrameSink) {
    let (l4, stream_f, srcport, dstport, payload) = if spec.udp {
        (
            "udp",
            "udp.stream",
            "udp.srcport",
            "udp.dstport",
            "udp.payload",
        )
    } else {
        (
            "tcp",
            "tcp.stream",
            "tcp.srcport",
            "tcp.dstport",
            "tcp.payload",
        )
    };
    let base = [
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
    ];
    let agg = format!("aggregator={SEP}");
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
    let text = String::from_utf8_lossy(&out.stdout);
    let mut streams: HashMap<u64, Stream> = HashMap::new();
    let mut sink = FrameSink::default();
    let mut tally = Tally::default();
    for line in text.lines() {
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
        if !bytes.is_empty() && !retrans && !st.dead {
            if spec.udp {
                if let Progress::Abandon(_) = st.session.feed(dir, &bytes, &mut sink) {
                    st.dead = true;
                }
            } else {
                if let (Some(next), Some(seq)) = (st.next_seq[i], seq) {
                    if seq > next {
                        st.session
                            .gap(dir, u32::try_from(seq - next).unwrap_or(u32::MAX));
                        st.bufs[i].clear();
                    }
                }
                if let Some(seq) = seq {
                    let end = seq + bytes.len() as u64;
                    st.next_seq[i] = Some(st.next_seq[i].map_or(end, |n| n.max(end)));
                }
                st.bufs[i].extend_from_slice(&bytes);
                match st.session.feed(dir, &st.bufs[i], &mut sink) {
                    Progress::Done => st.bufs[i].clear(),
                    Progress::Incomplete { consumed, .. } => {
                        assert!(consumed <= st.bufs[i].len(), "consumed beyond input");
                        st.bufs[i].drain(..consumed);
                    }
                    Progress::Abandon(_) => st.dead = true,
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
            };
            if let Some(why) = explain(&d) {
                *tally.explained.entry(why).or_default() += 1;
            } else {
                tally.disagreements += 1;
                if tally.disagreements <= 5 {
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
        .collect();
    assert!(
        !files.is_empty(),
        "no {} capture in the corpus index",
        spec.index_name
    );
    let (mut frames, mut values, mut bad) = (0, 0, 0);
    let mut explained: BTreeMap<&'static str, usize> = BTreeMap::new();
    // tshark dominates the run time: three captures at a time.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..3 {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(f) = files.get(i) else { break };
                let (t, _) = compare_file(spec, f, new, explain);
                results.lock().unwrap().push((f.clone(), t));
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
    assert!(frames >= min_frames, "too few frames compared: {frames}");
    assert_eq!(bad, 0, "unexplained disagreements with tshark");
}
