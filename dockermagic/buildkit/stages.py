"""BuildKit's names for a Dockerfile's steps, read from the one parse (`Dockerfile.stages`).

BuildKit v0.8 (Engine 20.10) names each vertex `[NAME i/N]` (`[i/N]` in a one-stage build), NAME
being the stage's `AS` name or `stage-K`, i counting the stage's FROM and the instructions that
make a vertex (RUN, COPY, ADD, WORKDIR -- not ARG, ENV, LABEL ...), but sends no line numbers:
they come from here (and `vertices.planned` names the steps a view shows waiting from them).
"""

from __future__ import annotations

VERTEX_MAKERS = {"RUN", "COPY", "ADD", "WORKDIR"}  # what BuildKit counts in `[stage i/N]`, after FROM


def stage_name(stage) -> str:
    """A stage as BuildKit names it in a vertex: its `AS` name, else `stage-INDEX`."""
    return stage.name or f"stage-{stage.index}"


def step_line(stages: list, name: str | None, number: int) -> int | None:
    """The Dockerfile line of step `number` (1 = FROM) of the stage BuildKit calls `name` (None:
    the one stage of a one-stage build).  BuildKit shares a vertex between builds that run at
    once, under the name the first one gave it: a one-stage build's FROM can come named after
    another build's stage, and is still its own line 1."""
    known = any(stage_name(stage) == (name or "").lower() for stage in stages)
    for stage in stages:
        if (stage_name(stage) == name.lower()) if known else len(stages) == 1:
            lines = [stage.line] + [ins.start_line for ins in stage.instructions if ins.keyword in VERTEX_MAKERS]
            return lines[number - 1] if 0 < number <= len(lines) else None
    return None

