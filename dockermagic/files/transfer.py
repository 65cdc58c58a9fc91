"""Files in and out of the engine: `save`, `load`, `import`, `export` and `commit` here,
`docker cp` in container_files.py.  Everything is streamed a chunk at a time (never a whole
image or archive in memory): each yields `Moved` events (bytes so far) and the engine's own
lines as `Said`, and fills a `FileTransfer`.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from dataclasses import dataclass, field

from ..containers.inspect import inspect_container
from ..engine import adapter
from ..errors import ContainerError, InvalidInput

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
        from ..text import units

        said = "; ".join(self.lines)
        return f"<FileTransfer {self.verb} {self.source} -> {self.target}: {units.size(self.bytes)}" + (f"; {said}>" if said else ">")


def _to_file(chunks, path, result: FileTransfer):
    """Chunks into `path` (written beside it, renamed at the end: no half file left), or into
    an open binary file (a pipe, a shell's `> FILE`) as they come."""
    if not isinstance(path, str):
        for chunk in chunks:
            path.write(chunk)
            result.bytes += len(chunk)
            yield Moved(result.bytes, result.total)
        path.flush()
        result.ended = time.monotonic()
        return
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


def _file_chunks(path):
    """A file's chunks; `path` a name or an open binary file (a pipe, a shell's `< FILE`)."""
    if not isinstance(path, str):
        yield from iter(lambda: path.read(CHUNK), b"")
        return
    with open(path, "rb") as handle:
        while True:
            chunk = handle.read(CHUNK)
            if not chunk:
                return
            yield chunk


def upload(request, body, result: FileTransfer):
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
def platform_param(engine, platform: str | None, verb: str) -> dict:
    """`--platform os/arch[/variant]` as the engine's `platform` query (an OCI platform in JSON),
    which engines speaking API 1.48 (Docker 28) or newer take; an older one refuses it here."""
    if not platform:
        return {}
    import json

    version = tuple(int(p) for p in adapter.api_version(engine.api).split("."))
    if version < (1, 48):
        raise InvalidInput(f"docker {verb} --platform needs an engine speaking API 1.48 (Docker 28) or newer; "
                           f"this one speaks {'.'.join(map(str, version))}, and saves and loads every platform it has")
    parts = platform.split("/")
    if len(parts) not in (2, 3) or not all(parts):
        raise InvalidInput(f"--platform {platform!r}: os/arch[/variant], e.g. linux/amd64")
    spec = {"os": parts[0], "architecture": parts[1], **({"variant": parts[2]} if len(parts) == 3 else {})}
    return {"platform": json.dumps(spec)}


def save(engine, images: list[str], path: str, result: FileTransfer, platform: str | None = None):
    """`docker save -o PATH IMAGE...`: the engine's tar of the images, into PATH (a file's name,
    or an open binary file: a line's `> FILE` or pipe)."""
    import docker

    extra = platform_param(engine, platform, "save")

    for image in images:
        try:
            engine.api.inspect_image(image)
        except docker.errors.NotFound:
            raise ContainerError(f"no such image: {image!r}") from None
    with adapter.response(engine.api, "GET", "/images/get", params={"names": images, **extra}) as resp:
        yield from _to_file(resp.iter_content(CHUNK), path, result)


def export(engine, container: str, path: str, result: FileTransfer):
    """`docker export -o PATH CONTAINER`: its filesystem as a tar, into PATH."""
    info = inspect_container(engine, container)
    with adapter.response(engine.api, "GET", "/containers/{0}/export", info["Id"]) as resp:
        yield from _to_file(resp.iter_content(CHUNK), path, result)


def load(engine, path: str, result: FileTransfer, quiet: bool = False, platform: str | None = None):
    """`docker load -i PATH`: the tar streamed to the engine (PATH a file's name, or an open binary
    file: a line's `< FILE` or pipe); its `Loaded image: ...` lines."""
    params = {"quiet": int(quiet), **platform_param(engine, platform, "load")}
    result.total = os.path.getsize(path) if isinstance(path, str) else None
    request = lambda body: adapter.records(engine.api, "POST", "/images/load", params=params,  # noqa: E731
                                           data=body, headers={"Content-Type": "application/x-tar"})
    yield from upload(request, _file_chunks(path), result)


def import_(engine, source: str, repository: str | None, result: FileTransfer, changes=(), message=None,
            platform=None):
    """`docker import FILE|URL [REPOSITORY[:TAG]]`: a filesystem tar (a URL the engine fetches
    itself) made into an image; the engine says its id."""
    from ..opts import reference

    params = {"repo": None, "tag": None, "message": message, "changes": list(changes) or None, "platform": platform}
    if repository:
        ref = reference.parse(repository, "repository")
        params["repo"], params["tag"] = ref.repository, ref.tag
    params = {k: v for k, v in params.items() if v}
    if isinstance(source, str) and source.startswith(("http://", "https://")):
        params["fromSrc"] = source
        request = lambda body: adapter.records(engine.api, "POST", "/images/create", params=params)  # noqa: E731
        yield from upload(request, iter(()), result)
        return
    if isinstance(source, str) and not os.path.isfile(source):
        raise InvalidInput(f"docker import {source!r}: no such file (a tar archive, or an http(s) URL)")
    result.total = os.path.getsize(source) if isinstance(source, str) else None
    params["fromSrc"] = "-"
    request = lambda body: adapter.records(engine.api, "POST", "/images/create", params=params, data=body,  # noqa: E731
                                           headers={"Content-Type": "application/tar"})
    yield from upload(request, _file_chunks(source), result)


def commit(engine, container: str, repository: str | None, author=None, message=None, changes=(), pause=True) -> str:
    """`docker commit`: the container's changes as a new image; its id."""
    import docker

    from ..opts import reference

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
