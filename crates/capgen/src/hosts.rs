// SPDX-License-Identifier: Apache-2.0
//! The simulated plant: hosts, their roles, subnets, VLANs and L2 identity.
//!
//! Zones (each a set of /24 subnets, 240 hosts per subnet from `.10`):
//!
//! | role            | subnets            | VLAN | OUI (vendor)                  | TTL |
//! |-----------------|--------------------|------|-------------------------------|-----|
//! | IT workstation  | 10.10.1+.0/24      | 10   | F8:BC:12 (Dell)               | 128 |
//! | IT server       | 10.20.0+.0/24      | 11   | 00:50:56 (VMware)             | 64  |
//! | DMZ server      | 172.16.10+.0/24    | 20   | 00:50:56 (VMware)             | 64  |
//! | HMI/SCADA/EWS   | 192.168.1+.0/24    | 100  | 3C:D9:2B (HP)                 | 128 |
//! | PLC (cell c)    | 172.20+.c.0/24     | 200+c| Siemens / Rockwell / Schneider| 30/64 |
//! | `ics2` device   | 172.20+.c.0/24     | 200+c| SEL / ABB / Johnson Controls  | 64  |
//!
//! PLC cells hold 24 controllers each; the vendor rotates Siemens, Rockwell,
//! Schneider so every protocol finds a fitting server. In the `ics2` mix the
//! cells hold field devices instead: SEL RTUs (DNP3, OUI 00:30:A7), ABB RTUs
//! (IEC 60870-5-104, 00:0C:02) and Johnson Controls building controllers
//! (BACnet/IP, 00:10:8D), in turn; each cell also gets a pseudo-host for its
//! broadcast address (`172.20+.c.255`, MAC FF:FF:FF:FF:FF:FF), the
//! destination of BACnet Who-Is and I-Am. Pseudo-hosts are not counted in
//! `--hosts`.

use crate::Mix;

/// PLC vendor, which decides the protocols a PLC serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Vendor {
    /// S7comm (102) and OPC UA (4840).
    Siemens,
    /// EtherNet/IP (44818, UDP 2222).
    Rockwell,
    /// Modbus/TCP (502).
    Schneider,
    /// DNP3 outstation (TCP 20000), `ics2` mix.
    Sel,
    /// IEC 60870-5-104 controlled station (TCP 2404), `ics2` mix.
    Abb,
    /// BACnet/IP building controller (UDP 47808), `ics2` mix.
    Jci,
}

/// What a host does in the plant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    Workstation,
    ItServer,
    DmzServer,
    ControlClient,
    Plc(Vendor),
    /// A cell's broadcast address (a destination, not a device).
    Broadcast,
}

/// One simulated host.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Host {
    pub(crate) ip: [u8; 4],
    pub(crate) role: Role,
    pub(crate) vlan: u16,
    pub(crate) ttl: u8,
    pub(crate) window: u16,
    oui: [u8; 3],
}

impl Host {
    /// True when the host picks client ports from the Windows range.
    pub(crate) fn windows(&self) -> bool {
        matches!(self.role, Role::Workstation | Role::ControlClient)
    }
}

/// All hosts, indexed by role.
pub(crate) struct HostPlan {
    pub(crate) hosts: Vec<Host>,
    pub(crate) workstations: Vec<u32>,
    pub(crate) it_servers: Vec<u32>,
    pub(crate) dmz: Vec<u32>,
    pub(crate) clients: Vec<u32>,
    pub(crate) plcs: Vec<u32>,
    pub(crate) siemens: Vec<u32>,
    pub(crate) rockwell: Vec<u32>,
    pub(crate) schneider: Vec<u32>,
    pub(crate) sel: Vec<u32>,
    pub(crate) abb: Vec<u32>,
    pub(crate) jci: Vec<u32>,
    /// Broadcast pseudo-host of each cell, by cell number (`ics2` only).
    pub(crate) cell_broadcast: Vec<u32>,
}

/// Twin cells reuse a cell's addresses on VLAN `cell VLAN + TWIN_VLAN_OFFSET`.
pub(crate) const TWIN_VLAN_OFFSET: u16 = 2000;

fn zone_ip(a: u8, b: u8, c0: u16, i: u32) -> [u8; 4] {
    let c = u32::from(c0) + i / 240;
    [
        a,
        b.wrapping_add((c / 256) as u8),
        (c % 256) as u8,
        (10 + i % 240) as u8,
    ]
}

