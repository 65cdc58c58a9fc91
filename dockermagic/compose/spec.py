"""A service's container as Docker Compose v2 creates it: the canonical service model turned
into docker-py's `create_container` arguments (config, host config, the primary network's
endpoint) and the other networks to connect before it starts, each field as v2 fills it
(binds for named volumes, aliases, the primary network by priority then name ...).

A differential test compares `docker inspect` of v2's container and ours for the same service.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import InvalidInput
from ..opts.run_values import to_bytes, to_nanoseconds
from . import labels as names
from . import secrets


@dataclass
class ContainerSpec:
    """What `create_container` gets (`kwargs`), and the networks connected after it (engine
    API < 1.44 takes one endpoint at create): [(network name, endpoint config kwargs)]."""

    name: str
    kwargs: dict
    connect: list[tuple[str, dict]] = field(default_factory=list)


def networks_by_priority(service: dict) -> list[str]:
    """The service's network keys, highest `priority` first, then by name (v2's NetworksByPriority)."""
    nets = service.get("networks") or {}
    return sorted(nets, key=lambda key: (-((nets[key] or {}).get("priority") or 0), key))


def container_spec(api, project, service_name: str, service: dict, number: int, image_id: str,
                   env_files=None, resolve_container=None, inherit=None) -> ContainerSpec:
    """`resolve_container(service_name) -> id` answers `network_mode: service:NAME` and volumes_from;
    `inherit`: the replaced container's anonymous volumes ({Source, Target, ReadOnly}), kept."""
    name = service.get("container_name") or names.container_name(project.name, service_name, number)
    labels = names.container_labels(project, service_name, service, number, image_id, env_files=env_files)
    ports, bindings = _ports(service)
    keys = networks_by_priority(service)
    mode = service.get("network_mode")
    endpoints = {}
    if mode:
        mode = _network_mode(mode, resolve_container)
    elif keys:
        mode = names.network_name(project.name, keys[0], project.networks.get(keys[0]))
    else:
        mode = "none"
    connect = []
    for i, key in enumerate(keys if not service.get("network_mode") else []):
        net = names.network_name(project.name, key, project.networks.get(key))
        endpoint = _endpoint(project.name, service_name, number, (service.get("networks") or {}).get(key))
        if i == 0:
            endpoints[net] = api.create_endpoint_config(**endpoint)
        else:
            connect.append((net, endpoint))
    binds, mounts = _volumes(project, service, inherit or [])
    host = api.create_host_config(
        binds=binds or None, mounts=mounts or None, port_bindings=bindings or None, network_mode=mode,
        restart_policy=_restart(service.get("restart")), privileged=bool(service.get("privileged")),
        read_only=bool(service.get("read_only")), cap_add=service.get("cap_add"), cap_drop=service.get("cap_drop"),
        dns=service.get("dns"), dns_search=service.get("dns_search"), dns_opt=service.get("dns_opt"),
        extra_hosts=_extra_hosts(service.get("extra_hosts")), init=service.get("init"),
        ipc_mode=service.get("ipc"), pid_mode=service.get("pid"), security_opt=service.get("security_opt"),
        shm_size=_size(service.get("shm_size")), sysctls=service.get("sysctls"),
        tmpfs=_tmpfs(service.get("tmpfs")), group_add=service.get("group_add"), devices=_devices(service),
        log_config=_logging(service.get("logging")), mem_limit=_size(service.get("mem_limit")),
        nano_cpus=int(float(service["cpus"]) * 1e9) if service.get("cpus") else None,
        volumes_from=[_volumes_from(v, resolve_container) for v in service.get("volumes_from") or []] or None,
        ulimits=_ulimits(service.get("ulimits")), userns_mode=service.get("userns_mode"),
        runtime=service.get("runtime"), oom_score_adj=service.get("oom_score_adj"),
    )
    host["ExtraHosts"] = host.get("ExtraHosts") or []   # v2 always sends the list
    kwargs = dict(
        image=service.get("image") or names.image_name(project.name, service_name, service),
        command=service.get("command"), entrypoint=service.get("entrypoint"),
        hostname=service.get("hostname"), domainname=service.get("domainname"), user=service.get("user"),
        working_dir=service.get("working_dir"), tty=bool(service.get("tty")),
        stdin_open=bool(service.get("stdin_open")), ports=ports or None, environment=_environment(service),
        name=name, labels=labels, stop_signal=service.get("stop_signal"),
        stop_timeout=_seconds(service.get("stop_grace_period")), healthcheck=_healthcheck(service.get("healthcheck")),
        host_config=host, mac_address=service.get("mac_address"), platform=service.get("platform"),
        networking_config=api.create_networking_config(endpoints) if endpoints else None,
    )
    return ContainerSpec(name, kwargs, connect)


