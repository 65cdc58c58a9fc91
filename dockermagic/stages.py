"""A Dockerfile's stages as BuildKit sees them: which line a vertex `[stage 2/5] RUN ...` comes
from, and which base images (after ARG substitution) a build of a given target needs.

BuildKit v0.8 (Engine 20.10) names each vertex `[NAME i/N]` (`[i/N]` in a one-stage build), NAME
being the stage's `AS` name or `stage-K`, i counting the stage's instructions that make a vertex
(FROM, RUN, COPY, ADD, WORKDIR -- not ARG, ENV, LABEL ...), but sends no line numbers: they come
from here.  The base images are what `buildkit.build` pulls with the user's credentials
before the build, because BuildKit without a session cannot log in to a registry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .dockerfile import parse

_VAR = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::?([-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))")
_FROM = re.compile(r"(?:--from=|--mount=\S*?\bfrom=)([^\s,]+)")  # COPY --from=X, RUN --mount=...,from=X
VERTEX_MAKERS = {"FROM", "RUN", "COPY", "ADD", "WORKDIR"}  # what BuildKit numbers in `[stage i/N]`
_SYNTAX = re.compile(r"^#\s*syntax\s*=\s*(\S+)\s*$", re.IGNORECASE)


@dataclass
class _Step:
    line: int
    name: str
    value: str


@dataclass
class Stage:
    index: int
    name: str  # the AS name (lower case, as BuildKit keeps it), else stage-INDEX
    base: str  # the FROM image after ARG substitution, or an earlier stage's name
    instructions: list = field(default_factory=list)  # FROM first
    needs: dict = field(default_factory=dict)  # names it copies or mounts from (stages or images), in order


def substitute(text: str, args: dict) -> str:
    """`$X`, `${X}`, `${X:-default}`, `${X:+alternative}` as the Dockerfile frontend expands them."""
    def one(match):
        name = match.group(1) or match.group(4)
        value = args.get(name)
        if match.group(2) == "-":
            return value if value else match.group(3)
        if match.group(2) == "+":
            return match.group(3) if value else ""
        return value or ""

    return _VAR.sub(one, text)


def stages(text: str, build_args: dict | None = None) -> list[Stage]:
    instructions = [_Step(i.start_line, i.keyword, i.original.strip()[len(i.keyword):].strip())
                    for i in parse(text).instructions]
    meta: dict = {}
    found: list[Stage] = []
    for ins in instructions:
        if ins.name == "ARG" and not found:
            name, _, default = ins.value.strip().partition("=")
            meta[name.strip()] = default.strip().strip('"')
            continue
        if ins.name == "FROM":
            if not found:
                meta.update({k: v for k, v in (build_args or {}).items() if k in meta})
            words = [w for w in substitute(ins.value, meta).split() if not w.startswith("--platform")]
            name = words[2].lower() if len(words) >= 3 and words[1].lower() == "as" else f"stage-{len(found)}"
            stage = Stage(len(found), name, words[0] if words else "", [ins])
            if any(s.name == stage.base.lower() for s in found):
                stage.needs[stage.base.lower()] = None
            found.append(stage)
            continue
        if found:
            found[-1].instructions.append(ins)
            for ref in _FROM.findall(ins.value):
                ref = ref.lower()
                if ref.isdigit() and int(ref) < len(found):
                    ref = found[int(ref)].name
                found[-1].needs[ref] = None
    return found


def needed(all_stages: list[Stage], target: str | None = None) -> list[Stage]:
    """The stages a build of `target` (default: the last stage) runs, in Dockerfile order."""
    by_name = {s.name: s for s in all_stages}
    if not all_stages:
        return []
    last = by_name.get((target or "").lower(), all_stages[-1])
    keep, todo = set(), [last.name]
    while todo:
        name = todo.pop()
        if name in keep or name not in by_name:
            continue
        keep.add(name)
        todo += list(by_name[name].needs)
    return [s for s in all_stages if s.name in keep]


def base_images(text: str, build_args: dict | None = None, target: str | None = None) -> list[str]:
    """Images a build of `target` starts from (no `scratch`, no earlier stages), the `# syntax=`
    frontend image first; each once, in order."""
    all_stages = stages(text, build_args)
    names = {s.name for s in all_stages}
    images = [syntax] if (syntax := syntax_image(text)) else []
    for stage in needed(all_stages, target):
        base = stage.base
        if base and base.lower() != "scratch" and base.lower() not in names and base not in images:
            images.append(base)
        for ref in stage.needs:  # COPY --from=IMAGE names an image when no stage has that name
            if ref not in names and ref not in images and not ref.isdigit():
                images.append(ref)
    return images


def syntax_image(text: str) -> str | None:
    """The `# syntax=IMAGE` frontend named in the Dockerfile's leading comments."""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            return None
        if (m := _SYNTAX.match(stripped)) is not None:
            return m.group(1)
    return None


def step_line(all_stages: list[Stage], stage_name: str | None, number: int) -> int | None:
    """The Dockerfile line of step `number` (1 = FROM) of the stage BuildKit calls `stage_name`
    (None: the one stage of a one-stage build).  BuildKit shares a vertex between builds that
    run at once, under the name the first one gave it: a one-stage build's FROM can come named
    after another build's stage, and is still its own line 1."""
    known = any(stage.name == (stage_name or "").lower() for stage in all_stages)
    for stage in all_stages:
        if (stage.name == stage_name.lower()) if known else len(all_stages) == 1:
            steps = [ins for ins in stage.instructions if ins.name in VERTEX_MAKERS]
            return steps[number - 1].line if 0 < number <= len(steps) else None
    return None
