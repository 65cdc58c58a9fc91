"""Terminal output made safe for a page: ANSI colours become styled spans, every other
control sequence is dropped, `\\r` overwrites the line as a terminal would, and all text is
HTML-escaped.  The same functions give the plain-text form without escapes."""

from __future__ import annotations

import re
from html import escape

# CSI sequences (colours, cursor moves, erase), OSC sequences (titles, hyperlinks) and lone ESCs
_CSI = re.compile(r"\x1b\[([0-9;?]*)([@-~])")
_OSC = re.compile(r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")
_OTHER_ESC = re.compile(r"\x1b[@-Z\\-_]?")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0d\x0e-\x1a\x1c-\x1f\x7f]")  # ESC apart: SGR stays
_SURROGATE = re.compile("[\ud800-\udfff]")

_COLOURS = ["#3b3b3b", "#cd3131", "#0dbc79", "#b58900", "#2472c8", "#bc3fbc", "#11a8cd", "#8a8a8a"]
_BRIGHT = ["#666666", "#f14c4c", "#23d18b", "#d7a300", "#3b8eea", "#d670d6", "#29b8db", "#b0b0b0"]


def _overwrite(line: str) -> str:
    """What a terminal shows for a line with carriage returns: the last segment written."""
    if "\r" not in line:
        return line
    parts = [p for p in line.split("\r")]
    shown = ""
    for part in parts:
        shown = part + shown[len(part):]
    return shown


def valid(text: str) -> str:
    """`text` as UTF-8 can carry it: a byte that was no UTF-8 (a file name's, kept by
    `surrogateescape`) becomes U+FFFD, so a notebook with it still saves."""
    return _SURROGATE.sub("\ufffd", text) if _SURROGATE.search(text) else text


def printable(text: str) -> str:
    """Text for a terminal or a notebook's text/plain: SGR colours kept, every other escape
    sequence (a title, a screen clear, a cursor move a label or a template brought) and control
    character dropped, bytes that were no UTF-8 as U+FFFD."""
    text = _OSC.sub("", valid(text))
    text = _CSI.sub(lambda m: m.group(0) if m.group(2) == "m" else "", text)
    return _CONTROL_TEXT.sub("", _OTHER_ESC.sub(lambda m: m.group(0) if m.group(0) == "\x1b[" else "", text))


def strip(text: str) -> str:
    """Plain text: escape sequences removed, carriage returns applied."""
    text = _OSC.sub("", valid(text))
    text = _CSI.sub("", text)
    text = _OTHER_ESC.sub("", text)
    lines = [_overwrite(line) for line in text.split("\n")]
    return _CONTROL.sub("", "\n".join(lines))


def to_html(text: str) -> str:
    """HTML for terminal text: escaped, SGR colours as `<span style>`, other sequences dropped."""
    text = _OSC.sub("", valid(text))
    lines = []
    for line in text.split("\n"):
        lines.append(_overwrite(line))
    text = "\n".join(lines)
    out: list[str] = []
    style: dict[str, str] = {}
    open_span = False
    pos = 0
    for match in _CSI.finditer(text):
        out.append(_escape_plain(text[pos:match.start()]))
        pos = match.end()
        if match.group(2) != "m":
            continue  # cursor movement, erase, ...: meaningless in a page
        style = _apply_sgr(style, match.group(1))
        if open_span:
            out.append("</span>")
            open_span = False
        if style:
            out.append('<span style="%s">' % ";".join(f"{k}:{v}" for k, v in style.items()))
            open_span = True
    out.append(_escape_plain(text[pos:]))
    if open_span:
        out.append("</span>")
    return "".join(out)


def _escape_plain(chunk: str) -> str:
    chunk = _OTHER_ESC.sub("", chunk)
    return escape(_CONTROL.sub("", chunk), quote=False)


def _apply_sgr(style: dict[str, str], params: str) -> dict[str, str]:
    style = dict(style)
    codes = [int(c) if c.isdigit() else 0 for c in params.split(";")] if params else [0]
    i = 0
    while i < len(codes):
        code = codes[i]
        if code == 0:
            style = {}
        elif code == 1:
            style["font-weight"] = "bold"
        elif code == 2:
            style["opacity"] = ".7"
        elif code == 3:
            style["font-style"] = "italic"
        elif code == 4:
            style["text-decoration"] = "underline"
        elif code == 22:
            style.pop("font-weight", None)
            style.pop("opacity", None)
        elif 30 <= code <= 37:
            style["color"] = _COLOURS[code - 30]
        elif 90 <= code <= 97:
            style["color"] = _BRIGHT[code - 90]
        elif 40 <= code <= 47:
            style["background-color"] = _COLOURS[code - 40]
        elif 100 <= code <= 107:
            style["background-color"] = _BRIGHT[code - 100]
        elif code == 39:
            style.pop("color", None)
        elif code == 49:
            style.pop("background-color", None)
        elif code in (38, 48) and i + 1 < len(codes):
            key = "color" if code == 38 else "background-color"
            if codes[i + 1] == 5 and i + 2 < len(codes):
                style[key] = _xterm256(codes[i + 2])
                i += 2
            elif codes[i + 1] == 2 and i + 4 < len(codes):
                r, g, b = (max(0, min(255, c)) for c in codes[i + 2:i + 5])
                style[key] = f"rgb({r},{g},{b})"
                i += 4
        i += 1
    return style


def _xterm256(n: int) -> str:
    n = max(0, min(255, n))
    if n < 8:
        return _COLOURS[n]
    if n < 16:
        return _BRIGHT[n - 8]
    if n < 232:
        n -= 16
        levels = [0, 95, 135, 175, 215, 255]
        return f"rgb({levels[n // 36]},{levels[(n // 6) % 6]},{levels[n % 6]})"
    grey = 8 + (n - 232) * 10
    return f"rgb({grey},{grey},{grey})"