def _endpoint(project: str, service_name: str, number: int, net: dict | None) -> dict:
    net = net or {}
    return {"aliases": names.aliases(project, service_name, number, net),
            "ipv4_address": net.get("ipv4_address"), "ipv6_address": net.get("ipv6_address"),
            "link_local_ips": net.get("link_local_ips")}


def _network_mode(mode: str, resolve_container) -> str:
    kind, _, target = mode.partition(":")
    if kind == "service":
        if resolve_container is None:
            raise InvalidInput(f"network_mode {mode!r}: the service has no container")
        return f"container:{resolve_container(target)}"
    return mode


def _volumes_from(spec: str, resolve_container) -> str:
    source, _, mode = spec.partition(":")
    if source.startswith("container:"):
        target = source[len("container:"):]
    else:
        target = resolve_container(source) if resolve_container else source
    return f"{target}:{mode}" if mode else target


def _ports(service: dict) -> tuple[list, dict]:
    exposed, bindings = [], {}
    for port in service.get("ports") or []:
        key = f"{port['target']}/{port.get('protocol') or 'tcp'}"
        if key not in exposed:
            exposed.append(key)
        published = str(port.get("published") or "")
        bindings.setdefault(key, []).append((port.get("host_ip") or "", published))
    for text in service.get("expose") or []:
        key = str(text)   # as written: v2 sends a range ("3000-3001") as one key, unexpanded
        if key not in exposed and f"{key}/tcp" not in exposed:
            exposed.append(key)
    return [_port_key(k, tuple) for k in exposed], {_port_key(k, "/".join): _binding(v) for k, v in bindings.items()}


def _port_key(key: str, other):
    """docker-py's spelling of an engine port key: an int for a single tcp port, else
    `other((number, proto))` (a tuple for `ports=`, "N/proto" for `port_bindings=`; an
    `expose:` range is put back as v2 sends it by `exposed_as_written`)."""
    number, _, proto = key.partition("/")
    return int(number) if number.isdigit() and proto in ("", "tcp") else other((number, proto or "tcp"))


def exposed_as_written(service: dict, config: dict) -> dict:
    """The container config with `expose:` ranges keyed as written ("3000-3001", no protocol),
    as v2 sends them (docker-py would add "/tcp")."""
    ranges = [str(t) for t in service.get("expose") or [] if not str(t).split("/")[0].isdigit()]
    for text in ranges:
        key = text if "/" in text else f"{text}/tcp"
        if key in (config.get("ExposedPorts") or {}) and key != text:
            config["ExposedPorts"] = {(text if k == key else k): v for k, v in config["ExposedPorts"].items()}
    return config


def _binding(pairs: list) -> list:
    return [(ip, port or None) if ip else (port or None) for ip, port in pairs]


def _environment(service: dict) -> list[str] | None:
    env = service.get("environment") or {}
    return [f"{k}={v}" for k, v in sorted(env.items()) if v is not None] or None


