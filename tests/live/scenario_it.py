"""IT side on one bridge: a PLC namespace (Schneider MAC) with pyftpdlib (the documented
Modicon M340 default account and a random non-default account), Python's http.server, and
Xvfb + x11vnc (random desktop name, no password); a switch namespace (Hirschmann MAC) with a
pysnmp agent (community `public`, random sysDescr and sysName) and a telnetlib3 server with
the documented default login admin/private; the engineering workstation (holds the bridge and
the capture) runs ftplib, pysnmp, telnetlib, curl with an XP-era User-Agent and an RFB client.

Checks: the default credentials matched to their kb/default_credentials.csv rows, masked
(`fac***`) by default and whole only with --show-secrets, the non-default login as a
cleartext credential, the passwords nowhere in the default outputs, the SNMP community and
agent strings, the XP User-Agent -> Windows XP fact and legacy-OS finding, the VNC session.
"""

import asyncio
import csv
import os
import random
import socket
import struct
import sys
import time

import harness

NAME = "it"
KB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "kb", "default_credentials.csv")
XP_UA = "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1; SV1; .NET CLR 2.0.50727)"
FTP_DEFAULT = ("sysdiag", "factorycast@schneider")  # Schneider Modicon M340 FTP default
TELNET_DEFAULT = ("admin", "private")  # Hirschmann switch default


def kb_row(vendor, username, password, product=None):
    """1-based data row of kb/default_credentials.csv for this default."""
    with open(KB, newline="") as f:
        for i, r in enumerate(csv.DictReader(f), 1):
            if (r["vendor"] == vendor and r["username"].lower() == username.lower() and r["password"] == password
                    and (product is None or r["product"] == product)):
                return i
    raise SystemExit(f"no kb row for {vendor} {username}")


def mask(secret):
    """As plantguard masks a secret: 3 characters kept from 8 up, else 1."""
    return secret[:3 if len(secret) >= 8 else 1] + "***"


# ---------------------------------------------------------------- servers
def actor_ftp_server(a):
    from pyftpdlib.authorizers import DummyAuthorizer
    from pyftpdlib.handlers import FTPHandler
    from pyftpdlib.servers import FTPServer

    root = a["root"]
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(root, "SYSTEM.LOG"), "w") as f:
        f.write("diagnostic log\n")
    auth = DummyAuthorizer()
    auth.add_user(*FTP_DEFAULT, root, perm="elr")
    auth.add_user(a["user"], a["password"], root, perm="elr")
    FTPHandler.authorizer = auth
    FTPHandler.banner = a["banner"]
    FTPHandler.passive_ports = range(50000, 50010)
    server = FTPServer((a["ip"], 21), FTPHandler)
    server.serve_forever(timeout=0.5, blocking=True)


def actor_snmp_agent(a):
    from pysnmp.carrier.asyncio.dgram import udp
    from pysnmp.entity import config, engine
    from pysnmp.entity.rfc3413 import cmdrsp, context

    snmp = engine.SnmpEngine()
    config.add_transport(snmp, udp.DOMAIN_NAME, udp.UdpTransport().open_server_mode((a["ip"], 161)))
    config.add_v1_system(snmp, "live-area", "public")
    config.add_vacm_user(snmp, 2, "live-area", "noAuthNoPriv", (1, 3, 6, 1, 2, 1))
    ctx = context.SnmpContext(snmp)
    builder = ctx.get_mib_instrum().get_mib_builder()
    sys_descr, sys_name = builder.import_symbols("__SNMPv2-MIB", "sysDescr", "sysName")
    sys_descr.syntax = sys_descr.syntax.clone(a["sys_descr"])
    sys_name.syntax = sys_name.syntax.clone(a["sys_name"])
    cmdrsp.GetCommandResponder(snmp, ctx)
    cmdrsp.NextCommandResponder(snmp, ctx)
    cmdrsp.BulkCommandResponder(snmp, ctx)
    snmp.transport_dispatcher.job_started(1)
    try:
        snmp.transport_dispatcher.run_dispatcher()
    finally:
        snmp.transport_dispatcher.close_dispatcher()


