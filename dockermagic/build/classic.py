"""Building an image: the request, and the engine's build stream turned into typed events.

`build()` yields `StepStarted`, `StepOutput`, `StepFinished` and finally `BuildSucceeded`;
a failure -- also one the engine reports inside its HTTP 200 stream -- raises `BuildError`
carrying the failing step and the partial result.  It knows nothing of IPython or widgets.
"""

from __future__ import annotations

import functools
import json
import re
import time
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from ..engine import adapter
from ..engine.watchdog import Watchdog
from ..errors import BuildError, InvalidInput
from ..opts import pairs, reference
from ..text import ansi, terminal, units
from ..text.terminal import STORED_LINE
from .context import context_files, context_stream

# the classic builder's (Docker) and buildah's (Podman) step and result lines
_STEP = re.compile(r"^(?:Step (\d+)/(\d+) : |(?:\[(\d+)/\d+\] )?STEP (\d+)(?:/(\d+))?: )(.*)$")  # buildah: "[2/2] STEP 1/3: "
_LAYER = re.compile(r"^ ?-{2,3}> ([0-9a-f]{11,64})$")  # buildah prints 11 characters
_CACHED = re.compile(r"^ ?-{2,3}> Using cache( [0-9a-f]+)?$")
_RUNNING = re.compile(r"^ ---> Running in ([0-9a-f]+)$")
_CHATTER = re.compile(r"^(Removing intermediate container |Successfully built |Successfully tagged |(\[\d+/\d+\] )?COMMIT|[0-9a-f]{64}$)")
_RESET = re.compile(r"(?:\x1b\[0?m)+")
_BUILDER_PREFIX = re.compile(r"^(Step \d|(\[\d+/\d+\] )?(STEP \d|COMMIT)| ?-{2,3}> |Removing intermediate|Successfully )")


@dataclass
class Step:
    index: int
    total: int
    instruction: str
    state: str = "running"  # running, cached, done, failed; "base" for FROM (it names an image, runs nothing)
    started: float = 0.0
    ended: float | None = None
    layer_id: str | None = None
    container: str | None = None
    exit_code: int | None = None
    log_start: int = 0  # this step's lines in the build log: [log_start, log_end)
    log_end: int | None = None
    _log: list = field(default=None, repr=False)

    @property
    def duration(self) -> float | None:
        return None if self.ended is None else self.ended - self.started

    @property
    def output(self) -> str:
        """What the step's command printed."""
        lines = self._log[self.log_start:self.log_end] if self._log is not None else []
        return "\n".join(line for line in lines if not _is_chatter(line))


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


@dataclass
class BuildSucceeded:
    result: "BuildResult"


@dataclass(repr=False)
class BuildResult:
    """What `%docker_build` returns: the image and how it was made."""

    context: str
    dockerfile: str
    tags: list[str]
    engine: str = ""
    id: str | None = None
    size: int | None = None
    steps: list[Step] = field(default_factory=list)
    log_lines: list[str] = field(default_factory=list, repr=False)
    started: float = 0.0
    ended: float | None = None
    error: str | None = None
    interrupted: bool = False  # stopped by Ctrl-C (or its consumer), not by the engine
    pushed: list = field(default_factory=list)  # registry.Transfer of each tag `--push` sent after the build

    @property
    def short_id(self) -> str:
        return units.short_id(self.id)

    @property
    def state(self) -> str:
        """`running`, `succeeded`, `failed` or `interrupted`."""
        if self.interrupted:
            return "interrupted"
        if self.error is not None:
            return "failed"
        return "succeeded" if self.ok else "running"

    @property
    def log(self) -> str:
        """The whole build log, as the engine sent it (colours included)."""
        return "\n".join(self.log_lines)

    @property
    def cached(self) -> int:
        return sum(1 for s in self.steps if s.state == "cached")

    @property
    def cacheable(self) -> int:
        """Steps the cache could have answered (all but FROM, which only names the base)."""
        return sum(1 for s in self.steps if s.state != "base")

    @property
    def duration(self) -> float | None:
        return None if self.ended is None else self.ended - self.started

    @property
    def ok(self) -> bool:
        return self.id is not None and self.error is None

    def save_log(self, path) -> Path:
        """Write the full log (colours stripped) to `path`."""
        target = Path(path)
        target.write_text(ansi.strip(self.log) + "\n", encoding="utf-8")
        return target

    def __repr__(self) -> str:
        state = f"id={self.short_id}" if self.ok else f"failed: {self.error}"
        return f"<BuildResult {', '.join(self.tags) or '<untagged>'} {state} steps={len(self.steps)} cached={self.cached}>"


def _is_chatter(line: str) -> bool:
    return bool(_RUNNING.match(line) or _CHATTER.match(line) or _LAYER.match(line) or _CACHED.match(line))


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
                if _CACHED.match(line):
                    step.state = "cached"
                    continue
                if (m := _RUNNING.match(line)) is not None:
                    step.container = m.group(1)
                    continue
                if (m := _LAYER.match(line)) is not None:
                    step.layer_id = m.group(1)
                    continue
            if _CHATTER.match(line):
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


