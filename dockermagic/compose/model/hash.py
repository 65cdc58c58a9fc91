"""The `com.docker.compose.config-hash` label: what tells `up` a service's containers are out of date.

Compose v2 (`pkg/compose/hash.go`, `ServiceHash`) blanks the fields that change no container
(`build`, `pull_policy`, `scale`, `deploy.replicas`, `depends_on`, `profiles`), marshals the
rest of compose-go's `ServiceConfig` with Go's `encoding/json` and takes the SHA-256 of it.
The canonical service model `load()` gives is that very JSON, parsed, with its keys in Go's
order, so the hash is the same bytes re-encoded as Go would.
"""

from __future__ import annotations

import hashlib

from .gojson import dumps

#: the fields v2 blanks before hashing: changing them recreates nothing
UNHASHED = ("build", "pull_policy", "scale", "depends_on", "profiles")


def service_hash(service_model: dict) -> str:
    """The hex SHA-256 v2 puts on a service's containers as `com.docker.compose.config-hash`.

    `service_model` is one service of `Project.model["services"]` (as `load()` builds it, or as
    `docker compose config --format json` prints it, parsed in order); it is not changed.
    Equal to the label v2's `up` writes, and to `docker compose config --hash SERVICE` except for a
    service with `env_file`: v2's `config --hash` hashes the service before the env files are read
    (`environment` holding only the `environment:` entries, and `env_file: ["/abs/a.env"]`), while
    its `up` hashes it after (`environment` holding the files' variables too, no `env_file`), and
    writes that on the container (v2.40.3: `up -d` labelled 4b385bdd..., `config --hash` printed
    3a7b96ee... for the same service).  We follow the label, since the label decides whether `up`
    recreates a container, ours or v2's; tests/compose/test_config_oracle.py shows both.
    """
    hashed = {key: value for key, value in service_model.items() if key not in UNHASHED}
    deploy = hashed.get("deploy")
    if isinstance(deploy, dict) and "replicas" in deploy:
        hashed["deploy"] = {key: value for key, value in deploy.items() if key != "replicas"}
    return hashlib.sha256(dumps(hashed).encode("utf-8")).hexdigest()
