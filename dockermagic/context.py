"""Build-context files: writing them whole or not at all."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import InvalidInput


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
