// SPDX-License-Identifier: Apache-2.0
//! Unit tests with annotated bytes cut from corpus captures
//! (`icsnpp-bacnet/testing/traces/bacnet_services.pcap`,
//! `ITI-ICS-Security-Tools/pcaps/BACnet/bacnet_test.pcap`).
#![allow(clippy::indexing_slicing, clippy::unwrap_used, clippy::panic)]

use super::wire::{parse_frame, parse_service, PropertyValue};
use super::*;
use crate::api::{Direction, ObservationSink, Probe, Progress, Session};
use plantguard_model::{IdentityFact, ModeChange, Operation, Side};

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

/// bacnet_services.pcap frame 1: ReadProperty analog-value 101 present-value.
const READ_PROPERTY_REQ: &[u8] = &[
    0x81, // BVLC type: BACnet/IP
    0x0a, // BVLC function: Original-Unicast-NPDU
    0x00, 0x16, // BVLC length 22
    0x01, // NPDU version 1
    0x24, // control: DNET present, expecting reply
    0x00, 0x03, // DNET 3
    0x01, // DLEN 1
    0x6c, // DADR
    0xff, // hop count
    0x02, // APDU: confirmed request, no segmentation
    0x03, // max segments unspecified, max APDU 480
    0x01, // invoke id 1
    0x0c, // service choice 12 readProperty
    0x0c, 0x00, 0x40, 0x00, 0x65, // [0] object id: type 1 (analog-output), instance 101
    0x19, 0x55, // [1] property 85 present-value
];

/// bacnet_services.pcap frame 2: ReadProperty-ACK with a real value.
const READ_PROPERTY_ACK: &[u8] = &[
    0x81, 0x0a, 0x00, 0x1b, // BVLC: unicast, length 27
    0x01, // NPDU version
    0x08, // control: SNET present
    0x00, 0x03, // SNET 3
    0x01, // SLEN 1
    0x6c, // SADR
    0x30, // APDU: complex ack
    0x01, // invoke id 1
    0x0c, // service 12 readProperty
    0x0c, 0x00, 0x40, 0x00, 0x65, // [0] object id
    0x19, 0x55, // [1] property present-value
    0x3e, // [3] opening tag
    0x44, 0x42, 0xc8, 0x00, 0x00, // application real 100.0
    0x3f, // [3] closing tag
];

/// bacnet_services.pcap frame 265: DeviceCommunicationControl disable.
const DCC_DISABLE: &[u8] = &[
    0x81, 0x0a, 0x00, 0x13, // BVLC: unicast, length 19
    0x01, 0x24, 0x00, 0x03, 0x01, 0x6c, 0xff, // NPDU: DNET 3, DADR 0x6c, hops 255
    0x02, // confirmed request
    0x03, // max APDU 480
    0x84, // invoke id 132
    0x11, // service 17 deviceCommunicationControl
    0x19, 0x01, // [1] enable-disable = 1 (disable)
    0x29, 0x00, // [2] password: (truncated by the capture to one byte)
];

/// bacnet_services.pcap frame 266: Error-PDU answering the DCC.
const DCC_ERROR: &[u8] = &[
    0x81, 0x0a, 0x00, 0x11, // BVLC: unicast, length 17
    0x01, 0x08, 0x00, 0x03, 0x01, 0x6c, // NPDU: SNET 3, SADR 0x6c
    0x50, // error PDU
    0x84, // invoke id 132
    0x11, // service 17
    0x91, 0x05, // error class 5 (services)
    0x91, 0x1a, // error code 26 (password-failure)
];

/// bacnet_services.pcap frame 398: ReinitializeDevice coldstart with password.
const REINIT_COLDSTART: &[u8] = &[
    0x81, 0x0a, 0x00, 0x1c, // BVLC: unicast, length 28
    0x01, 0x24, 0x00, 0x03, 0x01, 0x6c, 0xff, // NPDU
    0x02, 0x03, // confirmed request, max APDU 480
    0x89, // invoke id 137
    0x14, // service 20 reinitializeDevice
    0x09, 0x00, // [0] state 0 coldstart
    0x1d, 0x09, // [1] password, extended length 9
    0x00, b'e', b't', b'h', b'e', b'r', b'e', b'a', b'l', // charset 0, "ethereal"
];

