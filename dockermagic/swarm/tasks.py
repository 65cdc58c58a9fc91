"""A swarm's tasks as `docker node ps` (and `service ps`) list them: `Task` (plain data),
`TaskRow` (the CLI's `--format` fields), `TaskList`; names made and sorted as the CLI makes
them (`service.slot`, or `service.node` for a global service; earlier tasks of a slot under it)."""

from __future__ import annotations

import re
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
    """One task: where it runs, what it should be doing and what it is doing."""

    id: str
    name: str                 # service.slot or service.node-id, as the CLI names it
    service_id: str
    service: str
    slot: int
    node_id: str
    node: str                 # the node's hostname ("" while unplaced)
    image: str
    desired: str              # running, shutdown, ...
    state: str                # new, pending, assigned, ..., running, complete, failed, rejected
    since: str                # the engine's timestamp of `state`
    error: str = ""           # the scheduler's or the runtime's own words
    message: str = ""
    ports: list = field(default_factory=list)
    raw: dict = field(repr=False, default_factory=dict)


def from_raw(raw: dict, services: dict, nodes: dict) -> Task:
    status = raw.get("Status") or {}
    service_id, slot, node_id = raw.get("ServiceID", ""), raw.get("Slot") or 0, raw.get("NodeID", "")
    service = services.get(service_id, service_id)
    name = f"{service}.{slot}" if slot else f"{service}.{node_id}"
    spec = (raw.get("Spec") or {}).get("ContainerSpec") or {}
    return Task(raw.get("ID", ""), name, service_id, service, slot, node_id, nodes.get(node_id, node_id),
                spec.get("Image", ""), raw.get("DesiredState", ""), status.get("State", ""), status.get("Timestamp", ""),
                status.get("Err", ""), status.get("Message", ""), list((status.get("PortStatus") or {}).get("Ports") or []),
                raw)


def _natural(text: str) -> list:
    """sortorder.NaturalLess's key: digit runs compare as numbers."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", text) if part]


def image_text(image: str) -> str:
    """The IMAGE column (truncated): the reference without its digest, as the CLI shows it."""
    name, _, _ = image.partition("@")
    if name.startswith("docker.io/library/"):
        name = name[len("docker.io/library/"):]
    elif name.startswith("docker.io/"):
        name = name[len("docker.io/"):]
    last = name.rsplit("/", 1)[-1]
    return name if ":" in last else (image if "@" in image else name)


class TaskRow:
    """One `node ps` / `service ps` row: the CLI's fields."""

    def __init__(self, task: Task, name: str, trunc: bool = True):
        self.task = task
        self.ID = task.id[:12] if trunc else task.id
        self.Name = name
        self.Image = image_text(task.image) if trunc else task.image
        self.Node = task.node
        self.DesiredState = _pretty(task.desired)
        self.CurrentState = f"{_pretty(task.state)} {units.ago(task.since).lower()}"
        error = task.error
        if trunc and len(error) > MAX_ERROR:
            error = error[:MAX_ERROR - 1] + "…"
        self.Error = f'"{error}"' if error else ""
        self.Ports = ",".join(f"*:{p.get('PublishedPort')}->{p.get('TargetPort')}/{p.get('Protocol')}" for p in task.ports)

    def fields(self) -> dict:
        return {name: getattr(self, name) for name in sorted(PS_HEADER)}


def _pretty(text: str) -> str:
    return (text or "")[:1].upper() + (text or "")[1:].lower()


@dataclass
class TaskList(Listing):
    """Tasks in the CLI's order (by name, naturally; a slot's earlier tasks after its latest)."""

    tasks: list[Task]
    label: str = ""
    ROWS = "tasks"

    @staticmethod
    def _name(task) -> str:
        return task.name

    def rows(self, trunc: bool = True, table: bool = True) -> list[TaskRow]:
        out, previous = [], None
        for task in self.tasks:
            shown = (" \\_ " + task.name) if table and task.name == previous else task.name
            previous = task.name
            out.append(TaskRow(task, shown, trunc))
        return out


def list_tasks(engine, filters: dict | None = None, doing: str = "node ps") -> TaskList:
    """The tasks the filters select (`node=`, `service=`, `desired-state=`, `name=`, `id=`, `label=`)."""
    raws = call(engine, doing, "tasks", filters=filters or None)
    services = {s["ID"]: s["Spec"]["Name"] for s in call(engine, doing, "services")} if raws else {}
    nodes = {n["ID"]: (n.get("Description") or {}).get("Hostname", "") for n in call(engine, doing, "nodes")} if raws else {}
    tasks = [from_raw(raw, services, nodes) for raw in raws]
    order = {t.id: (t.raw.get("CreatedAt") or "") for t in tasks}
    tasks.sort(key=lambda t: order[t.id], reverse=True)   # newest first within a name ...
    tasks.sort(key=lambda t: _natural(t.name))             # ... names in natural order (stable)
    return TaskList(tasks, engine.label)
