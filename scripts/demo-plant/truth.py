"""Write demo/truth.toml from the topology and the events recorded while capturing."""

import datetime as dt

from topology import DOMAIN_NAME, HOSTS, INTERNET_NAME, SEGMENTS, ip_of

# Flows the story produces on purpose: (src, dst, protocol, transport, port, allowed-by-site-policy, note)
CONDUITS = [
    ("office-pc-07", "dc-01", "dhcp", "udp", 67, True, "DHCP lease with hostname option"),
    ("office-pc-07", "dc-01", "dns", "udp", 53, True, "name lookups"),
    ("office-pc-07", "dmz-web-01", "http", "tcp", 80, True, "office reads DMZ reports"),
    ("qa-pc-02", "dmz-web-01", "http", "tcp", 80, True, "QA PC reads DMZ reports (office NIC)"),
    ("qa-pc-02", "plc-m340", "modbus", "tcp", 502, False, "dual-homed QA PC reads PLC registers (control NIC)"),
    ("hmi-01", "plc-m340", "modbus", "tcp", 502, True, "HMI polling and device identification"),
    ("hist-01", "plc-m340", "modbus", "tcp", 502, True, "historian polling"),
    ("ews-01", "plc-m340", "modbus", "tcp", 502, True, "engineering writes"),
    ("office-pc-07", "plc-m340", "modbus", "tcp", 502, False, "Modbus write from the office network"),
    ("hmi-01", "plc-clx", "enip", "tcp", 44818, True, "HMI tag polling"),
    ("ews-01", "plc-clx", "enip", "tcp", 44818, True, "ListIdentity and tag write"),
    ("ews-01", "plc-s7", "s7comm", "tcp", 102, True, "engineering: read, write, download, stop"),
    ("hmi-01", "rtu-104", "iec104", "tcp", 2404, True, "IEC-104 master (interrogation, command)"),
    ("hmi-01", "bms-01", "bacnet", "udp", 47808, True, "Who-Is / I-Am / ReadProperty"),
    ("hmi-01", "hist-01", "opcua", "tcp", 4840, True, "OPC UA reads and a write, security None"),
    ("dmz-web-01", "hist-01", "opcua", "tcp", 4840, True, "DMZ mirror pulls from the historian"),
    ("hmi-01", "dmz-web-01", "http", "tcp", 80, False, "HMI browses the DMZ with an XP-era browser"),
    ("hmi-01", "ews-01", "smb", "tcp", 445, True, "SMBv1 share access"),
    ("ews-01", "plc-m340", "ftp", "tcp", 21, False, "FTP to the PLC with a default account"),
    ("ews-01", "plc-m340", "http", "tcp", 80, False, "PLC web server with the default HTTP Basic login"),
    ("ews-01", "sw-ctrl-01", "telnet", "tcp", 23, False, "Telnet to the switch"),
    ("ews-01", "sw-ctrl-01", "snmp", "udp", 161, True, "SNMP v2c reads"),
    ("hist-01", "dc-01", "dns", "udp", 53, False, "control-network host resolves an internet name"),
    ("hist-01", "cloud-01", "tls", "tcp", 443, False, "telemetry to an internet host"),
    ("vendor-rmt", "ews-01", "vnc", "tcp", 5900, False, "vendor remote session from the internet (VNC, not the approved path)"),
]


