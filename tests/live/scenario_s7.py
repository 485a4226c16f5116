"""S7comm: python-snap7 server with two data blocks of random numbers, python-snap7 client
that reads the CPU identity (SZL), reads and writes a random span of the first DB and
downloads an image of the second DB, then stops the PLC.

Checks: the Write Var item (DB number, byte offset, length) and the Read Var of the same
DB in s7comm.log, the download of the second DB, the stop, and the server identity
(python-snap7 answers SZL with its built-in CPU 315-2 PN/DP identity: no setting changes it).
"""

import random
import struct
import sys
import time

import harness

NAME = "s7"
SNAP7_ORDER_CODE = "6ES7 315-2EH14-0AB0"  # python-snap7's built-in SZL answer


def actor_server(a):
    import snap7
    from snap7.type import SrvArea

    srv = snap7.server.Server(log=False)
    data = bytearray(a["db_size"])
    image = bytearray(32)
    srv.register_area(SrvArea.DB, a["db"], data)
    srv.register_area(SrvArea.DB, a["download_db"], image)
    srv.start_to(a["ip"], 102)
    try:
        srv.set_cpu_status(8)  # RUN
    except Exception as e:  # noqa: BLE001
        print("set_cpu_status:", e, flush=True)
    end = time.time() + 60
    while time.time() < end:
        time.sleep(0.5)


def actor_client(a):
    import snap7

    c = snap7.client.Client()
    for _ in range(20):
        try:
            c.connect(a["target"], 0, 2)
            break
        except Exception as e:  # noqa: BLE001
            print("connect:", e, flush=True)
            time.sleep(0.25)
    else:
        sys.exit("S7 connect failed")
    print("cpu info", c.get_cpu_info(), flush=True)
    print("order code", c.get_order_code(), flush=True)
    payload = bytes.fromhex(a["payload"])
    c.db_write(a["db"], a["offset"], bytearray(payload))
    back = bytes(c.db_read(a["db"], a["offset"], len(payload)))
    print("wrote", payload.hex(), "read back", back.hex(), flush=True)
    if back != payload:
        sys.exit("read back differs from what was written")
    block = bytearray(struct.pack(">f", 75.0) + bytes(range(28)))
    print("download", a["download_db"], c.download(block, a["download_db"]), flush=True)
    print("plc_stop", c.plc_stop(), flush=True)
    c.disconnect()


def run(lab):
    lab.add_ns("srv", "plc-s7-live")
    lab.add_ns("cli", "ews-live")
    srv, cli = lab.pair("srv", 10, "cli", 20)
    db, download_db = random.sample(range(3, 999), 2)
    db_size = 256
    length = random.randint(2, 40)
    offset = random.randint(0, db_size - length)
    payload = bytes(random.getrandbits(8) for _ in range(length)).hex()

    lab.capture("srv")
    lab.spawn("s7-server", "srv", lab.actor("server", ip=srv, db=db, db_size=db_size, download_db=download_db))
    lab.wait_listen("srv", 102)
    lab.run("s7-client", "cli", lab.actor("client", target=srv, db=db, offset=offset, payload=payload,
                                          download_db=download_db), timeout=30)
    conn = {"id.orig_h": cli, "id.resp_h": srv, "id.resp_p": 102}
    item = {"area": "data_blocks", "db": db, "byte": offset, "count": length}
    return {
        "chosen": {"server": srv, "client": cli, "db": db, "offset": offset, "length": length,
                   "payload": payload, "download_db": download_db},
        "checks": [
            {"what": "Write Var to the chosen DB, offset and length", "log": "s7comm.log", "count": 1,
             "match": {**conn, "function_name": "write_var", "operation": "write", "return_code_name": "success",
                       "items": [item]}},
            {"what": "Read Var of the chosen DB span", "log": "s7comm.log",
             "match": {**conn, "function_name": "read_var", "operation": "read", "items": [item]}},
            {"what": "download of the chosen DB", "log": "s7comm.log",
             "match": {**conn, "function_name": "request_download", "operation": "program_download",
                       "block_type": "db", "block_number": download_db}},
            {"what": "download ended", "log": "s7comm.log",
             "match": {**conn, "function_name": "download_ended", "block_number": download_db}},
            {"what": "PLC stop", "log": "s7comm.log",
             "match": {**conn, "function_name": "plc_stop", "operation": "mode_change_stop"}},
            {"what": "write in operations.log", "log": "operations.log", "count": 1,
             "match": {**conn, "protocol": "s7comm", "operation": "write", "state_changing": True}},
            {"what": "identity from SZL", "json": "/identities",
             "match": {"ip": srv, "identity": {"protocol": "s7comm", "vendor": "Siemens",
                                               "model": SNAP7_ORDER_CODE}}},
        ],
    }


if __name__ == "__main__":
    harness.actor_main(globals())
