"""Benchmark dockermagic's swarm against the docker CLI (28) on the same two-node swarm.

    python bench/bench_swarm.py [--runs N]

1. `service create --replicas 2 busybox sleep 3600` until converged: the CLI without `-d` (its
   progress waits for the tasks, then for the monitor period: 5 s), against `services.create`
   then `Service.wait()` in this process (as in a warm kernel, no view).
2. `stack deploy` of a 6-service project (busybox only, two networks, a secret): the CLI's
   `docker stack deploy` (CLI 28: detached, so: until the manager has every object) against
   `stacks.deploy` (detached too).  Then each stack is removed and its networks waited for.

Interleaved runs, medians.  Target: both <= 1.0 x the CLI.  Needs `scripts/engine up swarm`
(its state in /tmp/dockermagic-engine/swarm.env); the default engine is not touched.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SIX = """
services:
  db: {image: busybox:latest, command: sleep 3600, networks: [back], secrets: [pw]}
  cache: {image: busybox:latest, command: sleep 3600, networks: [back]}
  api: {image: busybox:latest, command: sleep 3600, networks: [default, back], deploy: {replicas: 2}}
  worker: {image: busybox:latest, command: sleep 3600, deploy: {replicas: 2}}
  web: {image: busybox:latest, command: sleep 3600, environment: {MODE: bench}}
  proxy: {image: busybox:latest, command: sleep 3600, deploy: {mode: global}}
networks:
  back: {}
secrets:
  pw: {file: ./pw.txt}
"""


def manager() -> str:
    state = Path(os.environ.get("DOCKERMAGIC_STATE", "/tmp/dockermagic-engine")) / "swarm.env"
    for line in state.read_text().splitlines():
        if line.startswith("DOCKERMAGIC_SWARM_MANAGER="):
            return line.split("=", 1)[1]
    raise SystemExit(f"no swarm manager in {state}: scripts/engine up swarm")


def cli(host: str, *args: str) -> float:
    start = time.perf_counter()
    subprocess.run(["docker", "-H", host, *args], check=True, capture_output=True, timeout=300)
    return time.perf_counter() - start


def gone(host: str, stack: str) -> None:
    subprocess.run(["docker", "-H", host, "stack", "rm", stack], capture_output=True)
    for _ in range(120):
        left = subprocess.run(["docker", "-H", host, "network", "ls", "-q", "--filter",
                               f"label=com.docker.stack.namespace={stack}"], capture_output=True, text=True).stdout
        if not left.strip():
            return
        time.sleep(0.5)


def service_create(engine, host: str, runs: int) -> dict:
    from dockermagic.swarm import services

    times = {"cli": [], "dockermagic": []}
    for _ in range(runs):
        name = f"dmbench-{uuid.uuid4().hex[:6]}"
        times["cli"].append(cli(host, "service", "create", "--quiet", "--name", name, "--replicas", "2",
                                "busybox:latest", "sleep", "3600"))
        cli(host, "service", "rm", name)
        name = f"dmbench-{uuid.uuid4().hex[:6]}"
        start = time.perf_counter()
        services.create(engine, "busybox:latest", ["sleep", "3600"], {"name": name, "replicas": "2"}).wait()
        times["dockermagic"].append(time.perf_counter() - start)
        cli(host, "service", "rm", name)
    return times


def stack_deploy(engine, host: str, runs: int) -> dict:
    from dockermagic.swarm import stacks

    times = {"cli": [], "dockermagic": []}
    with tempfile.TemporaryDirectory() as folder:
        compose = Path(folder) / "compose.yaml"
        compose.write_text(SIX)
        (Path(folder) / "pw.txt").write_text("bench")
        for _ in range(runs):
            name = f"dmbench-{uuid.uuid4().hex[:6]}"
            times["cli"].append(cli(host, "stack", "deploy", "--detach=true", "-c", str(compose), name))
            gone(host, name)
            name = f"dmbench-{uuid.uuid4().hex[:6]}"
            start = time.perf_counter()
            stacks.deploy(engine, [str(compose)], name)
            times["dockermagic"].append(time.perf_counter() - start)
            gone(host, name)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from dockermagic.engine.connection import connect

    host = manager()
    engine = connect(host)
    failed = False
    for what, bench in (("service create to converged", service_create), ("stack deploy, 6 services", stack_deploy)):
        times = bench(engine, host, args.runs)
        ours, theirs = statistics.median(times["dockermagic"]), statistics.median(times["cli"])
        ratio = ours / theirs
        failed |= ratio > 1.0
        print(f"{what:32} dockermagic {ours:6.2f}s  CLI {theirs:6.2f}s  ratio {ratio:4.2f}  (target <= 1.0)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
