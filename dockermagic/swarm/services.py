"""Services on a swarm manager: `docker service create|ls|ps|inspect|scale|update|rollback|rm`,
interchangeable with the docker CLI (same specs, same names, same columns).  The spec comes
from `service_spec.apply`; convergence is `tasks.converge`.  Knows nothing of IPython."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import InvalidInput
from ..gotemplate.formats import Listing
from . import nodes, service_spec, tasks
from .cluster import SwarmError, call, refused
from .convergence import WAIT, Convergence, converge
from .objects import Removed

LS_HEADER = {"ID": "ID", "Name": "NAME", "Mode": "MODE", "Replicas": "REPLICAS", "Image": "IMAGE", "Ports": "PORTS"}
LS_TABLE = "table {{.ID}}\t{{.Name}}\t{{.Mode}}\t{{.Replicas}}\t{{.Image}}\t{{.Ports}}"


class ServiceError(SwarmError):
    """There is no such service, or the manager cannot do that to it."""


@dataclass
class Service:
    """A service on the swarm (what create, update, scale and inspect return); `.raw` is the
    engine's JSON.  `.wait()` waits for its tasks to converge, bounded."""

    id: str
    name: str
    mode: str  # replicated, global
    replicas: int | None  # desired, for a replicated service
    image: str
    ports: str  # as `service ls` prints them
    labels: dict = field(default_factory=dict)
    created: str = ""
    updated: str = ""
    update_state: str = ""  # the engine's UpdateStatus.State: updating, completed, paused, rollback_...
    label: str = ""  # the engine that answered
    warnings: list[str] = field(default_factory=list)
    convergence: Convergence | None = None
    raw: dict = field(default_factory=dict, repr=False)
    engine: object = field(default=None, repr=False, compare=False)

    @classmethod
    def of(cls, engine, raw: dict) -> "Service":
        spec = raw.get("Spec") or {}
        mode = spec.get("Mode") or {}
        replicas = (mode.get("Replicated") or {}).get("Replicas") if "Replicated" in mode else None
        return cls(raw["ID"], spec.get("Name", ""), mode_name(mode), replicas,
                   ((spec.get("TaskTemplate") or {}).get("ContainerSpec") or {}).get("Image", ""),
                   ports_text((raw.get("Endpoint") or {}).get("Ports") or []), dict(spec.get("Labels") or {}),
                   raw.get("CreatedAt", ""), raw.get("UpdatedAt", ""), (raw.get("UpdateStatus") or {}).get("State", ""),
                   getattr(engine, "label", ""), raw=raw, engine=engine)

    @property
    def spec(self) -> dict:
        return self.raw.get("Spec") or {}

    def reload(self) -> "Service":
        fresh = inspect(self.engine, self.id)
        convergence, warnings = self.convergence, self.warnings
        self.__dict__.update(fresh.__dict__)
        self.convergence, self.warnings = convergence, warnings
        return self

    def watch(self, action: str = "create", timeout: float | None = WAIT):
        """The convergence events (`tasks.converge`), kept on `.convergence`."""
        self.convergence = Convergence(self.name, self.mode, action)
        return converge(self.engine, self.id, self.convergence, timeout,
                        lambda exc: refused(exc, self.engine, "service ps"))

    def wait(self, timeout: float | None = WAIT) -> "Service":
        """Wait until the tasks converge (as the CLI without `-d`); `ConvergenceError` past `timeout`."""
        for _ in self.watch("wait", timeout):
            pass
        return self.reload()

    def ps(self, **kwargs) -> tasks.TaskList:
        """`docker service ps` of this service."""
        return list_tasks(self.engine, [self.id], **kwargs)


@dataclass
class ServiceRow:
    """One `docker service ls` row: the fields its `--format` templates see, as the CLI's."""

    ID: str
    Name: str
    Mode: str
    Replicas: str
    Image: str
    Ports: str

    def fields(self) -> dict:
        return {k: getattr(self, k) for k in LS_HEADER}


@dataclass
class ServiceList(Listing):
    """`docker service ls`: rows in the CLI's order (by name)."""

    rows: list[ServiceRow]
    label: str = ""


# -- columns -----------------------------------------------------------------------------------
def mode_name(mode: dict) -> str:
    for key, name in (("Replicated", "replicated"), ("Global", "global"), ("ReplicatedJob", "replicated job"),
                      ("GlobalJob", "global job")):
        if key in mode:
            return name
    return ""


def ports_text(ports: list[dict]) -> str:
    """`service ls`' PORTS: ingress ports, consecutive ones as ranges (`*:8080-8081->80-81/tcp`)."""
    ports = sorted(ports, key=lambda p: (p.get("Protocol", ""), p.get("PublishedPort", 0)))
    out, current = [], None  # [pub start, pub end, target start, target end, protocol]

    def show(r):
        pub = f"{r[0]}-{r[1]}" if r[1] > r[0] else f"{r[0]}"
        tgt = f"{r[2]}-{r[3]}" if r[3] > r[2] else f"{r[2]}"
        return f"*:{pub}->{tgt}/{r[4]}"

    for p in ports:
        if p.get("PublishMode", "ingress") != "ingress":
            continue
        pub, tgt, proto = p.get("PublishedPort", 0), p.get("TargetPort", 0), p.get("Protocol", "tcp")
        if (current is None or proto != current[4] or pub - current[1] > 1 or tgt - current[3] > 1
                or current[3] != current[2] and tgt <= current[3]):
            if current is not None and current[0] > 0:
                out.append(show(current))
            current = [pub, pub, tgt, tgt, proto]
            continue
        current[1], current[3] = pub, tgt
    if current is not None and current[0] > 0:
        out.append(show(current))
    return ", ".join(out)


