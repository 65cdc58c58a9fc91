"""dockermagic's Tab completion in a real JupyterLab: the kernel-side matcher (IPython's v2 API)
answers JupyterLab's completer, with nothing of JupyterLab's own changed.

A notebook with a running Python kernel, `%load_ext dockermagic` executed; two running busybox
containers with a unique prefix on the default engine (removed at the end whatever happens).
In new cells: `%docker stop PREFIX` + Tab lists the containers in `.jp-Completer`, choosing one
inserts it; `%docker_run --net` + Tab lists `--network`; in a
`%%dockerfile` cell `FR` + Tab offers `FROM`, and `FROM ` + Tab offers `scratch` and local images.
Screenshots land in artifacts/browser/completion-*.png.  Runs in CI like test_browser.py: a
missing chromium or playwright fails there.
"""

from __future__ import annotations

import subprocess
import time
import uuid

import nbformat
import pytest

from support.browser_fixtures import ARTIFACTS, CHROMIUM_ARGS, JupyterLab, browser_tools, extension_env, show

pytestmark = pytest.mark.engine

OPEN_TIMEOUT = 60_000  # ms: JupyterLab's page, the notebook and its kernel
ANSWER_TIMEOUT = 20  # s: a Tab answered with the wanted item (listings are fetched in the background)
POPUP = ".jp-Completer:visible"
ITEM = ".jp-Completer:visible .jp-Completer-item"

KERNEL_READY_JS = """() => {
  const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const session = panel && panel.sessionContext && panel.sessionContext.session;
  return !!(session && session.kernel && session.kernel.status === 'idle');
}"""
LOADED_JS = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const cell = panel.content.widgets[0];
  return panel.sessionContext.session.kernel.status === 'idle' && cell.model.executionCount !== null;
}"""
# a new empty code cell at the end of the notebook, made the active one
NEW_CELL_JS = """() => {
  const notebook = window.jupyterapp.shell.currentWidget.content;
  notebook.activeCellIndex = notebook.widgets.length - 1;
  return window.jupyterapp.commands.execute('notebook:insert-cell-below');
}"""
SOURCE_JS = "() => window.jupyterapp.shell.currentWidget.content.activeCell.model.sharedModel.getSource()"
# each item of the open completer: its label, the type JupyterLab shows beside it, its monogram
ITEMS_JS = """() => [...document.querySelectorAll('.jp-Completer:not(.lm-mod-hidden) .jp-Completer-item')].map(li => ({
  label: li.querySelector('.jp-Completer-match').textContent,
  type: (li.querySelector('.jp-Completer-typeExtended') || {}).textContent || '',
  monogram: (li.querySelector('.jp-Completer-monogram') || {}).textContent || '',
  title: li.title || '',
}))"""


def _docker(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=120)


def _local_images() -> set[str]:
    """The local images' names as the CLI lists them (untagged ones have no name to offer)."""
    return set(_docker("image", "ls", "--format", "{{.Repository}}:{{.Tag}}").stdout.split()) - {"<none>:<none>"}


@pytest.fixture(scope="module")
def containers(engine):
    """Two running containers named PREFIX-web and PREFIX-db (two: one would be inserted at
    once, JupyterLab opens its menu only for more than one match); removed whatever happens."""
    prefix = f"dmcomplete{uuid.uuid4().hex[:6]}"
    names = [f"{prefix}-web", f"{prefix}-db"]
    try:
        for name in names:
            proc = _docker("run", "-d", "--name", name, "busybox:latest", "sleep", "300")
            assert proc.returncode == 0, proc.stderr
        yield prefix, names
    finally:
        _docker("rm", "-f", *names)


class Lab:
    def __init__(self, server, page):
        self.server, self.page = server, page

    def new_cell(self, text: str) -> None:
        """Type `text` into a new code cell (the cursor at its end)."""
        page = self.page
        page.keyboard.press("Escape")
        page.evaluate(NEW_CELL_JS)
        page.locator(".jp-Notebook .jp-Cell").last.locator(".cm-content").click()
        page.keyboard.insert_text(text)

    def source(self) -> str:
        return self.page.evaluate(SOURCE_JS)

    def items(self) -> list[dict]:
        return self.page.evaluate(ITEMS_JS)

    def tab_until(self, wanted) -> list[dict]:
        """Tab until the completer lists an item for which `wanted(items)` holds; its items.

        The first Tab after a while may be answered before the engine's listing arrives (a Tab
        waits at most 80 ms for it): then the menu is closed and Tab pressed again."""
        page, deadline = self.page, time.monotonic() + ANSWER_TIMEOUT
        before, items = self.source(), []
        while time.monotonic() < deadline:
            page.keyboard.press("Tab")
            try:
                page.locator(ITEM).first.wait_for(timeout=3_000)
                page.wait_for_timeout(200)  # every item drawn
                items = self.items()
                if wanted(items):
                    return items
                page.keyboard.press("Escape")
                self.refocus()
            except Exception:  # noqa: BLE001 -- no menu: nothing, or one item inserted at once
                if self.source() != before:
                    return []
            page.wait_for_timeout(500)
        raise AssertionError(f"no completer menu as wanted after {ANSWER_TIMEOUT} s; last items: {items}")

    def refocus(self) -> None:
        """The cursor back at the end of the active cell, in edit mode."""
        self.page.locator(".jp-Notebook .jp-Cell").last.locator(".cm-content").click()
        self.page.keyboard.press("Control+End")

    def shoot(self, name: str) -> None:
        """The notebook with the completer over it: the panel's area, the menu included."""
        path = ARTIFACTS / f"completion-{name}.png"
        self.page.locator(".jp-NotebookPanel").screenshot(path=str(path))
        self.shots.append(path)


