"""Image references (`registry:5000/me/app:1.0@sha256:...`) checked with the grammar of
distribution/reference, the one the engine uses, so a bad name fails before anything is sent."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import InvalidInput

_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*"
_DOMAIN_PART = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = rf"(?:{_DOMAIN_PART}(?:\.{_DOMAIN_PART})*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?"
_TAG = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"  # Go's \w: ASCII only, so `app:café` is refused
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9A-Fa-f]{32,}"
_REFERENCE = re.compile(
    rf"^(?:(?P<domain>{_DOMAIN})/)?(?P<path>{_COMPONENT}(?:/{_COMPONENT})*)"
    rf"(?::(?P<tag>{_TAG}))?(?:@(?P<digest>{_DIGEST}))?",
    re.ASCII,
)

EXAMPLE = "e.g. me/app:1.0 or localhost:5000/me/app:1.0"


@dataclass(frozen=True)
class Reference:
    domain: str | None
    path: str
    tag: str | None
    digest: str | None

    @property
    def repository(self) -> str:
        """Name without tag or digest: `localhost:5000/me/app`."""
        return f"{self.domain}/{self.path}" if self.domain else self.path

    def __str__(self) -> str:
        text = self.repository
        if self.tag:
            text += f":{self.tag}"
        if self.digest:
            text += f"@{self.digest}"
        return text


def parse(ref: str, what: str = "image name") -> Reference:
    """Parse and check a reference; `what` names the argument in the error message."""
    text = (ref or "").strip()
    match = _REFERENCE.fullmatch(text)
    if match is None or len(text) > 255 + 128 + 80:
        raise InvalidInput(f"{what} {ref!r}: invalid reference format: {_why(text)}")
    domain, path = match.group("domain"), match.group("path")
    # "me/app" puts "me" in the domain group; it is a domain only if it looks like one
    if domain and not ("." in domain or ":" in domain or domain == "localhost" or domain != domain.lower()):
        path, domain = f"{domain}/{path}", None
    if domain and domain != domain.lower() and "." not in domain and ":" not in domain:
        raise InvalidInput(f"{what} {ref!r}: invalid reference format: repository name must be lowercase")
    return Reference(domain, path, match.group("tag"), match.group("digest"))


def _why(text: str) -> str:
    if not text:
        return f"the name is empty ({EXAMPLE})"
    if any(c.isspace() for c in text):
        return f"a name has no spaces ({EXAMPLE})"
    name = text.split("@")[0]
    last = name.rsplit("/", 1)[-1]
    if last.split(":")[0] != last.split(":")[0].lower():
        return f"repository name must be lowercase ({EXAMPLE})"
    return f"use lowercase letters, digits and . _ - separators, then an optional :TAG ({EXAMPLE})"
