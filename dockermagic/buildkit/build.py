"""Building with the engine's own BuildKit: `POST /build?version=2`, no buildx.

`prepare()` checks a build before anything is sent: the Dockerfile parsed once (what the
engine's frontend cannot build refused in one line), the session's `--secret` / `--ssh` / `-o`
specs read.  `build()` then opens a BuildKit session (`session.Session`): the context goes by
DiffCopy, so only what changed since the last build of that folder crosses, and the engine asks
the session for registry credentials (a private base needs no pull beforehand), secrets and ssh
agents, and sends `-o` outputs back through it.  Where the engine gives no session the context
goes as a tar body, as before, with the bases the engine lacks pulled first with the user's
logins.  BuildKit's trace becomes typed events (`vertices.TraceStream`); a failure inside the
HTTP 200 stream raises `BuildError` naming the step, its Dockerfile line and exit code; Ctrl-C
cancels the build on the engine (`/build/cancel`), closes the session and raises
`BuildCanceled`.  It knows nothing of IPython or widgets.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import dataclass

from ..build import builders
from ..build.context import context_files, context_stream
from ..build.request import BuildRequest, BuildSucceeded
from ..dockerfile.model import Dockerfile, parse
from ..engine import adapter
from ..engine.watchdog import Watchdog
from ..errors import BuildError, InvalidInput
from .session.session import Session, SessionUnavailable
from .vertices import BasePull, BuildKitResult, ContextRoute, TraceStream, failure_line, planned

#: seconds a cancel may take: an engine that stopped answering must not hold up a Ctrl-C
CANCEL_TIMEOUT = 2.0

builder = builders.builder  # where the magics have always asked

CACHE_TO = ("--cache-to is not supported: the engine's BuildKit keeps its own build cache, and an exported "
            "cache needs buildx's exporters; push the image and name it with --cache-from in a later build instead")


class BuildCanceled(BuildError):
    """Ctrl-C during a BuildKit build: the engine was told to cancel it."""


@dataclass
class Plan:
    """A BuildKit build, checked: its parsed Dockerfile and the session it will open."""

    request: BuildRequest
    dockerfile: Dockerfile
    session: Session
    needs_session: bool  # --secret, --ssh or -o given: no tar fallback then
    planned: list  # the steps BuildKit will run, as waiting `Vertex`es (vertices.planned)

    def __repr__(self) -> str:
        return f"<Plan {self.request.context} {self.dockerfile!r} session={self.session.id[:12]}>"


def prepare(engine, request: BuildRequest, secrets=(), ssh=(), outputs=(), cache_to=()) -> Plan:
    """Everything a build can be refused for, before anything is sent (`InvalidInput`, one line):
    a Dockerfile the engine's frontend can't build, an unknown `--target`, a missing secret file,
    a bad `--ssh` or `-o`."""
    if cache_to:
        raise InvalidInput(CACHE_TO)
    parsed = builders.read(request.dockerfile)
    needed = parsed.needed(_build_args(request), request.params.get("target"))  # an unknown --target, said now
    builders.check(engine, parsed, "buildkit")
    dockerfile_dir = os.path.dirname(os.path.abspath(request.dockerfile))
    session = Session(engine, request.context, dockerfile_dir, secrets=secrets, ssh=ssh, outputs=outputs)
    return Plan(request, parsed, session, bool(secrets or ssh or outputs), planned(parsed.stages, needed))


# -- the base images, for a build without a session -----------------------------------------
def base_images(dockerfile_text: str, build_args: dict | None = None, target: str | None = None) -> list[str]:
    """The images a build starts from (after ARG substitution), the `# syntax=` frontend first."""
    parsed = parse(dockerfile_text)
    syntax = parsed.directives.syntax
    frontend = [syntax.split(" ")[0]] if syntax else []
    return frontend + [image for image in parsed.base_images(build_args, target) if image not in frontend]


def _missing(api, image: str) -> bool:
    import docker

    try:
        api.inspect_image(image)
        return False
    except docker.errors.ImageNotFound:
        return True


def pull_bases(engine, images: list[str], everything: bool, result: BuildKitResult):
    """Pull through the engine, with the user's credentials, each base image it lacks (all of
    them with `--pull`); yields `BasePull` and the pull's events."""
    from ..registry.transfer import Transfer, pull

    for image in images:
        if not everything and not _missing(engine.api, image):
            continue
        transfer = Transfer("pull", image, engine=engine.label)
        result.pulls.append(transfer)
        yield BasePull(image, transfer)
        yield from pull(engine, image, result=transfer)


