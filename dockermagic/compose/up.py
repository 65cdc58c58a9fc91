"""`docker compose up` and `create` on the Engine API, as Compose v2 converges a project:
networks and volumes made when missing, images pulled or built, containers created in
dependency order and recreated only when their config hash, image or networks changed
(`--force-recreate`, `--no-recreate`), scaled up and down (highest numbers go first),
orphans warned about or removed, then started with `readiness.py` (dependency conditions,
`--wait`, the attached logs).  `up()` is a generator of `StackEvent`s (and `LogLine`s) that
keeps a `ComposeProject` up to date.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import docker
import requests

from ..engine import adapter
from ..errors import ComposeError, InvalidInput
from . import images, readiness, spec, state
from . import labels as names
from .readiness import stop
from .results import ComposeProject, StackEvent


@dataclass
class UpOptions:
    """`up`'s (and `create`'s) flags, as v2 spells them."""

    services: list[str] = field(default_factory=list)
    detach: bool = True
    build: bool = False
    no_build: bool = False
    pull: str | None = None            # always, missing, never, build (None: each service's pull_policy)
    force_recreate: bool = False
    no_recreate: bool = False
    no_deps: bool = False
    scale: dict[str, int] = field(default_factory=dict)
    remove_orphans: bool = False
    no_start: bool = False
    wait: bool = False
    wait_timeout: float | None = None
    timeout: int | None = None         # -t: seconds to stop a container before killing it
    abort_on_container_exit: bool = False
    exit_code_from: str | None = None
    attach: list[str] = field(default_factory=list)
    no_attach: list[str] = field(default_factory=list)
    env_files: list[str] = field(default_factory=list)  # com.docker.compose.project.environment_file
    builder: str = "auto"


def order(project, wanted=(), no_deps: bool = False) -> list[str]:
    """The services to run, dependencies first (v2's graph walk); `wanted` adds what they need."""
    services = project.services
    for name in wanted:
        if name not in services:
            raise InvalidInput(f"no such service: {name}")
    out: list[str] = []

    def visit(name, path=()):
        if name in out:
            return
        if name in path:
            raise InvalidInput(f"dependency cycle detected: {' -> '.join((*path, name))}")
        for dep in sorted(services[name].get("depends_on") or {}):
            if dep in services:
                visit(dep, (*path, name))
        out.append(name)

    for name in list(wanted) or sorted(services):
        visit(name)
    return [name for name in out if name in wanted] if no_deps and wanted else out


def up(engine, project, result: ComposeProject | None = None, options: UpOptions | None = None):
    """Converge `project` on `engine` and start it; yields StackEvent / LogLine."""
    options = options or UpOptions()
    result = result or ComposeProject(project.name, project.working_dir, project.model, action="up")
    api = engine.api
    services = order(project, options.services, options.no_deps)
    try:
        everything = state.raw_containers(api, project.name)   # one listing for orphans and convergence
        yield from _orphans(api, project, options.remove_orphans, options.timeout, everything)
        yield from ensure_networks(api, project, services)
        yield from ensure_volumes(api, project)
        ids: dict = {}
        yield from images.ensure(engine, project, services, options.pull, options.build, options.no_build,
                                 options.builder, ids)
        recreated = set()
        for level in readiness.levels(project, services):
            for event in readiness.concurrently(
                    converge(api, project, name, options, _of(everything, name), ids) for name in level):
                if event.state == "Recreated":
                    recreated.add(event.service)
                yield event
        foreground = not (options.detach or options.no_start or options.wait)
        attachments = readiness.attach(api, project, services, options) if foreground else None
        if not options.no_start:
            yield from readiness.start(api, project, services, options, recreated)
    except KeyboardInterrupt:
        state.refresh(api, result)
        kept = ", ".join(c.name for c in result.containers) or "nothing"
        raise ComposeError(f"up interrupted: creation stopped; kept as v2 keeps them: {kept} "
                           "(`down` removes them)") from None
    except requests.exceptions.ConnectionError as exc:
        raise ComposeError(f"the engine at {engine.address} stopped answering during up: "
                           f"{adapter.explanation(exc)}") from None
    finally:
        try:
            state.refresh(api, result)
        except requests.exceptions.ConnectionError:
            pass
    if options.wait and not options.no_start:
        yield from readiness.wait_all(api, project, services, options.wait_timeout)
    elif attachments is not None:
        yield from readiness.attached(api, project, attachments, options, result)
        state.refresh(api, result)


# -- networks and volumes ------------------------------------------------------------------
def used_networks(project, services) -> list[str]:
    keys = [key for name in services for key in (project.services[name].get("networks") or {})]
    return [key for key in project.networks if key in keys]


def ensure_networks(api, project, services):
    for key in used_networks(project, services):
        network = project.networks[key] or {}
        name = names.network_name(project.name, key, network)
        found = api.networks(names=[name])
        if any(n.get("Name") == name for n in found):
            continue
        if network.get("external"):
            raise ComposeError(f"network {name} declared as external, but could not be found")
        yield StackEvent("network", name, "Creating")
        ipam = network.get("ipam") or {}
        pools = [docker.types.IPAMPool(subnet=c.get("subnet"), iprange=c.get("ip_range"), gateway=c.get("gateway"),
                                       aux_addresses=c.get("aux_addresses")) for c in ipam.get("config") or []]
        api.create_network(
            name, driver=network.get("driver"), options=network.get("driver_opts"),
            ipam=docker.types.IPAMConfig(driver=ipam.get("driver") or "default", pool_configs=pools,
                                         options=ipam.get("options")) if ipam else None,
            check_duplicate=True, internal=bool(network.get("internal")),
            labels=names.network_labels(project, key, network), enable_ipv6=network.get("enable_ipv6"),
            attachable=network.get("attachable"))
        yield StackEvent("network", name, "Created")


def ensure_volumes(api, project):
    for key, volume in project.volumes.items():
        volume = volume or {}
        name = names.volume_name(project.name, key, volume)
        try:
            api.inspect_volume(name)
            continue
        except docker.errors.NotFound:
            pass
        if volume.get("external"):
            raise ComposeError(f"external volume {name!r} not found")
        yield StackEvent("volume", name, "Creating")
        api.create_volume(name, driver=volume.get("driver") or "local", driver_opts=volume.get("driver_opts"),
                          labels=names.volume_labels(project, key, volume))
        yield StackEvent("volume", name, "Created")


# -- containers ----------------------------------------------------------------------------
def scale_of(service: dict, options: UpOptions, name: str) -> int:
    if name in options.scale:
        return options.scale[name]
    if service.get("scale") is not None:
        return int(service["scale"])
    replicas = (service.get("deploy") or {}).get("replicas")
    return 1 if replicas is None else int(replicas)


def must_recreate(project, name: str, service: dict, raw: dict, image: str, policy: str) -> bool:
    """v2's mustRecreate: forced, or another config hash, image id or set of networks."""
    if policy == "never":
        return False
    if policy == "force":
        return True
    labels = raw.get("Labels") or {}
    if labels.get(names.CONFIG_HASH) != names.service_hash(service) or labels.get(names.IMAGE) != image:
        return True
    if raw.get("State") == "running" and not service.get("network_mode"):
        wanted = {names.network_name(project.name, k, project.networks.get(k)) for k in service.get("networks") or {}}
        have = set(((raw.get("NetworkSettings") or {}).get("Networks") or {}))
        return not wanted <= have
    return False


def _of(raws: list[dict], service: str) -> list[dict]:
    return [raw for raw in raws if (raw.get("Labels") or {}).get(names.SERVICE) == service]


def converge(api, project, name: str, options: UpOptions, existing: list[dict] | None = None, ids=None):
    """One service's containers brought to its scale and config; yields StackEvents.
    `existing`: its containers, when the caller listed them; `ids`: {image: id} already read."""
    service = project.services[name]
    image_name = names.image_name(project.name, name, service)
    image = (ids or {}).get(image_name) or images.image_id(api, image_name) or ""
    policy = "force" if options.force_recreate else "never" if options.no_recreate else "diverged"
    if existing is None:
        existing = state.raw_containers(api, project.name, services=[name])
    scale = scale_of(service, options, name)
    existing.sort(key=state._number)
    for raw in reversed(existing[scale:]):
        yield from stop_and_remove(api, raw, options.timeout)
    existing = existing[:scale]
    for raw in existing:
        if must_recreate(project, name, service, raw, image, policy):
            yield from recreate(api, project, name, service, raw, image, options)
        elif raw.get("State") == "running":
            yield StackEvent("container", state.ContainerRow(raw).Names, "Running", name)
    number = max((state._number(raw) for raw in existing), default=0) + 1
    for _ in range(scale - len(existing)):
        yield from create(api, project, name, service, number, image, options)
        number += 1


def create(api, project, name: str, service: dict, number: int, image: str, options: UpOptions, temp_name=None,
           replaced: str | None = None):
    made = spec.container_spec(api, project, name, service, number, image, options.env_files,
                               lambda other: _first_container(api, project.name, other))
    shown = made.name
    if temp_name:
        made.kwargs["name"] = temp_name
    if replaced:  # v2 writes `<service>-<n>` (or the container_name) here, not the old id
        made.kwargs["labels"][names.REPLACE] = service.get("container_name") or f"{name}-{number}"
    else:
        yield StackEvent("container", shown, "Creating", name)
    try:
        created = api.create_container(**made.kwargs)
        for network, endpoint in made.connect:
            api.connect_container_to_network(created["Id"], network, **endpoint)
    except docker.errors.APIError as exc:
        yield StackEvent("container", shown, "Error", name, adapter.explanation(exc))
        raise ComposeError(f"container {shown}: {adapter.explanation(exc)}") from None
    if not replaced:
        yield StackEvent("container", shown, "Created", name)
    return created["Id"]


def recreate(api, project, name: str, service: dict, raw: dict, image: str, options: UpOptions):
    """v2's recreate: the new container made under `<old id 12>_<name>`, the old one stopped and
    removed, the new one renamed."""
    shown = state.ContainerRow(raw).Names
    yield StackEvent("container", shown, "Recreate", name)
    number = state._number(raw)
    temp = f"{raw['Id'][:12]}_{names.container_name(project.name, name, number)}"
    new = yield from create(api, project, name, service, number, image, options, temp_name=temp, replaced=raw["Id"])
    stop(api, raw["Id"], options.timeout)
    api.remove_container(raw["Id"], v=False, force=True)
    api.rename(new, names.container_name(project.name, name, number) if not service.get("container_name")
               else service["container_name"])
    yield StackEvent("container", shown, "Recreated", name)


def stop_and_remove(api, raw: dict, timeout: int | None, volumes: bool = False):
    shown = state.ContainerRow(raw).Names
    service = (raw.get("Labels") or {}).get(names.SERVICE)
    if raw.get("State") in ("running", "paused", "restarting"):
        yield StackEvent("container", shown, "Stopping", service)
        stop(api, raw["Id"], timeout)
        yield StackEvent("container", shown, "Stopped", service)
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


def orphans(api, project, raws: list[dict] | None = None) -> list[dict]:
    known = set(project.services) | set(getattr(project, "disabled", {}) or {})
    raws = state.raw_containers(api, project.name) if raws is None else raws
    return [raw for raw in raws if (raw.get("Labels") or {}).get(names.SERVICE) not in known]


def _orphans(api, project, remove: bool, timeout, raws=None):
    found = orphans(api, project, raws)
    if not found:
        return
    if remove:
        for raw in found:
            yield from stop_and_remove(api, raw, timeout)
        return
    listed = ", ".join(state.ContainerRow(raw).Names for raw in found)
    yield StackEvent("project", project.name, "Warning", None,
                     f"Found orphan containers ([{listed}]) for this project. If you removed or renamed this "
                     "service in your compose file, you can run this command with the --remove-orphans flag "
                     "to clean it up.")
