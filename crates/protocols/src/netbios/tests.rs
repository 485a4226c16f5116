// SPDX-License-Identifier: Apache-2.0
//! NetBIOS unit tests with annotated bytes cut from the ITI Beckhoff
//! capture `addroute1.pcapng`.
#![allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use plantguard_model::{HostFact, Side};

use super::session::{NbdgmSession, NbnsSession};
use super::wire;
use crate::api::{Direction, Probe, Session};
use crate::dns::tests::TestSink;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

/// Frame 8: broadcast name query for `CX_0D7560<00>`.
const QUERY: &[u8] = &[
    0xa7, 0x69, // transaction id
    0x01, 0x10, // flags: query, recursion desired, broadcast
    0x00, 0x01, // qdcount
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // an/ns/ar counts
    0x20, // name length 32
    b'E', b'D', b'F', b'I', b'F', b'P', b'D', b'A', b'E', b'E', b'D', b'H', b'D', b'F', b'D', b'G',
    b'D', b'A', b'C', b'A', b'C', b'A', b'C', b'A', b'C', b'A', b'C', b'A', b'C', b'A', b'A',
    b'A', // "CX_0D7560" + spaces + suffix 00, first-level encoded
    0x00, // end of name
    0x00, 0x20, // qtype NB
    0x00, 0x01, // qclass IN
];

#[test]
fn name_query_is_a_lookup() {
    assert_eq!(super::probe_ns(Direction::ToServer, QUERY), Probe::Match);
    let mut sink = TestSink::default();
    NbnsSession.feed(Direction::ToServer, QUERY, &mut sink);
    assert_eq!(
        sink.facts,
        [(
            Side::Client,
            HostFact::Lookup {
                name: "CX_0D7560".into(),
                source: "netbios".into()
            }
        )]
    );
    assert_eq!(sink.records[0]["name"], "CX_0D7560<00>");
}

/// Frame 50: LocalMasterAnnouncement from a Samba host `TI-VM`.
const ANNOUNCEMENT: &str = concat!(
    "110a0dc7c0a801c7008a00d70000", // DGM header: type 0x11, id, src ip/port, length, offset
    "204645454a434e4647454e4341434143414341434143414341434143414341414100", // source name TI-VM<00>
    "2046484550464345",             // destination name ...
    "4c45484643455046464641434143414341434143414341424f00", // ... WORKGROUP<1e>
    "ff534d4225000000000000000000000000000000000000000000000000000000", // SMB header, command 0x25 TRANSACTION
    "11",
    "00003d000000000000000000000000000000000000003d0056000300010001000200", // 17 words
    "4e00",
    "5c4d41494c534c4f545c42524f57534500", // byte count, \MAILSLOT\BROWSE
    "0f",
    "1f",
    "20bf0200",                         // opcode 0x0F, update count, periodicity
    "54492d564d0000000000000000000000", // server name TI-VM
    "04",
    "09",       // OS version 4.9
    "039a8400", // server type
    "0f01",
    "55aa",                                                       // browser version, signature
    "54492d564d20736572766572202853616d62612c205562756e74752900", // comment
);

#[test]
fn local_master_announcement_names_os_and_workgroup() {
    let dgm = hex(ANNOUNCEMENT);
    assert_eq!(super::probe_dgm(Direction::ToServer, &dgm), Probe::Match);
    let d = wire::parse_datagram(&dgm).unwrap();
    assert_eq!(d.destination_name.unwrap().display(), "WORKGROUP<1e>");
    let mut sink = TestSink::default();
    NbdgmSession.feed(Direction::ToServer, &dgm, &mut sink);
    let facts: Vec<&HostFact> = sink.facts.iter().map(|(_, f)| f).collect();
    assert!(facts.contains(&&HostFact::Name {
        name: "TI-VM".into(),
        source: "netbios_browser".into()
    }));
    // Samba sets SV_TYPE_SERVER_UNIX (0x800): not a Windows release.
    assert!(facts.contains(&&HostFact::Os {
        name: "Unix (Samba)".into(),
        version: Some("4.9".into()),
        source: "netbios_browser".into()
    }));
    assert!(facts.contains(&&HostFact::Domain {
        name: "WORKGROUP".into(),
        source: "netbios_browser".into()
    }));
    let r = &sink.records[0];
    assert_eq!(r["browser_command"], "local_master_announcement");
    assert_eq!(r["comment"], "TI-VM server (Samba, Ubuntu)");
}

#[test]
fn decodes_first_level_names() {
    let n = wire::decode_name(b"FHEPFCELEHFCEPFFFACACACACACACABN").unwrap();
    assert_eq!((n.name().as_str(), n.suffix()), ("WORKGROUP", 0x1d));
    assert!(wire::decode_name(b"ZZ").is_err());
}
