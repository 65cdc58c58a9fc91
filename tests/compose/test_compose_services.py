"""The subcommands on a running project's containers, against Docker Compose v2 (the oracle):
v2 starts the project, ours acts on it, and what each prints or leaves is compared with what v2
prints or leaves for the same command."""

from __future__ import annotations

import json
import re
import subprocess
import uuid

import pytest

from dockermagic.views.compose.logs import logs_text
from support.compose_fixtures import v2_path

pytestmark = pytest.mark.engine

COMPOSE = """\
services:
  db:
    image: busybox:latest
    command: sh -c 'echo db up; echo db err >&2; trap "exit 0" TERM; while true; do sleep 1; done'
  web:
    image: busybox:latest
    command: sh -c 'echo web up; trap "exit 0" TERM; while true; do sleep 1; done'
    depends_on: [db]
    ports: ["8080", "127.0.0.1::81/udp"]
    environment: {FOO: bar}
"""


def v2(folder, name, *words, check=True):
    proc = subprocess.run([v2_path() or "docker-compose", "-p", name, *words], cwd=folder, capture_output=True, text=True, timeout=120)
    if check and proc.returncode != 0:
        raise AssertionError(f"docker-compose {' '.join(words)}: {proc.stderr}")
    return proc


def states(folder, name) -> dict:
    out = v2(folder, name, "ps", "-a", "--format", "json").stdout
    return {row["Name"]: row["State"] for row in map(json.loads, filter(None, out.splitlines()))}


@pytest.fixture
def stack(tmp_path, engine, compose_v2):
    """A project v2 started (`up -d`), removed by v2 at the end whatever happened."""
    name = f"dmops{uuid.uuid4().hex[:8]}"
    (tmp_path / "compose.yaml").write_text(COMPOSE)
    v2(tmp_path, name, "up", "-d")
    try:
        yield tmp_path, name
    finally:
        v2(tmp_path, name, "down", "-v", "-t", "1", "--remove-orphans", check=False)  # one-offs too


@pytest.fixture
def dc(ip, stack, monkeypatch):
    """`%docker compose -p NAME ...` in the project's folder."""
    folder, name = stack
    monkeypatch.chdir(folder)

    def run(line):
        return ip.run_line_magic("docker", f"compose -p {name} {line}")

    return run


def test_port_as_v2(dc, stack):
    folder, name = stack
    assert repr(dc("port web 8080")) == v2(folder, name, "port", "web", "8080").stdout.strip()
    assert repr(dc("port --protocol udp web 81")) == v2(folder, name, "port", "--protocol", "udp", "web", "81").stdout.strip()


def test_port_errors_as_v2(ip, dc, stack):
    from dockermagic.errors import ComposeError

    folder, name = stack
    with pytest.raises(ComposeError, match=r'^service "nope" is not running$'):
        _raw(ip, name, "port nope 80")
    with pytest.raises(ComposeError, match=r'^service "web" is not running container #2$'):
        _raw(ip, name, "port --index 2 web 8080")
    said = v2(folder, name, "port", "web", "82", check=False).stderr.strip()
    with pytest.raises(ComposeError) as caught:
        _raw(ip, name, "port web 82")
    assert sorted(str(caught.value).split(": ", 1)[1].split(", ")) == sorted(said.split(": ", 1)[1].split(", "))


def _raw(ip, name, line):
    """The magic's call without IPython's error display, so the error itself is raised."""
    from dockermagic.magics.args import split
    from dockermagic.magics.compose import base
    magics = ip.magics_manager.registry["ComposeMagics"]
    base.run_subcommand(magics, split(f"-p {name} {line}"))  # noqa: B018


