"""The tutorial notebook in a real browser: JupyterLab on loopback, headless Chromium (Debian's,
driven by Playwright), Run All against the real engines and the login registry -- then what a
reader sees: the build and transfer views as LIVE widgets (not their HTML fallback), their step
rows and progress bars, the history comparison's shared-layer marks, `Hello world`, and no
widget errors.  Screenshots land in artifacts/browser/.

Runs in CI: a missing chromium or playwright fails there with one line; elsewhere it skips loudly.
"""

from __future__ import annotations

import os
import re
import shutil
import time
import uuid
from pathlib import Path
from uuid import uuid4

import nbformat
import pytest

from support.browser_fixtures import CHROMIUM_ARGS, JupyterLab, browser_tools
from support.notebooks import NOTEBOOKS, ROOT, cleanup_tutorial, load, with_parameters

pytestmark = pytest.mark.engine
NOTEBOOK = "01-build-push-run.ipynb"
ARTIFACTS = ROOT / "artifacts" / "browser"
OPEN_TIMEOUT = 60  # s: JupyterLab's page, the notebook and its kernel
RUN_TIMEOUT = 120  # s: every cell of the tutorial (about 15 s here)
RENDER_TIMEOUT = 15_000  # ms: a widget view to appear once its cell ran
WIDGET_TROUBLE = re.compile(r"widget|model_id|Could not create|\bcomms?\b", re.I)

# the cells the checks look at, by their exact source; screenshots are named after them
CELLS = {
    "build-base": "%docker_build -t {base} my-base-image",
    "push-base": "%docker_push {base}",
    "build-derived": "%docker_build -t {derived} --build-arg BASE={base} my-derived-image",
    "run-derived": "%docker_run --rm {derived}",
    "history-compare": "%docker_history {base} {derived}",
    "push-derived": "pushed = %docker_push {derived}",
    "pull-other": "%docker_pull --context other-machine {derived}",
    "run-other": "%docker_run --context other-machine --rm {derived}",
    "push-live": "%docker_push {derived}",  # added after `live_after = 0`: a widget however quick
    # added after build-derived: a step the cache cannot answer (a new RUN_ID each run) that takes a second
    "build-live": f"%docker_build -t {{base}}:slow --build-arg RUN_ID={uuid.uuid4().hex[:12]} slow-image",
}
SLOW_DOCKERFILE = "%%dockerfile slow-image\nFROM busybox\nARG RUN_ID\nRUN echo $RUN_ID && sleep 1.5\n"
VIEW = ".jupyter-widgets, .dockermagic"  # a view's output: its widget, or its HTML box when quick
LIVE_AFTER = 0.3  # s: DockerMagics.live_after; quicker work shows its final HTML, no widget

KERNEL_IDLE_JS = """() => {
  const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const session = panel && panel.sessionContext && panel.sessionContext.session;
  return !!(session && session.kernel && session.kernel.status === 'idle');
}"""
# what the live views showed while they ran: states seen in any widget's HTML, in order
WATCH_JS = r"""() => {
  window.dmSeen = [];
  const states = ['running', 'Preparing', 'Waiting', 'Pushing', 'Downloading', 'Extracting'];
  new MutationObserver(records => {
    const look = html => {
      for (const s of states) if (html.textContent.includes(s) && !window.dmSeen.includes(s)) window.dmSeen.push(s);
      // a BuildKit vertex row ("#5 running [2/2] RUN ...") while its build runs
      if (/^#\d+\s+running/.test(html.textContent.trim()) && !window.dmSeen.includes('vertex running')) window.dmSeen.push('vertex running');
    };
    for (const r of records) {
      const el = r.target.nodeType === 1 ? r.target : r.target.parentElement;
      const html = el && el.closest('.widget-html-content');
      if (html) look(html);
      // a widget made while its work runs (after live_after) arrives with its rows already drawn
      for (const node of r.addedNodes || []) {
        if (node.nodeType !== 1) continue;
        if (node.matches('.widget-html-content')) look(node);
        node.querySelectorAll('.widget-html-content').forEach(look);
      }
    }
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""
# `run` finished: the kernel is idle, nothing is queued, and either the last code cell ran or
# one failed (Run All stops there)
FINISHED_JS = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  if (!kernel || kernel.status !== 'idle') return false;
  const cells = panel.content.widgets.filter(c => c.model.type === 'code');
  if ([...panel.node.querySelectorAll('.jp-InputPrompt')].some(p => p.textContent.includes('*'))) return false;
  const failed = cells.some(c => c.model.outputs.toJSON().some(o => o.output_type === 'error'));
  return failed || cells[cells.length - 1].model.executionCount !== null;
}"""


