"""The build checks of a build, with what only the engine and the context know: each base
image's config (its ENV for UndefinedVar, its SHELL, its platform for InvalidBaseImagePlatform)
inspected on the engine where it is there (nothing is pulled), the context's `.dockerignore`
(CopyIgnoredFile, through the matcher the build applies), the build's args, target and
platform.  BuildKit runs these checks in its Dockerfile frontend; the engine's own frontend
may predate them, so they run here, before anything is sent."""

from __future__ import annotations

from pathlib import Path

from ..dockerfile.checks.lint import ImageFacts, check
from ..dockerfile.checks.rules import CheckReport
from ..dockerfile.model import Dockerfile
from ..errors import InvalidInput
from . import dockerignore
from .builders import read


def engine_platform(engine) -> str:
    """The platform a build without --platform makes: the engine's own."""
    version = getattr(engine, "version", None) or {}
    return f"{(version.get('Os') or 'linux').lower()}/{(version.get('Arch') or 'amd64').lower()}"


def image_facts(engine):
    """`ref -> ImageFacts | None`: a base image's config where `engine` has the image."""
    import docker

    def facts(ref: str) -> ImageFacts | None:
        try:
            found = engine.api.inspect_image(ref)
        except docker.errors.DockerException:
            return None  # not there, or a name the engine can't read: the build says so, not a check
        config = found.get("Config") or {}
        return ImageFacts(env=list(config.get("Env") or []), shell=list(config.get("Shell") or []),
                          os=found.get("Os") or "linux", architecture=found.get("Architecture") or "amd64",
                          variant=found.get("Variant") or "")

    return facts


def context_matcher(context: str) -> dockerignore.Matcher | None:
    """The context's `.dockerignore`, as the build applies it; None without one."""
    path = Path(context) / ".dockerignore"
    if not path.is_file():
        return None
    try:
        patterns = dockerignore.read(path.read_bytes())
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from None
    return dockerignore.Matcher(patterns) if patterns else None


def lint(engine, request, parsed: Dockerfile | None = None, *, build: bool = True) -> CheckReport:
    """The checks of `request` (a `BuildRequest`): the stages its target needs (`build`), or
    every stage as `--check` without `--target` does."""
    import json

    parsed = parsed or read(request.dockerfile)
    build_args = json.loads(request.params.get("buildargs") or "{}")
    platform = request.params.get("platform") or engine_platform(engine)
    return check(parsed, filename=Path(request.dockerfile).name, build_args=build_args,
                 target=request.params.get("target"), build=build, platform=platform,
                 images=image_facts(engine), ignore=context_matcher(request.context))


def lint_text(parsed: Dockerfile, context: str, filename: str, engine=None) -> CheckReport:
    """The checks of a Dockerfile about to be written into `context` (every stage); base
    images are looked up on `engine` when there is one."""
    platform = engine_platform(engine) if engine is not None else "linux/amd64"
    return check(parsed, filename=filename, platform=platform,
                 images=image_facts(engine) if engine is not None else None, ignore=context_matcher(context))
