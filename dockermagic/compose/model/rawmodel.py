"""The model `docker compose config --no-interpolate` prints: the files merged as a YAML tree, not
bound to Compose's types, so variables stay where they are written.

Compose v2 loads it without ever building a project (compose-go's model path): per file, parse,
resolve `extends` and `include`, merge over the files before (`environment`, `labels` ... as
`KEY=VALUE` sequences, a later definition of a key, a mount's target or a port replacing an
earlier one in place), then bring each short syntax to its long form -- ports (a list holding a
variable stays as written), volumes, `depends_on`, `env_file`, secrets ... -- and make paths
absolute.  Then it normalizes: the implicit `default` network, dependencies implied by `links`,
`volumes_from` and `service:` modes, the engine name of every resource, `name`.  Nothing of the
canonical model's typing happens: `command` stays a string, `environment` a list or a mapping as
written, `expose` and ports of the long form keep their types; no profile or service is left out.
The variables a bare `environment` entry or `build.args` entry is looked up in are only
COMPOSE_PROJECT_NAME (v2 hands the loader no other variable on this path).
"""

from __future__ import annotations

import posixpath
import re

from ...errors import ComposeFileError
from . import paths, syntax
from .gojson import NilList
from .loader import locate, project_name
from .merge import DEPENDENCY, as_mapping, go_text, merge
from .project import ProjectOptions
from .source import Source

# -- one definition of a key, a mount's target or a port (compose-go's EnforceUnicity) --

def _environment_key(item) -> str:
    return str(item).partition("=")[0]


def _volume_key(item) -> str:
    if isinstance(item, dict):
        return str(item.get("target"))
    if isinstance(item, str):
        try:
            return str(syntax.short_volume(item, "").get("target"))
        except ComposeFileError:
            return item
    return ""


def _mount_key(prefix: str):
    def key(item) -> str:
        if isinstance(item, dict):
            return str(item["target"]) if "target" in item else f"{prefix}/{item.get('source')}"
        return f"{prefix}/{item}"
    return key


def _port_key(item) -> str:
    if isinstance(item, dict):
        return f"{item.get('host_ip', '0.0.0.0')}:{item.get('published', '')}:{item.get('target')}/" \
               f"{item.get('protocol', 'tcp')}"
    return str(item)


_UNIQUE = {"environment": _environment_key, "volumes": _volume_key, "expose": str,
           "secrets": _mount_key("/run/secrets"), "configs": _mount_key(""), "ports": _port_key}


def unique(model: dict) -> dict:
    """A service's environment entries, mounts, exposed and published ports, secrets and configs, one
    per key, target or binding: a later one takes the place of the first (in place)."""
    for service in (model.get("services") or {}).values():
        if not isinstance(service, dict):
            continue
        for key, index in _UNIQUE.items():
            items = service.get(key)
            if not isinstance(items, list):
                continue
            kept, where = [], {}
            for item in items:
                mark = index(item)
                if mark in where:
                    kept[where[mark]] = item
                else:
                    where[mark] = len(kept)
                    kept.append(item)
            service[key] = kept
    return model


# -- short syntaxes to long ones (compose-go's transform.Canonical, parse errors ignored) --

def _ports(value):
    if not isinstance(value, list):
        return value
    result = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, (int, str, dict)):
            return value
        if isinstance(item, int):
            result.append({"target": item})
        elif isinstance(item, str):
            try:
                result += syntax.short_port(item, "")
            except ComposeFileError:  # a variable where a number goes: the list as written
                return value
        else:
            result.append(dict(item))
    for entry in result:
        entry.setdefault("protocol", "tcp")
        entry.setdefault("mode", "ingress")
    return result


def _volume(item):
    if isinstance(item, str):
        try:
            return syntax.short_volume(item, "")
        except ComposeFileError:
            return item
    return item


def _file_mount(item, secret: bool):
    entry = {"source": item} if isinstance(item, str) else item
    if secret and isinstance(entry, dict) and "target" not in entry:
        entry = {**entry, "target": f"/run/secrets/{entry.get('source')}"}
    return entry


def _env_file(value):
    items = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    result = []
    for item in items:
        entry = {"path": item} if isinstance(item, str) else dict(item)
        entry.setdefault("required", True)
        result.append(entry)
    return result


def _key_values(value):
    if isinstance(value, list):
        return {str(item).partition("=")[0]: str(item).partition("=")[2] for item in value}
    return value


def _ssh(value):
    if isinstance(value, list):
        result = {}
        for item in value:
            key, eq, path = str(item).partition("=")
            result[key] = path if eq else None
        return result
    if isinstance(value, str):
        return {value: None} if "=" not in value else {value.partition("=")[0]: value.partition("=")[2]}
    return value


