"""%docker_build through a BuildKit session, on the real engine: only what changed crosses,
secrets, ssh, a private base, outputs; what can't be built refused before anything is sent;
the tar fallback where no session can be had."""

from __future__ import annotations

import json
import os
import subprocess
import tarfile

import pytest

from dockermagic.errors import BuildError, DockerfileError, InvalidInput
from dockermagic.views.formatters import bundle
from support.engine_fixtures import container_output as run
from support.registry_fixtures import build_image

pytestmark = pytest.mark.engine




def test_a_rebuild_sends_only_what_changed(ip, engine, made, context, unique, capsys):
    for i in range(800):
        folder = context / f"d{i // 100}"
        folder.mkdir(exist_ok=True)
        (folder / f"f{i:04d}.bin").write_bytes(os.urandom(4000))
    (context / "gone.txt").write_text("soon gone\n")
    (context / "big.log").write_bytes(b"x" * 99999)
    (context / ".dockerignore").write_text("*.log\n")
    (context / "Dockerfile").write_text("FROM busybox\nCOPY . /data\n")
    tag = made.image(f"dm-session/magic:{unique}")
    ignore = len("*.log\n")  # the frontend reads .dockerignore first, in a sync of its own

    first = ip.run_line_magic("docker_build", f"-t {tag} {context}")
    sent = first.context_transfer
    dockerfile = len("FROM busybox\nCOPY . /data\n")
    assert sent.files_sent == 803 + 1 and sent.bytes_sent == 800 * 4000 + len("soon gone\n") + dockerfile + 2 * ignore
    again = ip.run_line_magic("docker_build", f"-t {tag} {context}")
    assert again.id == first.id and again.context_transfer.bytes_sent == 0
    assert again.context_transfer.already_had == again.context_transfer.files

    (context / "d7" / "f0777.bin").write_bytes(b"changed\n")
    (context / "gone.txt").unlink()
    capsys.readouterr()
    changed = ip.run_line_magic("docker_build", f"-t {tag} {context}")
    assert changed.context_transfer.files_sent == 1 and changed.context_transfer.bytes_sent == len(b"changed\n")
    assert "context by session: " in capsys.readouterr().out
    assert "1 sent (8B)" in bundle(changed)["text/html"]
    listing = run(engine, made, changed.id, "cat /data/d7/f0777.bin; test -e /data/gone.txt || echo gone; "
                                           "test -e /data/big.log || echo excluded")
    assert listing == "changed\ngone\nexcluded\n"


def test_hard_links_and_xattrs_reach_the_engine_as_the_cli_sends_them(ip, engine, made, context, unique, tmp_path):
    """Built first through our session (so no cache of another build can serve it), the image
    keeps the hard link; then `docker build` of a copy of the folder is served by that cache,
    which BuildKit keys by the files' content and metadata, xattrs included."""
    (context / "Dockerfile").write_text("FROM busybox\nCOPY . /ctx/\n")
    (context / "a.txt").write_text(f"one file, two names {unique}\n")
    os.link(context / "a.txt", context / "b.txt")
    (context / "x.txt").write_text(unique)
    os.setxattr(context / "x.txt", "user.dockermagic", unique.encode())
    ours = ip.run_line_magic("docker_build", f"-q -t {made.image(f'dm-session/links:{unique}')} {context}").id
    a, b = run(engine, made, ours, "stat -c '%h %i' /ctx/a.txt /ctx/b.txt").splitlines()
    assert a == b and a.startswith("2 ")
    copy = tmp_path / "copy"
    subprocess.run(["cp", "-a", str(context), str(copy)], check=True)
    theirs = made.image(f"dm-session/links-cli:{unique}")
    subprocess.run(["/usr/bin/docker", "build", "-q", "-t", theirs, str(copy)], check=True, capture_output=True,
                   env=dict(os.environ, DOCKER_BUILDKIT="1"), timeout=120)
    assert engine.api.inspect_image(theirs)["Id"] == ours
    os.removexattr(copy / "x.txt", "user.dockermagic")  # and the xattr is part of what decides that
    other = ip.run_line_magic("docker_build", f"-q -t {made.image(f'dm-session/links-bare:{unique}')} {copy}").id
    assert other != ours


