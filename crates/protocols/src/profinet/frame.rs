// SPDX-License-Identifier: Apache-2.0
//! Layer-2 PROFINET (EtherType 0x8892): FrameID dispatch to DCP, RT cyclic
//! data, alarms and PTCP (IEC 61158-6-10 Table "FrameID").
//!
//! The layer-2 hook is a plain function with no per-flow state, so RT
//! cyclic frames are counted process-wide ([`rt_frames_seen`]); a
//! `profinet_rt` record is written for the first RT frame and then one per
//! [`RT_RECORD_EVERY`] frames, carrying the running count. The engine
//! already counts frames and bytes per source MAC and per EtherType, which
//! gives the per-device-pair volume.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use super::dcp::{self, parse_device_id, parse_ip_suite, Blocks, DcpHeader};
use super::record::{DcpRecord, RtRecord};
use crate::api::ObservationSink;
use crate::enip::record::Data;
use plantguard_model::{IdentityFact, Operation, Side};

/// Protocol name of DCP observations and log (`profinet_dcp.log`).
pub const DCP_NAME: &str = "profinet_dcp";
/// Protocol name of RT observations and log (`profinet_rt.log`).
pub const RT_NAME: &str = "profinet_rt";

/// Class of a FrameID.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameClass {
    /// 0x0100..=0x7FFF RT_CLASS_3 (isochronous).
    RtClass3,
    /// 0x8000..=0xBFFF RT_CLASS_2, 0xC000..=0xFBFF RT_CLASS_1 cyclic data.
    RtCyclic,
    /// 0xFC01 alarm high, 0xFE01 alarm low.
    Alarm,
    /// 0xFEFC..=0xFEFF DCP.
    Dcp,
    /// 0x0000..=0x00FF, 0xFF00..=0xFF8F PTCP and time synchronisation.
    Ptcp,
    /// Reserved or other.
    Other,
}

/// Classifies a FrameID.
pub const fn classify(frame_id: u16) -> FrameClass {
    match frame_id {
        0x0000..=0x00FF | 0xFF00..=0xFF8F => FrameClass::Ptcp,
        0x0100..=0x7FFF => FrameClass::RtClass3,
        0x8000..=0xFBFF => FrameClass::RtCyclic,
        0xFC01 | 0xFE01 => FrameClass::Alarm,
        0xFEFC..=0xFEFF => FrameClass::Dcp,
        _ => FrameClass::Other,
    }
}

/// What one DCP frame said, decoded without allocation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DcpSummary<'a> {
    /// Header, when it decoded.
    pub header: Option<DcpHeader>,
    /// Options seen (at most 16 kept).
    pub options: [(u8, u8); 16],
    /// Number of entries of `options` in use.
    pub option_count: usize,
    /// Name of station (2/2).
    pub name_of_station: Option<&'a [u8]>,
    /// Type of station / manufacturer value (2/1).
    pub station_type: Option<&'a [u8]>,
    /// Vendor id and device id (2/3).
    pub device_id: Option<(u16, u16)>,
    /// Device role bits (2/4).
    pub device_role: Option<u8>,
    /// Alias name (2/6).
    pub alias: Option<&'a [u8]>,
    /// IP suite (1/2).
    pub ip: Option<([u8; 4], [u8; 4], [u8; 4])>,
    /// MAC address (1/1).
    pub mac: Option<[u8; 6]>,
    /// Set request asks for a factory reset (5/5, 5/6).
    pub factory_reset: bool,
    /// Set request asks the device to flash its LED (5/3).
    pub signal: bool,
    /// BlockQualifier of the Set request (bit 0: permanent).
    pub qualifier: Option<u16>,
}

/// Decodes a DCP PDU (payload after the EtherType).
pub fn summarize_dcp(payload: &[u8]) -> Result<DcpSummary<'_>, dcp::DcpError> {
    let (header, area) = dcp::parse_header(payload)?;
    let mut s = DcpSummary {
        header: Some(header),
        ..DcpSummary::default()
    };
    let is_set = header.service_id == 4 && header.is_request();
    for b in Blocks::new(&header, area) {
        if let Some(slot) = s.options.get_mut(s.option_count) {
            *slot = (b.option, b.suboption);
            s.option_count = s.option_count.saturating_add(1);
        }
        if is_set && b.option != 5 && s.qualifier.is_none() {
            s.qualifier = b.prefix;
        }
        // Identify request filters carry values too (the station name looked for).
        match (b.option, b.suboption) {
            (2, 2) if !b.value.is_empty() => s.name_of_station = Some(trim(b.value)),
            (2, 1) if !b.value.is_empty() => s.station_type = Some(trim(b.value)),
            (2, 3) => s.device_id = parse_device_id(b.value),
            (2, 4) => s.device_role = b.value.first().copied(),
            (2, 6) if !b.value.is_empty() => s.alias = Some(trim(b.value)),
            (1, 2) => s.ip = parse_ip_suite(b.value),
            (1, 1) => s.mac = b.value.get(..6).and_then(|m| m.try_into().ok()),
            (5, 3) => s.signal = true,
            (5, 5) | (5, 6) => s.factory_reset = true,
            _ => {}
        }
    }
    Ok(s)
}

