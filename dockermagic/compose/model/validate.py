"""The Compose Specification's structural rules, written as Python: which keys each object takes
and which values must be mappings.  Messages are v2's (`services.web additional properties 'foo'
not allowed`, `services.nil must be a mapping`); `x-` keys are always allowed."""

from __future__ import annotations

from ...errors import ComposeFileError
from .normalize import SERVICE_ORDER

TOP = {"version", "name", "include", "services", "networks", "volumes", "secrets", "configs", "models"}
SERVICE = set(SERVICE_ORDER) | {"extends"}
NETWORK = {"name", "driver", "driver_opts", "ipam", "external", "internal", "attachable", "labels", "enable_ipv4",
           "enable_ipv6"}
VOLUME = {"name", "driver", "driver_opts", "external", "labels"}
FILE_OBJECT = {"name", "file", "environment", "content", "external", "labels", "driver", "driver_opts",
               "template_driver"}
BUILD = {"context", "dockerfile", "dockerfile_inline", "entitlements", "args", "provenance", "sbom", "ssh", "labels",
         "cache_from", "cache_to", "no_cache", "no_cache_filter", "additional_contexts", "pull", "extra_hosts",
         "isolation", "network", "target", "secrets", "shm_size", "tags", "ulimits", "platforms", "privileged"}
HEALTHCHECK = {"test", "timeout", "interval", "retries", "start_period", "start_interval", "disable"}
DEPENDS = {"condition", "restart", "required"}
RESOURCES = {"networks": NETWORK, "volumes": VOLUME, "secrets": FILE_OBJECT, "configs": FILE_OBJECT}


def _keys(value: dict, allowed: set, where: str) -> None:
    for key in value:
        if not isinstance(key, str):
            raise ComposeFileError(f"{where} keys must be strings, not {key!r}")
        if key not in allowed and not key.startswith("x-"):
            raise ComposeFileError(f"{where + ' ' if where else ''}additional properties {key!r} not allowed")


def _mapping(value, where: str, null_ok: bool = False) -> bool:
    if value is None and null_ok:
        return False
    if not isinstance(value, dict):
        raise ComposeFileError(f"{where} must be a mapping")
    return True


def check(model: dict) -> None:
    """Refuse `model` (one file's top level, interpolated) where the spec would, in one line."""
    _keys(model, TOP, "")
    services = model.get("services")
    if services is not None:
        _mapping(services, "services")
        for name, service in services.items():
            where = f"services.{name}"
            _mapping(service, where)
            _keys(service, SERVICE, where)
            build = service.get("build")
            if isinstance(build, dict):
                _keys(build, BUILD, f"{where}.build")
            health = service.get("healthcheck")
            if health is not None and _mapping(health, f"{where}.healthcheck"):
                _keys(health, HEALTHCHECK, f"{where}.healthcheck")
            depends = service.get("depends_on")
            if isinstance(depends, dict):
                for dep, options in depends.items():
                    if _mapping(options, f"{where}.depends_on.{dep}", null_ok=True):
                        _keys(options, DEPENDS, f"{where}.depends_on.{dep}")
            for key in ("environment", "labels", "command", "ports", "volumes"):
                value = service.get(key)
                if isinstance(value, (int, float, bool)) and not isinstance(value, str):
                    raise ComposeFileError(f"{where}.{key} must be a {'mapping' if key in ('environment', 'labels') else 'string or array'}")
    for kind, allowed in RESOURCES.items():
        section = model.get(kind)
        if section is None:
            continue
        _mapping(section, kind)
        for name, item in section.items():
            if _mapping(item, f"{kind}.{name}", null_ok=True):
                _keys(item, allowed, f"{kind}.{name}")
