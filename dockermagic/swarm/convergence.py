"""Convergence: a service's tasks polled as the CLI's progress polls them (`docker service
create/update` without `-d`), one `SlotChanged` per slot that changed, the overall count, the
scheduler's reasons, nodes that went down and the tasks the scheduler moved off them, until
the service is stable for its monitor period on the nodes still up -- bounded, and Ctrl-C only
stops the waiting.  Knows nothing of IPython."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from ..errors import EngineError
from .nodes import PICTURE_NODES, Cluster, Node, from_raw
from .tasks import hostnames

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
    node_id: str = ""
    name: str = ""  # web.2 (a replicated slot), web (a global service's task on its node)

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
class TaskMoved:
    """The scheduler put a slot that ran on a node now down on another node."""

    name: str    # web.2
    source: str  # the node that went down
    target: str  # where the slot runs now


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
    moved: list[TaskMoved] = field(default_factory=list)  # slots moved off nodes that went down
    nodes: list[Node] = field(default_factory=list)  # the swarm's nodes at the last look
    placed_on: dict = field(repr=False, default_factory=dict)  # slot name -> (node id, hostname) last seen
    polls: int = 0  # looks taken so far
    outcome: str = "waiting"  # waiting, verifying, converged, timeout, paused, interrupted, failed
    note: str = ""  # the last line of the progress (verify..., update paused ...)
    message: str = ""  # what the manager says of a rollback it started
    started: float = field(default_factory=time.monotonic)
    ended: float | None = None

    @property
    def duration(self) -> float:
        return (self.ended or time.monotonic()) - self.started

    @property
    def cluster(self) -> Cluster:
        """The nodes and this service's slots on them, for the cluster picture (in a large swarm
        only the nodes its slots run on and those that went down)."""
        slots, nodes = list(self.slots.values()), self.nodes
        if len(nodes) > PICTURE_NODES:
            used = {s.node_id for s in slots}
            nodes = [n for n in nodes if n.id in used or n.state in ("down", "disconnected")]
        return Cluster(nodes, slots)

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

    Yields `SlotChanged`, `ProgressChanged`, `NodeDown`, `TaskMoved`, `Verifying`, then
    `Converged`; the `result` is kept up to date.  A node the manager marks down leaves the count
    (its tasks are the scheduler's to move, a global service's simply end): the wait goes on until
    the service is stable on the nodes still up.  Raises `ConvergenceError` past `timeout` seconds or when the
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
            names = hostnames(nodes)
            result.nodes = sorted((from_raw(n) for n in nodes), key=lambda n: (n.hostname, n.id))
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
        elif before is None and state == "down" and node["ID"] in {t.node_id for t in result.slots.values()}:
            result.nodes_down[name] = status.get("Message", "") or state


def _moved(slot: Slot, active: set, result: Convergence):
    """A slot now on another node than the one it was last seen on, which is down: moved."""
    if not slot.node_id:
        return
    before = result.placed_on.get(slot.name)
    result.placed_on[slot.name] = (slot.node_id, slot.node)
    if before and before[0] != slot.node_id and before[0] not in active:
        moved = TaskMoved(slot.name, before[1], slot.node)
        result.moved.append(moved)
        yield moved


def _update_slots(service: dict, tasks: list[dict], names: dict, active: set, result: Convergence):
    """The CLI's replicated / global updaters: per slot the task it shows; True once converged."""
    mode = service["Spec"].get("Mode") or {}
    if "Global" in mode:
        result.mode = "global"
        chosen = _pick(tasks, lambda t: t.get("NodeID", ""))
        chosen = {k: t for k, t in chosen.items() if k in active}
        desired = len(chosen)
        keys = {k: k[:12] for k in chosen}
        names_of = {k: result.service for k in chosen}
    else:
        desired = int((mode.get("Replicated") or {}).get("Replicas") or 0)
        chosen = _pick([t for t in tasks if not t.get("NodeID") or t["NodeID"] in active], lambda t: t.get("Slot", 0))
        order = sorted(chosen)
        keys = {k: f"{i + 1}/{desired}" for i, k in enumerate(order)}
        names_of = {k: f"{result.service}.{k}" for k in chosen}
    running = 0
    for k, task in sorted(chosen.items(), key=lambda kv: keys[kv[0]]):
        status = task.get("Status") or {}
        if STEPS.get(task["DesiredState"], 0) <= RUNNING and status.get("State") == "running":
            running += 1
        node_id = task.get("NodeID", "")
        slot = Slot(keys[k], task["ID"], names.get(node_id, ""), task["DesiredState"],
                    status.get("State", ""), status.get("Err", ""), status.get("Message", ""), node_id, names_of[k])
        yield from _moved(slot, active, result)
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
