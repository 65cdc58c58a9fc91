"""Shell words as BuildKit's Dockerfile lexer reads them (frontend/dockerfile/shell/lex.go):
quotes, the escape character, `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR:+alt}`, `${VAR:?msg}`,
`${VAR#pattern}`, `${VAR%pattern}`, `${VAR/pattern/replacement}`.

Its quirks are kept on purpose (an empty quoted word is dropped from the word list; `${x}`
stays as written when `skip_unset` is on and x is unset), because the Dockerfile parser
decides heredocs and FROM images through them, and so must we."""

from __future__ import annotations

import re


class ShellSyntaxError(ValueError):
    """A word the lexer cannot read (an unclosed quote, a bad substitution)."""


_SPECIAL = set("@*#?-$!0")


class _Words:
    __slots__ = ("word", "words", "in_word")

    def __init__(self):
        self.word, self.words, self.in_word = "", [], False

    def add_char(self, ch: str) -> None:
        if ch.isspace():
            if self.in_word and self.word:
                self.words.append(self.word)
                self.word, self.in_word = "", False
        else:
            self.add_raw(ch)

    def add_raw(self, text: str) -> None:
        self.word += text
        self.in_word = True

    def add_string(self, text: str) -> None:
        for ch in text:
            self.add_char(ch)

    def result(self) -> list[str]:
        if self.word:
            self.words.append(self.word)
            self.word, self.in_word = "", False
        return self.words


