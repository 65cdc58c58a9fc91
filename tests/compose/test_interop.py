"""dockermagic's `up`/`ps`/`down` and Docker Compose v2's on the same engine, differentially:
the same project made by each has the same names, labels, aliases and container config, and
each tool sees, leaves alone and removes what the other made."""

from __future__ import annotations

import json

from dockermagic.compose import labels as names
from dockermagic.compose import state
from dockermagic.compose.down import down
from dockermagic.compose.up import UpOptions, up

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
    stop_grace_period: 2s
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
    expose: ["81"]
    networks:
      default:
      front:
        aliases: [www]
    restart: unless-stopped
    stop_signal: SIGKILL
networks:
  front: {}
volumes:
  data: {}
"""

IGNORED_CONFIG = {"Hostname"}
IGNORED_HOST = set()


def _ours(engine, stack, **options):
    return list(up(engine, stack.project(), options=UpOptions(**options)))


def _normal(info: dict, project: str) -> dict:
    """An inspect with what differs by nature (ids, times, the project's name) taken out."""
    text = json.dumps({"Config": {k: v for k, v in info["Config"].items() if k not in IGNORED_CONFIG},
                       "HostConfig": info["HostConfig"], "Name": info["Name"],
                       "Mounts": [{k: v for k, v in m.items() if k != "Source" or m["Type"] != "volume"}
                                  for m in info["Mounts"]],
                       "Aliases": {net: [a for a in (e.get("Aliases") or []) if a != info["Id"][:12]]
                                   for net, e in info["NetworkSettings"]["Networks"].items()}})
    return json.loads(text.replace(project, "PROJECT"))


def test_containers_networks_volumes_match_v2(engine, stacks):  # noqa: F811
    theirs = stacks(APP)
    ours = stacks()
    ours.folder = theirs.folder   # one folder: working_dir and config_files labels agree
    theirs.v2("up", "-d")
    _ours(engine, ours)
    for service in ("db", "web"):
        a = _normal(engine.api.inspect_container(f"{theirs.name}-{service}-1"), theirs.name)
        b = _normal(engine.api.inspect_container(f"{ours.name}-{service}-1"), ours.name)
        fa, fb = _flat(a), _flat(b)
        assert {k: (fa.get(k), fb.get(k)) for k in set(fa) | set(fb) if fa.get(k) != fb.get(k)} == {}, service
    api = engine.api
    model = theirs.project()
    hashed = "com.docker.compose.config-hash"   # covers the name, so it differs by project: checked apart

    def same(labels, project):
        return {k: v.replace(project, "P") for k, v in labels.items() if k != hashed}

    for key in ("default", "front"):
        a = api.inspect_network(f"{theirs.name}_{key}")
        b = api.inspect_network(f"{ours.name}_{key}")
        assert same(a["Labels"], theirs.name) == same(b["Labels"], ours.name)
        assert names.network_hash(model.networks[key]) == a["Labels"][hashed]
        assert (a["Driver"], a["Internal"], a["Attachable"], a["Options"]) == \
               (b["Driver"], b["Internal"], b["Attachable"], b["Options"])
    a = api.inspect_volume(f"{theirs.name}_data")["Labels"]
    b = api.inspect_volume(f"{ours.name}_data")["Labels"]
    assert same(a, theirs.name) == same(b, ours.name)
    assert names.volume_hash(model.volumes["data"]) == a[hashed]
    for service in ("db", "web"):
        assert names.service_hash(model.services[service]) == \
            api.inspect_container(f"{theirs.name}-{service}-1")["Config"]["Labels"][hashed]

def _marks(stack) -> dict:
    return {c["Names"][0]: (c["Id"], stack.inspect(c["Id"])["State"]["StartedAt"]) for c in stack.containers()}


def test_second_up_touches_nothing_of_ours_or_v2s(engine, stacks):  # noqa: F811
    stack = stacks(APP)
    _ours(engine, stack)
    before = _marks(stack)
    events = _ours(engine, stack)
    assert {e.state for e in events if e.kind == "container"} <= {"Running", "Waiting", "Healthy"}
    out = stack.v2("up", "-d").stderr
    assert "Recreate" not in out and "Creat" not in out, out
    assert _marks(stack) == before
    other = stacks(APP)
    other.v2("up", "-d")
    before = _marks(other)
    _ours(engine, other)
    assert _marks(other) == before


def test_v2_lists_and_removes_ours(engine, stacks):  # noqa: F811
    stack = stacks(APP)
    _ours(engine, stack)
    listed = [json.loads(line) for line in stack.v2("ps", "--format", "json").stdout.splitlines()]
    assert sorted(row["Name"] for row in listed) == [f"{stack.name}-db-1", f"{stack.name}-web-1"]
    stack.v2("down", "-v", "-t", "0")
    assert stack.containers() == []
    assert engine.api.networks(filters={"label": [f"com.docker.compose.project={stack.name}"]}) == []
    assert not (engine.api.volumes(filters={"label": f"com.docker.compose.project={stack.name}"}) or {}).get("Volumes")


def test_ours_lists_and_removes_v2s(engine, stacks):  # noqa: F811
    stack = stacks(APP)
    stack.v2("up", "-d")
    ours = [json.loads(line) for line in state.ps_text(state.raw_containers(engine.api, stack.name), "json").splitlines()]
    theirs = [json.loads(line) for line in stack.v2("ps", "--format", "json").stdout.splitlines()]
    volatile = {"RunningFor", "Status", "Labels", "CreatedAt", "Networks"}   # v2's order of these: Go's map order
    assert [{k: v for k, v in row.items() if k not in volatile} for row in ours] == \
           [{k: v for k, v in row.items() if k not in volatile} for row in theirs]
    events = list(down(engine, stack.name, stack.project(), volumes=True, timeout=0))
    assert [e.name for e in events if e.state == "Removed" and e.kind == "container"] == \
           [f"{stack.name}-web-1", f"{stack.name}-db-1"]   # dependents first
    assert stack.containers() == []
    assert not (engine.api.volumes(filters={"label": f"com.docker.compose.project={stack.name}"}) or {}).get("Volumes")


def test_ls_lists_the_project_as_v2(engine, stacks):  # noqa: F811
    stack = stacks(APP)
    _ours(engine, stack)
    ours = [r for r in state.projects(engine.api, all=True) if r["Name"] == stack.name]
    theirs = [r for r in json.loads(stack.v2("ls", "-a", "--format", "json").stdout) if r["Name"] == stack.name]
    assert ours == theirs


def _flat(value, path="") -> dict:
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in _flat(item, f"{path}.{key}").items()}
    return {path: value}
