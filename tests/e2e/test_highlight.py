"""dockermagic's JupyterLab extension in a real browser: `%%dockerfile`, `%%compose` and
`%%context_file NAME` cells highlighted as the file they write, their first line as IPython.

The oracle is JupyterLab itself: each cell's body is compared, token by token (the classes of
JupyterLab's highlight style), with the same text opened in JupyterLab's file editor as a
Dockerfile, a compose.yaml and a .sh file; the magic's first line with the same line in a .py
file.  Then: the tokens have the colours JupyterLab's theme gives them (FROM a keyword, a YAML
key an atom, as JupyterLab's YAML mode colours keys), a Python cell stays Python, typing a new
first line switches a cell's language at once, a notebook of another kernel language and a file
editor are left alone.  Screenshots land in artifacts/browser/highlight-*.png.

JupyterLab sees the extension the checkout built (labextension/dist, made by `pip install` or
`jlpm build` in labextension/) or else the installed one; neither is a failure in CI, a loud
skip elsewhere.  Runs in CI like test_browser.py: a missing chromium or playwright fails there.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import nbformat
import pytest

from support.browser_fixtures import (
    ARTIFACTS,
    CHROMIUM_ARGS,
    JupyterLab,
    browser_tools,
    extension_env,
    installed_extension,
    show,
)
from support.notebooks import ROOT

PLUGIN = "dockermagic:highlight"
MARK = "data-dockermagic-language"
OPEN_TIMEOUT = 60_000  # ms: JupyterLab's page and the notebook
SWITCH_TIMEOUT = 2_000  # ms: a new first line to a new language ("at once", with room for a busy machine)

DOCKERFILE = ('FROM busybox:1.36 AS base\n# the greeting\nARG WHO=world\nENV GREETING="hello $WHO"\n'
              'COPY --chmod=755 hello.sh /hello.sh\nRUN echo "$GREETING" && ls /\nCMD ["sh", "/hello.sh"]\n')
COMPOSE = ('services:\n  web:\n    image: busybox:1.36  # a comment\n    command: ["sleep", "60"]\n'
           '    ports:\n      - "8080:80"\n    environment:\n      GREETING: hello\n')
SCRIPT = '#!/bin/sh\n# greet\nif [ -n "$1" ]; then\n  echo "hello $1"\nfi\nexit 0\n'
PYTHON = 'import os\n\n\ndef greet(who="FROM"):\n    return f"hello {who}"  # not a Dockerfile\n'
# the notebook's cells: key -> (first line, body, the file the body is compared with)
CELLS = {
    "dockerfile": ("%%dockerfile hl-ctx", DOCKERFILE, "Dockerfile"),
    "compose": ("%%compose hl-ctx", COMPOSE, "compose.yaml"),
    "context-file": ("%%context_file --mode 755 hl-ctx/hello.sh", SCRIPT, "hello.sh"),
}

# every line of an editor: [text, highlight classes] per text run; CodeMirror's own `cm-*`
# classes (active line, selection matches, brackets) are left out, the highlight style's kept
TOKENS_JS = """content => [...content.querySelectorAll('.cm-line')].map(line => {
  const runs = [], walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const classes = [];
    for (let el = node.parentElement; el && el !== line; el = el.parentElement)
      for (const c of el.classList) if (!c.startsWith('cm-')) classes.push(c);
    const key = classes.sort().join(' ');
    if (runs.length && runs[runs.length - 1][1] === key) runs[runs.length - 1][0] += node.textContent;
    else runs.push([node.textContent, key]);
  }
  return runs.filter(r => r[0].trim() !== '' || r[1] !== '');
})"""
# the colour and weight of the run holding `word` on line `line` (0-based) of an editor
STYLE_JS = """([content, line, word]) => {
  const el = content.querySelectorAll('.cm-line')[line];
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.textContent.includes(word)) {
      const style = getComputedStyle(node.parentElement);
      return [style.color, style.fontWeight];
    }
  }
  return null;
}"""
# what a theme variable resolves to inside the editor, e.g. --jp-mirror-editor-keyword-color
VAR_JS = """([content, name]) => {
  const probe = document.createElement('span');
  probe.style.color = `var(${name})`;
  content.appendChild(probe);
  const color = getComputedStyle(probe).color;
  probe.remove();
  return color;
}"""


def _notebook(path: Path, language: str = "python") -> None:
    cells = [nbformat.v4.new_code_cell(f"{first}\n{body}".rstrip("\n")) for first, body, _ in CELLS.values()]
    cells.append(nbformat.v4.new_code_cell(PYTHON.rstrip("\n")))
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": language}
    nb.metadata["language_info"] = {"name": language}
    nbformat.write(nb, path)


class Lab:
    def __init__(self, lab, page):
        self.lab, self.page = lab, page

    def cell(self, index: int):
        return self.page.locator(".jp-Notebook .jp-Cell").nth(index)

    def content(self, index: int):
        return self.cell(index).locator(".cm-content").element_handle()

    def tokens(self, content) -> list:
        return self.page.evaluate(TOKENS_JS, content)

    def style(self, content, line: int, word: str):
        return self.page.evaluate(STYLE_JS, [content, line, word])

    def var(self, content, name: str) -> str:
        return self.page.evaluate(VAR_JS, [content, name])

    def file_tokens(self, name: str) -> list:
        """The tokens JupyterLab's file editor gives the file `name` (opened, read, closed)."""
        page = self.page
        page.evaluate("name => window.jupyterapp.commands.execute('docmanager:open', {path: name})", name)
        editor = page.locator(".jp-FileEditor:visible .cm-content").first
        editor.wait_for(timeout=OPEN_TIMEOUT)
        content = editor.element_handle()
        # the file's language loads, then its tree is highlighted: a run with the highlight style's class
        page.wait_for_function("c => [...c.querySelectorAll('.cm-line span')].some(s => [...s.classList]"
                               ".some(k => !k.startsWith('cm-')))", arg=content, timeout=OPEN_TIMEOUT)
        tokens = self.tokens(content)
        page.evaluate("() => window.jupyterapp.commands.execute('application:close')")
        page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=OPEN_TIMEOUT)
        return tokens

    def wait_marked(self, index: int, language: str | None, timeout: int = OPEN_TIMEOUT) -> None:
        self.page.wait_for_function(
            """([i, mark, want]) => {
              const cell = document.querySelectorAll('.jp-Notebook .jp-Cell')[i];
              return cell && cell.getAttribute(mark) === want;
            }""", arg=[index, MARK, language], timeout=timeout, polling=50)


