"""Small HTML building blocks shared by every view.

Styles are inline so the snapshot keeps its look wherever a saved notebook is rendered
(nbconvert, nbviewer, JupyterLab's sanitizer for untrusted outputs); the structure is plain
tables, `<details>` and `<pre>` so it still reads where styles are stripped.  Every string
from the engine or a user goes through `esc()` or `ansi.to_html()`.
"""

from __future__ import annotations

import re
from html import escape

from ..text import ansi

MONO = "font-family:var(--jp-code-font-family,SFMono-Regular,Menlo,Consolas,monospace)"
BOX = (
    "border:1px solid rgba(128,128,128,.35);border-radius:6px;padding:6px 10px;margin:2px 0;"
    "font-size:13px;line-height:1.45;max-width:100%;overflow-x:auto"
)
PRE = (
    f"{MONO};font-size:12px;white-space:pre-wrap;word-break:break-all;margin:4px 0 2px 0;"
    "padding:6px 8px;background:rgba(128,128,128,.08);border-radius:4px;max-height:32em;overflow:auto"
)
# table-layout:auto and transparent rows: JupyterLab's own table CSS (fixed layout, zebra rows)
# would squeeze columns and grey every other row
TABLE = "border-collapse:collapse;table-layout:auto;font-size:12.5px;margin:4px 0"
TR = "background:transparent"
TH = "text-align:left;padding:2px 10px 2px 0;border-bottom:1px solid rgba(128,128,128,.4);font-weight:600"
TD = "text-align:left;padding:2px 10px 2px 0;vertical-align:top"
MUTED = "color:rgba(128,128,128,1)"

STATE_COLOURS = {
    "running": "#2472c8",
    "waiting": "#8a8a8a",
    "pending": "#8a8a8a",
    "cached": "#6f42c1",
    "base": "#57606a",
    "done": "#1a7f37",
    "succeeded": "#1a7f37",
    "failed": "#cf222e",
    "interrupted": "#b58900",
    "shared": "#6f42c1",
    "own": "#8a8a8a",
}


def esc(value) -> str:
    """Any string as inert HTML text: markup escaped, terminal escapes and control characters
    dropped (a page would show them as boxes, and a title or bell sequence means nothing there),
    bytes that were no UTF-8 as U+FFFD."""
    text = "" if value is None else str(value)
    return escape(ansi.strip(text) if _ODD.search(text) else text, quote=True)


_ODD = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")  # \t and \n are text; the rest is not


def badge(state: str, text: str | None = None, max_width: str | None = None) -> str:
    """A coloured state label on one line; `max_width` cuts a long one with an ellipsis (the
    whole text stays in its title)."""
    colour = STATE_COLOURS.get(state, "#8a8a8a")
    label = text or state
    cut = f"max-width:{max_width};overflow:hidden;text-overflow:ellipsis;vertical-align:bottom;" if max_width else ""
    return (
        f'<span title="{esc(label)}" style="display:inline-block;padding:0 6px;border-radius:8px;font-size:11px;'
        f'line-height:16px;white-space:nowrap;{cut}font-weight:600;color:#fff;background:{colour}">{esc(label)}</span>'
    )


CODE = f"{MONO};font-size:12px;background:rgba(128,128,128,.12);padding:0 3px;border-radius:3px"


def code(text) -> str:
    return f'<code style="{CODE}">{esc(text)}</code>'


def table(headers: list[str], rows: list[list[str]], raw: bool = False) -> str:
    """A table; cells are escaped unless `raw` (then the caller escaped them)."""
    head = "".join(f'<th style="{TH}">{esc(h)}</th>' for h in headers)
    body = "".join(
        f'<tr style="{TR}">' + "".join(f'<td style="{TD}">{c if raw else esc(c)}</td>' for c in row) + "</tr>"
        for row in rows
    )
    return f'<table style="{TABLE}"><thead><tr style="{TR}">{head}</tr></thead><tbody>{body}</tbody></table>'


def box(inner: str, kind: str = "") -> str:
    return f'<div class="dockermagic {esc(kind)}" style="{BOX}">{inner}</div>'

