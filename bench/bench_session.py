"""BuildKit session benchmark: dockermagic's session against the docker CLI that opens one.

    python bench/bench_session.py [--repeat N] [--large-files 10000] [--large-mb 200]

The reference is Debian's 20.10 CLI at /usr/bin/docker with DOCKER_BUILDKIT=1 (the `docker`
first on PATH has no BuildKit).  Both build the same folders on the same engine; each keeps its
own snapshot of them on the engine (the session's shared key differs), so each is measured
against its own last build, as a user would see it.  Targets (dockermagic / CLI, medians):

- a cached rebuild of a 10,000-file ~200 MB context   <= 1.0
- the same after changing one file                    <= 1.0
- a cached build of a small context                   <= 1.0
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dockermagic import adapter  # noqa: E402
from dockermagic.engine import connect  # noqa: E402
from dockermagic.session import Session  # noqa: E402

CLI = "/usr/bin/docker"
TAG = "dm-bench/session"


def session_build(engine, ctx: Path, tag: str):
    params = {"version": "2", "t": tag, "dockerfile": "Dockerfile", "rm": "1", "forcerm": "1"}
    with Session(engine, str(ctx), str(ctx)) as session:
        params.update(session.build_params())
        for record in adapter.records(engine.api, "POST", "/build", params=params):
            if "error" in record:
                raise SystemExit(f"build failed: {record['error']}")
    return session.stats.of("context")


def cli_build(ctx: Path, tag: str):
    env = {**os.environ, "DOCKER_BUILDKIT": "1"}
    subprocess.run([CLI, "build", "-q", "-t", tag, str(ctx)], env=env, check=True, stdout=subprocess.DEVNULL)


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def make_small(root: Path) -> Path:
    ctx = root / "small"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text("FROM busybox\nRUN echo small > /small.txt\nCOPY app.sh /app.sh\nCMD [\"sh\"]\n")
    (ctx / "app.sh").write_text("echo hi\n")
    return ctx


def make_large(root: Path, files: int, megabytes: int) -> Path:
    ctx = root / "large"
    ctx.mkdir()
    size = megabytes * 1_000_000 // files
    for i in range(files):
        sub = ctx / f"d{i // 500:03d}"
        sub.mkdir(exist_ok=True)
        (sub / f"f{i:05d}.bin").write_bytes(os.urandom(size))
    (ctx / "Dockerfile").write_text("FROM busybox\nCOPY . /data\n")
    return ctx


def compare(name: str, ours, cli, repeat: int, prepare=None) -> float:
    mine, theirs = [], []
    for _ in range(repeat):  # alternate, so load from others on the machine hits both alike
        if prepare:
            prepare()
        mine.append(timed(ours))
        if prepare:
            prepare()
        theirs.append(timed(cli))
    a, b = statistics.median(mine), statistics.median(theirs)
    print(f"{name:44s} dockermagic {a:6.3f} s   CLI {b:6.3f} s   ratio {a / b:4.2f}", flush=True)
    return a / b


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--large-files", type=int, default=10000)
    parser.add_argument("--large-mb", type=int, default=200)
    args = parser.parse_args()
    engine = connect()
    started = int(time.time())
    tags = [f"{TAG}:{n}-{w}" for n in ("small", "large") for w in ("dm", "cli")]
    with tempfile.TemporaryDirectory(prefix="dm-bench-session-") as tmp:
        root = Path(tmp)
        small, large = make_small(root), make_large(root, args.large_files, args.large_mb)
        os.sync()  # the 200 MB just written is on disk before either builder's first build
        try:
            first = timed(lambda: session_build(engine, large, tags[2]))
            cli_first = timed(lambda: cli_build(large, tags[3]))
            print(f"{'first build of the large context':44s} dockermagic {first:6.3f} s   CLI {cli_first:6.3f} s")
            session_build(engine, small, tags[0])
            cli_build(small, tags[1])
            ratios = {
                "cached large": compare("cached rebuild, large context", lambda: session_build(engine, large, tags[2]),
                                        lambda: cli_build(large, tags[3]), args.repeat),
                "one file": compare("rebuild after one file changed, large", lambda: session_build(engine, large, tags[2]),
                                    lambda: cli_build(large, tags[3]), args.repeat,
                                    prepare=lambda: (large / "d000" / "f00000.bin").write_bytes(os.urandom(1000))),
                "cached small": compare("cached rebuild, small context", lambda: session_build(engine, small, tags[0]),
                                        lambda: cli_build(small, tags[1]), args.repeat),
            }
            stats = session_build(engine, large, tags[2])
            print(f"last rebuild: {stats.files} files described, {stats.files_sent} sent "
                  f"({stats.bytes_sent} bytes), {stats.already_had} already on the engine")
        finally:
            for tag in tags:
                subprocess.run([CLI, "rmi", "-f", tag], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for image in engine.api.images(filters={"dangling": True}):  # earlier builds of our tags
                if image.get("Created", 0) >= started - 1:
                    subprocess.run([CLI, "rmi", image["Id"]], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    failed = [name for name, ratio in ratios.items() if ratio > 1.0]
    print("targets met" if not failed else f"targets missed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
