"""A project's logs as Compose v2 shows them: `LogLine`s from several containers at once (one
reading thread each, lines handed over as they are whole), and the text `docker compose logs`
prints -- `web-1  | text`, the prefix padded to the longest container name, a colour per
container from v2's rainbow unless `--no-color`, `--no-log-prefix`, `-t`.

`follow()` is also the foreground `up`'s: it ends when every container's stream has ended, or
when the consumer stops (Ctrl-C closes the generator), which cuts the streams still open.
"""

from __future__ import annotations

import codecs
import queue
import threading
from dataclasses import dataclass, field

from ..containers.output import STREAMS, http_frames
from ..engine import adapter
from ..errors import ComposeError
from . import targets
from .results import LogLine

#: v2's rainbow (cmd/formatter/colors.go): cyan, yellow, green, magenta, blue, then their intense kin
RAINBOW = ("36", "33", "32", "35", "34", "36;1", "33;1", "32;1", "35;1", "34;1")
_END = object()


def short_name(project: str, name: str) -> str:
    """`demo-web-1` -> `web-1`, as v2 names a container in a log prefix."""
    return name[len(project) + 1:] if name.startswith(project + "-") else name


def _as_target(item) -> tuple[str, str, str]:
    """(id or name, container name, service) of a summary dict, a `ComposeContainer` or a name."""
    if isinstance(item, dict):
        return item["Id"], targets.name_of(item), (item.get("Labels") or {}).get(targets.SERVICE, "")
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
                self.service = self.service or (info["Config"].get("Labels") or {}).get(targets.SERVICE, "")
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
           until=None):
    """`LogLine`s of `containers` (summaries, `ComposeContainer`s or names) as they come, each
    line whole; `follow` False: what they logged so far.  `tail`: lines per container (None:
    all).  Ends when every stream has ended; closing the generator (Ctrl-C) cuts them."""
    params = {"stdout": 1, "stderr": 1, "follow": int(bool(follow)), "timestamps": int(bool(timestamps)),
              "tail": "all" if tail is None or int(tail) < 0 else str(int(tail))}
    if since:
        params["since"] = since
    if until:
        params["until"] = until
    out: queue.Queue = queue.Queue()
    readers = [_Reader(engine, *_as_target(c), params, out) for c in containers]
    for reader in readers:
        reader.start()
    open_streams = len(readers)
    try:
        while open_streams:
            try:
                item = out.get(timeout=0.25)  # a timeout, so Ctrl-C lands between two looks
            except queue.Empty:
                continue
            if item is _END:
                open_streams -= 1
            elif isinstance(item, BaseException):
                raise item
            else:
                yield item
    finally:
        for reader in readers:
            reader.stop()


def project_logs(engine, project_name: str, services=(), *, index: int | None = None, **options):
    """`docker compose logs [SERVICE...]`: the `LogLine`s of the project's service containers
    (one-offs left out, as v2 does); `index`: that replica only."""
    rows = targets.summaries(engine, project_name, services)
    if index is not None:
        rows = [r for r in rows if (r.get("Labels") or {}).get(targets.NUMBER) == str(index)]
    return rows, follow(engine, project_name, rows, **options)


@dataclass(repr=False)
class ComposeLogs:
    """What `docker compose logs` (without `-f`) printed: the lines, and how they were shown."""

    project: str
    lines: list[LogLine] = field(default_factory=list)
    containers: list[str] = field(default_factory=list)   # every container read, in order (the prefix width)
    prefix: bool = True
    color: bool = True
    timestamps: bool = False

    def text(self, color: bool | None = None) -> str:
        """The lines as v2 prints them; `color` None: as `--no-color` said."""
        return render(self.project, self.lines, self.containers, prefix=self.prefix,
                      color=self.color if color is None else color, timestamps=self.timestamps)

    def __repr__(self) -> str:
        return self.text(color=False).rstrip("\n")


def render(project: str, lines, containers=(), *, prefix=True, color=False, timestamps=False) -> str:
    """LogLines as v2's log printer writes them: `NAME  | ` padded to the longest name + 1."""
    names = [short_name(project, c) for c in containers]
    lines = list(lines)
    width = max((len(n) for n in names + [short_name(project, ln.container) for ln in lines]), default=0) + 1
    colours: dict[str, str] = {}
    out = []
    for line in lines:
        name = short_name(project, line.container)
        head = ""
        if prefix:
            head = f"{name:<{width}} | "
            if color:
                code = colours.setdefault(name, RAINBOW[len(colours) % len(RAINBOW)])
                head = f"\x1b[{code}m{head}\x1b[0m"
        stamp = f"{line.timestamp} " if timestamps and line.timestamp else ""
        out.append(f"{head}{stamp}{line.text}\n")
    return "".join(out)
