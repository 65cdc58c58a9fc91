"""The engine as a whole on the real engine: `system df` against the CLI's, prunes that say
what went and the space back (only what a test's label names: the engine is shared), asking
without -f, and `docker events` between --since and --until line for line as the CLI prints them."""

from __future__ import annotations

import io
import shutil
import subprocess
import time

import pytest

from dockermagic.errors import InvalidInput
from dockermagic.resources.events import EventLog, parse_time
from dockermagic.resources.system import DiskUsage, Pruned, system_warning
from dockermagic.views.formatters import bundle

pytestmark = pytest.mark.engine
needs_cli = pytest.mark.skipif(shutil.which("docker") is None, reason="no docker CLI on PATH to compare with")


@needs_cli
def test_system_df_is_the_clis_table(ip, engine):
    usage = ip.run_line_magic("docker", "system df")
    assert isinstance(usage, DiskUsage) and [r.Type for r in usage] == ["Images", "Containers", "Local Volumes", "Build Cache"]
    cli = subprocess.run(["docker", "system", "df"], capture_output=True, text=True, check=True).stdout.splitlines()
    ours = bundle(usage)["text/plain"].splitlines()
    assert ours[0] == cli[0]
    # other engineers' work moves the numbers between the two calls; the types and layout stay
    assert [line.split()[0] for line in ours] == [line.split()[0] for line in cli]
    raw = engine.api.df()
    assert usage.rows[0].size == raw["LayersSize"]
    html = bundle(usage)["text/html"]
    assert "RECLAIMABLE" in html and "background:#b58900" in html
    out = ip.run_line_magic("docker_system", "df --format '{{.Type}}={{.TotalCount}}'")
    assert [line.split("=")[0] for line in out.lines] == ["Images", "Containers", "Local Volumes", "Build Cache"]


def _stopped(engine, made, name, label):
    made.container(name)
    engine.api.create_container("busybox", ["sh", "-c", "echo data > /left-behind"], name=name, labels={"dm.test": label})
    engine.api.start(name)
    engine.api.wait(name, timeout=30)
    return engine.api.inspect_container(name)["Id"]


def test_container_prune_says_what_went_and_the_space_back(ip, engine, made, unique, monkeypatch):
    cid = _stopped(engine, made, f"dm-prune-{unique}", unique)
    with pytest.raises(InvalidInput, match="add -f"):
        ip.run_line_magic("docker", f"container prune --filter label=dm.test={unique}")
    assert engine.api.containers(all=True, filters={"id": cid})
    monkeypatch.setattr("builtins.input", lambda prompt: "y")
    pruned = ip.run_line_magic("docker", f"container prune --filter label=dm.test={unique}")
    assert isinstance(pruned, Pruned) and pruned.removed == [cid] and pruned.space > 0
    assert not engine.api.containers(all=True, filters={"id": cid})
    text = bundle(pruned)["text/plain"]
    assert text.startswith(f"Deleted Containers:\n{cid}\n\nTotal reclaimed space: ") and text.endswith("B")


def test_volume_prune_with_a_label(ip, engine, made, unique):
    name = made.volume(f"dm-vol-{unique}")
    engine.api.create_volume(name, labels={"dm.test": unique})
    pruned = ip.run_line_magic("docker_volume_prune", f"-f --filter label=dm.test={unique}")
    assert pruned.removed == [name] and not [v for v in engine.api.volumes()["Volumes"] or [] if v["Name"] == name]


def test_image_prune_removes_the_dangling_image_a_rebuild_left(ip, engine, made, unique):
    tag = made.image(f"dm-prune-img:{unique}")
    ids = []
    for n in (1, 2):
        dockerfile = f"FROM busybox\nLABEL dm.test={unique}\nRUN echo {n} > /n\n".encode()
        list(engine.api.build(fileobj=io.BytesIO(dockerfile), tag=tag, rm=True, decode=True))
        ids.append(engine.api.inspect_image(tag)["Id"])
    pruned = ip.run_line_magic("docker", f"image prune -f --filter label=dm.test={unique}")
    assert f"deleted: {ids[0]}" in pruned.removed and pruned.space >= 0
    assert engine.api.inspect_image(tag)["Id"] == ids[1]


