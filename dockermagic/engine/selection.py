"""The docker CLI's global connection flags given to one magic call (`-H`, `--context`, the TLS
flags), held for the call's duration, and the engine addresses the CLI accepts.  Below every
other engine module: the connection, the contexts and the config folder all read it."""

from __future__ import annotations

import contextlib
import re
from contextvars import ContextVar
from dataclasses import dataclass

from ..errors import InvalidInput


# -- the CLI's global flags, for one call ------------------------------------------------------
@dataclass(frozen=True)
class Selection:
    """The docker CLI's global connection flags given to one magic call."""

    host: str | None = None
    context: str | None = None
    tls: bool = False
    tlsverify: bool = False
    tlscacert: str | None = None
    tlscert: str | None = None
    tlskey: str | None = None
    config: str | None = None  # `--config DIR`: the docker config folder for this call (`dockerconfig.folder()`)


GLOBAL_FLAGS_HELP = """
Global options (the docker CLI's, before the magic's own options; for this call only):
  -H, --host URL      Engine to talk to: unix:///path.sock, tcp://HOST:PORT, ssh://[USER@]HOST
  --context NAME      Context to use (see %docker_context ls); not together with -H
  --tls, --tlsverify  Use TLS (and verify the engine's certificate) with -H
  --tlscacert PATH, --tlscert PATH, --tlskey PATH
                      TLS files for -H (default: DOCKER_CERT_PATH or ~/.docker)
  --config DIR        The docker config folder for this call (logins, contexts; default:
                      DOCKER_CONFIG or ~/.docker)
"""

_VALUED = {"-H": "host", "--host": "host", "--context": "context", "-c": "context",
           "--tlscacert": "tlscacert", "--tlscert": "tlscert", "--tlskey": "tlskey"}
_SWITCHES = {"--tls": "tls", "--tlsverify": "tlsverify"}


def split_global_flags(words: list[str], short_context: bool = False) -> tuple[Selection | None, list[str]]:
    """Leading `-H URL`, `--context NAME`, TLS flags -> (Selection or None, the words after them).

    `-c` (the CLI's short --context) only with `short_context`: after a subcommand's name it
    can mean something else (`docker run -c` is --cpu-shares).
    """
    values: dict = {}
    i = 0
    while i < len(words):
        name, eq, value = words[i].partition("=")
        if name in _SWITCHES and (not eq or value in ("true", "false", "1", "0")):
            values[_SWITCHES[name]] = not eq or value in ("true", "1")
            i += 1
        elif name in _VALUED and (name != "-c" or short_context) and (eq or i + 1 < len(words)):
            values[_VALUED[name]] = value if eq else words[i + 1]
            i += 1 if eq else 2
        else:
            break
    if not values:
        return None, list(words)
    return Selection(**values), list(words[i:])


_selection: ContextVar[Selection | None] = ContextVar("dockermagic_engine_selection", default=None)


def selected() -> Selection | None:
    """The global flags of the magic call running now (None: none given)."""
    return _selection.get()


@contextlib.contextmanager
def selecting(selection: Selection | None):
    """Within the block, `connect()` without arguments uses `selection` (nothing: as before)."""
    if selection is None:
        yield
        return
    token = _selection.set(selection)
    try:
        yield
    finally:
        _selection.reset(token)


# -- engine addresses ------------------------------------------------------------------------
def check_address(address: str) -> str:
    """A host URL the CLI accepts: unix://, tcp://, ssh://, npipe:// (bare HOST:PORT is tcp)."""
    address = address.strip()
    if "://" not in address and re.fullmatch(r"[\w.\-\[\]:]+:\d+", address):
        address = f"tcp://{address}"
    if not re.match(r"^(unix|tcp|ssh|npipe|http|https)://.", address):
        raise InvalidInput(f"{address!r} is not an engine address; use unix:///path.sock, tcp://HOST:PORT or ssh://[USER@]HOST")
    return address
