"""Push and pull the same kind of image through the magics, raw docker-py and the docker CLI.

    python bench/bench_transfer.py [--registry 127.0.0.1:5000] [--mb 24] [--layers 4] [--repeat 5]

Needs a running engine with busybox:latest and an open registry (`scripts/engine up registry`).

Each method gets its own image of identical shape (same layer count and sizes, different
random bytes) pushed to a fresh repository, so every push really uploads (an engine mounts a
blob it has pushed before instead of sending it again) and every pull, after the image is
removed, really downloads.  Methods alternate within each round; the median and the best of
the rounds are reported (a shared machine is noisy: the best is the steadier figure), with
magic/CLI and magic/docker-py ratios (target: magic/CLI <= 1.05: the engine
does the work, the view must not slow it).  Then a 20-layer push in widget mode counts the
view's redraws per second (target: about ten at most).  Everything made is removed.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from leftovers import Leftovers  # noqa: E402

METHODS = ("magic", "docker-py", "cli")


def dockerfile(tag: str, layers: int, mb: float) -> str:
    kb = int(mb * 1000 / layers)
    runs = "".join(f"RUN head -c {kb * 1000} /dev/urandom > /blob-{i}-{tag}\n" for i in range(layers))
    return f"FROM busybox\n{runs}"


def build(made: Leftovers, name: str, text: str) -> None:
    log = []
    try:
        for record in made.api.build(fileobj=io.BytesIO(text.encode()), tag=made.name(name), rm=True, forcerm=True,
                                     labels=made.labels, decode=True):
            if "error" in record:
                raise SystemExit(f"building {name} failed: {record['error']}")
            log.append(record.get("stream", ""))
    finally:
        made.built(log)


def shell():
    from IPython.testing.globalipapp import start_ipython

    ip = start_ipython()
    ip.run_line_magic("load_ext", "dockermagic")
    return ip


def quiet():
    """The magics' text view prints as the CLI does; keep it out of the report."""
    return contextlib.redirect_stdout(io.StringIO())


def push(method: str, ip, api, name: str) -> float:
    repo, tag = name.rsplit(":", 1)
    started = time.perf_counter()
    if method == "magic":
        with quiet():
            ip.run_line_magic("docker_push", name)
    elif method == "docker-py":
        for record in api.push(repo, tag, stream=True, decode=True, auth_config={}):
            if "error" in record:
                raise SystemExit(record["error"])
    else:
        subprocess.run(["docker", "push", name], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def pull(method: str, ip, api, name: str) -> float:
    repo, tag = name.rsplit(":", 1)
    started = time.perf_counter()
    if method == "magic":
        with quiet():
            ip.run_line_magic("docker_pull", name)
    elif method == "docker-py":
        for record in api.pull(repo, tag, stream=True, decode=True, auth_config={}):
            if "error" in record:
                raise SystemExit(record["error"])
    else:
        subprocess.run(["docker", "pull", name], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def delete_manifest(registry: str, api, name: str) -> None:
    try:
        digests = api.inspect_image(name).get("RepoDigests", [])
    except Exception:  # noqa: BLE001 -- clean-up in a `finally`: an image that never came (or an engine gone) leaves nothing to delete
        return
    repo = name.rsplit(":", 1)[0].split("/", 1)[1]
    for digest in digests:
        request = urllib.request.Request(f"http://{registry}/v2/{repo}/manifests/{digest.split('@', 1)[1]}", method="DELETE")
        with contextlib.suppress(OSError):
            urllib.request.urlopen(request, timeout=10).close()


def redraw_check(ip, made: Leftovers, registry: str, run_id: str, pushed: list) -> dict:
    """A 20-layer push in widget mode: how often does the view redraw?"""
    from dockermagic.views.transfer import TransferView

    name = f"{registry}/dmbench-{run_id}/layers20:1"
    pushed.append(name)
    build(made, name, dockerfile(f"{run_id}-20", 20, 20))
    views = []
    original = TransferView.start
    TransferView.start = lambda self: (views.append(self), original(self))[1]
    ip.run_line_magic("config", "DockerMagics.display = 'widget'")
    ip.run_line_magic("config", "DockerMagics.live_after = 0")  # the widget from the first record: its redraws are counted
    try:
        with quiet():
            result = ip.run_line_magic("docker_push", name)
    finally:
        TransferView.start = original
        ip.run_line_magic("config", "DockerMagics.display = 'auto'")
    view = views[0]
    elapsed = view.ended - view.started
    return {"layers": len(result.layers), "redraws": view.redraws, "seconds": elapsed,
            "per_second": view.redraws / elapsed if elapsed else float("inf")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--registry", default="127.0.0.1:5000")
    parser.add_argument("--mb", type=float, default=24, help="random megabytes per image (default 24)")
    parser.add_argument("--layers", type=int, default=4, help="layers of its own per image (default 4)")
    parser.add_argument("--repeat", type=int, default=5, help="rounds (default 5; median and best are reported)")
    args = parser.parse_args()

    from dockermagic.engine.connection import connect

    engine = connect()
    api = engine.api
    ip = shell()
    run_id = uuid.uuid4().hex[:8]
    made = Leftovers(api)
    pushed: list[str] = []
    times = {(op, m): [] for op in ("push", "pull") for m in METHODS}
    print(f"{engine.label}; registry {args.registry}; images: busybox + {args.layers} layers, {args.mb:g} MB random; "
          f"{args.repeat} rounds", flush=True)
    try:
        for round_no in range(args.repeat):
            order = METHODS[round_no % 3:] + METHODS[:round_no % 3]  # who goes first changes each round
            names = {}
            for method in order:
                name = f"{args.registry}/dmbench-{run_id}/{method.replace('-', '')}-{round_no}:1"
                pushed.append(name)
                build(made, name, dockerfile(f"{run_id}-{method}-{round_no}", args.layers, args.mb))
                names[method] = name
            for method in order:
                times[("push", method)].append(push(method, ip, api, names[method]))
            for method in order:
                api.remove_image(names[method])
            for method in order:
                times[("pull", method)].append(pull(method, ip, api, names[method]))
        check = redraw_check(ip, made, args.registry, run_id, pushed)
    finally:
        for name in pushed:
            delete_manifest(args.registry, api, name)
        made.remove()

    print(f"\n{'':12}{'magic':>9}{'docker-py':>11}{'cli':>9}{'magic/cli':>11}{'magic/py':>10}")
    for op in ("push", "pull"):
        for label, pick in (("median", statistics.median), ("best", min)):
            t = {m: pick(times[(op, m)]) for m in METHODS}
            print(f"{op + ' ' + label:12}{t['magic']:8.3f}s{t['docker-py']:10.3f}s{t['cli']:8.3f}s"
                  f"{t['magic'] / t['cli']:11.3f}{t['magic'] / t['docker-py']:10.3f}")
    print(f"\n20-layer push, widget view: {check['layers']} layers in {check['seconds']:.2f}s, "
          f"{check['redraws']} redraws = {check['per_second']:.1f}/s (target <= ~10/s)")


if __name__ == "__main__":
    main()
