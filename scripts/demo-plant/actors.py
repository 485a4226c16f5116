"""Servers and clients of the demo plant, one subcommand each.

Every subcommand is run by plant.py inside one network namespace, using a
third-party protocol stack (pymodbus, cpppo, pycomm3, python-snap7, asyncua,
bacpypes3, c104, pyftpdlib, impacket) or the Python standard library for
small scripted clients (ftplib, telnetlib, a raw RFB handshake). Every loop
is bounded in count and time.
"""

import argparse
import asyncio
import logging
import socket
import struct
import sys
import time

log = logging.getLogger("actor")


# ---------------------------------------------------------------- Modbus
def modbus_server(a):
    from pymodbus import ModbusDeviceIdentification
    from pymodbus.datastore import (ModbusDeviceContext, ModbusSequentialDataBlock,
                                    ModbusServerContext)
    from pymodbus.server import StartTcpServer

    # pymodbus addresses blocks from 1 (block address 1 = protocol address 0)
    hr = ModbusSequentialDataBlock(1, [1200 + i for i in range(100)])
    co = ModbusSequentialDataBlock(1, [True, False] * 50)
    ir = ModbusSequentialDataBlock(1, [20 + i for i in range(100)])
    di = ModbusSequentialDataBlock(1, [False] * 100)
    ctx = ModbusServerContext(devices=ModbusDeviceContext(di=di, co=co, hr=hr, ir=ir), single=True)
    ident = ModbusDeviceIdentification(info_name={
        "VendorName": "Schneider Electric",
        "ProductCode": "BMX P34 2020",
        "VendorUrl": "www.se.com",
        "ProductName": "Modicon M340",
        "ModelName": "BMX P34 2020 CPU",
        "MajorMinorRevision": "v3.10",
        "UserApplicationName": "LINE1_PACKAGING",
    })
    StartTcpServer(context=ctx, identity=ident, address=(a.ip, 502))


def modbus_client(a):
    from pymodbus.client import ModbusTcpClient

    c = ModbusTcpClient(a.target, port=502, timeout=3)
    for _ in range(20):
        if c.connect():
            break
        time.sleep(0.5)
    if a.device_info:
        r = c.read_device_information(read_code=1, object_id=0)
        print("device identification:", getattr(r, "information", r), flush=True)
        r = c.read_device_information(read_code=3, object_id=0)
        print("device identification (extended):", getattr(r, "information", r), flush=True)
    if a.write_single is not None:
        addr, value = a.write_single
        print("write register", addr, value, c.write_register(addr, value), flush=True)
    if a.write_multiple is not None:
        addr = a.write_multiple[0]
        print("write registers", addr, c.write_registers(addr, a.write_multiple[1:]), flush=True)
    end = time.time() + a.duration
    n = 0
    while n < a.count and time.time() < end:
        c.read_holding_registers(0, count=10)
        if n % 5 == 0:
            c.read_coils(0, count=16)
            c.read_input_registers(0, count=4)
        n += 1
        time.sleep(a.interval)
    c.close()


# ---------------------------------------------------------------- EtherNet/IP
def enip_identity(a):
    from pycomm3 import CIPDriver

    info = CIPDriver.list_identity(a.target)
    print("ListIdentity:", info, flush=True)


def enip_discover(a):
    """ListIdentity broadcast on UDP 44818, as an engineering tool's network browse does."""
    from pycomm3 import CIPDriver

    # pycomm3 finds the local addresses through the host name (resolved from /etc/hosts).
    for dev in CIPDriver.discover():
        print("discovered:", dev.get("ip_address"), dev.get("product_name"), flush=True)


def enip_poll(a):
    from cpppo.server.enip import client

    end = time.time() + a.duration
    n = 0
    with client.connector(host=a.target, port=44818, timeout=5) as conn:
        while n < a.count and time.time() < end:
            ops = client.parse_operations(a.tags)
            for idx, dsc, op, rpy, sts, val in conn.pipeline(operations=ops, depth=1, timeout=5):
                if n == 0:
                    print(dsc, "->", val, flush=True)
            n += 1
            time.sleep(a.interval)


