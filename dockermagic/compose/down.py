"""`docker compose down` as Compose v2 does it: the project's containers (found by its label,
whoever made them) stopped and removed dependents first, orphans with `--remove-orphans`,
then its networks, its volumes with `-v`, its images with `--rmi local|all`.
"""

from __future__ import annotations

import threading

import docker

from ..errors import ComposeError, InvalidInput
from . import labels as names
from . import state
from .converge import remove_only, stop_only
from .graph import concurrently, walk
from .results import ComposeProject, StackEvent


def down(engine, project_name: str, project=None, result: ComposeProject | None = None, volumes: bool = False,
         rmi: str | None = None, remove_orphans: bool = False, timeout: int | None = None, services=()):
    """Remove the project `project_name` (its model `project` when loaded: networks, volumes and
    images to remove by name, dependency order); yields StackEvents."""
    if rmi not in (None, "", "local", "all"):
        raise InvalidInput(f"invalid --rmi option {rmi!r}: local or all")
    api = engine.api
    result = result or ComposeProject(project_name, action="down")
    raws = state.raw_containers(api, project_name, oneoff=None)
    known = set(project.services) if project is not None else None
    if services:
        raws = [r for r in raws if (r.get("Labels") or {}).get(names.SERVICE) in services]
    if known is not None and not remove_orphans:
        orphans = [r for r in raws if (r.get("Labels") or {}).get(names.SERVICE) not in known
                   and (r.get("Labels") or {}).get(names.ONEOFF) != "True"]
        if orphans:
            listed = ", ".join(state.ContainerRow(r).Names for r in orphans)
            yield StackEvent("project", project_name, "Warning", None,
                             f"Found orphan containers ([{listed}]) for this project. If you removed or renamed "
                             "this service in your compose file, you can run this command with the "
                             "--remove-orphans flag to clean it up.")
            raws = [r for r in raws if r not in orphans]
    by_service: dict[str, list[dict]] = {}
    for raw in sorted(raws, key=lambda r: -state._number(r)):
        by_service.setdefault((raw.get("Labels") or {}).get(names.SERVICE, ""), []).append(raw)
    networks = _Networks(api, [] if services else _project_networks(api, project_name, project), raws)

    def remove(raw):
        yield from remove_only(api, raw)
        yield from networks.released(raw)

    # v2's order: a service stops once its dependents stopped (their removal need not wait), and
    # a network goes once the last of its containers did
    yield from walk(_dependencies(project, raws), lambda service: concurrently(
        stop_only(api, raw, timeout) for raw in by_service[service]), reverse=True, then=lambda service: concurrently(
        remove(raw) for raw in by_service[service]))
    if services:
        state.refresh(api, result)
        return
    yield from networks.rest()
    if volumes:
        yield from _volumes(api, project_name, project)
    if rmi:
        yield from _images(api, project_name, project, raws, rmi)
    state.refresh(api, result)


def _dependencies(project, raws) -> dict[str, list[str]]:
    """{service: its dependencies} of the services with containers, from the model, else from
    their `depends_on` labels: a service is stopped once its dependents are."""
    out: dict[str, list[str]] = {}
    for raw in raws:
        labels = raw.get("Labels") or {}
        service = labels.get(names.SERVICE, "")
        model = project.services.get(service) if project is not None else None
        deps = list(model.get("depends_on") or {}) if model is not None else \
            [d.split(":")[0] for d in labels.get(names.DEPENDS_ON, "").split(",") if d]
        out[service] = deps
    return out


class _Networks:
    """The project's networks, each removed as soon as the containers of `raws` on it are."""

    def __init__(self, api, networks: list[tuple[str, dict]], raws: list[dict]):
        self.api, self.networks = api, dict(networks)
        self.users = {name: {raw["Id"] for raw in raws
                             if name in ((raw.get("NetworkSettings") or {}).get("Networks") or {})}
                      for name in self.networks}
        self.done: set[str] = set()
        self.lock = threading.Lock()

    def released(self, raw: dict):
        with self.lock:
            ready = [name for name, ids in self.users.items() if raw["Id"] in ids and len(ids) == 1]
            for ids in self.users.values():
                ids.discard(raw["Id"])
            self.done.update(ready)
        for name in ready:
            yield from _remove_network(self.api, name, self.networks[name])

    def rest(self):
        with self.lock:
            left = [name for name in self.networks if name not in self.done]
            self.done.update(left)
        yield from concurrently(_remove_network(self.api, name, self.networks[name]) for name in sorted(left))


def _project_networks(api, project_name: str, project) -> list[tuple[str, dict]]:
    found = {n["Name"]: n for n in api.networks(filters={"label": [f"{names.PROJECT}={project_name}"]})}
    if project is not None:
        for key, net in project.networks.items():
            name = names.network_name(project_name, key, net)
            if not (net or {}).get("external") and name not in found:
                found.update({n["Name"]: n for n in api.networks(names=[name]) if n["Name"] == name})
    return [(name, net) for name, net in sorted(found.items())
            if ((net or {}).get("Labels") or {}).get(names.PROJECT, project_name) == project_name]


def _remove_network(api, name: str, net: dict):
    yield StackEvent("network", name, "Removing")
    try:
        api.remove_network(net["Id"])
    except docker.errors.NotFound:
        pass
    except docker.errors.APIError as exc:
        yield StackEvent("network", name, "Error", text=str(exc.explanation or exc))
        raise ComposeError(f"network {name}: {exc.explanation or exc}") from None
    yield StackEvent("network", name, "Removed")


def _volumes(api, project_name: str, project):
    found = [v["Name"] for v in (api.volumes(filters={"label": f"{names.PROJECT}={project_name}"}) or {}).get("Volumes") or []]
    if project is not None:
        for key, vol in project.volumes.items():
            name = names.volume_name(project_name, key, vol)
            if not (vol or {}).get("external") and name not in found:
                found.append(name)
    for name in sorted(set(found)):
        try:
            info = api.inspect_volume(name)
        except docker.errors.NotFound:
            continue
        if (info.get("Labels") or {}).get(names.PROJECT, project_name) != project_name:
            continue
        yield StackEvent("volume", name, "Removing")
        try:
            api.remove_volume(name)
        except docker.errors.APIError as exc:
            yield StackEvent("volume", name, "Error", text=str(exc.explanation or exc))
            raise ComposeError(f"volume {name}: {exc.explanation or exc}") from None
        yield StackEvent("volume", name, "Removed")


def _images(api, project_name: str, project, raws, rmi: str):
    """`--rmi local`: the images built for the project (`<project>-<service>`, no `image:`);
    `all`: every image its services use."""
    wanted = []
    if project is not None:
        for service_name, service in project.services.items():
            if rmi == "all" or not service.get("image"):
                wanted.append(names.image_name(project_name, service_name, service))
    else:
        for raw in raws:
            labels = raw.get("Labels") or {}
            image = raw.get("Image", "")
            if rmi == "all" or image == f"{project_name}-{labels.get(names.SERVICE)}":
                wanted.append(image)
    for image in dict.fromkeys(wanted):
        try:
            api.inspect_image(image)
        except docker.errors.ImageNotFound:
            continue
        yield StackEvent("image", image, "Removing")
        try:
            api.remove_image(image)
        except docker.errors.APIError as exc:
            yield StackEvent("image", image, "Warning", text=str(exc.explanation or exc))
            continue
        yield StackEvent("image", image, "Removed")
