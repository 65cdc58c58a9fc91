"""Following one container through the engine's `/events`: the status a detached container's
card shows, as typed events (`ContainerStatus`), from the moment it is watched until the
engine removes it -- by the card's own button or by anything else (`%docker_rm -f` in
another cell, `docker rm` in a terminal).  Knows nothing of IPython or widgets.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

# the engine's container actions that change what a card shows (not exec_*, attach, top ...)
STATUS_ACTIONS = {"create", "start", "die", "stop", "kill", "pause", "unpause", "restart", "destroy", "rename", "oom",
                  "health_status"}


@dataclass
class ContainerStatus:
    """Where a container is: `status` as the engine names it (`created`, `running`, `exited`,
    `paused`, `removing` ...) or `removed`; `info` is its inspect data (the last known, once
    removed); `at` the engine's time of the event (epoch seconds), None for the first look."""

    status: str
    exit_code: int | None = None
    at: float | None = None
    info: dict = field(default_factory=dict, repr=False)

    @property
    def removed(self) -> bool:
        return self.status == "removed"


def _status(info: dict, at: float | None = None) -> ContainerStatus:
    state = info.get("State") or {}
    return ContainerStatus(state.get("Status", "?"), state.get("ExitCode"), at, info)


def _event_time(event: dict) -> float:
    if event.get("timeNano"):
        return int(event["timeNano"]) / 1e9
    return float(event.get("time") or time.time())


class ContainerWatch:
    """Iterating yields the container's status now, then after each change the engine reports,
    ending with `removed`.  `close()` (from any thread) ends it early."""

    def __init__(self, engine, container_id: str, info: dict | None = None):
        self.engine = engine
        self.id = container_id
        self.last = _status(info or {})
        self._events = None
        self._closed = threading.Event()

    def __iter__(self):
        api = self.engine.api
        # subscribe first, then look: a change between the two is not missed
        self._events = api.events(filters={"container": [self.id], "type": ["container"]}, decode=True)
        try:
            yield self._look(None)
            if self.last.removed:
                return
            for event in self._events:
                if self._closed.is_set():
                    return
                action = str(event.get("Action") or event.get("status") or "").split(":")[0]
                if action not in STATUS_ACTIONS:
                    continue
                if action == "destroy":
                    self.last = ContainerStatus("removed", self.last.exit_code, _event_time(event), self.last.info)
                    yield self.last
                    return
                yield self._look(_event_time(event))
        except Exception:  # noqa: BLE001 -- closing the stream from another thread ends the read this way
            if not self._closed.is_set():
                raise
        finally:
            self.close()

    def _look(self, at: float | None) -> ContainerStatus:
        import docker

        try:
            self.last = _status(self.engine.api.inspect_container(self.id), at)
        except docker.errors.NotFound:  # removed before its destroy event was read
            self.last = ContainerStatus("removed", self.last.exit_code, at or time.time(), self.last.info)
        return self.last

    def close(self) -> None:
        self._closed.set()
        events = self._events
        if events is not None:
            try:
                events.close()  # unblocks the thread reading the stream
            except Exception:  # noqa: BLE001 -- already closed, or the connection is gone
                pass


def watch(engine, container) -> ContainerWatch:
    """A watch on `container` (a `containers.Container`)."""
    return ContainerWatch(engine, container.id, container.info)
