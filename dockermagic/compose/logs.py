"""A project's logs as Compose v2 reads them: `LogLine`s from several containers at once (one
reading thread each, lines handed over as they are whole), and `ComposeLogs`, what `docker
compose logs` read (the view, `views/compose/logs.py`, draws v2's prefixes and colours).

`follow()` ends when every container's stream has ended, or when the consumer stops (Ctrl-C
closes the generator), which cuts the streams still open.  With `watch` (`logs -f`) it also
reads the engine's events for the project, as v2 does, and follows a container created or
restarted meanwhile (a scale-up, a `restart`) from the moment it started.
"""

from __future__ import annotations

import codecs
import queue
import threading
import time
from dataclasses import dataclass, field

from ..containers.output import STREAMS, http_frames
from ..engine import adapter
from ..errors import ComposeError
from ..resources import events as engine_events
from . import labels as names
from . import state, targets
from .results import LogLine

_END = object()
WINDOW = 1.0   # seconds of engine events read at a time while following (the watcher's stop check)


def _as_target(item) -> tuple[str, str, str]:
    """(id or name, container name, service) of a summary dict, a `ComposeContainer` or a name."""
    if isinstance(item, dict):
        return item["Id"], state.name_of(item), (item.get("Labels") or {}).get(names.SERVICE, "")
    if isinstance(item, str):
        return item, item, ""
    return item.id or item.name, item.name, item.service


class _Reader(threading.Thread):
    """One container's log stream, split into whole lines per stream, put on a shared queue."""

    def __init__(self, engine, ident: str, name: str, service: str, params: dict, out: queue.Queue):
        super().__init__(name=f"dockermagic-logs-{name}", daemon=True)
        self.engine, self.target, self.cname, self.service, self.params, self.out = engine, ident, name, service, params, out
        self.response = None
        self.stopped = False

    def run(self) -> None:
        import docker

        try:
            info = self.engine.api.inspect_container(self.target)
            tty = bool(info["Config"].get("Tty"))
            if self.cname == self.target:  # given a name or id: its name and service as the engine has them
                self.cname = info["Name"].lstrip("/")
                self.service = self.service or (info["Config"].get("Labels") or {}).get(names.SERVICE, "")
            with adapter.response(self.engine.api, "GET", "/containers/{0}/logs", info["Id"], params=self.params) as resp:
                self.response = resp
                if self.stopped:
                    return
                self._lines(http_frames(resp, tty))
        except docker.errors.APIError as exc:
            if not self.stopped:
                self.out.put(ComposeError(f"logs of {self.cname}: {adapter.explanation(exc)}"))
        except Exception as exc:  # noqa: BLE001 -- a cut stream ends quietly; anything else goes to the consumer
            if not self.stopped:
                self.out.put(exc)
        finally:
            self.out.put(_END)

    def _lines(self, frames) -> None:
        decoders = {s: codecs.getincrementaldecoder("utf-8")("replace") for s in ("stdout", "stderr")}
        pending = {"stdout": "", "stderr": ""}
        for stream_id, data in frames:
            stream = STREAMS.get(stream_id, "stdout")
            pending[stream] += decoders[stream].decode(data)
            *whole, pending[stream] = pending[stream].split("\n")
            for text in whole:
                self.out.put(self._line(text, stream))
        for stream, rest in pending.items():
            if rest:
                self.out.put(self._line(rest, stream))

    def _line(self, text: str, stream: str) -> LogLine:
        text = text.removesuffix("\r")
        stamp = None
        if self.params.get("timestamps"):
            stamp, _, text = text.partition(" ")
        return LogLine(self.service, self.cname, text, stream, stamp)

    def stop(self) -> None:
        self.stopped = True
        if self.response is not None:
            adapter.cut(adapter.stream_socket(self.response))


