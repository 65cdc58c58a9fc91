"""A Dockerfile's lines read as BuildKit's parser reads them (frontend/dockerfile/parser):
parser directives at the top, the escape character, continuations that skip blank and comment
lines, heredocs, flags, and JSON or shell form by BuildKit's rule.  `dump()` writes BuildKit's
own S-expression dump, so BuildKit's parser test files check this module line for line.

What BuildKit does here is followed even where it surprises: a `[` that is not a JSON array
of strings is shell form, a line that is only the escape character continues, an unknown
instruction is kept (the instruction checks refuse it, with a suggestion)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..text.strconv import go_quote
from .lex import Lexer, ShellSyntaxError
from .line_parsers import SyntaxProblem, split_line


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
    comments: list[str] = field(default_factory=list)  # the comment lines just above it (BuildKit's PrevComment)
    empty_continuation: int = 0  # where a continuation skipped an empty line: the line BuildKit's warning names

    @property
    def command(self) -> str:
        return self.keyword.lower()


@dataclass
class Directives:
    syntax: str | None = None
    escape: str = "\\"
    check: str | None = None
    lines: dict = field(default_factory=dict)  # name -> line


_DIRECTIVE = re.compile(r"#[\t\n\f\r ]*([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*(.+?)[\t\n\f\r ]*\Z")
_HEREDOC = re.compile(r"([0-9]*)<<(-?)([^<]*)\Z")
_HEREDOC_COMMANDS = {"add", "copy", "run"}
_MAYBE_HEREDOC = re.compile(r"(?:\A|\s)[0-9]*<<[^<\s]")  # a heredoc word starts so; lexing is dearer
_LEXED = re.compile(r"[\\'\"]")  # quotes and escapes: only the lexer splits those words right
_LINE_LEXER = Lexer("\\", raw_quotes=True, raw_escapes=True, skip_unset=True)
_NAME_LEXER = Lexer("\\", skip_unset=True)
_NAME_LEXER_RAW = Lexer("\\", raw_quotes=True, skip_unset=True)


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

    def directive(self, line: str) -> bool:
        """Read a parser directive; True when `line` was one."""
        if self.directives_done:
            return False
        match = _DIRECTIVE.match(line)
        name = match.group(1).lower() if match else None
        if name not in ("syntax", "escape", "check"):
            self.directives_done = True
            return False
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
        return True

    def trim(self, line: str) -> tuple[str, bool]:
        if line.rstrip(" \t").endswith(self.directives.escape):
            match = self.cont.search(line)
            if match:
                return line[:match.start()] + (match.group(1) or ""), False
        return line, True

    def nodes(self) -> list[Node]:
        out, comments = [], []
        while self.i < len(self.lines):
            raw = self.lines[self.i].rstrip("\r\n").lstrip()
            is_directive = self.directive(raw)
            self.i += 1
            start = self.i
            if is_directive:
                pass  # a parser directive is no instruction's comment
            elif _is_comment(raw):  # an empty `#` or an empty line ends a description comment
                comments = comments + [raw[1:].strip()] if raw[1:].strip() else []
            elif not raw.strip():
                comments = []
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
            node.empty_continuation = self.i if empty_inside else 0
            self.heredocs(node, line, start)
            node.start, node.end, node.comments = start, self.i, comments
            comments = []
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
    if not _LEXED.search(line) and "${" not in line:
        words = line.split()  # what the lexer would make of it, a good deal faster
    else:
        try:
            words = _LINE_LEXER.words(line)
        except ShellSyntaxError:
            return []
    return [doc for doc in map(heredoc_word, words) if doc is not None]


# -- one instruction's line ------------------------------------------------------------------------

def node_from_line(line: str, escape: str) -> Node:
    keyword, flags, rest, args, is_json = split_line(line, escape)
    if keyword.lower() == "onbuild":
        args = [node_from_line(rest, escape)] if rest else []
    elif args is None:  # unknown: kept, so the instruction checks can name it
        args = [""]
    return Node(keyword, args, flags, is_json, line)


def parse_nodes(text: str) -> tuple[list[Node], Directives, list[str]]:
    """Every instruction of `text`, its parser directives and BuildKit's warnings."""
    reader = _Reader(text)
    nodes = reader.nodes()
    if not nodes:
        raise SyntaxProblem("file with no instructions", reader.i)
    return nodes, reader.directives, reader.warnings


# -- BuildKit's dump --------------------------------------------------------------------------------

def dump(node: Node) -> str:
    """One instruction as BuildKit's Node.Dump writes it, e.g. `(copy ["--from=a"] "x" "/")`."""
    return "(" + _dump_inner(node) + ")"


def _dump_inner(node: Node) -> str:
    text = node.command
    if node.flags:
        text += " [" + " ".join(go_quote(f) for f in node.flags) + "]"
    for arg in node.args:
        text += " " + (dump(arg) if isinstance(arg, Node) else go_quote(arg))
    return text.strip()
