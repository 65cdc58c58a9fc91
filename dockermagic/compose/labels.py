"""Names and labels as Docker Compose v2 gives them, so v2 and dockermagic find each other's
containers, networks and volumes: `<project>-<service>-<n>`, `<project>_<network>` (or the
network's `name:`), the `com.docker.compose.*` labels with v2's exact values, the network
aliases v2 sets, and the config hashes of networks and volumes (the service's comes from
`hash.py`).  Every value here was checked against what v2.40.3 writes on Engine 20.10.
"""

from __future__ import annotations

import hashlib

from .model.gojson import dumps
from .model.hash import service_hash

PREFIX = "com.docker.compose."
PROJECT = PREFIX + "project"
SERVICE = PREFIX + "service"
NUMBER = PREFIX + "container-number"
ONEOFF = PREFIX + "oneoff"
DEPENDS_ON = PREFIX + "depends_on"
WORKING_DIR = PREFIX + "project.working_dir"
CONFIG_FILES = PREFIX + "project.config_files"
ENV_FILE = PREFIX + "project.environment_file"
VERSION = PREFIX + "version"
CONFIG_HASH = PREFIX + "config-hash"
IMAGE = PREFIX + "image"
NETWORK = PREFIX + "network"
VOLUME = PREFIX + "volume"
REPLACE = PREFIX + "replace"

#: v2 writes its own version; writing the same keeps `docker compose` from seeing a stranger
COMPOSE_VERSION = "2.40.3"


def container_name(project: str, service: str, number: int) -> str:
    return f"{project}-{service}-{number}"


def image_name(project: str, service_name: str, service: dict) -> str:
    """The image a service runs: its `image:`, else what `build:` makes, `<project>-<service>`."""
    return service.get("image") or f"{project}-{service_name}"


def network_name(project: str, key: str, network: dict | None) -> str:
    """`<project>_<key>`, or the network's own `name:` (the canonical model fills it in)."""
    return (network or {}).get("name") or f"{project}_{key}"


def volume_name(project: str, key: str, volume: dict | None) -> str:
    return (volume or {}).get("name") or f"{project}_{key}"


def depends_on(service: dict) -> str:
    """v2's `com.docker.compose.depends_on`: `svc:condition:restart` joined by commas, in the
    model's (sorted) order; "" when there are none."""
    return ",".join(f"{name}:{dep.get('condition', 'service_started')}:{str(bool(dep.get('restart'))).lower()}"
                    for name, dep in (service.get("depends_on") or {}).items())


def project_labels(project) -> dict:
    return {PROJECT: project.name, WORKING_DIR: project.working_dir,
            CONFIG_FILES: ",".join(project.config_files), VERSION: COMPOSE_VERSION}


def container_labels(project, service_name: str, service: dict, number: int, image_id: str,
                     oneoff: bool = False, env_files: list[str] | None = None) -> dict:
    """Every label v2 puts on a service's container: the model's `labels:` first, then its own."""
    labels = dict(service.get("labels") or {})
    labels.update(project_labels(project))
    labels.update({SERVICE: service_name, NUMBER: str(number), ONEOFF: "True" if oneoff else "False",
                   DEPENDS_ON: depends_on(service), CONFIG_HASH: service_hash(service), IMAGE: image_id})
    if env_files:
        labels[ENV_FILE] = ",".join(env_files)
    return labels


def network_labels(project, key: str, network: dict) -> dict:
    labels = dict(network.get("labels") or {})
    labels.update({PROJECT: project.name, NETWORK: key, VERSION: COMPOSE_VERSION, CONFIG_HASH: _digest(network)})
    return labels


def volume_labels(project, key: str, volume: dict) -> dict:
    labels = dict(volume.get("labels") or {})
    labels.update({PROJECT: project.name, VOLUME: key, VERSION: COMPOSE_VERSION,
                   CONFIG_HASH: _digest(_with_driver(volume))})
    return labels


def aliases(project: str, service_name: str, number: int, endpoint: dict | None) -> list[str]:
    """A container's aliases on one network, as v2 sets them: its name, its service, then the
    model's `aliases:` (the engine adds the short id itself)."""
    return [container_name(project, service_name, number), service_name, *((endpoint or {}).get("aliases") or [])]


def network_hash(network: dict) -> str:
    return _digest(network)


def volume_hash(volume: dict) -> str:
    return _digest(_with_driver(volume))


def _with_driver(volume: dict) -> dict:
    """v2 hashes a volume with its driver defaulted to "local", in Go's field order (name, driver, ...)."""
    if volume.get("driver"):
        return volume
    out = {"name": volume["name"]} if "name" in volume else {}
    out["driver"] = "local"
    out.update((k, v) for k, v in volume.items() if k not in ("name", "driver"))
    return out


def _digest(value) -> str:
    """sha256 of Go's `json.Marshal` of `value` (keys in the model's order), as v2 hashes networks and volumes."""
    return hashlib.sha256(dumps(value).encode()).hexdigest()
