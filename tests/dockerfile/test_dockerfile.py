"""Reading a Dockerfile as BuildKit does: the edge cases one at a time, ARG substitution in
FROM, the features found, and what Engine 20.10's built-in frontend cannot build (checked
against the real engine)."""

from __future__ import annotations

import io

import pytest

from dockermagic.dockerfile.model import parse, unsupported
from dockermagic.errors import DockerfileError


def refused(text: str) -> str:
    with pytest.raises(DockerfileError) as info:
        parse(text)
    return str(info.value)


def test_directives_only_at_the_top():
    df = parse("# syntax=docker/dockerfile:1\n# check=skip=all\n# escape=`\nFROM a\n")
    assert (df.directives.syntax, df.directives.check, df.directives.escape) == ("docker/dockerfile:1", "skip=all", "`")
    late = parse("FROM a\n# escape=`\nRUN echo \\\n  hi\n")
    assert late.directives.escape == "\\" and late.instructions[1].args == ["echo   hi"]
    after_comment = parse("# a comment\n# escape=`\nFROM a\nRUN echo \\\n  hi\n")
    assert after_comment.directives.escape == "\\"  # a comment ends the directives
    assert after_comment.instructions[1].args == ["echo   hi"]
    assert "only one escape parser directive" in refused("# escape=`\n# escape=\\\nFROM a\n")


def test_escape_backtick_continues_and_keeps_backslashes():
    df = parse("# escape=`\nFROM windows\nRUN dir C:\\ `\n  && echo done\n")
    assert df.instructions[1].args == ["dir C:\\   && echo done"]


def test_blank_and_comment_lines_inside_a_continuation_are_skipped():
    df = parse("FROM a\nRUN apt-get update \\\n\n    # why\n    && apt-get install -y x\nCMD x\n")
    run = df.instructions[1]
    assert run.args == ["apt-get update     && apt-get install -y x"]
    assert (run.start_line, run.end_line) == (2, 5)
    assert df.warnings and "empty continuation line" in df.warnings[0]


def test_heredocs_in_run_copy_and_add():
    df = parse("FROM a\nRUN <<EOF\nset -e\nFROM is not an instruction here\nEOF\n"
               "COPY <<-'CONF' /etc/app.conf\n\tkey=$value\n\tCONF\nADD <<A <<B /dst/\na\nA\nb\nB\nCMD x\n")
    run, copy, add = df.instructions[1:4]
    assert run.heredocs[0].content == "set -e\nFROM is not an instruction here\n" and run.heredocs[0].expand
    assert (run.start_line, run.end_line) == (2, 5)
    doc = copy.heredocs[0]
    assert (doc.name, doc.chomp, doc.expand, doc.text) == ("CONF", True, False, "key=$value\n")
    assert [d.name for d in add.heredocs] == ["A", "B"] and [d.content for d in add.heredocs] == ["a\n", "b\n"]
    assert df.instructions[4].keyword == "CMD" and df.features["heredoc"] == 2


def test_several_heredocs_on_one_run_line_and_quoted_delimiters():
    df = parse('FROM a\nRUN <<"ONE" cat - && 3<<TWO cat /dev/fd/3\n$HOME\nONE\n${X}\nTWO\n')
    one, two = df.instructions[1].heredocs
    assert (one.name, one.expand, two.name, two.expand, two.fd) == ("ONE", False, "TWO", True, 3)


def test_unterminated_heredoc_names_the_instruction_line():
    assert refused("FROM a\nRUN <<EOF\necho hi\n").startswith("line 2: unterminated heredoc")


def test_heredoc_in_json_form_or_other_instructions_is_not_one():
    df = parse('FROM a\nRUN ["sh", "-c", "cat <<EOF"]\nENV X=<<EOF\n')
    assert not df.instructions[1].heredocs and not df.instructions[2].heredocs


