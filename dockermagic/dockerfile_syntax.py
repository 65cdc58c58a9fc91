"""A Dockerfile's lines read as BuildKit's parser reads them (frontend/dockerfile/parser):
parser directives at the top, the escape character, continuations that skip blank and comment
lines, heredocs, flags, and JSON or shell form by BuildKit's rule.  `dump()` writes BuildKit's
own S-expression dump, so BuildKit's parser test files check this module line for line.

What BuildKit does here is followed even where it surprises: a `[` that is not a JSON array
of strings is shell form, a line that is only the escape character continues, an unknown
instruction is kept (the instruction checks refuse it, with a suggestion)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from .shellwords import Lexer, ShellSyntaxError


class SyntaxProblem(ValueError):
    """What BuildKit's parser refuses, with the line it names (1-based)."""

    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.message, self.line = message, line


@dataclass
class Heredoc:
    name: str
    content: str = ""
    expand: bool = True  # False when any part of the delimiter was quoted
    chomp: bool = False  # <<-: leading tabs stripped from the body and the delimiter
    fd: int = 0
    start_line: int = 0  # the first line of the body
    end_line: int = 0  # the line of the closing delimiter

    @property
    def text(self) -> str:
        """The body as the instruction sees it (tabs stripped for <<-)."""
        return re.sub(r"(?m)^\t+", "", self.content) if self.chomp else self.content


@dataclass
class Node:
    """One instruction as the parser leaves it: BuildKit's Node, with its Next chain as a list
    (`args`; an ONBUILD keeps its trigger as a Node there)."""

    keyword: str  # as written
    args: list = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    json: bool = False
    original: str = ""
    heredocs: list[Heredoc] = field(default_factory=list)
    start: int = 0
    end: int = 0

    @property
    def command(self) -> str:
        return self.keyword.lower()


@dataclass
class Directives:
    syntax: str | None = None
    escape: str = "\\"
    check: str | None = None
    lines: dict = field(default_factory=dict)  # name -> line


_WHITESPACE = re.compile(r"[\t\v\f\r ]+")
_DIRECTIVE = re.compile(r"#[\t\n\f\r ]*([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*(.+?)[\t\n\f\r ]*\Z")
_HEREDOC = re.compile(r"([0-9]*)<<(-?)([^<]*)\Z")
_HEREDOC_COMMANDS = {"add", "copy", "run"}
_MAYBE_HEREDOC = re.compile(r"(?:\A|\s)[0-9]*<<[^<\s]")  # a heredoc word starts so; lexing is dearer
_LINE_LEXER = Lexer("\\", raw_quotes=True, raw_escapes=True, skip_unset=True)
_NAME_LEXER = Lexer("\\", skip_unset=True)
_NAME_LEXER_RAW = Lexer("\\", raw_quotes=True, skip_unset=True)


class _NotStrings(ValueError):
    pass


def _continuation(escape: str) -> re.Pattern:
    e = re.escape(escape)
    return re.compile(rf"([^{e}]){e}[ \t]*\Z|^{e}[ \t]*\Z", re.S)


def _is_comment(line: str) -> bool:
    return line.lstrip()[:1] == "#"


