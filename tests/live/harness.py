#!/usr/bin/env python3
"""Live tests: real third-party protocol stacks in network namespaces.

    harness.py OUTDIR [SCENARIO...]

Every scenario builds two or three network namespaces (a veth pair, or a
bridge in a switch namespace), starts tcpdump, runs a server and a client of
a real stack with values chosen at random by the test, stops everything,
removes its namespaces (also when a step fails), and writes

    OUTDIR/<scenario>/capture.pcap    what tcpdump saw
    OUTDIR/<scenario>/expected.json   the values chosen, and the checks the
                                      Rust test (crates/plantguard/tests/live.rs)
                                      runs against `plantguard assess`
    OUTDIR/<scenario>/logs/           output of every server and client

Addresses are in 10.99.0.0/16 and exist only inside the namespaces made
here: the root namespace gets no interface, address or route. Every process
is started with a time limit; every client loop is bounded.

A scenario module (`scenario_*.py`) has `NAME`, `run(lab) -> dict` and
`actor_*` functions; the module is also the program that runs its actors
inside a namespace (`python scenario_x.py ACTOR JSON-ARGS`).
"""

import importlib
import json
import os
import random
import shutil
import signal
import string
import subprocess
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
SCENARIOS = ["modbus", "s7", "enip", "opcua", "bacnet_iec104", "it"]
NETNS_ETC = "/etc/netns"
RUN_TAG = f"pgl{os.getpid() % 100000:05d}"  # namespaces of this run: pgl<pid>-<scenario index><host>
LABS = []  # labs not yet torn down (for the signal handler)


class StepFailed(Exception):
    pass


def sh(*argv, check=True, timeout=20):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise StepFailed(f"{' '.join(argv)}: rc={r.returncode} {r.stderr.strip()}")
    return r.stdout


def rand_word(n, alphabet=string.ascii_uppercase + string.digits):
    return "".join(random.choice(alphabet) for _ in range(n))


