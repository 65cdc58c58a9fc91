"""`docker stats`: each container's CPU, memory, network and block I/O, computed as the CLI
computes them from the engine's `/stats` answers.

`samples()` yields a `Sample` per container per round (about one a second, as the engine
measures); `--no-stream` is one round.  One thread per container asks the engine, so a slow
answer holds up no other; closing the generator (an interrupt) stops them.  A `Stats` keeps the
latest sample per container and the last `HISTORY` CPU and memory readings: bounded however
long it runs.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from dataclasses import dataclass, field

import requests

from ..engine import adapter, watchdog
from ..errors import ContainerError, EngineUnreachable
from ..text import units

HISTORY = 60
STATS_TABLE = "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}"
STATS_HEADER = {"ID": "CONTAINER ID", "Container": "CONTAINER", "Name": "NAME", "CPUPerc": "CPU %",
                "MemUsage": "MEM USAGE / LIMIT", "MemPerc": "MEM %", "NetIO": "NET I/O", "BlockIO": "BLOCK I/O",
                "PIDs": "PIDS"}


def binary_size(n: float) -> str:
    """go-units' BytesSize (the CLI's memory column): 1.5MiB, 1.944GiB."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.4g}{unit}"
        n /= 1024
    return f"{n}TiB"  # pragma: no cover


@dataclass
class Sample:
    """One reading of one container, with the CLI's `--format` fields."""

    id: str
    name: str
    cpu_percent: float = 0.0
    memory: float = 0.0
    memory_limit: float = 0.0
    net_rx: float = 0.0
    net_tx: float = 0.0
    block_read: float = 0.0
    block_write: float = 0.0
    pids: int = 0
    gone: bool = False  # the container stopped or was removed

    @property
    def memory_percent(self) -> float:
        return 100.0 * self.memory / self.memory_limit if self.memory_limit else 0.0

    # the CLI's template fields
    ID = property(lambda self: self.id[:12])
    Container = property(lambda self: self.name or self.id[:12])
    Name = property(lambda self: self.name)
    CPUPerc = property(lambda self: "--" if self.gone else f"{self.cpu_percent:.2f}%")
    MemUsage = property(lambda self: "-- / --" if self.gone else f"{binary_size(self.memory)} / {binary_size(self.memory_limit)}")
    MemPerc = property(lambda self: "--" if self.gone else f"{self.memory_percent:.2f}%")
    NetIO = property(lambda self: f"{units.size(self.net_rx)} / {units.size(self.net_tx)}")
    BlockIO = property(lambda self: f"{units.size(self.block_read)} / {units.size(self.block_write)}")
    PIDs = property(lambda self: str(self.pids))


def reading(cid: str, name: str, raw: dict) -> Sample:
    """The CLI's arithmetic (cli/command/container/stats_helpers.go) over one `/stats` answer."""
    cpu, pre = raw.get("cpu_stats") or {}, raw.get("precpu_stats") or {}
    cpu_delta = (cpu.get("cpu_usage") or {}).get("total_usage", 0) - (pre.get("cpu_usage") or {}).get("total_usage", 0)
    system_delta = cpu.get("system_cpu_usage", 0) - pre.get("system_cpu_usage", 0)
    online = cpu.get("online_cpus") or len((cpu.get("cpu_usage") or {}).get("percpu_usage") or []) or 1
    percent = cpu_delta / system_delta * online * 100.0 if cpu_delta > 0 and system_delta > 0 else 0.0
    mem = raw.get("memory_stats") or {}
    detail = mem.get("stats") or {}
    cache = detail.get("total_inactive_file", detail.get("inactive_file", 0))  # cgroup v1, v2
    used = mem.get("usage", 0)
    used = used - cache if cache < used else used
    nets = (raw.get("networks") or {}).values()
    blk = (raw.get("blkio_stats") or {}).get("io_service_bytes_recursive") or []
    io = {op: sum(e.get("value", 0) for e in blk if str(e.get("op", "")).lower() == op) for op in ("read", "write")}
    return Sample(cid, name, percent, used, mem.get("limit", 0), sum(n.get("rx_bytes", 0) for n in nets),
                  sum(n.get("tx_bytes", 0) for n in nets), io["read"], io["write"],
                  (raw.get("pids_stats") or {}).get("current", 0))


