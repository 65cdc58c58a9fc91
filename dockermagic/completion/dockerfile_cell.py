"""Completing inside a `%%dockerfile` cell, from the project's port of BuildKit's frontend: the
instructions (`dockerfile/instructions.KEYWORDS`) at the start of a line, each instruction's
flags (`FLAGS`, with the values BuildKit checks: mount types, networks, security modes), local
images and `scratch` after `FROM`, and the stages above after `COPY --from=`."""

from __future__ import annotations

import re

from ..dockerfile import instructions
from ..dockerfile.model import parse
from .candidates import Answer, Candidate, matching
from .listings import LISTINGS, Listings
from .objects import PLATFORMS

#: the fields a `--mount=type=T,` usually goes on with (BuildKit's mount options, per type)
_MOUNT_NEXT = {"cache": "target=", "bind": "target=", "tmpfs": "target=", "secret": "id=", "ssh": ""}
_STAGE = re.compile(r"^\s*FROM\s+(?:--\S+\s+)*\S+\s+AS\s+(\S+)", re.IGNORECASE | re.MULTILINE)


def complete(lines: list[str], row: int, column: int, listings: Listings = LISTINGS) -> Answer | None:
    """The answer at (row, column) of the cell's body `lines` (the `%%dockerfile` line left out)."""
    before = lines[row][:column]
    start = row
    while start > 0 and lines[start - 1].rstrip().endswith("\\"):  # a continued instruction
        start -= 1
    logical = " ".join(line.rstrip().rstrip("\\") for line in lines[start:row]) + " " + before if start < row else before
    if logical.lstrip().startswith("#"):
        return None
    words = logical.split()
    fragment = "" if not before or before[-1].isspace() else before.split()[-1]
    done = words[:-1] if fragment else words
    while done[:1] and done[0].upper() == "ONBUILD":
        done = done[1:]
    if not done:
        return _keywords(fragment)
    keyword = done[0].upper()
    if fragment.startswith("--"):
        return _flag(keyword, fragment, lines[:start], listings)
    arguments = [word for word in done[1:] if not word.startswith("--")]
    if keyword == "FROM":
        if not arguments:
            images = [Candidate("scratch", "empty base")] + listings.candidates("images")
            return Answer(fragment, matching(fragment, images))
        if len(arguments) == 1:
            return Answer(fragment, matching(fragment, ["AS"] if fragment[:1] != "a" else ["as"], "stage name follows"))
    return Answer(fragment, [])


def _keywords(fragment: str) -> Answer:
    lower = fragment.islower()
    words = [k.lower() if lower else k for k in instructions.KEYWORDS]
    return Answer(fragment, matching(fragment, words, "instruction") if fragment else
                  [Candidate(word, "instruction") for word in words])


def _flag(keyword: str, fragment: str, above: list[str], listings: Listings) -> Answer:
    flags = instructions.FLAGS.get(keyword, {})
    name, eq, value = fragment[2:].partition("=")
    if not eq:
        spelled = [f"--{flag}" if kind == instructions.BOOL else f"--{flag}=" for flag, kind in flags.items()]
        return Answer(fragment, matching(fragment, spelled, f"{keyword} flag"))
    if name == "from":
        return Answer(value, matching(value, _stages(above), "stage"))
    if name == "platform":
        return Answer(value, matching(value, [*PLATFORMS, "$BUILDPLATFORM", "$TARGETPLATFORM"], "platform"))
    if name == "network":
        return Answer(value, matching(value, instructions.RUN_NETWORKS, "network mode"))
    if name == "security":
        return Answer(value, matching(value, instructions.RUN_SECURITY, "security mode"))
    if name == "mount":
        return _mount(value)
    return Answer(value, [])


def _mount(value: str) -> Answer:
    """`--mount=type=cache,target=` and friends: the type first, then the field it needs."""
    if not value or "type=".startswith(value):
        spelled = [f"type={kind}," + _MOUNT_NEXT[kind] if _MOUNT_NEXT[kind] else f"type={kind}"
                   for kind in instructions.MOUNT_TYPES]
        return Answer(value, matching(value, spelled, "mount type"))
    field_ = value.rpartition(",")[2]
    if field_.startswith("type="):
        kind = field_[len("type="):]
        return Answer(field_, matching(field_, [f"type={k}" for k in instructions.MOUNT_TYPES], "mount type")
                      if kind not in instructions.MOUNT_TYPES else [])
    return Answer(field_, matching(field_, ["target=", "source=", "from=", "id=", "sharing=", "mode=", "uid=", "gid=",
                                            "readonly", "required", "env=", "size="], "mount field"))


def _stages(above: list[str]) -> list[str]:
    """The stage names defined above the cursor (from the parse; by FROM lines where the text does not parse yet)."""
    text = "\n".join(above) + "\n"
    try:
        return [stage.name for stage in parse(text).stages if stage.name]
    except Exception:  # noqa: BLE001 -- a cell being written may not parse: its FROM lines still name stages
        return [name.lower() for name in _STAGE.findall(text)]
