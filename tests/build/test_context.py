"""The build context as sent: the streamed tar holds what `docker build` would send."""

import hashlib
import io
import os
import tarfile

from dockermagic.build.context import context_files, context_stream
from dockermagic.build.request import BuildRequest


def members(ctx, chunk=1 << 20):
    data = b"".join(context_stream(*context_files(str(ctx), str(ctx / "Dockerfile")), chunk=chunk))
    tar = tarfile.open(fileobj=io.BytesIO(data))
    return tar, {m.name: m for m in tar.getmembers()}


def test_files_folders_links_modes_long_names_and_big_files(tmp_path):
    ctx = tmp_path / "ctx"
    (ctx / "sub").mkdir(parents=True)
    (ctx / "Dockerfile").write_text("FROM busybox\n")
    (ctx / "run.sh").write_text("echo hi\n")
    os.chmod(ctx / "run.sh", 0o755)
    os.symlink("run.sh", ctx / "link")
    os.link(ctx / "run.sh", ctx / "hard")
    long_dir = ctx / ("d" * 70) / ("e" * 70)
    long_dir.mkdir(parents=True)
    (long_dir / "deep.txt").write_text("deep")
    big = os.urandom(3_000_000)
    (ctx / "sub" / "big.bin").write_bytes(big)
    tar, m = members(ctx, chunk=1 << 16)
    assert m["run.sh"].mode == 0o755 and tar.extractfile("run.sh").read() == b"echo hi\n"
    assert tar.extractfile("hard").read() == b"echo hi\n"
    assert m["link"].issym() and m["link"].linkname == "run.sh"
    assert m["run.sh"].islnk() and m["run.sh"].linkname == "hard"  # the second name of one file
    assert m["sub"].isdir()
    deep = f"{'d' * 70}/{'e' * 70}/deep.txt"
    assert tar.extractfile(deep).read() == b"deep"
    assert hashlib.sha256(tar.extractfile("sub/big.bin").read()).digest() == hashlib.sha256(big).digest()


def test_dockerignore_and_outside_dockerfile(tmp_path):
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "keep.txt").write_text("k")
    (ctx / "secret.env").write_text("s")
    (ctx / ".dockerignore").write_text("# comment\n*.env\n")
    outside = tmp_path / "elsewhere.Dockerfile"
    outside.write_text("FROM busybox\n")
    request = BuildRequest.make(str(ctx), file=str(outside))
    context, paths, name, text = context_files(request.context, request.dockerfile)
    data = b"".join(context_stream(context, paths, name, text))
    names = tarfile.open(fileobj=io.BytesIO(data)).getnames()
    assert "keep.txt" in names and "secret.env" not in names
    assert name in names and name.startswith(".dockerfile.")
