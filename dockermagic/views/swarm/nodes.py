"""Nodes and the tasks on them: `node ls` as the CLI's table and as a small cluster picture (each
node with its role, availability and state, the tasks it runs inside it: views/swarm/cluster.py),
`node ps`, `service ps` and `stack ps` (one task list, with the picture when the listing carries
one), one node.  The text of `node ls` stays the CLI's table."""

from __future__ import annotations

from ...gotemplate import formats
from ...swarm.nodes import LS_HEADER, LS_TABLE, Cluster
from ...swarm.tasks import PS_HEADER, PS_TABLE, pretty
from ..markup import MUTED, box, code, esc, table
from .cluster import picture_html, picture_text, role, state_badge


def _title(text: str, label: str) -> str:
    return f'<div><b>{esc(text)}</b> <span style="{MUTED}">· {esc(label)}</span></div>'


def cluster_bundle(cluster) -> dict:
    html = box(_title("swarm", cluster.label) + picture_html(cluster), "dm-swarm")
    return {"text/plain": picture_text(cluster), "text/html": html}


# -- node ls, node ps, one node -----------------------------------------------------------------
def nodes_text(listing) -> str:
    return formats.listing(LS_TABLE, listing.rows, LS_HEADER, LS_TABLE).rstrip("\n")


def nodes_bundle(listing) -> dict:
    rows = [[code(r.ID) + (" *" if r.Self else ""), esc(r.Hostname), state_badge(r.node.state), state_badge(r.node.availability),
             esc(r.ManagerStatus), esc(r.EngineVersion)] for r in listing.rows]
    html = box(_title("docker node ls", listing.label)
               + table(["ID", "HOSTNAME", "STATUS", "AVAILABILITY", "MANAGER STATUS", "ENGINE VERSION"], rows, raw=True)
               + picture_html(listing.cluster), "dm-nodes")
    return {"text/plain": nodes_text(listing), "text/html": html}


def tasks_text(listing) -> str:
    return formats.listing(PS_TABLE, listing.rows(), PS_HEADER, PS_TABLE).rstrip("\n")


def tasks_bundle(listing) -> dict:
    rows = [[code(r.ID), esc(r.Name), esc(r.Image), esc(r.Node), state_badge(r.task.desired), state_badge(r.task.state) + " "
             + esc(r.CurrentState.split(" ", 1)[-1]), f'<span style="color:#cf222e">{esc(r.Error)}</span>', esc(r.Ports)]
            for r in listing.rows()]
    html = box(_title(f"docker {listing.command}", listing.label)
               + (table(list(PS_HEADER.values()), rows, raw=True) if rows else f'<div style="{MUTED}">no tasks</div>')
               + (picture_html(listing.cluster) if isinstance(listing.cluster, Cluster) else ""), "dm-tasks")
    return {"text/plain": tasks_text(listing), "text/html": html}


def node_text(node) -> str:
    labels = ", ".join(f"{k}={v}" if v else k for k, v in sorted(node.labels.items()))
    lines = [f"Node {node.hostname} ({node.id}) · {role(node)} · {pretty(node.availability)} · {pretty(node.state)}",
             f"  address {node.address} · engine {node.engine_version}"]
    lines += [f"  labels {labels}"] if labels else []
    lines += [f"  {node.message}"] if node.message else []
    return "\n".join(lines)


def node_bundle(node) -> dict:
    return {"text/plain": node_text(node), "text/html": box(picture_html(Cluster([node])), "dm-node-card")}
