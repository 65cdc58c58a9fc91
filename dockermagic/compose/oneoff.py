"""`docker compose run` and `docker compose exec`, as Compose v2 does them.

`run`: a one-off container of a service, named `<project>-<service>-run-<12 hex>` and labelled
`com.docker.compose.oneoff=True` (and `com.docker.compose.slug`), its dependencies started
first unless `--no-deps`, ports published only with `--service-ports` or `-p`, restart policy
cleared; attached and started as `docker start -a` is (the house's `Attach`), removed after
with `--rm`.  `exec`: the house's `Exec` in the service's container number `--index` (1).

The container's config is made here from the canonical service model, for the fields a
one-off needs (image, command, entrypoint, environment, user, working_dir, volumes, networks
with v2's aliases, ports, tty, stdin): a stand-in for `spec.container_spec` of `up`, to be
replaced by it once both land.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from ..containers.lifecycle import Attach
from ..containers.output import Exec
from ..errors import ComposeError, InvalidInput
from ..opts import pairs
from . import lifecycle, targets
from .results import ComposeProject


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


def start_dependencies(engine, project, service: str, result: ComposeProject):
    """`run` without `--no-deps`: what `service` depends on, started (and waited for) as
    `start` does; a dependency without any container is said, not created here."""
    deps = targets.with_dependencies(targets.dependencies(result), [service])[:-1]
    if not deps:
        return
    have = {c.labels.get(targets.SERVICE) for c in map(targets.container, targets.summaries(engine, project.name, deps))}
    missing = [d for d in deps if d not in have]
    if missing:
        raise ComposeError(f'service "{missing[0]}" has no container: %docker compose up -d {missing[0]} first, '
                           "or run with --no-deps")
    yield from lifecycle.start(engine, result, deps)


def create(engine, project, service_name: str, options: RunOptions) -> tuple[str, str]:
    """The one-off container created (not started) -> (id, name)."""
    import docker

    service = project.services.get(service_name)
    if service is None:
        raise InvalidInput(f'no such service: "{service_name}"')
    token = slug()
    name = options.name or f"{project.name}-{service_name}-run-{token[:12]}"
    kwargs = _spec(engine.api, project, service_name, service, options, token, name)
    try:
        created = engine.api.create_container(**kwargs)
    except docker.errors.ImageNotFound as exc:
        raise ComposeError(f"no such image: {kwargs['image']} (pull or build it: %docker compose pull "
                           f"{service_name})") from exc
    except docker.errors.APIError as exc:
        from ..engine import adapter

        raise ComposeError(f"run {service_name}: {adapter.explanation(exc)}") from exc
    return created["Id"], name


def attach(engine, container_id: str, stdin=False) -> Attach:
    """The house's `start -a`: attached first, then started; events Started, Output ..., Exited."""
    return Attach(engine, container_id, start=True, stdin=stdin)


def _spec(api, project, service_name: str, service: dict, options: RunOptions, token: str, name: str) -> dict:
    labels = {k: str(v) for k, v in (service.get("labels") or {}).items()}
    labels.update(pairs.label_map(options.labels, "-l"))
    labels.update({targets.PROJECT: project.name, targets.SERVICE: service_name, targets.NUMBER: "1",
                   targets.ONEOFF: "True", "com.docker.compose.slug": token,
                   "com.docker.compose.project.working_dir": project.working_dir,
                   "com.docker.compose.project.config_files": ",".join(project.config_files),
                   "com.docker.compose.version": "2.40.3"})
    environment = {k: v for k, v in (service.get("environment") or {}).items() if v is not None}
    environment.update(dict(e.split("=", 1) for e in pairs.env_list(options.env, "-e") or ()))
    command = options.command or service.get("command")
    entrypoint = service.get("entrypoint")
    if options.entrypoint is not None:
        import shlex

        entrypoint = shlex.split(options.entrypoint)
        command = options.command or None
    ports, bindings = _ports(service if options.service_ports else {}, options.publish)
    binds = []
    for volume in service.get("volumes") or ():
        source = volume.get("source")
        if volume.get("type") == "volume" and source:
            source = (project.volumes.get(source) or {}).get("name", f"{project.name}_{source}")
        if volume.get("type") in ("bind", "volume") and source:
            binds.append(f"{source}:{volume['target']}{':ro' if volume.get('read_only') else ''}")
    binds += options.volumes
    networks = sorted(service.get("networks") or {}, key=lambda k: (-(((service["networks"] or {}).get(k) or {})
                                                                        .get("priority") or 0), k))
    mode = service.get("network_mode") or ((project.networks.get(networks[0]) or {}).get("name",
                                            f"{project.name}_{networks[0]}") if networks else None)
    endpoints = None
    if networks and not service.get("network_mode"):
        aliases = [service_name] + list(((service["networks"] or {}).get(networks[0]) or {}).get("aliases") or ())
        endpoints = api.create_networking_config({mode: api.create_endpoint_config(aliases=aliases)})
    host = api.create_host_config(binds=binds or None, port_bindings=bindings or None, network_mode=mode,
                                  privileged=bool(service.get("privileged")), cap_add=service.get("cap_add"),
                                  cap_drop=service.get("cap_drop"), init=service.get("init"),
                                  extra_hosts=service.get("extra_hosts") or None)
    return dict(image=service.get("image") or f"{project.name}-{service_name}", command=command,
                entrypoint=entrypoint, name=name, labels=labels, environment=environment or None,
                user=options.user or service.get("user"), working_dir=options.workdir or service.get("working_dir"),
                tty=options.tty, stdin_open=options.interactive, hostname=service.get("hostname"),
                ports=ports or None, host_config=host, networking_config=endpoints,
                stop_signal=service.get("stop_signal"))


def _ports(service: dict, publish: list[str]) -> tuple[list, dict]:
    """The service's ports (with `--service-ports`) and `-p` ones as docker-py's ports and bindings."""
    ports, bindings = [], {}
    specs = [(p["target"], p.get("protocol", "tcp"), p.get("host_ip") or "", p.get("published") or "")
             for p in service.get("ports") or ()]
    for text in publish:
        head, _, proto = text.partition("/")
        parts = head.split(":")
        target = parts[-1]
        published = parts[-2] if len(parts) > 1 else ""
        host_ip = ":".join(parts[:-2]) if len(parts) > 2 else ""
        specs.append((int(target), proto or "tcp", host_ip, published))
    for target, proto, host_ip, published in specs:
        key = (int(target), proto)
        ports.append(key)
        binding = (host_ip, published) if host_ip else (published or None)
        bindings.setdefault(f"{int(target)}/{proto}", []).append(binding)
    return ports, bindings
