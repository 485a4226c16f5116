// SPDX-License-Identifier: Apache-2.0
//! The classification vocabulary: roles, IT/OT/DMZ domains, Purdue levels,
//! and the reasons behind each verdict.

use std::fmt;
use std::str::FromStr;

use plantguard_model::Evidence;
use serde::{Deserialize, Serialize};

/// What an asset does in the plant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Programmable logic controller or other controller that serves an
    /// industrial protocol (Modbus, S7, EtherNet/IP, ...).
    Plc,
    /// Remote terminal unit: a DNP3 outstation or IEC 60870-5-104
    /// controlled station.
    Rtu,
    /// Operator panel or station: polls several controllers, mostly reads.
    Hmi,
    /// Supervisory server (SCADA master polling many RTUs/PLCs).
    ScadaServer,
    /// Engineering workstation: programs, writes and changes modes of
    /// controllers.
    EngineeringWorkstation,
    /// Historian: collects process values (polls) and serves them.
    Historian,
    /// OPC (UA) server that is neither a controller nor a historian.
    OpcServer,
    /// Gateway between field protocols and IT or cloud protocols.
    IiotGateway,
    /// Safety controller (where a protocol reveals it).
    SafetyController,
    /// Switch, router or firewall.
    NetworkInfrastructure,
    /// Office PC.
    ItWorkstation,
    /// DNS, DHCP, domain controller, file or application server.
    ItServer,
    /// Network printer.
    Printer,
    /// IP camera.
    Camera,
    /// Building automation device (BACnet).
    BuildingSystem,
    /// Host that opens remote-access sessions into the plant from outside.
    RemoteAccessEndpoint,
    /// Host with a public address.
    InternetHost,
    /// Not enough evidence.
    Unknown,
}

impl Role {
    /// Every role, in declaration order.
    pub const ALL: [Role; 18] = [
        Role::Plc,
        Role::Rtu,
        Role::Hmi,
        Role::ScadaServer,
        Role::EngineeringWorkstation,
        Role::Historian,
        Role::OpcServer,
        Role::IiotGateway,
        Role::SafetyController,
        Role::NetworkInfrastructure,
        Role::ItWorkstation,
        Role::ItServer,
        Role::Printer,
        Role::Camera,
        Role::BuildingSystem,
        Role::RemoteAccessEndpoint,
        Role::InternetHost,
        Role::Unknown,
    ];

    /// The snake_case name used in JSON, CSV and the site file.
    pub const fn name(self) -> &'static str {
        match self {
            Role::Plc => "plc",
            Role::Rtu => "rtu",
            Role::Hmi => "hmi",
            Role::ScadaServer => "scada_server",
            Role::EngineeringWorkstation => "engineering_workstation",
            Role::Historian => "historian",
            Role::OpcServer => "opc_server",
            Role::IiotGateway => "iiot_gateway",
            Role::SafetyController => "safety_controller",
            Role::NetworkInfrastructure => "network_infrastructure",
            Role::ItWorkstation => "it_workstation",
            Role::ItServer => "it_server",
            Role::Printer => "printer",
            Role::Camera => "camera",
            Role::BuildingSystem => "building_system",
            Role::RemoteAccessEndpoint => "remote_access_endpoint",
            Role::InternetHost => "internet_host",
            Role::Unknown => "unknown",
        }
    }

    /// The domain a role belongs to when nothing else is known.
    pub const fn default_domain(self) -> Domain {
        match self {
            Role::ItWorkstation | Role::ItServer | Role::Printer => Domain::It,
            Role::RemoteAccessEndpoint | Role::InternetHost => Domain::External,
            Role::Unknown | Role::NetworkInfrastructure | Role::Camera => Domain::Unknown,
            _ => Domain::Ot,
        }
    }

    /// The Purdue level a role sits at when nothing else is known.
    pub const fn default_level(self) -> Option<PurdueLevel> {
        Some(match self {
            Role::Plc | Role::Rtu | Role::SafetyController | Role::BuildingSystem => {
                PurdueLevel::L1
            }
            Role::Hmi | Role::ScadaServer | Role::EngineeringWorkstation | Role::IiotGateway => {
                PurdueLevel::L2
            }
            Role::Historian | Role::OpcServer => PurdueLevel::L3,
            Role::ItWorkstation | Role::ItServer | Role::Printer => PurdueLevel::L4,
            Role::RemoteAccessEndpoint | Role::InternetHost => PurdueLevel::L5,
            Role::NetworkInfrastructure | Role::Camera | Role::Unknown => return None,
        })
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Role {
    type Err = String;
    /// Parses a role name; `controller` and `building_controller` are
    /// accepted as aliases of `plc` and `building_system`.
    fn from_str(s: &str) -> Result<Role, String> {
        let s = s.trim().to_ascii_lowercase().replace([' ', '-'], "_");
        match s.as_str() {
            "controller" => return Ok(Role::Plc),
            "building_controller" | "bms" => return Ok(Role::BuildingSystem),
            "ews" => return Ok(Role::EngineeringWorkstation),
            _ => {}
        }
        Role::ALL
            .iter()
            .copied()
            .find(|r| r.name() == s)
            .ok_or_else(|| format!("unknown role {s:?}"))
    }
}

/// IT, OT, DMZ or outside the plant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Domain {
    /// Enterprise / office network.
    It,
    /// Operational technology: the plant floor and its supervision.
    Ot,
    /// The IT/OT demilitarised zone (Purdue 3.5).
    Dmz,
    /// Outside the plant (the internet, a vendor's network).
    External,
    /// Not enough evidence.
    Unknown,
}

