"""The small pieces the checks share with BuildKit: its suggestion for a misspelt name
(util/suggest: Levenshtein distance under 3), containerd's platform specifiers as BuildKit
parses a `--platform` value, the words that make a name look like a secret, and whether a
name is a valid image reference (distribution/reference, as `opts/reference.py` reads it)."""

from __future__ import annotations

import re

from ...errors import InvalidInput
from ...opts import reference

_SECRET = re.compile(r"(?i)(?:_|^)(?:apikey|auth|credential|credentials|key|password|pword|passwd|secret|token)(?:_|$)")
_NOT_SECRET = re.compile(r"(?i)(?:_|^)(?:public|file|version)(?:_|$)")
_ARCH = {"i386": "386", "x86_64": "amd64", "x86-64": "amd64", "aarch64": "arm64", "armhf": "arm", "armel": "arm"}
_COMPONENT = re.compile(r"[A-Za-z0-9_.-]+\Z")
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def distance(a: str, b: str) -> int:
    """Levenshtein distance (insert, delete, substitute: 1 each)."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def suggest(name: str, options) -> str:
    """BuildKit's suggest.Search: the first option nearest to `name` under distance 3, "" when
    none is, or when `name` is one of them."""
    best, least = "", 3
    for option in options:
        if option == name:
            return ""
        found = distance(name, option)
        if found < least:
            best, least = option, found
    return best


def secret(name: str) -> bool:
    return bool(_SECRET.search(name)) and not _NOT_SECRET.search(name)


def platform(text: str) -> tuple[str, str, str] | None:
    """(os, architecture, variant) as containerd's platforms.Parse normalizes them; None for
    what it refuses.  A lone architecture takes Linux as its OS."""
    parts = text.split("/")
    if not 1 <= len(parts) <= 3 or not all(_COMPONENT.match(p) for p in parts):
        return None
    if len(parts) == 1:
        os_, arch, variant = ("linux", parts[0], "") if parts[0].lower() not in ("linux", "windows", "darwin") \
            else (parts[0], "amd64", "")
    else:
        os_, arch, variant = parts[0], parts[1], parts[2] if len(parts) == 3 else ""
    arch = _ARCH.get(arch.lower(), arch.lower())
    if arch == "arm64" and variant == "v8":
        variant = ""
    return os_.lower(), arch, variant.lower()


def platform_text(os_: str, arch: str, variant: str = "") -> str:
    return "/".join(p for p in (os_, arch, variant) if p)


def valid_reference(name: str) -> bool:
    """What reference.ParseNormalizedNamed accepts (an empty or half name, `busybox:`, is not)."""
    if not name or name != name.strip():
        return False
    try:
        reference.parse(name)
    except InvalidInput:
        return False
    return True
