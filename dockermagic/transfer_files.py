"""Files in and out of the engine: `docker cp` both ways, `save`, `load`, `import`, `export`,
and `commit`.  Everything is streamed a chunk at a time (never a whole image or archive in
memory): each yields `Moved` events (bytes so far) and the engine's own lines as `Said`, and
fills a `FileTransfer`.

`cp` follows the CLI's rules (cli/command/container/cp.go, moby's pkg/archive CopyTo): a
directory copied to a missing path becomes that path, to an existing directory goes inside
it, and `SRC/.` copies the contents; modes and symlinks are kept; owners are the copier's
(out of a container) or root (into one), unless `-a` keeps the source's.
"""

from __future__ import annotations

import os
import posixpath
import queue
import tarfile
import threading
import time
from dataclasses import dataclass, field

from . import adapter
from .containers import ContainerError, inspect_container
from .errors import InvalidInput

CHUNK = 1 << 16


@dataclass
class Moved:
    bytes: int
    total: int | None = None


@dataclass
class Said:
    line: str


@dataclass(repr=False)
class FileTransfer:
    """What a `cp`, `save`, `load`, `import` or `export` moved: `.bytes`, the engine's `.lines`
    (`Loaded image: ...`, an imported image's id), `.path` (the file on this side)."""

    verb: str
    source: str
    target: str
    bytes: int = 0
    total: int | None = None
    lines: list = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    ended: float | None = None
    label: str = ""

    @property
    def seconds(self) -> float:
        return (self.ended or time.monotonic()) - self.started

    def __repr__(self) -> str:
        from . import units

        said = "; ".join(self.lines)
        return f"<FileTransfer {self.verb} {self.source} -> {self.target}: {units.size(self.bytes)}" + (f"; {said}>" if said else ">")


def _counted(chunks, result: FileTransfer):
    for chunk in chunks:
        result.bytes += len(chunk)
        yield chunk


def _to_file(chunks, path: str, result: FileTransfer):
    """Chunks into `path` (written beside it, renamed at the end: no half file left)."""
    partial = f"{path}.partial-{os.getpid()}"
    try:
        with open(partial, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
                result.bytes += len(chunk)
                yield Moved(result.bytes, result.total)
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    result.ended = time.monotonic()


def _file_chunks(path: str):
    with open(path, "rb") as handle:
        while True:
            chunk = handle.read(CHUNK)
            if not chunk:
                return
            yield chunk


def _upload(request, body, result: FileTransfer):
    """`request(body)` in a thread (it returns the engine's records); the bytes it has read
    so far are yielded meanwhile, then what the engine said."""
    inbox: queue.Queue = queue.Queue(maxsize=64)

    def counted():
        for chunk in body:
            result.bytes += len(chunk)
            try:
                inbox.put_nowait(Moved(result.bytes, result.total))
            except queue.Full:  # a slow view skips a reading, the upload never waits for it
                pass
            yield chunk

    def send():
        try:
            for record in request(counted()) or ():
                inbox.put(record)
            inbox.put(None)
        except BaseException as exc:  # noqa: BLE001 -- handed to the consumer
            inbox.put(exc)

    threading.Thread(target=send, name="dockermagic-upload", daemon=True).start()
    while True:
        item = inbox.get()
        if item is None:
            break
        if isinstance(item, BaseException):
            raise item
        if isinstance(item, Moved):
            yield item
            continue
        if item.get("error") or item.get("errorDetail"):
            raise ContainerError((item.get("errorDetail") or {}).get("message") or item.get("error"))
        if "progressDetail" in item:  # the engine's per-layer progress: the bytes sent say as much
            continue
        for line in (item.get("stream") or item.get("status") or "").splitlines():
            if line.strip():
                result.lines.append(line.strip())
                yield Said(line.strip())
    result.ended = time.monotonic()


# -- save, load, import, export --------------------------------------------------------------
def save(engine, images: list[str], path: str, result: FileTransfer):
    """`docker save -o PATH IMAGE...`: the engine's tar of the images, into PATH."""
    import docker

    for image in images:
        try:
            engine.api.inspect_image(image)
        except docker.errors.NotFound:
            raise ContainerError(f"no such image: {image!r}") from None
    with adapter.response(engine.api, "GET", "/images/get", params={"names": images}) as resp:
        yield from _to_file(resp.iter_content(CHUNK), path, result)


def export(engine, container: str, path: str, result: FileTransfer):
    """`docker export -o PATH CONTAINER`: its filesystem as a tar, into PATH."""
    info = inspect_container(engine, container)
    with adapter.response(engine.api, "GET", "/containers/{0}/export", info["Id"]) as resp:
        yield from _to_file(resp.iter_content(CHUNK), path, result)


def load(engine, path: str, result: FileTransfer, quiet: bool = False):
    """`docker load -i PATH`: the tar streamed to the engine; its `Loaded image: ...` lines."""
    result.total = os.path.getsize(path)
    request = lambda body: adapter.records(engine.api, "POST", "/images/load", params={"quiet": int(quiet)},  # noqa: E731
                                           data=body, headers={"Content-Type": "application/x-tar"})
    yield from _upload(request, _file_chunks(path), result)


def import_(engine, source: str, repository: str | None, result: FileTransfer, changes=(), message=None,
            platform=None):
    """`docker import FILE|URL [REPOSITORY[:TAG]]`: a filesystem tar (a URL the engine fetches
    itself) made into an image; the engine says its id."""
    from . import reference

    params = {"repo": None, "tag": None, "message": message, "changes": list(changes) or None, "platform": platform}
    if repository:
        ref = reference.parse(repository, "repository")
        params["repo"], params["tag"] = ref.repository, ref.tag
    params = {k: v for k, v in params.items() if v}
    if source.startswith(("http://", "https://")):
        params["fromSrc"] = source
        request = lambda body: adapter.records(engine.api, "POST", "/images/create", params=params)  # noqa: E731
        yield from _upload(request, iter(()), result)
        return
    if not os.path.isfile(source):
        raise InvalidInput(f"docker import {source!r}: no such file (a tar archive, or an http(s) URL)")
    result.total = os.path.getsize(source)
    params["fromSrc"] = "-"
    request = lambda body: adapter.records(engine.api, "POST", "/images/create", params=params, data=body,  # noqa: E731
                                           headers={"Content-Type": "application/tar"})
    yield from _upload(request, _file_chunks(source), result)


def commit(engine, container: str, repository: str | None, author=None, message=None, changes=(), pause=True) -> str:
    """`docker commit`: the container's changes as a new image; its id."""
    import docker

    from . import reference

    repo = tag = None
    if repository:
        ref = reference.parse(repository, "repository")
        repo, tag = ref.repository, ref.tag
    info = inspect_container(engine, container)
    try:
        answer = engine.api.commit(info["Id"], repository=repo, tag=tag, message=message, author=author,
                                   pause=pause, changes=list(changes) or None)
    except docker.errors.APIError as exc:
        raise ContainerError(str(adapter.error(exc, f"docker commit {container}"))) from exc
    return answer["Id"]


# -- cp ---------------------------------------------------------------------------------------
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

    yield from _upload(request, _tar_chunks(src, name, uid_gid), result)


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
