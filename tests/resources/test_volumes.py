"""Volumes against the real engine: %docker_volume, named volumes and bind mounts in -v and
--mount, and the volumes notebook executed in a real kernel."""

import pytest

from dockermagic.containers.inspect import Inspection
from dockermagic.containers.run import RunFailed
from dockermagic.errors import InvalidInput
from dockermagic.resources.volumes import VolumeError, VolumeList, parse_volume
from dockermagic.views import formatters
from support.notebooks import cell_text, execute, find, load, with_parameters

pytestmark = pytest.mark.engine


def test_volume_create_ls_inspect_rm(ip, engine, made, unique, capsys):
    name = made.volume(f"dm-vol-{unique}")
    ip.run_line_magic("docker_volume", f"create -l dm.test={unique} {name}")
    assert capsys.readouterr().out.strip() == name
    listed = ip.run_line_magic("docker_volume", f"ls -f name={name}")
    assert isinstance(listed, VolumeList) and listed.names == [name]
    assert formatters.bundle(listed)["text/plain"].split()[:3] == ["DRIVER", "VOLUME", "NAME"] and name in formatters.bundle(listed)["text/plain"]
    assert name in formatters.bundle(listed)["text/html"]
    inspected = ip.run_line_magic("docker_volume", f"inspect {name}")
    assert isinstance(inspected, Inspection) and inspected[0]["Labels"] == {"dm.test": unique}
    assert inspected[0]["Mountpoint"].endswith(f"/{name}/_data")
    assert ip.run_line_magic("docker", f"volume ls -q -f name={name}") is None
    assert capsys.readouterr().out.split() == [name]
    ip.run_line_magic("docker_volume", f"rm {name}")
    assert capsys.readouterr().out.strip() == name
    with pytest.raises(VolumeError, match="no such volume"):
        ip.run_line_magic("docker_volume", f"inspect {name}")
    with pytest.raises(InvalidInput):
        ip.run_line_magic("docker_volume", "prune")
    with pytest.raises(InvalidInput):
        ip.run_line_magic("docker_volume", "create 'bad name'")
    with pytest.raises(InvalidInput, match="-f 'foo': expected KEY=VALUE"):
        ip.run_line_magic("docker_volume", "ls -f foo")
    with pytest.raises(InvalidInput, match="empty name"):
        ip.run_line_magic("docker_volume", f"create -l =x {name}")


def test_named_volume_keeps_a_file_across_containers(ip, engine, made, unique):
    vol = made.volume(f"dm-vol-{unique}")
    ip.run_line_magic("docker_volume", f"create {vol}")
    first, second = made.container(f"dm-vol-a-{unique}"), made.container(f"dm-vol-b-{unique}")
    ip.run_line_magic("docker_run", f"--name {first} -v {vol}:/data busybox sh -c 'echo kept-{unique} > /data/note'")
    ip.run_line_magic("docker_rm", first)
    result = ip.run_line_magic("docker_run", f"--name {second} --rm -v {vol}:/data:ro busybox cat /data/note")
    assert result.stdout == f"kept-{unique}\n"
    with pytest.raises(RunFailed):  # :ro is read-only
        ip.run_line_magic("docker_run", f"--rm -v {vol}:/data:ro busybox touch /data/other")
    mounted = ip.run_line_magic("docker_run", f"--rm --mount type=volume,source={vol},target=/v,readonly busybox cat /v/note")
    assert mounted.stdout == f"kept-{unique}\n"
    with pytest.raises(VolumeError, match="in use"):
        holder = made.container(f"dm-vol-c-{unique}")
        ip.run_line_magic("docker_run", f"--name {holder} -v {vol}:/data busybox true")
        ip.run_line_magic("docker_volume", f"rm {vol}")