def test_images_and_top_as_v2(dc, stack):
    folder, name = stack
    # CREATED is an age ("About an hour ago"), which may tick over between the two calls
    aged = lambda text: [re.sub(r" {2,}", "  ", re.sub(r"(About an? \w+|\d+ \w+) ago", "T ago", line))  # noqa: E731
                         for line in text.rstrip("\n").splitlines()]
    assert aged(repr(dc("images"))) == aged(v2(folder, name, "images").stdout)
    theirs = json.loads(v2(folder, name, "images", "--format", "json").stdout)
    assert sorted(json.loads(dc("images --format json").text), key=lambda r: r["ContainerName"]) == \
        sorted(theirs, key=lambda r: r["ContainerName"])
    assert dc("images -q").text == v2(folder, name, "images", "-q").stdout
    cut = lambda text: [re.split(r"\s+", line)[:2] + re.split(r"\s+", line)[-1:] for line in text.splitlines()]  # noqa: E731
    assert cut(repr(dc("top web")))[0] == cut(v2(folder, name, "top", "web").stdout)[0]
    assert {tuple(r[:2]) for r in cut(repr(dc("top")))} == {tuple(r[:2]) for r in cut(v2(folder, name, "top").stdout)}


def test_logs_as_v2(dc, stack):
    folder, name = stack
    for flags in ("--no-color", "--no-color --no-log-prefix", "--no-color db", "--no-color --tail 1 db"):
        theirs = v2(folder, name, "logs", *flags.split()).stdout
        ours = logs_text(dc(f"logs {flags}"))
        assert sorted(_squeeze(ours)) == sorted(_squeeze(theirs)), flags
    stamped = logs_text(dc("logs -t --no-color web"))
    assert re.fullmatch(r"web-1 +\| \d{4}-\d\d-\d\dT[\d:.]+Z web up\n", stamped)


def test_foreground_up_log_flags_as_v2(ip, tmp_path, compose_v2, capsys, monkeypatch):
    """`up --no-log-prefix --no-color` prints the lines alone, and `--timestamps` stamps each as v2 does."""
    name = f"dmupf{uuid.uuid4().hex[:8]}"
    (tmp_path / "compose.yaml").write_text('services:\n  a:\n    image: busybox:latest\n'
                                           '    command: ["sh", "-c", "echo one; echo two"]\n')
    monkeypatch.chdir(tmp_path)
    ip.run_line_magic("config", "DockerMagics.display = 'text'")
    try:
        theirs = v2(tmp_path, name, "up", "--no-log-prefix", "--no-color").stdout
        capsys.readouterr()
        ip.run_line_magic("docker", f"compose -p {name} up --no-log-prefix --no-color")
        ours = capsys.readouterr().out
        assert [line for line in ours.splitlines() if line in ("one", "two")] == \
            [line for line in theirs.splitlines() if line in ("one", "two")] == ["one", "two"]
        stamp = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z"
        theirs = v2(tmp_path, name, "up", "--timestamps", "--no-color").stdout
        ip.run_line_magic("docker", f"compose -p {name} up --timestamps --no-color")
        ours = capsys.readouterr().out
        for said in (theirs, ours):
            assert re.findall(rf"^a-1 +\| {stamp} (one|two)$", said, re.M) == ["one", "two"], said
    finally:
        ip.run_line_magic("config", "DockerMagics.display = 'auto'")
        v2(tmp_path, name, "down", "-t", "1", check=False)


def _squeeze(text):
    """Lines with the prefix's padding made one space (v2 pads to the names it met so far)."""
    return [re.sub(r"^(\S+) +\| ", r"\1 | ", line) for line in text.splitlines()]


def test_stop_start_kill_rm_as_v2_sees_them(dc, stack):
    folder, name = stack
    result = dc("stop -t 1 web")
    assert [(r.name, r.state) for r in result.rows] == [(f"{name}-web-1", "Stopped")]
    assert states(folder, name) == {f"{name}-db-1": "running", f"{name}-web-1": "exited"}
    dc("stop -t 1")
    assert set(states(folder, name).values()) == {"exited"}
    result = dc("start web")  # its dependency first, as v2
    assert [r.name for r in result.rows] == [f"{name}-db-1", f"{name}-web-1"]
    assert set(states(folder, name).values()) == {"running"}
    dc("pause web")
    assert states(folder, name)[f"{name}-web-1"] == "paused"
    dc("unpause web")
    dc("kill db")
    assert states(folder, name)[f"{name}-db-1"] == "exited"
    result = dc("rm -f")
    assert result.note == f"Going to remove {name}-db-1"
    assert states(folder, name) == {f"{name}-web-1": "running"}
    assert dc("rm").note == "No stopped containers"


