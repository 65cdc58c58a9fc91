"""Every magic that takes an image name checks it before it connects: a malformed name is its own
one-line error, not "engine unreachable", also where no engine answers (`%docker_layers` has its
own in tests/images)."""

import re

import pytest

from dockermagic.errors import InvalidInput

NO_ENGINE = "unix:///nonexistent/docker.sock"  # nothing answers here


@pytest.mark.parametrize("magic, line, said", [
    ("docker_push", "UPPER/Case", "image to push 'UPPER/Case': invalid reference format: repository name must be lowercase"),
    ("docker_push", "-a app:1", "--all-tags pushes every tag"),
    ("docker_pull", "'bad name'", "image to pull 'bad name': invalid reference format: a name has no spaces"),
    ("docker_pull", "-a app:1", "--all-tags pulls every tag"),
    ("docker_tag", "busybox 'x::y'", "target name 'x::y': invalid reference format"),
    ("docker_tag", "'x::y' busybox", "source image 'x::y': invalid reference format"),
    ("docker_tag", "busybox app@sha256:" + "0" * 64, "a tag cannot hold a digest"),
    ("docker_rmi", "busybox:latest UPPER", "image 'UPPER': invalid reference format: repository name must be lowercase"),
    ("docker_history", "busybox UPPER", "image 'UPPER': invalid reference format: repository name must be lowercase"),
    ("docker_save", "-o out.tar busybox 'bad name'", "image 'bad name': invalid reference format"),
    ("docker_commit", "box UPPER/Case:1", "repository 'UPPER/Case:1': invalid reference format"),
])
@pytest.mark.parametrize("nowhere", ["-H", "DOCKER_HOST"])
def test_a_bad_name_is_refused_before_the_engine_is_asked(ip, monkeypatch, magic, line, said, nowhere):
    if nowhere == "-H":
        line = f"-H {NO_ENGINE} {line}"
    else:
        monkeypatch.setenv("DOCKER_HOST", NO_ENGINE)
    with pytest.raises(InvalidInput, match=re.escape(said)):
        ip.run_line_magic(magic, line)