def test_system_and_builder_prunes_ask_first_and_remove_nothing_unanswered(ip, engine):
    before = len(engine.api.containers(all=True))
    for line in ("system prune", "system prune -a --volumes", "builder prune", "image prune -a", "volume prune"):
        with pytest.raises(InvalidInput, match="add -f"):
            ip.run_line_magic("docker", line)
    assert len(engine.api.containers(all=True)) >= before
    assert "all anonymous volumes" in system_warning(all=True, volumes=True)
    assert "unused build cache" in system_warning(all=False, volumes=False)



@pytest.mark.parametrize("size, keep", [("512m", 512 * 1024 ** 2), ("2GB", 2 * 1024 ** 3), ("1.5 GiB", int(1.5 * 1024 ** 3)),
                                        ("2p", 2 * 1024 ** 5), ("1000", 1000)])
def test_builder_prune_keeps_storage_read_as_the_cli_reads_it(ip, monkeypatch, size, keep):
    seen = []
    # the engine's build cache is everyone's: the prune itself is not sent
    monkeypatch.setattr("dockermagic.resources.system.prune", lambda *args, **kw: seen.append(kw["keep_storage"]))
    ip.run_line_magic("docker", f"builder prune -f --keep-storage '{size}'")
    assert seen == [keep]


@pytest.mark.parametrize("size", ["512mi", "512i", "2x", "-1", "512ib"])
def test_builder_prune_refuses_a_size_the_cli_refuses_in_one_line(ip, monkeypatch, size):
    monkeypatch.setattr("dockermagic.resources.system.prune", lambda *args, **kw: pytest.fail("pruned"))
    with pytest.raises(InvalidInput) as info:
        ip.run_line_magic("docker", f"builder prune -f --keep-storage {size}")
    assert str(info.value).startswith(f"--keep-storage {size!r}: ") and "\n" not in str(info.value)


@needs_cli
def test_events_between_since_and_until_are_the_clis_lines(ip, engine, made, unique):
    since = f"{time.time() - 1:.3f}"
    _stopped(engine, made, f"dm-ev-{unique}", unique)
    engine.api.remove_container(f"dm-ev-{unique}")
    time.sleep(1.1)
    until = f"{time.time():.3f}"
    log = ip.run_line_magic("docker_events", f"--since {since} --until {until} --filter label=dm.test={unique}")
    assert isinstance(log, EventLog) and log.stopped == "until"
    assert [e.Action for e in log.events] == ["create", "start", "die", "destroy"]
    cli = subprocess.run(["docker", "events", "--since", since, "--until", until, "--filter", f"label=dm.test={unique}"],
                         capture_output=True, text=True, check=True, timeout=30).stdout.splitlines()
    assert [e.line() for e in log.events] == cli
    formatted = ip.run_line_magic("docker", f"system events --since {since} --until {until} "
                                            f"--filter label=dm.test={unique} --filter event=die --format '{{{{.Action}}}} {{{{.Actor.Attributes.exitCode}}}}'")
    assert [e.Action for e in formatted.events] == ["die"]
    as_json = ip.run_line_magic("docker_events", f"--since {since} --until {until} --filter label=dm.test={unique} --format json")
    from dockermagic.gotemplate.gofmt import go_json

    cli_json = subprocess.run(["docker", "events", "--since", since, "--until", until, "--filter", f"label=dm.test={unique}",
                               "--format", "{{json .}}"], capture_output=True, text=True, check=True, timeout=30).stdout
    assert "".join(go_json(e) + "\n" for e in as_json.events) == cli_json
    assert repr(log) == "EventLog(4 events; reached --until)"
    assert "die" in bundle(log)["text/html"]


