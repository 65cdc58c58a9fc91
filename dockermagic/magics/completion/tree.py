"""`%docker`'s words as a command tree (`completion.commands.Command`), read from the magics'
own parsers: every `docker_*` line magic with its parser, the subcommand tables of the magics
that have them (network, volume, system, context, compose, the swarm's), the CLI's
management-command spellings (`dispatch.ALIASES`), and the global flags from their help."""

from __future__ import annotations

import re
from dataclasses import replace

from ...completion import commands
from ...completion.commands import Command, Option
from ...completion.objects import ARGUMENTS
from ...engine.selection import GLOBAL_FLAGS_HELP

_HELP_LINE = re.compile(r"^  (-\S.*?)(?:\s{2,}(\S.*))?$")


def tree(shell, cache: dict | None = None) -> Command:
    """`%docker`'s words: every `docker_*` line magic with its parser, the subcommand tables of
    the magics that have them, and the CLI's management-command spellings (`dispatch.ALIASES`)."""
    key = tuple(sorted(shell.magics_manager.magics["line"]))
    if cache is not None and cache.get("key") == key:
        return cache["tree"]
    from ..dispatch import ALIASES, TOP_ALIASES, UNSUPPORTED

    root = Command("", "docker", options=help_options(GLOBAL_FLAGS_HELP))
    tables = _tables()
    for name, method in sorted(shell.magics_manager.magics["line"].items()):
        if not name.startswith("docker_"):
            continue
        sub = name[len("docker_"):]
        summary_ = summary(method)
        if sub in tables:
            command = Command(sub, summary_, subcommands={})
            for verb, parser in tables[sub].items():
                parser = getattr(parser, "parser", parser)
                canonical = parser.prog.split()[-1]
                command.subcommands[verb] = commands.from_parser(f"{sub} {canonical}", parser, parser.description or "")
            if sub == "compose":
                from ..compose.base import GLOBAL_HELP

                command.options = help_options(GLOBAL_HELP)
        else:
            command = commands.from_parser(sub, getattr(method, "parser", None), summary_)
        root.subcommands[sub] = command
    for (group, verb), target in ALIASES.items():
        if target not in root.subcommands:
            continue
        home = root.subcommands.setdefault(group, Command(group, "management command", subcommands={}))
        command = root.subcommands[target]
        if f"{group} {verb}" in ARGUMENTS:  # `container inspect` completes containers, `inspect` alone nothing
            command = replace(command, path=f"{group} {verb}")
        home.subcommands.setdefault(verb, command)
    for alias, target in TOP_ALIASES.items():
        if target in root.subcommands:
            root.subcommands.setdefault(alias, root.subcommands[target])
    for refused in UNSUPPORTED:
        root.subcommands.pop(refused, None)
    for name in [n for n in root.subcommands if "_" in n]:  # `image_prune`: offered as `image prune`
        del root.subcommands[name]
    if cache is not None:
        cache.update(key=key, tree=root)
    return root


def _tables() -> dict:
    """The magics with subcommands, each with its table of subcommand parsers."""
    from ..compose.base import SUBCOMMANDS as COMPOSE
    from ..engines import SUBCOMMANDS as CONTEXT
    from ..networks import SUBCOMMANDS as NETWORK
    from ..swarm.parsers import ALIASES as SWARM_ALIASES
    from ..swarm.parsers import PARSERS
    from ..swarm.service import SUBCOMMANDS as SERVICE
    from ..swarm.stack import SUBCOMMANDS as STACK
    from ..system import SYSTEM
    from ..volumes import HANDLERS

    tables = {"network": NETWORK, "context": CONTEXT, "system": SYSTEM, "volume": HANDLERS, "service": SERVICE,
              "stack": STACK, "compose": COMPOSE}
    for command, parsers in PARSERS.items():
        tables[command] = {**parsers, **{alias: parsers[verb] for alias, verb in SWARM_ALIASES.items() if verb in parsers}}
    return tables


def help_options(text: str) -> list[Option]:
    """Options from a help text of `  -x, --long VALUE   help` lines (the CLI's global flags, Compose's)."""
    found: list[Option] = []
    lines = text.splitlines()
    for number, text_line in enumerate(lines):
        match = _HELP_LINE.match(text_line)
        if match is None:
            continue
        spelled, help_text = match.groups()
        if help_text is None and number + 1 < len(lines) and lines[number + 1].startswith("      "):
            help_text = lines[number + 1].strip()
        group: list[str] = []
        for part in spelled.split(", "):
            flag, _, metavar = part.strip().partition(" ")
            group.append(flag)
            if metavar:
                found.append(Option(tuple(group), help_text or "", True))
                group = []
        if group:
            found.append(Option(tuple(group), help_text or "", False))
    return found


def summary(method) -> str:
    """A magic's first line of help (its parser's description: `__doc__` starts with the usage)."""
    parser = getattr(method, "parser", None)
    text = (getattr(parser, "description", None) or method.__doc__ or "").strip()
    return next((line for line in text.splitlines() if line.strip() and line.strip() != "::"), "")
