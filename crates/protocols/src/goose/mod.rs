// SPDX-License-Identifier: Apache-2.0
//! IEC 61850 GOOSE (EtherType 0x88B8) and Sampled Values (0x88BA).
//!
//! References: IEC 61850-8-1:2011 Annex A (`IECGoosePdu` ASN.1), Annex C
//! (Ethernet framing, APPID, Reserved1 simulation bit); IEC 61850-9-2:2011
//! §8.5 (`SavPdu`).
//!
//! Every GOOSE or SV frame is a spontaneous publish: one
//! `Operation::Other`. A GOOSE frame with `sqNum == 0` starts a new state
//! (`stNum` was incremented): it is counted as the `state_change` anomaly
//! name (a trip or a position change; the layer-2 hook keeps no state, so
//! the sequence number is what tells). Frames with the `test` flag or the
//! simulation bit raise `test_mode` / `simulation`. The publishing IED's
//! identity (logical-device name from `gocbRef`, `goID`, `datSet`) is
//! reported on state changes and on the first retransmission. Each GOOSE
//! frame gives a `goose.log` record, each SV frame with `smpCnt == 0` a
//! `sv.log` record.
//!
//! Not decoded yet: `allData` values, the `t` timestamp, SV samples, GSE
//! management PDUs.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

pub mod wire;

#[cfg(test)]
mod tests;

use crate::api::{L2ProtocolInfo, ObservationSink};
use crate::enip::record::Data;
use plantguard_model::{IdentityFact, Operation, Side};
use serde::Serialize;

/// GOOSE protocol and log name.
pub const NAME: &str = "goose";
/// Sampled Values protocol and log name.
pub const SV_NAME: &str = "sv";

/// Layer-2 registry entry for GOOSE.
pub static INFO: L2ProtocolInfo = L2ProtocolInfo {
    name: NAME,
    ethertypes: &[0x88B8],
    parse: parse_goose_frame,
};

/// Layer-2 registry entry for Sampled Values.
pub static SV_INFO: L2ProtocolInfo = L2ProtocolInfo {
    name: SV_NAME,
    ethertypes: &[0x88BA],
    parse: parse_sv_frame,
};

/// One `goose.log` line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GooseRecord {
    /// APPID.
    pub appid: u16,
    /// gocbRef.
    #[serde(rename = "goCBRef", skip_serializing_if = "Option::is_none")]
    pub gocb_ref: Option<Data>,
    /// timeAllowedtoLive (ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_allowed_to_live_ms: Option<u64>,
    /// datSet.
    #[serde(rename = "datSet", skip_serializing_if = "Option::is_none")]
    pub dat_set: Option<Data>,
    /// goID.
    #[serde(rename = "goID", skip_serializing_if = "Option::is_none")]
    pub go_id: Option<Data>,
    /// stNum.
    #[serde(rename = "stNum", skip_serializing_if = "Option::is_none")]
    pub st_num: Option<u64>,
    /// sqNum.
    #[serde(rename = "sqNum", skip_serializing_if = "Option::is_none")]
    pub sq_num: Option<u64>,
    /// test flag.
    pub test: bool,
    /// Reserved1 simulation bit.
    pub simulation: bool,
    /// confRev.
    #[serde(rename = "confRev", skip_serializing_if = "Option::is_none")]
    pub conf_rev: Option<u64>,
    /// ndsCom.
    #[serde(rename = "ndsCom")]
    pub nds_com: bool,
    /// numDatSetEntries.
    #[serde(rename = "numDatSetEntries", skip_serializing_if = "Option::is_none")]
    pub num_dat_set_entries: Option<u64>,
    /// sqNum 0: first frame of a new state.
    pub state_change: bool,
}

/// One `sv.log` line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SvRecord {
    /// APPID.
    pub appid: u16,
    /// noASDU.
    #[serde(rename = "noASDU", skip_serializing_if = "Option::is_none")]
    pub no_asdu: Option<u64>,
    /// svID of the first ASDU.
    #[serde(rename = "svID", skip_serializing_if = "Option::is_none")]
    pub sv_id: Option<Data>,
    /// datSet of the first ASDU.
    #[serde(rename = "datSet", skip_serializing_if = "Option::is_none")]
    pub dat_set: Option<Data>,
    /// confRev.
    #[serde(rename = "confRev", skip_serializing_if = "Option::is_none")]
    pub conf_rev: Option<u64>,
    /// Reserved1 simulation bit.
    pub simulation: bool,
}

fn data(b: Option<&[u8]>) -> Option<Data> {
    b.map(|b| Data(b.to_vec()))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Layer-2 entry point for EtherType 0x88B8.
pub fn parse_goose_frame(payload: &[u8], out: &mut dyn ObservationSink) {
    let (h, p) = match wire::parse_goose(payload) {
        Ok(x) => x,
        Err(_) => {
            out.anomaly(NAME, "malformed_frame");
            return;
        }
    };
    out.operation(NAME, Operation::Other);
    let state_change = p.sq_num == Some(0);
    if state_change {
        out.anomaly(NAME, "state_change");
    }
    if p.test {
        out.anomaly(NAME, "test_mode");
    }
    if h.is_simulation() {
        out.anomaly(NAME, "simulation");
    }
    if p.nds_com {
        out.anomaly(NAME, "needs_commissioning");
    }
    if p.sq_num.is_some_and(|s| s <= 1) {
        if let Some(gocb) = p.gocb_ref {
            let gocb = text(gocb);
            let mut fact = IdentityFact {
                protocol: NAME.into(),
                name: gocb.split('/').next().map(|s| s.to_owned().into()),
                ..IdentityFact::default()
            };
            fact.device_type = Some("iec61850_ied".into());
            fact.extra.push(("gocb_ref".into(), gocb.into()));
            if let Some(d) = p.dat_set {
                fact.extra.push(("dat_set".into(), text(d).into()));
            }
            if let Some(g) = p.go_id {
                fact.extra.push(("go_id".into(), text(g).into()));
            }
            out.identity(Side::Client, fact);
        }
    }
    if out.wants_records() {
        out.record(
            NAME,
            &GooseRecord {
                appid: h.appid,
                gocb_ref: data(p.gocb_ref),
                time_allowed_to_live_ms: p.time_allowed_to_live,
                dat_set: data(p.dat_set),
                go_id: data(p.go_id),
                st_num: p.st_num,
                sq_num: p.sq_num,
                test: p.test,
                simulation: h.is_simulation(),
                conf_rev: p.conf_rev,
                nds_com: p.nds_com,
                num_dat_set_entries: p.num_dat_set_entries,
                state_change,
            },
        );
    }
}

/// Layer-2 entry point for EtherType 0x88BA.
pub fn parse_sv_frame(payload: &[u8], out: &mut dyn ObservationSink) {
    let (h, p) = match wire::parse_sv(payload) {
        Ok(x) => x,
        Err(_) => {
            out.anomaly(SV_NAME, "malformed_frame");
            return;
        }
    };
    out.operation(SV_NAME, Operation::Other);
    if h.is_simulation() {
        out.anomaly(SV_NAME, "simulation");
    }
    // Streams run at 4000+ frames/s: log the start of each sample cycle only.
    if p.smp_cnt == Some(0) && out.wants_records() {
        out.record(
            SV_NAME,
            &SvRecord {
                appid: h.appid,
                no_asdu: p.no_asdu,
                sv_id: data(p.sv_id),
                dat_set: data(p.dat_set),
                conf_rev: p.conf_rev,
                simulation: h.is_simulation(),
            },
        );
    }
}
