"""Numbers the way the docker CLI prints them: sizes, durations, ages and short ids."""

from __future__ import annotations

import time
from datetime import datetime, timezone


def size(n: float | None, precision: int = 3) -> str:
    """Decimal units like `docker images`: 0B, 999B, 4.27kB, 1.24MB, 2.1GB (`docker system df`
    prints four digits: precision=4)."""
    if n is None or n < 0:
        return "?"
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if n < 1000 or unit == "TB":
            return f"{n:.0f}{unit}" if unit == "B" else f"{n:.{precision}g}{unit}"
        n /= 1000
    return f"{n}TB"  # pragma: no cover


def duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 10:
        return f"{seconds:.1f}s"
    if seconds < 60:
        return f"{seconds:.0f}s"
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}m{secs:02d}s"


def short_id(image_id: str | None, length: int = 12) -> str:
    if not image_id:
        return ""
    return image_id.split(":", 1)[-1][:length]


def to_epoch(created) -> float | None:
    """Seconds since the epoch from an int or an RFC 3339 string (Docker's or Podman's)."""
    if created is None or created == "":
        return None
    if isinstance(created, (int, float)):
        return float(created)
    text = str(created)
    if "." in text:  # nanoseconds: more digits than fromisoformat takes
        head, _, tail = text.partition(".")
        digits = "".join(c for c in tail if c.isdigit())
        text = f"{head}.{digits[:6]}{tail[len(digits):]}"
    text = text.replace("Z", "+00:00")
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        return None


def ago(created, now: float | None = None) -> str:
    """`docker images`' CREATED column: "3 seconds ago", "2 hours ago", "5 weeks ago"."""
    epoch = to_epoch(created)
    if epoch is None:
        return "N/A"
    delta = max(0.0, (now or time.time()) - epoch)
    if delta < 1:
        return "Less than a second ago"
    for limit, unit, div in (
        (60, "second", 1), (3600, "minute", 60), (86400, "hour", 3600),
        (86400 * 14, "day", 86400), (86400 * 60, "week", 86400 * 7),
        (86400 * 365 * 2, "month", 86400 * 30), (float("inf"), "year", 86400 * 365),
    ):
        if delta < limit:
            n = int(delta // div)
            if unit == "hour" and n == 1:
                return "About an hour ago"
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "N/A"  # pragma: no cover


def human_duration(seconds: float) -> str:
    """go-units' HumanDuration, lower-cased as `node ps` / `service ps` print it (`about a minute`)."""
    s = int(seconds)
    if seconds < 1:
        return "less than a second"
    if s == 1:
        return "1 second"
    if s < 60:
        return f"{s} seconds"
    minutes = int(seconds / 60)
    if minutes == 1:
        return "about a minute"
    if minutes < 60:
        return f"{minutes} minutes"
    hours = int(round(seconds / 3600))
    if hours == 1:
        return "about an hour"
    if hours < 48:
        return f"{hours} hours"
    if hours < 24 * 7 * 2:
        return f"{hours // 24} days"
    if hours < 24 * 30 * 2:
        return f"{hours // 24 // 7} weeks"
    if hours < 24 * 365 * 2:
        return f"{hours // 24 // 30} months"
    return f"{int(hours / 24 / 365)} years"


def timestamp(created) -> str:
    epoch = to_epoch(created)
    if epoch is None:
        return ""
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
