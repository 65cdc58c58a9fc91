"""`load(options) -> Project`: a compose project as Docker Compose v2 loads it.

The steps, in v2's order: find the files (`-f`, `COMPOSE_FILE`, or compose.yaml ... looked up in
the folder and its parents, with its `.override` file); read the project's variables (`.env` or
`--env-file`, then the process environment over them); per file: parse, interpolate, check
against the spec, make paths absolute, pull in `include`s and resolve `extends`; merge the files;
name the project; leave out the services of inactive profiles; resolve `env_file`; bring every
service to canonical form; refuse dependency cycles.
"""

from __future__ import annotations

import os
import re

from ...errors import ComposeFileError
from . import envfile, normalize, paths, resources, yamlfile
from .gojson import NilList
from .merge import merge, strip
from .project import Project, ProjectOptions
from .source import Source

CANDIDATES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
OVERRIDES = ("compose.override.yaml", "compose.override.yml", "docker-compose.override.yaml",
             "docker-compose.override.yml")


def normalize_name(name: str) -> str:
    """v2's name for a folder: lowercase, only [a-z0-9_-], starting with a letter or digit."""
    return re.sub(r"^[^a-z0-9]+", "", re.sub(r"[^a-z0-9_-]", "", name.lower()))


def check_name(name: str, origin: str) -> str:
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", name):
        raise ComposeFileError(f"invalid project name {name!r}{origin}: must consist only of lowercase alphanumeric "
                               "characters, hyphens, and underscores as well as start with a letter or number")
    return name


def find_files(options: ProjectOptions, environ, cwd: str) -> list[str]:
    if options.files:
        return [os.path.abspath(os.path.join(cwd, f)) for f in options.files]
    if environ.get("COMPOSE_FILE"):
        sep = environ.get("COMPOSE_PATH_SEPARATOR", os.pathsep)
        return [os.path.abspath(os.path.join(cwd, f)) for f in environ["COMPOSE_FILE"].split(sep) if f]
    folder = os.path.abspath(options.project_directory or cwd)
    while True:
        for name in CANDIDATES:
            path = os.path.join(folder, name)
            if path in options.contents or os.path.isfile(path):
                found = [path]
                for override in OVERRIDES:
                    extra = os.path.join(folder, override)
                    if extra in options.contents or os.path.isfile(extra):
                        found.append(extra)
                        break
                return found
        parent = os.path.dirname(folder)
        if parent == folder:
            raise ComposeFileError("no configuration file provided: not found")
        folder = parent


def project_environment(options: ProjectOptions, environ, working_dir: str, cwd: str) -> dict[str, str]:
    files = [os.path.abspath(os.path.join(cwd, f)) for f in options.env_files]
    if not files:
        default = os.path.join(working_dir, ".env")
        if default in options.contents or os.path.isfile(default):
            files = [default]
    env: dict[str, str] = {}
    for path in files:
        env.update(envfile.read(path, {**env, **environ}, contents=options.contents))
    env.update(environ)
    return env


def load(options: ProjectOptions) -> Project:
    """The project `options` name, canonical as `docker compose config` prints it; refusals are
    `ComposeFileError`s in one line; v2's warnings are in `Project.warnings`."""
    env, files, working_dir = locate(options)
    source = Source(options, env)
    model: dict = {}
    for path in files:
        model = merge(model, source.file(path, working_dir))
    model = paths.default_context(strip(model), working_dir)
    project = _project(options, model, env, working_dir, files)
    project.warnings = source.warnings
    return project


def locate(options: ProjectOptions) -> tuple[dict, list[str], str]:
    """(the project's variables, its compose files, its working directory), as v2 finds them."""
    environ = dict(os.environ if options.environ is None else options.environ)
    cwd = os.path.abspath(options.cwd or os.getcwd())
    # v2 reads `.env` before it looks for files (COMPOSE_FILE, COMPOSE_PROFILES ... may come from it): from
    # --project-directory, the first -f's folder or the current one; the project folder's when that has none
    first = os.path.abspath(os.path.join(cwd, options.project_directory)) if options.project_directory else \
        os.path.dirname(os.path.abspath(os.path.join(cwd, options.files[0]))) if options.files else cwd
    env = project_environment(options, environ, first, cwd)
    files = find_files(options, env, cwd)
    working_dir = os.path.abspath(os.path.join(cwd, options.project_directory)) if options.project_directory \
        else os.path.dirname(files[0])
    if working_dir != first and not options.env_files and not _exists(options, os.path.join(first, ".env")):
        env = project_environment(options, environ, working_dir, cwd)
    return env, files, working_dir


def _exists(options: ProjectOptions, path: str) -> bool:
    return path in options.contents or os.path.isfile(path)


def project_name(options: ProjectOptions, env: dict, declared, working_dir: str, from_file: str = "") -> str:
    """-p, else COMPOSE_PROJECT_NAME, else the files' `name:` (`declared`, checked; or `from_file`,
    already normalized), else the project folder's name, normalized."""
    if options.project_name:
        return check_name(options.project_name, "")
    if env.get("COMPOSE_PROJECT_NAME"):
        return check_name(env["COMPOSE_PROJECT_NAME"], " (COMPOSE_PROJECT_NAME)")
    if declared:
        return check_name(str(declared), "")
    return from_file or normalize_name(os.path.basename(working_dir))


