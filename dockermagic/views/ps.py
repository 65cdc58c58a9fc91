"""`docker ps`: the CLI's columns as text and as an HTML table (SIZE as "0B (virtual 2MB)")."""

from __future__ import annotations

from ..gotemplate.fields import ports_text
from ..gotemplate.formats import text_table
from ..text import units
from .markup import MUTED, badge, box, code, esc, table
from .tables import engine_html


def _command(row: dict, no_trunc: bool) -> str:
    text = row.get("Command") or ""
    if not no_trunc and len(text) > 20:
        text = text[:19] + "…"
    return f'"{text}"'


def _size(row: dict) -> str:
    return f"{units.size(row.get('SizeRw') or 0)} (virtual {units.size(row.get('SizeRootFs') or 0)})"


def _cells(ps, row: dict) -> list[str]:
    cells = [
        row["Id"] if ps.no_trunc else units.short_id(row["Id"]),
        row.get("Image", ""),
        _command(row, ps.no_trunc),
        units.ago(row.get("Created")),
        row.get("Status", ""),
        ports_text(row.get("Ports")),
        ",".join(n.lstrip("/") for n in row.get("Names") or []),
    ]
    return cells + ([_size(row)] if ps.size else [])


def _headers(ps) -> list[str]:
    return ["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"] + (["SIZE"] if ps.size else [])


def ps_text(ps) -> str:
    return text_table(_headers(ps), [_cells(ps, row) for row in ps.rows])


def ps_html(ps) -> str:
    if not ps.rows:
        return box(f'<span style="{MUTED}">no containers</span>{engine_html(ps.engine)}', "dm-ps")
    rows = []
    for row in ps.rows:
        raw = _cells(ps, row)
        cells = [code(raw[0])] + [esc(c) for c in raw[1:]]
        state = row.get("State", "")
        colour = {"running": "running", "exited": "waiting", "created": "pending", "paused": "interrupted", "dead": "failed"}
        cells[4] = f'{badge(colour.get(state, "waiting"), state or "?")} {esc(row.get("Status", ""))}'
        rows.append(cells)
    return box(table(_headers(ps), rows, raw=True) + engine_html(ps.engine), "dm-ps")


def ps_bundle(ps) -> dict:
    return {"text/plain": ps_text(ps), "text/html": ps_html(ps)}
