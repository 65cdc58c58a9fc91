"""`--platform` on pull, rmi and history, on the real engine (API 1.41) and the loopback registry."""

from __future__ import annotations

import pytest

from dockermagic.errors import InvalidInput
from dockermagic.images import platforms
from dockermagic.magics.checks import check
from support.registry_fixtures import build_image, layer_dockerfile

pytestmark = pytest.mark.usefixtures("docker_config")  # a docker config folder of each test's own


def _pushed_then_removed(ip, engine, registry, made, pushed, unique) -> str:
    name = f"{registry}/dm-test/platform-{unique}:1"
    build_image(engine, made, name, layer_dockerfile(unique, kilobytes=10))
    pushed.add_result(ip.run_line_magic("docker_push", name))
    engine.api.remove_image(name)
    return name


def test_pull_with_a_platform_reads_back_what_came(ip, engine, registry, made, pushed, unique, capsys):
    name = _pushed_then_removed(ip, engine, registry, made, pushed, unique)
    result = ip.run_line_magic("docker", f"image pull --platform=linux/amd64 {name}")
    assert result.ok and result.wanted_platform == "linux/amd64" and result.platform == "linux/amd64"
    assert result.platform_mismatch is None
    assert "platform linux/amd64" in result.summary()
    inspected = engine.api.inspect_image(name)
    assert (inspected["Os"], inspected["Architecture"]) == ("linux", "amd64")


def test_a_single_platform_image_of_another_platform_is_pulled_with_the_warning(ip, engine, registry, made, pushed,
                                                                                 unique):
    # Engine 20.10 pulls a one-platform image whatever --platform says; newer engines warn: say it
    name = _pushed_then_removed(ip, engine, registry, made, pushed, unique)
    result = ip.run_line_magic("docker_pull", f"-q --platform linux/arm64 {name}")
    assert result.platform == "linux/amd64" and result.wanted_platform == "linux/arm64"
    assert result.platform_mismatch == "image platform (linux/amd64) does not match the expected platform (linux/arm64)"
    assert "WARNING: image platform (linux/amd64)" in result.summary()


@pytest.mark.parametrize("spec, said", [
    ("bogus//x", '"" is an invalid component'),
    ("linux/amd64,linux/arm64", "one platform, not a list"),
    ("nosuchthing", "unknown operating system or architecture"),
])
def test_a_bad_platform_is_refused_before_anything_is_sent(ip, spec, said):
    with pytest.raises(InvalidInput, match=said):
        ip.run_line_magic("docker_pull", f"--platform {spec} 127.0.0.1:5999/never/pulled")


@pytest.mark.parametrize("line, needed", [
    ("image history --platform=linux/amd64 busybox", "1.48"),
    ("history --platform linux/amd64 --format '{{.ID}}' busybox", "1.48"),
    ("image rm --platform=linux/amd64 dm-never-made", "1.50"),
])
def test_what_an_api_141_engine_cannot_do_is_refused_as_the_cli_refuses(ip, engine, line, needed):
    assert check(ip, f"docker {line}") is not None  # the line parses
    with pytest.raises(InvalidInput) as caught:
        ip.run_line_magic("docker", line)
    assert str(caught.value) == f'"--platform" requires API version {needed}, but the Docker daemon API version is 1.41'
    assert engine.api.inspect_image("busybox")  # nothing was removed


def test_platform_specifiers_are_normalized_as_containerd_does():
    assert str(platforms.parse("linux/x86_64")) == "linux/amd64"
    assert str(platforms.parse("arm64")) == "linux/arm64"
    assert str(platforms.parse("linux/arm")) == "linux/arm/v7"
    assert str(platforms.parse("Linux/AMD64")) == "linux/amd64"
    assert platforms.parse("linux/arm64/v8") == platforms.of_image({"Os": "linux", "Architecture": "arm64", "Variant": "v8"})


@pytest.mark.engine
@pytest.mark.parametrize("line", ["image ls --tree", "images --tree", "images --tree -q busybox"])
def test_images_tree_on_an_api_141_engine_is_refused_as_the_cli_refuses(ip, line):
    assert check(ip, f"docker {line}") is not None
    with pytest.raises(InvalidInput) as caught:
        ip.run_line_magic("docker", line)
    assert str(caught.value) == '"--tree" requires API version 1.47, but the Docker daemon API version is 1.41'
