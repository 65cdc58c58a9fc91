"""A swarm's tasks as `docker node ps` and `docker service ps` list them: `Task` (plain data),
`TaskRow` (the CLI's `--format` fields), `TaskList`; names made and sorted as the CLI makes
them (`service.slot`, or `service.node` for a global service; earlier tasks of a slot under it).
Convergence (a service's tasks watched until stable) is `convergence`.  Knows nothing of IPython."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from ..gotemplate.formats import Listing
from ..text import units
from .cluster import call

PS_TABLE = "table {{.ID}}\t{{.Name}}\t{{.Image}}\t{{.Node}}\t{{.DesiredState}}\t{{.CurrentState}}\t{{.Error}}\t{{.Ports}}"
PS_HEADER = {"ID": "ID", "Name": "NAME", "Image": "IMAGE", "Node": "NODE", "DesiredState": "DESIRED STATE",
             "CurrentState": "CURRENT STATE", "Error": "ERROR", "Ports": "PORTS"}
MAX_ERROR = 30


@dataclass
class Task:
    """One task: where it runs, what it should be doing and what it is doing; `.raw` is the engine's JSON."""

    id: str
    name: str                 # service.slot or service.node-id, as the CLI names it
    service_id: str
    service: str              # the service's name (its id with --no-resolve)
    slot: int
    node_id: str
    node: str                 # the node's hostname (its id with --no-resolve, "" while unplaced)
    image: str
    desired: str              # running, shutdown, ...
    state: str                # new, pending, assigned, ..., running, complete, failed, rejected
    since: str                # the engine's timestamp of `state`
    error: str = ""           # the scheduler's or the runtime's own words
    message: str = ""
    ports: list = field(default_factory=list)
    created: str = ""
    raw: dict = field(repr=False, default_factory=dict)

    def current(self, now: float | None = None) -> str:
        """CURRENT STATE: `Running 5 seconds ago` (go-units' HumanDuration, lower-cased)."""
        since = units.to_epoch(self.since)
        age = max(0.0, (now or time.time()) - since) if since else 0.0
        return f"{pretty(self.state)} {units.human_duration(age)} ago"


def from_raw(raw: dict, services: dict, nodes: dict) -> Task:
    """A task from the engine's JSON; `services` and `nodes` map ids to names (an id not in them stays an id)."""
    status = raw.get("Status") or {}
    service_id, slot, node_id = raw.get("ServiceID", ""), int(raw.get("Slot") or 0), raw.get("NodeID", "")
    service = services.get(service_id, service_id)
    name = f"{service}.{slot}" if slot else f"{service}.{node_id}"
    spec = (raw.get("Spec") or {}).get("ContainerSpec") or {}
    return Task(raw.get("ID", ""), name, service_id, service, slot, node_id, nodes.get(node_id, node_id),
                spec.get("Image", ""), raw.get("DesiredState", ""), status.get("State", ""), status.get("Timestamp", ""),
                status.get("Err", ""), status.get("Message", ""), list((status.get("PortStatus") or {}).get("Ports") or []),
                raw.get("CreatedAt") or "", raw)


def pretty(text) -> str:
    """The CLI's `formatter.PrettyPrint`: first letter up, the rest down (`ready` -> `Ready`)."""
    text = str(text or "")
    return text[:1].upper() + text[1:].lower()


def natural(text: str) -> list:
    """sortorder.NaturalLess's key: digit runs compare as numbers (web.2 before web.10)."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", text) if part]


def image_text(image: str) -> str:
    """The IMAGE column (truncated), as the CLI's task formatter: a tagged reference loses its
    digest and is shown familiar (`busybox:latest`); an untagged one is shown as it is."""
    name, _, _ = image.partition("@")
    last = name.rsplit("/", 1)[-1]
    if ":" not in last:
        return image
    for prefix in ("docker.io/library/", "docker.io/"):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


class TaskRow:
    """One `node ps` / `service ps` row: the CLI's fields."""

    def __init__(self, task: Task, name: str, trunc: bool = True, now: float | None = None):
        self.task = task
        self.ID = task.id[:12] if trunc else task.id
        self.Name = name
        self.Image = image_text(task.image) if trunc else task.image
        self.Node = task.node
        self.DesiredState = pretty(task.desired)
        self.CurrentState = task.current(now)
        error = task.error
        if trunc and len(error) > MAX_ERROR:
            error = error[:MAX_ERROR - 1] + "…"
        self.Error = f'"{error}"' if error else ""
        self.Ports = ",".join(f"*:{p.get('PublishedPort')}->{p.get('TargetPort')}/{p.get('Protocol')}" for p in task.ports)

    def fields(self) -> dict:
        return {name: getattr(self, name) for name in sorted(PS_HEADER)}


@dataclass
class TaskList(Listing):
    """Tasks in the CLI's order (by name, naturally; a slot's earlier tasks after its latest);
    `command` is what listed them (`node ps`, `service ps`)."""

    tasks: list[Task]
    label: str = ""
    trunc: bool = True
    command: str = "node ps"
    node_raws: list = field(repr=False, default_factory=list)  # the nodes as the manager described them
    cluster: object = None  # `nodes.Cluster`: where the listed tasks run (set by `nodes.placed`)
    ROWS = "tasks"

    @staticmethod
    def _name(task) -> str:
        return task.name

    def rows(self, trunc: bool | None = None, table: bool = True, now: float | None = None) -> list[TaskRow]:
        trunc = self.trunc if trunc is None else trunc
        out, previous = [], None
        for task in self.tasks:
            shown = (" \\_ " + task.name) if table and task.name == previous else task.name
            previous = task.name
            out.append(TaskRow(task, shown, trunc, now))
        return out


def ordered(tasks: list[Task]) -> list[Task]:
    """The CLI's order: by name (naturally), each slot's newest task first."""
    by_age = sorted(tasks, key=lambda t: units.to_epoch(t.created) or 0, reverse=True)
    return sorted(by_age, key=lambda t: natural(t.name))


def hostnames(raws: list[dict]) -> dict[str, str]:
    """node id -> hostname, from the engine's nodes (a node with no hostname keeps its id)."""
    return {n["ID"]: (n.get("Description") or {}).get("Hostname") or n["ID"] for n in raws}


def node_names(engine, doing: str) -> dict[str, str]:
    """node id -> hostname, as the manager knows them."""
    return hostnames(call(engine, doing, "nodes"))


def list_tasks(engine, filters: dict | None = None, doing: str = "node ps", resolve: bool = True,
               trunc: bool = True) -> TaskList:
    """The tasks the filters select (`node=`, `service=`, `desired-state=`, `name=`, `id=`, `label=`);
    with `resolve=False` services and nodes are named by their ids (`--no-resolve`)."""
    raws = call(engine, doing, "tasks", filters=filters or None)
    services = {s["ID"]: s["Spec"]["Name"] for s in call(engine, doing, "services")} if raws and resolve else {}
    node_raws = call(engine, doing, "nodes") if raws and resolve else []
    return TaskList(ordered([from_raw(raw, services, hostnames(node_raws)) for raw in raws]), engine.label, trunc, doing,
                    node_raws)
