"""A service's `secrets:` and `configs:` on an engine outside swarm mode, as Compose v2 gives
them: a file-based one bind-mounted read-only (secrets at `/run/secrets/<source>`, or
`/run/secrets/<target>` for a relative target; configs at `/<source>` or `/<target>`; an
absolute target as is); one given by `environment` (or a config's `content`) copied into the
container as a file before each start, mode 0444 unless `mode:` says otherwise.  External
ones, and configs with a driver, are refused as v2 refuses them.
"""

from __future__ import annotations

import io
import tarfile
import time

from ..errors import ComposeError

SECRETS_DIR = "/run/secrets/"


def _target(ref: dict, base: str) -> str:
    target = ref.get("target") or ""
    if not target:
        return base + ref["source"]
    return target if target.startswith("/") or (len(target) > 1 and target[1] == ":") else base + target


def _kinds(project):
    model = project.model
    return (("secret", "secrets", SECRETS_DIR, model.get("secrets") or {}),
            ("config", "configs", "/", model.get("configs") or {}))


def mounts(project, service: dict) -> list[dict]:
    """The bind mounts (docker-py `Mount`s) of the service's file-based secrets and configs,
    one per target (a later one at the same target wins, as in v2's map)."""
    from docker.types import Mount

    out: dict[str, dict] = {}
    for kind, key, base, defined in _kinds(project):
        for ref in service.get(key) or []:
            top = defined.get(ref["source"]) or {}
            if top.get("external"):
                raise ComposeError(f"unsupported external {kind} {top.get('name') or ref['source']}")
            if kind == "config" and top.get("driver"):
                raise ComposeError("Docker Compose does not support configs.*.driver")
            if top.get("environment") or top.get("content") is not None:
                continue   # copied in before start (`inject`)
            target = _target(ref, base)
            out[target] = Mount(target, top.get("file"), type="bind", read_only=True)
            if kind == "secret":   # v2 sends the secret's (empty) bind options, not the config's
                out[target]["BindOptions"] = {}
    return list(out.values())


def inject(api, project, service_name: str, container: str) -> None:
    """Copy the service's secrets and configs given by value into `container` (v2's
    injectSecrets / injectConfigs, run before each start)."""
    service = project.services[service_name]
    for kind, key, base, defined in _kinds(project):
        for ref in service.get(key) or []:
            top = defined.get(ref["source"]) or {}
            content = top.get("content")
            if top.get("environment"):
                content = project.environment.get(top["environment"])
                if content is None:
                    raise ComposeError(f"environment variable {top['environment']!r} required by {kind} "
                                       f"{ref['source']!r} is not set")
            if not content:
                continue
            api.put_archive(container, "/", _tar(_target(ref, base), content.encode(), ref))


def _tar(path: str, data: bytes, ref: dict) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo(path)
        info.size, info.mtime = len(data), int(time.time())
        mode = ref.get("mode")
        info.mode = int(mode, 8) if isinstance(mode, str) else (0o444 if mode is None else int(mode))
        info.uid, info.gid = int(ref.get("uid") or 0), int(ref.get("gid") or 0)
        tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()
