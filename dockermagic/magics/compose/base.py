"""What every `%docker compose` subcommand shares: Compose v2's global flags, the registry of
subcommands (each with its own parser, for help and for the corpus check), and `ComposeCall`,
which hands a subcommand its project, its engine and its view.

A subcommand is a function `handler(call, args)` registered with `@subcommand("up", ...)`:
`args` is its parsed namespace, `call.project()` loads the model with the global flags,
`call.engine()` is the call's engine, `call.show(result, events)` runs the live stack view.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field

from ...errors import InvalidInput
from ..args import parse_words, subcommand_parser

#: name -> handler(call, args); each handler has `.parser` (its options) and `.summary` (one line)
SUBCOMMANDS: dict = {}

#: v2 subcommands dockermagic leaves out, and why (one line each)
REFUSED = {
    "watch": "syncs files into running containers as they change on disk, a long-running file watcher a notebook "
             "cell cannot host; run `docker compose watch` in a terminal",
    "alpha": "holds Compose v2's experimental commands, which change between releases",
    "bridge": "converts the project to Kubernetes or Helm files with a transformer image from Docker Hub, which "
              "this engine cannot reach",
    "publish": "pushes the project as an OCI artifact to Docker Hub-style registries, a v2 feature still marked "
               "experimental",
}

GLOBAL_HELP = """Global flags (before the subcommand), as docker compose's:
  -f, --file FILE            Compose configuration files; repeatable (default: compose.yaml ... looked up)
  -p, --project-name NAME    Project name (default: COMPOSE_PROJECT_NAME, `name:` or the folder)
  --project-directory DIR    Alternate working directory (default: the first file's folder)
  --env-file FILE            Alternate environment files; repeatable
  --profile NAME             Profiles to enable; repeatable (default: COMPOSE_PROFILES)
  --parallel N               Control max parallelism, -1 for unlimited (dockermagic works one at a time)"""


def subcommand(name: str, summary: str, *arguments, aliases: tuple = ()):
    """Register `handler(call, args)` as `%docker compose NAME`, with argparse arguments given as
    ((flags...), {keywords}) pairs, as `args.subcommand_parser` takes them."""

    def register(handler):
        handler.parser = subcommand_parser(f"%docker compose {name}", *arguments)
        handler.parser.description = summary
        handler.summary = summary
        for each in (name, *aliases):
            SUBCOMMANDS[each] = handler
        return handler

    return register


@dataclass
class GlobalFlags:
    files: list[str] = field(default_factory=list)
    project_name: str | None = None
    project_directory: str | None = None
    env_files: list[str] = field(default_factory=list)
    profiles: list[str] = field(default_factory=list)


_VALUED = {"-f": "files", "--file": "files", "-p": "project_name", "--project-name": "project_name",
           "--project-directory": "project_directory", "--env-file": "env_files", "--profile": "profiles",
           "--parallel": None}


def split_global(words: list[str]) -> tuple[GlobalFlags, list[str]]:
    """Compose's global flags off the front of the words -> (flags, the subcommand's words)."""
    flags = GlobalFlags()
    words = list(words)
    while words and words[0].startswith("-"):
        word = words.pop(0)
        flag, eq, value = word.partition("=")
        if flag == "-f" and not eq and len(word) > 2:   # -fFILE
            flag, value, eq = "-f", word[2:], "="
        if flag not in _VALUED:
            raise InvalidInput(f"unknown flag {flag!r} for docker compose; global flags: "
                               "-f, -p, --project-directory, --env-file, --profile, --parallel")
        if not eq:
            if not words:
                raise InvalidInput(f"flag {flag} needs an argument")
            value = words.pop(0)
        target = _VALUED[flag]
        if target is None:  # --parallel: one at a time is within any limit
            if not value.lstrip("-").isdigit():
                raise InvalidInput(f"--parallel takes a number (-1 for unlimited), not {value!r}")
            continue
        if isinstance(getattr(flags, target), list):
            getattr(flags, target).append(value)
        else:
            setattr(flags, target, value)
    return flags, words


class ComposeCall:
    """One `%docker compose ...` call: its global flags, and what a subcommand asks of the magics."""

    def __init__(self, magics, flags: GlobalFlags, name: str, cell: str | None = None):
        self.magics = magics
        self.flags = flags
        self.name = name
        self.cell = cell
        self._project = None

    def options(self, **overrides):
        from ...compose.model.project import ProjectOptions

        return ProjectOptions(
            files=list(self.flags.files), project_directory=self.flags.project_directory,
            project_name=self.flags.project_name, env_files=list(self.flags.env_files),
            profiles=list(self.flags.profiles), environ=dict(os.environ), cwd=os.getcwd(), **overrides)

    def project(self, **overrides):
        """The project the global flags name, loaded as Compose v2 loads it (once per call)."""
        if self._project is None or overrides:
            from ...compose.model.loader import load

            project = load(self.options(**overrides))
            warn(project)  # v2's WARN lines (an unset variable ...), on stderr
            if overrides:
                return project
            self._project = project
        return self._project

    def engine(self):
        return self.magics.engine()

    @property
    def view_options(self) -> dict:
        return self.magics.settings.view_options()

    def show(self, result, events, quiet: bool = False, **logs):
        """Run `events` (StackEvent / LogLine) into `result` -- each one applied to it here, as it
        comes -- through the live stack view (`quiet`: no view; `logs`: how its log lines show,
        `color` and `prefix`).  Returns `result`, marked as shown in this cell."""
        from ...views.formatters import shown

        events = _applied(result, events)
        if quiet:
            for _ in events:
                pass
            return result
        from ...views.compose.stack import StackView
        from ...views.live import run

        view = StackView(result, **self.view_options, **logs)
        run(view, events)
        return shown(result, self.magics.shell.execution_count, view.mode)


def _applied(result, events):
    """`events`, each applied to `result` first; closing this closes them (Ctrl-C reaches the core)."""
    from ...compose.results import LogLine

    try:
        for event in events:
            if isinstance(event, LogLine):
                result.logs.append(event)
            else:
                result.apply(event)
            yield event
    finally:
        close = getattr(events, "close", None)
        if close is not None:
            close()


def warn(project) -> None:
    """v2's warnings (an unset variable, a YAML 1.1 boolean), on stderr as v2 prints them."""
    for warning in project.warnings:
        print(f"WARN[0000] {warning}", file=sys.stderr)


