"""The cluster picture: one box per node (hostname, role with the leader marked, availability,
status) and inside each the tasks placed on it (`web.2`, with their state); tasks no node took
apart.  Drawn from a core `Cluster` (`node ls`, `node ps`, `service ps`, a converging service).

Plain HTML with inline styles (a flex row of boxes): no script and no `<svg>`, so it survives
a saved notebook, nbconvert and JupyterLab's sanitizer of untrusted outputs (which keeps
`display:flex`, `gap` and borders); where styles are stripped the boxes read as a list.  The
text form lists each node and its tasks under it."""

from __future__ import annotations

from ...swarm.nodes import shown_name
from ...swarm.tasks import pretty
from ..markup import MUTED, badge, code, esc

MAX_TASKS = 12  # per node; the rest said as a count
# node and task states -> the colours of markup.STATE_COLOURS
COLOUR = {"ready": "done", "down": "failed", "disconnected": "failed", "unknown": "waiting",
          "active": "done", "pause": "interrupted", "drain": "waiting",
          "running": "running", "complete": "done", "failed": "failed", "rejected": "failed",
          "shutdown": "waiting", "orphaned": "failed", "remove": "waiting"}
BORDER = "1px solid rgba(128,128,128,.4)"
DOWN_BORDER = "2px solid #cf222e"


def state_badge(state: str) -> str:
    return badge(COLOUR.get(state, "pending"), pretty(state))


def role(node) -> str:
    """`manager (Leader)`, `manager (Reachable)`, `worker`: the role with MANAGER STATUS."""
    if node.role != "manager":
        return "worker"
    return f"manager ({node.manager_status})" if node.manager_status else "manager"


def is_down(node) -> bool:
    return node.state in ("down", "disconnected")


def _task_html(task) -> str:
    error = getattr(task, "error", "")
    why = f' <span style="{MUTED}">{esc(error)}</span>' if error else ""
    return f"<div>{code(shown_name(task))} {state_badge(task.state)}{why}</div>"


def _tasks_html(tasks) -> str:
    if not tasks:
        return f'<div style="{MUTED}">no tasks</div>'
    more = len(tasks) - MAX_TASKS
    rest = f'<div style="{MUTED}">… {more} more</div>' if more > 0 else ""
    return "".join(_task_html(t) for t in tasks[:MAX_TASKS]) + rest


def _card(node, tasks) -> str:
    me = " <span title='the engine this was asked of'>*</span>" if node.self else ""
    head = (f"<div><b>{esc(node.hostname)}</b>{me}</div>"
            f"<div style='{MUTED};font-size:11px'>{esc(node.id[:12])} · {esc(node.address)}</div>")
    mark = badge("interrupted", "★ " + role(node)) if node.leader else badge("base", role(node))
    facts = f"<div>{mark} {state_badge(node.availability)} {state_badge(node.state)}</div>"
    said = f"<div style='color:#cf222e;font-size:11.5px'>{esc(node.message)}</div>" if is_down(node) and node.message else ""
    border = DOWN_BORDER if is_down(node) else BORDER
    dim = ";opacity:.75" if node.availability in ("pause", "drain") else ""
    style = f"border:{border};border-radius:6px;padding:6px 8px;min-width:180px{dim}"
    return (f'<div class="dm-node" style="{style}">{head}{facts}{said}'
            f'<div style="margin-top:4px">{_tasks_html(tasks)}</div></div>')


def picture_html(cluster) -> str:
    cards = "".join(_card(n, cluster.on(n)) for n in cluster.nodes)
    waiting = ""
    if cluster.unplaced:
        waiting = '<div style="margin-top:6px"><b>not placed</b> ' + _tasks_html(cluster.unplaced) + "</div>"
    return f'<div class="dm-cluster" style="display:flex;gap:8px;flex-wrap:wrap;margin:4px 0">{cards}</div>{waiting}'


def _task_text(task) -> str:
    error = getattr(task, "error", "")
    return f"  {shown_name(task)}  {pretty(task.state)}" + (f'  "{error}"' if error else "")


def _tasks_text(tasks) -> list[str]:
    more = len(tasks) - MAX_TASKS
    return [_task_text(t) for t in tasks[:MAX_TASKS]] + ([f"  … {more} more"] if more > 0 else [])


def picture_text(cluster) -> str:
    lines = []
    for node in cluster.nodes:
        mark = " *" if node.self else ""
        why = f" ({node.message})" if is_down(node) and node.message else ""
        lines.append(f"{node.hostname}{mark}  {role(node)}  {pretty(node.availability)}  {pretty(node.state)}{why}")
        lines += _tasks_text(cluster.on(node))
    if cluster.unplaced:
        lines.append("not placed:")
        lines += _tasks_text(cluster.unplaced)
    return "\n".join(lines)
