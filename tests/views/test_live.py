"""The live view's one output: quick work shown once, as its final HTML and text, with no
widget made; longer work gets its live widget, in the same output, and ends with it."""

from __future__ import annotations

import time

import nbformat
import pytest

from dockermagic.views.live import WIDGET_MIME, LiveView
from support.notebooks import execute


class Clock(LiveView):
    """A view of nothing but its clock, to watch the mechanism itself."""

    def apply(self, event) -> None:
        pass

    def html(self) -> str:
        return f"<b>{'done' if self.ended else 'running'}</b>"

    def text(self) -> str:
        return "done" if self.ended else "running"


@pytest.fixture
def shown(monkeypatch):
    """What the view displays, and each update of it, in order."""
    seen = []

    class Handle:
        def update(self, bundle, raw=False):
            seen.append(("update", bundle))

    def display(bundle, raw=False, display_id=None):
        seen.append(("display", bundle))
        return Handle()

    monkeypatch.setattr("IPython.display.display", display)
    return seen


def test_quick_work_is_displayed_once_as_its_final_state_without_a_widget(shown):
    view = Clock(mode="widget", live_after=5).start()
    view.feed("event")
    view.finish()
    assert view.widget is None
    assert shown == [("display", {"text/plain": "done", "text/html": "<b>done</b>"})]


def test_quiet_work_gets_its_widget_from_the_ticker_and_ends_with_it(shown):
    view = Clock(mode="widget", live_after=0.1).start()
    time.sleep(0.5)  # no events: the ticker makes the widget
    assert view.widget is not None and shown[0][0] == "display" and WIDGET_MIME in shown[0][1]
    assert "running" in view.widget.value
    view.finish()
    kind, last = shown[-1]
    assert kind == "update" and last["text/html"] == "<b>done</b>" and WIDGET_MIME in last
    assert "done" in view.widget.value
    assert [k for k, _ in shown].count("display") == 1


def test_a_view_that_keeps_its_widget_gets_it_at_the_end_of_quick_work(shown):
    class Kept(Clock):
        keeps_widget = True

    view = Kept(mode="widget", live_after=5).start()
    view.finish()
    assert view.widget is not None and "done" in view.widget.value
    assert len(shown) == 1 and shown[0][0] == "display" and WIDGET_MIME in shown[0][1]


def test_live_after_zero_is_a_widget_at_once(shown):
    view = Clock(mode="widget", live_after=0).start()
    assert view.widget is not None and WIDGET_MIME in shown[0][1]
    view.finish()


@pytest.mark.engine
def test_in_a_kernel_quick_and_slow_runs_leave_one_output_each(engine, tmp_path):
    cells = [
        "%load_ext dockermagic\nimport ipywidgets\nbefore = len(ipywidgets.Widget.widgets)",
        "%config DockerMagics.live_after = 5\n%docker_run --rm busybox echo quick-one",
        "print('widgets made:', len(ipywidgets.Widget.widgets) - before)",
        "%config DockerMagics.live_after = 0.2\n%docker_run --rm busybox sh -c 'sleep 1; echo slow-one'",
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    execute(nb, tmp_path, timeout=120)
    quick, count, slow = nb.cells[1].outputs, nb.cells[2].outputs, nb.cells[3].outputs
    assert len(quick) == 1 and WIDGET_MIME not in quick[0].data
    assert "quick-one" in quick[0].data["text/html"] and "exit code 0" in quick[0].data["text/html"]
    assert "quick-one" in quick[0].data["text/plain"]
    assert count[0].text.strip() == "widgets made: 0"
    assert len(slow) == 1 and WIDGET_MIME in slow[0].data  # the same output, updated in place
    assert "slow-one" in slow[0].data["text/html"] and "exit code 0" in slow[0].data["text/html"]
