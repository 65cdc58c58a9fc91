"""A compose project as a stack's swarm objects, as `docker stack deploy` converts it
(docker/cli `cli/compose/convert`): networks, secrets and configs named `<stack>_<name>`, one
service spec per compose service named `<stack>_<service>`, every object labelled
`com.docker.stack.namespace=<stack>`.  The input is the canonical model `compose.model.load`
gives (what `docker compose config` prints); the service specs go through `service_spec.apply`
where a compose key is a `service create` flag, so one code path makes specs.  Nothing is sent.

Where the canonical model has already changed what was written (a secret's target
`/run/secrets/NAME`, a config's target `/NAME`), the CLI's relative spelling is given back:
the engine mounts both at the same path.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import InvalidInput
from . import service_spec

NAMESPACE = "com.docker.stack.namespace"
IMAGE = "com.docker.stack.image"
# keys `docker stack deploy` (CLI 28) ignores, and the one line it prints for each kind
UNSUPPORTED = ("build", "cgroup_parent", "devices", "domainname", "external_links", "ipc", "links", "mac_address",
               "network_mode", "pid", "privileged", "restart", "security_opt", "shm_size", "userns_mode")
DEPRECATED = {
    "container_name": "Setting the container name is not supported.",
    "expose": "Exposing ports is unnecessary - services on the same network can access each other's containers on any port.",
}


@dataclass
class StackPlan:
    """What a deploy makes: create arguments per network, specs of secrets, configs and services."""

    stack: str
    networks: dict = field(default_factory=dict)      # name -> docker-py create_network kwargs
    external_networks: list = field(default_factory=list)
    secrets: list = field(default_factory=list)       # SecretSpec: "Name", "Labels", "Data" (bytes), "Driver", "Templating"
    configs: list = field(default_factory=list)
    services: dict = field(default_factory=dict)      # compose name -> ServiceSpec
    notes: list = field(default_factory=list)         # the CLI's "Ignoring ..." lines
    warnings: list = field(default_factory=list)      # its loader's warnings (a host IP in ports)


def scope(stack: str, name: str) -> str:
    return f"{stack}_{name}"


def labelled(stack: str, labels) -> dict:
    return {**(labels or {}), NAMESPACE: stack}


def check_stack_name(name: str) -> str:
    import re

    if not re.fullmatch(r"[a-zA-Z0-9][a-zA-Z0-9_.-]*", name or ""):
        raise InvalidInput(f"invalid stack name {name!r}: letters, digits, '_', '.' and '-', starting with a letter "
                           "or a digit")
    return name


def notes(services: dict) -> list[str]:
    """The CLI's warnings for keys a stack ignores, worded and ordered as it prints them."""
    out = []
    unsupported = sorted({key for svc in services.values() for key in UNSUPPORTED if svc.get(key) not in (None, "", [], {})})
    if unsupported:
        out.append(f"Ignoring unsupported options: {', '.join(unsupported)}")
    deprecated = sorted({key for svc in services.values() for key in DEPRECATED if svc.get(key) not in (None, "", [])})
    if deprecated:
        out.append("Ignoring deprecated options:\n\n" + "\n\n".join(f"{k}: {DEPRECATED[k]}" for k in deprecated))
    return out


def plan(stack: str, model: dict) -> StackPlan:
    """The stack's objects from the canonical compose model (`Project.model`)."""
    check_stack_name(stack)
    services = model.get("services") or {}
    out = StackPlan(stack, notes=notes(services),
                    warnings=[w for svc in services.values() for w in port_warnings(svc.get("ports") or [])])
    for name, svc in services.items():
        if not svc.get("image"):
            raise InvalidInput(f"invalid image reference for service {name}: no image specified")
    _networks(out, model)
    for kind, target in (("secrets", out.secrets), ("configs", out.configs)):
        for name, obj in sorted((model.get(kind) or {}).items()):
            if not obj.get("external"):
                target.append(_file_object(stack, kind, name, obj))
    for name, svc in services.items():
        try:
            out.services[name] = service(stack, name, svc, model)
        except InvalidInput as exc:
            raise InvalidInput(f"service {name}: {exc}") from None
    return out


