// SPDX-License-Identifier: Apache-2.0
//! Unit tests with annotated bytes cut from corpus captures
//! (`icsnpp/icsnpp-opcua-binary/pcaps/open62541_client-server_mainloop.pcap`).
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use super::*;
use crate::api::{ObservationSink, Progress};
use plantguard_model::{IdentityFact, Operation, Side};

#[derive(Default)]
struct Sink {
    ops: Vec<Operation>,
    ids: Vec<(Side, IdentityFact)>,
    anomalies: Vec<&'static str>,
    records: Vec<serde_json::Value>,
}

impl ObservationSink for Sink {
    fn operation(&mut self, _: &'static str, op: Operation) {
        self.ops.push(op);
    }
    fn identity(&mut self, s: Side, f: IdentityFact) {
        self.ids.push((s, f));
    }
    fn anomaly(&mut self, _: &'static str, n: &'static str) {
        self.anomalies.push(n);
    }
    fn wants_records(&self) -> bool {
        true
    }
    fn record(&mut self, _: &'static str, r: &dyn erased_serde::Serialize) {
        self.records.push(serde_json::to_value(r).unwrap());
    }
}

/// Frame 6: Hello.
const HELLO: &[u8] = &[
    b'H', b'E', b'L', // message type HEL
    b'F', // chunk: final
    0x38, 0x00, 0x00, 0x00, // message size 56
    0x00, 0x00, 0x00, 0x00, // protocol version 0
    0x00, 0x00, 0xff, 0xff, // receive buffer size 65535 (LE)
    0x00, 0x00, 0xff, 0xff, // send buffer size
    0x00, 0x00, 0x00, 0x00, // max message size 0 (no limit)
    0x00, 0x00, 0x00, 0x00, // max chunk count 0
    0x18, 0x00, 0x00, 0x00, // endpoint URL length 24
    b'o', b'p', b'c', b'.', b't', b'c', b'p', b':', b'/', b'/', b'l', b'o', // "opc.tcp://lo"
    b'c', b'a', b'l', b'h', b'o', b's', b't', b':', b'4', b'8', b'4', b'0', // "calhost:4840"
];

/// Frame 8: Acknowledge.
const ACK: &[u8] = &[
    b'A', b'C', b'K', b'F', // ACK, final
    0x1c, 0x00, 0x00, 0x00, // size 28
    0x00, 0x00, 0x00, 0x00, // version 0
    0x00, 0x00, 0xff, 0xff, 0x00, 0x00, 0xff, 0xff, // buffer sizes
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // limits
];

/// Frame 10: OpenSecureChannel request, policy None.
const OPN_REQ: &str = "4f504e4684000000000000002f000000687474703a2f2f6f7063666f756e646174696f6e2e6f72672f55412f5365637572697479506f6c696379234e6f6e65ffffffffffffffff01000000010000000100be010000caa2e64e2dd1d5010000000000000000ffffffff00000000000000000000000000000001000000ffffffffc0270900";
// 4f504e 46 84000000: OPN F size 132 | 00000000: channel 0
// 2f000000 "http://opcfoundation.org/UA/SecurityPolicy#None" | ffffffff: no certificate | ffffffff: no thumbprint
// 01000000: sequence 1 | 01000000: request id 1
// 01 00 be01: four-byte NodeId ns 0 id 446 (OpenSecureChannelRequest)
// 0000 ...: request header (auth token null, timestamp, handle 0, ...), then
// 00000000 client protocol version, 00000000 request type issue, 01000000 mode None, ffffffff nonce, c0270900 lifetime

/// Frame 12: OpenSecureChannel response.
const OPN_RESP: &str = "4f504e4687000000030000002f000000687474703a2f2f6f7063666f756e646174696f6e2e6f72672f55412f5365637572697479506f6c696379234e6f6e65ffffffffffffffff01000000010000000100c1013a3fee4e2dd1d501000000000000000000ffffffff000000000000000300000003000000263fee4e2dd1d501c0270900ffffffff";

/// Frame 14: GetEndpoints request (MSG, channel 3, token 3, seq 2, request id 2, id 428, handle 1).
const GET_ENDPOINTS: &str = "4d5347465d000000030000000300000002000000020000000100ac010000104bee4e2dd1d5010100000000000000ffffffff10270000000000180000006f70632e7463703a2f2f6c6f63616c686f73743a34383430ffffffffffffffff";

fn hex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

#[test]
fn probe_matches_hello_and_rejects_other_versions() {
    assert_eq!(probe(Direction::ToServer, HELLO), Probe::Match);
    assert_eq!(probe(Direction::ToServer, &HELLO[..5]), Probe::NeedMore);
    let mut v1 = HELLO.to_vec();
    v1[8] = 1;
    assert_eq!(probe(Direction::ToServer, &v1), Probe::NoMatch);
    let mut chunk = HELLO.to_vec();
    chunk[3] = b'X';
    assert_eq!(probe(Direction::ToServer, &chunk), Probe::NoMatch);
    assert_eq!(
        probe(Direction::ToServer, b"GET / HTTP/1.1\r\n"),
        Probe::NoMatch
    );
    assert_eq!(probe(Direction::ToServer, b"HE"), Probe::NeedMore);
}