# ---------------------------------------------------------------- S7
def s7_server(a):
    import snap7
    from snap7.type import SrvArea

    srv = snap7.server.Server(log=False)
    db1 = bytearray(64)
    db1[0:4] = struct.pack(">f", 72.5)
    db1[4:6] = struct.pack(">h", 1500)
    db2 = bytearray(32)
    srv.register_area(SrvArea.DB, 1, db1)
    srv.register_area(SrvArea.DB, 2, db2)
    srv.start_to(a.ip, 102)
    try:
        srv.set_cpu_status(8)  # RUN
    except Exception as e:  # noqa: BLE001
        print("set_cpu_status:", e, flush=True)
    while True:
        time.sleep(1)


def _s7_connect(target):
    import snap7

    c = snap7.client.Client()
    for _ in range(10):
        try:
            c.connect(target, 0, 2)
            return c
        except Exception as e:  # noqa: BLE001
            print("connect:", e, flush=True)
            time.sleep(0.5)
    raise SystemExit("S7 connect failed")


def s7_session(a):
    c = _s7_connect(a.target)
    for what, fn in (("cpu info", c.get_cpu_info), ("order code", c.get_order_code),
                     ("cpu state", c.get_cpu_state)):
        try:
            print(what, fn(), flush=True)
        except Exception as e:  # noqa: BLE001
            print(what, "failed:", e, flush=True)
    print("DB1[0:16]", bytes(c.db_read(1, 0, 16)).hex(), flush=True)
    if a.write:
        print("write DB1.DBW4 = 1800:", c.db_write(1, 4, bytearray(struct.pack(">h", 1800))), flush=True)
    if a.download:
        # A 32-byte DB2 image: python-snap7's server accepts downloads only into a registered DB
        # no larger than that DB (Request Download 0x1a, Download Block 0x1b, Download Ended 0x1c).
        block = bytearray(struct.pack(">f", 75.0) + bytes(range(28)))
        try:
            print("download DB2:", c.download(block, 2), flush=True)
        except Exception as e:  # noqa: BLE001
            print("download failed:", e, flush=True)
    if a.stop:
        try:
            print("plc_stop:", c.plc_stop(), flush=True)
        except Exception as e:  # noqa: BLE001
            print("plc_stop failed:", e, flush=True)
        try:
            print("cpu state after stop:", c.get_cpu_state(), flush=True)
        except Exception as e:  # noqa: BLE001
            print("cpu state failed:", e, flush=True)
    c.disconnect()


# ---------------------------------------------------------------- OPC UA
def opcua_server(a):
    from asyncua import Server, ua

    async def main():
        server = Server()
        await server.init()
        server.set_endpoint(f"opc.tcp://{a.ip}:4840/historian")
        server.set_server_name("HIST-01 Plant Historian")
        await server.set_application_uri("urn:plant.example:hist-01")
        server.set_security_policy([ua.SecurityPolicyType.NoSecurity])
        idx = await server.register_namespace("urn:plant.example:line1")
        line1 = await server.nodes.objects.add_object(idx, "Line1")
        temp = await line1.add_variable(idx, "Temperature", 72.5)
        speed = await line1.add_variable(idx, "Speed", 1500)
        setpoint = await line1.add_variable(idx, "Setpoint", 75.0)
        await setpoint.set_writable()
        await speed.set_writable()
        async with server:
            t = 0
            while True:
                await asyncio.sleep(1)
                t += 1
                await temp.write_value(72.5 + (t % 10) / 10)

    asyncio.run(main())


def opcua_client(a):
    from asyncua import Client

    async def main():
        url = f"opc.tcp://{a.target}:4840/historian"
        async with Client(url=url, timeout=5) as client:
            idx = await client.get_namespace_index("urn:plant.example:line1")
            temp = await client.nodes.objects.get_child([f"{idx}:Line1", f"{idx}:Temperature"])
            setpoint = await client.nodes.objects.get_child([f"{idx}:Line1", f"{idx}:Setpoint"])
            end = time.time() + a.duration
            n = 0
            while n < a.count and time.time() < end:
                v = await temp.read_value()
                if n == 0:
                    print("Line1.Temperature =", v, flush=True)
                n += 1
                await asyncio.sleep(a.interval)
            if a.write is not None:
                await setpoint.write_value(float(a.write))
                print("wrote Line1.Setpoint =", a.write, flush=True)

    asyncio.run(main())


