""".dockerignore against the docker CLI: for each pattern set, the files that reach the image
through `%docker_build` are the files that reach it through `docker build` -- the classic
builder (the `docker` first on PATH) and BuildKit (Debian's 20.10 CLI at /usr/bin/docker with
DOCKER_BUILDKIT=1) when the magics can build with it."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

pytestmark = pytest.mark.engine

FILES = [
    "a.txt", "b.txt", "ab.txt", "c.log", ".hidden", "#hash.txt", "sp ace.txt", "we[ird].txt", "star*.txt",
    "x/a.txt", "x/b.log", "x/y/a.txt", "x/y/z.log", "dir/keep.txt", "dir/drop.txt", "dir/sub/deep.txt",
    "dir/sub/keep.txt", "logs/1.log", "logs/2.log", "logs/old/3.log", "a/b/c/d.txt",
]

CASES = {
    "double-star": "**/a.txt\n**/*.log\n",
    "double-star-middle": "x/**/z.log\na/**/d.txt\n",
    "re-include-child-of-excluded-folder": "dir\n!dir/keep.txt\n",
    "re-include-deep-child": "dir/\n!dir/sub/keep.txt\n",
    "re-include-then-exclude-again": "*.txt\n!a*.txt\nab.txt\n",
    "re-include-by-double-star": "**\n!**/keep.txt\n!Dockerfile\n",  # the CLI enters no excluded folder for it
    "re-include-by-path-after-double-star": "**\n!dir/sub/keep.txt\n!Dockerfile\n",
    "re-include-of-nothing": "dir\n!dir/none.txt\n",
    "leading-slash-and-dot": "/a.txt\n./b.txt\n/x/y\n./logs/old\n",
    "trailing-slash": "x/\nlogs/\n",
    "question-mark": "?.txt\na?.txt\nlogs/?.log\n",
    "character-classes": "[ab].txt\n[^a]?.txt\nlogs/[0-1].log\nx/[a-c].*\n",
    "escapes": "we\\[ird\\].txt\nstar\\*.txt\n",
    "comments-and-spaces": "# a.txt\n#hash.txt\n  b.txt  \n\n   \nsp ace.txt\n",
    "a-comment-only-at-the-line-start": " #hash.txt\n\t# a.txt\n",
    "excluded-build-files": "Dockerfile\n.dockerignore\n*.log\n",
    "crlf": "a.txt\r\nx/y\r\n!x/y/a.txt\r\n# c.log\r\nlogs\r\n",
    "parent-and-dots": "x/../a.txt\nx/./b.log\ndir//drop.txt\n",
    "star-folders": "*/a.txt\n*/*/a.txt\n*/sub\n",
}

DOCKERFILE = "FROM busybox\nCOPY . /ctx/\n"


def _context(folder, ignore: str):
    folder.mkdir()
    for name in FILES:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(name)
    (folder / "Dockerfile").write_text(DOCKERFILE)
    (folder / ".dockerignore").write_bytes(ignore.encode())
    return folder


def _listing(engine, image: str) -> set[str]:
    out = engine.api.create_container(image, ["find", "/ctx"])
    try:
        engine.api.start(out)
        engine.api.wait(out, timeout=60)
        text = engine.api.logs(out, stdout=True, stderr=False).decode()
    finally:
        engine.api.remove_container(out, force=True)
    return {line.removeprefix("/ctx").lstrip("/") for line in text.splitlines() if line.strip()} - {""}


def _cli_build(cli: list[str], env: dict, tag: str, folder) -> None:
    proc = subprocess.run([*cli, "build", "-q", "-t", tag, str(folder)], capture_output=True, text=True,
                          timeout=120, env=dict(os.environ, **env))
    assert proc.returncode == 0, proc.stderr


BUILDERS = {
    "classic": (["docker"], {"DOCKER_BUILDKIT": "0"}),
    "buildkit": (["/usr/bin/docker"], {"DOCKER_BUILDKIT": "1"}),
}


@pytest.fixture
def builder(request, ip):
    """The magics' builder for this case (`%config DockerMagics.builder`), the default restored after."""
    from dockermagic.magics.base import DockerMagics

    ip.run_line_magic("config", f"DockerMagics.builder = {request.param!r}")
    yield request.param
    ip.run_line_magic("config", f"DockerMagics.builder = {DockerMagics.builder.default_value!r}")


@pytest.mark.parametrize("builder", list(BUILDERS), indirect=True)
@pytest.mark.parametrize("case", list(CASES))
def test_the_same_files_reach_the_image_as_with_docker_build(ip, engine, made, tmp_path, unique, builder, case):
    cli, env = BUILDERS[builder]
    if not shutil.which(cli[0]):  # Debian's docker.io brings /usr/bin/docker: in CI a missing one is a failure
        assert not os.environ.get("CI"), f"{cli[0]} is not installed"
        pytest.skip(f"{cli[0]} is not installed")
    folder = _context(tmp_path / "ctx", CASES[case])
    theirs, ours = made.image(f"dm-test/ign-cli-{unique}"), made.image(f"dm-test/ign-dm-{unique}")
    _cli_build(cli, env, theirs, folder)
    ip.run_line_magic("docker_build", f"-q -t {ours} {folder}")
    expected = _listing(engine, theirs)
    assert _listing(engine, ours) == expected
    everything = {"Dockerfile", ".dockerignore"} | {"/".join(n.split("/")[:i]) for n in FILES for i in range(1, n.count("/") + 2)}
    assert expected != everything  # the patterns did leave something out