def parse_command(line_words: list[str]):
    """`[GLOBAL FLAGS] SUBCOMMAND [ARGS]` read, nothing run -> (flags, handler or None, args)."""
    flags, words = split_global(line_words)
    if not words:
        return flags, None, None
    name, rest = words[0], words[1:]
    if name in REFUSED:
        raise InvalidInput(f"'docker compose {name}' is not supported here: it {REFUSED[name]}")
    handler = SUBCOMMANDS.get(name)
    if handler is None:
        raise InvalidInput(f"'docker compose {name}' is not a compose subcommand; supported: "
                           + ", ".join(sorted(SUBCOMMANDS)))
    return flags, handler, parse_words(handler.parser, rest)


def run_subcommand(magics, line_words: list[str], cell: str | None = None):
    """`%docker compose [GLOBAL FLAGS] SUBCOMMAND [ARGS]` -> the subcommand's result (None: nothing asked)."""
    flags, handler, args = parse_command(line_words)
    if handler is None:
        return None
    return handler(ComposeCall(magics, flags, handler.parser.prog.split()[-1], cell), args)


def usage() -> str:
    names = sorted({h.parser.prog.split()[-1]: h for h in SUBCOMMANDS.values()}.items())
    lines = ["usage: %docker compose [GLOBAL FLAGS] SUBCOMMAND [OPTIONS]", "", "Subcommands:"]
    lines += [f"  {name:<10} {handler.summary}" for name, handler in names]
    return "\n".join(lines + ["", GLOBAL_HELP])
