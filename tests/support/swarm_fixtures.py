"""Fixtures for the swarm tests (tests/swarm/): the two-node swarm `scripts/engine up swarm` starts.

- `swarm`: a manager and a worker, each a dockerd of its own (the worker in a network namespace
  of its own, the two joined by a veth pair 169.254.77.1 <-> 169.254.77.2), and a registry both
  reach at 169.254.77.1:5002.  The default engine never joins it: tests reach the nodes with
  `-H swarm.manager` / `-H swarm.worker`.  Missing: a loud skip here, a failure in CI.
- `swarm_made`: names of the secrets, configs and node labels a test made on the swarm,
  removed at teardown whatever happened.

Asking for `swarm` asks for `engine` too, so conftest marks these tests as engine tests.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field

import pytest

from conftest import ENGINE_SCRIPT, _env_file
from support.engine_fixtures import _missing


@dataclass
class Swarm:
    manager: str                      # unix:///.../manager/docker.sock
    worker: str                       # unix:///.../worker/docker.sock
    registry: str                     # 169.254.77.1:5002, reachable from both nodes
    manager_addr: str                 # the addresses the nodes advertise
    worker_addr: str
    manager_engine: object = field(repr=False, default=None)
    worker_engine: object = field(repr=False, default=None)

    def cli(self, *args, on: str = "manager", check: bool = True, input: str | None = None):
        """The docker CLI (28) pointed at a node: `swarm.cli("node", "ls")`."""
        host = self.manager if on == "manager" else self.worker if on == "worker" else on
        env = {k: v for k, v in os.environ.items() if k not in ("DOCKER_HOST", "DOCKER_CONTEXT")}
        proc = subprocess.run(["docker", "-H", host, *args], capture_output=True, text=True, timeout=60,
                              env=env, input=input)
        if check and proc.returncode != 0:
            raise AssertionError(f"docker -H {host} {' '.join(args)} failed: {proc.stderr.strip()}")
        return proc

    def node_id(self, which: str = "worker") -> str:
        """The node id of the manager or the worker, as the manager knows it."""
        engine = self.manager_engine if which == "manager" else self.worker_engine
        return engine.api.info()["Swarm"]["NodeID"]


@pytest.fixture(scope="session")
def swarm(engine) -> Swarm:
    if os.geteuid() != 0:
        _missing("swarm", "root (a network namespace and a dockerd per node: `scripts/engine up swarm`)")
    proc = subprocess.run([str(ENGINE_SCRIPT), "up", "swarm"], capture_output=True, text=True, timeout=600)
    env = _env_file("swarm.env")
    if proc.returncode != 0 or "DOCKERMAGIC_SWARM_MANAGER" not in env:
        last = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "no swarm.env"
        _missing("swarm", f"a two-node swarm (`scripts/engine up swarm`: {last})")
    from dockermagic.engine.connection import connect

    found = Swarm(env["DOCKERMAGIC_SWARM_MANAGER"], env["DOCKERMAGIC_SWARM_WORKER"],
                  env["DOCKERMAGIC_SWARM_REGISTRY"], env.get("DOCKERMAGIC_SWARM_MANAGER_ADDR", ""),
                  env.get("DOCKERMAGIC_SWARM_WORKER_ADDR", ""))
    found.manager_engine = connect(found.manager)
    found.worker_engine = connect(found.worker)
    return found


class SwarmMade:
    """What a test made on the swarm's manager: secrets, configs, node labels."""

    def __init__(self, swarm: Swarm):
        self.swarm = swarm
        self.secrets: list[str] = []
        self.configs: list[str] = []
        self.labels: list[tuple[str, str]] = []   # (node id, label key)

    def secret(self, name: str) -> str:
        self.secrets.append(name)
        return name

    def config(self, name: str) -> str:
        self.configs.append(name)
        return name

    def label(self, node: str, key: str) -> str:
        self.labels.append((node, key))
        return key

    def cleanup(self) -> None:
        import docker

        api = self.swarm.manager_engine.api
        for name in self.secrets:
            try:
                api.remove_secret(name)
            except docker.errors.NotFound:
                pass
        for name in self.configs:
            try:
                api.remove_config(name)
            except docker.errors.NotFound:
                pass
        for node, key in self.labels:
            try:
                spec = api.inspect_node(node)
            except docker.errors.NotFound:
                continue
            labels = dict(spec["Spec"].get("Labels") or {})
            if key in labels:
                labels.pop(key)
                api.update_node(node, spec["Version"]["Index"], dict(spec["Spec"], Labels=labels))


