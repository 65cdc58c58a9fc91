"""Detached containers and the rest of the container magics against the real engine: the
card and its buttons, ps, logs, exec, stop/start/rm, inspect, cleanup."""

import time
import urllib.request

import pytest
from test_run import gone

from dockermagic.containers.containers import Container, ContainerList
from dockermagic.containers.inspect import Inspection
from dockermagic.containers.output import RunResult
from dockermagic.containers.run import RunFailed
from dockermagic.errors import ContainerError
from dockermagic.text import units
from dockermagic.views import formatters
from dockermagic.views.card import card_for

pytestmark = pytest.mark.engine


def wait_for(predicate, seconds: float = 15, what: str = "condition"):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} not reached within {seconds}s")


def test_dit_stays_up_and_card_shows_it(ip, engine, made, unique, capsys):
    name = made.container(f"dm-ctr-{unique}")
    container = ip.run_line_magic("docker_run", f"-dit --name {name} busybox sh")
    assert isinstance(container, Container)
    assert container.name == name and container.status == "running" and container.image == "busybox"
    printed = capsys.readouterr().out
    assert container.id in printed and name in printed and "running" in printed  # text mode: like the CLI
    config = engine.api.inspect_container(name)["Config"]
    assert config["Tty"] and config["OpenStdin"]


def test_published_port_is_reached_over_loopback(ip, made, unique):
    name = made.container(f"dm-ctr-{unique}")
    container = ip.run_line_magic("docker_run", f"-d --name {name} -p 127.0.0.1::8080 busybox httpd -f -p 8080 -h /etc")
    port = container.port(8080)
    assert port and container.ports["8080/tcp"][0]["HostIp"] == "127.0.0.1"

    def answers():
        try:
            return urllib.request.urlopen(f"http://127.0.0.1:{port}/hostname", timeout=2).read().decode().strip()
        except OSError:
            return None

    wait_for(answers, 10, "httpd answering")
    assert answers() == container.short_id
    assert f"127.0.0.1:{port}->8080/tcp" in formatters.bundle(ip.run_line_magic("docker_ps", f"-f name={name}"))["text/plain"]


def test_card_widget_buttons_and_live_status(ip, engine, made, unique):
    ip.run_line_magic("config", "DockerMagics.display = 'widget'")
    name = made.container(f"dm-ctr-{unique}")
    container = ip.run_line_magic(
        "docker_run", f"-d --name {name} --stop-timeout 1 -p 127.0.0.1::80 busybox sh -c 'echo \"<i>hello</i>\"; echo oops >&2; sleep 60'")
    card = card_for(container)
    info = card._info.value
    assert name in info and container.short_id in info and "busybox" in info and "running" in info
    assert "127.0.0.1:" in info and "-&gt;80/tcp" in info and "created" in info
    assert not card.stop_button.disabled and not card.remove_button.disabled
    wait_for(lambda: "hello" in container.logs(), 10, "output")
    card.logs_button.click()
    logs = card._logs_pane.value
    assert "&lt;i&gt;hello&lt;/i&gt;" in logs and "<i>" not in logs
    assert '<span style="color:#cd3131">oops</span>' in logs
    card.stop_button.click()  # SIGTERM (ignored by sh as PID 1), SIGKILL after 1s, in a thread
    wait_for(lambda: "exited" in card._info.value, 15, "the card showing exited")  # the engine's events
    assert card.stop_button.disabled and container.status == "exited"
    card.remove_button.click()
    assert gone(engine, name)
    wait_for(lambda: "removed" in card._info.value, 10, "the card showing removed")
    assert card.remove_button.disabled and card.logs_button.disabled
    card.watcher.join(5)
    assert not card.watcher.is_alive()  # the watch ends with the container


