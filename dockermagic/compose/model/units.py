"""Durations and byte sizes as compose-go stores them and Go prints them (`1m30s`, `"52428800"`)."""

from __future__ import annotations

import re

from ...errors import ComposeFileError

_NANOS = {"ns": 1, "us": 1000, "µs": 1000, "ms": 10**6, "s": 10**9, "m": 60 * 10**9, "h": 3600 * 10**9}


def _fail(where: str, problem: str) -> ComposeFileError:
    return ComposeFileError(f"{where}: {problem}" if where else problem)


def nanoseconds(value, where: str) -> int:
    """Go's `time.ParseDuration` (a number is seconds, as compose-go reads one), with Go's messages."""
    if isinstance(value, bool):
        raise _fail(where, "must be a duration")
    if isinstance(value, (int, float)):
        return int(value * 10**9)
    original = str(value)
    text = original
    sign = -1 if text.startswith("-") else 1
    text = text[1:] if text[:1] in "+-" else text
    if text == "0":
        return 0
    pos, total = 0, 0
    while pos < len(text):
        number = re.match(r"[0-9]*\.?[0-9]*", text[pos:]).group()
        if number in ("", "."):
            raise _fail(where, f'time: invalid duration "{original}"')
        pos += len(number)
        unit = re.match(r"[^0-9.]*", text[pos:]).group()
        if not unit:
            raise _fail(where, f'time: missing unit in duration "{original}"')
        if unit not in _NANOS:
            raise _fail(where, f'time: unknown unit "{unit}" in duration "{original}"')
        pos += len(unit)
        total += int(float(number) * _NANOS[unit])
    if not text:
        raise _fail(where, f'time: invalid duration "{original}"')
    return sign * total


def go_duration(nanos: int) -> str:
    """Go's `time.Duration.String()`."""
    if nanos == 0:
        return "0s"
    sign = "-" if nanos < 0 else ""
    nanos = abs(nanos)
    if nanos < 10**9:
        for unit, size in (("ms", 10**6), ("µs", 1000), ("ns", 1)):
            if nanos >= size:
                return sign + _trim(nanos / size) + unit
    hours, rest = divmod(nanos, 3600 * 10**9)
    minutes, rest = divmod(rest, 60 * 10**9)
    seconds = _trim(rest / 10**9) + "s"
    if hours:
        return f"{sign}{hours}h{minutes}m{seconds}"
    if minutes:
        return f"{sign}{minutes}m{seconds}"
    return sign + seconds


def _trim(number: float) -> str:
    text = f"{number:.9f}".rstrip("0").rstrip(".")
    return text or "0"


def duration(value, where: str) -> str:
    return go_duration(nanoseconds(value, where))


def byte_count(value, where: str) -> int:
    """docker/go-units' RAMInBytes (1024-based: `50M`, `1gb`, `512k`, `1.5GiB`, plain numbers), with its messages."""
    if isinstance(value, bool):
        raise _fail(where, "must be a byte size")
    if isinstance(value, (int, float)):
        return int(value)
    text = str(value)
    sep = max(text.rfind(c) for c in "0123456789. ")
    if sep < 0:
        raise _fail(where, f"invalid size: '{text}'")
    number, suffix = (text[:sep + 1], text[sep + 1:]) if text[sep] != " " else (text[:sep], text[sep + 1:])
    try:
        size = float(number) if re.fullmatch(r"[0-9]*\.?[0-9]*(?:[eE][+-]?[0-9]+)?", number) else float("x")
    except ValueError:
        raise _fail(where, f'strconv.ParseFloat: parsing "{number}": invalid syntax') from None
    low = suffix.lower()
    if not low or low == "b":
        return int(size)
    if len(low) > 3 or low[0] not in "kmgtp" or (len(low) == 2 and low[1] != "b") or (len(low) == 3 and low[1:] != "ib"):
        raise _fail(where, f"invalid suffix: '{low}'")
    return int(size * 1024 ** ("_kmgtp".index(low[0])))