@pytest.fixture
def swarm_made(swarm):
    tracker = SwarmMade(swarm)
    yield tracker
    tracker.cleanup()


# -- a node of our own that goes away: `lost_node` ---------------------------------------------------
LOST = "dm-swt3"                          # its network namespace, its folder /tmp/dm-swt3
LOST_DIR = f"/tmp/{LOST}"
LOST_HOSTNAME = "swarm-lost"
LOST_VETH_HOST, LOST_VETH_NS = f"{LOST}h", f"{LOST}n"
LOST_HOST_IP, LOST_IP = "169.254.78.1", "169.254.78.2"
LOST_BRIDGE, LOST_BRIDGE_NET = "dm-swb3", "172.31.248.1/24"


def _run(*args, check: bool = True, **kwargs):
    proc = subprocess.run(list(args), capture_output=True, text=True, timeout=60, **kwargs)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed: {proc.stderr.strip()}")
    return proc


class LostNode:
    """A third node that joins the shared swarm as a worker only to be lost: a dockerd of its own
    in its own network namespace (a veth pair 169.254.78.1 <-> .2, a default route through the
    host to the manager at 169.254.77.1:2377, its own bridge and data/exec root under
    /tmp/dm-swt3, hostname swarm-lost), started as scripts/engine starts the shared worker.
    `kill()` ends it with SIGKILL (its process group), as a machine that goes away; `cleanup()`
    removes all of it -- the node from the swarm too -- whatever state it was left in."""

    def __init__(self, swarm: Swarm):
        self.swarm = swarm
        self.host = f"unix://{LOST_DIR}/docker.sock"
        self.proc: subprocess.Popen | None = None
        self.node_id = ""

    def cli(self, *args, check: bool = True, input: str | None = None):
        return self.swarm.cli(*args, on=self.host, check=check, input=input)

    # -- making it ----------------------------------------------------------------------------
    def _net(self) -> None:
        ns = ("ip", "netns", "exec", LOST, "ip")  # `ip` runs fine under `ip netns exec`; dockerd does not
        _run("ip", "netns", "add", LOST)
        _run("ip", "link", "add", LOST_VETH_HOST, "type", "veth", "peer", "name", LOST_VETH_NS)
        _run("ip", "link", "set", LOST_VETH_NS, "netns", LOST)
        _run("ip", "addr", "add", f"{LOST_HOST_IP}/24", "dev", LOST_VETH_HOST)
        _run("ip", "link", "set", LOST_VETH_HOST, "up")
        _run(*ns, "addr", "add", f"{LOST_IP}/24", "dev", LOST_VETH_NS)
        _run(*ns, "link", "set", LOST_VETH_NS, "up")
        _run(*ns, "link", "set", "lo", "up")
        _run(*ns, "route", "add", "default", "via", LOST_HOST_IP)
        _run(*ns, "link", "add", LOST_BRIDGE, "type", "bridge")
        _run(*ns, "addr", "add", LOST_BRIDGE_NET, "dev", LOST_BRIDGE)
        _run(*ns, "link", "set", LOST_BRIDGE, "up")

    def _dockerd(self, timeout: float = 30) -> None:
        import time

        os.makedirs(LOST_DIR, exist_ok=True)
        log = open(f"{LOST_DIR}/dockerd.log", "wb")
        # No registry serves busybox here, and swarm's agent tries to pull a task's image first
        # unless told to prefer the one it has: in this namespace the default route makes that
        # try wait for a timeout (the shared nodes have no route out, so theirs fail at once).
        env = {**os.environ, "DOCKER_SERVICE_PREFER_OFFLINE_IMAGE": "1"}
        self.proc = subprocess.Popen(
            ["unshare", "--uts", "sh", "-c", 'hostname "$0" && exec "$@"', LOST_HOSTNAME,
             "nsenter", f"--net=/var/run/netns/{LOST}", "dockerd", "--host", self.host,
             "--data-root", f"{LOST_DIR}/data", "--exec-root", f"{LOST_DIR}/exec", "--pidfile", f"{LOST_DIR}/docker.pid",
             f"--bridge={LOST_BRIDGE}", "--iptables=false", "--insecure-registry", self.swarm.registry],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout
        while self.cli("version", check=False).returncode != 0:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                with open(f"{LOST_DIR}/dockerd.log", errors="replace") as f:
                    tail = f.read()[-600:]
                raise AssertionError(f"the lost node's dockerd did not start: {tail}")
            time.sleep(0.2)

    def start(self) -> "LostNode":
        import time

        with open("/proc/sys/net/ipv4/ip_forward") as f:
            if f.read().strip() != "1":
                _missing("lost node", "net.ipv4.ip_forward=1 (a node in a namespace of its own routes to the manager)")
        self.cleanup()  # what a run that was itself killed may have left
        self._net()
        self._dockerd()
        token = self.swarm.cli("swarm", "join-token", "-q", "worker").stdout.strip()
        self.cli("swarm", "join", "--advertise-addr", LOST_IP, "--listen-addr", f"{LOST_IP}:2377",
                 "--token", token, f"{self.swarm.manager_addr}:2377")
        self.node_id = self.cli("info", "--format", "{{.Swarm.NodeID}}").stdout.strip()
        env = {k: v for k, v in os.environ.items() if k not in ("DOCKER_HOST", "DOCKER_CONTEXT")}
        saved = subprocess.run(["docker", "save", "busybox:latest"], capture_output=True, timeout=60, env=env, check=True)
        loaded = subprocess.run(["docker", "-H", self.host, "load", "-q"], input=saved.stdout, capture_output=True,
                                timeout=60, env=env)
        assert loaded.returncode == 0, loaded.stderr
        deadline = time.monotonic() + 20
        while self.swarm.cli("node", "inspect", "-f", "{{.Status.State}}", self.node_id).stdout.strip() != "ready":
            assert time.monotonic() < deadline, "the lost node did not become ready"
            time.sleep(0.2)
        return self

    # -- losing it ----------------------------------------------------------------------------
    def kill(self) -> None:
        """SIGKILL to the dockerd's process group: no goodbye to the manager, as a machine that dies."""
        import signal

        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    @staticmethod
    def _ours() -> list[int]:
        """The processes the node's dockerd left (its containerd, shims and the tasks' processes
        under them): those whose command line names its folder, and their descendants."""
        parents, roots = {}, []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    cmdline = f.read()
                with open(f"/proc/{entry}/stat") as f:
                    stat = f.read()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
            program = os.path.basename(cmdline.split(b"\0", 1)[0]).decode(errors="replace")
            if program.startswith(("dockerd", "containerd")) and f"{LOST_DIR}/".encode() in cmdline:
                roots.append(int(entry))
        found, todo = set(roots), list(roots)
        while todo:
            pid = todo.pop()
            for child, parent in parents.items():
                if parent == pid and child not in found:
                    found.add(child)
                    todo.append(child)
        return sorted(found)

    def cleanup(self) -> None:
        import signal

        self.kill()
        for pid in self._ours():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        # the node, on the manager (by its id, or any down node named swarm-lost a killed run left)
        ids = [self.node_id] if self.node_id else []
        listed = self.swarm.cli("node", "ls", "--format", "{{.ID}} {{.Hostname}} {{.Status}}", check=False).stdout
        ids += [line.split()[0] for line in listed.splitlines()
                if line.split()[1:2] == [LOST_HOSTNAME] and line.split()[0] not in ids]
        for node in ids:
            self.swarm.cli("node", "rm", "--force", node, check=False)
        with open("/proc/mounts") as f:
            mounts = [line.split()[1] for line in f if line.split()[1].startswith(LOST_DIR + "/")]
        for point in sorted(mounts, key=len, reverse=True):
            if _run("umount", point, check=False).returncode != 0:
                _run("umount", "-l", point, check=False)
        with open("/proc/mounts") as f:
            if not any(line.split()[1].startswith(LOST_DIR + "/") for line in f):
                _run("rm", "-rf", LOST_DIR, check=False)
        if os.path.exists(f"/var/run/netns/{LOST}"):
            _run("ip", "netns", "del", LOST, check=False)  # its veth end and its bridge go with it
        if _run("ip", "link", "show", LOST_VETH_HOST, check=False).returncode == 0:
            _run("ip", "link", "del", LOST_VETH_HOST, check=False)


@pytest.fixture
def lost_node(swarm):
    """A third node (swarm-lost) joined to the shared swarm, to be killed by the test; removed
    from the swarm and the machine afterwards, whatever happened.  One at a time on a machine
    (a lock file): its names are fixed."""
    import fcntl
    import time

    if os.geteuid() != 0:
        _missing("lost node", "root (a network namespace and a dockerd of its own)")
    with open(f"/tmp/{LOST}.lock", "w") as lock:
        deadline = time.monotonic() + 120
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                assert time.monotonic() < deadline, f"another run held /tmp/{LOST}.lock for 120s"
                time.sleep(0.5)
        node = LostNode(swarm)
        try:
            yield node.start()
        finally:
            node.cleanup()

# -- a throwaway single-node swarm of its own ------------------------------------------------------
LONE_DIR = "/tmp/dm-swca"            # socket, data root, exec root, log
LONE_BRIDGE = ("dm-swb9", "172.31.249.1/24")        # the containers' bridge (--bridge)
LONE_GWBRIDGE = ("dm-swg9", "172.31.248.0/24")      # docker_gwbridge's, made before init (see below)
LONE_INIT = ("--advertise-addr", "127.0.0.1", "--listen-addr", "127.0.0.1:2387",
             "--default-addr-pool", "10.232.0.0/16", "--data-path-port", "4799")


class LoneEngine:
    """A dockerd of its own (host namespace, own socket, data and exec root, bridge dm-swb9,
    --iptables=false) for what must not happen to the shared swarm: a swarm made with a given root
    CA, a CA rotation, an autolocked manager restarted and unlocked.

    Two things keep it off the shared swarm's manager, which lives in the same network namespace:
    its `docker_gwbridge` is made before `swarm init` with a Linux bridge of its own (dm-swg9:
    without it both daemons would use the one bridge named docker_gwbridge), and its overlay
    traffic uses data path port 4799 (the VXLAN socket is per namespace and port: on 4789 both
    swarms' ingress networks would ask for VNI 4096 on the same socket)."""

    def __init__(self, folder: str = LONE_DIR):
        from pathlib import Path

        self.folder = Path(folder)
        self.address = f"unix://{self.folder}/docker.sock"
        self.proc = None
        self._log = None

    # -- the daemon -------------------------------------------------------------------------
    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "docker.pid").unlink(missing_ok=True)
        self._log = open(self.folder / "dockerd.log", "ab")
        self.proc = subprocess.Popen(
            ["dockerd", "--host", self.address, "--data-root", str(self.folder / "data"),
             "--exec-root", str(self.folder / "exec"), "--pidfile", str(self.folder / "docker.pid"),
             "--bridge", LONE_BRIDGE[0], "--iptables=false"],
            stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        import time

        deadline = time.monotonic() + 60
        while self.cli("version", "--format", "{{.Server.Version}}", check=False).returncode != 0:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the throwaway dockerd ended: {(self.folder / 'dockerd.log').read_text()[-800:]}")
            if time.monotonic() > deadline:
                raise RuntimeError("the throwaway dockerd did not answer within 60 s")
            time.sleep(0.2)

    def stop(self) -> None:
        """Its process group (dockerd and its containerd), TERM then KILL."""
        import signal

        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(40)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        try:  # containerd-shims and the managed containerd share the group: none outlives the test
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc = None
        if self._log:
            self._log.close()
            self._log = None
        self._forget()

    def restart(self) -> None:
        self.stop()
        self.start()

    def _forget(self) -> None:
        """docker-py's cached connection to it: a restarted daemon is a new socket."""
        from dockermagic.engine import connection

        for cached in [e for e in connection._engines.values() if e.address == self.address]:
            connection.forget(cached)

    @property
    def engine(self):
        from dockermagic.engine.connection import connect

        return connect(self.address)

    def cli(self, *args, check: bool = True, input: str | None = None):
        env = {k: v for k, v in os.environ.items() if k not in ("DOCKER_HOST", "DOCKER_CONTEXT")}
        proc = subprocess.run(["docker", "-H", self.address, *args], capture_output=True, text=True, timeout=120,
                              env=env, input=input)
        if check and proc.returncode != 0:
            raise AssertionError(f"docker -H {self.address} {' '.join(args)} failed: {proc.stderr.strip()}")
        return proc

    # -- its swarm --------------------------------------------------------------------------
    def state(self) -> str:
        return self.cli("info", "--format", "{{.Swarm.LocalNodeState}}").stdout.strip()

    def gateway_bridge(self) -> None:
        """docker_gwbridge on a Linux bridge of its own, before a swarm asks for one."""
        if self.cli("network", "inspect", "docker_gwbridge", check=False).returncode == 0:
            return
        name, subnet = LONE_GWBRIDGE
        self.cli("network", "create", "--subnet", subnet, "--opt", f"com.docker.network.bridge.name={name}",
                 "--opt", "com.docker.network.bridge.enable_icc=false",
                 "--opt", "com.docker.network.bridge.enable_ip_masquerade=false", "docker_gwbridge")

    def leave(self) -> None:
        if self.state() not in ("inactive", ""):
            self.cli("swarm", "leave", "--force", check=False)

    def init(self, *extra: str) -> None:
        """A fresh single-node swarm (the one before left), by the CLI."""
        self.leave()
        self.gateway_bridge()
        self.cli("swarm", "init", *LONE_INIT, *extra)

    def in_use(self) -> bool:
        """A dockerd of another run (or one a stopped run left) still serves this folder."""
        try:
            pid = int((self.folder / "docker.pid").read_text())
            return str(self.folder) in open(f"/proc/{pid}/cmdline").read()
        except (OSError, ValueError):
            return False

    def cleanup(self) -> None:
        import shutil

        self.stop()
        for mounted in sorted({line.split()[1] for line in open("/proc/mounts") if f" {self.folder}/" in line},
                              key=len, reverse=True):
            subprocess.run(["umount", "-l", mounted], capture_output=True)
        for bridge in (LONE_GWBRIDGE[0], LONE_BRIDGE[0]):
            subprocess.run(["ip", "link", "del", bridge], capture_output=True)
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture(scope="module")
def lone_engine(engine):
    """A throwaway dockerd (`LoneEngine`) for one test module, in no swarm to start with;
    stopped, unmounted and removed with its bridges at the module's end."""
    import shutil

    if os.geteuid() != 0 or shutil.which("dockerd") is None:
        _missing("throwaway swarm", "root and dockerd (a dockerd of its own)")
    lone = LoneEngine()
    import time

    deadline = time.monotonic() + 180
    while lone.in_use():  # another run's: never stopped from here
        if time.monotonic() > deadline:
            _missing("throwaway swarm", f"{LONE_DIR} free: a dockerd another run started still uses it")
        time.sleep(2)
    lone.cleanup()  # what a run stopped half way left: mounts, bridges, the folder
    name, address = LONE_BRIDGE
    subprocess.run(["ip", "link", "add", name, "type", "bridge"], check=True, capture_output=True)
    subprocess.run(["ip", "addr", "add", address, "dev", name], check=True, capture_output=True)
    subprocess.run(["ip", "link", "set", name, "up"], check=True, capture_output=True)
    try:
        lone.start()
        yield lone
    finally:
        lone.cleanup()
