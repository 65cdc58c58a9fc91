"""Checking a Dockerfile before it is written: what no engine would accept is refused here,
with its line number, so a typo never reaches a half-finished build."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass

from .errors import DockerfileError

INSTRUCTIONS = {
    "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL",
    "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
}
# instructions whose argument may be a JSON array ("exec form")
JSON_FORMS = {"RUN", "CMD", "ENTRYPOINT", "SHELL", "COPY", "ADD", "VOLUME"}


@dataclass
class Instruction:
    line: int  # 1-based line where it starts
    name: str  # upper case
    value: str


def parse(text: str) -> list[Instruction]:
    """The instructions of a Dockerfile, checked; raises `DockerfileError` naming the line."""
    from dockerfile_parse import DockerfileParser

    parser = DockerfileParser(fileobj=io.BytesIO(text.encode("utf-8")))
    instructions = [
        Instruction(item["startline"] + 1, item["instruction"].upper(), item["value"])
        for item in parser.structure
        if item["instruction"] != "COMMENT"
    ]
    if not instructions:
        raise DockerfileError("the Dockerfile has no instructions; start it with FROM (e.g. FROM busybox)")
    for ins in instructions:
        _check(ins)
    first = instructions[0]
    if first.name not in ("FROM", "ARG"):
        raise DockerfileError(
            f"line {first.line}: the first instruction is {first.name}; a Dockerfile must start with "
            "FROM (or ARG before FROM)"
        )
    if not any(ins.name == "FROM" for ins in instructions):
        raise DockerfileError("the Dockerfile has no FROM instruction; add one (e.g. FROM busybox)")
    return instructions


def _check(ins: Instruction) -> None:
    if ins.name not in INSTRUCTIONS:
        known = ", ".join(sorted(INSTRUCTIONS))
        raise DockerfileError(f"line {ins.line}: unknown instruction {ins.name} (known: {known})")
    value = ins.value.strip()
    if ins.name == "ONBUILD":
        inner, _, rest = value.partition(" ")
        _check(Instruction(ins.line, inner.upper(), rest))
        return
    if ins.name in JSON_FORMS and value.startswith("["):
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError as exc:
            raise DockerfileError(
                f"line {ins.line}: {ins.name} {value} is not valid JSON ({exc.msg}); write the exec "
                'form as a JSON array of double-quoted strings, e.g. ["echo", "hi"]'
            ) from None
        if not isinstance(parsed, list) or not all(isinstance(x, str) for x in parsed):
            raise DockerfileError(f"line {ins.line}: {ins.name} exec form must be a JSON array of strings")
    elif ins.name == "SHELL":
        raise DockerfileError(f'line {ins.line}: SHELL takes a JSON array, e.g. SHELL ["/bin/sh", "-c"]')
    if not value and ins.name not in ("CMD", "ENTRYPOINT"):
        raise DockerfileError(f"line {ins.line}: {ins.name} needs an argument")


