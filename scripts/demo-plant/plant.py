#!/usr/bin/env python3
"""Build the demo plant in network namespaces, run its story, capture it.

Usage (as root, from capture.sh):
    plant.py run --out DIR      build, capture, write DIR/plant.pcapng and DIR/truth.toml, clean up
    plant.py cleanup            remove every namespace and process this script made

Every packet stays inside the namespaces made here: the root namespace gets
no interface, address or route.
"""

import argparse
import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from topology import (DOMAIN_NAME, HOSTS, INTERNET_NAME, NS_PREFIX, SEGMENTS, SWITCH_NS,  # noqa: E402
                      host, ip_of, ns_of)

HERE = os.path.dirname(os.path.abspath(__file__))
VENV_PY = os.environ.get("DEMO_PY", os.path.join(HERE, ".venv", "bin", "python"))
ACTORS = os.path.join(HERE, "actors.py")
RUN = "/run/pg-demo-plant"  # scratch: configs, logs, pids (removed by cleanup)
NETNS_ETC = "/etc/netns"

PROCS = []  # (name, Popen) started by this script


def sh(*argv, check=True, quiet=False):
    r = subprocess.run(argv, capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: {r.stderr.strip()}")
    return r.stdout


def nsx(ns, *argv, check=True):
    return sh("ip", "netns", "exec", ns, *argv, check=check)


def our_namespaces():
    out = sh("ip", "netns", "list", check=False)
    return [line.split()[0] for line in out.splitlines() if line.startswith(NS_PREFIX)]


def cleanup():
    for p in PROCS:
        stop(p)
    PROCS.clear()
    # Processes still inside our namespaces were started by this script: end them by pid.
    for ns in our_namespaces():
        pids = sh("ip", "netns", "pids", ns, check=False).split()
        for pid in pids:
            try:
                os.kill(int(pid), signal.SIGTERM)
            except (ProcessLookupError, ValueError):
                pass
    time.sleep(0.5)
    for ns in our_namespaces():
        for pid in sh("ip", "netns", "pids", ns, check=False).split():
            try:
                os.kill(int(pid), signal.SIGKILL)
            except (ProcessLookupError, ValueError):
                pass
    for ns in our_namespaces():
        sh("ip", "netns", "del", ns, check=False)
        shutil.rmtree(os.path.join(NETNS_ETC, ns), ignore_errors=True)
    if os.path.isdir(NETNS_ETC) and not os.listdir(NETNS_ETC):
        os.rmdir(NETNS_ETC)
    if os.path.isdir(RUN):
        shutil.rmtree(RUN, ignore_errors=True)


def stop(entry):
    name, p = entry
    if p.poll() is None:
        try:
            os.killpg(p.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            p.wait(3)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()


# ------------------------------------------------------------------ network
def build():
    os.makedirs(RUN, exist_ok=True)
    sh("ip", "netns", "add", SWITCH_NS)
    nsx(SWITCH_NS, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1")
    nsx(SWITCH_NS, "ip", "link", "set", "lo", "up")
    for seg, (br, _net, _gw) in SEGMENTS.items():
        # group_fwd_mask bit 14: pass LLDP (01:80:c2:00:00:0e) through the bridge, so the capture on
        # the bridge sees it as a mirror port would.
        nsx(SWITCH_NS, "ip", "link", "add", br, "type", "bridge", "stp_state", "0", "forward_delay", "0",
            "group_fwd_mask", "0x4000")
        nsx(SWITCH_NS, "ip", "link", "set", br, "up")
    for hi, h in enumerate(HOSTS):
        ns = ns_of(h["name"])
        sh("ip", "netns", "add", ns)
        nsx(ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1")
        nsx(ns, "ip", "link", "set", "lo", "up")
        etc = os.path.join(NETNS_ETC, ns)
        os.makedirs(etc, exist_ok=True)
        with open(os.path.join(etc, "resolv.conf"), "w") as f:
            f.write(f"nameserver {ip_of('dc-01')}\nsearch {DOMAIN_NAME}\n")
        with open(os.path.join(etc, "hosts"), "w") as f:
            f.write(f"127.0.0.1 localhost\n{ip_of(h['name'])} {h['name']}.{DOMAIN_NAME} {h['name']}\n")
        for ii, (seg, ip, mac) in enumerate(h["ifaces"]):
            br = SEGMENTS[seg][0]
            peer = f"v{hi:02d}{ii}{seg[:3]}"
            tmp = f"pgt{hi:02d}{ii}"
            # Create the pair directly inside the switch namespace, then move one end.
            nsx(SWITCH_NS, "ip", "link", "add", tmp, "address", mac, "type", "veth", "peer", "name", peer)
            nsx(SWITCH_NS, "ip", "link", "set", tmp, "netns", ns)
            nsx(ns, "ip", "link", "set", tmp, "name", f"eth{ii}")
            nsx(SWITCH_NS, "ip", "link", "set", peer, "master", br)
            nsx(SWITCH_NS, "ip", "link", "set", peer, "up")
            nsx(ns, "ip", "link", "set", f"eth{ii}", "up")
            if not ip.startswith("dhcp:"):
                nsx(ns, "ip", "addr", "add", f"{ip}/24", "dev", f"eth{ii}")
        if len(h["ifaces"]) > 1 and h["name"] != "fw-01":
            strong_host_send(ns, h)
        if h["name"] == "fw-01":
            nsx(ns, "sysctl", "-qw", "net.ipv4.ip_forward=1")
        elif not h["ifaces"][0][1].startswith("dhcp:"):
            seg = h["ifaces"][0][0]
            nsx(ns, "ip", "route", "add", "default", "via", SEGMENTS[seg][2])


def strong_host_send(ns, h):
    """A multi-homed host sends each packet from the NIC that owns its source address (the strong
    host send model of Windows since Vista). Linux picks the NIC by destination only, so nmbd's
    socket bound to the control address would put a broadcast to the office subnet on the office
    NIC. Policy rules drop a packet whose source address belongs to another NIC's subnet; the
    local table moves behind them so they apply to broadcasts too."""
    nsx(ns, "ip", "rule", "add", "pref", "100", "lookup", "local")
    nsx(ns, "ip", "rule", "del", "pref", "0")
    ifaces = [(SEGMENTS[seg][1], ip) for seg, ip, _mac in h["ifaces"] if not ip.startswith("dhcp:")]
    pref = 10
    for net, ip in ifaces:
        for other, _ in ifaces:
            if other != net:
                nsx(ns, "ip", "rule", "add", "pref", str(pref), "from", ip, "to", other, "blackhole")
                pref += 1


def in_host(hostname, argv):
    """argv run inside the host's network namespace, with its own UTS namespace and hostname
    (so nothing in the plant looks up or announces the build machine's name)."""
    return ["ip", "netns", "exec", ns_of(hostname), "unshare", "--uts", "sh", "-c",
            'hostname "$0" && exec "$@"', hostname, *argv]


def spawn(name, hostname, argv, env=None):
    ns = ns_of(hostname)
    logf = open(os.path.join(RUN, f"{name}.log"), "w")
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.Popen(in_host(hostname, argv), stdout=logf, stderr=subprocess.STDOUT,
                         start_new_session=True, env=e, cwd=RUN)
    PROCS.append((name, p))
    return p


def actor(*args):
    return [VENV_PY, ACTORS, *args]


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def start_services():
    d = RUN
    # DHCP + DNS for the plant
    spawn("dnsmasq", "dc-01", [
        "dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--user=root",
        "--interface=eth0", "--bind-interfaces", f"--pid-file={d}/dnsmasq.pid",
        f"--dhcp-leasefile={d}/dnsmasq.leases", "--dhcp-range=10.10.0.100,10.10.0.199,255.255.255.0,12h",
        f"--dhcp-host={host('office-pc-07')['ifaces'][0][2]},{ip_of('office-pc-07')},OFFICE-PC-07",
        "--dhcp-option=3,10.10.0.1", "--dhcp-option=6,10.10.0.10", f"--domain={DOMAIN_NAME}",
        "--dhcp-authoritative", "--log-dhcp", "--log-queries",
        f"--local=/{DOMAIN_NAME}/", f"--local=/{INTERNET_NAME.split('.', 1)[1]}/",
        f"--address=/{INTERNET_NAME}/{ip_of('cloud-01')}",
        *[f"--host-record={h['name']}.{DOMAIN_NAME},{ip_of(h['name'])}" for h in HOSTS
          if h["domain"] != "it" or h["name"] in ("dc-01",)],
        f"--host-record=reports.{DOMAIN_NAME},{ip_of('dmz-web-01')}",
    ])
    # DMZ web server
    www = os.path.join(d, "www")
    os.makedirs(www, exist_ok=True)
    write(os.path.join(www, "index.html"), "<html><body><h1>Line 1 daily report</h1><p>OEE 81.4%</p></body></html>\n")
    write(os.path.join(www, "line1.csv"), "time,temp,speed\n06:00,72.5,1500\n07:00,72.9,1500\n")
    spawn("httpd", "dmz-web-01", ["busybox", "httpd", "-f", "-p", f"{ip_of('dmz-web-01')}:80", "-h", www])
    # Switch management: SNMP v2c "public" and Telnet with a default account
    snmpconf = write(os.path.join(d, "snmpd.conf"),
                     f"agentAddress udp:{ip_of('sw-ctrl-01')}:161\nrocommunity public\n"
                     "sysDescr Hirschmann RSP30 HiOS-2A-07.1.03 Industrial Ethernet Switch\n"
                     "sysName sw-ctrl-01\nsysLocation Plant control room rack 2\nsysContact ot-team@plant.example\n"
                     "sysObjectID .1.3.6.1.4.1.248.11.2.1.1\n")
    os.makedirs(os.path.join(d, "snmp"), exist_ok=True)
    spawn("snmpd", "sw-ctrl-01", ["snmpd", "-f", "-Lo", "-C", "-c", snmpconf, "-p", f"{d}/snmpd.pid"],
          env={"SNMP_PERSISTENT_DIR": os.path.join(d, "snmp"), "MIBS": ""})
    # LLDP from the switch's management port (lldpd; system name is the host name).
    lldpconf = write(os.path.join(d, "lldpd.conf"), "configure system capabilities enabled bridge\n"
                     "configure lldp tx-interval 30\n")
    spawn("lldpd", "sw-ctrl-01", ["lldpd", "-d", "-k", "-i", "-u", f"{d}/lldpd.sock", "-S",
                                  "Hirschmann RSP30 HiOS-2A-07.1.03", "-P", "RSP30", "-m", ip_of("sw-ctrl-01"),
                                  "-I", "eth0", "-O", lldpconf])
    login = write(os.path.join(d, "switch-login.sh"), f"#!/bin/sh\nexec {VENV_PY} {ACTORS} telnet-shell\n")
    os.chmod(login, 0o755)
    inetd = write(os.path.join(d, "inetd.conf"),
                  f"{ip_of('sw-ctrl-01')}:telnet stream tcp nowait root /usr/sbin/telnetd telnetd -h -E {login}\n")
    spawn("inetd", "sw-ctrl-01", ["/usr/sbin/inetd", "-d", inetd])
    # PLCs, RTU, building controller, historian
    spawn("modbus-plc", "plc-m340", actor("modbus-server", "--ip", ip_of("plc-m340")))
    # The PLC's web server, protected by HTTP Basic with the documented default USER/USER.
    plcweb = os.path.join(d, "plcweb")
    os.makedirs(plcweb, exist_ok=True)
    write(os.path.join(plcweb, "index.html"), "<html><title>Modicon M340 - Web Server</title><body>Rack viewer</body></html>\n")
    plcconf = write(os.path.join(d, "plc-httpd.conf"), "/:USER:USER\n")
    spawn("web-plc", "plc-m340", ["busybox", "httpd", "-f", "-p", f"{ip_of('plc-m340')}:80", "-h", plcweb,
                                  "-c", plcconf, "-r", "Modicon M340"])
    spawn("ftp-plc", "plc-m340", actor("ftp-server", "--ip", ip_of("plc-m340"), "--root", os.path.join(d, "ftproot")))
    enipcfg = write(os.path.join(d, "plc-clx.cfg"),
                    "[Identity]\nVendor Number = 1\nDevice Type = 14\nProduct Code Number = 94\n"
                    "Product Revision = 2836\nSerial Number = 2050694189\nProduct Name = 1756-L71/B LOGIX5571\n"
                    "[TCPIP]\nHost Name = PLC-CLX\nInterface Configuration = "
                    f'{{"ip_address": "{ip_of("plc-clx")}", "network_mask": "255.255.255.0", '
                    '"gateway_address": "10.30.0.1", "domain_name": "plant.example"}\n')
    spawn("enip-plc", "plc-clx", [VENV_PY, "-m", "cpppo.server.enip", "--no-print", "-a",
                                  "0.0.0.0:44818", "--udp", "-c", enipcfg,
                                  "Line2_Speed=INT[4]", "Line2_Temp=REAL[4]", "Line2_Count=DINT[2]"])
    spawn("s7-plc", "plc-s7", actor("s7-server", "--ip", ip_of("plc-s7")))
    spawn("iec104-rtu", "rtu-104", actor("iec104-server", "--ip", ip_of("rtu-104")))
    spawn("bacnet-bms", "bms-01", actor("bacnet-server", "--ip", ip_of("bms-01")))
    spawn("opcua-hist", "hist-01", actor("opcua-server", "--ip", ip_of("hist-01")))
    # Engineering workstation: VNC desktop and SMB share
    spawn("xvfb", "ews-01", ["Xvfb", ":57", "-screen", "0", "320x240x16", "-nolisten", "tcp"])
    time.sleep(1)
    spawn("x11vnc", "ews-01", ["x11vnc", "-display", ":57", "-rfbport", "5900", "-listen", ip_of("ews-01"),
                               "-nopw", "-forever", "-shared", "-desktop", "EWS-01", "-noxdamage", "-quiet",
                               "-nowf", "-noipv6"])
    spawn("smb-ews", "ews-01", actor("smb-server", "--ip", ip_of("ews-01"), "--share", os.path.join(d, "projects")))
    # Internet TLS server with a self-signed certificate
    sh("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-keyout", f"{d}/cloud.key",
       "-out", f"{d}/cloud.crt", "-subj", f"/CN={INTERNET_NAME}/O=Cloud Analytics Example")
    spawn("tls-cloud", "cloud-01", ["openssl", "s_server", "-accept", f"{ip_of('cloud-01')}:443", "-cert",
                                    f"{d}/cloud.crt", "-key", f"{d}/cloud.key", "-www", "-quiet"])
    time.sleep(4)
    dead = [n for n, p in PROCS if p.poll() is not None]
    if dead:
        for n in dead:
            print(f"service {n} exited early:\n" + open(os.path.join(RUN, f"{n}.log")).read()[-2000:],
                  file=sys.stderr)


def start_netbios(hostname):
    """Samba's nmbd as the NetBIOS stack of a Windows PC: on start it registers the PC's names
    (QA-PC-02<00>, <03>, <20>, WORKGROUP<00>, <1e>) by broadcast on every NIC, then sends a
    browser host announcement on every NIC about a minute later. It never becomes a master
    browser (local master = no), and no smbd runs."""
    h = host(hostname)
    d = os.path.join(RUN, f"nmbd-{hostname}")
    for sub in ("lock", "state", "cache", "private", "pid", "ncalrpc"):
        os.makedirs(os.path.join(d, sub), exist_ok=True)
    conf = write(os.path.join(d, "smb.conf"), "\n".join([
        "[global]",
        f"   netbios name = {h['identity']['netbios_name']}",
        f"   workgroup = {h['identity']['workgroup']}",
        f"   server string = {h['identity']['netbios_name']}",
        "   interfaces = " + " ".join(f"eth{i}" for i in range(len(h["ifaces"]))),
        "   bind interfaces only = yes",
        "   local master = no",
        "   domain master = no",
        "   preferred master = no",
        "   dns proxy = no",
        *[f"   {k} = {d}/{sub}" for k, sub in (("lock directory", "lock"), ("state directory", "state"),
                                             ("cache directory", "cache"), ("private dir", "private"),
                                             ("pid directory", "pid"), ("ncalrpc dir", "ncalrpc"))],
        f"   log file = {d}/log.%m",
        "",
    ]))
    spawn(f"nmbd-{hostname}", hostname, ["nmbd", "--foreground", "--no-process-group", "--debug-stdout",
                                         "--debuglevel=1", f"--configfile={conf}"])


# ------------------------------------------------------------------ story
EVENTS = []
ACTIONS = []


def iso(t):
    return dt.datetime.fromtimestamp(t, dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def run_action(name, hostname, argv, timeout=60, event=None, env=None, stdin=None):
    """Run a one-shot client in a namespace; record its real start/end as an event window."""
    t0 = time.time()
    r = subprocess.run(in_host(hostname, argv), capture_output=True, text=True,
                       timeout=timeout, input=stdin, env={**os.environ, **(env or {})}, cwd=RUN)
    t1 = time.time()
    out = (r.stdout + r.stderr).strip()
    with open(os.path.join(RUN, f"action-{name}.log"), "w") as f:
        f.write(out + "\n")
    ACTIONS.append({"name": name, "host": hostname, "rc": r.returncode, "start": t0, "end": t1,
                    "output": out[-1500:]})
    print(f"  [{t0 - T0:6.1f}s] {name} on {hostname}: rc={r.returncode}", flush=True)
    if event is not None:
        for ev in (event if isinstance(event, list) else [event]):
            EVENTS.append({**ev, "start": t0, "end": t1, "action": name, "action_rc": r.returncode})
    return r


T0 = 0.0


def at(offset):
    delay = T0 + offset - time.time()
    if delay > 0:
        time.sleep(delay)


def story():
    """The fixed schedule. Offsets are seconds from the start of the capture."""
    plc, clx, s7, rtu, bms = (ip_of(n) for n in ("plc-m340", "plc-clx", "plc-s7", "rtu-104", "bms-01"))
    hist, ews, sw, web = (ip_of(n) for n in ("hist-01", "ews-01", "sw-ctrl-01", "dmz-web-01"))
    xp_ua = "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1; SV1; .NET CLR 2.0.50727)"
    w7_ua = "Mozilla/5.0 (Windows NT 6.1; Trident/7.0; rv:11.0) like Gecko"
    w10_ua = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/118.0.0.0 Safari/537.36 Edg/118.0.2088.46")

    # The dual-homed QA PC boots: NetBIOS name registration on both NICs now, host announcements
    # on both about a minute later.
    start_netbios("qa-pc-02")
    at(2)
    udhcpc = write(os.path.join(RUN, "udhcpc.sh"),
                   "#!/bin/sh\ncase \"$1\" in bound|renew)\n ip addr flush dev $interface\n"
                   " ip addr add $ip/$mask dev $interface\n ip route replace default via $router\n;;\nesac\n")
    os.chmod(udhcpc, 0o755)
    run_action("dhcp", "office-pc-07", ["udhcpc", "-i", "eth0", "-f", "-q", "-n", "-t", "5", "-T", "2",
                                        "-x", "hostname:OFFICE-PC-07", "-V", "MSFT 5.0", "-s", udhcpc],
               timeout=30)
    # Background pollers: the plant's normal traffic for the whole story.
    spawn("hmi-modbus-poll", "hmi-01", actor("modbus-client", "--target", plc, "--device-info", "--count", "200",
                                             "--interval", "1", "--duration", "150"))
    spawn("hist-modbus-poll", "hist-01", actor("modbus-client", "--target", plc, "--count", "40",
                                               "--interval", "5", "--duration", "150"))
    spawn("hmi-enip-poll", "hmi-01", actor("enip-poll", "--target", clx, "--count", "40", "--interval", "4",
                                           "--duration", "150", "--tags", "Line2_Speed[0-3]", "Line2_Temp[0-3]"))
    spawn("hmi-opcua-read", "hmi-01", actor("opcua-client", "--target", hist, "--count", "40", "--interval", "5",
                                            "--duration", "140"))
    spawn("hmi-iec104", "hmi-01", actor("iec104-client", "--target", rtu, "--duration", "120"))

    at(8)
    run_action("bacnet-whois", "hmi-01", actor("bacnet-client", "--ip", ip_of("hmi-01"), "--target", bms,
                                               "--instance", "5001"))
    at(14)
    run_action("office-dns-http", "office-pc-07",
               ["curl", "-4", "-s", "-o", "/dev/null", "-A", w10_ua, f"http://reports.{DOMAIN_NAME}/index.html"])
    at(18)
    run_action("hmi-http-xp", "hmi-01", ["curl", "-4", "-s", "-o", "/dev/null", "-A", xp_ua, f"http://{web}/line1.csv"],
               event={"kind": "legacy_os", "src": "hmi-01", "dst": "dmz-web-01", "protocol": "http",
                      "detail": "HTTP User-Agent of Internet Explorer 6 on Windows XP (Windows NT 5.1)",
                      "filter": f'ip.src == {ip_of("hmi-01")} && http.user_agent contains "Windows NT 5.1"'})
    run_action("qa-http", "qa-pc-02", ["curl", "-4", "-s", "-o", "/dev/null", "-A", w7_ua, f"http://{web}/index.html"])
    at(24)
    run_action("dmz-opcua-pull", "dmz-web-01", actor("opcua-client", "--target", hist, "--count", "3",
                                                     "--interval", "1", "--duration", "10"))
    at(30)
    run_action("snmp", "ews-01", ["snmpget", "-v2c", "-c", "public", "-On", "-t", "2", "-r", "1", sw,
                                  "1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.1.5.0"],
               env={"MIBS": "", "SNMP_PERSISTENT_DIR": os.path.join(RUN, "snmp")},
               event={"kind": "snmp_default_community", "src": "ews-01", "dst": "sw-ctrl-01", "protocol": "snmp",
                      "detail": "SNMP v2c get of sysDescr/sysName with community 'public'",
                      "filter": f'ip.dst == {sw} && snmp.community == "public"'})
    run_action("snmpwalk", "ews-01", ["snmpwalk", "-v2c", "-c", "public", "-On", "-t", "2", "-r", "1", sw,
                                      "1.3.6.1.2.1.1"], env={"MIBS": "", "SNMP_PERSISTENT_DIR": os.path.join(RUN, "snmp")})
    at(36)
    run_action("qa-modbus", "qa-pc-02", actor("modbus-client", "--target", plc, "--count", "3", "--interval", "1",
                                              "--duration", "5"))
    at(42)
    run_action("s7-read-write", "ews-01", actor("s7-session", "--target", s7, "--write"),
               event={"kind": "s7_write", "src": "ews-01", "dst": "plc-s7", "protocol": "s7comm",
                      "detail": "S7 Write Var to DB1 from the engineering workstation",
                      "filter": f"ip.src == {ews} && s7comm.param.func == 0x05"})
    at(50)
    run_action("enip-discover", "ews-01", actor("enip-discover"))
    run_action("enip-list-identity", "ews-01", actor("enip-identity", "--target", clx))
    run_action("enip-write", "ews-01", actor("enip-poll", "--target", clx, "--count", "1", "--interval", "0.1",
                                             "--tags", "Line2_Speed[0]=(INT)1650"),
               event={"kind": "cip_write", "src": "ews-01", "dst": "plc-clx", "protocol": "enip",
                      "detail": "CIP Write Tag Line2_Speed[0]=1650 from the engineering workstation",
                      "filter": f"ip.src == {ews} && cip.service == 0x4d"})
    at(58)
    run_action("ews-modbus-write", "ews-01", actor("modbus-client", "--target", plc, "--count", "1",
                                                   "--write-multiple", "10", "1500", "1520", "1540"))
    at(64)
    run_action("office-modbus-write", "office-pc-07",
               actor("modbus-client", "--target", plc, "--count", "1", "--write-single", "5", "9999"),
               event={"kind": "modbus_write_from_it", "src": "office-pc-07", "dst": "plc-m340", "protocol": "modbus",
                      "detail": "Write Single Register (function 6) reg 5 = 9999 from the office network",
                      "filter": f"ip.src == {ip_of('office-pc-07')} && modbus.func_code == 6"})
    at(70)
    run_action("ftp-default", "ews-01", actor("ftp-login", "--target", plc, "--user", "sysdiag",
                                              "--password", "factorycast@schneider"),
               event=[{"kind": "default_credential", "src": "ews-01", "dst": "plc-m340", "protocol": "ftp",
                       "detail": "FTP login sysdiag / factorycast@schneider (documented Schneider M340 default)",
                       "filter": f'ip.dst == {plc} && ftp.request.command == "PASS" && ftp.request.arg == "factorycast@schneider"'},
                      {"kind": "cleartext_credential", "src": "ews-01", "dst": "plc-m340", "protocol": "ftp",
                       "detail": "FTP USER/PASS in cleartext",
                       "filter": f'ip.dst == {plc} && ftp.request.command == "USER"'}])
    run_action("http-default", "ews-01", ["curl", "-4", "-s", "-o", "/dev/null", "-u", "USER:USER", "-A", w7_ua,
                                          f"http://{plc}/index.html"],
               event={"kind": "default_credential", "src": "ews-01", "dst": "plc-m340", "protocol": "http",
                      "detail": "HTTP Basic login USER / USER to the PLC web server (documented Schneider M340 web default)",
                      "filter": f'ip.dst == {plc} && http.authbasic == "USER:USER"'})
    at(76)
    run_action("telnet-default", "ews-01", actor("telnet-login", "--target", sw, "--user", "admin",
                                                 "--password", "private"),
               event=[{"kind": "default_credential", "src": "ews-01", "dst": "sw-ctrl-01", "protocol": "telnet",
                       "detail": "Telnet login admin / private (documented Hirschmann default)",
                       "filter": f'ip.dst == {sw} && tcp.dstport == 23 && telnet.data contains "private"'},
                      {"kind": "cleartext_credential", "src": "ews-01", "dst": "sw-ctrl-01", "protocol": "telnet",
                       "detail": "Telnet session with login in cleartext",
                       "filter": f'ip.dst == {sw} && telnet.data contains "admin"'}])
    at(84)
    tls_req = f"GET /ingest HTTP/1.1\r\nHost: {INTERNET_NAME}\r\n\r\n"
    run_action("ot-internet-tls", "hist-01", ["openssl", "s_client", "-connect", f"{INTERNET_NAME}:443",
                                              "-servername", INTERNET_NAME, "-quiet", "-ign_eof", "-4"],
               stdin=tls_req, timeout=15,
               event=[{"kind": "ot_internet_access", "src": "hist-01", "dst": "cloud-01", "protocol": "tls",
                       "detail": f"TLS to {INTERNET_NAME} (203.0.113.10) from the control network",
                       "filter": f'ip.src == {hist} && tls.handshake.extensions_server_name == "{INTERNET_NAME}"'},
                      {"kind": "ot_internet_access", "src": "hist-01", "dst": "dc-01", "protocol": "dns",
                       "detail": f"DNS query for {INTERNET_NAME} from the control network",
                       "filter": f'ip.src == {hist} && dns.qry.name == "{INTERNET_NAME}" && dns.flags.response == 0'}])
    at(92)
    run_action("vendor-vnc", "vendor-rmt", actor("rfb-session", "--target", ews, "--updates", "6",
                                                 "--interval", "1"),
               event={"kind": "remote_access_session", "src": "vendor-rmt", "dst": "ews-01", "protocol": "vnc",
                      "detail": "RFB 3.8 session with security type None from an internet host to the engineering workstation",
                      "filter": f"ip.src == 203.0.113.50 && ip.dst == {ews} && tcp.dstport == 5900 && vnc"})
    at(104)
    run_action("hmi-smb1", "hmi-01", actor("smb-client", "--target", ews),
               event={"kind": "legacy_protocol", "src": "hmi-01", "dst": "ews-01", "protocol": "smb",
                      "detail": "SMBv1 (NT LM 0.12) session and share listing",
                      "filter": f"ip.src == {ip_of('hmi-01')} && smb.cmd == 0x73"})
    at(110)
    run_action("hmi-opcua-write", "hmi-01", actor("opcua-client", "--target", hist, "--count", "1",
                                                  "--write", "76.5"),
               event={"kind": "opcua_write", "src": "hmi-01", "dst": "hist-01", "protocol": "opcua",
                      "detail": "OPC UA WriteRequest Line1.Setpoint = 76.5 (security mode None)",
                      "filter": f"ip.src == {ip_of('hmi-01')} && opcua.servicenodeid.numeric == 673"})
    at(116)
    run_action("s7-download", "ews-01", actor("s7-session", "--target", s7, "--download"),
               event={"kind": "program_download", "src": "ews-01", "dst": "plc-s7", "protocol": "s7comm",
                      "detail": "S7 block download of DB2: Request Download (0x1a), Download Block (0x1b), Download Ended (0x1c)",
                      "filter": f"ip.src == {ews} && s7comm.param.func == 0x1a"})
    at(124)
    run_action("s7-stop", "ews-01", actor("s7-session", "--target", s7, "--stop"),
               event={"kind": "plc_stop", "src": "ews-01", "dst": "plc-s7", "protocol": "s7comm",
                      "detail": "S7 PLC Stop (function 0x29)",
                      "filter": f"ip.src == {ews} && s7comm.param.func == 0x29"})
    at(130)
    run_action("dmz-opcua-pull-2", "dmz-web-01", actor("opcua-client", "--target", hist, "--count", "2",
                                                       "--interval", "1", "--duration", "5"))
    at(150)


def main():
    global T0
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=["run", "cleanup"])
    ap.add_argument("--out", default=os.path.join(HERE, "..", "..", "demo"))
    a = ap.parse_args()
    if a.cmd == "cleanup":
        cleanup()
        return
    out = os.path.abspath(a.out)
    os.makedirs(out, exist_ok=True)
    cleanup()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    try:
        print("building namespaces", flush=True)
        build()
        print("starting services", flush=True)
        start_services()
        pcap_tmp = os.path.join(RUN, "plant.pcapng")
        ifs = [x for br, _n, _g in SEGMENTS.values() for x in ("-i", br)]
        cap = subprocess.Popen(["ip", "netns", "exec", SWITCH_NS, "dumpcap", "-q", *ifs, "-w", pcap_tmp],
                               stdout=subprocess.DEVNULL, stderr=open(os.path.join(RUN, "dumpcap.log"), "w"),
                               start_new_session=True)
        PROCS.append(("dumpcap", cap))
        time.sleep(2)
        T0 = time.time()
        print("capturing; story runs for about 150 s", flush=True)
        story()
        for entry in list(PROCS):
            if entry[0] != "dumpcap":
                stop(entry)
        time.sleep(1)
        cap_end = time.time()
        stop(("dumpcap", cap))
        shutil.copy(pcap_tmp, os.path.join(out, "plant.pcapng"))
        os.chmod(os.path.join(out, "plant.pcapng"), 0o644)
        import truth
        truth.write_truth(os.path.join(out, "truth.toml"), T0, cap_end, EVENTS, ACTIONS)
        with open(os.path.join(RUN, "actions.json"), "w") as f:
            json.dump(ACTIONS, f, indent=1)
        logs = os.path.join(HERE, ".logs")
        shutil.rmtree(logs, ignore_errors=True)
        shutil.copytree(RUN, logs, ignore=shutil.ignore_patterns("*.pcapng", "www", "ftproot", "projects", "snmp",
                                                           "msg.sock", "ncalrpc"))
        print(f"wrote {out}/plant.pcapng and {out}/truth.toml (logs in {logs})", flush=True)
    finally:
        cleanup()


if __name__ == "__main__":
    main()
