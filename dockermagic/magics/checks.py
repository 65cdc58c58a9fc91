"""A docker command line read as `%docker` reads it, without running anything: which magic it
reaches, and that magic's own parser over the rest (a bad option, a missing argument, or what
the magic refuses before sending is the same one-line error it would give).

`check(shell, "docker network create -d bridge net")` is how a tutorial's lines are tried in
bulk; `resolve()` is also what `%docker` itself dispatches with, so the two never disagree.
"""

from __future__ import annotations

import re

from ..errors import InvalidInput
from .args import HelpShown, parse_line, parse_words

# subcommands a single engine in a notebook cannot serve, and why -- said in one line
UNSUPPORTED = {
    **dict.fromkeys(("swarm", "node", "service", "stack", "secret", "config"),
                    "is swarm mode: it needs a swarm manager, and dockermagic drives single engines"),
    "plugin": "manages engine plugins on the engine's host; do that there, with the docker CLI",
    "search": "queries Docker Hub's search service, which the engine does not proxy; search on hub.docker.com",
    "scout": "is Docker Scout, a separate CLI plugin and online service",
    "manifest": "edits registry manifest lists client-side; use the docker CLI or `docker buildx imagetools`",
    "trust": "is Docker Content Trust signing, done by the CLI with Notary, not by the engine",
    "checkpoint": "is experimental CRIU checkpointing, off on standard engines",
    "init": "writes Docker's project templates (Docker Desktop's `docker init`); write a Dockerfile with %%dockerfile",
    "debug": "is Docker Desktop's debug shell, not part of the engine",
    "compose": "is its own tool (docker compose); run it in a terminal",
    "scan": "was Docker's Snyk plugin, retired for Docker Scout",
}
_SUB = re.compile(r"[a-z][a-z0-9_-]*")
# top-level spellings the CLI also takes (`docker remove` runs `docker rm`, as CLI 28 does)
_TOP_ALIASES = {"remove": "rm"}


def resolve(shell, line: str) -> tuple[str, str]:
    """(`docker_...` magic name, the rest of the line) for a `%docker` line (global flags already
    split off); an unsupported or unknown subcommand is one `InvalidInput`."""
    from .args import join, split
    from .base import ALIASES

    words = split(line)
    sub, rest = words[0], words[1:]
    if rest and (sub, rest[0]) in ALIASES:
        sub, rest = ALIASES[(sub, rest[0])], rest[1:]
    sub = _TOP_ALIASES.get(sub, sub)
    supported = ", ".join(subcommands(shell))
    if not _SUB.fullmatch(sub):
        raise InvalidInput(f"'docker {sub}' is not a subcommand; supported: {supported}")
    if sub in UNSUPPORTED:
        raise InvalidInput(f"'docker {sub}' is not supported here: it {UNSUPPORTED[sub]}")
    if sub == "buildx" and len(words) > 1:
        raise InvalidInput(f"'docker buildx {words[1]}' is not supported here: only `buildx build` (as %docker_build)")
    name = f"docker_{sub.replace('-', '_')}"
    if shell.find_line_magic(name) is None:
        raise InvalidInput(f"'docker {sub}' is not supported; supported: {supported}")
    return name, join(rest)


def subcommands(shell) -> list[str]:
    names = shell.magics_manager.magics["line"]
    return sorted(name[len("docker_"):] for name in names if name.startswith("docker_"))


def check(shell, line: str):
    """Parse a `docker ...` (or `%docker ...`) command line as the magic it reaches would, and
    return what that magic's parser made of it; nothing is sent to any engine."""
    from .args import global_flags

    line = re.sub(r"^\s*%?docker\b", "", line)
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
    from .engines import SUBCOMMANDS

    from .args import split

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
