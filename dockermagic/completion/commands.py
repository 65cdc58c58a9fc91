"""The words a `%docker` line takes, read from the magics' own argparse parsers: a `Command`
has its options (flags, help, whether a value follows, argparse `choices`), its positionals
in order, and its subcommands.  Nothing is written twice: the tree is built from the parsers
the magics parse with (`magics/completion.py` gathers them), so a new option or subcommand
completes the day it is added."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Option:
    flags: tuple[str, ...]
    help: str = ""
    takes_value: bool = True
    choices: tuple[str, ...] = ()


@dataclass
class Command:
    """One command: `path` is its canonical name ("stop", "network create", "compose up"),
    the key of the CLI's argument table (`objects.ARGUMENTS`)."""

    path: str
    summary: str = ""
    options: list[Option] = field(default_factory=list)
    positionals: list[tuple[str, object]] = field(default_factory=list)  # (dest, nargs)
    subcommands: dict[str, "Command"] = field(default_factory=dict)

    def option(self, flag: str) -> Option | None:
        for option in self.options:
            if flag in option.flags:
                return option
        return None

    def words(self) -> list[str]:
        """Every flag of the command, each option's long spelling first."""
        return [flag for option in self.options for flag in sorted(option.flags, key=lambda f: -len(f))]


def _takes_value(action: argparse.Action) -> bool:
    # `nargs="?"` with a const (`--config-only`, `--detach[=true]`) takes its value only after `=`
    return action.nargs not in (0, "?")


def from_parser(path: str, parser: argparse.ArgumentParser | None, summary: str = "") -> Command:
    """The command `parser` reads: its options (help and choices included) and its positionals."""
    command = Command(path, summary or (getattr(parser, "description", None) or ""))
    if parser is None:
        return command
    for action in parser._actions:  # argparse keeps no public list of its actions
        if isinstance(action, argparse._HelpAction):
            continue
        if action.option_strings:
            choices = tuple(str(c) for c in action.choices) if action.choices else ()
            command.options.append(Option(tuple(action.option_strings), action.help or "", _takes_value(action), choices))
        else:
            command.positionals.append((action.dest, action.nargs))
    if not any("--help" in option.flags for option in command.options):
        command.options.append(Option(("--help",), "Print usage", False))
    return command


def options_from_flags(flags, help_text: str = "") -> list[Option]:
    """Options known only by name (Compose's global flags): each takes a value."""
    return [Option((flag,), help_text) for flag in flags]
