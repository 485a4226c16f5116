"""EtherNet/IP and CIP: cpppo server with a random Identity object and a tag of random name,
pycomm3 ListIdentity over TCP, cpppo client that writes the tag and reads it back.

Checks: the Write Tag and Read Tag of the chosen tag name in cip.log, the write in
operations.log, the identity strings and numbers in `identities` and cip_identity.log.
"""

import random
import time

import harness

NAME = "enip"


def actor_list_identity(a):
    from pycomm3 import CIPDriver

    info = CIPDriver.list_identity(a["target"])
    print("ListIdentity:", info, flush=True)
    if not info:
        raise SystemExit("no ListIdentity answer")


def actor_tags(a):
    from cpppo.server.enip import client

    with client.connector(host=a["target"], port=44818, timeout=5) as conn:
        ops = client.parse_operations(a["ops"])
        for _idx, dsc, _op, _rpy, sts, val in conn.pipeline(operations=ops, depth=1, timeout=5):
            print(dsc, "->", val, "status", sts, flush=True)
            if val is None:
                raise SystemExit(f"{dsc} failed")


def run(lab):
    lab.add_ns("srv", "plc-clx-live")
    lab.add_ns("cli", "ews-live")
    srv, cli = lab.pair("srv", 10, "cli", 20)
    vendor_id = random.randint(2, 1200)
    product_code = random.randint(1, 500)
    major, minor = random.randint(1, 40), random.randint(1, 99)
    serial = random.getrandbits(32) | 0x10000000
    product_name = f"PG-{harness.rand_word(4)}/{harness.rand_word(1)} LIVE{harness.rand_word(4)}"
    tag = "Tag_" + harness.rand_word(8)
    value = random.randint(1, 32000)
    cfg = lab.scratch + "/enip.cfg"
    with open(cfg, "w") as f:
        f.write("[Identity]\n"
                f"Vendor Number = {vendor_id}\nDevice Type = 14\nProduct Code Number = {product_code}\n"
                f"Product Revision = {minor << 8 | major}\nSerial Number = {serial}\n"
                f"Product Name = {product_name}\n")

    lab.capture("srv")
    lab.spawn("enip-server", "srv", [lab.module_python(), "-m", "cpppo.server.enip", "--no-print", "-a",
                                     f"{srv}:44818", "-c", cfg, f"{tag}=INT[4]"])
    lab.wait_listen("srv", 44818)
    lab.run("list-identity", "cli", lab.actor("list_identity", target=srv), timeout=20)
    lab.run("tag-write", "cli", lab.actor("tags", target=srv, ops=[f"{tag}[1]=(INT){value}", f"{tag}[0-3]"]),
            timeout=20)
    conn = {"id.orig_h": cli, "id.resp_h": srv, "id.resp_p": 44818}
    identity = {"protocol": "enip", "vendor_id": vendor_id, "product": product_name, "model": str(product_code),
                "firmware": f"{major}.{minor}", "serial": f"0x{serial:08x}",
                "device_type": "Programmable Logic Controller"}
    return {
        "chosen": {"server": srv, "client": cli, "vendor_id": vendor_id, "product_code": product_code,
                   "revision": f"{major}.{minor}", "serial": serial, "product_name": product_name, "tag": tag,
                   "value": value},
        "checks": [
            {"what": "Write Tag of the chosen tag", "log": "cip.log", "count": 1,
             "match": {**conn, "direction": "request", "cip_service": "write_tag", "tag_name": {"text": tag}}},
            {"what": "Read Tag of the chosen tag", "log": "cip.log",
             "match": {**conn, "direction": "request", "cip_service": "read_tag", "tag_name": {"text": tag}}},
            {"what": "write in operations.log", "log": "operations.log", "count": 1,
             "match": {**conn, "protocol": "enip", "operation": "write", "state_changing": True}},
            {"what": "ListIdentity in cip_identity.log", "log": "cip_identity.log",
             "match": {"id.resp_h": srv, "vendor_id": vendor_id, "product_code": product_code,
                       "revision": f"{major}.{minor}", "serial_number": f"0x{serial:08x}",
                       "product_name": {"text": product_name}}},
            {"what": "identity", "json": "/identities", "match": {"ip": srv, "identity": identity}},
        ],
    }


if __name__ == "__main__":
    harness.actor_main(globals())
