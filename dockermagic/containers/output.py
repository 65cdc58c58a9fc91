"""A container's output: the typed events (`Started`, `Output`, a chunk of stdout or
stderr, and `Exited`) read from an attach or exec socket or a `/logs` response, and
`RunResult`, what a foreground run, `docker exec` or `docker logs` leaves.  Knows nothing
of IPython or widgets.

The full output lives in a `LogStore` (spooled to a temp file past 1 MB, so memory stays
bounded).
"""

from __future__ import annotations

import codecs
import os
import tempfile
import time
from collections import deque
from dataclasses import dataclass, field

from ..engine import adapter
from ..engine.watchdog import Watchdog
from ..errors import ContainerError
from ..opts import pairs
from ..text import units
from ..text.terminal import ROWS, STORED_LINE, Terminal
from .inspect import inspect_container

STREAMS = {1: "stdout", 2: "stderr"}


# -- output ---------------------------------------------------------------------------------
class LogStore:
    """The whole output of a run, in memory up to `spill` bytes per stream, then in a temp
    file: a container printing gigabytes costs disk, not kernel memory.  What is kept is what
    a terminal shows (`terminal.Terminal`: a progress bar's last state, lines of at most
    `terminal.STORED_LINE` characters), each stream on its own and both as they began."""

    def __init__(self, spill: int = 1 << 20):
        self._files = {s: tempfile.SpooledTemporaryFile(max_size=spill, mode="w+b") for s in ("all", "stdout", "stderr")}
        self._terminals = {s: Terminal(STORED_LINE, on_line=self._began, on_commit=self._commit, tag=s)
                           for s in ("stdout", "stderr")}
        self._order: deque = deque()  # lines not yet in the "all" file, as they began
        self.bytes = 0

    def write(self, stream: str, data: bytes) -> None:
        self._terminals[stream].write(data)
        self.bytes += len(data)

    def _began(self, line) -> None:
        self._order.append(line)
        if len(self._order) > 4 * ROWS:  # one stream redrawing a line for ever holds up no other
            self._to_all(self._order.popleft())

    def _commit(self, line) -> None:
        self._files[line.tag].write(line.render().encode("utf-8", "replace") + b"\n")
        while self._order and self._order[0].done:
            self._to_all(self._order.popleft())

    def _to_all(self, line) -> None:
        self._files["all"].write(line.render().encode("utf-8", "replace") + b"\n")

    def text(self, stream: str = "all") -> str:
        f = self._files[stream]
        f.seek(0)
        data = f.read()
        f.seek(0, os.SEEK_END)
        if stream != "all":
            return data.decode("utf-8", "replace") + self._terminals[stream].pending_text()
        rest = "\n".join(line.render() for line in self._order)
        last = self._order[-1] if self._order else None
        ended = last is None or last.done or self._terminals[last.tag].ended
        return data.decode("utf-8", "replace") + rest + ("\n" if self._order and ended else "")

    def close(self) -> None:
        for f in self._files.values():
            f.close()

    def __del__(self):  # closed here, so the temp files never warn at interpreter exit
        try:
            self.close()
        except Exception:  # noqa: BLE001 -- a finaliser: half torn down at exit, it must not raise
            pass

    @property
    def on_disk(self) -> bool:
        return any(getattr(f, "_rolled", False) for f in self._files.values())


class Tail:
    """The last `limit` characters a container printed, each piece with its stream: enough for
    a result shown again to show its last lines, stderr apart, whatever the log's size."""

    def __init__(self, limit: int = 16384):
        self.limit = limit
        self.pieces: deque = deque()  # (stream, text)
        self.size = 0

    def add(self, stream: str, text: str) -> None:
        if self.pieces and self.pieces[-1][0] == stream:  # one piece per run of a stream
            _, before = self.pieces.pop()
            self.size -= len(before)
            text = before + text
        text = text[-self.limit:]
        self.pieces.append((stream, text))
        self.size += len(text)
        while self.size > self.limit and len(self.pieces) > 1:
            self.size -= len(self.pieces.popleft()[1])

    def text(self) -> str:
        return "".join(text for _, text in self.pieces)


@dataclass
class Started:
    id: str
    name: str


@dataclass
class Output:
    stream: str  # "stdout" or "stderr"
    text: str


@dataclass
class Exited:
    exit_code: int


@dataclass(repr=False)
class RunResult:
    """What a foreground `%docker_run` (or `%docker_exec`) returns."""

    command: str
    engine: str = ""
    verb: str = "run"  # run, exec or logs: what made it
    id: str | None = None
    name: str | None = None
    exit_code: int | None = None
    started: float = 0.0
    ended: float | None = None
    removed: bool = False
    note: str = ""  # what happened on an interrupt
    store: LogStore = field(default_factory=LogStore, repr=False)
    tail: Tail = field(default_factory=Tail, repr=False)  # the last output, for showing it again

    @property
    def logs(self) -> str:
        """Everything the container printed, stdout and stderr interleaved as they came."""
        return self.store.text("all")

    @property
    def stdout(self) -> str:
        return self.store.text("stdout")

    @property
    def stderr(self) -> str:
        return self.store.text("stderr")

    @property
    def short_id(self) -> str:
        return units.short_id(self.id)

    @property
    def duration(self) -> float | None:
        return None if self.ended is None else self.ended - self.started

    def last_lines(self, n: int = 3) -> list[str]:
        from ..text import ansi

        return [ansi.strip(line) for line in self.tail.text().splitlines() if line.strip()][-n:]

    def save_log(self, path):
        from pathlib import Path

        target = Path(path)
        target.write_text(self.logs, encoding="utf-8")
        return target

    def __repr__(self) -> str:
        return f"<RunResult {self.command!r} exit_code={self.exit_code} id={self.short_id}>"


