"""Output as a terminal shows it, on the real engine: a progress bar redrawn 3,000 times with
`\\r` ends as its last state in the widget, the saved HTML, the text and the result; one
8 MB line without a newline stays small in the saved cell; bytes that are not UTF-8 never
raise."""

import json

import nbformat
import pytest

from dockermagic.build.classic import build
from dockermagic.build.request import BuildRequest, BuildResult
from dockermagic.views import formatters
from dockermagic.views.build import BuildView
from dockermagic.views.live import run
from support.notebooks import execute

pytestmark = pytest.mark.engine

PROGRESS = "seq 3000 | sed 's/^/progress /' | tr '\\n' '\\r'; echo"  # progress 1\rprogress 2\r ... \n
CELL_BOUND = 256 * 1024  # bytes one saved cell may hold, whatever the output


def _last_state_only(text: str) -> None:
    assert "progress 3000" in text and "progress 2999" not in text and "left out" not in text


def test_container_progress_bar_ends_in_its_last_state(ip, views):
    ip.run_line_magic("config", "DockerMagics.display = 'widget'")
    ip.run_line_magic("config", "DockerMagics.live_after = 0")  # the widget even for quick work
    result = ip.run_line_magic("docker_run", f'--rm busybox sh -c "{PROGRESS}"')
    view = views[-1]
    bundle = formatters.bundle(result)
    for shown in (view._body.value, view.html(), view.text(), bundle["text/html"], bundle["text/plain"]):
        _last_state_only(shown)
    assert result.stdout == result.logs == "progress 3000\n"


def test_build_step_progress_bar_ends_in_its_last_state(engine, tmp_path):
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text(f'FROM busybox\nRUN {PROGRESS}\n')
    request = BuildRequest.make(str(ctx), no_cache=True)
    result = BuildResult(request.context, request.dockerfile, [], engine=engine.label)
    view = BuildView(result, mode="widget")
    try:
        run(view, build(engine, request, result))
    finally:
        if result.id:
            engine.api.remove_image(result.id, force=True)
    assert result.steps[1].output == "progress 3000"
    _last_state_only(result.log)
    for shown in (view._rows[1].value, view.html(), BuildView.snapshot(result)["text/html"]):
        _last_state_only(shown)
    assert len(result.log) < 2000


def test_progress_and_an_8mb_line_in_a_saved_notebook(engine, tmp_path):
    cells = [
        "%load_ext dockermagic",
        f'r = %docker_run --rm busybox sh -c "{PROGRESS}"',
        "r = %docker_run --rm busybox sh -c \"head -c 8000000 /dev/zero | tr '\\\\0' x\"",
        "print(len(r.logs), r.logs[:3])",
        "%docker_run --rm busybox sh -c \"printf 'ok \\\\377\\\\376 caf\\\\303'; printf '\\\\251\\\\n'\"",
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    execute(nb, tmp_path)
    progress = nb.cells[1].outputs[0]["data"]
    for shown in (progress["text/html"], progress["text/plain"]):
        _last_state_only(shown)
    huge = nb.cells[2].outputs
    stored = len(json.dumps(huge))
    assert stored < CELL_BOUND and stored < 40_000, stored  # one line: MAX_LINE characters of it
    assert "characters left out" in huge[0]["data"]["text/html"]
    length, start = nb.cells[3].outputs[0]["text"].split()
    assert 1 << 20 <= int(length) < 1 << 21 and start == "xxx"  # the log keeps a bounded line too
    mixed = nb.cells[4].outputs
    assert not any(o.output_type == "error" for o in mixed)
    assert "ok \ufffd\ufffd café" in mixed[0]["data"]["text/plain"]
