"""%docker_build against the real engine: flags, results, failures, leftovers."""

import pytest

from dockermagic.build.request import BuildResult
from dockermagic.errors import BuildError, InvalidInput

pytestmark = pytest.mark.engine


@pytest.fixture(autouse=True)
def classic_builder(monkeypatch):
    """The classic builder's step view, as DOCKER_BUILDKIT=0 asks (BuildKit's: tests/test_buildkit.py)."""
    monkeypatch.setenv("DOCKER_BUILDKIT", "0")


def write(ctx, dockerfile, **files):
    (ctx / "Dockerfile").write_text(dockerfile)
    for name, text in files.items():
        (ctx / name.replace("__", ".")).write_text(text)


def test_build_returns_result_with_tags_steps_log(ip, engine, made, context, unique):
    write(context, "FROM busybox\nRUN echo built-$((6*7))\nCMD [\"sh\"]\n")
    a, b = made.image(f"dm-test/b{unique}:1"), made.image(f"dm-test/b{unique}:2")
    result = ip.run_line_magic("docker_build", f"-t {a} --tag {b} {context}")
    assert isinstance(result, BuildResult) and result.ok
    assert result.id.startswith("sha256:") and len(result.id) == 71
    assert result.short_id == result.id[7:19]
    assert result.tags == [a, b]
    assert [s.index for s in result.steps] == [1, 2, 3]
    assert "built-42" in result.steps[1].output and "built-42" in result.log
    assert result.size and result.size > 100_000
    for tag in (a, b):
        assert engine.api.inspect_image(tag)["Id"] == result.id


def test_second_build_comes_from_cache(ip, made, context, unique):
    write(context, "FROM busybox\nRUN echo once\n")
    tag = made.image(f"dm-test/c{unique}")
    ip.run_line_magic("docker_build", f"-t {tag} {context}")
    again = ip.run_line_magic("docker_build", f"-t {tag} {context}")
    assert again.cached == 1 and again.steps[1].state == "cached"
    fresh = ip.run_line_magic("docker_build", f"--no-cache -t {tag} {context}")
    assert fresh.cached == 0


def test_build_args_labels_target_file(ip, engine, made, context, unique, monkeypatch):
    write(context, "ARG WHO=nobody\nFROM busybox AS first\nARG WHO\nARG FROMENV\nRUN echo hi-$WHO-$FROMENV\n"
                   "FROM busybox AS second\nRUN echo second-stage\n")
    monkeypatch.setenv("FROMENV", "env-value")
    tag = made.image(f"dm-test/a{unique}")
    result = ip.run_line_magic(
        "docker_build", f"--no-cache -t {tag} --build-arg WHO=world --build-arg FROMENV --label dm.test={unique} --label dm.bare --target first {context}")
    assert "hi-world-env-value" in result.log
    assert "second-stage" not in result.log
    labels = engine.api.inspect_image(tag)["Config"]["Labels"]
    assert labels["dm.test"] == unique and labels["dm.bare"] == ""  # a bare --label KEY: empty, as the CLI
    other = context / "other.Dockerfile"
    other.write_text("FROM busybox\nRUN echo from-other-file\n")
    result = ip.run_line_magic("docker_build", f"-t {tag} -f other.Dockerfile {context}")
    assert "from-other-file" in result.log


def test_dockerignore_is_honoured(ip, made, context, unique):
    write(context, "FROM busybox\nCOPY . /ctx\nRUN ls /ctx\n", keep__txt="k", secret__txt="s", __dockerignore="secret.txt\n")
    result = ip.run_line_magic("docker_build", f"-t {made.image(f'dm-test/i{unique}')} {context}")
    listing = result.steps[2].output
    assert "keep.txt" in listing and "secret.txt" not in listing


def test_failed_run_raises_with_step_and_exit_code_and_leaves_no_container(ip, engine, context, unique):
    write(context, f"FROM busybox\nRUN echo going down {unique}; exit 7\n")
    with pytest.raises(BuildError) as info:
        ip.run_line_magic("docker_build", str(context))
    err = info.value
    assert "step 2/2" in str(err) and "returned a non-zero code: 7" in str(err)
    assert err.exit_code == 7 and "going down" in err.step.output
    assert "\n" not in str(err)
    left = [c for c in engine.api.containers(all=True) if unique in (c.get("Command") or "")]
    assert left == []  # no intermediate container left behind


def test_missing_copy_source_raises(ip, context):
    write(context, "FROM busybox\nCOPY nothere.txt /x\n")
    with pytest.raises(BuildError, match="COPY failed"):
        ip.run_line_magic("docker_build", str(context))


def test_missing_base_image_says_what_to_do(ip, context):
    write(context, "FROM dm-test/no-such-base:404\n")
    with pytest.raises(BuildError, match="base image dm-test/no-such-base:404 is not on this engine"):
        ip.run_line_magic("docker_build", str(context))


