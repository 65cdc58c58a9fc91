"""`docker buildx build` options on the engine's own BuildKit (buildx's docker driver) and the
classic builder: `--push`, `--platform`, `--load`, `-o`, `--squash`, against the real engine and
the loopback registry."""

from __future__ import annotations

import json
import urllib.request

import pytest

from dockermagic.build.request import ATTESTATIONS, MULTI_PLATFORM
from dockermagic.errors import InvalidInput
from dockermagic.magics.checks import check
from dockermagic.views.formatters import bundle

pytestmark = [pytest.mark.engine, pytest.mark.usefixtures("docker_config")]  # a docker config folder of each test's own
BUILDERS = ["buildkit", "classic"]


@pytest.fixture(params=BUILDERS)
def builder(request, ip):
    ip.run_line_magic("config", f"DockerMagics.builder = '{request.param}'")
    yield request.param
    ip.run_line_magic("config", "DockerMagics.builder = 'auto'")


def _context(context, unique: str, base: str = "busybox"):
    (context / "Dockerfile").write_text(f"FROM {base}\nCOPY id /id\n")
    (context / "id").write_text(unique)
    return context


def _manifest(registry: str, repository: str, tag: str) -> dict:
    request = urllib.request.Request(f"http://{registry}/v2/{repository}/manifests/{tag}",
                                     headers={"Accept": "application/vnd.docker.distribution.manifest.v2+json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return dict(json.load(answer), digest=answer.headers["Docker-Content-Digest"])


def test_push_builds_then_pushes_every_tag_through_the_engine(ip, engine, registry, made, pushed, unique, context,
                                                            builder):
    repository = f"dm-test/buildx-{unique}"
    tags = [made.image(f"{registry}/{repository}:{tag}") for tag in ("1", "2")]
    _context(context, unique)
    result = ip.run_line_magic("docker", f"buildx build --push -t {tags[0]} --tag {tags[1]} {context}")
    for transfer in result.pushed:
        pushed.add_result(transfer)
    assert result.ok and [t.name for t in result.pushed] == tags
    assert all(t.ok and t.digest.startswith("sha256:") for t in result.pushed)
    for tag, transfer in zip(("1", "2"), result.pushed):
        manifest = _manifest(registry, repository, tag)
        assert manifest["digest"] == transfer.digest
        assert manifest["config"]["digest"] == result.id  # the image just built is what the registry has
    text = bundle(result)["text/plain"]
    assert f"Pushed {tags[0]}: {result.pushed[0].digest}" in text and f"Pushed {tags[1]}" in text
    assert f"Pushed {tags[0]}" in bundle(result)["text/html"]


@pytest.mark.parametrize("platform", ["linux/arm64", "linux/amd64"])
def test_one_platform_is_the_image_s_platform(ip, engine, made, unique, context, builder, platform):
    name = made.image(f"dm-test-platform-{unique}")
    _context(context, unique, base="scratch")  # no base to resolve for another platform
    result = ip.run_line_magic("docker", f"buildx build --load --platform={platform} -t {name} {context}")
    inspected = engine.api.inspect_image(name)
    assert inspected["Id"] == result.id
    assert f"{inspected['Os']}/{inspected['Architecture']}" == platform


@pytest.mark.parametrize("line, said", [
    ("buildx build --push --platform linux/amd64,linux/arm64 --tag me/welcome .", MULTI_PLATFORM),
    ("buildx build --push --load -t me/app .", "push and load may not be set together at the moment"),
    ("buildx build --push -o type=local,dest=out -t me/app .", 'push and "local" output can\'t be used together'),
    ("buildx build --load -o type=tar,dest=out.tar .", 'load and "tar" output can\'t be used together'),
    ("buildx build --push .", "tag is needed when pushing to registry"),
    ("build --platform bogus//x .", '"" is an invalid component'),
    ("build -t node-app:v2 --sbom=true --provenance=mode=max .", "Attestation is not supported for the docker driver"),
    ("buildx build --provenance -t me/app .", "Attestation is not supported for the docker driver"),
    ("buildx build --attest type=sbom -t me/app .", "Attestation is not supported for the docker driver"),
    ("buildx build --call=outline .", "--call=outline is not supported here"),
])
def test_what_buildx_refuses_is_refused_before_anything_is_sent(ip, context, line, said, monkeypatch):
    monkeypatch.chdir(_context(context, "refused"))
    assert check(ip, f"docker {line}") is not None  # the line parses: the refusal is buildx's
    with pytest.raises(InvalidInput) as caught:
        ip.run_line_magic("docker", line)
    assert said in str(caught.value)


def test_squash_on_an_engine_without_experimental_features_is_refused_as_the_cli_does(ip, engine, context, builder):
    assert engine.version["Components"][0]["Details"]["Experimental"] == "false"
    assert check(ip, f"docker build --squash -t test {context}") is not None
    with pytest.raises(InvalidInput, match='"--squash" is only supported on a Docker daemon with experimental'):
        ip.run_line_magic("docker", f"build --squash -t dm-never-built {_context(context, 'sq')}")
    with pytest.raises(Exception):
        engine.api.inspect_image("dm-never-built")


def test_squash_reaches_the_engine_as_its_build_parameter(context):
    from dockermagic.build.request import BuildRequest

    request = BuildRequest.make(str(_context(context, "sq")), squash=True, platform="linux/arm64")
    assert request.params["squash"] == "1" and request.params["platform"] == "linux/arm64"
    assert "squash" not in BuildRequest.make(str(context)).params


def test_attestations_turned_off_build_as_every_build_here(ip, engine, made, unique, context, builder):
    name = made.image(f"dm-test-attest-{unique}")
    result = ip.run_line_magic("docker", f"buildx build --provenance=false --sbom=false --attest type=sbom,disabled=true "
                                         f"--load -t {name} {_context(context, unique)}")
    assert engine.api.inspect_image(name)["Id"] == result.id
    assert ATTESTATIONS.startswith("Attestation is not supported for the docker driver")
