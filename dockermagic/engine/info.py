"""What `%docker_info`, `%docker_version` and `%docker_context` return: facts about engines and
contexts (`views/engines.py` shows them as HTML tables and as the docker CLI's text)."""

from __future__ import annotations

import platform
from dataclasses import dataclass, field

from ..gotemplate.formats import Listing
from . import contexts


@dataclass(repr=False)
class EngineInfo:
    """`docker info`, the part a notebook reader needs: which engine, where, what it holds."""

    label: str
    kind: str
    address: str
    context: str | None
    source: str
    name: str  # the engine machine's host name
    version: str
    api_version: str
    os: str
    os_type: str
    arch: str
    kernel: str
    storage_driver: str
    root_dir: str
    cpus: int | None
    memory: int | None
    images: int
    containers: int
    running: int
    paused: int
    stopped: int
    raw: dict = field(default_factory=dict, repr=False)

    def __repr__(self) -> str:
        return f"<EngineInfo {self.kind} {self.version} at {self.address} images={self.images} containers={self.containers}>"


@dataclass(repr=False)
class EngineVersion:
    """`docker version`: the client side (dockermagic, docker-py, the API version in use) and the
    engine's."""

    label: str
    kind: str
    client: dict
    server: dict
    components: list[tuple[str, str]]
    raw: dict = field(default_factory=dict, repr=False)

    def __repr__(self) -> str:
        return (f"<EngineVersion {self.kind} {self.server.get('Version', '?')} API {self.server.get('API version', '?')}"
                f" (client API {self.client.get('API version', '?')})>")


@dataclass(repr=False)
class ContextList(Listing):
    """`docker context ls`: `current` is the context in effect (with its reason)."""

    contexts: list[contexts.Context]
    current: str
    why: str  # "docker context use", "DOCKER_CONTEXT", "DOCKER_HOST", ...
    ROWS = "contexts"

    def __repr__(self) -> str:
        names = ", ".join(n + (" *" if n == self.current else "") for n in self.names)
        return f"<ContextList {names} (* in use: {self.why})>"


@dataclass(repr=False)
class CurrentEngine:
    """`%docker_context` alone: which engine the next cell will use, and why."""

    context: str | None
    address: str
    source: str
    label: str
    tls: bool

    def __repr__(self) -> str:
        return f"<CurrentEngine {self.context or 'default'}: {self.address}{' (TLS)' if self.tls else ''} chosen by {self.source}>"


_GOARCH = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm"}  # spelled as the engines spell them


def info(engine) -> EngineInfo:
    raw = engine.api.info()
    return EngineInfo(
        label=engine.label, kind=engine.kind, address=engine.address, context=engine.context, source=engine.source,
        name=raw.get("Name", ""), version=raw.get("ServerVersion") or engine.version.get("Version", "?"),
        api_version=engine.version.get("ApiVersion", "?"), os=raw.get("OperatingSystem", ""),
        os_type=raw.get("OSType", ""), arch=raw.get("Architecture", ""), kernel=raw.get("KernelVersion", ""),
        storage_driver=raw.get("Driver", ""), root_dir=raw.get("DockerRootDir", ""), cpus=raw.get("NCPU"),
        memory=raw.get("MemTotal"), images=raw.get("Images", 0), containers=raw.get("Containers", 0),
        running=raw.get("ContainersRunning", 0), paused=raw.get("ContainersPaused", 0),
        stopped=raw.get("ContainersStopped", 0), raw=raw,
    )


def version(engine) -> EngineVersion:
    import docker

    from ..version import __version__

    raw = engine.version
    client = {
        "dockermagic": __version__, "docker-py": docker.__version__, "API version": engine.api.api_version,
        "Python": platform.python_version(), "OS/Arch": f"{platform.system().lower()}/{_GOARCH.get(platform.machine(), platform.machine())}",
        "Context": engine.context or ("default" if engine.source in ("DOCKER_HOST", "default socket") else "-"),
    }
    server = {
        "Engine": engine.kind, "Version": raw.get("Version", "?"), "API version": raw.get("ApiVersion", "?"),
        "Minimum API version": raw.get("MinAPIVersion", "?"), "Go version": raw.get("GoVersion", ""),
        "Git commit": raw.get("GitCommit", ""), "OS/Arch": f"{raw.get('Os', '?')}/{raw.get('Arch', '?')}",
        "Kernel": raw.get("KernelVersion", ""), "Address": engine.address,
    }
    components = [(c.get("Name", "?"), str(c.get("Version", "")).splitlines()[0]) for c in raw.get("Components") or []]
    return EngineVersion(engine.label, engine.kind, client, server, components, raw)


def version_fields(found: EngineVersion) -> dict:
    """`docker version`'s template data: `Client` and `Server`, with the CLI's field names."""
    server = dict(found.raw)
    server["APIVersion"] = server.get("ApiVersion", "")
    client = {"Version": found.client.get("dockermagic"), "APIVersion": found.client.get("API version"),
              "DefaultAPIVersion": found.client.get("API version"), "Os": found.client["OS/Arch"].split("/")[0],
              "Arch": found.client["OS/Arch"].split("/")[-1], "Context": found.client.get("Context"),
              "Platform": {"Name": f"dockermagic {found.client.get('dockermagic')} (docker-py {found.client.get('docker-py')})"}}
    return {"Client": client, "Server": server}


def context_list() -> ContextList:
    from .connection import resolve

    _, source, name = resolve()
    why = {"DOCKER_CONTEXT": "DOCKER_CONTEXT", "current context": "docker context use",
           "DOCKER_HOST": "DOCKER_HOST", "default socket": "no context chosen"}.get(source, source)
    return ContextList(contexts.all_contexts(), name or contexts.DEFAULT, why)


def current(engine) -> CurrentEngine:
    tls = str(getattr(engine.api, "base_url", "")).startswith("https")
    return CurrentEngine(engine.context, engine.address, engine.source, engine.label, tls)
