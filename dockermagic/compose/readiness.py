"""Starting a converged project as Compose v2 does: each service once its dependencies meet
their `depends_on` condition (`service_started`, `service_healthy`, `service_completed_successfully`,
`required: false`, `restart: true`), `--wait` for every service, and the foreground `up`:
the services' output as `LogLine`s until they all end, `--abort-on-container-exit`,
`--exit-code-from`, Ctrl-C stopping them ("Gracefully stopping...").
"""

from __future__ import annotations

import queue
import re
import threading
import time

import docker

from ..engine import adapter
from ..errors import ComposeError
from . import labels as names
from . import secrets, state
from .graph import Skipped
from .results import LogLine, StackEvent

POLL = 0.2   # seconds between two looks at a dependency's health (v2 polls every 500 ms)


def _containers(api, project, service: str) -> list[dict]:
    return state.raw_containers(api, project.name, services=[service])


def _name(raw: dict) -> str:
    return state.ContainerRow(raw).Names


def start_service(api, project, service: str, raws: list[dict], made: dict, restarted=(), cancel=None):
    """Start `service`'s containers (`raws`) once its dependencies (their containers in `made`)
    meet their conditions; `restarted`: services recreated in this `up`, whose `restart: true`
    dependents restart.  Secrets and configs given by value are copied in before each start."""
    depends = project.services[service].get("depends_on") or {}
    for dep, how in depends.items():
        if dep in project.services:
            yield from wait_for(api, project, dep, how or {}, service, made.get(dep), cancel=cancel)
    for raw in raws:
        shown = _name(raw)
        if raw.get("State") == "running":
            if any(d in restarted and (how or {}).get("restart") for d, how in depends.items()):
                yield StackEvent("container", shown, "Restarting", service)
                # not `api.restart`: it adds its `t` to the client's timeout, a (connect, read) pair here
                adapter.call(api, "POST", "/containers/{0}/restart", raw["Id"])
                yield StackEvent("container", shown, "Restarted", service)
            continue
        yield StackEvent("container", shown, "Starting", service)
        try:
            secrets.inject(api, project, service, raw["Id"])
            api.start(raw["Id"])
        except docker.errors.APIError as exc:
            text = _start_failure(exc, service)
            yield StackEvent("container", shown, "Error", service, text)
            raise ComposeError(f"container {shown}: {text}") from None
        yield StackEvent("container", shown, "Started", service)


def _start_failure(exc, service: str) -> str:
    """The engine's reason; a port taken by another container or program said first, naming
    the service and the port (the engine's own words follow)."""
    text = adapter.explanation(exc)
    lowered = text.lower()
    if "port is already allocated" in lowered or "address already in use" in lowered:
        found = _ADDRESS.findall(text)
        where = f" {found[-1][0]}:{found[-1][1]}" if found else ""
        return f"service {service}: host port{where} is already in use (another container or program has it): {text}"
    return text


_ADDRESS = re.compile(r"((?:\d{1,3}\.){3}\d{1,3}|\[[0-9a-f:]*\]):(\d+)")


def wait_for(api, project, dep: str, how: dict, dependent: str, raws=None, timeout: float | None = None,
             cancel=None):
    """A dependency's condition, met or ComposeError (a warning when `required: false`); `raws`:
    its containers, when known."""
    condition = how.get("condition") or "service_started"
    if condition == "service_started":
        return
    for raw in _containers(api, project, dep) if raws is None else raws:
        shown = _name(raw)
        yield StackEvent("container", shown, "Waiting", dep)
        try:
            yield from _one(api, raw, dep, condition, timeout, cancel)
        except ComposeError as exc:
            if how.get("required", True):
                yield StackEvent("container", shown, "Error", dep, str(exc))
                raise
            yield StackEvent("container", shown, "Warning", dep, f"optional dependency of {dependent}: {exc}")


