"""Files in and out of the real engine: `cp` both ways (modes, owners and symlinks as the CLI
keeps them, `SRC/.`), `commit`, `save` then `load`, `export` then `import`, the shell's `>` /
`<` as tutorials type them, and a tar to stdout refused."""

from __future__ import annotations

import os
import tarfile

import pytest

from dockermagic.errors import InvalidInput
from dockermagic.files.copy import split_target
from dockermagic.files.transfer import FileTransfer
from dockermagic.views.formatters import bundle

pytestmark = pytest.mark.engine


@pytest.fixture
def box(ip, made, unique):
    name = made.container(f"dm-tf-{unique}")
    ip.run_line_magic("config", "DockerMagics.display = 'text'")
    ip.run_line_magic("docker", f"run -d --name {name} busybox sleep 600")
    return name


@pytest.fixture
def tree(tmp_path):
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "run.sh").write_text("#!/bin/sh\necho hi\n")
    os.chmod(src / "run.sh", 0o750)
    (src / "sub" / "data").write_bytes(os.urandom(300_000))
    os.symlink("run.sh", src / "link")
    os.chown(src / "run.sh", 1234, 5678)
    return src


def _ls(ip, box, path) -> dict:
    out = ip.run_line_magic("docker", f"exec {box} ls -ln {path}").stdout
    return {line.split()[-1] if "->" not in line else line.split()[-3]: line.split() for line in out.splitlines()[1:]}


def test_cp_into_a_container_keeps_modes_and_symlinks_and_gives_root_the_files(ip, box, tree):
    moved = ip.run_line_magic("docker", f"cp {tree} {box}:/dst")
    assert isinstance(moved, FileTransfer) and moved.bytes > 300_000
    listed = _ls(ip, box, "/dst")
    assert listed["run.sh"][0] == "-rwxr-x---" and listed["run.sh"][2:4] == ["0", "0"]
    assert listed["link"][0].startswith("l") and listed["link"][-1] == "run.sh"
    ip.run_line_magic("docker", f"cp -a {tree}/. {box}:/dst")  # contents into the existing folder, owners kept
    assert _ls(ip, box, "/dst")["run.sh"][2:4] == ["1234", "5678"]
    ip.run_line_magic("docker", f"cp {tree} {box}:/dst")  # an existing folder: it goes inside
    assert "run.sh" in _ls(ip, box, "/dst/src")


def test_cp_out_of_a_container_both_file_and_folder(ip, box, tree, tmp_path):
    ip.run_line_magic("docker", f"cp -a {tree} {box}:/dst")
    back = tmp_path / "back"
    ip.run_line_magic("docker", f"cp {box}:/dst {back}")
    assert (back / "sub" / "data").read_bytes() == (tree / "sub" / "data").read_bytes()
    assert oct(os.stat(back / "run.sh").st_mode & 0o777) == "0o750" and os.readlink(back / "link") == "run.sh"
    assert os.stat(back / "run.sh").st_uid == os.getuid()  # the copier's, as the CLI without -a
    ip.run_line_magic("docker", f"cp -a {box}:/dst/run.sh {tmp_path}")
    assert os.stat(tmp_path / "run.sh").st_uid == 1234
    ip.run_line_magic("docker", f"cp {box}:/etc/hostname {tmp_path / 'h'}")
    assert (tmp_path / "h").read_text().strip() == ip.run_line_magic("docker", f"exec {box} hostname").stdout.strip()
    views = bundle(ip.run_line_magic("docker", f"cp {box}:/dst/sub {tmp_path / 'sub2'}"))
    assert "cp" in views["text/plain"] and "background:#2472c8" in views["text/html"]


def test_commit_save_load_export_import(ip, engine, made, box, tmp_path, unique):
    ip.run_line_magic("docker", f"exec {box} sh -c 'echo committed > /marker'")
    image = made.image(f"dm-tf/snap-{unique}:1")
    said = ip.run_line_magic("docker", f"commit -c 'ENV WHO=dm' -m snapshot -a tester {box} {image}")
    info = engine.api.inspect_image(image)
    assert said.text.strip() == info["Id"] and "WHO=dm" in info["Config"]["Env"]
    assert info["Comment"] == "snapshot" and info["Author"] == "tester"

    saved = tmp_path / "snap.tar"
    moved = ip.run_line_magic("docker", f"save {image} > {saved}")  # as typed in a shell
    assert moved.bytes == saved.stat().st_size > 1_000_000
    assert "manifest.json" in tarfile.open(saved).getnames()
    engine.api.remove_image(image)
    loaded = ip.run_line_magic("docker", f"load -i {saved}")
    assert f"Loaded image: {image}" in loaded.lines and loaded.total == saved.stat().st_size
    assert ip.run_line_magic("docker", f"run --rm {image} cat /marker").stdout == "committed\n"

    exported = tmp_path / "fs.tar"
    ip.run_line_magic("docker", f"export {box} -o {exported}")
    assert "marker" in tarfile.open(exported).getnames()
    flat = made.image(f"dm-tf/flat-{unique}:1")
    imported = ip.run_line_magic("docker", f"import -c 'CMD [\"cat\", \"/marker\"]' -m flat {exported} {flat}")
    assert imported.lines[-1] == engine.api.inspect_image(flat)["Id"]
    assert ip.run_line_magic("docker", f"run --rm {flat}").stdout == "committed\n"


@pytest.mark.parametrize("line", ["save busybox", "export web", "load", "cp web:/etc -", "import - web"])
def test_a_tar_on_stdout_or_stdin_is_refused_in_one_line(shell, line):
    with pytest.raises(InvalidInput, match="a notebook cell has no") as err:
        shell.run_line_magic("docker", line)
    assert "\n" not in str(err.value)


def test_targets_split_as_the_cli_splits_them():
    assert split_target("web:/etc/hosts") == ("web", "/etc/hosts")
    assert split_target("./a:b") == (None, "./a:b")
    assert split_target("/tmp/x") == (None, "/tmp/x")
    assert split_target("dir/a:b") == (None, "dir/a:b")


def test_platform_on_an_engine_older_than_api_1_48_is_refused_saying_why(ip, engine, tmp_path):
    if tuple(int(p) for p in engine.api.api_version.split(".")) >= (1, 48):
        pytest.skip("this engine takes --platform on save")
    with pytest.raises(InvalidInput, match=r"--platform needs an engine speaking API 1.48") as err:
        ip.run_line_magic("docker", f"image save --platform=linux/amd64 -o {tmp_path / 'x.tar'} busybox")
    assert "\n" not in str(err.value) and not (tmp_path / "x.tar").exists()
