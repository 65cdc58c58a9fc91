"""Fixtures: a real Docker Engine (found or started by scripts/engine), loopback registries,
an IPython shell with dockermagic loaded, and bookkeeping that removes every image and
container a test makes, also when the test fails.

Outside CI a missing engine skips engine tests with a loud reason; with CI set it fails.

The `engine` marker says which tests those are, and is kept true both ways: a test that asks
for the `engine` fixture (itself or through `made`, `registry`, `engine2`, `podman`, ...) is
marked at collection; a marked test gets the engine (or its skip) before it starts; and a test
without the marker runs with DOCKER_HOST pointing nowhere -- also its kernels and subprocesses --
so one that reaches the engine another way (a magic, a notebook) fails in every run, with an
engine or without, instead of only where no engine answers.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest

# fixtures of the engines, registries and notebooks beside the default engine, for every test folder
pytest_plugins = ["support.engine_fixtures", "support.registry_fixtures", "support.compose_fixtures", "support.compose_stacks",
                  "support.swarm_fixtures"]

ROOT = Path(__file__).resolve().parents[1]
ENGINE_SCRIPT = ROOT / "scripts" / "engine"
STATE = Path(os.environ.get("DOCKERMAGIC_STATE", "/tmp/dockermagic-engine"))
IN_CI = bool(os.environ.get("CI"))
# where the tests without the `engine` marker find "the engine": nothing answers there
NO_ENGINE_HERE = "unix:///nonexistent/test-without-the-engine-marker.sock"


def _no_engine(reason: str):
    if IN_CI:
        pytest.fail(f"CI needs a real Docker Engine and has none: {reason}", pytrace=False)
    pytest.skip(f"NO DOCKER ENGINE -- engine tests skipped: {reason}. Run `scripts/engine up registry`.")


def _up(*components: str) -> None:
    """Find or start the engine and the named components (idempotent, quick when all is up)."""
    proc = subprocess.run([str(ENGINE_SCRIPT), "up", *components], capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        _no_engine(proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "scripts/engine up failed")


def _env_file(name: str) -> dict:
    path = STATE / name
    if not path.exists():
        return {}
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


@pytest.fixture(scope="session")
def engine():
    """The connected `dockermagic.engine.connection.Engine` every engine test uses."""
    _up()
    from dockermagic.engine.connection import connect
    from dockermagic.errors import EngineUnreachable

    try:
        return connect()
    except EngineUnreachable as exc:
        _no_engine(str(exc))


@pytest.hookimpl(tryfirst=True)  # before `-m` selects by marker
def pytest_collection_modifyitems(items):
    """A test that asks for the engine, directly or through another fixture, is an engine test."""
    for item in items:
        if "engine" in item.fixturenames and item.get_closest_marker("engine") is None:
            item.add_marker(pytest.mark.engine)


@pytest.fixture(autouse=True)
def _engine_or_nowhere(request):
    """An engine test gets the engine first, so it skips (fails in CI) without one, whatever it
    reaches the engine through; any other test gets DOCKER_HOST pointing where nothing answers."""
    if request.node.get_closest_marker("engine") is not None:
        request.getfixturevalue("engine")
        yield
        return
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DOCKER_HOST", NO_ENGINE_HERE)
        yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Say why an unmarked test that tried the engine found none."""
    report = (yield).get_result()
    if report.failed and item.get_closest_marker("engine") is None and NO_ENGINE_HERE in str(report.longrepr):
        report.sections.append(("engine marker", f"{item.nodeid} reached for a Docker Engine but is not marked "
                                                 f"`engine`, so it ran with DOCKER_HOST={NO_ENGINE_HERE}; if it "
                                                 "needs an engine, mark it: `pytestmark = pytest.mark.engine` or "
                                                 "`@pytest.mark.engine`"))


@pytest.fixture(scope="session")
def registry(engine) -> str:
    """Address of the open loopback registry, e.g. 127.0.0.1:5000."""
    _up("registry")
    return _env_file("registry.env")["DOCKERMAGIC_REGISTRY"]


@pytest.fixture(scope="session")
def auth_registry(engine) -> dict:
    """The htpasswd registry: {'address', 'user', 'password'}."""
    _up("registry")
    env = _env_file("registry.env")
    return {"address": env["DOCKERMAGIC_AUTH_REGISTRY"], "user": env["DOCKERMAGIC_AUTH_USER"],
            "password": env["DOCKERMAGIC_AUTH_PASSWORD"]}


@pytest.fixture
def unique() -> str:
    """A short unique suffix for names (images, containers, volumes) made by one test."""
    return uuid.uuid4().hex[:8]


