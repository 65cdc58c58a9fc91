"""%docker_build through the engine's own BuildKit (`/build?version=2`), on the real engine."""

from __future__ import annotations

import base64
import os
import signal
import threading
import time

import pytest

from dockermagic.build.request import BuildResult
from dockermagic.buildkit.build import BuildCanceled, BuildKitResult, base_images
from dockermagic.errors import BuildError, InvalidInput
from dockermagic.views.formatters import bundle
from support.registry_fixtures import build_image

pytestmark = pytest.mark.engine


def write(ctx, dockerfile, **files):
    (ctx / "Dockerfile").write_text(dockerfile)
    for name, text in files.items():
        (ctx / name.replace("__", ".")).write_text(text)


def _processes_with(marker: str) -> list[str]:
    """Processes on this machine (the engine's build containers included) whose command line has `marker`."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if marker in cmdline:
            found.append(cmdline)
    return found


def _session_threads() -> list[str]:
    prefixes = ("dockermagic-grpc", "dockermagic-scan", "dockermagic-ssh", "dockermagic-filesend")
    return [t.name for t in threading.enumerate() if t.name.startswith(prefixes)]


def step(result, text):
    return next(v for v in result.vertices if text in v.name)


def test_cache_mount_outlives_the_layer_cache(ip, made, context, unique):
    write(context, "FROM busybox\nARG RUN=1\n"
                   f"RUN --mount=type=cache,target=/cache,id=dm-{unique} ls /cache; echo run-$RUN > /cache/run-$RUN\n")
    tag = made.image(f"dm-test/k{unique}")
    first = ip.run_line_magic("docker_build", f"--no-cache -t {tag} --build-arg RUN=1 {context}")
    assert isinstance(first, BuildKitResult) and first.ok and first.builder == "buildkit"
    again = ip.run_line_magic("docker_build", f"-t {tag} --build-arg RUN=2 {context}")
    rerun = step(again, "RUN --mount")
    assert rerun.state == "done" and "run-1" in rerun.log  # re-run by the changed arg, and the mount kept its file
    assert rerun.line == 3 and rerun.stage == "stage-0"


def test_copy_chmod_and_result_surface(ip, engine, made, context, unique):
    write(context, "FROM busybox\nCOPY --chmod=750 tool.sh /tool.sh\nRUN stat -c '%a' /tool.sh\n", tool__sh="echo hi\n")
    tag = made.image(f"dm-test/m{unique}:1")
    result = ip.run_line_magic("docker_build", f"--no-cache -t {tag} {context}")
    assert result.id.startswith("sha256:") and result.short_id == result.id[7:19] and result.tags == [tag]
    assert "750" in step(result, "RUN stat").log and "750" in result.log
    assert engine.api.inspect_image(tag)["Id"] == result.id
    copy = step(result, "COPY --chmod")
    assert copy.state == "done" and copy.line == 2 and copy.started and copy.completed >= copy.started
    assert {"name", "state", "cached", "started", "completed", "log"} <= set(dir(copy))
    path = result.save_log(context / "build.log")
    assert "750" in path.read_text()
    shown_later = bundle(result)  # what a later cell's display of it shows
    assert "with BuildKit" in shown_later["text/html"] and "[2/3] COPY --chmod=750" in shown_later["text/plain"]


def test_failing_unused_stage_is_skipped_and_stages_run_at_once(ip, made, context, unique):
    write(context, "FROM busybox AS broken\nRUN exit 9\n"
                   f"FROM busybox AS one\nRUN sleep 2 && echo one-{unique} > /one\n"
                   f"FROM busybox AS two\nRUN sleep 2 && echo two-{unique} > /two\n"
                   "FROM busybox\nCOPY --from=one /one /one\nCOPY --from=two /two /two\n")
    tag = made.image(f"dm-test/p{unique}")
    result = ip.run_line_magic("docker_build", f"--no-cache -t {tag} {context}")
    assert result.ok and not any("exit 9" in v.name for v in result.vertices)
    one, two = step(result, "[one 2/2]"), step(result, "[two 2/2]")
    assert one.started < two.completed and two.started < one.completed  # they overlapped
    assert result.duration < one.duration + two.duration


def test_the_options_of_today_work_with_buildkit(ip, engine, made, context, unique, capsys):
    write(context, "FROM busybox\nARG WHO=nobody\nCOPY . /ctx\nRUN echo hi-$WHO && ls /ctx\n",
          keep__txt="k", secret__txt="s", __dockerignore="secret.txt\n")
    (context / "other.Dockerfile").write_text("FROM busybox\nRUN echo from-other-file\n")
    tag = made.image(f"dm-test/o{unique}")
    result = ip.run_line_magic("docker_build", f"--no-cache --network host -t {tag} --build-arg WHO=world "
                                               f"--label dm.test={unique} {context}")
    assert isinstance(result, BuildKitResult) and [s.index for s in result.steps] == [1, 2, 3]
    ran = result.steps[2]
    assert "hi-world" in ran.log and "keep.txt" in ran.log and "secret.txt" not in ran.log
    assert engine.api.inspect_image(tag)["Config"]["Labels"]["dm.test"] == unique
    assert "from-other-file" in ip.run_line_magic("docker_build", f"-t {tag} -f other.Dockerfile {context}").log
    capsys.readouterr()
    quiet = ip.run_line_magic("docker_build", f"-q --network host -t {tag} --build-arg WHO=world --label dm.test={unique} {context}")
    assert capsys.readouterr().out.strip() == quiet.id and quiet.cached == 2


def test_pull_is_buildkits_own_through_the_session(ip, engine, made, context, unique, registry, pushed):
    base = f"{registry}/dm-test/open{unique}:1"
    build_image(engine, made, base, f"FROM busybox\nRUN echo open-{unique} > /open\n")
    pushed.add_result(ip.run_line_magic("docker_push", base))
    write(context, f"FROM {base}\nRUN cat /open\n")
    tag = made.image(f"dm-test/u{unique}")
    assert ip.run_line_magic("docker_build", f"-t {tag} {context}").pulls == []
    result = ip.run_line_magic("docker_build", f"--pull -t {tag} {context}")
    assert result.ok and result.pulls == []  # BuildKit resolved it in the registry, with the session's logins
    assert any(v.name == f"[internal] load metadata for {base}" for v in result.vertices)


def test_a_long_first_name_in_the_context(ip, made, context, unique):
    write(context, "FROM busybox\nCOPY . /ctx\nRUN ls /ctx\n")
    (context / ("0" + "a" * 120 + ".txt")).write_text("long")  # sorts first, needs a PAX header
    result = ip.run_line_magic("docker_build", f"--no-cache -t {made.image(f'dm-test/x{unique}')} {context}")
    assert "0" + "a" * 120 + ".txt" in result.steps[-1].log


def test_target_builds_only_that_stage(ip, made, context, unique):
    write(context, "FROM busybox AS first\nRUN echo first-stage\nFROM busybox AS second\nRUN echo second-stage\n")
    tag = made.image(f"dm-test/t{unique}")
    result = ip.run_line_magic("docker_build", f"--no-cache --target first -t {tag} {context}")
    assert "first-stage" in result.log and "second-stage" not in result.log


def test_failing_step_raises_one_line_with_line_and_exit_code(ip, context):
    write(context, "FROM busybox\nRUN echo fine\nRUN echo about-to-fail && exit 7\n")
    with pytest.raises(BuildError) as info:
        ip.run_line_magic("docker_build", f"--no-cache {context}")
    err = info.value
    assert err.exit_code == 7 and "\n" not in str(err)
    assert "[3/3] RUN echo about-to-fail && exit 7" in str(err) and "line 3" in str(err) and "exit code 7" in str(err)
    failed = err.result.failed
    assert failed.state == "error" and "about-to-fail" in failed.log and failed.exit_code == 7
    text = bundle(err.result)["text/plain"]
    assert "about-to-fail" in text and "exit code: 7" in text


def test_interrupt_cancels_and_the_next_build_works(ip, made, context, unique):
    write(context, f"FROM busybox\nRUN sleep 60 && echo done-{unique}\n")  # sh stays: its command line has the marker
    seen = []
    look = threading.Timer(2.5, lambda: seen.append(bool(_processes_with(f"done-{unique}"))))
    timer = threading.Timer(3.0, os.kill, (os.getpid(), signal.SIGINT))  # a real Ctrl-C
    look.start(), timer.start()
    began = time.monotonic()
    try:
        with pytest.raises(BuildCanceled, match="canceled") as info:
            ip.run_line_magic("docker_build", f"--no-cache {context}")
    finally:
        look.cancel(), timer.cancel()
    assert seen == [True], "the step was not seen running"
    assert time.monotonic() - began < 15
    assert any(v.state == "canceled" for v in info.value.result.vertices)
    deadline = time.monotonic() + 10
    while _processes_with(f"done-{unique}") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _processes_with(f"done-{unique}"), "the step's process outlived the cancel"
    while _session_threads() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _session_threads() == [], "the build's session outlived the cancel"
    write(context, "FROM busybox\nRUN echo after\n")
    assert ip.run_line_magic("docker_build", f"-t {made.image(f'dm-test/n{unique}')} {context}").ok


def test_docker_buildkit_0_and_the_builder_setting_choose_classic(ip, made, context, unique, monkeypatch):
    write(context, "FROM busybox\nRUN echo classic\n")
    tag = made.image(f"dm-test/c{unique}")
    monkeypatch.setenv("DOCKER_BUILDKIT", "0")
    classic = ip.run_line_magic("docker_build", f"-t {tag} {context}")
    assert type(classic) is BuildResult and [s.index for s in classic.steps] == [1, 2]
    monkeypatch.delenv("DOCKER_BUILDKIT")
    try:
        ip.run_line_magic("config", "DockerMagics.builder = 'classic'")
        assert type(ip.run_line_magic("docker_build", f"-t {tag} {context}")) is BuildResult
    finally:
        ip.run_line_magic("config", "DockerMagics.builder = 'auto'")
    assert isinstance(ip.run_line_magic("docker", f"buildx build --load -t {tag} {context}"), BuildKitResult)


def test_hostile_text_is_escaped_in_every_rendering(ip, made, context, unique):
    write(context, "FROM busybox\nRUN echo '<img src=x onerror=alert(1)>' && echo '<script>bad()</script>'\n")
    result = ip.run_line_magic("docker_build", f"--no-cache -t {made.image(f'dm-test/h{unique}')} {context}")
    from dockermagic.views.buildkit import BuildKitView

    view = BuildKitView(result, mode="none")
    for piece in (bundle(result)["text/html"], view.html()):
        assert "<script>" not in piece and "<img" not in piece and "&lt;script&gt;" in piece
    assert "<script>bad()</script>" in bundle(result)["text/plain"]  # text stays text
    view.widget = view.build_widget()
    view.refresh()
    assert all("<script>" not in row.value for row in view._rows)


def test_widget_rows_follow_the_build(ip, made, context, unique):
    pytest.importorskip("ipywidgets")
    from dockermagic.build.request import BuildRequest
    from dockermagic.buildkit.build import BuildKitResult as Result
    from dockermagic.buildkit.build import build
    from dockermagic.engine.connection import connect
    from dockermagic.views.buildkit import BuildKitView

    write(context, "FROM busybox AS a\nRUN sleep 1 && echo a\nFROM busybox\nRUN sleep 1 && echo b\nCOPY --from=a /bin/sh /x\n")
    engine = connect()
    request = BuildRequest.make(str(context), tags=[made.image(f"dm-test/w{unique}")], no_cache=True)
    result = Result(request.context, request.dockerfile, request.tags, engine=engine.label)
    view = BuildKitView(result, mode="none")
    view.widget = view.build_widget()
    running_at_once = 0
    for event in build(engine, request, result):
        view.apply(event)
        view.refresh()
        running_at_once = max(running_at_once, sum("running" in row.value for row in view._rows))
    assert running_at_once >= 2 and all("running" not in row.value for row in view._rows)


def test_base_images_after_arg_substitution():
    text = ("# syntax=docker/dockerfile:1\nARG V=1\nFROM busybox:$V AS a\nFROM unused\nFROM a\nCOPY --from=img:2 / /\n"
            "RUN --mount=type=bind,from=tools:3,target=/t ls /t\n")
    assert base_images(text, {"V": "2"}) == ["docker/dockerfile:1", "busybox:2", "img:2", "tools:3"]
    assert base_images(text, {}, target="a") == ["docker/dockerfile:1", "busybox:1"]


def test_podman_still_builds_classic(ip, docker_env, podman_address, context, made_podman, unique):
    write(context, "FROM busybox\nRUN echo on-podman\n")
    result = ip.run_line_magic("docker_build", f"-H {podman_address} -t {made_podman.image(f'dm-podman/k{unique}')} {context}")
    assert type(result) is BuildResult and "on-podman" in result.log
    try:
        ip.run_line_magic("config", "DockerMagics.builder = 'buildkit'")
        with pytest.raises(InvalidInput, match="Podman .* has no BuildKit behind its API"):
            ip.run_line_magic("docker_build", f"-H {podman_address} {context}")
    finally:
        ip.run_line_magic("config", "DockerMagics.builder = 'auto'")


def test_trace_fields_of_newer_engines_are_ignored():
    from dockermagic.buildkit.proto import decode, status_response_class
    from dockermagic.buildkit.vertices import TraceStream

    status = status_response_class()()
    vertex = status.vertexes.add(digest="sha256:1", name="[2/2] RUN echo hi", cached=False)
    vertex.started.seconds = 100
    status.logs.add(vertex="sha256:1", stream=1, msg=b"hi\npart")
    newer = status.SerializeToString()
    newer += bytes([0x22, 3]) + b"\x0a\x01w"  # field 4 (warnings, BuildKit 0.10+), length-delimited
    aux = base64.b64encode(newer).decode()
    assert decode(aux).vertexes[0].name == "[2/2] RUN echo hi"

    result = BuildKitResult(".", "Dockerfile", [])
    stream = TraceStream(result, "FROM busybox\nRUN echo hi\n")
    events = stream.feed({"id": "moby.buildkit.trace", "aux": aux})
    assert [type(e).__name__ for e in events] == ["VertexChanged", "VertexLogged"]
    assert result.steps[0].line == 2 and result.steps[0].state == "running" and result.steps[0].log == "hi"
    stream.finish()
    assert result.steps[0].log_lines == ["hi", "part"]


def test_no_active_sessions_is_explained():
    from dockermagic.buildkit.vertices import TraceStream

    stream = TraceStream(BuildKitResult(".", "Dockerfile", []), "FROM busybox\n")
    message = "failed to solve with frontend dockerfile.v0: failed to authorize: no active sessions"
    with pytest.raises(BuildError) as info:
        stream.feed({"errorDetail": {"message": message}, "error": message})
    assert str(info.value).startswith("BuildKit needed a registry login, which only a BuildKit session gives")
    assert "%docker_pull" in str(info.value)
