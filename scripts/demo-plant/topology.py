"""The demo plant: segments, hosts and their configured identities.

This file is the single source of what the plant looks like. `plant.py`
builds the network namespaces from it and `truth.toml` is written from it,
so the two cannot drift apart.
"""

NS_PREFIX = "pg-"
SWITCH_NS = "pg-core"  # holds the bridges and the capture point

# name -> (bridge name in the switch namespace, subnet, gateway on fw-01)
SEGMENTS = {
    "office": ("office", "10.10.0.0/24", "10.10.0.1"),
    "dmz": ("dmz", "10.20.0.0/24", "10.20.0.1"),
    "control": ("control", "10.30.0.0/24", "10.30.0.1"),
    "internet": ("internet", "203.0.113.0/24", "203.0.113.1"),
}

DOMAIN_NAME = "plant.example"
INTERNET_NAME = "telemetry.cloud-analytics.example"

# Each host: name, role, domain, purdue level, interfaces
# (segment, ip, mac; ip "dhcp:<ip>" = address leased by dnsmasq), identity, os.
HOSTS = [
    {
        "name": "fw-01", "role": "network_infrastructure", "domain": "dmz", "purdue_level": 3.5,
        "ifaces": [("office", "10.10.0.1", "00:09:0f:0a:00:01"),
                   ("dmz", "10.20.0.1", "00:09:0f:14:00:01"),
                   ("control", "10.30.0.1", "00:09:0f:1e:00:01"),
                   ("internet", "203.0.113.1", "00:09:0f:cb:00:01")],
        "identity": {"vendor": "Fortinet", "product": "router/firewall (Linux namespace, IP forwarding, no filter rules)"},
        "os": "Linux",
        "notes": "Routes between all four segments. Forwards everything: the any-any rule found in many plants.",
    },
    {
        "name": "dc-01", "role": "it_server", "domain": "it", "purdue_level": 4,
        "ifaces": [("office", "10.10.0.10", "3c:d9:2b:0a:00:0a")],
        "identity": {"vendor": "HP", "product": "dnsmasq DHCP and DNS server"},
        "os": "Linux",
        "notes": "DHCP for the office, DNS for the whole plant (also answers the internet name the historian looks up).",
    },
    {
        "name": "office-pc-07", "role": "it_workstation", "domain": "it", "purdue_level": 4,
        "ifaces": [("office", "dhcp:10.10.0.57", "18:66:da:0a:00:39")],
        "identity": {"vendor": "Dell", "hostname": "OFFICE-PC-07", "dhcp_vendor_class": "MSFT 5.0"},
        "os": "Windows 10 (HTTP User-Agent)",
        "notes": "Takes its address by DHCP (hostname option OFFICE-PC-07). Browses the DMZ web server, then sends a Modbus write straight to the PLC.",
    },
    {
        "name": "qa-pc-02", "role": "it_workstation", "domain": "it", "purdue_level": 4,
        "ifaces": [("office", "10.10.0.60", "f8:bc:12:0a:00:3c"),
                   ("control", "10.30.0.60", "f8:bc:12:1e:00:3c")],
        "identity": {"vendor": "Dell", "hostname": "QA-PC-02", "netbios_name": "QA-PC-02", "workgroup": "WORKGROUP",
                     "netbios_stack": "Samba nmbd (Debian 12) on both NICs"},
        "os": "Windows 7 (HTTP User-Agent)",
        "dual_homed": True,
        "notes": "Careless dual-homed quality PC: one NIC on the office network, one on the control network, no routing between them. Registers and announces its NetBIOS name QA-PC-02 on both networks (NBNS name registration, browser host announcement), as a Windows PC does. Reads PLC registers directly and browses the DMZ web server.",
    },
    {
        "name": "dmz-web-01", "role": "historian", "domain": "dmz", "purdue_level": 3.5,
        "ifaces": [("dmz", "10.20.0.10", "70:5a:0f:14:00:0a")],
        "identity": {"vendor": "HP", "product": "historian mirror and web reports (busybox httpd, asyncua client)"},
        "os": "Linux",
        "notes": "Pulls values from the control-network historian over OPC UA and serves reports over HTTP to the office.",
    },
    {
        "name": "sw-ctrl-01", "role": "network_infrastructure", "domain": "ot", "purdue_level": 2,
        "ifaces": [("control", "10.30.0.2", "00:80:63:1e:00:02")],
        "identity": {"vendor": "Hirschmann", "product": "RSP 30", "model": "RSP30", "firmware": "HiOS 07.1.03",
                     "sys_name": "sw-ctrl-01", "snmp_community": "public", "telnet_user": "admin", "telnet_password": "private"},
        "os": "HiOS (simulated: net-snmp snmpd, inetutils telnetd, lldpd)",
        "notes": "Managed switch management plane: LLDP every 30 s, SNMP v2c community public, Telnet with the documented default admin/private.",
    },
    {
        "name": "plc-m340", "role": "plc", "domain": "ot", "purdue_level": 1,
        "ifaces": [("control", "10.30.0.10", "00:80:f4:1e:00:0a")],
        "identity": {"vendor": "Schneider Electric", "product_code": "BMX P34 2020", "revision": "v3.10",
                     "vendor_url": "www.se.com", "product": "Modicon M340", "model": "BMX P34 2020 CPU",
                     "user_application": "LINE1_PACKAGING", "ftp_user": "sysdiag", "ftp_password": "factorycast@schneider",
                     "web_user": "USER", "web_password": "USER"},
        "os": "",
        "notes": "pymodbus TCP server (unit 1) with device identification (function 43/14); pyftpdlib FTP server with the documented Schneider default account; busybox httpd web server behind HTTP Basic USER/USER.",
    },
    {
        "name": "plc-clx", "role": "plc", "domain": "ot", "purdue_level": 1,
        "ifaces": [("control", "10.30.0.11", "00:00:bc:1e:00:0b")],
        "identity": {"vendor": "Rockwell Automation/Allen-Bradley", "vendor_id": 1, "device_type": 14,
                     "product_code": 94, "revision": "20.11", "serial": "0x7a3b1c2d",
                     "product": "1756-L71/B LOGIX5571"},
        "os": "",
        "notes": "cpppo EtherNet/IP server (TCP and UDP 44818) with a configured Identity object and tags Line2_Speed, Line2_Temp, Line2_Count.",
    },
    {
        "name": "plc-s7", "role": "plc", "domain": "ot", "purdue_level": 1,
        "ifaces": [("control", "10.30.0.12", "28:63:36:1e:00:0c")],
        "identity": {"vendor": "Siemens", "product": "CPU 315-2 PN/DP", "order_code": "6ES7 315-2EH14-0AB0",
                     "firmware": "V3.3.0", "serial": "S C-C2UR28922012", "as_name": "SNAP7-SERVER"},
        "os": "",
        "notes": "python-snap7 S7 server (ISO-TSAP 102) with DB1 and DB2; identity strings are the library's built-in SZL answers.",
    },
    {
        "name": "rtu-104", "role": "rtu", "domain": "ot", "purdue_level": 1,
        "ifaces": [("control", "10.30.0.70", "00:02:a3:1e:00:46")],
        "identity": {"vendor": "Hitachi Energy", "product": "RTU (c104 IEC 60870-5-104 server)", "common_address": 47},
        "os": "",
        "notes": "c104 IEC 60870-5-104 server, common address 47, measured values and a single command point.",
    },
    {
        "name": "bms-01", "role": "building_controller", "domain": "ot", "purdue_level": 1,
        "ifaces": [("control", "10.30.0.50", "00:10:8d:1e:00:32")],
        "identity": {"vendor": "Johnson Controls", "vendor_id": 5, "device_instance": 5001, "object_name": "BMS-01",
                     "model": "bacpypes3 device"},
        "os": "",
        "notes": "bacpypes3 BACnet/IP device on UDP 47808: answers Who-Is with I-Am and ReadProperty.",
    },
    {
        "name": "hmi-01", "role": "hmi", "domain": "ot", "purdue_level": 2,
        "ifaces": [("control", "10.30.0.20", "00:14:22:1e:00:14")],
        "identity": {"vendor": "Dell", "hostname": "HMI-01"},
        "os": "Windows XP SP3 (HTTP User-Agent, SMBv1)",
        "notes": "Polls the Modbus PLC, the EtherNet/IP PLC and the RTU, reads the OPC UA historian, BACnet Who-Is, HTTP to the DMZ with an XP-era User-Agent, SMBv1 to the engineering workstation share.",
    },
    {
        "name": "hist-01", "role": "historian", "domain": "ot", "purdue_level": 3,
        "ifaces": [("control", "10.30.0.30", "3c:d9:2b:1e:00:1e")],
        "identity": {"vendor": "HP", "product": "asyncua OPC UA server", "application_uri": "urn:plant.example:hist-01",
                     "security_mode": "None"},
        "os": "Linux",
        "notes": "OPC UA server (security None) on 4840; polls the Modbus PLC; sends telemetry to an internet host over TLS (resolves its name via dc-01).",
    },
    {
        "name": "ews-01", "role": "engineering_workstation", "domain": "ot", "purdue_level": 2,
        "ifaces": [("control", "10.30.0.40", "f8:bc:12:1e:00:28")],
        "identity": {"vendor": "Dell", "hostname": "EWS-01", "vnc_desktop": "EWS-01"},
        "os": "Windows 7 (role); x11vnc VNC server",
        "notes": "Engineering: S7 read/write/download/stop, EtherNet/IP tag write, Modbus write, FTP to the PLC, Telnet and SNMP to the switch. Runs a VNC server the vendor reaches from the internet; shares PROJECTS over SMB.",
    },
    {
        "name": "cloud-01", "role": "internet_host", "domain": "it", "purdue_level": 5,
        "ifaces": [("internet", "203.0.113.10", "02:00:cb:00:71:0a")],
        "identity": {"product": "openssl s_server", "tls_server_name": "telemetry.cloud-analytics.example"},
        "os": "Linux",
        "notes": "Internet host (documentation address) serving TLS on 443.",
    },
    {
        "name": "vendor-rmt", "role": "remote_access_endpoint", "domain": "it", "purdue_level": 5,
        "ifaces": [("internet", "203.0.113.50", "02:00:cb:00:71:32")],
        "identity": {"vendor": "Acme Automation Services (integrator)", "product": "Python RFB client"},
        "os": "Linux",
        "notes": "Integrator's remote support PC on the internet; opens a VNC session to ews-01 through fw-01.",
    },
]


def host(name):
    for h in HOSTS:
        if h["name"] == name:
            return h
    raise KeyError(name)


def ip_of(name, segment=None):
    h = host(name)
    for seg, ip, _mac in h["ifaces"]:
        if segment is None or seg == segment:
            return ip.split(":", 1)[1] if ip.startswith("dhcp:") else ip
    raise KeyError((name, segment))


def ns_of(name):
    return NS_PREFIX + name
