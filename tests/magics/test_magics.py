"""The extension, help, the %docker dispatcher, one-line errors, %%dockerfile, %%context_file."""

import os
import stat

import pytest
from IPython.core.error import UsageError

from dockermagic.errors import DockerfileError, InvalidInput


def test_load_registers_and_unload_removes(shell):
    assert shell.find_line_magic("docker_build") and shell.find_cell_magic("dockerfile")
    shell.run_line_magic("unload_ext", "dockermagic")
    try:
        assert shell.find_line_magic("docker_build") is None
        assert shell.find_line_magic("docker") is None
        assert shell.find_cell_magic("dockerfile") is None
    finally:
        shell.run_line_magic("load_ext", "dockermagic")
    assert shell.find_line_magic("docker_build") is not None


def test_help_documents_every_option(shell):
    doc = shell.find_line_magic("docker_build").__doc__
    for option in ("-t TAG, --tag TAG", "-f FILE, --file FILE", "--build-arg KEY=VALUE", "--no-cache", "--pull",
                   "--target TARGET", "--label KEY=VALUE", "--network NETWORK", "--rm", "--force-rm", "-q, --quiet"):
        assert option in doc, option
    assert "%docker_build [-t TAG]" in doc and "Build an image" in doc
    assert "--mode MODE" in shell.find_cell_magic("context_file").__doc__


@pytest.mark.parametrize("line, prog, option", [
    ("network ls --help", "%docker_network ls", "--filter"),
    ("network create --help", "%docker_network create", "--subnet"),
    ("system df --help", "%docker_system df", "--verbose"),
    ("system prune --help", "%docker_system prune", "--volumes"),
    ("volume create --help", "%docker_volume create", "--driver"),
    ("context ls --help", "%docker_context ls", "--quiet"),
    ("container prune --help", "%docker_container_prune", "--filter"),
])
def test_a_subcommand_s_help_is_printed_and_nothing_runs(shell, capsys, monkeypatch, line, prog, option):
    import dockermagic.engine.connection as engine

    monkeypatch.setattr(engine, "connect", lambda *a, **k: pytest.fail("--help reached for an engine"))
    assert shell.run_line_magic("docker", line) is None
    out = capsys.readouterr().out
    assert out.lstrip(": \n").startswith(prog) and option in out and "%%" not in out, out


def test_unsupported_subcommand_lists_the_supported_ones(ip):
    with pytest.raises(InvalidInput) as info:
        ip.run_line_magic("docker", "frobnicate x")
    assert "'docker frobnicate' is not supported" in str(info.value)
    assert "build" in str(info.value) and "history" in str(info.value) and "images" in str(info.value)


def test_errors_show_as_one_line_and_stop_run_all(ip, capsys):
    result = ip.run_cell('%docker_build -t "Bad Tag" .')
    assert result.error_in_exec is not None  # "Run All" stops here
    out = capsys.readouterr()
    text = out.out + out.err
    assert "InvalidInput" in text and "invalid reference format" in text
    assert "Traceback" not in text and "site-packages" not in text


def test_show_traceback_brings_the_traceback_back(ip, capsys):
    ip.run_line_magic("config", "DockerMagics.show_traceback = True")
    ip.run_cell('%docker_build -t "Bad Tag" .')
    out = capsys.readouterr()
    assert "Traceback" in out.out + out.err or "reference.py" in out.out + out.err


def test_bad_option_is_a_usage_error(ip, capsys):
    result = ip.run_cell("%docker_build --no-such-flag .")
    assert isinstance(result.error_in_exec, UsageError)
    out = capsys.readouterr()
    assert "UsageError: unrecognized arguments: --no-such-flag" in out.err + out.out
    assert "Traceback" not in out.err + out.out


def test_dockerfile_writes_and_shows(ip, tmp_path, capsys):
    ip.run_cell_magic("dockerfile", "app", "FROM busybox\nCMD [\"sh\"]\n")
    assert (tmp_path / "app" / "Dockerfile").read_text() == "FROM busybox\nCMD [\"sh\"]\n"
    assert "app/Dockerfile" in capsys.readouterr().out
    ip.run_cell_magic("dockerfile", "app -f Other.Dockerfile", "FROM busybox\n")
    assert (tmp_path / "app" / "Other.Dockerfile").exists()
    ip.run_cell_magic("dockerfile", "", "FROM busybox\n")
    assert (tmp_path / "Dockerfile").exists()


@pytest.mark.parametrize("text, words", [
    ("FROM busybox\nFORM x\n", "line 2: unknown instruction FORM"),
    ("RUN echo\nFROM busybox\n", "line 1: the first instruction is RUN"),
    ('FROM busybox\n\nCMD ["sh", 1]\n', "line 3: when using JSON array syntax"),
    ("FROM busybox\nENV NAME\n", "line 2: ENV must have two arguments"),
    ("FROM busybox\nCOPY --chmown=1 a /b\n", r"line 2: unknown flag: --chmown \(did you mean chown\?\)"),
    ("# only a comment\n", "no instructions"),
])
def test_dockerfile_refuses_what_no_engine_accepts_and_writes_nothing(ip, tmp_path, text, words):
    (tmp_path / "keep").mkdir()
    (tmp_path / "keep" / "Dockerfile").write_text("FROM busybox\n")
    with pytest.raises(DockerfileError, match=words):
        ip.run_cell_magic("dockerfile", "keep", text)
    assert (tmp_path / "keep" / "Dockerfile").read_text() == "FROM busybox\n"
    with pytest.raises(DockerfileError):
        ip.run_cell_magic("dockerfile", "new", text)
    assert not (tmp_path / "new").exists()


def test_context_file_with_mode(ip, tmp_path):
    ip.run_cell_magic("context_file", "derived/hello.sh --mode 755", '#!/bin/sh\necho "Hello world"\n')
    path = tmp_path / "derived" / "hello.sh"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o755
    assert path.read_text().endswith('echo "Hello world"\n')
    ip.run_cell_magic("context_file", "derived/data.txt", "x\n")
    assert stat.S_IMODE(os.stat(tmp_path / "derived" / "data.txt").st_mode) & 0o111 == 0
    with pytest.raises(InvalidInput, match="octal"):
        ip.run_cell_magic("context_file", "derived/bad.sh --mode rwx", "x")
    assert not (tmp_path / "derived" / "bad.sh").exists()


def test_shown_widget_bundle_holds_widget_html_and_text(ip, capsys):
    from pathlib import Path

    from dockermagic.views.files import file_bundle

    Path("f.sh").write_text("echo '<b>'\n")
    bundle = file_bundle(Path("f.sh"), "echo '<b>'\n")
    assert "&lt;b&gt;" in bundle["text/html"] and "<b>'" not in bundle["text/html"]


def test_load_says_once_when_no_engine_can_be_here(shell, monkeypatch, capsys, tmp_path):
    import dockermagic
    from dockermagic.engine import contexts

    monkeypatch.delenv("DOCKER_HOST", raising=False)
    monkeypatch.delenv("DOCKER_CONTEXT", raising=False)
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker-config"))
    monkeypatch.setattr(contexts, "DEFAULT_SOCKET", f"unix://{tmp_path}/no-docker.sock")
    shell.run_line_magic("unload_ext", "dockermagic")
    shell.run_line_magic("load_ext", "dockermagic")
    out = capsys.readouterr().out
    assert out.count("no Docker Engine here") == 1 and "DOCKER_HOST" in out and "%%dockerfile" in out
    assert dockermagic.no_engine_notice() is not None
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:1")
    assert dockermagic.no_engine_notice() is None  # pointed somewhere: the magics will say if it answers