def _one(api, raw: dict, service: str, condition: str, timeout: float | None, cancel=None, said=None):
    """Poll one container until `condition` holds; `said`: the timeout the message names
    (`--wait-timeout`'s, when `timeout` is what is left of it)."""
    shown = _name(raw)
    began = time.monotonic()
    while True:
        info = api.inspect_container(raw["Id"])
        st = info["State"]
        if condition == "service_healthy":
            health = st.get("Health")
            if health is None:
                raise ComposeError(f"dependency failed to start: container {shown} (service {service}) has no "
                                   "healthcheck configured")
            if health.get("Status") == "healthy":
                yield StackEvent("container", shown, "Healthy", service)
                return
            if not health.get("Log") and time.monotonic() - began > _never_ran(info):
                raise ComposeError(f"container {shown} (service {service}): the engine ran no healthcheck in "
                                   f"{_never_ran(info):g}s (Podman runs them from systemd timers: without "
                                   "systemd, none run), so service_healthy cannot be met")
            if health.get("Status") == "unhealthy" or not st.get("Running"):
                why = "is unhealthy" if st.get("Running") else f"exited ({st.get('ExitCode')})"
                raise ComposeError(f"dependency failed to start: container {shown} (service {service}) {why}"
                                   f"{_health_tail(health)}")
        elif condition == "service_completed_successfully":
            if st.get("Status") == "exited":
                code = st.get("ExitCode")
                if code != 0:
                    raise ComposeError(f"service {service!r} didn't complete successfully: exit {code}")
                yield StackEvent("container", shown, "Exited", service, "exited (0)")
                return
        elif condition == "running":  # --wait without a healthcheck
            if st.get("Running"):
                yield StackEvent("container", shown, "Healthy", service)
                return
            if st.get("Status") == "exited":
                raise ComposeError(f"container {shown} exited ({st.get('ExitCode')})")
        if timeout is not None and time.monotonic() - began > timeout:
            raise ComposeError(f"container {shown} (service {service}) not ready after {said or timeout:g}s")
        if cancel is not None and cancel():
            raise Skipped()
        time.sleep(POLL)


def _never_ran(info: dict) -> float:
    """Seconds after which a healthcheck that never ran will not: its start period, an
    interval (30 s by default) and 10 s of slack."""
    check = (info.get("Config") or {}).get("Healthcheck") or {}
    return ((check.get("StartPeriod") or 0) + (check.get("Interval") or 30_000_000_000)) / 1e9 + 10


def _health_tail(health: dict) -> str:
    log = health.get("Log") or []
    if not log:
        return ""
    last = log[-1]
    output = " ".join((last.get("Output") or "").split())[-200:]
    return f"; last health check exit {last.get('ExitCode')}: {output}" if output else \
        f"; last health check exit {last.get('ExitCode')}"


def wait_all(api, project, services, timeout: float | None = None):
    """`--wait`: every container running, healthy where it has a healthcheck."""
    deadline = None if timeout is None else time.monotonic() + timeout
    for service in services:
        for raw in _containers(api, project, service):
            info = api.inspect_container(raw["Id"])
            condition = "service_healthy" if info["State"].get("Health") else "running"
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            yield StackEvent("container", _name(raw), "Waiting", service)
            try:
                yield from _one(api, raw, service, condition, left, said=timeout)
            except ComposeError as exc:
                yield StackEvent("container", _name(raw), "Error", service, str(exc))
                raise


# -- the foreground `up` ----------------------------------------------------------------------
def attach(api, raws: list[dict], tty: bool, show: bool) -> list[tuple]:
    """A service's containers attached before they start (as v2 attaches), so no output is
    lost: [(raw, stream, tty, show)].  The engine holds an attach to a stopped container open
    until it starts, so this comes after creation and before `start`."""
    return [(raw, api.attach(raw["Id"], stdout=True, stderr=True, stream=True, logs=False, demux=not tty), tty, show)
            for raw in raws]


