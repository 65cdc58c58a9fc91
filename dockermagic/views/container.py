"""The live output of a foreground run, exec or `docker logs`: stderr set apart in red,
bounded like the build log (`card.py` has the detached container's card).

Container output is text: it goes through `ansi.to_html`, so markup in it is shown, never
run, and colours become styles.
"""

from __future__ import annotations

import re
import sys

from ..containers.output import Exited, Output, RunResult, Started
from ..text import ansi, units
from ..text.terminal import Terminal
from .lines import BoundedLines
from .live import HTML, LiveView
from .markup import MUTED, PRE, badge, box, code, esc

STDERR_STYLE = "color:#cd3131"
# a program's questions to its terminal (cursor position, status, identity): the terminal this
# is echoed to would answer them into the keyboard input, i.e. into IPython's next line
_QUERIES = re.compile(r"\x1b\[[0-9;?>]*[nc]")


class OutputWindow:
    """The lines a view keeps of two interleaved streams: each stream is its own terminal
    (a progress bar on stderr does not overwrite stdout), lines kept in the order they began."""

    def __init__(self, limit: int = 400):
        self.lines = BoundedLines(limit)
        self._terminals = {s: Terminal(on_line=self.lines.append, tag=s) for s in ("stdout", "stderr")}

    def write(self, stream: str, text) -> None:
        self._terminals.get(stream, self._terminals["stdout"]).write(text)

    def __len__(self) -> int:
        return len(self.lines)

    def html(self) -> str:
        out = []
        for tag, line in self.lines.rows():
            if tag == "stderr":
                out.append(f'<span style="{STDERR_STYLE}">{ansi.to_html(line)}</span>')
            else:
                out.append(ansi.to_html(line))
        return "\n".join(out)

    def text(self) -> str:
        return self.lines.text()


class OutputView(LiveView):
    """`docker run` / `docker exec` / `docker logs` output, live."""

    def __init__(self, result: RunResult, verb: str = "run", max_lines: int = 400, **kwargs):
        super().__init__(**kwargs)
        self.result = result
        self.verb = verb
        self.window = OutputWindow(max_lines)
        self.state = "starting"
        self.error: str | None = None
        self._echoed = 0
        self._limit = max_lines

    @classmethod
    def snapshot(cls, result: RunResult) -> dict:
        """HTML and text of a finished run, from the last output the result keeps."""
        view = cls.__new__(cls)
        LiveView.__init__(view, mode="none")
        view.result, view.verb, view.error = result, result.verb, result.note or None
        view.window = OutputWindow()
        for stream, text in result.tail.pieces:
            view.window.write(stream, text)
        view.state = _final_state(result)
        view.ended = view.started + (result.duration or 0)
        return view._repr_mimebundle_()

    # -- state ----------------------------------------------------------------------------
    def apply(self, event) -> None:
        if isinstance(event, Output):
            self.window.write(event.stream, event.text)
        elif isinstance(event, Started):
            self.state = "running"
        elif isinstance(event, Exited):
            self.state = _final_state(self.result)

    def fail(self, exc: BaseException) -> None:
        with self._lock:
            self.state = "interrupted" if isinstance(exc, KeyboardInterrupt) or "Interrupted" in type(exc).__name__ else "failed"
            said = str(exc)
            if self.state == "interrupted":  # the footer says "interrupted:" already
                said = said.removeprefix("interrupted: ")
            self.error = "interrupted" if isinstance(exc, KeyboardInterrupt) else said

    def flush(self) -> None:
        """Draw what came since the last redraw now, not at the next tick: before an input box
        the shell's prompt must be on show."""
        with self._lock:
            if self._dirty and self.mode != "text" and not self._waiting():
                self._draw()

    # -- HTML -----------------------------------------------------------------------------
    def header_html(self) -> str:
        r = self.result
        who = " ".join(x for x in (code(r.name) if r.name else "", code(r.short_id) if r.id else "") if x)
        return (
            f'<div><b>docker {esc(self.verb)}</b> {_badge(self.state, r)} {code(r.command)} '
            f'<span style="{MUTED}">{"· " + who if who else ""} · {esc(units.duration(self.elapsed))}</span></div>'
            f'<div style="{MUTED};font-size:11.5px">{esc(r.engine)}</div>'
        )

    def body_html(self) -> str:
        if not len(self.window):
            return ""
        return f'<pre style="{PRE}">{self.window.html()}</pre>'

    def footer_html(self) -> str:
        r = self.result
        if self.error:
            return f'<div style="margin-top:4px;color:#cd3131"><b>{esc(self.state)}:</b> {esc(ansi.strip(self.error))}</div>'
        if r.exit_code is None:
            return ""
        removed = " · removed (--rm)" if r.removed else ""
        return (f'<div style="margin-top:4px;{MUTED}">exit code {r.exit_code} · {esc(units.duration(r.duration))}'
                f' · {esc(units.size(r.store.bytes))} of output{removed}</div>')

    def html(self) -> str:
        return box(self.header_html() + self.body_html() + self.footer_html(), f"dm-{self.verb}")

    def build_widget(self):
        import ipywidgets as w

        self._header, self._body, self._footer = HTML(self.header_html()), HTML(), HTML()
        layout = w.Layout(border="1px solid rgba(128,128,128,.35)", padding="4px 10px", margin="2px 0")
        return w.VBox([self._header, self._body, self._footer], layout=layout)

    def refresh(self) -> None:
        self._header.value = self.header_html()
        self._body.value = self.body_html()
        self._footer.value = self.footer_html()

    # -- text -----------------------------------------------------------------------------
    def text(self) -> str:
        r = self.result
        head = f"docker {self.verb} {r.command} [{self.state}" + (
            f", exit code {r.exit_code}" if r.exit_code is not None else "") + f" in {units.duration(self.elapsed)}]"
        lines = [head] + ([self.window.text()] if len(self.window) else [])
        if self.error:
            lines.append(f"{self.state}: {ansi.strip(self.error)}")
        return "\n".join(lines)

    def echo(self, event) -> None:
        """As the CLI prints, for the first `max_lines` lines; then the last lines at the end."""
        if isinstance(event, Output):
            room = self._limit - self._echoed
            if room > 0:
                text = _QUERIES.sub("", event.text)
                if text.count("\n") > room:
                    text = "".join(text.splitlines(keepends=True)[:room])
                out = sys.stderr if event.stream == "stderr" else sys.stdout
                out.write(text)
                out.flush()
                self._echoed += max(1, text.count("\n"))
        elif event is None and self._echoed >= self._limit and self.window.lines.dropped:
            tail = self.window.text().split("\n")[-20:]
            print("… output left out here (the full log is on the returned object's .logs) …\n" + "\n".join(tail))


def run_bundle(result: RunResult) -> dict:
    """A `RunResult` shown again: how it ended and its last output."""
    return OutputView.snapshot(result)


def _final_state(result: RunResult) -> str:
    if result.note:
        return "interrupted"
    if result.exit_code is None:
        return "running"
    return "done" if result.exit_code == 0 else "failed"


def _badge(state: str, result: RunResult) -> str:
    if state in ("done", "failed") and result.exit_code is not None:
        return badge(state, f"exit {result.exit_code}")
    return badge(state)
