"""`docker compose run` and `docker compose exec`, as Compose v2 does them.

`run`: a one-off container of a service, named `<project>-<service>-run-<12 hex>` and labelled
`com.docker.compose.oneoff=True` (and `com.docker.compose.slug`), built by `spec.container_spec`
-- the same config `up` gives the service's containers -- with the one-off's overrides as v2's
`run` makes them: its command, entrypoint, `-e`, `-u`, `-w`, `-l`, `-v`, ports only with
`--service-ports` or `-p`, no restart policy, no container number, and on its networks its own
name as its only alias.  Its dependencies without a container are brought up first through
`up` (unless `--no-deps`), as v2 does; then it is attached and started as `docker start -a` is
(the house's `Attach`), removed after with `--rm`.  `exec`: the house's `Exec` in the service's
container number `--index` (1).
"""

from __future__ import annotations

import copy
import secrets
import shlex
from dataclasses import dataclass, field

from ..containers.lifecycle import Attach
from ..containers.output import Exec
from ..errors import ComposeError, InvalidInput
from ..opts import pairs
from . import images, lifecycle, spec, state, targets
from . import labels as names
from .results import ComposeProject

#: v2's label of a one-off's slug (labels.py has no name for it yet)
SLUG = names.PREFIX + "slug"


def exec_job(engine, project: str, service: str, command: list[str], *, index: int | None = None, user=None,
             workdir=None, env=(), stdin=None, tty=False, privileged=False) -> Exec:
    """`docker compose exec SERVICE COMMAND`: the house's `Exec` in the service's container."""
    if not command:
        raise InvalidInput("docker compose exec needs a SERVICE and a COMMAND, e.g. %docker compose exec web sh")
    row = targets.one(engine, project, service, index)
    return Exec(engine, row["Id"], command, user, workdir, env, stdin, tty=tty, privileged=privileged)


@dataclass
class RunOptions:
    """`docker compose run`'s flags."""

    command: list[str] = field(default_factory=list)
    rm: bool = False
    detach: bool = False
    name: str | None = None
    entrypoint: str | None = None
    env: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    user: str | None = None
    workdir: str | None = None
    volumes: list[str] = field(default_factory=list)
    publish: list[str] = field(default_factory=list)
    service_ports: bool = False
    no_deps: bool = False
    tty: bool = False
    interactive: bool = False


def slug() -> str:
    """v2's run slug: 64 hex digits, of which the name shows the first 12."""
    return secrets.token_hex(32)


def prepare(engine, project, service: str, no_deps: bool = False, builder: str = "auto"):
    """What `run` needs before its container, as `StackEvent`s: the service's networks and the
    project's volumes (made when missing, as `up` makes them) and, without `--no-deps`, what it
    depends on (transitively) -- those without a running container brought up by `up -d` of
    them, which also starts what they need and waits for their conditions, as v2 does."""
    from .up import UpOptions, ensure_networks, ensure_volumes, order, up

    yield from ensure_networks(engine.api, project, [service])
    yield from ensure_volumes(engine.api, project)
    deps = [] if no_deps else order(project, [service])[:-1]
    running = {state.service_of(r) for r in state.raw_containers(engine.api, project.name, all=False, services=deps)}
    missing = [d for d in deps if d not in running]
    result = ComposeProject(project.name, project.working_dir, project.model, action="up")
    if missing:
        yield from up(engine, project, result, UpOptions(services=missing, detach=True, builder=builder))
    if deps:
        yield from lifecycle.await_dependencies(engine, result, service)


def create(engine, project, service_name: str, options: RunOptions, env_files=None) -> tuple[str, str]:
    """The one-off container created (not started) -> (id, name)."""
    import docker

    from ..engine import adapter

    if service_name not in project.services:
        raise InvalidInput(f'no such service: "{service_name}"')
    token = slug()
    name = options.name or f"{project.name}-{service_name}-run-{token[:12]}"
    service = one_off_service(project.services[service_name], options)
    image = names.image_name(project.name, service_name, service)
    image_id = images.image_id(engine.api, image)
    if image_id is None:
        raise ComposeError(f"no such image: {image} (pull or build it: %docker compose pull {service_name})")
    made = container_config(engine.api, project, service_name, service, options, token, name, image_id, env_files)
    try:
        created = engine.api.create_container(**made.kwargs)
        for network, endpoint in made.connect:
            engine.api.connect_container_to_network(created["Id"], network, **endpoint)
    except docker.errors.APIError as exc:
        raise ComposeError(f"run {service_name}: {adapter.explanation(exc)}") from exc
    return created["Id"], name


