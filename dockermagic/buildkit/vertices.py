"""What a BuildKit build did, from its trace: the vertices (`Vertex`, with their progress and
log), the events a view follows (`VertexChanged`, `VertexLogged`, `VertexProgress`, `BasePull`),
`BuildKitResult`, and `TraceStream`, which turns `/build?version=2` records into all of these.

BuildKit's trace is a protobuf `StatusResponse` per record (`proto`); the vertices'
timestamps are the engine's own, so durations are what the engine measured.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from ..build.request import BuildResult
from ..errors import BuildError
from . import proto
from .stages import VERTEX_MAKERS, stage_name, step_line

_PREFIX = re.compile(r"^\[(?:([^\]\s]+) )?(\d+)/(\d+)\] (.*)$", re.S)  # "[stage 2/5] RUN ..." or "[2/5] RUN ..."
_EXIT = re.compile(r"exit code: (\d+)")


@dataclass
class Progress:
    """A vertex's sub-task: the context transfer, a layer of a pull, an export."""

    id: str
    name: str = ""
    current: int = 0
    total: int = 0
    started: float | None = None
    completed: float | None = None


@dataclass
class Vertex:
    """One BuildKit vertex: a Dockerfile step or one of BuildKit's own (`[internal] ...`)."""

    digest: str
    name: str
    number: int  # in the order the engine first named it, as buildx numbers them (#1, #2 ...)
    stage: str | None = None
    index: int | None = None  # i of `[stage i/N]`
    total: int | None = None
    line: int | None = None  # where in the Dockerfile it comes from
    cached: bool = False
    started: float | None = None  # the engine's own timestamps (seconds since the epoch)
    completed: float | None = None
    error: str | None = None
    exit_code: int | None = None
    canceled: bool = False
    inputs: list = field(default_factory=list)
    progress: dict = field(default_factory=dict, repr=False)  # Progress by id
    log_lines: list = field(default_factory=list, repr=False)
    _partial: dict = field(default_factory=dict, repr=False)  # stream -> unfinished line

    @property
    def state(self) -> str:
        if self.canceled or (self.error and "context canceled" in self.error):
            return "canceled"
        if self.error:
            return "error"
        if self.cached and self.completed is not None:
            return "cached"
        if self.completed is not None:
            return "done"
        return "running" if self.started is not None else "waiting"

    @property
    def instruction(self) -> str:
        """The name without its `[stage i/N]` prefix."""
        match = _PREFIX.match(self.name)
        return match.group(4) if match else self.name

    @property
    def duration(self) -> float | None:
        if self.started is None or self.completed is None:
            return None
        return max(0.0, self.completed - self.started)

    @property
    def log(self) -> str:
        return "\n".join(self.log_lines)

    @property
    def output(self) -> str:
        return self.log


@dataclass
class VertexChanged:
    vertex: Vertex
    first: bool = False  # the engine named it for the first time


@dataclass
class VertexLogged:
    vertex: Vertex
    line: str


@dataclass
class VertexProgress:
    vertex: Vertex
    progress: Progress


@dataclass
class ContextRoute:
    """How the context goes to the engine: by the session's DiffCopy, or (`reason`: why no
    session could be had) as a tar body."""

    session: bool
    reason: str | None = None


@dataclass
class BasePull:
    """A base image pulled before the build; the pull's own events follow."""

    image: str
    transfer: object  # registry.Transfer


