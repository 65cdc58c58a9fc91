"""Building an image with the classic builder (Docker's, or Podman's buildah): the engine's
`/build` stream turned into typed events.

`build()` yields `StepStarted`, `StepOutput`, `StepFinished` and finally `BuildSucceeded`;
a failure -- also one the engine reports inside its HTTP 200 stream -- raises `BuildError`
carrying the failing step and the partial result.  It knows nothing of IPython or widgets.
"""

from __future__ import annotations

import functools
import re
import time
from contextlib import closing
from dataclasses import dataclass

from ..engine import adapter
from ..engine.watchdog import Watchdog
from ..errors import BuildError
from ..text import ansi, terminal
from ..text.terminal import STORED_LINE
from .context import context_files, context_stream
from .request import CACHED, CHATTER, LAYER, RUNNING, BuildRequest, BuildResult, BuildSucceeded, Step

# the classic builder's (Docker) and buildah's (Podman) step and result lines
_STEP = re.compile(r"^(?:Step (\d+)/(\d+) : |(?:\[(\d+)/\d+\] )?STEP (\d+)(?:/(\d+))?: )(.*)$")  # buildah: "[2/2] STEP 1/3: "
_RESET = re.compile(r"(?:\x1b\[0?m)+")
_BUILDER_PREFIX = re.compile(r"^(Step \d|(\[\d+/\d+\] )?(STEP \d|COMMIT)| ?-{2,3}> |Removing intermediate|Successfully )")


@dataclass
class StepStarted:
    step: Step


@dataclass
class StepOutput:
    step: Step | None  # None: a line outside any step
    line: str


@dataclass
class StepFinished:
    step: Step


class BuildStream:
    """Turns the engine's build records into events, keeping the steps and the log."""

    def __init__(self, result: BuildResult, clock=time.monotonic):
        self.result = result
        self.clock = clock
        self.current: Step | None = None
        self.pending: list = []
        self._partial = ""
        self._stage, self._offset = None, 0  # buildah's stage, and the steps of the stages before it

    def feed(self, record: dict) -> list:
        if "error" in record or "errorDetail" in record:
            self._fail(record)
        if "aux" in record and isinstance(record["aux"], dict) and "ID" in record["aux"]:
            self.result.id = record["aux"]["ID"]
            return []
        if "stream" in record:
            return self._text(record["stream"])
        if "status" in record:  # pulling a base image (--pull, or FROM an image not here)
            if record.get("progressDetail"):
                return []  # byte counts: the status lines around them say enough here
            line = " ".join(str(record[k]) for k in ("id", "status") if record.get(k))
            return self._lines([line])
        return []

    def finish(self) -> list:
        events = self._lines([self._partial]) if self._partial else []
        self._partial = ""
        events += self._end_step()
        return events

    # -- internals ------------------------------------------------------------------------
    def _text(self, text: str) -> list:
        if self._partial and _BUILDER_PREFIX.match(text):
            if not ansi.strip(self._partial):
                self._partial = ""  # only a colour reset left over from the line before
            else:
                text = "\n" + text  # a command's last line without newline: end it here
        text = self._partial + text
        *lines, rest = text.split("\n")
        if lines and _RESET.fullmatch(rest):
            lines[-1] += rest  # the engine ends a stderr chunk "\x1b[91m...\n\x1b[0m": the reset closes that line
            rest = ""
        self._partial = rest
        if len(self._partial) > 2 * STORED_LINE:  # one endless line stays bounded while it grows
            self._partial = terminal.render(self._partial, STORED_LINE)
        return self._lines(lines)

    def _lines(self, lines: list[str]) -> list:
        events: list = []
        log = self.result.log_lines
        for line in lines:
            line = terminal.render(line, STORED_LINE)  # a progress bar's last state, not its 3,000 redraws
            match = _STEP.match(line)
            if match:
                events += self._end_step()
                index, total = self._numbers(match)
                step = Step(index, total, match.group(6), started=self.clock(), log_start=len(log) + 1, _log=log)
                log.append(line)
                self.result.steps.append(step)
                self.current = step
                events.append(StepStarted(step))
                continue
            log.append(line)
            step = self.current
            if step is not None:
                if CACHED.match(line):
                    step.state = "cached"
                    continue
                if (m := RUNNING.match(line)) is not None:
                    step.container = m.group(1)
                    continue
                if (m := LAYER.match(line)) is not None:
                    step.layer_id = m.group(1)
                    continue
            if CHATTER.match(line):
                continue
            if line or step is not None:
                events.append(StepOutput(step, line))
        return events

    def _numbers(self, match) -> tuple[int, int]:
        """(index, total) of a step line; buildah numbers each stage's steps from 1, so they
        are counted on across stages here, as Docker's classic builder counts them."""
        if match.group(1):
            return int(match.group(1)), int(match.group(2))
        index, total = int(match.group(4)), int(match.group(5) or 0)
        if match.group(3) is None:
            return index, total
        if match.group(3) != self._stage:
            self._stage, self._offset = match.group(3), len(self.result.steps)
        for step in self.result.steps:  # a later stage's steps raise the total of the earlier ones
            step.total = max(step.total, self._offset + total)
        return self._offset + index, self._offset + total

    def _end_step(self) -> list:
        step, self.current = self.current, None
        if step is None:
            return []
        step.ended = self.clock()
        step.log_end = len(self.result.log_lines)
        if step.state == "running":
            step.state = "base" if step.instruction.upper().startswith("FROM ") else "done"
        return [StepFinished(step)]

    def _fail(self, record: dict) -> None:
        detail = record.get("errorDetail") or {}
        message = (detail.get("message") or record.get("error") or "the build failed").strip()
        self.pending = self.finish()  # the failing step's last lines, for build() to pass on
        step = self.result.steps[-1] if self.result.steps else None
        code = detail.get("code")
        if code is None and (m := re.search(r"while running runtime: exit status (\d+)", message)):
            code = int(m.group(1))  # Podman names the exit status only in its message
        if step is not None:
            step.state = "failed"
            step.exit_code = code
        self.result.error = message
        self.result.ended = self.clock()
        where = f"step {step.index}/{step.total} {step.instruction}: " if step else ""
        raise BuildError(f"{where}{_explain(message, step)}", step=step, exit_code=code, result=self.result)


