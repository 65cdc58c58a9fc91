"""%docker_run / %%docker_run in the foreground against the real engine: every flag for real,
stdin from the cell, exit codes, interrupts, hostile and huge output, bad input."""

import _thread
import os
import signal
import threading
import time

import docker
import pytest

from dockermagic.containers.output import RunResult
from dockermagic.containers.run import NameInUse, RunFailed, RunInterrupted, UnknownImage
from dockermagic.errors import InvalidInput
from dockermagic.views import formatters
from support.engine_fixtures import gone

pytestmark = pytest.mark.engine


def test_foreground_streams_stdout_stderr_and_rm_leaves_nothing(ip, engine, unique, capsys):
    name = f"dm-run-{unique}"
    result = ip.run_line_magic("docker_run", f"--rm --name {name} busybox sh -c 'echo out; echo err >&2; echo more'")
    assert isinstance(result, RunResult)
    assert result.exit_code == 0 and result.id and result.name == name and result.removed
    assert result.stdout == "out\nmore\n" and result.stderr == "err\n"
    assert sorted(result.logs.split()) == ["err", "more", "out"]
    captured = capsys.readouterr()
    assert "out" in captured.out and "err" in captured.err  # text mode: like the CLI
    assert gone(engine, name) and gone(engine, result.id)


def test_dispatcher_runs_the_same(ip, engine):
    result = ip.run_line_magic("docker", "run --rm busybox echo via-dispatcher")
    assert result.stdout == "via-dispatcher\n" and gone(engine, result.id)


def test_nonzero_exit_raises_with_code_and_last_lines(ip, made, unique):
    name = made.container(f"dm-run-{unique}")
    with pytest.raises(RunFailed) as info:
        ip.run_line_magic("docker_run", f"--name {name} busybox sh -c 'echo first; echo the-last-words >&2; exit 3'")
    err = info.value
    assert err.exit_code == 3 and err.result.exit_code == 3
    assert "exited with code 3" in str(err) and "the-last-words" in str(err)
    assert len(err._render_traceback_()) == 1  # one line in a notebook
    result = ip.run_line_magic("docker_run", "--rm --no-raise-error busybox sh -c 'exit 5'")
    assert result.exit_code == 5


def test_env_env_file_and_passed_through(ip, tmp_path, monkeypatch):
    monkeypatch.setenv("DM_FROM_HOST", "host-value")
    monkeypatch.delenv("DM_UNSET", raising=False)
    (tmp_path / "vars.env").write_text("# a comment\nDM_FILE=file-value\n\nDM_BOTH=from-file\n")
    result = ip.run_line_magic(
        "docker_run", "--rm -e DM_A=1 --env DM_B='two words' --env-file vars.env -e DM_BOTH=from-flag "
                      "-e DM_FROM_HOST -e DM_UNSET busybox env")
    env = dict(line.split("=", 1) for line in result.stdout.splitlines())
    assert env["DM_A"] == "1" and env["DM_B"] == "two words" and env["DM_FILE"] == "file-value"
    assert env["DM_BOTH"] == "from-flag" and env["DM_FROM_HOST"] == "host-value"
    assert "DM_UNSET" not in env


def test_workdir_user_hostname_entrypoint_label(ip, engine, made, unique):
    name = made.container(f"dm-run-{unique}")
    result = ip.run_line_magic(
        "docker_run", f"--name {name} -w /tmp/work -u 1234:5678 --hostname dm-host -l dm.test={unique} "
                      "--label dm.flag --entrypoint sh busybox -c 'pwd; id -u; id -g; hostname'")
    assert result.stdout.split() == ["/tmp/work", "1234", "5678", "dm-host"]
    labels = engine.api.inspect_container(name)["Config"]["Labels"]
    assert labels["dm.test"] == unique and labels["dm.flag"] == ""


def test_options_stop_at_the_image(ip, made, unique):
    name = made.container(f"dm-run-{unique}")
    result = ip.run_line_magic("docker_run", f"--name {name} busybox sh -c 'echo \"$@\"' x -d --rm --name other -e A=1")
    assert result.stdout == "-d --rm --name other -e A=1\n"


def test_init_network_and_tty(ip):
    assert ip.run_line_magic("docker_run", "--rm --init busybox cat /proc/1/comm").stdout.strip() == "docker-init"
    assert ip.run_line_magic("docker_run", "--rm busybox cat /proc/1/comm").stdout.strip() == "cat"
    links = ip.run_line_magic("docker_run", "--rm --network none busybox ip -o link").stdout
    assert "lo" in links and "eth0" not in links
    assert "eth0" in ip.run_line_magic("docker_run", "--rm --network bridge busybox ip -o link").stdout
    tty = ip.run_line_magic("docker_run", "--rm -t busybox sh -c 'test -t 1 && echo a-tty'")
    assert "a-tty" in tty.logs