def _show(request, text: str) -> None:
    """Print past pytest's capture, so the screenshots' paths show even with -q."""
    capture = request.config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print(text, flush=True)


def _notebook(root: Path, **params) -> Path:
    """A copy of the tutorial with its outputs cleared and this run's parameters."""
    nb = with_parameters(load(NOTEBOOK), **params)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nb.metadata.pop("widgets", None)
    # the same push again, right after it: the registry has every layer (quick), the widget comes at once
    after = next(i for i, c in enumerate(nb.cells) if c.source.strip() == CELLS["push-derived"]) + 1
    nb.cells[after:after] = [nbformat.v4.new_code_cell("%config DockerMagics.live_after = 0"),
                             nbformat.v4.new_code_cell(CELLS["push-live"]),
                             nbformat.v4.new_code_cell("%config DockerMagics.live_after = 0.3")]
    # a build long enough to watch, whatever the build cache holds: its vertex row is seen running
    after = next(i for i, c in enumerate(nb.cells) if c.source.strip() == CELLS["build-derived"]) + 1
    nb.cells[after:after] = [nbformat.v4.new_code_cell(SLOW_DOCKERFILE), nbformat.v4.new_code_cell(CELLS["build-live"])]
    path = root / "tutorial.ipynb"
    nbformat.write(nb, path)
    return path


def _save_notebook(nb: dict, path: Path) -> None:
    """The page's notebook as nbformat JSON (JupyterLab's model says `attachments: null`)."""
    for cell in nb["cells"]:
        if cell.get("attachments", {}) is None:
            del cell["attachments"]
    nbformat.write(nbformat.from_dict(nb), path)


class Run:
    """The finished page and what was collected on the way."""

    def __init__(self, lab, page, nb, console, timings, shots):
        self.lab, self.page, self.nb, self.console, self.timings = lab, page, nb, console, timings
        self.shots = shots

    def cell(self, key: str):
        """The `.jp-Cell` locator of the cell whose source is CELLS[key] (exact match)."""
        index = self.page.evaluate(
            "src => window.jupyterapp.shell.currentWidget.content.widgets"
            ".findIndex(c => c.model.sharedModel.getSource().trim() === src)", CELLS[key])
        assert index >= 0, f"no cell {CELLS[key]!r} in the page"
        return self.page.locator(".jp-Notebook .jp-Cell").nth(index)

    def output(self, key: str):
        return self.cell(key).locator(".jp-OutputArea-output")


def _run_all(page, timings: dict, started: float) -> None:
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=OPEN_TIMEOUT * 1000)
    page.wait_for_function(KERNEL_IDLE_JS, timeout=OPEN_TIMEOUT * 1000, polling=250)
    page.evaluate("() => window.jupyterapp.commands.execute('application:toggle-left-area')")  # the notebook's width
    timings["open"] = time.monotonic() - started
    page.evaluate(WATCH_JS)
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")  # not awaited: bounded below
    page.wait_for_function(FINISHED_JS, timeout=RUN_TIMEOUT * 1000, polling=500)
    timings["run"] = time.monotonic() - started - timings["open"]


def _screenshots(page, run_cells) -> list[Path]:
    """Each checked cell (input and output), then the whole notebook in one tall page."""
    shots = []
    for i, key in enumerate(CELLS, 1):
        path = ARTIFACTS / f"{i:02d}-{key}.png"
        try:
            run_cells(key).screenshot(path=str(path), timeout=10_000)
            shots.append(path)
        except Exception as exc:  # noqa: BLE001 -- a missing cell is reported by the checks
            print(f"no screenshot of {key}: {exc}")
    # JupyterLab scrolls inside `.jp-WindowedPanel-outer`: a viewport as tall as its content shows it all
    extra, height = page.evaluate("() => { const s = document.querySelector('.jp-WindowedPanel-outer');"
                                  " s.scrollTop = 0; return [window.innerHeight - s.clientHeight, s.scrollHeight]; }")
    page.set_viewport_size({"width": 1280, "height": min(16000, int(height + extra))})
    page.wait_for_timeout(500)  # relayout
    page.evaluate("() => { document.querySelector('.jp-WindowedPanel-outer').scrollTop = 0; }")
    page.screenshot(path=str(ARTIFACTS / "notebook.png"))
    shots.append(ARTIFACTS / "notebook.png")
    page.set_viewport_size({"width": 1280, "height": 900})
    return shots


