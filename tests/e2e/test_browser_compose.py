"""Notebook 05, "Several containers", in a real browser: JupyterLab on loopback, headless Chromium
(Debian's, driven by Playwright), Run All against the real engine with `live_after = 0`, so every
stack view is a LIVE widget -- then what a reader sees: the `up -d` rows (`Healthy`, `Started`)
in the widget, not its HTML fallback; the project drawn as an inline SVG naming `web` and
`worker`; the `ps` table; `config`'s highlighted YAML and its drawing; no widget errors.  And the
committed notebook opened with no kernel run: its saved HTML (rows, drawings), no `Error
displaying widget`.  Screenshots land in artifacts/browser/compose-*.png.

The project has a name of its own; whatever the run did, everything labelled with it goes.
Runs in CI like test_browser.py: a missing chromium or playwright fails there, skips elsewhere.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path
from uuid import uuid4

import nbformat
import pytest
from test_browser import (
    FINISHED_JS,
    KERNEL_IDLE_JS,
    OPEN_TIMEOUT,
    RENDER_TIMEOUT,
    WIDGET_TROUBLE,
    _code_cells,
    _failed,
    _save_notebook,
    _show,
)

from support.browser_fixtures import CHROMIUM_ARGS, JupyterLab, browser_tools
from support.compose_stacks import remove_project
from support.notebooks import NOTEBOOKS, ROOT, load, with_parameters

pytestmark = pytest.mark.engine
NOTEBOOK = "05-several-containers.ipynb"
ARTIFACTS = ROOT / "artifacts" / "browser"
RUN_TIMEOUT = 150  # s: every cell of notebook 05 (about 20 s here: a build, two health checks, a recreate)

# the cells the checks look at: (exact source, which of the cells with that source), screenshot names
CELLS = {
    "config": ("%docker compose config", 1),
    "up": ("%docker compose up -d", 1),
    "ps": ("stack = %docker compose ps\nstack", 1),
    "up-scale": ("%docker compose up -d --scale worker=2", 1),
    "up-changed": ("%docker compose up -d --scale worker=2", 2),  # `web` recreated after its change
}
LIVE = "%config DockerMagics.live_after = 0"  # injected after `%load_ext`: every stack view a widget


def _notebook(root: Path, project: str) -> Path:
    """Notebook 05 with its outputs cleared, this run's project name, and live views from the start."""
    nb = with_parameters(load(NOTEBOOK), project=project)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nb.metadata.pop("widgets", None)
    after = next(i for i, c in enumerate(nb.cells) if "%load_ext dockermagic" in c.source) + 1
    nb.cells.insert(after, nbformat.v4.new_code_cell(LIVE))
    path = root / "compose.ipynb"
    nbformat.write(nb, path)
    return path


def _cell(page, source: str, nth: int = 1):
    """The `.jp-Cell` of the page's notebook whose source is exactly `source` (the nth such)."""
    index = page.evaluate(
        """([src, nth]) => { let seen = 0;
             return window.jupyterapp.shell.currentWidget.content.widgets.findIndex(
               c => c.model.sharedModel.getSource().trim() === src && ++seen === nth); }""", [source, nth])
    assert index >= 0, f"no cell {source!r} (#{nth}) in the page"
    return page.locator(".jp-Notebook .jp-Cell").nth(index)


class Run:
    def __init__(self, lab, page, nb, console, timings, project):
        self.lab, self.page, self.nb, self.console, self.timings = lab, page, nb, console, timings
        self.project, self.shots, self.left = project, [], []

    def cell(self, key: str):
        return _cell(self.page, *CELLS[key])

    def output(self, key: str):
        return self.cell(key).locator(".jp-OutputArea-output")

    def plain(self, key: str) -> str:
        """The text/plain the kernel sent for that cell (the view's terminal form)."""
        source, nth = CELLS[key]
        cell = [c for c in _code_cells(self.nb) if c["source"].strip() == source][nth - 1]
        return "".join(o.get("data", {}).get("text/plain", "") for o in cell["outputs"])


