"""Completing inside a `%%compose` cell: the keys the Compose Specification allows at the
cursor's place (the sets `compose/model/validate.py` checks files with, so the two never
disagree), service names in `depends_on` and `extends`, local images after `image:`.

The cell is being written, so it is read by indentation, line by line, not parsed as YAML: a
half-typed file has no YAML yet, but its indentation already says where the cursor is."""

from __future__ import annotations

import re

from ..compose.model import validate
from .candidates import Answer, Candidate, matching
from .listings import LISTINGS, Listings

_LINE = re.compile(r"^(\s*)(- +)?(?:([^:#\s][^:#]*?)\s*(:)(?:\s+|$)(.*)|([^:#]*))$")


def _split(line: str):
    """(indent, list dash, key, colon, value) of a line; without a colon the key is all that follows."""
    match = _LINE.match(line)
    if match is None:
        return None
    indent, dash, key, colon, value, bare = match.groups()
    return indent, dash, key if colon else (bare or "").strip() or None, colon, value or ""


def _place(parents: list[str]) -> set | str | None:
    """The keys allowed under `parents` (a key path, `-` for a list item), or a name kind."""
    path = tuple("*" if i == 1 and parents[0] in ("services", *validate.RESOURCES) else p
                 for i, p in enumerate(parents))
    path = tuple("*" if i == 3 and path[:3] == ("services", "*", "depends_on") else p for i, p in enumerate(path))
    places = {
        (): validate.TOP,
        ("services", "*"): validate.SERVICE,
        ("services", "*", "build"): validate.BUILD,
        ("services", "*", "healthcheck"): validate.HEALTHCHECK,
        ("services", "*", "depends_on"): "services",
        ("services", "*", "depends_on", "*"): validate.DEPENDS,
        ("services", "*", "ports", "-"): validate.PORT,
        ("services", "*", "volumes", "-"): validate.MOUNT,
        **{(kind, "*"): keys for kind, keys in validate.RESOURCES.items()},
    }
    return places.get(path)


def complete(lines: list[str], row: int, column: int, listings: Listings = LISTINGS) -> Answer | None:
    """The answer at (row, column) of the cell's body `lines` (the `%%compose` line left out)."""
    before = lines[row][:column]
    parts = _split(before)
    if parts is None or before.lstrip().startswith("#"):
        return None
    indent, dash, key, colon, value = parts
    if not colon and key and key != before.strip().lstrip("- ").strip():
        return None
    depth = len(indent) + (len(dash) if dash else 0)
    parents = _parents(lines[:row], len(indent), bool(dash))
    if colon:  # `key: value`: the value
        if key == "image":
            return Answer(value, matching(value, listings.candidates("images")))
        if key in ("service", "extends") and (key == "extends" or parents[-1:] == ["extends"]):
            return Answer(value, matching(value, _services(lines, row), "service"))
        return Answer(value, [])
    fragment = key or ""
    if dash and parents[-1:] == ["depends_on"]:
        return Answer(fragment, matching(fragment, _services(lines, row), "service"))
    if dash:
        parents = [*parents, "-"]
    place = _place(parents) if depth or not dash else None
    if place == "services":
        return Answer(fragment, matching(fragment, _services(lines, row), "service"))
    if isinstance(place, set):
        keys = sorted(k for k in place if k != "x-")
        return Answer(fragment, matching(fragment, keys, "key"))
    return Answer(fragment, [])


def _parents(above: list[str], indent: int, in_item: bool) -> list[str]:
    """The keys of the mappings enclosing a line indented by `indent` (a list item's parent key too)."""
    path: list[tuple[int, str]] = []
    for line in above:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = _split(line)
        if parts is None:
            continue
        own, dash, key, colon, _ = parts
        level = len(own)
        while path and path[-1][0] >= level:
            path.pop()
        if dash:
            path.append((level, "-"))
            level += len(dash)
        if key and colon:
            path.append((level, key.strip().strip("'\"")))
    while path and path[-1][0] >= indent:
        path.pop()
    return [key for _, key in path]


def _services(lines: list[str], row: int) -> list[Candidate]:
    """The services the cell names (the keys one level under `services:`), the one being written left out."""
    names, inside, level, current = [], False, None, None
    for number, line in enumerate(lines):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        own = len(line) - len(line.lstrip())
        if own == 0:
            inside = line.split(":")[0].strip() == "services"
            level = None
            continue
        if inside and (level is None or own == level) and ":" in line:
            level = own
            name = line.split(":")[0].strip().strip("'\"")
            if number <= row:
                current = name
            names.append(name)
    return [Candidate(name, "service") for name in names if name != current]
