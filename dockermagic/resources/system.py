"""The engine as a whole: what takes the space (`docker system df`), and prunes (`system`,
`image`, `container`, `volume`, `network`, `builder`) with what they removed and the space that
came back (the event stream is in `events.py`).  Knows nothing of IPython."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import EngineError

# kind -> (docker-py call, the answer's list of what went, the CLI's heading for it)
_PRUNES = {
    "container": ("prune_containers", "ContainersDeleted", "Deleted Containers:"),
    "image": ("prune_images", "ImagesDeleted", "Deleted Images:"),
    "volume": ("prune_volumes", "VolumesDeleted", "Deleted Volumes:"),
    "network": ("prune_networks", "NetworksDeleted", "Deleted Networks:"),
    "builder": ("prune_builds", "CachesDeleted", "Deleted build cache objects:"),
}
WARNINGS = {
    "container": "WARNING! This will remove all stopped containers.",
    "image": "WARNING! This will remove all dangling images.",
    "image-all": "WARNING! This will remove all images without at least one container associated to them.",
    "volume": "WARNING! This will remove anonymous local volumes not used by at least one container.",
    "volume-old": "WARNING! This will remove all local volumes not used by at least one container.",
    "volume-all": "WARNING! This will remove all local volumes not used by at least one container.",
    "network": "WARNING! This will remove all custom networks not used by at least one container.",
    "builder": "WARNING! This will remove all dangling build cache.",
    "builder-all": "WARNING! This will remove all build cache.",
}


class SystemCommandError(EngineError):
    """The engine refused a prune, a disk-usage report or its event stream."""


@dataclass
class Pruned:
    """What one prune removed (`removed`: ids, names, or `untagged: X` / `deleted: sha256:...` for
    images) and the bytes that came back."""

    kind: str
    removed: list[str] = field(default_factory=list)
    space: int = 0
    heading: str = ""


@dataclass
class SystemPruned:
    """`docker system prune`: each part's `Pruned`, and the total space back."""

    parts: list[Pruned]

    @property
    def space(self) -> int:
        return sum(p.space for p in self.parts)

    @property
    def removed(self) -> list[str]:
        return [r for p in self.parts for r in p.removed]


def volume_warning(engine, all_volumes: bool) -> str:
    """API 1.42 made `volume prune` leave named volumes unless asked (`-a`); before, it took all."""
    from ..engine.adapter import api_version

    if _older(api_version(engine.api), "1.42"):
        return WARNINGS["volume-old"]
    return WARNINGS["volume-all" if all_volumes else "volume"]


def _older(version: str, than: str) -> bool:
    as_tuple = lambda v: tuple(int(x) for x in re.findall(r"\d+", v)[:2])  # noqa: E731
    return as_tuple(version) < as_tuple(than)


def prune(engine, kind: str, filters: dict | None = None, all: bool = False, keep_storage: int | None = None) -> Pruned:
    import docker

    from ..engine.adapter import api_version

    call, key, heading = _PRUNES[kind]
    filters = dict(filters or {})
    kwargs = {}
    if kind == "image" and all:
        filters["dangling"] = ["false"]
    if kind == "volume" and all and not _older(api_version(engine.api), "1.42"):
        filters["all"] = ["true"]
    if kind == "builder":
        kwargs = {"all": all or None, "keep_storage": keep_storage}
    try:
        answer = getattr(engine.api, call)(filters=filters or None, **kwargs) or {}
    except docker.errors.APIError as exc:
        from ..engine.adapter import explanation

        raise SystemCommandError(f"docker {kind} prune: {explanation(exc)}") from exc
    removed = []
    for item in answer.get(key) or []:
        if isinstance(item, dict):  # images: {"Untagged": ...} or {"Deleted": ...}
            removed += [f"{k.lower()}: {v}" for k, v in item.items()]
        else:
            removed.append(item)
    return Pruned(kind, removed, int(answer.get("SpaceReclaimed") or 0), heading)


def system_prune(engine, all: bool = False, volumes: bool = False, filters: dict | None = None) -> SystemPruned:
    """What `docker system prune` removes, in its order: containers, networks, volumes (if asked),
    images, build cache.  Volumes take no `until` filter, as with the CLI."""
    parts = [prune(engine, "container", filters), prune(engine, "network", filters)]
    if volumes:
        parts.append(prune(engine, "volume", {k: v for k, v in (filters or {}).items() if k != "until"}))
    parts.append(prune(engine, "image", filters, all=all))
    parts.append(prune(engine, "builder", filters, all=all))
    return SystemPruned(parts)