def _run_all(page, timings: dict, started: float) -> None:
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=OPEN_TIMEOUT * 1000)
    page.wait_for_function(KERNEL_IDLE_JS, timeout=OPEN_TIMEOUT * 1000, polling=250)
    page.evaluate("() => window.jupyterapp.commands.execute('application:toggle-left-area')")  # the notebook's width
    timings["open"] = time.monotonic() - started
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")  # bounded below
    page.wait_for_function(FINISHED_JS, timeout=RUN_TIMEOUT * 1000, polling=500)
    timings["run"] = time.monotonic() - started - timings["open"]


def _screenshots(run) -> list[Path]:
    """Each checked cell, input and output.  JupyterLab scrolls inside `.jp-WindowedPanel-outer`,
    so a cell taller than the window would be cut: the window is made as tall as the notebook."""
    shots, page = [], run.page
    extra, height = page.evaluate("() => { const s = document.querySelector('.jp-WindowedPanel-outer');"
                                  " return [window.innerHeight - s.clientHeight, s.scrollHeight]; }")
    page.set_viewport_size({"width": 1280, "height": min(16000, int(height + extra))})
    page.wait_for_timeout(300)  # relayout
    for key in CELLS:
        path = ARTIFACTS / f"compose-{key}.png"
        try:
            run.output(key).first.locator(".jupyter-widgets, .dockermagic").first.wait_for(timeout=RENDER_TIMEOUT)
            run.cell(key).screenshot(path=str(path), timeout=10_000)
            shots.append(path)
        except Exception as exc:  # noqa: BLE001 -- a missing cell or view is reported by the checks
            print(f"no screenshot of {key}: {exc}")
    page.set_viewport_size({"width": 1280, "height": 900})
    return shots


@pytest.fixture(scope="module")
def compose_run(request, engine, tmp_path_factory):
    chromium = browser_tools()
    from playwright.sync_api import sync_playwright

    project = f"dmbrowser{uuid4().hex[:8]}"
    folder = tmp_path_factory.mktemp("browser-compose")
    root = folder / "root"
    root.mkdir()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("compose-*"):
        old.unlink()
    shutil.copy(NOTEBOOKS / NOTEBOOK, root / "committed.ipynb")  # as Binder opens it: saved outputs, no kernel run
    _notebook(root, project)
    console: list[str] = []
    timings: dict[str, float] = {}
    started = time.monotonic()
    run = None
    try:
        # the server's environment is its kernels': PYTHONPATH (this checkout's dockermagic) included
        with JupyterLab(root, dict(os.environ), folder) as lab, sync_playwright() as pw:
            timings["server"] = time.monotonic() - started
            browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True, timeout=30_000)
            try:
                page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
                page.set_default_timeout(RENDER_TIMEOUT)
                page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
                page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
                page.goto(lab.url("lab/tree/compose.ipynb"), timeout=OPEN_TIMEOUT * 1000)
                # the committed notebook in a page of its own, loading while the other runs
                committed = page.context.new_page()
                committed.on("console", lambda m: console.append(f"committed {m.type}: {m.text}"))
                committed.goto(lab.url("lab/tree/committed.ipynb"), timeout=OPEN_TIMEOUT * 1000)
                page.bring_to_front()
                try:
                    _run_all(page, timings, started)
                except Exception:
                    page.screenshot(path=str(ARTIFACTS / "compose-unfinished.png"))
                    _show(request, f"\nbrowser compose test: did not finish; see {ARTIFACTS / 'compose-unfinished.png'}"
                                   f" and {lab.log_path}\n{lab.log_tail(600)}")
                    raise
                nb = page.evaluate("() => window.jupyterapp.shell.currentWidget.content.model.toJSON()")
                run = Run(lab, page, nb, console, timings, project)
                run.committed = committed
                run.shots = _screenshots(run)
                _save_notebook(nb, ARTIFACTS / "compose-executed.ipynb")
                (ARTIFACTS / "compose-console.log").write_text("\n".join(console) + "\n")
                _show(request, "\nbrowser compose test screenshots:\n" + "\n".join(f"  {p}" for p in run.shots)
                      + "\n  timings: " + ", ".join(f"{k} {v:.1f}s" for k, v in timings.items()))
                yield run
            finally:
                browser.close()
    finally:
        left = remove_project(engine, project)
        if run is not None:
            run.left.extend(left)