def test_a_secret_is_read_and_shown_nowhere(ip, engine, made, context, unique, tmp_path, capsys, monkeypatch):
    value = f"s3cret-{unique}"
    (tmp_path / "token").write_text(value)
    monkeypatch.setenv("DM_BUILD_TOKEN", value + "-env")
    (context / "Dockerfile").write_text(
        "FROM busybox\n"
        f"RUN --mount=type=secret,id=tok --mount=type=secret,id=envtok echo {unique} && "
        "cat /run/secrets/tok /run/secrets/envtok | wc -c > /count\n")
    tag = made.image(f"dm-session/secret:{unique}")
    result = ip.run_line_magic("docker_build", f"--secret id=tok,src={tmp_path / 'token'} "
                                               f"--secret id=envtok,env=DM_BUILD_TOKEN -t {tag} {context}")
    assert run(engine, made, result.id, "cat /count").strip() == str(2 * len(value) + 4)
    mimebundle = bundle(result)
    places = [capsys.readouterr().out, repr(result), result.log, mimebundle["text/plain"], mimebundle["text/html"],
              json.dumps(engine.api.history(result.id)), json.dumps(engine.api.inspect_image(result.id))]
    assert not [place for place in places if value in place]


def test_a_missing_secret_is_one_line_before_anything_is_sent(ip, context):
    (context / "Dockerfile").write_text("FROM busybox\n")
    with pytest.raises(InvalidInput, match=r"--secret id=tok: no file .*nothere") as info:
        ip.run_line_magic("docker_build", f"--secret id=tok,src={context / 'nothere'} {context}")
    assert "\n" not in str(info.value)


def test_an_ssh_agent_socket_is_mounted(ip, engine, made, context, unique, ssh_agent):
    (context / "Dockerfile").write_text(
        f"FROM busybox\nRUN --mount=type=ssh echo {unique} && test -S $SSH_AUTH_SOCK && echo mounted > /seen\n")
    result = ip.run_line_magic("docker_build", f"--ssh default -t {made.image(f'dm-session/ssh:{unique}')} {context}")
    assert run(engine, made, result.id, "cat /seen") == "mounted\n"


def test_a_private_base_needs_no_pull_first(ip, engine, made, context, unique, auth_registry, pushed, docker_env,
                                            monkeypatch):
    server, user, password = auth_registry["address"], auth_registry["user"], auth_registry["password"]
    monkeypatch.setenv("DM_TEST_PW", password)
    ip.run_line_magic("docker_login", f"{server} -u {user} --password-env DM_TEST_PW")
    base = f"{server}/dm-session/base{unique}:1"
    build_image(engine, made, base, f"FROM busybox\nRUN echo base-{unique} > /base\n")
    pushed.add_result(ip.run_line_magic("docker_push", base), login=(user, password))
    engine.api.remove_image(base)
    (context / "Dockerfile").write_text(f"ARG BASE={server}/dm-session/nothing\nFROM $BASE\nRUN cat /base\n")
    result = ip.run_line_magic("docker_build", f"--build-arg BASE={base} -t {made.image(f'dm-session/p{unique}')} {context}")
    assert result.ok and result.pulls == []  # BuildKit fetched it, asking the session for the login
    assert f"base-{unique}" in next(v for v in result.vertices if "RUN cat" in v.name).log


def test_both_outputs(ip, context, tmp_path):
    (context / "sub").mkdir()
    (context / "sub" / "a.txt").write_text("alpha\n")
    (context / "Dockerfile").write_text("FROM scratch\nCOPY sub /out/sub\n")
    ip.run_line_magic("docker_build", f"-o type=local,dest={tmp_path / 'local'} {context}")
    assert (tmp_path / "local" / "out" / "sub" / "a.txt").read_text() == "alpha\n"
    ip.run_line_magic("docker_build", f"--output type=tar,dest={tmp_path / 'out.tar'} {context}")
    with tarfile.open(tmp_path / "out.tar") as archive:
        assert archive.extractfile("out/sub/a.txt").read() == b"alpha\n"


