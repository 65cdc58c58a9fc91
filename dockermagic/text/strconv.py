"""Strings quoted as Go's strconv quotes them: `go_quote` (strconv.Quote, as BuildKit's parser
dump and the templates' `printf "%q"` print), and `shown` (the same escapes without the quotes,
so an error message quoting a template or a Dockerfile word stays one line)."""

from __future__ import annotations


def _escape(ch: str) -> str:
    if ch in "\a\b\f\n\r\t\v":
        return "\\" + "abfnrtv"["\a\b\f\n\r\t\v".index(ch)]
    if ord(ch) < 0x20 or ord(ch) == 0x7F:
        return f"\\x{ord(ch):02x}"
    if not ch.isprintable() and ch != " ":
        return f"\\u{ord(ch):04x}" if ord(ch) <= 0xFFFF else f"\\U{ord(ch):08x}"
    return ch


def go_quote(text: str) -> str:
    """strconv.Quote."""
    return '"' + "".join("\\" + ch if ch in '"\\' else _escape(ch) for ch in text) + '"'


def shown(text: str) -> str:
    """`text` for an error message: what strconv.Quote escapes (newlines, controls, line
    separators) escaped as it does, quotes and backslashes left as typed, so a message quoting a
    template stays one line and still reads as the template."""
    return "".join(_escape(ch) for ch in text)