def _project(options: ProjectOptions, model: dict, env: dict, working_dir: str, files: list[str]) -> Project:
    name = project_name(options, env, model.get("name"), working_dir)
    profiles = list(options.profiles) or [p for p in env.get("COMPOSE_PROFILES", "").split(",") if p]
    raws = model.get("services") or {}
    enabled = _enabled(raws, profiles, options.services)
    services, disabled = {}, {}
    for key, raw in sorted(raws.items()):
        canonical = normalize.service(key, _environment(raw, env, options))
        (services if key in enabled else disabled)[key] = canonical
    normalize.implicit_dependencies(services)
    _check_dependencies(services, disabled)
    model = _used(model, services)
    out = {}
    if model.get("configs"):
        out["configs"] = resources.files(name, model["configs"], secret=False)
    out["name"] = name
    nets = resources.networks(name, model.get("networks"), services)
    if nets:
        out["networks"] = nets
    if model.get("secrets"):
        out["secrets"] = resources.files(name, model["secrets"], secret=True)
    out["services"] = services
    if model.get("volumes"):
        out["volumes"] = resources.volumes(name, model["volumes"])
    for key in sorted(k for k in model if k.startswith("x-")):
        out[key] = _nil_lists(model[key])
    out = dict(sorted(out.items()))
    models = {key: normalize.ordered(value or {}, ("name", "model", "context_size", "runtime_flags"))
              for key, value in sorted((model.get("models") or {}).items())}
    return Project(name=name, working_dir=working_dir, config_files=files, model=out, environment=env,
                   profiles=profiles, disabled=disabled, models=models)


def _nil_lists(value):
    """An extension as compose-go keeps it: an empty sequence read from YAML is a nil slice."""
    if isinstance(value, dict):
        return {key: _nil_lists(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_nil_lists(item) for item in value] if value else NilList()
    return value


def _enabled(raws: dict, profiles: list[str], selected: list[str]) -> set[str]:
    """The services v2 enables: those of active profiles (or without one); when services are named
    (`up web`, `config web`), those and what they depend on, the named ones whatever their profiles
    (a dependency must be active itself: v2 says `no such service`)."""
    def active(name: str) -> bool:
        own = raws[name].get("profiles") or []
        return not own or "*" in profiles or any(p in profiles for p in own)

    if not selected:
        return {name for name in raws if active(name)}
    enabled: set[str] = set()
    todo = list(selected)
    while todo:
        name = todo.pop()
        if name in enabled:
            continue
        if name not in raws or (name not in selected and not active(name)):
            raise ComposeFileError(f"no such service: {name}")
        enabled.add(name)
        depends = raws[name].get("depends_on") or {}
        todo += [dep for dep in depends if isinstance(depends, list) or (depends[dep] or {}).get("required", True)]
    return enabled


def _used(model: dict, services: dict) -> dict:
    """The model without the volumes, secrets and configs no enabled service uses (v2 leaves them out)."""
    used = {"volumes": set(), "secrets": set(), "configs": set()}
    for svc in services.values():
        for mount in svc.get("volumes") or []:
            if mount.get("type") == "volume" and mount.get("source"):
                used["volumes"].add(mount["source"])
        for kind in ("secrets", "configs"):
            used[kind].update(ref["source"] for ref in svc.get(kind) or [])
        used["secrets"].update(ref["source"] for ref in (svc.get("build") or {}).get("secrets") or [])
    model = dict(model)
    for kind, names in used.items():
        if model.get(kind):
            model[kind] = {k: v for k, v in model[kind].items() if k in names}
    return model


def _environment(raw: dict, env: dict, options: ProjectOptions) -> dict:
    """`env_file` read into `environment`, bare names resolved from the project's variables."""
    if "env_file" not in raw and "environment" not in raw:
        return raw
    values: dict = {}
    for item in raw.get("env_file") or []:
        path, required = (item, True) if isinstance(item, str) else (item["path"], item.get("required", True))
        values.update(envfile.read(path, env, required=required, contents=options.contents))
    values.update(normalize.mapping(raw.get("environment"), "environment"))
    for key, value in values.items():
        if value is None and key in env:
            values[key] = env[key]
    raw = {k: v for k, v in raw.items() if k != "env_file"}
    if values:
        raw["environment"] = values
    return raw


def _check_dependencies(services: dict, disabled: dict) -> None:
    for name, svc in services.items():
        for dep, options in (svc.get("depends_on") or {}).items():
            if dep not in services and options.get("required", True):  # a disabled one too, as v2
                raise ComposeFileError(f'service "{name}" depends on undefined service "{dep}": invalid compose project')
    every = {**services, **disabled}
    done: set = set()

    def visit(node: str, path: list[str]) -> None:
        if node in path:
            cycle = path[path.index(node):] + [node]
            raise ComposeFileError("dependency cycle detected: " + " -> ".join(cycle))
        if node in done or node not in every:
            return
        for dep in sorted(every[node].get("depends_on") or {}):
            visit(dep, [*path, node])
        done.add(node)

    for name in sorted(every):
        visit(name, [])


__all__ = ["load", "normalize_name", "yamlfile"]
