// SPDX-License-Identifier: Apache-2.0
//! Every protocol PlantGuard can parse, in probing order.

use crate::api::{L2ProtocolInfo, ProtocolInfo};

/// All registered protocols. Protocols with strict magic values come first.
pub static PROTOCOLS: &[&ProtocolInfo] = &[
    &crate::modbus::INFO,
    &crate::enip::INFO,
    &crate::s7comm::INFO,
    &crate::opcua::INFO,
    &crate::dnp3::INFO,
    &crate::iec104::INFO,
    &crate::remote::INFO,
    &crate::tls::INFO,
    &crate::ssh::INFO,
    &crate::rdp::INFO,
    &crate::rfb::INFO,
    &crate::telnet::INFO,
    &crate::ftp::INFO,
    &crate::http::INFO,
    &crate::snmp::INFO,
    &crate::bacnet::INFO,
    &crate::profinet::CM_INFO,
    &crate::longtail::mms::INFO,
    &crate::dhcp::INFO,
    &crate::dhcp::V6_INFO,
    &crate::dns::INFO,
    &crate::dns::TCP_INFO,
    &crate::dns::LLMNR_INFO,
    &crate::dns::MDNS_INFO,
    &crate::netbios::NS_INFO,
    &crate::netbios::DGM_INFO,
    &crate::smb::INFO,
    &crate::longtail::FINS_TCP,
    &crate::longtail::FINS_UDP,
    &crate::longtail::ADS,
    &crate::longtail::ADS_DISCOVERY,
    &crate::longtail::HART_TCP,
    &crate::longtail::HART_UDP,
    &crate::longtail::FOX,
    &crate::longtail::SLMP_TCP,
    &crate::longtail::SLMP_UDP,
    &crate::longtail::MELSOFT_TCP,
    &crate::longtail::MELSOFT_UDP,
    &crate::longtail::CODESYS,
    &crate::longtail::SRTP,
    &crate::longtail::PCWORX,
    &crate::longtail::PROCONOS,
    &crate::longtail::CRIMSON,
    &crate::longtail::EGD,
];

/// Looks a protocol up by name.
pub fn by_name(name: &str) -> Option<&'static ProtocolInfo> {
    PROTOCOLS.iter().copied().find(|p| p.name == name)
}

/// Protocols carried directly over Ethernet, looked up by EtherType.
pub static L2_PROTOCOLS: &[&L2ProtocolInfo] = &[
    &crate::profinet::L2_INFO,
    &crate::goose::INFO,
    &crate::goose::SV_INFO,
    &crate::longtail::ethercat::INFO,
];

/// The layer-2 protocol registered for an EtherType.
pub fn l2_by_ethertype(ethertype: u16) -> Option<&'static L2ProtocolInfo> {
    L2_PROTOCOLS
        .iter()
        .copied()
        .find(|p| p.ethertypes.contains(&ethertype))
}