def system_warning(all: bool, volumes: bool) -> str:
    lines = ["WARNING! This will remove:", "  - all stopped containers",
             "  - all networks not used by at least one container"]
    if volumes:
        lines.append("  - all anonymous volumes not used by at least one container")
    lines.append("  - all images without at least one container associated to them" if all else "  - all dangling images")
    lines.append("  - all build cache" if all else "  - unused build cache")
    return "\n".join(lines) + "\n"


# -- docker system df ---------------------------------------------------------------------------
@dataclass
class UsageRow:
    """One `docker system df` line: fields as its `--format` templates see them."""

    Type: str
    TotalCount: int
    Active: int
    size: int  # bytes
    reclaimable: int

    @property
    def Size(self) -> str:  # noqa: N802 -- the CLI's template field
        from ..text.units import size

        return size(self.size, precision=4)

    @property
    def Reclaimable(self) -> str:  # noqa: N802
        from ..text.units import size

        text = size(self.reclaimable, precision=4)
        if self.size <= 0 or self.Type == "Build Cache":  # the CLI gives no share for the cache
            return text
        return f"{text} ({self.reclaimable * 100 // self.size}%)"

    def fields(self) -> dict:
        return {"Active": str(self.Active), "Reclaimable": self.Reclaimable, "Size": self.Size,
                "TotalCount": str(self.TotalCount), "Type": self.Type}


DF_HEADER = {"Type": "TYPE", "TotalCount": "TOTAL", "Active": "ACTIVE", "Size": "SIZE", "Reclaimable": "RECLAIMABLE"}
DF_TABLE = "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}"


@dataclass
class DiskUsage:
    """`docker system df`: images, containers, local volumes and build cache; `.raw` is the
    engine's answer (each image, container, volume and cache record)."""

    rows: list[UsageRow]
    label: str = ""
    raw: dict = field(default_factory=dict, repr=False)
    verbose: bool = False  # `-v`: shown as each image, container, volume and cache record

    @property
    def sections(self) -> list:
        """`docker system df -v`'s four tables (`disk_usage.UsageSection`), each row's fields as
        the CLI prints them."""
        from .disk_usage import verbose_sections

        return verbose_sections(self.raw)

    def __iter__(self):
        return iter(self.rows)

    @property
    def reclaimable(self) -> int:
        return sum(r.reclaimable for r in self.rows)


def _active_container(c: dict) -> bool:
    return any(s in (c.get("State") or "") for s in ("running", "paused", "restarting"))


def disk_usage(engine, verbose: bool = False) -> DiskUsage:
    """The CLI's arithmetic: an image in use keeps its own (unshared) layers; a container's size
    is its writable layer; a volume is reclaimable when nothing refers to it."""
    import docker

    try:
        raw = engine.api.df()
    except docker.errors.APIError as exc:
        from ..engine.adapter import explanation

        raise SystemCommandError(f"docker system df: {explanation(exc)}") from exc
    images = raw.get("Images") or []
    layers = int(raw.get("LayersSize") or 0)
    used = sum(i.get("Size", 0) - i.get("SharedSize", 0) for i in images
               if i.get("Containers", 0) and i.get("Size", -1) != -1 and i.get("SharedSize", -1) != -1)
    containers = raw.get("Containers") or []
    volumes = raw.get("Volumes") or []
    caches = raw.get("BuildCache") or []
    vol_size = lambda v: max(int((v.get("UsageData") or {}).get("Size", 0) or 0), 0)  # noqa: E731
    rows = [
        UsageRow("Images", len(images), sum(1 for i in images if i.get("Containers", 0) > 0), layers, layers - used),
        UsageRow("Containers", len(containers), sum(1 for c in containers if _active_container(c)),
                 sum(c.get("SizeRw", 0) or 0 for c in containers),
                 sum(c.get("SizeRw", 0) or 0 for c in containers if not _active_container(c))),
        UsageRow("Local Volumes", len(volumes), sum(1 for v in volumes if (v.get("UsageData") or {}).get("RefCount", 0) > 0),
                 sum(vol_size(v) for v in volumes),
                 sum(vol_size(v) for v in volumes if (v.get("UsageData") or {}).get("RefCount", 0) == 0)),
        UsageRow("Build Cache", len(caches), sum(1 for b in caches if b.get("InUse")),
                 sum(b.get("Size", 0) for b in caches if not b.get("Shared")),
                 sum(b.get("Size", 0) for b in caches if not b.get("InUse") and not b.get("Shared"))),
    ]
    return DiskUsage(rows, engine.label, raw, verbose)
