// SPDX-License-Identifier: Apache-2.0
//! Plain words for roles, domains and Purdue levels, and the role icons.

use plantguard_analysis::inventory::{Domain, PurdueLevel, Role};

/// The role in words, as a plant manager would say it.
pub fn role_label(r: Role) -> &'static str {
    match r {
        Role::Plc => "PLC",
        Role::Rtu => "RTU",
        Role::Hmi => "HMI",
        Role::ScadaServer => "SCADA server",
        Role::EngineeringWorkstation => "Engineering workstation",
        Role::Historian => "Historian",
        Role::OpcServer => "OPC server",
        Role::IiotGateway => "IIoT gateway",
        Role::SafetyController => "Safety controller",
        Role::NetworkInfrastructure => "Network device",
        Role::ItWorkstation => "Office PC",
        Role::ItServer => "IT server",
        Role::Printer => "Printer",
        Role::Camera => "Camera",
        Role::BuildingSystem => "Building system",
        Role::RemoteAccessEndpoint => "Remote access",
        Role::InternetHost => "Internet host",
        Role::Unknown => "Unknown",
    }
}

/// A short role label for counts in collapsed groups (`PLC 20`).
pub fn role_short(r: Role) -> &'static str {
    match r {
        Role::ScadaServer => "SCADA",
        Role::EngineeringWorkstation => "EWS",
        Role::OpcServer => "OPC",
        Role::IiotGateway => "IIoT",
        Role::SafetyController => "SIS",
        Role::NetworkInfrastructure => "Network",
        Role::ItWorkstation => "PC",
        Role::ItServer => "Server",
        Role::BuildingSystem => "Building",
        Role::RemoteAccessEndpoint => "Remote",
        Role::InternetHost => "Internet",
        other => role_label(other),
    }
}

/// The domain in words.
pub fn domain_label(d: Domain) -> &'static str {
    match d {
        Domain::It => "IT",
        Domain::Ot => "OT",
        Domain::Dmz => "DMZ",
        Domain::External => "Outside the plant",
        Domain::Unknown => "Unknown",
    }
}

/// Fill and stroke colours of a domain (colour-blind safe pairs from the
/// Okabe–Ito palette, lightened for fills).
pub fn domain_colours(d: Domain) -> (&'static str, &'static str) {
    match d {
        Domain::It => ("#dbeafe", "#0072b2"),
        Domain::Ot => ("#dcfce7", "#009e73"),
        Domain::Dmz => ("#f3e8ff", "#cc79a7"),
        Domain::External => ("#f1f5f9", "#475569"),
        Domain::Unknown => ("#fef9c3", "#a16207"),
    }
}

/// The Purdue level bands of the map, top to bottom, with a band for
/// assets whose level is not known.
pub const BANDS: [Option<PurdueLevel>; 8] = [
    Some(PurdueLevel::L5),
    Some(PurdueLevel::L4),
    Some(PurdueLevel::L3_5),
    Some(PurdueLevel::L3),
    Some(PurdueLevel::L2),
    Some(PurdueLevel::L1),
    Some(PurdueLevel::L0),
    None,
];

/// Index into [`BANDS`].
pub fn band_index(l: Option<PurdueLevel>) -> usize {
    BANDS
        .iter()
        .position(|b| *b == l)
        .unwrap_or(BANDS.len() - 1)
}

/// A level's title and what lives there.
pub fn level_label(l: Option<PurdueLevel>) -> (&'static str, &'static str) {
    match l {
        Some(PurdueLevel::L5) => ("Level 5", "Enterprise, internet"),
        Some(PurdueLevel::L4) => ("Level 4", "Business IT"),
        Some(PurdueLevel::L3_5) => ("Level 3.5", "IT/OT DMZ"),
        Some(PurdueLevel::L3) => ("Level 3", "Site operations"),
        Some(PurdueLevel::L2) => ("Level 2", "Supervisory control"),
        Some(PurdueLevel::L1) => ("Level 1", "Basic control"),
        Some(PurdueLevel::L0) => ("Level 0", "Physical process"),
        None => ("Level ?", "Not known"),
    }
}

