"""The build view fed by real builds: widget state, escaping, bounds, coalescing, text."""

import re

import pytest

from dockermagic.build.classic import build
from dockermagic.build.request import BuildRequest, BuildResult
from dockermagic.errors import BuildError
from dockermagic.views import formatters
from dockermagic.views.build import BuildView
from dockermagic.views.live import run

pytestmark = pytest.mark.engine


@pytest.fixture(autouse=True)
def classic_builder(monkeypatch):
    """The classic builder's step view, as DOCKER_BUILDKIT=0 asks (BuildKit's: tests/test_buildkit.py)."""
    monkeypatch.setenv("DOCKER_BUILDKIT", "0")


def view_build(engine, context, dockerfile, mode="widget", **view_args):
    (context / "Dockerfile").write_text(dockerfile)
    request = BuildRequest.make(str(context), no_cache=True)
    result = BuildResult(request.context, request.dockerfile, request.tags, engine=engine.label)
    view = BuildView(result, mode=mode, **view_args)
    error = None
    try:
        run(view, build(engine, request, result))
    except BuildError as exc:
        error = exc
    if result.id:
        engine.api.remove_image(result.id, force=True)
    return view, result, error


HOSTILE = "FROM busybox\nRUN echo '<script>alert(1)</script><img src=x onerror=alert(2)>' && printf '\\033[31mred\\033[0m \\033]0;title\\007\\033[Kdone\\n'\n"


def test_widget_rows_follow_steps_and_escape_everything(engine, context):
    view, result, _ = view_build(engine, context, HOSTILE)
    assert len(view._rows) == len(result.steps) == 2
    row = view._rows[1].value
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in row and "<script>" not in row
    assert "<img" not in row.replace("&lt;img", "")
    assert '<span style="color:#cd3131">red</span>' in row  # ANSI colour as colour
    output = row[row.index("<pre"):]
    assert "\x1b" not in output and "title" not in output and "done" in output  # other sequences dropped
    assert "succeeded" in view._header.value
    assert "Built" in view._footer.value and result.short_id in view._footer.value
    html = view.html()
    assert "<script>" not in html and engine.label in html


def test_failed_step_is_expanded_with_output_and_exit_code(engine, context):
    view, result, error = view_build(engine, context, "FROM busybox\nRUN echo last words; exit 4\n")
    assert error is not None and view.state == "failed"
    row = view._rows[1].value
    assert "<details open" in row and "last words" in row and "exit code 4" in row
    assert "failed" in view._footer.value
    assert "exit code 4" not in view._rows[0].value


def test_output_is_bounded_in_the_view_not_in_the_log(engine, context):
    view, result, _ = view_build(
        engine, context, "FROM busybox\nRUN seq 1 5000\nRUN echo next\n", mode="html", max_lines=90)
    html = view.html()
    assert "lines left out" in html
    assert len(result.steps[1].output.splitlines()) == 5000  # the full log is kept
    assert "\n5000\n" in "\n" + result.log + "\n"
    assert len(html) < 20_000


def test_chatty_build_redraws_at_most_about_ten_times_a_second(engine, context):
    view, result, _ = view_build(engine, context, "FROM busybox\nRUN seq 1 30000\n", max_lines=50)
    assert len(result.steps[1].output.splitlines()) == 30000
    assert view.redraws <= view.elapsed * 10 + 3 + view.elapsed / view.tick_interval


def test_text_mode_echoes_like_the_cli(engine, context, capsys):
    view, result, _ = view_build(engine, context, "FROM busybox\nRUN echo from-run\n", mode="text")
    out = capsys.readouterr().out
    assert "Step 1/2 : FROM busybox" in out and "from-run" in out
    assert re.search(r"Successfully built [0-9a-f]{12}", out)
    text = view.text()
    assert "Step 2/2" in text and "succeeded" in text


def test_result_snapshot_renders_again(engine, context):
    view, result, _ = view_build(engine, context, "FROM busybox\nRUN echo snap\n", mode="html")
    bundle = formatters.bundle(result)
    assert "snap" in bundle["text/html"] and "Step 2/2" in bundle["text/plain"]


def test_a_build_stopped_midway_ends_its_steps_in_the_result(engine, context, unique):
    import time

    from dockermagic.build.classic import StepOutput

    (context / "Dockerfile").write_text(f"FROM busybox\nRUN echo started-{unique} && sleep 30\n")
    request = BuildRequest.make(str(context), no_cache=True)
    result = BuildResult(request.context, request.dockerfile, request.tags, engine=engine.label)
    events = build(engine, request, result)
    for event in events:
        if isinstance(event, StepOutput) and f"started-{unique}" in event.line:
            break
    events.close()  # what `run()` does when Ctrl-C lands in the view
    assert result.state == "interrupted" and result.steps[-1].state == "interrupted"
    assert result.error and result.ended is not None
    shown = formatters.bundle(result)
    assert "interrupted" in shown["text/plain"] and "interrupted" in shown["text/html"]
    deadline = time.monotonic() + 20  # closing the stream makes the engine cancel the build
    while time.monotonic() < deadline:
        left = [c for c in engine.api.containers(all=True) if unique in (c.get("Command") or "")]
        if not left:
            break
        time.sleep(0.5)
    assert left == []


def test_a_result_renders_through_ipythons_formatters_once_per_cell(ip, engine, context, capsys):
    view, result, _ = view_build(engine, context, "FROM busybox\nRUN echo again\n", mode="html")
    data, _ = ip.display_formatter.mimebundle_formatter(result)
    assert "again" in data["text/html"] and "Step 2/2" in data["text/plain"]
    formatters.shown(result, ip.execution_count, "html")
    capsys.readouterr()
    ip.display_formatter.format(result)  # the displayhook, in the cell whose view showed it
    assert capsys.readouterr().out == ""
    formatters.shown(result, ip.execution_count, "text")
    ip.display_formatter.format(result)
    assert capsys.readouterr().out.strip() == repr(result)  # a terminal's Out[n]: one line
    formatters.shown(result, ip.execution_count - 1, "text")  # a later cell: shown in full
    ip.display_formatter.format(result)
    assert "Step 2/2" in capsys.readouterr().out
    ip.run_line_magic("unload_ext", "dockermagic")
    try:
        for formatter in (ip.display_formatter.mimebundle_formatter, ip.display_formatter.ipython_display_formatter):
            with pytest.raises(KeyError):
                formatter.lookup(result)
    finally:
        ip.run_line_magic("load_ext", "dockermagic")
