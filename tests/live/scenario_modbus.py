"""Modbus/TCP: pymodbus server with a random device identification, pymodbus client
that reads it, writes a random block of holding registers (function 16) and one random
register (function 6), then polls.

Checks: both writes in modbus.log with the exact address and value count, the writes in
operations.log, the identity strings in `identities`.
"""

import random
import sys
import time

import harness

NAME = "modbus"


def actor_server(a):
    from pymodbus import ModbusDeviceIdentification
    from pymodbus.datastore import ModbusDeviceContext, ModbusSequentialDataBlock, ModbusServerContext
    from pymodbus.server import StartTcpServer

    # pymodbus addresses blocks from 1 (block address 1 = protocol address 0)
    hr = ModbusSequentialDataBlock(1, [i % 65536 for i in range(2000)])
    co = ModbusSequentialDataBlock(1, [False] * 64)
    ir = ModbusSequentialDataBlock(1, [7] * 64)
    di = ModbusSequentialDataBlock(1, [False] * 64)
    ctx = ModbusServerContext(devices=ModbusDeviceContext(di=di, co=co, hr=hr, ir=ir), single=True)
    ident = ModbusDeviceIdentification(info_name=a["identity"])
    StartTcpServer(context=ctx, identity=ident, address=(a["ip"], 502))


def actor_client(a):
    from pymodbus.client import ModbusTcpClient

    c = ModbusTcpClient(a["target"], port=502, timeout=3)
    for _ in range(20):
        if c.connect():
            break
        time.sleep(0.25)
    else:
        sys.exit("connect failed")
    for code in (1, 3):
        r = c.read_device_information(read_code=code, object_id=0)
        print("device identification", code, getattr(r, "information", r), flush=True)
        if r.isError():
            sys.exit(f"device identification failed: {r}")
    r = c.write_registers(a["multi_address"], a["multi_values"])
    print("write_registers", a["multi_address"], a["multi_values"], r, flush=True)
    if r.isError():
        sys.exit("write_registers failed")
    r = c.write_register(a["single_address"], a["single_value"])
    print("write_register", a["single_address"], a["single_value"], r, flush=True)
    if r.isError():
        sys.exit("write_register failed")
    for _ in range(3):
        r = c.read_holding_registers(a["multi_address"], count=len(a["multi_values"]))
        print("read", r.registers, flush=True)
    if r.registers != a["multi_values"]:
        sys.exit("read back differs from what was written")
    c.close()


def run(lab):
    lab.add_ns("srv", "plc-live")
    lab.add_ns("cli", "hmi-live")
    srv, cli = lab.pair("srv", 10, "cli", 20)
    tag = harness.rand_word(6)
    identity = {
        "VendorName": f"Vendor {tag}",
        "ProductCode": f"PC-{harness.rand_word(5)}",
        "MajorMinorRevision": f"v{random.randint(1, 9)}.{random.randint(10, 99)}",
        "VendorUrl": f"www.{tag.lower()}.example",
        "ProductName": f"Product {harness.rand_word(6)}",
        "ModelName": f"Model {harness.rand_word(6)}",
        "UserApplicationName": f"APP_{harness.rand_word(8)}",
    }
    n = random.randint(2, 12)
    multi_address = random.randint(100, 1900 - n)
    multi_values = [random.randint(0, 65535) for _ in range(n)]
    single_address = random.choice([x for x in range(1, 99)])
    single_value = random.randint(0, 65535)

    lab.capture("srv")
    lab.spawn("modbus-server", "srv", lab.actor("server", ip=srv, identity=identity), lifetime=60)
    lab.wait_listen("srv", 502)
    lab.run("modbus-client", "cli", lab.actor("client", target=srv, multi_address=multi_address,
                                              multi_values=multi_values, single_address=single_address,
                                              single_value=single_value), timeout=30)
    conn = {"id.orig_h": cli, "id.resp_h": srv, "id.resp_p": 502}
    return {
        "chosen": {"server": srv, "client": cli, "identity": identity, "multi_address": multi_address,
                   "multi_values": multi_values, "single_address": single_address, "single_value": single_value},
        "checks": [
            {"what": "function 16 with the exact address and value count",
             "log": "modbus.log", "match": {**conn, "function_code": 16, "address": multi_address,
                                            "quantity": n, "request_values_count": n}},
            {"what": "function 6 with the exact address",
             "log": "modbus.log", "match": {**conn, "function_code": 6, "address": single_address, "quantity": 1}},
            {"what": "writes in operations.log", "log": "operations.log", "count": 2,
             "match": {**conn, "protocol": "modbus", "operation": "write", "state_changing": True}},
            {"what": "read of the written block", "log": "modbus.log",
             "match": {**conn, "function_code": 3, "address": multi_address, "quantity": n}},
            {"what": "basic device identification", "json": "/identities",
             "match": {"ip": srv, "identity": {"protocol": "modbus", "vendor": identity["VendorName"],
                                               "model": identity["ProductCode"],
                                               "firmware": identity["MajorMinorRevision"]}}},
            {"what": "extended device identification", "json": "/identities",
             "match": {"ip": srv, "identity": {"protocol": "modbus", "product": identity["ProductName"],
                                               "name": identity["UserApplicationName"],
                                               "extra": [["vendor_url", identity["VendorUrl"]],
                                                         ["model_name", identity["ModelName"]]]}}},
            {"what": "operation counts", "json": "/operations/modbus", "match": {"write": 2}},
        ],
    }


if __name__ == "__main__":
    harness.actor_main(globals())
