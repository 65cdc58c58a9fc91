"""A swarm's nodes: `docker node ls|inspect|update|promote|demote|rm` with the CLI's `--format`
fields and lines, `Node` / `NodeList`, and `Cluster` (the nodes, and the tasks on each once
services run: what the cluster picture draws; `node ls`, `node ps` and `service ps` carry one)."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

from ..errors import InvalidInput
from ..gotemplate.formats import Listing
from ..gotemplate.gofmt import go_time
from . import tasks
from .cluster import SwarmError, call
from .tasks import pretty

LS_TABLE = "table {{.ID}} {{if .Self}}*{{else}} {{ end }}\t{{.Hostname}}\t{{.Status}}\t{{.Availability}}\t{{.ManagerStatus}}\t{{.EngineVersion}}"
LS_HEADER = {"ID": "ID", "Self": "", "Hostname": "HOSTNAME", "Status": "STATUS", "Availability": "AVAILABILITY",
             "ManagerStatus": "MANAGER STATUS", "EngineVersion": "ENGINE VERSION", "TLSStatus": "TLS STATUS"}
AVAILABILITIES = ("active", "pause", "drain")
ROLES = ("worker", "manager")


@dataclass
class Node:
    """One node as its manager describes it; `.raw` is the engine's JSON."""

    id: str
    hostname: str
    role: str                 # manager, worker
    availability: str         # active, pause, drain
    state: str                # ready, down, unknown, disconnected
    address: str
    leader: bool
    reachability: str         # a manager's: reachable, unreachable; "" for a worker
    engine_version: str
    labels: dict
    self: bool = False        # the node the command was sent to
    message: str = ""
    raw: dict = field(repr=False, default_factory=dict)

    @property
    def manager_status(self) -> str:
        """What `node ls` prints under MANAGER STATUS."""
        return "Leader" if self.leader else pretty(self.reachability)


def from_raw(raw: dict, self_id: str = "") -> Node:
    spec, status, desc = raw.get("Spec") or {}, raw.get("Status") or {}, raw.get("Description") or {}
    manager = raw.get("ManagerStatus") or {}
    return Node(raw.get("ID", ""), desc.get("Hostname", ""), spec.get("Role", ""), spec.get("Availability", ""),
                status.get("State", ""), status.get("Addr", ""), bool(manager.get("Leader")),
                manager.get("Reachability", ""), (desc.get("Engine") or {}).get("EngineVersion", ""),
                dict(spec.get("Labels") or {}), raw.get("ID") == self_id, status.get("Message", ""), raw)


class NodeRow:
    """One `docker node ls` row: the fields its `--format` templates see, as the CLI's."""

    def __init__(self, node: Node, cluster_tls: dict | None):
        self.node = node
        self.ID, self.Self, self.Hostname = node.id, node.self, node.hostname
        self.Status, self.Availability = pretty(node.state), pretty(node.availability)
        self.ManagerStatus, self.EngineVersion = node.manager_status, node.engine_version
        mine = (node.raw.get("Description") or {}).get("TLSInfo") or {}
        self.TLSStatus = "Unknown" if not cluster_tls or not mine else "Ready" if mine == cluster_tls else "Needs Rotation"

    def fields(self) -> dict:
        return {name: getattr(self, name) for name in sorted(LS_HEADER)}


@dataclass
class NodeList(Listing):
    """`docker node ls`: the nodes, in the engine's order, as rows of the CLI's fields."""

    nodes: list[Node]
    rows: list = field(repr=False, default_factory=list)
    label: str = ""
    tasks: list = field(repr=False, default_factory=list)  # the tasks meant to run (`tasks.Task`), for the picture
    ROWS = "nodes"

    @staticmethod
    def _name(node) -> str:
        return node.hostname

    @property
    def cluster(self) -> "Cluster":
        """The listed nodes and the tasks on them: what the picture under the table draws."""
        return Cluster(self.nodes, self.tasks, self.label)


def _self_id(engine) -> str:
    return (engine.api.info().get("Swarm") or {}).get("NodeID", "")


def list_nodes(engine, filters: dict | None = None, with_tasks: bool = False) -> NodeList:
    """`docker node ls`; `with_tasks` also reads the tasks meant to run, for the cluster picture
    (not for `-q` or `--format`, which print only the nodes)."""
    raws = call(engine, "node ls", "nodes", filters=filters or None)
    me = _self_id(engine)
    tls = (call(engine, "node ls", "inspect_swarm").get("TLSInfo") or {})
    nodes = [from_raw(raw, me) for raw in raws]
    # the CLI sorts by hostname, then id (cli/command/node/list.go)
    nodes.sort(key=lambda n: (n.hostname, n.id))
    return NodeList(nodes, [NodeRow(n, tls) for n in nodes], engine.label, _meant(engine, raws) if with_tasks else [])


def _meant(engine, node_raws: list[dict]) -> list:
    """The tasks meant to run, named as `node ps` names them (the nodes already read reused)."""
    raws = call(engine, "node ls", "tasks", filters={"desired-state": "running"})
    services = {s["ID"]: s["Spec"]["Name"] for s in call(engine, "node ls", "services")} if raws else {}
    return tasks.ordered([tasks.from_raw(raw, services, tasks.hostnames(node_raws)) for raw in raws])