@dataclass(repr=False)
class Stats:
    """What `%docker_stats` returns: the latest sample per container, short histories."""

    label: str = ""
    latest: dict = field(default_factory=dict)  # id -> Sample
    cpu: dict = field(default_factory=dict)  # id -> deque of the last HISTORY CPU %
    memory: dict = field(default_factory=dict)  # id -> deque of the last HISTORY memory %
    rounds: int = 0
    stopped: str = ""  # "", "once" (--no-stream), "interrupted", "no containers"

    def add(self, sample: Sample) -> None:
        self.latest[sample.id] = sample
        self.cpu.setdefault(sample.id, deque(maxlen=HISTORY)).append(sample.cpu_percent)
        self.memory.setdefault(sample.id, deque(maxlen=HISTORY)).append(sample.memory_percent)

    @property
    def rows(self) -> list[Sample]:
        return list(self.latest.values())

    def __repr__(self) -> str:
        parts = ", ".join(f"{s.Container} {s.CPUPerc} {s.MemPerc}" for s in self.rows)
        return f"<Stats {len(self.latest)} container{'s' if len(self.latest) != 1 else ''}: {parts}>"


def targets(engine, names, all: bool = False) -> list[tuple[str, str]]:
    """(id, name) of the containers to watch: those named, else the running ones (all with -a)."""
    import docker

    api = engine.api
    if not names:
        return [(c["Id"], (c.get("Names") or ["/"])[0].lstrip("/")) for c in api.containers(all=all)]
    found = []
    for name in names:
        try:
            info = api.inspect_container(name)
        except docker.errors.NotFound:
            raise ContainerError(f"no such container: {name!r}") from None
        found.append((info["Id"], info["Name"].lstrip("/")))
    return found


def samples(engine, watched, stream: bool = True, result: Stats | None = None):
    """`Sample`s as the engine measures them; with `stream=False`, one per container."""
    result = result if result is not None else Stats(engine.label)
    if not watched:
        result.stopped = "no containers"
        return
    inbox: queue.Queue = queue.Queue()
    stop = threading.Event()

    def ask(cid: str, name: str) -> None:
        while not stop.is_set():
            try:
                # one reading takes the engine about a second; QUIET bounds an engine that stopped answering
                raw = adapter.call(engine.api, "GET", "/containers/{0}/stats", cid, params={"stream": 0},
                                   timeout=watchdog.QUIET) or {}
                # a stopped container answers at once, with Go's zero time as when it was read
                sample = reading(cid, name, raw) if not str(raw.get("read", "0001")).startswith("0001") else Sample(cid, name, gone=True)
            except Exception as exc:  # noqa: BLE001 -- whatever the reading failed with, the pings below tell an engine gone from a container gone (shown as the CLI shows it, `--`)
                answer = watchdog.ANSWER
                if not adapter.ping(engine.api, answer) and not adapter.ping(engine.api, answer):
                    inbox.put(EngineUnreachable(
                        f"the engine at {engine.address} stopped answering: no reading of {name} within "
                        f"{watchdog.QUIET:g} s and no answer to two pings of {answer:g} s ({adapter.explanation(exc)})"))
                    return
                if isinstance(exc, requests.exceptions.Timeout):
                    continue  # a slow reading of an engine that answers: asked again
                sample = Sample(cid, name, gone=True)
            inbox.put(sample)
            if not stream or sample.gone:
                return

    threads = [threading.Thread(target=ask, args=w, name="dockermagic-stats", daemon=True) for w in watched]
    for thread in threads:
        thread.start()
    live = len(threads)
    try:
        seen = 0
        while live:
            sample = inbox.get()
            if isinstance(sample, EngineUnreachable):
                raise sample
            result.add(sample)
            seen += 1
            live -= 1 if (sample.gone or not stream) else 0
            if seen % len(threads) == 0:
                result.rounds += 1
            yield sample
        result.stopped = "once" if not stream else "containers stopped"
    except GeneratorExit:
        result.stopped = "interrupted"
        raise
    finally:
        stop.set()