class _Decoders:
    """Incremental UTF-8 per stream, so a character split across two frames stays whole."""

    def __init__(self):
        self._d = {s: codecs.getincrementaldecoder("utf-8")("replace") for s in ("stdout", "stderr")}

    def __call__(self, stream: str, data: bytes) -> str:
        return self._d[stream].decode(data)


def pump(frames, result: RunResult):
    """Output events from (stream id, bytes) frames until the engine ends them."""
    decode = _Decoders()
    for stream_id, data in frames:
        stream = STREAMS.get(stream_id, "stdout")
        result.store.write(stream, data)
        text = decode(stream, data)
        result.tail.add(stream, text)
        yield Output(stream, text)


def socket_frames(sock, tty: bool):
    """Frames from a hijacked attach / exec socket."""
    from docker.utils.socket import frames_iter

    return frames_iter(sock, tty)


def http_frames(response, tty: bool):
    """Frames from a plain (chunked) HTTP response such as `/logs`: read through the HTTP
    layer, since the connection stays open after the last chunk."""
    buf, pos = bytearray(), 0
    for chunk in response.iter_content(chunk_size=None):
        if tty:
            yield 1, chunk
            continue
        buf += chunk
        while len(buf) - pos >= 8:
            length = int.from_bytes(buf[pos + 4:pos + 8], "big")
            if len(buf) - pos < 8 + length:
                break
            yield buf[pos], bytes(buf[pos + 8:pos + 8 + length])
            pos += 8 + length
        if pos > 1 << 16:
            del buf[:pos]
            pos = 0


def send_stdin(sock, data) -> None:
    """Write the cell to the container's stdin, then close our write side (EOF).  `data` a
    callable (a `console.Console`): the socket is handed to it, left open for what is typed."""
    if callable(data):
        data(sock)
        return
    if data:
        adapter.raw_socket(sock).sendall(data)
    adapter.shutdown_write(sock)



# -- exec and logs --------------------------------------------------------------------------
class Exec:
    """`docker exec`: the same events as a foreground run."""

    def __init__(self, engine, container: str, command: list[str], user=None, workdir=None, env=(),
                 stdin: bytes | None = None, tty: bool = False, clock=time.monotonic, privileged: bool = False):
        self.engine, self.api, self.clock = engine, engine.api, clock
        self.container, self.command, self.stdin, self.tty = container, list(command), stdin, tty
        self.options = {"user": user or "", "workdir": workdir, "environment": pairs.env_list(env, "-e") or None,
                        "privileged": privileged}
        self.result = RunResult(" ".join(self.command), engine=engine.label, verb="exec")

    def _create(self) -> str:
        info = inspect_container(self.engine, self.container)
        if not info["State"].get("Running"):
            raise ContainerError(f"container {self.container!r} is not running ({info['State'].get('Status')}); start it with %docker_start {self.container}")
        self.result.id, self.result.name = info["Id"], info["Name"].lstrip("/")
        return self.api.exec_create(info["Id"], self.command, stdin=self.stdin is not None, tty=self.tty, **self.options)["Id"]

    def detached(self) -> str:
        """`docker exec -d`: started, not waited for; the exec's id."""
        exec_id = self._create()
        self.api.exec_start(exec_id, detach=True, tty=self.tty)
        return exec_id

    def events(self):
        exec_id = self._create()
        info = {"Id": self.result.id}
        self.result.started = self.clock()
        sock = self.api.exec_start(exec_id, tty=self.tty, socket=True)
        try:
            yield Started(info["Id"], self.result.name)
            if self.stdin is not None:
                send_stdin(sock, self.stdin)
            watch = Watchdog(self.api, f"the engine at {self.engine.address}")
            yield from pump(watch.follow(sock, socket_frames(sock, self.tty)), self.result)
        finally:
            adapter.close_socket(sock)
        self.result.exit_code = self.api.exec_inspect(exec_id).get("ExitCode")
        self.result.ended = self.clock()
        yield Exited(self.result.exit_code)


def log_events(engine, container: str, follow=False, tail=None, timestamps=False, since=None, result=None, until=None):
    """`docker logs`: Output events (stdout and stderr apart), following if asked."""
    info = inspect_container(engine, container)
    tty = info["Config"].get("Tty", False)
    api = engine.api
    params = {"stdout": 1, "stderr": 1, "follow": int(follow), "timestamps": int(timestamps),
              "tail": "all" if tail is None else str(tail)}
    if since:
        params["since"] = since
    if until:
        params["until"] = until
    with adapter.response(api, "GET", "/containers/{0}/logs", info["Id"], params=params) as response:
        if result is not None:
            result.id, result.name = info["Id"], info["Name"].lstrip("/")
        frames = http_frames(response, tty)
        if follow:  # a log read to its end needs no watch; a followed one may wait for ever
            frames = Watchdog(api, f"the engine at {engine.address}").follow(adapter.stream_socket(response), frames)
        yield from pump(frames, result or RunResult("logs", verb="logs"))