@pytest.fixture(scope="module")
def lab_run(request, engine, engine2, engine2_address, auth_registry, tmp_path_factory):
    chromium = browser_tools()
    from playwright.sync_api import sync_playwright

    namespace = f"dmtest{uuid4().hex[:8]}"
    folder = tmp_path_factory.mktemp("browser")
    root, config = folder / "root", folder / "docker-config"
    root.mkdir(), config.mkdir()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.iterdir():   # this test's own files only: the other browser tests may be writing theirs
        if old.is_file() and not old.name.startswith(("highlight-", "completion-", "compose-", "nb7-")):
            old.unlink()
    shutil.copy(NOTEBOOKS / NOTEBOOK, root / "committed.ipynb")  # as Binder opens it: saved outputs, no kernel run
    _notebook(root, registry=auth_registry["address"], user=auth_registry["user"], namespace=namespace,
              other_engine=engine2_address)
    # the server's environment is its kernels': the password for --password-env, a docker config of our own
    env = dict(os.environ, DOCKER_CONFIG=str(config), DOCKER_PASSWORD=auth_registry["password"])
    console: list[str] = []
    timings: dict[str, float] = {}
    started = time.monotonic()
    try:
        with JupyterLab(root, env, folder) as lab, sync_playwright() as pw:
            timings["server"] = time.monotonic() - started
            browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True, timeout=30_000)
            try:
                page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
                page.set_default_timeout(RENDER_TIMEOUT)
                page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
                page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
                page.goto(lab.url("lab/tree/tutorial.ipynb"), timeout=OPEN_TIMEOUT * 1000)
                try:
                    _run_all(page, timings, started)
                except Exception:
                    page.screenshot(path=str(ARTIFACTS / "unfinished.png"))
                    _show(request, f"\nbrowser test: did not finish; see {ARTIFACTS / 'unfinished.png'} "
                                   f"and {lab.log_path}\n{lab.log_tail(600)}")
                    raise
                nb = page.evaluate("() => window.jupyterapp.shell.currentWidget.content.model.toJSON()")
                run = Run(lab, page, nb, console, timings, [])
                run.seen = page.evaluate("() => window.dmSeen")
                if not _failed(nb):  # widgets render after their cell ran: the last live view, before shooting
                    run.output("run-other").locator(VIEW).first.wait_for(timeout=RENDER_TIMEOUT)
                run.shots = _screenshots(page, run.cell)
                _save_notebook(nb, ARTIFACTS / "executed.ipynb")
                (ARTIFACTS / "console.log").write_text("\n".join(console) + "\n")
                _show(request, "\nbrowser test screenshots:\n" + "\n".join(f"  {p}" for p in run.shots)
                      + "\n  timings: " + ", ".join(f"{k} {v:.1f}s" for k, v in timings.items())
                      + f"\n  states seen while running: {', '.join(run.seen) or 'none'}")
                yield run
            finally:
                browser.close()
    finally:
        cleanup_tutorial((engine, engine2), engine, auth_registry, namespace)


def _code_cells(nb):
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def _failed(nb) -> list:
    return [(c["source"], o.get("evalue")) for c in _code_cells(nb) for o in c["outputs"] if o["output_type"] == "error"]


def test_every_cell_ran_in_the_browser_without_errors(lab_run, auth_registry):
    assert not _failed(lab_run.nb)
    assert all(c["execution_count"] for c in _code_cells(lab_run.nb)), "Run All stopped before the end"
    assert auth_registry["password"] not in lab_run.page.locator(".jp-Notebook").inner_text()


def test_the_views_changed_while_their_cells_ran(lab_run):
    """Live, not merely widgets: the page saw a build's vertex row `running` before it was done."""
    assert "running" in lab_run.seen and "vertex running" in lab_run.seen, lab_run.seen


def _assert_live(output, fallback_class: str) -> None:
    """A live widget tree in the output, and not the static HTML the bundle also carries."""
    output.locator(".jupyter-widgets.widget-vbox").first.wait_for(timeout=RENDER_TIMEOUT)
    assert output.count() == 1, "one output per view"
    assert output.get_attribute("data-mime-type") != "text/html", "HTML fallback shown"
    assert output.locator(f".{fallback_class}, [data-mime-type='text/html']").count() == 0, "HTML fallback shown"


