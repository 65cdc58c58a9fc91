"""A real browser for tests/e2e/test_browser*.py and test_highlight.py: JupyterLab on loopback
and headless Chromium.

- `browser_tools()`: Debian's chromium and the `playwright` package, or a loud skip (a
  failure with one line when `CI` is set).  Playwright cannot download its own browser here,
  so it drives /usr/bin/chromium through `executable_path`.
- `JupyterLab`: a server of this test's own -- a free loopback port, no token, its own
  config, settings, workspaces and runtime folders (nothing of ~/.jupyter applies; news,
  update checks and notebook windowing off, so nothing pops up and every cell stays in the
  DOM), the app exposed as `window.jupyterapp`.
  `stop()` asks the server to stop (SIGTERM: it shuts its kernels down first), then kills by
  pid whatever of its own process tree is still there.
- `extension_env(folder)`: the server's environment with dockermagic's JupyterLab extension --
  the checkout's build (labextension/dist) first, else the installed one (`installed_extension()`).
- `show(request, text)`: a line printed past pytest's capture (the screenshots' paths, with -q).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from jupyter_core.paths import jupyter_path

from support.notebooks import ROOT

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# user settings the server starts with: nothing asks a question, every cell stays rendered
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


ARTIFACTS = ROOT / "artifacts" / "browser"  # the browser tests' screenshots and logs
BUILT = ROOT / "labextension" / "dist"  # the checkout's build of the JupyterLab extension


def chromium_path() -> str | None:
    for candidate in (os.environ.get("DOCKERMAGIC_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def browser_tools() -> str:
    """The chromium executable; skip loudly (fail in CI) when it or playwright is missing."""
    missing = []
    path = chromium_path()
    if path is None:
        missing.append("chromium (apt-get install -y chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright package (pip install playwright)")
    if missing:
        needs = " and ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(f"CI runs the real-browser test, which needs {needs}", pytrace=False)
        pytest.skip(f"NO BROWSER -- real-browser test skipped: it needs {needs}")
    return path


def show(request, text: str) -> None:
    """Print past pytest's capture, so the screenshots' paths show even with -q."""
    capture = request.config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print(text, flush=True)


def installed_extension() -> Path | None:
    """The folder of dockermagic's installed JupyterLab extension, if one is installed."""
    for folder in jupyter_path("labextensions"):
        if (Path(folder) / "dockermagic" / "package.json").exists():
            return Path(folder) / "dockermagic"
    return None


def extension_env(folder: Path) -> dict:
    """The server's environment: the checkout's build first (the code under test), else the
    installed extension; with neither, a failure in CI and a loud skip elsewhere."""
    env = dict(os.environ)
    if (BUILT / "package.json").exists():
        path = folder / "jupyter-path"
        (path / "labextensions").mkdir(parents=True)
        (path / "labextensions" / "dockermagic").symlink_to(BUILT, target_is_directory=True)
        env["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(path), os.environ.get("JUPYTER_PATH")]))
    elif installed_extension() is None:
        reason = ("dockermagic's JupyterLab extension is neither built (labextension/dist) nor installed: "
                  "`pip install .` builds it (needs Node), or `cd labextension && jlpm install && jlpm build`")
        if os.environ.get("CI"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(f"NO LAB EXTENSION -- {reason}")
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _descendants(pid: int) -> list[int]:
    """Every process below `pid` (kernels run in sessions of their own, not our group)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


class JupyterLab:
    """`with JupyterLab(root, env, folder) as lab: lab.url(...)`; stopped on leaving, always."""

    def __init__(self, root: Path, env: dict, folder: Path, start_timeout: float = 60):
        self.root, self.env, self.folder = root, env, folder
        self.start_timeout = start_timeout
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.log_path = folder / "jupyterlab.log"

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}"

    def api(self, path: str, method: str = "GET", timeout: float = 5):
        request = urllib.request.Request(self.url(path), method=method)
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
        return json.loads(body) if body else None

    def start(self) -> "JupyterLab":
        settings = self.folder / "settings"
        for name, values in LAB_SETTINGS.items():
            path = settings / name.split("/", 1)[0] / name.split("/", 1)[1]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        env = dict(self.env, JUPYTERLAB_SETTINGS_DIR=str(settings),
                   JUPYTERLAB_WORKSPACES_DIR=str(self.folder / "workspaces"),
                   JUPYTER_RUNTIME_DIR=str(self.folder / "runtime"), JUPYTER_CONFIG_DIR=str(self.folder / "config"))
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
             f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0", "--IdentityProvider.token=",
             "--ServerApp.password=", f"--ServerApp.root_dir={self.root}", "--LabApp.expose_app_in_browser=True",
             "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
             "--LabApp.extension_manager=readonly", "--ServerApp.allow_root=True"],
            cwd=self.root, env=env, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + self.start_timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited ({self.proc.returncode}): {self.log_tail()}")
            try:
                self.api("api/status", timeout=2)
                return self
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"JupyterLab did not answer within {self.start_timeout:.0f} s: {self.log_tail()}")
                time.sleep(0.25)

    def log_tail(self, chars: int = 1500) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self) -> None:
        """SIGTERM: jupyter_server shuts its kernels down, then exits (its REST shutdown would
        want an XSRF cookie).  Whatever of its process tree outlives that is killed by pid."""
        if self.proc is None:
            return
        below = {pid: _cmdline(pid) for pid in _descendants(self.proc.pid)}  # kernels: their own sessions
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        for pid, cmdline in below.items():
            if cmdline and _cmdline(pid) == cmdline:  # still that process, not a reused pid
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        self._log.close()
        self.proc = None

    def __enter__(self) -> "JupyterLab":
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()