def test_event_times_read_as_the_cli_reads_them():
    now = 1_700_000_000.0
    assert parse_time("10m", "--since", now) == f"{now - 600:.9f}"
    assert parse_time("1h30m", "--since", now) == f"{now - 5400:.9f}"
    assert parse_time("1700000000", "--since", now) == "1700000000"
    assert parse_time("2023-11-14T22:13:20Z", "--since", now) == f"{now:.9f}"
    with pytest.raises(InvalidInput, match="--until"):
        parse_time("yesterday", "--until", now)


def test_system_info_format(ip, engine):
    out = ip.run_line_magic("docker_system", "info --format '{{.ServerVersion}} {{json .OSType}}'")
    assert out.text == f"{engine.api.info()['ServerVersion']} \"linux\"\n"


def test_events_without_until_stop_on_interrupt_with_what_came(ip, engine, made, unique):
    import os
    import signal
    import threading

    def later():
        time.sleep(0.5)
        _stopped(engine, made, f"dm-ev-{unique}", unique)
        time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGINT)

    worker = threading.Thread(target=later)
    worker.start()
    started = time.monotonic()
    try:
        log = ip.run_line_magic("docker_events", f"--filter label=dm.test={unique}")
    finally:
        worker.join()
    assert time.monotonic() - started < 20
    assert log.stopped == "interrupted" and "start" in [e.Action for e in log.events]


def _cli_row(lines: list[str], name: str) -> list[str]:
    """The CLI's row naming `name`, cut into its columns (two spaces or more between them)."""
    import re

    return next(re.split(r"\s{2,}", line.strip()) for line in lines if re.search(rf"(^|\s){re.escape(name)}(\s|$)", line))


@needs_cli
def test_system_df_verbose_is_the_clis_four_tables(ip, engine, made, unique, context):
    image, volume = made.image(f"dm-df-{unique}:v1"), made.volume(f"dm-dfv-{unique}")
    (context / "Dockerfile").write_text(f"FROM busybox\nLABEL dm-df={unique}\n")  # an image of its own: one tag
    list(engine.api.build(path=str(context), tag=image, rm=True))
    container = made.container(f"dm-dfc-{unique}")
    engine.api.create_container(image, "sleep 30", name=container,
                                host_config=engine.api.create_host_config(binds={volume: {"bind": "/data"}}))
    assert ip.run_line_magic("docker", "system df --verbose").verbose
    usage = ip.run_line_magic("docker", "system df -v")
    cli = subprocess.run(["docker", "system", "df", "-v"], capture_output=True, text=True, check=True).stdout.splitlines()
    ours = bundle(usage)["text/plain"].splitlines()
    titles = [line for line in ours if line.endswith("space usage:") or line.startswith("Build cache usage:")]
    assert titles[:3] == ["Images space usage:", "Containers space usage:", "Local Volumes space usage:"]
    assert [line for line in cli if line.endswith("space usage:")] == titles[:3]
    for header in ("REPOSITORY", "CONTAINER ID", "VOLUME NAME", "CACHE ID"):  # widths follow rows others' work changes
        assert _cli_row(ours, header) == _cli_row(cli, header)
    mine, theirs = _cli_row(ours, f"dm-df-{unique}"), _cli_row(cli, f"dm-df-{unique}")
    assert mine[:3] == theirs[:3] and mine[4:] == theirs[4:]  # CREATED moves between the two calls
    assert _cli_row(ours, volume) == _cli_row(cli, volume) == [volume, "1", "0B"]
    row, cli_row = _cli_row(ours, container), _cli_row(cli, container)
    assert row[:5] == cli_row[:5] and row[-1] == cli_row[-1] == container and '"sleep 30"' in row
    html = bundle(usage)["text/html"]
    assert "Images space usage:" in html and f"dm-df-{unique}" in html and "CACHE ID" in html
    with pytest.raises(InvalidInput, match="--format with -v"):
        ip.run_line_magic("docker", "system df -v --format '{{.Type}}'")
