"""The seed's last step, for real: build and push on engine 1; then on engine 2 -- empty, "another
machine", chosen with a context as the tutorial does -- pull with the transfer view and run:
`Hello world`.  Engine 1's images are untouched by what happens on engine 2."""

from __future__ import annotations

from engine_fixtures import docker_env, engine2, engine2_address, made2, unique_name  # noqa: F401
from registry_fixtures import pushed  # noqa: F401

from dockermagic import contexts


def image_ids(engine, repository) -> set:
    """Engine 1 is shared with other work: compare only what this test and the base touch."""
    return {(image["Id"], tuple(sorted(image.get("RepoTags") or [])))
            for name in (repository, "busybox") for image in engine.api.images(name=name)}


def test_build_push_on_engine1_pull_and_run_on_engine2(ip, docker_env, engine, engine2, engine2_address, made, made2,
                                                      registry, pushed, context, unique, capsys):
    repository = f"{registry}/dm-another/hello-{unique}"
    image = f"{repository}:1.0"
    # -- engine 1: build and push
    (context / "Dockerfile").write_text('FROM busybox\nRUN echo built on engine 1 > /where\nCMD ["echo", "Hello world"]\n')
    made.image(image)
    built = ip.run_line_magic("docker_build", f"-t {image} {context}")
    assert built.ok and "(context" not in built.engine and engine.address in built.engine
    sent = ip.run_line_magic("docker_push", image)
    pushed.add(registry, f"dm-another/hello-{unique}", sent.digest)
    assert sent.digest and engine.address in sent.engine
    before = image_ids(engine, repository)

    # -- engine 2: another machine, chosen with a context; it has never seen the image
    name = unique_name("another-machine")
    ip.run_line_magic("docker_context", f"create {name} --docker host={engine2_address} --description 'the other machine'")
    ip.run_line_magic("docker_context", f"use {name}")
    try:
        assert not engine2.api.images(name=repository)
        made2.image(image)
        got = ip.run_line_magic("docker_pull", image)
        assert f"(context {name})" in got.engine and engine2_address in got.engine
        assert got.layers and got.bytes_transferred > 0  # the layers really travelled
        capsys.readouterr()
        run = ip.run_line_magic("docker_run", f"--rm {image}")
        assert run.stdout.strip() == "Hello world" and run.exit_code == 0
        assert "Hello world" in capsys.readouterr().out
        assert f"(context {name})" in run.engine
        assert engine2.api.images(name=repository)
    finally:
        ip.run_line_magic("docker_context", "use default")
    assert contexts.current_name() == "default"
    # -- engine 1 saw none of it
    assert image_ids(engine, repository) == before and len(before) == 2
