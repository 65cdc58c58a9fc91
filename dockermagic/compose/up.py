"""`docker compose up` and `create` on the Engine API, as Compose v2 converges a project:
what exists read at once, orphans warned about or removed, networks and volumes made when
missing, images pulled or built (`images.py`), then each service on the dependency graph
(`graph.py`): converged (`converge.py`: created, recreated, scaled) as soon as its dependencies'
containers exist, started (`readiness.py`: dependency conditions, secrets copied in) as soon as
they started, not a level at a time; then `--wait` or the attached logs.  Ctrl-C keeps what
exists and says it; an engine that goes away ends `up` in one line.  `up()` is a generator of
`StackEvent`s (and `LogLine`s) that keeps a `ComposeProject` up to date.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import docker
import requests

from ..engine import adapter
from ..errors import ComposeError, InvalidInput
from . import converge, graph, images, readiness, state
from . import labels as names
from .converge import stop_and_remove
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
    timestamps: bool = False           # attached lines stamped with the time they came
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
    try:
        yield from _up(engine, project, result, options)
    except requests.exceptions.ConnectionError as exc:
        raise ComposeError(f"the engine at {engine.address} stopped answering during up: "
                           f"{adapter.explanation(exc)}") from None


def _up(engine, project, result: ComposeProject, options: UpOptions):
    api = engine.api
    services = order(project, options.services, options.no_deps)
    attachments: list | None = None
    try:
        everything, network_ids, volumes, seen = _read(api, project, services)
        yield from _orphans(api, project, options.remove_orphans, options.timeout, everything)
        yield from ensure_networks(api, project, services, network_ids, known=True)
        yield from ensure_volumes(api, project, volumes)
        ids: dict = {}
        yield from images.ensure(engine, project, services, options.pull, options.build, options.no_build,
                                 options.builder, ids, seen)
        foreground = not (options.detach or options.no_start or options.wait)
        attachments = [] if foreground else None
        yield from bring_up(api, project, services, options, everything, ids, network_ids, attachments)
    except KeyboardInterrupt:
        raise _interrupted(api, result) from None
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


def bring_up(api, project, services, options, everything, ids, network_ids, attachments=None):
    """Each service converged once its dependencies' containers exist, and started (unless
    `--no-start`) once they started and met their conditions: v2's dependency-ordered walk,
    each service as soon as its own dependencies allow, not a level at a time.
    `attachments` (a list, foreground `up`): each service's containers attached before they start."""
    milestones = graph.Milestones()
    made: dict[str, list[dict]] = {}
    recreated: set[str] = set()
    wanted = set(services)
    shown = options.attach or [s for s in services if s not in options.no_attach]

    def job(name):
        service = project.services[name]
        deps = [d for d in service.get("depends_on") or {} if d in wanted]
        milestones.wait(deps, "created")
        existing = [raw for raw in everything if (raw.get("Labels") or {}).get(names.SERVICE) == name]
        image = ids.get(names.image_name(project.name, name, service)) or ""
        raws = yield from converge.converge(api, project, name, options, existing, image, network_ids)
        before = {raw["Id"] for raw in existing}
        if existing and any(raw["Id"] not in before for raw in raws[:len(existing)]):
            recreated.add(name)
        made[name] = raws
        milestones.reach(name, "created")
        if attachments is not None:
            attachments.extend(readiness.attach(api, raws, bool(service.get("tty")), name in shown))
        if options.no_start:
            return
        milestones.wait(deps, "started")
        yield from readiness.start_service(api, project, name, raws, made, recreated, lambda: milestones.aborted)
        milestones.reach(name, "started")

    yield from graph.concurrently((job(name) for name in services), milestones)


