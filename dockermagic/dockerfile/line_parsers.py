"""One instruction's line split as BuildKit's line parsers split it
(frontend/dockerfile/parser/line_parsers.go, split_command.go): the leading `--flags`, then
the arguments by the instruction's own rule (whitespace, words with quotes kept, KEY=VALUE
pairs, JSON array or shell form)."""

from __future__ import annotations

import json
import re

from ..text.strconv import go_quote


class SyntaxProblem(ValueError):
    """What BuildKit's parser refuses, with the line it names (1-based)."""

    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.message, self.line = message, line


_WHITESPACE = re.compile(r"[\t\v\f\r ]+")


class _NotStrings(ValueError):
    pass


def split_line(line: str, escape: str) -> tuple[str, list[str], str, list[str] | None, bool]:
    """(keyword as written, flags, the rest, its arguments or None for an unknown instruction,
    JSON form?)."""
    parts = _WHITESPACE.split(line.strip(), maxsplit=1)
    keyword, flags, rest = parts[0], [], ""
    if len(parts) == 2:
        rest, flags = _flags(parts[1])
    rest = rest.strip()
    parse = DISPATCH.get(keyword.lower())
    if parse is None:
        return keyword, flags, rest, None, False
    args, is_json = parse(rest, escape)
    return keyword, flags, rest, args, is_json


def _flags(line: str) -> tuple[str, list[str]]:
    """Leading `--words`; those without quotes or backslashes (nearly all) the quick way."""
    rest, words = line.lstrip(), []
    while rest.startswith("--"):
        match = _PLAIN_FLAG.match(rest)
        if not match:
            return _quoted_flags(line)
        if match.group() == "--":
            return rest[2:], words
        words.append(match.group())
        rest = rest[match.end():].lstrip()
    return rest, words


_PLAIN_FLAG = re.compile(r"--[^\s'\"\\]*(?=\s|\Z)")


def _quoted_flags(line: str) -> tuple[str, list[str]]:
    """BuildKit's extractBuilderFlags: leading `--words` (quotes and backslashes read), up to
    the first word that does not start with `--`, or a lone `--`."""
    words, word, phase, quote, blank_ok = [], [], "space", "", False
    pos, n = 0, len(line)
    while pos <= n:
        ch = line[pos] if pos < n else ""
        if phase == "space":
            if pos == n:
                break
            if ch.isspace():
                pos += 1
                continue
            if ch != "-" or pos + 1 == n or line[pos + 1] != "-":
                return line[pos:], words
            phase = "word"
        if pos == n:
            text = "".join(word)
            if text != "--" and (blank_ok or text):
                words.append(text)
            break
        if phase == "word":
            if ch.isspace():
                phase, text = "space", "".join(word)
                if text == "--":
                    return line[pos:], words
                if blank_ok or text:
                    words.append(text)
                word, blank_ok = [], False
                pos += 1
                continue
            if ch in "'\"":
                quote, blank_ok, phase = ch, True, "quote"
                pos += 1
                continue
            if ch == "\\":
                if pos + 1 == n:
                    pos += 1
                    continue
                pos += 1
                ch = line[pos]
            word.append(ch)
        else:
            if ch == quote:
                phase = "word"
                pos += 1
                continue
            if ch == "\\":
                if pos + 1 == n:
                    phase = "word"
                    pos += 1
                    continue
                pos += 1
                ch = line[pos]
            word.append(ch)
        pos += 1
    return "", words


def _words(rest: str, escape: str) -> list[str]:
    """BuildKit's parseWords: words split at spaces outside quotes, quotes and escapes kept."""
    if escape not in rest and "'" not in rest and '"' not in rest:
        return rest.split()
    words, word, phase, quote, blank_ok = [], [], "space", "", False
    pos, n = 0, len(rest)
    while pos <= n:
        ch = rest[pos] if pos < n else ""
        if phase == "space":
            if pos == n:
                break
            if ch.isspace():
                pos += 1
                continue
            phase = "word"
        if pos == n:
            if blank_ok or word:
                words.append("".join(word))
            break
        if phase == "word":
            if ch.isspace():
                phase = "space"
                if blank_ok or word:
                    words.append("".join(word))
                word, blank_ok = [], False
                pos += 1
                continue
            if ch in "'\"":
                quote, blank_ok, phase = ch, True, "quote"
            if ch == escape:
                if pos + 1 == n:
                    pos += 1
                    continue
                word.append(ch)
                pos += 1
                ch = rest[pos]
            word.append(ch)
        else:
            if ch == quote:
                phase = "word"
            if ch == escape and quote != "'":
                if pos + 1 == n:
                    phase = "word"
                    pos += 1
                    continue
                pos += 1
                word.append(ch)
                ch = rest[pos]
            word.append(ch)
        pos += 1
    return words


def _name_values(keyword: str):
    def parse(rest: str, escape: str):
        words = _words(rest, escape)
        if not words:
            return [], False
        if "=" not in words[0]:
            parts = _WHITESPACE.split(rest, maxsplit=1)
            if len(parts) < 2:
                raise SyntaxProblem(f"{keyword} must have two arguments", 0)
            return [parts[0], parts[1], ""], False
        args = []
        for word in words:
            if "=" not in word:
                raise SyntaxProblem(f"Syntax error - can't find = in {go_quote(word)}. Must be of the form: name=value", 0)
            key, value = word.split("=", 1)
            args += [key, value, "="]
        return args, False
    return parse


def _arg(rest: str, escape: str):
    return _words(rest, escape), False


def _split(rest: str, escape: str):
    return (_WHITESPACE.split(rest) if rest else []), False


def _string(rest: str, escape: str):
    return ([rest] if rest else []), False


def _json(rest: str) -> list[str] | None:
    """The array when `rest` is a JSON array of strings; None when it is not JSON (shell form)."""
    rest = rest.lstrip()
    if not rest.startswith("["):
        return None
    try:
        value = json.loads(rest, parse_constant=_no_constant)
    except ValueError:
        return None
    if not isinstance(value, list):
        return None
    if not all(isinstance(item, str) for item in value):
        raise _NotStrings()
    return value


def _no_constant(name: str):
    raise ValueError(name)  # NaN, Infinity: not JSON to Go either


def _maybe_json(rest: str, escape: str):
    if not rest:
        return [], False
    try:
        value = _json(rest)
    except _NotStrings:
        raise SyntaxProblem("when using JSON array syntax, arrays must be comprised of strings only", 0) from None
    return ([rest], False) if value is None else (value, True)


def _maybe_json_list(rest: str, escape: str):
    try:
        value = _json(rest)
    except _NotStrings:
        raise SyntaxProblem("when using JSON array syntax, arrays must be comprised of strings only", 0) from None
    return _split(rest, escape) if value is None else (value, True)


def _health(rest: str, escape: str):
    sep = 0
    while sep < len(rest) and not rest[sep].isspace():
        sep += 1
    if sep == 0:
        return [], False
    following = sep
    while following < len(rest) and rest[following].isspace():
        following += 1
    command, is_json = _maybe_json(rest[following:], escape)
    return [rest[:sep], *command], is_json


DISPATCH = {
    "add": _maybe_json_list, "arg": _arg, "cmd": _maybe_json, "copy": _maybe_json_list,
    "entrypoint": _maybe_json, "env": _name_values("ENV"), "expose": _split, "from": _split,
    "healthcheck": _health, "label": _name_values("LABEL"), "maintainer": _string,
    "run": _maybe_json, "shell": _maybe_json, "stopsignal": _string,
    "user": _string, "volume": _maybe_json_list, "workdir": _string,
}