@pytest.mark.parametrize("line, words", [
    ('-t "Bad Tag" {ctx}', "invalid reference format"),
    ("-t UPPER/case {ctx}", "must be lowercase"),
    ("{ctx}/nope", "does not exist"),
    ("-f missing.Dockerfile {ctx}", "no Dockerfile"),
    ("--label =novalue {ctx}", "empty name"),
    ("--build-arg =x {ctx}", "KEY=VALUE"),
    ("--rm=maybe {ctx}", "true or false"),
])
def test_bad_input_fails_before_anything_is_sent(ip, context, line, words):
    write(context, "FROM busybox\n")
    with pytest.raises(InvalidInput, match=words):
        ip.run_line_magic("docker_build", line.format(ctx=context))


def test_quiet_prints_only_the_id(ip, made, context, unique, capsys):
    write(context, "FROM busybox\nRUN echo noisy\n")
    result = ip.run_line_magic("docker_build", f"-q -t {made.image(f'dm-test/q{unique}')} {context}")
    out = capsys.readouterr().out
    assert out.strip() == result.id and "noisy" not in out
    # as a cell's last line, too: the displayhook shows no view of it (a terminal still writes its Out prompt)
    ip.run_cell(f"%docker_build -q -t dm-test/q{unique} {context}")
    out = capsys.readouterr().out
    assert out.split("\n")[0] == result.id and "docker build" not in out and "noisy" not in out


def test_relative_context_and_dockerfile_paths(ip, made, context, unique, monkeypatch):
    write(context, "FROM busybox\nRUN echo relative\n")
    (context / "alt.Dockerfile").write_text("FROM busybox\nRUN echo alt-file\n")
    monkeypatch.chdir(context.parent)
    tag = made.image(f"dm-test/r{unique}")
    assert "relative" in ip.run_line_magic("docker_build", f"-t {tag} {context.name}").log
    assert "alt-file" in ip.run_line_magic("docker_build", f"-t {tag} -f {context.name}/alt.Dockerfile {context.name}").log
    assert "alt-file" in ip.run_line_magic("docker_build", f"-t {tag} -f alt.Dockerfile {context.name}").log


def test_docker_dispatch_is_the_same_build(ip, made, context, unique):
    write(context, "FROM busybox\n")
    result = ip.run_line_magic("docker", f"build -t {made.image(f'dm-test/d{unique}')} -f Dockerfile --rm {context}")
    assert result.ok and result.tags == [f"dm-test/d{unique}"]


def test_save_log(ip, made, context, unique, tmp_path):
    write(context, 'FROM busybox\nRUN printf "\\033[32mgreen\\033[0m\\n"\n')
    result = ip.run_line_magic("docker_build", f"-t {made.image(f'dm-test/l{unique}')} {context}")
    path = result.save_log(tmp_path / "build.log")
    text = path.read_text()
    assert "green" in text and "\x1b" not in text and "Step 2/2" in text


def test_network_mode_reaches_the_run_steps(ip, made, context, unique):
    write(context, f"FROM busybox\nRUN echo {unique} && ls /sys/class/net\n")
    result = ip.run_line_magic("docker_build", f"--network none -t {made.image(f'dm-test/n{unique}')} {context}")
    assert result.steps[1].output.split() == [unique, "lo"]


def test_pull_fetches_the_base_from_a_registry(ip, engine, registry, made, context, unique):
    base = made.image(f"{registry}/dm-test/pullbase{unique}:1")
    engine.api.tag("busybox:latest", f"{registry}/dm-test/pullbase{unique}", "1")
    for record in engine.api.push(f"{registry}/dm-test/pullbase{unique}", "1", stream=True, decode=True):
        assert "error" not in record
    write(context, f"FROM {base}\nRUN echo on-pulled-base\n")
    result = ip.run_line_magic("docker_build", f"--pull -t {made.image(f'dm-test/p{unique}')} {context}")
    assert "on-pulled-base" in result.log
    assert "Pulling from" in result.log or "Image is up to date" in result.log


def test_interrupt_stops_the_build_and_leaves_nothing(ip, engine, context, unique):
    import signal
    import threading
    import time

    write(context, f"FROM busybox\nRUN echo started-{unique} && sleep 30\n")
    main = threading.main_thread().ident
    timer = threading.Timer(2.0, lambda: signal.pthread_kill(main, signal.SIGINT))  # as a kernel interrupt
    timer.start()
    began = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        ip.run_line_magic("docker_build", str(context))
    assert time.monotonic() - began < 10
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        left = [c for c in engine.api.containers(all=True) if unique in (c.get("Command") or "")]
        if not left:
            break
        time.sleep(0.5)
    assert left == []


def test_no_engine_is_one_line_naming_what_was_tried(ip, monkeypatch, tmp_path):
    from dockermagic.errors import EngineUnreachable

    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/nothing.sock")
    (tmp_path / "Dockerfile").write_text("FROM busybox\n")
    with pytest.raises(EngineUnreachable) as info:
        ip.run_line_magic("docker_build", str(tmp_path))
    message = str(info.value)
    assert f"DOCKER_HOST=unix://{tmp_path}/nothing.sock" in message and "\n" not in message
    assert "start" in message.lower()


def test_quoting_works_as_in_a_shell(ip, made, context, unique):
    write(context, "FROM busybox\nARG MSG\nRUN echo \"msg=[$MSG]\"\n")
    result = ip.run_line_magic("docker_build", f"--no-cache --build-arg 'MSG=hello   world' -t {made.image(f'dm-test/s{unique}')} {context}")
    assert "msg=[hello   world]" in result.log