# ---------------------------------------------------------------- BACnet
def bacnet_server(a):
    from bacpypes3.app import Application
    from bacpypes3.argparse import SimpleArgumentParser
    from bacpypes3.local.analog import AnalogValueObject

    async def main():
        args = SimpleArgumentParser().parse_args([
            "--name", "BMS-01", "--instance", "5001", "--address", f"{a.ip}/24",
            "--vendoridentifier", "999"])
        app = Application.from_args(args)
        # bacpypes3 builds its objects from the vendor info of 999; the device then
        # announces the configured vendor (5 = Johnson Controls) in I-Am and ReadProperty.
        app.device_object.vendorIdentifier = 5
        app.device_object.vendorName = "Johnson Controls"
        app.device_object.modelName = "bacpypes3 building controller"
        app.add_object(AnalogValueObject(objectIdentifier=("analogValue", 1), objectName="AHU1-SupplyTemp",
                                         presentValue=18.5, statusFlags=[0, 0, 0, 0], units="degreesCelsius"))
        while True:
            await asyncio.sleep(1)

    asyncio.run(main())


def bacnet_client(a):
    from bacpypes3.app import Application
    from bacpypes3.argparse import SimpleArgumentParser

    async def main():
        args = SimpleArgumentParser().parse_args([
            "--name", "HMI-01", "--instance", "2020", "--address", f"{a.ip}/24", "--vendoridentifier", "999"])
        app = Application.from_args(args)
        i_ams = await app.who_is(timeout=3)
        for i_am in i_ams:
            print("I-Am", i_am.iAmDeviceIdentifier, "vendor", i_am.vendorID, "from", i_am.pduSource, flush=True)
        dev = f"device,{a.instance}"
        for prop in ("object-name", "vendor-name", "model-name"):
            try:
                print(prop, await app.read_property(a.target, dev, prop), flush=True)
            except Exception as e:  # noqa: BLE001
                print(prop, "failed", e, flush=True)
        print("AV1", await app.read_property(a.target, "analog-value,1", "present-value"), flush=True)
        app.close()

    asyncio.run(main())


# ---------------------------------------------------------------- IEC 60870-5-104
def iec104_server(a):
    import c104

    server = c104.Server(ip=a.ip, port=2404)
    station = server.add_station(common_address=47)
    p1 = station.add_point(io_address=11, type=c104.Type.M_ME_NC_1, report_ms=2000)
    p1.value = 11.2
    station.add_point(io_address=21, type=c104.Type.M_SP_NA_1)
    station.add_point(io_address=31, type=c104.Type.C_SC_NA_1)
    server.start()
    t = 0
    while True:
        time.sleep(1)
        t += 1
        p1.value = 11.2 + (t % 5) / 10


def iec104_client(a):
    import c104

    client = c104.Client()
    conn = client.add_connection(ip=a.target, port=2404, init=c104.Init.ALL)
    station = conn.add_station(common_address=47)
    station.add_point(io_address=11, type=c104.Type.M_ME_NC_1)
    cmd = station.add_point(io_address=31, type=c104.Type.C_SC_NA_1)
    client.start()
    for _ in range(50):
        if conn.is_connected:
            break
        time.sleep(0.1)
    print("connected:", conn.is_connected, flush=True)
    time.sleep(a.duration / 2)
    cmd.value = True
    print("single command:", cmd.transmit(cause=c104.Cot.ACTIVATION), flush=True)
    time.sleep(a.duration / 2)
    client.stop()


# ---------------------------------------------------------------- FTP
def ftp_server(a):
    import os
    from pyftpdlib.authorizers import DummyAuthorizer
    from pyftpdlib.handlers import FTPHandler
    from pyftpdlib.servers import FTPServer

    os.makedirs(a.root, exist_ok=True)
    with open(os.path.join(a.root, "SYSTEM.LOG"), "w") as f:
        f.write("M340 diagnostic log\n")
    auth = DummyAuthorizer()
    auth.add_user("sysdiag", "factorycast@schneider", a.root, perm="elr")
    FTPHandler.authorizer = auth
    FTPHandler.banner = "FTP server ready."
    FTPHandler.passive_ports = range(50000, 50010)
    FTPServer((a.ip, 21), FTPHandler).serve_forever()