def test_restart_in_dependency_order(dc, stack):
    folder, name = stack
    result = dc("restart -t 1")
    assert [(r.name, r.state) for r in result.rows] == [(f"{name}-db-1", "Started"), (f"{name}-web-1", "Started")]
    assert set(states(folder, name).values()) == {"running"}


def test_no_such_service(ip, dc, stack):
    from dockermagic.errors import InvalidInput

    _, name = stack
    with pytest.raises(InvalidInput, match=r'^no such service: "nope"$'):
        _raw(ip, name, "start nope")


def test_run_rm_exit_code_and_output_as_v2(dc, stack, engine):
    from dockermagic.containers.run import RunFailed

    folder, name = stack
    theirs = v2(folder, name, "run", "--rm", "-T", "db", "sh", "-c", "echo hi $FOO; exit 4", check=False)
    with pytest.raises(RunFailed) as caught:
        _raw(_ip(), name, "run --rm -T web sh -c 'echo hi $FOO; exit 4'")
    assert caught.value.exit_code == theirs.returncode == 4
    assert caught.value.result.stdout == "hi bar\n"
    result = dc("run --rm -T --no-raise-error -e FOO=baz web sh -c 'echo $FOO'")
    assert result.stdout == "baz\n" and result.exit_code == 0
    left = engine.api.containers(all=True, filters={"label": [f"com.docker.compose.project={name}",
                                                              "com.docker.compose.oneoff=True"]})
    assert left == []  # --rm


def _ip():
    from IPython import get_ipython

    return get_ipython()


def test_run_detached_one_off_as_v2_names_it(dc, stack, engine):
    folder, name = stack
    made = repr(dc("run -d --no-deps db sleep 30")).strip()
    assert re.fullmatch(rf"{name}-db-run-[0-9a-f]{{12}}", made)
    labels = engine.api.inspect_container(made)["Config"]["Labels"]
    assert labels["com.docker.compose.oneoff"] == "True" and labels["com.docker.compose.service"] == "db"
    assert made in states(folder, name)  # v2's `ps -a` lists one-offs, its `ps` leaves them out: as ours
    assert made not in v2(folder, name, "ps", "--format", "json").stdout
    assert made in dc("ps -a --format json").text and made not in dc("ps --format json").text
    engine.api.remove_container(made, force=True)


def test_exec_output_and_exit_code_as_v2(dc, stack):
    from dockermagic.containers.run import RunFailed

    folder, name = stack
    theirs = v2(folder, name, "exec", "-T", "web", "sh", "-c", "echo $FOO; exit 3", check=False)
    with pytest.raises(RunFailed) as caught:
        _raw(_ip(), name, "exec -T web sh -c 'echo $FOO; exit 3'")
    assert caught.value.exit_code == theirs.returncode == 3
    assert caught.value.result.stdout == theirs.stdout == "bar\n"
    assert dc("exec -T -e X=1 -w /tmp db sh -c 'echo $X; pwd'").stdout == "1\n/tmp\n"


def test_cp_both_ways(dc, stack, tmp_path):
    local = tmp_path / "note.txt"
    local.write_text("hello")
    dc(f"cp {local} web:/tmp/note.txt")
    assert dc("exec -T web cat /tmp/note.txt").stdout == "hello"
    back = tmp_path / "back.txt"
    dc(f"cp web:/tmp/note.txt {back}")
    assert back.read_text() == "hello"


