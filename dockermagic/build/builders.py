"""Which builder a build goes to, and whether that builder can build the Dockerfile at all.

The Dockerfile is parsed once here (`dockerfile.parse`) before anything is sent; what the chosen
builder cannot build -- heredocs or `COPY --link` on an engine whose built-in BuildKit frontend
predates them, BuildKit-only syntax on the classic builder -- is refused in one line with the
way out, instead of the engine's "unknown instruction" several seconds later.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from ..dockerfile import model as dockerfiles
from ..errors import DockerfileError, InvalidInput

# what Docker's classic builder refuses: it never learnt BuildKit's syntax (20.10 says "unknown
# instruction" for a heredoc's body, "Unknown flag: link", "the --mount option requires BuildKit")
CLASSIC_LACKS = ("heredoc", "copy-link", "run-mount", "run-network", "run-security", "copy-chmod",
                 "add-keep-git-dir", "add-checksum", "add-unpack", "copy-parents", "copy-exclude")


def builder(engine, setting: str = "auto", environ=None) -> str:
    """`buildkit` or `classic`, as today's docker CLI chooses: BuildKit wherever the engine has
    it, the classic builder on Podman's API (no BuildKit), or when asked: `%config
    DockerMagics.builder` ('buildkit' / 'classic'), else `DOCKER_BUILDKIT=0` (or 1)."""
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


def read(path: str) -> dockerfiles.Dockerfile:
    """The build's Dockerfile, parsed as BuildKit parses it (`DockerfileError` naming the line)."""
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    try:
        return dockerfiles.parse(text)
    except DockerfileError as exc:
        raise DockerfileError(f"{path}: {exc}") from None


def check(engine, parsed: dockerfiles.Dockerfile, chosen: str) -> None:
    """Refuse, before anything is sent, what `chosen` ('buildkit' / 'classic') on `engine`
    cannot build.  Podman's buildah judges its own Dockerfiles."""
    if engine.kind == "Podman":
        return
    if chosen == "buildkit":
        said = dockerfiles.unsupported(parsed, engine.version.get("Version", "0"), lambda ref: _has_image(engine, ref))
        if said:
            raise DockerfileError(said)
        return
    lacking = sorted(((name, line) for name, line in parsed.features.items() if name in CLASSIC_LACKS),
                     key=lambda item: item[1])
    if lacking:
        what = ", ".join(f"{dockerfiles.FEATURES[name][0]} (line {line})" for name, line in lacking)
        raise DockerfileError(f"this Dockerfile uses {what}, which only BuildKit builds, and this build goes to the "
                              "classic builder: unset DOCKER_BUILDKIT=0, or %config DockerMagics.builder = 'auto'")


def _has_image(engine, ref: str) -> bool:
    import docker

    try:
        engine.api.inspect_image(ref)
        return True
    except docker.errors.ImageNotFound:
        return False


def classic(engine, request, secrets=(), ssh=(), outputs=(), cache_to=()) -> dockerfiles.Dockerfile:
    """A classic-builder build checked before anything is sent: its parsed Dockerfile, or one
    line for what only a BuildKit session honours or the Dockerfile the builder can't read."""
    for option, given in (("--secret", secrets), ("--ssh", ssh), ("-o/--output", outputs), ("--cache-to", cache_to)):
        if given:
            way_out = ("build on an engine with BuildKit" if engine.kind == "Podman"
                       else "unset DOCKER_BUILDKIT=0, or %config DockerMagics.builder = 'auto'")
            raise InvalidInput(f"{option} needs a BuildKit session, and this build goes to the classic builder "
                               f"of {engine.kind}: {way_out}")
    parsed = read(request.dockerfile)
    check(engine, parsed, "classic")
    return parsed
