"""The one tokenizer of magic lines: POSIX shell words, as the docker command line splits them.
`--build-arg MSG="hello world"` passes `MSG=hello world` (IPython's own `parse_argstring`
keeps the quotes), and `%docker SUBCOMMAND ...` or the CLI's global flags hand the rest of the
line on with `join`, which `split` reads back to the same words."""

from __future__ import annotations

import shlex
from dataclasses import asdict

from IPython.core.error import UsageError

from ..engine.selection import Selection, split_global_flags
from ..errors import InvalidInput


def split(line: str, strict: bool = True) -> list[str]:
    """The line's words.  Unbalanced quotes: a UsageError that does not repeat the line (it may
    hold a secret) -- or, with `strict=False`, the whitespace-separated words, for code that must
    look at every word of even a broken line (finding a password on it)."""
    try:
        return shlex.split(line or "", posix=True)
    except ValueError as exc:
        if not strict:
            return (line or "").split()
        raise UsageError(f"{str(exc).lower()} on the magic's line: check its quotes") from None


def join(words) -> str:
    """Words back into a line that `split` reads as the same words."""
    return shlex.join(words)


class HelpShown(Exception):
    """`--help` after a subcommand (`%docker network ls --help`): its usage, to print instead of running."""


def subcommand_parser(prog: str, *arguments):
    """The parser of one subcommand (`%docker_network create`, `%docker_system df` ...) from
    ((flags...), {argparse keywords}) pairs; `parse_words` gives its namespace or its help."""
    from IPython.core.magic_arguments import MagicArgumentParser

    parser = MagicArgumentParser(prog=prog.lstrip("%"), add_help=False)  # its help puts the % back
    for args, kwargs in arguments:
        parser.add_argument(*args, **kwargs)
    return parser


def usages(parsers: dict) -> str:
    """Each subcommand's usage once (an alias shares its parser), so `%docker_network?` shows every option."""
    seen, out = set(), []
    for parser in parsers.values():
        if id(parser) not in seen:
            seen.add(id(parser))
            out.append(parser.format_help().rstrip())
    return "\n\nSubcommands:\n\n" + "\n\n".join(out)


def parse_words(parser, words: list[str]):
    """A subcommand's words parsed; `--help` among its options raises `HelpShown` with its usage."""
    options = words[:words.index("--")] if "--" in words else words
    if "--help" in options:
        raise HelpShown(parser.format_help())
    return parser.parse_args(words)


def parse_line(magic_func, line: str):
    """`parse_argstring` with shell quoting: the magic's argparse namespace, or a UsageError."""
    return magic_func.parser.parse_args(split(line))


def global_flags(line: str, short_context: bool = False):
    """The CLI's leading global flags (`-H URL`, `--context NAME`, TLS flags, `--config DIR`) ->
    (Selection or None, the rest of the line).  A line that does not split is left to the
    magic's own parser."""
    try:
        words = split(line)
    except UsageError:
        return None, line
    found, config = {}, None
    while True:
        selection, words = split_global_flags(words, short_context)
        found.update({k: v for k, v in asdict(selection).items() if v} if selection is not None else {})
        if words[:1] == ["--config"] and len(words) > 1:
            config, words = words[1], words[2:]
        elif words and words[0].startswith("--config="):
            config, words = words[0].split("=", 1)[1], words[1:]
        elif selection is None:
            break
    if not found and config is None:
        return None, line
    return _configured(found, config), join(words)


def _configured(found: dict, config: str | None):
    """The Selection of the call, with `--config DIR` (read by `dockerconfig.folder()` during the call)."""
    if config is not None and not config.strip():
        raise InvalidInput("--config needs a folder: the docker config folder to use for this command")
    return Selection(**found, config=config)