def test_json_rule_a_broken_array_is_shell_form():
    df = parse('FROM a\nRUN [ -e /etc/nsswitch.conf ] && echo ok\nCMD ["sh", \nENTRYPOINT [\'sh\']\n')
    run, cmd, entry = df.instructions[1:]
    assert not run.json and run.args == ["[ -e /etc/nsswitch.conf ] && echo ok"]
    assert not cmd.json and not entry.json
    assert parse('FROM a\nCMD ["sh", "-c"]\n').instructions[1].json
    assert refused('FROM a\nCMD ["sh", 1]\n').startswith("line 2: when using JSON array syntax, arrays must be comprised of strings only")
    assert "SHELL requires the arguments to be in JSON form" in refused("FROM a\nSHELL /bin/bash -c\n")


@pytest.mark.parametrize("text, words", [
    ("FROM a\nCOPY --user=me foo /tmp/\n", "line 2: unknown flag: --user"),
    ("FROM a\nCOPY --chmown=1 a /b\n", "did you mean chown?"),
    ("FROM a\nRUN --link true\n", "line 2: unknown flag: --link"),
    ("FROM a\nCOPY --link --link a /b\n", "Duplicate flag specified: link"),
    ("FROM a\nCOPY --from a /b\n", "Missing a value on flag: from"),
    ("FROM a\nCOPY --link=maybe a /b\n", "Expecting boolean value for flag link"),
    ("FROM a\nENV --x=1 A=b\n", "unknown flag: --x"),
    ("FROM --platform linux/amd64 a\n", "line 1: FROM requires either one or three arguments"),
    ("FROM a\nRUN --network=bridge true\n", "unsupported network mode"),
    ("FROM a\nRUN --mount=type=nfs,target=/x true\n", "unsupported mount type"),
    ("FROM a\nHEALTHCHECK --interval=soon CMD true\n", "invalid duration"),
])
def test_flags_per_instruction(text, words):
    assert words in refused(text)


def test_flags_accepted_and_parsed():
    df = parse("FROM --platform=$BUILDPLATFORM a AS b\n"
               "COPY --from=b --chown=1:1 --chmod=755 --link --parents --exclude=*.md --exclude=x . /\n"
               "ADD --keep-git-dir=true --checksum=sha256:00 --chmod=644 https://x/y /y\n"
               "RUN --mount=type=cache,target=/root/.cache --mount=type=secret,id=t --network=none true\n"
               "HEALTHCHECK --interval=5s --timeout=1m30s --start-period=0s --start-interval=2s --retries=3 CMD true\n")
    copy = df.instructions[1]
    assert copy.flags == {"from": "b", "chown": "1:1", "chmod": "755", "link": True, "parents": True,
                          "exclude": ["*.md", "x"]}
    assert df.stages[0].platform == "$BUILDPLATFORM"
    assert df.instructions[3].flags["mount"] == ["type=cache,target=/root/.cache", "type=secret,id=t"]
    assert {"copy-link", "copy-parents", "copy-exclude", "add-keep-git-dir", "add-checksum", "run-network",
            "run-mount", "healthcheck-start-interval", "copy-chmod"} <= set(df.features)


@pytest.mark.parametrize("text, words", [
    ("FROM a\nENV NAME\n", "line 2: ENV must have two arguments"),
    ("FROM a\nENV A=1 B\n", "line 2: Syntax error - can't find = in \"B\""),
    ("FROM a\nLABEL\n", "line 2: LABEL requires at least one argument"),
    ("FROM a\nCOPY only-one\n", "line 2: COPY requires at least two arguments"),
    ("FROM a\nCOPY a <<EOF\nx\nEOF\n", "COPY cannot accept a heredoc as a destination"),
    ("FROM a b\n", "line 1: FROM requires either one or three arguments"),
    ("FROM a\nWORKDIR\n", "WORKDIR requires exactly one argument"),
    ("FROM a\nEXPOSE\n", "EXPOSE requires at least one argument"),
    ("FROM a\nHEALTHCHECK\n", "HEALTHCHECK requires at least one argument"),
    ("FROM a\nHEALTHCHECK --interval=5s CMD\n", "line 2: Missing command after HEALTHCHECK CMD"),
    ("FROM a\nHEALTHCHECK NONE x\n", "HEALTHCHECK NONE takes no arguments"),
    ("FROM a\nHEALTHCHECK PING x\n", 'Unknown type "PING" in HEALTHCHECK'),
    ("FROM a\nARG =x\n", "ARG names can not be blank"),
    ("FROM a\nRUNN x\n", "line 2: unknown instruction RUNN (did you mean RUN?)"),
    ("", "no instructions"),
    ("# nothing\n\n", "no instructions"),
    ("ARG V=1\n", "no stages to build"),
])
def test_instruction_checks(text, words):
    assert words in refused(text)