@dataclass
class BuildRequest:
    """A checked build: everything the engine needs, before anything is sent."""

    context: str
    dockerfile: str  # path of the Dockerfile
    tags: list[str]
    params: dict

    @classmethod
    def make(cls, context, file=None, tags=(), build_args=(), labels=(), no_cache=False, pull=False,
             target=None, network=None, rm=True, force_rm=True, quiet=False, platform=None,
             squash=False) -> "BuildRequest":
        checked = [str(reference.parse(tag, "-t")) for tag in tags or []]
        if platform:
            _one_platform(platform)
        ctx = Path(context).expanduser()
        if not ctx.exists():
            raise InvalidInput(f"build context folder {context!r} does not exist; write one with %%dockerfile {context}")
        if not ctx.is_dir():
            raise InvalidInput(f"build context {context!r} is not a folder; give the folder that holds the Dockerfile")
        dockerfile = Path(file).expanduser() if file else ctx / "Dockerfile"
        if file and not dockerfile.is_absolute() and not dockerfile.exists():
            dockerfile = ctx / file  # the CLI looks in the context too
        if not dockerfile.is_file():
            raise InvalidInput(f"no Dockerfile at {str(dockerfile)!r}; write one with %%dockerfile {context}, or name it with -f")
        params = {
            "t": checked or None,
            "q": _flag(quiet), "nocache": _flag(no_cache), "pull": _flag(pull),
            "rm": _flag(rm), "forcerm": _flag(force_rm and rm),
            "target": target or None, "networkmode": network or None,
        }
        if platform:
            params["platform"] = platform.strip()  # BuildKit's `platform` frontend option, the classic builder's too
        if squash:
            params["squash"] = "1"
        if build_args:
            params["buildargs"] = json.dumps(pairs.env_map(build_args, "--build-arg"))
        if labels:
            params["labels"] = json.dumps(pairs.label_map(labels, "--label"))
        return cls(str(ctx), str(dockerfile), checked, params)


MULTI_PLATFORM = ("Multi-platform build is not supported for the docker driver: the engine's own BuildKit "
                  "(buildx's docker driver) makes one platform's image; switch to a different driver (docker "
                  "buildx create --driver docker-container), or turn on the containerd image store, and try again")


def _one_platform(spec: str) -> None:
    """`--platform`: one platform, as buildx's docker driver builds; several are refused with its reason."""
    from ..images import platforms

    specs = [part for part in spec.split(",") if part.strip()]
    if len(specs) > 1:
        raise InvalidInput(MULTI_PLATFORM)
    platforms.parse(specs[0] if specs else "")


def check_exports(tags, push: bool, load: bool, outputs) -> None:
    """buildx's rules for where a build goes, said before anything is sent."""
    kinds = [dict(part.split("=", 1) for part in spec.split(",") if "=" in part).get("type", "local")
             for spec in outputs]
    if push and load:
        raise InvalidInput("push and load may not be set together at the moment")
    if push and kinds:
        raise InvalidInput(f'push and "{kinds[0]}" output can\'t be used together (--push sends the image '
                           f"after the build; -o writes files instead of an image)")
    if load and kinds:
        raise InvalidInput(f'load and "{kinds[0]}" output can\'t be used together')
    if push and not tags:
        raise InvalidInput("tag is needed when pushing to registry: add -t REGISTRY/NAME[:TAG]")


ATTESTATIONS = ("Attestation is not supported for the docker driver: the engine's image store keeps no image "
                "index to attach it to; switch to a different driver, or turn on the containerd image store, and try again")


def check_attestations(sbom: str | None, provenance: str | None, attest=()) -> None:
    """`--sbom`, `--provenance`, `--attest`: off (`=false`) is what every build here does; on is
    refused with buildx's docker-driver reason, before anything is sent."""
    def wanted(value: str | None) -> bool:
        if value is None:
            return False
        fields = dict(part.split("=", 1) if "=" in part else ("", part) for part in value.split(",") if part)
        flag = fields.get("disabled", fields.get("", "true")).strip().lower()
        if "disabled" in fields:
            return flag not in ("true", "1")
        return flag not in ("false", "0")

    if wanted(sbom) or wanted(provenance) or any(wanted(spec) for spec in attest):
        raise InvalidInput(ATTESTATIONS)


def squash_supported(engine) -> None:
    """`--squash` needs an experimental Docker Engine (either builder), as the CLI checks before
    sending; Podman's builder squashes by itself."""
    if engine.kind == "Podman":
        return
    details = next((c.get("Details") or {} for c in engine.version.get("Components", [])
                    if c.get("Name") == "Engine"), {})
    if str(details.get("Experimental", engine.version.get("Experimental", "false"))).lower() != "true":
        raise InvalidInput('"--squash" is only supported on a Docker daemon with experimental features enabled '
                           "(this engine runs without them: dockerd --experimental)")


def _flag(value: bool) -> str:
    return "1" if value else "0"


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
