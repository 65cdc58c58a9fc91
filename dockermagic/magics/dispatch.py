"""What `%docker SUBCOMMAND ...` reaches: the CLI's management-command spellings (`image ls`,
`container rm` ...), the subcommands a single engine in a notebook cannot serve and why, and
`resolve()`, which `%docker` and `checks.check()` both dispatch with."""

from __future__ import annotations

import re

from ..errors import InvalidInput
from .args import join, split

# `%docker image ls` and friends: the CLI's management-command spellings
ALIASES = {
    ("image", "ls"): "images", ("image", "list"): "images", ("image", "build"): "build",
    ("image", "history"): "history", ("image", "push"): "push", ("image", "pull"): "pull",
    ("image", "tag"): "tag", ("image", "rm"): "rmi", ("image", "inspect"): "inspect",
    ("container", "run"): "run", ("container", "ls"): "ps", ("container", "list"): "ps",
    ("container", "logs"): "logs", ("container", "exec"): "exec", ("container", "stop"): "stop",
    ("container", "start"): "start", ("container", "rm"): "rm", ("container", "inspect"): "inspect",
    ("image", "prune"): "image_prune", ("container", "prune"): "container_prune",
    ("volume", "prune"): "volume_prune", ("builder", "prune"): "builder_prune",
    ("system", "events"): "events", ("buildx", "build"): "build", ("buildx", "b"): "build",
    **{("container", verb): verb for verb in ("create", "kill", "pause", "unpause", "restart", "rename", "wait",
                                              "update", "port", "top", "attach", "stats", "commit", "cp", "export")},
    ("container", "remove"): "rm",
    **{("image", verb): verb for verb in ("save", "load", "import")},
}

# subcommands a single engine in a notebook cannot serve, and why -- said in one line
UNSUPPORTED = {
    "plugin": "manages engine plugins on the engine's host; do that there, with the docker CLI",
    "search": "queries Docker Hub's search service, which the engine does not proxy; search on hub.docker.com",
    "scout": "is Docker Scout, a separate CLI plugin and online service",
    "manifest": "edits registry manifest lists client-side; use the docker CLI or `docker buildx imagetools`",
    "trust": "is Docker Content Trust signing, done by the CLI with Notary, not by the engine",
    "checkpoint": "is experimental CRIU checkpointing, off on standard engines",
    "init": "writes Docker's project templates (Docker Desktop's `docker init`); write a Dockerfile with %%dockerfile",
    "debug": "is Docker Desktop's debug shell, not part of the engine",
    "scan": "was Docker's Snyk plugin, retired for Docker Scout",
}
_SUB = re.compile(r"[a-z][a-z0-9_-]*")
# top-level spellings the CLI also takes (`docker remove` runs `docker rm`, as CLI 28 does)
TOP_ALIASES = {"remove": "rm"}


def resolve(shell, line: str) -> tuple[str, str]:
    """(`docker_...` magic name, the rest of the line) for a `%docker` line (global flags already
    split off); an unsupported or unknown subcommand is one `InvalidInput`."""
    words = split(line)
    sub, rest = words[0], words[1:]
    if rest and (sub, rest[0]) in ALIASES:
        sub, rest = ALIASES[(sub, rest[0])], rest[1:]
    sub = TOP_ALIASES.get(sub, sub)
    supported = ", ".join(subcommands(shell))
    if not _SUB.fullmatch(sub):
        raise InvalidInput(f"'docker {sub}' is not a subcommand; supported: {supported}")
    if sub in UNSUPPORTED:
        raise InvalidInput(f"'docker {sub}' is not supported here: it {UNSUPPORTED[sub]}")
    if sub == "buildx" and len(words) > 1:
        raise InvalidInput(f"'docker buildx {words[1]}' is not supported here: only `buildx build` (as %docker_build)")
    name = f"docker_{sub.replace('-', '_')}"
    if shell.find_line_magic(name) is None:
        raise InvalidInput(f"'docker {sub}' is not supported; supported: {supported}")
    return name, join(rest)


def subcommands(shell) -> list[str]:
    names = shell.magics_manager.magics["line"]
    return sorted(name[len("docker_"):] for name in names if name.startswith("docker_"))