def attached(api, project, attachments, options, result):
    """The attached services' output as LogLines until every container ended (or one did, with
    `--abort-on-container-exit` / `--exit-code-from`); Ctrl-C stops them all, as v2 does."""
    inbox: queue.Queue = queue.Queue()
    for raw, stream, tty, show in attachments:
        threading.Thread(target=_pump, args=(api, raw, stream, tty, show, inbox, options.timestamps),
                         daemon=True).start()
    watched = [raw for raw, *_ in attachments]
    abort = options.abort_on_container_exit or bool(options.exit_code_from)
    left = len(watched)
    try:
        while left:
            item = inbox.get()
            if isinstance(item, LogLine):
                yield item
                continue
            left -= 1
            raw, code = item
            service = (raw.get("Labels") or {}).get(names.SERVICE)
            yield StackEvent("container", _name(raw), "Exited", service, f"exited with code {code}")
            if options.exit_code_from == service or (abort and options.exit_code_from is None):
                result.exit_code = code
            if abort:
                yield StackEvent("project", project.name, "Warning", None, "Aborting on container exit...")
                yield from _stop_all(api, watched, options.timeout)
                break
    except KeyboardInterrupt:
        yield StackEvent("project", project.name, "Warning", None, "Gracefully stopping... (press Ctrl+C again to force)")
        yield from _stop_all(api, watched, options.timeout)
        raise
    except GeneratorExit:
        for _ in _stop_all(api, watched, options.timeout):
            pass
        raise
    if options.exit_code_from and result.exit_code is None:
        found = _containers(api, project, options.exit_code_from)
        if found:
            result.exit_code = api.inspect_container(found[0]["Id"])["State"].get("ExitCode")


def stop(api, container: str, timeout: int | None) -> None:
    """`POST /containers/ID/stop`, with `?t=` only when given: the container's own stop timeout
    (from `stop_grace_period`) applies otherwise, as with v2."""
    adapter.call(api, "POST", "/containers/{0}/stop", container,
                 params={"t": int(timeout)} if timeout is not None else None)


def _stop_all(api, raws, timeout):
    for raw in reversed(raws):
        info = api.inspect_container(raw["Id"])
        if not info["State"].get("Running"):
            continue
        shown = _name(raw)
        service = (raw.get("Labels") or {}).get(names.SERVICE)
        yield StackEvent("container", shown, "Stopping", service)
        stop(api, raw["Id"], timeout)
        yield StackEvent("container", shown, "Stopped", service)


def received_at() -> str:
    """Now, as v2 stamps an attached line with `up --timestamps` (RFC 3339, nine fraction digits, UTC)."""
    ns = time.time_ns()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ns // 1_000_000_000)) + f".{ns % 1_000_000_000:09d}Z"


def _pump(api, raw: dict, stream, tty: bool, show: bool, inbox: queue.Queue, timestamps: bool = False) -> None:
    """One container's output into `inbox` as lines (stamped when received, with `timestamps`), then its exit code."""
    name = _name(raw)
    service = (raw.get("Labels") or {}).get(names.SERVICE, "")
    try:
        pending = {"stdout": "", "stderr": ""}
        for chunk in stream:
            parts = (("stdout", chunk),) if tty else (("stdout", chunk[0]), ("stderr", chunk[1]))
            for which, data in parts:
                if not data or not show:
                    continue
                text = pending[which] + data.decode("utf-8", "replace")
                *lines, pending[which] = text.split("\n")
                stamp = received_at() if timestamps else None
                for line in lines:
                    inbox.put(LogLine(service, name, line.rstrip("\r"), which, stamp))
        for which, rest in pending.items():
            if rest and show:
                inbox.put(LogLine(service, name, rest, which, received_at() if timestamps else None))
        code = api.wait(raw["Id"]).get("StatusCode")
    except Exception:  # noqa: BLE001 -- the container went (removed, the engine gone): it ended for us
        code = None
    inbox.put((raw, code))
