"""Building with the engine's own BuildKit: `POST /build?version=2`, no buildx, no session.

`build()` first pulls the base images the engine lacks through the engine's pull, with the
user's registry credentials (BuildKit without a session cannot log in: a private `FROM` would
fail with "no active sessions"), then streams the context and turns BuildKit's trace into
typed events: `VertexChanged`, `VertexLogged`, `VertexProgress`, and `BuildSucceeded` at the
end.  A failure inside the HTTP 200 stream raises `BuildError` naming the step, its Dockerfile
line and exit code; Ctrl-C cancels the build on the engine (`/build/cancel`) and raises
`BuildCanceled`.  It knows nothing of IPython or widgets.
"""

from __future__ import annotations

import re
import time
import uuid
from pathlib import Path

from . import adapter, stages
from .build import BuildRequest, BuildSucceeded
from .context import context_files, context_stream
from .errors import BuildError, InvalidInput
from .vertices import BasePull, BuildKitResult, TraceStream, failure_line

#: what only a BuildKit session (buildx, or the docker CLI with DOCKER_BUILDKIT=1) can do
SESSION_ONLY = {
    "--secret": "a secret is handed over through a BuildKit session; pass a non-secret value with --build-arg, "
                "or build with the docker CLI (DOCKER_BUILDKIT=1 docker build --secret ...)",
    "--ssh": "an SSH agent is forwarded through a BuildKit session; copy what the step needs into the context, "
             "or build with the docker CLI (DOCKER_BUILDKIT=1 docker build --ssh ...)",
    "-o/--output": "exported files come back through a BuildKit session; build the image and copy files out "
                   "with %docker_run -v, or use the docker CLI's -o",
    "--cache-to": "a cache export goes through a BuildKit session; the engine keeps its own build cache, "
                  "or push the image and use --cache-from with the docker CLI",
}


class BuildCanceled(BuildError):
    """Ctrl-C during a BuildKit build: the engine was told to cancel it."""


def refuse_session_options(secret=(), ssh=(), output=(), cache_to=()) -> None:
    """One line, before anything is sent, for an option only a BuildKit session can honour."""
    for option, given in (("--secret", secret), ("--ssh", ssh), ("-o/--output", output), ("--cache-to", cache_to)):
        if given:
            raise InvalidInput(f"{option} needs a BuildKit session, which the Engine API alone does not give: "
                               f"{SESSION_ONLY[option]}")


# -- which builder -----------------------------------------------------------------------------
def builder(engine, setting: str = "auto", environ=None) -> str:
    """`buildkit` or `classic`, as today's docker CLI chooses: BuildKit wherever the engine has
    it, the classic builder on Podman's API (no BuildKit), or when asked: `%config
    DockerMagics.builder` ('buildkit' / 'classic'), else `DOCKER_BUILDKIT=0` (or 1)."""
    import os

    environ = os.environ if environ is None else environ
    setting = (setting or "auto").lower()
    has_buildkit = engine.kind != "Podman" and _api_at_least(engine.version.get("ApiVersion", "0"), "1.39")
    if setting == "classic":
        return "classic"
    if setting == "buildkit":
        if not has_buildkit:
            raise InvalidInput(f"{engine.kind} {engine.version.get('Version', '')} has no BuildKit behind its API: "
                               "use %config DockerMagics.builder = 'auto' (or 'classic')")
        return "buildkit"
    wanted = environ.get("DOCKER_BUILDKIT", "").strip().lower()
    if wanted in ("0", "false", "no", "off"):
        return "classic"
    if wanted in ("1", "true", "yes", "on") and not has_buildkit:
        raise InvalidInput(f"DOCKER_BUILDKIT={environ['DOCKER_BUILDKIT']} but {engine.kind} has no BuildKit behind its API: "
                           "unset it to build with the classic builder")
    return "buildkit" if has_buildkit else "classic"


def _api_at_least(version: str, minimum: str) -> bool:
    def parts(text):
        return tuple(int(p) for p in re.findall(r"\d+", text)[:2])

    return parts(version) >= parts(minimum)