def _with_tag(name: str) -> str:
    """`me/app` as the engine's tag events name it: `me/app:latest`."""
    return name if "@" in name or ":" in name.rsplit("/", 1)[-1] else f"{name}:latest"


class Tracker:
    """Names of what a test made; removed at teardown whatever happened.

    A tag built again leaves its earlier image untagged.  The engine is shared (other suites
    run on it too), so "untagged since the test began" would take others' images: the engine's
    `tag` events say which images carried this test's names, and only those go.
    """

    def __init__(self, engine):
        self.engine = engine
        self.started = int(time.time())
        self.images: list[str] = []
        self.containers: list[str] = []
        self.volumes: list[str] = []
        self._tags = None
        self._tagged: list[tuple[str, str]] = []

    def image(self, name: str) -> str:
        if self._tags is None:
            self._watch_tags()
        self.images.append(name)
        return name

    def container(self, name: str) -> str:
        self.containers.append(name)
        return name

    def volume(self, name: str) -> str:
        self.volumes.append(name)
        return name

    def _watch_tags(self) -> None:
        """Follow the engine's image `tag` events from the test's start (the engine keeps only its
        last 256 events of all kinds, so a busy shared engine may have dropped them by teardown)."""
        try:
            self._tags = self.engine.api.events(since=self.started, filters={"type": "image", "event": "tag"}, decode=True)
        except Exception:  # noqa: BLE001 -- an engine without events: its retagged images stay
            self._tags = False
            return

        def follow(stream=self._tags, found=self._tagged):
            try:
                for event in stream:
                    found.append((((event.get("Actor") or {}).get("Attributes") or {}).get("name"), event.get("id")))
            except Exception:  # noqa: BLE001 -- the stream closed at teardown
                pass

        threading.Thread(target=follow, name="dm-test-tags", daemon=True).start()

    def _retagged(self) -> set[str]:
        """Ids of the images that carried one of this test's image names during the test."""
        if not self._tags:
            return set()
        try:
            recent = list(self.engine.api.events(since=self.started, until=int(time.time()) + 1,
                                                 filters={"type": "image", "event": "tag"}, decode=True))
        except Exception:  # noqa: BLE001 -- what the stream saw is still known
            recent = []
        finally:
            self._tags.close()
        events = list(self._tagged) + [(((e.get("Actor") or {}).get("Attributes") or {}).get("name"), e.get("id"))
                                       for e in recent]
        names = {_with_tag(name) for name in self.images}
        return {image_id for name, image_id in events if name in names and image_id}

    def cleanup(self) -> None:
        import docker

        api = self.engine.api
        for name in self.containers:
            try:
                api.remove_container(name, force=True, v=True)
            except docker.errors.NotFound:
                pass
        retagged = self._retagged()
        for name in reversed(self.images):
            try:
                api.remove_image(name, force=True)
            except docker.errors.NotFound:
                pass
        for name in self.volumes:
            try:
                api.remove_volume(name, force=True)
            except docker.errors.NotFound:
                pass
        for image_id in retagged:  # only if nothing else names it now (a `FROM busybox` build is busybox)
            try:
                if not [t for t in api.inspect_image(image_id).get("RepoTags") or [] if t != "<none>:<none>"]:
                    api.remove_image(image_id)
            except docker.errors.APIError:
                pass


@pytest.fixture
def made(engine):
    """`made.image(name)` / `made.container(name)` / `made.volume(name)`: removed after the test."""
    tracker = Tracker(engine)
    yield tracker
    tracker.cleanup()


@pytest.fixture(scope="session")
def shell():
    """One IPython shell for the session, with dockermagic loaded (terminal-style: text views)."""
    from IPython.testing.globalipapp import start_ipython

    ip = start_ipython()
    ip.run_line_magic("load_ext", "dockermagic")
    return ip


@pytest.fixture
def ip(shell, tmp_path, monkeypatch):
    """The shell, working in a fresh folder, with default settings restored afterwards."""
    monkeypatch.chdir(tmp_path)
    yield shell
    shell.run_line_magic("config", "DockerMagics.display = 'auto'")
    shell.run_line_magic("config", "DockerMagics.live_after = 0.3")
    shell.run_line_magic("config", "DockerMagics.show_traceback = False")
    shell.run_line_magic("config", "DockerMagics.max_output_lines = 400")


@pytest.fixture
def context(tmp_path):
    """A build-context folder; write files into it with `context / name`."""
    path = tmp_path / "ctx"
    path.mkdir()
    return path


@pytest.fixture
def views(monkeypatch):
    """Every OutputView a magic starts, to assert on its widgets and HTML."""
    seen = []
    from dockermagic.views.container import OutputView

    start = OutputView.start

    def recording(self):
        seen.append(self)
        return start(self)

    monkeypatch.setattr(OutputView, "start", recording)
    return seen