def _plain(run, key) -> str:
    """The text/plain the kernel sent for that cell's view (the same view's terminal form)."""
    cell = next(c for c in _code_cells(run.nb) if c["source"].strip() == CELLS[key])
    return "".join(o.get("data", {}).get("text/plain", "") for o in cell["outputs"])


@pytest.mark.parametrize("key", ["build-base", "build-derived"])
def test_build_view_is_a_live_widget_with_a_row_per_vertex(lab_run, key):
    plain = _plain(lab_run, key)
    vertices = re.findall(r"^ #(\d+)\s+(\w+) ", plain, re.M)  # BuildKit's, in start order
    assert len(vertices) >= 3
    output = lab_run.output(key)
    if output.locator(".jupyter-widgets").count() == 0:
        # a build quicker than live_after (all cached): its final view as static HTML, every vertex in it
        assert _seconds(plain) < LIVE_AFTER + 0.2, "a build that ran long enough to watch made no widget"
        assert output.count() == 1 and output.locator(".dm-buildkit").count() == 1
        text = output.inner_text()
        assert "with BuildKit" in text and "succeeded" in text
        for number, state in vertices:
            assert re.search(rf"#{number}\s+{state}", text), (number, state)
        return
    _assert_live(output, "dm-build")
    rows = output.locator(".widget-vbox .widget-vbox > .widget-html")
    assert rows.count() == len(vertices)
    for i, (number, state) in enumerate(vertices):
        text = rows.nth(i).inner_text()
        assert text.startswith(f"#{number} {state}"), text
        assert state in ("cached", "done"), text
    assert any(re.search(r"\[\d+/\d+\] ", rows.nth(i).inner_text()) for i in range(rows.count()))
    header = output.locator(".widget-html").first.inner_text()
    assert "docker build" in header and "with BuildKit" in header and "succeeded" in header


def _seconds(plain: str) -> float:
    """How long the view's work took, from its text form's header (`[succeeded in 0.2s]`)."""
    return float(re.search(r"\[\w+ in ([\d.]+)s\]", plain).group(1))


@pytest.mark.parametrize("key", ["push-base", "push-derived", "pull-other", "push-live"])
def test_transfer_view_is_a_live_widget_with_full_progress_bars(lab_run, key):
    plain = _plain(lab_run, key)
    layers = len(re.findall(r"^[0-9a-f]{12}: ", plain, re.M))
    assert layers >= 2
    output = lab_run.output(key)
    kind = "dm-" + key.split("-")[0]
    if key != "push-live" and output.locator(".jupyter-widgets").count() == 0:
        # work quicker than live_after: its final view as static HTML, the same rows and bars
        assert _seconds(plain) < LIVE_AFTER + 0.2, "a view that ran long enough to watch made no widget"
        assert output.count() == 1 and output.locator(f".{kind}").count() == 1
        rows = output.locator(f".{kind} tr")
        assert rows.count() == layers and "succeeded" in output.inner_text()
        for i in range(layers):
            assert "width:100%" in rows.nth(i).inner_html().replace(" ", "")
        return
    _assert_live(output, kind)
    bars = output.locator(".widget-hprogress .progress-bar")
    assert bars.count() == layers  # one bar per layer row of the text form
    for i in range(bars.count()):
        assert "width: 100%" in bars.nth(i).get_attribute("style")
        assert "background-color: rgb(" in bars.nth(i).get_attribute("style")  # the badges' colours (bar_color)
    rows = output.locator(".widget-hbox")
    assert rows.count() == bars.count()
    assert re.match(r"[0-9a-f]{12} ", rows.first.inner_text())
    assert "succeeded" in output.locator(".widget-html").first.inner_text()


def test_second_push_says_mounted_from_the_base(lab_run):
    text = lab_run.output("push-derived").inner_text()
    assert "Mounted from" in text or "already exists" in text


def test_history_comparison_marks_the_shared_layers(lab_run):
    output = lab_run.output("history-compare")
    html = output.locator(".dm-history")
    html.wait_for(timeout=RENDER_TIMEOUT)
    assert output.get_attribute("data-mime-type") == "text/html"  # static HTML: a table, no widget
    shared_rows = html.locator("tbody tr", has=lab_run.page.locator("span", has_text=re.compile(r"^shared$")))
    own = html.locator("tbody span", has_text=re.compile(r"^own$"))
    assert shared_rows.count() >= 1 and own.count() >= 1
    ids = shared_rows.first.locator("code").first.inner_text()
    assert re.fullmatch(r"[0-9a-f]{12}|<missing>", ids)
    assert "shared layers" in html.inner_text()