# -- the build ------------------------------------------------------------------------------
def base_images(dockerfile_text: str, build_args: dict | None = None, target: str | None = None) -> list[str]:
    """The images a build starts from (after ARG substitution), `# syntax=` frontend included.
    One function, so a fuller Dockerfile parser can answer it instead."""
    return stages.base_images(dockerfile_text, build_args, target)


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
    from .registry import Transfer, pull

    for image in images:
        if not everything and not _missing(engine.api, image):
            continue
        transfer = Transfer("pull", image, engine=engine.label)
        result.pulls.append(transfer)
        yield BasePull(image, transfer)
        yield from pull(engine, image, result=transfer)


def build(engine, request: BuildRequest, result: BuildKitResult | None = None):
    """Run the build on `engine`'s BuildKit, yielding events; raises `BuildError` on failure."""
    if result is None:
        result = BuildKitResult(request.context, request.dockerfile, list(request.tags), engine=engine.label)
    result.started = time.monotonic()
    text = Path(request.dockerfile).read_text(encoding="utf-8", errors="replace")
    build_args = _build_args(request)
    everything = request.params.get("pull") == "1"
    try:
        bases = base_images(text, build_args, request.params.get("target"))
    except InvalidInput:  # what the checker here does not know, the engine's own frontend judges
        bases = []
    yield from pull_bases(engine, bases, everything, result)

    stream = TraceStream(result, text, build_args)
    context_dir, paths, dockerfile_name, outside = context_files(request.context, request.dockerfile)
    paths = _plain_header_first(paths, dockerfile_name)
    buildid = uuid.uuid4().hex
    # the bases are local now, and BuildKit's own --pull would need a session for a private one
    params = dict(request.params, dockerfile=dockerfile_name, version="2", buildid=buildid, pull="0")
    headers = {"Content-Type": "application/tar"}
    try:
        adapter.registry_config_headers(engine.api, headers)
    except Exception:  # noqa: BLE001 -- a broken credential helper must not stop a local build
        pass
    records = adapter.records(engine.api, "POST", "/build", params=params, headers=headers,
                              data=context_stream(context_dir, paths, dockerfile_name, outside))
    try:
        for record in records:
            yield from stream.feed(record)
    except BuildError:
        raise
    except (KeyboardInterrupt, GeneratorExit) as exc:
        _cancel(engine.api, buildid, result)
        if isinstance(exc, GeneratorExit):
            raise
        raise BuildCanceled("the build was canceled (Ctrl-C): the engine stopped it, nothing is left running",
                            result=result) from None
    except Exception as exc:
        result.error = adapter.explanation(exc)
        raise BuildError(failure_line(None, result.error, None), result=result) from exc
    finally:
        records.close()
    yield from stream.finish()
    if result.id is None:
        result.error = "the engine ended the build without an image id"
        raise BuildError(result.error, result=result)
    result.size = engine.api.inspect_image(result.id).get("Size")
    result.ended = time.monotonic()
    yield BuildSucceeded(result)


def _plain_header_first(paths: list[str], dockerfile: str) -> list[str]:
    """The Dockerfile (else a short name) first: the engine takes a request body whose first tar
    entry has a PAX header (a name over 100 bytes) for a Dockerfile, not for a context."""
    short = [p for p in (dockerfile, *paths) if p in paths and len(p.encode("utf-8", "surrogateescape")) <= 100]
    if not short:
        return paths
    return [short[0], *(p for p in paths if p != short[0])]


def _build_args(request: BuildRequest) -> dict:
    import json

    return json.loads(request.params.get("buildargs") or "{}")


def _cancel(api, buildid: str, result: BuildKitResult) -> None:
    try:
        adapter.call(api, "POST", "/build/cancel", params={"id": buildid})
    except Exception:  # noqa: BLE001 -- closing the stream below cancels it too
        pass
    for vertex in result.vertices:
        if vertex.state in ("running", "waiting"):
            vertex.canceled = True
    result.error = "canceled"
    result.ended = time.monotonic()
