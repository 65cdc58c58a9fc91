"""Compose on another engine: `%docker -H URL compose ...` and `%docker --context NAME compose ...`
put the project on engine 2 (and leave the default engine alone); Podman's Docker-compatible
API runs `up -d`, an unchanged `up` that touches nothing, `ps` and `down`, and says in one line
what it lacks (healthchecks without systemd)."""

from __future__ import annotations

import uuid

import pytest

from dockermagic.compose.up import UpOptions, up
from dockermagic.errors import ComposeError
from support.compose_stacks import Stack

APP = """
services:
  db:
    image: busybox:latest
    command: sleep 3600
    volumes: [data:/data]
  web:
    image: busybox:latest
    command: sleep 3600
    depends_on: [db]
    networks: [default, back]
networks:
  back: {}
volumes:
  data: {}
"""


@pytest.fixture
def on(tmp_path):
    """`on(engine)` -> a Stack of APP on that engine, with busybox there (copied from the default
    engine when missing, removed again at teardown); everything of it is removed at teardown."""
    made: list[tuple[Stack, bool]] = []

    def make(other, text: str = APP) -> Stack:
        from dockermagic.engine.connection import connect

        folder = tmp_path / f"p{len(made)}"
        folder.mkdir()
        stack = Stack(other, folder, f"dmeng{uuid.uuid4().hex[:8]}").write(text)
        loaded = not other.api.images(name="busybox:latest")
        if loaded:
            other.api.load_image(b"".join(connect().api.get_image("busybox:latest")))
        made.append((stack, loaded))
        return stack

    yield make
    for stack, loaded in made:
        stack.cleanup()
        if loaded:
            try:
                stack.engine.api.remove_image("busybox:latest")
            except Exception:  # noqa: BLE001 -- in use by someone else's container now: kept
                pass


def _names(stack) -> list[str]:
    return sorted(c["Names"][0].lstrip("/") for c in stack.containers())


def test_dash_h_and_context_put_the_project_on_engine2(ip, engine, engine2, engine2_address, docker_env, on):  # noqa: F811
    stack = on(engine2)
    where = f"-H {engine2_address} compose -f {stack.file} -p {stack.name}"
    result = ip.run_line_magic("docker", f"{where} up -d --quiet")
    assert engine2_address in result.engine
    assert _names(stack) == [f"{stack.name}-db-1", f"{stack.name}-web-1"]
    assert not engine.api.containers(all=True, filters={"label": f"com.docker.compose.project={stack.name}"})
    context = f"dmup{uuid.uuid4().hex[:6]}"
    ip.run_line_magic("docker_context", f"create {context} --docker host={engine2_address}")
    listed = ip.run_line_magic("docker", f"--context {context} compose -f {stack.file} -p {stack.name} ps")
    assert sorted(c.name for c in listed.containers) == _names(stack)
    ip.run_line_magic("docker", f"--context {context} compose -f {stack.file} -p {stack.name} down -v --quiet")
    assert _names(stack) == []
    assert not engine2.api.networks(filters={"label": f"com.docker.compose.project={stack.name}"})


def test_podman_up_ps_down(ip, podman, podman_address, on):  # noqa: F811
    stack = on(podman)
    where = f"-H {podman_address} compose -f {stack.file} -p {stack.name}"
    ip.run_line_magic("docker", f"{where} up -d --quiet")
    before = {c["Names"][0]: c["Id"] for c in stack.containers()}
    assert sorted(before) == [f"/{stack.name}-db-1", f"/{stack.name}-web-1"]
    again = list(up(podman, stack.project(), options=UpOptions()))
    assert {e.state for e in again if e.kind == "container"} == {"Running"}      # nothing recreated
    assert {c["Names"][0]: c["Id"] for c in stack.containers()} == before
    listed = ip.run_line_magic("docker", f"{where} ps")
    assert sorted((c.name, c.state) for c in listed.containers) == \
        [(f"{stack.name}-db-1", "running"), (f"{stack.name}-web-1", "running")]
    ip.run_line_magic("docker", f"{where} down -v -t 0 --quiet")
    assert stack.containers() == []


def test_podman_without_systemd_says_healthchecks_never_ran(podman, on):  # noqa: F811
    stack = on(podman, """
services:
  db:
    image: busybox:latest
    command: sleep 3600
    healthcheck: {test: ["CMD", "true"], interval: 1s}
  web:
    image: busybox:latest
    command: sleep 3600
    depends_on: {db: {condition: service_healthy}}
""")
    try:
        list(up(podman, stack.project(), options=UpOptions(timeout=0)))
    except ComposeError as exc:
        text = str(exc)
        assert "\n" not in text and "ran no healthcheck" in text and "Podman" in text, text
    else:   # a Podman with systemd runs them: then the dependency is simply met
        assert stack.inspect(f"{stack.name}-web-1")["State"]["Running"]