def test_hello_world_here_and_on_the_other_machine(lab_run):
    for key in ("run-derived", "run-other"):
        output = lab_run.output(key)
        output.locator(VIEW).first.wait_for(timeout=RENDER_TIMEOUT)  # a live widget, or HTML when quicker than live_after
        assert "Hello world" in output.inner_text()
    assert "engine2" in lab_run.output("run-other").inner_text()


def test_no_widget_errors_on_the_page_or_in_the_console(lab_run):
    assert lab_run.page.locator("text=Error displaying widget").count() == 0
    errors = [m for m in lab_run.console if m.startswith(("error:", "pageerror:"))]
    assert not [m for m in errors if WIDGET_TROUBLE.search(m)], errors


def test_screenshots_were_saved(lab_run):
    assert len(lab_run.shots) == len(CELLS) + 1
    for path in lab_run.shots:
        assert path.stat().st_size > 1000, path


ADD_AND_RUN_JS = """src => {
  const panel = window.jupyterapp.shell.currentWidget, notebook = panel.content;
  notebook.activeCellIndex = notebook.widgets.length - 1;
  return window.jupyterapp.commands.execute('notebook:insert-cell-below').then(() => {
    notebook.activeCell.model.sharedModel.setSource(src);
    window.jupyterapp.commands.execute('notebook:run-cell');  // not awaited: it ends when the shell does
  });
}"""


def test_an_interactive_shell_is_typed_into_in_the_browser(lab_run, engine):
    """`%docker run -it --rm busybox sh` in JupyterLab: an input box under the cell, what is typed
    there runs in the container's shell, `exit` ends it with no box after, and nothing is left."""
    page = lab_run.page
    name = f"dm-browser-sh-{uuid4().hex[:8]}"
    page.evaluate(ADD_AND_RUN_JS, f"%docker run -it --rm --name {name} busybox sh")
    cell = page.locator(".jp-Notebook .jp-Cell").last
    for line in ("echo hello-$((6*7))", "exit"):
        # the box not yet typed into: JupyterLab may show an answered one a moment longer
        fresh = cell.locator("input.jp-Stdin-input:not([data-dm-typed])").last
        fresh.wait_for(timeout=RENDER_TIMEOUT)
        box = fresh.element_handle()
        box.evaluate("e => { e.dataset.dmTyped = '1'; }")
        box.fill(line)
        if line == "exit":
            cell.screenshot(path=str(ARTIFACTS / "interactive-shell.png"))
        box.press("Enter")
    page.wait_for_function(KERNEL_IDLE_JS, timeout=RENDER_TIMEOUT, polling=250)
    page.wait_for_timeout(500)  # the cell's last display
    cell.screenshot(path=str(ARTIFACTS / "interactive-shell-ended.png"))
    text = cell.locator(".jp-OutputArea").inner_text()
    assert "hello-42" in text, text
    assert cell.locator("input.jp-Stdin-input").count() == 0  # answered boxes go when the cell ends; none after `exit`
    assert "Error" not in text and "Traceback" not in text, text
    assert not engine.api.containers(all=True, filters={"name": name})  # --rm: gone


def test_the_committed_notebook_shows_its_saved_html_without_a_kernel_run(lab_run):
    """Binder, or a clone opened in JupyterLab: the saved bundles name widget models no kernel
    has, so JupyterLab must fall back to their HTML snapshots -- not say `Error displaying widget`."""
    page = lab_run.page.context.new_page()
    try:
        page.goto(lab_run.lab.url("lab/tree/committed.ipynb"), timeout=OPEN_TIMEOUT * 1000)
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=OPEN_TIMEOUT * 1000)
        page.locator(".dm-build").nth(1).wait_for(timeout=RENDER_TIMEOUT)  # both builds, as static HTML
        page.locator(".dm-push, .dm-pull").nth(2).wait_for(timeout=RENDER_TIMEOUT)
        page.wait_for_function(KERNEL_IDLE_JS, timeout=OPEN_TIMEOUT * 1000, polling=250)
        page.wait_for_timeout(1000)  # the widget manager has its kernel: a late re-render would show now
        assert page.locator(".dm-build").count() == 2
        assert page.locator("text=Error displaying widget").count() == 0
        assert "Hello world" in page.locator(".jp-Notebook").inner_text()
        page.locator(".dm-build").first.screenshot(path=str(ARTIFACTS / "committed-build.png"))
    finally:
        page.close()
