"""The card of a detached container: name, id, image, status, ports, created, and its logs /
stop / remove buttons.  Its status follows the engine's events through `watch.ContainerWatch`
(a thread here reads it); the buttons call the container's own `stop()` / `remove()` and
`output.log_events`.  Container output goes through `ansi.to_html`: shown, never run.
"""

from __future__ import annotations

import threading
import weakref
from datetime import datetime, timezone

from ..containers.containers import Container
from ..containers.watch import ContainerStatus, watch
from ..gotemplate.fields import ports_text
from ..text import units
from .container import OutputWindow
from .live import HTML, WIDGET_MIME
from .markup import MUTED, PRE, badge, box, code, esc

STATUS_STATES = {"running": "running", "exited": "failed", "dead": "failed", "removed": "waiting", "created": "pending",
                 "paused": "interrupted", "restarting": "running", "removing": "waiting"}
_cards: "weakref.WeakValueDictionary[str, ContainerCard]" = weakref.WeakValueDictionary()


def card_for(container: Container) -> "ContainerCard | None":
    """The card showing `container` in this kernel, if one still does."""
    return _cards.get(container.id)


def settle(names, timeout: float = 2.0) -> None:
    """After containers were removed by a magic (`%docker_rm -f box` in a later cell): each card
    showing one waits a moment for its watcher to see the end, then draws it from this thread.
    A watcher's own update comes from a background thread on behalf of the card's cell, which a
    headless runner (nbclient) may no longer be reading; this one belongs to the running cell."""
    wanted = set(names)
    for card in list(_cards.values()):
        c = card.container
        if c.id in wanted or c.name in wanted or any(n and c.id.startswith(n) for n in wanted):
            if card.watcher is not None:
                card.watcher.join(timeout)
            card.update()


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
        from ..containers.output import log_events

        window = OutputWindow(self.max_lines)
        try:
            for event in log_events(self.container.engine, self.container.id, tail=self.max_lines):
                window.write(event.stream, event.text)
        except Exception as exc:  # noqa: BLE001 -- a button's handler: the error is shown in the logs pane, where the click was
            window.write("stderr", f"{exc}\n")
        self.logs = window
        self.update()

    def _on_stop(self, _button=None) -> threading.Thread:
        self.stop_button.disabled = True
        self.stop_button.description = "Stopping…"

        def stop():
            try:
                self.container.stop(self.stop_timeout)
            except Exception:  # noqa: BLE001 -- in a thread: the card's status, from the watch, shows what became of it
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
