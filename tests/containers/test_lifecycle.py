"""A container's life after `run`, on the real engine: pause / unpause / rename / restart /
kill / wait / update / port / top / attach / create, and `stats` (one reading, and live until
the container stops), each checked against the engine's state."""

from __future__ import annotations

import time

import pytest

from dockermagic.containers.lifecycle import Processes
from dockermagic.containers.stats import HISTORY, Stats
from dockermagic.gotemplate.formats import Formatted
from dockermagic.views.formatters import bundle

pytestmark = pytest.mark.engine


def _state(engine, name) -> dict:
    return engine.api.inspect_container(name)["State"]


@pytest.fixture
def box(ip, engine, made, unique):
    """A running busybox container that stops at once on SIGTERM."""
    name = made.container(f"dm-lc-{unique}")
    ip.run_line_magic("config", "DockerMagics.display = 'text'")
    ip.run_line_magic("docker", f"run -d --init --name {name} -p 127.0.0.1::80 busybox sleep 600")
    return name


def test_pause_unpause_rename_restart_kill_wait(ip, engine, made, box, unique):
    said = ip.run_line_magic("docker", f"pause {box}")
    assert isinstance(said, Formatted) and said.lines == [box] and _state(engine, box)["Paused"] is True
    ip.run_line_magic("docker", f"unpause {box}")
    assert _state(engine, box)["Paused"] is False
    renamed = made.container(f"dm-lc-renamed-{unique}")
    ip.run_line_magic("docker", f"rename {box} {renamed}")
    assert engine.api.inspect_container(renamed)["Name"] == f"/{renamed}"
    started = _state(engine, renamed)["StartedAt"]
    ip.run_line_magic("docker", f"container restart -t 1 {renamed}")
    assert _state(engine, renamed)["Running"] and _state(engine, renamed)["StartedAt"] != started
    ip.run_line_magic("docker", f"kill -s TERM {renamed}")  # --init passes it on: sleep ends
    codes = ip.run_line_magic("docker", f"wait {renamed}")
    assert codes.lines == ["143"] and _state(engine, renamed)["ExitCode"] == 143


def test_kill_sends_sigkill_by_default_and_says_which_failed(ip, engine, box):
    from dockermagic.errors import ContainerError

    with pytest.raises(ContainerError, match="no such container: 'dm-lc-nowhere'"):
        ip.run_line_magic("docker", f"kill {box} dm-lc-nowhere")
    assert ip.run_line_magic("docker", f"wait {box}").lines == ["137"]


def test_update_changes_resources_and_restart_policy(ip, engine, box):
    ip.run_line_magic("docker", f"update --cpus 0.5 -m 64m --memory-swap 128m --pids-limit 40 --restart unless-stopped {box}")
    host = engine.api.inspect_container(box)["HostConfig"]
    assert (host["NanoCpus"], host["Memory"], host["MemorySwap"], host["PidsLimit"]) == (500_000_000, 64 << 20, 128 << 20, 40)
    assert host["RestartPolicy"]["Name"] == "unless-stopped"


def test_port_and_top(ip, engine, box):
    binding = engine.api.inspect_container(box)["NetworkSettings"]["Ports"]["80/tcp"][0]
    assert ip.run_line_magic("docker", f"port {box}").lines == [f"80/tcp -> 127.0.0.1:{binding['HostPort']}"]
    assert ip.run_line_magic("docker", f"port {box} 80").lines == [f"127.0.0.1:{binding['HostPort']}"]
    top = ip.run_line_magic("docker", f"top {box}")
    assert isinstance(top, Processes) and "PID" in top.titles
    assert any("sleep 600" in row[-1] for row in top.rows)
    views = bundle(top)
    assert "sleep 600" in views["text/plain"] and "sleep 600" in views["text/html"]


def test_stats_no_stream_is_one_reading_per_container(ip, engine, box, capsys):
    stats = ip.run_line_magic("docker", f"stats --no-stream {box}")
    assert isinstance(stats, Stats) and stats.stopped == "once" and len(stats.rows) == 1
    sample = stats.rows[0]
    assert sample.name == box and 0 < sample.memory <= sample.memory_limit and sample.pids >= 1
    views = bundle(stats)
    assert "MEM USAGE / LIMIT" in views["text/plain"] and box in views["text/plain"]
    assert "background:#6f42c1" in views["text/html"]  # the memory bar
    capsys.readouterr()
    ip.run_line_magic("docker", f"stats --no-stream --format '{{{{.Name}}}}: {{{{.PIDs}}}}' {box}")
    assert capsys.readouterr().out.splitlines()[0] == f"{box}: {sample.pids}"


def test_stats_live_stops_when_the_container_stops_and_stays_bounded(ip, engine, made, unique):
    name = made.container(f"dm-lc-st-{unique}")
    ip.run_line_magic("docker", f"run -d --name {name} busybox sh -c 'sleep 2.5'")
    started = time.monotonic()
    stats = ip.run_line_magic("docker", f"stats {name}")
    assert stats.stopped == "containers stopped" and time.monotonic() - started < 30
    assert stats.rounds >= 2 and len(stats.cpu[stats.rows[0].id]) <= HISTORY


def test_attach_follows_output_until_the_container_exits(ip, engine, made, unique):
    name = made.container(f"dm-lc-at-{unique}")
    ip.run_line_magic("docker", f"run -d --name {name} busybox sh -c 'sleep 1; echo one; echo two >&2; sleep 1; exit 4'")
    result = ip.run_line_magic("docker", f"attach {name}")
    assert result.stdout == "one\n" and result.stderr == "two\n" and result.exit_code == 4


def test_create_makes_a_container_that_start_runs(ip, engine, made, unique):
    name = made.container(f"dm-lc-cr-{unique}")
    container = ip.run_line_magic("docker", f"container create --name {name} -e GREETING=hi busybox sh -c 'echo $GREETING'")
    assert container.status == "created"
    ip.run_line_magic("docker", f"start {name}")
    assert ip.run_line_magic("docker", f"wait {name}").lines == ["0"]
    assert ip.run_line_magic("docker", f"logs {name}").logs == "hi\n"


def test_stats_stops_on_an_interrupt_with_what_it_read(ip, engine, box):
    import _thread
    import threading

    threading.Timer(2.5, _thread.interrupt_main).start()
    started = time.monotonic()
    stats = ip.run_line_magic("docker", f"stats {box}")
    assert stats.stopped == "interrupted" and stats.rounds >= 1 and time.monotonic() - started < 15
    assert _state(engine, box)["Running"]  # watching never touches the container


NEW = ["create", "kill", "pause", "unpause", "restart", "rename", "wait", "update", "port", "top", "attach", "stats",
       "cp", "save", "load", "import", "export", "commit", "service"]


def test_every_subcommand_is_listed_and_has_help(shell, capsys):
    shell.run_line_magic("docker", "")
    listed = capsys.readouterr().out
    for sub in NEW:
        assert f" {sub}," in listed or listed.rstrip().endswith(f" {sub}"), sub
        method = shell.find_line_magic(f"docker_{sub}")
        assert len(method.__doc__.strip()) > 20, sub
        shell.run_line_magic("docker", f"{sub} --help")
        assert f"%docker_{sub}" in capsys.readouterr().out, sub
