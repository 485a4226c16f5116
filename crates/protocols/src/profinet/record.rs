// SPDX-License-Identifier: Apache-2.0
//! `profinet_dcp.log`, `profinet_rt.log` and `profinet_io_cm.log` records.
//! DCP records are per frame (the layer-2 hook keeps no state to pair a
//! response with its request; `xid` pairs them). CM records are per
//! transaction and follow ICSNPP's `profinet_io_cm.log` names
//! (`rpc_version`, `packet_type`, `object_uuid`, `interface_uuid`,
//! `activity_uuid`, `server_boot_time`, `sequence_num`, `operation_num`,
//! `fragment_num`, `len_of_body`).
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use super::dcp::{self, DcpHeader};
use super::frame::{data, role_name, DcpSummary};
use crate::enip::record::Data;
use serde::Serialize;

/// One `profinet_dcp.log` line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DcpRecord {
    /// FrameID.
    pub frame_id: u16,
    /// ServiceID.
    pub service_id: u8,
    /// Service name (`identify`, `set`).
    pub service: &'static str,
    /// ServiceType (0 request, 1 response).
    pub service_type: u8,
    /// True for requests.
    pub is_request: bool,
    /// Transaction id.
    pub xid: u32,
    /// Option/suboption names carried (`name_of_station`, `ip_parameter`).
    pub options: Vec<&'static str>,
    /// Name of station (set, announced or looked for).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_of_station: Option<Data>,
    /// Type of station.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub station_type: Option<Data>,
    /// Vendor id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor_id: Option<u16>,
    /// Device id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_id: Option<u16>,
    /// Device role.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_role: Option<&'static str>,
    /// IP address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// Subnet mask.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub netmask: Option<String>,
    /// Standard gateway.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gateway: Option<String>,
    /// Set request: factory reset.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub factory_reset: bool,
    /// Set request: flash the LED.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub signal: bool,
    /// Set request: the change is permanent (BlockQualifier bit 0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permanent: Option<bool>,
}

impl DcpRecord {
    /// Builds the record (only when records are wanted).
    pub fn new(s: &DcpSummary<'_>, h: &DcpHeader) -> Self {
        let ip = |a: [u8; 4]| std::net::Ipv4Addr::from(a).to_string();
        DcpRecord {
            frame_id: h.frame_id,
            service_id: h.service_id,
            service: dcp::service_name(h.service_id),
            service_type: h.service_type,
            is_request: h.is_request(),
            xid: h.xid,
            options: s
                .options
                .iter()
                .take(s.option_count)
                .map(|&(o, so)| dcp::suboption_name(o, so))
                .collect(),
            name_of_station: data(s.name_of_station),
            station_type: data(s.station_type),
            vendor_id: s.device_id.map(|d| d.0),
            device_id: s.device_id.map(|d| d.1),
            device_role: s.device_role.map(role_name),
            ip: s.ip.map(|x| ip(x.0)),
            netmask: s.ip.map(|x| ip(x.1)),
            gateway: s.ip.map(|x| ip(x.2)),
            factory_reset: s.factory_reset,
            signal: s.signal,
            permanent: s.qualifier.map(|q| q & 1 != 0),
        }
    }
}

/// One `profinet_rt.log` line, for alarm frames (cyclic frames are counted
/// per device pair by the engine).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RtRecord {
    /// FrameID.
    pub frame_id: u16,
    /// CycleCounter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cycle_counter: Option<u16>,
    /// DataStatus.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_status: Option<u8>,
}

/// One `profinet_io_cm.log` line.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CmRecord {
    /// True when the request travelled from the flow originator.
    pub is_orig: bool,
    /// DCE/RPC version (4).
    pub rpc_version: u8,
    /// Packet type of the request (`request`).
    pub packet_type: &'static str,
    /// Object UUID.
    pub object_uuid: String,
    /// Interface UUID.
    pub interface_uuid: String,
    /// Interface name (`pn_io_device`).
    pub interface: &'static str,
    /// Activity UUID.
    pub activity_uuid: String,
    /// Server boot time.
    pub server_boot_time: u32,
    /// Sequence number.
    pub sequence_num: u32,
    /// Operation number.
    pub operation_num: u16,
    /// Operation name (`connect`, `read`, `write`, `control`).
    pub operation: &'static str,
    /// Fragment number.
    pub fragment_num: u16,
    /// Body length of the request.
    pub len_of_body: u16,
    /// Packet type of the answer (`response`, `fault`, `reject`), when seen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_packet_type: Option<&'static str>,
    /// PNIO status of the response (4 bytes, hex), 0 = OK.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pnio_status: Option<String>,
}
