"""A container's life after `run`: kill, pause, unpause, restart, rename, wait, update, port,
top and attach, as the docker CLI does them.  What the CLI prints (the names done, exit codes,
port mappings) comes back as `Formatted` text; `top` as a `Processes` table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..engine import adapter
from ..errors import ContainerError
from ..gotemplate.formats import Formatted, text_table
from .inspect import inspect_container
from .output import Exited, RunResult, Started, pump, send_stdin, socket_frames

# docker-py's create_host_config names -> the update endpoint's fields (`docker update`)
_UPDATABLE = {
    "mem_limit": "Memory", "memswap_limit": "MemorySwap", "mem_reservation": "MemoryReservation",
    "nano_cpus": "NanoCpus", "cpu_shares": "CpuShares", "cpuset_cpus": "CpusetCpus", "cpuset_mems": "CpusetMems",
    "cpu_period": "CpuPeriod", "cpu_quota": "CpuQuota", "pids_limit": "PidsLimit", "restart_policy": "RestartPolicy",
    "blkio_weight": "BlkioWeight",
}


def _each(engine, verb: str, names, call) -> Formatted:
    """`call(name)` for every name, each printed when done as the CLI does; the failures in one
    error after the others were tried."""
    import docker

    done, errors = [], []
    for name in names:
        try:
            said = call(name)
        except docker.errors.NotFound:
            errors.append(f"no such container: {name!r}")
            continue
        except docker.errors.APIError as exc:
            errors.append(str(adapter.error(exc, f"docker {verb} {name}")))
            continue
        done.append(name if said is None else str(said))
    if errors:
        raise ContainerError("; ".join(errors) + (f" (done: {', '.join(done)})" if done else ""))
    return Formatted("".join(line + "\n" for line in done))


def _quiet(_answer) -> None:
    """The CLI prints the name for these, not the engine's answer."""
    return None


def kill(engine, names, signal: str = "KILL") -> Formatted:
    """`docker kill [-s SIGNAL]`."""
    sig = signal.upper().removeprefix("SIG") if not str(signal).isdigit() else signal
    return _each(engine, "kill", names, lambda n: engine.api.kill(n, signal=sig))


def pause(engine, names) -> Formatted:
    return _each(engine, "pause", names, engine.api.pause)


def unpause(engine, names) -> Formatted:
    return _each(engine, "unpause", names, engine.api.unpause)


def restart(engine, names, timeout: int | None = None, signal: str | None = None) -> Formatted:
    """`docker restart [-t N]`: the engine stops (SIGTERM, SIGKILL after N s) and starts it."""
    params = {"t": int(timeout)} if timeout is not None else {}
    if signal:
        params["signal"] = signal
    return _each(engine, "restart", names,
                 lambda n: _quiet(adapter.call(engine.api, "POST", "/containers/{0}/restart", n, params=params)))


def rename(engine, old: str, new: str) -> Formatted:
    from .run import _NAME

    if not _NAME.match(new):
        from ..errors import InvalidInput

        raise InvalidInput(f"new name {new!r}: use letters, digits and _ . - (at least two characters)")
    _each(engine, "rename", [old], lambda n: engine.api.rename(n, new))
    return Formatted("")


def wait(engine, names) -> Formatted:
    """`docker wait`: blocks until each stops, then its exit code (one line each)."""
    def one(name):
        answer = adapter.call(engine.api, "POST", "/containers/{0}/wait", name)
        return answer.get("StatusCode")

    return _each(engine, "wait", names, one)


def update(engine, names, host: dict) -> Formatted:
    """`docker update`: resources and restart policy of running or stopped containers; `host`
    is what `run_options.translate` made of the options."""
    from ..errors import InvalidInput

    body = {_UPDATABLE[k]: v for k, v in host.items() if k in _UPDATABLE}
    refused = sorted(set(host) - set(_UPDATABLE))
    if refused:
        raise InvalidInput(f"docker update changes resources and the restart policy only, not {', '.join(refused)}")
    if not body:
        raise InvalidInput("docker update needs at least one option (--cpus, -m, --restart, ...)")
    return _each(engine, "update", names,
                 lambda n: _quiet(adapter.call(engine.api, "POST", "/containers/{0}/update", n, json=body)))


