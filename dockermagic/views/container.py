"""Container views: the live output of a foreground run, exec or `docker logs` (stderr set
apart in red, bounded like the build log), and the card of a detached container with its
logs / stop / remove buttons and a status that follows the engine's events.

Container output is text: it goes through `ansi.to_html`, so markup in it is shown, never
run, and colours become styles.
"""

from __future__ import annotations

import sys
import threading
import weakref
from datetime import datetime, timezone

from .. import ansi, units
from ..containers import Container, ports_text
from ..markup import MUTED, PRE, badge, box, code, esc
from ..output import Exited, Output, RunResult, Started
from ..watch import ContainerStatus, watch
from .lines import BoundedLines
from .live import HTML, WIDGET_MIME, LiveView

ERR = "\x1e"  # marks a stderr line inside the window (a control character: never shown)
STDERR_STYLE = "color:#cd3131"
PARTIAL_LIMIT = 8192  # a line without newline is cut here, so one endless line stays bounded


class OutputWindow:
    """The lines a view keeps of two interleaved streams, each split into lines on its own."""

    def __init__(self, limit: int = 400):
        self.lines = BoundedLines(limit)
        self.partial = {"stdout": "", "stderr": ""}

    def write(self, stream: str, text: str) -> None:
        text = self.partial.get(stream, "") + text
        *done, rest = text.split("\n")
        mark = ERR if stream == "stderr" else ""
        for line in done:
            self.lines.add(mark + line)
        if len(rest) > PARTIAL_LIMIT:
            self.lines.add(mark + rest)
            rest = ""
        self.partial[stream] = rest

    def _all(self) -> list[str]:
        tail = [p if s == "stdout" else ERR + p for s, p in self.partial.items() if p]
        return self.lines.lines() + tail

    def __len__(self) -> int:
        return len(self.lines) + sum(1 for p in self.partial.values() if p)

    def html(self) -> str:
        out = []
        for line in self._all():
            if line.startswith(ERR):
                out.append(f'<span style="{STDERR_STYLE}">{ansi.to_html(line[1:])}</span>')
            else:
                out.append(ansi.to_html(line))
        return "\n".join(out)

    def text(self) -> str:
        return "\n".join(ansi.strip(line.lstrip(ERR)) for line in self._all())


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
            self.error = "interrupted" if isinstance(exc, KeyboardInterrupt) else str(exc)

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
                text = event.text
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


# -- the detached container's card ------------------------------------------------------------
STATUS_STATES = {"running": "running", "exited": "failed", "dead": "failed", "removed": "waiting", "created": "pending",
                 "paused": "interrupted", "restarting": "running", "removing": "waiting"}
_cards: "weakref.WeakValueDictionary[str, ContainerCard]" = weakref.WeakValueDictionary()


def card_for(container: Container) -> "ContainerCard | None":
    """The card showing `container` in this kernel, if one still does."""
    return _cards.get(container.id)


def _status_badge(status: ContainerStatus) -> str:
    state = STATUS_STATES.get(status.status, "waiting")
    exited = status.status == "exited" and status.exit_code is not None
    if exited and status.exit_code == 0:
        state = "done"
    html = badge(state, status.status + (f" ({status.exit_code})" if exited else ""))
    if status.removed and status.at is not None:
        when = datetime.fromtimestamp(status.at, timezone.utc)
        html += f' <span style="{MUTED}" title="{esc(when.isoformat())}">at {esc(when.strftime("%H:%M:%S"))} UTC</span>'
    return html


def _current(c: Container, status: ContainerStatus | None) -> ContainerStatus:
    if status is not None:
        return status
    state = c.info.get("State") or {}
    return ContainerStatus(state.get("Status", "?"), state.get("ExitCode"), info=c.info)


def card_html(c: Container, status: ContainerStatus | None = None, inner_only: bool = False) -> str:
    status = _current(c, status)
    info = status.info or c.info
    ports = ports_text((info.get("NetworkSettings") or {}).get("Ports") or {}) or "none"
    created = info.get("Created")
    body = (
        f'<div><b>{esc(c.name)}</b> {code(c.short_id)} {_status_badge(status)} '
        f'<span style="{MUTED}">image</span> {code(c.image)}</div>'
        f'<div style="font-size:12px"><span style="{MUTED}">ports</span> {code(ports)} '
        f'<span style="{MUTED}">· created <span title="{esc(units.timestamp(created))}">{esc(units.ago(created))}</span>'
        f' · {esc(" ".join((info.get("Config") or {}).get("Cmd") or []))}</span></div>'
    )
    return body if inner_only else box(body, "dm-container")


def card_text(c: Container, status: ContainerStatus | None = None) -> str:
    status = _current(c, status)
    ports = ports_text(((status.info or c.info).get("NetworkSettings") or {}).get("Ports") or {})
    when = f" at {units.timestamp(status.at)}" if status.removed and status.at is not None else ""
    return (f"{c.id}\n{c.name}  {c.short_id}  {c.image}  {status.status}{when}"
            + (f"  {ports}" if ports else "") + f"  created {units.ago(c.created)}")


