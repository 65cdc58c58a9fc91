"""The stack view of a Compose operation (`up`, `down`, `start`, `logs -f` ...): one row per
container, network, volume and image with v2's state and how long its step took, as v2's
progress display draws them (` ✔ Container demo-web-1  Started   0.4s`, a spinner while a
step works, a red ✘ and the engine's words for an error), then the services' log lines with
v2's coloured prefixes (`web-1  | ...`) when the operation is attached.

The rows are what the events said: the view keeps its own copy (a `ComposeProject` of its
own, moved by the same `apply`), so it never writes into the result it was given.  A result
shown again later (`stack_html`, `stack_text`) is drawn from the result's own rows and logs.

In a terminal the view prints v2's plain progress lines (` Container demo-web-1 Started`)
and the prefixed log lines as they come, stderr's to stderr.
"""

from __future__ import annotations

import sys
import time

from ...compose.results import DONE, ComposeProject, LogLine, ResourceRow, StackEvent
from ...text import ansi, units
from ..live import HTML, LiveView
from ..markup import MONO, MUTED, PRE, badge, box, code, esc
from .diagram import diagram_html
from .logs import ServiceLogs

#: the actions whose final view draws the project, coloured by its containers' states
DRAWN = {"up", "start", "restart", "create", "run", "scale", "unpause", "pause", "stop", "kill"}

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"   # v2's spinner frames
DONE_MARK, ERROR_MARK, WARN_MARK = "✔", "✘", "!"
COLOURS = {"done": "#1a7f37", "failed": "#cf222e", "interrupted": "#b58900", "running": "#2472c8",
           "idle": "#8a8a8a"}
_KINDS = {"container": "Container", "network": "Network", "volume": "Volume", "image": "Image"}


# -- one row ----------------------------------------------------------------------------------
def row_label(row: ResourceRow) -> str:
    """The resource as v2 names it in a progress line: `Container demo-web-1`,
    `Network demo_default`, `Volume "demo_data"`, an image by its service's or its own name."""
    if row.kind == "volume":
        return f'Volume "{row.name}"'
    if row.kind == "image":
        return row.name
    return f"{_KINDS.get(row.kind, row.kind.capitalize())} {row.name}"


def row_family(row: ResourceRow) -> str:
    """done, failed, interrupted (a warning), idle (exited 0) or running: the row's colour."""
    if row.state == "Error":
        return "failed"
    if row.state == "Warning":
        return "interrupted"
    if row.state == "Exited":
        return "failed" if _exit_code(row.text) else "idle"
    return "done" if row.state in DONE else "running"


def _exit_code(text: str) -> int:
    """The code in "exited (3)" / "exited with code 3"; 0 when none is said."""
    digits = "".join(ch if ch.isdigit() else " " for ch in text or "").split()
    return int(digits[-1]) if digits else 0


def row_mark(row: ResourceRow, now: float | None = None) -> str:
    family = row_family(row)
    if family == "failed":
        return ERROR_MARK
    if family == "interrupted":
        return WARN_MARK
    if family == "running":
        return SPINNER[int((now if now is not None else time.monotonic()) * 10) % len(SPINNER)]
    return DONE_MARK


def _seconds(row: ResourceRow) -> str:
    return f"{row.seconds:.1f}s"