def resolve(engine, ref: str, doing: str) -> dict:
    """The node `ref` names: an id, an id prefix, a hostname, or `self` -- the engine's own lookup."""
    if ref == "self":
        ref = _self_id(engine) or ref
    return call(engine, doing, "inspect_node", ref)


def inspect_raw(engine, refs) -> list[dict]:
    return [resolve(engine, ref, f"node inspect {ref}") for ref in refs]


def for_template(raw: dict) -> dict:
    """A node's JSON as the CLI's templates see its struct: a worker's `ManagerStatus` is nil, not absent."""
    from .cluster import for_template as times

    return {"ManagerStatus": None, **times(raw)}


def inspect(engine, refs) -> list[Node]:
    me = _self_id(engine)
    return [from_raw(raw, me) for raw in inspect_raw(engine, refs)]


@dataclass
class NodeChange:
    """What update / promote / demote / rm did: the CLI's lines."""

    action: str
    nodes: list[str]
    text: str = ""

    def __repr__(self) -> str:
        return self.text.rstrip("\n")


def _update(engine, ref: str, doing: str, change) -> dict:
    raw = resolve(engine, ref, doing)
    spec = dict(raw.get("Spec") or {})
    change(spec)
    call(engine, doing, "update_node", raw["ID"], raw["Version"]["Index"], spec)
    return raw


def update(engine, refs, availability=None, role=None, label_add=None, label_rm=()) -> NodeChange:
    """`docker node update`: the CLI prints each node as typed."""
    if availability is not None and availability not in AVAILABILITIES:
        raise InvalidInput(f"invalid argument \"{availability}\" for \"--availability\" flag: "
                           f"must be one of {', '.join(AVAILABILITIES)}")
    if role is not None and role not in ROLES:
        raise InvalidInput(f"invalid argument \"{role}\" for \"--role\" flag: must be one of {', '.join(ROLES)}")

    def change(spec):
        if availability is not None:
            spec["Availability"] = availability
        if role is not None:
            spec["Role"] = role
        labels = dict(spec.get("Labels") or {})
        labels.update(label_add or {})
        for key in label_rm:
            # the CLI: "key not found in labels" is an error only when there were none
            if key not in labels:
                raise SwarmError(f"node update: key {key} doesn't exist in node's labels")
            labels.pop(key)
        spec["Labels"] = labels

    for ref in refs:
        _update(engine, ref, f"node update {ref}", change)
    return NodeChange("updated", list(refs), "".join(f"{r}\n" for r in refs))


def set_role(engine, refs, role: str) -> NodeChange:
    """`docker node promote|demote`: the CLI's line per node (an unchanged one named by its id)."""
    verb = "promote" if role == "manager" else "demote"
    lines = []
    for ref in refs:
        raw = resolve(engine, ref, f"node {verb} {ref}")
        if (raw.get("Spec") or {}).get("Role") == role:
            lines.append(f"Node {raw['ID']} is already a {role}.\n")
            continue
        _update(engine, ref, f"node {verb} {ref}", lambda spec: spec.__setitem__("Role", role))
        lines.append(f"Node {ref} promoted to a manager in the swarm.\n" if role == "manager"
                     else f"Manager {ref} demoted in the swarm.\n")
    return NodeChange(f"{verb}d", list(refs), "".join(lines))


def remove(engine, refs, force: bool = False) -> NodeChange:
    """`docker node rm`: every node tried, as the CLI does; the failures said together."""
    import docker

    removed, failed = [], []
    for ref in refs:
        try:
            engine.api.remove_node(ref, force=force)
            removed.append(ref)
        except docker.errors.APIError as exc:
            from .cluster import refused

            failed.append(str(refused(exc, engine, f"node rm {ref}")))
    if failed:
        raise SwarmError("; ".join(failed) + (f" (removed: {', '.join(removed)})" if removed else ""))
    return NodeChange("removed", removed, "".join(f"{r}\n" for r in removed))


# -- `node inspect --pretty` ----------------------------------------------------------------------
def bytes_size(n: float) -> str:
    """go-units' BytesSize: binary units, 4 significant digits (`23.54GiB`)."""
    units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"]
    i = 0
    while n >= 1024 and i < len(units) - 1:
        n /= 1024.0
        i += 1
    return f"{n:.4g}{units[i]}"


def _pairs(title: str, values: dict) -> list[str]:
    if not values:
        return []
    return [f"{title}:"] + [f" - {k}{'=' + v if v else ''}" for k, v in sorted(values.items())]


