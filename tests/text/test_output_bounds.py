"""A chatty build in a real kernel: the saved cell stays small, the full log stays whole."""

import json

import nbformat
import pytest

from support.notebooks import execute

pytestmark = pytest.mark.engine


def test_100k_line_build_stores_at_most_256kb_in_the_cell(engine, made, tmp_path, unique, monkeypatch):
    # the classic builder: BuildKit clips a step's log itself ("log limit 200KiB/s reached")
    monkeypatch.setenv("DOCKER_BUILDKIT", "0")
    ctx = tmp_path / "chatty"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text(f"FROM busybox\nRUN echo {unique} && seq 1 100000\n")
    tag = made.image(f"dm-test/chatty{unique}")
    cells = [
        "%load_ext dockermagic",
        f"r = %docker_build -t {tag} {ctx}",
        "print(len(r.steps[1].output.splitlines()), r.ok)",
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    execute(nb, tmp_path)
    stored = len(json.dumps(nb.cells[1].outputs))
    assert stored <= 256 * 1024, stored
    assert nb.cells[2].outputs[0]["text"].split() == ["100001", "True"]
    html = nb.cells[1].outputs[0]["data"]["text/html"]
    assert "lines left out" in html and "100000" in html
