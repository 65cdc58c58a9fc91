"""One service, from any syntax the spec allows to the canonical form `config --format json` prints.

Keys come out in compose-go's `ServiceConfig` field order (the order Go's encoding/json writes,
which the config hash depends on); maps (environment, labels, networks, depends_on ...) are
sorted as Go sorts map keys.  Paths are already absolute (`paths.resolve` ran per file).
"""

from __future__ import annotations

import posixpath
import shlex

from ...errors import ComposeFileError
from . import syntax, units

SERVICE_ORDER = (
    "profiles annotations attach build develop blkio_config cap_add cap_drop cgroup_parent cgroup cpu_count "
    "cpu_percent cpu_period cpu_quota cpu_rt_period cpu_rt_runtime cpus cpuset cpu_shares command configs "
    "container_name credential_spec depends_on deploy device_cgroup_rules devices dns dns_opt dns_search "
    "dockerfile domainname entrypoint provider environment env_file expose extends external_links extra_hosts "
    "group_add gpus hostname healthcheck image init ipc isolation labels label_file links logging log_driver "
    "log_opt mem_limit mem_reservation memswap_limit mem_swappiness mac_address models net network_mode "
    "networks oom_kill_disable oom_score_adj pid pids_limit platform ports privileged pull_policy read_only "
    "restart runtime scale secrets security_opt shm_size stdin_open stop_grace_period stop_signal storage_opt "
    "sysctls tmpfs tty ulimits use_api_socket user userns_mode uts volume_driver volumes volumes_from "
    "working_dir post_start pre_stop").split()
BUILD_ORDER = (
    "context dockerfile dockerfile_inline entitlements args provenance sbom ssh labels cache_from cache_to "
    "no_cache no_cache_filter additional_contexts pull extra_hosts isolation network target secrets shm_size "
    "tags ulimits platforms privileged").split()
HEALTH_ORDER = ("test", "timeout", "interval", "retries", "start_period", "start_interval", "disable")
DEPLOY_ORDER = ("mode", "replicas", "labels", "update_config", "rollback_config", "resources", "restart_policy",
                "placement", "endpoint_mode")
NETWORK_ATTACH_ORDER = ("aliases", "driver_opts", "gw_priority", "interface_name", "ipv4_address", "ipv6_address",
                        "link_local_ips", "mac_address", "priority")
FILE_REF_ORDER = ("source", "target", "uid", "gid", "mode")
_BYTES = {"mem_limit", "mem_reservation", "memswap_limit", "shm_size"}
_DURATIONS = {"stop_grace_period"}
_STRING_LISTS = {"dns", "dns_search", "tmpfs", "cap_add", "cap_drop", "security_opt", "dns_opt", "group_add",
                 "volumes_from", "links", "external_links", "device_cgroup_rules", "profiles"}


def ordered(mapping: dict, order) -> dict:
    return {key: mapping[key] for key in order if key in mapping}


def _str(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float) and value != value or value in (float("inf"), float("-inf")):
        return {"nan": "NaN", "inf": "+Inf", "-inf": "-Inf"}[str(value)]  # Go's %v
    return str(value)


def mapping(value, where: str, allow_null: bool = True) -> dict:
    """A `KEY=VALUE` list or a mapping -> a sorted mapping of strings (None for a bare KEY)."""
    if value is None:
        return {}
    result = {}
    if isinstance(value, list):
        for item in value:
            key, eq, val = str(item).partition("=")
            result[key] = val if eq else None
    elif isinstance(value, dict):
        for key, val in value.items():
            result[str(key)] = None if val is None else _str(val)
    else:
        raise ComposeFileError(f"{where} must be a mapping or a list")
    if not allow_null:
        result = {key: "" if val is None else val for key, val in result.items()}
    return dict(sorted(result.items()))


def command(value, where: str):
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return shlex.split(value)
        except ValueError as exc:
            raise ComposeFileError(f"{where}: {exc}") from None
    if isinstance(value, list):
        return [_str(item) for item in value]
    raise ComposeFileError(f"{where} must be a string or a list")


def _ports(value, where):
    result = []
    for index, item in enumerate(value or []):
        here = f"{where}[{index}]"
        result += [syntax.long_port(item, here)] if isinstance(item, dict) else syntax.short_port(item, here)
    seen = {}
    for entry in result:  # the same binding twice (merged files, extends) is kept once
        seen[tuple(sorted((k, str(v)) for k, v in entry.items()))] = entry
    return list(seen.values())


