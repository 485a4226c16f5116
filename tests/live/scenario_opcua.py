"""OPC UA: asyncua server (security None) with a random application name and URI and a
writable variable whose string NodeId is random; asyncua client with its own random
application name and URI reads the variable and writes a random value to it.

Checks: the WriteRequest naming the chosen node in opcua.log, the write in operations.log,
the server's and the client's application names and URIs in `identities`.
"""

import asyncio
import random

import harness

NAME = "opcua"


def actor_server(a):
    from asyncua import Server, ua

    async def main():
        server = Server()
        await server.init()
        server.set_endpoint(f"opc.tcp://{a['ip']}:4840/live")
        server.set_server_name(a["server_name"])
        await server.set_application_uri(a["server_uri"])
        server.set_security_policy([ua.SecurityPolicyType.NoSecurity])
        idx = await server.register_namespace(a["namespace"])
        obj = await server.nodes.objects.add_object(idx, a["object"])
        var = await obj.add_variable(ua.NodeId(a["node"], idx), a["variable"], 1.5)
        await var.set_writable()
        async with server:
            await asyncio.sleep(60)

    asyncio.run(main())


def actor_client(a):
    from asyncua import Client, ua

    async def main():
        client = Client(url=f"opc.tcp://{a['target']}:4840/live", timeout=5)
        client.name = a["client_name"]
        client.application_uri = a["client_uri"]
        async with client:
            idx = await client.get_namespace_index(a["namespace"])
            var = client.get_node(ua.NodeId(a["node"], idx))
            print("before", await var.read_value(), flush=True)
            await var.write_value(float(a["value"]))
            after = await var.read_value()
            print("after", after, flush=True)
            if after != float(a["value"]):
                raise SystemExit("read back differs from what was written")
            return idx

    print("namespace index", asyncio.run(main()), flush=True)


def run(lab):
    lab.add_ns("srv", "hist-live")
    lab.add_ns("cli", "hmi-live")
    srv, cli = lab.pair("srv", 10, "cli", 20)
    word = harness.rand_word(6)
    chosen = {
        "server_name": f"Historian {word}",
        "server_uri": f"urn:live.example:{word.lower()}",
        "namespace": f"urn:live.example:{word.lower()}:line",
        "object": f"Line{random.randint(1, 99)}",
        "variable": f"Setpoint{harness.rand_word(3)}",
        "node": f"Line.{harness.rand_word(10)}",
        "client_name": f"Client {harness.rand_word(6)}",
        "client_uri": f"urn:live.example:client:{harness.rand_word(6).lower()}",
        "value": round(random.uniform(1, 1000), 2),
    }
    lab.capture("srv")
    lab.spawn("opcua-server", "srv", lab.actor("server", ip=srv, **chosen))
    lab.wait_listen("srv", 4840, timeout=30)
    lab.run("opcua-client", "cli", lab.actor("client", target=srv, **chosen), timeout=40)
    conn = {"id.orig_h": cli, "id.resp_h": srv, "id.resp_p": 4840}
    # The first namespace registered after the standard ones gets index 2.
    node = f"ns=2;s={chosen['node']}"
    return {
        "chosen": {"server": srv, "client": cli, **chosen, "node_id": node},
        "checks": [
            {"what": "WriteRequest of the chosen node", "log": "opcua.log", "count": 1,
             "match": {**conn, "service_type": "WriteRequest", "operation": "write", "status_code_name": "good",
                       "nodes_written": 1, "first_node_written": node, "security_mode": "none"}},
            {"what": "write in operations.log", "log": "operations.log", "count": 1,
             "match": {**conn, "protocol": "opcua", "operation": "write", "state_changing": True}},
            {"what": "server application name and URI", "json": "/identities",
             "match": {"ip": srv, "identity": {"protocol": "opcua", "product": chosen["server_name"],
                                               "extra": [["application_uri", chosen["server_uri"]]]}}},
            {"what": "client application name and URI", "json": "/identities",
             "match": {"ip": cli, "identity": {"protocol": "opcua", "product": chosen["client_name"],
                                               "extra": [["application_uri", chosen["client_uri"]]]}}},
        ],
    }


if __name__ == "__main__":
    harness.actor_main(globals())
