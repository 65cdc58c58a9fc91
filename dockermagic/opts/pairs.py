"""KEY=VALUE options, with the docker CLI's rule for each (docker/cli `opts`):

- `--label` / `-l` (`ValidateLabel`): a bare KEY is an empty value; the key must not be empty
  nor hold whitespace (leading whitespace is dropped).
- `-e`, `--env-file`, `--build-arg` (`ValidateEnv`): a bare KEY takes its value from this
  environment, and is left out when the environment has none.
- `-f` / `--filter` (`FilterOpt`): KEY=VALUE is required; the key is trimmed and lower-cased,
  the value trimmed.
- `--opt`, `--driver-opt`, `--ipam-opt`, `--aux-address` (`MapOpts`): a bare KEY is an empty value.
- comma-separated fields (`--mount`, `--docker`): KEY=VALUE each, a few named flags may stand alone.

Every function raises a one-line `InvalidInput` naming the option, before anything is sent.
"""

from __future__ import annotations

import os

from ..errors import InvalidInput

_WHITESPACE = " \t\r\n\v\f"


def label_map(values, option: str = "--label") -> dict[str, str]:
    """`--label KEY=VALUE` / `--label KEY` (empty value), the last of a repeated key winning."""
    labels: dict[str, str] = {}
    for item in values or ():
        key, _, value = item.partition("=")
        key = key.lstrip(_WHITESPACE)
        if not key:
            raise InvalidInput(f"{option} {item!r}: expected KEY=VALUE (or KEY for an empty value): empty name")
        if any(c in _WHITESPACE for c in key):
            raise InvalidInput(f"{option} {item!r}: the name {key!r} contains whitespace")
        labels[key] = value
    return labels


def env_list(values, option: str = "-e") -> list[str]:
    """`-e KEY=VALUE` / `-e KEY` as the engine's `KEY=VALUE` list; an unset bare KEY is left out."""
    env = []
    for item in values or ():
        key, sep, _ = item.partition("=")
        if not key or any(c in _WHITESPACE for c in key):
            raise InvalidInput(f"{option} {item!r}: expected KEY=VALUE (or KEY to pass this environment's value)")
        if not sep:
            if key not in os.environ:
                continue
            item = f"{key}={os.environ[key]}"
        env.append(item)
    return env


def env_map(values, option: str = "--build-arg") -> dict[str, str]:
    """`--build-arg KEY=VALUE` / `--build-arg KEY` as a dict (rules of `env_list`)."""
    return dict(item.split("=", 1) for item in env_list(values, option))


def env_file_lines(path: str, option: str = "--env-file") -> list[str]:
    """The entries of an env file: one KEY=VALUE (or bare KEY) a line, `#` lines and blanks skipped."""
    try:
        with open(os.path.expanduser(path), encoding="utf-8") as handle:
            text = handle.read()
    except OSError as exc:
        raise InvalidInput(f"{option} {path!r}: {exc.strerror or exc}") from exc
    lines = (line.lstrip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def option_map(values, option: str = "--opt") -> dict[str, str]:
    """`--opt KEY=VALUE` / `--opt KEY` (the CLI's `MapOpts`: a bare KEY is an empty value), for driver,
    IPAM and aux-address options."""
    options: dict[str, str] = {}
    for item in values or ():
        key, _, value = item.partition("=")
        if not key:
            raise InvalidInput(f"{option} {item!r}: expected KEY=VALUE (or KEY for an empty value)")
        options[key] = value
    return options


def filter_map(values, option: str = "-f", example: str = "name=web") -> dict[str, list[str]]:
    """`-f KEY=VALUE` (repeatable; a key given twice matches either value) as the engine's filters."""
    wanted: dict[str, list[str]] = {}
    for item in values or ():
        if item == "":
            continue  # the CLI ignores an empty filter
        key, sep, value = item.partition("=")
        key = key.strip().lower()
        if not sep or not key:
            raise InvalidInput(f"{option} {item!r}: expected KEY=VALUE, e.g. {example}")
        wanted.setdefault(key, []).append(value.strip())
    return wanted


def fields(spec: str, option: str, expected: str, flags=()) -> dict[str, str]:
    """`a=1,b=2,flag` as {a: "1", b: "2", flag: "true"}; keys lower-cased; only `flags` stand alone."""
    found: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        key, sep, value = part.partition("=")
        key = key.strip().lower()
        if not sep and key in flags:
            value = "true"
        elif not sep or not key:
            raise InvalidInput(f"{option} {spec!r}: expected {expected}, not {part!r}")
        found[key] = value.strip()
    return found
