"""Build-context files: writing them whole or not at all, and sending a context folder to the
engine as the tar stream `docker build` sends."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from ..errors import InvalidInput
from . import dockerignore


def parse_mode(mode: str | None) -> int | None:
    """`755` or `0o644` -> int; `None` keeps the default."""
    if mode is None:
        return None
    text = str(mode).strip().lower().removeprefix("0o")
    try:
        value = int(text, 8)
    except ValueError:
        raise InvalidInput(f"--mode {mode!r} is not an octal file mode; use e.g. --mode 755 or --mode 644") from None
    if not 0 <= value <= 0o7777:
        raise InvalidInput(f"--mode {mode!r} is out of range; use e.g. --mode 755 or --mode 644")
    return value


def write_file(path: str | os.PathLike, text: str, mode: int | None = None) -> Path:
    """Write `text` to `path` atomically (a temporary file renamed over it), creating folders.

    Either the whole new content is there afterwards or the old file is untouched.
    """
    target = Path(path).expanduser()
    if target.is_dir():
        raise InvalidInput(f"{target} is a folder; name a file to write")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise InvalidInput(f"cannot create folder {target.parent}: a file of that name is in the way") from None
    except PermissionError as exc:
        raise InvalidInput(f"cannot create folder {target.parent}: {exc.strerror}") from None
    data = text.encode("utf-8")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    except PermissionError as exc:
        raise InvalidInput(f"cannot write in {target.parent}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        if mode is None:
            mode = (target.stat().st_mode & 0o7777) if target.exists() else 0o666 & ~_umask()
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def context_files(context_dir: str, dockerfile: str):
    """The context's paths to send (after .dockerignore, as the docker CLI applies it), the
    Dockerfile's name in it, and the Dockerfile's text where it lives outside the context (None
    otherwise)."""
    from docker.api.build import process_dockerfile

    context = os.path.abspath(context_dir)
    ignore = Path(context) / ".dockerignore"
    try:
        patterns = dockerignore.read(ignore.read_bytes()) if ignore.is_file() else []
    except OSError as exc:
        raise InvalidInput(f"cannot read {ignore}: {exc.strerror}") from None
    name, outside = process_dockerfile(os.path.abspath(dockerfile), context)
    if patterns:
        patterns = dockerignore.keep_build_files(patterns, name if outside is None else "")
    return context, sorted(dockerignore.walk(context, patterns)), name, outside


def _ustar(name: str, st, size: int, kind: bytes, link: str = "") -> bytes | None:
    """A ustar header, or None where it can't hold the name (tarfile's PAX header then)."""
    raw, link_raw = name.encode("utf-8", "surrogateescape"), link.encode("utf-8", "surrogateescape")
    if len(raw) > 100 or len(link_raw) > 100 or size >= 8**11 or st.st_uid >= 8**7 or st.st_gid >= 8**7:
        return None
    header = bytearray(512)
    header[0:len(raw)] = raw
    header[100:108] = b"%07o\0" % (st.st_mode & 0o7777)
    header[108:116] = b"%07o\0" % st.st_uid
    header[116:124] = b"%07o\0" % st.st_gid
    header[124:136] = b"%011o\0" % size
    header[136:148] = b"%011o\0" % max(0, int(st.st_mtime))
    header[148:156] = b" " * 8
    header[156:157] = kind
    header[157:157 + len(link_raw)] = link_raw
    header[257:265] = b"ustar\x0000"
    header[148:156] = b"%06o\0 " % sum(header)
    return bytes(header)


def _read(full: str, expected: int, offset: int = 0, length: int | None = None) -> bytes:
    try:
        with open(full, "rb") as fh:
            fh.seek(offset)
            data = fh.read() if length is None else fh.read(length)
    except OSError as exc:
        raise InvalidInput(f"cannot read {full} in the build context: {exc.strerror}") from None
    if len(data) != (expected if length is None else length):
        raise InvalidInput(f"{full} changed while the build context was being sent; build again")
    return data


def _big_file(full: str, path: str, st, fallback, piece: int = 1 << 20):
    import tarfile

    header = _ustar(path, st, st.st_size, b"0")
    if header is None:
        info = fallback.gettarinfo(full, arcname=path)
        header = info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")
    yield header
    for offset in range(0, st.st_size, piece):
        yield _read(full, st.st_size, offset, min(piece, st.st_size - offset))
    yield b"\0" * (-st.st_size % 512)


def context_stream(context: str, paths: list[str], dockerfile: str, outside: str | None, chunk: int = 1 << 20):
    """The context as an uncompressed tar, made while it is sent: no temporary file, one copy
    of each file's bytes, and the engine receives the first files before the last are read."""
    import io
    import stat
    import tarfile

    fallback = tarfile.open(fileobj=io.BytesIO(), mode="w")  # for what ustar can't say
    parts: list[bytes] = []
    size = 0
    seen_inodes: dict[tuple, str] = {}
    for path in paths:
        full = os.path.join(context, path)
        st = os.lstat(full)
        data, header = b"", None
        if stat.S_ISREG(st.st_mode):
            if st.st_nlink > 1 and (st.st_dev, st.st_ino) in seen_inodes:
                header = _ustar(path, st, 0, b"1", seen_inodes[(st.st_dev, st.st_ino)])
            elif st.st_size > chunk:  # a big file goes piece by piece: memory stays at one chunk
                seen_inodes[(st.st_dev, st.st_ino)] = path
                if parts:
                    yield b"".join(parts)
                    parts, size = [], 0
                yield from _big_file(full, path, st, fallback)
                continue
            else:
                seen_inodes[(st.st_dev, st.st_ino)] = path
                data = _read(full, st.st_size)
                header = _ustar(path, st, len(data), b"0")
        elif stat.S_ISDIR(st.st_mode):
            header = _ustar(path, st, 0, b"5")
        elif stat.S_ISLNK(st.st_mode):
            header = _ustar(path, st, 0, b"2", os.readlink(full))
        else:
            continue  # sockets, fifos, devices: not for a build context
        if header is None:
            info = fallback.gettarinfo(full, arcname=path)
            if info.isreg():
                info.size = len(data)
            header = info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")
        parts += [header, data, b"\0" * (-len(data) % 512)]
        size += len(data) + 512
        if size >= chunk:
            yield b"".join(parts)
            parts, size = [], 0
    if outside is not None:  # a Dockerfile from outside the context travels inside it
        data = outside.encode("utf-8")
        info = tarfile.TarInfo(dockerfile)
        info.size, info.mtime, info.mode = len(data), int(time.time()), 0o644
        parts += [info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape"), data, b"\0" * (-len(data) % 512)]
    parts.append(b"\0" * 1024)  # end of archive
    yield b"".join(parts)
