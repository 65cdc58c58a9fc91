"""The seed's last step, for real: build and push on engine 1; then on engine 2 -- empty, "another
machine", chosen with a context as the tutorial does -- pull with the transfer view and run:
`Hello world`.  Engine 1's images are untouched by what happens on engine 2."""

from __future__ import annotations

from dockermagic.engine import contexts
from support.engine_fixtures import unique_name


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


TUTORIAL_CELLS = [
    '%docker_context create other-machine --docker host={engine2} --description "another machine"',
    "%docker_context ls",
    "%docker_images --context other-machine {derived}",
    "%docker_pull --context other-machine {derived}",
    "%docker_run --context other-machine --rm {derived}",
    "%docker_context rm other-machine",
]


def test_the_tutorials_another_machine_cells(ip, docker_env, engine, engine2, engine2_address, made, made2, registry,
                                            pushed, context, unique, capsys):
    """The cells proposed for the tutorial's last section, run as cells, end in Hello world."""
    derived = f"{registry}/dm-another/derived-{unique}:latest"
    (context / "hello.sh").write_text('#!/bin/sh\necho "Hello world"\n')
    (context / "hello.sh").chmod(0o755)
    (context / "Dockerfile").write_text('FROM busybox\nCOPY hello.sh /hello.sh\nCMD ["/hello.sh"]\n')
    made.image(derived)
    ip.run_line_magic("docker_build", f"-t {derived} {context}")
    sent = ip.run_line_magic("docker_push", derived)
    pushed.add(registry, f"dm-another/derived-{unique}", sent.digest)
    made2.image(derived)
    ip.user_ns.update(engine2=engine2_address, derived=derived)
    outputs = []
    for source in TUTORIAL_CELLS:
        capsys.readouterr()
        result = ip.run_cell(source)
        assert result.success, (source, result.error_in_exec)
        outputs.append((result.result, capsys.readouterr().out))
    listing, _ = outputs[1]
    assert "other-machine" in listing.names
    assert len(outputs[2][0]) == 0  # the other machine has never seen the image
    assert outputs[3][0].bytes_transferred > 0 and "(context other-machine)" in outputs[3][0].engine
    run, printed = outputs[4]
    assert run.stdout.strip() == "Hello world" and "Hello world" in printed
    assert contexts.names() == [] and contexts.current_name() == "default"


def test_cleanup_finds_containers_on_the_engine_they_were_started_on(ip, engine2, engine2_address, made2, unique, capsys):
    from dockermagic.engine.connection import connect

    tag = made2.image(f"dm-cleanup/bb{unique}:1")
    engine2.api.load_image(b"".join(connect().api.get_image("busybox:latest")))  # engine 1's, copied over
    engine2.api.tag("busybox:latest", f"dm-cleanup/bb{unique}", "1")
    engine2.api.remove_image("busybox:latest")  # only the name: engine 2 keeps no busybox of its own
    name = made2.container(f"dm-cleanup-{unique}")
    ip.run_line_magic("docker_run", f"-H {engine2_address} -d --name {name} {tag} sleep 60")
    capsys.readouterr()
    ip.run_line_magic("docker_cleanup", "")
    assert name in capsys.readouterr().out
    assert not engine2.api.containers(all=True, filters={"name": name})
