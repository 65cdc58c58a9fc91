"""The magics against Podman's Docker-compatible API (`podman system service`, started by
`scripts/engine up podman`): info, build (buildah's STEP lines as the same steps), history,
images, run, ps, logs, push and pull through the loopback registry."""

from __future__ import annotations

import pytest

from dockermagic.errors import BuildError
from dockermagic.views import formatters

DOCKERFILE = "FROM busybox\nRUN echo marker-{u} && head -c 300000 /dev/urandom > /blob\nCMD [\"echo\", \"Hello world\"]\n"


@pytest.fixture
def on_podman(podman_address):
    """The global flag that sends a magic to Podman: `-H unix://...`."""
    return f"-H {podman_address}"


def build(ip, on_podman, context, made_podman, unique, tag=None):
    tag = made_podman.image(tag or f"dm-podman/b{unique}:1")
    (context / "Dockerfile").write_text(DOCKERFILE.format(u=unique))
    return tag, ip.run_line_magic("docker_build", f"{on_podman} -t {tag} {context}")


def test_info_and_version_say_podman(ip, docker_env, podman, on_podman):
    info = ip.run_line_magic("docker_info", on_podman)
    assert info.kind == "Podman" and info.version == podman.version["Version"] and info.storage_driver
    assert info.label.startswith(f"Podman {info.version} at unix://")
    version = ip.run_line_magic("docker_version", on_podman)
    assert version.server["Engine"] == "Podman" and any("Podman" in name for name, _ in version.components)


def test_build_is_the_same_step_view(ip, docker_env, on_podman, context, made_podman, unique):
    tag, result = build(ip, on_podman, context, made_podman, unique)
    assert result.ok and result.engine.startswith("Podman ")
    assert [s.index for s in result.steps] == [1, 2, 3] and all(s.total == 3 for s in result.steps)
    assert [s.state for s in result.steps] == ["base", "done", "done"]
    assert result.steps[1].output == f"marker-{unique}" and result.steps[1].layer_id
    assert result.steps[2].output == ""  # COMMIT, `-->` and the bare image id are not output
    again = ip.run_line_magic("docker_build", f"{on_podman} -t {tag} {context}")
    assert again.id == result.id and [s.state for s in again.steps] == ["base", "cached", "cached"]


def test_build_failure_names_step_and_exit_code(ip, docker_env, on_podman, context):
    (context / "Dockerfile").write_text("FROM busybox\nRUN echo about to fail; exit 3\n")
    with pytest.raises(BuildError) as info:
        ip.run_line_magic("docker_build", f"{on_podman} {context}")
    assert info.value.exit_code == 3 and info.value.step.index == 2 and "exit status 3" in str(info.value)
    assert info.value.result.steps[-1].output == "about to fail"


def test_history_images_run_ps_logs(ip, docker_env, on_podman, context, made_podman, unique):
    tag, _ = build(ip, on_podman, context, made_podman, unique)
    hist = ip.run_line_magic("docker_history", f"{on_podman} {tag}")
    layers = hist.layers[0]
    assert "CMD" in layers[0].created_by and "head -c 300000" in layers[1].created_by
    assert 290_000 <= layers[1].size <= 400_000  # the 300 kB of the RUN step, as Podman reports it
    assert "Podman reports history its own way" in formatters.bundle(hist)["text/plain"]  # ids and sizes are Podman's: it says so
    assert "Podman reports history its own way" in formatters.bundle(hist)["text/html"]
    images = ip.run_line_magic("docker_images", f"{on_podman} {tag}")
    assert len(images) == 1 and images.rows[0].repository.endswith(tag.split(":")[0])
    run = ip.run_line_magic("docker_run", f"{on_podman} --rm {tag}")
    assert run.exit_code == 0 and run.stdout.strip() == "Hello world"
    name = made_podman.container(f"dm-podman-{unique}")
    ip.run_line_magic("docker_run", f"{on_podman} --name {name} {tag} sh -c 'echo line1; echo line2 >&2'")
    assert name in ip.run_line_magic("docker_ps", f"{on_podman} -a").names
    logs = ip.run_line_magic("docker_logs", f"{on_podman} {name}")
    assert logs.stdout.strip() == "line1" and logs.stderr.strip() == "line2"


def test_push_and_pull_through_the_registry(ip, docker_env, on_podman, context, made_podman, unique, registry, pushed):
    tag, _ = build(ip, on_podman, context, made_podman, unique)
    remote = made_podman.image(f"{registry}/dm-podman/p{unique}:1")
    ip.run_line_magic("docker_tag", f"{on_podman} {tag} {remote}")
    sent = ip.run_line_magic("docker_push", f"{on_podman} {remote}")
    assert sent.digest and sent.digest.startswith("sha256:")
    assert "Podman reports no byte counts for a push" in sent.summary() and "uploaded 0B" not in sent.summary()
    pushed.add(registry, f"dm-podman/p{unique}", sent.digest)
    ip.run_line_magic("docker_rmi", f"{on_podman} {remote}")
    got = ip.run_line_magic("docker_pull", f"{on_podman} {remote}")
    assert got.layers  # Podman lists the layers it pulls, with no byte counts
    assert "Podman reports no byte counts for a pull" in got.summary()
    run = ip.run_line_magic("docker_run", f"{on_podman} --rm {remote}")
    assert run.stdout.strip() == "Hello world"


def test_multistage_build_counts_steps_across_stages(ip, docker_env, podman, on_podman, context, made_podman, unique):
    before = {image["Id"] for image in podman.api.images(all=True)}
    tag = made_podman.image(f"dm-podman/m{unique}:1")
    (context / "Dockerfile").write_text('FROM busybox AS first\nARG WHO\nRUN echo "hi-$WHO" > /who\n'
                                        "FROM busybox\nCOPY --from=first /who /who\nRUN cat /who\n")
    try:
        result = ip.run_line_magic("docker_build", f"{on_podman} -t {tag} --build-arg WHO=world {context}")
        assert [(s.index, s.total) for s in result.steps] == [(i, 6) for i in range(1, 7)]
        assert result.steps[5].output == "hi-world"
    finally:  # buildah keeps the first stage as an untagged image
        for image in podman.api.images(all=True):
            if image["Id"] not in before and not [t for t in image.get("RepoTags") or [] if t != "<none>:<none>"]:
                podman.api.remove_image(image["Id"], force=True)
