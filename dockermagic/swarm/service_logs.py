"""`docker service logs SERVICE|TASK`: every task's output, each line prefixed as the CLI prefixes
it (`web.1.x3k9v0m2h1q7@node-1    | `), as `containers.output` events on a `RunResult`, so the
container output view shows them.  Knows nothing of IPython."""

from __future__ import annotations

from ..containers.output import RunResult, http_frames, pump
from ..engine import adapter
from ..engine.watchdog import Watchdog
from .cluster import call, refused
from .services import ServiceError
from .tasks import node_names

_CONTEXT = ("com.docker.swarm.node.id", "com.docker.swarm.service.id", "com.docker.swarm.task.id")


class Prefixes:
    """The CLI's task formatter: `name.slot[.taskid]@node` padded to the widest slot number, cached."""

    def __init__(self, engine, padding: int, no_task_ids=False, no_trunc=False, resolve=True, details=False):
        self.engine, self.padding = engine, padding
        self.no_task_ids, self.no_trunc, self.resolve, self.details = no_task_ids, no_trunc, resolve, details
        self._cache: dict[tuple, str] = {}
        self._nodes: dict | None = None
        self._services: dict[str, str] = {}

    def _node(self, node_id: str) -> str:
        if not self.resolve:
            return node_id
        if self._nodes is None or node_id not in self._nodes:
            self._nodes = node_names(self.engine, "service logs")
        return self._nodes.get(node_id, node_id)

    def _service(self, service_id: str) -> str:
        if not self.resolve:
            return service_id
        if service_id not in self._services:
            self._services[service_id] = self.engine.api.inspect_service(service_id)["Spec"]["Name"]
        return self._services[service_id]

    def line(self, message: bytes, timestamps: bool) -> bytes:
        """One log message (`[TIMESTAMP ]DETAILS TEXT`) as the CLI prints it."""
        parts = message.split(b" ", 2 if timestamps else 1)
        if len(parts) < (3 if timestamps else 2):
            return message
        stamp, details, text = (parts if timestamps else [b"", *parts])
        from urllib.parse import unquote

        attrs = {unquote(k): unquote(v) for k, _, v in (item.partition("=") for item in
                 details.decode("utf-8", "replace").split(",") if item)}
        if not all(k in attrs for k in _CONTEXT):
            return message
        key = tuple(attrs[k] for k in _CONTEXT)
        if key not in self._cache:
            node_id, service_id, task_id = key
            task = self.engine.api.inspect_task(task_id)
            slot = int(task.get("Slot") or 0)
            name = f"{self._service(service_id)}.{slot}"
            if not self.no_task_ids:
                name += f".{task_id if self.no_trunc else task_id[:12]}"
            self._cache[key] = name + "@" + self._node(node_id) + " " * max(0, self.padding - len(str(slot)))
        out = (stamp + b" " if timestamps else b"") + self._cache[key].encode() + b"    | "
        if self.details:
            extra = sorted(f"{k}={v}" for k, v in attrs.items() if k not in _CONTEXT)
            out += ",".join(extra).encode() + b" "
        return out + text


def log_events(engine, target: str, follow=False, tail=None, timestamps=False, since=None, raw=False,
               no_task_ids=False, no_trunc=False, resolve=True, details=False, result: RunResult | None = None):
    """`docker service logs`: `Output` events, each line prefixed with its task and node."""
    import docker

    api = engine.api
    try:
        service = api.inspect_service(target)
        path, tty = "/services/{0}/logs", service["Spec"]["TaskTemplate"]["ContainerSpec"].get("TTY", False)
        mode = service["Spec"].get("Mode") or {}
        padding = len(str((mode.get("Replicated") or {}).get("Replicas") or 0)) if "Replicated" in mode else 0
        ident = service["ID"]
    except docker.errors.NotFound:
        task = call(engine, f"service logs {target}", _task_or_none, api, target)
        if task is None:
            raise ServiceError(f"service logs: no such task or service: {target}") from None
        path, tty, ident = "/tasks/{0}/logs", task["Spec"]["ContainerSpec"].get("TTY", False), task["ID"]
        padding = len(str(task.get("Slot") or 0))
    except docker.errors.APIError as exc:
        raise refused(exc, engine, f"service logs {target}") from exc
    if tty and not raw:
        raise ServiceError("service logs: tty service logs only supported with --raw")
    params = {"stdout": 1, "stderr": 1, "follow": int(follow), "timestamps": int(timestamps),
              "details": int(details or not raw),  # the CLI asks for them to name each line's task
              "tail": "all" if tail is None else str(tail)}
    if since:
        params["since"] = since
    result = result or RunResult(target, verb="logs")
    prefixes = Prefixes(engine, padding, no_task_ids, no_trunc, resolve, details)
    try:
        response_cm = adapter.response(api, "GET", path, ident, params=params)
    except docker.errors.APIError as exc:
        raise refused(exc, engine, f"service logs {target}") from exc
    with response_cm as response:
        result.id, result.name = ident, target
        frames = http_frames(response, tty)
        if follow:
            frames = Watchdog(api, f"the engine at {engine.address}").follow(adapter.stream_socket(response), frames)
        if not tty and not raw:
            frames = ((stream, prefixes.line(data, timestamps)) for stream, data in frames)
        yield from pump(frames, result)


def _task_or_none(api, name: str):
    import docker

    try:
        return api.inspect_task(name)
    except docker.errors.NotFound:
        return None