def actor_telnet_server(a):
    import telnetlib3

    async def readline(reader, writer, echo=True):
        line = ""
        while True:
            ch = await reader.read(1)
            if not ch:
                raise EOFError
            if ch in "\r\n":
                if line or ch == "\r":
                    return line
                continue
            if ch == "\x00":
                continue
            line += ch
            if echo:
                writer.echo(ch)

    async def shell(reader, writer):
        try:
            writer.write(f"\r\n{a['banner']}\r\nlogin: ")
            user = await readline(reader, writer)
            writer.write("\r\nPassword: ")
            password = await readline(reader, writer, echo=False)
            if (user, password) != TELNET_DEFAULT:
                writer.write("\r\nLogin incorrect\r\n")
                writer.close()
                return
            writer.write(f"\r\n({a['prompt']}) > ")
            while True:
                cmd = await readline(reader, writer)
                if cmd.strip() in ("logout", "exit"):
                    writer.write("\r\nbye\r\n")
                    break
                writer.write(f"\r\nSystem name: {a['prompt']}\r\n({a['prompt']}) > ")
        except EOFError:
            pass
        writer.close()

    async def main():
        await telnetlib3.create_server(host=a["ip"], port=23, shell=shell, timeout=30)
        await asyncio.sleep(60)

    asyncio.run(main())


# ---------------------------------------------------------------- clients
def actor_ftp_logins(a):
    import ftplib

    for user, password in ((a["default_user"], a["default_password"]), (a["user"], a["password"])):
        f = ftplib.FTP()
        f.connect(a["target"], 21, timeout=5)
        print(user, f.login(user, password), flush=True)
        print(f.nlst(), flush=True)
        f.quit()


def actor_snmp_get(a):
    from pysnmp.hlapi.v3arch.asyncio import (CommunityData, ContextData, ObjectIdentity, ObjectType, SnmpEngine,
                                             UdpTransportTarget, get_cmd)

    async def main():
        target = await UdpTransportTarget.create((a["target"], 161), timeout=2, retries=1)
        err, status, _index, binds = await get_cmd(
            SnmpEngine(), CommunityData(a["community"], mpModel=1), target, ContextData(),
            ObjectType(ObjectIdentity("1.3.6.1.2.1.1.1.0")), ObjectType(ObjectIdentity("1.3.6.1.2.1.1.5.0")))
        if err or status:
            raise SystemExit(f"SNMP get failed: {err} {status}")
        for oid, val in binds:
            print(oid.prettyPrint(), "=", val.prettyPrint(), flush=True)

    asyncio.run(main())


def actor_telnet_login(a):
    import warnings
    warnings.simplefilter("ignore")
    import telnetlib

    t = telnetlib.Telnet(a["target"], 23, timeout=5)
    print(t.read_until(b"login: ", 5).decode(errors="replace"), flush=True)
    t.write(a["user"].encode() + b"\r\n")
    print(t.read_until(b"Password: ", 5).decode(errors="replace"), flush=True)
    t.write(a["password"].encode() + b"\r\n")
    out = t.read_until(b"> ", 5).decode(errors="replace")
    print(out, flush=True)
    if "> " not in out:
        raise SystemExit("no prompt after login")
    t.write(b"show system info\r\n")
    print(t.read_until(b"> ", 5).decode(errors="replace"), flush=True)
    t.write(b"logout\r\n")
    time.sleep(0.3)
    t.close()


