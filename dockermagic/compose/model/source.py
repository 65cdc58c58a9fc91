"""One compose file made ready to merge: parsed, interpolated, checked, its paths absolute, its
`include`s pulled in and its services' `extends` resolved (each as compose-go does per file)."""

from __future__ import annotations

import os

from ...errors import ComposeFileError
from . import envfile, paths, validate, yamlfile
from .interpolation import interpolate
from .merge import merge, strip
from .valuetypes import Refusal


class Source:
    """Reads the files of one load, with the project's variables and `%%compose`'s in-memory texts."""

    def __init__(self, options, env: dict, including: tuple = (), warnings: list | None = None,
                 decode: bool = True):
        self.options = options
        #: False: the raw model, never bound to types (no duration, size or port checks; `environment` ...
        #: merged as sequences)
        self.decode = decode
        self.env = env
        self.warnings = [] if warnings is None else warnings  # v2's WARN lines, shared by the whole load
        self.including = including  # the include chain, for cycles

    def text(self, path: str) -> str:
        if path in self.options.contents:
            return self.options.contents[path]
        try:
            with open(path, encoding="utf-8") as handle:
                return handle.read()
        except FileNotFoundError:
            raise ComposeFileError(f"open {path}: no such file or directory") from None

    def raw(self, path: str, base: str) -> dict:
        """`path` parsed, interpolated, checked and with its paths made absolute against `base`."""
        text = self.text(path)
        data, marks = yamlfile.parse_marked(text, path)
        if data is None or data == {}:
            raise ComposeFileError("empty compose file")
        if not isinstance(data, dict):
            raise ComposeFileError(f"validating {path}: top-level object must be a mapping")
        try:
            if self.options.interpolate:
                data = interpolate(data, self.env, warnings=self.warnings)
            validate.check(strip(data), self.decode)
        except Refusal as exc:
            mark = marks.at(exc.keys)
            suffix = f" (line {mark[0]})" if mark else ""
            prefix = f"validating {path}: " if exc.validating else ""
            raise ComposeFileError(f"{prefix}{exc}{suffix}") from None
        paths.resolve(data, base, self.env.get("HOME"))
        return data

    def file(self, path: str, base: str) -> dict:
        data = self.raw(path, base)
        for entry in data.pop("include", None) or []:
            data = self._include(data, entry, path, base)
        services = data.get("services") or {}
        for name in list(services):
            services[name] = self._extends(services, name, path, base, ())
        return data

    def _include(self, data: dict, entry, path: str, base: str) -> dict:
        entry = {"path": entry} if isinstance(entry, str) else dict(entry)
        targets = [entry["path"]] if isinstance(entry["path"], str) else list(entry["path"])
        targets = [os.path.normpath(os.path.join(os.path.dirname(path), t)) for t in targets]
        project_dir = entry.get("project_directory")
        project_dir = os.path.normpath(os.path.join(os.path.dirname(path), project_dir)) if project_dir \
            else os.path.dirname(targets[0])
        for target in targets:
            if target in self.including or target == path:
                raise ComposeFileError(f"include cycle detected: {path} include {target}")
        env = dict(self.env)
        env_files = entry.get("env_file")
        env_files = [env_files] if isinstance(env_files, str) else env_files or []
        default = os.path.join(project_dir, ".env")
        if not env_files and os.path.isfile(default):
            env_files = [default]
        for env_file in env_files:
            # relative to the including file, as the include's paths are (`.env` alone is the project's)
            folder = project_dir if env_file == default else os.path.dirname(path)
            extra = envfile.read(os.path.join(folder, env_file), env, contents=self.options.contents)
            env = {**extra, **env}
        inner = Source(self.options, env, (*self.including, path), self.warnings, self.decode)
        included: dict = {}
        for target in targets:
            included = merge(included, inner.file(target, project_dir), sequences=not self.decode)
        included = paths.default_context(strip(included), project_dir)
        for kind in ("services", "networks", "volumes", "secrets", "configs"):
            for key, value in (included.get(kind) or {}).items():
                mine = data.setdefault(kind, {}) if data.get(kind) is not None else data.__setitem__(kind, {}) or data[kind]
                if key in mine and kind == "services":
                    raise ComposeFileError(f"services.{key} conflicts with imported resource")
                mine.setdefault(key, value)
        return data

    def _extends(self, services: dict, name: str, path: str, base: str, chain: tuple) -> dict:
        service = services[name]
        extends = service.get("extends") if isinstance(service, dict) else None
        if not extends:
            return service
        extends = {"service": extends} if isinstance(extends, str) else extends
        target = extends["service"]
        if (path, name) in chain:
            raise ComposeFileError(f"circular reference with extends: {name}")
        if extends.get("file"):
            other = extends["file"]
            other_services = self.raw(other, os.path.dirname(other)).get("services") or {}
            if target not in other_services:
                raise ComposeFileError(f"cannot extend service {name!r} in {path}: service {target!r} not found in {other}")
            parent = self._extends(other_services, target, other, os.path.dirname(other), (*chain, (path, name)))
        else:
            if target not in services:
                raise ComposeFileError(f"cannot extend service {name!r} in {path}: service {target!r} not found")
            parent = self._extends(services, target, path, base, (*chain, (path, name)))
        own = {key: value for key, value in service.items() if key != "extends"}
        parent = {key: value for key, value in parent.items() if key not in ("extends", "depends_on")} \
            if False else {key: value for key, value in parent.items() if key != "extends"}
        return merge(parent, own, ("services", name), sequences=not self.decode)