def test_wait_and_version(dc, stack, engine):
    folder, name = stack
    engine.api.kill(f"{name}-db-1", signal="SIGTERM")
    result = dc("wait db")
    assert result.exit_code == 0
    assert dc("version --short").text.strip() == __import__("dockermagic.version").version.__version__
    assert "Docker Compose v2.40.3 compatible" in repr(dc("version"))


def test_events_json_as_v2_shapes_them(dc, stack, engine):
    from dockermagic.compose import inspect

    _, name = stack
    import time

    since = str(int(time.time()) - 1)
    engine.api.pause(f"{name}-web-1")
    engine.api.unpause(f"{name}-web-1")
    until = str(int(time.time()) + 1)
    lines = [json.loads(inspect.event_json(e)) for e in inspect.events(engine, name, (), since, until)]
    lines = [line for line in lines if line["action"] in ("pause", "unpause")]
    assert [line["action"] for line in lines] == ["pause", "unpause"]
    assert set(lines[0]) == {"action", "attributes", "id", "service", "time", "type"}
    assert lines[0]["service"] == "web" and not any(k.startswith("com.docker.compose") for k in lines[0]["attributes"])


def test_follow_ends_when_every_container_ends(engine, made, unique):
    """`follow()` (also the foreground `up`'s): lines of several containers, whole, until all end."""
    from dockermagic.compose.logs import follow

    ids = []
    for n, script in enumerate(("echo a1; sleep 1; echo a2", "printf 'b1\\nb2\\n'; sleep 2")):
        name = made.container(f"dm-follow-{unique}-{n}")
        ids.append(engine.api.create_container("busybox:latest", ["sh", "-c", script], name=name)["Id"])
        engine.api.start(name)
    lines = list(follow(engine, "p", ids, follow=True))
    assert sorted(line.text for line in lines) == ["a1", "a2", "b1", "b2"]
    assert {line.container for line in lines} == {f"dm-follow-{unique}-0", f"dm-follow-{unique}-1"}


def test_events_text_as_v2(dc, stack, engine):
    """The same window of events, printed by v2 and by us: the same lines (attributes as a set:
    v2 prints them in Go's map order) and v2's empty line after each."""
    import time

    from dockermagic.compose import inspect

    folder, name = stack
    since = str(int(time.time()) - 1)
    engine.api.pause(f"{name}-web-1")
    engine.api.unpause(f"{name}-web-1")
    until = str(int(time.time()) + 1)
    time.sleep(1.2)
    theirs = v2(folder, name, "events", "--since", since, "--until", until, check=False).stdout  # ends "EOF"
    ours = "".join(inspect.event_line(e) + "\n" for e in inspect.events(engine, name, (), since, until))

    def norm(text):
        return [re.sub(r"\((.*)\)$", lambda m: "(" + ", ".join(sorted(m.group(1).split(", "))) + ")", line)
                for line in text.split("\n")]

    assert norm(ours) == norm(theirs) and "pause" in ours


def test_logs_follow_picks_up_a_scale_up(stack, engine):
    """`logs -f` follows a container created while it follows (v2 watches the project's events),
    and ends when the consumer stops (Ctrl-C closes the generator)."""
    import threading
    import time

    from dockermagic.compose import logs as compose_logs

    folder, name = stack
    rows, lines = compose_logs.project_logs(engine, name, ["web"], follow=True, tail=0)
    assert [r["Names"][0].lstrip("/") for r in rows] == [f"{name}-web-1"]
    scaler = threading.Thread(target=lambda: (time.sleep(1.5), v2(folder, name, "up", "-d", "--scale", "web=2")))
    scaler.start()
    seen = []
    deadline = time.monotonic() + 60
    for line in lines:
        seen.append((line.container, line.text))
        if (f"{name}-web-2", "web up") in seen or time.monotonic() > deadline:
            break
    lines.close()   # what Ctrl-C does to the view's loop
    scaler.join()
    assert (f"{name}-web-2", "web up") in seen
    assert all(c.startswith(f"{name}-web-") for c, _ in seen)
