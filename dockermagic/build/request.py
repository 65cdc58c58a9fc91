"""A build as both builders take it and give it back: `BuildRequest` (the options, checked before
anything is sent), `BuildResult` with its `Step`s, and `BuildSucceeded`, the event a build ends
with.  The classic builder (`classic.py`) and BuildKit (`buildkit/build.py`, whose
`BuildKitResult` extends `BuildResult`) both build from a request into a result; the checks of
what goes where (`check_exports`, `check_attestations`, `squash_supported`) hold for either.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..dockerfile.checks.rules import CheckReport
from ..errors import InvalidInput
from ..opts import pairs, reference
from ..text import ansi, units

# the lines the builders print about a step (Docker's classic builder, buildah): not its command's output
LAYER = re.compile(r"^ ?-{2,3}> ([0-9a-f]{11,64})$")  # buildah prints 11 characters
CACHED = re.compile(r"^ ?-{2,3}> Using cache( [0-9a-f]+)?$")
RUNNING = re.compile(r"^ ---> Running in ([0-9a-f]+)$")
CHATTER = re.compile(r"^(Removing intermediate container |Successfully built |Successfully tagged |(\[\d+/\d+\] )?COMMIT|[0-9a-f]{64}$)")


def is_chatter(line: str) -> bool:
    """A line the builder itself printed about a step (its container, layer, cache), not the step's command."""
    return bool(RUNNING.match(line) or CHATTER.match(line) or LAYER.match(line) or CACHED.match(line))


@dataclass
class Step:
    """One `Step i/N` of a classic (or buildah) build; its output is read from the build's log."""

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
        return "\n".join(line for line in lines if not is_chatter(line))


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
    checks: CheckReport | None = None  # BuildKit's build checks of its Dockerfile (the warnings buildx prints)

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


@dataclass
class BuildSucceeded:
    """The last event of a build that made its image (or, with BuildKit's `-o`, its files)."""

    result: BuildResult



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
