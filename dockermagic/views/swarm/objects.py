"""Secrets, configs and the swarm itself as the CLI's text and as HTML.  A secret's view has
nothing of its value to show (the result never holds it); a config's shows its content."""

from __future__ import annotations

from ...gotemplate import formats
from ...swarm.objects import HEADER, Config
from ..markup import MUTED, PRE, badge, box, code, esc, table


def _title(text: str, label: str) -> str:
    return f'<div><b>{esc(text)}</b> <span style="{MUTED}">· {esc(label)}</span></div>'


def objects_text(listing) -> str:
    return formats.listing(listing.table, listing.rows, HEADER, listing.table).rstrip("\n")


def objects_bundle(listing) -> dict:
    secret = listing.kind == "secret"
    heads = ["ID", "NAME", *(["DRIVER"] if secret else []), "CREATED", "UPDATED", "LABELS"]
    rows = [[code(r.ID), esc(r.Name), *([esc(r.Driver)] if secret else []), esc(r.CreatedAt), esc(r.UpdatedAt),
             esc(r.Labels)] for r in listing.rows]
    body = table(heads, rows, raw=True) if rows else f'<div style="{MUTED}">no {listing.kind}s</div>'
    return {"text/plain": objects_text(listing),
            "text/html": box(_title(f"docker {listing.kind} ls", listing.label) + body, f"dm-{listing.kind}s")}


def object_text(obj) -> str:
    labels = ", ".join(f"{k}={v}" for k, v in sorted(obj.labels.items()))
    lines = [f"{obj.KIND.capitalize()} {obj.name} ({obj.id})" + (f" · labels {labels}" if labels else "")]
    if isinstance(obj, Config):
        lines.append(obj.data.decode("utf-8", "replace").rstrip("\n"))
    return "\n".join(lines)


def object_bundle(obj) -> dict:
    labels = " ".join(badge("base", f"{k}={v}") for k, v in sorted(obj.labels.items()))
    html = f"<div><b>{esc(obj.KIND)} {esc(obj.name)}</b> {code(obj.id)} {labels}</div>"
    if isinstance(obj, Config):
        html += f'<pre style="{PRE}">{esc(obj.data.decode("utf-8", "replace"))}</pre>'
    else:
        html += f'<div style="{MUTED}">the value stays on the swarm\'s managers: services read it at /run/secrets/{esc(obj.name)}</div>'
    return {"text/plain": object_text(obj), "text/html": box(html, f"dm-{obj.KIND}")}


def lines_bundle(result) -> dict:
    """What a change printed (`Node left the swarm.`, removed names ...), as the CLI prints it."""
    text = repr(result)
    return {"text/plain": text, "text/html": box(f'<pre style="{PRE}">{esc(text)}</pre>', "dm-swarm-change")}


def swarm_text(info) -> str:
    return (f"Swarm {info.id} · this node {info.node_id} ({info.state}, {info.node_addr}) · "
            f"{info.nodes} nodes, {info.managers} managers · autolock {'on' if info.autolock else 'off'}")


def swarm_bundle(info) -> dict:
    facts = " ".join([badge("done" if info.state == "active" else "waiting", info.state),
                      badge("base", f"{info.nodes} nodes"), badge("base", f"{info.managers} managers"),
                      badge("base", f"autolock {'on' if info.autolock else 'off'}")])
    html = _title(f"swarm {info.id}", info.label) + f"<div>this node {code(info.node_id)} at {esc(info.node_addr)} {facts}</div>"
    return {"text/plain": swarm_text(info), "text/html": box(html, "dm-swarm-info")}
