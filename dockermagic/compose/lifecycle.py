"""A running project's containers started, stopped, restarted, killed, paused, unpaused, removed
and waited for, as Docker Compose v2 does it: each a generator of `StackEvent`s with v2's words
("Stopping", "Stopped" ...), which the live stack view shows and `ComposeProject.apply` records.

Order as v2's: `start` and `restart` take dependencies first (`start web` also starts `db`, and
waits for `service_healthy` / `service_completed_successfully`), `stop` the dependents first.
One container at a time: the rows come in v2's order, and the engine does the waiting.  At the
end `result` holds the project's containers as the engine has them.
"""

from __future__ import annotations

import queue
import threading
import time

from ..engine import adapter
from ..errors import ComposeError, InvalidInput
from . import labels as names
from . import state, targets
from .results import ComposeProject, StackEvent

HEALTH_POLL = 0.5  # seconds between two looks at a dependency's health


def _event(row: dict, word: str, text: str = "") -> StackEvent:
    return StackEvent("container", state.name_of(row), word, (row.get("Labels") or {}).get(names.SERVICE), text)


def _engine_call(doing: str, call, *args, **kwargs):
    import docker

    try:
        return call(*args, **kwargs)
    except docker.errors.APIError as exc:
        raise ComposeError(adapter.explanation(exc) or f"{doing} failed") from exc


def _rows(engine, result: ComposeProject, services) -> list[dict]:
    targets.check_services(result, services)
    return targets.summaries(engine, result.name, services or ())


def _by_service(rows) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    for row in rows:
        grouped.setdefault((row.get("Labels") or {}).get(names.SERVICE, ""), []).append(row)
    return grouped


def _stop_one(engine, row: dict, timeout: int | None):
    params = {} if timeout is None else {"t": int(timeout)}
    yield _event(row, "Stopping")
    _engine_call("stop", adapter.call, engine.api, "POST", "/containers/{0}/stop", row["Id"], params=params)
    yield _event(row, "Stopped")


def stop(engine, result: ComposeProject, services=(), timeout: int | None = None):
    """`docker compose stop [-t N] [SERVICE...]`: the running containers, dependents first;
    `timeout` None: each container's own stop timeout (v2 sets it from `stop_grace_period`)."""
    rows = _rows(engine, result, services)
    grouped = _by_service(r for r in rows if r.get("State") in ("running", "paused", "restarting"))
    for service in reversed(targets.in_order(targets.dependencies(result, rows), None) + sorted(grouped)):
        for row in grouped.pop(service, ()):
            yield from _stop_one(engine, row, timeout)
    state.refresh(engine.api, result)


def start(engine, result: ComposeProject, services=(), wait_timeout: float | None = None):
    """`docker compose start [SERVICE...]`: the named services and what they depend on, in
    dependency order, each started once its dependencies meet their `depends_on` conditions."""
    targets.check_services(result, services)
    rows = targets.summaries(engine, result.name)
    graph = targets.dependencies(result, rows)
    grouped = _by_service(rows)
    order = targets.with_dependencies(graph, services) if services else targets.in_order(graph) + sorted(
        set(grouped) - set(graph))
    for service in order:
        if service not in grouped:
            if service in (services or ()):
                raise ComposeError(f'service "{service}" has no container to start')
            continue
        yield from _await_dependencies(engine, result, graph.get(service, {}), grouped, wait_timeout)
        for row in grouped[service]:
            if row.get("State") in ("created", "exited"):
                yield _event(row, "Starting")
                _engine_call("start", engine.api.start, row["Id"])
                yield _event(row, "Started")
    state.refresh(engine.api, result)


def await_dependencies(engine, result: ComposeProject, service: str, wait_timeout: float | None = None):
    """Until `service`'s dependencies meet their `depends_on` conditions (`run` waits so, as v2)."""
    graph = targets.dependencies(result)
    grouped = _by_service(state.raw_containers(engine.api, result.name, services=list(graph.get(service, {}))))
    yield from _await_dependencies(engine, result, graph.get(service, {}), grouped, wait_timeout)


def _await_dependencies(engine, result, deps: dict, grouped: dict, wait_timeout: float | None):
    """v2's wait before a dependent starts: `service_healthy` until healthy, `service_completed_successfully`
    until exited 0; a required dependency that fails ends the command in one line."""
    for dep, spec in sorted(deps.items()):
        condition = (spec or {}).get("condition", "service_started")
        if condition == "service_started":
            continue
        for row in grouped.get(dep, ()):
            yield _event(row, "Waiting")
            text = _wait_condition(engine, row, condition, wait_timeout)
            if text and (spec or {}).get("required", True):
                yield _event(row, "Error", text)
                raise ComposeError(text)
            yield _event(row, "Healthy" if condition == "service_healthy" else "Exited", text)


