"""BACnet/IP and IEC 60870-5-104 on one bridge: a bacpypes3 device with a random instance,
vendor id and names; a c104 RTU with a random common address and random information object
addresses; the SCADA namespace (which holds the bridge and the capture) runs the bacpypes3
client (Who-Is, ReadProperty) and the c104 client (interrogation, a single command).

Checks: the I-Am with the chosen instance and vendor id and the device's names in `identities`
and bacnet.log; the IEC-104 ASDU types (C_IC_NA_1, M_ME_NC_1, M_SP_NA_1, C_SC_NA_1) with the
chosen common address and addresses in iec104.log, the command in operations.log.
"""

import asyncio
import random
import time

import harness

NAME = "bacnet_iec104"


def actor_bacnet_server(a):
    from bacpypes3.app import Application
    from bacpypes3.argparse import SimpleArgumentParser
    from bacpypes3.local.analog import AnalogValueObject

    async def main():
        args = SimpleArgumentParser().parse_args([
            "--name", a["object_name"], "--instance", str(a["instance"]), "--address", f"{a['ip']}/24",
            "--vendoridentifier", "999"])
        app = Application.from_args(args)
        # bacpypes3 builds its objects from the vendor info it ships (999); the device then
        # announces the chosen vendor in I-Am and ReadProperty.
        app.device_object.vendorIdentifier = a["vendor_id"]
        app.device_object.vendorName = a["vendor_name"]
        app.device_object.modelName = a["model_name"]
        app.add_object(AnalogValueObject(objectIdentifier=("analogValue", 1), objectName="AV1",
                                         presentValue=18.5, statusFlags=[0, 0, 0, 0], units="degreesCelsius"))
        await asyncio.sleep(60)

    asyncio.run(main())


def actor_bacnet_client(a):
    from bacpypes3.app import Application
    from bacpypes3.argparse import SimpleArgumentParser

    async def main():
        args = SimpleArgumentParser().parse_args([
            "--name", "SCADA", "--instance", "77", "--address", f"{a['ip']}/24", "--vendoridentifier", "999"])
        app = Application.from_args(args)
        i_ams = []
        for _ in range(3):
            i_ams = await app.who_is(timeout=2)
            if i_ams:
                break
        for i_am in i_ams:
            print("I-Am", i_am.iAmDeviceIdentifier, "vendor", i_am.vendorID, "from", i_am.pduSource, flush=True)
        if not i_ams:
            raise SystemExit("no I-Am")
        dev = f"device,{a['instance']}"
        for prop in ("object-name", "vendor-name", "model-name"):
            print(prop, await app.read_property(a["target"], dev, prop), flush=True)
        app.close()

    asyncio.run(main())


def actor_iec104_server(a):
    import c104

    server = c104.Server(ip=a["ip"], port=2404)
    station = server.add_station(common_address=a["ca"])
    measured = station.add_point(io_address=a["ioa_measured"], type=c104.Type.M_ME_NC_1, report_ms=1000)
    measured.value = 11.2
    station.add_point(io_address=a["ioa_single"], type=c104.Type.M_SP_NA_1)
    station.add_point(io_address=a["ioa_command"], type=c104.Type.C_SC_NA_1)
    server.start()
    end = time.time() + 60
    while time.time() < end:
        time.sleep(0.5)
        measured.value = round(random.uniform(0, 100), 1)


def actor_iec104_client(a):
    import c104

    client = c104.Client()
    # Init.NONE: this client sends STARTDT (unmute) and the interrogation itself, in order, so
    # no command goes out before the connection is started (the server drops it otherwise).
    conn = client.add_connection(ip=a["target"], port=2404, init=c104.Init.NONE)
    station = conn.add_station(common_address=a["ca"])
    station.add_point(io_address=a["ioa_single"], type=c104.Type.M_SP_NA_1)
    station.add_point(io_address=a["ioa_measured"], type=c104.Type.M_ME_NC_1)
    cmd = station.add_point(io_address=a["ioa_command"], type=c104.Type.C_SC_NA_1)
    client.start()
    end = time.time() + 10
    while time.time() < end and not conn.is_connected:
        time.sleep(0.05)
    print("connected:", conn.is_connected, conn.state, flush=True)
    print("unmute (STARTDT):", conn.unmute(), flush=True)
    while time.time() < end and conn.state != c104.ConnectionState.OPEN:
        time.sleep(0.05)
    print("state:", conn.state, flush=True)
    if conn.state != c104.ConnectionState.OPEN:
        raise SystemExit("connection not started")
    # c104 sometimes misses a confirmation that is on the wire (it arrives in the same
    # millisecond): do not wait for it here; the Rust test checks the wire.
    ok_gi = conn.interrogation(common_address=a["ca"], cause=c104.Cot.ACTIVATION, wait_for_response=False)
    print("interrogation sent:", ok_gi, flush=True)
    time.sleep(1.2)  # a periodic measured value
    cmd.value = True
    ok = cmd.transmit(cause=c104.Cot.ACTIVATION)
    print("single command confirmed:", ok, flush=True)
    time.sleep(0.3)
    client.stop()


