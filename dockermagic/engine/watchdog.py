"""Noticing that the other end of a stream stopped answering.

Reads of a stream have no timeout, on purpose: a `RUN` step, `logs -f` or `docker events` may
stay quiet for an hour.  But an engine that stops answering (the process frozen, a TCP, TLS or
ssh link gone dead without a reset) leaves such a read waiting for ever, and so does the
engine itself when a registry stops answering during a push or pull: dockerd sets no timeout
on a registry that accepted the connection.

So while a stream is quiet, a `Watchdog` asks the engine on another connection whether it is
still there (`/_ping`, answered within `ANSWER` seconds); if it does not answer -- or, where a
bound is given, the stream has made no progress for that long although the engine answers --
it cuts the stream's socket, which ends the blocked read at once, and the reader raises one
line saying what stopped answering.  Ctrl-C needs none of this: it interrupts the read itself.
"""

from __future__ import annotations

import os
import threading
import time

from ..errors import DockerMagicError
from . import adapter

#: seconds a stream may stay silent before the engine is asked whether it is still there
QUIET = float(os.environ.get("DOCKERMAGIC_QUIET_SECONDS", "10"))
#: seconds the engine has to answer that question
ANSWER = float(os.environ.get("DOCKERMAGIC_CONNECT_TIMEOUT", "5"))


class Watchdog:
    """One stream's watch: `follow(sock, items)` yields the items, and raises `error(verdict)`
    when the engine (or, past `stall` seconds without progress, what it waits for) stopped
    answering.  `where` names the engine; `stalled(seconds)` says what a stall means."""

    def __init__(self, api, where: str, error=None, stall: float | None = None, stalled=None):
        from ..errors import EngineUnreachable

        self.api, self.where = api, where
        self.error = error or EngineUnreachable
        self.stall, self.stalled = stall, stalled
        self.verdict: str | None = None
        self._last = time.monotonic()
        self._done = threading.Event()
        self._sock = None

    def follow(self, sock, items):
        self._sock, self._last = sock, time.monotonic()
        thread = threading.Thread(target=self._watch, name="dockermagic-watchdog", daemon=True)
        thread.start()
        try:
            for item in items:
                self._last = time.monotonic()
                yield item
                if self.verdict:
                    break
        except DockerMagicError:
            raise
        except Exception as exc:  # noqa: BLE001 -- the read failed, whichever layer raised: the connection broke under it
            if self.verdict:
                raise self.error(self.verdict) from None
            raise self.error(f"{self.where} stopped answering: the connection closed in the middle of the "
                             f"stream ({adapter.explanation(exc)})") from None
        finally:
            self._done.set()
        if self.verdict:
            raise self.error(self.verdict)

    def _watch(self) -> None:
        while not self._done.wait(min(QUIET, self.stall or QUIET) / 2):
            silent = time.monotonic() - self._last
            if silent < QUIET and (self.stall is None or silent < self.stall):
                continue
            if not adapter.ping(self.api, ANSWER) and not adapter.ping(self.api, ANSWER):  # twice: a busy engine is no dead one
                if self._done.is_set():
                    return
                self._cut(f"{self.where} stopped answering: no answer to two pings of {ANSWER:g} s after "
                          f"{silent:.0f} s without a word on the stream")
                return
            if self.stall is not None and silent >= self.stall and not self._done.is_set():
                self._cut(self.stalled(silent) if self.stalled else f"no progress for {silent:.0f} s")
                return

    def _cut(self, verdict: str) -> None:
        self.verdict = verdict
        adapter.cut(self._sock)
