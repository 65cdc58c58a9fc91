"""A service's tasks: `docker service ps` (`Task`, `TaskList`, the CLI's columns and `--format`
fields) and convergence (`converge`): the tasks polled as the CLI's progress polls them, one
`SlotChanged` per slot that changed, the overall count, the scheduler's reasons, nodes that went
down, until the service is stable for its monitor period -- bounded, and Ctrl-C only stops
the waiting.  Knows nothing of IPython."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from ..errors import EngineError
from ..gotemplate.formats import Listing
from ..text import units

PS_HEADER = {"ID": "ID", "Name": "NAME", "Image": "IMAGE", "Node": "NODE", "DesiredState": "DESIRED STATE",
             "CurrentState": "CURRENT STATE", "Error": "ERROR", "Ports": "PORTS"}
PS_TABLE = "table {{.ID}}\t{{.Name}}\t{{.Image}}\t{{.Node}}\t{{.DesiredState}}\t{{.CurrentState}}\t{{.Error}}\t{{.Ports}}"
# the CLI's progress: a task's state as a step out of 9 (cli/command/service/progress)
STEPS = {"new": 1, "allocated": 2, "pending": 3, "assigned": 4, "accepted": 5, "preparing": 6, "ready": 7,
         "starting": 8, "running": 9, "complete": 10, "shutdown": 11, "failed": 12, "rejected": 13}
RUNNING = STEPS["running"]
POLL = 0.2  # seconds between two looks, as the CLI's
WAIT = 300.0  # the longest a create or update waits for convergence by default


class ConvergenceError(EngineError):
    """A service did not converge: the wait's bound passed, or the update paused."""


class WaitInterrupted(EngineError):
    """Ctrl-C while waiting for a service: the waiting stopped, the service goes on converging."""


def human_duration(seconds: float) -> str:
    """go-units' HumanDuration, lower-cased as `service ps` prints it."""
    s = int(seconds)
    if seconds < 1:
        return "less than a second"
    if s == 1:
        return "1 second"
    if s < 60:
        return f"{s} seconds"
    minutes = int(seconds / 60)
    if minutes == 1:
        return "about a minute"
    if minutes < 60:
        return f"{minutes} minutes"
    hours = int(round(seconds / 3600))
    if hours == 1:
        return "about an hour"
    if hours < 48:
        return f"{hours} hours"
    if hours < 24 * 7 * 2:
        return f"{hours // 24} days"
    if hours < 24 * 30 * 2:
        return f"{hours // 24 // 7} weeks"
    if hours < 24 * 365 * 2:
        return f"{hours // 24 // 30} months"
    return f"{int(hours / 24 / 365)} years"


def pretty(state: str) -> str:
    return state[:1].upper() + state[1:]


def short_image(image: str) -> str:
    """The CLI's truncated IMAGE: a tagged reference loses its digest (`busybox:latest`)."""
    name, _, _ = image.partition("@")
    last = name.rsplit("/", 1)[-1]
    return name if ":" in last else image


@dataclass
class Task:
    """One task of a service, as `docker service ps` lists it; `.raw` is the engine's JSON."""

    id: str
    name: str  # `web.1`, or `web.<node id>` for a global service's task
    service: str
    slot: int
    node_id: str
    node: str  # the node's hostname (its id with --no-resolve)
    image: str
    desired: str
    state: str
    timestamp: str
    error: str = ""
    message: str = ""
    ports: list = field(default_factory=list)
    created: str = ""
    raw: dict = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, raw: dict, service_name: str, node_name: str) -> "Task":
        status = raw.get("Status") or {}
        slot = int(raw.get("Slot") or 0)
        name = f"{service_name}.{slot}" if slot else f"{service_name}.{raw.get('NodeID', '')}"
        ports = (status.get("PortStatus") or {}).get("Ports") or []
        return cls(raw["ID"], name, service_name, slot, raw.get("NodeID", ""), node_name,
                   ((raw.get("Spec") or {}).get("ContainerSpec") or {}).get("Image", ""), raw.get("DesiredState", ""),
                   status.get("State", ""), status.get("Timestamp", ""), status.get("Err", ""), status.get("Message", ""),
                   ports, (raw.get("CreatedAt") or ""), raw)

    def current(self, now: float | None = None) -> str:
        """CURRENT STATE: `Running 5 seconds ago`."""
        since = units.to_epoch(self.timestamp)
        age = max(0.0, (now or time.time()) - since) if since else 0.0
        return f"{pretty(self.state)} {human_duration(age)} ago"


@dataclass
class TaskRow:
    """One `service ps` row: the fields its `--format` templates see, as the CLI's."""

    ID: str
    Name: str
    Image: str
    Node: str
    DesiredState: str
    CurrentState: str
    Error: str
    Ports: str

    def fields(self) -> dict:
        return {k: getattr(self, k) for k in PS_HEADER}