def replicas_text(raw: dict) -> str:
    status = raw.get("ServiceStatus") or {}
    running, desired = status.get("RunningTasks", 0), status.get("DesiredTasks", 0)
    most = ((raw.get("Spec") or {}).get("TaskTemplate") or {}).get("Placement", {}).get("MaxReplicas", 0)
    return f"{running}/{desired} (max {most} per node)" if most else f"{running}/{desired}"


# -- operations --------------------------------------------------------------------------------
def inspect_raw(engine, name: str, doing: str = "service inspect", defaults: bool = False) -> dict:
    """The service's JSON; `defaults`: with the engine's defaults filled in, as `docker service
    inspect` shows it (an update starts from the spec without them, as the CLI's does)."""
    import docker

    try:
        return engine.api.inspect_service(name, insert_defaults=True) if defaults else engine.api.inspect_service(name)
    except docker.errors.NotFound:
        raise ServiceError(f"{doing}: no such service: {name}") from None
    except docker.errors.APIError as exc:
        raise refused(exc, engine, doing) from exc


def inspect(engine, name: str) -> Service:
    return Service.of(engine, inspect_raw(engine, name))


def _resolver(engine, doing: str):
    """Names of secrets, configs and networks as the engine's ids, as the CLI sends them."""
    cache = {}

    def resolve(kind: str, name: str) -> str:
        if (kind, name) in cache:
            return cache[kind, name]
        if kind == "network":
            found = call(engine, doing, "inspect_network", name)
            if found.get("Scope") != "swarm":
                raise InvalidInput(f"--network {name}: a service needs a swarm-scoped network (overlay); "
                                   f"{name} is {found.get('Scope', '?')}-scoped")
            cache[kind, name] = found["Id"]
        else:
            listing = "secrets" if kind == "secret" else "configs"
            hits = [s for s in call(engine, doing, listing, filters={"name": [name]})
                    if (s.get("Spec") or {}).get("Name") == name]
            if not hits:
                raise ServiceError(f"{doing}: {kind} not found: {name}")
            cache[kind, name] = hits[0]["ID"]
        return cache[kind, name]

    return resolve


def _pin_image(engine, spec: dict, auth: bytes | None) -> str | None:
    """The image's digest and platforms from its registry, as the CLI records them (so every
    node runs the same image); a warning instead where no registry answers."""
    import docker

    container = spec["TaskTemplate"]["ContainerSpec"]
    image = container["Image"]
    if "@" in image:
        return None
    try:
        found = engine.api.inspect_distribution(image)
    except docker.errors.APIError:
        return (f"image {image} could not be accessed on a registry to record its digest. Each node will access "
                f"{image} independently, possibly leading to different nodes running different versions of the image.")
    digest = (found.get("Descriptor") or {}).get("digest")
    if digest:
        name = image if ":" in image.rsplit("/", 1)[-1] else f"{image}:latest"
        container["Image"] = f"{name}@{digest}"
    platforms = [{"Architecture": p.get("architecture", ""), "OS": p.get("os", "")}
                 for p in found.get("Platforms") or [] if p.get("os") != "unknown"]
    if platforms:
        spec["TaskTemplate"].setdefault("Placement", {})["Platforms"] = platforms
    return None


def _auth_header(image: str) -> dict:
    """`--with-registry-auth`: the login kept for the image's registry, sent for the agents."""
    from ..opts import reference
    from ..registry import auth

    return {"X-Registry-Auth": auth.header(auth.server_of(reference.parse(image))).decode()}


def create(engine, image: str, command=(), options: dict | None = None) -> Service:
    """`docker service create IMAGE [COMMAND...]` with the CLI's options (a dict keyed by their
    argparse names; see `service_spec`).  Returns at once; `.watch()` / `.wait()` to converge."""
    from ..engine import adapter

    options = dict(options or {})
    from ..images.images import check_names

    check_names([image], "service create")
    _check_api(engine, options)
    spec = service_spec.apply(service_spec.defaults(image, command), options, _resolver(engine, "service create"))
    warnings = []
    if not options.get("no_resolve_image"):
        said = _pin_image(engine, spec, None)
        warnings += [said] if said else []
    headers = _auth_header(image) if options.get("with_registry_auth") else None
    made = call(engine, "service create", adapter.call, engine.api, "POST", "/services/create", json=spec,
                     headers=headers)
    warnings += list((made or {}).get("Warnings") or [])
    service = inspect(engine, made["ID"])
    service.warnings = warnings
    return service