impl Domain {
    /// The snake_case name.
    pub const fn name(self) -> &'static str {
        match self {
            Domain::It => "it",
            Domain::Ot => "ot",
            Domain::Dmz => "dmz",
            Domain::External => "external",
            Domain::Unknown => "unknown",
        }
    }
}

impl fmt::Display for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A Purdue level: 0 to 5, or 3.5 for the IT/OT DMZ. Written as a number
/// (`1`, `3.5`) in JSON and TOML.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "f64", try_from = "f64")]
pub enum PurdueLevel {
    /// Level 0: the physical process (sensors, actuators).
    L0,
    /// Level 1: basic control (PLCs, RTUs).
    L1,
    /// Level 2: supervisory control (HMI, engineering, SCADA).
    L2,
    /// Level 3: site operations (historian, MES).
    L3,
    /// Level 3.5: the IT/OT DMZ.
    L3_5,
    /// Level 4: site business systems (IT).
    L4,
    /// Level 5: enterprise and internet.
    L5,
}

impl PurdueLevel {
    /// The level as a number (`3.5` for the DMZ).
    pub const fn value(self) -> f64 {
        match self {
            PurdueLevel::L0 => 0.0,
            PurdueLevel::L1 => 1.0,
            PurdueLevel::L2 => 2.0,
            PurdueLevel::L3 => 3.0,
            PurdueLevel::L3_5 => 3.5,
            PurdueLevel::L4 => 4.0,
            PurdueLevel::L5 => 5.0,
        }
    }

    /// The level for a number, if it is one of 0..=5 or 3.5.
    pub fn from_value(v: f64) -> Option<PurdueLevel> {
        [
            PurdueLevel::L0,
            PurdueLevel::L1,
            PurdueLevel::L2,
            PurdueLevel::L3,
            PurdueLevel::L3_5,
            PurdueLevel::L4,
            PurdueLevel::L5,
        ]
        .into_iter()
        .find(|l| (l.value() - v).abs() < 1e-9)
    }

    /// The domain a level implies: 0-3 OT, 3.5 DMZ, 4-5 IT.
    pub const fn domain(self) -> Domain {
        match self {
            PurdueLevel::L0 | PurdueLevel::L1 | PurdueLevel::L2 | PurdueLevel::L3 => Domain::Ot,
            PurdueLevel::L3_5 => Domain::Dmz,
            PurdueLevel::L4 | PurdueLevel::L5 => Domain::It,
        }
    }
}

impl From<PurdueLevel> for f64 {
    fn from(l: PurdueLevel) -> f64 {
        l.value()
    }
}

impl TryFrom<f64> for PurdueLevel {
    type Error = String;
    fn try_from(v: f64) -> Result<PurdueLevel, String> {
        PurdueLevel::from_value(v)
            .ok_or_else(|| format!("Purdue level {v} is outside 0..=5 (3.5 for a DMZ)"))
    }
}

impl fmt::Display for PurdueLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.value())
    }
}

/// Who decided a classification.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decided {
    /// Inferred from traffic.
    Inferred,
    /// Taken from a zone of the site file (subnet or VLAN membership).
    SiteZone,
    /// Taken from a known-asset row (site file `[[asset]]` or the CSV).
    KnownAsset,
}

/// One reason behind a verdict, with the frame that shows it when there is one.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Reason {
    /// What was observed, in words (`serves modbus on tcp/502 to 3 clients`).
    pub text: String,
    /// A frame that shows it.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub evidence: Option<Evidence>,
}

impl Reason {
    /// A reason without a frame.
    pub fn new(text: impl Into<String>) -> Reason {
        Reason {
            text: text.into(),
            evidence: None,
        }
    }

    /// A reason with a frame.
    pub fn with(text: impl Into<String>, evidence: &Evidence) -> Reason {
        Reason {
            text: text.into(),
            evidence: Some(evidence.clone()),
        }
    }
}
