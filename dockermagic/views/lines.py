"""A bounded window on a stream of output lines: the first lines, the last lines, and a
count of what was left out between them.  Views keep this; results keep the full log.

Lines go through `terminal.Terminal`, so a progress bar redrawn with `\\r` or cursor-up is
one line in its last state, and the window holds `Line` objects that keep changing while
the program redraws them: a live widget shows the updating line in place.  The window is
bounded in lines (`limit`) and in characters (`max_chars`, with `terminal.MAX_LINE` per
line), so no output grows a saved cell past them.
"""

from __future__ import annotations

from collections import deque

from ..text import ansi
from ..text.terminal import MAX_LINE, MAX_OUTPUT, Line, Terminal

MARKER = "marker"  # the tag of the line saying how many lines were left out


class BoundedLines:
    def __init__(self, limit: int = 400, max_chars: int = MAX_OUTPUT, max_line: int = MAX_LINE):
        self.limit = max(2, int(limit))
        self.max_chars = max(1024, int(max_chars))
        self.head: list[Line] = []
        self.tail: deque[Line] = deque(maxlen=self.limit - self.limit // 3)
        self.dropped = 0
        self.count = 0  # lines added in all
        self._terminal = Terminal(max_line, on_line=self.append)

    def write(self, text) -> None:
        """Add output (text or bytes) that may hold several lines or end mid-line."""
        self._terminal.write(text)

    def add(self, line: str) -> None:
        """Add one whole line."""
        self._terminal.write(line)
        self._terminal.write("\n")

    def append(self, line: Line) -> None:
        """Add a line another terminal writes into (see `OutputWindow`)."""
        self.count += 1
        if len(self.head) < self.limit // 3:
            self.head.append(line)
            return
        if len(self.tail) == self.tail.maxlen:
            self.dropped += 1
        self.tail.append(line)

    def last(self, n: int) -> "BoundedLines":
        """Only the last `n` lines, the rest counted as left out."""
        kept = [*self.head, *self.tail][-n:] if n else []
        short = BoundedLines(max(2, n * 2), self.max_chars)
        short.tail = deque(kept, maxlen=max(1, n))
        short.count = self.count
        short.dropped = self.count - len(kept)
        return short

    def rows(self) -> list[tuple[str, str]]:
        """(tag, text) of the kept lines, with a marker row where some were left out; within
        `max_chars`: a third for the head, the rest for the tail."""
        head, used = [], 0
        for line in self.head:
            text = line.render()
            if used + len(text) > self.max_chars // 3:
                break
            head.append((line.tag, text))
            used += len(text) + 1
        tail = []
        for line in reversed(self.tail):
            text = line.render()
            if used + len(text) > self.max_chars:
                break
            tail.append((line.tag, text))
            used += len(text) + 1
        tail.reverse()
        dropped = self.dropped + len(self.head) - len(head) + len(self.tail) - len(tail)
        if not dropped:
            return head + tail
        marker = f"\x1b[2m… {dropped} lines left out here (the full log is on the returned object) …\x1b[0m"
        return [*head, (MARKER, marker), *tail]

    def lines(self) -> list[str]:
        """The kept lines, with a marker line where some were left out."""
        return [text for _, text in self.rows()]

    def __len__(self) -> int:
        return len(self.head) + len(self.tail)

    def text(self) -> str:
        return "\n".join(ansi.strip(line) for line in self.lines())

    def html(self) -> str:
        return "\n".join(ansi.to_html(line) for line in self.lines())
