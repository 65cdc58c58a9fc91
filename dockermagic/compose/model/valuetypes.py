"""The types of a service's values, as v2 checks them, with v2's messages.

Three of v2's steps refuse a value, each in its own words, and this module speaks all three:
- interpolation casts the strings of some fields (`tty: "true"`, `scale: "2"`, `cpus: "0.5"`) to
  the field's type (`error while interpolating services.web.tty: failed to cast to expected type:
  invalid boolean: abc`; `yes`/`on`/`y` still pass, with a warning);
- the Compose Specification's schema checks types, enums and patterns (`services.web.image must
  be a string`, `... value must be one of ...`, `... does not match pattern ...`);
- decoding parses durations, byte sizes and short port syntax (`decoding failed due to the
  following error(s): 'services[web].mem_limit' invalid size: 'abc'`, `invalid hostPort: abc`).
The kinds each field takes were read off v2.40.3 itself, one probe per field and kind.
"""

from __future__ import annotations

import re

from ...errors import ComposeFileError
from . import syntax, units


class Refusal(ComposeFileError):
    """A refusal at `keys` (the path of the offending key in its file), so the caller can add the
    line; `validating` says whether v2 prefixes it with `validating FILE:`."""

    def __init__(self, message: str, keys=(), validating: bool = True):
        super().__init__(message)
        self.keys = tuple(keys)
        self.validating = validating


def kind(value) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    return {float: "number", str: "string", dict: "mapping", list: "array"}.get(type(value), "null")


_NUMBER = frozenset({"integer", "number"})
_S, _L, _M, _N = frozenset({"string"}), frozenset({"array"}), frozenset({"mapping"}), frozenset({"null"})
#: kinds allowed -> v2's message (the schema's, word for word: `a array`, and for a `oneOf` the last branch)
_RULES = {
    (_S, "must be a string"): "image container_name cgroup_parent cpuset domainname hostname ipc isolation mac_address "
                              "network_mode platform restart runtime stop_signal user userns_mode uts working_dir "
                              "pull_policy cgroup stop_grace_period",
    (_S | _N, "must be a null or string"): "pid",
    (_S | {"boolean"}, "must be a boolean or string"): "attach init oom_kill_disable privileged read_only stdin_open tty",
    (frozenset({"boolean"}), "must be a boolean"): "use_api_socket",
    (_S | _NUMBER, "must be a number or string"): "cpu_period cpu_quota cpu_rt_period cpu_rt_runtime cpus cpu_shares "
                                                  "pids_limit mem_limit memswap_limit shm_size",
    (_S | _NUMBER, "must be a string"): "cpu_count cpu_percent oom_score_adj",
    (_S | {"integer"}, "must be a integer or string"): "scale mem_reservation mem_swappiness",
    (_M | _L, "must be a mapping"): "annotations environment labels sysctls extra_hosts",
    (_M, "must be a mapping"): "storage_opt ulimits credential_spec blkio_config healthcheck logging provider",
    (_M | _N, "must be a mapping or null"): "develop deploy",
    (_S | _M, "must be a string"): "build",
    (_S | _L, "must be a string"): "dns dns_search tmpfs env_file label_file gpus",
    (_S | _L | _N, "must be a null"): "command entrypoint",
    (_L, "must be a array"): "profiles cap_add cap_drop configs device_cgroup_rules devices dns_opt external_links "
                             "group_add links ports secrets security_opt volumes volumes_from post_start pre_stop expose",
    (_L | _M, "must be a array"): "depends_on networks models",
}
SERVICE_TYPES = {key: rule for rule, keys in _RULES.items() for key in keys.split()}
#: list fields whose non-string items v2 refuses while decoding (`services.web.dns.[0]: unexpected type int`)
_DECODED_ITEMS = set("profiles cap_add cap_drop dns dns_opt dns_search links tmpfs".split())
_ENUMS = {"cgroup": ("host", "private")}
PULL_POLICY = "always|never|build|if_not_present|missing|refresh|daily|weekly|every_([0-9]+[wdhms])+"
_BOOLEANS = {"y": True, "yes": True, "true": True, "on": True, "n": False, "no": False, "false": False, "off": False}
_INT = re.compile(r"[+-]?[0-9]+")
_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?(?i:inf|infinity)|(?i:nan)")
#: compose-go's `interpolateTypeCastMapping`: a service's fields (`*` any key, `[]` any item) and how they are cast
_CASTS = {**{(key,): "bool" for key in "init oom_kill_disable privileged read_only stdin_open tty".split()},
          **{(key,): "ParseInt" for key in "cpu_count cpu_period cpu_quota cpu_rt_period cpu_rt_runtime cpu_shares "
                                           "oom_score_adj pids_limit".split()},
          ("scale",): "Atoi", ("cpus",): "ParseFloat", ("cpu_percent",): "ParseFloat",
          ("depends_on", "*", "required"): "bool", ("depends_on", "*", "restart"): "bool",
          ("deploy", "replicas"): "Atoi", ("deploy", "update_config", "parallelism"): "Atoi",
          ("deploy", "rollback_config", "parallelism"): "Atoi", ("deploy", "restart_policy", "max_attempts"): "Atoi",
          ("deploy", "update_config", "max_failure_ratio"): "ParseFloat",
          ("deploy", "rollback_config", "max_failure_ratio"): "ParseFloat",
          ("deploy", "placement", "max_replicas_per_node"): "Atoi",
          ("healthcheck", "retries"): "Atoi", ("healthcheck", "disable"): "bool",
          ("ports", "[]", "target"): "Atoi", ("configs", "[]", "mode"): "Atoi", ("secrets", "[]", "mode"): "Atoi",
          ("ulimits", "*"): "Atoi", ("ulimits", "*", "hard"): "Atoi", ("ulimits", "*", "soft"): "Atoi",
          ("volumes", "[]", "read_only"): "bool", ("volumes", "[]", "volume", "nocopy"): "bool"}
