"""Stacks on a swarm manager: `docker stack deploy|ls|ps|services|rm`, interchangeable with the
docker CLI (cli/command/stack/swarm): the same names, labels and specs (`stack_convert`), the
same lines printed, the same tables.  A stack is nothing but the objects labelled
`com.docker.stack.namespace=<stack>`, so the CLI and the magics see and remove each other's.
Knows nothing of IPython."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import InvalidInput
from ..gotemplate.formats import Listing
from . import services, stack_convert, tasks
from .cluster import SwarmError, call, refused
from .stack_convert import IMAGE, NAMESPACE

LS_HEADER = {"Name": "NAME", "Services": "SERVICES"}
LS_TABLE = "table {{.Name}}\t{{.Services}}"
_STAND_IN = "dockermagic-stack"
RESOLVE = ("always", "changed", "never")
DETACH_NOTE = ("Since --detach=false was not specified, tasks will be created in the background.\n"
               "In a future release, --detach=false will become the default.")


class StackError(SwarmError):
    """Nothing of that stack on the manager, or the manager refused part of a deploy."""


@dataclass
class Stack:
    """A deployed stack: its services (each a `Service`, `.wait()`-able), what the deploy printed."""

    name: str
    services: list = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    label: str = ""

    def wait(self, timeout: float | None = None) -> "Stack":
        """Wait for every service to converge, one after the other, as the CLI's `-d=false` does."""
        for service in self.services:
            service.wait(timeout) if timeout is not None else service.wait()
        return self

    def __repr__(self) -> str:
        return "\n".join(self.lines)


@dataclass
class StackRow:
    Name: str
    Services: int

    def fields(self) -> dict:
        return {"Name": self.Name, "Services": str(self.Services)}


@dataclass
class StackList(Listing):
    """`docker stack ls`: the stacks the manager's services are labelled with, by name."""

    rows: list[StackRow]
    label: str = ""


@dataclass
class StackRemoved:
    """What `stack rm` removed, one line each, as the CLI prints them."""

    lines: list[str]

    def __repr__(self) -> str:
        return "\n".join(self.lines)


def _label(stack: str) -> dict:
    return {"label": [f"{NAMESPACE}={stack}"]}


def load(files: list[str], stack: str, cwd: str | None = None, environ=None, stdin: str | None = None):
    """The compose files as one canonical model.  A stack's name may be one a compose project
    cannot have (`MyApp`), so the project gets a stand-in name and the names compose derived from
    it are left for `stack_convert` to scope (`<stack>_<name>`); names the file gives are kept.

    `-` is the file `stdin` holds (what came in on standard input), its relative paths read
    against `cwd` as the CLI reads them.  Each file is also held to what CLI 28's compose schema
    refuses and the compose model accepts (`stack_convert.check_objects`)."""
    import os

    from ..compose.model import yamlfile
    from ..compose.model.loader import load as load_project
    from ..compose.model.project import ProjectOptions

    stack_convert.check_stack_name(stack)
    if not files:
        raise InvalidInput("stack deploy: please specify a Compose file (with --compose-file)")
    cwd = os.path.abspath(cwd or os.getcwd())
    contents = {}
    if "-" in files:
        contents[os.path.join(cwd, "-")] = _standard_input(files, stdin)
    project = load_project(ProjectOptions(files=list(files), project_name=_STAND_IN, cwd=cwd, environ=environ,
                                          contents=contents))
    for path in project.config_files:
        text = contents.get(path)
        if text is None:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        stack_convert.check_objects(yamlfile.parse(text, path))
    for kind in ("networks", "volumes", "secrets", "configs"):
        for key, obj in (project.model.get(kind) or {}).items():
            if obj and obj.get("name") == f"{_STAND_IN}_{key}" and not obj.get("external"):
                del obj["name"]
    return project


def _standard_input(files: list[str], stdin: str | None) -> str:
    if files.count("-") > 1:
        raise InvalidInput("-c - is given twice: standard input is read once (one -c - per deploy)")
    if stdin is None:
        raise InvalidInput("-c -: nothing comes in on standard input: pipe a compose file in "
                           "(%docker compose config | docker stack deploy -c - STACK), redirect one "
                           "(< compose.yaml), or write it in a `%%docker_stack deploy -c - STACK` cell")
    if not stdin.strip():
        raise InvalidInput("-c -: standard input is empty: top-level object must be a mapping (a compose file)")
    return stdin


