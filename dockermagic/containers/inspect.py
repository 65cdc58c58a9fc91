"""`docker inspect`: a container's details, and any object by name in the CLI's order (a
container, an image, a volume, a network)."""

from __future__ import annotations

from dataclasses import dataclass

from ..engine import adapter
from ..errors import ContainerError


def inspect_container(engine, name: str) -> dict:
    import docker

    try:
        return engine.api.inspect_container(name)
    except docker.errors.NotFound as exc:
        raise ContainerError(f"no such container: {name!r} (see %docker_ps -a)") from exc


@dataclass(repr=False)
class Inspection:
    """`docker inspect` output: `.data` is the list of objects, as the CLI's JSON array."""

    data: list

    def __getitem__(self, index):
        return self.data[index]

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        import json

        return json.dumps(self.data, indent=4, default=str)


def inspect_any(engine, names, size: bool = False, kind: str | None = None) -> Inspection:
    """Each name as a container, else an image, else a volume, else a network (the CLI's order);
    `kind` looks for that type only; `size` adds a container's SizeRw and SizeRootFs."""
    import docker

    api, found = engine.api, []

    def container(name):
        if not size:
            return api.inspect_container(name)
        return adapter.call(api, "GET", "/containers/{0}/json", name, params={"size": 1})

    looks = {"container": container, "image": api.inspect_image, "volume": api.inspect_volume,
             "network": api.inspect_network}
    for name in names:
        for look in ([looks[kind]] if kind else looks.values()):
            try:
                found.append(look(name))
                break
            except docker.errors.NotFound:
                continue
            except docker.errors.APIError:
                continue
        else:
            what = f"no {kind} on this engine" if kind else "not a container, image, volume or network on this engine"
            raise ContainerError(f"no such object: {name!r} ({what})")
    return Inspection(found)