impl HostPlan {
    /// Lay out `n` hosts for `mix` (n ≥ 5, checked by the caller).
    pub(crate) fn new(mix: Mix, n: u32) -> Self {
        let (ws, its, dmz, cl) = match mix {
            Mix::Ics | Mix::Ics2 => (0, 0, (n / 20).max(1), (n / 8).max(1)),
            Mix::It => (n - 2 * (n / 20).max(1), (n / 20).max(1), (n / 20).max(1), 0),
            Mix::Mixed => (
                (n * 3 / 10).max(1),
                (n / 40).max(1),
                (n / 40).max(1),
                (n / 10).max(1),
            ),
        };
        let plcs = n - ws - its - dmz - cl;
        let mut p = HostPlan {
            hosts: Vec::with_capacity(n as usize),
            workstations: Vec::new(),
            it_servers: Vec::new(),
            dmz: Vec::new(),
            clients: Vec::new(),
            plcs: Vec::new(),
            siemens: Vec::new(),
            rockwell: Vec::new(),
            schneider: Vec::new(),
            sel: Vec::new(),
            abb: Vec::new(),
            jci: Vec::new(),
            cell_broadcast: Vec::new(),
        };
        let vendors = if mix == Mix::Ics2 {
            [Vendor::Sel, Vendor::Abb, Vendor::Jci]
        } else {
            [Vendor::Siemens, Vendor::Rockwell, Vendor::Schneider]
        };
        for i in 0..ws {
            p.push(zone_ip(10, 10, 1, i), Role::Workstation, 10);
        }
        for i in 0..its {
            p.push(zone_ip(10, 20, 0, i), Role::ItServer, 11);
        }
        for i in 0..dmz {
            p.push(zone_ip(172, 16, 10, i), Role::DmzServer, 20);
        }
        for i in 0..cl {
            p.push(zone_ip(192, 168, 1, i), Role::ControlClient, 100);
        }
        for i in 0..plcs {
            let cell = i / 24;
            let ip = [
                172,
                20 + (cell / 256) as u8,
                (cell % 256) as u8,
                (10 + i % 24) as u8,
            ];
            let vendor = vendors[(i % 3) as usize];
            p.push(ip, Role::Plc(vendor), 200 + (cell % 1800) as u16);
        }
        if mix == Mix::Ics2 {
            for cell in 0..plcs.div_ceil(24) {
                let ip = [172, 20 + (cell / 256) as u8, (cell % 256) as u8, 255];
                p.push(ip, Role::Broadcast, 200 + (cell % 1800) as u16);
            }
        }
        p
    }

    /// The broadcast pseudo-host of the cell that device `idx` sits in
    /// (`ics2` only).
    pub(crate) fn broadcast_of(&self, idx: u32) -> u32 {
        let ip = self.hosts[idx as usize].ip;
        let cell = usize::from(ip[1] - 20) * 256 + usize::from(ip[2]);
        self.cell_broadcast[cell]
    }

    fn push(&mut self, ip: [u8; 4], role: Role, vlan: u16) {
        let idx = self.hosts.len() as u32;
        let (oui, ttl, window) = match role {
            Role::Workstation => ([0xF8, 0xBC, 0x12], 128, 64240),
            Role::ItServer | Role::DmzServer => ([0x00, 0x50, 0x56], 64, 64240),
            Role::ControlClient => ([0x3C, 0xD9, 0x2B], 128, 64240),
            Role::Plc(Vendor::Siemens) => ([0x00, 0x1B, 0x1B], 30, 8192),
            Role::Plc(Vendor::Rockwell) => ([0x00, 0x00, 0xBC], 64, 4096),
            Role::Plc(Vendor::Schneider) => ([0x00, 0x80, 0xF4], 64, 8192),
            Role::Plc(Vendor::Sel) => ([0x00, 0x30, 0xA7], 64, 8192),
            Role::Plc(Vendor::Abb) => ([0x00, 0x0C, 0x02], 64, 8192),
            Role::Plc(Vendor::Jci) => ([0x00, 0x10, 0x8D], 64, 4096),
            Role::Broadcast => ([0xFF, 0xFF, 0xFF], 64, 0),
        };
        let list = match role {
            Role::Workstation => &mut self.workstations,
            Role::ItServer => &mut self.it_servers,
            Role::DmzServer => &mut self.dmz,
            Role::ControlClient => &mut self.clients,
            Role::Broadcast => &mut self.cell_broadcast,
            Role::Plc(v) => {
                self.plcs.push(idx);
                match v {
                    Vendor::Siemens => &mut self.siemens,
                    Vendor::Rockwell => &mut self.rockwell,
                    Vendor::Schneider => &mut self.schneider,
                    Vendor::Sel => &mut self.sel,
                    Vendor::Abb => &mut self.abb,
                    Vendor::Jci => &mut self.jci,
                }
            }
        };
        list.push(idx);
        self.hosts.push(Host {
            ip,
            role,
            vlan,
            ttl,
            window,
            oui,
        });
    }

    /// The MAC of host `idx`; a twin-cell device differs in the NIC part.
    pub(crate) fn mac(&self, idx: u32, twin: bool) -> [u8; 6] {
        let h = &self.hosts[idx as usize];
        if h.role == Role::Broadcast {
            return [0xFF; 6];
        }
        let n = (idx + 1).to_be_bytes();
        [
            h.oui[0],
            h.oui[1],
            h.oui[2],
            n[1] | if twin { 0x80 } else { 0 },
            n[2],
            n[3],
        ]
    }

    /// The (VRRP) gateway MAC of a VLAN.
    pub(crate) fn gateway_mac(vlan: u16) -> [u8; 6] {
        [0x00, 0x00, 0x5E, 0x00, 0x01, (vlan & 0xFF) as u8]
    }

    /// True when the two hosts sit in different /24 subnets (routed traffic).
    pub(crate) fn routed(&self, a: u32, b: u32) -> bool {
        self.hosts[a as usize].ip[..3] != self.hosts[b as usize].ip[..3]
    }
}