def actor_rfb_session(a):
    """RFB 3.8 client: handshake with security type None, ClientInit, a few updates and events."""
    s = socket.create_connection((a["target"], 5900), timeout=10)

    def recvn(n):
        b = b""
        while len(b) < n:
            chunk = s.recv(n - len(b))
            if not chunk:
                raise EOFError
            b += chunk
        return b

    print("server version", recvn(12), flush=True)
    s.sendall(b"RFB 003.008\n")
    types = list(recvn(recvn(1)[0]))
    print("security types", types, flush=True)
    s.sendall(b"\x01")  # None
    print("security result", struct.unpack(">I", recvn(4))[0], flush=True)
    s.sendall(b"\x01")  # ClientInit, shared
    w, h = struct.unpack(">HH", recvn(4))
    recvn(16)
    name = recvn(struct.unpack(">I", recvn(4))[0])
    print("desktop", w, h, name, flush=True)
    s.sendall(struct.pack(">BBHi", 2, 0, 1, 0))  # SetEncodings: Raw
    for i in range(3):
        s.sendall(struct.pack(">BBHHHH", 3, 0 if i == 0 else 1, 0, 0, 32, 32))
        time.sleep(0.3)
        s.settimeout(1)
        try:
            s.recv(65536)
        except socket.timeout:
            pass
        s.sendall(struct.pack(">BBHH", 5, 0, i * 3, i * 5))  # PointerEvent
    s.close()
    if name.decode() != a["desktop"]:
        raise SystemExit(f"desktop name {name!r}")


