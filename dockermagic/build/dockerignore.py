"""`.dockerignore` as the docker CLI reads and applies it (moby's patternmatcher and
ignorefile, and the walk of moby's pkg/archive), so the files that reach the engine are the
files `docker build` sends.

docker-py's own matcher differs from the CLI where tutorials notice: it takes `[!a]` for a
negated class and `[^a]` for a literal caret (Go's regexp does the opposite) and has no escapes
(`we\\[ird\\].txt`), so it is not used.
"""

from __future__ import annotations

import os
import re
import warnings

from ..errors import InvalidInput


def read(data: bytes) -> list[str]:
    """The patterns of a `.dockerignore` (ignorefile.ReadAll): `#` comments only at the very
    start of a line, spaces trimmed, CRLF read as LF, each pattern cleaned as a Go path and made
    relative to the context."""
    patterns = []
    text = data.removeprefix(b"\xef\xbb\xbf").decode("utf-8", "surrogateescape")
    for line in text.split("\n"):
        line = line.removesuffix("\r")
        if line.startswith("#"):
            continue
        pattern = line.strip()
        if not pattern:
            continue
        invert = pattern.startswith("!")
        if invert:
            pattern = pattern[1:].strip()
        if pattern:
            pattern = clean(pattern)
            if len(pattern) > 1 and pattern.startswith("/"):
                pattern = pattern[1:]
        patterns.append("!" + pattern if invert else pattern)
    return patterns


def clean(path: str) -> str:
    """Go's `filepath.Clean` (posixpath.normpath keeps a leading `//`; Go does not)."""
    rooted, parts = path.startswith("/"), []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts and parts[-1] != "..":
                parts.pop()
            elif not rooted:
                parts.append("..")
            continue
        parts.append(part)
    joined = "/".join(parts)
    return "/" + joined if rooted else joined or "."


class Pattern:
    """One pattern, matched as patternmatcher matches it: exact, prefix (`a/**`), suffix
    (`**/a`) or a regular expression made from the glob."""

    def __init__(self, text: str):
        self.exclusion = text.startswith("!")
        self.text = text[1:] if self.exclusion else text
        _check_glob(self.text)
        self.kind, self.regexp = _compile(self.text)

    def match(self, path: str) -> bool:
        if self.kind == "exact":
            return path == self.text
        if self.kind == "prefix":
            return path.startswith(self.text[:-2])
        if self.kind == "suffix":
            suffix = self.text[2:]
            return path.endswith(suffix) or (suffix.startswith("/") and path == suffix[1:])
        return self.regexp.match(path) is not None


class Matcher:
    """Patterns in order; the last that matches a path (or one of its folders) decides."""

    def __init__(self, patterns: list[str]):
        self.patterns = []
        for text in patterns:
            text = clean(text.strip()) if text.strip() else ""
            if not text:
                continue
            if text == "!":
                raise InvalidInput('.dockerignore: illegal exclusion pattern: "!"')
            self.patterns.append(Pattern(text))
        self.exclusions = any(p.exclusion for p in self.patterns)

    def matches(self, path: str, parent: list[bool] | None = None) -> tuple[bool, list[bool]]:
        """(excluded, what each pattern said): patternmatcher's MatchesUsingParentResults, which
        takes over what the path's folder matched instead of matching the folders again."""
        matched, said = False, [False] * len(self.patterns)
        folders = path.split("/")[:-1]
        for i, pattern in enumerate(self.patterns):
            hit = bool(parent and parent[i])
            if not hit:
                if pattern.exclusion != matched:
                    continue
                hit = pattern.match(path)
                if not hit and parent is None:
                    hit = any(pattern.match("/".join(folders[:n + 1])) for n in range(len(folders)))
            said[i] = hit
            if hit:
                matched = not pattern.exclusion
        return matched, said

    def excluded(self, path: str) -> bool:
        return self.matches(path)[0]

    def must_enter(self, folder: str) -> bool:
        """An excluded folder is still walked where a `!` pattern could bring back what is in it."""
        return any(p.exclusion and (p.text + "/").startswith(folder + "/") for p in self.patterns)


