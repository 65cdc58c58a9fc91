"""The machinery every live view shares: where it shows, how often it redraws, and the
single output it leaves behind.

In a kernel a view is displayed once as one mimebundle holding the live widget, a static
HTML snapshot and plain text.  Frontends with widgets show the widget; nbconvert, GitHub and
nbviewer (no widget state) show the HTML; `jupyter console` the text.  The bundle is updated
in place when the work ends, so the saved notebook holds the final state, once.  In terminal
IPython a view prints docker-CLI-like lines as events arrive instead.

Redraws are coalesced: events update the view's state at once, but widgets are refreshed at
most every `interval` seconds (and by a ticker thread during quiet stretches, so the clock
and the last lines still move).
"""

from __future__ import annotations

import threading
import time

from .. import ansi

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
_COMPACT = '<div style="line-height:1.45">'
_html_class = None


def HTML(*args, **kwargs):
    """An `ipywidgets.HTML` whose content keeps the page's line height: ipywidgets gives its
    content a 28px line height, which makes a badge 28px tall and a list of rows twice as
    long as the same HTML in a saved notebook."""
    global _html_class
    if _html_class is None:
        import ipywidgets as w
        from traitlets import validate

        class CompactHTML(w.HTML):
            @validate("value")
            def _compact(self, proposal):
                value = proposal["value"]
                return value if not value or value.startswith(_COMPACT) else f"{_COMPACT}{value}</div>"

        _html_class = CompactHTML
    return _html_class(*args, **kwargs)


def default_mode() -> str:
    """`widget` inside a Jupyter kernel, `text` in terminal IPython or plain Python."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        return "text"
    shell = get_ipython()
    return "widget" if shell is not None and getattr(shell, "kernel", None) is not None else "text"


class LiveView:
    """Base class.  Subclasses implement `apply(event)` (update state), `html()`, `text()`,
    and for widget mode `build_widget()` / `refresh()`; for terminal mode `echo(event)`."""

    def __init__(self, mode: str = "auto", interval: float = 0.1, tick: float = 0.5):
        self.mode = default_mode() if mode in ("auto", None) else mode
        self.interval = interval
        self.tick_interval = tick
        self.started = time.monotonic()
        self.ended: float | None = None
        self.redraws = 0
        self.widget = None
        self._lock = threading.RLock()
        self._dirty = False
        self._last_draw = 0.0
        self._handle = None
        self._stop_ticker = threading.Event()
        self._ticker: threading.Thread | None = None

    # -- subclass hooks -------------------------------------------------------------------
    def apply(self, event) -> None:
        raise NotImplementedError

    def html(self) -> str:
        raise NotImplementedError

    def text(self) -> str:
        raise NotImplementedError

    def build_widget(self):
        """The widget tree, built once (widget mode)."""
        return HTML(self.html())

    def refresh(self) -> None:
        """Push the current state into the widget's traits (widget mode)."""
        self.widget.value = self.html()

    def echo(self, event) -> None:
        """Print what this event adds, as the docker CLI would (text mode); `None` at the end."""

    def fail(self, exc: BaseException) -> None:
        """Record a failure (or KeyboardInterrupt) so the final state shows it."""

    # -- lifecycle ------------------------------------------------------------------------
    @property
    def elapsed(self) -> float:
        return (self.ended or time.monotonic()) - self.started

    def start(self) -> "LiveView":
        from IPython.display import display

        self.started = time.monotonic()
        if self.mode == "widget":
            self.widget = self.build_widget()
            self._handle = display(self._bundle(), raw=True, display_id=True)
            self._start_ticker()
        elif self.mode == "html":
            self._handle = display(self._bundle(), raw=True, display_id=True)
            self._start_ticker()
        return self

    def feed(self, event) -> None:
        with self._lock:
            self.apply(event)
            if self.mode == "text":
                self.echo(event)
                return
            self._dirty = True
            if time.monotonic() - self._last_draw >= self.interval:
                self._draw()

    def finish(self) -> None:
        """Final state: last redraw, and the saved output replaced by the final snapshot."""
        self._stop_ticker.set()
        with self._lock:
            if self.ended is None:
                self.ended = time.monotonic()
            if self.mode == "text":
                self.echo(None)
                return
            if self.mode == "widget":
                self.refresh()
                self.redraws += 1
            if self._handle is not None:
                self._handle.update(self._bundle(), raw=True)

    # -- internals ------------------------------------------------------------------------
    def _draw(self) -> None:
        self._dirty = False
        self._last_draw = time.monotonic()
        self.redraws += 1
        if self.mode == "widget":
            self.refresh()
        elif self._handle is not None:
            self._handle.update(self._bundle(), raw=True)

    def _tick(self) -> None:
        while not self._stop_ticker.wait(self.tick_interval):
            with self._lock:
                if self.ended is not None:
                    return
                self._draw()  # the clock moves even when nothing else does

    def _start_ticker(self) -> None:
        self._ticker = threading.Thread(target=self._tick, name="dockermagic-view", daemon=True)
        self._ticker.start()

    def _bundle(self) -> dict:
        bundle = {"text/plain": ansi.printable(self.text()), "text/html": ansi.valid(self.html())}
        if self.widget is not None:
            bundle[WIDGET_MIME] = {"version_major": 2, "version_minor": 0, "model_id": self.widget.model_id}
        return bundle

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/plain": self.text(), "text/html": self.html()}


def run(view: LiveView, events) -> None:
    """Feed every event to the view; on any failure the view shows it, then it propagates.

    A failure on this side (Ctrl-C while the view draws) closes the event source first, so the
    core ends its work and records how it ended before the view shows it."""
    view.start()
    try:
        for event in events:
            view.feed(event)
    except BaseException as exc:
        close = getattr(events, "close", None)
        if close is not None:
            close()
        view.fail(exc)
        view.finish()
        raise
    view.finish()