_TOP_CASTS = {(kind, flag) for kind in ("networks", "volumes", "secrets", "configs") for flag in ("external",)}
_TOP_CASTS |= {("networks", flag) for flag in ("internal", "attachable", "enable_ipv4", "enable_ipv6")}
VOLUME_TYPES = ("bind", "volume", "tmpfs", "cluster", "npipe", "image")
CONDITIONS = ("service_started", "service_healthy", "service_completed_successfully")


def cast(value, how: str, where: str, warnings: list):
    """A string at a field v2 casts while interpolating, as that field's type."""
    if not isinstance(value, str):
        return value
    if how == "bool":
        if value.lower() not in _BOOLEANS:
            raise Refusal(f"error while interpolating {where}: failed to cast to expected type: invalid boolean: "
                          f"{value}", _keys_of(where), validating=False)
        result = _BOOLEANS[value.lower()]
        if value.lower() != str(result).lower():
            warnings.append(f'"{value}" for boolean is not supported by YAML 1.2, please use `{str(result).lower()}`')
        return result
    pattern = _FLOAT if how == "ParseFloat" else _INT
    if not pattern.fullmatch(value):
        raise Refusal(f"error while interpolating {where}: failed to cast to expected type: strconv.{how}: "
                      f'parsing "{value}": invalid syntax', _keys_of(where), validating=False)
    return float(value) if how == "ParseFloat" else int(value)


def _keys_of(where: str) -> tuple:
    """`services.web.ports.[].target` -> ("services", "web", "ports"): as far as a line can be found."""
    parts = where.split(".")
    return tuple(parts[:parts.index("[]")] if "[]" in parts else parts)


def cast_at(path: str, value: str, warnings: list):
    """`value`, interpolated at `path` (`services.web.ports.[].target`), cast if v2 casts it there."""
    parts = path.split(".")
    if parts[0] == "services" and len(parts) > 2:
        rel = parts[2:]
        for pattern, how in _CASTS.items():
            if len(pattern) == len(rel) and all(p in ("*", r) for p, r in zip(pattern, rel)):
                return cast(value, how, path, warnings)
    elif len(parts) == 3 and (parts[0], parts[2]) in _TOP_CASTS:
        return cast(value, "bool", path, warnings)
    return value


def _decoding(name: str, field: str, problem: str, keys) -> Refusal:
    return Refusal(f"decoding failed due to the following error(s): 'services[{name}].{field}' {problem}", keys,
                   validating=False)


