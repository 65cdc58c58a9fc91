"""A loaded compose project: what `load()` (in `loader.py`) gives every other part of Compose.

`Project.model` is the canonical model exactly as `docker compose config --format json` prints
it, parsed: defaults filled in (`networks: {default: ...}`, long-form ports, volumes and
`depends_on`, absolute paths), services of inactive profiles left out.  The engine side
(`up`, `down`, `ps` ...) reads nothing else, so what it runs is what `config` shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass
class ProjectOptions:
    """How a project is found and loaded: the `docker compose` global flags."""

    files: list[str] = field(default_factory=list)   # -f/--file, in order (empty: look one up)
    project_directory: str | None = None             # --project-directory
    project_name: str | None = None                  # -p/--project-name
    env_files: list[str] = field(default_factory=list)  # --env-file, in order
    profiles: list[str] = field(default_factory=list)   # --profile (COMPOSE_PROFILES when empty)
    interpolate: bool = True                          # False: --no-interpolate
    environ: Mapping[str, str] | None = None          # the process environment (os.environ when None)
    cwd: str | None = None                            # where the lookup starts (os.getcwd() when None)
    #: services named on the command line (`up web`, `config web`): those and their dependencies are
    #: enabled, the named ones whatever their profiles; empty: every service of an active profile
    services: list[str] = field(default_factory=list)
    #: {path: text} read instead of the file at that path (`%%compose` checks a cell before writing it)
    contents: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Project:
    name: str                        # normalized as v2 does
    working_dir: str                 # absolute: the project directory
    config_files: list[str]          # absolute paths, in load order (label com.docker.compose.project.config_files)
    model: dict                      # canonical model, as `config --format json` prints it
    environment: dict[str, str]      # the variables interpolation saw (.env, --env-file, environ)
    profiles: list[str] = field(default_factory=list)    # the active profiles
    #: canonical models of the services left out by inactive profiles (for `--profile`, orphans, `run`)
    disabled: dict[str, dict] = field(default_factory=dict)
    #: what v2 prints as `WARN[0000] ...` while loading (unset variables, YAML 1.1 booleans), in order
    warnings: list[str] = field(default_factory=list)
    #: the top-level `models` (AI models a service may use), by name: v2's YAML prints them, its JSON does not
    models: dict = field(default_factory=dict)

    @property
    def services(self) -> dict[str, dict]:
        return self.model.get("services", {})

    @property
    def networks(self) -> dict[str, dict]:
        return self.model.get("networks", {})

    @property
    def volumes(self) -> dict[str, dict]:
        return self.model.get("volumes", {})