@pytest.fixture(scope="module")
def lab(request, tmp_path_factory):
    chromium = browser_tools()
    from playwright.sync_api import sync_playwright

    folder = tmp_path_factory.mktemp("highlight")
    root = folder / "root"
    root.mkdir()
    env = extension_env(folder)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("highlight-*"):
        old.unlink()
    _notebook(root / "highlight.ipynb")
    for _, body, name in CELLS.values():
        (root / name).write_text(body)
    for key, (first, _, _) in CELLS.items():
        (root / f"magic-{key}.py").write_text(first + "\n")
    (root / "plain.py").write_text(PYTHON)
    (root / "looks-like-a-cell.py").write_text("%%compose\n" + COMPOSE)  # a file editor: stays Python
    console: list[str] = []
    with JupyterLab(root, env, folder) as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True, timeout=30_000)
        try:
            page = browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
            page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
            page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
            page.goto(server.url("lab/tree/highlight.ipynb"), timeout=OPEN_TIMEOUT)
            page.wait_for_selector(".jp-Notebook .jp-Cell .cm-content", timeout=OPEN_TIMEOUT)
            page.evaluate("() => window.jupyterapp.commands.execute('application:toggle-left-area')")
            result = Lab(server, page)
            result.console = console
            try:
                result.wait_marked(0, "Dockerfile")
                result.wait_marked(1, "YAML")
                result.wait_marked(2, "Shell")
            except Exception:
                page.screenshot(path=str(ARTIFACTS / "highlight-unfinished.png"))
                show(request, f"\nhighlight test: cells not marked; see {ARTIFACTS / 'highlight-unfinished.png'}"
                               f"\n{server.log_tail(600)}\n" + "\n".join(console[-20:]))
                raise
            page.wait_for_timeout(300)  # the trees are highlighted
            shots = [ARTIFACTS / "highlight-notebook.png"]
            page.locator(".jp-Notebook").screenshot(path=str(shots[0]))
            for i, key in enumerate([*CELLS, "python"]):
                shots.append(ARTIFACTS / f"highlight-{key}.png")
                result.cell(i).screenshot(path=str(shots[-1]))
            result.shots = shots
            show(request, "\nhighlight screenshots:\n" + "\n".join(f"  {p}" for p in shots))
            yield result
        finally:
            (ARTIFACTS / "highlight-console.log").write_text("\n".join(console) + "\n")
            browser.close()


