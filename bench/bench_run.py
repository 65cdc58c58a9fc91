"""Benchmark `%docker_run` against the docker CLI and docker-py, and its bounds on huge output.

    python bench/bench_run.py [--runs N] [--lines N]

1. `%docker_run --rm busybox echo hi` in a live IPython shell, `docker run --rm busybox echo
   hi` (the CLI, as a subprocess) and docker-py's `containers.run(..., remove=True)`,
   interleaved in one run; medians and ratios.  Target: magic / CLI <= 1.0.
2. A container printing N (100,000) lines, run by `%docker_run` in a notebook executed with
   nbclient: the saved cell's output JSON (target <= 256 KB) and the kernel's memory growth
   (target <= 50 MB; read from /proc/self/status inside the kernel).

Needs a running engine with `busybox:latest` (`scripts/engine up`).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from leftovers import Leftovers

COMMAND = ["busybox", "echo", "hi"]


def time_startup(runs: int, made: Leftovers) -> dict[str, list[float]]:
    import docker
    from IPython.testing.globalipapp import start_ipython

    ip = start_ipython()
    ip.run_line_magic("load_ext", "dockermagic")
    client = docker.from_env()

    # each way labels its container: one left by a Ctrl-C (docker-py removes after its wait) is found
    def magic():
        with contextlib.redirect_stdout(io.StringIO()) as out:
            result = ip.run_line_magic("docker_run", f"--rm --label {made.label} " + " ".join(COMMAND))
        assert result.stdout == "hi\n" and "hi" in out.getvalue(), result

    def cli():
        proc = subprocess.run(["docker", "run", "--rm", "--label", made.label, *COMMAND], capture_output=True,
                              text=True, check=True)
        assert proc.stdout == "hi\n"

    def docker_py():
        assert client.containers.run(COMMAND[0], COMMAND[1:], remove=True, labels=made.labels) == b"hi\n"

    ways = {"magic": magic, "cli": cli, "docker-py": docker_py}
    for way in ways.values():  # warm up: imports, connections, page cache
        way()
    times: dict[str, list[float]] = {name: [] for name in ways}
    for _ in range(runs):
        for name, way in ways.items():
            began = time.perf_counter()
            way()
            times[name].append(time.perf_counter() - began)
    return times


NOTEBOOK_CELLS = [
    "%load_ext dockermagic\n"
    "def memory():\n"
    "    fields = dict(line.split(':', 1) for line in open('/proc/self/status'))\n"
    "    return {k: int(fields[k].split()[0]) * 1024 for k in ('VmRSS', 'VmHWM')}\n"
    "_ = %docker_run --rm --label {label} busybox true",
    "import gc; gc.collect(); before = memory()",
    None,  # the measured cell
    "import gc, time; gc.collect(); after = memory()\n"
    "print(json.dumps({'rss_growth': after['VmRSS'] - before['VmRSS'],\n"
    "                  'peak_growth': after['VmHWM'] - before['VmRSS'],\n"
    "                  'lines': run.logs.count('\\n'), 'log_bytes': run.store.bytes,\n"
    "                  'on_disk': run.store.on_disk, 'seconds': run.duration}))",
]


def time_huge_output(lines: int, made: Leftovers) -> dict:
    import nbformat
    from nbclient import NotebookClient

    measured = f"run = %docker_run --rm --label {made.label} busybox sh -c 'seq 1 {lines} | sed \"s/$/ the quick brown fox jumps over the lazy dog/\"'"
    cells = [c if c is not None else measured for c in NOTEBOOK_CELLS]
    cells[0] = "import json\n" + cells[0].replace("{label}", made.label)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    with tempfile.TemporaryDirectory() as tmp:
        began = time.perf_counter()
        NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": tmp}}).execute()
        took = time.perf_counter() - began
        saved = Path(tmp) / "huge.ipynb"
        nbformat.write(nb, saved)
        notebook_bytes = saved.stat().st_size
    report = json.loads(nb.cells[3].outputs[0]["text"])
    report.update(cell_output_bytes=len(json.dumps(nb.cells[2].outputs)), notebook_bytes=notebook_bytes,
                  notebook_seconds=took)
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--lines", type=int, default=100_000)
    args = parser.parse_args()

    with Leftovers() as made:
        times = time_startup(args.runs, made)
        medians = {name: statistics.median(values) for name, values in times.items()}
        print(f"docker run --rm busybox echo hi, {args.runs} runs each, interleaved (median, min, max):")
        for name, values in times.items():
            print(f"  {name:<10} {medians[name] * 1000:7.0f} ms  (min {min(values) * 1000:.0f}, max {max(values) * 1000:.0f})")
        ratio = medians["magic"] / medians["cli"]
        print(f"  magic / CLI       = {ratio:.2f}   (target <= 1.0)")
        print(f"  magic / docker-py = {medians['magic'] / medians['docker-py']:.2f}")
        print(f"  docker-py / CLI   = {medians['docker-py'] / medians['cli']:.2f}")

        huge = time_huge_output(args.lines, made)

    mb = 1024 * 1024
    print(f"\n%docker_run printing {huge['lines']:,} lines ({huge['log_bytes'] / mb:.1f} MB) in a notebook (nbclient):")
    print(f"  saved cell output      {huge['cell_output_bytes'] / 1024:7.1f} KB   (target <= 256 KB)")
    print(f"  whole saved notebook   {huge['notebook_bytes'] / 1024:7.1f} KB")
    print(f"  kernel RSS growth      {huge['rss_growth'] / mb:7.1f} MB   (target <= 50 MB)")
    print(f"  kernel peak growth     {huge['peak_growth'] / mb:7.1f} MB   (peak RSS during the run minus RSS before)")
    print(f"  full log spooled to disk: {huge['on_disk']}; run took {huge['seconds']:.1f} s")
    ok = ratio <= 1.0 and huge["cell_output_bytes"] <= 256 * 1024 and huge["peak_growth"] <= 50 * mb
    print("\nall targets met" if ok else "\nsome target missed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
