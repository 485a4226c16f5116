// SPDX-License-Identifier: Apache-2.0
//! The readable terminal summary of an assessment.

use std::io::Write;
use std::time::Duration;

use plantguard_engine::result::TrafficCount;

use crate::analysis::Analysis;

fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

fn table(
    out: &mut impl Write,
    title: &str,
    rows: &[TrafficCount],
    limit: usize,
) -> std::io::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    writeln!(out, "\n{title}")?;
    writeln!(
        out,
        "  {:<24} {:>8} {:>12} {:>12}",
        "", "flows", "packets", "bytes"
    )?;
    for r in rows.iter().take(limit) {
        writeln!(
            out,
            "  {:<24} {:>8} {:>12} {:>12}",
            r.name,
            r.flows,
            r.packets,
            human_bytes(r.bytes)
        )?;
    }
    if rows.len() > limit {
        writeln!(out, "  ... {} more", rows.len() - limit)?;
    }
    Ok(())
}

/// Writes the summary: what was read, then the plant's assets, then what
/// needs attention, then protocol details.
pub fn print(out: &mut impl Write, an: &Analysis, elapsed: Duration) -> std::io::Result<()> {
    let a = &an.output.assessment;
    let t = &a.totals;
    writeln!(out, "PlantGuard assessment")?;
    for f in &a.files {
        write!(
            out,
            "  input   {} ({}, {} packets)",
            f.path, f.format, f.packets
        )?;
        if let Some(off) = f.warning_offset {
            write!(out, "  damaged at byte {off}")?;
        }
        writeln!(out)?;
    }
    if let (Some(first), Some(last)) = (&a.capture.first, &a.capture.last) {
        writeln!(
            out,
            "  span    {first} .. {last} ({:.1} s)",
            a.capture.duration_s
        )?;
    }
    let secs = elapsed.as_secs_f64().max(1e-9);
    writeln!(
        out,
        "  packets {} ({}), {} malformed; analysed in {:.2} s ({:.0} packets/s)",
        t.packets,
        human_bytes(t.bytes),
        t.malformed,
        secs,
        t.packets as f64 / secs
    )?;
    writeln!(
        out,
        "  hosts   {} IP, {} layer-2 only; flows {} ({} TCP, {} UDP)",
        t.hosts,
        a.l2_hosts.len(),
        t.flows,
        t.tcp_flows,
        t.udp_flows
    )?;
    print_inventory(out, an)?;
    print_hardening(out, an)?;
    table(out, "Protocols", &a.protocols, 15)?;
    table(out, "Server ports", &a.ports, 15)?;
    table(out, "Layer-2 protocols", &a.link_protocols, 10)?;
    if !a.operations.is_empty() {
        writeln!(out, "\nOperations")?;
        for (proto, ops) in &a.operations {
            let list: Vec<String> = ops.iter().map(|(op, n)| format!("{op} {n}")).collect();
            writeln!(out, "  {:<12} {}", proto, list.join(", "))?;
        }
    }
    if !a.identities.is_empty() {
        writeln!(out, "\nDevice identities")?;
        for i in a.identities.iter().take(30) {
            let f = &i.identity;
            let parts: Vec<&str> = [
                &f.vendor,
                &f.product,
                &f.model,
                &f.firmware,
                &f.serial,
                &f.name,
            ]
            .iter()
            .filter_map(|o| o.as_deref())
            .collect();
            writeln!(
                out,
                "  {:<16} {:<8} {}  (frame {} of {})",
                i.ip.map_or_else(|| i.mac.clone().unwrap_or_default(), |ip| ip.to_string()),
                f.protocol,
                parts.join(" / "),
                i.evidence.pcap_cnt,
                i.evidence.pcap_filename
            )?;
        }
    }
    if !a.neighbors.is_empty() {
        writeln!(out, "\nNetwork devices (LLDP/CDP)")?;
        for n in &a.neighbors {
            writeln!(
                out,
                "  {} {} {} port {} mgmt {}",
                n.mac,
                n.protocol,
                n.system_name.as_deref().unwrap_or("?"),
                n.port_id.as_deref().unwrap_or("?"),
                n.management_address
                    .map_or("-".to_string(), |a| a.to_string())
            )?;
        }
    }
    if !a.hosts.is_empty() {
        writeln!(out, "\nTop hosts by bytes sent")?;
        let mut hosts: Vec<_> = a.hosts.iter().collect();
        hosts.sort_by(|x, y| y.bytes_sent.cmp(&x.bytes_sent).then(x.ip.cmp(&y.ip)));
        for h in hosts.iter().take(10) {
            writeln!(
                out,
                "  {:<40} {:<18} vlan {:<8} sent {:>10} recv {:>10}",
                h.ip.to_string(),
                h.macs.first().map_or("-", String::as_str),
                h.vlans
                    .iter()
                    .map(u16::to_string)
                    .collect::<Vec<_>>()
                    .join(","),
                human_bytes(h.bytes_sent),
                human_bytes(h.bytes_received)
            )?;
        }
    }
    let mut problems: Vec<(String, u64)> = a
        .decode_errors
        .iter()
        .map(|(k, v)| (format!("decode.{k}"), *v))
        .collect();
    problems.extend(a.anomalies.iter().map(|(k, v)| (k.clone(), *v)));
    if !problems.is_empty() {
        writeln!(out, "\nDecode anomalies")?;
        for (k, v) in problems {
            writeln!(out, "  {k:<40} {v}")?;
        }
    }
    if !a.unrecognised.is_empty() {
        let flows: u64 = a.unrecognised.iter().map(|c| c.flows).sum();
        writeln!(
            out,
            "\nUnrecognised: {flows} TCP/UDP flows no parser claimed (top server ports)"
        )?;
        for c in a.unrecognised.iter().take(8) {
            writeln!(
                out,
                "  {:<12} {} flows, {} packets",
                c.name, c.flows, c.packets
            )?;
        }
    }
    Ok(())
}