def test_every_cell_ran_in_the_browser_without_errors(compose_run):
    assert not _failed(compose_run.nb)
    assert all(c["execution_count"] for c in _code_cells(compose_run.nb)), "Run All stopped before the end"


def _assert_live(output) -> None:
    """A live widget tree in the output, and not the static HTML the bundle also carries."""
    output.locator(".jupyter-widgets.widget-vbox").first.wait_for(timeout=RENDER_TIMEOUT)
    assert output.count() == 1, "one output per view"
    assert output.get_attribute("data-mime-type") != "text/html", "HTML fallback shown"
    assert output.locator(".dm-compose, [data-mime-type='text/html']").count() == 0, "HTML fallback shown"


def _assert_drawn(output, *services: str, timeout: float = RENDER_TIMEOUT) -> None:
    """The project's drawing: an image whose source is its SVG, visible, naming each service."""
    import base64
    import xml.etree.ElementTree as ET

    image = output.locator("img.dm-compose-diagram").last
    image.wait_for(state="visible", timeout=timeout)
    box = image.bounding_box()
    assert box and box["width"] > 100 and box["height"] > 50, box
    assert image.evaluate("img => img.complete && img.naturalWidth > 0"), "the SVG did not load as an image"
    src = image.get_attribute("src")
    svg = ET.fromstring(base64.b64decode(src.split(",", 1)[1]))
    words = {"".join(t.itertext()).strip() for t in svg.iter("{http://www.w3.org/2000/svg}text")}
    for service in services:
        assert service in words, (service, sorted(words))


@pytest.mark.parametrize("key", ["up", "up-scale", "up-changed"])
def test_up_is_a_live_widget_with_its_rows_and_the_drawing(compose_run, key):
    output, project = compose_run.output(key), compose_run.project
    _assert_live(output)
    header = output.locator(".widget-html").first.inner_text()
    assert "docker compose up" in header and project in header and "done" in header, header
    rows = {}
    for tr in output.locator("tr").all():
        cells = [c.strip() for c in tr.locator("td").all_inner_texts()]
        rows[cells[1]] = cells
    assert all(c[0] == "✔" for c in rows.values()), rows  # v2's mark: every step done
    worker, web = f"Container {project}-worker-1", f"Container {project}-web-1"
    assert rows[worker][2] == "Healthy", rows
    assert rows[web][2] == ("Running" if key == "up-scale" else "Started"), rows  # recreated after the change
    if key == "up":
        assert {f"Network {project}_default", f'Volume "{project}_data"', f"{project}-web"} <= set(rows), rows
    else:
        assert rows[f"Container {project}-worker-2"][2] == "Healthy", rows
    # the terminal's form of the same rows: every row of the widget, in the same state
    for label, cells in rows.items():
        assert re.search(rf"{re.escape(label)}\s+{cells[2]}\s", compose_run.plain(key) + "\n"), label
    _assert_drawn(output, "web", "worker")


def test_ps_is_a_table_and_the_drawing(compose_run):
    output, project = compose_run.output("ps"), compose_run.project
    table = output.locator(".dm-compose table").first
    table.wait_for(timeout=RENDER_TIMEOUT)
    assert output.get_attribute("data-mime-type") == "text/html"  # a finished listing: HTML, no widget
    heads = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    assert heads == ["NAME", "IMAGE", "COMMAND", "SERVICE", "CREATED", "STATUS", "PORTS"]
    rows = [[c.strip() for c in tr.locator("td").all_inner_texts()] for tr in table.locator("tbody tr").all()]
    assert [r[0] for r in rows] == [f"{project}-web-1", f"{project}-worker-1"], rows
    assert [r[3] for r in rows] == ["web", "worker"]
    assert all(r[5].startswith("Up") for r in rows), rows
    assert re.fullmatch(r"127\.0\.0\.1:\d+->8080/tcp", rows[0][6]), rows[0]
    _assert_drawn(output, "web", "worker")


