"""The project's top-level networks, volumes, secrets and configs in canonical form: engine names
(`<project>_<key>` unless `name:` or `external`), Go's field order, the implicit `default` network."""

from __future__ import annotations

from .normalize import ordered

NETWORK_ORDER = ("name", "driver", "driver_opts", "ipam", "external", "internal", "attachable", "labels",
                 "enable_ipv4", "enable_ipv6")
VOLUME_ORDER = ("name", "driver", "driver_opts", "external", "labels")
FILE_ORDER = ("name", "file", "environment", "content", "external", "labels", "driver", "driver_opts",
              "template_driver")


def _labels(value):
    if isinstance(value, list):
        return dict(sorted((item.partition("=")[0], item.partition("=")[2]) for item in value))
    return dict(sorted((k, "" if v is None else str(v)) for k, v in value.items()))


def _one(project: str, key: str, value, order) -> dict:
    item = dict(value or {})
    external = item.get("external")
    if isinstance(external, dict):  # legacy `external: {name: x}`
        if external.get("name"):
            item.setdefault("name", external["name"])
        item["external"] = True
    if not item.get("name"):
        item["name"] = key if item.get("external") else f"{project}_{key}"
    if "labels" in item:
        item["labels"] = _labels(item["labels"])
    if isinstance(item.get("driver_opts"), dict):  # a Go map: keys sorted
        item["driver_opts"] = dict(sorted(item["driver_opts"].items()))
    if not item.get("external"):
        item.pop("external", None)
    return ordered(item, order)


def networks(project: str, declared: dict, services: dict) -> dict:
    result = {}
    for key, value in (declared or {}).items():
        item = _one(project, key, value, NETWORK_ORDER)
        ipam = {k: v for k, v in (item.get("ipam") or {}).items() if v != []}  # Go's omitempty
        item["ipam"] = ordered(ipam, ("driver", "config", "options"))
        result[key] = ordered(item, NETWORK_ORDER)
    used = any("default" in (svc.get("networks") or {}) for svc in services.values())
    if used and "default" not in result:
        result["default"] = {"name": f"{project}_default", "ipam": {}}
    return dict(sorted(result.items()))


def volumes(project: str, declared: dict) -> dict:
    return {key: _one(project, key, value, VOLUME_ORDER) for key, value in sorted((declared or {}).items())}


def files(project: str, declared: dict, secret: bool) -> dict:
    result = {}
    for key, value in sorted((declared or {}).items()):
        item = _one(project, key, value, FILE_ORDER)
        if secret:
            item.pop("content", None)  # v2 never prints a secret's content
        result[key] = item
    return result
