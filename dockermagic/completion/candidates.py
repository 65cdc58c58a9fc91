"""What a completion answers: the fragment before the cursor it replaces, and its candidates
(the text put in, and a short description a frontend may show beside it)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Candidate:
    text: str
    kind: str = ""  # the description: "running container", an option's help, "instruction" ...


@dataclass
class Answer:
    """`fragment`: the text just before the cursor that each candidate replaces; `candidates` start with it."""

    fragment: str
    candidates: list[Candidate] = field(default_factory=list)


def matching(fragment: str, candidates, kind: str = "") -> list[Candidate]:
    """The candidates (Candidates or strings, in their order, once each) that start with `fragment`."""
    seen, out = set(), []
    for each in candidates:
        item = each if isinstance(each, Candidate) else Candidate(each, kind)
        if item.text.startswith(fragment) and item.text not in seen:
            seen.add(item.text)
            out.append(item)
    return out


def short(text: str | None, limit: int = 60) -> str:
    """An option's help as a menu shows it: its first sentence, at most `limit` characters."""
    text = " ".join((text or "").split())
    first = re.split(r"\.\s+(?=[A-Z`%])", text)[0].rstrip(".")
    return first if len(first) <= limit else first[: limit - 1].rstrip() + "…"
