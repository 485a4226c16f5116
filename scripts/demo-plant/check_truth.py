#!/usr/bin/env python3
"""Check that demo/truth.toml matches what tshark sees in demo/plant.pcapng.

Checks:
  1. every [[host]] interface's IP appears in `tshark -z endpoints,ip` and its MAC in
     `tshark -z endpoints,eth`;
  2. every [[conduit]] has packets from src to dst on its port (and, where tshark has a
     dissector for it, frames of that protocol);
  3. every [[event]] has at least one frame matching its tshark_filter inside
     [window_start, window_end];
  4. identities configured on the hosts are visible on the wire where the protocol carries them
     (a NetBIOS name from every NIC of its host);
  5. hygiene: only the plant's addresses and names, no IPv6.

Usage: check_truth.py [--truth demo/truth.toml] [--pcap demo/plant.pcapng]
Exit status 0 when every check passes. Prints 'N passed, N failed' at the end.
"""

import argparse
import datetime as dt
import os
import subprocess
import sys
import tomllib

HERE = os.path.dirname(os.path.abspath(__file__))
DEMO = os.path.normpath(os.path.join(HERE, "..", "..", "demo"))

# tshark display-filter name for each conduit protocol (None: port match only)
PROTO_FILTER = {
    "dhcp": "dhcp", "dns": "dns", "http": "http", "modbus": "mbtcp", "enip": "enip", "s7comm": "s7comm",
    "iec104": "iec60870_104", "bacnet": "bacapp || bvlc", "opcua": "opcua", "smb": "smb", "ftp": "ftp",
    "telnet": "telnet", "snmp": "snmp", "tls": "tls", "vnc": "vnc",
}

# Identity facts that must be readable from the capture: (host, filter, what)
IDENTITY_CHECKS = [
    ("plc-m340", 'modbus.object_str_value == "Schneider Electric"', "Modbus device identification VendorName"),
    ("plc-m340", 'modbus.object_str_value == "BMX P34 2020"', "Modbus device identification ProductCode"),
    ("plc-clx", 'enip.lir.name == "1756-L71/B LOGIX5571"', "EtherNet/IP ListIdentity product name"),
    ("plc-clx", "enip.lir.vendor == 1", "EtherNet/IP ListIdentity vendor id"),
    ("plc-clx", 'udp && enip.lir.name == "1756-L71/B LOGIX5571"', "EtherNet/IP ListIdentity answer to a UDP broadcast"),
    ("plc-clx", "enip.lir.name && enip.sinaddr == 10.30.0.11", "EtherNet/IP ListIdentity socket address"),
    ("plc-s7", 's7comm && frame contains "CPU 315-2 PN/DP"', "S7 SZL 0x001C component identification"),
    ("plc-s7", 's7comm && frame contains "6ES7 315-2EH14-0AB0"', "S7 SZL 0x0011 order code"),
    ("bms-01", "bacapp.vendor_identifier == 5", "BACnet I-Am vendor identifier"),
    ("sw-ctrl-01", 'snmp.value.octets contains "Hirschmann"', "SNMP sysDescr"),
    ("sw-ctrl-01", 'lldp.tlv.system.name contains "sw-ctrl-01" && lldp.tlv.system.desc contains "Hirschmann"',
     "LLDP system name and description"),
    ("office-pc-07", 'dhcp.option.hostname == "OFFICE-PC-07"', "DHCP hostname option"),
    ("hmi-01", 'http.user_agent contains "Windows NT 5.1"', "HTTP User-Agent (Windows XP)"),
    ("ews-01", 'vnc.desktop_name == "EWS-01"', "VNC desktop name"),
    ("ews-01", 'smb.native_os contains "Windows 7"', "SMB server Native OS"),
    ("hist-01", 'opcua.String contains "urn:plant.example:hist-01" || frame contains "urn:plant.example:hist-01"',
     "OPC UA application URI"),
]


def tshark(pcap, *args):
    r = subprocess.run(["tshark", "-n", "-r", pcap, *args], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"tshark {' '.join(args)}: {r.stderr.strip()}")
    return r.stdout


def endpoints(pcap, kind):
    out = tshark(pcap, "-q", "-z", f"endpoints,{kind}")
    seen = set()
    for line in out.splitlines():
        parts = line.split()
        if parts and (parts[0].count(".") == 3 or parts[0].count(":") == 5):
            seen.add(parts[0].lower())
    return seen


def times(pcap, flt):
    try:
        out = tshark(pcap, "-Y", flt, "-T", "fields", "-e", "frame.time_epoch")
    except RuntimeError as e:
        print(f"      filter error: {str(e).splitlines()[-1:]}")
        return []
    return [float(x) for x in out.split()]