@dataclass
class TaskList(Listing):
    """`docker service ps`: tasks in the CLI's order (by name, each slot's newest first)."""

    tasks: list[Task]
    trunc: bool = True
    label: str = ""
    ROWS = "tasks"

    def rows(self, table: bool = True, now: float | None = None) -> list[TaskRow]:
        out, previous = [], None
        for task in self.tasks:
            name = f" \\_ {task.name}" if table and task.name == previous else task.name
            previous = task.name
            error = task.error
            if self.trunc and len(error) > 30:
                error = error[:29] + "…"
            out.append(TaskRow(
                ID=task.id[:12] if self.trunc else task.id, Name=name,
                Image=short_image(task.image) if self.trunc else task.image, Node=task.node,
                DesiredState=pretty(task.desired), CurrentState=task.current(now),
                Error=f'"{error}"' if error else "",
                Ports=",".join(f"*:{p.get('PublishedPort')}->{p.get('TargetPort')}/{p.get('Protocol')}" for p in task.ports),
            ))
        return out


def _natural(text: str):
    import re

    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", text)]


def ordered(tasks: list[Task]) -> list[Task]:
    """The CLI's order: by name (naturally: web.2 before web.10), each slot's newest task first."""
    by_age = sorted(tasks, key=lambda t: units.to_epoch(t.created) or 0, reverse=True)
    return sorted(by_age, key=lambda t: _natural(t.name))


def node_names(api, resolve: bool = True) -> dict[str, str]:
    """node id -> hostname (the id itself with `--no-resolve`)."""
    if not resolve:
        return {}
    return {n["ID"]: (n.get("Description") or {}).get("Hostname", n["ID"]) for n in api.nodes()}


# -- convergence -------------------------------------------------------------------------------
@dataclass
class Slot:
    """One slot of a converging service (a replica, or a node of a global service)."""

    key: str  # "1/4", or a node's short id for a global service
    task: str = ""
    node: str = ""
    desired: str = ""
    state: str = ""
    error: str = ""
    message: str = ""

    @property
    def step(self) -> int:
        return STEPS.get(self.state, 0)


@dataclass
class SlotChanged:
    slot: Slot


@dataclass
class ProgressChanged:
    running: int
    desired: int
    rollback: bool = False


@dataclass
class NodeDown:
    """A node of the swarm stopped answering (or came back) while the service converged."""

    node: str
    state: str  # "down", "unknown", "ready"
    message: str = ""


@dataclass
class Verifying:
    seconds: int  # left of the monitor period


@dataclass
class Converged:
    service: str


@dataclass
class Convergence:
    """What watching a service converge saw, kept on the `Service` (the views read it)."""

    service: str
    mode: str = "replicated"
    action: str = "create"  # create, update, rollback, scale
    slots: dict = field(default_factory=dict)  # key -> Slot, in the CLI's order
    running: int = 0
    desired: int = 0
    rollback: bool = False
    nodes_down: dict = field(default_factory=dict)  # hostname -> what the manager says
    polls: int = 0  # looks taken so far
    outcome: str = "waiting"  # waiting, verifying, converged, timeout, paused, interrupted, failed
    note: str = ""  # the last line of the progress (verify..., update paused ...)
    message: str = ""  # what the manager says of a rollback it started
    started: float = field(default_factory=time.monotonic)
    ended: float | None = None

    @property
    def duration(self) -> float:
        return (self.ended or time.monotonic()) - self.started

    def pending_reasons(self) -> list[str]:
        """The scheduler's own words for tasks it could not place."""
        return sorted({s.error for s in self.slots.values() if s.error and s.state == "pending"})


def _pick(tasks: list[dict], key) -> dict[str, dict]:
    """Per slot (or node), the task the CLI's progress shows: the lowest desired state, then the
    furthest observed state (a restart or a start-first update leaves two)."""
    chosen: dict = {}
    for task in tasks:
        desired, state = STEPS.get(task.get("DesiredState", ""), 0), STEPS.get((task.get("Status") or {}).get("State", ""), 0)
        if not desired or not state:
            continue
        k = key(task)
        had = chosen.get(k)
        if had is not None:
            had_desired = STEPS[had["DesiredState"]]
            had_state = STEPS[had["Status"]["State"]]
            if had_desired < desired or had_desired == desired and had_state <= state:
                continue
        chosen[k] = task
    return chosen


