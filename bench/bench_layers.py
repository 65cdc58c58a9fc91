"""`%docker_layers` on an image with one big layer, against `docker save IMAGE > /dev/null` and a
plain walk of the same stream's tar headers (stdlib `tarfile` in stream mode), in the same run.

    python bench/bench_layers.py [--mb 300] [--repeat 5]

Needs a running engine with busybox:latest.  Reading the stream is the floor: the engine
makes the archive as it sends it, so `docker save` to /dev/null is what any reader pays.
Methods alternate within each round; the median and best of the rounds are reported, with
the ratios to the CLI (target: magic/CLI <= 1.5), and the kernel's resident memory growth
while the magic lists the layer (target: < 100 MB; sampled every 10 ms).  The cache of layers
is emptied before each magic round, so every round really reads.  The image is removed.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import subprocess
import sys
import tarfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from leftovers import Leftovers  # noqa: E402

METHODS = ("magic", "tar walk", "cli")


def rss() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


class Chunks(io.RawIOBase):
    """The save stream as a file, for `tarfile`."""

    def __init__(self, chunks):
        self._chunks, self._left = iter(chunks), b""

    def readable(self):
        return True

    def readinto(self, buffer):
        while not self._left:
            self._left = next(self._chunks, None)
            if self._left is None:
                return 0
        n = min(len(buffer), len(self._left))
        buffer[:n], self._left = self._left[:n], self._left[n:]
        return n


def tar_walk(api, image: str) -> int:
    stream = io.BufferedReader(Chunks(api.get_image(image, chunk_size=1 << 20)), 1 << 20)
    members = 0
    with tarfile.open(fileobj=stream, mode="r|") as outer:
        for member in outer:
            members += 1
    return members


def magic(ip, image: str) -> int:
    from dockermagic.images import archive

    archive.LISTINGS.clear()
    archive.CONFIGS.clear()
    peak, start, done = [0], rss(), threading.Event()

    def sample():
        while not done.wait(0.01):
            peak[0] = max(peak[0], rss())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    with contextlib.redirect_stdout(io.StringIO()):
        ip.run_line_magic("docker_layers", image)
    done.set()
    sampler.join()
    return max(0, peak[0] - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=300, help="size of the big layer, in MB")
    parser.add_argument("--repeat", type=int, default=5, help="rounds")
    args = parser.parse_args()

    from IPython.testing.globalipapp import start_ipython

    from dockermagic.engine.connection import connect

    api = connect().api
    ip = start_ipython()
    ip.run_line_magic("load_ext", "dockermagic")
    image = f"dm-bench/layers-{uuid.uuid4().hex[:8]}:1"
    dockerfile = f"FROM busybox\nRUN head -c {args.mb * 1_000_000} /dev/urandom > /big\n"
    times: dict = {m: [] for m in METHODS}
    growth = []
    with Leftovers(api) as made:
        log = []
        try:
            for record in api.build(fileobj=io.BytesIO(dockerfile.encode()), tag=made.name(image), rm=True,
                                    forcerm=True, labels=made.labels, decode=True):
                if "error" in record:
                    raise SystemExit(record["error"])
                log.append(record.get("stream", ""))
        finally:
            made.built(log)
        for _ in range(args.repeat):
            for method in METHODS:
                start = time.perf_counter()
                if method == "magic":
                    growth.append(magic(ip, image))
                elif method == "tar walk":
                    tar_walk(api, image)
                else:
                    subprocess.run(["docker", "save", image], stdout=subprocess.DEVNULL, check=True)
                times[method].append(time.perf_counter() - start)
    cli = statistics.median(times["cli"])
    print(f"image: busybox + one {args.mb} MB layer, {args.repeat} rounds")
    for method in METHODS:
        median, best = statistics.median(times[method]), min(times[method])
        print(f"{method:>9}: median {median:.2f} s, best {best:.2f} s, /CLI {median / cli:.2f} (best {best / min(times['cli']):.2f})")
    print(f"magic: resident memory growth {max(growth) / 1e6:.1f} MB at most (target < 100 MB)")


if __name__ == "__main__":
    main()