/// bacnet_example.pcap frame 74: I-Am, device 8, vendor 4 (PolarSoft).
const I_AM: &[u8] = &[
    0x81, 0x0a, 0x00, 0x14, // BVLC: unicast, length 20
    0x01, 0x00, // NPDU: version 1, no routing
    0x10, // unconfirmed request
    0x00, // service 0 i-Am
    0xc4, 0x02, 0x00, 0x02, 0xd1, // object id: device 721
    0x22, 0x04, 0x00, // max APDU 1024
    0x91, 0x03, // segmentation 3 (no-segmentation)
    0x21, 0x0f, // vendor id 15
];

/// bacnet_test.pcap frame 8: ReadProperty-ACK device vendor-name in UCS-2.
const VENDOR_NAME_ACK: &[u8] = &[
    0x81, 0x0a, 0x00, 0x1b, // BVLC: unicast, length 27
    0x01, 0x00, // NPDU
    0x30, 0x01, 0x0c, // complex ack, invoke 1, readProperty
    0x0c, 0x02, 0x3f, 0xff, 0xff, // [0] device 4194303 (wildcard)
    0x19, 0x79, // [1] property 121 vendor-name
    0x3e, // [3] open
    0x75, 0x07, // character string, length 7
    0x04, // charset 4 (UCS-2)
    0x00, 0x4a, 0x00, 0x43, 0x00, 0x49, // "JCI"
    0x3f, // [3] close
];

#[test]
fn decodes_routed_read_property_request() {
    let f = parse_frame(READ_PROPERTY_REQ).unwrap();
    assert_eq!(f.bvlc.function, 0x0a);
    let n = f.npdu.unwrap();
    assert_eq!((n.control, n.dnet, n.snet), (0x24, Some(3), None));
    let a = f.apdu.unwrap();
    assert_eq!((a.pdu_type, a.invoke_id, a.service), (0, Some(1), Some(12)));
    let s = parse_service(0, 12, a.body);
    assert_eq!(s.object, Some((1, 101)));
    assert_eq!(s.property, Some(85));
}

#[test]
fn pairs_read_property_ack_by_invoke_id() {
    let mut sess = BacnetSession::new();
    let mut sink = Sink::default();
    assert_eq!(
        sess.feed(Direction::ToServer, READ_PROPERTY_REQ, &mut sink),
        Progress::Done
    );
    assert_eq!(sess.pending_len(), 1);
    sess.feed(Direction::ToClient, READ_PROPERTY_ACK, &mut sink);
    assert_eq!(sess.pending_len(), 0);
    assert_eq!(sink.ops, vec![Operation::Read]);
    assert_eq!(sink.records.len(), 1);
    let r = &sink.records[0];
    assert_eq!(r["pdu_service"], "read_property");
    assert_eq!(r["object_type"], "analog-output");
    assert_eq!(r["property"], "present-value");
    assert_eq!(r["result_code"], "success");
    assert_eq!(r["value"]["real"], 100.0);
    assert!(sink.anomalies.is_empty());
}

#[test]
fn only_a_session_made_for_summaries_keeps_the_last_datagram() {
    for keep in [false, true] {
        let mut sess = if keep {
            BacnetSession::with_summaries()
        } else {
            BacnetSession::new()
        };
        let mut sink = Sink::default();
        sess.feed(Direction::ToServer, READ_PROPERTY_REQ, &mut sink);
        assert_eq!(sink.ops, vec![Operation::Read], "counted either way");
        let last = sess.last_frame();
        assert_eq!(last.is_some(), keep);
        if let Some(f) = last {
            assert_eq!((f.pdu_type, f.service), (Some(0), Some(12)));
            assert!(f.object.is_some(), "records on: the fields were decoded");
        }
    }
}