def test_onbuild_limits():
    assert "FROM isn't allowed as an ONBUILD trigger" in refused("FROM a\nONBUILD FROM b\n")
    assert "MAINTAINER isn't allowed as an ONBUILD trigger" in refused("FROM a\nONBUILD MAINTAINER me\n")
    assert "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed" in refused("FROM a\nONBUILD ONBUILD RUN x\n")
    assert "ONBUILD requires at least one argument" in refused("FROM a\nONBUILD\n")
    assert "line 2: unknown flag: --chmown" in refused("FROM a\nONBUILD COPY --chmown=1 a /b\n")
    trigger = parse("FROM a\nONBUILD RUN <<EOF\necho later\nEOF\n").instructions[1].trigger
    assert trigger.keyword == "RUN" and trigger.heredocs[0].content == "echo later\n"


def test_stage_names_and_from_first():
    assert 'invalid name for build stage: "1bad"' in refused("FROM a AS 1bad\n")
    assert "line 1: invalid name" in refused("FROM a AS b@d\n")
    twice = parse("FROM a AS x\nFROM b AS X\n")  # BuildKit builds it (its DuplicateStageName check warns)
    assert [s.name for s in twice.stages] == ["x", "x"] and twice.stage("x").base == "b"
    assert parse("FROM a AS Build.Stage-1_x\n").stages[0].name == "build.stage-1_x"
    assert refused("RUN x\nFROM a\n").startswith("line 1: the first instruction is RUN")
    assert refused("ARG V=1\nENV X=y\nFROM a\n").startswith("line 2: the first instruction after the ARGs is ENV")
    assert "no build stage in current context" in refused('CMD ["a"]\n')


def test_base_images_with_arg_substitution_as_buildkit_does():
    df = parse("ARG REG=localhost:5000\nARG TAG\nARG BASE=${REG}/base:${TAG:-latest}\n"
               "FROM $BASE AS base\nARG REG=ignored-inside-a-stage\n"
               "FROM base AS build\nCOPY --from=busybox:1 /bin/sh /sh\nRUN --mount=from=tools:2,target=/t true\n"
               "FROM scratch AS unused\nFROM ${REG}/final AS final\nCOPY --from=build / /\n"
               "FROM alpine AS other\n")
    assert df.base_images(target="final") == ["localhost:5000/final", "localhost:5000/base:latest", "busybox:1", "tools:2"]
    assert df.base_images({"TAG": "3", "REG": "r"}, target="build") == ["r/base:3", "busybox:1", "tools:2"]
    assert df.base_images() == ["alpine"]
    env = df.meta_env({"TAG": "9"})
    assert {k: env[k] for k in ("REG", "TAG", "BASE")} == {"REG": "localhost:5000", "TAG": "9", "BASE": "localhost:5000/base:9"}
    assert env["TARGETOS"] == "linux" and env["TARGETARCH"] == "amd64"
    with pytest.raises(DockerfileError, match="target stage 'nope' could not be found"):
        df.base_images(target="nope")


def test_platform_args_name_stages_in_from():
    df = parse("ARG TARGETARCH\nFROM busybox AS tool-amd64\nFROM busybox:musl AS tool-arm64\n"
               "FROM tool-${TARGETARCH}\nFROM alpine:${TARGETOS}\n")
    assert df.base_images(target="tool-amd64") == ["busybox"]
    assert df.base_images(platform="linux/arm64/v8") == ["alpine:linux"]
    assert parse("FROM tool-${TARGETARCH}\n").base_images(platform="linux/arm64") == ["tool-arm64"]


