"""Which containers a Compose subcommand acts on: a project's containers found by v2's labels
(`com.docker.compose.project`, `.service`, `.container-number`, `.oneoff`), read into
`ComposeContainer`s, picked by service and `--index`, and the services put in dependency order
as v2 orders them (from the model's `depends_on`, else from the containers' own
`com.docker.compose.depends_on` labels, so a project named by `-p` alone orders too).

A small private finder for `logs`, `exec`, `run`, `start` ... until the names-and-labels module of
`up` is the one place that reads them.
"""

from __future__ import annotations

import re

from ..errors import ComposeError, InvalidInput
from .results import ComposeContainer, ComposeProject

PROJECT = "com.docker.compose.project"
SERVICE = "com.docker.compose.service"
NUMBER = "com.docker.compose.container-number"
ONEOFF = "com.docker.compose.oneoff"
DEPENDS_ON = "com.docker.compose.depends_on"
_EXITED = re.compile(r"Exited \((-?\d+)\)")


def summaries(engine, project: str, services=(), oneoff: bool | None = False, stopped: bool = True) -> list[dict]:
    """The engine's summaries (`GET /containers/json`) of the project's containers, by service
    then number; `oneoff` None: both kinds; `stopped` False: running ones only."""
    labels = [f"{PROJECT}={project}"]
    if oneoff is not None:
        labels.append(f"{ONEOFF}={'True' if oneoff else 'False'}")
    rows = engine.api.containers(all=stopped, filters={"label": labels})
    if services:
        rows = [r for r in rows if (r.get("Labels") or {}).get(SERVICE) in services]
    return sorted(rows, key=_order)


def _order(row: dict):
    labels = row.get("Labels") or {}
    return labels.get(SERVICE, ""), _number(labels), name_of(row)


def _number(labels: dict) -> int:
    try:
        return int(labels.get(NUMBER) or 0)
    except ValueError:
        return 0


def name_of(row: dict) -> str:
    names = row.get("Names") or [""]
    return min(names, key=len).lstrip("/")


def container(row: dict) -> ComposeContainer:
    """A summary as `docker compose ps` reads it."""
    labels = row.get("Labels") or {}
    status = row.get("Status") or ""
    health = next((h for h in ("unhealthy", "healthy", "health: starting") if f"({h})" in status), "")
    exited = _EXITED.search(status)
    publishers = [{"URL": p.get("IP", ""), "TargetPort": p.get("PrivatePort"), "PublishedPort": p.get("PublicPort", 0),
                   "Protocol": p.get("Type", "tcp")} for p in row.get("Ports") or ()]
    return ComposeContainer(
        name=name_of(row), id=row.get("Id", ""), service=labels.get(SERVICE, ""), number=_number(labels),
        image=row.get("Image", ""), command=row.get("Command", ""), state=row.get("State", ""), status=status,
        created=float(row.get("Created") or 0), health=health.replace("health: ", ""),
        exit_code=int(exited.group(1)) if exited else 0, oneoff=labels.get(ONEOFF) == "True",
        publishers=publishers, labels=dict(labels))


def refresh(engine, result: ComposeProject) -> ComposeProject:
    """`result`'s containers, networks and volumes as the engine has them now."""
    result.containers = [container(r) for r in summaries(engine, result.name, oneoff=None)]
    label = [f"{PROJECT}={result.name}"]
    result.networks = sorted(n["Name"] for n in engine.api.networks(filters={"label": label}))
    result.volumes = sorted(v["Name"] for v in (engine.api.volumes(filters={"label": label}) or {}).get("Volumes") or ())
    return result


def check_services(result: ComposeProject, services) -> None:
    """v2's refusal of a service the model does not have (`no such service: "nope"`); nothing to
    check against when the project was named by `-p` alone."""
    known = (result.model or {}).get("services")
    if known is None:
        return
    for service in services:
        if service not in known:
            raise InvalidInput(f'no such service: "{service}"')


def one(engine, project: str, service: str, index: int | None = None, running: bool = True) -> dict:
    """The summary of a service's container number `index` (default: the lowest), as `exec`,
    `port` and `cp` pick it; v2's words when there is none."""
    rows = summaries(engine, project, [service], stopped=not running)
    if index is not None:
        rows = [r for r in rows if _number(r.get("Labels") or {}) == index]
        if not rows:
            raise ComposeError(f'service "{service}" is not running container #{index}')
    if not rows:
        raise ComposeError(f'service "{service}" is not running')
    return rows[0]


def dependencies(result: ComposeProject, rows=()) -> dict[str, dict[str, dict]]:
    """service -> {dependency: {"condition": ..., "required": ...}}, from the model or, without
    one, from the containers' `com.docker.compose.depends_on` labels (`db:service_started:false`)."""
    services = (result.model or {}).get("services")
    if services is not None:
        return {name: dict(svc.get("depends_on") or {}) for name, svc in services.items()}
    graph: dict[str, dict[str, dict]] = {}
    for row in rows:
        labels = row.get("Labels") or {}
        deps = graph.setdefault(labels.get(SERVICE, ""), {})
        for item in filter(None, (labels.get(DEPENDS_ON) or "").split(",")):
            name, _, rest = item.partition(":")
            condition, _, restart = rest.partition(":")
            deps[name] = {"condition": condition or "service_started", "restart": restart == "true"}
    return graph


def in_order(graph: dict[str, dict], services=None) -> list[str]:
    """The services (all of `graph` when None) with each one's dependencies before it, as v2
    starts them; names in a tie keep alphabetical order so a run is repeatable."""
    wanted = sorted(graph) if services is None else list(services)
    done: list[str] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in done or name in visiting:
            return
        visiting.add(name)
        for dep in sorted(graph.get(name, {})):
            if dep in graph:
                visit(dep)
        visiting.discard(name)
        done.append(name)

    for name in wanted:
        visit(name)
    return [name for name in done if services is None or name in services]


def with_dependencies(graph: dict[str, dict], services) -> list[str]:
    """`services` and everything they depend on, transitively, in start order."""
    found: set[str] = set()
    stack = list(services)
    while stack:
        name = stack.pop()
        if name not in found:
            found.add(name)
            stack.extend(d for d in graph.get(name, {}) if d in graph)
    return in_order(graph, [s for s in in_order(graph) if s in found])