# what a stack's secrets and configs may say, as CLI 28's compose schema (v3) lets them: compose's
# `environment:` and `content:` are refused there, and a config has no driver
OBJECT_KEYS = {"secrets": ("name", "file", "external", "labels", "driver", "driver_opts", "template_driver"),
               "configs": ("name", "file", "external", "labels", "template_driver")}


def check_objects(raw) -> None:
    """A compose file's own text (parsed, before the model fills it in), refused where CLI 28's
    schema refuses it: a secret or config from the environment or from content, with its words
    (`secrets.pw Additional property environment is not allowed`) and what a stack reads instead."""
    for kind, allowed in OBJECT_KEYS.items():
        declared = raw.get(kind) if isinstance(raw, dict) else None
        for name, obj in (declared.items() if isinstance(declared, dict) else ()):
            for key in (obj if isinstance(obj, dict) else ()):
                if key not in allowed and not str(key).startswith("x-"):
                    raise InvalidInput(f"{kind}.{name} Additional property {key} is not allowed (docker stack deploy "
                                       f"reads a {kind[:-1]} from a file: file: ./PATH, or an existing one: "
                                       "external: true)")


def _file_object(stack: str, kind: str, name: str, obj: dict) -> dict:
    """A secret's or config's spec, as the CLI's convert.Secrets/Configs make it: the file's bytes
    (none for a secret a driver gives), its driver and template driver."""
    spec = {"Name": obj.get("name") or scope(stack, name), "Labels": labelled(stack, obj.get("labels"))}
    if kind == "secrets" and obj.get("driver"):
        if obj.get("name"):  # the CLI's driverObjectConfig: a secret named in the file gets no stack label
            spec["Labels"] = dict(obj.get("labels") or {})
        spec["Driver"] = {"Name": obj["driver"], **({"Options": obj["driver_opts"]} if obj.get("driver_opts") else {})}
    elif not obj.get("file"):
        raise InvalidInput(f"{kind[:-1]} {name}: a stack reads {kind} from a file (file: ./PATH)")
    else:
        try:
            with open(obj["file"], "rb") as f:
                spec["Data"] = f.read()
        except OSError as exc:
            raise InvalidInput(f"{kind[:-1]} {name}: cannot read {obj['file']}: {exc.strerror or exc}") from None
    if obj.get("template_driver"):
        spec["Templating"] = {"Name": obj["template_driver"]}
    return spec


def _networks(out: StackPlan, model: dict) -> None:
    declared = model.get("networks") or {}
    used = sorted({net for svc in (model.get("services") or {}).values() for net in (svc.get("networks") or {"default": None})})
    for internal in used:
        net = declared.get(internal) or {}
        name = net.get("name") or scope(out.stack, internal)
        if net.get("external"):
            out.external_networks.append(name)
            continue
        ipam = net.get("ipam") or {}
        kwargs = {"driver": net.get("driver") or "overlay", "options": net.get("driver_opts") or None,
                  "internal": bool(net.get("internal")), "attachable": bool(net.get("attachable")),
                  "labels": labelled(out.stack, net.get("labels"))}
        if ipam.get("driver") or ipam.get("config"):
            from docker.types import IPAMConfig, IPAMPool

            kwargs["ipam"] = IPAMConfig(driver=ipam.get("driver") or "default",
                                        pool_configs=[IPAMPool(subnet=c.get("subnet")) for c in ipam.get("config") or []])
        out.networks[name] = kwargs


