"""Instructions checked as BuildKit's instruction parser checks them
(frontend/dockerfile/instructions/parse.go, bflag.go): argument counts, KEY=VALUE pairs,
stage names, the flags each instruction takes, ONBUILD's limits.  A refusal names the line
BuildKit names and says BuildKit's words, with the way out where there is one."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from ..errors import DockerfileError
from .parser import Heredoc, Node, heredoc_word

BOOL, STRING, STRINGS = "bool", "string", "strings"
_HEALTH_FLAGS = {"interval": STRING, "timeout": STRING, "start-period": STRING, "start-interval": STRING,
                 "retries": STRING}
FLAGS = {
    "ADD": {"chown": STRING, "chmod": STRING, "link": BOOL, "keep-git-dir": BOOL, "checksum": STRING,
            "exclude": STRINGS, "unpack": BOOL},
    "COPY": {"chown": STRING, "chmod": STRING, "from": STRING, "link": BOOL, "parents": BOOL, "exclude": STRINGS},
    "FROM": {"platform": STRING},
    "RUN": {"mount": STRINGS, "network": STRING, "security": STRING},
    "HEALTHCHECK": _HEALTH_FLAGS,
}
KEYWORDS = ("ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL",
            "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR")
_UNCHECKED_FLAGS = {"ARG", "STOPSIGNAL"}  # BuildKit never parses their flags
_STAGE_NAME = re.compile(r"[a-z][a-z0-9-_.]*\Z")
_DURATION = re.compile(r"(?:[0-9]*\.?[0-9]+(?:ns|us|µs|ms|s|m|h))+\Z|0\Z")
RUN_NETWORKS = ("default", "none", "host")
RUN_SECURITY = ("sandbox", "insecure")
MOUNT_TYPES = ("bind", "cache", "tmpfs", "secret", "ssh")


@dataclass
class Instruction:
    """One instruction, checked.  `args` are BuildKit's (ENV/LABEL: key, value, "=" or ""
    triples); `flags` holds the flags given, by name (bool, str, or list for repeatable ones)."""

    keyword: str  # upper case
    original: str  # the instruction's line, continuations joined
    args: list[str]
    flags: dict = field(default_factory=dict)
    heredocs: list[Heredoc] = field(default_factory=list)
    start_line: int = 0
    end_line: int = 0
    json: bool = False
    trigger: "Instruction | None" = None  # what an ONBUILD runs later

    def __repr__(self) -> str:
        return f"Instruction(line {self.start_line}: {self.original.strip()[:60]!r})"


class InstructionError(ValueError):
    pass


def _suggest(word: str, choices) -> str:
    close = difflib.get_close_matches(word.lower(), [c.lower() for c in choices], n=1, cutoff=0.6)
    return f" (did you mean {close[0].upper() if word.isupper() else close[0]}?)" if close else ""


def _flags(keyword: str, given: list[str]) -> dict:
    known = FLAGS.get(keyword, {})
    used: dict = {}
    for arg in given:
        if not arg.startswith("--"):
            raise InstructionError(f"Arg should start with -- : {arg}")
        if arg == "--":
            break
        name, eq, value = arg[2:].partition("=")
        kind = known.get(name)
        if kind is None:
            takes = ", ".join(f"--{f}" for f in known) if known else "no flags"
            raise InstructionError(f"unknown flag: --{name}{_suggest(name, known)}; {keyword} takes {takes}")
        if name in used and kind != STRINGS:
            raise InstructionError(f"Duplicate flag specified: {name}")
        if kind == BOOL:
            if eq and not value:
                raise InstructionError(f"Missing a value on flag: {name}")
            if value.lower() not in ("", "true", "false"):
                raise InstructionError(f"Expecting boolean value for flag {name}, not: {value}")
            used[name] = value.lower() != "false"
        elif not eq:
            raise InstructionError(f"Missing a value on flag: {name} (write --{name}=VALUE)")
        elif kind == STRINGS:
            used.setdefault(name, []).append(value)
        else:
            used[name] = value
    return used


def _count(keyword: str, args: list, exactly: int | None = None, least: int | None = None) -> None:
    if exactly is not None and len(args) != exactly:
        raise InstructionError(f"{keyword} requires exactly one argument")
    if least is not None and len(args) < least:
        raise InstructionError(f"{keyword} requires at least one argument")


def _pairs(keyword: str, args: list[str]) -> None:
    if not args:
        raise InstructionError(f"{keyword} requires at least one argument")
    if any(not key for key in args[::3]):
        raise InstructionError(f"{keyword} names can not be blank")


def _sources(keyword: str, args: list[str]) -> None:
    if len(args) < 2:
        raise InstructionError(f"{keyword} requires at least two arguments, but only one was provided. "
                               "Destination could not be determined")
    if heredoc_word(args[-1]) is not None:
        raise InstructionError(f"{keyword} cannot accept a heredoc as a destination")


def _duration(name: str, value: str) -> None:
    if value and not _DURATION.match(value):
        raise InstructionError(f'time: invalid duration "{value}" in --{name} (e.g. 30s, 1m30s)')


def _health(args: list[str], flags: list[str], is_json: bool) -> dict:
    if not args:
        raise InstructionError("HEALTHCHECK requires at least one argument")
    kind, rest = args[0].upper(), args[1:]
    if kind == "NONE":
        if rest:
            raise InstructionError("HEALTHCHECK NONE takes no arguments")
        return {}
    used = _flags("HEALTHCHECK", flags)
    if kind != "CMD":
        raise InstructionError(f'Unknown type "{kind}" in HEALTHCHECK (try CMD)')
    if not rest:
        raise InstructionError("Missing command after HEALTHCHECK CMD")
    for name in ("interval", "timeout", "start-period", "start-interval"):
        _duration(name, used.get(name, ""))
    retries = used.get("retries", "")
    if retries and not re.fullmatch(r"[+-]?[0-9]+", retries):
        raise InstructionError(f'strconv.ParseInt: parsing "{retries}": invalid syntax (--retries takes a number)')
    if retries and int(retries) < 0:
        raise InstructionError(f"--retries cannot be negative ({int(retries)})")
    return used


def _run_flags(used: dict) -> None:
    if used.get("network", "default") not in RUN_NETWORKS:
        raise InstructionError(f"unsupported network mode: {used['network']} (default, none or host)")
    if used.get("security", "sandbox") not in RUN_SECURITY:
        raise InstructionError(f"unsupported security mode: {used['security']} (sandbox or insecure)")
    for spec in used.get("mount", []):
        fields = dict(part.partition("=")[::2] for part in spec.split(",") if part)
        kind = fields.get("type", "bind")
        if kind not in MOUNT_TYPES:
            raise InstructionError(f"unsupported mount type {kind!r} in --mount={spec} (bind, cache, tmpfs, secret or ssh)")


def check(node: Node) -> Instruction:
    """The node as an `Instruction`, or `InstructionError` in BuildKit's words."""
    keyword = node.keyword.upper()
    if keyword not in KEYWORDS:
        raise InstructionError(f"unknown instruction {keyword}{_suggest(keyword, KEYWORDS)}")
    args = [a for a in node.args if not isinstance(a, Node)]
    flags: dict = {}
    trigger = None
    if keyword in ("ENV", "LABEL"):
        flags = _flags(keyword, node.flags)
        _pairs(keyword, args)
    elif keyword in ("MAINTAINER", "WORKDIR", "USER", "STOPSIGNAL"):
        _count(keyword, args, exactly=1)
    elif keyword in ("ADD", "COPY"):
        _sources(keyword, args)
        flags = _flags(keyword, node.flags)
    elif keyword == "FROM":
        if len(args) == 3 and args[1].lower() == "as":
            if not _STAGE_NAME.match(args[2].lower()):
                raise InstructionError(f'invalid name for build stage: "{args[2]}", name can\'t start with a number '
                                       "or contain symbols")
        elif len(args) != 1:
            raise InstructionError("FROM requires either one or three arguments")
        flags = _flags(keyword, node.flags)
    elif keyword == "ONBUILD":
        trigger = _onbuild(node)
    elif keyword == "HEALTHCHECK":
        flags = _health(args, node.flags, node.json)
    elif keyword in ("EXPOSE", "VOLUME", "ARG"):
        _count(keyword, args, least=1)
        if keyword == "VOLUME" and any(not a.strip() for a in args):
            raise InstructionError("VOLUME specified can not be an empty string")
        if keyword == "ARG" and any(a.startswith("=") for a in args):
            raise InstructionError("ARG names can not be blank")
    elif keyword == "SHELL":
        if not args:
            raise InstructionError("SHELL requires at least one argument")
        if not node.json:
            raise InstructionError('SHELL requires the arguments to be in JSON form, e.g. SHELL ["/bin/sh", "-c"]')
    if keyword not in FLAGS and keyword not in _UNCHECKED_FLAGS and keyword != "HEALTHCHECK":
        flags = _flags(keyword, node.flags)
    if keyword == "RUN":
        flags = _flags(keyword, node.flags)
        _run_flags(flags)
    return Instruction(keyword, node.original, args, flags, node.heredocs, node.start, node.end, node.json, trigger)


def _onbuild(node: Node) -> Instruction:
    if not node.args:
        raise InstructionError("ONBUILD requires at least one argument")
    _flags("ONBUILD", node.flags)
    inner = node.args[0]
    name = inner.keyword.upper()
    if name == "ONBUILD":
        raise InstructionError("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed")
    if name in ("MAINTAINER", "FROM"):
        raise InstructionError(f"{name} isn't allowed as an ONBUILD trigger")
    inner.start, inner.end, inner.heredocs = node.start, node.end, node.heredocs
    return check(inner)


def refuse(line: int, message: str) -> DockerfileError:
    return DockerfileError(f"line {line}: {message}")
