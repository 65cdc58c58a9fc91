"""Secrets and configs: `docker secret|config create|ls|inspect|rm`, with the CLI's `--format`
fields and `--pretty` text.  A secret's value goes to the manager and nowhere else: no result,
no repr and no error message holds it (the engine never sends it back)."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field

from ..errors import InvalidInput
from ..gotemplate.formats import Listing
from ..gotemplate.gofmt import go_time
from ..text import units
from .cluster import SwarmError, call, refused

SECRET_TABLE = "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.CreatedAt}}\t{{.UpdatedAt}}"
CONFIG_TABLE = "table {{.ID}}\t{{.Name}}\t{{.CreatedAt}}\t{{.UpdatedAt}}"
HEADER = {"ID": "ID", "Name": "NAME", "Driver": "DRIVER", "CreatedAt": "CREATED", "UpdatedAt": "UPDATED",
          "Labels": "LABELS"}
MAX_SIZE = 500 * 1024  # the engine's limit for a secret or a config (swarmkit's MaxSecretSize)
_NAME = re.compile(r"^[a-zA-Z0-9]+(?:[a-zA-Z0-9-_.]*[a-zA-Z0-9])?$")


@dataclass
class SwarmObject:
    """A secret or a config as the manager describes it (a secret's value is never there)."""

    id: str
    name: str
    labels: dict
    created: str
    updated: str
    driver: str = ""
    raw: dict = field(repr=False, default_factory=dict)
    KIND = ""

    @classmethod
    def from_raw(cls, raw: dict):
        spec = raw.get("Spec") or {}
        return cls(raw.get("ID", ""), spec.get("Name", ""), dict(spec.get("Labels") or {}), raw.get("CreatedAt", ""),
                   raw.get("UpdatedAt", ""), (spec.get("Driver") or {}).get("Name", ""), raw)


@dataclass(repr=False)
class Secret(SwarmObject):
    KIND = "secret"

    def __repr__(self) -> str:
        return f"Secret(id={self.id!r}, name={self.name!r}, labels={self.labels!r})"


@dataclass(repr=False)
class Config(SwarmObject):
    KIND = "config"

    @property
    def data(self) -> bytes:
        """A config's content (configs are not secret: the engine sends them back)."""
        return base64.b64decode((self.raw.get("Spec") or {}).get("Data") or "")

    def __repr__(self) -> str:
        return f"Config(id={self.id!r}, name={self.name!r}, labels={self.labels!r}, size={len(self.data)})"


KINDS = {"secret": Secret, "config": Config}


class ObjectRow:
    """One `secret ls` / `config ls` row: the CLI's fields."""

    def __init__(self, obj: SwarmObject):
        self.obj = obj
        self.ID, self.Name, self.Driver = obj.id, obj.name, obj.driver
        self.CreatedAt = units.ago(obj.created)
        self.UpdatedAt = units.ago(obj.updated)
        self.Labels = ",".join(f"{k}={v}" for k, v in sorted(obj.labels.items()))

    def Label(self, name: str) -> str:  # noqa: N802 -- the CLI's template method name
        return self.obj.labels.get(name, "")

    def fields(self) -> dict:
        names = HEADER if isinstance(self.obj, Secret) else {k: v for k, v in HEADER.items() if k != "Driver"}
        return {name: getattr(self, name) for name in sorted(names)}


@dataclass
class ObjectList(Listing):
    """`docker secret ls` / `config ls`: by name, as the CLI sorts them."""

    kind: str
    objects: list
    label: str = ""
    ROWS = "objects"

    @property
    def rows(self) -> list[ObjectRow]:
        return [ObjectRow(o) for o in self.objects]

    @property
    def table(self) -> str:
        return SECRET_TABLE if self.kind == "secret" else CONFIG_TABLE


@dataclass
class Removed:
    """What `secret rm` / `config rm` / `service rm` removed: the names, one a line, as the CLI prints them."""

    kind: str
    names: list[str]

    def __repr__(self) -> str:
        return "\n".join(self.names)


def check_name(kind: str, name: str) -> str:
    if not _NAME.match(name or ""):
        raise InvalidInput(f"{kind} create: invalid name {name!r}: only [a-zA-Z0-9-_.] are allowed, "
                           "and it must start and end with a letter or a digit")
    return name


def create(engine, kind: str, name: str, data: bytes, labels=None, driver=None, template_driver=None):
    """A secret or config named `name` holding `data`; the result never carries `data` of a secret."""
    check_name(kind, name)
    if not data and kind == "secret" and not driver:
        raise InvalidInput(f"secret create {name}: the value is empty (the engine refuses an empty secret)")
    if len(data) > MAX_SIZE:
        raise InvalidInput(f"{kind} create {name}: {len(data)} bytes, more than the engine's limit of {MAX_SIZE} bytes")
    doing = f"{kind} create {name}"
    if kind == "secret":
        made = call(engine, doing, "create_secret", name, data, labels=labels or None,
                    driver={"Name": driver} if driver else None)
    else:
        made = call(engine, doing, "create_config", name, data, labels=labels or None,
                    templating={"Name": template_driver} if template_driver else None)
    return inspect(engine, kind, [made["ID"]])[0]


def inspect_raw(engine, kind: str, refs) -> list[dict]:
    return [call(engine, f"{kind} inspect {ref}", f"inspect_{kind}", ref) for ref in refs]


def inspect(engine, kind: str, refs) -> list:
    return [KINDS[kind].from_raw(raw) for raw in inspect_raw(engine, kind, refs)]


def list_objects(engine, kind: str, filters: dict | None = None) -> ObjectList:
    raws = call(engine, f"{kind} ls", f"{kind}s", filters=filters or None)
    objects = sorted((KINDS[kind].from_raw(r) for r in raws), key=lambda o: o.name)
    return ObjectList(kind, objects, engine.label)


def remove(engine, kind: str, refs) -> Removed:
    """Every one tried, as the CLI does; the failures said together."""
    import docker

    removed, failed = [], []
    for ref in refs:
        try:
            getattr(engine.api, f"remove_{kind}")(ref)
            removed.append(ref)
        except docker.errors.APIError as exc:
            failed.append(str(refused(exc, engine, f"{kind} rm {ref}")))
    if failed:
        raise SwarmError("; ".join(failed) + (f" (removed: {', '.join(removed)})" if removed else ""))
    return Removed(kind, removed)


def _labels(labels: dict) -> list[str]:
    if not labels:
        return []
    return ["Labels:"] + [f" - {k}{'=' + v if v else ''}" for k, v in sorted(labels.items())]


def _when(text: str) -> str:
    moment = go_time(text)
    return moment[:1].upper() + moment[1:].lower()


def pretty_text(obj: SwarmObject) -> str:
    """`docker secret|config inspect --pretty` of one object, as the CLI prints it."""
    if isinstance(obj, Secret):
        lines = [f"ID:              {obj.id}", f"Name:              {obj.name}", *_labels(obj.labels),
                 f"Driver:            {obj.driver}", f"Created at:        {_when(obj.created)}",
                 f"Updated at:        {_when(obj.updated)}"]
        return "\n".join(lines)
    lines = [f"ID:\t\t\t{obj.id}", f"Name:\t\t\t{obj.name}", *_labels(obj.labels)]
    templating = ((obj.raw.get("Spec") or {}).get("Templating") or {}).get("Name")
    lines += [f"Template Driver:\t{templating}"] if templating else []
    lines += [f"Created at:            \t{_when(obj.created)}", f"Updated at:            \t{_when(obj.updated)}",
              "Data:", obj.data.decode("utf-8", "replace")]
    return "\n".join(lines)


def pretty(objects) -> str:
    return "".join(pretty_text(o) + "\n" for o in objects)
