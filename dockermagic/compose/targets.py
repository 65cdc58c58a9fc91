"""Which containers a Compose subcommand acts on: the project's containers (found by
`state.raw_containers`, the one finder), picked by service and `--index`, and the services put
in dependency order as v2 orders them (from the model's `depends_on`, else from the containers'
own `com.docker.compose.depends_on` labels, so a project named by `-p` alone orders too).
"""

from __future__ import annotations

from ..errors import ComposeError, InvalidInput
from . import labels as names
from . import state
from .results import ComposeProject


def summaries(engine, project: str, services=(), oneoff: bool | None = False, stopped: bool = True) -> list[dict]:
    """`state.raw_containers` for an engine: the project's containers, by service then number."""
    return state.raw_containers(engine.api, project, all=stopped, oneoff=oneoff, services=services)


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
        rows = [r for r in rows if state.number_of(r) == index]
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
        deps = graph.setdefault(labels.get(names.SERVICE, ""), {})
        for item in filter(None, (labels.get(names.DEPENDS_ON) or "").split(",")):
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