# -- one service -------------------------------------------------------------------------------
def service(stack: str, name: str, svc: dict, model: dict) -> dict:
    """A compose service's ServiceSpec, as the CLI's `convert.Service` makes it."""
    deploy = svc.get("deploy") or {}
    mode = deploy.get("mode") or "replicated"
    if mode not in ("replicated", "global"):
        raise InvalidInput(f"deploy.mode {mode!r}: replicated or global (jobs are not supported here)")
    if mode == "global" and deploy.get("replicas") is not None:
        raise InvalidInput("replicas can only be used with replicated or replicated-job mode")
    spec = service_spec.defaults(svc["image"], svc.get("command") or (), scope(stack, name))
    # the stack converter sends no isolation, and leaves update/rollback configs to the engine unless given
    spec["TaskTemplate"]["ContainerSpec"].pop("Isolation", None)
    spec.pop("UpdateConfig"), spec.pop("RollbackConfig")
    spec["TaskTemplate"]["ContainerSpec"]["Image"] = svc["image"]
    spec = service_spec.apply(spec, _options(svc, deploy, mode))
    template, container = spec["TaskTemplate"], spec["TaskTemplate"]["ContainerSpec"]
    if svc.get("init") is None:
        container.pop("Init", None)  # the stack converter sends it only when the file sets it
    template["Resources"] = {k: v for k, v in template.get("Resources", {}).items() if v}
    container["Privileges"] = {"CredentialSpec": None, "SELinuxContext": None}
    spec["Labels"] = {**labelled(stack, deploy.get("labels")), IMAGE: svc["image"]}
    container["Labels"] = labelled(stack, svc.get("labels"))
    if svc.get("entrypoint") is not None:
        container["Command"] = list(svc["entrypoint"])
    if svc.get("environment"):
        container["Env"] = sorted(k if v is None else f"{k}={v}" for k, v in svc["environment"].items())
    if svc.get("healthcheck"):
        container["Healthcheck"] = healthcheck(svc["healthcheck"])
    if svc.get("extra_hosts"):
        container["Hosts"] = [_host(h) for h in svc["extra_hosts"]]
    if svc.get("dns") or svc.get("dns_search"):
        container["DNSConfig"] = {k: v for k, v in (("Nameservers", svc.get("dns")), ("Search", svc.get("dns_search"))) if v}
    if svc.get("sysctls"):
        container["Sysctls"] = {k: str(v) for k, v in svc["sysctls"].items()}
    if svc.get("volumes"):
        container["Mounts"] = [_mount(stack, v, model.get("volumes") or {}) for v in svc["volumes"]]
    if svc.get("logging"):
        template["LogDriver"] = {"Name": svc["logging"].get("driver", ""), "Options": svc["logging"].get("options") or {}}
    container["Secrets"] = _references(stack, "secret", svc.get("secrets"), model.get("secrets") or {})
    container["Configs"] = _references(stack, "config", svc.get("configs"), model.get("configs") or {})
    for key in ("Secrets", "Configs"):
        if not container[key]:
            del container[key]
    if "restart_policy" not in deploy and svc.get("restart"):
        legacy = _legacy_restart(svc["restart"])
        template["RestartPolicy"] = legacy
        if legacy is None:
            del template["RestartPolicy"]
    template["Networks"] = _attachments(stack, name, svc, model.get("networks") or {})
    return spec