def one_off_service(service: dict, options: RunOptions) -> dict:
    """The service model with `run`'s overrides applied, as v2's `run` changes it before creating."""
    service = copy.deepcopy(service)
    if options.command:
        service["command"] = list(options.command)
    if options.entrypoint is not None:
        service["entrypoint"] = shlex.split(options.entrypoint)
        if not options.command:  # v2: a new entrypoint drops the service's command
            service["command"] = None
    environment = dict(service.get("environment") or {})
    environment.update(e.split("=", 1) for e in pairs.env_list(options.env, "-e") or ())
    service["environment"] = environment
    if options.user:
        service["user"] = options.user
    if options.workdir:
        service["working_dir"] = options.workdir
    if options.labels:
        service["labels"] = {**(service.get("labels") or {}), **pairs.label_map(options.labels, "-l")}
    service["ports"] = (service.get("ports") or [] if options.service_ports else []) + [
        _published(text) for text in options.publish]
    service.pop("restart", None)
    service.pop("container_name", None)
    if options.no_deps:   # v2 drops them: the label `com.docker.compose.depends_on` is empty
        service.pop("depends_on", None)
    for net in (service.get("networks") or {}).values():
        if net:
            net.pop("aliases", None)
    return service


def container_config(api, project, service_name: str, service: dict, options: RunOptions, token: str, name: str,
                     image_id: str, env_files=None):
    """`spec.container_spec` of the one-off service, then what only a one-off has: its name and
    slug, no container number, its name as its alias, the terminal and stdin it asked for."""
    made = spec.container_spec(api, project, service_name, service, 1, image_id, env_files,
                               lambda other: _first(api, project.name, other))
    kwargs = made.kwargs
    kwargs["name"] = name
    labels = kwargs["labels"]
    labels.pop(names.NUMBER, None)
    labels.update({names.ONEOFF: "True", SLUG: token})
    for endpoint in ((kwargs.get("networking_config") or {}).get("EndpointsConfig") or {}).values():
        endpoint["Aliases"] = [name]
    for _, endpoint in made.connect:
        endpoint["aliases"] = [name]
    kwargs["tty"], kwargs["stdin_open"] = options.tty, options.interactive
    host = kwargs["host_config"]
    host["PortBindings"] = host.get("PortBindings") or {}   # v2 always sends the map
    if options.volumes:
        host["Binds"] = (host.get("Binds") or []) + list(options.volumes)
    return made


def _first(api, project: str, service: str) -> str:
    found = state.raw_containers(api, project, services=[service])
    if not found:
        raise ComposeError(f"service {service!r} has no container to share (network_mode / volumes_from)")
    return found[0]["Id"]


def _published(text: str) -> dict:
    """`-p [[IP:]PUBLISHED:]TARGET[/PROTO]` as the model's long port syntax."""
    head, _, protocol = text.partition("/")
    parts = head.rsplit(":", 2)
    if not parts[-1].isdigit():
        raise InvalidInput(f"-p {text!r}: [[IP:]PUBLISHED:]TARGET[/PROTOCOL], e.g. 8080:80")
    port = {"target": int(parts[-1]), "protocol": protocol or "tcp", "mode": "ingress"}
    if len(parts) > 1 and parts[-2]:
        port["published"] = parts[-2]
    if len(parts) > 2 and parts[0]:
        port["host_ip"] = parts[0]
    return port


def attach(engine, container_id: str, stdin=False) -> Attach:
    """The house's `start -a`: attached first, then started; events Started, Output ..., Exited."""
    return Attach(engine, container_id, start=True, stdin=stdin)
