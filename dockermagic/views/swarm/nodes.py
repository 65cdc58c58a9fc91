"""Nodes and the tasks on them: `node ls` as the CLI's table and as a small cluster picture (each
node with its role, availability and state, the tasks it runs inside it), `node ps` and
`service ps` (one task list), one node.
The picture is plain HTML, so a saved notebook keeps it."""

from __future__ import annotations

from ...gotemplate import formats
from ...swarm.nodes import LS_HEADER, LS_TABLE
from ...swarm.tasks import PS_HEADER, PS_TABLE, pretty
from ..markup import MUTED, badge, box, code, esc, table

# node and task states -> the colours of markup.STATE_COLOURS
_COLOUR = {"ready": "done", "down": "failed", "disconnected": "failed", "unknown": "waiting",
           "active": "done", "pause": "interrupted", "drain": "waiting",
           "running": "running", "complete": "done", "failed": "failed", "rejected": "failed",
           "shutdown": "waiting", "orphaned": "failed", "remove": "waiting"}


def _badge(state: str) -> str:
    return badge(_COLOUR.get(state, "pending"), pretty(state))


def _title(text: str, label: str) -> str:
    return f'<div><b>{esc(text)}</b> <span style="{MUTED}">· {esc(label)}</span></div>'


def _role(node) -> str:
    if node.role != "manager":
        return "worker"
    return f"manager ({node.manager_status})" if node.manager_status else "manager"


# -- the cluster picture ----------------------------------------------------------------------
def _task_line_html(task) -> str:
    why = f' <span style="{MUTED}">{esc(task.error)}</span>' if getattr(task, "error", "") else ""
    return f"<div>{code(task.name)} {_badge(task.state)}{why}</div>"


def _card(node, tasks) -> str:
    me = " <span title='the engine this was asked of'>*</span>" if node.self else ""
    head = f"<div><b>{esc(node.hostname)}</b>{me}</div><div style='{MUTED};font-size:11px'>{esc(node.id[:12])} · {esc(node.address)}</div>"
    facts = f"<div>{badge('base', _role(node))} {_badge(node.availability)} {_badge(node.state)}</div>"
    body = "".join(_task_line_html(t) for t in tasks) or f'<div style="{MUTED}">no tasks</div>'
    style = "border:1px solid rgba(128,128,128,.4);border-radius:6px;padding:6px 8px;min-width:180px"
    return f'<div class="dm-node" style="{style}">{head}{facts}<div style="margin-top:4px">{body}</div></div>'


def picture_html(nodes, tasks_on=lambda node: [], unplaced=()) -> str:
    cards = "".join(_card(n, tasks_on(n)) for n in nodes)
    waiting = ""
    if unplaced:
        waiting = ('<div style="margin-top:6px"><b>not placed</b> '
                   + "".join(_task_line_html(t) for t in unplaced) + "</div>")
    return f'<div class="dm-cluster" style="display:flex;gap:8px;flex-wrap:wrap;margin:4px 0">{cards}</div>{waiting}'


def picture_text(nodes, tasks_on=lambda node: [], unplaced=()) -> str:
    lines = []
    for node in nodes:
        mark = " *" if node.self else ""
        lines.append(f"{node.hostname}{mark}  {_role(node)}  {pretty(node.availability)}  {pretty(node.state)}")
        for task in tasks_on(node):
            lines.append(f"  {task.name}  {pretty(task.state)}" + (f'  "{task.error}"' if task.error else ""))
    if unplaced:
        lines.append("not placed:")
        lines += [f"  {t.name}  {pretty(t.state)}" + (f'  "{t.error}"' if t.error else "") for t in unplaced]
    return "\n".join(lines)


def cluster_bundle(cluster) -> dict:
    html = box(_title("swarm", cluster.label) + picture_html(cluster.nodes, cluster.on, cluster.unplaced), "dm-swarm")
    return {"text/plain": picture_text(cluster.nodes, cluster.on, cluster.unplaced), "text/html": html}


# -- node ls, node ps, one node -----------------------------------------------------------------
def nodes_text(listing) -> str:
    return formats.listing(LS_TABLE, listing.rows, LS_HEADER, LS_TABLE).rstrip("\n")


def nodes_bundle(listing) -> dict:
    rows = [[code(r.ID) + (" *" if r.Self else ""), esc(r.Hostname), _badge(r.node.state), _badge(r.node.availability),
             esc(r.ManagerStatus), esc(r.EngineVersion)] for r in listing.rows]
    html = box(_title("docker node ls", listing.label)
               + table(["ID", "HOSTNAME", "STATUS", "AVAILABILITY", "MANAGER STATUS", "ENGINE VERSION"], rows, raw=True)
               + picture_html(listing.nodes), "dm-nodes")
    return {"text/plain": nodes_text(listing), "text/html": html}


def tasks_text(listing) -> str:
    return formats.listing(PS_TABLE, listing.rows(), PS_HEADER, PS_TABLE).rstrip("\n")


def tasks_bundle(listing) -> dict:
    rows = [[code(r.ID), esc(r.Name), esc(r.Image), esc(r.Node), _badge(r.task.desired), _badge(r.task.state) + " "
             + esc(r.CurrentState.split(" ", 1)[-1]), f'<span style="color:#cf222e">{esc(r.Error)}</span>', esc(r.Ports)]
            for r in listing.rows()]
    html = box(_title(f"docker {listing.command}", listing.label)
               + (table(list(PS_HEADER.values()), rows, raw=True) if rows else f'<div style="{MUTED}">no tasks</div>'),
               "dm-tasks")
    return {"text/plain": tasks_text(listing), "text/html": html}


def node_text(node) -> str:
    labels = ", ".join(f"{k}={v}" if v else k for k, v in sorted(node.labels.items()))
    lines = [f"Node {node.hostname} ({node.id}) · {_role(node)} · {pretty(node.availability)} · {pretty(node.state)}",
             f"  address {node.address} · engine {node.engine_version}"]
    lines += [f"  labels {labels}"] if labels else []
    lines += [f"  {node.message}"] if node.message else []
    return "\n".join(lines)


def node_bundle(node) -> dict:
    return {"text/plain": node_text(node), "text/html": box(picture_html([node]), "dm-node-card")}
