"""`%docker -H ADDRESS compose ...`: the house's global flags before `compose` reach that engine
for every subcommand on a running project (engine 2 holds the project; the default engine
never sees it)."""

from __future__ import annotations

import json
import os
import subprocess
import uuid

import pytest

from support.compose_fixtures import v2_path

pytestmark = pytest.mark.engine

COMPOSE = """\
services:
  db:
    image: busybox:latest
    command: sh -c 'echo db up; trap "exit 0" TERM; while true; do sleep 1; done'
  web:
    image: busybox:latest
    command: sh -c 'echo web up; trap "exit 0" TERM; while true; do sleep 1; done'
    depends_on: [db]
    ports: ["8080"]
"""


@pytest.fixture
def busybox2(engine, engine2):
    """busybox:latest on engine 2 (copied from the default engine; removed after if copied here)."""
    import docker

    try:
        engine2.api.inspect_image("busybox:latest")
        yield
        return
    except docker.errors.ImageNotFound:
        pass
    engine2.api.load_image(engine.api.get_image("busybox:latest"))
    try:
        yield
    finally:
        engine2.api.remove_image("busybox:latest", force=True)


@pytest.fixture
def stack2(tmp_path, engine2_address, busybox2, compose_v2, monkeypatch):
    name = f"dmeng{uuid.uuid4().hex[:8]}"
    (tmp_path / "compose.yaml").write_text(COMPOSE)
    monkeypatch.chdir(tmp_path)
    env = dict(os.environ, DOCKER_HOST=engine2_address)

    def v2(*words, check=True):
        proc = subprocess.run([v2_path() or "docker-compose", "-p", name, *words], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=120)
        assert not check or proc.returncode == 0, proc.stderr
        return proc

    try:
        v2("up", "-d")
        yield name, v2
    finally:
        v2("down", "-v", "-t", "0", check=False)


def test_every_running_project_subcommand_reaches_the_engine_named(ip, engine, engine2, engine2_address, stack2):
    name, v2 = stack2

    def dc(line):
        return ip.run_line_magic("docker", f"-H {engine2_address} compose -p {name} {line}")

    assert engine.api.containers(all=True, filters={"label": [f"com.docker.compose.project={name}"]}) == []
    rows = [json.loads(line) for line in dc("ps --format json").text.splitlines()]
    assert sorted(r["Name"] for r in rows) == [f"{name}-db-1", f"{name}-web-1"]
    assert dc("ps -q").text == v2("ps", "-q").stdout
    assert name in dc("ls -q").text
    from dockermagic.views.compose.logs import logs_text

    assert "web up" in logs_text(dc("logs --no-color web"))
    assert dc("exec -T web echo hi").stdout == "hi\n"
    assert repr(dc("port web 8080")) == v2("port", "web", "8080").stdout.strip()
    assert dc("images -q").text.strip()
    assert "web" in repr(dc("top"))
    dc("stop -t 0 web")
    assert json.loads(v2("ps", "-a", "--format", "json", "web").stdout.splitlines()[0])["State"] == "exited"
    dc("start web")
    dc("restart -t 0 db")
    dc("pause db")
    dc("unpause db")
    dc("kill web")
    dc("rm -f web")
    assert [json.loads(x)["Service"] for x in v2("ps", "-a", "--format", "json").stdout.splitlines()] == ["db"]
    made = repr(dc("run -d --no-deps db sleep 30")).strip()
    engine2.api.inspect_container(made)   # on engine 2
    engine2.api.remove_container(made, force=True)
