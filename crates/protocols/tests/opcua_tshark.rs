// SPDX-License-Identifier: Apache-2.0
//! tshark agreement for OPC UA binary: every corpus capture holding OPC UA
//! is fed, per TCP stream and direction in frame order, to an
//! [`OpcUaSession`]; the messages it decodes in each frame are compared with
//! tshark's `opcua.transport.type`, `opcua.transport.chunk`,
//! `opcua.transport.scid`, `opcua.security.rqid`, `opcua.security.seq`,
//! `opcua.servicenodeid.numeric` and `opcua.RequestHandle`.
//! Run with `--nocapture` to see the per-file counts.

use plantguard_model::Side;
use plantguard_protocols::opcua::OpcUaSession;
use plantguard_protocols::{Direction, Progress, Session};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::process::Command;

#[path = "ics_tshark_support.rs"]
mod support;
use support::common::hex;
use support::{corpus_dir, corpus_files, have_tshark, FrameSink};

const FIELDS: &[&str] = &[
    "frame.number",
    "tcp.stream",
    "tcp.srcport",
    "tcp.dstport",
    "tcp.payload",
    "opcua.transport.type",
    "opcua.transport.chunk",
    "opcua.transport.scid",
    "opcua.security.rqid",
    "opcua.security.seq",
    "opcua.servicenodeid.numeric",
    "opcua.RequestHandle",
    "tcp.analysis.retransmission",
    "tcp.seq",
];

fn num(s: &str) -> u64 {
    s.strip_prefix("0x").map_or_else(
        || s.parse().unwrap(),
        |h| u64::from_str_radix(h, 16).unwrap(),
    )
}

fn list(s: &str) -> Vec<u64> {
    if s.is_empty() {
        Vec::new()
    } else {
        s.split(',').map(num).collect()
    }
}

fn strs(s: &str) -> Vec<String> {
    if s.is_empty() {
        Vec::new()
    } else {
        s.split(',').map(str::to_owned).collect()
    }
}

#[derive(Default, Debug, PartialEq)]
struct Msgs {
    msg_type: Vec<String>,
    chunk: Vec<String>,
    scid: Vec<u64>,
    rqid: Vec<u64>,
    seq: Vec<u64>,
    service: Vec<u64>,
    handle: Vec<u64>,
}

/// Counts of one capture.
#[derive(Default, Debug)]
struct Tally {
    frames: usize,
    disagreements: usize,
    explained: BTreeMap<&'static str, usize>,
    identities: usize,
    ops: usize,
    records: usize,
    encrypted: u64,
}

/// Per stream: session, per-direction buffers, abandoned, client port.
type StreamState = (OpcUaSession, [Vec<u8>; 2], bool, Option<String>);

fn compare_file(path: &PathBuf) -> (Tally, FrameSink) {
    let out = Command::new("tshark")
        .arg("-n")
        .arg("-r")
        .arg(path)
        .args([
            "-Y",
            "tcp",
            "-T",
            "fields",
            "-E",
            "separator=/t",
            "-E",
            "occurrence=a",
            "-E",
            "aggregator=,",
        ])
        .args(FIELDS.iter().flat_map(|f| ["-e", f]))
        .output()
        .expect("run tshark");
    let text = String::from_utf8_lossy(&out.stdout);
    // stream -> (session, buffers, abandoned, client port)
    let mut sessions: HashMap<u64, StreamState> = HashMap::new();
    let mut sink = FrameSink::default();
    let mut tally = Tally::default();
    let mut next_seq: HashMap<(u64, bool), u64> = HashMap::new();
    for line in text.lines() {
        let c: Vec<&str> = line.split('\t').collect();
        let get = |i: usize| c.get(i).copied().unwrap_or("");
        let frame = num(get(0));
        let Ok(stream) = get(1).parse::<u64>() else {
            continue;
        };
        let payload = hex(get(4));
        let retrans = !get(12).is_empty();
        let seq: u64 = get(13).parse().unwrap_or(0);
        sink.frame = frame;
        let (sess, bufs, dead, client) = sessions.entry(stream).or_insert_with(|| {
            let mut s = OpcUaSession::new();
            s.enable_trace();
            (s, [Vec::new(), Vec::new()], false, None)
        });
        // The server listens on 4840/4843; otherwise the first sender of a payload is the client.
        let (src, dst) = (get(2), get(3));
        if client.is_none() {
            if ["4840", "4843"].contains(&dst) {
                *client = Some(src.to_owned());
            } else if ["4840", "4843"].contains(&src) {
                *client = Some(dst.to_owned());
            } else if !payload.is_empty() {
                *client = Some(src.to_owned());
            }
        }
        let dir = if client.as_deref() == Some(src) {
            Direction::ToServer
        } else {
            Direction::ToClient
        };
        let key = (stream, dir == Direction::ToClient);
        if !payload.is_empty() && !retrans && !*dead {
            let buf = &mut bufs[usize::from(dir == Direction::ToClient)];
            // Bytes missing from the capture: tell the session, drop what is buffered (engine behaviour).
            if let Some(&next) = next_seq.get(&key) {
                if seq > next {
                    sess.gap(dir, u32::try_from(seq - next).unwrap_or(u32::MAX));
                    buf.clear();
                }
            }
            next_seq.insert(key, seq + payload.len() as u64);
            buf.extend_from_slice(&payload);
            match sess.feed(dir, buf, &mut sink) {
                Progress::Done => buf.clear(),
                Progress::Incomplete { consumed, .. } => {
                    buf.drain(..consumed);
                }
                Progress::Abandon(_) => *dead = true,
            }
        }
        let mut ours = Msgs::default();
        let mut encrypted = false;
        for d in sess.take_trace() {
            ours.msg_type.push(d.msg_type.as_str().to_owned());
            ours.chunk.push(
                match d.chunk {
                    plantguard_protocols::opcua::codes::ChunkType::Final => "F",
                    plantguard_protocols::opcua::codes::ChunkType::Intermediate => "C",
                    plantguard_protocols::opcua::codes::ChunkType::Abort => "A",
                }
                .to_owned(),
            );
            ours.scid.extend(d.channel_id.map(u64::from));
            ours.rqid.extend(d.request_id.map(u64::from));
            ours.seq.extend(d.sequence_number.map(u64::from));
            ours.service.extend(d.service_type_id.map(u64::from));
            ours.handle.extend(d.request_handle.map(u64::from));
            encrypted |= d.encrypted;
        }
        let theirs = Msgs {
            msg_type: strs(get(5)),
            chunk: strs(get(6)),
            scid: list(get(7)),
            rqid: list(get(8)),
            seq: list(get(9)),
            service: list(get(10)),
            handle: list(get(11)),
        };
        if theirs.msg_type.is_empty() && ours.msg_type.is_empty() {
            continue;
        }
        tally.frames += 1;
        if ours == theirs {
            continue;
        }
        let mut bad = Vec::new();
        if ours.msg_type != theirs.msg_type
            || ours.chunk != theirs.chunk
            || ours.scid != theirs.scid
        {
            bad.push("transport");
        }
        let body_differs = ours.rqid != theirs.rqid
            || ours.seq != theirs.seq
            || ours.service != theirs.service
            || ours.handle != theirs.handle;
        if body_differs && bad.is_empty() {
            if encrypted {
                // Explained: symmetric encryption covers the sequence header and the
                // body; tshark prints the encrypted bytes as request id / sequence
                // number (and sometimes a service id); we decode nothing from them.
                *tally
                    .explained
                    .entry("encrypted_sequence_header_and_body")
                    .or_default() += 1;
            } else {
                bad.push("body");
            }
        }
        if !bad.is_empty() {
            tally.disagreements += 1;
            if tally.disagreements <= 5 {
                eprintln!(
                    "{}: frame {frame}: {bad:?}\n  ours   {ours:?}\n  tshark {theirs:?}",
                    path.display()
                );
            }
        }
    }
    for (_, (s, _, _, _)) in sessions.iter_mut() {
        tally.encrypted += s.encrypted_messages();
        s.flush(&mut sink);
    }
    tally.identities = sink.identities.len();
    tally.ops = sink.ops.len();
    tally.records = sink.records.len();
    (tally, sink)
}

