"""Stacks as the CLI shows them: a deploy's lines as they happen (`Creating network app_default`
...), then the `Stack` as those lines and one row per service -- with how each converged when the
deploy waited (`--detach=false`: `ConvergenceView`'s snapshot per service).  `stack ls` as the
CLI's table."""

from __future__ import annotations

from ...gotemplate import formats
from ...swarm.stacks import LS_HEADER, LS_TABLE
from ..markup import MUTED, PRE, badge, box, code, esc, table
from .service import ConvergenceView, overall


class StackDeployView:
    """The deploy's lines printed as the CLI prints them, while it runs (none with -q... but the
    CLI's warnings, which it prints on stderr whatever -q says)."""

    def __init__(self, stack: str, quiet: bool = False):
        self.stack = stack
        self.quiet = quiet

    def say(self, line: str) -> None:
        if not self.quiet or line.startswith(("Ignoring", "Since", "image ")):
            print(line, flush=True)


def _title(text: str, label: str) -> str:
    return f'<div><b>{esc(text)}</b> <span style="{MUTED}">· {esc(label)}</span></div>'


def stack_text(stack) -> str:
    lines = [f"stack {stack.name}: {len(stack.services)} services"]
    for service in stack.services:
        c = service.convergence
        state = f" · {overall(c)} · {c.outcome}" if c is not None else ""
        lines.append(f"  {service.name} ({service.id[:12]}) · {service.mode} · {service.image}{state}")
    return "\n".join(lines)


def stack_bundle(stack) -> dict:
    """A deployed `Stack`: what the deploy printed, its services (converged, when it waited)."""
    rows = []
    for service in stack.services:
        c = service.convergence
        state = badge("succeeded" if c.outcome == "converged" else "failed", c.outcome) if c else badge("base", "detached")
        replicas = "global" if service.mode == "global" else f"{service.replicas} replicas"
        rows.append([code(service.id[:12]), esc(service.name), esc(replicas), code(service.image),
                     esc(overall(c)) if c else "", state])
    lines = "\n".join(stack.lines)
    html = (_title(f"docker stack deploy {stack.name}", stack.label)
            + (f'<pre style="{PRE}">{esc(lines)}</pre>' if lines else "")
            + table(["ID", "SERVICE", "MODE", "IMAGE", "PROGRESS", "STATE"], rows, raw=True))
    for service in stack.services:
        if service.convergence is not None and service.convergence.outcome != "converged":
            html += ConvergenceView.snapshot(service)["text/html"]
    return {"text/plain": stack_text(stack), "text/html": box(html, "dm-stack")}


def stacks_text(listing) -> str:
    return formats.listing(LS_TABLE, listing.rows, LS_HEADER, LS_TABLE).rstrip("\n")


def stacks_bundle(listing) -> dict:
    rows = [[esc(r.Name), esc(r.Services)] for r in listing.rows]
    body = table(list(LS_HEADER.values()), rows, raw=True) if rows else f'<div style="{MUTED}">no stacks</div>'
    return {"text/plain": stacks_text(listing), "text/html": box(_title("docker stack ls", listing.label) + body, "dm-stacks")}
