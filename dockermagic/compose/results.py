"""What Compose's operations give back and stream, as plain data (the views render them).

An operation (`up`, `down`, `start` ...) is a generator of `StackEvent`s (and `LogLine`s for
the attached logs) that keeps a `ComposeProject` up to date as it goes: the live stack view
reads the events, the saved notebook shows the final `ComposeProject`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

#: v2's words for where a resource is (its progress lines: "Container demo-web-1  Started")
STATES = ("Pulling", "Pulled", "Building", "Built", "Creating", "Created", "Recreate", "Recreated",
          "Starting", "Started", "Waiting", "Healthy", "Running", "Exited", "Stopping", "Stopped",
          "Killing", "Killed", "Pausing", "Paused", "Unpausing", "Unpaused", "Restarting", "Restarted",
          "Removing", "Removed", "Error", "Warning")
#: the states that end a step of work (the row's clock stops)
DONE = {"Pulled", "Built", "Created", "Recreated", "Started", "Healthy", "Running", "Exited", "Stopped",
        "Killed", "Paused", "Unpaused", "Restarted", "Removed", "Error", "Warning"}


@dataclass
class StackEvent:
    """One resource changed state: `kind` is container, network, volume or image."""

    kind: str
    name: str
    state: str
    service: str | None = None
    text: str = ""          # an error's one line, a health log's tail, "exited (3)" ...


@dataclass
class LogLine:
    """A line a service's container printed (attached `up`, `logs`)."""

    service: str
    container: str
    text: str
    stream: str = "stdout"
    timestamp: str | None = None   # RFC 3339, with `-t`


@dataclass
class ResourceRow:
    """One row of the stack view: a resource and where it is, with how long the work took."""

    kind: str
    name: str
    state: str
    service: str | None = None
    text: str = ""
    began: float = field(default_factory=time.monotonic)
    ended: float | None = None

    @property
    def seconds(self) -> float:
        return (self.ended if self.ended is not None else time.monotonic()) - self.began


@dataclass
class ComposeContainer:
    """A container of the project, as `docker compose ps` lists it."""

    name: str
    id: str
    service: str
    number: int
    image: str
    command: str
    state: str                 # running, exited, created, paused, restarting ...
    status: str                # the engine's "Up 3 seconds (healthy)"
    created: float             # epoch seconds
    health: str = ""           # healthy, unhealthy, starting or ""
    exit_code: int = 0
    oneoff: bool = False
    #: [{"URL": "0.0.0.0", "TargetPort": 80, "PublishedPort": 8080, "Protocol": "tcp"}], as `ps --format json`
    publishers: list[dict] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)


@dataclass
class ComposeProject:
    """A project on an engine: its model and what exists of it; what every Compose command returns
    unless it prints text (`config`, `ps -q`, `port` ...)."""

    name: str
    working_dir: str = ""
    model: dict = field(default_factory=dict)     # canonical model (empty when only the engine was read)
    action: str = "ps"                            # up, down, ps, config, start, stop ...
    containers: list[ComposeContainer] = field(default_factory=list)
    networks: list[str] = field(default_factory=list)   # engine names: demo_default
    volumes: list[str] = field(default_factory=list)    # engine names: demo_data
    rows: list[ResourceRow] = field(default_factory=list)  # the last operation's progress, in order
    logs: list[LogLine] = field(default_factory=list)      # attached `up`, `logs` (bounded by the view)
    exit_code: int | None = None                  # `up --exit-code-from`, `run`, `wait`
    source: str = ""                              # `config`: the YAML v2 prints; `%%compose`: the file written
    engine: str = ""                              # the engine's label
    note: str = ""                                # what v2 prints beside the rows ("No stopped containers")

    def apply(self, event: StackEvent) -> ResourceRow:
        """The row `event` moves (made when new), updated in place."""
        for row in self.rows:
            if row.kind == event.kind and row.name == event.name:
                break
        else:
            row = ResourceRow(event.kind, event.name, event.state, event.service)
            self.rows.append(row)
        if row.ended is not None and event.state not in DONE:
            row.began, row.ended = time.monotonic(), None  # a new step of work on the same resource
        row.state, row.text = event.state, event.text or row.text
        if event.state in DONE:
            row.ended = time.monotonic()
        return row

    def __repr__(self) -> str:
        if self.action == "config":
            return f"<ComposeProject {self.name!r} (config): {len(self.model.get('services') or {})} services>"
        running = sum(c.state == "running" for c in self.containers)
        return (f"<ComposeProject {self.name!r} ({self.action}): {len(self.containers)} containers, "
                f"{running} running, {len(self.networks)} networks, {len(self.volumes)} volumes>")
