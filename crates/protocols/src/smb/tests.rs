// SPDX-License-Identifier: Apache-2.0
//! SMB unit tests with annotated bytes cut from Zeek's `smb311.pcap` and
//! suricata-verify's `smb2-07` psexec capture.
#![allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use plantguard_model::{HostFact, Operation, Side};

use super::ntlmssp::{self, Ntlm};
use super::os::{native_os, windows_release};
use super::session::{is_admin_share, SmbSession};
use crate::api::{Direction, Probe, Progress, Session};
use crate::dns::tests::TestSink;

/// NTLMSSP AUTHENTICATE layout ([MS-NLMP] §2.2.1.3) with a user
/// `administrator`, empty domain and workstation, and version 10.0.17763.
fn authenticate() -> Vec<u8> {
    let user: Vec<u8> = "administrator"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let mut t = Vec::new();
    t.extend_from_slice(b"NTLMSSP\0"); // signature
    t.extend_from_slice(&3u32.to_le_bytes()); // message type 3
    t.extend_from_slice(&[0, 0, 0, 0, 72, 0, 0, 0]); // LmChallengeResponse: empty
    t.extend_from_slice(&[0, 0, 0, 0, 72, 0, 0, 0]); // NtChallengeResponse: empty
    t.extend_from_slice(&[0, 0, 0, 0, 72, 0, 0, 0]); // DomainName: empty
    t.extend_from_slice(&[26, 0, 26, 0, 72, 0, 0, 0]); // UserName: 26 bytes at 72
    t.extend_from_slice(&[0, 0, 0, 0, 98, 0, 0, 0]); // Workstation: empty
    t.extend_from_slice(&[0, 0, 0, 0, 98, 0, 0, 0]); // EncryptedRandomSessionKey
    t.extend_from_slice(&0x0200_0001u32.to_le_bytes()); // flags: VERSION | UNICODE
    t.extend_from_slice(&[10, 0, 0x63, 0x45, 0, 0, 0, 15]); // version 10.0 build 17763, rev 15
    t.extend_from_slice(&user);
    t
}

#[test]
fn parses_ntlmssp_authenticate() {
    let mut blob = vec![0xa1, 0x82, 0x01, 0x00]; // SPNEGO negTokenResp wrapper (not walked)
    blob.extend_from_slice(&authenticate());
    let tok = ntlmssp::find(&blob).unwrap();
    let Some(Ntlm::Authenticate { user, version, .. }) = ntlmssp::parse(tok) else {
        panic!("not an AUTHENTICATE");
    };
    assert_eq!(user, "administrator");
    assert_eq!(version.unwrap().text(), "10.0.17763");
}

/// SMB2 NEGOTIATE response header + body selecting 3.1.1 (smb311.pcap frame 2).
fn negotiate_response() -> Vec<u8> {
    let mut m = vec![0x00, 0x00, 0x00, 0x00]; // NBSS: session message, length set below
    m.extend_from_slice(b"\xfeSMB"); // protocol id
    m.extend_from_slice(&64u16.to_le_bytes()); // structure size
    m.extend_from_slice(&[0; 2]); // credit charge
    m.extend_from_slice(&[0; 4]); // status SUCCESS
    m.extend_from_slice(&0u16.to_le_bytes()); // command NEGOTIATE
    m.extend_from_slice(&1u16.to_le_bytes()); // credits
    m.extend_from_slice(&1u32.to_le_bytes()); // flags: SERVER_TO_REDIR
    m.extend_from_slice(&[0; 4]); // next command
    m.extend_from_slice(&[0; 8]); // message id 0
    m.extend_from_slice(&[0; 32]); // reserved, tree id, session id, signature
    m.extend_from_slice(&65u16.to_le_bytes()); // body structure size 65
    m.extend_from_slice(&1u16.to_le_bytes()); // security mode
    m.extend_from_slice(&0x0311u16.to_le_bytes()); // dialect 3.1.1
    m.extend_from_slice(&[0; 58]); // rest of the fixed body
    let len = (m.len() - 4) as u32;
    m[1..4].copy_from_slice(&len.to_be_bytes()[1..]);
    m
}

#[test]
fn negotiate_response_names_the_dialect_and_splits_across_chunks() {
    let m = negotiate_response();
    assert_eq!(super::probe(Direction::ToClient, &m), Probe::Match);
    let mut s = SmbSession::new();
    let mut sink = TestSink::default();
    assert_eq!(
        s.feed(Direction::ToClient, &m[..50], &mut sink),
        Progress::Incomplete {
            consumed: 0,
            needed: m.len() - 50
        }
    );
    assert_eq!(s.feed(Direction::ToClient, &m, &mut sink), Progress::Done);
    assert_eq!(
        sink.facts,
        [(
            Side::Server,
            HostFact::Attribute {
                key: "smb_dialect".into(),
                value: "SMB 3.1.1".into()
            }
        )]
    );
}

#[test]
fn large_pdus_are_skipped_not_buffered() {
    // SMB2 WRITE request announcing 200 000 bytes.
    let mut m = negotiate_response();
    m[1..4].copy_from_slice(&200_000u32.to_be_bytes()[1..]);
    m[4 + 12] = 9; // command WRITE
    m[4 + 16] = 0; // request
    m.resize(4 + 2000, 0);
    let mut s = SmbSession::new();
    let mut sink = TestSink::default();
    assert_eq!(s.feed(Direction::ToServer, &m, &mut sink), Progress::Done);
    assert_eq!(
        s.feed(Direction::ToServer, &[0; 1000], &mut sink),
        Progress::Done
    );
    assert_eq!(sink.anomalies, ["large_pdu_skipped"]);
    assert_eq!(sink.ops, [Operation::FileTransfer]);
}

#[test]
fn rejects_non_smb_streams() {
    assert_eq!(
        super::probe(Direction::ToServer, b"GET / HTTP/1.1\r\n"),
        Probe::NoMatch
    );
    let mut s = SmbSession::new();
    let mut sink = TestSink::default();
    assert!(matches!(
        s.feed(Direction::ToServer, b"GET / HTTP/1.1\r\n", &mut sink),
        Progress::Abandon(_)
    ));
}

#[test]
fn names_windows_releases_and_admin_shares() {
    assert_eq!(windows_release(5, 1), Some("Windows XP"));
    assert_eq!(windows_release(6, 1), Some("Windows 7/Server 2008 R2"));
    assert_eq!(
        native_os("Windows 5.1"),
        ("Windows XP".into(), Some("5.1".into()))
    );
    assert_eq!(native_os("Unix"), ("Unix".into(), None));
    assert!(is_admin_share("\\\\dc1\\ADMIN$"));
    assert!(is_admin_share("\\\\10.0.0.1\\c$"));
    assert!(!is_admin_share("\\\\dc1\\IPC$"));
}
