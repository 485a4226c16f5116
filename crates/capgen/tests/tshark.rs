// SPDX-License-Identifier: Apache-2.0
//! Wireshark's dissectors as an oracle: the capture reads with the expected
//! packet count, no malformed packets, and every industrial protocol
//! recognised. Skipped (with a note) when `tshark` is not installed.
//!
//! Wireshark does not reorder TCP segments by default, so a segment whose
//! second half arrives first is dissected as if it started a PDU and may be
//! flagged malformed. Captures with out-of-order segments are therefore read
//! with `-o tcp.reassemble_out_of_order:TRUE`; a capture without reordering
//! must pass with the default preferences.

use std::process::Command;

use plantguard_capgen::{write_pcap, Config, Mix};

fn tshark(args: &[&str]) -> Option<String> {
    let out = Command::new("tshark").args(args).output().ok()?;
    assert!(
        out.status.success(),
        "tshark {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).unwrap())
}

#[test]
fn tshark_reads_every_packet_without_malformed_ones() {
    if Command::new("tshark").arg("-v").output().is_err() {
        eprintln!(
            "note: tshark not found; skipping the Wireshark oracle test (apt-get install tshark)"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (mix, name, reorder) in [
        (Mix::Ics, "ics", 0.01),
        (Mix::Mixed, "mixed", 0.01),
        (Mix::Mixed, "in-order", 0.0),
        (Mix::Ics2, "ics2", 0.01),
        (Mix::Ics2, "ics2-in-order", 0.0),
    ] {
        let path = dir.path().join(format!("{name}.pcap"));
        let mut c = Config::new(40_000, 1_200, 200, 77);
        c.mix = mix;
        c.reorder_share = reorder;
        c.retransmit_share = 0.01;
        let ooo = if reorder > 0.0 {
            "tcp.reassemble_out_of_order:TRUE"
        } else {
            "tcp.reassemble_out_of_order:FALSE"
        };
        write_pcap(
            &c,
            std::io::BufWriter::new(std::fs::File::create(&path).unwrap()),
        )
        .unwrap();
        let p = path.to_str().unwrap();
        let count = tshark(&["-r", p, "-T", "fields", "-e", "frame.number"]).unwrap();
        assert_eq!(count.lines().count(), 40_000, "{name}: packet count");
        let malformed = tshark(&[
            "-o",
            ooo,
            "-r",
            p,
            "-Y",
            "_ws.malformed || _ws.expert.severity == error",
        ])
        .unwrap();
        assert!(
            malformed.trim().is_empty(),
            "{name}: malformed packets:\n{malformed}"
        );
        let protos = tshark(&["-r", p, "-q", "-z", "io,phs"]).unwrap();
        let expected: &[&str] = if mix == Mix::Ics2 {
            &[
                "dnp3",
                "iec60870_104",
                "iec60870_asdu",
                "bvlc",
                "bacnet",
                "bacapp",
                "dns",
                "ntp",
            ]
        } else {
            &[
                "mbtcp", "s7comm", "enip", "cip", "cipio", "opcua", "dns", "ntp",
            ]
        };
        for proto in expected {
            assert!(
                protos.contains(&format!(" {proto} ")),
                "{name}: {proto} not dissected:\n{protos}"
            );
        }
        if mix == Mix::Mixed {
            assert!(
                protos.contains(" http ") && protos.contains(" tls "),
                "{protos}"
            );
        }
    }
}
