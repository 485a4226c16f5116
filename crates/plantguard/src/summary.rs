// SPDX-License-Identifier: Apache-2.0
//! The readable terminal summary of an assessment.

use std::io::Write;
use std::time::Duration;

use plantguard_engine::result::TrafficCount;
use plantguard_engine::Assessment;

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

/// Writes the summary.
pub fn print(out: &mut impl Write, a: &Assessment, elapsed: Duration) -> std::io::Result<()> {
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
