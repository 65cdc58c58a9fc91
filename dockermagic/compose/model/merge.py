"""How compose files (repeated `-f`, `extends`) combine, by the Compose Specification's merge rules.

Mappings merge key by key; `command`, `entrypoint` and `healthcheck.test` are replaced whole;
`environment`, `labels` and the other KEY=VALUE fields merge by key whatever their syntax; other
sequences are appended (the canonical form then keeps one port binding, one mount per target).
`!reset` removes what came before, `!override` replaces it without merging.
"""

from __future__ import annotations

from .yamlfile import Override, Reset

_REPLACED = {("services", "*", "command"), ("services", "*", "entrypoint"), ("services", "*", "healthcheck", "test")}
_KEYED = {("services", "*", key) for key in ("environment", "labels", "annotations", "sysctls")}
_KEYED |= {("services", "*", "build", "args"), ("services", "*", "build", "labels"),
           ("services", "*", "deploy", "labels")}


def _matches(path: tuple, patterns: set) -> bool:
    for pattern in patterns:
        if len(pattern) == len(path) and all(p in ("*", k) for p, k in zip(pattern, path)):
            return True
    return False


def _as_mapping(value) -> dict:
    if isinstance(value, dict):
        return dict(value)
    result = {}
    for item in value or []:
        key, eq, val = str(item).partition("=")
        result[key] = val if eq else None
    return result


def merge(base, other, path: tuple = ()):
    """`other` laid over `base` (neither changed)."""
    if isinstance(other, Override):
        return strip(other.value)
    if isinstance(other, Reset):
        return None
    if _matches(path, _REPLACED):
        return strip(other)
    if _matches(path, _KEYED) and (isinstance(base, (dict, list)) and isinstance(other, (dict, list))):
        return {**_as_mapping(base), **_as_mapping(other)}
    if isinstance(base, dict) and isinstance(other, dict):
        result = dict(base)
        for key, value in other.items():
            if isinstance(value, Reset):
                result.pop(key, None)
            elif key in result and not str(key).startswith("x-"):
                result[key] = merge(result[key], value, (*path, key))
            else:
                result[key] = strip(value)
        return result
    if isinstance(base, list) and isinstance(other, list):
        return base + strip(other)
    return strip(other)


def strip(value):
    """`value` without its `!reset`/`!override` tags (a lone file: what the tags leave)."""
    if isinstance(value, Override):
        return strip(value.value)
    if isinstance(value, dict):
        return {key: strip(item) for key, item in value.items() if not isinstance(item, Reset)}
    if isinstance(value, list):
        return [strip(item) for item in value if not isinstance(item, Reset)]
    if isinstance(value, Reset):
        return None
    return value