def test_the_extension_is_active(lab):
    assert lab.page.evaluate(f"() => window.jupyterapp.isPluginActivated({PLUGIN!r})")


@pytest.mark.parametrize("index,key", [(0, "dockerfile"), (1, "compose"), (2, "context-file")])
def test_a_cell_body_is_highlighted_as_jupyterlab_highlights_its_file(lab, index, key):
    cell = lab.tokens(lab.content(index))
    first, body, name = CELLS[key]
    assert "".join(text for text, _ in cell[0]) == first
    assert cell[1:] == lab.file_tokens(name)[: len(cell) - 1]
    assert any(classes for line in cell[1:] for _, classes in line), "the body has no highlighted token"


def test_the_first_line_is_highlighted_as_ipython(lab):
    """Each magic line gets the tokens JupyterLab's IPython (Python) language gives that line."""
    for index, key in enumerate(CELLS):
        assert lab.tokens(lab.content(index))[0] == lab.file_tokens(f"magic-{key}.py")[0], key


def test_the_tokens_have_jupyterlabs_colours(lab):
    dockerfile, compose, script = (lab.content(i) for i in range(3))
    keyword = lab.var(dockerfile, "--jp-mirror-editor-keyword-color")
    for line, word in [(1, "FROM"), (1, "AS"), (4, "ENV"), (7, "CMD")]:
        assert lab.style(dockerfile, line, word) == [keyword, "700"], word
    assert lab.style(dockerfile, 2, "# the greeting")[0] == lab.var(dockerfile, "--jp-mirror-editor-comment-color")
    # JupyterLab's YAML mode colours a mapping's keys as atoms
    atom = lab.var(compose, "--jp-mirror-editor-atom-color")
    assert lab.style(compose, 1, "services")[0] == atom
    assert lab.style(compose, 2, "web")[0] == atom
    assert lab.style(compose, 3, "# a comment")[0] == lab.var(compose, "--jp-mirror-editor-comment-color")
    assert lab.style(script, 3, "if") == [keyword, "700"]
    assert lab.style(script, 4, "echo")[0] == lab.var(script, "--jp-mirror-editor-builtin-color")


def test_a_python_cell_stays_python(lab):
    python = lab.content(3)
    assert lab.cell(3).get_attribute(MARK) is None
    assert lab.tokens(python) == lab.file_tokens("plain.py")[:len(PYTHON.rstrip().splitlines())]
    assert lab.style(python, 3, "def") == [lab.var(python, "--jp-mirror-editor-keyword-color"), "700"]
    assert lab.style(python, 3, '"FROM"')[0] == lab.var(python, "--jp-mirror-editor-string-color")


def test_typing_a_new_first_line_switches_the_language_at_once(lab):
    page, compose = lab.page, lab.cell(1)
    yaml_tokens = lab.tokens(lab.content(1))
    compose.locator(".cm-line").first.click()
    page.keyboard.press("Home")
    page.keyboard.press("Shift+End")
    started = time.monotonic()
    page.keyboard.type("%%dockerfile hl-ctx")
    lab.wait_marked(1, "Dockerfile", timeout=SWITCH_TIMEOUT)
    switched = time.monotonic() - started
    page.wait_for_timeout(200)
    compose.screenshot(path=str(ARTIFACTS / "highlight-switched-to-dockerfile.png"))
    as_dockerfile = lab.tokens(lab.content(1))
    assert as_dockerfile[1:] != yaml_tokens[1:]  # `services:` is no Dockerfile instruction
    assert lab.style(lab.content(1), 1, "services")[0] != lab.var(lab.content(1), "--jp-mirror-editor-atom-color")
    # no magic at all: the whole cell is the notebook's IPython again, FROM no keyword
    page.keyboard.press("Home")
    page.keyboard.press("Shift+End")
    page.keyboard.type("# no magic")
    lab.wait_marked(1, None, timeout=SWITCH_TIMEOUT)
    page.wait_for_timeout(200)
    compose.screenshot(path=str(ARTIFACTS / "highlight-switched-to-python.png"))
    page.keyboard.press("Home")
    page.keyboard.press("Shift+End")
    page.keyboard.type(CELLS["compose"][0])
    lab.wait_marked(1, "YAML", timeout=SWITCH_TIMEOUT)
    page.wait_for_timeout(200)
    assert lab.tokens(lab.content(1)) == yaml_tokens
    assert switched < SWITCH_TIMEOUT / 1000


