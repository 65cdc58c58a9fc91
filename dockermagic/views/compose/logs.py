"""The services' log lines as Compose v2 prints them: each line after its container's prefix
(`web-1  | `, the name padded to the longest name seen plus one), every container in the next
colour of v2's rainbow, in the order they first spoke.

The window is bounded like the house's other logs (`views/lines.py`): the first third of
`limit` lines, the last two thirds, and a count of what fell between; each line cut at
`terminal.MAX_LINE` characters.  The result keeps every line (`ComposeProject.logs`).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from ...text import ansi
from ...text.terminal import MAX_LINE
from ..markup import PRE

#: v2's rainbow (cmd/formatter/colors.go): cyan, yellow, green, magenta, blue, then their
#: intense forms -- as SGR codes for a terminal and as the house's colours for a page
RAINBOW = ("36", "33", "32", "35", "34", "36;1", "33;1", "32;1", "35;1", "34;1")
_HTML = {"36": "#11a8cd", "33": "#b58900", "32": "#0dbc79", "35": "#bc3fbc", "34": "#2472c8"}
_BRIGHT = {"36": "#29b8db", "33": "#d7a300", "32": "#23d18b", "35": "#d670d6", "34": "#3b8eea"}
STDERR_STYLE = "color:#cd3131"


def short_name(container: str, project: str = "") -> str:
    """The name v2 prefixes a line with: the container's, without `<project>-`."""
    if project and container.startswith(project + "-") and len(container) > len(project) + 1:
        return container[len(project) + 1:]
    return container


def html_colour(code: str) -> str:
    base, _, bold = code.partition(";")
    return f"color:{(_BRIGHT if bold else _HTML).get(base, '#8a8a8a')}" + (";font-weight:600" if bold else "")


@dataclass
class Entry:
    name: str        # the prefix's name (web-1)
    text: str        # the line, without its newline, cut at MAX_LINE
    stream: str = "stdout"
    timestamp: str | None = None


class ServiceLogs:
    """What a view keeps of the services' lines, and their prefixes' colours."""

    def __init__(self, project: str = "", limit: int = 400, color: bool = True, prefix: bool = True):
        self.project = project
        self.limit = max(3, int(limit))
        self.color = color
        self.show_prefix = prefix   # False: `--no-log-prefix`, the lines alone
        self.head: list[Entry] = []
        self.tail: deque[Entry] = deque(maxlen=self.limit - self.limit // 3)
        self.dropped = 0
        self.colours: dict[str, str] = {}   # name -> SGR code, in the order names first spoke
        self.last_added: list[Entry] = []

    def add_name(self, container: str) -> str:
        """The prefix name of `container`, given the next colour when new."""
        name = short_name(container, self.project)
        if name not in self.colours:
            self.colours[name] = RAINBOW[len(self.colours) % len(RAINBOW)]
        return name

    def add(self, container: str, text: str, stream: str = "stdout", timestamp: str | None = None) -> list[Entry]:
        """Add what a container printed (one or more lines) -> the entries made."""
        name = self.add_name(container)
        made = []
        for line in text.removesuffix("\n").split("\n"):
            line = line.removesuffix("\r")
            entry = Entry(name, line if len(line) <= MAX_LINE else line[:MAX_LINE] + "…", stream, timestamp)
            if len(self.head) < self.limit // 3:
                self.head.append(entry)
            else:
                self.dropped += len(self.tail) == self.tail.maxlen
                self.tail.append(entry)
            made.append(entry)
        self.last_added = made
        return made

    def __len__(self) -> int:
        return len(self.head) + len(self.tail)

    @property
    def width(self) -> int:
        return max((len(n) for n in self.colours), default=0) + 1

    # -- one line -------------------------------------------------------------------------
    def prefix(self, name: str, width: int | None = None) -> str:
        return f"{name:<{width or self.width}} | "

    def line_text(self, entry: Entry, color: bool = False, width: int | None = None) -> str:
        """As v2 prints it: the (coloured) prefix, the timestamp with `-t`, the line."""
        prefix = self.prefix(entry.name, width) if self.show_prefix else ""
        if color and self.color and prefix:
            prefix = f"\x1b[{self.colours.get(entry.name, '0')}m{prefix}\x1b[0m"
        stamp = f"{entry.timestamp} " if entry.timestamp else ""
        return f"{prefix}{stamp}{entry.text}"

    def line_html(self, entry: Entry) -> str:
        prefix = ansi.to_html(self.prefix(entry.name)) if self.show_prefix else ""
        if self.color and prefix:
            prefix = f'<span style="{html_colour(self.colours.get(entry.name, ""))}">{prefix}</span>'
        stamp = f'<span style="color:rgba(128,128,128,1)">{ansi.to_html(entry.timestamp)} </span>' if entry.timestamp else ""
        body = ansi.to_html(entry.text)
        if entry.stream == "stderr":
            body = f'<span style="{STDERR_STYLE}">{body}</span>'
        return prefix + stamp + body

    # -- the window -----------------------------------------------------------------------
    def _marker(self) -> str:
        return f"… {self.dropped} lines left out here (the full log is on the returned object's .logs) …"

    def entries(self):
        """The kept entries, with `None` where lines were left out."""
        yield from self.head
        if self.dropped:
            yield None
        yield from self.tail

    def text(self) -> str:
        return "\n".join(ansi.strip(self.line_text(e)) if e else self._marker() for e in self.entries())

    def html(self) -> str:
        muted = 'style="color:rgba(128,128,128,1)"'
        return "\n".join(self.line_html(e) if e else f"<span {muted}>{ansi.to_html(self._marker())}</span>"
                         for e in self.entries())


# -- `docker compose logs` ---------------------------------------------------------------------
def _prepared(logs) -> ServiceLogs:
    """A ServiceLogs with every container `logs` read named in its order (v2's colours and width)."""
    kept = ServiceLogs(logs.project, color=logs.color, prefix=logs.prefix)
    for name in logs.containers:
        kept.add_name(name)
    for line in logs.lines:
        kept.add_name(line.container)
    return kept


def logs_text(logs, color: bool = False) -> str:
    """`ComposeLogs` as v2 prints it: `NAME  | ` (padded to the longest name plus one, in its colour
    with `color` unless `--no-color`), the timestamp with `-t`, the line; every line."""
    kept = _prepared(logs)
    out = []
    for line in logs.lines:
        entry = Entry(kept.add_name(line.container), line.text, line.stream,
                      line.timestamp if logs.timestamps else None)
        out.append(kept.line_text(entry, color=color) + "\n")
    return "".join(out)


def logs_bundle(logs) -> dict:
    """The mimebundle of a `ComposeLogs`: v2's text (monochrome, as v2 prints into a pipe), and
    the page's coloured lines, bounded as the house's logs are."""
    kept = _prepared(logs)
    for line in logs.lines:
        kept.add(line.container, line.text, line.stream, line.timestamp if logs.timestamps else None)
    return {"text/plain": logs_text(logs), "text/html": f'<pre style="{PRE}">{kept.html()}</pre>'}