def pretty_text(raw: dict) -> str:
    """One node as `docker node inspect --pretty` prints it (before the CLI's tab alignment)."""
    spec, status, desc = raw.get("Spec") or {}, raw.get("Status") or {}, raw.get("Description") or {}
    engine, resources = desc.get("Engine") or {}, desc.get("Resources") or {}
    lines = [f"ID:\t\t\t{raw.get('ID', '')}"]
    lines += [f"Name:\t\t\t{spec['Name']}"] if spec.get("Name") else []
    lines += _pairs("Labels", spec.get("Labels") or {})
    lines += [f"Hostname:              \t{desc.get('Hostname', '')}",
              f"Joined at:             \t{pretty(go_time(raw.get('CreatedAt', '')))}",
              "Status:", f" State:\t\t\t{pretty(status.get('State'))}"]
    lines += [f" Message:              \t{pretty(status['Message'])}"] if status.get("Message") else []
    lines += [f" Availability:         \t{pretty(spec.get('Availability'))}"]
    lines += [f" Address:\t\t{status['Addr']}"] if status.get("Addr") else []
    manager = raw.get("ManagerStatus")
    if manager is not None:
        lines += ["Manager Status:", f" Address:\t\t{manager.get('Addr', '')}",
                  f" Raft Status:\t\t{pretty(manager.get('Reachability'))}",
                  f" Leader:\t\t{'Yes' if manager.get('Leader') else 'No'}"]
    platform = desc.get("Platform") or {}
    nano = resources.get("NanoCPUs") or 0
    memory = resources.get("MemoryBytes") or 0
    lines += ["Platform:", f" Operating System:\t{platform.get('OS', '')}", f" Architecture:\t\t{platform.get('Architecture', '')}",
              "Resources:", f" CPUs:\t\t\t{nano // 10**9}", f" Memory:\t\t{bytes_size(memory) if memory else ''}"]
    plugins: dict = {}
    for plugin in engine.get("Plugins") or []:
        plugins.setdefault(plugin.get("Type", ""), []).append(plugin.get("Name", ""))
    if plugins:
        lines += ["Plugins:"] + [f" {kind}:\t\t{', '.join(names)}" for kind, names in sorted(plugins.items())]
    lines += [f"Engine Version:\t\t{engine.get('EngineVersion', '')}"]
    lines += _pairs("Engine Labels", engine.get("Labels") or {})
    tls = desc.get("TLSInfo") or {}
    if tls:
        def b64(value):
            # the engine sends these as base64 already: the CLI decodes then encodes, the same text
            return value if isinstance(value, str) else base64.b64encode(value or b"").decode()

        lines += ["TLS Info:", " TrustRoot:", tls.get("TrustRoot", ""),
                  f" Issuer Subject:\t{b64(tls.get('CertIssuerSubject', ''))}",
                  f" Issuer Public Key:\t{b64(tls.get('CertIssuerPublicKey', ''))}"]
    return "\n".join(lines)


def pretty_inspect(engine, refs) -> str:
    """`docker node inspect --pretty REF...`: each node's text, one after the other, as the CLI's."""
    return "".join(pretty_text(raw) + "\n" for raw in inspect_raw(engine, refs))


# -- the cluster picture's data -----------------------------------------------------------------
PICTURE_NODES = 12  # past this many nodes, a task list's picture draws only the nodes its tasks run on


def shown_name(task) -> str:
    """A task as the picture names it inside its node: `web.2`, or `web` for a global service's
    task (the CLI's `web.<node id>` would repeat the box's node)."""
    if getattr(task, "slot", None) == 0:
        return getattr(task, "service", "") or task.name
    return task.name


@dataclass
class Cluster:
    """The nodes and the tasks they run: what the cluster picture draws.  A task is anything with
    `node_id`, `name`, `state` (current), `desired` and `error` (a `tasks.Task`, a converging
    service's `convergence.Slot`); `node ls` gives the tasks meant to run, `service ps` its own,
    a converging service its slots."""

    nodes: list[Node]
    tasks: list = field(default_factory=list)
    label: str = ""

    def on(self, node: Node) -> list:
        return [t for t in self.tasks if getattr(t, "node_id", None) == node.id]

    @property
    def unplaced(self) -> list:
        """Tasks no node took yet (pending: e.g. a constraint no node meets)."""
        return [t for t in self.tasks if not getattr(t, "node_id", None)]

    @property
    def down(self) -> list[Node]:
        return [n for n in self.nodes if n.state in ("down", "disconnected")]


def cluster(engine, with_tasks: bool = True) -> Cluster:
    """The swarm's nodes and, with `with_tasks`, the tasks that should be running on them."""
    return list_nodes(engine, with_tasks=with_tasks).cluster


def placed(listing):
    """A task list (`node ps`, `service ps`, `stack ps`) with its picture: the nodes its tasks
    are meant to run on (every node of a small swarm, so an empty one shows too), those tasks
    inside them.  From the nodes the listing read already: nothing more is asked of the engine."""
    nodes = sorted((from_raw(raw) for raw in listing.node_raws), key=lambda n: (n.hostname, n.id))
    meant = [t for t in listing.tasks if t.desired in ("running", "ready")]
    if len(nodes) > PICTURE_NODES:
        used = {t.node_id for t in meant}
        nodes = [n for n in nodes if n.id in used]
    listing.cluster = Cluster(nodes, meant, listing.label) if nodes else None
    return listing