/// The icon a role is drawn with (an `id` in [`ICON_SYMBOLS`]).
pub fn role_icon(r: Role) -> &'static str {
    match r {
        Role::Plc | Role::Rtu | Role::SafetyController => "i-plc",
        Role::Hmi => "i-hmi",
        Role::EngineeringWorkstation => "i-ews",
        Role::Historian => "i-historian",
        Role::ScadaServer | Role::OpcServer | Role::IiotGateway | Role::ItServer => "i-server",
        Role::ItWorkstation | Role::Printer | Role::Camera => "i-workstation",
        Role::NetworkInfrastructure => "i-network",
        Role::BuildingSystem => "i-building",
        Role::RemoteAccessEndpoint => "i-remote",
        Role::InternetHost => "i-internet",
        Role::Unknown => "i-unknown",
    }
}

/// The icons of the legend, with what they stand for.
pub const ICON_LEGEND: [(&str, &str); 11] = [
    ("i-plc", "PLC / RTU / safety"),
    ("i-hmi", "HMI"),
    ("i-ews", "Engineering workstation"),
    ("i-historian", "Historian"),
    ("i-server", "Server / SCADA / OPC / gateway"),
    ("i-workstation", "Office PC / printer / camera"),
    ("i-network", "Network device"),
    ("i-building", "Building system"),
    ("i-remote", "Remote access"),
    ("i-internet", "Internet host"),
    ("i-unknown", "Unknown"),
];

/// The role icons as SVG `<symbol>`s on a 24×24 grid, drawn in the current
/// colour so one icon serves every domain.
pub const ICON_SYMBOLS: &str = concat!(
    // PLC: a rack with I/O modules.
    r##"<symbol id="i-plc" viewBox="0 0 24 24"><rect x="3" y="4" width="18" height="16" rx="1.5" fill="none" stroke="currentColor" stroke-width="1.8"/><path d="M8 4v16M13 4v16" stroke="currentColor" stroke-width="1.4"/><circle cx="5.5" cy="7.5" r="1.2" fill="currentColor"/><path d="M15.5 8h3M15.5 11h3M15.5 14h3" stroke="currentColor" stroke-width="1.4"/></symbol>"##,
    // HMI: a touch panel on a stand.
    r##"<symbol id="i-hmi" viewBox="0 0 24 24"><rect x="3" y="4" width="18" height="12" rx="1.5" fill="none" stroke="currentColor" stroke-width="1.8"/><path d="M6 12l3-3 3 2 5-4" fill="none" stroke="currentColor" stroke-width="1.4"/><path d="M12 16v4M8 20h8" stroke="currentColor" stroke-width="1.8"/></symbol>"##,
    // Engineering workstation: a laptop with a code bracket.
    r##"<symbol id="i-ews" viewBox="0 0 24 24"><rect x="4" y="5" width="16" height="11" rx="1" fill="none" stroke="currentColor" stroke-width="1.8"/><path d="M2 19h20" stroke="currentColor" stroke-width="2"/><path d="M10 8.5l-2.5 2 2.5 2M14 8.5l2.5 2-2.5 2" fill="none" stroke="currentColor" stroke-width="1.4"/></symbol>"##,
    // Historian: a database cylinder.
    r##"<symbol id="i-historian" viewBox="0 0 24 24"><ellipse cx="12" cy="6" rx="7" ry="2.8" fill="none" stroke="currentColor" stroke-width="1.8"/><path d="M5 6v12c0 1.6 3.1 2.8 7 2.8s7-1.2 7-2.8V6M5 12c0 1.6 3.1 2.8 7 2.8s7-1.2 7-2.8" fill="none" stroke="currentColor" stroke-width="1.6"/></symbol>"##,
    // Server: stacked units.
    r##"<symbol id="i-server" viewBox="0 0 24 24"><rect x="4" y="3" width="16" height="8" rx="1.5" fill="none" stroke="currentColor" stroke-width="1.8"/><rect x="4" y="13" width="16" height="8" rx="1.5" fill="none" stroke="currentColor" stroke-width="1.8"/><circle cx="7.5" cy="7" r="1.2" fill="currentColor"/><circle cx="7.5" cy="17" r="1.2" fill="currentColor"/></symbol>"##,
    // Workstation: a monitor.
    r##"<symbol id="i-workstation" viewBox="0 0 24 24"><rect x="3" y="4" width="18" height="12" rx="1" fill="none" stroke="currentColor" stroke-width="1.8"/><path d="M9 20h6M12 16v4" stroke="currentColor" stroke-width="1.8"/></symbol>"##,
    // Network device: a switch with ports and arrows.
    r##"<symbol id="i-network" viewBox="0 0 24 24"><rect x="2" y="8" width="20" height="8" rx="1.5" fill="none" stroke="currentColor" stroke-width="1.8"/><path d="M6 12h.01M9.5 12h.01M13 12h.01" stroke="currentColor" stroke-width="2.4" stroke-linecap="round"/><path d="M16 4h5l-2-2M8 20H3l2 2" fill="none" stroke="currentColor" stroke-width="1.4"/></symbol>"##,
    // Building system: a building.
    r##"<symbol id="i-building" viewBox="0 0 24 24"><path d="M4 21V5l8-3v19M12 8l8 3v10M2 21h20" fill="none" stroke="currentColor" stroke-width="1.8"/><path d="M7 8h2M7 12h2M7 16h2M15 14h2M15 17h2" stroke="currentColor" stroke-width="1.4"/></symbol>"##,
    // Remote access: a key / arrow entering a box.
    r##"<symbol id="i-remote" viewBox="0 0 24 24"><path d="M13 4h6a1 1 0 0 1 1 1v14a1 1 0 0 1-1 1h-6" fill="none" stroke="currentColor" stroke-width="1.8"/><path d="M3 12h11M10 8l4 4-4 4" fill="none" stroke="currentColor" stroke-width="1.8"/></symbol>"##,
    // Internet: a globe.
    r##"<symbol id="i-internet" viewBox="0 0 24 24"><circle cx="12" cy="12" r="9" fill="none" stroke="currentColor" stroke-width="1.8"/><path d="M3 12h18M12 3c3 3 3 15 0 18M12 3c-3 3-3 15 0 18" fill="none" stroke="currentColor" stroke-width="1.4"/></symbol>"##,
    // Unknown: a question mark in a circle.
    r##"<symbol id="i-unknown" viewBox="0 0 24 24"><circle cx="12" cy="12" r="9" fill="none" stroke="currentColor" stroke-width="1.8"/><path d="M9.5 9.5a2.5 2.5 0 1 1 3.5 2.3c-.7.3-1 .8-1 1.5V14" fill="none" stroke="currentColor" stroke-width="1.8"/><circle cx="12" cy="17" r="1.1" fill="currentColor"/></symbol>"##,
    // Group: stacked cards, for a collapsed set of assets.
    r##"<symbol id="i-group" viewBox="0 0 24 24"><rect x="6" y="3" width="15" height="11" rx="1.5" fill="none" stroke="currentColor" stroke-width="1.5"/><rect x="3" y="8" width="15" height="11" rx="1.5" fill="#fff" stroke="currentColor" stroke-width="1.8"/><path d="M7 13.5h7" stroke="currentColor" stroke-width="1.6"/></symbol>"##,
);