def ftp_login(a):
    import ftplib

    f = ftplib.FTP()
    f.connect(a.target, 21, timeout=5)
    print(f.login(a.user, a.password), flush=True)
    print(f.nlst(), flush=True)
    f.quit()


# ---------------------------------------------------------------- Telnet
def telnet_login(a):
    import warnings
    warnings.simplefilter("ignore")
    import telnetlib

    t = telnetlib.Telnet(a.target, 23, timeout=5)
    print(t.read_until(b"login: ", 5).decode(errors="replace"), flush=True)
    t.write(a.user.encode() + b"\r\n")
    print(t.read_until(b"Password: ", 5).decode(errors="replace"), flush=True)
    t.write(a.password.encode() + b"\r\n")
    print(t.read_until(b"> ", 5).decode(errors="replace"), flush=True)
    t.write(b"show system info\r\n")
    print(t.read_until(b"> ", 5).decode(errors="replace"), flush=True)
    t.write(b"logout\r\n")
    time.sleep(0.5)
    t.close()


def telnet_shell(a):
    """Login program run by telnetd -E: a switch CLI with a default account."""
    import os
    import termios

    def readline():
        return sys.stdin.readline().strip()

    sys.stdout.write("\r\nHirschmann RSP30 - HiOS-2A-07.1.03\r\nlogin: ")
    sys.stdout.flush()
    user = readline()
    fd = sys.stdin.fileno()
    old = termios.tcgetattr(fd)
    new = termios.tcgetattr(fd)
    new[3] &= ~termios.ECHO
    termios.tcsetattr(fd, termios.TCSADRAIN, new)
    sys.stdout.write("Password: ")
    sys.stdout.flush()
    pw = readline()
    termios.tcsetattr(fd, termios.TCSADRAIN, old)
    if (user, pw) != ("admin", "private"):
        sys.stdout.write("\r\nLogin incorrect\r\n")
        return
    sys.stdout.write("\r\n(RSP30) > ")
    sys.stdout.flush()
    while True:
        line = readline()
        if line in ("logout", "exit", ""):
            sys.stdout.write("bye\r\n")
            sys.stdout.flush()
            os._exit(0)
        sys.stdout.write("System name: sw-ctrl-01\r\nFirmware: HiOS-2A-07.1.03\r\n(RSP30) > ")
        sys.stdout.flush()


# ---------------------------------------------------------------- RFB (VNC) client
def rfb_session(a):
    s = socket.create_connection((a.target, 5900), timeout=10)

    def recvn(n):
        b = b""
        while len(b) < n:
            chunk = s.recv(n - len(b))
            if not chunk:
                raise EOFError
            b += chunk
        return b

    ver = recvn(12)
    print("server version", ver, flush=True)
    s.sendall(b"RFB 003.008\n")
    n = recvn(1)[0]
    types = list(recvn(n))
    print("security types", types, flush=True)
    s.sendall(b"\x01")  # None
    print("security result", struct.unpack(">I", recvn(4))[0], flush=True)
    s.sendall(b"\x01")  # ClientInit, shared
    w, h = struct.unpack(">HH", recvn(4))
    recvn(16)
    name = recvn(struct.unpack(">I", recvn(4))[0])
    print("desktop", w, h, name, flush=True)
    # SetEncodings: Raw only; then small framebuffer update requests and a few key presses.
    s.sendall(struct.pack(">BBHi", 2, 0, 1, 0))
    for i in range(a.updates):
        s.sendall(struct.pack(">BBHHHH", 3, 0 if i == 0 else 1, 0, 0, 32, 32))
        time.sleep(a.interval)
        s.settimeout(1)
        try:
            s.recv(65536)
        except socket.timeout:
            pass
        s.sendall(struct.pack(">BBHH", 5, 0, i * 3 % 32, i * 5 % 32))  # PointerEvent
        if i == 2:
            for ch in b"dir":
                s.sendall(struct.pack(">BBHI", 4, 1, 0, ch) + struct.pack(">BBHI", 4, 0, 0, ch))
    s.close()