class Lexer:
    """One lexer per configuration; `words()` splits, `word()` substitutes and keeps spaces."""

    def __init__(self, escape: str = "\\", *, raw_quotes: bool = False, raw_escapes: bool = False,
                 skip_unset: bool = False, skip_quotes: bool = False):
        self.escape = escape
        self.raw_quotes = raw_quotes
        self.raw_escapes = raw_escapes
        self.skip_unset = skip_unset
        self.skip_quotes = skip_quotes  # quotes are plain characters (BuildKit's SkipProcessQuotes)
        self.matched: set[str] = set()  # names the last word looked up and found, as BuildKit's matches
        self.unmatched: set[str] = set()  # ... and did not find (the build checks' UndefinedVar)

    def word(self, text: str, env: dict[str, str] | None = None) -> str:
        return self._run(text, env)[0]

    def words(self, text: str, env: dict[str, str] | None = None) -> list[str]:
        return self._run(text, env)[1]

    def word_matches(self, text: str, env: dict[str, str] | None = None) -> tuple[str, set[str], set[str]]:
        """The word, and the names it looked up that `env` has and has not (BuildKit's
        ProcessWordWithMatches: a `${X:-default}` of an unset X counts as not found)."""
        return self._run(text, env)[0], set(self.matched), set(self.unmatched)

    def _run(self, text: str, env: dict[str, str] | None) -> tuple[str, list[str]]:
        self._s, self._i, self._env = text, 0, env or {}
        self.matched, self.unmatched = set(), set()
        self._raw_escapes = self.raw_escapes
        try:
            return self._until(None, self.raw_escapes)
        except ShellSyntaxError as exc:
            raise ShellSyntaxError(f"failed to process {text!r}: {exc}") from None

    # -- the scanner ----------------------------------------------------------------------------
    def _peek(self) -> str | None:
        return self._s[self._i] if self._i < len(self._s) else None

    def _next(self) -> str | None:
        if self._i >= len(self._s):
            return None
        self._i += 1
        return self._s[self._i - 1]

    def _until(self, stop: str | None, raw_escapes: bool) -> tuple[str, list[str]]:
        saved, self._raw_escapes = self._raw_escapes, raw_escapes
        try:
            result: list[str] = []
            words = _Words()
            while (ch := self._peek()) is not None:
                if stop is not None and ch == stop:
                    self._next()
                    return "".join(result), words.result()
                if ch == "$":
                    got = self._dollar()
                    result.append(got)
                    words.add_string(got)
                elif ch in "'\"" and not self.skip_quotes:
                    got = self._single() if ch == "'" else self._double()
                    result.append(got)
                    words.add_raw(got)
                else:
                    ch = self._next()
                    if ch == self.escape:
                        if self._raw_escapes:
                            words.add_raw(ch)
                            result.append(ch)
                        ch = self._next()
                        if ch is None:
                            break
                        words.add_raw(ch)
                    else:
                        words.add_char(ch)
                    result.append(ch)
            if stop is not None:
                raise ShellSyntaxError(f"unexpected end of statement while looking for matching {stop}")
            return "".join(result), words.result()
        finally:
            self._raw_escapes = saved

    def _single(self) -> str:
        first = self._next()
        out = [first] if self.raw_quotes else []
        while True:
            ch = self._next()
            if ch is None:
                raise ShellSyntaxError("unexpected end of statement while looking for matching single-quote")
            if ch == "'":
                if self.raw_quotes:
                    out.append(ch)
                return "".join(out)
            out.append(ch)

    def _double(self) -> str:
        first = self._next()
        out = [first] if self.raw_quotes else []
        while True:
            ch = self._peek()
            if ch is None:
                raise ShellSyntaxError("unexpected end of statement while looking for matching double-quote")
            if ch == '"':
                self._next()
                if self.raw_quotes:
                    out.append(ch)
                return "".join(out)
            if ch == "$":
                out.append(self._dollar())
                continue
            ch = self._next()
            if ch == self.escape:
                if self._raw_escapes:
                    out.append(ch)
                following = self._peek()
                if following is None:
                    continue
                if following in ('"', "$", self.escape):
                    ch = self._next()
            out.append(ch)

    def _name(self) -> str:
        name = []
        while (ch := self._peek()) is not None:
            if not name and ch.isdigit():
                while (ch := self._peek()) is not None and ch.isdigit():
                    name.append(self._next())
                return "".join(name)
            if not name and ch in _SPECIAL:
                return self._next()
            if not (ch.isalnum() or ch == "_"):
                break
            name.append(self._next())
        return "".join(name)

    def _get(self, name: str) -> tuple[str, bool]:
        if name in self._env:
            self.matched.add(name)
            return self._env[name], True
        self.unmatched.add(name)
        return "", False

    def _dollar(self) -> str:
        self._next()
        if self._peek() != "{":
            name = self._name()
            if not name:
                return "$"
            value, is_set = self._get(name)
            if not is_set and self.skip_unset:
                return "$" + name
            return value
        self._next()
        if self._peek() is None:
            raise ShellSyntaxError("syntax error: missing '}'")
        if self._peek() in "{}:":
            raise ShellSyntaxError("syntax error: bad substitution")
        name = self._name()
        ch = self._next()
        if ch == "}":
            value, is_set = self._get(name)
            if not is_set and self.skip_unset:
                return "${%s}" % name
            return value
        if ch == "/":
            return self._replace(name)
        modifier, null_is_unset = ch or "", False
        if ch == ":":
            null_is_unset = True
            ch = self._next()
            modifier += ch or ""
        elif ch is None or ch not in "+-?#%":
            raise ShellSyntaxError(f"unsupported modifier ({modifier}) in substitution")
        word = self._inner("}", ch in ("#", "%"), "syntax error: missing '}'")
        value, is_set = self._get(name)
        if not is_set and self.skip_unset:
            return "${%s%s%s}" % (name, modifier, word)
        empty = not is_set or (null_is_unset and value == "")
        if ch == "-":
            return word if empty else value
        if ch == "+":
            return "" if empty else word
        if ch == "?":
            if not is_set or (null_is_unset and value == ""):
                what = "unset" if not is_set else "empty"
                raise ShellSyntaxError(f"{name}: {word or 'is not allowed to be ' + what}")
            return value
        if ch and ch in "#%":
            greedy = word[:1] == ch
            return _trim(value, word[1:] if greedy else word, suffix=ch == "%", greedy=greedy)
        raise ShellSyntaxError(f"unsupported modifier ({modifier}) in substitution")

    def _inner(self, stop: str, raw: bool, missing: str) -> str:
        try:
            return self._until(stop, raw)[0]
        except ShellSyntaxError:
            if self._peek() is None:
                raise ShellSyntaxError(missing) from None
            raise

    def _replace(self, name: str) -> str:
        every = self._peek() == "/"
        if every:
            self._next()
        pattern = self._inner("/", True, "syntax error: missing '/' in ${}")
        replacement = self._inner("}", True, "syntax error: missing '}'")
        value, is_set = self._get(name)
        if not is_set and self.skip_unset:
            return "${%s/%s/%s}" % (name, pattern, replacement)
        regex = re.compile(_pattern(pattern, greedy=True))
        return regex.sub(lambda m: replacement, value, count=0 if every else 1)


def _pattern(pattern: str, greedy: bool) -> str:
    """A shell wildcard pattern (`*`, `?`, backslash escapes) as a regular expression."""
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        i += 1
        if ch == "*":
            out.append(".*" if greedy else ".*?")
        elif ch == "?":
            out.append(".")
        elif ch == "\\":
            if i < len(pattern) and pattern[i] in "}/":
                continue
            if i >= len(pattern) or pattern[i] not in "*?\\":
                raise ShellSyntaxError(f"invalid pattern ({pattern}) in substitution")
            out.append(re.escape(pattern[i]))
            i += 1
        else:
            out.append(re.escape(ch))
    return "".join(out)


def _trim(value: str, pattern: str, *, suffix: bool, greedy: bool) -> str:
    regex = re.compile(_pattern(pattern, greedy=True), re.S)
    cuts = range(len(value) + 1)
    if suffix:  # shortest suffix: the latest start that matches
        for start in (cuts if greedy else reversed(cuts)):
            if regex.fullmatch(value, start):
                return value[:start]
    else:
        for end in (reversed(cuts) if greedy else cuts):
            if regex.fullmatch(value, 0, end):
                return value[end:]
    return value
