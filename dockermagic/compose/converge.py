"""One service's containers brought to its scale and config, as Compose v2 converges them:
recreated only when forced or when the config hash, the image or (for a running container)
the ids of its networks differ (a network removed and made again), the highest numbers
removed first when scaling down, and a recreated container keeping the old one's anonymous
volumes (the image's `VOLUME`s and `volumes: [/path]`), as v2 inherits them.
"""

from __future__ import annotations

import docker

from ..engine import adapter
from ..errors import ComposeError
from . import labels as names
from . import spec, state
from .readiness import stop
from .results import StackEvent


def scale_of(service: dict, options, name: str) -> int:
    if name in options.scale:
        return options.scale[name]
    if service.get("scale") is not None:
        return int(service["scale"])
    replicas = (service.get("deploy") or {}).get("replicas")
    return 1 if replicas is None else int(replicas)


def must_recreate(project, service: dict, raw: dict, image: str, policy: str, network_ids=None) -> bool:
    """v2's mustRecreate: forced, or another config hash or image id, or (running) a network of
    the service whose id the container is not attached to."""
    if policy == "never":
        return False
    if policy == "force":
        return True
    labels = raw.get("Labels") or {}
    if labels.get(names.CONFIG_HASH) != names.service_hash(service) or labels.get(names.IMAGE) != image:
        return True
    if raw.get("State") == "running" and not service.get("network_mode"):
        attached = ((raw.get("NetworkSettings") or {}).get("Networks") or {})
        have_ids = {n.get("NetworkID") for n in attached.values()}
        for key in service.get("networks") or {}:
            name = names.network_name(project.name, key, project.networks.get(key))
            wanted = (network_ids or {}).get(name)
            # Podman's listing gives the network's name as its NetworkID: that counts as attached
            if (wanted not in have_ids and name not in have_ids) if wanted else (name not in attached):
                return True
    return False


def converge(api, project, name: str, options, existing: list[dict], image: str, network_ids=None):
    """Yields StackEvents; returns the service's containers afterwards, as list entries
    (`Id`, `Names`, `State`, `Labels`), lowest number first, for the start that follows."""
    service = project.services[name]
    policy = "force" if options.force_recreate else "never" if options.no_recreate else "diverged"
    scale = scale_of(service, options, name)
    existing = sorted(existing, key=state._number)
    for raw in reversed(existing[scale:]):
        yield from stop_and_remove(api, raw, options.timeout)
    out = []
    for raw in existing[:scale]:
        if must_recreate(project, service, raw, image, policy, network_ids):
            out.append((yield from recreate(api, project, name, service, raw, image, options)))
        else:
            if raw.get("State") == "running":
                yield StackEvent("container", state.ContainerRow(raw).Names, "Running", name)
            out.append(raw)
    number = max((state._number(raw) for raw in existing[:scale]), default=0) + 1
    for _ in range(scale - len(out)):
        out.append((yield from create(api, project, name, service, number, image, options)))
        number += 1
    return out


def create(api, project, name: str, service: dict, number: int, image: str, options, temp_name=None,
           replaced: str | None = None, inherit: list[dict] | None = None) -> dict:
    """Yields StackEvents; returns the new container as a list entry would show it."""
    made = spec.container_spec(api, project, name, service, number, image, options.env_files,
                               lambda other: _first_container(api, project.name, other), inherit)
    shown = made.name
    if temp_name:
        made.kwargs["name"] = temp_name
    if replaced:  # v2 writes `<service>-<n>` (or the container_name) here, not the old id
        made.kwargs["labels"][names.REPLACE] = service.get("container_name") or f"{name}-{number}"
    else:
        yield StackEvent("container", shown, "Creating", name)
    try:
        if any(not str(t).split("/")[0].isdigit() for t in service.get("expose") or []):
            kwargs = dict(made.kwargs)
            config = api.create_container_config(**{k: v for k, v in kwargs.items() if k not in ("name", "platform")})
            created = api.create_container_from_config(spec.exposed_as_written(service, config), kwargs["name"],
                                                       kwargs.get("platform"))
        else:
            created = api.create_container(**made.kwargs)
        for network, endpoint in made.connect:
            api.connect_container_to_network(created["Id"], network, **endpoint)
    except docker.errors.APIError as exc:
        yield StackEvent("container", shown, "Error", name, adapter.explanation(exc))
        raise ComposeError(f"container {shown}: {adapter.explanation(exc)}") from None
    if not replaced:
        yield StackEvent("container", shown, "Created", name)
    return {"Id": created["Id"], "Names": [f"/{shown}"], "State": "created", "Labels": made.kwargs["labels"]}


def recreate(api, project, name: str, service: dict, raw: dict, image: str, options) -> dict:
    """v2's recreate: the new container made under `<old id 12>_<name>` with the old one's
    anonymous volumes, the old one stopped and removed, the new one renamed."""
    shown = state.ContainerRow(raw).Names
    yield StackEvent("container", shown, "Recreate", name)
    number = state._number(raw)
    temp = f"{raw['Id'][:12]}_{names.container_name(project.name, name, number)}"
    new = yield from create(api, project, name, service, number, image, options, temp_name=temp,
                            replaced=raw["Id"], inherit=_anonymous(api, service, raw, image))
    stop(api, raw["Id"], options.timeout)
    api.remove_container(raw["Id"], v=False, force=True)
    api.rename(new["Id"], service.get("container_name") or names.container_name(project.name, name, number))
    yield StackEvent("container", shown, "Recreated", name)
    return new


def _anonymous(api, service: dict, raw: dict, image: str) -> list[dict]:
    """The old container's volumes v2 hands to the new one: at a target the service lists
    without a source, or that the image declares as a `VOLUME` (its inspect read only then)."""
    volumes = [m for m in raw.get("Mounts") or [] if m.get("Type") == "volume" and m.get("Name")]
    if not volumes:
        return []
    bare = {v.get("target") for v in service.get("volumes") or [] if not v.get("source") and v.get("type") == "volume"}
    declared: dict = {}
    if any(m.get("Destination") not in bare for m in volumes):
        try:
            declared = (api.inspect_image(image).get("Config") or {}).get("Volumes") or {}
        except docker.errors.NotFound:
            declared = {}
    return [{"Type": "volume", "Source": m["Name"], "Target": m["Destination"], "ReadOnly": not m.get("RW", True)}
            for m in volumes if m.get("Destination") in bare or m.get("Destination") in declared]


def stop_and_remove(api, raw: dict, timeout: int | None, volumes: bool = False):
    yield from stop_only(api, raw, timeout)
    yield from remove_only(api, raw, volumes)


def stop_only(api, raw: dict, timeout: int | None):
    if raw.get("State") in ("running", "paused", "restarting"):
        shown, service = state.ContainerRow(raw).Names, (raw.get("Labels") or {}).get(names.SERVICE)
        yield StackEvent("container", shown, "Stopping", service)
        stop(api, raw["Id"], timeout)
        yield StackEvent("container", shown, "Stopped", service)


def remove_only(api, raw: dict, volumes: bool = False):
    shown, service = state.ContainerRow(raw).Names, (raw.get("Labels") or {}).get(names.SERVICE)
    yield StackEvent("container", shown, "Removing", service)
    try:
        api.remove_container(raw["Id"], v=volumes, force=True)
    except docker.errors.NotFound:
        pass
    yield StackEvent("container", shown, "Removed", service)


def _first_container(api, project: str, service: str) -> str:
    found = state.raw_containers(api, project, services=[service])
    if not found:
        raise ComposeError(f"service {service!r} has no container to share (network_mode / volumes_from)")
    return found[0]["Id"]
