// SPDX-License-Identifier: Apache-2.0
//! Unit tests with annotated bytes cut from corpus captures
//! (`ITI-ICS-Security-Tools/pcaps/{omron,fox,hart,beckoff,MELSEC}`) and,
//! for protocols without a corpus capture, from the request layouts of the
//! nmap scripts named in [`super::misc`].
#![allow(clippy::indexing_slicing, clippy::unwrap_used, clippy::panic)]

use super::*;
use crate::api::{Direction, ObservationSink, Probe, Progress};
use plantguard_model::{HostFact, IdentityFact, ModeChange, Operation, Side};

#[derive(Default)]
struct Sink {
    ops: Vec<(&'static str, Operation)>,
    ids: Vec<(Side, IdentityFact)>,
    facts: Vec<HostFact>,
    records: Vec<serde_json::Value>,
}

impl ObservationSink for Sink {
    fn operation(&mut self, p: &'static str, op: Operation) {
        self.ops.push((p, op));
    }
    fn identity(&mut self, s: Side, f: IdentityFact) {
        self.ids.push((s, f));
    }
    fn host_fact(&mut self, _: Side, f: HostFact) {
        self.facts.push(f);
    }
    fn anomaly(&mut self, _: &'static str, _: &'static str) {}
    fn wants_records(&self) -> bool {
        true
    }
    fn record(&mut self, _: &'static str, r: &dyn erased_serde::Serialize) {
        self.records.push(serde_json::to_value(r).unwrap());
    }
}

fn feed(info: &ProtocolInfo, msgs: &[(Direction, &[u8])]) -> Sink {
    let mut s = (info.new_session)();
    let mut sink = Sink::default();
    for (dir, m) in msgs {
        assert_eq!((info.probe)(*dir, m), Probe::Match, "{} probe", info.name);
        assert_eq!(s.feed(*dir, m, &mut sink), Progress::Done);
    }
    sink
}

/// omron_test.pcap frame 8: FINS/TCP frame send, Controller Data Read.
const FINS_CDR_REQ: &[u8] = &[
    b'F', b'I', b'N', b'S', // magic
    0x00, 0x00, 0x00, 0x15, // length 21
    0x00, 0x00, 0x00, 0x02, // command 2: frame send
    0x00, 0x00, 0x00, 0x00, // error code 0
    0x80, // ICF: command, response required
    0x00, // RSV
    0x02, // GCT
    0x00, 0xc8, 0x00, // DNA, DA1 200, DA2
    0x00, 0xef, 0x05, // SNA, SA1 239, SA2 5
    0x05, // SID
    0x05, 0x01, // MRC/SRC 05 01: controller data read
    0x00, // parameter
];

/// omron_test.pcap frame 9 (cut after the version): CP1L-EL20DR-D, 01.00.
fn fins_cdr_res() -> Vec<u8> {
    let mut v = vec![
        b'F', b'I', b'N', b'S', // magic
        0x00, 0x00, 0x00, 0x3e, // length 62
        0x00, 0x00, 0x00, 0x02, // frame send
        0x00, 0x00, 0x00, 0x00, // error code
        0xc0, 0x00, 0x02, // ICF response, RSV, GCT
        0x00, 0xef, 0x05, 0x00, 0xc8, 0x00, // DNA.. SA2
        0x05, // SID
        0x05, 0x01, // MRC/SRC
        0x00, 0x00, // end code: normal
    ];
    v.extend_from_slice(b"CP1L-EL20DR-D\0\0\0    "); // model, 20 bytes
    v.extend_from_slice(b"01.00\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"); // version, 20 bytes
    v
}

#[test]
fn fins_controller_data_read_names_the_plc() {
    let res = fins_cdr_res();
    let sink = feed(
        &FINS_TCP,
        &[
            (Direction::ToServer, FINS_CDR_REQ),
            (Direction::ToClient, &res),
        ],
    );
    assert_eq!(sink.ops, vec![("fins", Operation::IdentityQuery)]);
    let (side, f) = &sink.ids[0];
    assert_eq!(*side, Side::Server);
    assert_eq!(f.model.as_deref(), Some("CP1L-EL20DR-D"));
    assert_eq!(f.firmware.as_deref(), Some("01.00"));
    assert_eq!(sink.records[0]["recognised_by"], "signature");
    assert_eq!(sink.records[0]["command"], "controller_data_read");
}

#[test]
fn fins_stop_is_a_mode_change() {
    assert_eq!(
        fins::operation_of(0x0402),
        Operation::ModeChange(ModeChange::Stop)
    );
    assert_eq!(fins::operation_of(0x0307), Operation::ProgramDownload);
}

/// fox_info.pcap frame 6 (shortened): the station's hello.
const FOX_HELLO: &[u8] =
    b"fox a 0 -1 fox hello\n{\nfox.version=s:1.0\nid=i:2\nhostName=s:192.168.2.15\n\
app.name=s:Station\napp.version=s:3.5.41.1\nvm.name=s:J9\nos.name=s:QNX\nos.version=s:6.3.2\n\
station.name=s:Legion_HQ_V4\nbrandId=s:vykon\n};;\n";

#[test]
fn fox_hello_names_station_os_and_software() {
    let sink = feed(&FOX, &[(Direction::ToClient, FOX_HELLO)]);
    assert!(sink.ops.is_empty(), "a server hello is an answer");
    let (side, f) = &sink.ids[0];
    assert_eq!(*side, Side::Server);
    assert_eq!(f.name.as_deref(), Some("Legion_HQ_V4"));
    assert_eq!(f.firmware.as_deref(), Some("3.5.41.1"));
    assert!(sink
        .facts
        .iter()
        .any(|h| matches!(h, HostFact::Os { name, .. } if name == "QNX")));
}

#[test]
fn fox_waits_for_the_terminator() {
    let mut s = (FOX.new_session)();
    let mut sink = Sink::default();
    let half = &FOX_HELLO[..40];
    assert!(matches!(
        s.feed(Direction::ToClient, half, &mut sink),
        Progress::Incomplete { consumed: 0, .. }
    ));
    assert_eq!(
        s.feed(Direction::ToClient, FOX_HELLO, &mut sink),
        Progress::Done
    );
    assert_eq!(sink.ids.len(), 1);
}

/// hart_ip.pcap frame 3: token-passing PDU, command 0 request.
const HART_CMD0_REQ: &[u8] = &[
    0x01, // version 1
    0x00, // message type: request
    0x03, // message id: token-passing PDU
    0x00, // status
    0x00, 0x03, // sequence 3
    0x00, 0x11, // byte count 17
    0x82, // delimiter: long frame, STX
    0x26, 0x4e, 0x00, 0x00, 0xd2, // long address
    0x00, // command 0
    0x00, // byte count
    0x38, // checksum
];

/// hart_ip.pcap frame 4: command 0 response (HART 7, manufacturer 0x0026).
const HART_CMD0_RES: &[u8] = &[
    0x01, 0x01, 0x03, 0x00, 0x00, 0x03, 0x00, 0x29, // header: response, seq 3, 41 bytes
    0x86, // delimiter: long frame, ACK
    0x26, 0x4e, 0x00, 0x00, 0xd2, // address
    0x00, // command 0
    0x18, // byte count 24
    0x00, 0xd0, // response code, device status
    0xfe, // 254
    0x26, 0x4e, // expanded device type
    0x05, 0x07, 0x04, 0x01, 0x0e,
    0x0c, // preambles, universal rev 7, device rev 4, sw rev 1, hw, flags
    0x00, 0x00, 0xd2, // device id
    0x05, 0x02, 0x00, 0x02, 0xd0, // preambles, max vars, config counter, ext status
    0x00, 0x26, // manufacturer id 0x0026
    0x00, 0x26, 0x84, // distributor, profile
    0xe4, // checksum
];

#[test]
fn hart_command_zero_identifies_the_device() {
    let sink = feed(
        &HART_UDP,
        &[
            (Direction::ToServer, HART_CMD0_REQ),
            (Direction::ToClient, HART_CMD0_RES),
        ],
    );
    assert_eq!(sink.ops, vec![("hart_ip", Operation::IdentityQuery)]);
    let f = &sink.ids[0].1;
    assert_eq!(f.vendor_id, Some(0x26));
    assert_eq!(f.device_type.as_deref(), Some("0x264e"));
    assert_eq!(f.serial.as_deref(), Some("0000d2"));
}

/// beckofflink.pcapng frame 5: ADS ReadState request.
const ADS_READ_STATE: &[u8] = &[
    0x00, 0x00, // AMS/TCP reserved
    0x20, 0x00, 0x00, 0x00, // length 32
    0x05, 0x0d, 0x75, 0x60, 0x01, 0x01, // target NetId 5.13.117.96.1.1
    0x10, 0x27, // target port 10000
    0xc0, 0xa8, 0x01, 0x63, 0x01, 0x01, // source NetId
    0x78, 0x82, // source port
    0x04, 0x00, // command 4: ReadState
    0x04, 0x00, // state flags: ADS command, request
    0x00, 0x00, 0x00, 0x00, // data length 0
    0x00, 0x00, 0x00, 0x00, // error code
    0x09, 0x00, 0x00, 0x00, // invoke id 9
];

#[test]
fn ads_read_state_is_diagnostics() {
    let sink = feed(&ADS, &[(Direction::ToServer, ADS_READ_STATE)]);
    assert_eq!(sink.ops, vec![("ads", Operation::Diagnostics)]);
    assert_eq!(sink.records[0]["transaction_id"], 9);
}

#[test]
fn ads_device_info_response_gives_name_and_version() {
    let mut res = ADS_READ_STATE.to_vec();
    res[2] = 0x38; // length 32 + 24
    res[22] = 0x01; // ReadDeviceInfo
    res[24] = 0x05; // response + ADS command
    res[26] = 24; // data length
    res.extend_from_slice(&[0, 0, 0, 0, 3, 1, 0xd1, 0x0f]); // result 0, version 3.1.4049
    res.extend_from_slice(b"TCatPlcCtrl\0\0\0\0\0"); // device name (16)
    let sink = feed(&ADS, &[(Direction::ToClient, &res)]);
    let f = &sink.ids[0].1;
    assert_eq!(f.product.as_deref(), Some("TCatPlcCtrl"));
    assert_eq!(f.firmware.as_deref(), Some("3.1.4049"));
}

/// beckofflink.pcapng frame 4 (cut): ADS discovery response naming CX_0D7560.
const ADS_DISCOVERY_RES: &[u8] = &[
    0x03, 0x66, 0x14, 0x71, // magic
    0x00, 0x00, 0x00, 0x00, // invoke id
    0x01, 0x00, 0x00, 0x80, // service: discovery response
    0x05, 0x0d, 0x75, 0x60, 0x01, 0x01, // AMS NetId
    0x10, 0x27, // port 10000
    0x01, 0x00, 0x00, 0x00, // one tag
    0x05, 0x00, 0x0a, 0x00, // tag 5 host name, 10 bytes
    b'C', b'X', b'_', b'0', b'D', b'7', b'5', b'6', b'0', 0x00,
];

#[test]
fn ads_discovery_response_names_the_host() {
    let sink = feed(&ADS_DISCOVERY, &[(Direction::ToClient, ADS_DISCOVERY_RES)]);
    assert_eq!(sink.ids[0].1.name.as_deref(), Some("CX_0D7560"));
}

/// An SLMP 3E batch-read request (SH-080956ENG §5.1 example layout).
const SLMP_READ: &[u8] = &[
    0x50, 0x00, // subheader 3E request
    0x00, // network 0
    0xff, // PC 255
    0xff, 0x03, // module I/O 0x03ff
    0x00, // station
    0x0c, 0x00, // data length 12
    0x10, 0x00, // monitoring timer
    0x01, 0x04, // command 0x0401 device read
    0x00, 0x00, // subcommand
    0x64, 0x00, 0x00, 0xa8, // D100
    0x01, 0x00, // 1 point
];

#[test]
fn slmp_batch_read_is_a_read() {
    let sink = feed(&SLMP_TCP, &[(Direction::ToServer, SLMP_READ)]);
    assert_eq!(sink.ops, vec![("slmp", Operation::Read)]);
}

/// melsoft_UDP_clean_2.pcap frame 5 (first bytes).
const MELSOFT_REQ: &[u8] = &[
    0x57, 0x01, 0x00, 0x00, // subheader
    0x00, 0x11, 0x11, 0x07, // fixed 00 11 11, then 07
    0x00, 0x00, 0xff, 0xff, 0x03, 0x00, 0x00, 0xfe,
];

#[test]
fn melsoft_is_recognised_by_its_header() {
    let sink = feed(&MELSOFT_UDP, &[(Direction::ToServer, MELSOFT_REQ)]);
    assert_eq!(sink.ops, vec![("melsoft", Operation::Other)]);
}

#[test]
fn port_recognisers_say_so() {
    // pcworx-info.nse request: header, length 26, "IBETH01N0_M".
    let mut req = vec![
        0x01, 0x01, 0x00, 0x1a, 0x00, 0x00, 0x00, 0x00, 0x78, 0x80, 0x00, 0x03, 0x00, 0x0c,
    ];
    req.extend_from_slice(b"IBETH01N0_M\0");
    let sink = feed(&PCWORX, &[(Direction::ToServer, &req)]);
    assert_eq!(sink.records[0]["recognised_by"], "port");
    // cr3-fingerprint.nse request for register 0x012b.
    let sink = feed(
        &CRIMSON,
        &[(Direction::ToServer, &[0x00, 0x04, 0x01, 0x2b, 0x1b, 0x00])],
    );
    assert_eq!(sink.records[0]["recognised_by"], "port");
}

#[test]
fn ethercat_counts_reads_and_writes() {
    let frame = [
        0x0e, 0x10, // length 14, type 1
        0x07, // BRD
        0x00, // index
        0x00, 0x00, 0x30, 0x01, // address
        0x02, 0x00, // length 2, last datagram
        0x00, 0x00, // IRQ
        0x00, 0x00, // data
        0x00, 0x00, // working counter
    ];
    let c = ethercat::count(&frame).unwrap();
    assert_eq!((c.datagrams, c.reads, c.writes), (1, 1, 0));
    let mut sink = Sink::default();
    ethercat::parse(&frame, &mut sink);
    assert_eq!(sink.ops, vec![("ethercat", Operation::Read)]);
}

/// ModbusTCP/mb2.pcap frame 3424 (first 24 bytes): an MS-SQL TDS SQL batch
/// whose header once matched the HART-IP and PCWorx probes.
fn tds_batch() -> Vec<u8> {
    let mut v = vec![
        0x01, // TDS type: SQL batch
        0x01, // status: end of message
        0x00, 0xa4, // length 164
        0x00, 0x00, // SPID
        0x01, // packet id
        0x00, // window
    ];
    v.extend(b"s\0e\0l\0e\0c\0t\0".iter());
    v.resize(164, 0);
    v
}

#[test]
fn probes_reject_other_protocols() {
    let http = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    let modbus = [0u8, 1, 0, 0, 0, 6, 1, 3, 0, 0, 0, 1];
    let tds = tds_batch();
    let mut tds9 = tds.clone();
    tds9[1] = 0x09;
    for info in ALL {
        for (i, sample) in [&http[..], &modbus[..], &tds[..], &tds9[..]]
            .iter()
            .enumerate()
        {
            assert_ne!(
                (info.probe)(Direction::ToServer, sample),
                Probe::Match,
                "{} matched sample {i}",
                info.name
            );
        }
    }
}

#[test]
fn never_panics_on_truncations() {
    let res = fins_cdr_res();
    let samples: [&[u8]; 7] = [
        FINS_CDR_REQ,
        &res,
        FOX_HELLO,
        HART_CMD0_RES,
        ADS_READ_STATE,
        ADS_DISCOVERY_RES,
        SLMP_READ,
    ];
    for info in ALL {
        for s in samples {
            for n in 0..s.len() {
                let mut sess = (info.new_session)();
                let _ = (info.probe)(Direction::ToServer, &s[..n]);
                let _ = sess.feed(Direction::ToServer, &s[..n], &mut Sink::default());
            }
        }
    }
}
