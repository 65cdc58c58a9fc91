"""`run` against Docker Compose v2 (the oracle): the one-off container is `up`'s container of the
service with `run`'s overrides, field for field as `docker inspect` shows v2's; a dependency
without a container is brought up first, as v2 brings it up."""

from __future__ import annotations

import json

import pytest

from dockermagic.errors import InvalidInput

pytestmark = pytest.mark.engine

APP = """
services:
  db:
    image: busybox:latest
    command: sh -c "sleep 3600"
    healthcheck:
      test: ["CMD", "true"]
      interval: 1s
    volumes:
      - data:/data
  web:
    image: busybox:latest
    command: sleep 3600
    depends_on:
      db:
        condition: service_healthy
    environment:
      A: b
    labels:
      x.y: z
    ports: ["8080"]
    networks:
      default:
      front:
        aliases: [www]
    restart: unless-stopped
    stop_signal: SIGKILL
    working_dir: /srv
networks:
  front: {}
volumes:
  data: {}
"""

SLUG = "com.docker.compose.slug"
#: v2 hashes the one-off's service after overrides of its own (the slug among them) that nothing
#: reads back: a one-off is never converged, so its hash is left out of the comparison
HASH = "com.docker.compose.config-hash"


def _oneoff(stack) -> dict:
    found = [c for c in stack.containers() if c["Labels"].get("com.docker.compose.oneoff") == "True"]
    assert len(found) == 1, found
    return stack.inspect(found[0]["Id"])


def _normal(info: dict, project: str) -> dict:
    """An inspect with what differs by nature (ids, times, the slug, the project's name) taken out."""
    name = info["Name"].lstrip("/")
    config = {k: v for k, v in info["Config"].items() if k != "Hostname"}
    config["Labels"] = {k: v for k, v in config["Labels"].items() if k not in (SLUG, HASH)}
    config["Env"] = sorted(config["Env"])   # v2 writes them in Go's map order
    text = json.dumps({"Config": config, "HostConfig": info["HostConfig"],
                       "Mounts": [{k: v for k, v in m.items() if k != "Source" or m["Type"] != "volume"}
                                  for m in info["Mounts"]],
                       "Aliases": {net: [a for a in (e.get("Aliases") or []) if a != info["Id"][:12]]
                                   for net, e in info["NetworkSettings"]["Networks"].items()}})
    return json.loads(text.replace(name, "ONEOFF").replace(project, "PROJECT"))


def _differences(a: dict, b: dict, path: str = "") -> dict:
    if isinstance(a, dict) and isinstance(b, dict):
        out = {}
        for key in set(a) | set(b):
            out.update(_differences(a.get(key), b.get(key), f"{path}.{key}"))
        return out
    return {} if a == b else {path: (a, b)}


def _ours(ip, stack, line: str):
    return ip.run_line_magic("docker", f"compose -p {stack.name} -f {stack.file} {line}")


def test_run_container_is_v2s_and_its_dependency_comes_up(ip, engine, stacks):  # noqa: F811
    theirs = stacks(APP, prefix="dmrun")
    ours = stacks(prefix="dmrun")
    ours.folder = theirs.folder   # one folder: working_dir and config_files labels agree
    theirs.v2("run", "-d", "-e", "X=1", "-l", "k=v", "-u", "1000", "web", "sleep", "30")
    made = repr(_ours(ip, ours, "run -d -e X=1 -l k=v -u 1000 web sleep 30")).strip()
    assert made.startswith(f"{ours.name}-web-run-") and len(made) == len(f"{ours.name}-web-run-") + 12
    a, b = _normal(_oneoff(theirs), theirs.name), _normal(_oneoff(ours), ours.name)
    assert _differences(a, b) == {}
    # the dependency v2 brought up (and waited healthy for), ours too
    for stack in (theirs, ours):
        rows = [json.loads(line) for line in stack.v2("ps", "--format", "json").stdout.splitlines()]
        assert [(r["Service"], r["State"], r["Health"]) for r in rows] == [("db", "running", "healthy")]


def test_run_service_ports_and_publish_as_v2(ip, engine, stacks):  # noqa: F811
    theirs = stacks(APP, prefix="dmrun")
    ours = stacks(prefix="dmrun")
    ours.folder = theirs.folder
    for flags in ("-P --entrypoint sleep", "-p 127.0.0.1::90/udp -p 91 --entrypoint sleep"):
        theirs.v2("run", "-d", "--no-deps", *flags.split(), "web", "30")
        _ours(ip, ours, f"run -d --no-deps {flags} web 30")
        a, b = _normal(_oneoff(theirs), theirs.name), _normal(_oneoff(ours), ours.name)
        assert _differences(a, b) == {}, flags
        for stack in (theirs, ours):
            for c in stack.containers():
                engine.api.remove_container(c["Id"], force=True)
    said = theirs.v2("run", "-d", "--no-deps", "-P", "-p", "90", "web", "30").stderr.strip()
    assert said == "--service-ports and --publish are incompatible"
    with pytest.raises(InvalidInput, match=f"^{said}$"):
        from dockermagic.magics.compose import base

        base.run_subcommand(ip.magics_manager.registry["ComposeMagics"],
                            ["-p", ours.name, "-f", str(ours.file), "run", "-P", "-p", "90", "web"])
    assert [c for c in ours.containers() if c["Labels"]["com.docker.compose.oneoff"] == "False"] == []  # --no-deps
