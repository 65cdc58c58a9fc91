"""`%docker compose config` (v2's flags) and `%%compose` (a cell written as a project's compose
file once it loads as v2 would load it)."""

from __future__ import annotations

import os

from ...compose.model import config as cfg
from ...errors import ComposeFileError, InvalidInput
from .base import subcommand, warn

_FLAGS = (
    (("--format",), {"default": "yaml", "choices": ("yaml", "json"), "help": "Format the output. Values: [yaml | json]"}),
    (("-q", "--quiet"), {"action": "store_true", "help": "Only validate the configuration, don't print anything"}),
    (("--no-interpolate",), {"action": "store_true", "help": "Don't interpolate environment variables"}),
    (("--services",), {"action": "store_true", "help": "Print the service names, one per line."}),
    (("--volumes",), {"action": "store_true", "help": "Print the volume names, one per line."}),
    (("--profiles",), {"action": "store_true", "help": "Print the profile names, one per line."}),
    (("--images",), {"action": "store_true", "help": "Print the image names, one per line."}),
    (("--hash",), {"default": "", "help": "Print the service config hash, one per line."}),
    (("-o", "--output"), {"default": "", "help": "Save to file (default to stdout)"}),
    (("service_names",), {"nargs": "*", "metavar": "SERVICE", "help": "Only these services (and what they depend on)"}),
)


@subcommand("config", "Parse, resolve and render compose file in canonical format", *_FLAGS)
def config(call, args):
    if args.no_interpolate and (args.services or not (args.volumes or args.hash or args.profiles or args.images)):
        return _model(call, args)
    overrides = {"services": list(args.service_names)} if args.service_names else {}
    if args.no_interpolate:
        overrides["interpolate"] = False
    project = call.project(**overrides) if overrides else call.project()
    if args.services:
        lines = cfg.services(project)
    elif args.volumes:
        lines = cfg.volumes(project)
    elif args.hash:
        lines = cfg.hashes(project, args.hash)
    elif args.profiles:
        lines = cfg.profiles(project)
    elif args.images:
        lines = cfg.images(project)
    else:
        text = cfg.render(project, args.format, interpolated=not args.no_interpolate)
        return _rendered(args, text, project.name, project.working_dir, project.model)
    if not args.quiet:
        print("\n".join(lines))
    return None


def _model(call, args):
    """`--no-interpolate`: v2 prints the files merged as a tree, not a project (its `--services` too,
    every service whatever its profiles; SERVICE arguments select nothing there, as in v2)."""
    from ...compose.model.rawmodel import load_tree

    model, working_dir = load_tree(call.options())
    if args.services:
        if not args.quiet:
            print("\n".join(sorted(model.get("services") or {})))
        return None
    return _rendered(args, cfg.render_model(model, args.format), model["name"], working_dir, model)


def _rendered(args, text: str, name: str, working_dir: str, model: dict):
    """The rendered model where `-q`, `-o` and `--format` send it; YAML as v2 prints it, highlighted,
    with the project's diagram (a terminal: the YAML)."""
    if args.quiet:
        return None
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(text)
        return None
    if args.format == "json":
        print(text, end="")
        return None
    from ...compose.results import ComposeProject

    return ComposeProject(name, working_dir, model, action="config", source=text)


def write_cell(magics, words: list[str], cell: str):
    """`%%compose [DIR] [-f NAME] [-p NAME]`: load the cell as DIR/NAME would load, then write it."""
    from ...compose.model.loader import load
    from ...compose.model.project import ProjectOptions
    from ...compose.results import ComposeProject

    folder, name, project_name = ".", "compose.yaml", None
    words = list(words)
    while words:
        word = words.pop(0)
        if word in ("-f", "--file", "-p", "--project-name"):
            if not words:
                raise InvalidInput(f"%%compose: {word} needs an argument")
            value = words.pop(0)
            if word in ("-f", "--file"):
                name = value
            else:
                project_name = value
        elif word.startswith("-"):
            raise InvalidInput(f"%%compose: unknown flag {word!r}; usage: %%compose [DIR] [-f NAME] [-p NAME]")
        else:
            folder = word
    folder = os.path.abspath(folder)
    path = os.path.join(folder, name)
    options = ProjectOptions(files=[path], project_name=project_name, environ=dict(os.environ), cwd=folder,
                             contents={path: cell})
    try:
        project = load(options)
    except ComposeFileError as exc:
        raise ComposeFileError(f"{name}: {exc}") from None
    warn(project)
    os.makedirs(folder, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(cell)
    return ComposeProject(project.name, project.working_dir, project.model, action="config", source=cell)
