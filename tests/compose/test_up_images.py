"""A project's images on the real engine and the loopback registry: `%docker compose build`
(dockermagic's BuildKit build: args, target, `--no-cache`, `--pull`) against what v2 builds for
the same project; `push` and `pull` of a service image; `up --build`, `--no-build`, `--pull
always|missing|never`.  Every image and registry tag made here is removed."""

from __future__ import annotations

import hashlib
import json
import urllib.request
import uuid

import pytest

from dockermagic.compose import images
from dockermagic.compose.model import config
from dockermagic.compose.up import UpOptions, up
from dockermagic.errors import ComposeError

REGISTRY = "127.0.0.1:5000"

DOCKERFILE = """FROM {base} AS base
ARG GREETING=none
RUN echo "$GREETING" > /greeting
FROM base AS final
RUN echo final > /stage
FROM base AS dev
RUN echo dev > /stage
"""

BUILT = """
services:
  app:
    build:
      context: .
      target: dev
      args: {{GREETING: hello}}
      labels: {{x.y: z}}
    {image}
    command: sleep 3600
"""


def _manifest(repository: str, method: str = "HEAD") -> str | None:
    request = urllib.request.Request(f"http://{REGISTRY}/v2/{repository}/manifests/latest", method=method, headers={
        "Accept": "application/vnd.docker.distribution.manifest.v2+json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.headers["Docker-Content-Digest"]
    except OSError:
        return None


def _unpush(repository: str) -> None:
    digest = _manifest(repository)
    if digest:
        try:
            urllib.request.urlopen(urllib.request.Request(
                f"http://{REGISTRY}/v2/{repository}/manifests/{digest}", method="DELETE"), timeout=10).close()
        except OSError:
            pass


@pytest.fixture
def repositories(engine):
    """`repositories()` -> a fresh repository name on the loopback registry; its tags there and
    its images on the engine go at teardown."""
    made: list[str] = []

    def make() -> str:
        made.append(f"dmup-{uuid.uuid4().hex[:8]}")
        return made[-1]

    yield make
    for repository in made:
        try:
            engine.api.remove_image(f"{REGISTRY}/{repository}:latest", force=True)
        except Exception:  # noqa: BLE001 -- not there
            pass
        _unpush(repository)


def _file(engine, image: str, path: str) -> str:
    api = engine.api
    container = api.create_container(image, ["cat", path])["Id"]
    try:
        api.start(container)
        api.wait(container, timeout=60)
        return api.logs(container).decode()
    finally:
        api.remove_container(container, force=True)


def _stack(stacks, image: str = "", base: str = "busybox:latest"):  # noqa: F811
    stack = stacks(BUILT.format(image=f"image: {image}" if image else ""))
    (stack.folder / "Dockerfile").write_text(DOCKERFILE.format(base=base))
    stack.images.append(image or f"{stack.name}-app")
    return stack


def test_build_through_the_door_as_v2_builds(engine, stacks, ip):  # noqa: F811
    theirs = _stack(stacks)
    theirs.v2("build")
    ours = _stack(stacks)
    ip.run_line_magic("docker", f"compose -f {ours.file} -p {ours.name} build --quiet")
    mine, v2s = engine.api.inspect_image(f"{ours.name}-app"), engine.api.inspect_image(f"{theirs.name}-app")
    assert mine["RepoTags"] == [f"{ours.name}-app:latest"]
    assert {k: v.replace(ours.name, "P") for k, v in mine["Config"]["Labels"].items()} == \
        {k: v.replace(theirs.name, "P") for k, v in v2s["Config"]["Labels"].items()}
    for path, text in (("/greeting", "hello\n"), ("/stage", "dev\n")):
        assert _file(engine, f"{ours.name}-app", path) == _file(engine, f"{theirs.name}-app", path) == text


def test_no_cache_and_pull(engine, stacks, repositories):  # noqa: F811
    base = repositories()
    engine.api.tag("busybox:latest", f"{REGISTRY}/{base}", "latest")
    for record in engine.api.push(f"{REGISTRY}/{base}", "latest", stream=True, decode=True):
        assert "error" not in record, record
    engine.api.remove_image(f"{REGISTRY}/{base}:latest")
    stack = _stack(stacks, base=f"{REGISTRY}/{base}:latest")
    project = stack.project()
    list(images.build(engine, project, ["app"], pull=True))      # the base only in the registry: pulled
    first = engine.api.inspect_image(f"{stack.name}-app")["Id"]
    list(images.build(engine, project, ["app"]))
    assert engine.api.inspect_image(f"{stack.name}-app")["Id"] == first      # cached
    list(images.build(engine, project, ["app"], no_cache=True))
    assert engine.api.inspect_image(f"{stack.name}-app")["Id"] != first      # every step again


def test_push_then_pull_a_service_image(engine, stacks, repositories):  # noqa: F811
    repository = repositories()
    image = f"{REGISTRY}/{repository}:latest"
    stack = _stack(stacks, image)
    project = stack.project()
    list(images.build(engine, project, ["app"]))
    assert [e.state for e in images.push(engine, image, "app")] == ["Pushing", "Pushed"]
    assert _manifest(repository)
    engine.api.remove_image(image, force=True)
    assert [e.state for e in images.pull(engine, image, "app")] == ["Pulling", "Pulled"]
    assert _file(engine, image, "/stage") == "dev\n"


def _image_rows(events) -> list[tuple[str, str]]:
    return [(e.name, e.state) for e in events if e.kind == "image"]


def test_up_build_no_build_and_pull_policies(engine, stacks, repositories):  # noqa: F811
    stack = _stack(stacks)
    built = f"{stack.name}-app"
    assert _image_rows(up(engine, stack.project(), options=UpOptions(timeout=0))) == \
        [(built, "Building"), (built, "Built")]                  # missing: built
    assert _image_rows(up(engine, stack.project(), options=UpOptions(timeout=0))) == []
    assert _image_rows(up(engine, stack.project(), options=UpOptions(build=True, timeout=0))) == \
        [(built, "Building"), (built, "Built")]
    engine.api.remove_container(f"{stack.name}-app-1", force=True)
    engine.api.remove_image(built, force=True)
    with pytest.raises(ComposeError) as failure:
        list(up(engine, stack.project(), options=UpOptions(no_build=True)))
    assert "\n" not in str(failure.value) and built in str(failure.value)

    repository = repositories()
    image = f"{REGISTRY}/{repository}:latest"
    engine.api.tag("busybox:latest", f"{REGISTRY}/{repository}", "latest")
    for record in engine.api.push(f"{REGISTRY}/{repository}", "latest", stream=True, decode=True):
        assert "error" not in record, record
    pulled = stacks(f"services:\n  p:\n    image: {image}\n    command: sleep 3600\n")
    assert _image_rows(up(engine, pulled.project(), options=UpOptions(pull="missing", timeout=0))) == []
    assert _image_rows(up(engine, pulled.project(), options=UpOptions(pull="always", timeout=0))) == \
        [(image, "Pulling"), (image, "Pulled")]
    engine.api.remove_container(f"{pulled.name}-p-1", force=True)
    engine.api.remove_image(image, force=True)
    with pytest.raises(ComposeError) as failure:
        list(up(engine, pulled.project(), options=UpOptions(pull="never")))
    assert "\n" not in str(failure.value) and "pull_policy is never" in str(failure.value)


def test_build_secrets_and_ssh_reach_the_build(engine, stacks, ssh_agent, monkeypatch):  # noqa: F811
    """`build: {secrets: [...], ssh: [default]}`: a file secret and an environment secret are mounted
    (under their `target` name), the ssh agent is forwarded, and no value stays in the image."""
    value = f"s3cret-{uuid.uuid4().hex}"
    monkeypatch.setenv("DM_COMPOSE_BUILD_SECRET", value + "-env")
    stack = stacks("""
services:
  app:
    build:
      context: .
      secrets: [tok, {source: envtok, target: other}]
      ssh: [default]
secrets:
  tok: {file: ./token.txt}
  envtok: {environment: DM_COMPOSE_BUILD_SECRET}
""")
    (stack.folder / "token.txt").write_text(value)
    (stack.folder / "Dockerfile").write_text(
        "FROM busybox:latest\n"
        f"RUN --mount=type=secret,id=tok --mount=type=secret,id=other --mount=type=ssh echo {value[-8:]} && "
        "sha256sum /run/secrets/tok /run/secrets/other | cut -d' ' -f1 > /hashes && "
        "test -S \"$SSH_AUTH_SOCK\" && echo forwarded > /ssh\n")
    stack.images.append(f"{stack.name}-app")
    # the model as v2 reads it: build secrets in the long syntax, and the top-level ones they use kept
    assert config.render(stack.project(), "json") == stack.v2("config", "--format", "json").stdout
    list(images.build(engine, stack.project(), ["app"]))
    image = f"{stack.name}-app"
    assert _file(engine, image, "/hashes").split() == [hashlib.sha256(value.encode()).hexdigest(),
                                                        hashlib.sha256((value + "-env").encode()).hexdigest()]
    assert _file(engine, image, "/ssh") == "forwarded\n"
    assert value not in json.dumps(engine.api.history(image)) + json.dumps(engine.api.inspect_image(image))