def _options(svc: dict, deploy: dict, mode: str) -> dict:
    """The compose keys that are `service create` flags, keyed as `service_spec.apply` reads them."""
    o = {"mode": mode, "replicas": deploy.get("replicas"), "endpoint_mode": deploy.get("endpoint_mode"),
         "hostname": svc.get("hostname"), "user": svc.get("user"), "workdir": svc.get("working_dir"),
         "stop_signal": svc.get("stop_signal"), "stop_grace_period": svc.get("stop_grace_period"),
         "init": svc.get("init"), "read_only": svc.get("read_only"), "tty": svc.get("tty"),
         "cap_add": svc.get("cap_add"), "cap_drop": svc.get("cap_drop")}
    resources = deploy.get("resources") or {}
    for part, prefix in (("limits", "limit"), ("reservations", "reserve")):
        got = resources.get(part) or {}
        o[f"{prefix}_cpu"] = str(got["cpus"]) if got.get("cpus") not in (None, "", 0) else None
        o[f"{prefix}_memory"] = str(got["memory"]) if got.get("memory") not in (None, "", 0, "0") else None
    o["limit_pids"] = (resources.get("limits") or {}).get("pids") or None
    restart = deploy.get("restart_policy")
    if restart is not None:
        o.update(restart_condition=restart.get("condition") or "any", restart_delay=restart.get("delay"),
                 restart_max_attempts=restart.get("max_attempts"), restart_window=restart.get("window"))
    for kind in ("update", "rollback"):
        flow = deploy.get(f"{kind}_config")
        if flow is not None:
            o.update({f"{kind}_parallelism": flow.get("parallelism", 1), f"{kind}_delay": flow.get("delay"),
                      f"{kind}_failure_action": flow.get("failure_action"), f"{kind}_monitor": flow.get("monitor"),
                      f"{kind}_max_failure_ratio": flow.get("max_failure_ratio"), f"{kind}_order": flow.get("order")})
    placement = deploy.get("placement") or {}
    o["constraint"] = placement.get("constraints")
    o["placement_pref"] = [f"spread={p['spread']}" for p in placement.get("preferences") or [] if p.get("spread")]
    o["replicas_max_per_node"] = placement.get("max_replicas_per_node")
    o["publish"] = ports(svc.get("ports") or [])
    return o


def ports(declared: list) -> list[str]:
    """The compose ports as `--publish` fields, as the CLI's loader expands them: a published range
    with one target is one port per published port (`8000-8001:80` publishes 80 twice), a range
    paired with a range one port each (the model has paired them already).  Sorted by published
    port, the file's order kept otherwise: CLI 28's sort.Slice on PublishedPort (an insertion sort
    for so few, so stable in practice)."""
    out = []
    for port in declared:
        fields = f"target={port['target']},protocol={port.get('protocol') or 'tcp'},mode={port.get('mode') or 'ingress'}"
        out += [(number, f"published={number},{fields}" if number else fields) for number in _published(port)]
    return [text for _, text in sorted(out, key=lambda p: p[0])]


def _published(port: dict) -> range | list:
    """The published ports of one entry (`8000`, `8000-8001`); [0] when none is."""
    published = str(port.get("published") or "")
    if not published:
        return [0]
    first, _, last = published.partition("-")
    if not (first.isdigit() and (last or first).isdigit() and int(first) <= int(last or first)):
        raise InvalidInput(f"ports: invalid published port {published!r}: a port or a range (8000-8001)")
    return range(int(first), int(last or first) + 1)


def port_warnings(declared: list) -> list[str]:
    """The CLI's warning for a host IP in `ports:`: a service listens on every node's addresses."""
    out = []
    for port in declared:
        host = port.get("host_ip")
        if host and host not in ("0.0.0.0", "::"):
            shown = f"[{host}]" if ":" in host else host
            out.append(f"WARN[0000] ignoring IP-address ({shown}:{port.get('published') or ''}:{port['target']}/"
                       f"{port.get('protocol') or 'tcp'}) service will listen on '0.0.0.0'")
    return out


def healthcheck(check: dict) -> dict:
    if check.get("disable"):
        if check.get("test"):
            raise InvalidInput("test and disable can't be set at the same time")
        return {"Test": ["NONE"]}
    out = {"Test": list(check.get("test") or [])}
    for key, field_ in (("interval", "Interval"), ("timeout", "Timeout"), ("start_period", "StartPeriod"),
                        ("start_interval", "StartInterval")):
        if check.get(key):
            out[field_] = service_spec.duration(check[key], f"healthcheck.{key}")
    if check.get("retries"):
        out["Retries"] = int(check["retries"])
    return {k: v for k, v in out.items() if v}


