"""Asking before a prune, as the docker CLI asks: `[y/N]` where someone can answer; where no one
can (a headless run, a kernel without stdin), a one-line refusal that says to add `-f`."""

from __future__ import annotations

from ..errors import InvalidInput


def confirm(warning: str, command: str) -> bool:
    """True when the user answers y/yes; raises `InvalidInput` (nothing removed) when no one can
    answer.  `warning` is the CLI's own WARNING line."""
    try:
        from IPython.core.error import StdinNotImplementedError
    except ImportError:  # pragma: no cover
        StdinNotImplementedError = EOFError  # noqa: N806
    try:
        answer = input(f"{warning}\nAre you sure you want to continue? [y/N] ")
    except (StdinNotImplementedError, EOFError, OSError, RuntimeError):
        raise InvalidInput(f"{command} asks before removing anything, and no one can answer here: "
                           f"add -f to remove without asking ({warning.removeprefix('WARNING! ')})") from None
    return answer.strip().lower() in ("y", "yes")
