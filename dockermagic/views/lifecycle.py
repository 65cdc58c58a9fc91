"""A running container looked at rather than read: `docker top`'s processes, and `docker stats`
live, with CPU and memory bars (and the CLI's table in a terminal)."""

from __future__ import annotations

from ..containers.stats import STATS_HEADER, STATS_TABLE
from ..gotemplate import formats
from ..gotemplate.formats import text_table
from .live import LiveView
from .markup import MUTED, badge, box, code, esc, table

_BAR = "display:inline-block;height:10px;vertical-align:middle"


def _title(text: str, label: str) -> str:
    return f'<div><b>{esc(text)}</b> <span style="{MUTED}">· {esc(label)}</span></div>'


# -- top ----------------------------------------------------------------------------------------
def top_text(processes) -> str:
    return text_table(processes.titles, processes.rows)


def top_html(processes) -> str:
    head = _title(f"docker top {processes.container}", processes.engine)
    count = f'<div style="{MUTED}">{len(processes.rows)} process{"es" if len(processes.rows) != 1 else ""}</div>'
    rows = [[esc(c) if i != len(row) - 1 else code(c) for i, c in enumerate(row)] for row in processes.rows]
    return box(head + count + table(processes.titles, rows, raw=True), "dm-top")


def top_bundle(processes) -> dict:
    return {"text/plain": top_text(processes), "text/html": top_html(processes)}


# -- stats --------------------------------------------------------------------------------------
def _bar(percent: float, colour: str, width: int = 140) -> str:
    filled = max(0, min(width, round(width * percent / 100.0)))
    return (f'<span style="white-space:nowrap"><span style="{_BAR};width:{filled}px;background:{colour}"></span>'
            f'<span style="{_BAR};width:{width - filled}px;background:rgba(128,128,128,.18)"></span></span>')


def _spark(values, colour: str) -> str:
    """The last readings as a row of thin bars (at most 100 %, scaled to the highest)."""
    values = list(values)
    top = max(max(values, default=0), 1.0)
    return "".join(f'<span style="display:inline-block;width:2px;margin-right:1px;vertical-align:bottom;'
                   f'height:{max(1, round(14 * v / top))}px;background:{colour}"></span>' for v in values)


def stats_text(stats) -> str:
    if not stats.rows:
        return "no containers to watch" if stats.stopped else ""
    return formats.listing(STATS_TABLE, stats.rows, STATS_HEADER, STATS_TABLE).rstrip("\n")


def stats_html(stats) -> str:
    state = {"": "live", "once": "one reading (--no-stream)", "interrupted": "stopped (interrupted)",
             "containers stopped": "the containers stopped", "no containers": "no containers"}.get(stats.stopped, stats.stopped)
    head = _title("docker stats", stats.label)
    status = f"<div>{badge('done' if stats.stopped else 'running', state)} {stats.rounds} reading{'s' if stats.rounds != 1 else ''}</div>"
    rows = []
    for s in stats.rows:
        cpu = min(s.cpu_percent, 100.0)
        rows.append([code(s.Container), f"{_bar(cpu, '#2472c8')} {esc(s.CPUPerc)} {_spark(stats.cpu.get(s.id, ()), '#2472c8')}",
                     f"{_bar(s.memory_percent, '#6f42c1')} {esc(s.MemUsage)} ({esc(s.MemPerc)})",
                     esc(s.NetIO), esc(s.BlockIO), esc(s.PIDs)])
    grid = table(["CONTAINER", "CPU %", "MEMORY", "NET I/O", "BLOCK I/O", "PIDS"], rows, raw=True) if rows else ""
    return box(head + status + grid, "dm-stats")


def stats_bundle(stats) -> dict:
    return {"text/plain": stats_text(stats), "text/html": stats_html(stats)}


class StatsView(LiveView):
    """Live `docker stats`: the bars move as readings come; a terminal gets the CLI's table once
    per round (or each reading through `--format`)."""

    def __init__(self, stats, render=None, **options):
        super().__init__(**options)
        self.stats = stats
        self.render = render
        self._printed = 0

    def apply(self, event) -> None:
        pass  # the result holds the reading; the next redraw shows it

    def echo(self, event) -> None:
        if event is None:
            return
        if self.render is not None:
            print(self.render(event), flush=True)
        elif self.stats.rounds > self._printed:
            self._printed = self.stats.rounds
            print(stats_text(self.stats) + "\n", flush=True)

    def html(self) -> str:
        return stats_html(self.stats)

    def text(self) -> str:
        return stats_text(self.stats)