/// Operation names (as `Operation::name` writes them) that change the
/// state of the plant.
pub fn is_state_changing(op: &str) -> bool {
    matches!(
        op,
        "write" | "program_download" | "firmware_transfer" | "file_transfer"
    ) || op.starts_with("mode_change")
}

/// An operation in words.
pub fn operation_label(op: &str) -> String {
    match op {
        "write" => "writes".into(),
        "program_download" => "program downloads".into(),
        "program_upload" => "program uploads".into(),
        "mode_change_stop" => "controller stops".into(),
        "mode_change_start" => "controller starts".into(),
        "mode_change_restart" => "controller restarts".into(),
        "firmware_transfer" => "firmware transfers".into(),
        "file_transfer" => "file transfers".into(),
        other => other.replace('_', " "),
    }
}

/// `3 program downloads`, `1 controller stop`.
pub fn operation_count(op: &str, n: u64) -> String {
    let (one, many) = match op {
        "read" => ("read", "reads"),
        "identity_query" => ("identity query", "identity queries"),
        "session" => ("session message", "session messages"),
        "diagnostics" => ("diagnostic request", "diagnostic requests"),
        "other" => ("other message", "other messages"),
        _ => {
            let many = operation_label(op);
            let one = many.strip_suffix('s').unwrap_or(&many).to_string();
            return if n == 1 {
                format!("1 {one}")
            } else {
                format!("{n} {many}")
            };
        }
    };
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Bytes in units a person reads (`1.2 MB`).
pub fn human_bytes(b: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut v = b as f64;
    let mut u = 0;
    while v >= 1000.0 && u < UNITS.len() - 1 {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{b} B")
    } else if v < 10.0 {
        format!("{v:.1} {}", UNITS[u])
    } else {
        format!("{v:.0} {}", UNITS[u])
    }
}