def _explain(message: str, step: Step | None) -> str:
    if step and step.instruction.upper().startswith("FROM") and ("registry-1.docker.io" in message or "pull access denied" in message or "not found" in message):
        image = step.instruction.split()[1] if len(step.instruction.split()) > 1 else "the base image"
        return f"base image {image} is not on this engine and could not be pulled ({message}); build or pull it first"
    return message


INTERRUPTED = "the build was stopped here (closing its stream makes the engine cancel it)"


def stopped(result: BuildResult, exc: BaseException, clock=time.monotonic) -> None:
    """A build that ended without an image: its running steps end as it did, failed or
    interrupted (Ctrl-C, or its consumer closing the events)."""
    interrupted = isinstance(exc, (KeyboardInterrupt, GeneratorExit))
    if interrupted:
        result.interrupted = True
        result.error = result.error or INTERRUPTED
    elif result.error is None:
        result.error = str(exc)
    for step in result.steps:
        if step.state == "running":
            step.state = "interrupted" if interrupted else "failed"
    if result.ended is None:
        result.ended = clock()


def _ends_steps(build_events):
    """However the build's events stop -- its stream's error, a lost connection, Ctrl-C inside
    or outside the generator -- the result records it (`stopped`) before the error goes on."""

    @functools.wraps(build_events)
    def events(engine, request: BuildRequest, result: BuildResult | None = None, clock=time.monotonic):
        if result is None:
            result = BuildResult(request.context, request.dockerfile, list(request.tags), engine=engine.label)
        try:
            yield from build_events(engine, request, result, clock)
        except BaseException as exc:
            stopped(result, exc, clock)
            raise

    return events


@_ends_steps
def build(engine, request: BuildRequest, result: BuildResult | None = None, clock=time.monotonic):
    """Run the build on `engine`, yielding events; raises `BuildError` on failure.

    `result` (made here if not given) fills in as the build goes: steps, log, id, size.
    """
    if result is None:
        result = BuildResult(request.context, request.dockerfile, list(request.tags), engine=engine.label)
    result.started = clock()
    stream = BuildStream(result, clock)
    context_dir, paths, dockerfile_name, outside = context_files(request.context, request.dockerfile)
    context = context_stream(context_dir, paths, dockerfile_name, outside)
    api = engine.api
    params = dict(request.params, dockerfile=dockerfile_name)
    headers = {"Content-Type": "application/tar"}
    try:  # registry credentials for pulling private base images, as the docker config has them now
        adapter.registry_config_headers(api, headers)
    except Exception:  # noqa: BLE001 -- a broken credential helper must not stop a local build
        pass
    records = adapter.records(api, "POST", "/build", params=params, data=context, headers=headers,
                              watch=Watchdog(api, f"the engine at {engine.address}"))
    try:  # an interrupted build: closing the stream makes the engine cancel it
        with closing(records):
            for record in records:
                yield from stream.feed(record)
    except BuildError:
        yield from stream.pending
        raise
    except Exception as exc:
        result.error = str(exc)
        raise BuildError(str(adapter.error(exc, "build failed")), result=result) from exc
    yield from stream.finish()
    if result.id is None:
        result.error = "the engine ended the build without an image id"
        raise BuildError(result.error, result=result)
    result.size = api.inspect_image(result.id).get("Size")
    result.ended = clock()
    yield BuildSucceeded(result)
