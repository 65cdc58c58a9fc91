"""Container views: the live output of a foreground run, exec or `docker logs` (stderr set
apart in red, bounded like the build log), and the card of a detached container with its
logs / stop / remove buttons and a status that follows the engine's events.

Container output is text: it goes through `ansi.to_html`, so markup in it is shown, never
run, and colours become styles.
"""

from __future__ import annotations

import sys
import threading

from .. import ansi, units
from ..containers import Container, ports_text
from ..markup import MUTED, PRE, badge, box, code, esc
from ..output import Exited, Output, RunResult, Started
from ..terminal import Terminal
from .lines import BoundedLines
from .live import HTML, WIDGET_MIME, LiveView

STDERR_STYLE = "color:#cd3131"


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
        result._window = self.window
        self.state = "starting"
        self.error: str | None = None
        self._echoed = 0
        self._limit = max_lines

    @classmethod
    def snapshot(cls, result: RunResult) -> dict:
        view = cls.__new__(cls)
        LiveView.__init__(view, mode="none")
        view.result, view.verb, view.error = result, result.verb, result.note or None
        view.window = result._window or OutputWindow()
        if result._window is None:
            view.window.write("stdout", result._tail)
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
STATUS_EVENTS = {"start", "die", "stop", "kill", "pause", "unpause", "restart", "destroy", "rename", "oom", "health_status"}
STATUS_STATES = {"running": "running", "exited": "failed", "dead": "failed", "removed": "waiting", "created": "pending",
                 "paused": "interrupted", "restarting": "running"}


def _status_badge(status: str, exit_code=None) -> str:
    state = STATUS_STATES.get(status, "waiting")
    if status == "exited" and exit_code == 0:
        state = "done"
    return badge(state, status + (f" ({exit_code})" if status == "exited" and exit_code is not None else ""))


def card_html(c: Container, inner_only: bool = False) -> str:
    state = c.info.get("State", {})
    status = state.get("Status", "?")
    ports = ports_text(c.ports) or "none"
    created = c.created
    body = (
        f'<div><b>{esc(c.name)}</b> {code(c.short_id)} {_status_badge(status, state.get("ExitCode"))} '
        f'<span style="{MUTED}">image</span> {code(c.image)}</div>'
        f'<div style="font-size:12px"><span style="{MUTED}">ports</span> {code(ports)} '
        f'<span style="{MUTED}">· created <span title="{esc(units.timestamp(created))}">{esc(units.ago(created))}</span>'
        f' · {esc(" ".join((c.info.get("Config") or {}).get("Cmd") or []))}</span></div>'
    )
    return body if inner_only else box(body, "dm-container")


def card_text(c: Container) -> str:
    state = c.info.get("State", {})
    ports = ports_text(c.ports)
    return (f"{c.id}\n{c.name}  {c.short_id}  {c.image}  {state.get('Status', '?')}"
            + (f"  {ports}" if ports else "") + f"  created {units.ago(c.created)}")


class ContainerCard:
    """A detached container: name, id, image, live status, ports, created; buttons for its
    logs, stop and remove.  The status follows the engine's events for this container."""

    def __init__(self, container: Container, mode: str = "widget", max_lines: int = 200, stop_timeout: int = 10):
        self.container = container
        self.mode = mode
        self.max_lines = max_lines
        self.stop_timeout = stop_timeout
        self.widget = None
        self.logs = OutputWindow(max_lines)
        self._handle = None
        self._events = None
        self._lock = threading.RLock()
        self.watcher: threading.Thread | None = None

    def show(self) -> "ContainerCard":
        from IPython.display import display

        if self.mode == "text":
            print(card_text(self.container))
            return self
        if self.mode == "widget":
            self.widget = self.build_widget()
            self.watch()
        self._handle = display(self._bundle(), raw=True, display_id=True)
        return self

    def _bundle(self) -> dict:
        bundle = {"text/plain": card_text(self.container), "text/html": self.html()}
        if self.widget is not None:
            bundle[WIDGET_MIME] = {"version_major": 2, "version_minor": 0, "model_id": self.widget.model_id}
        return bundle

    def html(self) -> str:
        logs = f'<pre style="{PRE}">{self.logs.html()}</pre>' if len(self.logs) else ""
        return box(card_html(self.container, inner_only=True) + logs, "dm-container")

    def build_widget(self):
        import ipywidgets as w

        self._info = HTML(card_html(self.container, inner_only=True))
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
        self.container.remove(force=True)
        self.update()

    # -- live status ----------------------------------------------------------------------
    def watch(self) -> None:
        """Follow the engine's events for this container in a thread, until it is removed."""
        api = self.container.engine.api
        try:
            self._events = api.events(filters={"container": [self.container.id], "type": ["container"]}, decode=True)
        except Exception:
            return

        def follow():
            try:
                for event in self._events:
                    action = str(event.get("Action") or event.get("status") or "").split(":")[0]
                    if action in STATUS_EVENTS:  # not exec_*, attach, ...: the card would not change
                        self.update()
                    if action == "destroy":
                        break
            except Exception:
                pass
            finally:
                self.close()

        self.watcher = threading.Thread(target=follow, name="dockermagic-card", daemon=True)
        self.watcher.start()

    def close(self) -> None:
        if self._events is not None:
            try:
                self._events.close()
            except Exception:
                pass

    def update(self) -> None:
        with self._lock:
            self.container.reload()
            if self.widget is not None:
                self._info.value = card_html(self.container, inner_only=True)
                self._logs_pane.value = f'<pre style="{PRE}">{self.logs.html()}</pre>' if len(self.logs) else ""
                self._sync_buttons()
            if self._handle is not None:
                self._handle.update(self._bundle(), raw=True)

    def _sync_buttons(self) -> None:
        status = self.container.info.get("State", {}).get("Status")
        self.stop_button.disabled = status not in ("running", "restarting", "paused")
        self.remove_button.disabled = status == "removed"
        self.logs_button.disabled = status == "removed"