def test_cell_is_stdin(ip):
    result = ip.run_cell_magic("docker_run", "--rm busybox sh", "x=$((6*7))\necho \"answer $x\"\necho to-err >&2\n")
    assert result.stdout == "answer 42\n" and result.stderr == "to-err\n"
    assert ip.run_cell_magic("docker_run", "--rm busybox wc -l", "a\nb\nc\n").stdout.strip() == "3"
    assert ip.run_line_magic("docker_run", "--rm -i busybox cat").stdout == ""  # -i alone: empty stdin
    with pytest.raises(RunFailed):
        ip.run_cell_magic("docker_run", "--rm busybox sh", "exit 7\n")


def interrupt_after(seconds: float) -> threading.Timer:
    timer = threading.Timer(seconds, _thread.interrupt_main)
    timer.start()
    return timer


TICKER = "sh -c 'while true; do echo tick; sleep 0.1; done'"


def sigint_after(seconds: float) -> threading.Timer:
    """A real SIGINT to this process, as Ctrl-C or a kernel interrupt sends."""
    timer = threading.Timer(seconds, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    return timer


@pytest.mark.parametrize("interrupt", [interrupt_after, sigint_after])
def test_interrupt_stops_and_removes_with_rm(ip, engine, unique, interrupt):
    name = f"dm-run-{unique}"
    interrupt(1.0)
    began = time.monotonic()
    with pytest.raises(RunInterrupted) as info:
        ip.run_line_magic("docker_run", f"--rm --name {name} --stop-timeout 1 busybox {TICKER}")
    message = str(info.value)
    assert "stopped container" in message and name in message and "SIGTERM" in message
    assert "SIGKILL after the 1s grace period" in message  # sh as PID 1 ignores SIGTERM
    assert "removed it (--rm)" in message
    assert time.monotonic() - began < 8
    assert gone(engine, name)


def test_interrupt_without_rm_keeps_the_stopped_container(ip, engine, made, unique):
    name = made.container(f"dm-run-{unique}")
    interrupt_after(1.0)
    with pytest.raises(RunInterrupted) as info:
        ip.run_line_magic("docker_run", f"--init --name {name} busybox {TICKER}")
    assert "within the 10s grace period" in str(info.value)  # --init forwards SIGTERM
    assert "removed" not in str(info.value)
    state = engine.api.inspect_container(name)["State"]
    assert state["Status"] == "exited" and not state["Running"]


HOSTILE = (r"printf '<script>alert(1)</script>\n<img src=x onerror=alert(2)>\n\033[31mred\033[0m plain\n';"
           r" printf '<b>err</b>\n' >&2")


def test_hostile_output_is_text_and_colours_render(ip, views):
    ip.run_line_magic("config", "DockerMagics.display = 'widget'")
    ip.run_line_magic("config", "DockerMagics.live_after = 0")  # the widget even for quick work
    result = ip.run_line_magic("docker_run", f"--rm busybox sh -c \"{HOSTILE}\"")
    view = views[-1]
    body = view._body.value  # the live widget's trait
    for html in (body, view.html(), formatters.bundle(result)["text/html"]):
        assert "<script" not in html and "<img" not in html and "<b>err" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;img src=x onerror=alert(2)&gt;" in html
        assert '<span style="color:#cd3131">red</span> plain' in html
        assert '<span style="color:#cd3131">&lt;b&gt;err&lt;/b&gt;</span>' in html  # stderr set apart
        assert "\x1b" not in html
    assert "exit 0" in view._header.value
    assert "<script>alert(1)</script>" in result.stdout  # the log keeps the bytes as sent


def test_huge_output_stays_bounded(ip, views, capsys):
    ip.run_line_magic("config", "DockerMagics.max_output_lines = 90")
    line = "x" * 40
    result = ip.run_line_magic("docker_run", f"--rm busybox sh -c 'seq 1 60000 | sed s/$/{line}/'")
    shown = capsys.readouterr().out
    assert len(shown.splitlines()) < 90 + 30  # text mode echoes the head, then the tail
    assert "output left out" in shown and f"60000{line}" in shown
    view = views[-1]
    assert len(view.window.lines.lines()) <= 91 and view.window.lines.dropped > 59000
    assert len(view.html()) < 40_000
    assert result.store.on_disk  # ~2.6 MB: spooled to a temp file, not held in memory
    logs = result.logs
    assert logs.count("\n") == 60000 and logs.startswith(f"1{line}\n")


def test_bad_input_is_one_line_and_starts_nothing(ip, engine, unique):
    name = f"dm-run-{unique}"
    bad = {
        f"-p 99999:80 --name {name} busybox true": "host port",
        f"-p 80:http --name {name} busybox true": "-p '80:http'",
        f"-p 1.2.3:80:80:90 --name {name} busybox true": "expected",
        f"-v data:relative --name {name} busybox true": "must be absolute",
        f"-v 'bad name!:/data' --name {name} busybox true": "neither a volume name",
        f"-v /x:/y:sideways --name {name} busybox true": "unknown mode",
        f"--mount type=disk,target=/x --name {name} busybox true": "type must be",
        "--name 'no spaces' busybox true": "--name",
        f"--name {name} Busybox true": "invalid reference",
        f"--pull sometimes --name {name} busybox true": "invalid choice",
    }
    from IPython.core.error import UsageError

    for line, words in bad.items():
        with pytest.raises((InvalidInput, UsageError)) as info:
            ip.run_line_magic("docker_run", line)
        assert words in str(info.value), (line, str(info.value))
        assert "\n" not in str(info.value)
    assert gone(engine, name)


def test_it_without_d_says_what_to_do(ip):
    for line in ("-it busybox sh", "-i -t busybox sh", "-ti busybox sh"):
        with pytest.raises(InvalidInput) as info:
            ip.run_line_magic("docker_run", line)
        assert "%docker_run -dit" in str(info.value) and "%docker_exec" in str(info.value) and "%%docker_run" in str(info.value)
    with pytest.raises(InvalidInput):
        ip.run_cell_magic("docker_run", "-t busybox sh", "echo hi\n")


def test_name_in_use(ip, made, unique):
    name = made.container(f"dm-run-{unique}")
    ip.run_line_magic("docker_run", f"--name {name} busybox true")
    with pytest.raises(NameInUse) as info:
        ip.run_line_magic("docker_run", f"--name {name} busybox echo never")
    assert f"'{name}' is already in use" in str(info.value) and "%docker_rm -f" in str(info.value)
    assert len(info.value._render_traceback_()) == 1


def test_unknown_image(ip, unique):
    with pytest.raises(UnknownImage) as info:
        ip.run_line_magic("docker_run", f"--rm --pull never dm-test/nothing-{unique}:1 true")
    assert "unknown image" in str(info.value) and "--pull=never" in str(info.value)
    with pytest.raises(UnknownImage) as info:
        ip.run_line_magic("docker_run", f"--rm 127.0.0.1:9/dm-test/nothing-{unique}:1 true")  # nothing listens on :9
    assert "unknown image" in str(info.value) and "pull failed" in str(info.value)


def test_missing_image_is_pulled_then_run(ip, engine, registry, made, unique):
    name = f"{registry}/dm-test/run-pull-{unique}:1"
    engine.api.tag("busybox:latest", name.rsplit(":", 1)[0], "1")
    made.image(name)
    for record in engine.api.push(name.rsplit(":", 1)[0], "1", stream=True, decode=True):
        assert "error" not in record, record
    engine.api.remove_image(name)
    result = ip.run_line_magic("docker_run", f"--rm {name} echo pulled-and-ran")
    assert result.stdout == "pulled-and-ran\n"
    assert engine.api.inspect_image(name)["Id"]
    assert ip.run_line_magic("docker_run", f"--rm --pull always {name} echo again").stdout == "again\n"


def test_kernel_interrupt_in_an_executed_notebook(engine, unique, tmp_path):
    """The real thing: SIGINT to a Jupyter kernel running a foreground %docker_run."""
    import nbformat
    from nbclient import NotebookClient
    from nbformat.v4 import new_code_cell

    name = f"dm-run-{unique}"
    nb = nbformat.v4.new_notebook(cells=[
        new_code_cell("%load_ext dockermagic"),
        new_code_cell(f"%docker_run --rm --name {name} --stop-timeout 1 busybox {TICKER}"),
        new_code_cell("print('the next cell runs')"),
    ])
    client = NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(tmp_path)}})

    def interrupt_when_running():
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if engine.api.inspect_container(name)["State"]["Running"]:
                    break
            except docker.errors.NotFound:
                pass
            time.sleep(0.1)
        time.sleep(0.5)
        os.kill(client.km.provisioner.process.pid, signal.SIGINT)

    threading.Thread(target=interrupt_when_running, daemon=True).start()
    client.execute()
    outputs = nb.cells[1].outputs
    error = next(o for o in outputs if o.output_type == "error")
    assert error.ename == "RunInterrupted" and len(error.traceback) == 1
    assert "SIGKILL after the 1s grace period" in error.evalue and "removed it (--rm)" in error.evalue
    shown = next(o for o in outputs if o.output_type == "display_data")["data"]
    assert "tick" in shown["text/plain"] and "interrupted" in shown["text/plain"]
    assert "interrupted" in shown["text/html"]
    assert gone(engine, name)


def test_output_window_keeps_streams_apart_and_lines_whole():
    from dockermagic.views.container import OutputWindow

    window = OutputWindow(limit=30)
    window.write("stdout", "par")
    window.write("stderr", "error one\nerr")
    window.write("stdout", "tial line\n")
    window.write("stderr", "or two\n")
    assert window.lines.rows() == [("stdout", "partial line"), ("stderr", "error one"), ("stderr", "error two")]
    window.write("stdout", "y" * 100_000)  # one endless line: cut, the window stays small
    window.write("stdout", "z" * 100_000)
    assert len(window.html()) < 10_000 and "characters left out" in window.text()
    for i in range(1000):
        window.write("stdout", f"line {i}\n")
    assert len(window.lines.lines()) <= 31 and window.lines.dropped > 900 and "line 999" in window.text()