# ---------------------------------------------------------------- SMB
def smb_server(a):
    import os
    from impacket import smbserver

    os.makedirs(a.share, exist_ok=True)
    with open(os.path.join(a.share, "LINE1_backup.stu"), "wb") as f:
        f.write(b"\x00" * 2048)
    srv = smbserver.SimpleSMBServer(listenAddress=a.ip, listenPort=445)
    # impacket picks random server name/OS/domain strings; configure Windows 7-like ones.
    cfg = srv._SimpleSMBServer__smbConfig
    cfg.set("global", "server_name", "EWS-01")
    cfg.set("global", "server_os", "Windows 7 Professional 7601 Service Pack 1")
    cfg.set("global", "server_domain", "PLANT")
    srv._SimpleSMBServer__server.setServerConfig(cfg)
    srv._SimpleSMBServer__server.processConfigFile()
    srv.addShare("PROJECTS", a.share, "Engineering projects")
    srv.setSMB2Support(False)
    srv.addCredential("operator", 1000, "", __import__("impacket.ntlm", fromlist=["x"]).compute_nthash("operator1"))
    srv.setSMBChallenge("")
    srv.start()


def smb_client(a):
    from impacket.smbconnection import SMBConnection, SMB_DIALECT

    c = SMBConnection(a.target, a.target, sess_port=445, preferredDialect=SMB_DIALECT, timeout=5)
    print("dialect", repr(c.getDialect()), flush=True)
    c.login("operator", "operator1", domain="HMI-01")
    print("shares", [s["shi1_netname"][:-1] for s in c.listShares()], flush=True)
    for f in c.listPath("PROJECTS", "*"):
        print("file", f.get_longname(), flush=True)
    c.logoff()


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)

    def cmd(name, fn, *args):
        sp = sub.add_parser(name)
        sp.set_defaults(fn=fn)
        for flag, kw in args:
            sp.add_argument(flag, **kw)
        return sp

    ip = ("--ip", {})
    target = ("--target", {})
    loop = [("--count", {"type": int, "default": 1}), ("--interval", {"type": float, "default": 1.0}),
            ("--duration", {"type": float, "default": 10.0})]
    cmd("modbus-server", modbus_server, ip)
    cmd("modbus-client", modbus_client, target, *loop, ("--device-info", {"action": "store_true"}),
        ("--write-single", {"type": int, "nargs": 2}), ("--write-multiple", {"type": int, "nargs": "+"}))
    cmd("enip-identity", enip_identity, target)
    cmd("enip-discover", enip_discover)
    cmd("enip-poll", enip_poll, target, *loop, ("--tags", {"nargs": "+"}))
    cmd("s7-server", s7_server, ip)
    cmd("s7-session", s7_session, target, ("--write", {"action": "store_true"}),
        ("--download", {"action": "store_true"}), ("--stop", {"action": "store_true"}))
    cmd("opcua-server", opcua_server, ip)
    cmd("opcua-client", opcua_client, target, *loop, ("--write", {}))
    cmd("bacnet-server", bacnet_server, ip)
    cmd("bacnet-client", bacnet_client, ip, target, ("--instance", {"type": int}))
    cmd("iec104-server", iec104_server, ip)
    cmd("iec104-client", iec104_client, target, ("--duration", {"type": float, "default": 6}))
    cmd("ftp-server", ftp_server, ip, ("--root", {}))
    cmd("ftp-login", ftp_login, target, ("--user", {}), ("--password", {}))
    cmd("telnet-login", telnet_login, target, ("--user", {}), ("--password", {}))
    cmd("telnet-shell", telnet_shell)
    cmd("rfb-session", rfb_session, target, ("--updates", {"type": int, "default": 5}),
        ("--interval", {"type": float, "default": 1.0}))
    cmd("smb-server", smb_server, ip, ("--share", {}))
    cmd("smb-client", smb_client, target)
    a = p.parse_args()
    logging.basicConfig(level=logging.WARNING)
    a.fn(a)


if __name__ == "__main__":
    main()
