"""What a terminal would show for a stream of program output, line by line and bounded.

Programs draw progress bars for a terminal: `\\r` returns to the start of the line, ANSI
erase-line (`ESC[K`) and cursor-up (`ESC[A`) redraw lines already printed.  Kept as they
come, 3,000 updates of one bar are one 31 KB line whose final state, all a reader wants, is
cut away.  `Terminal` applies those moves to `Line` objects instead, so a line holds its
last state; SGR colours are kept (`ansi.py` turns them into HTML), every other control
sequence is dropped, bytes that are not UTF-8 become U+FFFD, and a line past its bound
keeps its head and its tail with the count of what was left out between them.
"""

from __future__ import annotations

import codecs
import re
from collections import deque

MAX_LINE = 4096  # characters of one line a view shows
MAX_OUTPUT = 64 * 1024  # characters of lines one view shows in all
STORED_LINE = 1 << 20  # characters of one line a stored log keeps
ROWS = 64  # lines back a cursor-up can reach: `docker pull` in a terminal draws one per layer

_TOKEN = re.compile(
    r"\x1b\[([0-9;:?<=>]*)[ -/]*([@-~])"  # CSI: colours, cursor moves, erase
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC: titles, hyperlinks
    r"|\x1b[ -/]*[0-~]?"  # any other escape
    r"|[\x00-\x1f\x7f]"
)
# an escape sequence the write ended inside: held until the next write completes it
_UNFINISHED = re.compile(r"\x1b(?:\[[0-9;:?<=>]*[ -/]*|\][^\x07\x1b]*|[ -/]*)?\Z")
_HOLD_AT_MOST = 256
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _number(params: str, default: int = 1) -> int:
    first = params.split(";")[0].lstrip("?<=>")
    return int(first) if first.isdigit() and int(first) > 0 else default


