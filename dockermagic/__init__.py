"""dockermagic: Docker's build -> push -> pull -> run loop as Jupyter magics.

    %load_ext dockermagic

registers `%%dockerfile`, `%docker_build`, `%docker ...` and the rest; `%docker` alone lists
them.  Imports stay light until a magic runs: docker-py and ipywidgets load on first use.
"""

from __future__ import annotations

__version__ = "0.1.0"

# the Magics classes of each area, registered by `%load_ext dockermagic`
AREAS = [
    "dockermagic.magics.build:BuildMagics",
    "dockermagic.magics.containers:ContainerMagics",
    "dockermagic.magics.registry:RegistryMagics",
    "dockermagic.magics.engines:EngineMagics",
]

_loaded: dict[int, list] = {}


def load_ipython_extension(ipython) -> None:
    import importlib

    from .magics.base import DockerMagics

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
    _loaded[id(ipython)] = instances


def unload_ipython_extension(ipython) -> None:
    instances = _loaded.pop(id(ipython), [])
    registry = ipython.magics_manager.magics
    for instance in instances:
        for kind, names in instance.magics.items():
            for name in names:
                registry[kind].pop(name, None)
        ipython.magics_manager.registry.pop(type(instance).__name__, None)
    if instances and instances[0] in ipython.configurables:
        ipython.configurables.remove(instances[0])