def test_a_new_cell_typed_into_is_highlighted(lab):
    page = lab.page
    page.evaluate("""() => {
      const notebook = window.jupyterapp.shell.currentWidget.content;
      notebook.activeCellIndex = notebook.widgets.length - 1;
      return window.jupyterapp.commands.execute('notebook:insert-cell-below');
    }""")
    index = page.locator(".jp-Notebook .jp-Cell").count() - 1
    lab.cell(index).locator(".cm-content").click()
    page.keyboard.type("%%context_file app/settings.json\n")
    page.keyboard.insert_text('{"port": 8080, "debug": true}')
    lab.wait_marked(index, "JSON", timeout=SWITCH_TIMEOUT)
    content = lab.content(index)
    assert lab.style(content, 1, "8080")[0] == lab.var(content, "--jp-mirror-editor-number-color")
    lab.cell(index).screenshot(path=str(ARTIFACTS / "highlight-new-cell-json.png"))
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:delete-cell')")


def test_another_kernels_notebook_is_left_alone(lab):
    """The notebook says its kernel's language is R: no cell is changed; Python again: back."""
    page = lab.page
    set_language = "name => window.jupyterapp.shell.currentWidget.content.model.setMetadata('language_info', {name})"
    page.evaluate(set_language, "R")
    try:
        for index in range(len(CELLS)):
            lab.wait_marked(index, None, timeout=SWITCH_TIMEOUT)
    finally:
        page.evaluate(set_language, "python")
    lab.wait_marked(0, "Dockerfile", timeout=SWITCH_TIMEOUT)


def test_a_file_editor_is_left_alone(lab):
    """A .py file whose first line is `%%compose` stays Python: its keys are no YAML atoms."""
    tokens = lab.file_tokens("looks-like-a-cell.py")
    assert tokens[1] != lab.tokens(lab.content(1))[1]
    assert lab.page.locator(f".jp-FileEditor [{MARK}]").count() == 0


def test_no_errors_in_the_console(lab):
    errors = [m for m in lab.console if m.startswith("pageerror:") or "dockermagic" in m]
    assert not errors, errors


def test_screenshots_were_saved(lab):
    for path in lab.shots:
        assert path.stat().st_size > 1000, path


def test_the_install_put_the_extension_where_jupyterlab_finds_it():
    """`pip install` (scripts/test's `-e '.[test]'` in CI) copies the build to share/jupyter/labextensions."""
    path = installed_extension()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("pip install did not put dockermagic's extension in share/jupyter/labextensions", pytrace=False)
        pytest.skip("dockermagic is not installed here (a checkout run with PYTHONPATH)")
    build = json.loads((path / "package.json").read_text())["jupyterlab"]["_build"]
    assert (path / build["load"]).is_file()
    assert json.loads((path / "install.json").read_text())["packageName"] == "dockermagic"


def test_the_extensions_magics_are_dockermagics_cell_magics(shell):
    """The extension's table (labextension/src/magics.ts) names cell magics dockermagic registers."""
    table = (ROOT / "labextension" / "src" / "magics.ts").read_text()
    names = re.findall(r"^  (\w+): ", table.split("export const CELL_MAGICS", 1)[1].split("\n};", 1)[0], re.M)
    assert names == ["dockerfile", "compose", "context_file"]
    cell_magics = shell.magics_manager.magics["cell"]
    for name in names:
        assert name in cell_magics and "dockermagic" in cell_magics[name].__module__, name