# -- the build ------------------------------------------------------------------------------
def build(engine, request: BuildRequest, result: BuildKitResult | None = None, plan: Plan | None = None):
    """Run the build on `engine`'s BuildKit, yielding events; raises `BuildError` on failure.
    `plan` is what `prepare(engine, request, ...)` returned (made here without one)."""
    if result is None:
        result = BuildKitResult(request.context, request.dockerfile, list(request.tags), engine=engine.label)
    plan = plan or prepare(engine, request)
    result.started = time.monotonic()
    session = plan.session
    try:
        session.open()
    except SessionUnavailable as exc:
        if plan.needs_session:
            result.error = f"{exc}: --secret, --ssh and -o go through a session, so this build can't be made here"
            result.ended = time.monotonic()
            raise BuildError(result.error, result=result) from None
        session, result.no_session = None, str(exc)
    buildid = uuid.uuid4().hex
    try:
        if session is not None:
            result.sent = session.stats
            yield ContextRoute(True)
            params = dict(request.params, version="2", buildid=buildid, **session.build_params(),
                          dockerfile=os.path.basename(request.dockerfile))
            records = adapter.records(engine.api, "POST", "/build", params=params, watch=_watchdog(engine))
        else:
            yield ContextRoute(False, result.no_session)
            records = yield from _tar_request(engine, request, plan, result, buildid)
        yield from _follow(engine, records, TraceStream(result, plan.dockerfile), buildid, result)
    finally:
        if session is not None:
            session.close()
    if session is not None and session.outputs:
        result.exported = session.outputs[0].dest  # files, not an image
    elif result.id is None:
        result.error = "the engine ended the build without an image id"
        raise BuildError(result.error, result=result)
    else:
        result.size = engine.api.inspect_image(result.id).get("Size")
    result.ended = time.monotonic()
    yield BuildSucceeded(result)


def _tar_request(engine, request: BuildRequest, plan: Plan, result: BuildKitResult, buildid: str):
    """Without a session: the bases pulled first with the user's logins, the context as a tar."""
    everything = request.params.get("pull") == "1"
    bases = base_images(plan.dockerfile.text, _build_args(request), request.params.get("target"))
    yield from pull_bases(engine, bases, everything, result)
    context_dir, paths, dockerfile_name, outside = context_files(request.context, request.dockerfile)
    paths = _plain_header_first(paths, dockerfile_name)
    # the bases are local now, and BuildKit's own --pull would need a session for a private one
    params = dict(request.params, dockerfile=dockerfile_name, version="2", buildid=buildid, pull="0")
    headers = {"Content-Type": "application/tar"}
    try:
        adapter.registry_config_headers(engine.api, headers)
    except Exception:  # noqa: BLE001 -- a broken credential helper must not stop a local build
        pass
    return adapter.records(engine.api, "POST", "/build", params=params, headers=headers, watch=_watchdog(engine),
                           data=context_stream(context_dir, paths, dockerfile_name, outside))


def _follow(engine, records, stream: TraceStream, buildid: str, result: BuildKitResult):
    try:
        for record in records:
            yield from stream.feed(record)
    except BuildError:
        raise
    except (KeyboardInterrupt, GeneratorExit) as exc:
        stopped = _cancel(engine.api, buildid, result)
        if isinstance(exc, GeneratorExit):
            raise
        if stopped:
            raise BuildCanceled("the build was canceled (Ctrl-C): the engine stopped it, nothing is left running",
                                result=result) from None
        raise BuildCanceled(f"the build was canceled (Ctrl-C); the engine at {engine.address} did not answer the "
                            "cancel, so its step may still run there until the engine sees the connection gone",
                            result=result) from None
    except Exception as exc:
        result.error = adapter.explanation(exc)
        raise BuildError(failure_line(None, result.error, None), result=result) from exc
    finally:
        records.close()
    yield from stream.finish()


def _plain_header_first(paths: list[str], dockerfile: str) -> list[str]:
    """The Dockerfile (else a short name) first: the engine takes a request body whose first tar
    entry has a PAX header (a name over 100 bytes) for a Dockerfile, not for a context."""
    short = [p for p in (dockerfile, *paths) if p in paths and len(p.encode("utf-8", "surrogateescape")) <= 100]
    if not short:
        return paths
    return [short[0], *(p for p in paths if p != short[0])]


def _build_args(request: BuildRequest) -> dict:
    return json.loads(request.params.get("buildargs") or "{}")


def _cancel(api, buildid: str, result: BuildKitResult) -> bool:
    """Tell the engine to cancel; whether it answered."""
    answered = True
    try:
        adapter.call(api, "POST", "/build/cancel", params={"id": buildid}, timeout=CANCEL_TIMEOUT)
    except Exception:  # noqa: BLE001 -- closing the stream below cancels it too
        answered = False
    for vertex in result.vertices:
        if vertex.state in ("running", "waiting"):
            vertex.canceled = True
    result.error = "canceled"
    result.ended = time.monotonic()
    return answered


def _watchdog(engine) -> Watchdog:
    """A quiet build stream's engine is asked whether it is still there (as for a classic build)."""
    return Watchdog(engine.api, f"the engine at {engine.address}")
