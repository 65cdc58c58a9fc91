"""Completing a `%docker ...` line: the words before the cursor walked down the command tree
(global flags, subcommands at every level, compose's global flags), then the word under the
cursor answered as what it is there -- a subcommand, an option, an option's value, or a
positional argument with the kind of object the docker CLI completes it with."""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass, field

from .candidates import Answer, Candidate, matching, short
from .commands import Command, Option
from .listings import LISTINGS, Listings
from .objects import CHOICES, argument_kind, option_kind
from .paths import paths

#: commands whose words after the first positional are the container's command, not theirs
COMMAND_FOLLOWS = {"run", "create", "exec", "compose exec", "compose run", "service create"}
_HOST, _CONTEXT = ("-H", "--host"), ("--context",)
_COMPOSE_FLAGS = {"-f": "files", "--file": "files", "-p": "project_name", "--project-name": "project_name",
                  "--project-directory": "project_directory", "--env-file": "env_files", "--profile": "profiles"}


@dataclass
class _Walk:
    """What the words before the cursor said."""

    node: Command
    host: str | None = None
    context: str | None = None
    compose: dict = field(default_factory=dict)  # compose's global flags given
    positionals: list[str] = field(default_factory=list)
    used: set = field(default_factory=set)
    expecting: Option | None = None  # an option whose value is the word under the cursor
    options_done: bool = False


def complete(command: Command, before: str, *, globals_: list[Option] = (), listings: Listings = LISTINGS,
             cwd: str | None = None) -> Answer | None:
    """The answer for the text `before` the cursor, after the magic's name (`" network create --d"`)."""
    cwd = cwd or os.getcwd()
    if before and not before[-1].isspace():
        head, _, fragment = before.rpartition(" ")
        head = head if " " in before else ""
    else:
        head, fragment = before, ""
    if any(quote in fragment for quote in "'\""):
        return None
    try:
        words = shlex.split(head)
    except ValueError:
        return None
    walk = _walk(command, words, list(globals_))
    return _answer(walk, fragment, list(globals_), listings, cwd)


def _walk(node: Command, words: list[str], globals_: list[Option]) -> _Walk:
    walk = _Walk(node)
    pending = None  # the flag whose value the next word is
    for word in words:
        if pending is not None:
            _record(walk, pending, word)
            pending = None
            continue
        if word == "--" and not walk.node.subcommands:
            walk.options_done = True
            continue
        if word.startswith("-") and word != "-" and not walk.options_done:
            if walk.node.path in COMMAND_FOLLOWS and walk.positionals:
                continue
            flag, eq, value = word.partition("=")
            option = walk.node.option(flag) or _global(globals_, flag)
            walk.used.add(flag)
            if option is not None and option.takes_value:
                if eq:
                    _record(walk, flag, value)
                else:
                    pending = flag
            continue
        if walk.node.subcommands and not walk.positionals:
            sub = walk.node.subcommands.get(word)
            if sub is None:
                walk.positionals.append(word)  # not a subcommand: nothing below completes
                walk.node = Command("?")
            else:
                walk.node = sub
            continue
        walk.positionals.append(word)
    if pending is not None:
        walk.expecting = walk.node.option(pending) or _global(globals_, pending)
    return walk


def _global(globals_: list[Option], flag: str) -> Option | None:
    return next((option for option in globals_ if flag in option.flags), None)


def _record(walk: _Walk, flag: str, value: str) -> None:
    if flag in _HOST:
        walk.host = value
    elif flag in _CONTEXT or (flag == "-c" and not walk.node.path):
        walk.context = value
    elif walk.node.path == "compose" and flag in _COMPOSE_FLAGS:
        walk.compose.setdefault(_COMPOSE_FLAGS[flag], []).append(value)


def _answer(walk: _Walk, fragment: str, globals_: list[Option], listings: Listings, cwd: str) -> Answer:
    node = walk.node
    if walk.expecting is not None:
        return _value(walk, walk.expecting, fragment, listings, cwd)
    if node.path in COMMAND_FOLLOWS and walk.positionals:
        return Answer(fragment, [])
    if fragment.startswith("-") and "=" in fragment:
        flag, _, value = fragment.partition("=")
        option = node.option(flag) or _global(globals_, flag)
        if option is None or not option.takes_value:
            return Answer(value, [])
        return _value(walk, option, value, listings, cwd)
    if fragment.startswith("-"):
        return Answer(fragment, [Candidate(flag, short(option.help)) for option in node.options
                                 for flag in sorted(option.flags, key=lambda f: (-len(f), f))
                                 if flag.startswith(fragment)])
    if node.subcommands and not walk.positionals:
        return Answer(fragment, matching(fragment, [Candidate(name, short(sub.summary) or "subcommand")
                                                    for name, sub in sorted(node.subcommands.items())]))
    kind = argument_kind(node.path, len(walk.positionals))
    if kind is None:
        return Answer(fragment, [])
    if node.path == "rm" and walk.used & {"-f", "--force"}:
        kind = "containers:all"
    return Answer(fragment, matching(fragment, _kind(walk, kind, fragment, listings, cwd)))


def _value(walk: _Walk, option: Option, value: str, listings: Listings, cwd: str) -> Answer:
    if option.choices:
        return Answer(value, matching(value, option.choices, "choice"))
    if "--secret" in option.flags:
        inner = value.rpartition(",")[2]
        key, eq, path = inner.partition("=")
        if eq and key in ("src", "source"):
            return Answer(path, paths(path, cwd))
        return Answer(inner, matching(inner, ["id=", "src=", "env=", "type=file", "type=env"], "secret field"))
    kind = option_kind(walk.node.path, option.flags)
    if kind is None:
        return Answer(value, [])
    return Answer(value, matching(value, _kind(walk, kind, value, listings, cwd)))


def _kind(walk: _Walk, kind: str, fragment: str, listings: Listings, cwd: str) -> list[Candidate]:
    if kind == "files":
        return paths(fragment, cwd)
    if kind == "folders":
        return paths(fragment, cwd, folders_only=True)
    if kind.startswith("choices:"):
        return [Candidate(choice, "choice") for choice in CHOICES[kind.partition(":")[2]]]
    if kind == "compose-services":
        return _compose_services(walk, cwd)
    network = walk.positionals[0] if walk.positionals else None
    return listings.candidates(kind, walk.host, walk.context, network=network)


def _compose_services(walk: _Walk, cwd: str) -> list[Candidate]:
    """The services of the project the line's compose flags name (read from its files, as v2 does)."""
    from ..compose.model.loader import load
    from ..compose.model.project import ProjectOptions

    flags = walk.compose
    try:
        project = load(ProjectOptions(
            files=flags.get("files", []), project_name=(flags.get("project_name") or [None])[-1],
            project_directory=(flags.get("project_directory") or [None])[-1], env_files=flags.get("env_files", []),
            profiles=flags.get("profiles", []), environ=dict(os.environ), cwd=cwd))
    except Exception:  # noqa: BLE001 -- no project here (or a broken one): nothing to offer
        return []
    services = list((project.model.get("services") or {})) + list(project.disabled)
    return [Candidate(name, "service") for name in services]
