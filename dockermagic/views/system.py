"""The engine as a whole: `system df` with bars of what takes the space and what a prune would
give back, prunes (what went, the space back), and `docker events` live."""

from __future__ import annotations

from ..gotemplate import formats
from ..resources.system import DF_HEADER, DF_TABLE
from ..text import units
from .live import LiveView
from .markup import MONO, MUTED, badge, box, code, esc, table

_BAR = "display:inline-block;height:10px;vertical-align:middle"


def _title(text: str, label: str) -> str:
    return f'<div><b>{esc(text)}</b> <span style="{MUTED}">· {esc(label)}</span></div>'


# -- system df ----------------------------------------------------------------------------------
def df_text(usage) -> str:
    if usage.verbose:
        return "\n".join(f"{section.title}\n\n{formats.listing(section.table, section.rows, section.header, section.table)}"
                         for section in usage.sections).rstrip("\n")
    return formats.listing(DF_TABLE, usage.rows, DF_HEADER, DF_TABLE).rstrip("\n")


def _verbose_html(usage) -> str:
    parts = []
    for section in usage.sections:
        keys = list(section.header)
        rows = [[esc(row[key]) for key in keys] for row in section.rows]
        parts.append(f'<div style="margin-top:6px"><b>{esc(section.title)}</b></div>'
                     + table([section.header[key] for key in keys], rows, raw=True))
    return "".join(parts)


def _bar(row, biggest: int) -> str:
    if biggest <= 0:
        return ""
    width = 220
    whole = max(round(width * row.size / biggest), 1 if row.size else 0)
    free = round(whole * row.reclaimable / row.size) if row.size else 0
    return (f'<span title="{esc(row.Size)}, {esc(row.Reclaimable)} reclaimable" style="white-space:nowrap">'
            f'<span style="{_BAR};width:{whole - free}px;background:#2472c8"></span>'
            f'<span style="{_BAR};width:{free}px;background:#b58900"></span></span>')


def df_html(usage) -> str:
    biggest = max((r.size for r in usage.rows), default=0)
    rows = [[esc(r.Type), str(r.TotalCount), str(r.Active), esc(r.Size), esc(r.Reclaimable), _bar(r, biggest)]
            for r in usage.rows]
    legend = (f'<div style="{MUTED};font-size:11.5px"><span style="{_BAR};width:10px;background:#2472c8"></span> in use '
              f'<span style="{_BAR};width:10px;background:#b58900"></span> reclaimable '
              f'({esc(units.size(usage.reclaimable))} in all, what the prunes would give back)</div>')
    return box(_title("docker system df", usage.label)
               + table(["TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE", ""], rows, raw=True) + legend
               + (_verbose_html(usage) if usage.verbose else ""), "dm-df")


def df_bundle(usage) -> dict:
    return {"text/plain": df_text(usage), "text/html": df_html(usage)}


# -- prunes -------------------------------------------------------------------------------------
def _part_text(part) -> list[str]:
    return [part.heading, *part.removed, ""] if part.removed else []


def pruned_text(pruned) -> str:
    parts = getattr(pruned, "parts", [pruned])
    lines = [line for part in parts for line in _part_text(part)]
    if getattr(pruned, "kind", None) == "network":
        return "\n".join(lines).rstrip("\n") or "Nothing to remove"
    return "\n".join(lines + [f"Total reclaimed space: {units.size(pruned.space)}"])


def pruned_html(pruned) -> str:
    parts = getattr(pruned, "parts", [pruned])
    sections = "".join(
        f"<div><b>{esc(p.heading)}</b> {len(p.removed)}</div>"
        f"<div>{' '.join(code(r if len(r) < 40 else r[:19] + '…' + r[-12:]) for r in p.removed)}</div>"
        for p in parts if p.removed
    ) or f'<div style="{MUTED}">nothing to remove</div>'
    space = f"<div>Total reclaimed space: <b>{esc(units.size(pruned.space))}</b></div>"
    return box(sections + space, "dm-pruned")


def pruned_bundle(pruned) -> dict:
    return {"text/plain": pruned_text(pruned), "text/html": pruned_html(pruned)}


# -- events -------------------------------------------------------------------------------------
_TYPE_STATE = {"container": "running", "image": "cached", "network": "done", "volume": "base"}


def _event_row(ev) -> list[str]:
    attrs = ev.Actor.get("Attributes") or {}
    name = attrs.get("name") or ev.ID[:12]
    rest = ", ".join(f"{k}={v}" for k, v in sorted(attrs.items()) if k != "name")
    return [f'<span style="{MONO};font-size:11.5px">{esc(ev.when[11:23])}</span>', badge(_TYPE_STATE.get(ev.Type, "own"), ev.Type),
            esc(ev.Action), code(name), f'<span style="{MUTED};font-size:11.5px">{esc(rest[:160])}</span>']


def events_html(log) -> str:
    rows = [_event_row(ev) for ev in log.events]
    state = {"until": "reached --until", "interrupted": "stopped (interrupted)", "": "listening"}.get(log.stopped, log.stopped)
    more = f", the last {len(log.events)} shown" if log.seen > len(log.events) else ""
    head = _title("docker events", log.label)
    return box(f"{head}<div>{badge('done' if log.stopped else 'running', state)} {log.seen} events{more}</div>"
               + (table(["TIME", "TYPE", "ACTION", "ACTOR", "ATTRIBUTES"], rows, raw=True) if rows else ""), "dm-events")


def events_text(log, render=None) -> str:
    return "\n".join((render or (lambda ev: ev.line()))(ev) for ev in log.events)


def events_bundle(log) -> dict:
    return {"text/plain": events_text(log), "text/html": events_html(log)}


class EventsView(LiveView):
    """`docker events` as they come: the last ones the log keeps in the widget, every one
    printed in a terminal (as the CLI's lines, or through `--format`)."""

    def __init__(self, log, render=None, **options):
        super().__init__(**options)
        self.log = log
        self.render = render

    def apply(self, event) -> None:
        pass  # the log on the result already holds it; the next redraw shows it

    def echo(self, event) -> None:
        if event is not None:
            print((self.render or (lambda ev: ev.line()))(event), flush=True)

    def html(self) -> str:
        return events_html(self.log)

    def text(self) -> str:
        return events_text(self.log, self.render)
