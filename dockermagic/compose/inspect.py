"""What Compose v2 prints about a running project: `top` (the house's `docker top` per container,
gathered under SERVICE and #), `images` (table, `--format json`, `-q`), `port`, `events` (the
engine's events for the project's labels, as v2's `--json` lines or its text) and `version`.
Text as `docker compose` prints it; results as `Formatted` text or `ComposeTop`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone

from ..containers.lifecycle import top as container_top
from ..gotemplate.formats import Formatted, tabwrite
from ..resources import events as engine_events
from ..text import units
from ..version import __version__
from . import labels as names
from . import state, targets

#: the Compose release whose commands and output this package follows
COMPATIBLE = "v2.40.3"


# -- top --------------------------------------------------------------------------------------
@dataclass(repr=False)
class ComposeTop:
    """`docker compose top`: every running container's processes, v2's columns (SERVICE, #,
    what `ps` gave, CMD last)."""

    project: str
    titles: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    engine: str = ""

    def __repr__(self) -> str:
        if not self.rows:
            return ""
        text = "".join("\t".join(cells) + "\n" for cells in [self.titles, *self.rows])
        return tabwrite(text, 4, 2).rstrip("\n")


def top(engine, project: str, services=()) -> ComposeTop:
    """Processes of the running containers (by name), columns merged as v2 merges them."""
    rows = sorted(targets.summaries(engine, project, services, stopped=False), key=state.name_of)
    header = ["SERVICE", "#"]
    entries = []
    for row in rows:
        procs = container_top(engine, row["Id"])
        labels = row.get("Labels") or {}
        for proc in procs.rows:
            entry = {"SERVICE": labels.get(names.SERVICE, ""), "#": labels.get(names.NUMBER, "")}
            for title, value in zip(procs.titles, proc):
                if title not in header:
                    header.append(title)
                entry[title] = value
            entries.append(entry)
    if "CMD" in header:
        header.remove("CMD")
        header.append("CMD")
    return ComposeTop(project, header, [[e.get(t, "-") for t in header] for e in entries], engine.label)


# -- images -----------------------------------------------------------------------------------
IMAGE_TITLES = ["CONTAINER", "REPOSITORY", "TAG", "PLATFORM", "IMAGE ID", "SIZE", "CREATED"]


def image_rows(engine, project: str, services=()) -> list[dict]:
    """One row per container (running or not) with its image's facts, by container name."""
    found = []
    for row in sorted(targets.summaries(engine, project, services), key=state.name_of):
        image = engine.api.inspect_image(row.get("ImageID") or row.get("Image"))
        repo, tag = _repository_tag(row.get("Image", ""), image.get("RepoTags") or [])
        platform = "/".join(p for p in (image.get("Os"), image.get("Architecture"), image.get("Variant")) if p)
        found.append({"ID": image.get("Id", ""), "ContainerName": state.name_of(row), "Repository": repo,
                      "Tag": tag, "Platform": platform, "Size": int(image.get("Size") or 0),
                      "Created": image.get("Created"),
                      "LastTagTime": (image.get("Metadata") or {}).get("LastTagTime", "")})
    return found


def _repository_tag(reference: str, repo_tags: list[str]) -> tuple[str, str]:
    """The container's image reference as repository and tag (an id: the image's first tag)."""
    if reference.startswith("sha256:") or not reference:
        reference = repo_tags[0] if repo_tags else ""
    if "@" in reference:
        return reference.split("@", 1)[0], ""
    head, sep, tag = reference.rpartition(":")
    if not sep or "/" in tag:
        return reference, "latest" if reference else ""
    return head, tag


def images(engine, project: str, services=(), fmt: str = "table", quiet: bool = False, now=None) -> Formatted:
    """`docker compose images [--format table|json] [-q]`, as v2 prints it."""
    rows = image_rows(engine, project, services)
    if quiet:
        ids = list(dict.fromkeys(r["ID"].partition(":")[2] or r["ID"] for r in rows))
        return Formatted("".join(i + "\n" for i in ids))
    if fmt == "json":
        listed = [{k: r[k] for k in ("ID", "ContainerName", "Repository", "Tag", "Platform", "Size")}
                  | ({"LastTagTime": r["LastTagTime"]} if r["LastTagTime"] and not r["LastTagTime"].startswith("0001")
                     else {}) for r in rows]
        return Formatted(json.dumps(listed, separators=(",", ":")).replace("<", "\\u003c").replace(">", "\\u003e")
                         .replace("&", "\\u0026") + "\n")
    lines = ["\t".join(IMAGE_TITLES)]
    for r in rows:
        lines.append("\t".join([r["ContainerName"], r["Repository"] or "<none>", r["Tag"] or "<none>", r["Platform"],
                                units.short_id(r["ID"]), units.size(r["Size"]),
                                _created(r, now)]))
    return Formatted(tabwrite("\n".join(lines) + "\n", 20, 3))