def _wait_condition(engine, row: dict, condition: str, wait_timeout: float | None) -> str:
    """'' once the condition holds, else why it never will (v2's words)."""
    name = state.name_of(row)
    deadline = None if wait_timeout is None else time.monotonic() + wait_timeout
    while deadline is None or time.monotonic() < deadline:
        now = _engine_call("inspect", engine.api.inspect_container, row["Id"])["State"]
        if condition == "service_completed_successfully":
            if not now.get("Running") and now.get("Status") == "exited":
                code = now.get("ExitCode", 0)
                return "" if code == 0 else f'service "{row["Labels"].get(names.SERVICE)}" didn\'t complete successfully: exit {code}'
        else:
            health = now.get("Health")
            if health is None:
                return f"container {name} has no healthcheck configured"
            if health.get("Status") == "healthy":
                return ""
            if health.get("Status") == "unhealthy":
                log = [entry.get("Output", "").strip() for entry in health.get("Log") or ()]
                tail = f" ({log[-1].splitlines()[-1]})" if log and log[-1] else ""
                return f"dependency failed to start: container {name} is unhealthy{tail}"
            if not now.get("Running"):
                return f"dependency failed to start: container {name} exited ({now.get('ExitCode')})"
        time.sleep(HEALTH_POLL)
    return f"timeout waiting for container {name}"


def restart(engine, result: ComposeProject, services=(), timeout: int | None = None):
    """`docker compose restart [-t N] [SERVICE...]`: each container restarted (stopped ones
    started), dependencies first."""
    rows = _rows(engine, result, services)
    grouped = _by_service(rows)
    params = {} if timeout is None else {"t": int(timeout)}
    for service in targets.in_order(targets.dependencies(result, rows), None) + sorted(grouped):
        for row in grouped.pop(service, ()):
            yield _event(row, "Restarting")
            _engine_call("restart", adapter.call, engine.api, "POST", "/containers/{0}/restart", row["Id"], params=params)
            yield _event(row, "Started")
    state.refresh(engine.api, result)


def kill(engine, result: ComposeProject, services=(), signal: str = "SIGKILL"):
    """`docker compose kill [-s SIGNAL] [SERVICE...]`: the running containers."""
    sig = str(signal).upper()
    sig = sig if sig.isdigit() or sig.startswith("SIG") else f"SIG{sig}"
    for row in _rows(engine, result, services):
        if row.get("State") != "running":
            continue
        yield _event(row, "Killing")
        _engine_call("kill", engine.api.kill, row["Id"], signal=sig)
        yield _event(row, "Killed")
    state.refresh(engine.api, result)


def pause(engine, result: ComposeProject, services=()):
    """`docker compose pause [SERVICE...]`; the engine's refusal (already paused) in one line."""
    for row in _rows(engine, result, services):
        if row.get("State") in ("running", "paused"):
            yield _event(row, "Pausing")
            _engine_call("pause", engine.api.pause, row["Id"])
            yield _event(row, "Paused")
    state.refresh(engine.api, result)


def unpause(engine, result: ComposeProject, services=()):
    """`docker compose unpause [SERVICE...]`."""
    for row in _rows(engine, result, services):
        if row.get("State") == "paused":
            yield _event(row, "Unpausing")
            _engine_call("unpause", engine.api.unpause, row["Id"])
            yield _event(row, "Unpaused")
    state.refresh(engine.api, result)


def remove(engine, result: ComposeProject, services=(), stop_first: bool = False, volumes: bool = False,
           timeout: int | None = None):
    """`docker compose rm [-s] [-v] [SERVICE...]`: the stopped containers (one-offs kept); `-s`
    stops them first.  v2 asks "Going to remove ..." unless `-f`; a cell cannot answer, so the
    question becomes `result.note` and they go (the line was the confirmation)."""
    if stop_first:
        yield from stop(engine, result, services, timeout)
    rows = [r for r in _rows(engine, result, services) if r.get("State") != "running"]
    if not rows:
        result.note = "No stopped containers"
        state.refresh(engine.api, result)
        return
    result.note = "Going to remove " + ", ".join(state.name_of(r) for r in rows)
    for row in rows:
        yield _event(row, "Removing")
        _engine_call("rm", engine.api.remove_container, row["Id"], v=volumes, force=True)
        yield _event(row, "Removed")
    state.refresh(engine.api, result)


def wait(engine, result: ComposeProject, services=()):
    """`docker compose wait SERVICE...`: blocks until the first of their containers exits;
    `result.exit_code` is its code (v2's "container ... exited with status code N")."""
    if not services:
        raise InvalidInput("docker compose wait needs at least one SERVICE")
    rows = _rows(engine, result, services)
    if not rows:
        raise ComposeError(f'no containers for project "{result.name}"')
    done: queue.Queue = queue.Queue()

    def one(row):
        try:
            answer = adapter.call(engine.api, "POST", "/containers/{0}/wait", row["Id"])
            done.put((row, answer.get("StatusCode"), None))
        except Exception as exc:  # noqa: BLE001 -- handed to the waiting thread, which raises it
            done.put((row, None, exc))

    for row in rows:
        threading.Thread(target=one, args=(row,), name="dockermagic-compose-wait", daemon=True).start()
    row, code, failed = done.get()
    if failed is not None:
        raise ComposeError(adapter.explanation(failed) or str(failed))
    result.exit_code = code
    yield _event(row, "Exited", f'container "{row["Id"]}" exited with status code {code}')
    state.refresh(engine.api, result)
