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