def test_numbered_stage_in_copy_from_is_a_stage():
    df = parse("FROM a\nFROM b\nCOPY --from=0 / /\n")
    assert df.base_images() == ["b", "a"]


def test_instructions_carry_lines_and_source():
    text = "FROM a\n\nRUN echo \\\n  hi\nCOPY <<EOF /x\nbody\nEOF\n"
    df = parse(text)
    assert [(i.keyword, i.start_line, i.end_line) for i in df.instructions] == [("FROM", 1, 1), ("RUN", 3, 4), ("COPY", 5, 7)]
    assert df.source(df.instructions[2]) == "COPY <<EOF /x\nbody\nEOF\n"
    assert repr(df) == "Dockerfile(3 instructions, 1 stage: a)"
    assert df.dump() == '(from "a")\n(run "echo   hi")\n(copy "<<EOF" "/x")\n'


def test_unsupported_on_old_engines_and_the_way_out():
    nothing = lambda ref: False  # noqa: E731
    plain = parse("FROM busybox\nRUN --mount=type=cache,target=/c true\nCOPY --chmod=755 a /a\n")
    assert unsupported(plain, "20.10.24", nothing) is None
    heredoc = parse("FROM busybox\nRUN <<EOF\necho hi\nEOF\nCOPY --link a /a\n")
    message = unsupported(heredoc, "20.10.24", nothing)
    assert "heredocs (<<EOF) (line 2), COPY --link (line 5)" in message and "Docker Engine 20.10.24" in message
    assert "# syntax=docker/dockerfile:1" in message and "Docker Engine 23.0 or newer" in message and "\n" not in message
    assert unsupported(heredoc, "24.0.7", nothing) is None
    with_syntax = parse("# syntax=docker/dockerfile:1.7\nFROM busybox\nRUN <<EOF\necho hi\nEOF\n")
    assert "%docker_pull docker/dockerfile:1.7" in unsupported(with_syntax, "20.10.24", nothing)
    assert unsupported(with_syntax, "20.10.24", lambda ref: ref == "docker/dockerfile:1.7") is None


def test_unsupported_against_the_real_engine(engine, made, unique):
    """Engine 20.10 really refuses what `unsupported` says it cannot build, and a `# syntax=`
    image present on the engine is what lifts it."""
    import docker

    version = engine.api.version()["Version"]
    if not version.startswith("20.10"):
        pytest.skip(f"the engine here is {version}, not 20.10")

    def have(ref: str) -> bool:
        try:
            engine.api.inspect_image(ref)
            return True
        except docker.errors.ImageNotFound:
            return False

    text = "FROM busybox\nRUN <<EOF\necho hi\nEOF\n"
    assert "heredocs" in unsupported(parse(text), version, have)
    with pytest.raises(docker.errors.APIError, match="unknown instruction"):  # the engine's own verdict
        list(engine.api.build(fileobj=io.BytesIO(text.encode()), rm=True, forcerm=True, decode=True))

    frontend = made.image(f"dm-test/frontend{unique}:1")
    repo, tag = frontend.rsplit(":", 1)
    engine.api.tag("busybox", repo, tag)
    with_syntax = parse(f"# syntax={frontend}\n{text}")
    assert unsupported(with_syntax, version, have) is None
    assert f"%docker_pull dm-test/missing{unique}" in unsupported(parse(f"# syntax=dm-test/missing{unique}\n{text}"), version, have)


def test_highlighted_view_shows_heredoc_bodies_as_text(tmp_path):
    from dockermagic.views.files import file_bundle

    text = "FROM busybox\nRUN <<EOF\nFROM nothing\nEOF\nCMD [\"sh\"]\n"
    (tmp_path / "Dockerfile").write_text(text)
    html = file_bundle(tmp_path / "Dockerfile", text, language="docker")["text/html"]
    assert '<span style="color:#4070a0">FROM nothing\nEOF\n</span>' in html
    assert html.count("font-weight: bold\">FROM</span>") == 1  # the heredoc's FROM is not an instruction
