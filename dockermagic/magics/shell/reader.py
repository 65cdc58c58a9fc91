"""A magic line read with POSIX sh's grammar, into what `words.expand` and `runner.run` need:
a `Program` of pipelines joined by `&&`, `||` and `;`, each a list of `Command`s with their
words (still unexpanded: quotes and `$...` kept as parts), assignments and redirections.

Written here rather than taken from a library: `shlex` (even with `punctuation_chars`) keeps
no quoting per part and knows neither `$(...)` nor `${...}`, and bashlex (GPL-3) parses bash,
not sh, and leaves expansion to its caller anyway.  What it reads is checked side by side with
`/bin/sh` itself in tests/magics/test_shell_words.py.

A Python value IPython put into the line (`{name}`, `$name`) arrives between `VALUE_OPEN` and
`VALUE_CLOSE`: it is read as the value of an unquoted sh variable, split into words but never
read as code (a `;`, `$(...)` or quote in it is text).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ...errors import InvalidInput

VALUE_OPEN, VALUE_CLOSE = "\ue000", "\ue001"
OPERATORS = ("&&", "||", ";;", "<<", ">>", ">|", ">&", "<&", "<>", "|", "&", ";", "<", ">", "(", ")")
REDIRECTS = {">": 1, ">>": 1, ">|": 1, ">&": 1, "<": 0, "<&": 0, "<>": 0}
META = set("|&;<>() \t\n")
SPECIAL = set("?$#!@*-0123456789")
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
ASSIGNMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=")
PARAM_OPS = (":-", ":=", ":?", ":+", "-", "=", "?", "+", "%%", "%", "##", "#")
RESERVED = {"if", "then", "else", "elif", "fi", "do", "done", "case", "esac", "while", "until", "for", "{", "}",
            "!", "function", "select", "[[", "]]"}

BACKGROUND = ("`&` (run in the background) is not run in a %docker line, which waits for its commands: "
              "start a long-running container with `docker run -d`")
HEREDOC = ("here-documents (`<<`) are not read in a %docker line: make the text the cell of %%docker_run / "
           "%%docker_exec (the cell is the container's stdin), or write it to a file and use `< FILE`")
SUBSHELL = ("`( ... )` subshells and shell functions are not run in a %docker line: write the commands one "
            "after another with `&&` or `;`, or in Python around %docker lines")
ARITHMETIC = "`$(( ))` arithmetic is not read in a %docker line: compute it in Python and write {name}"


class ShellSyntax(InvalidInput):
    """A line sh would not read, or a construct a magic line does not run; one line."""


# -- the parts of a word ------------------------------------------------------------------------
@dataclass(frozen=True)
class Lit:
    """Text as typed: `quoted` text is neither split nor globbed; unquoted text is globbed."""

    text: str
    quoted: bool = False


@dataclass(frozen=True)
class Value:
    """A Python value IPython put into the line: an unquoted variable's value (split, globbed)."""

    text: str


@dataclass(frozen=True)
class Param:
    """`$NAME`, `${NAME}`, `${NAME:-word}` ... (`op` '' for none, `length` for `${#NAME}`)."""

    name: str
    op: str = ""
    arg: Word | None = None
    quoted: bool = False
    length: bool = False


@dataclass(frozen=True)
class Sub:
    """`$(source)` or a backquoted command."""

    source: str
    quoted: bool = False


@dataclass(frozen=True)
class Tilde:
    user: str = ""


@dataclass
class Word:
    parts: list
    raw: str = ""

    def literal(self) -> str | None:
        """The word's text when it is plain unquoted text (a reserved word, a command name)."""
        if all(isinstance(p, Lit) and not p.quoted for p in self.parts):
            return "".join(p.text for p in self.parts)
        return None


@dataclass
class Redirect:
    fd: int
    op: str
    target: Word


@dataclass
class Command:
    words: list = field(default_factory=list)
    assignments: list = field(default_factory=list)  # (name, Word)
    redirects: list = field(default_factory=list)

    def empty(self) -> bool:
        return not (self.words or self.assignments or self.redirects)


@dataclass
class Program:
    """Pipelines in order, each with the connector before it (`;` for the first)."""

    steps: list = field(default_factory=list)  # (connector, [Command, ...])

    def simple(self) -> Command | None:
        """The one command of a line that has no pipe, sequence, assignment or redirection."""
        if len(self.steps) == 1 and len(self.steps[0][1]) == 1:
            command = self.steps[0][1][0]
            if not command.assignments and not command.redirects:
                return command
        return None


# -- scanning -----------------------------------------------------------------------------------
def parse(line: str) -> Program:
    """The line's program; a construct sh would refuse, or that is not run here, is one `ShellSyntax`."""
    return _parse(_tokens(line or ""))