#[test]
fn opcua_agrees_with_tshark_on_corpus() {
    if !have_tshark() {
        return;
    }
    let mut files = corpus_files("OPC UA");
    files.sort();
    assert!(!files.is_empty(), "no OPC UA capture in the corpus index");
    let (mut frames, mut bad) = (0, 0);
    for f in &files {
        let (t, _) = compare_file(f);
        eprintln!(
            "{}: frames {} disagreements {} explained {:?} ops {} identities {} records {} encrypted {}",
            f.strip_prefix(corpus_dir()).unwrap_or(f).display(),
            t.frames,
            t.disagreements,
            t.explained,
            t.ops,
            t.identities,
            t.records,
            t.encrypted
        );
        frames += t.frames;
        bad += t.disagreements;
    }
    eprintln!(
        "TOTAL opcua: {} files, {frames} frames compared, {bad} unexplained disagreements",
        files.len()
    );
    assert!(frames > 1000, "too few frames compared: {frames}");
    assert_eq!(bad, 0, "unexplained disagreements with tshark");
}

#[test]
fn mainloop_capture_yields_server_identity_and_username_token() {
    if !have_tshark() {
        return;
    }
    let f =
        corpus_dir().join("icsnpp/icsnpp-opcua-binary/pcaps/open62541_client-server_mainloop.pcap");
    let (t, sink) = compare_file(&f);
    assert_eq!(t.disagreements, 0);
    let server = sink
        .identities
        .iter()
        .find(|(_, side, _)| *side == Side::Server)
        .expect("server identity");
    assert_eq!(
        server.2.product.as_deref(),
        Some("open62541-based OPC UA Application")
    );
    assert_eq!(server.2.model.as_deref(), Some("http://open62541.org"));
    let activate = sink
        .records
        .iter()
        .find(|(_, _, r)| r["service_type_id"] == 467)
        .expect("ActivateSession record");
    assert_eq!(activate.2["identity_token"], "username");
    assert_eq!(activate.2["username"], "user1");
    assert!(activate.2.get("password").is_none());
    assert!(sink
        .records
        .iter()
        .any(|(_, _, r)| r["service_type_id"] == 673
            && r["first_node_written"] == "ns=1;s=the.answer"));
}

#[test]
fn encrypted_capture_is_counted_not_decoded() {
    if !have_tshark() {
        return;
    }
    let f = corpus_dir()
        .join("icsnpp/icsnpp-opcua-binary/pcaps/open62541_client-server_encrypted.pcap");
    let (t, sink) = compare_file(&f);
    assert_eq!(t.disagreements, 0);
    assert!(t.encrypted > 0, "encrypted messages are counted");
    assert!(sink.records.iter().any(|(_, _, r)| r["encrypted"] == true));
}