def _device(item):
    if isinstance(item, str):
        return syntax.devices([item])[0]
    return item


def _watch(value):
    if not isinstance(value, list):
        return value
    result = []
    for item in value:
        if isinstance(item, dict) and isinstance(item.get("path"), list):
            result += [{**item, "path": path} for path in item["path"]]
        else:
            result.append(item)
    return result


def _build(value):
    build = {"context": value} if isinstance(value, str) else dict(value) if isinstance(value, dict) else value
    if not isinstance(build, dict):
        return build
    if "ssh" in build:
        build["ssh"] = _ssh(build["ssh"])
    if isinstance(build.get("secrets"), list):
        build["secrets"] = [_file_mount(item, secret=False) for item in build["secrets"]]
    if "additional_contexts" in build:
        build["additional_contexts"] = _key_values(build["additional_contexts"])
    return build


def _service(service):
    if not isinstance(service, dict):
        return service
    service = dict(service)
    for key, value in list(service.items()):
        if key == "build":
            service[key] = _build(value)
        elif key == "depends_on":
            service[key] = {name: {**DEPENDENCY, **(dep or {})} for name, dep in as_mapping(value, {}).items()}
        elif key == "env_file":
            service[key] = _env_file(value)
        elif key in ("label_file", "dns"):
            service[key] = [value] if isinstance(value, str) else value
        elif key == "gpus" and value == "all":
            service[key] = [{"count": "all"}]
        elif key == "networks":
            service[key] = as_mapping(value, None)
        elif key == "volumes" and isinstance(value, list):
            service[key] = [_volume(item) for item in value]
        elif key == "devices" and isinstance(value, list):
            service[key] = [_device(item) for item in value]
        elif key in ("secrets", "configs") and isinstance(value, list):
            service[key] = [_file_mount(item, key == "secrets") for item in value]
        elif key == "ports":
            service[key] = _ports(value)
        elif key == "develop" and isinstance(value, dict) and "watch" in value:
            service[key] = {**value, "watch": _watch(value["watch"])}
    if isinstance(service.get("dns"), list):  # compose-go leaves out empty DNS servers
        service["dns"] = [item for item in service["dns"] if item not in (None, "")]
    return service


def _external(item):
    if isinstance(item, dict) and isinstance(item.get("external"), dict):
        item = dict(item)
        name = item["external"].get("name")
        item["external"] = True
        if name:
            item["name"] = name
    return item


def canonical(model: dict) -> dict:
    """Short syntaxes in their long form; what cannot be parsed for a variable in it stays as written."""
    model = dict(model)
    if isinstance(model.get("services"), dict):
        model["services"] = {name: _service(service) for name, service in model["services"].items()}
    for kind in ("volumes", "networks", "secrets", "configs"):
        if isinstance(model.get(kind), dict):
            model[kind] = {name: _external(item) for name, item in model[kind].items()}
    return model


# -- normalization (compose-go's Normalize on the YAML tree) --

def _resolve(value, env: dict, keep_empty: bool):
    if isinstance(value, list):
        result = []
        for item in value:
            if not isinstance(item, str):
                continue
            if "=" in item:
                result.append(item)
            elif item in env:
                result.append(f"{item}={env[item]}")
            elif keep_empty:
                result.append(item)
        return result
    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            if item is not None:
                result[key] = item
            elif key in env:
                result[key] = env[key]
            elif keep_empty:
                result[key] = None
        return result
    return value


def _is_true(value) -> bool:
    return go_text(value) in ("1", "t", "T", "TRUE", "true", "True")


def normalize(model: dict, env: dict) -> dict:
    """The implicit `default` network, implied dependencies, build defaults, engine names (in place);
    bare `environment` and `build.args` entries looked up in `env`."""
    services = model.get("services") or {}
    networks = dict(model.get("networks") or {})
    uses_default = False
    for service in services.values():
        if "provider" in service or "network_mode" in service:
            continue
        if not service.get("networks"):
            service["networks"] = {"default": None}
        if "default" in service["networks"]:
            uses_default = True
    if uses_default and "default" not in networks:
        networks["default"] = None
    if networks:
        model["networks"] = networks
    for service in services.values():
        _normalize_service(service, env)
    for kind in ("networks", "volumes", "configs", "secrets"):
        if kind not in model:
            continue
        for key, item in list(model[kind].items()):
            item = dict(item or {})
            if item.get("name") is None:
                item["name"] = key if "external" in item and _is_true(item["external"]) else f"{model['name']}_{key}"
            model[kind][key] = item
    return model