#[test]
fn probe_matches_mid_stream_msg() {
    assert_eq!(
        probe(Direction::ToServer, &hex(GET_ENDPOINTS)),
        Probe::Match
    );
}

#[test]
fn rejects_size_below_header() {
    let mut b = HELLO.to_vec();
    b[4] = 7;
    assert_eq!(probe(Direction::ToServer, &b), Probe::NoMatch);
}

#[test]
fn hello_and_ack_make_one_record() {
    let mut s = OpcUaSession::new();
    let mut sink = Sink::default();
    assert_eq!(
        s.feed(Direction::ToServer, HELLO, &mut sink),
        Progress::Done
    );
    assert_eq!(s.feed(Direction::ToClient, ACK, &mut sink), Progress::Done);
    assert_eq!(sink.ops, vec![Operation::Session]);
    assert_eq!(sink.records.len(), 1);
    assert_eq!(sink.records[0]["msg_type"], "HEL");
    assert_eq!(sink.records[0]["endpoint_url"], "opc.tcp://localhost:4840");
    assert_eq!(sink.records[0]["answered"], true);
}

#[test]
fn open_secure_channel_with_policy_none_pairs_and_records_mode() {
    let mut s = OpcUaSession::new();
    let mut sink = Sink::default();
    s.feed(Direction::ToServer, &hex(OPN_REQ), &mut sink);
    s.feed(Direction::ToClient, &hex(OPN_RESP), &mut sink);
    assert_eq!(s.security_policy(), Some(codes::SecurityPolicy::None));
    assert_eq!(sink.ops, vec![Operation::Session]);
    let r = &sink.records[0];
    assert_eq!(r["service_type_id"], 446);
    assert_eq!(r["service"], "open_secure_channel");
    assert_eq!(r["response_type_id"], 449);
    assert_eq!(r["security_policy"], "None");
    assert_eq!(r["security_mode"], "none");
    assert_eq!(r["request_type"], "issue");
    assert_eq!(r["sender_certificate"], false);
    assert_eq!(r["status_code"], 0);
}

#[test]
fn reads_get_endpoints_without_handshake() {
    let mut s = OpcUaSession::new();
    let mut sink = Sink::default();
    s.enable_trace();
    s.feed(Direction::ToServer, &hex(GET_ENDPOINTS), &mut sink);
    assert_eq!(sink.ops, vec![Operation::IdentityQuery]);
    let d = s.take_trace();
    assert_eq!(d[0].service_type_id, Some(428));
    assert_eq!(d[0].request_handle, Some(1));
    assert_eq!(d[0].channel_id, Some(3));
    assert_eq!(d[0].request_id, Some(2));
}

#[test]
fn random_body_on_unknown_channel_is_counted_as_encrypted() {
    let mut b = hex(GET_ENDPOINTS);
    for x in &mut b[24..] {
        *x ^= 0x5a;
    }
    let mut s = OpcUaSession::new();
    let mut sink = Sink::default();
    s.feed(Direction::ToServer, &b, &mut sink);
    assert_eq!(s.encrypted_messages(), 1);
    assert_eq!(sink.ops, vec![Operation::Other]);
    assert_eq!(sink.records[0]["encrypted"], true);
}

#[test]
fn pending_cap_holds() {
    let mut s = OpcUaSession::new();
    let mut sink = Sink::default();
    let base = hex(GET_ENDPOINTS);
    for i in 0..100u32 {
        let mut m = base.clone();
        m[20..24].copy_from_slice(&i.to_le_bytes()); // request id
        s.feed(Direction::ToServer, &m, &mut sink);
    }
    assert_eq!(s.pending_len(), session::MAX_PENDING);
    assert!(sink.anomalies.contains(&"too_many_pending"));
}

#[test]
fn incomplete_message_is_not_consumed() {
    let mut s = OpcUaSession::new();
    let mut sink = Sink::default();
    let input = [HELLO, &ACK[..10]].concat();
    assert_eq!(
        s.feed(Direction::ToServer, &input, &mut sink),
        Progress::Incomplete {
            consumed: HELLO.len(),
            needed: ACK.len() - 10
        }
    );
}

#[test]
fn node_id_text_forms() {
    let mut c = wire::Cursor::new(&[0x03, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, b'a', b'b']);
    assert_eq!(c.node_id(false).unwrap().to_text(), "ns=1;s=ab");
    let mut c = wire::Cursor::new(&[0x00, 0x55]);
    assert_eq!(c.node_id(false).unwrap().to_text(), "i=85");
}
