"""Which checks run, as BuildKit reads it (linter.ParseLintOptions): `skip=RULE,...|all`,
`error=true`, `experimental=RULE,...|all`, `;`-separated, from the `# check=` parser
directive or, replacing it whole, the `BUILDKIT_DOCKERFILE_CHECK` build arg; and a
`# check=skip=...` comment just above an instruction, which skips those rules for it alone."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ...text.strconv import go_quote as _go

BUILD_ARG = "BUILDKIT_DOCKERFILE_CHECK"
_TRUE = {"1", "t", "T", "TRUE", "true", "True"}
_FALSE = {"0", "f", "F", "FALSE", "false", "False"}
_LOCAL = re.compile(r"check\s*=(.*)\Z", re.S)


class CheckOptionError(ValueError):
    """A check option BuildKit refuses (its words)."""


@dataclass
class Options:
    skip: set[str] = field(default_factory=set)
    skip_all: bool = False
    experimental: set[str] = field(default_factory=set)
    experimental_all: bool = False
    error: bool = False
    source: str = ""  # where they come from: "# check= (line 1)", "BUILDKIT_DOCKERFILE_CHECK", "" (defaults)

    def runs(self, rule: str, experimental: bool) -> bool:
        """BuildKit's Linter.Run: an experimental rule runs only when named (or `all`);
        any other unless skipped."""
        if experimental:
            return self.experimental_all or rule in self.experimental
        return not (self.skip_all or rule in self.skip)


def parse(text: str, source: str = "") -> Options:
    """One `check=` value; `CheckOptionError` with BuildKit's message for what it refuses."""
    text = text.strip()
    options = Options(source=source)
    if not text:
        return options
    for part in text.split(";", 2):  # Go's SplitN(s, ";", 3)
        key, eq, value = part.partition("=")
        if not eq:
            raise CheckOptionError(f"invalid check option {_go(part)}")
        key, value = key.strip(), value.strip()
        if key == "skip":
            if value == "all":
                options.skip_all = True
            else:
                options.skip = {rule.strip() for rule in value.split(",")}
        elif key == "experimental":
            if value == "all":
                options.experimental_all = True
            else:
                options.experimental = {rule.strip() for rule in value.split(",")}
        elif key == "error":
            if value not in _TRUE | _FALSE:
                raise CheckOptionError(f"failed to parse check option {_go(part)}: strconv.ParseBool: "
                                       f"parsing {_go(value)}: invalid syntax")
            options.error = value in _TRUE
        else:
            raise CheckOptionError(f"invalid check option {_go(key)}")
    return options


def local_skips(comments: list[str]) -> Options | None:
    """The `# check=skip=...` comment just above an instruction (text after ` //` is a note)."""
    for comment in comments:
        match = _LOCAL.match(comment)
        if match:
            try:
                return parse(match.group(1).split("//")[0])
            except CheckOptionError:
                return None
    return None
