"""Relative paths of one compose file made absolute against its base folder (the project
directory for `-f` files, the file's own folder for `extends`, `project_directory` for `include`)."""

from __future__ import annotations

import os


def _is_remote(context: str) -> bool:
    return "://" in context or context.startswith(("git@", "github.com/"))


#: the HOME `~` expands to: the loaded environment's, set by `resolve`
_home = {"": os.path.expanduser("~")}


def _abs(base: str, path: str) -> str:
    if path == "~" or path.startswith("~/"):
        path = _home[""] + path[1:]
    return os.path.normpath(os.path.join(base, path))


def resolve_service(service: dict, base: str) -> None:
    build = service.get("build")
    if isinstance(build, str):
        if not _is_remote(build):
            service["build"] = _abs(base, build)
    elif isinstance(build, dict):
        context = build.get("context")  # none: a later file may set it, else `default_context`
        if isinstance(context, str) and not _is_remote(context):
            build["context"] = _abs(base, context)
        extra = build.get("additional_contexts")
        if isinstance(extra, dict):
            build["additional_contexts"] = {key: _context(base, value) for key, value in extra.items()}
        elif isinstance(extra, list):
            build["additional_contexts"] = [_context_item(base, item) for item in extra]
    env_file = service.get("env_file")
    if env_file is not None:
        items = [env_file] if isinstance(env_file, str) else env_file
        service["env_file"] = [_abs(base, item) if isinstance(item, str)
                               else {**item, "path": _abs(base, item["path"])} for item in items]
    volumes = service.get("volumes")
    if isinstance(volumes, list):
        service["volumes"] = [_volume(item, base) for item in volumes]
    develop = service.get("develop")
    if isinstance(develop, dict) and isinstance(develop.get("watch"), list):
        develop["watch"] = [{**item, "path": _abs(base, item["path"])} if isinstance(item, dict)
                            and isinstance(item.get("path"), str) else item for item in develop["watch"]]
    extends = service.get("extends")
    if isinstance(extends, dict) and isinstance(extends.get("file"), str):
        extends["file"] = _abs(base, extends["file"])


def _context(base: str, value):
    """An additional build context: a folder made absolute; an image (`docker-image://`), a service
    (`service:web`) or a remote one as written."""
    if not isinstance(value, str) or _is_remote(value) or value.startswith("service:"):
        return value
    return _abs(base, value)


def _context_item(base: str, item):
    if not isinstance(item, str) or "=" not in item:
        return item
    key, _, value = item.partition("=")
    return f"{key}={_context(base, value)}"


def _volume(item, base: str):
    if isinstance(item, str):
        parts = item.split(":")
        if len(parts) > 1 and parts[0].startswith((".", "~")):
            return ":".join([_abs(base, parts[0]), *parts[1:]])
        return item
    if isinstance(item, dict) and item.get("type") == "bind" and isinstance(item.get("source"), str):
        return {**item, "source": _abs(base, item["source"])}
    return item


def resolve(model: dict, base: str, home: str | None = None) -> None:
    """Every path in `model` (one file, interpolated) made absolute against `base`, in place
    (`~` is `home`)."""
    if home:
        _home[""] = home
    for service in (model.get("services") or {}).values():
        if isinstance(service, dict):
            resolve_service(service, base)
    for kind in ("secrets", "configs"):
        for item in (model.get(kind) or {}).values():
            if isinstance(item, dict) and isinstance(item.get("file"), str):
                item["file"] = _abs(base, item["file"])


def default_context(model: dict, base: str) -> dict:
    """A `build` with no `context` once every file is merged builds `base` (compose-go sets the
    default after merging, so `build: {dockerfile: x}` in an override keeps the first file's context)."""
    for service in (model.get("services") or {}).values():
        build = service.get("build") if isinstance(service, dict) else None
        if isinstance(build, dict) and build.get("context") is None:
            build["context"] = os.path.normpath(base)
    return model