def test_config_is_highlighted_yaml_and_the_drawing(compose_run):
    output = compose_run.output("config")
    pre = output.locator(".dm-compose pre").first
    pre.wait_for(timeout=RENDER_TIMEOUT)
    text = pre.inner_text()
    assert "services:" in text and "condition: service_healthy" in text, text[:400]
    assert pre.locator("span[style*='color']").count() > 20  # highlighted: keys, strings, numbers
    key_colour = pre.locator("span", has_text=re.compile(r"^services$")).first.evaluate("e => getComputedStyle(e).color")
    plain_colour = pre.evaluate("e => getComputedStyle(e).color")
    assert key_colour != plain_colour
    _assert_drawn(output, "web", "worker")


def test_no_widget_errors_on_the_page_or_in_the_console(compose_run):
    assert compose_run.page.locator("text=Error displaying widget").count() == 0
    errors = [m for m in compose_run.console if m.startswith(("error:", "pageerror:"))]
    assert not [m for m in errors if WIDGET_TROUBLE.search(m)], errors


def test_screenshots_were_saved(compose_run):
    assert [p.name for p in compose_run.shots] == [f"compose-{key}.png" for key in CELLS]
    for path in compose_run.shots:
        assert path.stat().st_size > 1000, path


def _open_committed(run):
    """The committed notebook as Binder or a clone shows it: saved outputs, not trusted (no kernel
    ran them here), a kernel idle beside them (its page was opened while the run went)."""
    page = run.committed
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=OPEN_TIMEOUT * 1000)
    page.wait_for_function(KERNEL_IDLE_JS, timeout=OPEN_TIMEOUT * 1000, polling=250)
    page.wait_for_timeout(500)  # the widget manager has its kernel: a late re-render would show now
    return page


def test_the_committed_notebook_shows_its_saved_html_without_a_kernel_run(compose_run):
    """The `up` cells' bundles name widget models no kernel has, so JupyterLab falls back to
    their HTML: the stack's rows, the ps table, the YAML -- and no widget error."""
    page = _open_committed(compose_run)
    assert page.locator("text=Error displaying widget").count() == 0
    assert page.locator(".jupyter-widgets.widget-vbox").count() == 0  # no model: no widget drawn
    for key, (source, nth) in CELLS.items():
        output = _cell(page, source, nth).locator(".jp-OutputArea-output")
        view = output.locator(".dm-compose")
        view.wait_for(timeout=RENDER_TIMEOUT)
        assert output.count() == 1, key
        if key.startswith("up"):
            rows = {tuple(c.strip() for c in tr.locator("td").all_inner_texts()[1:3]) for tr in view.locator("tr").all()}
            assert ("Container ticker-worker-1", "Healthy") in rows, rows
            assert ("Container ticker-web-1", "Running" if key == "up-scale" else "Started") in rows, rows
    assert "ticker-worker-1" in _cell(page, *CELLS["ps"]).locator(".dm-compose table").inner_text()
    assert "condition: service_healthy" in _cell(page, *CELLS["config"]).locator(".dm-compose pre").inner_text()
    up = _cell(page, *CELLS["up"])
    up.scroll_into_view_if_needed()
    up.screenshot(path=str(ARTIFACTS / "compose-committed-up.png"))


def test_the_committed_notebook_draws_the_project_without_a_kernel_run(compose_run):
    """JupyterLab sanitizes an untrusted notebook's HTML (Binder, a fresh clone) and keeps no <svg>:
    the drawing is an image whose source is its SVG, which survives."""
    page = _open_committed(compose_run)
    for key, (source, nth) in CELLS.items():
        _assert_drawn(_cell(page, source, nth).locator(".dm-compose"), "web", "worker", timeout=1000)


def test_down_left_nothing_of_the_project(compose_run, engine):
    """The notebook's last cell, `down -v --rmi local`, removed it all (the fixture removes any rest)."""
    api, mine = engine.api, {"label": f"com.docker.compose.project={compose_run.project}"}
    assert not api.containers(all=True, filters=mine)
    assert not api.networks(filters=mine)
    assert not api.volumes(filters=mine).get("Volumes")
    assert not api.images(name=f"{compose_run.project}-web")