def _check_api(engine, options: dict) -> None:
    """A flag the engine's API is too old for, refused as the CLI refuses it, before anything is sent."""
    from ..images.platforms import require_api
    from .service_runtime import NEWER

    for key, (needed, flag) in NEWER.items():
        if options.get(key) is not None:
            require_api(engine, needed, flag)


def update(engine, name: str, options: dict | None = None, rollback: bool = False) -> Service:
    """`docker service update [OPTIONS] SERVICE` (or `--rollback`): the current spec with the
    options applied, sent with its version, as the CLI sends it."""
    from ..engine import adapter

    options = dict(options or {})
    _check_api(engine, options)
    raw = inspect_raw(engine, name, "service rollback" if rollback or options.get("rollback") else "service update")
    params = {"version": raw["Version"]["Index"]}
    if rollback or options.get("rollback"):
        others = sorted(k for k, v in options.items() if k not in ("rollback", "detach", "quiet")
                        and v not in (None, False, [], ()))
        if others:
            raise InvalidInput(f"other flags may not be combined with --rollback (--{others[0].replace('_', '-')})")
        if not raw.get("PreviousSpec"):
            raise ServiceError(f"service rollback {name}: service does not have a previous spec")
        spec, params["rollback"] = raw["Spec"], "previous"
    else:
        spec = service_spec.apply(raw["Spec"], options, _resolver(engine, "service update"), creating=False)
        if options.get("image") and not options.get("no_resolve_image"):
            spec["TaskTemplate"].get("Placement", {}).pop("Platforms", None)
            _pin_image(engine, spec, None)
    image = spec["TaskTemplate"]["ContainerSpec"]["Image"]
    headers = _auth_header(image) if options.get("with_registry_auth") else None
    if headers:
        params["registryAuthFrom"] = "spec"
    made = call(engine, "service update", adapter.call, engine.api, "POST", "/services/{0}/update", raw["ID"],
                     params=params, json=spec, headers=headers)
    service = inspect(engine, raw["ID"])
    service.warnings = list((made or {}).get("Warnings") or [])
    return service


def scale(engine, wanted: dict[str, int]) -> list[Service]:
    """`docker service scale SERVICE=N ...`: each replicated service's replicas set."""
    out = []
    for name, replicas in wanted.items():
        raw = inspect_raw(engine, name, "service scale")
        if "Replicated" not in (raw["Spec"].get("Mode") or {}):
            raise ServiceError(f"service scale {name}: scale can only be used with replicated mode")
        out.append(update(engine, raw["ID"], {"replicas": replicas}))
    return out


def parse_scale(words) -> dict[str, int]:
    wanted = {}
    for word in words:
        name, sep, count = word.partition("=")
        if not sep or not name or not count.isdigit():
            raise InvalidInput(f"service scale {word!r}: expected SERVICE=REPLICAS, e.g. web=4")
        wanted[name] = int(count)
    return wanted


def remove(engine, names) -> Removed:
    """Every service named is tried, as the CLI does; the failures are reported together."""
    import docker

    removed, failed = [], []
    for name in names:
        try:
            engine.api.remove_service(name)
            removed.append(name)
        except docker.errors.APIError as exc:
            failed.append(refused(exc, engine, f"service rm {name}"))
    if failed:
        done = f" (removed: {', '.join(removed)})" if removed else ""
        error = type(failed[0]) if len({type(f) for f in failed}) == 1 else SwarmError
        raise error("; ".join(str(f) for f in failed) + done)
    return Removed("service", removed)


def list_services(engine, filters: dict | None = None, no_trunc: bool = False) -> ServiceList:
    raws = call(engine, "service ls", "services", filters=filters or None, status=True)
    rows = []
    for raw in sorted(raws, key=lambda s: tasks.natural((s.get("Spec") or {}).get("Name", ""))):
        spec = raw.get("Spec") or {}
        image = ((spec.get("TaskTemplate") or {}).get("ContainerSpec") or {}).get("Image", "")
        rows.append(ServiceRow(ID=raw["ID"] if no_trunc else raw["ID"][:12], Name=spec.get("Name", ""),
                               Mode=mode_name(spec.get("Mode") or {}), Replicas=replicas_text(raw),
                               Image=image if no_trunc else tasks.image_text(image),
                               Ports=ports_text((raw.get("Endpoint") or {}).get("Ports") or [])))
    return ServiceList(rows, engine.label)


def list_tasks(engine, services, filters: dict | None = None, no_trunc: bool = False,
               resolve: bool = True) -> tasks.TaskList:
    """`docker service ps SERVICE...`: each service's tasks (its history too), in the CLI's order."""
    ids = [inspect_raw(engine, name, "service ps")["ID"] for name in services]
    filters = dict(filters or {})
    if filters.get("node"):  # as the CLI: each node looked up by the engine (id, prefix, hostname or self)
        filters["node"] = [nodes.resolve(engine, ref, f"service ps --filter node={ref}")["ID"] for ref in filters["node"]]
    return nodes.placed(tasks.list_tasks(engine, {**filters, "service": ids}, "service ps", resolve, not no_trunc))