# -- the rows, as HTML and text -------------------------------------------------------------------
def rows_html(rows: list[ResourceRow]) -> str:
    if not rows:
        return ""
    cell = "padding:0 12px 0 0;white-space:nowrap;vertical-align:top"
    out = []
    for row in rows:
        colour = COLOURS[row_family(row)]
        words = row.text if row.state in ("Error", "Warning", "Exited", "Waiting", "Healthy") or row.text else ""
        said = (f'<td style="padding:0;{"color:" + colour if row.state == "Error" else MUTED};white-space:pre-wrap">'
                f"{esc(words)}</td>") if words else '<td style="padding:0"></td>'
        out.append(
            f'<tr style="background:transparent">'
            f'<td style="{cell};color:{colour};font-weight:700;width:1.2em">{esc(row_mark(row))}</td>'
            f'<td style="{cell}">{esc(row_label(row))}</td>'
            f'<td style="{cell};color:{colour};font-weight:600">{esc(row.state)}</td>'
            f'<td style="{cell};{MUTED};text-align:right">{esc(_seconds(row))}</td>{said}</tr>'
        )
    return (f'<table style="border-collapse:collapse;table-layout:auto;margin:4px 0;{MONO};font-size:12px;'
            f'line-height:1.5">{"".join(out)}</table>')


def rows_text(rows: list[ResourceRow], title: str = "Running") -> str:
    """v2's progress display as it stands at the end: `[+] Running 3/3`, then one line a row."""
    if not rows:
        return ""
    done = sum(row_family(r) in ("done", "idle") for r in rows)
    label_width = max(len(row_label(r)) for r in rows)
    state_width = max(len(r.state) for r in rows)
    lines = [f"[+] {title} {done}/{len(rows)}"]
    for row in rows:
        text = f" {row.text}" if row_family(row) in ("failed", "interrupted") and row.text else ""
        lines.append(f" {row_mark(row)} {row_label(row):<{label_width}}  {row.state:<{state_width}} "
                     f"{_seconds(row):>6}{text}")
    return "\n".join(lines)


def plain_line(event: StackEvent) -> str:
    """v2's plain progress line (`--progress plain`, or no terminal): ` ID Text Details`."""
    row = ResourceRow(event.kind, event.name, event.state, event.service, event.text)
    return f" {row_label(row)} {event.state} {event.text}".rstrip()


def _title(action: str) -> str:
    return "Running"  # v2 titles every operation's display so