class Line:
    """One line of output: its text (at most `limit` characters kept: the first quarter and
    the rest from the end), where SGR sequences sit, and how much was left out."""

    __slots__ = ("head", "gap", "tail", "attrs", "limit", "tag", "done")

    def __init__(self, limit: int = MAX_LINE, tag: str = ""):
        self.head = ""  # the whole text while gap == 0
        self.gap = 0  # characters left out after the head
        self.tail = ""
        self.attrs: dict[int, str] = {}  # column -> SGR sequences written just before it
        self.limit = max(8, int(limit))
        self.tag = tag
        self.done = False  # no cursor can reach it any more

    def __len__(self) -> int:
        return len(self.head) + self.gap + len(self.tail)

    def put(self, col: int, text: str, sgr: str = "") -> int:
        """Write `text` at column `col` (spaces fill up to it), as a terminal overwrites."""
        length, at = len(self), col
        if col > length:
            text, col = " " * (col - length) + text, length
        if sgr:
            self.attrs[at] = (self.attrs.get(at, "") if at >= length else "") + sgr
        end = col + len(text)
        if col < length:  # what was said about the columns overwritten no longer holds
            for key in [k for k in self.attrs if col < k < end]:
                del self.attrs[key]
        if not self.gap:
            self.head = self.head[:col] + text + self.head[end:]
            if len(self.head) > self.limit:
                self._cut()
            return end
        head_len, start = len(self.head), len(self.head) + self.gap
        if col < head_len:
            self.head = self.head[:col] + text[:head_len - col] + self.head[end:]
        if end > start:
            at = max(col, start)
            piece = text[at - col:]
            self.tail = self.tail[:at - start] + piece + self.tail[at - start + len(piece):]
            self._trim()
        return end

    def erase(self, col: int, mode: int) -> None:
        """ESC[K: 0 from the cursor to the end, 1 from the start to the cursor, 2 all."""
        length = len(self)
        if mode == 0 and col < length:
            if col <= len(self.head):
                self.head, self.gap, self.tail = self.head[:col], 0, ""
            elif col <= len(self.head) + self.gap:
                self.gap, self.tail = col - len(self.head), ""
            else:
                self.tail = self.tail[:col - len(self.head) - self.gap]
            self.attrs = {k: v for k, v in self.attrs.items() if k <= col}
        elif mode == 1:
            self.put(0, " " * min(col + 1, length))
        elif mode == 2:
            self.head, self.gap, self.tail, self.attrs = "", 0, "", {}

    def _cut(self) -> None:
        text, keep = self.head, self.limit // 4
        back = self.limit - keep
        self.head, self.tail, self.gap = text[:keep], text[-back:], len(text) - keep - back
        self._merge_gap()

    def _trim(self) -> None:
        over = len(self.tail) - (self.limit - self.limit // 4)
        if over > 0:
            self.tail = self.tail[over:]
            self.gap += over
            self._merge_gap()

    def _merge_gap(self) -> None:
        """Colours set inside what was left out still colour the tail: they move to its start."""
        start = len(self.head) + self.gap
        moved = [k for k in sorted(self.attrs) if len(self.head) <= k < start]
        if moved:
            self.attrs[start] = "".join(self.attrs.pop(k) for k in moved) + self.attrs.get(start, "")

    def render(self) -> str:
        """The line as a terminal shows it, SGR sequences included."""
        marker = f" … [{self.gap} characters left out] … " if self.gap else ""
        if not self.attrs:
            return self.head + marker + self.tail
        start = len(self.head) + self.gap
        return (_with_attrs(self.head, 0, self.attrs, len(self.head) if self.gap else None)
                + marker + (_with_attrs(self.tail, start, self.attrs, None) if self.gap else ""))

    def __str__(self) -> str:
        return self.render()

    def __repr__(self) -> str:
        return f"Line({self.render()!r})"


def _with_attrs(text: str, offset: int, attrs: dict, stop: int | None) -> str:
    out, pos = [], 0
    for key in sorted(k for k in attrs if k >= offset and (stop is None or k < stop)):
        at = key - offset
        if at > len(text):
            break
        out += [text[pos:at], attrs[key]]
        pos = at
    out.append(text[pos:])
    return "".join(out)


class Terminal:
    """Feeds output (bytes or text, in pieces of any size) into `Line` objects.

    `on_line(line)` hears of each line when it begins, so views can show lines in the order
    they began while later writes still change them; `on_commit(line)` when no cursor can
    reach it any more (`rows` lines later), so a log can store its final state.
    """

    def __init__(self, max_line: int = MAX_LINE, rows: int = ROWS, on_line=None, on_commit=None, tag: str = ""):
        self.max_line, self.keep, self.tag = max_line, max(1, rows), tag
        self.on_line, self.on_commit = on_line, on_commit
        self.rows: deque[Line] = deque()
        self.row = 0  # the cursor; row == len(rows) is the line not yet begun below the last
        self.col = 0
        self.count = 0  # lines begun in all
        self._sgr = ""  # colours written and not yet followed by text
        self._pen = ""  # the colours in force since the last reset
        self._held = ""
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")

    @property
    def ended(self) -> bool:
        """The output so far ends with a newline (the cursor is below the last line)."""
        return self.row >= len(self.rows)

    def write(self, data) -> None:
        text = self._decoder.decode(data) if isinstance(data, (bytes, bytearray, memoryview)) else str(data)
        text, self._held = self._held + text, ""
        last = text.rfind("\x1b")
        if last >= 0 and len(text) - last <= _HOLD_AT_MOST and _UNFINISHED.match(text, last):
            text, self._held = text[:last], text[last:]
        pos = 0
        for match in _TOKEN.finditer(text):
            if match.start() > pos:
                self._text(text[pos:match.start()])
            pos = match.end()
            self._control(match)
        if pos < len(text):
            self._text(text[pos:])

    def close(self) -> None:
        """The output ended: what was held is written, every line committed."""
        tail = self._decoder.decode(b"", final=True)
        self._held = ""  # an escape sequence never finished: a terminal would show nothing of it
        if tail:
            self._text(tail)
        self._flush_sgr()
        while self.rows:
            self._commit()

    def lines(self) -> list[Line]:
        """The lines a cursor can still reach, oldest first."""
        return list(self.rows)

    def pending_text(self) -> str:
        """Those lines as text, ended by a newline where the output had one."""
        if not self.rows:
            return ""
        return "\n".join(line.render() for line in self.rows) + ("\n" if self.ended else "")

    # -- internals ------------------------------------------------------------------------
    def _line(self) -> Line:
        while self.row >= len(self.rows):
            line = Line(self.max_line, self.tag)
            self.rows.append(line)
            self.count += 1
            if self.on_line is not None:
                self.on_line(line)
        return self.rows[self.row]

    def _text(self, text: str) -> None:
        line = self._line()
        sgr = self._sgr
        if self.col < len(line):  # overwriting: the pen as it is now, not as the old text had it
            sgr = "\x1b[0m" + self._pen if (line.attrs or self._pen) else ""
        elif not sgr and self._pen and not line.attrs:  # a line erased, then written in colour
            sgr = self._pen
        self.col = line.put(self.col, text, sgr)
        self._sgr = ""

    def _flush_sgr(self) -> None:
        if self._sgr and self.rows:
            line = self.rows[min(self.row, len(self.rows) - 1)]
            line.put(len(line), "", self._sgr)
        self._sgr = ""

    def _newline(self) -> None:
        self._line()  # an empty line is a line
        self._flush_sgr()
        self.row += 1
        self.col = 0
        while len(self.rows) > self.keep:
            self._commit()

    def _commit(self) -> None:
        line = self.rows.popleft()
        line.done = True
        self.row = max(0, self.row - 1)
        if self.on_commit is not None:
            self.on_commit(line)

    def _control(self, match) -> None:
        token = match.group(0)
        if token == "\n":
            self._newline()
        elif token == "\r":
            self.col = 0
        elif token == "\b":
            self.col = max(0, self.col - 1)
        elif token == "\t":
            self._text("\t")
        elif match.group(2) is not None:
            self._csi(match.group(1), match.group(2))

    def _csi(self, params: str, final: str) -> None:
        if final == "m":
            if not params.startswith(("?", "<", "=", ">")):
                self._sgr += f"\x1b[{params}m"
                self._pen = "" if params in ("", "0") else self._pen + f"\x1b[{params}m"
        elif final == "K":
            if self.row < len(self.rows):
                self.rows[self.row].erase(self.col, _number(params, 0) if params else 0)
        elif final in "AF":  # up (F: and to the start)
            self.row = max(0, self.row - _number(params))
            self.col = 0 if final == "F" else self.col
        elif final in "BE":  # down, never past the line below the last
            self.row = max(self.row, min(len(self.rows), self.row + _number(params)))
            self.col = 0 if final == "E" else self.col
        elif final == "C":
            self.col += _number(params)
        elif final == "D":
            self.col = max(0, self.col - _number(params))
        elif final == "G":
            self.col = _number(params) - 1
        elif final == "J" and _number(params, 0) == 0 and self.row < len(self.rows):  # erase below
            self.rows[self.row].erase(self.col, 0)
            for line in list(self.rows)[self.row + 1:]:
                line.erase(0, 2)


def render(text, max_line: int = MAX_LINE) -> str:
    """What a terminal shows for `text`, as one string (lines joined by newlines)."""
    if isinstance(text, str) and len(text) <= max_line and not _CONTROL.search(text):
        return text  # the usual line: nothing to do, and builds print 100,000 of them
    term = Terminal(max_line, rows=1 << 30)
    term.write(text)
    term._flush_sgr()
    return "\n".join(line.render() for line in term.rows) if term.rows else ""