def _lines(text: str) -> list[str]:
    parts = text.split("\n")
    lines = [p + "\n" for p in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


class _Reader:
    def __init__(self, text: str):
        if text.startswith("\ufeff"):
            text = text[1:]
        self.lines = _lines(text)
        self.i = 0  # lines consumed; also the 1-based number of the last one read
        self.directives = Directives()
        self.directives_done = False
        self.cont = _continuation("\\")
        self.warnings: list[str] = []

    def directive(self, line: str) -> None:
        if self.directives_done:
            return
        match = _DIRECTIVE.match(line)
        name = match.group(1).lower() if match else None
        if name not in ("syntax", "escape", "check"):
            self.directives_done = True
            return
        d = self.directives
        if name in d.lines:
            raise SyntaxProblem(f"only one {name} parser directive can be used", self.i + 1)
        d.lines[name] = self.i + 1
        value = match.group(2)
        if name == "escape":
            if value not in ("`", "\\"):
                raise SyntaxProblem(f"invalid escape token '{value}' does not match ` or \\", self.i + 1)
            d.escape, self.cont = value, _continuation(value)
        else:
            setattr(d, name, value)

    def trim(self, line: str) -> tuple[str, bool]:
        if line.rstrip(" \t").endswith(self.directives.escape) and self.cont.search(line):
            return self.cont.sub(r"\1", line), False
        return line, True

    def nodes(self) -> list[Node]:
        out = []
        while self.i < len(self.lines):
            raw = self.lines[self.i].rstrip("\r\n").lstrip()
            self.directive(raw)
            self.i += 1
            start = self.i
            line, done = self.trim("" if _is_comment(raw) else raw)
            if done and not line:
                continue
            parts, empty_inside = [line], False
            while not done and self.i < len(self.lines):
                raw = self.lines[self.i]
                token = raw.rstrip("\r\n")
                self.directive(token)
                self.i += 1
                if _is_comment(raw):
                    continue
                if not token.strip():
                    empty_inside = True
                    continue
                token, done = self.trim(token)
                parts.append(token)
            line = "".join(parts)
            if empty_inside:
                self.warnings.append(f"line {start}: empty continuation line in: {line.strip()}")
            try:
                node = node_from_line(line, self.directives.escape)
            except (SyntaxProblem, ShellSyntaxError) as exc:
                raise SyntaxProblem(getattr(exc, "message", str(exc)), start) from None
            self.heredocs(node, line, start)
            node.start, node.end = start, self.i
            out.append(node)
        return out

    def heredocs(self, node: Node, line: str, start: int) -> None:
        target = node.args[0] if node.command == "onbuild" and node.args and isinstance(node.args[0], Node) else node
        if target.command not in _HEREDOC_COMMANDS or target.json or not _MAYBE_HEREDOC.search(line):
            return
        try:
            docs = heredocs_in(line)
        except ShellSyntaxError as exc:
            raise SyntaxProblem(str(exc), start) from None
        for doc in docs:
            body, doc.start_line = [], self.i + 1
            while self.i < len(self.lines):
                raw = self.lines[self.i]
                self.i += 1
                end = raw.rstrip("\r\n")
                if (end.lstrip("\t") if doc.chomp else end) == doc.name:
                    break
                body.append(raw)
            else:
                raise SyntaxProblem("unterminated heredoc", start)
            doc.content, doc.end_line = "".join(body), self.i
            node.heredocs.append(doc)


def heredoc_word(word: str) -> Heredoc | None:
    """The heredoc a word like `<<EOF`, `<<-"EOF"` or `3<<'END'` opens, else None."""
    match = _HEREDOC.match(word)
    if not match or not match.group(3):
        return None
    rest = match.group(3)
    words = _NAME_LEXER.words(rest)
    if len(words) != 1:
        return None
    raw = _NAME_LEXER_RAW.words(rest)
    quotes = lambda w: w.count("'") + w.count('"')  # noqa: E731
    return Heredoc(words[0], expand=quotes(words[0]) == quotes(raw[0]), chomp=match.group(2) == "-",
                   fd=int(match.group(1) or 0))


def heredocs_in(line: str) -> list[Heredoc]:
    try:
        words = _LINE_LEXER.words(line)
    except ShellSyntaxError:
        return []
    return [doc for doc in map(heredoc_word, words) if doc is not None]


# -- one instruction's line -----------------------------------------------------------------------

def node_from_line(line: str, escape: str) -> Node:
    parts = _WHITESPACE.split(line.strip(), maxsplit=1)
    keyword, flags, rest = parts[0], [], ""
    if len(parts) == 2:
        rest, flags = _flags(parts[1])
    rest = rest.strip()
    parse = _DISPATCH.get(keyword.lower())
    args, is_json = ([""], False) if parse is None else parse(rest, escape)
    return Node(keyword, args, flags, is_json, line)


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
                raise SyntaxProblem(f"Syntax error - can't find = in {_go_quote(word)}. Must be of the form: name=value", 0)
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


def _onbuild(rest: str, escape: str):
    if not rest:
        return [], False
    return [node_from_line(rest, escape)], False


_DISPATCH = {
    "add": _maybe_json_list, "arg": _arg, "cmd": _maybe_json, "copy": _maybe_json_list,
    "entrypoint": _maybe_json, "env": _name_values("ENV"), "expose": _split, "from": _split,
    "healthcheck": _health, "label": _name_values("LABEL"), "maintainer": _string,
    "onbuild": _onbuild, "run": _maybe_json, "shell": _maybe_json, "stopsignal": _string,
    "user": _string, "volume": _maybe_json_list, "workdir": _string,
}


def parse_nodes(text: str) -> tuple[list[Node], Directives, list[str]]:
    """Every instruction of `text`, its parser directives and BuildKit's warnings."""
    reader = _Reader(text)
    nodes = reader.nodes()
    if not nodes:
        raise SyntaxProblem("file with no instructions", reader.i)
    return nodes, reader.directives, reader.warnings


# -- BuildKit's dump --------------------------------------------------------------------------------

def _go_quote(text: str) -> str:
    """Go's strconv.Quote."""
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch in _GO_ESCAPES:
            out.append(_GO_ESCAPES[ch])
        elif ch.isprintable():
            out.append(ch)
        elif code < 0x80:
            out.append(f"\\x{code:02x}")
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


_GO_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}


def dump(node: Node) -> str:
    """One instruction as BuildKit's Node.Dump writes it, e.g. `(copy ["--from=a"] "x" "/")`."""
    return "(" + _dump_inner(node) + ")"


def _dump_inner(node: Node) -> str:
    text = node.command
    if node.flags:
        text += " [" + " ".join(_go_quote(f) for f in node.flags) + "]"
    for arg in node.args:
        text += " " + (dump(arg) if isinstance(arg, Node) else _go_quote(arg))
    return text.strip()