# -- deploy ------------------------------------------------------------------------------------
def deploy(engine, files: list[str], stack: str, prune: bool = False, with_registry_auth: bool = False,
           resolve_image: str = "always", say=None, cwd: str | None = None, environ=None,
           stdin: str | None = None) -> Stack:
    """`docker stack deploy -c FILE... STACK`: networks, secrets, configs, then services created or
    updated; `say(line)` hears each line the CLI prints, as it happens.  Returns at once (the
    CLI's default `--detach`); `Stack.wait()` or the services' `.watch()` to converge.  `-c -`
    reads the compose file from `stdin` (text)."""
    if resolve_image not in RESOLVE:
        raise InvalidInput(f"--resolve-image {resolve_image!r}: always, changed or never")
    project = load(files, stack, cwd, environ, stdin)
    plan = stack_convert.plan(stack, project.model)
    result = Stack(stack, label=engine.label)

    def out(line: str) -> None:
        result.lines.append(line)
        if say:
            say(line)

    for line in plan.warnings:
        result.warnings.append(line)
        out(line)
    for note in plan.notes:
        out(note + "\n")
    info = call(engine, "stack deploy", "info")
    if (info.get("Swarm") or {}).get("ControlAvailable") is not True:
        raise refused(_not_manager(info), engine, "stack deploy")
    if prune:
        _prune(engine, stack, set(plan.services), out)
    _make_networks(engine, plan, out)
    for kind, specs in (("secret", plan.secrets), ("config", plan.configs)):
        _make_objects(engine, kind, specs, out)
    existing = {s["Spec"]["Name"]: s for s in call(engine, "stack deploy", "services", filters=_label(stack))}
    pins: dict = {}  # image -> (image as pinned, platforms, warning): one registry query per image
    for internal, spec in plan.services.items():
        spec = _resolved(engine, spec)
        result.services.append(_deploy_service(engine, spec, existing.get(spec["Name"]), with_registry_auth,
                                               resolve_image, out, result.warnings, pins))
    return result


def _not_manager(info: dict):
    import docker

    state = (info.get("Swarm") or {}).get("LocalNodeState", "")
    said = ("This node is not a swarm manager. Worker nodes can't be used to view or modify cluster state."
            if state == "active" else "This node is not a swarm manager.")
    return docker.errors.APIError(said, explanation=said)


def _make_networks(engine, plan, out) -> None:
    import docker

    for name in plan.external_networks:
        if name in ("host", "bridge", "none"):
            continue
        try:
            found = engine.api.inspect_network(name)
        except docker.errors.NotFound:
            raise StackError(f'network "{name}" is declared as external, but could not be found. You need to create '
                             "a swarm-scoped network before the stack is deployed") from None
        if found.get("Scope") != "swarm":
            raise StackError(f'network "{name}" is declared as external, but it is not in the right scope: '
                             f'"{found.get("Scope")}" instead of "swarm"')
    have = {n["Name"] for n in call(engine, "stack deploy", "networks", filters=_label(plan.stack))}
    for name, kwargs in plan.networks.items():
        if name in have:
            continue
        out(f"Creating network {name}")
        call(engine, f"stack deploy: failed to create network {name}", "create_network", name, check_duplicate=True,
             scope="swarm", **{k: v for k, v in kwargs.items() if v is not None})


def _make_objects(engine, kind: str, specs: list, out) -> None:
    """Secrets or configs: created, or (already there) updated with the same spec, as the CLI does."""
    import base64

    from ..engine import adapter

    for spec in specs:
        body = dict(spec)
        if "Data" in spec:
            body["Data"] = base64.b64encode(spec["Data"]).decode()
        found = [o for o in call(engine, "stack deploy", f"{kind}s", filters={"name": [spec["Name"]]})
                 if o["Spec"]["Name"] == spec["Name"]]
        if found:
            call(engine, f"stack deploy: failed to update {kind} {spec['Name']}", adapter.call, engine.api, "POST",
                 f"/{kind}s/{{0}}/update", found[0]["ID"], params={"version": found[0]["Version"]["Index"]}, json=body)
            continue
        out(f"Creating {kind} {spec['Name']}")
        call(engine, f"stack deploy: failed to create {kind} {spec['Name']}", adapter.call, engine.api, "POST",
             f"/{kind}s/create", json=body)


