"""A `ComposeProject` shown (a later cell, a saved notebook, a terminal's display): what its
action says best.

- `ps`: the table `docker compose ps` prints (NAME, IMAGE, COMMAND, SERVICE, CREATED, STATUS,
  PORTS), then the diagram coloured by each service's state;
- `config`: the model as `docker compose config` prints it, highlighted, then the diagram;
- `up` (and `start`, `restart`, `create`, `run`): the stack's rows and logs, then the diagram
  coloured by state; every other action: its rows and logs.

The text form is what a terminal would print: the table, the YAML, v2's progress lines.
"""

from __future__ import annotations

from ...compose.results import ComposeContainer, ComposeProject
from ...gotemplate.formats import text_table
from ...text import units
from ...text.strconv import go_quote
from ..markup import MUTED, TABLE, TD, TH, TR, box, code, esc
from .diagram import STATE_COLOURS, diagram_html
from .stack import StackView
from .yamltext import highlighted, to_yaml

PS_HEADERS = ["NAME", "IMAGE", "COMMAND", "SERVICE", "CREATED", "STATUS", "PORTS"]


def command_text(command: str, width: int = 20) -> str:
    """The COMMAND column: cut at `width` characters with an ellipsis, quoted as Go quotes."""
    command = command or ""
    if len(command) > width:
        command = command[: width - 1] + "…"
    return go_quote(command)


def ports_text(container: ComposeContainer) -> str:
    """The PORTS column: `0.0.0.0:8080->80/tcp, [::]:8080->80/tcp`, `80/tcp` unpublished."""
    items = []
    for p in container.publishers or ():
        if not isinstance(p, dict):
            continue
        target, proto = p.get("TargetPort", ""), p.get("Protocol") or "tcp"
        if p.get("PublishedPort"):
            url = p.get("URL") or "0.0.0.0"
            url = f"[{url}]" if ":" in str(url) else url
            items.append(f"{url}:{p['PublishedPort']}->{target}/{proto}")
        else:
            items.append(f"{target}/{proto}")
    return ", ".join(dict.fromkeys(items))


def ps_rows(result: ComposeProject) -> list[list[str]]:
    return [[c.name, c.image, command_text(c.command), c.service, units.ago(c.created), c.status, ports_text(c)]
            for c in sorted(result.containers, key=lambda c: c.name)]


def _state_colour(c: ComposeContainer) -> str:
    if c.health == "unhealthy" or (c.state in ("exited", "dead") and c.exit_code):
        return STATE_COLOURS["failed"]
    if c.state == "running" and c.health != "starting":
        return STATE_COLOURS["running"]
    if c.state in ("created", "restarting") or c.health == "starting":
        return STATE_COLOURS["starting"]
    return STATE_COLOURS["exited"]


def ps_html(result: ComposeProject) -> str:
    if not result.containers:
        return f'<div style="{MUTED}">no containers</div>'
    head = "".join(f'<th style="{TH}">{h}</th>' for h in PS_HEADERS)
    body = []
    for c, row in zip(sorted(result.containers, key=lambda c: c.name), ps_rows(result)):
        cells = [f'<td style="{TD};white-space:nowrap">{esc(v)}</td>' for v in row]
        cells[5] = f'<td style="{TD};white-space:nowrap;color:{_state_colour(c)};font-weight:600">{esc(row[5])}</td>'
        body.append(f'<tr style="{TR}">{"".join(cells)}</tr>')
    return f'<table style="{TABLE}"><thead><tr style="{TR}">{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def _header(result: ComposeProject, said: str = "") -> str:
    engine = f'<div style="{MUTED};font-size:11.5px">{esc(result.engine)}</div>' if result.engine else ""
    return (f'<div><b>docker compose {esc(result.action)}</b> {code(result.name)} '
            f'<span style="{MUTED}">{esc(said)}</span></div>{engine}')


def _diagram(result: ComposeProject, coloured: bool) -> str:
    return diagram_html(result.model, result.containers if coloured else None, result.working_dir, result.name)


def compose_bundle(result: ComposeProject) -> dict:
    """The mimebundle of a `ComposeProject` (registered in `views/formatters.RENDERERS`)."""
    action = result.action
    if action == "ps":
        running = sum(c.state == "running" for c in result.containers)
        said = f"· {len(result.containers)} containers, {running} running"
        html = box(_header(result, said) + ps_html(result) + _diagram(result, True), "dm-compose")
        text = text_table(PS_HEADERS, ps_rows(result))
    elif action == "config":
        source = result.source or (to_yaml(result.model) if result.model else "")
        services = len(result.model.get("services") or {}) if isinstance(result.model, dict) else 0
        html = box(_header(result, f"· {services} services") + (highlighted(source) if source else "")
                   + _diagram(result, False), "dm-compose")
        text = source or f"docker compose config {result.name}: empty model"
    else:
        view = StackView.snapshot(result)   # rows, logs, and the diagram coloured by state for `up` ...
        html, text = view.html(), view.text()
    return {"text/plain": text, "text/html": html}
