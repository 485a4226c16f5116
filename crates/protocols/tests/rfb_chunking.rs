// SPDX-License-Identifier: Apache-2.0
//! Chunking property for RFB: a built RFB 3.8 handshake (RFC 6143 layouts;
//! the corpus holds no VNC capture) with security type None, ClientInit,
//! ServerInit and the first framebuffer requests, fed in arbitrary chunks,
//! gives the same facts and record as fed whole.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "chunking_support.rs"]
mod support;

use plantguard_protocols::api::Direction;
use plantguard_protocols::rfb::RfbSession;
use proptest::prelude::*;

fn conversation() -> Vec<(Direction, Vec<u8>)> {
    let mut server_init = vec![
        0x05, 0x00, 0x03, 0x20, // 1280 x 800
        0x20, 0x18, 0x00, 0x01, 0x00, 0xff, 0x00, 0xff, 0x00, 0xff, 0x10, 0x08, 0x00, 0, 0,
        0, // pixel format
        0x00, 0x00, 0x00, 0x0e, // name length 14
    ];
    server_init.extend_from_slice(b"Line 3 HMI VNC");
    vec![
        (Direction::ToClient, b"RFB 003.008\n".to_vec()),
        (Direction::ToServer, b"RFB 003.008\n".to_vec()),
        (Direction::ToClient, vec![0x02, 0x01, 0x02]),
        (Direction::ToServer, vec![0x01]),
        (Direction::ToClient, vec![0, 0, 0, 0]),
        (Direction::ToServer, vec![0x00]),
        (Direction::ToClient, server_init),
        // FramebufferUpdateRequest and a key event: skipped after the handshake.
        (
            Direction::ToServer,
            vec![0x03, 0x00, 0, 0, 0, 0, 0x05, 0x00, 0x03, 0x20],
        ),
        (
            Direction::ToServer,
            vec![0x04, 0x01, 0, 0, 0, 0, 0x00, 0x61],
        ),
    ]
}

fn whole() -> support::Sink {
    support::run(Box::new(RfbSession::new()), &conversation(), &[])
}

#[test]
fn whole_handshake_reports_security_none_and_the_name() {
    let sink = whole();
    let r = &sink.records[0];
    assert_eq!(r["authentication_method_code"], 1);
    assert_eq!(r["desktop_name"], "Line 3 HMI VNC");
    assert_eq!(r["share_flag"], false);
}

proptest! {
    #[test]
    fn rfb_chunking_does_not_change_results(cuts in proptest::collection::vec(0usize..60, 0..20)) {
        prop_assert_eq!(support::run(Box::new(RfbSession::new()), &conversation(), &cuts), whole());
    }
}