fn print_inventory(out: &mut impl Write, an: &Analysis) -> std::io::Result<()> {
    let inv = &an.inventory;
    if inv.assets.is_empty() {
        return Ok(());
    }
    let mut by_role: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    for asset in &inv.assets {
        *by_role.entry(asset.role.to_string()).or_insert(0) += 1;
    }
    let roles: Vec<String> = by_role.iter().map(|(r, n)| format!("{r} {n}")).collect();
    writeln!(out, "\nAssets: {} ({})", inv.assets.len(), roles.join(", "))?;
    if inv.zones_proposed {
        writeln!(
            out,
            "  zones are proposals (no site file): by subnet and VLAN, refined by role"
        )?;
    }
    writeln!(
        out,
        "  {:<18} {:<17} {:<24} {:<26} {:<6} {:<6} role",
        "address", "mac", "name", "vendor / model", "level", "domain"
    )?;
    for asset in inv.assets.iter().take(40) {
        let vendor = [asset.vendor.as_ref(), asset.model.as_ref()]
            .iter()
            .flatten()
            .map(|v| v.value.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        let vendor = if vendor.is_empty() {
            asset.mac_vendor.clone().unwrap_or_default()
        } else {
            vendor
        };
        writeln!(
            out,
            "  {:<18} {:<17} {:<24} {:<26} {:<6} {:<6} {}",
            asset.ip().map_or("-".to_string(), |ip| ip.to_string()),
            asset.macs.first().map_or("-", String::as_str),
            clip(asset.name.as_deref().unwrap_or("-"), 24),
            clip(&vendor, 26),
            asset
                .purdue_level
                .map_or("-".to_string(), |l| l.to_string()),
            asset.domain.to_string(),
            asset.role
        )?;
    }
    if inv.assets.len() > 40 {
        writeln!(
            out,
            "  ... {} more (plantguard inventory for all)",
            inv.assets.len() - 40
        )?;
    }
    if !inv.convergence.is_empty() {
        writeln!(out, "\nWhere IT and OT meet ({})", inv.convergence.len())?;
        for c in inv.convergence.iter().take(12) {
            let at = c
                .evidence
                .as_ref()
                .map(|e| format!(" (frame {} of {})", e.pcap_cnt, e.pcap_filename))
                .unwrap_or_default();
            writeln!(out, "  - {}{at}", c.summary)?;
        }
    }
    Ok(())
}

fn print_hardening(out: &mut impl Write, an: &Analysis) -> std::io::Result<()> {
    let h = &an.hardening;
    if !h.legacy_os.is_empty() {
        writeln!(out, "\nUnsupported or ending operating systems")?;
        for f in &h.legacy_os {
            let end = f
                .end_of_support
                .map(|d| d.to_string())
                .unwrap_or_else(|| "?".into());
            writeln!(
                out,
                "  {:<16} {} (support ended {end}): {}",
                f.ip.to_string(),
                f.os,
                f.meaning
            )?;
        }
    }
    if !h.credentials.is_empty() {
        writeln!(out, "\nCredentials crossing the network in clear text")?;
        for c in &h.credentials {
            let default = c
                .default_match
                .as_ref()
                .map(|m| format!("  DEFAULT ({} {})", m.vendor, m.product))
                .unwrap_or_default();
            let accepted = match c.accepted {
                Some(true) => "accepted",
                Some(false) => "refused",
                None => "outcome unknown",
            };
            writeln!(
                out,
                "  {:<6} {} -> {}  user {:?} secret {:?} ({accepted}){default}",
                c.service,
                c.client_ip.map_or("?".to_string(), |ip| ip.to_string()),
                c.server_ip.map_or("?".to_string(), |ip| ip.to_string()),
                c.username,
                c.secret
            )?;
        }
    }
    if !h.remote_access.is_empty() {
        writeln!(out, "\nRemote-access sessions")?;
        for r in &h.remote_access {
            writeln!(
                out,
                "  {:<10} {} -> {}:{}  {} for {:.0} s, {} bytes",
                r.tool,
                r.client_ip,
                r.server_ip,
                r.server_port,
                r.start,
                r.duration_s,
                r.bytes_to_server + r.bytes_to_client
            )?;
        }
    }
    Ok(())
}

fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('~');
        t
    }
}
