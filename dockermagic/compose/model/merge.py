"""How compose files (repeated `-f`, `extends`, `include`) combine, as compose-go merges YAML trees.

Mappings merge key by key (an `x-` key is replaced whole); `command`, `entrypoint`,
`healthcheck.test` and a `ulimits` entry are replaced; `environment`, `labels` and the other
KEY=VALUE fields become `KEY=VALUE` sequences and are appended (a mapping's entries sorted), so
the last definition of a key wins once the model is read; `depends_on` and a service's `networks`
merge as mappings whatever their syntax; `build: DIR` merges as `{context: DIR}`; `logging` is
replaced when the driver changes; other sequences are appended (the canonical form then keeps
one port binding, one mount per target).  `!reset` removes what came before, `!override`
replaces it without merging.
"""

from __future__ import annotations

from ...errors import ComposeFileError
from .yamlfile import Override, Reset

#: where merging turns mappings into `KEY=VALUE` sequences and appends them (compose-go's mergeToSequence)
_SEQUENCES = {("services", "*", key) for key in ("annotations", "dns", "dns_opt", "dns_search", "env_file",
                                                   "environment", "extra_hosts", "labels", "sysctls", "tmpfs")}
_SEQUENCES |= {("services", "*", "build", key) for key in ("args", "additional_contexts", "extra_hosts", "labels")}
_SEQUENCES |= {("services", "*", "deploy", "labels"), ("networks", "*", "labels"), ("volumes", "*", "labels")}
_REPLACED = {("services", "*", "command"), ("services", "*", "entrypoint"), ("services", "*", "healthcheck", "test"),
             ("services", "*", "ulimits", "*")}
#: the KEY=VALUE fields the canonical model reads as mappings: merged key by key there
_KEYED = {("services", "*", key) for key in ("environment", "labels", "annotations", "sysctls")}
_KEYED |= {("services", "*", "build", "args"), ("services", "*", "build", "labels"),
           ("services", "*", "deploy", "labels")}
DEPENDENCY = {"condition": "service_started", "required": True}


def _matches(path: tuple, pattern: tuple) -> bool:
    return len(path) == len(pattern) and all(p in ("*", k) for p, k in zip(pattern, path))


def _any(path: tuple, patterns) -> bool:
    return any(_matches(path, pattern) for pattern in patterns)


def _sequence(value) -> list:
    if isinstance(value, dict):
        return sorted(key if item is None else f"{key}={go_text(item)}" for key, item in value.items())
    if isinstance(value, list):
        return list(value)
    if isinstance(value, str):
        return [value]
    return []


def go_text(value) -> str:
    """Go's `%v` of a YAML scalar."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    return str(value)


def _keyed(value) -> dict:
    if isinstance(value, dict):
        return dict(value)
    result = {}
    for item in value or []:
        key, eq, val = str(item).partition("=")
        result[key] = val if eq else None
    return result


def as_mapping(value, default) -> dict:
    """A list of names as a mapping of each to a copy of `default` (`depends_on: [db]`, `networks: [n]`)."""
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, list):
        return {str(item): (dict(default) if default is not None else None) for item in value}
    return {}


def merge(base, other, path: tuple = (), sequences: bool = False):
    """`other` laid over `base` as compose-go merges YAML trees (neither changed).  `sequences`:
    `environment`, `labels` ... stay `KEY=VALUE` sequences, as `config --no-interpolate` prints
    them; otherwise they merge as mappings (the canonical model reads them so, last key winning)."""
    if isinstance(other, Override):
        return strip(other.value)
    if isinstance(other, Reset):
        return None
    if _any(path, _REPLACED):
        return strip(other)
    if not sequences and _any(path, _KEYED) and isinstance(base, (dict, list)) and isinstance(other, (dict, list)):
        return {**_keyed(base), **_keyed(strip(other))}
    if _any(path, _SEQUENCES):
        return _sequence(base) + _sequence(strip(other))
    if _matches(path, ("services", "*", "depends_on")):
        return _mappings(as_mapping(base, DEPENDENCY), as_mapping(other, DEPENDENCY), path, sequences)
    if _matches(path, ("services", "*", "networks")):
        return _mappings(as_mapping(base, None), as_mapping(other, None), path, sequences)
    if _matches(path, ("services", "*", "build")):
        as_build = lambda value: {"context": value} if isinstance(value, str) else dict(value or {})  # noqa: E731
        return _mappings(as_build(base), as_build(other), path, sequences)
    if _matches(path, ("services", "*", "logging")) and isinstance(base, dict) and isinstance(other, dict):
        if "driver" in base and "driver" in other and base["driver"] != other["driver"]:
            return other
        return _mappings(base, other, path, sequences)
    if other is None:
        return base
    if isinstance(base, dict) and isinstance(other, dict):
        return _mappings(base, other, path, sequences)
    if isinstance(base, list) and isinstance(other, list):
        return base + strip(other)
    if isinstance(base, (dict, list)):
        raise ComposeFileError(f"cannot override {'.'.join(str(key) for key in path)}")
    return strip(other)


def _mappings(base: dict, other: dict, path: tuple, sequences: bool) -> dict:
    result = dict(base)
    for key, value in other.items():
        if isinstance(value, Reset):
            result.pop(key, None)
        elif key in result and not str(key).startswith("x-"):
            result[key] = merge(result[key], value, (*path, key), sequences)
        else:
            result[key] = strip(value)
    return result


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