@dataclass(repr=False)
class BuildKitResult(BuildResult):
    """A BuildKit build's result: `BuildResult`'s surface.  `.vertices` is everything BuildKit
    did, in the order it named them; `.steps` the vertices of Dockerfile steps (`[stage i/N]`), in
    Dockerfile order -- so `steps[1]` of `FROM ...` / `RUN ...` is that RUN, as with the classic builder."""

    builder: str = "buildkit"
    vertices: list = field(default_factory=list)
    pulls: list = field(default_factory=list)  # registry.Transfer of each base pulled first
    sent: object = None  # filesync.SyncStats of the build's session (what crossed), None without one
    no_session: str | None = None  # why the context went as a tar instead (the engine's words)
    exported: str | None = None  # where -o wrote the build's files (no image then)

    @property
    def ok(self) -> bool:
        return (self.id is not None or self.exported is not None) and self.error is None

    @property
    def context_transfer(self):
        """The context's DiffCopy totals (`filesync.FolderStats`: files, files_sent, bytes_sent,
        already_had), None when the context went as a tar."""
        return self.sent.of("context") if self.sent is not None else None

    @property
    def cached(self) -> int:
        return sum(1 for v in self.steps if v.state == "cached" and v.index != 1)

    @property
    def cacheable(self) -> int:
        """Steps the cache could have answered (all but FROM, which only names the base)."""
        return sum(1 for v in self.steps if v.index != 1)

    @property
    def failed(self) -> Vertex | None:
        return next((v for v in self.vertices if v.state == "error"), None)

    def __repr__(self) -> str:
        state = f"failed: {self.error}" if not self.ok else (f"id={self.short_id}" if self.id else f"exported to {self.exported}")
        return (f"<BuildKitResult {', '.join(self.tags) or '<untagged>'} {state} steps={len(self.steps)} "
                f"cached={self.cached}>")


class TraceStream:
    """Turns `/build?version=2` records into events, keeping the vertices and a buildx-plain log."""

    def __init__(self, result: BuildKitResult, dockerfile=None):
        """`dockerfile`: the build's parsed `dockerfile.Dockerfile` (or its text), whose stages
        give each `[stage i/N]` vertex its line: BuildKit sends no line numbers."""
        self.result = result
        self.vertices: dict[str, Vertex] = {}
        if isinstance(dockerfile, str):
            from ..dockerfile.model import parse

            try:
                dockerfile = parse(dockerfile)
            except Exception:  # noqa: BLE001 -- line numbers are a nicety; the engine judges the Dockerfile
                dockerfile = None
        self.stages = list(dockerfile.stages) if dockerfile is not None else []

    def feed(self, record: dict) -> list:
        if "error" in record or "errorDetail" in record:
            self._fail(record)
        kind, aux = record.get("id"), record.get("aux")
        if kind == "moby.buildkit.trace" and isinstance(aux, str):
            return self._trace(proto.decode(aux))
        if kind == "moby.image.id" and isinstance(aux, dict):
            self.result.id = aux.get("ID")
            return []
        if "stream" in record:
            lines = [line for line in str(record["stream"]).split("\n") if line.strip()]
            self.result.log_lines += lines
        return []

    def finish(self) -> list:
        events = []
        for vertex in self.vertices.values():
            for stream in list(vertex._partial):
                events += self._line(vertex, vertex._partial.pop(stream), vertex.started)
        return events

    # -- internals ------------------------------------------------------------------------
    def _trace(self, status) -> list:
        events: list = []
        for v in status.vertexes:
            events += self._vertex(v)
        for s in status.statuses:
            vertex = self.vertices.get(s.vertex)
            if vertex is None:
                continue
            progress = vertex.progress.setdefault(s.ID, Progress(s.ID))
            progress.name, progress.current, progress.total = s.name or s.ID, s.current, s.total
            progress.started = proto.seconds(s, "started") or progress.started
            progress.completed = proto.seconds(s, "completed")
            events.append(VertexProgress(vertex, progress))
        for entry in status.logs:
            vertex = self.vertices.get(entry.vertex)
            if vertex is not None:
                events += self._log(vertex, entry)
        return events

    def _vertex(self, v) -> list:
        vertex = self.vertices.get(v.digest)
        first = vertex is None
        if first:
            vertex = Vertex(v.digest, v.name, len(self.vertices) + 1, inputs=list(v.inputs))
            match = _PREFIX.match(v.name)
            if match:
                vertex.stage = match.group(1) or (stage_name(self.stages[0]) if len(self.stages) == 1 else "")
                vertex.index, vertex.total = int(match.group(2)), int(match.group(3))
                vertex.line = step_line(self.stages, match.group(1), vertex.index)
            self.vertices[v.digest] = vertex
            self.result.vertices.append(vertex)
            if vertex.index is not None:
                self.result.steps.append(vertex)
                self.result.steps.sort(key=lambda s: (s.line is None, s.line or 0, s.number))
        was = vertex.state
        vertex.cached = vertex.cached or v.cached
        vertex.started = proto.seconds(v, "started") or vertex.started
        vertex.completed = proto.seconds(v, "completed") or vertex.completed
        if v.error:
            vertex.error = v.error
            if (m := _EXIT.search(v.error)) is not None:
                vertex.exit_code = int(m.group(1))
        if not first and vertex.state == was:
            return []
        self._log_state(vertex, first)
        return [VertexChanged(vertex, first)]

    def _log_state(self, vertex: Vertex, first: bool) -> None:
        log, n = self.result.log_lines, vertex.number
        if first:
            log.append(f"#{n} {vertex.name}")
        state = vertex.state
        if state == "cached":
            log.append(f"#{n} CACHED")
        elif state == "done":
            log.append(f"#{n} DONE {vertex.duration or 0:.1f}s")
        elif state in ("error", "canceled"):
            log.append(f"#{n} {state.upper()}: {vertex.error or ''}")

    def _log(self, vertex: Vertex, entry) -> list:
        text = vertex._partial.pop(entry.stream, "") + entry.msg.decode("utf-8", "replace").replace("\r\n", "\n")
        *lines, rest = text.split("\n")
        if rest:
            vertex._partial[entry.stream] = rest
        stamp = proto.seconds(entry, "timestamp")
        events = []
        for line in lines:
            events += self._line(vertex, line, stamp)
        return events

    def _line(self, vertex: Vertex, line: str, stamp: float | None) -> list:
        vertex.log_lines.append(line)
        since = (stamp - vertex.started) if stamp and vertex.started else 0.0
        self.result.log_lines.append(f"#{vertex.number} {since:.3f} {line}")
        return [VertexLogged(vertex, line)]

    def _fail(self, record: dict) -> None:
        detail = record.get("errorDetail") or {}
        message = (detail.get("message") or record.get("error") or "the build failed").strip()
        self.finish()
        vertex = self.result.failed
        code = vertex.exit_code if vertex else None
        if code is None and (m := _EXIT.search(message)):
            code = int(m.group(1))
        self.result.error = failure_line(vertex, message, code)  # the engine's own words stay on the vertex
        self.result.ended = time.monotonic()
        raise BuildError(self.result.error, step=vertex, exit_code=code, result=self.result)