#[test]
fn device_communication_control_disable_is_a_stop_without_logging_the_password() {
    let mut sess = BacnetSession::new();
    let mut sink = Sink::default();
    sess.feed(Direction::ToServer, DCC_DISABLE, &mut sink);
    sess.feed(Direction::ToClient, DCC_ERROR, &mut sink);
    assert_eq!(sink.ops, vec![Operation::ModeChange(ModeChange::Stop)]);
    let r = &sink.records[0];
    assert_eq!(r["device_state"], "disable");
    assert_eq!(r["password_seen"], true);
    assert_eq!(r["result_code"], "error");
    assert_eq!(
        (r["error_class"].as_u64(), r["error_code"].as_u64()),
        (Some(5), Some(26))
    );
    assert!(sink.anomalies.contains(&"password_in_request"));
}

#[test]
fn reinitialize_coldstart_is_a_restart_and_hides_the_password() {
    let mut sess = BacnetSession::new();
    let mut sink = Sink::default();
    sess.feed(Direction::ToServer, REINIT_COLDSTART, &mut sink);
    sess.finish(&mut sink);
    assert_eq!(sink.ops, vec![Operation::ModeChange(ModeChange::Restart)]);
    let text = sink.records[0].to_string();
    assert!(!text.contains("ethereal"), "{text}");
    assert_eq!(sink.records[0]["device_state"], "coldstart");
    assert_eq!(sink.records[0]["result_code"], "no_response");
}

#[test]
fn i_am_announces_device_instance_and_vendor() {
    let mut sess = BacnetSession::new();
    let mut sink = Sink::default();
    sess.feed(Direction::ToServer, I_AM, &mut sink);
    assert_eq!(sink.ops, vec![Operation::Other]);
    let (side, fact) = &sink.ids[0];
    assert_eq!(*side, Side::Client);
    assert_eq!(fact.vendor_id, Some(15));
    assert_eq!(fact.vendor.as_deref(), Some("Cornell University"));
    assert!(fact
        .extra
        .contains(&("device_instance".into(), "721".into())));
    assert!(fact.extra.contains(&("max_apdu".into(), "1024".into())));
}

#[test]
fn vendor_name_in_ucs2_becomes_identity() {
    let mut sess = BacnetSession::new();
    let mut sink = Sink::default();
    sess.feed(Direction::ToClient, VENDOR_NAME_ACK, &mut sink);
    assert_eq!(sink.ids[0].0, Side::Server);
    assert_eq!(sink.ids[0].1.vendor.as_deref(), Some("JCI"));
    assert!(sink.anomalies.contains(&"unmatched_response"));
    assert_eq!(sink.records[0]["value"]["text"]["text"], "JCI");
}

#[test]
fn probe_checks_bvlc_and_npdu() {
    assert_eq!(probe(Direction::ToServer, READ_PROPERTY_REQ), Probe::Match);
    // bacnet_example.pcap frame 572: BVLC length 17 on a 25-byte datagram
    // (a ReinitializeDevice password guess): still BACnet.
    let mut longer = READ_PROPERTY_REQ.to_vec();
    longer.push(0);
    assert_eq!(probe(Direction::ToServer, &longer), Probe::Match);
    // A BVLL-only message must have the exact length.
    let bdt = [0x81, 0x02, 0x00, 0x06, 0x00];
    assert_eq!(probe(Direction::ToServer, &bdt), Probe::NoMatch);
    // Wrong NPDU version.
    let mut bad = READ_PROPERTY_REQ.to_vec();
    bad[4] = 2;
    assert_eq!(probe(Direction::ToServer, &bad), Probe::NoMatch);
    assert_eq!(probe(Direction::ToServer, &[0x81, 0x0a]), Probe::NeedMore);
    assert_eq!(
        probe(Direction::ToServer, b"GET / HTTP/1.1\r\n"),
        Probe::NoMatch
    );
}