def _resolved(engine, spec: dict) -> dict:
    """Secret and config references with the engine's ids, as the CLI's ParseSecrets/ParseConfigs."""
    container = spec["TaskTemplate"]["ContainerSpec"]
    for kind in ("secret", "config"):
        refs = container.get(f"{kind.capitalize()}s") or []
        if not refs:
            continue
        ids = {o["Spec"]["Name"]: o["ID"] for o in call(engine, "stack deploy", f"{kind}s")}
        for ref in refs:
            name = ref[f"{kind.capitalize()}Name"]
            if name not in ids:
                raise StackError(f"service {spec['Name']}: {kind} not found: {name}")
            ref[f"{kind.capitalize()}ID"] = ids[name]
    return spec


def _deploy_service(engine, spec: dict, current: dict | None, with_auth: bool, resolve_image: str, out,
                    warnings: list, pins: dict):
    """One service created or updated; its `Service` from what was sent (`.reload()` asks the manager)."""
    from ..engine import adapter

    image = spec["TaskTemplate"]["ContainerSpec"]["Image"]
    headers = services._auth_header(image) if with_auth else None
    if current is None:
        out(f"Creating service {spec['Name']}")
        if resolve_image in ("always", "changed"):
            _pin(engine, spec, pins)  # the CLI prints no warning on create
        made = call(engine, f"stack deploy: failed to create service {spec['Name']}", adapter.call, engine.api, "POST",
                    "/services/create", json=spec, headers=headers)
        return services.Service.of(engine, {"ID": made["ID"], "Spec": spec})
    out(f"Updating service {spec['Name']} (id: {current['ID']})")
    unchanged = image == (current["Spec"].get("Labels") or {}).get(IMAGE)
    if resolve_image == "always" or resolve_image == "changed" and not unchanged:
        said = _pin(engine, spec, pins)
        if said:
            warnings.append(said)
            out(said)
    elif unchanged:
        spec["TaskTemplate"]["ContainerSpec"]["Image"] = current["Spec"]["TaskTemplate"]["ContainerSpec"]["Image"]
        platforms = (current["Spec"]["TaskTemplate"].get("Placement") or {}).get("Platforms")
        if platforms:
            spec["TaskTemplate"].setdefault("Placement", {})["Platforms"] = platforms
    spec["TaskTemplate"]["ForceUpdate"] = current["Spec"]["TaskTemplate"].get("ForceUpdate", 0)
    params = {"version": current["Version"]["Index"], **({"registryAuthFrom": "spec"} if headers else {})}
    made = call(engine, f"stack deploy: failed to update service {spec['Name']}", adapter.call, engine.api, "POST",
                "/services/{0}/update", current["ID"], params=params, json=spec, headers=headers)
    for said in (made or {}).get("Warnings") or []:
        warnings.append(said)
        out(said)
    return services.Service.of(engine, {"ID": current["ID"], "Spec": spec})


def _pin(engine, spec: dict, pins: dict) -> str | None:
    """The image's digest recorded (`services._pin_image`); where no registry answers, the image
    with its tag, as the docker client's QueryRegistry leaves it (`busybox` -> `busybox:latest`).
    `pins` keeps each image's answer for the rest of the deploy."""
    container, template = spec["TaskTemplate"]["ContainerSpec"], spec["TaskTemplate"]
    image = container["Image"]
    if image not in pins:
        said = services._pin_image(engine, spec, None)
        if "@" not in container["Image"]:
            from .service_spec import tagged

            container["Image"] = tagged(container["Image"])
        pins[image] = (container["Image"], (template.get("Placement") or {}).get("Platforms"), said)
    container["Image"], platforms, said = pins[image]
    if platforms:
        template.setdefault("Placement", {})["Platforms"] = platforms
    return said


