"""Finding the Docker Engine (or Podman service) to talk to, and describing it.

`connect()` returns an `Engine`: a docker-py `APIClient` plus what a view's header needs to
say which machine did the work.  Clients are cached per address, so a notebook pays the
connection and version handshake once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property

from .errors import EngineError, EngineUnreachable

DEFAULT_SOCKET = "unix:///var/run/docker.sock"

_engines: dict[tuple, "Engine"] = {}


@dataclass
class Engine:
    """A connected engine: `api` is a docker-py `APIClient`; `address` is where it answers."""

    api: object
    address: str
    source: str  # how the address was chosen: "DOCKER_HOST", "default socket", "-H", ...
    _version: dict = field(default_factory=dict, repr=False)

    @cached_property
    def version(self) -> dict:
        return self._version or self.api.version()

    @property
    def kind(self) -> str:
        names = " ".join(c.get("Name", "") for c in self.version.get("Components", []))
        return "Podman" if "podman" in names.lower() else "Docker Engine"

    @property
    def label(self) -> str:
        """`Docker Engine 20.10.24 at unix:///var/run/docker.sock` — for view headers."""
        return f"{self.kind} {self.version.get('Version', '?')} at {self.address}"


def _resolve(host: str | None) -> tuple[str, str, dict]:
    """Where to connect and with which TLS settings, with the docker CLI's precedence."""
    from docker.utils import kwargs_from_env

    env = kwargs_from_env()
    tls = {"tls": env["tls"]} if env.get("tls") else {}
    if host:
        return host, "-H", tls
    if os.environ.get("DOCKER_HOST"):
        return os.environ["DOCKER_HOST"], "DOCKER_HOST", tls
    return DEFAULT_SOCKET, "default socket", {}


def connect(host: str | None = None, *, timeout: float = 60) -> Engine:
    """The engine at `host` (or DOCKER_HOST, or the default socket), checked to answer."""
    address, source, tls = _resolve(host)
    key = (address, source)
    engine = _engines.get(key)
    if engine is not None:
        return engine
    import docker
    from requests.exceptions import RequestException

    try:
        api = docker.APIClient(base_url=address, version="auto", timeout=timeout, **tls)
        version = api.version()
    except (docker.errors.DockerException, RequestException, OSError) as exc:
        raise EngineUnreachable(_unreachable_message(address, source, exc)) from exc
    engine = Engine(api=api, address=address, source=source, _version=version)
    _engines[key] = engine
    return engine


def _unreachable_message(address: str, source: str, exc: Exception) -> str:
    where = {"DOCKER_HOST": f"DOCKER_HOST={address}", "-H": f"-H {address}"}.get(
        source, f"{address} (the default socket; DOCKER_HOST is not set)"
    )
    reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
    return (
        f"no Docker Engine answers at {where}: {reason}. Start one (`sudo dockerd`, Docker Desktop, "
        "or `scripts/engine up` from a dockermagic checkout) or set DOCKER_HOST to one that runs."
    )


def forget(engine: Engine | None = None) -> None:
    """Drop cached clients (all of them, or one), closing their connections."""
    for key, cached in list(_engines.items()):
        if engine is None or cached is engine:
            cached.api.close()
            del _engines[key]


def api_error(exc: Exception, doing: str) -> EngineError:
    """A docker-py APIError as one line: what we were doing and what the engine said."""
    explanation = getattr(exc, "explanation", None) or str(exc)
    if isinstance(explanation, bytes):
        explanation = explanation.decode("utf-8", "replace")
    return EngineError(f"{doing}: {str(explanation).strip()}")
