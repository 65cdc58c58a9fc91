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
