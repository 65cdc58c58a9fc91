"""dockermagic: Docker's build -> push -> pull -> run loop as Jupyter magics.

    %load_ext dockermagic

registers `%%dockerfile`, `%docker_build`, `%docker ...` and the rest; `%docker` alone lists
them.  Imports stay light until a magic runs: docker-py and ipywidgets load on first use.
"""

from __future__ import annotations

from .version import __version__  # noqa: F401 -- dockermagic.__version__

# the Magics classes of each area, registered by `%load_ext dockermagic`
AREAS = [
    "dockermagic.magics.build:BuildMagics",
    "dockermagic.magics.containers:ContainerMagics",
    "dockermagic.magics.listings:ListingMagics",
    "dockermagic.magics.registry:RegistryMagics",
    "dockermagic.magics.engines:EngineMagics",
    "dockermagic.magics.layers:LayerMagics",
    "dockermagic.magics.networks:NetworkMagics",
    "dockermagic.magics.system:SystemMagics",
    "dockermagic.magics.lifecycle:LifecycleMagics",
    "dockermagic.magics.transfer_files:TransferMagics",
    "dockermagic.magics.compose.magics:ComposeMagics",
    "dockermagic.magics.swarm.magics:SwarmMagics",
    "dockermagic.magics.swarm.service:ServiceMagics",
    "dockermagic.magics.swarm.stack:StackMagics",
]

_loaded: dict[int, list] = {}


def load_ipython_extension(ipython) -> None:
    import importlib

    from .magics.base import DockerMagics
    from .magics.completion import matcher as completion
    from .views import formatters

    if id(ipython) in _loaded:
        return
    settings = DockerMagics(shell=ipython)
    instances = [settings]
    for spec in AREAS:
        module, _, name = spec.partition(":")
        cls = getattr(importlib.import_module(module), name)
        instances.append(cls(ipython, settings))
    for instance in instances:
        ipython.register_magics(instance)
    ipython.configurables.append(settings)
    formatters.register(ipython)  # results render through their views, in this cell and later ones
    completion.register(ipython)  # Tab completes %docker lines, %%dockerfile and %%compose cells
    _loaded[id(ipython)] = instances
    notice = no_engine_notice()
    if notice:
        print(notice)


def no_engine_notice() -> str | None:
    """One line for a machine where no engine can answer (Binder, a laptop without Docker):
    nothing is set to point at one and the default socket does not exist.  Cheap: no
    connection is tried, so a reachable-but-slow engine never delays `%load_ext`."""
    import os

    from .engine.connection import resolve

    try:
        endpoint, source, _ = resolve()
    except Exception:  # noqa: BLE001 -- a bad context is reported when a magic runs
        return None
    socket = endpoint.host[len("unix://"):] if endpoint.host.startswith("unix://") else None
    if source != "default socket" or socket is None or os.path.exists(socket):
        return None
    return (
        f"dockermagic: no Docker Engine here ({socket} does not exist and DOCKER_HOST is not set). "
        "%%dockerfile and %%context_file work; to build and run, set DOCKER_HOST to an engine "
        "(e.g. %env DOCKER_HOST=tcp://HOST:2376 with DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH) "
        "or choose a context (%docker_context use NAME)."
    )


def unload_ipython_extension(ipython) -> None:
    from .magics.completion import matcher as completion
    from .views import formatters

    instances = _loaded.pop(id(ipython), [])
    if instances:
        formatters.unregister(ipython)
        completion.unregister(ipython)
    registry = ipython.magics_manager.magics
    for instance in instances:
        for kind, names in instance.magics.items():
            for name in names:
                registry[kind].pop(name, None)
        ipython.magics_manager.registry.pop(type(instance).__name__, None)
    if instances and instances[0] in ipython.configurables:
        ipython.configurables.remove(instances[0])
