"""Volumes: `-v` / `--mount` specs checked before anything starts, and `docker volume
create|ls|inspect|rm`.  Knows nothing of IPython."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..engine import adapter
from ..errors import EngineError, InvalidInput
from ..gotemplate.formats import Listing
from ..opts import pairs

_VOLUME_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]+$")
_BIND_MODES = {"ro", "rw", "z", "Z", "nocopy", "shared", "rshared", "slave", "rslave", "private", "rprivate", "delegated", "cached", "consistent"}
V_FORMS = "[NAME:|/HOST/PATH:]/CONTAINER/PATH[:ro], e.g. data:/data or /tmp/x:/x:ro"


class VolumeError(EngineError):
    """The engine refused a volume operation."""


@dataclass
class VolumeSpec:
    """One `-v`: a named volume, a bind mount, or an anonymous volume (`source` None)."""

    source: str | None
    target: str
    mode: str = ""

    @property
    def kind(self) -> str:
        if self.source is None:
            return "anonymous"
        return "bind" if self.source.startswith("/") else "volume"

    def bind(self) -> str | None:
        """The HostConfig.Binds entry (None for an anonymous volume)."""
        if self.source is None:
            return None
        return f"{self.source}:{self.target}" + (f":{self.mode}" if self.mode else "")


def parse_volume(spec: str) -> VolumeSpec:
    """`-v` as the CLI reads it; a relative host path (`./data`) is made absolute."""
    parts = spec.split(":")
    bad = f"-v {spec!r}: expected {V_FORMS}"
    if not spec or len(parts) > 3 or any(p == "" for p in parts):
        raise InvalidInput(bad)
    if len(parts) == 1:
        source, target, mode = None, parts[0], ""
    elif len(parts) == 2:
        if parts[1] in _BIND_MODES or not parts[1].startswith("/"):
            raise InvalidInput(bad + " (the container path must be absolute)")
        source, target, mode = parts[0], parts[1], ""
    else:
        source, target, mode = parts
        if any(m not in _BIND_MODES for m in mode.split(",")):
            raise InvalidInput(f"-v {spec!r}: unknown mode {mode!r}; use ro or rw")
    if not target.startswith("/"):
        raise InvalidInput(f"-v {spec!r}: the container path {target!r} must be absolute ({V_FORMS})")
    if source is not None:
        if source.startswith((".", "~")):
            source = str(Path(source).expanduser().resolve())
        elif not source.startswith("/") and not _VOLUME_NAME.match(source):
            raise InvalidInput(
                f"-v {spec!r}: {source!r} is neither a volume name (letters, digits, _ . -) nor a host path "
                "(absolute, or starting with ./)"
            )
    return VolumeSpec(source, target, mode)


def parse_mount(spec: str):
    """`--mount type=volume|bind|tmpfs,source=...,target=...[,readonly]` as a docker-py Mount."""
    from docker.types import Mount

    fields = pairs.fields(spec, "--mount", "KEY=VALUE pairs, e.g. type=volume,source=data,target=/data", flags=("readonly", "ro"))
    kind = fields.pop("type", "volume")
    target = fields.pop("target", None) or fields.pop("destination", None) or fields.pop("dst", None)
    source = fields.pop("source", None) or fields.pop("src", None)
    readonly = fields.pop("readonly", fields.pop("ro", "false")).lower() in ("1", "true", "yes")
    if kind not in ("volume", "bind", "tmpfs"):
        raise InvalidInput(f"--mount {spec!r}: type must be volume, bind or tmpfs, not {kind!r}")
    if not target or not target.startswith("/"):
        raise InvalidInput(f"--mount {spec!r}: target=/ABSOLUTE/PATH is required")
    if kind == "bind" and not source:
        raise InvalidInput(f"--mount {spec!r}: a bind mount needs source=/HOST/PATH")
    if kind == "bind" and source.startswith("."):
        source = str(Path(source).resolve())
    return Mount(target, source, type=kind, read_only=readonly)


# -- docker volume ... ----------------------------------------------------------------------
@dataclass
class Volume:
    name: str
    driver: str = "local"
    mountpoint: str = ""
    created: object = None
    labels: dict = field(default_factory=dict)

    @classmethod
    def of(cls, data: dict) -> "Volume":
        return cls(data["Name"], data.get("Driver", ""), data.get("Mountpoint", ""),
                   data.get("CreatedAt"), data.get("Labels") or {})


@dataclass(repr=False)
class VolumeList(Listing):
    volumes: list[Volume]
    ROWS = "volumes"

    def __repr__(self) -> str:
        return f"<VolumeList {len(self.volumes)} volume{'s' if len(self.volumes) != 1 else ''}: {', '.join(self.names)}>"


def _refused(exc, doing: str) -> VolumeError:
    return VolumeError(str(adapter.error(exc, doing)))


def create_volume(engine, name: str | None = None, labels: dict | None = None, driver: str | None = None,
                  options: dict | None = None) -> Volume:
    if name and not _VOLUME_NAME.match(name):
        raise InvalidInput(f"volume name {name!r}: use letters, digits and _ . - (at least two characters)")
    import docker

    try:
        return Volume.of(engine.api.create_volume(name or None, driver=driver, driver_opts=options or None,
                                                  labels=labels or None))
    except docker.errors.APIError as exc:
        raise _refused(exc, f"could not create volume {name!r}") from exc


def volume_records(engine, filters: dict | None = None) -> list[dict]:
    """The engine's volume entries, by name."""
    found = engine.api.volumes(filters=filters or None).get("Volumes") or []
    return sorted(found, key=lambda v: v["Name"])


def list_volumes(engine, filters: dict | None = None) -> VolumeList:
    return VolumeList([Volume.of(v) for v in volume_records(engine, filters)])


def inspect_volume(engine, name: str) -> dict:
    import docker

    try:
        return engine.api.inspect_volume(name)
    except docker.errors.NotFound as exc:
        raise VolumeError(f"no such volume: {name!r} (see %docker_volume ls)") from exc


def remove_volume(engine, name: str, force: bool = False) -> None:
    import docker

    try:
        engine.api.remove_volume(name, force=force)
    except docker.errors.NotFound as exc:
        raise VolumeError(f"no such volume: {name!r}") from exc
    except docker.errors.APIError as exc:
        if exc.status_code == 409:
            raise VolumeError(
                f"volume {name!r} is in use by a container; remove the container first (%docker_rm -f NAME)"
            ) from exc
        raise _refused(exc, f"could not remove volume {name!r}") from exc
