// SPDX-License-Identifier: Apache-2.0
//! LLDP (IEEE 802.1AB) and CDP neighbour announcements: switches and routers
//! announce their name, port, management address and capabilities, which is
//! how network infrastructure enters the inventory.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// What a network device announced about itself.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Neighbor<'a> {
    /// `"lldp"` or `"cdp"`.
    pub protocol: &'static str,
    /// Chassis id (LLDP) or Device ID (CDP), raw bytes.
    pub chassis_id: Option<&'a [u8]>,
    /// Port id (LLDP) or Port ID (CDP).
    pub port_id: Option<&'a [u8]>,
    /// Port description (LLDP).
    pub port_description: Option<&'a [u8]>,
    /// System name (LLDP) / Device ID (CDP).
    pub system_name: Option<&'a [u8]>,
    /// System description (LLDP) / Software version (CDP).
    pub system_description: Option<&'a [u8]>,
    /// Platform (CDP).
    pub platform: Option<&'a [u8]>,
    /// Management address.
    pub management_address: Option<IpAddr>,
    /// Enabled capability names (`bridge`, `router`, ...).
    pub capabilities: Vec<&'static str>,
}

/// LLDP system capability bits (IEEE 802.1AB §8.5.8).
const LLDP_CAPS: [(u16, &str); 8] = [
    (0x0001, "other"),
    (0x0002, "repeater"),
    (0x0004, "bridge"),
    (0x0008, "wlan_access_point"),
    (0x0010, "router"),
    (0x0020, "telephone"),
    (0x0040, "docsis_cable_device"),
    (0x0080, "station_only"),
];

/// CDP capability bits.
const CDP_CAPS: [(u32, &str); 7] = [
    (0x01, "router"),
    (0x02, "transparent_bridge"),
    (0x04, "source_route_bridge"),
    (0x08, "bridge"),
    (0x10, "host"),
    (0x20, "igmp"),
    (0x40, "repeater"),
];

fn addr_from(family_len_bytes: &[u8]) -> Option<IpAddr> {
    match family_len_bytes.len() {
        4 => {
            let b: [u8; 4] = family_len_bytes.try_into().ok()?;
            Some(IpAddr::V4(Ipv4Addr::from(b)))
        }
        16 => {
            let b: [u8; 16] = family_len_bytes.try_into().ok()?;
            Some(IpAddr::V6(Ipv6Addr::from(b)))
        }
        _ => None,
    }
}

/// Parses an LLDPDU (the bytes after the EtherType). Returns `None` when the
/// mandatory chassis id TLV is missing.
pub fn parse_lldp(mut b: &[u8]) -> Option<Neighbor<'_>> {
    let mut n = Neighbor {
        protocol: "lldp",
        ..Neighbor::default()
    };
    while b.len() >= 2 {
        let h = u16::from_be_bytes([b[0], b[1]]);
        let ty = h >> 9;
        let len = usize::from(h & 0x01FF);
        let v = b.get(2..2 + len)?;
        b = &b[2 + len..];
        match ty {
            0 => break,
            // Chassis / port id: first byte is the subtype.
            1 => n.chassis_id = v.get(1..),
            2 => n.port_id = v.get(1..),
            4 => n.port_description = Some(v),
            5 => n.system_name = Some(v),
            6 => n.system_description = Some(v),
            7 if v.len() >= 4 => {
                let enabled = u16::from_be_bytes([v[2], v[3]]);
                n.capabilities = LLDP_CAPS
                    .iter()
                    .filter(|(bit, _)| enabled & bit != 0)
                    .map(|(_, name)| *name)
                    .collect();
            }
            8 if n.management_address.is_none() => {
                // addr string length(1) = subtype(1) + address
                let slen = usize::from(*v.first()?);
                if slen >= 2 {
                    n.management_address = v.get(2..1 + slen).and_then(addr_from);
                }
            }
            _ => {}
        }
    }
    n.chassis_id.map(|_| n)
}

/// Parses a CDP payload (after the SNAP header).
pub fn parse_cdp(b: &[u8]) -> Option<Neighbor<'_>> {
    // version(1) ttl(1) checksum(2) then TLVs type(2) length(2, includes header)
    let mut rest = b.get(4..)?;
    let mut n = Neighbor {
        protocol: "cdp",
        ..Neighbor::default()
    };
    while rest.len() >= 4 {
        let ty = u16::from_be_bytes([rest[0], rest[1]]);
        let len = usize::from(u16::from_be_bytes([rest[2], rest[3]]));
        if len < 4 {
            break;
        }
        let v = rest.get(4..len)?;
        rest = &rest[len..];
        match ty {
            0x0001 => {
                n.chassis_id = Some(v);
                n.system_name = Some(v);
            }
            0x0002 => n.management_address = cdp_first_address(v),
            0x0003 => n.port_id = Some(v),
            0x0004 if v.len() >= 4 => {
                let caps = u32::from_be_bytes([v[0], v[1], v[2], v[3]]);
                n.capabilities = CDP_CAPS
                    .iter()
                    .filter(|(bit, _)| caps & bit != 0)
                    .map(|(_, name)| *name)
                    .collect();
            }
            0x0005 => n.system_description = Some(v),
            0x0006 => n.platform = Some(v),
            _ => {}
        }
    }
    n.chassis_id.map(|_| n)
}

/// First IPv4 address of a CDP Addresses TLV: count(4) then
/// protocol type(1) length(1) protocol(len) address length(2) address.
fn cdp_first_address(v: &[u8]) -> Option<IpAddr> {
    let count = u32::from_be_bytes(v.get(..4)?.try_into().ok()?);
    if count == 0 {
        return None;
    }
    let plen = usize::from(*v.get(5)?);
    let at = 6 + plen;
    let alen = usize::from(u16::from_be_bytes(v.get(at..at + 2)?.try_into().ok()?));
    addr_from(v.get(at + 2..at + 2 + alen)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lldp_switch_announcement() {
        let mut b = vec![];
        let mut tlv = |ty: u16, v: &[u8]| {
            b.extend_from_slice(&((ty << 9) | v.len() as u16).to_be_bytes());
            b.extend_from_slice(v);
        };
        tlv(1, &[4, 0, 0x1b, 0x1b, 1, 2, 3]); // chassis: MAC subtype
        tlv(2, b"\x05Gi1/0/3"); // port: interface name
        tlv(3, &[0, 120]); // TTL
        tlv(5, b"sw-cell-1");
        tlv(7, &[0, 0x14, 0, 0x14]); // bridge + router
        tlv(8, &[5, 1, 10, 30, 0, 2, 2, 0, 0, 0, 1, 0]); // mgmt 10.30.0.2
        tlv(0, &[]);
        let n = parse_lldp(&b).unwrap();
        assert_eq!(n.system_name, Some(&b"sw-cell-1"[..]));
        assert_eq!(n.port_id, Some(&b"Gi1/0/3"[..]));
        assert_eq!(n.capabilities, vec!["bridge", "router"]);
        assert_eq!(n.management_address, Some("10.30.0.2".parse().unwrap()));
    }

    #[test]
    fn lldp_without_chassis_is_rejected_and_garbage_never_panics() {
        assert!(parse_lldp(&[]).is_none());
        for n in 0..64u8 {
            let junk: Vec<u8> = (0..n).map(|i| i.wrapping_mul(37)).collect();
            let _ = parse_lldp(&junk);
            let _ = parse_cdp(&junk);
        }
    }
}