def _volumes(value, where):
    result = {}
    for index, item in enumerate(value or []):
        here = f"{where}[{index}]"
        if isinstance(item, str):
            entry = syntax.short_volume(item, here)
        else:
            entry = dict(item)
            if entry.get("type") == "volume" and "volume" not in entry:
                entry["volume"] = {}
            if isinstance(entry.get("bind"), dict):
                entry["bind"] = {"create_host_path": True, **entry["bind"]}
                entry["bind"] = ordered(entry["bind"], ("selinux", "propagation", "create_host_path", "recursive"))
                if entry["bind"].get("create_host_path") is False:
                    pass
            for key in ("source", "target"):
                if entry.get(key) == "":
                    del entry[key]
            if isinstance(entry.get("tmpfs"), dict) and "size" in entry["tmpfs"]:  # Go's UnitBytes: a string
                size = entry["tmpfs"]["size"]
                entry["tmpfs"] = {**entry["tmpfs"], "size": str(units.byte_count(size, f"{here}.tmpfs.size"))}
            if entry.get("target"):
                entry["target"] = posixpath.normpath(entry["target"])
            entry = ordered(entry, syntax.VOLUME_ORDER)
        result[entry.get("target", index)] = entry  # one mount per target: the last one wins
    return list(result.values())


def _file_refs(value, secret: bool):
    result = []
    for item in value or []:
        entry = {"source": item} if isinstance(item, str) else dict(item)
        if secret and not entry.get("target"):
            entry["target"] = f"/run/secrets/{entry['source']}"
        elif secret and not entry["target"].startswith("/"):
            entry["target"] = f"/run/secrets/{entry['target']}"
        for key in ("uid", "gid"):
            if key in entry:
                entry[key] = _str(entry[key])
        result.append(ordered(entry, FILE_REF_ORDER))
    return result


def _depends_on(value):
    if isinstance(value, list):
        return {name: {"condition": "service_started", "required": True} for name in sorted(value)}
    result = {}
    for name, dep in sorted((value or {}).items()):
        dep = dict(dep or {})
        entry = {"condition": dep.get("condition") or "service_started"}
        if dep.get("restart"):
            entry["restart"] = True
        entry["required"] = dep.get("required", True)
        result[name] = entry
    return result


def _healthcheck(value, where):
    value = dict(value)
    if isinstance(value.get("test"), str):
        value["test"] = ["CMD-SHELL", value["test"]]
    for key in ("timeout", "interval", "start_period", "start_interval"):
        if key in value:
            value[key] = units.duration(value[key], f"{where}.{key}")
    return ordered(value, HEALTH_ORDER)


def _build(value):
    build = {"context": value} if isinstance(value, str) else dict(value)
    build.setdefault("context", ".")
    if "dockerfile_inline" not in build:
        build.setdefault("dockerfile", "Dockerfile")
    for key in ("args", "labels"):
        if key in build:
            build[key] = mapping(build[key], f"build.{key}")
    if isinstance(build.get("additional_contexts"), list):
        build["additional_contexts"] = {str(item).partition("=")[0]: str(item).partition("=")[2]
                                        for item in build["additional_contexts"]}
    for key in ("cache_from", "cache_to", "tags", "platforms", "no_cache_filter"):
        if isinstance(build.get(key), str):
            build[key] = [build[key]]
    if "secrets" in build:   # the long syntax, with no target added (the build mounts it under its id)
        build["secrets"] = [{"source": s} if isinstance(s, str) else s for s in build["secrets"] or []]
    return ordered(build, BUILD_ORDER)


def _resources(value, where):
    result = {}
    for part in ("limits", "reservations"):
        if part not in value:
            continue
        res = dict(value[part] or {})
        if "cpus" in res:
            res["cpus"] = float(res["cpus"])
        if "memory" in res:
            res["memory"] = str(units.byte_count(res["memory"], f"{where}.{part}.memory"))
        result[part] = ordered(res, ("cpus", "memory", "pids", "devices", "generic_resources"))
    return result


def _deploy(value, where):
    deploy = dict(value)
    deploy["resources"] = _resources(deploy.get("resources") or {}, f"{where}.resources")
    deploy["placement"] = deploy.get("placement") or {}
    if "labels" in deploy:
        deploy["labels"] = mapping(deploy["labels"], f"{where}.labels")
    return ordered(deploy, DEPLOY_ORDER)


