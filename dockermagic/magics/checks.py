"""A docker command line read as `%docker` reads it, without running anything: which magic it
reaches, and that magic's own parser over the rest (a bad option, a missing argument, or what
the magic refuses before sending is the same one-line error it would give).

`check(shell, "docker network create -d bridge net")` is how a tutorial's lines are tried in
bulk; it resolves the line with `dispatch.resolve()`, what `%docker` itself dispatches with, so
the two never disagree.
"""

from __future__ import annotations

import os
import re

from ..errors import InvalidInput
from .args import HelpShown, parse_line, parse_words
from .dispatch import resolve

PLACEHOLDER = "0123456789ab"  # what a `$(...)` is taken to print when nothing is run: one id-like word
ASSUMED = "5000"  # a variable the environment lacks: set in the tutorial's shell (a name, a number, a path)


class _Assumed(dict):
    """The environment, with every variable it lacks taken as set to `ASSUMED`."""

    def get(self, name, default=None):
        return os.environ.get(name, ASSUMED)


def check(shell, line: str):
    """Parse a `docker ...` (or `%docker ...`) command line as the magic it reaches would, and
    return what that magic's parser made of it; nothing is sent to any engine.

    The line is read as sh reads it (`shell.reader`): each docker command of its pipes and
    sequences, of its `$(...)` and after `xargs`, is checked, and the last one's parse is
    returned; `$(pwd)` is the working folder, `$VAR` the environment's (one the environment lacks
    is taken as set, as in the tutorial's shell), any other `$(...)` one word; other programs (`grep`, `jq` ...) are sh's and are not checked."""
    from .args import join
    from .shell.reader import parse
    from .shell.words import Expander

    def substitute(source: str) -> str:
        words = source.split()
        if words[:1] == ["pwd"]:
            return os.getcwd()
        if words[:1] == ["docker"]:
            check(shell, source)
        return PLACEHOLDER

    program = parse(re.sub(r"^\s*%?docker\b", "", line))
    expander, parsed = Expander(substitute, env=_Assumed()), None
    for index, (_, pipeline) in enumerate(program.steps):
        for position, command in enumerate(pipeline):
            first = index == 0 and position == 0
            words = expander.all(command.words)
            if not first and words[:1] == ["sudo"]:
                words = words[1:]
            if first:
                parsed = _check_one(shell, join(words))
            elif words[:1] == ["docker"]:
                parsed = _check_one(shell, join(words[1:]))
            elif words[:1] == ["xargs"] and "docker" in words:
                parsed = _check_one(shell, join([*words[words.index("docker") + 1:], PLACEHOLDER]))
    return parsed


def _check_one(shell, line: str):
    from .args import global_flags

    _, line = global_flags(line, short_context=True)
    if not line.strip():
        return None
    name, rest = resolve(shell, line)
    method = shell.find_line_magic(name)
    if rest.strip() == "--help":
        return None  # the magic's help, printed
    _, rest = global_flags(rest) if name != "docker" else (None, rest)
    checker = getattr(method, "check", None) or _CHECKERS.get(name)
    try:
        return checker(method, rest) if checker is not None else parse_line(method, rest)
    except HelpShown:
        return None  # a subcommand's help, printed


def _run_like(method, rest):
    from .run_args import check_terminal, run_extras, split_at_first_positional

    args, command = split_at_first_positional(method.parser, rest)
    if method.__name__ != "docker_create" and args.tty and not getattr(args, "detach", False):
        # as in a frontend that can read what is typed (an interactive shell is typed into there); a
        # headless run refuses the shell when it runs, before anything is created
        check_terminal(command, args.interactive, True)
    if method.__name__ in ("docker_run", "docker_create"):
        run_extras(args)
    if method.__name__ == "docker_exec" and not command:
        raise InvalidInput("docker exec needs a COMMAND after the container")
    return args, command


def _volume(method, rest):
    from .args import split
    from .volumes import HANDLERS

    words = split(rest)
    if not words or words[0] not in HANDLERS:
        raise InvalidInput("usage: %docker_volume create|ls|inspect|rm ...")
    return parse_words(HANDLERS[words[0]].parser, words[1:])


def _context(method, rest):
    from .args import split
    from .engines import SUBCOMMANDS

    words = split(rest)
    if not words:
        return None
    if words[0] not in SUBCOMMANDS:
        raise InvalidInput(f"'docker context {words[0]}' is not supported here; use {', '.join(SUBCOMMANDS)}")
    return parse_words(SUBCOMMANDS[words[0]], words[1:])


def _build(method, rest):
    return parse_line(method, rest.replace("--rm=", "--rm "))


def _network(method, rest):
    from .networks import parse

    return parse(rest)


def _redirected(out=None, into=None):
    def checker(method, rest):
        from .transfer_files import redirected

        return redirected(method.parser, rest, out=out, into=into)

    return checker


def _import(method, rest):
    from .args import split

    words = split(rest)
    if words[:1] == ["-"] and len(words) > 2 and words[1] == "<":
        words = [words[2], *words[3:]]
    return method.parser.parse_args(words)


def _system(method, rest):
    from .system import parse_system

    return parse_system(rest)


_CHECKERS = {"docker_run": _run_like, "docker_exec": _run_like, "docker_volume": _volume,
             "docker_context": _context, "docker_build": _build, "docker_network": _network,
             "docker_system": _system, "docker_create": _run_like, "docker_save": _redirected(out="-o"),
             "docker_export": _redirected(out="-o"), "docker_load": _redirected(into="-i"), "docker_import": _import}