def _created(row: dict, now=None) -> str:
    """v2.40.3's CREATED column: when the image got its tag (LastTagTime), else its creation."""
    tagged = row["LastTagTime"] if row["LastTagTime"] and not row["LastTagTime"].startswith("0001") else None
    when = tagged or row["Created"]
    return units.ago(when, now) if when else "N/A"


# -- port -------------------------------------------------------------------------------------
def port(engine, project: str, service: str, private_port: int, protocol: str = "tcp",
         index: int | None = None) -> Formatted:
    """`docker compose port SERVICE PRIVATE_PORT`: the first public address, v2's line."""
    from ..errors import ComposeError

    row = targets.one(engine, project, service, index)
    ports = row.get("Ports") or []
    for p in ports:
        if p.get("PrivatePort") == int(private_port) and p.get("Type") == protocol and p.get("PublicPort"):
            return Formatted(f"{p.get('IP', '')}:{p.get('PublicPort')}\n")
    listed = ", ".join(f"{p.get('PublicPort', 0)}/{p.get('Type')}" for p in ports)
    raise ComposeError(f"no port {private_port}/{protocol} for container {state.name_of(row)}: {listed}".rstrip())


# -- events -----------------------------------------------------------------------------------
def events(engine, project: str, services=(), since=None, until=None):
    """The engine's container events of the project's service containers (one-offs left out, as
    v2), house `EngineEvent`s; ends at `until`, else when the consumer stops."""
    filters = {"label": [f"{names.PROJECT}={project}"], "type": ["container"]}
    for event in engine_events.events(engine, since, until, filters):
        attributes = event.Actor.get("Attributes") or {}
        if event.Type != "container" or attributes.get(names.ONEOFF) == "True":
            continue
        if services and attributes.get(names.SERVICE) not in services:
            continue
        yield event


def _go_time(nanos: int) -> datetime:
    return datetime.fromtimestamp(nanos // 1_000_000_000, tz=timezone.utc).astimezone()


def _rfc3339_nano(nanos: int) -> str:
    """Go's time.RFC3339Nano (trailing zeros of the fraction dropped), as encoding/json writes a time."""
    moment = _go_time(nanos)
    fraction = f"{nanos % 1_000_000_000:09d}".rstrip("0")
    zone = moment.strftime("%z")
    zone = "Z" if zone == "+0000" else f"{zone[:3]}:{zone[3:]}"
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + (f".{fraction}" if fraction else "") + zone


def _attributes(event) -> dict:
    attributes = event.Actor.get("Attributes") or {}
    return {k: v for k, v in sorted(attributes.items()) if not k.startswith("com.docker.compose.")}


def event_json(event) -> str:
    """One event as `docker compose events --json` prints it (Go's map keys in order)."""
    attributes = event.Actor.get("Attributes") or {}
    record = {"action": event.Action, "attributes": _attributes(event), "id": event.ID,
              "service": attributes.get(names.SERVICE, ""), "time": _rfc3339_nano(event.time_nano),
              "type": "container"}
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False)


def event_line(event) -> str:
    """One event as `docker compose events` prints it without `--json`: local time to the
    microsecond, `container ACTION ID (k=v, ...)`, then the empty line v2 prints after each
    (its attributes come in Go's map order, which varies: here sorted)."""
    moment = _go_time(event.time_nano).strftime("%Y-%m-%d %H:%M:%S") + f".{event.time_nano % 1_000_000_000 // 1000:06d}"
    attrs = ", ".join(f"{k}={v}" for k, v in _attributes(event).items())
    return f"{moment} container {event.Action} {event.ID} ({attrs})\n"


# -- version ----------------------------------------------------------------------------------
def version(fmt: str = "pretty", short: bool = False) -> Formatted:
    """`docker compose version`: dockermagic's own, and the Compose release it follows."""
    if short:
        return Formatted(__version__ + "\n")
    if fmt == "json":
        return Formatted(json.dumps({"version": f"v{__version__}", "compatible": COMPATIBLE},
                                    separators=(",", ":")) + "\n")
    return Formatted(f"dockermagic Compose version v{__version__} (Docker Compose {COMPATIBLE} compatible)\n")