#[test]
fn caps_pending_requests() {
    let mut sess = BacnetSession::new();
    let mut sink = Sink::default();
    for id in 0..=200u8 {
        let mut pdu = READ_PROPERTY_REQ.to_vec();
        pdu[13] = id;
        sess.feed(Direction::ToServer, &pdu, &mut sink);
        assert!(sess.pending_len() <= MAX_PENDING);
    }
    assert!(sink.anomalies.contains(&"too_many_transactions"));
}

#[test]
fn never_panics_on_truncations() {
    for pdu in [
        READ_PROPERTY_REQ,
        READ_PROPERTY_ACK,
        DCC_DISABLE,
        REINIT_COLDSTART,
        I_AM,
        VENDOR_NAME_ACK,
    ] {
        for n in 0..pdu.len() {
            let mut sess = BacnetSession::new();
            let mut sink = Sink::default();
            let _ = sess.feed(Direction::ToServer, &pdu[..n], &mut sink);
            let _ = probe(Direction::ToServer, &pdu[..n]);
        }
    }
}

#[test]
fn value_decoding_keeps_unknown_tags() {
    let s = parse_service(3, 12, &READ_PROPERTY_ACK[13..]);
    assert_eq!(s.value, Some(PropertyValue::Real(100.0)));
}

/// A ReadPropertyMultiple-ACK for device 1234: object-name and model-name
/// (layout of ASHRAE 135 Clause 15.7 example F.3.7).
const RPM_ACK_DEVICE: &[u8] = &[
    0x81, 0x0a, 0x00, 0x27, // BVLC: unicast, length 39
    0x01, 0x00, // NPDU
    0x30, 0x07, 0x0e, // complex ack, invoke 7, readPropertyMultiple
    0x0c, 0x02, 0x00, 0x04, 0xd2, // [0] device 1234
    0x1e, // [1] open listOfResults
    0x29, 0x4d, // [2] property 77 object-name
    0x4e, // [4] open propertyValue
    0x75, 0x06, 0x00, b'A', b'H', b'U', b'-', b'1', // "AHU-1"
    0x4f, // [4] close
    0x29, 0x46, // [2] property 70 model-name
    0x4e, // [4] open
    0x75, 0x05, 0x00, b'D', b'C', b'-', b'9', // "DC-9"
    0x4f, // [4] close
    0x1f, // [1] close
];

#[test]
fn read_property_multiple_ack_names_the_device() {
    assert_eq!(
        usize::from(parse_frame(RPM_ACK_DEVICE).unwrap().bvlc.length),
        RPM_ACK_DEVICE.len()
    );
    let mut sess = BacnetSession::new();
    let mut sink = Sink::default();
    sess.feed(Direction::ToClient, RPM_ACK_DEVICE, &mut sink);
    assert_eq!(sink.ids.len(), 1);
    let f = &sink.ids[0].1;
    assert_eq!(f.name.as_deref(), Some("AHU-1"));
    assert_eq!(f.model.as_deref(), Some("DC-9"));
    assert!(f.extra.contains(&("device_instance".into(), "1234".into())));
}

#[test]
fn device_prefilter_never_changes_the_identities_found() {
    use super::identity::{from_rpm_ack, may_name_a_device};
    let body = &RPM_ACK_DEVICE[9..];
    assert!(may_name_a_device(body));
    assert_eq!(from_rpm_ack(body).len(), 1);
    // The same answer about analog-input 1234 names no device and is not walked.
    let mut point = body.to_vec();
    point[1] = 0x00;
    assert!(!may_name_a_device(&point));
    assert!(from_rpm_ack(&point).is_empty());
    // Every single-byte change of the device answer: the prefilter only
    // says "no" when the full walk finds nothing either.
    for i in 0..body.len() {
        for v in [0x00, 0x02, 0x0C, 0x3F, 0x40, 0xC0, 0xFF] {
            let mut b = body.to_vec();
            b[i] = v;
            if !may_name_a_device(&b) {
                assert!(
                    super::identity::walk_rpm_ack(&b).is_empty(),
                    "byte {i} = {v:#04x}"
                );
            }
        }
    }
}