def _tokens(text: str) -> list:
    tokens, pos, n = [], 0, len(text)
    while pos < n:
        c = text[pos]
        if c in " \t":
            pos += 1
            continue
        if c == "\n":
            tokens.append(("op", ";"))
            pos += 1
            continue
        if c == "#":
            break
        op = next((o for o in OPERATORS if text.startswith(o, pos)), None)
        if op is not None:
            tokens.append(("op", op))
            pos += len(op)
            continue
        word, end = scan_word(text, pos)
        if word.raw.isdigit() and end < n and text[end] in "<>":
            tokens.append(("io", int(word.raw)))
        else:
            tokens.append(("word", word))
        pos = end
    return tokens


def scan_word(text: str, pos: int, stop=META, dquote: bool = False) -> tuple[Word, int]:
    """The word starting at `pos` (ending at an unquoted character of `stop`) and where it ends."""
    parts, start, n, buf = [], pos, len(text), []

    def flush():
        if buf:
            parts.append(Lit("".join(buf), dquote))
            buf.clear()

    if not dquote and text.startswith("~", pos):
        m = re.compile(r"~([A-Za-z0-9_.-]*)(?=/|$|[|&;<>() \t\n])").match(text, pos)
        if m:
            parts.append(Tilde(m.group(1)))
            pos = m.end()
    while pos < n:
        c = text[pos]
        if c in stop:
            break
        if c == "\\":
            if pos + 1 >= n:
                buf.append("\\")
                pos += 1
            elif text[pos + 1] == "\n":
                pos += 2
            elif dquote and text[pos + 1] not in '$`"\\':
                buf.append("\\")
                pos += 1
            else:
                flush()
                parts.append(Lit(text[pos + 1], True))
                pos += 2
        elif c == "'" and not dquote:
            end = text.find("'", pos + 1)
            if end < 0:
                raise ShellSyntax("unterminated quoted string on the magic's line: check its quotes")
            flush()
            parts.append(Lit(_unmark(text[pos + 1:end]), True))
            pos = end + 1
        elif c == '"' and not dquote:
            flush()
            inner, end = scan_word(text, pos + 1, stop='"', dquote=True)
            if end >= n:
                raise ShellSyntax("unterminated quoted string on the magic's line: check its quotes")
            parts.extend(inner.parts or [Lit("", True)])
            pos = end + 1
        elif c == "$":
            part, pos = _dollar(text, pos, dquote)
            if isinstance(part, str):
                buf.append(part)
            else:
                flush()
                parts.append(part)
        elif c == "`":
            end = _backquote_end(text, pos)
            flush()
            parts.append(Sub(re.sub(r"\\([$`\\])", r"\1", text[pos + 1:end]), dquote))
            pos = end + 1
        elif c == VALUE_OPEN:
            end = text.find(VALUE_CLOSE, pos)
            end = n if end < 0 else end
            flush()
            parts.append(Lit(text[pos + 1:end], True) if dquote else Value(text[pos + 1:end]))
            pos = end + 1
        else:
            buf.append(c)
            pos += 1
    flush()
    return Word(parts, text[start:pos]), pos


def _unmark(text: str) -> str:
    return text.replace(VALUE_OPEN, "").replace(VALUE_CLOSE, "")


def _dollar(text: str, pos: int, dquote: bool):
    """What `$` at `pos` starts: a part and where it ends, or a plain `$`."""
    nxt = text[pos + 1:pos + 2]
    if text.startswith("$((", pos):
        raise ShellSyntax(ARITHMETIC)
    if nxt == "(":
        end = matching(text, pos + 2, ")")
        return Sub(text[pos + 2:end], dquote), end + 1
    if nxt == "{":
        end = matching(text, pos + 2, "}")
        return _braced(text[pos + 2:end], dquote), end + 1
    m = NAME.match(text, pos + 1)
    if m:
        return Param(m.group(), quoted=dquote), m.end()
    if nxt and nxt in SPECIAL:
        return Param(nxt, quoted=dquote), pos + 2
    return "$", pos + 1


def _braced(inner: str, dquote: bool) -> Param:
    length = inner.startswith("#") and len(inner) > 1
    body = inner[1:] if length else inner
    m = NAME.match(body) or (re.match(r"[?$#!@*0-9-]", body) if body else None)
    if not m:
        raise ShellSyntax(f"${{{inner}}}: bad substitution")
    name, rest = m.group(), body[m.end():]
    if length:
        if rest:
            raise ShellSyntax(f"${{{inner}}}: bad substitution")
        return Param(name, quoted=dquote, length=True)
    if not rest:
        return Param(name, quoted=dquote)
    op = next((o for o in PARAM_OPS if rest.startswith(o)), None)
    if op is None:
        raise ShellSyntax(f"${{{inner}}}: bad substitution")
    arg, _ = scan_word(rest[len(op):], 0, stop=(), dquote=dquote)
    return Param(name, op, arg, dquote)


