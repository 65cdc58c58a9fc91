"""The stdin and stdout a docker command of a line gets from its pipe or redirection, for the
magics that stream bytes (`save`, `export` and `cp ... -` write a tar to stdout; `load` and
`import -` read one from stdin; `run -i` / `exec -i` read their input).  Outside a pipe or a
redirection both are None, and those magics ask for a file as before."""

from __future__ import annotations

import contextlib
from contextvars import ContextVar

_stdin: ContextVar = ContextVar("dockermagic_stdin", default=None)
_stdout: ContextVar = ContextVar("dockermagic_stdout", default=None)


def stdin():
    """The binary file the running docker command reads as its stdin, or None."""
    return _stdin.get()


def stdout():
    """The binary file the running docker command writes its stdout to, or None."""
    return _stdout.get()


def stdin_bytes() -> bytes | None:
    """All of stdin (for `run -i` / `exec -i`), or None when there is none."""
    source = _stdin.get()
    return None if source is None else source.read()


@contextlib.contextmanager
def bound(stdin=None, stdout=None):
    """Within the block, the docker command's stdin / stdout (binary files) are these."""
    tokens = (_stdin.set(stdin), _stdout.set(stdout))
    try:
        yield
    finally:
        _stdin.reset(tokens[0])
        _stdout.reset(tokens[1])