@pytest.fixture(scope="module")
def lab(request, engine, containers, tmp_path_factory):
    chromium = browser_tools()
    from playwright.sync_api import sync_playwright

    folder = tmp_path_factory.mktemp("completion")
    root = folder / "root"
    root.mkdir()
    env = extension_env(folder)  # the highlighting too, as a reader's JupyterLab shows the cells
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("completion-*"):
        old.unlink()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("%load_ext dockermagic")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, root / "completion.ipynb")
    console: list[str] = []
    with JupyterLab(root, env, folder) as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True, timeout=30_000)
        try:
            page = browser.new_context(viewport={"width": 1000, "height": 600}).new_page()
            page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
            page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
            page.goto(server.url("lab/tree/completion.ipynb"), timeout=OPEN_TIMEOUT)
            page.wait_for_selector(".jp-Notebook .jp-Cell .cm-content", timeout=OPEN_TIMEOUT)
            page.evaluate("() => window.jupyterapp.commands.execute('application:toggle-left-area')")
            result = Lab(server, page)
            result.console, result.shots = console, []
            try:
                page.wait_for_function(KERNEL_READY_JS, timeout=OPEN_TIMEOUT, polling=200)
                page.evaluate("""() => {
                  window.jupyterapp.shell.currentWidget.content.activeCellIndex = 0;
                  window.jupyterapp.commands.execute('notebook:run-cell');  // not awaited
                }""")
                page.wait_for_function(LOADED_JS, timeout=OPEN_TIMEOUT, polling=200)
            except Exception:
                page.screenshot(path=str(ARTIFACTS / "completion-unfinished.png"))
                show(request, f"\ncompletion test: no kernel; see {ARTIFACTS / 'completion-unfinished.png'}"
                              f"\n{server.log_tail(600)}\n" + "\n".join(console[-20:]))
                raise
            yield result
            show(request, "\ncompletion screenshots:\n" + "\n".join(f"  {p}" for p in result.shots))
        finally:
            (ARTIFACTS / "completion-console.log").write_text("\n".join(console) + "\n")
            browser.close()


def test_load_ext_ran_without_an_error(lab):
    outputs = lab.page.evaluate("() => window.jupyterapp.shell.currentWidget.content.widgets[0].model.outputs.toJSON()")
    assert not [o for o in outputs if o["output_type"] == "error"], outputs


def test_stop_lists_the_running_containers_and_choosing_one_inserts_it(lab, containers):
    prefix, names = containers
    lab.new_cell(f"%docker stop {prefix[:-2]}")
    items = lab.tab_until(lambda items: {i["label"] for i in items} >= set(names))
    assert {i["label"] for i in items} == set(names), items  # only containers, no Python names
    assert {i["type"] for i in items} == {"container"}, items
    lab.shoot("stop")
    lab.page.locator(ITEM).filter(has_text=names[0]).first.click()
    lab.page.locator(POPUP).wait_for(state="hidden", timeout=5_000)
    assert lab.source() == f"%docker stop {names[0]}"


def test_an_option_is_listed_as_an_option(lab):
    lab.new_cell("%docker_run --net")
    items = lab.tab_until(lambda items: any(i["label"] == "--network" for i in items))
    labels = [i["label"] for i in items]
    assert {"--network", "--net", "--network-alias"} <= set(labels), labels
    assert all(label.startswith("--net") for label in labels), labels
    # the type, one word, beside each item and as its monogram; the help is the terminal's
    assert {(i["type"], i["monogram"], i["title"]) for i in items} == {("option", "o", "option")}, items
    lab.shoot("option")
    lab.page.keyboard.press("Escape")


def test_an_instruction_at_a_dockerfile_line_start(lab):
    lab.new_cell("%%dockerfile ctx\nFR")
    items = lab.tab_until(lambda items: any(i["label"] == "FROM" for i in items))
    assert items == [{"label": "FROM", "type": "instruction", "monogram": "i", "title": "instruction"}], items
    lab.shoot("instruction")
    lab.page.locator(ITEM).first.click()
    lab.page.locator(POPUP).wait_for(state="hidden", timeout=5_000)
    assert lab.source() == "%%dockerfile ctx\nFROM"


def test_from_offers_scratch_and_the_local_images(lab):
    lab.new_cell("%%dockerfile ctx\nFROM ")
    local = _local_images()
    items = lab.tab_until(lambda items: any(i["label"] == "busybox:latest" for i in items))
    local |= _local_images()  # a shared engine: what was there before or after the Tab
    # the kernel's items first, each with its type; then JupyterLab's own context provider adds
    # the words of the cell (`%%`, `dockerfile` ...), untyped
    ours = [i["label"] for i in items if i["type"]]
    assert ours[0] == "scratch" and {i["type"] for i in items if i["type"]} == {"image"}, items
    assert "busybox:latest" in ours and set(ours[1:]) <= local, items
    assert items[: len(ours)] == [i for i in items if i["type"]], items
    lab.shoot("from")
    lab.page.keyboard.press("Escape")


def test_no_errors_in_the_console(lab):
    errors = [m for m in lab.console if m.startswith("pageerror:")]
    assert not errors, errors