class Lab:
    """The namespaces, processes and capture of one scenario."""

    def __init__(self, name, index, outdir):
        self.name = name
        self.index = index  # 10.99.<index>.0/24
        self.out = os.path.join(outdir, name)
        shutil.rmtree(self.out, ignore_errors=True)
        self.logs = os.path.join(self.out, "logs")
        os.makedirs(self.logs)
        self.scratch = os.path.join(self.out, "scratch")  # server files (FTP root, configs)
        os.makedirs(self.scratch)
        self.namespaces = []  # (short name, netns name)
        self.procs = []  # (label, Popen)
        self.capture_proc = None
        self.module = None
        self.t0 = time.time()
        self.events = []
        LABS.append(self)

    # -------------------------------------------------------------- network
    def ip(self, host):
        return f"10.99.{self.index}.{host}"

    def ns(self, short):
        return f"{RUN_TAG}-{self.index}{short}"

    def add_ns(self, short, hostname):
        ns = self.ns(short)
        sh("ip", "netns", "add", ns)
        self.namespaces.append((short, ns))
        self.nsx(short, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
                 "net.ipv6.conf.default.disable_ipv6=1")
        self.nsx(short, "ip", "link", "set", "lo", "up")
        etc = os.path.join(NETNS_ETC, ns)
        os.makedirs(etc, exist_ok=True)
        with open(os.path.join(etc, "hosts"), "w") as f:
            f.write(f"127.0.0.1 localhost\n")
        with open(os.path.join(etc, "resolv.conf"), "w") as f:
            f.write("nameserver 127.0.0.1\n")  # nothing is looked up outside the lab
        self.hostnames = getattr(self, "hostnames", {})
        self.hostnames[short] = hostname
        return ns

    def nsx(self, short, *argv, check=True, timeout=20):
        return sh("ip", "netns", "exec", self.ns(short), *argv, check=check, timeout=timeout)

    def _hosts_line(self, short, ip):
        with open(os.path.join(NETNS_ETC, self.ns(short), "hosts"), "a") as f:
            f.write(f"{ip} {self.hostnames[short]}\n")

    def pair(self, a, a_host, b, b_host, macs=None):
        """Two hosts joined by a veth pair: 10.99.<index>.<a_host> and .<b_host>, both eth0."""
        ipa, ipb = self.ip(a_host), self.ip(b_host)
        tmp_a, tmp_b = f"{RUN_TAG}a", f"{RUN_TAG}b"
        macs = macs or (f"02:99:{self.index:02x}:00:00:{a_host:02x}", f"02:99:{self.index:02x}:00:00:{b_host:02x}")
        self.nsx(a, "ip", "link", "add", tmp_a, "address", macs[0], "type", "veth", "peer", "name", tmp_b,
                 "address", macs[1])
        self.nsx(a, "ip", "link", "set", tmp_b, "netns", self.ns(b))
        for short, tmp, ip in ((a, tmp_a, ipa), (b, tmp_b, ipb)):
            self.nsx(short, "ip", "link", "set", tmp, "name", "eth0")
            self.nsx(short, "ip", "addr", "add", f"{ip}/24", "brd", "+", "dev", "eth0")
            self.nsx(short, "ip", "link", "set", "eth0", "up")
            self._hosts_line(short, ip)
        return ipa, ipb

    def lan(self, switch, switch_host, hosts):
        """A bridge `br0` in namespace `switch`, which has address .<switch_host> on it (the
        capture point, like a host with a built-in switch); each (short, host number[, mac])
        gets eth0 on the bridge."""
        self.nsx(switch, "ip", "link", "add", "br0", "address", f"02:99:{self.index:02x}:00:00:{switch_host:02x}",
                 "type", "bridge", "stp_state", "0", "forward_delay", "0")
        self.nsx(switch, "ip", "addr", "add", f"{self.ip(switch_host)}/24", "brd", "+", "dev", "br0")
        self.nsx(switch, "ip", "link", "set", "br0", "up")
        self._hosts_line(switch, self.ip(switch_host))
        ips = [self.ip(switch_host)]
        for i, (short, host, *mac) in enumerate(hosts):
            ip = self.ip(host)
            tmp, port = f"{RUN_TAG}t", f"p{i}"
            mac = mac[0] if mac else f"02:99:{self.index:02x}:00:00:{host:02x}"
            self.nsx(switch, "ip", "link", "add", tmp, "address", mac, "type", "veth", "peer", "name", port)
            self.nsx(switch, "ip", "link", "set", tmp, "netns", self.ns(short))
            self.nsx(switch, "ip", "link", "set", port, "master", "br0")
            self.nsx(switch, "ip", "link", "set", port, "up")
            self.nsx(short, "ip", "link", "set", tmp, "name", "eth0")
            self.nsx(short, "ip", "addr", "add", f"{ip}/24", "brd", "+", "dev", "eth0")
            self.nsx(short, "ip", "link", "set", "eth0", "up")
            self._hosts_line(short, ip)
            ips.append(ip)
        return ips

    # -------------------------------------------------------------- processes
    def _argv_in(self, short, argv):
        # Own UTS namespace: each host has its own name; nothing sees the build machine's name.
        return ["ip", "netns", "exec", self.ns(short), "unshare", "--uts", "sh", "-c",
                'hostname "$0" && exec "$@"', self.hostnames[short], *argv]

    def module_python(self):
        return sys.executable

    def actor(self, name, **kwargs):
        return [sys.executable, self.module.__file__, name, json.dumps(kwargs)]

    def spawn(self, label, short, argv, lifetime=60, env=None):
        """A background process (a server) in a namespace; killed at stop() or after `lifetime` s."""
        logf = open(os.path.join(self.logs, f"{label}.log"), "w")
        p = subprocess.Popen(["timeout", "-s", "KILL", str(lifetime), *self._argv_in(short, argv)],
                             stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             start_new_session=True, cwd=self.scratch, env={**os.environ, **(env or {})})
        self.procs.append((label, p))
        return p

    def run(self, label, short, argv, timeout=30, check=True, env=None):
        """A one-shot client in a namespace, with a time limit; its output goes to logs/<label>.log."""
        t0 = time.time()
        try:
            r = subprocess.run(self._argv_in(short, argv), capture_output=True, text=True, timeout=timeout,
                               stdin=subprocess.DEVNULL, cwd=self.scratch, env={**os.environ, **(env or {})},
                               start_new_session=True)
            rc, out = r.returncode, r.stdout + r.stderr
        except subprocess.TimeoutExpired as e:
            rc, out = "timeout", ((e.stdout or b"").decode(errors="replace") + (e.stderr or b"").decode(errors="replace"))
        with open(os.path.join(self.logs, f"{label}.log"), "w") as f:
            f.write(out)
        self.events.append({"label": label, "rc": rc, "seconds": round(time.time() - t0, 2)})
        print(f"    {self.name}: {label} rc={rc} ({time.time() - t0:.1f} s)", flush=True)
        if check and rc != 0:
            raise StepFailed(f"{label} failed (rc={rc}):\n{out[-3000:]}")
        return out

    def wait_listen(self, short, port, proto="tcp", timeout=20):
        """Wait until something in the namespace listens on `port`."""
        flag = "-ltnH" if proto == "tcp" else "-lunH"
        end = time.time() + timeout
        while time.time() < end:
            out = self.nsx(short, "ss", flag, check=False)
            if any(line.split()[3].rsplit(":", 1)[-1] == str(port) for line in out.splitlines() if line.split()):
                return
            dead = [(n, p.returncode) for n, p in self.procs if p.poll() is not None]
            if dead:
                break
            time.sleep(0.2)
        self.dump_logs()
        raise StepFailed(f"nothing listens on {proto}/{port} in {short}")

    def dump_logs(self):
        for label, p in self.procs:
            path = os.path.join(self.logs, f"{label}.log")
            tail = open(path, errors="replace").read()[-1500:] if os.path.exists(path) else ""
            print(f"    --- {label} (rc={p.poll()}):\n{tail}", file=sys.stderr, flush=True)

    def capture(self, short, iface="eth0"):
        """tcpdump in a namespace; packets to capture.pcap (written unbuffered)."""
        path = os.path.join(self.out, "capture.pcap")
        err = open(os.path.join(self.logs, "tcpdump.log"), "w")
        self.capture_proc = subprocess.Popen(
            ["timeout", "-s", "KILL", "120", "ip", "netns", "exec", self.ns(short), "tcpdump", "-i", iface, "-n",
             "-s", "0", "-U", "--immediate-mode", "-Z", "root", "-w", path], stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
        end = time.time() + 10
        while time.time() < end:
            if "listening on" in open(os.path.join(self.logs, "tcpdump.log")).read():
                return
            if self.capture_proc.poll() is not None:
                raise StepFailed("tcpdump exited: " + open(os.path.join(self.logs, "tcpdump.log")).read())
            time.sleep(0.1)
        raise StepFailed("tcpdump did not start")

    # -------------------------------------------------------------- teardown
    def stop(self):
        """Stop servers, then the capture, then remove the namespaces. Safe to call twice."""
        for _label, p in reversed(self.procs):
            _kill(p)
        self.procs.clear()
        if self.capture_proc is not None:
            time.sleep(0.3)  # last packets
            _kill(self.capture_proc, sig=signal.SIGINT)
            self.capture_proc = None
        for _short, ns in self.namespaces:
            for pid in sh("ip", "netns", "pids", ns, check=False).split():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
        for _short, ns in self.namespaces:
            sh("ip", "netns", "del", ns, check=False)
            shutil.rmtree(os.path.join(NETNS_ETC, ns), ignore_errors=True)
        self.namespaces.clear()
        if self in LABS:
            LABS.remove(self)


def _kill(p, sig=signal.SIGTERM):
    if p.poll() is not None:
        return
    try:
        os.killpg(p.pid, sig)
    except ProcessLookupError:
        return
    try:
        p.wait(3)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        p.wait(3)


def teardown_all():
    for lab in list(LABS):
        try:
            lab.stop()
        except Exception:  # noqa: BLE001
            traceback.print_exc()


def run_scenario(name, outdir):
    index = SCENARIOS.index(name) + 1
    module = importlib.import_module(f"scenario_{name}")
    lab = Lab(name, index, outdir)
    lab.module = module
    t0 = time.time()
    try:
        expected = module.run(lab)
    except Exception:
        lab.dump_logs()
        raise
    finally:
        lab.stop()
        shutil.rmtree(lab.scratch, ignore_errors=True)
    expected.setdefault("scenario", name)
    expected["capture"] = "capture.pcap"
    expected["seconds"] = round(time.time() - t0, 1)
    expected["steps"] = lab.events
    with open(os.path.join(lab.out, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
    return expected


def actor_main(module_globals):
    """Entry point of a scenario module run as an actor: `scenario_x.py NAME JSON`."""
    import logging
    logging.basicConfig(level=logging.WARNING)
    name, args = sys.argv[1], json.loads(sys.argv[2])
    module_globals["actor_" + name.replace("-", "_")](args)


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    if os.geteuid() != 0:
        print("live tests need root (network namespaces)", file=sys.stderr)
        return 2
    outdir = os.path.abspath(sys.argv[1])
    wanted = sys.argv[2:] or SCENARIOS
    unknown = [w for w in wanted if w not in SCENARIOS]
    if unknown:
        print(f"unknown scenarios {unknown}; known: {SCENARIOS}", file=sys.stderr)
        return 2
    os.makedirs(outdir, exist_ok=True)
    sys.path.insert(0, HERE)
    seed = int(os.environ.get("PLANTGUARD_LIVE_SEED", str(int(time.time() * 1000) % 2**31)))
    random.seed(seed)
    print(f"live: seed {seed} (PLANTGUARD_LIVE_SEED to repeat), output in {outdir}", flush=True)

    def on_signal(signum, _frame):
        raise SystemExit(f"live: signal {signum}")
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    failed = []
    t0 = time.time()
    try:
        for name in wanted:
            t = time.time()
            print(f"  scenario {name}", flush=True)
            try:
                run_scenario(name, outdir)
                print(f"  scenario {name}: ok ({time.time() - t:.1f} s)", flush=True)
            except (StepFailed, subprocess.SubprocessError, OSError) as e:
                failed.append(name)
                print(f"  scenario {name}: FAILED ({time.time() - t:.1f} s): {e}", file=sys.stderr, flush=True)
                with open(os.path.join(outdir, name, "FAILED"), "w") as f:
                    f.write(str(e) + "\n")
    finally:
        teardown_all()
        left = [l for l in sh("ip", "netns", "list", check=False).splitlines() if l.startswith(RUN_TAG)]
        if left:
            print(f"live: namespaces left behind: {left}", file=sys.stderr)
            failed.append("teardown")
    print(f"live: {len(wanted) - len([f for f in failed if f != 'teardown'])} scenarios captured, "
          f"{len(failed)} failed, {time.time() - t0:.1f} s", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
