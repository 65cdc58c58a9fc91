"""The docker CLI's configuration folder: `config.json` (logins, credential helpers,
`currentContext`) and the context store's `contexts/meta/<sha256(name)>/meta.json` and
`contexts/tls/...`, all under `$DOCKER_CONFIG` or `~/.docker`.

Several writers share these files (this kernel, another kernel, the docker CLI in a terminal),
so every write replaces the file at once: a reader never sees half a file, and a write keeps
every key it did not mean to change.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from ..errors import InvalidInput
from .selection import selected


def folder() -> Path:
    """`--config DIR` of the magic call running now, else `$DOCKER_CONFIG`, or `~/.docker`:
    where config.json and contexts/ live."""
    chosen = _chosen()
    if chosen:
        return Path(chosen).expanduser()
    return Path(os.environ.get("DOCKER_CONFIG") or Path.home() / ".docker")


def _chosen() -> str | None:
    """The call's `--config`: it travels with the call's other global flags (`engine.selecting`)."""
    selection = selected()
    return selection.config if selection is not None else None


def config_path() -> Path:
    return folder() / "config.json"


def read(error=InvalidInput) -> dict:
    """config.json as a dict ({} when there is none); an unreadable file raises `error`."""
    path = config_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8") or "{}")
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise error(f"cannot read the docker config file {path}: {exc}; fix or move it") from None
    return data if isinstance(data, dict) else {}


def write(config: dict) -> Path:
    """Replace config.json with `config` (mode 0600: it may hold logins), as the CLI writes it."""
    return write_json(config_path(), config, indent="\t", mode=0o600)


def write_json(path: Path, data, indent=None, mode: int = 0o644) -> Path:
    """Write `data` as JSON to `path` at once: a temporary file beside it, then `os.replace`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            if indent is None:
                json.dump(data, out, separators=(",", ":"))
            else:
                json.dump(data, out, indent=indent)
                out.write("\n")
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


# -- the context store ----------------------------------------------------------------------
def context_id(name: str) -> str:
    """The store's folder name for a context: sha256 of its name, as the CLI makes it."""
    return hashlib.sha256(name.encode("utf-8")).hexdigest()


def meta_dir(name: str) -> Path:
    return folder() / "contexts" / "meta" / context_id(name)


def tls_dir(name: str) -> Path:
    """Where a context's TLS files for the docker endpoint are (`ca.pem`, `cert.pem`, `key.pem`)."""
    return folder() / "contexts" / "tls" / context_id(name) / "docker"


def read_meta(name: str) -> dict | None:
    """A stored context's meta.json (None: no such context); unreadable raises `InvalidInput`."""
    path = meta_dir(name) / "meta.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise InvalidInput(f'context "{name}" is unreadable ({path}): {exc}') from None


def write_meta(name: str, meta: dict) -> Path:
    return write_json(meta_dir(name) / "meta.json", meta)


def stored_metas() -> list[dict]:
    """Every readable meta.json of the store (a broken entry is skipped, as the CLI lists the others)."""
    root = folder() / "contexts" / "meta"
    found = []
    for path in sorted(root.glob("*/meta.json")) if root.is_dir() else []:
        try:
            found.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    return found