def test_card_of_a_container_removed_elsewhere_ends_removed_with_the_time(ip, engine, made, unique):
    ip.run_line_magic("config", "DockerMagics.display = 'widget'")
    name = made.container(f"dm-ctr-{unique}")
    container = ip.run_line_magic("docker_run", f"-dit --name {name} busybox sh")
    card = card_for(container)
    wait_for(lambda: card.status is not None and card.status.status == "running", 10, "the card's first look")
    ip.run_line_magic("docker_rm", f"-f {name}")  # another cell, not the card's button
    wait_for(lambda: "removed" in card._info.value, 10, "the card showing removed")
    assert card.status.removed and card.status.at and " UTC" in card._info.value and "removing" not in card._info.value
    assert "removed at " in card._bundle()["text/plain"]
    card.watcher.join(5)
    assert not card.watcher.is_alive()
    assert "<b>" + name in formatters.bundle(container)["text/html"]  # shown again later: still a card


def test_ps_all_size_quiet_filter(ip, engine, made, unique, capsys):
    up, done = made.container(f"dm-ctr-up-{unique}"), made.container(f"dm-ctr-done-{unique}")
    ip.run_line_magic("docker_run", f"-dit --name {up} -l dm.ps={unique} busybox sh")
    ip.run_line_magic("docker_run", f"--name {done} -l dm.ps={unique} busybox sh -c 'echo 12345 > /file'")
    running = ip.run_line_magic("docker_ps", f"-f label=dm.ps={unique}")
    assert isinstance(running, ContainerList) and running.names == [up]
    everything = ip.run_line_magic("docker_ps", f"-a -s -f label=dm.ps={unique}")
    assert sorted(everything.names) == sorted([up, done])
    text = formatters.bundle(everything)["text/plain"]
    assert text.splitlines()[0].split() == ["CONTAINER", "ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES", "SIZE"]
    virtual = units.size(engine.api.inspect_image("busybox:latest")["Size"])
    assert f"0B (virtual {virtual})" in text  # the -dit one wrote nothing: its size is busybox's
    assert "6B (virtual" in text  # /file: "12345\n"
    assert "Exited (0)" in text and "Up " in text
    html = formatters.bundle(everything)["text/html"]
    assert "<table" in html and up in html
    capsys.readouterr()
    assert ip.run_line_magic("docker_ps", f"-q -a -f label=dm.ps={unique}") is None
    ids = capsys.readouterr().out.split()
    assert sorted(ids) == sorted(engine.api.inspect_container(n)["Id"][:12] for n in (up, done))


def test_logs_tail_timestamps_follow(ip, made, unique):
    name = made.container(f"dm-ctr-{unique}")
    ip.run_line_magic("docker_run", f"--name {name} busybox sh -c 'echo one; echo two >&2; echo three'")
    logs = ip.run_line_magic("docker_logs", name)
    assert isinstance(logs, RunResult)
    assert logs.stdout == "one\nthree\n" and logs.stderr == "two\n"
    assert ip.run_line_magic("docker_logs", f"--tail 1 {name}").logs.strip() in ("three", "two")
    stamped = ip.run_line_magic("docker_logs", f"-t --tail 1 {name}").logs
    assert stamped[:4].isdigit() and "T" in stamped.split()[0]
    later = made.container(f"dm-ctr-f-{unique}")
    ip.run_line_magic("docker_run", f"-d --name {later} busybox sh -c 'sleep 0.5; echo late; sleep 0.5; echo later'")
    followed = ip.run_line_magic("docker_logs", f"-f {later}")  # returns when the container ends
    assert followed.stdout == "late\nlater\n"


def test_exec_options_stdin_and_exit_code(ip, made, unique):
    name = made.container(f"dm-ctr-{unique}")
    ip.run_line_magic("docker_run", f"-dit --name {name} busybox sh")
    result = ip.run_line_magic("docker_exec", f"-e DM_X=42 -w /etc -u 1000:1000 {name} sh -c 'echo $DM_X; pwd; id -u'")
    assert result.stdout.split() == ["42", "/etc", "1000"]
    assert ip.run_line_magic("docker", f"exec {name} echo -n via-dispatcher").stdout == "via-dispatcher"
    with pytest.raises(RunFailed) as info:
        ip.run_line_magic("docker_exec", f"{name} sh -c 'echo failing >&2; exit 4'")
    assert info.value.exit_code == 4 and "failing" in str(info.value)
    assert ip.run_line_magic("docker_exec", f"--no-raise-error {name} false").exit_code == 1
    cell = ip.run_cell_magic("docker_exec", f"{name} sh", "echo from-cell > /f\ncat /f\n")
    assert cell.stdout == "from-cell\n"


