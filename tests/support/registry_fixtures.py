"""Fixtures for the registry and login tests (imported by tests/test_registry*.py, test_auth*.py).

- every test gets its own empty docker config folder (DOCKER_CONFIG), so no test reads or
  writes the real ~/.docker/config.json;
- `pushed` deletes, at teardown, the manifests a test pushed to the loopback registries
  (they run with `delete: enabled`), so the registries do not fill up with test images;
- `build_image()` makes a small image FROM busybox with a layer of its own.
"""

from __future__ import annotations

import base64
import io
import json
import urllib.request

import pytest


@pytest.fixture
def docker_config(tmp_path, monkeypatch):
    """An empty docker config folder of this test's own, as $DOCKER_CONFIG."""
    folder = tmp_path / "docker-config"
    folder.mkdir()
    monkeypatch.setenv("DOCKER_CONFIG", str(folder))
    yield folder


class Pushed:
    def __init__(self):
        self.manifests: list[tuple[str, str, str, tuple | None]] = []

    def add(self, registry: str, repository: str, digest: str | None, login: tuple | None = None) -> None:
        if digest:
            self.manifests.append((registry, repository, digest, login))

    def add_result(self, result, login: tuple | None = None) -> None:
        from dockermagic.opts.reference import parse

        ref = parse(result.name)
        registry, repository = ref.domain, ref.path
        for digest in result.digests.values():
            self.add(registry, repository, digest, login)

    def cleanup(self) -> None:
        for registry, repository, digest, login in self.manifests:
            request = urllib.request.Request(f"http://{registry}/v2/{repository}/manifests/{digest}", method="DELETE")
            if login:
                token = base64.b64encode(f"{login[0]}:{login[1]}".encode()).decode()
                request.add_header("Authorization", f"Basic {token}")
            try:
                urllib.request.urlopen(request, timeout=10).close()
            except OSError:
                pass  # already gone (pushed twice under two tags)


@pytest.fixture
def pushed():
    tracker = Pushed()
    yield tracker
    tracker.cleanup()


def build_image(engine, made, name: str, dockerfile: str) -> str:
    """Build `dockerfile` (no context files) as `name`, tracked by `made`; returns the image id."""
    made.image(name)
    image_id = None
    for record in engine.api.build(fileobj=io.BytesIO(dockerfile.encode()), tag=name, rm=True, forcerm=True, decode=True):
        if "error" in record:
            raise AssertionError(f"building {name} failed: {record['error']}")
        if isinstance(record.get("aux"), dict):
            image_id = record["aux"].get("ID", image_id)
    return image_id


def layer_dockerfile(unique: str, base: str = "busybox", kilobytes: int = 600) -> str:
    """FROM base plus one layer no other image has (random bytes: it must really travel)."""
    return f"FROM {base}\nRUN head -c {kilobytes * 1000} /dev/urandom > /data-{unique} && echo {unique} > /id-{unique}\n"


def config_json(folder) -> dict:
    path = folder / "config.json"
    return json.loads(path.read_text()) if path.exists() else {}
