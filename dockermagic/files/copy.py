"""`docker cp` both ways, by the CLI's rules (cli/command/container/cp.go, moby's pkg/archive
CopyTo): a directory copied to a missing path becomes that path, to an existing directory goes
inside it, and `SRC/.` copies the contents; modes and symlinks are kept; owners are the
copier's (out of a container) or root (into one), unless `-a` keeps the source's.  The tar goes
through a chunk at a time either way.
"""

from __future__ import annotations

import os
import posixpath
import tarfile
import threading
import time

from ..containers.inspect import inspect_container
from ..engine import adapter
from ..errors import ContainerError, InvalidInput
from .transfer import CHUNK, FileTransfer, Moved, upload


def _counted(chunks, result: FileTransfer):
    for chunk in chunks:
        result.bytes += len(chunk)
        yield chunk


def split_target(spec: str) -> tuple[str | None, str]:
    """`CONTAINER:PATH` -> (container, path); a local path -> (None, path).  As the CLI: a
    colon after a slash, or a leading `.`/`/`, is part of a local path."""
    if spec.startswith(("/", ".")) or ":" not in spec:
        return None, spec
    head, _, path = spec.partition(":")
    if "/" in head:
        return None, spec
    return head, path


def copy_out(engine, container: str, source: str, dest: str, result: FileTransfer, archive=False, follow=False):
    """`docker cp CONTAINER:SRC DEST`."""
    import docker

    info = inspect_container(engine, container)
    stat = adapter.path_stat(engine.api, info["Id"], source)
    if stat is None:
        raise ContainerError(f"no such file or directory in {container}: {source}")
    if follow and stat.get("linkTarget"):
        source = stat["linkTarget"]
    contents_only = source.endswith("/.")
    is_dir = bool(stat.get("mode", 0) & (1 << 31))  # Go's os.ModeDir
    if os.path.isdir(dest):
        root = dest if contents_only else os.path.join(dest, posixpath.basename(source.rstrip("/.") or "/"))
    elif dest.endswith("/") and not is_dir:
        raise InvalidInput(f"destination directory {dest!r} does not exist")
    elif not os.path.isdir(os.path.dirname(os.path.abspath(dest))):
        raise InvalidInput(f"no such directory: {os.path.dirname(os.path.abspath(dest))!r}")
    else:
        root = dest
    try:
        chunks, _ = engine.api.get_archive(info["Id"], source, chunk_size=CHUNK)
    except docker.errors.APIError as exc:
        raise ContainerError(str(adapter.error(exc, f"docker cp {container}:{source}"))) from exc
    reader = _Reader(_counted(chunks, result))
    with tarfile.open(fileobj=reader, mode="r|") as tar:
        first = None
        for member in tar:
            top, _, rest = member.name.partition("/")
            first = first or top
            if top != first or ".." in member.name.split("/") or member.name.startswith("/"):
                raise ContainerError(f"docker cp: the engine's archive holds {member.name!r}, outside {source}")
            target = os.path.join(root, *rest.split("/")) if rest else root
            if contents_only and not rest:
                os.makedirs(root, exist_ok=True)
                continue
            _extract(tar, member, target, root, archive)
            yield Moved(result.bytes)
    result.ended = time.monotonic()


def _extract(tar, member, target: str, root: str, archive: bool) -> None:
    parent = os.path.dirname(target)
    real_root = os.path.realpath(os.path.dirname(root) if target == root else root)
    if not os.path.realpath(parent).startswith(real_root):
        raise ContainerError(f"docker cp: {member.name!r} would land outside {root} (through a symlink)")
    if not archive:
        member.uid, member.gid, member.uname, member.gname = os.getuid(), os.getgid(), "", ""
    if os.path.islink(target) or (os.path.isfile(target) and not member.isdir()):
        os.unlink(target)  # replaced, as the CLI replaces it
    directory, name = os.path.split(target)
    member.name = name
    tar.extract(member, directory, set_attrs=True, numeric_owner=True, filter="fully_trusted")


class _Reader:
    """Chunks as the file object tarfile's stream mode reads."""

    def __init__(self, chunks):
        self._chunks, self._buf = iter(chunks), b""

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buf) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buf += chunk
        out, self._buf = (self._buf, b"") if size < 0 else (self._buf[:size], self._buf[size:])
        return out


def copy_in(engine, source: str, container: str, dest: str, result: FileTransfer, archive=False, follow=False):
    """`docker cp SRC CONTAINER:DEST`: a tar made while it is sent (through a pipe, a chunk at
    a time), put where the CLI would put it."""
    if not os.path.lexists(source.rstrip("/.") if source.endswith("/.") else source):
        raise InvalidInput(f"no such file or directory: {source!r}")
    info = inspect_container(engine, container)
    contents_only = source.endswith("/.")
    src = os.path.realpath(source) if follow else source.rstrip("/") if not contents_only else source[:-2] or "."
    dest = dest if dest.startswith("/") else posixpath.join(info["Config"].get("WorkingDir") or "/", dest)
    stat = adapter.path_stat(engine.api, info["Id"], dest)
    if stat is not None and stat.get("mode", 0) & (1 << 31):
        into, name = dest, None if contents_only else os.path.basename(os.path.abspath(src))
    else:
        if dest.endswith("/"):
            raise InvalidInput(f"destination directory {container}:{dest} does not exist")
        into, name = posixpath.dirname(dest.rstrip("/")) or "/", posixpath.basename(dest.rstrip("/"))
        if contents_only:
            raise InvalidInput(f"{container}:{dest} does not exist: copy the directory itself, not SRC/.")
    uid_gid = None if archive else (0, 0)

    def request(data):
        engine.api.put_archive(info["Id"], into, data)
        return ()

    yield from upload(request, _tar_chunks(src, name, uid_gid), result)


def _tar_chunks(src: str, name: str | None, uid_gid):
    """A tar of `src` (named `name`, or its contents at the top when None), read from a pipe
    that a thread writes: bounded however big the files are."""
    read_fd, write_fd = os.pipe()

    def owner(info):
        if uid_gid is not None:
            info.uid, info.gid = uid_gid
            info.uname = info.gname = "root"
        return info

    def write():
        with os.fdopen(write_fd, "wb") as pipe:
            try:
                with tarfile.open(fileobj=pipe, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                    if name is not None:
                        tar.add(src, arcname=name, filter=owner)
                    else:
                        for entry in sorted(os.listdir(src)):
                            tar.add(os.path.join(src, entry), arcname=entry, filter=owner)
            except BrokenPipeError:
                pass

    thread = threading.Thread(target=write, name="dockermagic-tar", daemon=True)
    thread.start()
    with os.fdopen(read_fd, "rb") as pipe:
        while True:
            chunk = pipe.read(CHUNK)
            if not chunk:
                break
            yield chunk
    thread.join()