def port(engine, name: str, private: str | None = None) -> Formatted:
    """`docker port CONTAINER [PRIVATE_PORT[/PROTO]]`, the CLI's lines."""
    ports = (inspect_container(engine, name).get("NetworkSettings") or {}).get("Ports") or {}
    if private:
        key = private if "/" in private else f"{private}/tcp"
        bindings = ports.get(key)
        if not bindings:
            raise ContainerError(f"no public port '{key}' published for {name}")
        return Formatted("".join(f"{b.get('HostIp') or '0.0.0.0'}:{b.get('HostPort')}\n" for b in bindings))
    lines = [f"{p} -> {b.get('HostIp') or '0.0.0.0'}:{b.get('HostPort')}"
             for p, bindings in sorted(ports.items(), key=lambda kv: (int(kv[0].split("/")[0]), kv[0])) for b in bindings or ()]
    return Formatted("".join(line + "\n" for line in lines))


@dataclass(repr=False)
class Processes:
    """`docker top`: the processes in a container, with the columns `ps` gave."""

    container: str
    titles: list[str]
    rows: list[list[str]] = field(default_factory=list)
    engine: str = ""

    def __repr__(self) -> str:
        return text_table(self.titles, self.rows)


def top(engine, name: str, ps_args: str | None = None) -> Processes:
    import docker

    try:
        answer = engine.api.top(name, ps_args=ps_args or None)
    except docker.errors.NotFound as exc:
        raise ContainerError(f"no such container: {name!r}") from exc
    except docker.errors.APIError as exc:
        raise ContainerError(str(adapter.error(exc, f"docker top {name}"))) from exc
    return Processes(name, answer.get("Titles") or [], answer.get("Processes") or [], engine.label)


class Attach:
    """`docker attach`: the running container's output from now on, until it exits (or the
    kernel is interrupted: the container runs on, as after the CLI's detach)."""

    def __init__(self, engine, name: str, stdout=True, stderr=True, start: bool = False, stdin: bool = False):
        """`start`: `docker start -a` -- attached first, then started, so no output is missed;
        `stdin`: attached and at its end at once, or a callable (a `console.Console`) handed the
        socket for what is typed."""
        self.engine, self.name, self.start, self.stdin = engine, name, start, stdin
        self.streams = {"stdout": int(stdout), "stderr": int(stderr)}
        self.result = RunResult(f"{'start' if start else 'attach'} {name}", engine=engine.label,
                                verb="start" if start else "attach")

    def events(self):
        info = inspect_container(self.engine, self.name)
        if not self.start and not info["State"].get("Running"):
            raise ContainerError(f"container {self.name!r} is not running ({info['State'].get('Status')}): "
                                 f"attach needs a running container (%docker_start {self.name})")
        self.result.id, self.result.name = info["Id"], info["Name"].lstrip("/")
        tty = bool(info["Config"].get("Tty"))
        sock = self.engine.api.attach_socket(info["Id"], params={**self.streams, "stream": 1, "stdin": int(bool(self.stdin))})
        try:
            if self.start:
                self.engine.api.start(info["Id"])
            if self.stdin:
                send_stdin(sock, self.stdin if callable(self.stdin) else b"")
            yield Started(info["Id"], self.result.name)
            yield from pump(socket_frames(sock, tty), self.result)
        finally:
            adapter.close_socket(sock)
        state = self._settled(info["Id"])
        self.result.exit_code = None if state.get("Running") else state.get("ExitCode")
        yield Exited(self.result.exit_code)

    def _settled(self, cid: str) -> dict:
        """The state once the engine has recorded the exit the stream's end announced."""
        import time

        for _ in range(20):
            state = inspect_container(self.engine, cid)["State"]
            if not state.get("Running"):
                return state
            time.sleep(0.05)
        return state