def _volumes(project, service: dict, inherit: list[dict]) -> tuple[list[str], list[dict]]:
    """v2's split: a named volume or a bind it may create goes as a bind string
    (`upx_data:/data:rw`), the rest as mounts: the inherited anonymous volumes (in place of
    the service's source-less ones at their targets), then the secrets and configs."""
    from docker.types import Mount

    binds, mounts = [], []
    kept = {m["Target"] for m in inherit}
    for vol in service.get("volumes") or []:
        if vol["target"] in kept and not vol.get("source"):
            continue
        kind, source, target = vol.get("type"), vol.get("source"), vol["target"]
        options = ["ro" if vol.get("read_only") else "rw"]
        bind, volume = vol.get("bind") or {}, vol.get("volume") or {}
        options += [x for x in (bind.get("selinux"), bind.get("propagation")) if x]
        if volume.get("nocopy"):
            options.append("nocopy")
        if kind == "volume" and source and not volume.get("subpath"):
            real = names.volume_name(project.name, source, project.volumes.get(source))
            binds.append(f"{real}:{target}:{','.join(options)}")
        elif kind == "bind" and bind.get("create_host_path", True):
            binds.append(f"{source}:{target}:{','.join(options)}")
        elif kind == "tmpfs":
            tmpfs = vol.get("tmpfs") or {}
            mounts.append(Mount(target, None, type="tmpfs", read_only=bool(vol.get("read_only")),
                                tmpfs_size=tmpfs.get("size"), tmpfs_mode=tmpfs.get("mode")))
        else:
            real = names.volume_name(project.name, source, project.volumes.get(source)) if (kind == "volume" and source) else source
            mounts.append(Mount(target, real, type=kind or "volume", read_only=bool(vol.get("read_only")),
                                propagation=bind.get("propagation"), no_copy=bool(volume.get("nocopy"))))
            if (kind or "volume") == "volume":
                mounts[-1].setdefault("VolumeOptions", {})   # v2 always sends them
    mounts += [Mount(m["Target"], m["Source"], type="volume", read_only=m["ReadOnly"]) for m in inherit]
    mounts += secrets.mounts(project, service)
    return binds, mounts


def _restart(policy: str | None) -> dict | None:
    if not policy:
        return None
    name, _, count = policy.partition(":")
    return {"Name": name, "MaximumRetryCount": int(count or 0)}


def _extra_hosts(hosts) -> list[str] | None:
    if not hosts:
        return None
    if isinstance(hosts, dict):
        return [f"{host}:{ip}" for host, ips in hosts.items() for ip in (ips if isinstance(ips, list) else [ips])]
    return [h.replace("=", ":", 1) for h in hosts]


def _tmpfs(tmpfs) -> dict | None:
    if not tmpfs:
        return None
    items = [tmpfs] if isinstance(tmpfs, str) else tmpfs
    return {path: opts for path, _, opts in (t.partition(":") for t in items)}


def _devices(service: dict) -> list[str] | None:
    devices = service.get("devices") or []
    return [d if isinstance(d, str) else f"{d['source']}:{d.get('target') or d['source']}:{d.get('permissions') or 'rwm'}"
            for d in devices] or None


def _logging(logging: dict | None) -> dict | None:
    if not logging:
        return None
    return {"Type": logging.get("driver") or "", "Config": logging.get("options") or {}}


def _ulimits(ulimits: dict | None) -> list | None:
    if not ulimits:
        return None
    from docker.types import Ulimit

    out = []
    for name, value in ulimits.items():
        soft, hard = (value, value) if isinstance(value, int) else (value.get("soft"), value.get("hard"))
        out.append(Ulimit(name=name, soft=soft, hard=hard))
    return out


def _size(value) -> int | None:
    if value in (None, "", 0):
        return None
    return value if isinstance(value, int) else to_bytes(str(value), "size")


def _seconds(duration: str | None) -> int | None:
    return None if not duration else int(to_nanoseconds(duration, "stop_grace_period") // 1_000_000_000)


def _healthcheck(check: dict | None) -> dict | None:
    if not check:
        return None
    if check.get("disable"):
        return {"test": ["NONE"]}
    out = {"test": check.get("test")}
    for key, field_ in (("interval", "interval"), ("timeout", "timeout"), ("start_period", "start_period"),
                        ("start_interval", "start_interval")):
        if check.get(key):
            out[field_] = to_nanoseconds(check[key], f"healthcheck.{key}")
    if check.get("retries"):
        out["retries"] = int(check["retries"])
    return out