def follow(engine, project_name: str, containers, *, tail=None, since=None, timestamps=False, follow=True,
           until=None, watch: tuple | None = None):
    """`LogLine`s of `containers` (summaries, `ComposeContainer`s or names) as they come, each
    line whole; `follow` False: what they logged so far.  `tail`: lines per container (None:
    all).  `watch` (services, index): also the project's containers that start meanwhile.
    Ends when every stream has ended (and, watching, no container of the project runs);
    closing the generator (Ctrl-C) cuts them."""
    params = {"stdout": 1, "stderr": 1, "follow": int(bool(follow)), "timestamps": int(bool(timestamps)),
              "tail": "all" if tail is None or int(tail) < 0 else str(int(tail))}
    if since:
        params["since"] = since
    if until:
        params["until"] = until
    out: queue.Queue = queue.Queue()
    readers = {}
    for c in containers:
        ident, name, service = _as_target(c)
        readers[ident] = _Reader(engine, ident, name, service, params, out)
    watcher = _Watcher(engine, project_name, *watch, out) if watch is not None and follow else None
    for reader in list(readers.values()):
        reader.start()
    if watcher is not None:
        watcher.start()
    try:
        while True:
            try:
                item = out.get(timeout=0.25)  # a timeout, so Ctrl-C lands between two looks
            except queue.Empty:
                if not any(r.is_alive() for r in readers.values()) and out.empty() and (
                        watcher is None or not _running(engine, project_name, watcher)):
                    return
                continue
            if isinstance(item, _Started):
                reader = readers.get(item.row["Id"])
                if reader is None or not reader.is_alive():
                    fresh = dict(params, since=item.since, tail="all")
                    reader = readers[item.row["Id"]] = _Reader(engine, *_as_target(item.row), fresh, out)
                    reader.start()
            elif isinstance(item, BaseException):
                raise item
            elif item is not _END:
                yield item
    finally:
        if watcher is not None:
            watcher.stopped = True
        for reader in readers.values():
            reader.stop()


def _running(engine, project: str, watcher) -> bool:
    """Whether a container `logs -f` follows still runs (while one does, a restart may come)."""
    return bool(_picked(state.raw_containers(engine.api, project, all=False), watcher.services, watcher.index))


def _picked(rows, services, index):
    rows = [r for r in rows if not services or state.service_of(r) in services]
    return [r for r in rows if index is None or state.number_of(r) == index]


class _Started:
    def __init__(self, row: dict, since: str):
        self.row, self.since = row, since


class _Watcher(threading.Thread):
    """The engine's `start` events of the project's service containers, read a `WINDOW` at a
    time (so `stopped` is seen within one), each handed over as `_Started` with its summary."""

    def __init__(self, engine, project: str, services, index, out: queue.Queue):
        super().__init__(name=f"dockermagic-logs-watch-{project}", daemon=True)
        self.engine, self.project, self.services, self.index, self.out = engine, project, services, index, out
        self.stopped = False

    def run(self) -> None:
        filters = {"label": [f"{names.PROJECT}={self.project}", f"{names.ONEOFF}=False"], "type": ["container"],
                   "event": ["start"]}
        begin = time.time()
        try:
            while not self.stopped:
                end = time.time() + WINDOW
                for event in engine_events.events(self.engine, f"{begin:.9f}", f"{end:.9f}", filters):
                    self._hand_over(event)
                begin = end
        except Exception as exc:  # noqa: BLE001 -- handed to the consumer, which raises it
            if not self.stopped:
                self.out.put(exc)

    def _hand_over(self, event) -> None:
        rows = _picked(state.raw_containers(self.engine.api, self.project, ids=[event.ID]),
                       self.services, self.index)
        for row in rows:
            self.out.put(_Started(row, str(event.time_nano // 1_000_000_000)))


def project_logs(engine, project_name: str, services=(), *, index: int | None = None, **options):
    """`docker compose logs [SERVICE...]`: the `LogLine`s of the project's service containers
    (one-offs left out, as v2 does); `index`: that replica only."""
    rows = _picked(targets.summaries(engine, project_name, services), services, index)
    watch = (tuple(services), index) if options.get("follow", True) else None
    return rows, follow(engine, project_name, rows, watch=watch, **options)


@dataclass(repr=False)
class ComposeLogs:
    """What `docker compose logs` (without `-f`) read: the lines, every container read in order
    (v2 pads the prefix to the longest name and colours them in that order), and how to show them."""

    project: str
    lines: list[LogLine] = field(default_factory=list)
    containers: list[str] = field(default_factory=list)
    prefix: bool = True
    color: bool = True
    timestamps: bool = False

    def __repr__(self) -> str:
        return f"<ComposeLogs {self.project}: {len(self.lines)} lines from {len(self.containers)} containers>"