def converge(engine, service_id: str, result: Convergence, timeout: float | None = WAIT, refused=None):
    """Watch a service until it converges, as `docker service create/update` without `-d` does.

    Yields `SlotChanged`, `ProgressChanged`, `NodeDown`, `Verifying`, then `Converged`; the
    `result` is kept up to date.  Raises `ConvergenceError` past `timeout` seconds or when the
    update pauses, `WaitInterrupted` on Ctrl-C -- the service itself is left as it is."""
    import docker

    api = engine.api
    deadline = None if timeout is None else time.monotonic() + timeout
    converged_at = None
    nodes_seen: dict[str, str] = {}
    try:
        while True:
            try:
                service = api.inspect_service(service_id)
                tasks = api.tasks(filters={"service": service["ID"], "_up-to-date": "true"})
                nodes = api.nodes()
            except docker.errors.APIError as exc:
                raise (refused(exc) if refused else exc) from exc
            monitor = ((service["Spec"].get("UpdateConfig") or {}).get("Monitor") or 5 * 10**9) / 1e9
            status = service.get("UpdateStatus") or {}
            state = status.get("State", "")
            if state in ("paused", "rollback_paused"):
                result.outcome, result.note = "paused", f"service {state.replace('_', ' ')}: {status.get('Message', '')}"
                raise ConvergenceError(f"{result.service}: {result.note}")
            if state == "rollback_started":
                result.rollback = True
                result.message = status.get("Message", "") or result.message
            names = {n["ID"]: (n.get("Description") or {}).get("Hostname", n["ID"][:12]) for n in nodes}
            yield from _nodes(nodes, names, nodes_seen, result)
            active = {n["ID"] for n in nodes if (n.get("Status") or {}).get("State") != "down"}
            done = yield from _update_slots(service, tasks, names, active, result)
            result.polls += 1
            if state == "completed" and converged_at is None and result.action in ("update", "rollback") and done:
                converged_at = time.monotonic() - monitor  # the engine verified it already
            if done:
                converged_at = converged_at or time.monotonic()
                left = monitor - (time.monotonic() - converged_at)
                if left <= 0:
                    result.outcome, result.note = "converged", f"Service {result.service} converged"
                    yield Converged(result.service)
                    return
                note = f"Waiting {int(left) + 1} seconds to verify that tasks are stable..."
                if note != result.note:
                    result.outcome, result.note = "verifying", note
                    yield Verifying(int(left) + 1)
            else:
                if converged_at is not None:
                    result.note = "Detected task failure"
                converged_at = None
                result.outcome = "waiting"
            if deadline is not None and time.monotonic() > deadline:
                result.outcome = "timeout"
                reasons = result.pending_reasons()
                why = f"; the scheduler says: {reasons[0]}" if reasons else ""
                raise ConvergenceError(f"{result.service} did not converge in {timeout:g}s ({result.running} out of "
                                       f"{result.desired} tasks running{why}); it goes on converging: "
                                       f"%docker service ps {result.service}")
            time.sleep(POLL)
    except KeyboardInterrupt:
        result.outcome = "interrupted"
        result.note = (f"Operation continuing in background. Use `docker service ps {result.service}` to check progress.")
        raise WaitInterrupted(f"stopped waiting for {result.service}: it goes on converging "
                              f"(%docker service ps {result.service})") from None
    finally:
        result.ended = time.monotonic()


def _nodes(nodes, names, seen: dict, result: Convergence):
    for node in nodes:
        status = node.get("Status") or {}
        state = status.get("State", "")
        name = names[node["ID"]]
        before = seen.get(node["ID"])
        seen[node["ID"]] = state
        if before is not None and before != state and (state != "ready" or before in ("down", "unknown")):
            message = status.get("Message", "")
            if state == "ready":
                result.nodes_down.pop(name, None)
            else:
                result.nodes_down[name] = message or state
            yield NodeDown(name, state, message)
        elif before is None and state == "down" and node["ID"] in {t.node for t in result.slots.values()}:
            result.nodes_down[name] = status.get("Message", "") or state


def _update_slots(service: dict, tasks: list[dict], names: dict, active: set, result: Convergence):
    """The CLI's replicated / global updaters: per slot the task it shows; True once converged."""
    mode = service["Spec"].get("Mode") or {}
    if "Global" in mode:
        result.mode = "global"
        chosen = _pick(tasks, lambda t: t.get("NodeID", ""))
        chosen = {k: t for k, t in chosen.items() if k in active}
        desired = len(chosen)
        keys = {k: k[:12] for k in chosen}
    else:
        desired = int((mode.get("Replicated") or {}).get("Replicas") or 0)
        chosen = _pick([t for t in tasks if not t.get("NodeID") or t["NodeID"] in active], lambda t: t.get("Slot", 0))
        order = sorted(chosen)
        keys = {k: f"{i + 1}/{desired}" for i, k in enumerate(order)}
    running = 0
    for k, task in sorted(chosen.items(), key=lambda kv: keys[kv[0]]):
        status = task.get("Status") or {}
        if STEPS.get(task["DesiredState"], 0) <= RUNNING and status.get("State") == "running":
            running += 1
        slot = Slot(keys[k], task["ID"], names.get(task.get("NodeID", ""), ""), task["DesiredState"],
                    status.get("State", ""), status.get("Err", ""), status.get("Message", ""))
        if result.slots.get(slot.key) != slot:
            result.slots[slot.key] = slot
            yield SlotChanged(slot)
    for gone in [k for k in result.slots if k not in set(keys.values())]:
        del result.slots[gone]
    if (running, desired) != (result.running, result.desired) or not result.polls:
        result.running, result.desired = running, desired
        yield ProgressChanged(running, desired, result.rollback)
    if result.mode == "global" and desired == 0:
        return False  # the orchestrator has not made the tasks yet, or no node meets the constraints
    return running == desired