def run(lab):
    lab.add_ns("cli", "scada-live")
    lab.add_ns("bms", "bms-live")
    lab.add_ns("rtu", "rtu-live")
    cli, bms, rtu = lab.lan("cli", 20, [("bms", 30), ("rtu", 40)])
    bacnet = {"instance": random.randint(1000, 4194000), "vendor_id": random.randint(1, 1000),
              "vendor_name": f"Vendor {harness.rand_word(6)}", "model_name": f"Model {harness.rand_word(6)}",
              "object_name": f"BMS-{harness.rand_word(5)}"}
    ioas = random.sample(range(1, 16_000_000), 3)
    iec = {"ca": random.randint(1, 65000), "ioa_measured": ioas[0], "ioa_single": ioas[1], "ioa_command": ioas[2]}

    lab.capture("cli", iface="br0")
    lab.spawn("bacnet-server", "bms", lab.actor("bacnet_server", ip=bms, **bacnet))
    lab.spawn("iec104-server", "rtu", lab.actor("iec104_server", ip=rtu, **iec))
    lab.wait_listen("bms", 47808, proto="udp", timeout=30)
    lab.wait_listen("rtu", 2404, timeout=30)
    lab.run("bacnet-client", "cli", lab.actor("bacnet_client", ip=cli, target=bms, instance=bacnet["instance"]),
            timeout=30)
    lab.run("iec104-client", "cli", lab.actor("iec104_client", target=rtu, **iec), timeout=30)

    b = {"id.orig_h": bms}
    i = {"id.orig_h": cli, "id.resp_h": rtu, "id.resp_p": 2404}
    ca = iec["ca"]
    return {
        "chosen": {"scada": cli, "bms": bms, "rtu": rtu, "bacnet": bacnet, "iec104": iec},
        "checks": [
            {"what": "I-Am with the chosen instance and vendor id", "log": "bacnet.log",
             "match": {**b, "pdu_service": "i_am", "object_type": "device", "instance_number": bacnet["instance"],
                       "vendor_id": bacnet["vendor_id"]}},
            {"what": "Who-Is from the client", "log": "bacnet.log",
             "match": {"id.orig_h": cli, "pdu_service": "who_is"}},
            {"what": "BACnet identity: instance and vendor id", "json": "/identities",
             "match": {"ip": bms, "identity": {"protocol": "bacnet", "vendor_id": bacnet["vendor_id"],
                                               "extra": [["device_instance", str(bacnet["instance"])]]}}},
            {"what": "BACnet identity: object name", "json": "/identities",
             "match": {"ip": bms, "identity": {"protocol": "bacnet", "name": bacnet["object_name"]}}},
            {"what": "BACnet identity: vendor name", "json": "/identities",
             "match": {"ip": bms, "identity": {"protocol": "bacnet", "vendor": bacnet["vendor_name"]}}},
            {"what": "BACnet identity: model name", "json": "/identities",
             "match": {"ip": bms, "identity": {"protocol": "bacnet", "model": bacnet["model_name"]}}},
            {"what": "IEC-104 general interrogation (C_IC_NA_1) confirmed by the chosen common address",
             "log": "iec104.log", "match": {**i, "type_id": 100, "type_name": "C_IC_NA_1", "cot_name": "actcon",
                                            "common_address": ca}},
            {"what": "IEC-104 measured value (M_ME_NC_1) at the chosen address", "log": "iec104.log",
             "match": {**i, "type_id": 13, "type_name": "M_ME_NC_1", "common_address": ca,
                       "ioa_first": iec["ioa_measured"]}},
            {"what": "IEC-104 single point (M_SP_NA_1) at the chosen address", "log": "iec104.log",
             "match": {**i, "type_id": 1, "type_name": "M_SP_NA_1", "common_address": ca,
                       "ioa_first": iec["ioa_single"]}},
            {"what": "IEC-104 single command (C_SC_NA_1) activation at the chosen address", "log": "iec104.log",
             "match": {**i, "type_id": 45, "type_name": "C_SC_NA_1", "cot_name": "act", "common_address": ca,
                       "ioa_first": iec["ioa_command"]}},
            {"what": "IEC-104 command in operations.log", "log": "operations.log",
             "match": {**i, "protocol": "iec104", "operation": "write", "state_changing": True}},
            {"what": "IEC-104 identity: common address", "json": "/identities",
             "match": {"ip": rtu, "identity": {"protocol": "iec104",
                                               "extra": [["iec104_common_address", str(ca)]]}}},
        ],
    }


if __name__ == "__main__":
    harness.actor_main(globals())
