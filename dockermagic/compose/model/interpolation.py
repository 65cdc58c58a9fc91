"""Variables in compose files, substituted as compose-go's `template` package does.

`$VAR` and `${VAR}`; `${VAR:-default}` / `${VAR-default}` (unset or empty / unset);
`${VAR:?message}` / `${VAR?message}` (refuse); `${VAR:+other}` / `${VAR+other}` (replace when
set); `$$` is a literal `$`.  Defaults and messages may hold variables themselves.  Only values
are substituted, never keys.  An unset variable becomes "" (v2 warns on stderr).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ...errors import ComposeFileError
from .valuetypes import cast_at

_NAME = re.compile(r"[_a-zA-Z][_a-zA-Z0-9]*")


class _Invalid(Exception):
    pass


class _Missing(Exception):
    pass


def substitute(text: str, env: Mapping[str, str], where: str = "", unset: list | None = None) -> str:
    """`text` with its variables replaced from `env`; ComposeFileError names `where` (a dotted path).
    The names of unset variables read bare (`$FOO`, `${FOO}`) are added to `unset` (v2 warns of them)."""
    if "$" not in text:
        return text
    try:
        value, _ = _expand(text, 0, env, None, [] if unset is None else unset)
    except _Invalid:
        raise ComposeFileError(f"invalid interpolation format for {where}: {text}; "
                               "you may need to escape any $ with another $") from None
    except _Missing as exc:
        raise ComposeFileError(f"error while interpolating {where}: {exc}") from None
    return value


def _expand(text: str, pos: int, env, stop: str | None, unset: list) -> tuple[str, int]:
    """Expand from `pos` until `stop` (a closing brace of a nested default) or the end."""
    out = []
    length = len(text)
    while pos < length:
        char = text[pos]
        if stop is not None and char == stop:
            return "".join(out), pos
        if char != "$":
            out.append(char)
            pos += 1
            continue
        nxt = text[pos + 1] if pos + 1 < length else ""
        if nxt == "$":
            out.append("$")
            pos += 2
        elif nxt == "{":
            value, pos = _braced(text, pos + 2, env, unset)
            out.append(value)
        else:
            match = _NAME.match(text, pos + 1)
            if not match:
                out.append("$")  # a lone $ before something that is not a name stays
                pos += 1
                continue
            out.append(_bare(env, match.group(), unset))
            pos = match.end()
    if stop is not None:
        raise _Invalid()
    return "".join(out), pos


def _bare(env, name: str, unset: list) -> str:
    value = env.get(name)
    if value is None:
        unset.append(name)
        return ""
    return value


def _braced(text: str, pos: int, env, unset: list) -> tuple[str, int]:
    match = _NAME.match(text, pos)
    if not match:
        raise _Invalid()
    name, pos = match.group(), match.end()
    if pos >= len(text):
        raise _Invalid()
    if text[pos] == "}":
        return _bare(env, name, unset), pos + 1
    for operator in (":-", ":?", ":+", "-", "?", "+"):
        if text.startswith(operator, pos):
            break
    else:
        raise _Invalid()
    argument, pos = _expand(text, pos + len(operator), env, "}", unset)
    pos += 1  # the closing brace
    value = env.get(name)
    is_set = value is not None
    filled = bool(value)
    present = filled if operator.startswith(":") else is_set
    kind = operator[-1]
    if kind == "-":
        return (value if present else argument), pos
    if kind == "+":
        return (argument if present else ""), pos
    if not present:  # ? and :?
        raise _Missing(f"required variable {name} is missing a value" + (f": {argument}" if argument else ""))
    return value, pos


def interpolate(value, env: Mapping[str, str], path: str = "", warnings: list | None = None):
    """Every string inside `value` (mappings and lists, recursively) substituted, and cast where v2
    casts it (`tty: "true"` is True); v2's warnings (unset variables, YAML 1.1 booleans) are added to
    `warnings`."""
    warnings = [] if warnings is None else warnings
    if isinstance(value, str):
        unset: list = []
        result = substitute(value, env, path, unset)
        for name in unset:
            warning = f'The "{name}" variable is not set. Defaulting to a blank string.'
            if warning not in warnings:
                warnings.append(warning)
        return cast_at(path, result, warnings)
    if isinstance(value, dict):
        return {key: interpolate(item, env, f"{path}.{key}" if path else str(key), warnings)
                for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item, env, f"{path}.[]", warnings) for item in value]
    inner = getattr(value, "value", None)
    if inner is not None and hasattr(value, "value"):  # !override
        value.value = interpolate(inner, env, path, warnings)
    return value
