"""The engine's event stream, as `docker events` shows it: `--since` / `--until` read as the CLI
reads them, each record an `EngineEvent` (the CLI's line and `--format` fields), an `EventLog` of
what came and why it stopped.  Knows nothing of IPython."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

from ..errors import InvalidInput

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}


def parse_time(value: str, option: str, now: float | None = None) -> str:
    """`--since` / `--until` as the CLI reads them -- a Go duration before now (`10m`, `1h30m`),
    an RFC 3339 date or a date, or a Unix timestamp -- as the Unix timestamp the engine takes."""
    now = time.time() if now is None else now
    text = value.strip()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return text
    if _DURATION.fullmatch(text) or re.fullmatch(f"(?:{_DURATION.pattern})+", text):
        seconds = sum(float(n) * _UNITS[u] for n, u in _DURATION.findall(text))
        return f"{now - seconds:.9f}"
    for fmt in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d"):
        try:
            moment = datetime.strptime(re.sub(r"(\.\d{6})\d+", r"\1", text.replace("Z", "+0000")), fmt)
        except ValueError:
            continue
        if moment.tzinfo is None:
            moment = moment.astimezone()  # a date without a zone is local time, as for the CLI
        return f"{moment.timestamp():.9f}"
    raise InvalidInput(f"{option} {value!r}: expected a duration (10m, 1h30m), a date (2026-01-31, "
                       "2026-01-31T15:04:05Z) or a Unix timestamp")


@dataclass
class EngineEvent:
    """One record of the engine's event stream; fields as `docker events --format` sees them."""

    Type: str
    Action: str
    Actor: dict
    time_nano: int
    raw: dict = field(default_factory=dict, repr=False)

    @property
    def ID(self) -> str:  # noqa: N802 -- the CLI's template fields
        return self.Actor.get("ID", "")

    @property
    def Time(self) -> int:  # noqa: N802
        return self.time_nano // 1_000_000_000

    @property
    def TimeNano(self) -> int:  # noqa: N802
        return self.time_nano

    @property
    def Status(self) -> str:  # noqa: N802
        return self.raw.get("status", "")

    @property
    def From(self) -> str:  # noqa: N802
        return self.raw.get("from", "")

    @property
    def Scope(self) -> str:  # noqa: N802
        return self.raw.get("scope", "")

    def fields(self) -> dict:
        return self.raw

    @property
    def when(self) -> str:
        """RFC 3339 with nine digits, in local time, as the CLI prints it."""
        moment = datetime.fromtimestamp(self.time_nano // 1_000_000_000, tz=timezone.utc).astimezone()
        zone = moment.strftime("%z")
        zone = "Z" if zone == "+0000" else f"{zone[:3]}:{zone[3:]}"
        return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{self.time_nano % 1_000_000_000:09d}{zone}"

    def line(self) -> str:
        """The CLI's line for this event."""
        attrs = self.Actor.get("Attributes") or {}
        tail = f" ({', '.join(f'{k}={attrs[k]}' for k in sorted(attrs))})" if attrs else ""
        return f"{self.when} {self.Type} {self.Action} {self.ID}{tail}"


@dataclass
class EventLog:
    """What `docker events` showed: the events (the last `limit` of them when more came), and why
    it stopped ("until", "interrupted")."""

    events: list[EngineEvent]
    seen: int = 0
    stopped: str = ""
    label: str = ""

    def __repr__(self) -> str:
        why = {"until": "reached --until", "interrupted": "interrupted", "": "running"}.get(self.stopped, self.stopped)
        kept = f", the last {len(self.events)} kept" if self.seen > len(self.events) else ""
        return f"EventLog({self.seen} events{kept}; {why})"


def events(engine, since: str | None = None, until: str | None = None, filters: dict | None = None):
    """The engine's events as `EngineEvent`s, from `since`, ending at `until` (the engine closes
    the stream then); without `until` it goes on until the consumer stops (Ctrl-C), which closes
    the connection."""
    import json

    from ..engine.adapter import records
    from ..engine.watchdog import Watchdog

    params = {"since": since, "until": until, "filters": json.dumps(filters) if filters else None}
    params = {k: v for k, v in params.items() if v is not None}
    watch = Watchdog(engine.api, f"the engine at {engine.address}")
    for rec in records(engine.api, "GET", "/events", params=params, watch=watch):
        nano = int(rec.get("timeNano") or int(rec.get("time", 0)) * 1_000_000_000)
        yield EngineEvent(rec.get("Type", ""), rec.get("Action", rec.get("status", "")), rec.get("Actor") or {}, nano, rec)


def logged(stream, log: EventLog, limit: int = 400):
    """The events of `stream`, each also kept on `log` (the last `limit`), and on `log.stopped`
    why the stream ended: the engine reached `--until`, or the user interrupted."""
    try:
        for event in stream:
            log.events.append(event)
            if len(log.events) > limit:
                del log.events[0]
            log.seen += 1
            yield event
        log.stopped = "until"
    except (KeyboardInterrupt, GeneratorExit):
        log.stopped = "interrupted"
        raise
