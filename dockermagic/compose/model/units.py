"""Durations and byte sizes as compose-go stores them and Go prints them (`1m30s`, `"52428800"`)."""

from __future__ import annotations

import re

from ...errors import ComposeFileError

_DURATION = re.compile(r"([0-9]*\.?[0-9]+)(ns|us|µs|ms|s|m|h)")
_NANOS = {"ns": 1, "us": 1000, "µs": 1000, "ms": 10**6, "s": 10**9, "m": 60 * 10**9, "h": 3600 * 10**9}


def nanoseconds(value, where: str) -> int:
    if isinstance(value, bool):
        raise ComposeFileError(f"{where} must be a duration")
    if isinstance(value, (int, float)):
        return int(value * 10**9)
    text = str(value).strip()
    sign = -1 if text.startswith("-") else 1
    text = text.lstrip("+-")
    if text == "0":
        return 0
    pos, total = 0, 0
    for match in _DURATION.finditer(text):
        if match.start() != pos:
            break
        total += int(float(match.group(1)) * _NANOS[match.group(2)])
        pos = match.end()
    if pos != len(text) or not text:
        raise ComposeFileError(f"{where}: invalid duration {value!r}")
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


_BYTES = re.compile(r"^([0-9]*\.?[0-9]+)\s*([kmgtp]?)i?b?$", re.IGNORECASE)


def byte_count(value, where: str) -> int:
    """docker/go-units' RAMInBytes: 1024-based, `50M`, `1gb`, `512k`, plain numbers."""
    if isinstance(value, bool):
        raise ComposeFileError(f"{where} must be a byte size")
    if isinstance(value, (int, float)):
        return int(value)
    match = _BYTES.match(str(value).strip())
    if not match:
        raise ComposeFileError(f"{where}: invalid size: {value!r}")
    number, unit = match.groups()
    return int(float(number) * 1024 ** "bkmgtp".index(unit.lower() or "b"))