def failure_line(vertex: Vertex | None, message: str, code: int | None) -> str:
    """The one line a failed BuildKit build raises: the step, its Dockerfile line, the exit code."""
    if "no active sessions" in message:
        return ("BuildKit needed a registry login, which only a BuildKit session gives (" + message.splitlines()[0]
                + "): pull the image first with %docker_pull, or use %config DockerMagics.builder = 'classic'")
    if vertex is None:
        return message.splitlines()[0] if message else "the build failed"
    where = f"{vertex.name}" + (f" (Dockerfile line {vertex.line})" if vertex.line else "")
    said = f"exit code {code}" if code is not None else (vertex.error or message).splitlines()[0]
    return f"{where} failed: {said}"


def planned(all_stages: list, needed: list) -> list:
    """The Dockerfile steps of the `needed` stages as BuildKit will name them (`[stage i/N]`),
    waiting: what a view shows before the engine answers."""
    rows = []
    for stage in needed:
        steps = [(stage.line, f"FROM {stage.base}")] + [(ins.start_line, ins.original.strip())
                                                         for ins in stage.instructions if ins.keyword in VERTEX_MAKERS]
        prefix = "" if len(all_stages) == 1 else stage_name(stage) + " "
        for i, (line, text) in enumerate(steps, 1):
            rows.append(Vertex(f"planned:{stage.index}:{i}", f"[{prefix}{i}/{len(steps)}] {text}", 0,
                               stage=stage_name(stage), index=i, total=len(steps), line=line))
    return rows
