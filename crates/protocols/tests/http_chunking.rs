// SPDX-License-Identifier: Apache-2.0
//! Chunking property for the line-oriented IT parsers: an HTTP conversation
//! (pipelined requests, Basic authentication, a chunked and a
//! Content-Length body) and an FTP login fed in arbitrary chunks, with the
//! engine's buffering emulated (unconsumed bytes kept, the next chunk
//! appended), yield the same operations, facts and records as fed whole.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use plantguard_model::{HostFact, IdentityFact, Operation, Side};
use plantguard_protocols::api::{Direction, ObservationSink, Progress, Session};
use plantguard_protocols::ftp::FtpSession;
use plantguard_protocols::http::HttpSession;
use proptest::prelude::*;

#[derive(Default, Debug, PartialEq)]
struct Sink {
    ops: Vec<Operation>,
    facts: Vec<(Side, HostFact)>,
    records: Vec<serde_json::Value>,
}

impl ObservationSink for Sink {
    fn operation(&mut self, _: &'static str, op: Operation) {
        self.ops.push(op);
    }
    fn identity(&mut self, _: Side, _: IdentityFact) {}
    fn host_fact(&mut self, side: Side, fact: HostFact) {
        self.facts.push((side, fact));
    }
    fn anomaly(&mut self, _: &'static str, _: &'static str) {}
    fn wants_records(&self) -> bool {
        true
    }
    fn record(&mut self, _: &'static str, record: &dyn erased_serde::Serialize) {
        self.records.push(serde_json::to_value(record).unwrap());
    }
}

/// An HTTP conversation (request and response streams), in the shape of
/// the zeek `http/get.trace` and suricata-verify `http-chunked` captures.
const HTTP_REQ: &[u8] = b"GET /index.html HTTP/1.1\r\nHost: plc.example\r\nUser-Agent: Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)\r\nAuthorization: Basic YWRtaW46YWRtaW4=\r\n\r\nPOST /cfg HTTP/1.1\r\nHost: plc.example\r\nContent-Length: 11\r\n\r\nmode=stop\r\nGET /x HTTP/1.0\r\n\r\n";
const HTTP_RESP: &[u8] = b"HTTP/1.1 200 OK\r\nServer: GoAhead-Webs\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\nHTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"PLC\"\r\nContent-Length: 4\r\n\r\nnopeHTTP/1.0 404 Not Found\r\n\r\n";
/// An FTP login and upload (zeek `ftp/ipv4.trace` shape).
const FTP_REQ: &[u8] = b"USER sysdiag\r\nPASS factorycast@schneider\r\nSTOR prog.bin\r\nQUIT\r\n";
const FTP_RESP: &[u8] = b"220-Welcome\r\n220 VxWorks FTP server ready\r\n331 Password required\r\n230 User logged in\r\n150 Opening\r\n226 Transfer complete\r\n221 Bye\r\n";

/// Length of the FTP greeting in `FTP_RESP`.
const GREETING: usize = 43;

/// Feeds both streams, alternating directions chunk by chunk.
fn run(
    new: fn() -> Box<dyn Session>,
    greeting: usize,
    req: &[u8],
    resp: &[u8],
    cuts: &[usize],
) -> Sink {
    let mut s = new();
    let mut sink = Sink::default();
    // The server greeting (FTP) first, then every request, then the
    // responses, each split at `cuts` (pairing is in order, so this is the
    // conversation the parser sees when the client pipelines everything).
    let streams = [
        (Direction::ToClient, &resp[..greeting]),
        (Direction::ToServer, req),
        (Direction::ToClient, &resp[greeting..]),
    ];
    for (dir, bytes) in streams {
        let mut buf: Vec<u8> = Vec::new();
        let mut start = 0;
        let mut points: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
        points.push(bytes.len());
        points.sort_unstable();
        for p in points {
            if p < start {
                continue;
            }
            buf.extend_from_slice(&bytes[start..p]);
            start = p;
            match s.feed(dir, &buf, &mut sink) {
                Progress::Done => buf.clear(),
                Progress::Incomplete { consumed, needed } => {
                    assert!(consumed <= buf.len());
                    assert!(needed > 0);
                    buf.drain(..consumed);
                }
                Progress::Abandon(r) => panic!("abandoned: {r:?}"),
            }
        }
    }
    s.finish(&mut sink);
    sink
}

fn http() -> Box<dyn Session> {
    Box::new(HttpSession::new())
}

fn ftp() -> Box<dyn Session> {
    Box::new(FtpSession::new())
}

#[test]
fn whole_http_conversation_pairs_in_order() {
    let sink = run(http, 0, HTTP_REQ, HTTP_RESP, &[]);
    assert_eq!(
        sink.ops,
        vec![Operation::Read, Operation::Write, Operation::Read]
    );
    let codes: Vec<_> = sink
        .records
        .iter()
        .map(|r| r["status_code"].clone())
        .collect();
    assert_eq!(codes, vec![200, 401, 404]);
    assert_eq!(sink.records[0]["username"], "admin");
    assert_eq!(sink.records[0]["password_seen"], true);
    assert!(sink.records[0].get("password").is_none());
    assert_eq!(sink.records[1]["auth_realm"], "PLC");
    assert!(sink.facts.contains(&(
        Side::Server,
        HostFact::Credential {
            service: "http_basic".into(),
            username: "admin".into(),
            secret: "admin".into(),
            accepted: Some(true),
        }
    )));
    assert!(sink.facts.iter().any(|(s, f)| *s == Side::Client
        && matches!(f, HostFact::Os { name, .. } if name == "Windows XP")));
}

#[test]
fn whole_ftp_login_reports_accepted_credential_and_upload() {
    let sink = run(ftp, GREETING, FTP_REQ, FTP_RESP, &[]);
    assert!(sink.ops.contains(&Operation::FileTransfer));
    assert!(sink.facts.contains(&(
        Side::Server,
        HostFact::Credential {
            service: "ftp".into(),
            username: "sysdiag".into(),
            secret: "factorycast@schneider".into(),
            accepted: Some(true),
        }
    )));
    let stor = sink
        .records
        .iter()
        .find(|r| r["command"] == "STOR")
        .unwrap();
    assert_eq!(stor["reply_code"], 226);
    assert!(sink.records.iter().all(|r| r.get("password").is_none()));
}

proptest! {
    #[test]
    fn http_chunking_does_not_change_results(cuts in proptest::collection::vec(0usize..400, 0..40)) {
        prop_assert_eq!(run(http, 0, HTTP_REQ, HTTP_RESP, &cuts), run(http, 0, HTTP_REQ, HTTP_RESP, &[]));
    }

    #[test]
    fn ftp_chunking_does_not_change_results(cuts in proptest::collection::vec(0usize..200, 0..40)) {
        prop_assert_eq!(run(ftp, GREETING, FTP_REQ, FTP_RESP, &cuts), run(ftp, GREETING, FTP_REQ, FTP_RESP, &[]));
    }
}