def ts(s):
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--truth", default=os.path.join(DEMO, "truth.toml"))
    ap.add_argument("--pcap", default=os.path.join(DEMO, "plant.pcapng"))
    a = ap.parse_args()
    with open(a.truth, "rb") as f:
        truth = tomllib.load(f)
    passed, failed = 0, 0

    def check(ok, what):
        nonlocal passed, failed
        if ok:
            passed += 1
            print(f"ok    {what}")
        else:
            failed += 1
            print(f"FAIL  {what}")

    ips, macs = endpoints(a.pcap, "ip"), endpoints(a.pcap, "eth")
    # A router that only forwards never sources an IP packet of its own: its addresses are
    # seen as the sender of ARP requests and replies instead.
    arp_ips = set(tshark(a.pcap, "-Y", "arp", "-T", "fields", "-e", "arp.src.proto_ipv4").split())
    hosts = {h["name"]: h for h in truth["host"]}
    for h in truth["host"]:
        for i in h["interfaces"]:
            if i["ip"] in ips:
                check(True, f"host {h['name']} ip {i['ip']} in endpoints,ip")
            else:
                check(i["ip"] in arp_ips, f"host {h['name']} ip {i['ip']} as ARP sender (not in endpoints,ip)")
            check(i["mac"].lower() in macs, f"host {h['name']} mac {i['mac']} in endpoints,eth")

    for c in truth["conduit"]:
        s, d = hosts[c["src"]], hosts[c["dst"]]
        sips = " || ".join(f"ip.src == {i['ip']}" for i in s["interfaces"])
        dips = " || ".join(f"ip.dst == {i['ip']}" for i in d["interfaces"])
        if c["protocol"] == "dhcp":  # client has no address yet: match by MAC
            flt = f"eth.src == {s['mac']} && udp.dstport == 67"
        else:
            flt = f"({sips}) && ({dips}) && {c['transport']}.dstport == {c['port']}"
        n = len(times(a.pcap, flt))
        check(n > 0, f"conduit {c['src']} -> {c['dst']} {c['protocol']}/{c['port']}: {n} packets")
        pf = PROTO_FILTER.get(c["protocol"])
        if pf:
            both = (f"(({sips}) && ({dips})) || (({dips.replace('ip.dst', 'ip.src')}) && "
                    f"({sips.replace('ip.src', 'ip.dst')}))")
            if c["protocol"] == "dhcp":
                both = f"eth.addr == {s['mac']}"
            n = len(times(a.pcap, f"({both}) && ({pf})"))
            check(n > 0, f"conduit {c['src']} -> {c['dst']} decoded as {pf}: {n} frames")

    for e in truth.get("event", []):
        t0, t1 = ts(e["window_start"]), ts(e["window_end"])
        hits = times(a.pcap, e["tshark_filter"])
        inside = [t for t in hits if t0 <= t <= t1]
        check(len(inside) > 0, f"event {e['kind']} {e['src']} -> {e['dst']} [{e['tshark_filter']}]: "
                               f"{len(inside)} frames in window ({len(hits)} in capture)")

    for name, flt, what in IDENTITY_CHECKS:
        if name not in hosts:
            continue
        ip = hosts[name]["ip"]
        full = f"(ip.addr == {ip} || eth.addr == {hosts[name]['mac']}) && ({flt})"
        check(len(times(a.pcap, full)) > 0, f"identity {name}: {what}")

    # A host's NetBIOS name is registered and announced from every one of its NICs (what ties a
    # dual-homed PC's addresses together).
    for h in truth["host"]:
        nb = h.get("identity", {}).get("netbios_name")
        if not nb:
            continue
        for i in h["interfaces"]:
            src = f"ip.src == {i['ip']} && eth.src == {i['mac']}"
            check(len(times(a.pcap, f'{src} && nbns.flags.opcode == 5 && nbns.name contains "{nb}<00>"')) > 0,
                  f"identity {h['name']}: NetBIOS name registration {nb}<00> from {i['ip']}")
            check(len(times(a.pcap, f'{src} && browser.command == 0x01 && browser.server == "{nb}"')) > 0,
                  f"identity {h['name']}: browser host announcement {nb} from {i['ip']}")

    # Hygiene: only the plant's own addresses, and only the plant's own names in DNS.
    nets = " || ".join(f"ip.src == {seg['subnet']}" for seg in truth["segment"])
    stray = tshark(a.pcap, "-Y", f"ip && !({nets} || ip.src == 0.0.0.0)", "-T", "fields", "-e", "ip.src")
    check(not stray.strip(), f"every IPv4 source is inside the plant's subnets ({len(stray.split())} outside)")
    dnets = " || ".join(f"ip.dst == {seg['subnet']}" for seg in truth["segment"])
    stray = tshark(a.pcap, "-Y", f"ip && !({dnets} || ip.dst == 255.255.255.255 || ip.dst == 224.0.0.0/4)",
                   "-T", "fields", "-e", "ip.dst")
    check(not stray.strip(), f"every IPv4 destination is inside the plant ({len(stray.split())} outside)")
    names = set(tshark(a.pcap, "-Y", "dns.flags.response == 0", "-T", "fields", "-e", "dns.qry.name").split())
    zones = (truth["capture"]["domain_name"], "cloud-analytics.example", "in-addr.arpa")
    odd = sorted(n for n in names if not n.endswith(zones))
    check(not odd, f"every DNS query is for a plant or story name (others: {odd})")
    check(not tshark(a.pcap, "-Y", "ipv6", "-T", "fields", "-e", "frame.number").strip(), "no IPv6 frames")

    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