def check_service(name: str, service: dict, decode: bool = True) -> None:
    """Refuse a value of service `name` (one file's, interpolated and cast) as v2 would; `decode`
    False leaves out what v2 finds only while binding the model to its types (durations, sizes,
    short ports), as its `config --no-interpolate` does."""
    base = ("services", name)
    where = f"services.{name}"
    for key, value in list(service.items()):
        rule = SERVICE_TYPES.get(key)
        if rule and kind(value) not in rule[0]:
            raise Refusal(f"{where}.{key} {rule[1]}", (*base, key))
        if key in _ENUMS and value not in _ENUMS[key]:
            raise Refusal(f"{where}.{key} value must be one of " + ", ".join(f"'{v}'" for v in _ENUMS[key]),
                          (*base, key))
        if isinstance(value, list):
            for index, item in enumerate(value):
                if key in _DECODED_ITEMS and not isinstance(item, str):
                    raise Refusal(f"{where}.{key}.[{index}]: unexpected type {_go_type(item)}", (*base, key, index),
                                  validating=False)
    _values(name, service, base, decode)


def _go_type(value) -> str:
    return {"integer": "int", "number": "float64", "boolean": "bool", "mapping": "map[string]interface {}",
            "array": "[]interface {}"}.get(kind(value), "string")


def _values(name: str, service: dict, base: tuple, decode: bool = True) -> None:
    where = f"services.{name}"
    policy = service.get("pull_policy")
    if isinstance(policy, str) and not re.fullmatch(f"(?:{PULL_POLICY})", policy):
        raise Refusal(f"{where}.pull_policy '{policy}' does not match pattern '{PULL_POLICY}'", (*base, "pull_policy"))
    if service.get("gpus") is not None and isinstance(service["gpus"], str) and service["gpus"] != "all":
        raise Refusal(f"{where}.gpus value must be 'all'", (*base, "gpus"))
    for key in ("stop_grace_period",):
        if isinstance(service.get(key), str) and decode:
            _duration(name, key, service[key], (*base, key))
    health = service.get("healthcheck")
    if isinstance(health, dict):
        for key in ("timeout", "interval", "start_period", "start_interval"):
            if key in health and not isinstance(health[key], str):
                raise Refusal(f"{where}.healthcheck.{key} must be a string", (*base, "healthcheck", key))
            if key in health and decode:
                _duration(name, f"healthcheck.{key}", health[key], (*base, "healthcheck", key))
    for key in ("mem_limit", "mem_reservation", "memswap_limit", "shm_size"):
        if isinstance(service.get(key), str) and decode:
            try:
                units.byte_count(service[key], "")
            except ComposeFileError as exc:
                raise _decoding(name, key, str(exc), (*base, key)) from None
    depends = service.get("depends_on")
    if isinstance(depends, dict):
        for dep, options in depends.items():
            condition = (options or {}).get("condition") if isinstance(options, dict) else None
            if condition is not None and condition not in CONDITIONS:
                raise Refusal(f"{where}.depends_on.{dep}.condition value must be one of "
                              + ", ".join(f"'{c}'" for c in CONDITIONS), (*base, "depends_on", dep, "condition"))
    if decode:
        _ports(name, service.get("ports"), base)
    for index, mount in enumerate(service.get("volumes") or []):
        if isinstance(mount, dict) and "type" in mount and mount["type"] not in VOLUME_TYPES:
            raise Refusal(f"{where}.volumes.{index}.type value must be one of "
                          + ", ".join(f"'{t}'" for t in VOLUME_TYPES), (*base, "volumes", index, "type"))


def _duration(name: str, field: str, value, keys) -> None:
    try:
        units.nanoseconds(value, "")
    except ComposeFileError as exc:
        raise _decoding(name, field, str(exc), keys) from None


def _ports(name: str, ports, base: tuple) -> None:
    if not isinstance(ports, list):
        return
    for index, item in enumerate(ports):
        here = (*base, "ports", index)
        if isinstance(item, dict):
            continue
        try:
            syntax.short_port(item, f"services.{name}.ports.[{index}]")
        except ComposeFileError as exc:
            raise Refusal(str(exc), here, validating=False) from None