class StackView(LiveView):
    """The live view every `%docker compose` operation runs through (`ComposeCall.show`)."""

    def __init__(self, result: ComposeProject, mode: str = "auto", interval: float = 0.1,
                 live_after: float = 0.0, tick: float = 0.5, max_lines: int = 400, color: bool = True,
                 prefix: bool = True):
        super().__init__(mode=mode, interval=interval, tick=tick, live_after=live_after)
        self.result = result
        self.seen = ComposeProject(result.name, action=result.action)   # the rows the events made
        self.logs = ServiceLogs(result.name, max_lines, color, prefix)
        self.error: str | None = None
        self.failure: str | None = None   # failed or interrupted
        self._tty = color and getattr(sys.stdout, "isatty", lambda: False)()

    @classmethod
    def snapshot(cls, result: ComposeProject, max_lines: int = 400) -> "StackView":
        """A view of a finished operation, from the result's rows and logs alone."""
        view = cls(result, mode="none", max_lines=max_lines)
        for line in result.logs[-max_lines:] if len(result.logs) > max_lines else result.logs:
            view.logs.add(line.container or line.service, line.text, line.stream, line.timestamp)
        view.logs.dropped += max(0, len(result.logs) - max_lines)
        began = [r.began for r in result.rows]
        ended = [r.ended for r in result.rows if r.ended is not None]
        view.started = min(began) if began else view.started
        view.ended = max(ended) if ended else view.started
        return view

    @property
    def rows(self) -> list[ResourceRow]:
        return self.seen.rows or self.result.rows

    @property
    def state(self) -> str:
        if self.failure:
            return self.failure
        if self.ended is None:
            return "running"
        if any(row_family(r) == "failed" for r in self.rows) or (self.result.exit_code or 0) != 0:
            return "failed"
        return "done"

    # -- state ----------------------------------------------------------------------------
    def apply(self, event) -> None:
        if isinstance(event, LogLine):
            self.logs.add(event.container or event.service, event.text, event.stream, event.timestamp)
        elif isinstance(event, StackEvent):
            self.seen.apply(event)
            if event.kind == "container":  # v2 gives each attached container its colour up front
                self.logs.add_name(event.name)

    def fail(self, exc: BaseException) -> None:
        with self._lock:
            interrupted = isinstance(exc, KeyboardInterrupt) or "Interrupted" in type(exc).__name__
            self.failure = "interrupted" if interrupted else "failed"
            said = ansi.strip(str(exc)).removeprefix("interrupted: ")
            self.error = said or ("stopped by Ctrl-C" if interrupted else type(exc).__name__)

    # -- HTML -----------------------------------------------------------------------------
    def header_html(self) -> str:
        r = self.result
        rows = self.rows
        done = sum(row_family(x) in ("done", "idle") for x in rows)
        count = f" · {done}/{len(rows)}" if rows else ""
        return (
            f'<div><b>docker compose {esc(r.action)}</b> {badge(self.state)} {code(r.name)} '
            f'<span style="{MUTED}">{esc(count)} · {esc(units.duration(self.elapsed))}</span></div>'
            + (f'<div style="{MUTED};font-size:11.5px">{esc(r.engine)}</div>' if r.engine else "")
        )

    def logs_html(self) -> str:
        return f'<pre style="{PRE}">{self.logs.html()}</pre>' if len(self.logs) else ""

    def footer_html(self) -> str:
        if self.error:
            return f'<div style="margin-top:4px;color:#cf222e"><b>{esc(self.failure)}:</b> {esc(self.error)}</div>'
        if self.result.exit_code is not None and self.ended is not None:
            return f'<div style="margin-top:4px;{MUTED}">exit code {self.result.exit_code}</div>'
        return ""

    def diagram_html(self) -> str:
        """The project drawn, coloured by state, once the operation has ended (`up`, `start` ...)."""
        r = self.result
        if self.ended is None or r.action not in DRAWN or not (r.model or r.containers):
            return ""
        return diagram_html(r.model, r.containers, r.working_dir, r.name)

    def html(self) -> str:
        return box(self.header_html() + rows_html(self.rows) + self.logs_html() + self.footer_html()
                   + self.diagram_html(), "dm-compose")

    def build_widget(self):
        import ipywidgets as w

        self._parts = [HTML(self.header_html()), HTML(rows_html(self.rows)), HTML(self.logs_html()),
                       HTML(self.footer_html()), HTML(self.diagram_html())]
        layout = w.Layout(border="1px solid rgba(128,128,128,.35)", padding="4px 10px", margin="2px 0")
        return w.VBox(self._parts, layout=layout)

    def refresh(self) -> None:
        header, rows, logs, footer, drawn = self._parts
        header.value = self.header_html()   # an unchanged value is not sent again
        rows.value = rows_html(self.rows)
        logs.value = self.logs_html()
        footer.value = self.footer_html()
        drawn.value = self.diagram_html()

    # -- text -----------------------------------------------------------------------------
    def text(self) -> str:
        parts = [rows_text(self.rows, _title(self.result.action))]
        if len(self.logs):
            parts.append(self.logs.text())
        if self.error:
            parts.append(f"{self.failure}: {self.error}")
        elif self.result.exit_code is not None and self.ended is not None:
            parts.append(f"exit code {self.result.exit_code}")
        return "\n".join(p for p in parts if p) or f"docker compose {self.result.action} {self.result.name}"

    def echo(self, event) -> None:
        if isinstance(event, StackEvent):
            print(ansi.printable(plain_line(event)), flush=True)
        elif isinstance(event, LogLine):
            out = sys.stderr if event.stream == "stderr" else sys.stdout
            for entry in self.logs.last_added:
                out.write(ansi.printable(self.logs.line_text(entry, color=self._tty)) + "\n")
            out.flush()


def stack_html(result: ComposeProject) -> str:
    return StackView.snapshot(result).html()


def stack_text(result: ComposeProject) -> str:
    return StackView.snapshot(result).text()
