"""Containers on the engine: the container object `-d` returns, `docker ps`, stop / start /
rm, cleaning up what a notebook started, and `docker inspect`.  Knows nothing of IPython or
widgets.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..engine import adapter
from ..errors import ContainerError
from ..gotemplate.formats import Listing
from ..opts import pairs
from ..text import units


# -- containers -----------------------------------------------------------------------------
@dataclass(repr=False)
class ContainerList(Listing):
    """What `%docker_ps` returns: the engine's list entries, newest first."""

    rows: list[dict]
    size: bool = False
    no_trunc: bool = False
    engine: str = ""  # the engine's label, for the saved notebook's reader

    @staticmethod
    def _name(row) -> str:
        return (row.get("Names") or ["?"])[0].lstrip("/")

    def __repr__(self) -> str:
        return f"<ContainerList {len(self.rows)} container{'s' if len(self.rows) != 1 else ''}: {', '.join(self.names)}>"


def list_containers(engine, all=False, size=False, filters=(), no_trunc=False, latest=False, last=None) -> ContainerList:
    """`docker ps [-a] [-s] [-f KEY=VALUE] [-l] [-n N]`."""
    wanted = pairs.filter_map(filters, "-f", "name=web, status=exited, label=app")
    import docker

    try:
        rows = engine.api.containers(all=all, size=size, filters=wanted or None, latest=latest,
                                     limit=-1 if last is None else last)
    except docker.errors.APIError as exc:
        raise ContainerError(str(adapter.error(exc, "docker ps"))) from exc
    return ContainerList(rows, size, no_trunc, engine.label)


@dataclass(repr=False)
class Container:
    """A container on the engine (what `%docker_run -d` returns).  `.status` asks the engine."""

    engine: object
    id: str
    info: dict = field(default_factory=dict)

    def __post_init__(self):
        if not self.info:
            self.reload()

    def reload(self) -> "Container":
        import docker

        try:
            self.info = self.engine.api.inspect_container(self.id)
        except docker.errors.NotFound:
            self.info = dict(self.info, State={"Status": "removed"})
        return self

    @property
    def name(self) -> str:
        return self.info.get("Name", "").lstrip("/")

    @property
    def short_id(self) -> str:
        return units.short_id(self.id)

    @property
    def image(self) -> str:
        return self.info.get("Config", {}).get("Image", "")

    @property
    def status(self) -> str:
        """Live: `created`, `running`, `exited`, ... or `removed`."""
        return self.reload().info["State"].get("Status", "?")

    @property
    def created(self):
        return self.info.get("Created")

    @property
    def ports(self) -> dict:
        return (self.info.get("NetworkSettings") or {}).get("Ports") or {}

    def port(self, container_port, proto: str = "tcp") -> int | None:
        """The host port published for `container_port` (first binding), or None."""
        bindings = self.reload().ports.get(f"{container_port}/{proto}") or []
        return int(bindings[0]["HostPort"]) if bindings and bindings[0].get("HostPort") else None

    def logs(self, tail=None) -> str:
        from .output import RunResult, log_events

        result = RunResult("logs")
        for _ in log_events(self.engine, self.id, tail=tail, result=result):
            pass
        return result.logs

    def stop(self, timeout: int = 10) -> None:
        stop_container(self.engine.api, self.id, timeout)

    def remove(self, force: bool = True) -> None:
        import docker

        try:
            self.engine.api.remove_container(self.id, force=force, v=True)
        except docker.errors.NotFound:
            pass

    def __repr__(self) -> str:
        return f"<Container {self.name} {self.short_id} {self.image} {self.info.get('State', {}).get('Status', '?')}>"


def stop_container(api, container: str, timeout: int = 10) -> None:
    """`POST /containers/ID/stop?t=N`: SIGTERM, SIGKILL after `timeout` seconds.  (docker-py's
    `stop()` adds the grace period to the client's timeout, which fails when that is a
    (connect, read) pair; waiting for a container to stop needs no read timeout anyway.)"""
    adapter.call(api, "POST", "/containers/{0}/stop", container, params={"t": int(timeout)})


def act(engine, verb: str, names, **options) -> list[str]:
    """`docker stop|start|rm NAME...`: each name printed when done, as the CLI does; the
    first failure raises after the others were tried."""
    import docker

    api = engine.api
    calls = {
        "stop": lambda n: stop_container(api, n, options.get("timeout", 10)),
        "start": lambda n: api.start(n),
        "rm": lambda n: api.remove_container(n, force=options.get("force", False), v=options.get("volumes", False),
                                             link=options.get("link", False)),
    }
    done, errors = [], []
    for name in names:
        try:
            calls[verb](name)
        except docker.errors.NotFound:
            errors.append(f"no such container: {name!r}")
            continue
        except docker.errors.APIError as exc:
            message = str(adapter.error(exc, f"docker {verb} {name}"))
            if verb == "rm" and exc.status_code == 409:
                message = f"container {name!r} is running: stop it first (%docker_stop {name}) or use %docker_rm -f {name}"
            errors.append(message)
            continue
        print(name)
        done.append(name)
    if errors:
        raise ContainerError("; ".join(errors))
    return done


def cleanup(engine, started: dict) -> str:
    """Stop and remove the containers in `started` (id -> name) that still exist; what was done."""
    import docker

    removed = []
    for cid, name in list(started.items()):
        try:
            info = engine.api.inspect_container(cid)
            status, name = info["State"].get("Status"), info["Name"].lstrip("/")
            engine.api.remove_container(cid, force=True, v=True)
            removed.append(f"{name} ({'stopped and removed' if status == 'running' else 'removed, was ' + status})")
        except docker.errors.NotFound:
            pass
        except docker.errors.APIError:
            continue
        started.pop(cid, None)
    if not removed:
        return "nothing to clean up: no container this notebook started is left"
    return f"cleaned up {len(removed)} container{'s' if len(removed) != 1 else ''}: " + ", ".join(removed)