/// bacnet_example.pcap frame 1: ReadProperty device 1 object-name, max APDU 1476.
const READ_OBJECT_NAME: &[u8] = &[
    0x81, 0x0a, 0x00, 0x11, // BVLC: unicast, length 17
    0x01, 0x04, // NPDU: expecting reply
    0x00, // confirmed request
    0x05, // max segments unspecified, max APDU 1476
    0x01, // invoke id 1
    0x0c, // readProperty
    0x0c, 0x00, 0x00, 0x00, 0x01, // [0] analog-input 1
    0x19, 0x4d, // [1] object-name
];

#[test]
fn probe_matches_plain_read_property() {
    assert_eq!(probe(Direction::ToServer, READ_OBJECT_NAME), Probe::Match);
}

#[test]
fn without_records_polls_skip_the_service_fields_but_identity_still_comes() {
    struct Counting(Vec<IdentityFact>, usize);
    impl ObservationSink for Counting {
        fn operation(&mut self, _: &'static str, _: Operation) {
            self.1 += 1;
        }
        fn identity(&mut self, _: Side, f: IdentityFact) {
            self.0.push(f);
        }
        fn anomaly(&mut self, _: &'static str, _: &'static str) {}
        fn wants_records(&self) -> bool {
            false
        }
        fn record(&mut self, _: &'static str, _: &dyn erased_serde::Serialize) {}
    }
    let mut sess = BacnetSession::with_summaries();
    let mut sink = Counting(Vec::new(), 0);
    sess.feed(Direction::ToServer, READ_OBJECT_NAME, &mut sink);
    assert_eq!(sink.1, 1, "the read is still counted");
    assert_eq!(
        sess.last_frame().unwrap().object,
        None,
        "its fields were not decoded"
    );
    sess.feed(Direction::ToClient, RPM_ACK_DEVICE, &mut sink);
    assert_eq!(sink.0.len(), 1, "identity from the RPM-ACK");
    assert_eq!(sink.0[0].model.as_deref(), Some("DC-9"));
}

#[test]
fn read_property_ack_prefilter_never_hides_an_identity_answer() {
    use super::identity::{
        is_identity_answer, may_name_a_device, read_property_ack_may_name_a_device,
    };
    let body = &VENDOR_NAME_ACK[9..];
    for prefilter in [may_name_a_device, read_property_ack_may_name_a_device] {
        assert!(prefilter(body));
        assert!(is_identity_answer(&parse_service(3, 12, body)));
        // The same answer about analog-input 4194303 is skipped without records.
        let mut point = body.to_vec();
        point[1] = 0x00;
        assert!(!prefilter(&point));
        assert!(!is_identity_answer(&parse_service(3, 12, &point)));
        // Every single-byte change of the device answer: the prefilter only
        // says "no" when the full parse finds no identity answer either.
        for i in 0..body.len() {
            for v in [0x00, 0x02, 0x0C, 0x0D, 0x19, 0x3E, 0x3F, 0x40, 0xC0, 0xFF] {
                let mut b = body.to_vec();
                b[i] = v;
                if !prefilter(&b) {
                    assert!(
                        !is_identity_answer(&parse_service(3, 12, &b)),
                        "byte {i} = {v:#04x}"
                    );
                }
            }
        }
        // Nor when other elements come first (malformed answers: the
        // decoder then looks further for the object, and so must the
        // prefilter).
        for prefix in [
            &[0x00u8][..],
            &[0x19, 0x4D],
            &[0x0C, 0x00, 0x00, 0x00, 0x01],
        ] {
            let mut b = prefix.to_vec();
            b.extend_from_slice(body);
            if !prefilter(&b) {
                assert!(!is_identity_answer(&parse_service(3, 12, &b)), "{prefix:?}");
            }
        }
    }
}