def test_volume_created_on_first_use_and_anonymous(ip, engine, made, unique):
    vol = made.volume(f"dm-vol-{unique}")
    name = made.container(f"dm-vol-a-{unique}")
    ip.run_line_magic("docker_run", f"--name {name} -v {vol}:/data -v /scratch busybox sh -c 'touch /data/x /scratch/y'")
    mounts = {m["Destination"]: m for m in engine.api.inspect_container(name)["Mounts"]}
    assert mounts["/data"]["Name"] == vol and mounts["/scratch"]["Type"] == "volume"
    made.volume(mounts["/scratch"]["Name"])
    assert engine.api.inspect_volume(vol)["Name"] == vol


def test_bind_mounts(ip, tmp_path, monkeypatch):
    host = tmp_path / "shared"
    host.mkdir()
    (host / "in.txt").write_text("from the host\n")
    result = ip.run_line_magic("docker_run", f"--rm -v {host}:/work busybox sh -c 'cat /work/in.txt; echo back > /work/out.txt'")
    assert result.stdout == "from the host\n" and (host / "out.txt").read_text() == "back\n"
    monkeypatch.chdir(tmp_path)
    relative = ip.run_line_magic("docker_run", "--rm -v ./shared:/w:ro busybox cat /w/out.txt")  # ./ made absolute
    assert relative.stdout == "back\n"
    with pytest.raises(RunFailed):
        ip.run_line_magic("docker_run", f"--rm -v {host}:/w:ro busybox touch /w/nope")
    bound = ip.run_line_magic("docker_run", f"--rm --mount type=bind,source={host},target=/b busybox cat /b/in.txt")
    assert bound.stdout == "from the host\n"


def test_volume_spec_parsing():
    assert parse_volume("data:/data").kind == "volume"
    assert parse_volume("/h:/c:ro").bind() == "/h:/c:ro"
    assert parse_volume("/anon").kind == "anonymous" and parse_volume("/anon").bind() is None
    for bad in ("", "data", "data:", ":/x", "a:b:c:d", "data:/x:sideways", "d!:/x", "/x:rel"):
        with pytest.raises(InvalidInput):
            parse_volume(bad)


def test_volumes_notebook(engine, made, unique, tmp_path):
    app, volume = f"dm-msgapp-{unique}", f"dm-msgdata-{unique}"
    made.container(app)
    made.volume(volume)
    made.image(f"{app}:1")
    made.image(f"{app}:2")
    nb = execute(with_parameters(load("02-volumes.ipynb"), app=app, volume=volume), tmp_path, timeout=120,
                 allow_errors=True)
    errors = [(c.source.splitlines()[0], o.ename, o.evalue) for c in nb.cells if c.cell_type == "code"
              for o in c.outputs if o.output_type == "error"]
    assert not errors, errors

    first = cell_text(find(nb, 'messages(app1, "hello from version 1")'))
    assert "hello from version 1\nthis message lives in a volume" in first
    after = cell_text(find(nb, 'messages(app2, "hello from version 2")'))
    assert "msgapp 2: 3 messages" in after
    assert "1. hello from version 1\n2. this message lives in a volume\n3. hello from version 2" in after
    assert "files in /data: 0" in cell_text(find(nb, "files in /data"))
    peek = cell_text(find(nb, "%%docker_run --rm -v {volume}:/data:ro"))
    assert "messages: 3" in peek and "last: hello from version 2" in peek and "mounted read-only" in peek
    assert "0B (virtual" in cell_text(find(nb, "%docker_ps -s"))
    card = cell_text(find(nb, "app2 = %docker_run -d"))
    assert app in card and "msgapp" in card
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert "<script" not in cell_text(cell)
    # the notebook cleans up after itself
    import docker

    for check, name in ((engine.api.inspect_container, app), (engine.api.inspect_volume, volume),
                        (engine.api.inspect_image, f"{app}:1"), (engine.api.inspect_image, f"{app}:2")):
        with pytest.raises(docker.errors.NotFound):
            check(name)