def run(lab):
    lab.add_ns("ews", "ews-live")
    lab.add_ns("plc", "plc-live")
    lab.add_ns("sw", "sw-live")
    idx = lab.index
    ews, plc, sw = lab.lan("ews", 20, [("plc", 10, f"00:80:f4:{idx:02x}:00:0a"),   # Telemecanique (Schneider)
                                        ("sw", 2, f"00:80:63:{idx:02x}:00:02")])    # Hirschmann
    ftp_user = "op" + harness.rand_word(6, "abcdefghijklmnopqrstuvwxyz")
    ftp_password = "Pw" + harness.rand_word(12, "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
    sys_descr = f"Hirschmann RSP30 HiOS-{harness.rand_word(6)} Industrial Ethernet Switch"
    sys_name = f"sw-{harness.rand_word(6).lower()}"
    desktop = f"HMI-{harness.rand_word(6)}"
    banner = f"Hirschmann RSP30 - HiOS-{harness.rand_word(5)}"
    ftp_banner = f"FTP server {harness.rand_word(6)} ready."
    display = random.randint(100, 599)
    www = os.path.join(lab.scratch, "www")
    os.makedirs(www)
    with open(os.path.join(www, "index.html"), "w") as f:
        f.write("<html><title>Web server</title><body>Rack viewer</body></html>\n")

    lab.capture("ews", iface="br0")
    lab.spawn("ftp-server", "plc", lab.actor("ftp_server", ip=plc, root=os.path.join(lab.scratch, "ftp"),
                                             user=ftp_user, password=ftp_password, banner=ftp_banner))
    lab.spawn("http-server", "plc", [sys.executable, "-m", "http.server", "80", "--bind", plc, "--directory", www])
    lab.spawn("xvfb", "plc", ["Xvfb", f":{display}", "-screen", "0", "320x240x16", "-nolisten", "tcp"])
    lab.spawn("snmp-agent", "sw", lab.actor("snmp_agent", ip=sw, sys_descr=sys_descr, sys_name=sys_name))
    lab.spawn("telnet-server", "sw", lab.actor("telnet_server", ip=sw, banner=banner, prompt=sys_name))
    for _ in range(50):
        if os.path.exists(f"/tmp/.X11-unix/X{display}"):
            break
        time.sleep(0.1)
    lab.spawn("x11vnc", "plc", ["x11vnc", "-display", f":{display}", "-rfbport", "5900", "-listen", plc, "-nopw",
                                "-forever", "-shared", "-desktop", desktop, "-noxdamage", "-quiet", "-nowf",
                                "-noipv6"])
    for port in (21, 80, 5900):
        lab.wait_listen("plc", port, timeout=30)
    lab.wait_listen("sw", 161, proto="udp", timeout=30)
    lab.wait_listen("sw", 23, timeout=30)

    lab.run("ftp-logins", "ews", lab.actor("ftp_logins", target=plc, default_user=FTP_DEFAULT[0],
                                           default_password=FTP_DEFAULT[1], user=ftp_user, password=ftp_password))
    lab.run("snmp-get", "ews", lab.actor("snmp_get", target=sw, community="public"))
    lab.run("telnet-login", "ews", lab.actor("telnet_login", target=sw, user=TELNET_DEFAULT[0],
                                             password=TELNET_DEFAULT[1]))
    lab.run("http-xp", "ews", ["curl", "-4", "-s", "-S", "-f", "-m", "10", "-o", "/dev/null", "-A", XP_UA,
                               f"http://{plc}/index.html"])
    lab.run("rfb-session", "ews", lab.actor("rfb_session", target=plc, desktop=desktop))

    ftp_row = kb_row("Schneider", *FTP_DEFAULT, product="M340")
    telnet_row = kb_row("Hirschmann", *TELNET_DEFAULT)
    snmp_row = kb_row("(any SNMP agent)", "<blank>", "public")
    cred = "/hardening/credentials"
    return {
        "chosen": {"ews": ews, "plc": plc, "switch": sw, "ftp_user": ftp_user, "ftp_password": ftp_password,
                   "sys_descr": sys_descr, "sys_name": sys_name, "vnc_desktop": desktop, "telnet_banner": banner,
                   "ftp_banner": ftp_banner, "kb_rows": {"ftp": ftp_row, "telnet": telnet_row, "snmp": snmp_row}},
        "checks": [
            # Default credentials, matched to their kb rows, masked by default.
            {"what": "FTP default credential, masked, in host_facts", "json": "/host_facts",
             "match": {"ip": plc, "fact": {"kind": "credential", "service": "ftp", "username": FTP_DEFAULT[0],
                                           "secret": "fac***", "accepted": True}}},
            {"what": "FTP default credential matched to its kb row", "json": cred,
             "match": {"kind": "default_credential", "server_ip": plc, "client_ip": ews, "service": "ftp",
                       "username": FTP_DEFAULT[0], "secret": "fac***", "accepted": True,
                       "default_match": {"vendor": "Schneider", "product": "M340", "row": ftp_row,
                                         "vendor_matches_host": True}}},
            {"what": "FTP default credential whole with --show-secrets", "json": "/host_facts", "secrets": True,
             "match": {"ip": plc, "fact": {"kind": "credential", "service": "ftp", "username": FTP_DEFAULT[0],
                                           "secret": FTP_DEFAULT[1]}}},
            {"what": "FTP default credential whole in hardening with --show-secrets", "json": cred, "secrets": True,
             "match": {"kind": "default_credential", "server_ip": plc, "secret": FTP_DEFAULT[1],
                       "default_match": {"row": ftp_row}}},
            {"what": "non-default FTP login: cleartext credential, masked", "json": cred,
             "match": {"kind": "cleartext_credential", "server_ip": plc, "service": "ftp", "username": ftp_user,
                       "secret": mask(ftp_password), "accepted": True, "default_match": None}},
            {"what": "non-default FTP login whole with --show-secrets", "json": "/host_facts", "secrets": True,
             "match": {"ip": plc, "fact": {"kind": "credential", "service": "ftp", "username": ftp_user,
                                           "secret": ftp_password}}},
            {"what": "FTP default password never printed without --show-secrets", "absent": FTP_DEFAULT[1]},
            {"what": "non-default FTP password never printed without --show-secrets", "absent": ftp_password},
            {"what": "FTP logins in ftp.log", "log": "ftp.log", "count": 2,
             "match": {"id.orig_h": ews, "id.resp_h": plc, "command": "PASS", "password_seen": True,
                       "reply_code": 230}},
            {"what": "FTP banner", "json": "/host_facts",
             "match": {"ip": plc, "fact": {"kind": "software", "role": "ftp_server", "banner": ftp_banner}}},
            {"what": "Telnet default login matched to its kb row, masked", "json": cred,
             "match": {"kind": "default_credential", "server_ip": sw, "client_ip": ews, "service": "telnet",
                       "username": "admin", "secret": mask(TELNET_DEFAULT[1]),
                       "default_match": {"vendor": "Hirschmann", "row": telnet_row, "vendor_matches_host": True}}},
            {"what": "Telnet login in telnet.log", "log": "telnet.log",
             "match": {"id.orig_h": ews, "id.resp_h": sw, "user": "admin", "password_seen": True, "success": True,
                       "banner": banner}},
            {"what": "Telnet password whole with --show-secrets", "json": cred, "secrets": True,
             "match": {"server_ip": sw, "service": "telnet", "secret": TELNET_DEFAULT[1]}},
            # SNMP
            {"what": "SNMP community `public` matched to its kb row", "json": cred,
             "match": {"kind": "default_credential", "server_ip": sw, "client_ip": ews, "service": "snmp",
                       "username": "", "secret": mask("public"), "default_match": {"row": snmp_row}}},
            {"what": "SNMP community whole with --show-secrets", "json": "/host_facts", "secrets": True,
             "match": {"ip": sw, "fact": {"kind": "credential", "service": "snmp", "secret": "public",
                                          "accepted": True}}},
            {"what": "SNMP get with community `public` in snmp.log", "log": "snmp.log",
             "match": {"id.orig_h": ews, "id.resp_h": sw, "version": "2c", "community": mask("public"),
                       "get_requests": 1, "get_responses": 1}},
            # Logs never carry secrets: the community stays masked in snmp.log even with
            # --show-secrets (host_facts and hardening show it whole there).
            {"what": "SNMP community masked in snmp.log even with --show-secrets", "log": "snmp.log",
             "secrets": True, "match": {"id.resp_h": sw, "community": mask("public")}},
            {"what": "SNMP agent strings", "log": "snmp.log",
             "match": {"id.resp_h": sw, "community": mask("public"), "display_string": sys_descr,
                       "sys_name": sys_name}},
            {"what": "SNMP sysName as a host name", "json": "/host_facts",
             "match": {"ip": sw, "fact": {"kind": "name", "name": sys_name, "source": "snmp"}}},
            # Legacy OS from the XP-era User-Agent
            {"what": "Windows XP from the HTTP User-Agent", "json": "/host_facts",
             "match": {"ip": ews, "fact": {"kind": "os", "name": "Windows XP", "version": "5.1",
                                           "source": "http_user_agent"}}},
            {"what": "Windows XP as an unsupported OS", "json": "/hardening/legacy_os",
             "match": {"ip": ews, "os": "Windows XP", "status": "unsupported"}},
            {"what": "XP User-Agent in http.log", "log": "http.log",
             "match": {"id.orig_h": ews, "id.resp_h": plc, "user_agent": XP_UA, "status_code": 200}},
            # Remote access
            {"what": "RFB session in rfb.log", "log": "rfb.log",
             "match": {"id.orig_h": ews, "id.resp_h": plc, "id.resp_p": 5900, "authentication_method": "none",
                       "desktop_name": desktop}},
            {"what": "VNC desktop name as a host name", "json": "/host_facts",
             "match": {"ip": plc, "fact": {"kind": "name", "name": desktop, "source": "rfb"}}},
            {"what": "VNC session as remote access", "json": "/hardening/remote_access",
             "match": {"client_ip": ews, "server_ip": plc, "server_port": 5900, "tool": "VNC / RFB"}},
            {"what": "Telnet session as remote access", "json": "/hardening/remote_access",
             "match": {"client_ip": ews, "server_ip": sw, "server_port": 23, "tool": "Telnet"}},
            {"what": "RFB session in operations", "json": "/operations/rfb", "match": {"session": 1}},
        ],
    }


if __name__ == "__main__":
    harness.actor_main(globals())
