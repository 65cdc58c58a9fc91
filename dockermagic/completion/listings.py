"""The engine's objects for completion, asked in the background and kept a few seconds.

Tab must never wait on an engine: a listing is fetched on a thread of its own, and `rows()`
waits for it at most `WAIT` seconds after it started (so only the first Tab on a slow engine
waits at all).  An engine that answers (a listing takes a few ms on a
local socket) gives its answer at once; a slow or gone one leaves the menu with what is known
(the last listing, or nothing) and no error -- the fetch finishes, or fails, on its own, and
its result (also "nothing, the engine did not answer") is kept `TTL` seconds, so the next Tab
is quick either way.  At most one fetch per engine and kind runs at a time."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass

from ..engine import adapter
from .candidates import Candidate
from .objects import PLATFORMS

TTL = 5.0      # seconds a listing is kept
WAIT = 0.08    # seconds a Tab waits for a listing being fetched (an answering engine: about 8 ms)
TIMEOUT = 3.0  # seconds a fetch may take (connecting, then the request) before it gives up

#: engine kind -> (path, params) asked of the engine
_REQUESTS = {
    "containers": ("/containers/json", {"all": 1}),
    "images": ("/images/json", {}),
    "networks": ("/networks", {}),
    "volumes": ("/volumes", {}),
    "nodes": ("/nodes", {}),
    "services": ("/services", {}),
}


@dataclass
class _Entry:
    at: float = 0.0
    rows: list | None = None
    fetching: threading.Thread | None = None
    since: float = 0.0  # when the fetch running now started


class Listings:
    """Cached engine listings, keyed by (engine address or context, kind)."""

    def __init__(self, connect=None):
        self._connect = connect or _connect
        self._entries: dict[tuple, _Entry] = {}
        self._lock = threading.Lock()

    def rows(self, kind: str, host: str | None = None, context: str | None = None, wait: float = WAIT) -> list:
        """The engine's raw rows of `kind` (`/containers/json` ... records): fresh, cached, or []."""
        key = (host, context, kind)
        with self._lock:
            entry = self._entries.setdefault(key, _Entry())
            fresh = entry.rows is not None and time.monotonic() - entry.at < TTL
            if fresh:
                return entry.rows
            thread = entry.fetching
            if thread is None:
                thread = threading.Thread(target=self._fetch, args=(key, entry), name="dm-complete", daemon=True)
                entry.fetching, entry.since = thread, time.monotonic()
                thread.start()
            # a fetch an earlier Tab already waited for is a slow engine's: no Tab waits on it again
            wait = max(0.0, min(wait, entry.since + wait - time.monotonic()))
        thread.join(wait)
        with self._lock:
            return entry.rows or []

    def _fetch(self, key: tuple, entry: _Entry) -> None:
        host, context, kind = key
        try:
            engine = self._connect(host, context)
            path, params = _REQUESTS[kind]
            found = adapter.call(engine.api, "GET", path, params=params, timeout=TIMEOUT)
            rows = (found or {}).get("Volumes") if kind == "volumes" else found
            rows = list(rows or [])
        except Exception:  # noqa: BLE001 -- a completion never shows an error: no answer is no candidates
            rows = None
        with self._lock:
            if rows is not None or entry.rows is None:
                entry.rows = rows if rows is not None else []
            entry.at = time.monotonic()
            entry.fetching = None

    def forget(self) -> None:
        with self._lock:
            self._entries.clear()

    # -- candidates of each kind ------------------------------------------------------------
    def candidates(self, kind: str, host: str | None = None, context: str | None = None,
                   network: str | None = None) -> list[Candidate]:
        """The candidates of an engine kind (`images`, `containers:running`, `nodes` ...)."""
        base, _, which = kind.partition(":")
        if base == "containers":
            rows = self.rows("containers", host, context)
            return [Candidate(name, f"{row.get('State', '')} container")
                    for row in rows if _container_wanted(row, which, network) for name in _names(row)]
        if base == "images":
            return [Candidate(tag, "image") for row in self.rows("images", host, context)
                    for tag in row.get("RepoTags") or [] if tag != "<none>:<none>"]
        if base == "networks":
            return [Candidate(row["Name"], f"{row.get('Driver', '')} network") for row in self.rows("networks", host, context)]
        if base == "volumes":
            return [Candidate(row["Name"], "volume") for row in self.rows("volumes", host, context)]
        if base == "nodes":
            rows = self.rows("nodes", host, context)
            names = [Candidate(row.get("Description", {}).get("Hostname", row.get("ID", "")), "node") for row in rows]
            return names + ([Candidate("self", "this node")] if rows else [])
        if base in ("services", "services="):
            suffix = "=" if base == "services=" else ""
            return [Candidate(row["Spec"]["Name"] + suffix, "service") for row in self.rows("services", host, context)]
        if base == "stacks":
            stacks = {((row.get("Spec") or {}).get("Labels") or {}).get("com.docker.stack.namespace")
                      for row in self.rows("services", host, context)}
            return [Candidate(name, "stack") for name in sorted(s for s in stacks if s)]
        if base == "contexts":
            return _contexts()
        if base == "platforms":
            return [Candidate(p, "platform") for p in PLATFORMS]
        return []


def _connect(host, context):
    from ..engine.connection import connect

    return connect(host, context=context, timeout=TIMEOUT)


def _names(row: dict) -> list[str]:
    return [name.lstrip("/") for name in row.get("Names") or [] if "/" not in name.lstrip("/")]


def _container_wanted(row: dict, which: str, network: str | None) -> bool:
    state = row.get("State", "")
    if which == "running":
        return state in ("running", "paused", "restarting")
    if which == "unpaused":
        return state in ("running", "restarting")
    if which == "paused":
        return state == "paused"
    if which == "stopped":
        return state in ("created", "exited")
    if which == "removable":
        return state in ("created", "exited", "dead")
    if which in ("on-network", "not-on-network"):
        on = network in ((row.get("NetworkSettings") or {}).get("Networks") or {})
        return on if which == "on-network" else not on
    return True


def _contexts() -> list[Candidate]:
    from ..engine import contexts

    try:
        current = os.environ.get("DOCKER_CONTEXT") or contexts.current_name()
        return [Candidate(name, "current context" if name == current else "context")
                for name in [contexts.DEFAULT, *contexts.names()]]
    except Exception:  # noqa: BLE001 -- an unreadable context store offers nothing
        return []


#: the listings every completion of this kernel shares
LISTINGS = Listings()