def _host(entry: str) -> str:
    """`host=ip` / `host:ip` as swarmkit keeps it: `ip host`."""
    sep = "=" if "=" in entry else ":"
    host, _, ip = entry.partition(sep)
    return f"{ip} {host}"


def _mount(stack: str, volume: dict, declared: dict) -> dict:
    kind = volume.get("type") or "volume"
    out = {"Type": kind, "Target": volume["target"]}
    if volume.get("read_only"):
        out["ReadOnly"] = True
    source = volume.get("source") or ""
    if kind == "volume" and source:
        top = declared.get(source) or {}
        out["Source"] = top.get("name") or scope(stack, source)
        options = {}
        if not top.get("external"):
            options["Labels"] = labelled(stack, top.get("labels"))
            if top.get("driver") or top.get("driver_opts"):
                options["DriverConfig"] = {"Name": top.get("driver") or "", "Options": top.get("driver_opts") or {}}
        if (volume.get("volume") or {}).get("nocopy"):
            options["NoCopy"] = True
        if options:
            out["VolumeOptions"] = options
    elif kind == "bind":
        out["Source"] = source
        propagation = (volume.get("bind") or {}).get("propagation")
        if propagation:
            out["BindOptions"] = {"Propagation": propagation}
    elif kind == "tmpfs" and (volume.get("tmpfs") or {}).get("size"):
        out["TmpfsOptions"] = {"SizeBytes": int(volume["tmpfs"]["size"])}
    elif kind not in ("volume", "tmpfs"):
        raise InvalidInput(f"volumes: a stack mounts volume, bind or tmpfs, not {kind}")
    return out


def _references(stack: str, kind: str, refs, declared: dict) -> list:
    """Secret or config references by name (the deploy resolves their ids), sorted as the CLI sorts them."""
    out = []
    for ref in refs or []:
        source = ref["source"]
        if source not in declared:
            raise InvalidInput(f"undefined {kind} {source!r}")
        target = ref.get("target") or source
        if kind == "secret" and target.startswith("/run/secrets/"):
            target = target.removeprefix("/run/secrets/")
        mode = ref.get("mode")
        out.append({"File": {"Name": target, "UID": str(ref.get("uid") or "0"), "GID": str(ref.get("gid") or "0"),
                             "Mode": int(mode, 8) if isinstance(mode, str) else 0o444 if mode is None else int(mode)},
                    f"{kind.capitalize()}Name": declared[source].get("name") or scope(stack, source)})
    # the CLI's stable sort by name; two references of one object come in the order its
    # ParseSecrets/ParseConfigs map gives them (it changes from run to run): here, the file's
    return sorted(out, key=lambda r: r[f"{kind.capitalize()}Name"])


def _legacy_restart(restart: str):
    """A service's `restart:` where `deploy.restart_policy` is not set, as the CLI falls back to it."""
    name, _, count = restart.partition(":")
    attempts = int(count) if count.isdigit() and int(count) > 0 else None
    if name in ("no", ""):
        return None
    if name in ("always", "unless-stopped"):
        return {"Condition": "any", **({"MaxAttempts": attempts} if attempts else {})}
    if name == "on-failure":
        return {"Condition": "on-failure", **({"MaxAttempts": attempts} if attempts else {})}
    raise InvalidInput(f"invalid restart policy: unknown policy {name!r}")


def _attachments(stack: str, name: str, svc: dict, declared: dict) -> list:
    out = []
    for internal, conf in (svc.get("networks") or {"default": None}).items():
        if internal not in declared and internal != "default":
            raise InvalidInput(f"undefined network {internal!r}")
        target = (declared.get(internal) or {}).get("name") or scope(stack, internal)
        aliases = list((conf or {}).get("aliases") or [])
        if target not in ("host", "bridge", "none", "default"):
            aliases.append(name)
        attach = {"Target": target, "Aliases": aliases}
        if (conf or {}).get("driver_opts"):
            attach["DriverOpts"] = conf["driver_opts"]
        out.append(attach)
    return sorted(out, key=lambda a: a["Target"])
