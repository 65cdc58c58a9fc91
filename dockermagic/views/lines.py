"""A bounded window on a stream of output lines: the first lines, the last lines, and a
count of what was left out between them.  Views keep this; results keep the full log."""

from __future__ import annotations

from collections import deque

from .. import ansi

MAX_LINE = 2000  # characters of one line a view keeps; the log keeps all of it


class BoundedLines:
    def __init__(self, limit: int = 400):
        self.limit = max(2, int(limit))
        self.head: list[str] = []
        self.tail: deque[str] = deque(maxlen=self.limit - self.limit // 3)
        self.dropped = 0
        self.count = 0  # lines added in all
        self._partial = ""

    @property
    def _head_limit(self) -> int:
        return self.limit // 3

    def write(self, text: str) -> None:
        """Add text that may hold several lines or end mid-line."""
        if not text:
            return
        text = self._partial + text
        *lines, self._partial = text.split("\n")
        for line in lines:
            self.add(line)

    def add(self, line: str) -> None:
        self.count += 1
        if len(line) > MAX_LINE:
            line = line[:MAX_LINE] + f" … [{len(line) - MAX_LINE} more characters]"
        if len(self.head) < self._head_limit:
            self.head.append(line)
            return
        if len(self.tail) == self.tail.maxlen:
            self.dropped += 1
        self.tail.append(line)

    def last(self, n: int) -> "BoundedLines":
        """Only the last `n` lines, the rest counted as left out."""
        kept = [*self.head, *self.tail][-n:] if n else []
        short = BoundedLines(max(2, n * 2))
        short.head, short.tail = [], deque(kept, maxlen=max(1, n))
        short.count = self.count
        short.dropped = self.count - len(kept)
        return short

    def lines(self) -> list[str]:
        """The kept lines, with a marker line where some were left out."""
        partial = [self._partial] if self._partial else []
        if not self.dropped:
            return [*self.head, *self.tail, *partial]
        marker = f"\x1b[2m… {self.dropped} lines left out here (the full log is on the returned object) …\x1b[0m"
        return [*self.head, marker, *self.tail, *partial]

    def __len__(self) -> int:
        return len(self.head) + len(self.tail) + (1 if self._partial else 0)

    def text(self) -> str:
        return "\n".join(ansi.strip(line) for line in self.lines())

    def html(self) -> str:
        return "\n".join(ansi.to_html(line) for line in self.lines())
