"""The Compose Specification's rules, written as Python: which keys each object takes, which
values must be mappings, and (in `valuetypes`) the type of each service field.  Messages are
v2's (`services.web additional properties 'foo' not allowed`, `services.nil must be a
mapping`); `x-` keys are always allowed.  Each refusal carries the path of the key it is about,
so the caller can name its line."""

from __future__ import annotations

from .normalize import SERVICE_ORDER
from .valuetypes import Refusal, check_service

TOP = {"version", "name", "include", "services", "networks", "volumes", "secrets", "configs", "models"}
#: v1's `dockerfile`, `log_driver`, `log_opt`, `net`, `volume_driver` are in compose-go's struct, not in the spec
SERVICE = (set(SERVICE_ORDER) | {"extends"}) - {"dockerfile", "log_driver", "log_opt", "net", "volume_driver"}
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
PORT = {"name", "mode", "host_ip", "target", "published", "protocol", "app_protocol", "x-"}
MOUNT = {"type", "source", "target", "read_only", "consistency", "bind", "volume", "tmpfs", "image"}
RESOURCES = {"networks": NETWORK, "volumes": VOLUME, "secrets": FILE_OBJECT, "configs": FILE_OBJECT}


def _dotted(keys: tuple) -> str:
    return ".".join(str(key) for key in keys)


def _keys(value: dict, allowed: set, keys: tuple) -> None:
    for key in value:
        if not isinstance(key, str):
            raise Refusal(f"{_dotted(keys)} keys must be strings, not {key!r}", (*keys, key))
        if key not in allowed and not key.startswith("x-"):
            raise Refusal(f"{_dotted(keys)} additional properties {key!r} not allowed", (*keys, key))


def _mapping(value, keys: tuple, null_ok: bool = False) -> bool:
    if value is None and null_ok:
        return False
    if not isinstance(value, dict):
        raise Refusal(f"{_dotted(keys)} must be a mapping", keys)
    return True


def check(model: dict, decode: bool = True) -> None:
    """Refuse `model` (one file's top level, interpolated) where v2 would, in one line (`decode`:
    see `valuetypes.check_service`)."""
    _keys(model, TOP, ())
    services = model.get("services")
    if services is not None:
        _mapping(services, ("services",))
        for name, service in services.items():
            _service(name, service, decode)
    for kind, allowed in RESOURCES.items():
        section = model.get(kind)
        if section is None:
            continue
        _mapping(section, (kind,))
        for name, item in section.items():
            if _mapping(item, (kind, name), null_ok=True):
                _keys(item, allowed, (kind, name))


def _service(name: str, service, decode: bool = True) -> None:
    here = ("services", name)
    _mapping(service, here)
    _keys(service, SERVICE, here)
    check_service(name, service, decode)
    build = service.get("build")
    if isinstance(build, dict):
        _keys(build, BUILD, (*here, "build"))
    health = service.get("healthcheck")
    if health is not None and _mapping(health, (*here, "healthcheck")):
        _keys(health, HEALTHCHECK, (*here, "healthcheck"))
    depends = service.get("depends_on")
    if isinstance(depends, dict):
        for dep, options in depends.items():
            if _mapping(options, (*here, "depends_on", dep), null_ok=True):
                _keys(options, DEPENDS, (*here, "depends_on", dep))
    for key, allowed in (("ports", PORT), ("volumes", MOUNT)):
        for index, item in enumerate(service.get(key) or []):
            if isinstance(item, dict):
                _keys(item, allowed, (*here, key, index))
