"""Real corpus lines with a shell's grammar, run on the real engine as a terminal runs them:
`-v $(pwd):/app`, `rm -f $(docker ps -aq ...)`, `ps -q | xargs docker stop`, `inspect ... |
grep`, `export | import`, `save | gzip > f`, `run -i | run -i`, `&&` / `||` / `;`, and `$VAR`
from the environment after Python's `{name}`.  Every `$(docker ps ...)` is filtered by a label
or a name the test made: nothing else on the shared engine is touched."""

from __future__ import annotations

import gzip
import tarfile

import pytest

from dockermagic.containers.run import RunFailed
from dockermagic.errors import DockerMagicError, InvalidInput
from dockermagic.files.transfer import FileTransfer
from dockermagic.gotemplate.formats import Formatted

pytestmark = pytest.mark.engine


@pytest.fixture
def text(ip):
    ip.run_line_magic("config", "DockerMagics.display = 'text'")
    return ip


def test_pwd_and_the_pwd_variable_are_the_kernels_folder(text, tmp_path, monkeypatch):
    (tmp_path / "hello.txt").write_text("hi\n")
    ran = text.run_line_magic("docker", "run --rm -v $(pwd):/app busybox ls /app")
    assert ran.stdout == "hello.txt\n"
    monkeypatch.setenv("PWD", str(tmp_path))
    ran = text.run_line_magic("docker", 'run --rm -v "$PWD":/app -w /app busybox cat hello.txt')
    assert ran.stdout == "hi\n"
    ran = text.run_line_magic("docker_run", "--rm -v `pwd`:/app busybox ls /app")  # every %docker_* line too
    assert ran.stdout == "hello.txt\n"


def test_rm_f_of_docker_ps_aq_removes_what_the_substitution_names(text, engine, made, unique):
    label = f"dm-shell={unique}"
    for n in (1, 2):
        made.container(f"dm-shell-{unique}-{n}")
        text.run_line_magic("docker", f"run -d --label {label} --name dm-shell-{unique}-{n} busybox sleep 600")
    text.run_line_magic("docker", f"rm -f $(docker ps -aq --filter label={label})")
    assert engine.api.containers(all=True, filters={"label": label}) == []


def test_ps_q_into_xargs_docker_stop_and_a_failing_and_chain(text, engine, made, unique):
    name = made.container(f"dm-shell-x-{unique}")
    text.run_line_magic("docker", f"run -d --name {name} busybox sleep 600")
    text.run_line_magic("docker", f"ps -q --filter name={name} | xargs docker stop -t 1")
    assert engine.api.inspect_container(name)["State"]["Running"] is False
    with pytest.raises(RunFailed, match="exited with code 3"):  # the cell raises with that command's line
        text.run_line_magic("docker", f"run --rm busybox sh -c 'exit 3' && docker rm {name}")
    assert engine.api.inspect_container(name)  # the chain stopped: not removed
    text.run_line_magic("docker", f"run --rm busybox false || docker rm {name}")
    assert engine.api.containers(all=True, filters={"name": name}) == []


def test_inspect_into_grep_shows_grep_output_as_text(text, engine, made, unique):
    name = made.container(f"dm-shell-g-{unique}")
    text.run_line_magic("docker", f"run -d --name {name} --label dm.owner=shell-test busybox sleep 600")
    found = text.run_line_magic("docker", f"inspect {name} | grep -A1 '\"Labels\"'")
    assert isinstance(found, Formatted) and '"dm.owner": "shell-test"' in found.text
    counted = text.run_line_magic("docker", f"ps -q --filter name={name} | wc -l")
    assert counted.text.strip() == "1"
    with pytest.raises(DockerMagicError, match="`grep no-such-text-anywhere` exited with status 1"):  # grep found nothing: status 1, as in sh
        text.run_line_magic("docker", f"inspect {name} | grep no-such-text-anywhere")


def test_export_into_import_streams_without_a_file(text, engine, made, unique, tmp_path):
    box = made.container(f"dm-shell-e-{unique}")
    image = made.image(f"dm-shell/flat-{unique}:1")
    text.run_line_magic("docker", f"run --name {box} busybox sh -c 'echo exported > /marker'")
    moved = text.run_line_magic("docker", f"export {box} | docker import - {image}")
    assert isinstance(moved, FileTransfer) and moved.verb == "import" and moved.bytes > 1_000_000
    assert text.run_line_magic("docker", f"run --rm {image} cat /marker").stdout == "exported\n"
    assert list(tmp_path.iterdir()) == []  # no temporary file


def test_save_into_gzip_and_save_into_load(text, engine, tmp_path):
    saved = text.run_line_magic("docker", "save busybox | gzip > busybox.tar.gz")
    assert isinstance(saved, FileTransfer) and saved.verb == "save"
    with gzip.open(tmp_path / "busybox.tar.gz") as unzipped:
        assert "manifest.json" in tarfile.open(fileobj=unzipped).getnames()
    loaded = text.run_line_magic("docker", "save busybox | docker load")
    assert any(line.startswith("Loaded image") for line in loaded.lines)
    text.run_line_magic("docker", "save busybox > b.tar && docker load < b.tar")  # today's forms, still streamed
    assert (tmp_path / "b.tar").stat().st_size == saved.bytes


def test_run_i_into_run_i_and_redirections_of_text(text, tmp_path):
    rev = text.run_line_magic("docker", "run --rm -i busybox echo \"foo bar baz\" | docker run --rm -i busybox "
                                        "awk '{ print $2 }' | docker run --rm -i busybox rev")
    assert rev.stdout == "rab\n"
    text.run_line_magic("docker", "run --rm busybox echo one > out.txt; docker run --rm busybox echo two >> out.txt")
    assert (tmp_path / "out.txt").read_text() == "one\ntwo\n"
    text.run_line_magic("docker", "rm no-such-container-dm-shell 2>/dev/null || docker run --rm busybox true")


def test_python_names_first_then_the_environment_and_values_are_words(text, monkeypatch):
    monkeypatch.setenv("DM_GREETING", "from the environment")
    text.user_ns["evil"] = "x; touch /pwned $(id)"
    ran = text.run_line_magic("docker", "run --rm busybox echo {evil} $DM_GREETING ${DM_UNSET:-dflt} '$DM_GREETING'")
    assert ran.stdout == "x; touch /pwned $(id) from the environment dflt $DM_GREETING\n"
    text.user_ns["DM_GREETING"] = "from python"
    ran = text.run_line_magic("docker", "run --rm busybox echo $DM_GREETING")
    assert ran.stdout == "from python\n"
    del text.user_ns["DM_GREETING"], text.user_ns["evil"]


def test_other_substitutions_run_through_sh_in_the_kernels_folder(text, tmp_path):
    (tmp_path / "name").write_text("from-a-file\n")
    ran = text.run_line_magic("docker", "run --rm busybox echo $(cat name) $(id -u)")
    assert ran.stdout.split() == ["from-a-file", str(__import__("os").getuid())]


def test_cell_lines_take_one_command(text):
    with pytest.raises(InvalidInput, match="a cell magic's line is one command"):
        text.run_cell_magic("docker_run", "--rm busybox sh | head", "echo hi\n")