@pytest.mark.parametrize("builder", ["auto", "classic"])
def test_a_heredoc_is_refused_before_sending(ip, engine, context, builder, monkeypatch):
    from dockermagic.engine import adapter

    (context / "Dockerfile").write_text("FROM busybox\nRUN <<EOF\necho hi\nEOF\n")
    sent = []
    for name in ("records", "upgraded"):
        real = getattr(adapter, name)
        monkeypatch.setattr(adapter, name, lambda *a, _real=real, **k: sent.append(a[1:2]) or _real(*a, **k))
    try:
        ip.run_line_magic("config", f"DockerMagics.builder = '{builder}'")
        with pytest.raises(DockerfileError, match=r"heredocs \(<<EOF\) \(line 2\)") as info:
            ip.run_line_magic("docker_build", str(context))
    finally:
        ip.run_line_magic("config", "DockerMagics.builder = 'auto'")
    way_out = "# syntax=docker/dockerfile:1" if builder == "auto" else "DockerMagics.builder = 'auto'"
    assert way_out in str(info.value) and "\n" not in str(info.value)
    assert sent == []


def test_cache_to_is_refused_and_classic_refuses_session_options(ip, context, monkeypatch):
    (context / "Dockerfile").write_text("FROM busybox\n")
    with pytest.raises(InvalidInput, match="--cache-to is not supported"):
        ip.run_line_magic("docker_build", f"--cache-to type=inline {context}")
    monkeypatch.setenv("DOCKER_BUILDKIT", "0")
    with pytest.raises(InvalidInput, match="--secret needs a BuildKit session"):
        ip.run_line_magic("docker_build", f"--secret id=x,src=/etc/hostname {context}")


def test_without_a_session_the_context_goes_as_a_tar(ip, made, context, unique, monkeypatch, capsys):
    """An engine (or a proxy before it) that refuses the upgrade to h2c."""
    from dockermagic.engine import adapter

    def refused(api, path, headers, timeout=10.0):
        raise RuntimeError("400 Client Error: the upgrade to h2c was refused")

    monkeypatch.setattr(adapter, "upgraded", refused)
    (context / "Dockerfile").write_text("FROM busybox\nCOPY Dockerfile /\n")
    result = ip.run_line_magic("docker_build", f"-t {made.image(f'dm-session/tar:{unique}')} {context}")
    assert result.ok and result.context_transfer is None and "refused" in result.no_session
    assert "the whole context went as a tar" in capsys.readouterr().out
    assert "the whole context went as a tar" in bundle(result)["text/html"]
    with pytest.raises(BuildError, match="--secret, --ssh and -o go through a session"):
        ip.run_line_magic("docker_build", f"--secret id=x,src=/etc/hostname {context}")


def test_the_steps_show_waiting_before_the_engine_answers(engine, made, context, unique):
    from dockermagic.build import builders
    from dockermagic.build.request import BuildRequest, BuildResult
    from dockermagic.buildkit.build import BuildKitResult, build, prepare
    from dockermagic.views.build import BuildView
    from dockermagic.views.buildkit import BuildKitView

    (context / "Dockerfile").write_text("FROM busybox AS tools\nRUN echo tools\nFROM busybox AS unused\nRUN exit 1\n"
                                        f"FROM busybox\nCOPY --from=tools /bin/sh /h\nRUN echo {unique}\n")
    request = BuildRequest.make(str(context), tags=[made.image(f"dm-session/plan:{unique}")])
    plan = prepare(engine, request)
    result = BuildKitResult(request.context, request.dockerfile, request.tags, engine=engine.label)
    view = BuildKitView(result, mode="none", planned=plan.planned)
    before = view.text()
    assert "[tools 2/2] RUN echo tools" in before and f"[stage-2 3/3] RUN echo {unique}" in before
    rows = before.split("\n")[1:]
    assert len(rows) == 5 and all(" waiting " in row for row in rows)  # the unused stage is skipped
    for event in build(engine, request, result, plan):
        view.apply(event)
    view.state = "succeeded"
    assert " waiting " not in view.text() and "line 7 " in view.text() and "planned" not in view.html()

    classic = BuildView(BuildResult(request.context, request.dockerfile, []), mode="none",
                        dockerfile=builders.read(request.dockerfile))
    assert classic.text().count(" waiting ") == 7 and "Step 6/7" in classic.text()
