"""BuildKit's build checks where they show, on the real engine: under a `%%dockerfile` cell's
file, `%docker_build --check` / `--call=check` (nothing built; fails only with
`check=error=true`), a BuildKit build's header and closing lines, the context's
`.dockerignore`, and a local base image of another platform (InvalidBaseImagePlatform)."""

from __future__ import annotations

import pytest

from dockermagic.build.request import BuildResult
from dockermagic.dockerfile.checks.rules import CheckReport
from dockermagic.errors import DockerfileError, InvalidInput
from dockermagic.views.files import file_bundle
from dockermagic.views.formatters import bundle

pytestmark = pytest.mark.engine
WARNED = "FROM busybox as base\nENV X=$NOPE\nCMD echo hi\n"


def test_dockerfile_cell_shows_the_warnings_under_the_file_and_writes_it(ip, capsys):
    ip.run_cell_magic("dockerfile", "app", WARNED)
    out = capsys.readouterr().out
    assert open("app/Dockerfile").read() == WARNED  # a check is not a parse error
    assert "3 warnings (BuildKit's build checks):" in out
    assert " - line 1: FromAsCasing: 'as' and 'FROM' keywords' casing do not match" in out
    assert " - line 2: UndefinedVar: Usage of undefined variable '$NOPE'" in out  # busybox's ENV read on the engine
    assert "https://docs.docker.com/go/dockerfile/rule/json-args-recommended/" in out
    ip.run_cell_magic("dockerfile", "clean", 'FROM busybox\nCMD ["sh"]\n')
    assert "warning" not in capsys.readouterr().out


def test_a_check_option_buildkit_refuses_is_refused_and_nothing_is_written(ip, tmp_path):
    with pytest.raises(DockerfileError, match='line 1: failed to parse check options: invalid check option "nope"'):
        ip.run_cell_magic("dockerfile", "bad", "# check=nope=1\nFROM busybox\n")
    assert not (tmp_path / "bad" / "Dockerfile").exists()


def test_check_runs_the_checks_without_building(ip, engine, context, unique):
    (context / "Dockerfile").write_text(WARNED + "COPY secret.txt /\n")
    (context / ".dockerignore").write_text("secret.txt\n")
    tag = f"dm-test-checks-{unique}"
    for line in (f"--check -t {tag} {context}", f"--call=check -t {tag} {context}", f"--call check {context}"):
        report = ip.run_line_magic("docker_build", line)
        assert isinstance(report, CheckReport)
        assert [w.rule for w in report] == ["FromAsCasing", "UndefinedVar", "JSONArgsRecommended", "CopyIgnoredFile"]
        assert report.warnings[3].message == 'Attempting to Copy file "secret.txt" that is excluded by .dockerignore'
    with pytest.raises(Exception):
        engine.api.inspect_image(tag)  # nothing was built
    text = bundle(report)["text/plain"]
    assert text.startswith("Check complete, 4 warnings have been found!\n\nWARNING: FromAsCasing - https://docs.docker.com/go/")
    assert "Dockerfile:2\n--------------------\n   1 |     FROM busybox as base\n   2 | >>> ENV X=$NOPE\n" in text
    assert ip.run_line_magic("docker", f"buildx build --check {context}").warnings == report.warnings
    with pytest.raises(InvalidInput, match="--call=targets is not supported here"):
        ip.run_line_magic("docker_build", f"--call=targets {context}")


def test_check_error_true_fails_the_cell_and_the_build(ip, engine, context, unique, capsys):
    (context / "Dockerfile").write_text("# check=error=true\nFROM busybox as base\n")
    with pytest.raises(DockerfileError, match="lint violation found for rules: FromAsCasing"):
        ip.run_line_magic("docker_build", f"--check {context}")
    assert "ERROR: lint violation found for rules: FromAsCasing" in capsys.readouterr().out
    tag = f"dm-test-checks-{unique}"
    with pytest.raises(DockerfileError, match="lint violation found for rules: FromAsCasing"):
        ip.run_line_magic("docker_build", f"-t {tag} {context}")
    with pytest.raises(Exception):
        engine.api.inspect_image(tag)  # refused before anything was sent
    skipped = ip.run_line_magic("docker_build", f"--check --build-arg BUILDKIT_DOCKERFILE_CHECK=skip=all {context}")
    assert skipped.warnings == [] and not skipped.failed


def test_a_buildkit_build_carries_its_warnings_in_its_header(ip, made, context, unique, capsys):
    (context / "Dockerfile").write_text("FROM busybox\nMAINTAINER me@example.org\nWORKDIR app\n")
    tag = made.image(f"dm-test-checks-{unique}:1")
    result = ip.run_line_magic("docker_build", f"-t {tag} {context}")
    assert isinstance(result, BuildResult) and result.ok
    assert [w.rule for w in result.checks] == ["MaintainerDeprecated", "WorkdirRelativePath"]
    out = capsys.readouterr().out
    assert ("2 warnings found (use docker --debug to expand):\n"
            " - MaintainerDeprecated: Maintainer instruction is deprecated in favor of using label (line 2)\n"
            ' - WorkdirRelativePath: Relative workdir "app" can have unexpected results if the base image changes (line 3)') in out
    html = bundle(result)["text/html"]
    assert "2 warnings found (use docker --debug to expand)" in html
    assert 'href="https://docs.docker.com/go/dockerfile/rule/maintainer-deprecated/"' in html


def test_a_local_base_image_of_another_platform(ip, engine, made, context, unique):
    (context / "Dockerfile").write_text("FROM scratch\nCOPY f /f\n")
    (context / "f").write_text(unique)
    arm = made.image(f"dm-test-checks-arm-{unique}:1")
    ip.run_line_magic("docker_build", f"--platform linux/arm64 -t {arm} {context}")
    assert engine.api.inspect_image(arm)["Architecture"] == "arm64"
    (context / "Dockerfile").write_text(f"FROM {arm}\nENV foo=bar\n")
    report = ip.run_line_magic("docker_build", f"--check {context}")
    assert [(w.rule, w.line, w.message) for w in report] == [
        ("InvalidBaseImagePlatform", 1,
         f'Base image {arm} was pulled with platform "linux/arm64", expected "linux/amd64" for current build')]
    assert ip.run_line_magic("docker_build", f"--check --platform linux/arm64 {context}").warnings == []


def test_the_views_escape_what_a_dockerfile_holds(tmp_path):
    evil = "<script>alert(1)</script>"
    text = f"FROM busybox\nENV X=${{{evil}}}\nWORKDIR {evil}\n"
    from dockermagic.dockerfile.checks.lint import check
    from dockermagic.dockerfile.model import parse

    report = check(parse("FROM scratch\nWORKDIR a<b>\nCMD x & y\n"))
    path = tmp_path / "Dockerfile"
    path.write_text(text)
    html = file_bundle(path, text, "docker", report)["text/html"]
    assert "a<b>" not in html and "a&lt;b&gt;" in html and "<script>" not in html
    assert 'href="https://docs.docker.com/go/dockerfile/rule/workdir-relative-path/"' in html
    shown = bundle(report)["text/html"]
    assert "a&lt;b&gt;" in shown and "&gt;&gt;&gt; WORKDIR a&lt;b&gt;" in shown