fn trim(b: &[u8]) -> &[u8] {
    let end = b
        .iter()
        .rposition(|&c| c != 0)
        .map_or(0, |i| i.saturating_add(1));
    b.get(..end).unwrap_or_default()
}

fn ip_text(ip: [u8; 4]) -> String {
    std::net::Ipv4Addr::from(ip).to_string()
}

/// Identity carried by an Identify response, Get response or Hello.
pub fn dcp_identity(s: &DcpSummary<'_>) -> Option<IdentityFact> {
    let mut fact = IdentityFact {
        protocol: DCP_NAME.into(),
        ..IdentityFact::default()
    };
    fact.name = s
        .name_of_station
        .map(|n| String::from_utf8_lossy(n).into_owned().into());
    fact.product = s
        .station_type
        .map(|n| String::from_utf8_lossy(n).into_owned().into());
    if let Some((vendor, device)) = s.device_id {
        fact.vendor_id = Some(u32::from(vendor));
        fact.model = Some(format!("{device:#06x}").into());
        fact.extra
            .push(("device_id".into(), format!("{device:#06x}").into()));
    }
    if let Some(role) = s.device_role {
        fact.extra
            .push(("device_role".into(), role_name(role).into()));
    }
    if let Some(alias) = s.alias {
        fact.extra.push((
            "alias_name".into(),
            String::from_utf8_lossy(alias).into_owned().into(),
        ));
    }
    if let Some((ip, mask, gw)) = s.ip {
        fact.extra.push(("ip".into(), ip_text(ip).into()));
        fact.extra.push(("netmask".into(), ip_text(mask).into()));
        fact.extra.push(("gateway".into(), ip_text(gw).into()));
    }
    (fact.name.is_some() || fact.vendor_id.is_some() || fact.product.is_some()).then_some(fact)
}

/// Device role bit names (2/4): 0x01 IO device, 0x02 IO controller, 0x04
/// IO multidevice, 0x08 IO supervisor.
pub const fn role_name(role: u8) -> &'static str {
    match role {
        0x01 => "io_device",
        0x02 => "io_controller",
        0x04 => "io_multidevice",
        0x08 => "io_supervisor",
        0 => "none",
        _ => "multiple",
    }
}

fn on_dcp(payload: &[u8], out: &mut dyn ObservationSink) {
    let s = match summarize_dcp(payload) {
        Ok(s) => s,
        Err(_) => {
            out.anomaly(DCP_NAME, "malformed_frame");
            return;
        }
    };
    let Some(h) = s.header else { return };
    if h.is_request() {
        let op = match h.service_id {
            3 => Operation::Read,
            4 => Operation::Write,
            5 => Operation::IdentityQuery,
            _ => Operation::Other,
        };
        out.operation(DCP_NAME, op);
        if h.service_id == 4 && s.factory_reset {
            out.anomaly(DCP_NAME, "factory_reset_requested");
        }
    }
    let announces = (h.service_id == 5 && !h.is_request())
        || (h.service_id == 6 && h.is_request())
        || (h.service_id == 3 && !h.is_request());
    if announces {
        if let Some(fact) = dcp_identity(&s) {
            out.identity(Side::Client, fact);
        }
    }
    if out.wants_records() {
        out.record(DCP_NAME, &DcpRecord::new(&s, &h));
    }
}

/// RT cyclic frames carry process data at a fixed rate: the engine counts
/// them per device pair (`l2_conversations`), so nothing is kept here: a
/// parser of frames has no per-conversation state, and process-wide counters
/// would make results depend on what else ran before.
fn on_rt(_payload: &[u8], _frame_id: u16, _out: &mut dyn ObservationSink) {}

/// Layer-2 entry point for EtherType 0x8892.
pub fn parse(payload: &[u8], out: &mut dyn ObservationSink) {
    let Some(&[f0, f1]) = payload.get(..2) else {
        out.anomaly(RT_NAME, "truncated_frame");
        return;
    };
    let frame_id = u16::from_be_bytes([f0, f1]);
    match classify(frame_id) {
        FrameClass::Dcp => on_dcp(payload, out),
        FrameClass::RtCyclic | FrameClass::RtClass3 => on_rt(payload, frame_id, out),
        FrameClass::Alarm => {
            out.anomaly(RT_NAME, "alarm");
            if out.wants_records() {
                out.record(
                    RT_NAME,
                    &RtRecord {
                        frame_id,
                        cycle_counter: None,
                        data_status: None,
                    },
                );
            }
        }
        FrameClass::Ptcp | FrameClass::Other => {}
    }
}

/// Name of station as record data.
pub(crate) fn data(b: Option<&[u8]>) -> Option<Data> {
    b.map(|b| Data(b.to_vec()))
}
