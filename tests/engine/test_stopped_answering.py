"""An engine or a registry that stops answering in the middle of a stream, and Ctrl-C then.

The engine is reached through a TCP proxy this test runs in front of the engine's socket; the
proxy "freezes" (holds every byte, accepts connections and never answers them), as a frozen
dockerd or a dead ssh/TLS link would.  The registry is a throwaway `docker-registry serve` of
this module's own, on a free loopback port, stopped with SIGSTOP.  Either way the magic ends
in one line naming what stopped answering, within the watch's bound; Ctrl-C stops it at once;
the next command works; nothing the test started is left running.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.request

import pytest

from dockermagic.engine import watchdog
from dockermagic.errors import EngineUnreachable
from dockermagic.registry import transfer as registry_module
from support.registry_fixtures import build_image, layer_dockerfile

pytestmark = pytest.mark.engine

QUIET, ANSWER, STALL = 1.5, 1.0, 4.0
BOUND = QUIET + 2 * (ANSWER + 1) + 6  # the watch's wake-up, two pings, and a loaded machine's slack


class FrozenProxy:
    """tcp://127.0.0.1:PORT in front of a unix socket path or a (host, port); `freeze()` holds
    every byte both ways, as a frozen engine or a dead link does."""

    def __init__(self, target):
        self.target = target
        self.flowing = threading.Event()
        self.flowing.set()
        self.closed = False
        self.pairs: list[tuple[socket.socket, socket.socket]] = []
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(64)
        self.address = f"tcp://127.0.0.1:{self.server.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.closed:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            engine = socket.socket(socket.AF_UNIX if isinstance(self.target, str) else socket.AF_INET)
            engine.connect(self.target)
            self.pairs.append((client, engine))
            for a, b in ((client, engine), (engine, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src, dst):
        try:
            while data := src.recv(65536):
                self.flowing.wait()
                if self.closed:
                    break
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def freeze(self):
        self.flowing.clear()

    def thaw(self):
        self.flowing.set()

    def close(self):
        self.closed = True
        self.flowing.set()
        self.server.close()
        for pair in self.pairs:
            for s in pair:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()


@pytest.fixture
def quick(monkeypatch):
    monkeypatch.setattr(watchdog, "QUIET", QUIET)
    monkeypatch.setattr(watchdog, "ANSWER", ANSWER)
    monkeypatch.setattr(registry_module, "REGISTRY_STALL", STALL)


@pytest.fixture
def proxy(engine, quick):
    target = engine.address.removeprefix("unix://")
    if not engine.address.startswith("unix://"):
        pytest.skip("the proxy fronts a unix socket")
    front = FrozenProxy(target)
    yield front
    front.close()
    _forget(front.address)


def _forget(address: str) -> None:
    """Drop the kernel's cached client of an address this test made up."""
    from dockermagic.engine import connection as engines_module

    for cached in [e for e in engines_module._engines.values() if e.address == address]:
        engines_module.forget(cached)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ThrowawayRegistry:
    def __init__(self, folder):
        if not shutil.which("docker-registry"):
            pytest.skip("docker-registry is not installed")
        self.address = f"127.0.0.1:{_free_port()}"
        (folder / "registry.yml").write_text(
            f"version: 0.1\nlog: {{level: error}}\nstorage: {{filesystem: {{rootdirectory: {folder / 'data'}}}}}\n"
            f"http: {{addr: {self.address}}}\n")
        self.proc = subprocess.Popen(["docker-registry", "serve", str(folder / "registry.yml")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 15
        while True:
            try:
                urllib.request.urlopen(f"http://{self.address}/v2/", timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    self.stop()
                    raise AssertionError("the throwaway registry did not start")
                time.sleep(0.2)

    def freeze(self):
        self.proc.send_signal(signal.SIGSTOP)

    def thaw(self):
        self.proc.send_signal(signal.SIGCONT)

    def stop(self):
        if self.proc.poll() is None:
            self.thaw()
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def own_registry(tmp_path, quick):
    reg = ThrowawayRegistry(tmp_path)
    yield reg
    reg.stop()


def _when(view_class, monkeypatch, predicate, action):
    """Do `action` (once) as soon as the live view receives an event for which `predicate` holds."""
    apply = view_class.apply
    done = _Done()

    def watching(self, event):
        apply(self, event)
        if not done and predicate(event):
            done.append(time.monotonic())
            action()

    monkeypatch.setattr(view_class, "apply", watching)
    done.restore = lambda: setattr(view_class, "apply", apply)
    return done


class _Done(list):
    restore = None


def _sigint_after(seconds: float) -> threading.Timer:
    main = threading.main_thread().ident
    timer = threading.Timer(seconds, lambda: signal.pthread_kill(main, signal.SIGINT))  # as a kernel interrupt
    timer.start()
    return timer


def _one_line(exc: BaseException, *words: str) -> None:
    lines = exc._render_traceback_()
    assert len(lines) == 1, lines
    for word in words:
        assert word in lines[0], lines[0]


def _nothing_running(engine, unique: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while True:
        left = [c for c in engine.api.containers(all=True) if unique in (c.get("Command") or "")]
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert left == []


@pytest.fixture(params=["classic", "buildkit"])
def build_view(request, ip):
    """Each builder's live view and the event that carries a step's output line."""
    from dockermagic.build.classic import StepOutput
    from dockermagic.buildkit.vertices import VertexLogged
    from dockermagic.views.build import BuildView
    from dockermagic.views.buildkit import BuildKitView

    ip.run_line_magic("config", f"DockerMagics.builder = {request.param!r}")
    yield {"classic": (BuildView, StepOutput), "buildkit": (BuildKitView, VertexLogged)}[request.param]
    ip.run_line_magic("config", "DockerMagics.builder = 'auto'")


# -- the engine stops answering --------------------------------------------------------------------
def test_a_build_whose_engine_stops_answering(ip, engine, proxy, context, unique, monkeypatch, build_view):
    from dockermagic.errors import BuildError

    view, output = build_view
    (context / "Dockerfile").write_text(f"FROM busybox\nRUN echo started-{unique} && sleep 60\n")
    frozen = _when(view, monkeypatch, lambda e: isinstance(e, output) and f"started-{unique}" in e.line,
                   proxy.freeze)
    with pytest.raises(BuildError) as info:
        ip.run_line_magic("docker_build", f"-H {proxy.address} {context}")
    assert frozen and time.monotonic() - frozen[0] < BOUND
    _one_line(info.value, "stopped answering", proxy.address)
    proxy.thaw()
    assert ip.run_line_magic("docker_version", f"-H {proxy.address}")  # the next command works
    _nothing_running(engine, unique)  # the engine saw the connection go and cancelled the step


def test_ctrl_c_during_a_build_on_a_frozen_engine_stops_at_once(ip, engine, proxy, context, unique, monkeypatch, build_view):

    view, output = build_view
    (context / "Dockerfile").write_text(f"FROM busybox\nRUN echo started-{unique} && sleep 60\n")
    timers = []
    frozen = _when(view, monkeypatch, lambda e: isinstance(e, output) and f"started-{unique}" in e.line,
                   lambda: (proxy.freeze(), timers.append(_sigint_after(0.5))))
    from dockermagic.buildkit.build import BuildCanceled

    # the classic build's Ctrl-C is the KeyboardInterrupt; BuildKit's is BuildCanceled, saying whether the engine heard
    with pytest.raises(KeyboardInterrupt if output.__name__ == "StepOutput" else BuildCanceled) as info:
        ip.run_line_magic("docker_build", f"-H {proxy.address} {context}")
    assert frozen and time.monotonic() - frozen[0] < 0.5 + 2 + 2  # the SIGINT, the ping, a bounded cancel
    if output.__name__ != "StepOutput":
        _one_line(info.value, "did not answer the cancel", proxy.address)
    proxy.thaw()
    assert ip.run_line_magic("docker_version", f"-H {proxy.address}")
    _nothing_running(engine, unique)


def test_a_run_whose_engine_stops_answering(ip, engine, proxy, made, unique, monkeypatch):
    from dockermagic.containers.output import Output
    from dockermagic.views.container import OutputView

    name = made.container(f"dm-frozen-{unique}")
    frozen = _when(OutputView, monkeypatch, lambda e: isinstance(e, Output) and "up" in e.text, proxy.freeze)
    with pytest.raises(EngineUnreachable) as info:
        ip.run_line_magic("docker_run", f"-H {proxy.address} --name {name} busybox sh -c 'echo up; sleep 60'")
    assert frozen and time.monotonic() - frozen[0] < BOUND
    _one_line(info.value, "stopped answering", proxy.address)
    proxy.thaw()
    assert ip.run_line_magic("docker_version", f"-H {proxy.address}")


def test_logs_follow_whose_engine_stops_answering_and_ctrl_c(ip, engine, proxy, made, unique, monkeypatch):
    from dockermagic.containers.output import Output
    from dockermagic.views.container import OutputView

    name = made.container(f"dm-frozen-logs-{unique}")
    engine.api.start(engine.api.create_container("busybox", ["sh", "-c", "while true; do echo tick; sleep 0.3; done"],
                                                 name=name))
    frozen = _when(OutputView, monkeypatch, lambda e: isinstance(e, Output), proxy.freeze)
    with pytest.raises(EngineUnreachable) as info:
        ip.run_line_magic("docker_logs", f"-H {proxy.address} -f {name}")
    assert frozen and time.monotonic() - frozen[0] < BOUND
    _one_line(info.value, "stopped answering")
    proxy.thaw()
    frozen.restore()
    began = time.monotonic()  # Ctrl-C on a live `logs -f`: stops following at once, with what came
    _sigint_after(1.0)
    assert "tick" in ip.run_line_magic("docker_logs", f"-f {name}").stdout
    assert time.monotonic() - began < 4
    assert "tick" in ip.run_line_magic("docker_logs", f"-n 2 {name}").stdout


@pytest.mark.parametrize("magic", ["docker_events", "docker_stats {name}"])
def test_a_stream_whose_engine_stops_answering(ip, engine, proxy, made, unique, magic):
    name = made.container(f"dm-frozen-stream-{unique}")
    engine.api.start(engine.api.create_container("busybox", ["sleep", "300"], name=name))
    timer = threading.Timer(1.0, proxy.freeze)
    timer.start()
    began = time.monotonic()
    word, _, rest = magic.partition(" ")
    with pytest.raises(EngineUnreachable) as info:
        ip.run_line_magic(word, f"-H {proxy.address} {rest.format(name=name)}")
    assert time.monotonic() - began < 1.0 + BOUND
    _one_line(info.value, "stopped answering")


def _fronted(address: str, quick):
    host, port = address.rsplit("//", 1)[1].rsplit("@", 1)[-1].rsplit(":", 1)
    return FrozenProxy((host, int(port)))


def test_events_over_a_tls_link_that_stops_answering(ip, docker_env, tls_engine, quick):
    front = _fronted(tls_engine.address, quick)
    flags = tls_engine.flags.replace(tls_engine.address, front.address)
    try:
        assert ip.run_line_magic("docker_version", flags)
        threading.Timer(1.0, front.freeze).start()
        began = time.monotonic()
        with pytest.raises(EngineUnreachable) as info:
            ip.run_line_magic("docker_events", flags)
        assert time.monotonic() - began < 1.0 + BOUND
        _one_line(info.value, "stopped answering", front.address)
        front.thaw()
        assert ip.run_line_magic("docker_version", flags)  # the next command works
    finally:
        front.close()
        _forget(front.address)


def test_events_over_an_ssh_link_that_stops_answering(ip, docker_env, ssh_engine, monkeypatch, quick):
    monkeypatch.setenv("PATH", ssh_engine.client_path())
    front = _fronted(ssh_engine.address, quick)
    address = f"ssh://root@{front.address.removeprefix('tcp://')}"
    try:
        assert ip.run_line_magic("docker_version", f"-H {address}")
        threading.Timer(1.0, front.freeze).start()
        began = time.monotonic()
        with pytest.raises(EngineUnreachable) as info:
            ip.run_line_magic("docker_events", f"-H {address}")
        assert time.monotonic() - began < 1.0 + BOUND
        _one_line(info.value, "stopped answering", address)
        front.thaw()
        assert ip.run_line_magic("docker_version", f"-H {address}")  # the next command works
    finally:
        front.close()
        _forget(address)


def test_a_quiet_stream_of_an_engine_that_answers_goes_on(ip, engine, proxy, made, unique):
    """Silence alone is no failure: a step quiet for longer than the watch waits still ends well."""
    result = ip.run_line_magic("docker_run", f"-H {proxy.address} --rm busybox sh -c 'sleep {QUIET * 3}; echo {unique}'")
    assert unique in result.stdout


# -- a registry stops answering ----------------------------------------------------------------------
def test_a_push_whose_registry_stops_answering_then_a_push_that_works(ip, engine, own_registry, made, unique,
                                                                      monkeypatch):
    from dockermagic.registry.transfer import LayerUpdated, PushError
    from dockermagic.views.transfer import TransferView

    name = f"{own_registry.address}/dm-frozen/{unique}:1"
    build_image(engine, made, name, layer_dockerfile(unique, kilobytes=20000))
    frozen = _when(TransferView, monkeypatch,
                   lambda e: isinstance(e, LayerUpdated) and e.layer.state == "Pushing" and e.layer.current > 0,
                   own_registry.freeze)
    with pytest.raises(PushError) as info:
        ip.run_line_magic("docker_push", name)
    assert frozen and time.monotonic() - frozen[0] < STALL + BOUND
    _one_line(info.value, "registry", own_registry.address, "stopped answering")
    own_registry.thaw()
    frozen.restore()
    assert ip.run_line_magic("docker_push", name).ok


def test_a_pull_whose_registry_stops_answering_and_ctrl_c(ip, engine, own_registry, made, unique, monkeypatch):
    from dockermagic.registry.transfer import LayerUpdated, PullError
    from dockermagic.views.transfer import TransferView

    name = f"{own_registry.address}/dm-frozen/{unique}:pull"
    build_image(engine, made, name, layer_dockerfile(unique, kilobytes=30000))
    assert ip.run_line_magic("docker_push", name).ok
    engine.api.remove_image(name, force=True)
    frozen = _when(TransferView, monkeypatch, lambda e: isinstance(e, LayerUpdated) and e.layer.state == "Downloading",
                   own_registry.freeze)
    with pytest.raises(PullError) as info:
        ip.run_line_magic("docker_pull", name)
    assert frozen and time.monotonic() - frozen[0] < STALL + BOUND
    _one_line(info.value, "registry", own_registry.address, "stopped answering")
    own_registry.thaw()
    frozen.restore()  # again, and Ctrl-C this time: at once, though the registry still says nothing
    timers = []
    again = _when(TransferView, monkeypatch, lambda e: isinstance(e, LayerUpdated) and e.layer.state == "Downloading",
          lambda: (own_registry.freeze(), timers.append(_sigint_after(0.5))))
    began = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        ip.run_line_magic("docker_pull", name)
    assert time.monotonic() - began < 0.5 + 5
    own_registry.thaw()
    again.restore()
    assert ip.run_line_magic("docker_pull", name).ok  # the next pull works
    made.image(name)


# -- the engine goes away (the process killed, the link closed) --------------------------------------
def test_a_build_whose_engine_goes_away(ip, engine, proxy, context, unique, monkeypatch, build_view):
    from dockermagic.errors import BuildError

    view, output = build_view
    (context / "Dockerfile").write_text(f"FROM busybox\nRUN echo started-{unique} && sleep 60\n")
    gone = _when(view, monkeypatch, lambda e: isinstance(e, output) and f"started-{unique}" in e.line,
                 proxy.close)
    with pytest.raises(BuildError) as info:
        ip.run_line_magic("docker_build", f"-H {proxy.address} {context}")
    assert gone and time.monotonic() - gone[0] < BOUND
    _one_line(info.value, proxy.address)
    _nothing_running(engine, unique)


@pytest.mark.parametrize("magic", ["docker_events", "docker_logs -f {name}", "docker_run --rm busybox sleep 60",
                                   "docker_stats {name}"])
def test_a_stream_whose_engine_goes_away(ip, engine, proxy, made, unique, magic):
    name = made.container(f"dm-gone-{unique}")
    engine.api.start(engine.api.create_container("busybox", ["sh", "-c", "while true; do echo tick; sleep 0.3; done"],
                                                 name=name))
    threading.Timer(2.0, proxy.close).start()
    began = time.monotonic()
    with pytest.raises(EngineUnreachable) as info:
        ip.run_line_magic(magic.split()[0], f"-H {proxy.address} " + magic.split(" ", 1)[1].format(name=name)
                          if " " in magic else f"-H {proxy.address}")
    assert time.monotonic() - began < 2.0 + BOUND
    _one_line(info.value, proxy.address)


def test_a_push_whose_registry_is_killed_ends_within_the_engines_retries(ip, engine, own_registry, made, unique,
                                                                         monkeypatch):
    """Takes the engine's whole retry time (about 50 s): what a user waits too."""
    from dockermagic.registry.transfer import LayerUpdated, PushError
    from dockermagic.views.transfer import TransferView

    name = f"{own_registry.address}/dm-killed/{unique}:1"
    build_image(engine, made, name, layer_dockerfile(unique, kilobytes=20000))
    killed = _when(TransferView, monkeypatch,
                   lambda e: isinstance(e, LayerUpdated) and e.layer.state == "Pushing" and e.layer.current > 0,
                   own_registry.proc.kill)
    with pytest.raises(PushError) as info:
        ip.run_line_magic("docker_push", name)
    # dockerd's own retries: five attempts, 1 + 2 + ... s apart, with a "Retrying in N seconds" line
    # each second (so the stall bound does not cut in): about 50 s on Engine 20.10
    assert killed and time.monotonic() - killed[0] < 90
    _one_line(info.value, own_registry.address, "unreachable")


def test_ctrl_c_during_a_run_on_a_frozen_engine_stops_at_once(ip, engine, proxy, made, unique, monkeypatch):
    from dockermagic.containers.output import Output
    from dockermagic.containers.run import RunInterrupted
    from dockermagic.views.container import OutputView

    name = made.container(f"dm-frozen-int-{unique}")
    timers = []
    frozen = _when(OutputView, monkeypatch, lambda e: isinstance(e, Output) and "up" in e.text,
                   lambda: (proxy.freeze(), timers.append(_sigint_after(0.5))))
    with pytest.raises(RunInterrupted) as info:
        ip.run_line_magic("docker_run", f"-H {proxy.address} --name {name} busybox sh -c 'echo up; sleep 60'")
    assert frozen and time.monotonic() - frozen[0] < 0.5 + 2 * (ANSWER + 1)  # one ping, not the stop's wait
    _one_line(info.value, "did not answer", name, f"%docker_stop {name}")
    proxy.thaw()
    assert ip.run_line_magic("docker_version", f"-H {proxy.address}")
    ip.run_line_magic("docker_stop", f"-H {proxy.address} -t 0 {name}")  # as the message says
    assert engine.api.inspect_container(name)["State"]["Status"] == "exited"


@pytest.mark.parametrize("magic", ["docker_events", "docker_logs -f {name}", "docker_stats {name}"])
def test_ctrl_c_during_a_stream_of_a_frozen_engine_stops_at_once(ip, engine, proxy, made, unique, magic):
    name = made.container(f"dm-frozen-int-{unique}")
    engine.api.start(engine.api.create_container("busybox", ["sh", "-c", "while true; do echo tick; sleep 0.3; done"],
                                                 name=name))
    threading.Timer(1.0, proxy.freeze).start()
    _sigint_after(1.3)
    began = time.monotonic()
    word, _, rest = magic.partition(" ")
    result = ip.run_line_magic(word, f"-H {proxy.address} {rest.format(name=name)}")  # stops following: what came
    assert time.monotonic() - began < 1.3 + 1.5
    assert result is not None
    proxy.thaw()
    assert ip.run_line_magic("docker_version", f"-H {proxy.address}")