def test_stop_start_rm_inspect(ip, engine, made, unique, capsys):
    name = made.container(f"dm-ctr-{unique}")
    ip.run_line_magic("docker_run", f"-d --init --name {name} busybox sleep 300")
    capsys.readouterr()
    ip.run_line_magic("docker_stop", f"-t 5 {name}")
    assert capsys.readouterr().out.strip() == name
    assert engine.api.inspect_container(name)["State"]["Status"] == "exited"
    ip.run_line_magic("docker_start", name)
    assert engine.api.inspect_container(name)["State"]["Running"]
    with pytest.raises(ContainerError) as info:
        ip.run_line_magic("docker_rm", name)
    assert "is running" in str(info.value) and "-f" in str(info.value)
    inspected = ip.run_line_magic("docker_inspect", f"{name} busybox:latest")
    assert isinstance(inspected, Inspection) and len(inspected) == 2
    assert inspected[0]["Name"] == f"/{name}" and inspected[1]["RepoTags"]
    assert '"Name": "/' in repr(inspected)
    with pytest.raises(ContainerError, match="no such object"):
        ip.run_line_magic("docker_inspect", f"dm-nothing-{unique}")
    ip.run_line_magic("docker_rm", f"-f {name}")
    assert gone(engine, name)
    with pytest.raises(ContainerError, match="no such container"):
        ip.run_line_magic("docker_stop", name)


def test_cleanup_removes_what_this_notebook_started(ip, engine, made, unique, capsys):
    from dockermagic import _loaded

    magics = next(m for m in _loaded[id(ip)] if type(m).__name__ == "ContainerMagics")
    magics.started.clear()
    up, done = made.container(f"dm-ctr-up-{unique}"), made.container(f"dm-ctr-done-{unique}")
    ip.run_line_magic("docker_run", f"-dit --name {up} busybox sh")
    ip.run_line_magic("docker_run", f"--name {done} busybox true")
    ip.run_line_magic("docker_run", "--rm busybox true")  # removed already: not tracked
    assert sorted(magics.started.values()) == sorted([up, done])
    capsys.readouterr()
    ip.run_line_magic("docker_cleanup", "")
    said = capsys.readouterr().out
    assert "cleaned up 2 containers" in said and f"{up} (stopped and removed)" in said and f"{done} (removed, was exited)" in said
    assert gone(engine, up) and gone(engine, done) and not magics.started
    ip.run_line_magic("docker_cleanup", "")
    assert "nothing to clean up" in capsys.readouterr().out


def test_cleanup_on_exit_trait(ip, engine, made, unique):
    from dockermagic import _loaded

    magics = next(m for m in _loaded[id(ip)] if type(m).__name__ == "ContainerMagics")
    magics.started.clear()
    name = made.container(f"dm-ctr-{unique}")
    ip.run_line_magic("docker_run", f"-dit --name {name} busybox sh")
    magics._at_exit()  # off by default: the container stays
    assert not gone(engine, name)
    ip.run_line_magic("config", "DockerMagics.cleanup_on_exit = True")
    try:
        magics._at_exit()
    finally:
        ip.run_line_magic("config", "DockerMagics.cleanup_on_exit = False")
    assert gone(engine, name)


def test_cleanup_on_exit_when_the_kernel_shuts_down(engine, made, unique, tmp_path):
    import nbformat
    from nbclient import NotebookClient
    from nbformat.v4 import new_code_cell

    kept, removed = made.container(f"dm-ctr-kept-{unique}"), made.container(f"dm-ctr-gone-{unique}")
    engine.api.create_container("busybox", ["true"], name=kept)  # not started by the notebook: stays
    nb = nbformat.v4.new_notebook(cells=[
        new_code_cell("%load_ext dockermagic\n%config DockerMagics.cleanup_on_exit = True"),
        new_code_cell(f"%docker_run -dit --name {removed} busybox sh"),
    ])
    NotebookClient(nb, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    wait_for(lambda: gone(engine, removed), 15, "the kernel's exit removing the container")
    assert not gone(engine, kept)