def walk(context: str, patterns: list[str]) -> list[str]:
    """The context's paths (folders too) that `docker build` sends, in the CLI's walk order."""
    matcher = Matcher(patterns)
    found: list[str] = []
    folders: dict[str, list[bool]] = {}

    def visit(folder: str) -> None:
        try:
            entries = sorted(os.scandir(os.path.join(context, folder)), key=lambda e: e.name.encode("utf-8", "surrogateescape"))
        except OSError as exc:
            raise InvalidInput(f"cannot read {os.path.join(context, folder)} in the build context: {exc.strerror}") from None
        for entry in entries:
            path = f"{folder}/{entry.name}" if folder else entry.name
            excluded, said = matcher.matches(path, folders.get(folder))
            is_dir = entry.is_dir(follow_symlinks=False)
            if excluded and (not is_dir or not matcher.exclusions or not matcher.must_enter(path)):
                continue
            if not excluded:
                found.append(path)
            if is_dir:
                folders[path] = said
                visit(path)

    visit("")
    return found


def keep_build_files(patterns: list[str], dockerfile: str) -> list[str]:
    """The CLI always sends the Dockerfile and `.dockerignore` (the engine reads both, then drops
    them where the patterns say): `!` patterns for them where the patterns exclude them."""
    patterns = list(patterns)
    for name in filter(None, (".dockerignore", dockerfile)):
        if Matcher(patterns).excluded(name):
            patterns.append("!" + name)
    return patterns


# -- the glob, as Go checks it and patternmatcher turns it into a regular expression -----------
def _check_glob(text: str) -> None:
    """Go's `filepath.Match(pattern, ".")` error: a pattern the CLI refuses."""
    i, n = 0, len(text)

    def bad():
        raise InvalidInput(f".dockerignore: the pattern {text!r} is not valid (syntax error in pattern); "
                           "the docker CLI refuses it too")

    def escaped(at: int) -> int:
        if at >= n or text[at] in "-]":
            bad()
        if text[at] == "\\":
            at += 1
            if at >= n:
                bad()
        return at + 1

    while i < n:
        c = text[i]
        if c == "\\":
            if i + 1 >= n:
                bad()
            i += 2
        elif c == "[":
            i += 1
            if i < n and text[i] == "^":
                i += 1
            ranges = 0
            while True:
                if i < n and text[i] == "]" and ranges:
                    i += 1
                    break
                i = escaped(i)
                if i < n and text[i] == "-":
                    i = escaped(i + 1)
                ranges += 1
        else:
            i += 1


_REGEXP_SPECIAL = set(".+()|{}$")
# what a backslash and a letter mean in Go's regexp, where Python's differ or lack them
_GO_ESCAPES = {"d": "[0-9]", "D": "[^0-9]", "s": r"[\t\n\f\r ]", "S": r"[^\t\n\f\r ]", "w": "[0-9A-Za-z_]",
               "W": "[^0-9A-Za-z_]", "z": r"\Z", "A": r"\A", "b": r"\b", "B": r"\B",
               "a": r"\a", "f": r"\f", "n": r"\n", "r": r"\r", "t": r"\t", "v": r"\v"}


def _compile(text: str):
    regexp, kind, i, n = "^", "exact", 0, len(text)
    while i < n:
        first, c = i == 0, text[i]
        i += 1
        if c == "*":
            if i < n and text[i] == "*":
                i += 1
                if i < n and text[i] == "/":
                    i += 1
                if i >= n:
                    if kind == "exact":
                        kind = "prefix"
                    else:
                        regexp += ".*"
                        kind = "regexp"
                else:
                    regexp += "(.*/)?"
                    kind = "regexp"
                if first:
                    kind = "suffix"
            else:
                regexp += "[^/]*"
                kind = "regexp"
        elif c == "?":
            regexp += "[^/]"
            kind = "regexp"
        elif c in _REGEXP_SPECIAL:
            regexp += "\\" + c
        elif c == "\\":
            if i < n:
                nxt = text[i]
                i += 1
                if nxt.isascii() and nxt.isalnum():
                    if nxt not in _GO_ESCAPES:
                        raise InvalidInput(f".dockerignore: the pattern {text!r} is not valid (invalid escape \\{nxt})")
                    regexp += _GO_ESCAPES[nxt]
                else:
                    regexp += re.escape(nxt)
                kind = "regexp"
            else:
                regexp += "\\\\"
        elif c in "[]":
            regexp += c
            kind = "regexp"
        else:
            regexp += c  # as Go's regexp reads it: `^` is an anchor there too
    if kind != "regexp":
        return kind, None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Python warns of `[[`, which Go reads as a literal
            return kind, re.compile(regexp + r"(/.*)?\Z")  # Go's `$` and `.`: no newline
    except re.error as exc:
        raise InvalidInput(f".dockerignore: the pattern {text!r} is not valid ({exc})") from None