def _networks(value):
    if isinstance(value, list):
        return {name: None for name in sorted(value)}
    return {name: (None if attach is None else ordered({k: v for k, v in attach.items() if v != []},
                                                       NETWORK_ATTACH_ORDER))
            for name, attach in sorted((value or {}).items())}


def service(name: str, raw: dict) -> dict:
    """The canonical model of service `name` from its merged, interpolated, path-resolved `raw` form."""
    where = f"services.{name}"
    out = {}
    for key, value in raw.items():
        here = f"{where}.{key}"
        if key in ("command", "entrypoint"):
            out[key] = command(value, here)
        elif key in ("environment", "labels", "annotations", "sysctls"):
            out[key] = mapping(value, here, allow_null=key == "environment")
            if not out[key] and key != "environment":  # Go's omitempty
                del out[key]
        elif key == "ports":
            out[key] = _ports(value, here)
        elif key == "expose":
            out[key] = [_str(item) for item in value or []]
        elif key == "volumes":
            out[key] = _volumes(value, here)
        elif key in ("secrets", "configs"):
            out[key] = _file_refs(value, key == "secrets")
        elif key == "depends_on":
            out[key] = _depends_on(value)
        elif key == "healthcheck":
            out[key] = _healthcheck(value or {}, here)
        elif key == "build":
            out[key] = _build(value)
        elif key == "deploy":
            out[key] = _deploy(value or {}, here)
        elif key == "networks":
            out[key] = _networks(value)
        elif key in _BYTES:
            out[key] = str(units.byte_count(value, here))
        elif key in _DURATIONS:
            out[key] = units.duration(value, here)
        elif key in _STRING_LISTS:
            out[key] = [value] if isinstance(value, str) else [_str(item) for item in value or []]
        elif key == "cpus":
            out[key] = float(value)
        elif key == "ulimits":
            out[key] = {k: (v if isinstance(v, int) else ordered(v, ("soft", "hard"))) for k, v in sorted(value.items())}
        elif key == "extra_hosts":
            out[key] = syntax.extra_hosts(value)
        elif key in ("devices", "gpus"):
            out[key] = getattr(syntax, key)(value)
        elif key == "blkio_config":
            out[key] = syntax.blkio(value or {}, here)
        elif key == "develop":
            out[key] = syntax.develop(value or {})
        elif key == "models":
            out[key] = {name: (None if opts is None else ordered(opts, ("endpoint_var", "model_var")))
                        for name, opts in sorted((value if isinstance(value, dict) else dict.fromkeys(value)).items())}
        elif key in ("logging",):
            out[key] = ordered(value, ("driver", "options"))
        else:
            out[key] = value
    for key in [k for k, v in out.items() if v == [] and k not in ("command", "entrypoint")]:
        del out[key]  # Go's omitempty: only `command` and `entrypoint` print an empty list
    out.setdefault("command", None)
    out.setdefault("entrypoint", None)
    if "network_mode" not in out and not out.get("networks"):
        out["networks"] = {"default": None}
    if not out.get("environment"):
        out.pop("environment", None)
    return ordered(out, SERVICE_ORDER)


def implicit_dependencies(model: dict) -> None:
    """Add the dependencies v2 infers: `volumes_from`, `links`, and `service:` network/ipc/pid modes."""
    for svc in model.values():
        deps = svc.get("depends_on") or {}
        found = {}
        for item in svc.get("volumes_from") or []:
            if not item.startswith("container:"):
                found.setdefault(item.split(":")[0], {"condition": "service_started", "required": True})
        for item in svc.get("links") or []:
            found.setdefault(item.split(":")[0], {"condition": "service_started", "required": True})
        for key in ("network_mode", "ipc", "pid"):
            mode = svc.get(key) or ""
            if mode.startswith("service:"):
                found.setdefault(mode[8:], {"condition": "service_started", "restart": True, "required": True})
        added = {name: dep for name, dep in found.items() if name not in deps}
        if added:
            svc["depends_on"] = dict(sorted({**deps, **added}.items()))
            if "depends_on" in svc:
                model_keys = ordered(svc, SERVICE_ORDER)
                svc.clear()
                svc.update(model_keys)
