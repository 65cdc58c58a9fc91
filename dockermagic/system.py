"""The engine as a whole: what takes the space (`docker system df`), prunes (`system`, `image`,
`container`, `volume`, `network`, `builder`) with what they removed and the space that came back,
and the engine's event stream (`docker events`, bounded by `--since` / `--until`).  Knows
nothing of IPython."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

from .errors import EngineError, InvalidInput

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
    from .adapter import api_version

    if _older(api_version(engine.api), "1.42"):
        return WARNINGS["volume-old"]
    return WARNINGS["volume-all" if all_volumes else "volume"]


def _older(version: str, than: str) -> bool:
    as_tuple = lambda v: tuple(int(x) for x in re.findall(r"\d+", v)[:2])  # noqa: E731
    return as_tuple(version) < as_tuple(than)


def prune(engine, kind: str, filters: dict | None = None, all: bool = False, keep_storage: int | None = None) -> Pruned:
    import docker

    from .adapter import api_version

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
        from .adapter import explanation

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
        from .units import size

        return size(self.size, precision=4)

    @property
    def Reclaimable(self) -> str:  # noqa: N802
        from .units import size

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

    def __iter__(self):
        return iter(self.rows)

    @property
    def reclaimable(self) -> int:
        return sum(r.reclaimable for r in self.rows)


def _active_container(c: dict) -> bool:
    return any(s in (c.get("State") or "") for s in ("running", "paused", "restarting"))


def disk_usage(engine) -> DiskUsage:
    """The CLI's arithmetic: an image in use keeps its own (unshared) layers; a container's size
    is its writable layer; a volume is reclaimable when nothing refers to it."""
    import docker

    try:
        raw = engine.api.df()
    except docker.errors.APIError as exc:
        from .adapter import explanation

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
    return DiskUsage(rows, engine.label, raw)


# -- docker events ------------------------------------------------------------------------------
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}


def parse_time(value: str, option: str, now: float | None = None) -> str:
    """`--since` / `--until` as the CLI reads them -- a Go duration before now (`10m`, `1h30m`),
    an RFC 3339 date or a date, or a Unix timestamp -- as the Unix timestamp the engine takes."""
    now = time.time() if now is None else now
    text = value.strip()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return text
    if _DURATION.fullmatch(text) or re.fullmatch(f"(?:{_DURATION.pattern})+", text):
        seconds = sum(float(n) * _UNITS[u] for n, u in _DURATION.findall(text))
        return f"{now - seconds:.9f}"
    for fmt in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d"):
        try:
            moment = datetime.strptime(re.sub(r"(\.\d{6})\d+", r"\1", text.replace("Z", "+0000")), fmt)
        except ValueError:
            continue
        if moment.tzinfo is None:
            moment = moment.astimezone()  # a date without a zone is local time, as for the CLI
        return f"{moment.timestamp():.9f}"
    raise InvalidInput(f"{option} {value!r}: expected a duration (10m, 1h30m), a date (2026-01-31, "
                       "2026-01-31T15:04:05Z) or a Unix timestamp")


@dataclass
class EngineEvent:
    """One record of the engine's event stream; fields as `docker events --format` sees them."""

    Type: str
    Action: str
    Actor: dict
    time_nano: int
    raw: dict = field(default_factory=dict, repr=False)

    @property
    def ID(self) -> str:  # noqa: N802 -- the CLI's template fields
        return self.Actor.get("ID", "")

    @property
    def Time(self) -> int:  # noqa: N802
        return self.time_nano // 1_000_000_000

    @property
    def TimeNano(self) -> int:  # noqa: N802
        return self.time_nano

    @property
    def Status(self) -> str:  # noqa: N802
        return self.raw.get("status", "")

    @property
    def From(self) -> str:  # noqa: N802
        return self.raw.get("from", "")

    @property
    def Scope(self) -> str:  # noqa: N802
        return self.raw.get("scope", "")

    def fields(self) -> dict:
        return self.raw

    @property
    def when(self) -> str:
        """RFC 3339 with nine digits, in local time, as the CLI prints it."""
        moment = datetime.fromtimestamp(self.time_nano // 1_000_000_000, tz=timezone.utc).astimezone()
        zone = moment.strftime("%z")
        zone = "Z" if zone == "+0000" else f"{zone[:3]}:{zone[3:]}"
        return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{self.time_nano % 1_000_000_000:09d}{zone}"

    def line(self) -> str:
        """The CLI's line for this event."""
        attrs = self.Actor.get("Attributes") or {}
        tail = f" ({', '.join(f'{k}={attrs[k]}' for k in sorted(attrs))})" if attrs else ""
        return f"{self.when} {self.Type} {self.Action} {self.ID}{tail}"


@dataclass
class EventLog:
    """What `docker events` showed: the events (the last `limit` of them when more came), and why
    it stopped ("until", "interrupted")."""

    events: list[EngineEvent]
    seen: int = 0
    stopped: str = ""
    label: str = ""

    def __repr__(self) -> str:
        why = {"until": "reached --until", "interrupted": "interrupted", "": "running"}.get(self.stopped, self.stopped)
        kept = f", the last {len(self.events)} kept" if self.seen > len(self.events) else ""
        return f"EventLog({self.seen} events{kept}; {why})"


def events(engine, since: str | None = None, until: str | None = None, filters: dict | None = None):
    """The engine's events as `EngineEvent`s, from `since`, ending at `until` (the engine closes
    the stream then); without `until` it goes on until the consumer stops (Ctrl-C), which closes
    the connection."""
    import json

    from .adapter import records

    params = {"since": since, "until": until, "filters": json.dumps(filters) if filters else None}
    params = {k: v for k, v in params.items() if v is not None}
    for rec in records(engine.api, "GET", "/events", params=params):
        nano = int(rec.get("timeNano") or int(rec.get("time", 0)) * 1_000_000_000)
        yield EngineEvent(rec.get("Type", ""), rec.get("Action", rec.get("status", "")), rec.get("Actor") or {}, nano, rec)


def logged(stream, log: EventLog, limit: int = 400):
    """The events of `stream`, each also kept on `log` (the last `limit`), and on `log.stopped`
    why the stream ended: the engine reached `--until`, or the user interrupted."""
    try:
        for event in stream:
            log.events.append(event)
            if len(log.events) > limit:
                del log.events[0]
            log.seen += 1
            yield event
        log.stopped = "until"
    except (KeyboardInterrupt, GeneratorExit):
        log.stopped = "interrupted"
        raise
