"""What `docker compose config` prints: the canonical model as JSON or YAML, or one of its lists
(`--services`, `--volumes`, `--profiles`, `--images`, `--hash`); with `--no-interpolate`, the model
tree of `rawmodel` instead (`render_model`)."""

from __future__ import annotations

from . import gojson
from .gojson import NilList
from .hash import service_hash
from .project import Project


def _escape(value):
    """v2 prints every `$` doubled (so the output loads again to the same values)."""
    if isinstance(value, str):
        return value.replace("$", "$$")
    if isinstance(value, dict):
        return {_escape(key): _escape(item) for key, item in value.items()}
    if isinstance(value, list) and not isinstance(value, NilList):
        return [_escape(item) for item in value]
    return value


def render(project: Project, fmt: str = "yaml", interpolated: bool = True) -> str:
    model = _escape(project.model) if interpolated else project.model
    if fmt == "json":
        return gojson.dumps(model, indent=2)
    from .goyaml import dumps as yaml_dumps

    return yaml_dumps(model, _escape(project.models) if interpolated else project.models)


def _go_sorted(value):
    """Go's `encoding/json` writes a map's keys sorted by their bytes."""
    if isinstance(value, NilList):
        return value
    if isinstance(value, dict):
        return {key: _go_sorted(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_go_sorted(item) for item in value]
    return value


def render_model(model: dict, fmt: str = "yaml") -> str:
    """`config --no-interpolate`: the model tree (`rawmodel.load_model`) as v2 prints it, without a
    newline after the JSON and with no `$` doubled."""
    if fmt == "json":
        return gojson.dumps(_go_sorted(model), indent=2)
    from .goyaml import dumps_tree

    return dumps_tree(model)


def services(project: Project) -> list[str]:
    return list(project.services)


def volumes(project: Project) -> list[str]:
    return list(project.volumes)


def profiles(project: Project) -> list[str]:
    found = set()
    for svc in [*project.services.values(), *project.disabled.values()]:
        found.update(svc.get("profiles") or [])
    return sorted(found)


def images(project: Project) -> list[str]:
    return [svc.get("image") or f"{project.name}-{name}" for name, svc in project.services.items()]


def hashes(project: Project, which: str = "*") -> list[str]:
    names = sorted(project.services) if which == "*" else sorted(which.split(","))
    return [f"{name} {service_hash(project.services[name])}" for name in names]
