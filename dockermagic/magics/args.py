"""Splitting a magic's line as a shell would, so quoting works as on the docker command line:
`--build-arg MSG="hello world"` passes `MSG=hello world` (IPython's own `parse_argstring`
keeps the quotes)."""

from __future__ import annotations

import shlex

from IPython.core.error import UsageError


def split(line: str) -> list[str]:
    try:
        return shlex.split(line, posix=True)
    except ValueError as exc:
        raise UsageError(f"{exc} in: {line}") from None


def parse_line(magic_func, line: str):
    """`parse_argstring` with shell quoting: the magic's argparse namespace, or a UsageError."""
    return magic_func.parser.parse_args(split(line))
