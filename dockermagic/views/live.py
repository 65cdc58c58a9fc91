"""The machinery every live view shares: where it shows, how often it redraws, and the
single output it leaves behind.

In a kernel a view is displayed once, with a display id, and updated in place: the saved
notebook holds the final state, once.  Its live widget comes only when the work has run
`live_after` seconds: making a widget tree (one comm per widget, each sending its whole
state) costs more than a quick push or a cached build itself, and a view nobody had time to
watch needs none.  Quicker work is displayed once, when it ends, as its final HTML and text.
Once made, the widget is the bundle's first choice and the HTML and text stay beside it:
frontends with widgets show the widget; nbconvert, GitHub and nbviewer (no widget state) show
the HTML; `jupyter console` the text.
In terminal IPython a view prints docker-CLI-like lines as events arrive instead.

Redraws are coalesced: events update the view's state at once, but widgets are refreshed at
most every `interval` seconds (and by a ticker thread during quiet stretches, so the clock
and the last lines still move).
"""

from __future__ import annotations

import contextvars
import threading
import time

from ..text import ansi

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
_COMPACT = '<div style="line-height:1.45">'
_html_class = None


def HTML(*args, **kwargs):  # noqa: N802 -- stands in for `ipywidgets.HTML`, under its name
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
    and for widget mode `build_widget()` / `refresh()`; for terminal mode `echo(event)`.

    `live_after`: seconds of work before the widget is made (0: at once).  A view whose widget
    stays useful after the work ended (a filter box) sets `keeps_widget`, and gets one then."""

    keeps_widget = False

    def __init__(self, mode: str = "auto", interval: float = 0.1, tick: float = 0.5, live_after: float = 0.0):
        self.mode = default_mode() if mode in ("auto", None) else mode
        self.interval = interval
        self.tick_interval = tick
        self.live_after = live_after
        self.started = time.monotonic()
        self.ended: float | None = None
        self.redraws = 0
        self.widget = None
        self._lock = threading.RLock()
        self._dirty = False
        self._last_draw = 0.0
        self._handle = None

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
        if self.mode == "widget" and self.live_after <= 0:
            self.widget = self.build_widget()
        if self.mode == "html" or self.widget is not None:
            self._handle = display(self._bundle(), raw=True, display_id=True)
        if self.mode in ("widget", "html"):
            self._start_ticker()
        return self

    def feed(self, event) -> None:
        with self._lock:
            self.apply(event)
            if self.mode == "text":
                self.echo(event)
                return
            self._dirty = True
            if self._waiting():
                if self.elapsed >= self.live_after:
                    self._go_live()
            elif time.monotonic() - self._last_draw >= self.interval:
                self._draw()

    def finish(self) -> None:
        """Final state: last redraw, and the saved output replaced by the final snapshot."""
        TICKER.discard(self)
        with self._lock:
            if self.ended is None:
                self.ended = time.monotonic()
            if self.mode == "text":
                self.echo(None)
                return
            if self._waiting() and self.keeps_widget:
                self.widget = self.build_widget()
            if self.widget is not None:
                self.refresh()
                self.redraws += 1
            if self.mode in ("widget", "html"):
                self._show()

    # -- internals ------------------------------------------------------------------------
    def _waiting(self) -> bool:
        """Widget mode, and the work not yet long enough to be worth a widget."""
        return self.mode == "widget" and self.widget is None

    def _go_live(self) -> None:
        """The widget shown in the view's one output, from now on what it redraws."""
        self.widget = self.build_widget()
        self._draw()
        self._show()

    def _show(self) -> None:
        """The bundle displayed, or updated where it already is.  A view still waiting for its
        widget has displayed nothing yet: each display waits for the kernel to flush stdout and
        stderr first, which costs as much as a quick operation's view."""
        if self._handle is None:
            from IPython.display import display

            self._handle = display(self._bundle(), raw=True, display_id=True)
        else:
            self._handle.update(self._bundle(), raw=True)

    def _draw(self) -> None:
        self._dirty = False
        self._last_draw = time.monotonic()
        self.redraws += 1
        if self.mode == "widget":
            self.refresh()
        elif self._handle is not None:
            self._handle.update(self._bundle(), raw=True)

    def _next_tick(self) -> float:
        if self._waiting():
            return max(0.0, min(self.tick_interval, self.live_after - self.elapsed))
        return self.tick_interval

    def _tick(self) -> float | None:
        """One tick (from the ticker's thread); the seconds until the next, `None` when done."""
        with self._lock:
            if self.ended is not None:
                return None
            if not self._waiting():
                self._draw()  # the clock moves even when nothing else does
            elif self.elapsed >= self.live_after:
                self._go_live()  # quiet work (a long RUN step) gets its widget too
            return self._next_tick()

    def _start_ticker(self) -> None:
        TICKER.add(self, self._next_tick())

    def _bundle(self) -> dict:
        bundle = {"text/plain": ansi.printable(self.text()), "text/html": ansi.valid(self.html())}
        if self.widget is not None:
            bundle[WIDGET_MIME] = {"version_major": 2, "version_minor": 0, "model_id": self.widget.model_id}
        return bundle

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/plain": self.text(), "text/html": self.html()}


class Ticker:
    """One thread ticking every running view of the kernel, started when the first view
    starts: a thread of its own per view costs a quick operation more than its whole view.

    Each view ticks in the context its work started in, so what a tick sends (comm messages,
    display updates) carries that cell's parent message and lands in its output."""

    def __init__(self):
        self._due: dict[LiveView, tuple[float, contextvars.Context]] = {}
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def add(self, view: LiveView, after: float) -> None:
        with self._wake:
            self._due[view] = (time.monotonic() + after, contextvars.copy_context())
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="dockermagic-views", daemon=True)
                self._thread.start()
            self._wake.notify()

    def discard(self, view: LiveView) -> None:
        with self._wake:
            self._due.pop(view, None)
            self._wake.notify()  # the last view gone: the thread ends now, not at its next tick

    def _loop(self) -> None:
        while True:
            with self._wake:
                now = time.monotonic()
                if not self._due:  # no view runs: the thread ends, the next view starts another
                    self._thread = None
                    return
                due = [(view, context) for view, (at, context) in self._due.items() if at <= now]
                if not due:
                    self._wake.wait(min((at for at, _ in self._due.values()), default=now + 60) - now)
                    continue
            for view, context in due:
                try:
                    after = context.run(view._tick)
                except Exception:  # noqa: BLE001 -- a view that cannot draw must not stop the others
                    after = None
                with self._wake:
                    if view in self._due:
                        if after is None:
                            del self._due[view]
                        else:
                            self._due[view] = (time.monotonic() + after, context)


TICKER = Ticker()


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
        if close is not None:  # a Ctrl-C between two events: the stream cleans up (cancels) now
            close()
        view.fail(exc)
        view.finish()
        raise
    view.finish()
