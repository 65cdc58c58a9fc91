"""A read word expanded as sh expands it: tilde, parameters (`$VAR`, `${VAR:-word}` and the
other forms, from the environment), command substitution (through a caller's `substitute`),
then field splitting of what was expanded unquoted, pathname expansion and quote removal.

What an expansion gives is text, never read again as code: a `;`, `$(...)` or quote in a
variable's value stays in the word (sh expands once, and so does this)."""

from __future__ import annotations

import glob
import os
import pwd
import re

from .reader import Lit, Param, ShellSyntax, Sub, Tilde, Value, Word

IFS = " \t\n"
GLOB_CHARS = re.compile(r"[*?\[]")


class Expander:
    """Expands words against `env` (os.environ unless given) and `variables` (the line's own
    assignments, `${X:=y}`), with `substitute(source) -> output` for `$(...)`."""

    def __init__(self, substitute, env=None, status: int = 0):
        self.substitute = substitute
        self.env = os.environ if env is None else env
        self.variables: dict[str, str] = {}
        self.status = status

    # -- words -> fields ---------------------------------------------------------------------
    def fields(self, word: Word) -> list[str]:
        """The fields (argv words) one word expands to."""
        fields, current, started = [], [], False
        for part in word.parts:
            if isinstance(part, Lit):
                current.append((part.text, not part.quoted))
                started = True
            elif isinstance(part, Tilde):
                current.append((self._home(part.user), False))
                started = True
            elif getattr(part, "quoted", False):
                current.append((self._value(part), False))
                started = True
            else:
                for text, protected in self._segments(part):
                    if protected:
                        current.append((text, False))
                        started = True
                        continue
                    for k, piece in enumerate(re.split(f"[{IFS}]+", text)):
                        if k and started:
                            fields.append(current)
                            current, started = [], False
                        if piece:
                            current.append((piece, True))
                            started = True
        if started:
            fields.append(current)
        return [f for field in fields for f in _globbed(field)]

    def text(self, word: Word | None) -> str:
        """The word as one string (no splitting, no globbing): a redirection's file, `${X:-word}`'s word."""
        if word is None:
            return ""
        out = []
        for part in word.parts:
            if isinstance(part, Lit):
                out.append(part.text)
            elif isinstance(part, Tilde):
                out.append(self._home(part.user))
            else:
                out.append(self._value(part))
        return "".join(out)

    def all(self, words) -> list[str]:
        return [f for word in words for f in self.fields(word)]

    # -- parts ----------------------------------------------------------------------------------
    def _segments(self, part) -> list[tuple[str, bool]]:
        """An unquoted expansion as (text, quoted?) pieces: `${U:-"a b" c}` keeps "a b" whole."""
        if isinstance(part, Param) and part.op in (":-", "-", ":+", "+") and part.arg is not None:
            value = self.lookup(part.name)
            unset = value is None or (part.op.startswith(":") and value == "")
            if unset == (part.op in (":-", "-")):
                out = []
                for inner in part.arg.parts:
                    if isinstance(inner, Lit):
                        out.append((inner.text, inner.quoted))
                    elif isinstance(inner, Tilde):
                        out.append((self._home(inner.user), True))
                    elif getattr(inner, "quoted", False):
                        out.append((self._value(inner), True))
                    else:
                        out.extend(self._segments(inner))
                return out
        return [(self._value(part), False)]

    def _value(self, part) -> str:
        if isinstance(part, Value):
            return part.text
        if isinstance(part, Sub):
            return self.substitute(part.source).rstrip("\n")
        return self._param(part)

    def lookup(self, name: str) -> str | None:
        special = {"?": str(self.status), "$": str(os.getpid()), "#": "0", "0": "/bin/sh", "-": "", "@": None,
                   "*": None, "!": None}
        if name in special:
            return special[name]
        if name.isdigit():
            return None
        if name in self.variables:
            return self.variables[name]
        return self.env.get(name)

    def _param(self, part: Param) -> str:
        value = self.lookup(part.name)
        if part.length:
            return str(len(value or ""))
        op = part.op
        unset = value is None or (op.startswith(":") and value == "")
        if op in (":-", "-"):
            return self.text(part.arg) if unset else value
        if op in (":=", "="):
            if unset:
                if not re.fullmatch(r"[A-Za-z_]\w*", part.name):
                    raise ShellSyntax(f"${{{part.name}{op}...}}: cannot assign in this way")
                value = self.variables[part.name] = self.text(part.arg)
            return value
        if op in (":?", "?"):
            if unset:
                said = self.text(part.arg) or ("parameter null or not set" if op == ":?" else "parameter not set")
                raise ShellSyntax(f"{part.name}: {said}")
            return value
        if op in (":+", "+"):
            return "" if unset else self.text(part.arg)
        if op in ("%", "%%", "#", "##"):
            return _trimmed(value or "", op, self.text(part.arg))
        return value or ""

    def _home(self, user: str) -> str:
        if not user:
            return self.env.get("HOME") or os.path.expanduser("~")
        try:
            return pwd.getpwnam(user).pw_dir
        except KeyError:
            return "~" + user


def _trimmed(value: str, op: str, pattern: str) -> str:
    """`${X%pat}` (shortest suffix), `%%` (longest), `#` (shortest prefix), `##` (longest)."""
    rx = re.compile(pattern_regex(pattern), re.S)
    n = len(value)
    if op in ("%", "%%"):
        cuts = range(n, -1, -1) if op == "%" else range(0, n + 1)
        return next((value[:i] for i in cuts if rx.fullmatch(value[i:])), value)
    cuts = range(0, n + 1) if op == "#" else range(n, -1, -1)
    return next((value[i:] for i in cuts if rx.fullmatch(value[:i])), value)


def pattern_regex(pattern: str) -> str:
    """A shell pattern (`*`, `?`, `[...]`, `[!...]`) as a regular expression."""
    out, i, n = [], 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "*":
            out.append(".*")
        elif c == "?":
            out.append(".")
        elif c == "\\" and i + 1 < n:
            i += 1
            out.append(re.escape(pattern[i]))
        elif c == "[":
            end = pattern.find("]", i + 2 if pattern[i + 1:i + 2] in ("!", "^", "]") else i + 1)
            if end < 0:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1:end]
                if body[:1] in ("!", "^"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = end
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


def _globbed(field: list) -> list[str]:
    """Pathname expansion of a field made of (text, globbed?) pieces; no match: the field as is."""
    text = "".join(piece for piece, _ in field)
    if not any(active and GLOB_CHARS.search(piece) for piece, active in field):
        return [text]
    pattern = "".join(piece if active else glob.escape(piece) for piece, active in field)
    found = glob.glob(pattern)
    folder, name = os.path.split(pattern)
    if name.startswith("."):  # sh's `.*` matches `.` and `..` too; glob leaves them out
        found += [os.path.join(folder, d) for d in (".", "..") if re.fullmatch(pattern_regex(name), d)]
    return sorted(found) or [text]
