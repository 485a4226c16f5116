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

/// (port, position in [`PROTOCOLS`]) for every registered server port,
/// sorted: built once, so a flow's first data finds the protocols of its
/// port with a binary search instead of scanning every protocol's ports.
fn port_table() -> &'static [(u16, usize)] {
    static TABLE: std::sync::OnceLock<Vec<(u16, usize)>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t: Vec<(u16, usize)> = PROTOCOLS
            .iter()
            .enumerate()
            .flat_map(|(i, p)| p.ports.iter().map(move |&port| (port, i)))
            .collect();
        t.sort_unstable();
        t.dedup();
        t
    })
}

/// Positions in [`PROTOCOLS`] of the protocols registered for `port`, in
/// registry (probing) order.
pub fn positions_on_port(port: u16) -> impl Iterator<Item = usize> {
    let t = port_table();
    let from = t.partition_point(|&(p, _)| p < port);
    t.get(from..)
        .unwrap_or_default()
        .iter()
        .take_while(move |&&(p, _)| p == port)
        .map(|&(_, i)| i)
}

/// The positions of [`positions_on_port`] as a bit set (bit `i` for
/// `PROTOCOLS[i]`; a test keeps the registry within 128 protocols).
pub fn on_port_set(port: u16) -> u128 {
    positions_on_port(port).fold(0, |set, i| {
        set | 1u128
            .checked_shl(u32::try_from(i).unwrap_or(u32::MAX))
            .unwrap_or(0)
    })
}

/// Whether any protocol registers `port` as a server port.
pub fn is_registered_port(port: u16) -> bool {
    positions_on_port(port).next().is_some()
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_fits_the_port_bit_set() {
        assert!(PROTOCOLS.len() <= 128, "on_port_set holds 128 positions");
    }

    #[test]
    fn the_port_table_answers_as_a_scan_of_every_protocol_would() {
        let mut ports: Vec<u16> = PROTOCOLS
            .iter()
            .flat_map(|p| p.ports.iter().copied())
            .collect();
        ports.extend([0, 1, 79, 81, 1023, 1024, 40000, u16::MAX]);
        for port in ports {
            let scanned: Vec<usize> = PROTOCOLS
                .iter()
                .enumerate()
                .filter(|(_, p)| p.ports.contains(&port))
                .map(|(i, _)| i)
                .collect();
            assert_eq!(
                positions_on_port(port).collect::<Vec<_>>(),
                scanned,
                "port {port}"
            );
            assert_eq!(is_registered_port(port), !scanned.is_empty(), "port {port}");
            let set = scanned.iter().fold(0u128, |s, &i| s | 1 << i);
            assert_eq!(on_port_set(port), set, "port {port}");
        }
    }
}