def _read(api, project, services):
    """What `up` reads before it changes anything, asked at once (four independent reads):
    the project's containers (one listing for orphans and convergence), {network name: id} of
    its networks that exist, the names of its volumes that exist, {image: id or None}."""
    wanted = [names.image_name(project.name, name, project.services[name]) for name in services]
    with ThreadPoolExecutor(4) as pool:
        containers = pool.submit(state.raw_containers, api, project.name)
        networks = pool.submit(_existing_networks, api, project, services)
        volumes = pool.submit(_existing_volumes, api, project)
        seen = pool.submit(lambda: {image: images.image_id(api, image) for image in dict.fromkeys(wanted)})
        return containers.result(), networks.result(), volumes.result(), seen.result()


def _existing_networks(api, project, services) -> dict:
    wanted = {names.network_name(project.name, key, project.networks[key]) for key in used_networks(project, services)}
    return {n["Name"]: n["Id"] for n in api.networks(names=list(wanted)) if n.get("Name") in wanted} if wanted else {}


def _existing_volumes(api, project) -> set[str]:
    found = set()
    for key, volume in project.volumes.items():
        name = names.volume_name(project.name, key, volume)
        try:
            api.inspect_volume(name)
            found.add(name)
        except docker.errors.NotFound:
            pass
    return found


def _interrupted(api, result) -> ComposeError:
    """Ctrl-C: what exists is kept, as v2 keeps it, and said."""
    try:
        state.refresh(api, result)
    except requests.exceptions.ConnectionError:
        pass
    kept = ", ".join(c.name for c in result.containers) or "nothing"
    return ComposeError(f"up interrupted: creation stopped; kept as v2 keeps them: {kept} (`down` removes them)")


# -- networks and volumes ------------------------------------------------------------------
def used_networks(project, services) -> list[str]:
    keys = [key for name in services for key in (project.services[name].get("networks") or {})]
    return [key for key in project.networks if key in keys]


def ensure_networks(api, project, services, ids: dict | None = None, known: bool = False):
    """The services' networks, made when missing (at once, as v2 makes them); `ids` gets {name: id}
    (`known`: it holds those that exist already)."""
    ids = {} if ids is None else ids
    wanted = {names.network_name(project.name, key, project.networks[key]): key
              for key in used_networks(project, services)}
    if not wanted:
        return
    if not known:
        ids.update(_existing_networks(api, project, services))
    missing = [name for name in wanted if name not in ids]
    yield from graph.concurrently(_make_network(api, project, wanted[name], name, ids) for name in missing)


def _make_network(api, project, key: str, name: str, ids: dict):
    network = project.networks[key] or {}
    if network.get("external"):
        raise ComposeError(f"network {name} declared as external, but could not be found")
    yield StackEvent("network", name, "Creating")
    ipam = network.get("ipam") or {}
    pools = [docker.types.IPAMPool(subnet=c.get("subnet"), iprange=c.get("ip_range"), gateway=c.get("gateway"),
                                   aux_addresses=c.get("aux_addresses")) for c in ipam.get("config") or []]
    made = api.create_network(
        name, driver=network.get("driver"), options=network.get("driver_opts"),
        ipam=docker.types.IPAMConfig(driver=ipam.get("driver") or "default", pool_configs=pools,
                                     options=ipam.get("options")) if ipam else None,
        check_duplicate=True, internal=bool(network.get("internal")),
        labels=names.network_labels(project, key, network), enable_ipv6=network.get("enable_ipv6"),
        attachable=network.get("attachable"))
    ids[name] = made["Id"]
    yield StackEvent("network", name, "Created")


def ensure_volumes(api, project, existing: set[str] | None = None):
    existing = _existing_volumes(api, project) if existing is None else existing
    for key, volume in project.volumes.items():
        volume = volume or {}
        name = names.volume_name(project.name, key, volume)
        if name in existing:
            continue
        if volume.get("external"):
            raise ComposeError(f"external volume {name!r} not found")
        yield StackEvent("volume", name, "Creating")
        api.create_volume(name, driver=volume.get("driver") or "local", driver_opts=volume.get("driver_opts"),
                          labels=names.volume_labels(project, key, volume))
        yield StackEvent("volume", name, "Created")


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