def container_bundle(c: Container) -> dict:
    """A `Container` shown again: the card as it was when the container was last looked at."""
    return {"text/plain": card_text(c), "text/html": card_html(c)}


class ContainerCard:
    """A detached container: name, id, image, live status, ports, created; buttons for its
    logs, stop and remove.  The status follows the engine's events for this container (a
    `watch.ContainerWatch`, driven by a thread here); the buttons call the container's own
    `stop()`, `remove()` and `output.log_events`."""

    def __init__(self, container: Container, mode: str = "widget", max_lines: int = 200, stop_timeout: int = 10):
        self.container = container
        self.mode = mode
        self.max_lines = max_lines
        self.stop_timeout = stop_timeout
        self.widget = None
        self.status: ContainerStatus | None = None
        self.logs = OutputWindow(max_lines)
        self._handle = None
        self._watch = None
        self._lock = threading.RLock()
        self.watcher: threading.Thread | None = None
        _cards[container.id] = self

    def show(self) -> "ContainerCard":
        from IPython.display import display

        if self.mode == "text":
            print(card_text(self.container))
            return self
        if self.mode == "widget":
            self.widget = self.build_widget()
        self._handle = display(self._bundle(), raw=True, display_id=True)
        if self.mode == "widget":
            self.watch()
        return self

    def _bundle(self) -> dict:
        bundle = {"text/plain": card_text(self.container, self.status), "text/html": self.html()}
        if self.widget is not None:
            bundle[WIDGET_MIME] = {"version_major": 2, "version_minor": 0, "model_id": self.widget.model_id}
        return bundle

    def html(self) -> str:
        logs = f'<pre style="{PRE}">{self.logs.html()}</pre>' if len(self.logs) else ""
        return box(card_html(self.container, self.status, inner_only=True) + logs, "dm-container")

    def build_widget(self):
        import ipywidgets as w

        self._info = HTML(card_html(self.container, self.status, inner_only=True))
        self.logs_button = w.Button(description="Logs", icon="align-left", tooltip="Show the last lines of its output")
        self.stop_button = w.Button(description="Stop", icon="stop", tooltip=f"SIGTERM, then SIGKILL after {self.stop_timeout}s")
        self.remove_button = w.Button(description="Remove", icon="trash", button_style="danger", tooltip="Remove it (force)")
        self.logs_button.on_click(self._on_logs)
        self.stop_button.on_click(self._on_stop)
        self.remove_button.on_click(self._on_remove)
        self._logs_pane = HTML()
        buttons = w.HBox([self.logs_button, self.stop_button, self.remove_button])
        layout = w.Layout(border="1px solid rgba(128,128,128,.35)", padding="4px 10px", margin="2px 0")
        self._sync_buttons()
        return w.VBox([self._info, buttons, self._logs_pane], layout=layout)

    # -- handlers -------------------------------------------------------------------------
    def _on_logs(self, _button=None) -> None:
        from ..output import log_events

        window = OutputWindow(self.max_lines)
        try:
            for event in log_events(self.container.engine, self.container.id, tail=self.max_lines):
                window.write(event.stream, event.text)
        except Exception as exc:
            window.write("stderr", f"{exc}\n")
        self.logs = window
        self.update()

    def _on_stop(self, _button=None) -> threading.Thread:
        self.stop_button.disabled = True
        self.stop_button.description = "Stopping…"

        def stop():
            try:
                self.container.stop(self.stop_timeout)
            except Exception:
                pass
            self.stop_button.description = "Stop"
            self.update()

        thread = threading.Thread(target=stop, name="dockermagic-stop", daemon=True)
        thread.start()
        return thread

    def _on_remove(self, _button=None) -> None:
        self.remove_button.disabled = True
        try:
            self.container.remove(force=True)  # the watch sees it go and says when
        except Exception:
            self._sync_buttons()
            raise

    # -- live status ----------------------------------------------------------------------
    def watch(self) -> None:
        """Follow the container's status in a thread, until it is removed."""
        self._watch = watch(self.container.engine, self.container)

        def follow():
            try:
                for status in self._watch:
                    self.status = status
                    self.update()
            except Exception:  # noqa: BLE001 -- the engine went away: the card keeps its last state
                pass

        self.watcher = threading.Thread(target=follow, name="dockermagic-card", daemon=True)
        self.watcher.start()

    def close(self) -> None:
        if self._watch is not None:
            self._watch.close()

    def update(self) -> None:
        with self._lock:
            if self.widget is not None:
                self._info.value = card_html(self.container, self.status, inner_only=True)
                self._logs_pane.value = f'<pre style="{PRE}">{self.logs.html()}</pre>' if len(self.logs) else ""
                self._sync_buttons()
            if self._handle is not None:
                self._handle.update(self._bundle(), raw=True)

    def _sync_buttons(self) -> None:
        status = _current(self.container, self.status).status
        self.stop_button.disabled = status not in ("running", "restarting", "paused")
        self.remove_button.disabled = status in ("removed", "removing")
        self.logs_button.disabled = status == "removed"