def _prune(engine, stack: str, keep: set, out) -> None:
    namespace = stack + "_"
    gone = [s for s in call(engine, "stack deploy", "services", filters=_label(stack))
            if s["Spec"]["Name"].removeprefix(namespace) not in keep]
    for service in sorted(gone, key=lambda s: s["Spec"]["Name"]):
        out(f"Removing service {service['Spec']['Name']}")
        call(engine, "stack deploy --prune", "remove_service", service["ID"])


# -- reading -----------------------------------------------------------------------------------
def list_stacks(engine) -> StackList:
    counts: dict[str, int] = {}
    for service in call(engine, "stack ls", "services", filters={"label": [NAMESPACE]}):
        name = (service["Spec"].get("Labels") or {}).get(NAMESPACE)
        if name:
            counts[name] = counts.get(name, 0) + 1
    return StackList([StackRow(n, counts[n]) for n in sorted(counts)], engine.label)


def list_services(engine, stack: str, filters: dict | None = None) -> services.ServiceList:
    """`docker stack services STACK`: the stack's rows of `service ls` (an empty list when none)."""
    filters = dict(filters or {})
    filters["label"] = list(filters.get("label") or []) + _label(stack)["label"]
    return services.list_services(engine, filters)


def list_tasks(engine, stack: str, filters: dict | None = None, no_trunc: bool = False,
               resolve: bool = True) -> tasks.TaskList:
    """`docker stack ps STACK`: the tasks of the stack's services, as `service ps` lists them."""
    filters = dict(filters or {})
    if filters.get("node"):
        from . import nodes

        filters["node"] = [nodes.resolve(engine, ref, f"stack ps --filter node={ref}")["ID"] for ref in filters["node"]]
    filters["label"] = list(filters.get("label") or []) + _label(stack)["label"]
    listing = tasks.list_tasks(engine, filters, "stack ps", resolve, not no_trunc)
    if not listing.tasks:
        raise StackError(f"nothing found in stack: {stack}")
    return listing


def remove(engine, stacks: list[str], wait: float | None = None) -> StackRemoved:
    """`docker stack rm STACK...`: services, secrets, configs, then networks, as the CLI removes them.
    With `wait` (the CLI's `--detach=false`), then waits up to `wait` seconds until the stacks' tasks
    are gone, and their containers on the node asked: an image they ran can be removed then."""
    import docker

    lines, failed = [], []
    for stack in stacks:
        found = {kind: call(engine, "stack rm", f"{kind}s", filters=_label(stack))
                 for kind in ("service", "secret", "config", "network")}
        if not any(found.values()):
            lines.append(f"Nothing found in stack: {stack}")
            continue
        for kind in ("service", "secret", "config", "network"):
            name_of = (lambda o: o["Name"]) if kind == "network" else (lambda o: o["Spec"]["Name"])
            for obj in sorted(found[kind], key=name_of):
                lines.append(f"Removing {kind} {name_of(obj)}")
                try:
                    getattr(engine.api, f"remove_{kind}")(obj.get("ID") or obj.get("Id"))
                except docker.errors.NotFound:
                    pass
                except docker.errors.APIError as exc:
                    failed.append(f"Failed to remove {kind} {name_of(obj)}: {refused(exc, engine, 'stack rm')}")
    if failed:
        raise StackError("; ".join(failed) + f" (removed: {len(lines)} objects)")
    if wait is not None:
        _tasks_gone(engine, stacks, wait)
    return StackRemoved(lines)


def _tasks_gone(engine, stacks: list[str], timeout: float) -> None:
    import time

    deadline = time.monotonic() + timeout
    for stack in stacks:
        # a node removes a task's container only after the manager dropped the task: on the node
        # asked (the manager is one), its containers are waited for too
        while call(engine, "stack rm", "tasks", filters=_label(stack)) or \
                call(engine, "stack rm", "containers", all=True, filters=_label(stack)):
            if time.monotonic() > deadline:
                raise StackError(f"stack rm: tasks of stack {stack} still there after {timeout:g}s "
                                 f"(%docker stack ps {stack}); its services are removed")
            time.sleep(0.5)