def matching(text: str, pos: int, close: str) -> int:
    """Where the `)` or `}` that closes what was opened just before `pos` is (quotes skipped)."""
    opener = "(" if close == ")" else "{"
    depth, n = 1, len(text)
    while pos < n:
        c = text[pos]
        if c == "\\":
            pos += 2
            continue
        if c == "'":
            end = text.find("'", pos + 1)
            if end < 0:
                break
            pos = end + 1
            continue
        if c == '"':
            pos = _dquote_end(text, pos) + 1
            continue
        if c == "`":
            pos = _backquote_end(text, pos) + 1
            continue
        if c == opener:
            depth += 1
        elif c == close:
            depth -= 1
            if depth == 0:
                return pos
        pos += 1
    raise ShellSyntax(f"unclosed {'$(' if close == ')' else '${'} on the magic's line: a `{close}` is missing")


def _dquote_end(text: str, pos: int) -> int:
    pos += 1
    while pos < len(text):
        c = text[pos]
        if c == "\\":
            pos += 2
            continue
        if c == '"':
            return pos
        if text.startswith("$(", pos):
            pos = matching(text, pos + 2, ")") + 1
            continue
        if text.startswith("${", pos):
            pos = matching(text, pos + 2, "}") + 1
            continue
        pos += 1
    raise ShellSyntax("unterminated quoted string on the magic's line: check its quotes")


def _backquote_end(text: str, pos: int) -> int:
    pos += 1
    while pos < len(text):
        if text[pos] == "\\":
            pos += 2
            continue
        if text[pos] == "`":
            return pos
        pos += 1
    raise ShellSyntax("unclosed ` on the magic's line: a closing ` is missing")


# -- the grammar --------------------------------------------------------------------------------
def _parse(tokens: list) -> Program:
    program, connector, pipeline, command = Program(), ";", [], Command()
    i = 0

    def end_command(op):
        if command.empty():
            raise ShellSyntax(f"syntax error near `{op}` on the magic's line: a command is missing")
        pipeline.append(command)

    while i < len(tokens):
        kind, value = tokens[i]
        if kind == "word":
            if not command.words and (m := ASSIGNMENT.match(value.raw)) and _plain_prefix(value, m.end()):
                command.assignments.append((m.group(1), _after(value, m.end())))
            else:
                if not command.words and value.literal() in RESERVED:
                    raise ShellSyntax(f"`{value.literal()}` is shell control flow, not run in a %docker line: "
                                      "write it in Python around %docker lines")
                command.words.append(value)
            i += 1
            continue
        fd = None
        if kind == "io":
            fd, i = value, i + 1
            kind, value = tokens[i]
        if value in REDIRECTS:
            if i + 1 >= len(tokens) or tokens[i + 1][0] != "word":
                raise ShellSyntax(f"syntax error near `{value}`: it needs a file (or &N) after it")
            command.redirects.append(Redirect(REDIRECTS[value] if fd is None else fd, value, tokens[i + 1][1]))
            i += 2
            continue
        if value == "&":
            raise ShellSyntax(BACKGROUND)
        if value == "<<":
            raise ShellSyntax(HEREDOC)
        if value in ("(", ")"):
            raise ShellSyntax(SUBSHELL)
        if value == ";;":
            raise ShellSyntax("syntax error near `;;` on the magic's line")
        end_command(value)
        command = Command()
        if value == "|":
            i += 1
            if i >= len(tokens):
                raise ShellSyntax("syntax error: the line ends with `|`; a command is missing after it")
            continue
        program.steps.append((connector, pipeline))
        pipeline, connector = [], value
        i += 1
        if value in ("&&", "||") and i >= len(tokens):
            raise ShellSyntax(f"syntax error: the line ends with `{value}`; a command is missing after it")
    if not command.empty():
        pipeline.append(command)
    elif pipeline:
        raise ShellSyntax("syntax error: the line ends with `|`; a command is missing after it")
    if pipeline:
        program.steps.append((connector, pipeline))
    return program


def _plain_prefix(word: Word, length: int) -> bool:
    first = word.parts[0] if word.parts else None
    return isinstance(first, Lit) and not first.quoted and len(first.text) >= length


def _after(word: Word, length: int) -> Word:
    first, rest = word.parts[0], word.parts[1:]
    head = [Lit(first.text[length:])] if first.text[length:] else []
    return Word(head + rest, word.raw[length:])
