"""Dotenv files as compose-go's `dotenv` package reads them: `.env`, `--env-file` and a
service's `env_file:`.

A line is `KEY=VALUE` (or `export KEY=VALUE`, or `KEY: VALUE`); `#` starts a comment line, and
an inline comment in an unquoted value when a space precedes it.  Single quotes are literal;
double quotes take `\\n`-style escapes, may span lines and, like unquoted values, substitute
variables (those defined above in the file first, then the lookup).  A bare `KEY` takes its
value from the lookup, or is left out.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from ...errors import ComposeFileError
from .interpolation import substitute

_KEY = re.compile(r"\s*(?:export\s+)?([^=:\s#]+)\s*([=:]?)")
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\", '"': '"', "$": "$$", "'": "'"}


def read(path: str, lookup: Mapping[str, str] | None = None, required: bool = True,
         contents: Mapping[str, str] | None = None) -> dict[str, str]:
    """The variables `path` defines; a missing file is refused as v2 does unless not `required`."""
    if contents and path in contents:
        return parse(contents[path], lookup)
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        if not required:
            return {}
        raise ComposeFileError(f"env file {path} not found: stat {path}: no such file or directory") from None
    except IsADirectoryError:
        raise ComposeFileError(f"env file {path} is a directory") from None
    return parse(text, lookup)


def parse(text: str, lookup: Mapping[str, str] | None = None) -> dict[str, str]:
    lookup = lookup if lookup is not None else os.environ
    values: dict[str, str] = {}
    scope = _Scope(values, lookup)
    pos, length = 0, len(text)
    while pos < length:
        end = text.find("\n", pos)
        end = length if end < 0 else end
        line = text[pos:end]
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            pos = end + 1
            continue
        match = _KEY.match(line)
        if not match:
            raise ComposeFileError(f"unexpected character in env file line {line!r}")
        key, separator = match.groups()
        if not separator:
            if key in lookup:
                values[key] = lookup[key]
            pos = end + 1
            continue
        start = pos + match.end()
        while start < length and text[start] in " \t":
            start += 1
        value, pos = _value(text, start, scope)
        values[key] = value
    return values


class _Scope(Mapping):
    """The file's own variables first, then the lookup."""

    def __init__(self, values, lookup):
        self.values, self.lookup = values, lookup

    def __getitem__(self, key):
        if key in self.values:
            return self.values[key]
        return self.lookup[key]

    def __iter__(self):
        return iter({**dict(self.lookup), **self.values})

    def __len__(self):
        return len({**dict(self.lookup), **self.values})


def _value(text: str, start: int, scope) -> tuple[str, int]:
    """The value starting at `start`, and where the next line begins."""
    quote = text[start] if start < len(text) else ""
    if quote in ("'", '"'):
        pos = start + 1
        chunk = []
        while pos < len(text) and text[pos] != quote:
            if quote == '"' and text[pos] == "\\" and pos + 1 < len(text):
                chunk.append(_ESCAPES.get(text[pos + 1], "\\" + text[pos + 1]))
                pos += 2
                continue
            chunk.append("$$" if quote == "'" and text[pos] == "$" else text[pos])
            pos += 1
        if pos >= len(text):
            raise ComposeFileError(f"unterminated quoted value in env file: {text[start:start + 40]!r}")
        end = text.find("\n", pos)
        next_line = len(text) if end < 0 else end + 1
        raw = "".join(chunk)
        return (substitute(raw, scope, "env file") if quote == '"' else raw.replace("$$", "$")), next_line
    end = text.find("\n", start)
    end = len(text) if end < 0 else end
    raw = text[start:end]
    comment = re.search(r"\s#", raw)
    if comment:
        raw = raw[:comment.start()]
    raw = raw.strip()
    return substitute(raw, scope, "env file"), end + 1