def iso(t):
    return dt.datetime.fromtimestamp(t, dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def q(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(q(x) for x in v) + "]"
    s = str(v).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{s}"'


def write_truth(path, t0, t1, events, actions):
    L = []
    w = L.append
    w("# Ground truth for demo/plant.pcapng, written by scripts/demo-plant/plant.py while it captured.")
    w("# Hosts, addresses and identities are fixed (scripts/demo-plant/topology.py); times are the real")
    w("# times of this capture. Checked against the capture by scripts/demo-plant/check_truth.py.")
    w("#")
    w("# Tables:")
    w("#   [capture]    file, start/end (RFC 3339 UTC), interfaces (pcapng interface names), capture_point")
    w("#   [[segment]]  name, interface (bridge = pcapng interface name), subnet, gateway")
    w("#   [[host]]     name, ip and mac (first interface), role, domain (it/ot/dmz), purdue_level (3.5 = DMZ),")
    w("#                os (where known), dual_homed, notes, interfaces = [{segment, ip, mac, addressing}],")
    w("#                [host.identity] = what the stack was configured to announce (vendor, product, ...)")
    w("#   [[conduit]]  src, dst (host names), protocol, transport, port, allowed_by_site_policy (demo/site.toml), note")
    w("#   [[event]]    kind, src, dst, protocol, detail, window_start/window_end (RFC 3339 UTC; the client's real")
    w("#                run time, widened by 0.5 s before and 1 s after), tshark_filter (finds the frame)")
    w("#   [[action]]   every scheduled client run: name, host, start, end, exit_status")
    w("")
    w("[capture]")
    w(f'file = "plant.pcapng"')
    w(f"start = {q(iso(t0))}")
    w(f"end = {q(iso(t1))}")
    w('format = "pcapng, one interface description block per capture point"')
    w("interfaces = " + q([br for br, _n, _g in SEGMENTS.values()]))
    w('capture_point = "dumpcap on the four Linux bridges (office, dmz, control, internet) inside the core namespace: '
      'like SPAN ports of a core switch on every segment. A packet routed by fw-01 is seen once on each segment '
      'it crosses (e.g. office -> control appears on office and on control, with different source/destination MACs)."')
    w(f"domain_name = {q(DOMAIN_NAME)}")
    w("")
    for name, (br, net, gw) in SEGMENTS.items():
        w("[[segment]]")
        w(f"name = {q(name)}")
        w(f"interface = {q(br)}")
        w(f"subnet = {q(net)}")
        w(f"gateway = {q(gw)}")
        w("")
    for h in HOSTS:
        w("[[host]]")
        w(f"name = {q(h['name'])}")
        first = h["ifaces"][0]
        w(f"ip = {q(ip_of(h['name']))}")
        w(f"mac = {q(first[2])}")
        w(f"role = {q(h['role'])}")
        w(f"domain = {q(h['domain'])}")
        w(f"purdue_level = {q(h['purdue_level'])}")
        if h.get("os"):
            w(f"os = {q(h['os'])}")
        if h.get("dual_homed"):
            w("dual_homed = true")
        w(f"notes = {q(h['notes'])}")
        ifs = []
        for seg, ip, mac in h["ifaces"]:
            how = "dhcp" if ip.startswith("dhcp:") else "static"
            ip = ip.split(":", 1)[1] if ip.startswith("dhcp:") else ip
            ifs.append("{ " + f"segment = {q(seg)}, ip = {q(ip)}, mac = {q(mac)}, addressing = {q(how)}" + " }")
        w("interfaces = [\n  " + ",\n  ".join(ifs) + ",\n]")
        w(f"[host.identity]")
        for k, v in h["identity"].items():
            w(f"{k} = {q(v)}")
        w("")
    for (src, dst, proto, tr, port, allowed, note) in CONDUITS:
        w("[[conduit]]")
        w(f"src = {q(src)}")
        w(f"dst = {q(dst)}")
        w(f"protocol = {q(proto)}")
        w(f"transport = {q(tr)}")
        w(f"port = {port}")
        w(f"allowed_by_site_policy = {q(allowed)}")
        w(f"note = {q(note)}")
        w("")
    for ev in events:
        w("[[event]]")
        for k in ("kind", "src", "dst", "protocol", "detail"):
            w(f"{k} = {q(ev[k])}")
        w(f"window_start = {q(iso(ev['start'] - 0.5))}")
        w(f"window_end = {q(iso(ev['end'] + 1.0))}")
        w(f"tshark_filter = {q(ev['filter'])}")
        w("")
    L.append("# Client runs of the story (what ran when, exit status), for debugging the capture.")
    for a in actions:
        w("[[action]]")
        w(f"name = {q(a['name'])}")
        w(f"host = {q(a['host'])}")
        w(f"start = {q(iso(a['start']))}")
        w(f"end = {q(iso(a['end']))}")
        w(f"exit_status = {a['rc']}")
        w("")
    with open(path, "w") as f:
        f.write("\n".join(L))