def _normalize_service(service: dict, env: dict) -> None:
    if service.get("pull_policy") == "if_not_present":
        service["pull_policy"] = "missing"
    build = service.get("build")
    if isinstance(build, dict):
        if build.get("context") is None:
            build["context"] = "."
        if build.get("dockerfile") is None and build.get("dockerfile_inline") is None:
            build["dockerfile"] = "Dockerfile"
        if "args" in build:
            build["args"] = _resolve(build["args"], env, keep_empty=False)
    if "environment" in service:
        service["environment"] = _resolve(service["environment"], env, keep_empty=True)
    depends = dict(service.get("depends_on") or {})
    for link in service.get("links") or []:
        parts = str(link).split(":")
        depends.setdefault(parts[0] if len(parts) == 2 else str(link),
                           {"condition": "service_started", "restart": True, "required": True})
    for key in ("network_mode", "ipc", "pid", "uts", "cgroup"):
        ref = service.get(key)
        if isinstance(ref, str) and ref.startswith("service:"):
            depends.setdefault(ref[8:], {"condition": "service_started", "restart": True, "required": True})
    for volume in service.get("volumes") or []:
        if isinstance(volume, dict) and isinstance(volume.get("target"), str):
            volume["target"] = _clean(volume["target"])
    for ref in service.get("volumes_from") or []:
        if not str(ref).startswith("container:"):
            depends.setdefault(str(ref).split(":")[0],
                               {"condition": "service_started", "restart": False, "required": True})
    if depends:
        service["depends_on"] = depends


def _clean(path: str) -> str:
    """Go's `path.Clean` (POSIX's normpath keeps a leading `//`; Go does not)."""
    cleaned = posixpath.normpath(path) if path else "."
    return "/" + cleaned.lstrip("/") if cleaned.startswith("//") else cleaned


def _resolve_environment(model: dict, env: dict) -> None:
    """compose-go's ResolveEnvironment: a bare `environment` entry that names a known variable."""
    for service in (model.get("services") or {}).values():
        if isinstance(service, dict) and isinstance(service.get("environment"), list):
            service["environment"] = [f"{item}={env[item]}" if item in env else item
                                      for item in service["environment"] if isinstance(item, str)]
    for kind, field in (("secrets", "x-#value"), ("configs", "content")):
        for item in (model.get(kind) or {}).values():
            if isinstance(item, dict) and isinstance(item.get("environment"), str) and item["environment"] in env:
                item[field] = env[item["environment"]]


#: where an empty sequence stays one (v2.40.3 prints `[]` in JSON); anywhere else it is a nil slice
_EMPTY_KEPT = {("services", "*", key) for key in (
    "annotations", "cap_add", "cap_drop", "configs", "devices", "dns", "dns_opt", "dns_search", "env_file", "expose",
    "labels", "links", "ports", "profiles", "secrets", "sysctls", "tmpfs", "volumes")}
_EMPTY_KEPT |= {("services", "*", "build", "labels"), ("services", "*", "build", "tags"),
                ("services", "*", "deploy", "labels"), ("services", "*", "networks", "*", "aliases"),
                ("networks", "*", "labels")}


def _nil_lists(value, path: tuple = ()):
    """Every empty sequence outside `_EMPTY_KEPT` as Go's nil slice (compose-go reads `[]` as one)."""
    if isinstance(value, dict):
        return {key: _nil_lists(item, (*path, key)) for key, item in value.items()}
    if isinstance(value, list):
        if not value and not any(len(path) == len(p) and all(a in ("*", b) for a, b in zip(p, path))
                                 for p in _EMPTY_KEPT):
            return NilList()
        return [_nil_lists(item, (*path, "[]")) for item in value]
    return value


def normalize_name(name: str) -> str:
    """compose-go's NormalizeProjectName (a `name:` read without interpolation is not refused)."""
    return re.sub(r"[^a-z0-9_-]", "", name.lower()).lstrip("_-")


def load_model(options: ProjectOptions) -> dict:
    """What `config --no-interpolate` prints, as a tree (key order left to the printer)."""
    return load_tree(options)[0]


def load_tree(options: ProjectOptions) -> tuple[dict, str]:
    """(the model `load_model` gives, the project's working directory)."""
    options = ProjectOptions(**{**vars(options), "interpolate": False})
    env, files, working_dir = locate(options)
    source = Source(options, env, decode=False)
    model: dict = {}
    names = []
    for path in files:
        data = source.file(path, working_dir)
        if isinstance(data.get("name"), str):
            names.append(data["name"])
        data.pop("version", None)
        model = unique(canonical(unique(merge(model, data, sequences=True))))
    model = paths.default_context(model, working_dir)
    name = project_name(options, env, None, working_dir, from_file=normalize_name(names[-1]) if names else "")
    model["name"] = name
    variables = {"COMPOSE_PROJECT_NAME": name}
    _resolve_environment(model, variables)
    return _nil_lists(normalize(model, variables)), working_dir


__all__ = ["canonical", "load_model", "load_tree", "merge", "normalize"]
