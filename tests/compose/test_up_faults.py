"""`up`'s faults on real engines, each one line with nothing lost: a host port another program
holds (the container left as v2 leaves it), a missing image pulled from the loopback registry,
`--wait-timeout` on a service that never gets healthy, Ctrl-C during `up -d` and in the
foreground `up`, the engine killed while `up` waits (a throwaway dockerd of this file's own)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from dockermagic.compose.results import ComposeProject, LogLine
from dockermagic.compose.up import UpOptions, up
from dockermagic.errors import ComposeError

REGISTRY = "127.0.0.1:5000"


class Throwaway:
    """A dockerd of its own (data root, exec root, pid file, socket, bridge) that a test may kill."""

    def __init__(self, folder: Path, bridge: str):
        self.folder, self.bridge = folder, bridge
        self.address = f"unix://{folder}/docker.sock"
        self.proc = None
        self.engine = None

    def start(self) -> None:
        log = open(self.folder / "dockerd.log", "ab")
        self.proc = subprocess.Popen(
            ["dockerd", "--host", self.address, "--data-root", str(self.folder / "data"),
             "--exec-root", str(self.folder / "exec"), "--pidfile", str(self.folder / "docker.pid"),
             "--bridge", self.bridge, "--iptables=false", "--default-address-pool", "base=10.199.0.0/16,size=24"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 60
        while not _answers(self.folder / "docker.sock"):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the throwaway dockerd did not start: "
                                   f"{(self.folder / 'dockerd.log').read_text()[-800:]}")
            time.sleep(0.2)

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        """Emptied and stopped when it still runs; once killed, what it left running (its
        containerd, the shims and the containers' processes, all under its folder) is ended
        by process id."""
        if self.proc.poll() is None:
            try:
                api = self.engine.api
                for c in api.containers(all=True):
                    api.remove_container(c["Id"], force=True, v=True)
                api.prune_networks()
            finally:
                self.proc.send_signal(signal.SIGTERM)
                self.proc.wait(60)
        for pid in reversed(_processes_under(str(self.folder))):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def _processes_under(folder: str) -> list[int]:
    """The processes whose command line names `folder`, and their descendants (parents first)."""
    children: dict[int, list[int]] = {}
    roots = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            command = Path(f"/proc/{entry}/cmdline").read_text().replace("\0", " ")
        except OSError:
            continue
        children.setdefault(ppid, []).append(int(entry))
        if folder in command:
            roots.append(int(entry))
    out, todo = [], list(roots)
    while todo:
        pid = todo.pop(0)
        if pid not in out:
            out.append(pid)
            todo += children.get(pid, [])
    return out


def _answers(sock: Path) -> bool:
    try:
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(str(sock))
        return True
    except OSError:
        return False


@pytest.fixture
def throwaway_engine(engine):
    """A fourth dockerd, started and removed here (never `--bridge=none`: it would delete docker0),
    with busybox loaded from the default engine."""
    if os.geteuid() != 0 or shutil.which("dockerd") is None:
        pytest.skip("the throwaway engine needs root and dockerd")
    folder = Path(tempfile.mkdtemp(prefix="dmup-", dir="/tmp"))
    bridge = f"dmup{uuid.uuid4().hex[:6]}"
    subprocess.run(["ip", "link", "add", bridge, "type", "bridge"], check=True)
    subprocess.run(["ip", "addr", "add", "172.31.248.1/24", "dev", bridge], check=True)
    subprocess.run(["ip", "link", "set", bridge, "up"], check=True)
    throwaway = Throwaway(folder, bridge)
    try:
        throwaway.start()
        from dockermagic.engine.connection import connect

        throwaway.engine = connect(throwaway.address)
        throwaway.engine.api.load_image(engine.api.get_image("busybox:latest"))
        yield throwaway
    finally:
        try:
            throwaway.stop()
        finally:
            if throwaway.proc is not None and throwaway.proc.poll() is None:
                os.killpg(throwaway.proc.pid, signal.SIGKILL)
            subprocess.run(["ip", "link", "del", bridge], capture_output=True)
            for mount in sorted((line.split()[1] for line in open("/proc/mounts") if f" {folder}/" in line),
                                reverse=True):
                subprocess.run(["umount", "-l", mount], capture_output=True)
            shutil.rmtree(folder, ignore_errors=True)
            from dockermagic.engine import connection as engines_module

            for cached in [e for e in engines_module._engines.values() if e.address == throwaway.address]:
                engines_module.forget(cached)


def _one_line(exc) -> str:
    text = str(exc)
    assert "\n" not in text, text
    return text


def test_a_port_in_use_names_the_service_and_port_and_leaves_what_v2_leaves(engine, stacks):  # noqa: F811
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        text = f"services:\n  web:\n    image: busybox:latest\n    command: sleep 3600\n" \
               f"    ports: ['127.0.0.1:{port}:80']\n"
        theirs = stacks(text)
        assert "address already in use" in theirs.v2("up", "-d", check=False).stderr   # (the shim loses its code)
        v2_state = theirs.inspect(f"{theirs.name}-web-1")["State"]["Status"]
        ours = stacks(text)
        with pytest.raises(ComposeError) as failure:
            list(up(engine, ours.project(), options=UpOptions()))
    line = _one_line(failure.value)
    assert f"service web: host port 127.0.0.1:{port} is already in use" in line, line
    assert ours.inspect(f"{ours.name}-web-1")["State"]["Status"] == v2_state == "created"


def _delete_from_registry(repository: str) -> None:
    ask = urllib.request.Request(f"http://{REGISTRY}/v2/{repository}/manifests/latest", method="HEAD", headers={
        "Accept": "application/vnd.docker.distribution.manifest.v2+json"})
    try:
        digest = urllib.request.urlopen(ask, timeout=10).headers["Docker-Content-Digest"]
        urllib.request.urlopen(urllib.request.Request(
            f"http://{REGISTRY}/v2/{repository}/manifests/{digest}", method="DELETE"), timeout=10).close()
    except OSError:
        pass


@pytest.fixture
def pushed_image(engine):
    """busybox pushed to the loopback registry under a name of this test's own, then removed
    from the engine (and, at teardown, from the registry and the engine)."""
    repository = f"dmup-{uuid.uuid4().hex[:8]}"
    image = f"{REGISTRY}/{repository}:latest"
    api = engine.api
    api.tag("busybox:latest", f"{REGISTRY}/{repository}", "latest")
    try:
        for record in api.push(f"{REGISTRY}/{repository}", "latest", stream=True, decode=True):
            assert "error" not in record, record
        api.remove_image(image)
        yield image
    finally:
        try:
            api.remove_image(image, force=True)
        except Exception:  # noqa: BLE001 -- already gone
            pass
        _delete_from_registry(repository)


def test_a_missing_image_is_pulled_with_its_rows(engine, stacks, pushed_image):  # noqa: F811
    from dockermagic.views.compose.stack import StackView

    stack = stacks(f"services:\n  app:\n    image: {pushed_image}\n    command: sleep 3600\n")
    result = ComposeProject(stack.name, action="up")
    view = StackView(result, mode="text")
    events = list(up(engine, stack.project(), result, UpOptions()))
    assert [(e.kind, e.name, e.state) for e in events if e.kind == "image"] == \
        [("image", pushed_image, "Pulling"), ("image", pushed_image, "Pulled")]
    for event in events:
        view.apply(event)
    assert [(r.kind, r.name, r.state) for r in view.rows if r.kind == "image"] == [("image", pushed_image, "Pulled")]
    info = stack.inspect(f"{stack.name}-app-1")
    assert info["State"]["Running"]
    assert info["Config"]["Labels"]["com.docker.compose.image"] == engine.api.inspect_image(pushed_image)["Id"]
    assert "Recreate" not in stack.v2("up", "-d").stderr   # the image label is v2's: nothing to redo


NEVER_HEALTHY = """
services:
  slow:
    image: busybox:latest
    command: sleep 3600
    init: true
    healthcheck:
      test: ["CMD", "false"]
      interval: 1s
      start_period: 60s
"""


def test_wait_timeout_on_a_service_that_never_gets_healthy(engine, stacks):  # noqa: F811
    stack = stacks(NEVER_HEALTHY)
    began = time.monotonic()
    with pytest.raises(ComposeError) as failure:
        list(up(engine, stack.project(), options=UpOptions(wait=True, wait_timeout=2)))
    assert time.monotonic() - began < 15
    line = _one_line(failure.value)
    assert f"{stack.name}-slow-1" in line and "not ready after 2s" in line, line


CHAIN = "services:\n" + "".join(
    f"  s{i}:\n    image: busybox:latest\n    command: sleep 3600\n    init: true\n"
    + (f"    depends_on: [s{i - 1}]\n" if i else "") for i in range(6))


def _names(stack) -> set[str]:
    return {c["Names"][0].lstrip("/") for c in stack.containers()}


def test_ctrl_c_during_up_d_keeps_what_exists_and_says_it(engine, stacks):  # noqa: F811
    stack = stacks(CHAIN)
    events = up(engine, stack.project(), options=UpOptions())
    for event in events:
        if event.kind == "container" and event.state == "Creating" and event.service == "s2":
            break
    with pytest.raises(ComposeError) as failure:
        events.throw(KeyboardInterrupt)
    line = _one_line(failure.value)
    kept = _names(stack)
    assert f"{stack.name}-s0-1" in kept and f"{stack.name}-s5-1" not in kept
    assert "interrupted" in line and all(name in line for name in kept), line
    time.sleep(1.5)
    assert _names(stack) == kept          # nothing went on behind the error


def test_closing_up_d_stops_creation_without_hanging(engine, stacks):  # noqa: F811
    stack = stacks(CHAIN)
    events = up(engine, stack.project(), options=UpOptions())
    for event in events:
        if event.kind == "container" and event.state == "Started" and event.service == "s1":
            break
    began = time.monotonic()
    events.close()
    assert time.monotonic() - began < 10

    def states():
        return {c["Names"][0].lstrip("/"): c["State"] for c in stack.containers()}

    kept = states()
    time.sleep(1.5)
    assert states() == kept                                   # nothing went on behind the close
    assert kept[f"{stack.name}-s0-1"] == "running"            # kept as it is, as v2 keeps it
    assert kept.get(f"{stack.name}-s5-1", "created") == "created"


def test_ctrl_c_in_foreground_up_stops_gracefully(engine, stacks):  # noqa: F811
    stack = stacks("""
services:
  talk:
    image: busybox:latest
    command: sh -c "echo hello; exec sleep 3600"
    init: true
  quiet:
    image: busybox:latest
    command: sleep 3600
    init: true
""")
    result = ComposeProject(stack.name)
    events = up(engine, stack.project(), result, UpOptions(detach=False, timeout=1))
    for event in events:
        if isinstance(event, LogLine) and event.text == "hello":
            break
    after = [events.throw(KeyboardInterrupt)]
    with pytest.raises(KeyboardInterrupt):
        for event in events:
            after.append(event)
    assert after[0].state == "Warning" and after[0].text.startswith("Gracefully stopping...")
    assert sorted(e.name for e in after if getattr(e, "state", "") == "Stopped") == \
        [f"{stack.name}-quiet-1", f"{stack.name}-talk-1"]
    states = {stack.inspect(c["Id"])["State"]["Status"] for c in stack.containers()}
    assert states == {"exited"}          # stopped, kept: as v2 leaves them after Ctrl-C


def test_the_engine_gone_while_up_waits_is_one_line(throwaway_engine, tmp_path):
    from support.compose_stacks import Stack

    stack = Stack(throwaway_engine.engine, tmp_path, f"dmgone{uuid.uuid4().hex[:6]}")
    stack.write(NEVER_HEALTHY + "  after:\n    image: busybox:latest\n    command: sleep 3600\n"
                "    depends_on: {slow: {condition: service_healthy}}\n")
    events = up(throwaway_engine.engine, stack.project(), options=UpOptions())
    for event in events:
        if event.state == "Waiting":
            break
    throwaway_engine.kill()
    outcome: list = []

    def rest():
        try:
            list(events)
        except BaseException as exc:  # noqa: BLE001 -- looked at below
            outcome.append(exc)

    worker = threading.Thread(target=rest, daemon=True)
    worker.start()
    worker.join(30)
    assert not worker.is_alive(), "up hung once the engine was gone"
    assert outcome and isinstance(outcome[0], ComposeError), outcome
    line = _one_line(outcome[0])
    assert "stopped answering during up" in line, line
