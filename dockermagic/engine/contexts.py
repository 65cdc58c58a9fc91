"""The docker CLI's context store, read and written the way the CLI does it.

A context is a named engine endpoint: `~/.docker/contexts/meta/<sha256(name)>/meta.json`
holds its host, `~/.docker/contexts/tls/<sha256(name)>/docker/{ca,cert,key}.pem` its TLS
material, and `currentContext` in `~/.docker/config.json` names the one `docker context use`
chose (`DOCKER_CONFIG` moves all of it).  Contexts made with `docker context create` in a
terminal work here and the other way round.

docker-py's `docker.context.ContextAPI` reads the same files but puts the store beside the
working directory when `config.json` does not exist yet, cannot write `currentContext` then,
copies TLS files under their own names (the CLI reads only `ca.pem`, `cert.pem`, `key.pem`)
and needs all three files, where the CLI also accepts a CA alone.  Hence this small module.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..errors import InvalidInput
from ..opts import pairs
from . import dockerconfig
from .selection import check_address

DEFAULT_SOCKET = "unix:///var/run/docker.sock"
DEFAULT = "default"
TLS_FILES = {"ca": "ca.pem", "cert": "cert.pem", "key": "key.pem"}
_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.+-]*$")  # the CLI's rule for context names


class UnknownContext(InvalidInput):
    """A context name that is not in the store."""


@dataclass
class Context:
    """One endpoint: `host` plus TLS settings; `ca`/`cert`/`key` are file paths or None."""

    name: str
    host: str
    description: str = ""
    skip_tls_verify: bool = False
    ca: str | None = None
    cert: str | None = None
    key: str | None = None

    @property
    def tls(self) -> bool:
        """The CLI speaks TLS when the context has TLS material or skips verification."""
        return bool(self.ca or self.cert or self.key or self.skip_tls_verify)

    def tls_config(self):
        """A docker-py `TLSConfig` (None: plain connection)."""
        if not self.tls:
            return None
        from docker.tls import TLSConfig

        client_cert = (self.cert, self.key) if self.cert and self.key else None
        return TLSConfig(client_cert=client_cert, ca_cert=self.ca, verify=not self.skip_tls_verify)


def current_name() -> str:
    """The context `docker context use` chose (config.json `currentContext`), or "default"."""
    return dockerconfig.read().get("currentContext") or DEFAULT


def default_context() -> Context:
    """The CLI's "default" context: DOCKER_HOST (with DOCKER_TLS_VERIFY / DOCKER_CERT_PATH)
    or the default socket."""
    host = os.environ.get("DOCKER_HOST") or DEFAULT_SOCKET
    description = "Current DOCKER_HOST based configuration"
    verify = bool(os.environ.get("DOCKER_TLS_VERIFY"))
    if not (verify or os.environ.get("DOCKER_TLS")):
        return Context(DEFAULT, host, description)
    certs = Path(os.environ.get("DOCKER_CERT_PATH") or dockerconfig.folder())
    files = {k: str(certs / f) for k, f in TLS_FILES.items() if (certs / f).is_file()}
    return Context(DEFAULT, host, description, skip_tls_verify=not verify, **files)


def load(name: str) -> Context:
    """The context called `name`; `UnknownContext` if the store has none."""
    if name == DEFAULT:
        return default_context()
    data = dockerconfig.read_meta(name)
    if data is None:
        raise UnknownContext(
            f'context "{name}" does not exist in {dockerconfig.folder() / "contexts"}; '
            "`%docker_context ls` lists the contexts there, `%docker_context create` makes one"
        )
    endpoint = (data.get("Endpoints") or {}).get("docker") or {}
    tls_dir = dockerconfig.tls_dir(name)
    files = {k: str(tls_dir / f) for k, f in TLS_FILES.items() if (tls_dir / f).is_file()}
    return Context(
        data.get("Name", name), endpoint.get("Host") or DEFAULT_SOCKET,
        (data.get("Metadata") or {}).get("Description", ""), bool(endpoint.get("SkipTLSVerify")), **files,
    )


def inspect(name: str) -> dict:
    """`docker context inspect NAME`: the stored record, its TLS files and where they are."""
    context = load(name)
    files = [TLS_FILES[k] for k in TLS_FILES if getattr(context, k)]
    stored = name != DEFAULT
    return {
        "Name": context.name,
        "Metadata": {"Description": context.description} if context.description else {},
        "Endpoints": {"docker": {"Host": context.host, "SkipTLSVerify": context.skip_tls_verify}},
        "TLSMaterial": {"docker": files} if files else {},
        "Storage": {"MetadataPath": str(dockerconfig.meta_dir(name)) if stored else "<IN MEMORY>",
                    "TLSPath": str(dockerconfig.tls_dir(name).parent) if stored else "<IN MEMORY>"},
    }


def names() -> list[str]:
    """Names of the stored contexts (not "default"), sorted."""
    found = [meta["Name"] for meta in dockerconfig.stored_metas() if isinstance(meta, dict) and "Name" in meta]
    return sorted(found)


def all_contexts() -> list[Context]:
    """"default" first, then the stored contexts by name -- `docker context ls`."""
    return [default_context()] + [load(name) for name in names()]


def parse_endpoint(spec: str) -> dict:
    """`host=URL,ca=PATH,cert=PATH,key=PATH,skip-tls-verify=BOOL` -> a dict (the CLI's --docker)."""
    expected = "host=URL[,ca=PATH,cert=PATH,key=PATH,skip-tls-verify=BOOL]"
    fields: dict = pairs.fields(spec, "--docker", expected)
    for key in fields:
        if key not in ("host", "ca", "cert", "key", "skip-tls-verify"):
            raise InvalidInput(f"--docker {spec!r}: expected {expected}, not {key!r}")
    if "skip-tls-verify" in fields:
        fields["skip-tls-verify"] = fields["skip-tls-verify"].lower() in ("1", "true", "yes")
    for key in TLS_FILES:
        if key in fields:
            path = Path(fields[key]).expanduser()
            if not path.is_file():
                raise InvalidInput(f"--docker {key}={fields[key]}: no such file")
            fields[key] = str(path.resolve())
    if ("cert" in fields) != ("key" in fields):
        raise InvalidInput("--docker: cert= and key= go together (the client certificate and its key)")
    return fields


def create(name: str, host: str | None = None, *, description: str = "", ca: str | None = None,
           cert: str | None = None, key: str | None = None, skip_tls_verify: bool = False) -> Context:
    """Store a new context as `docker context create NAME --docker host=...` does."""
    if name == DEFAULT:
        raise InvalidInput('"default" is a reserved context name')
    if not _NAME.match(name or ""):
        raise InvalidInput(f"context name {name!r} is invalid: use letters, digits and _ . + - (starting with a letter or digit)")
    if (dockerconfig.meta_dir(name) / "meta.json").exists():
        raise InvalidInput(f'context "{name}" already exists; `%docker_context rm {name}` first')
    host = check_address(host or DEFAULT_SOCKET)
    meta = {"Name": name, "Metadata": {"Description": description} if description else {},
            "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": bool(skip_tls_verify)}}}
    sources = {"ca": ca, "cert": cert, "key": key}
    if any(sources.values()):
        tls_dir = dockerconfig.tls_dir(name)
        tls_dir.mkdir(parents=True, exist_ok=True)
        for kind, source in sources.items():
            if source:
                shutil.copyfile(source, tls_dir / TLS_FILES[kind])
                os.chmod(tls_dir / TLS_FILES[kind], 0o600 if kind == "key" else 0o644)
    dockerconfig.write_meta(name, meta)
    return load(name)


def update(name: str, description: str | None = None, endpoint: dict | None = None) -> Context:
    """`docker context update NAME [--description D] [--docker host=...]`: the fields given
    replace the stored ones, TLS files included."""
    if name == DEFAULT:
        raise InvalidInput('context "default" cannot be updated')
    old = load(name)
    endpoint = endpoint or {}
    check_address(endpoint.get("host") or old.host)  # a bad address fails before the old record goes
    shutil.rmtree(dockerconfig.meta_dir(name), ignore_errors=True)
    keep_tls = not any(k in endpoint for k in TLS_FILES)
    tls = {k: getattr(old, k) for k in TLS_FILES} if keep_tls else {k: endpoint.get(k) for k in TLS_FILES}
    staged = {}
    for kind, path in tls.items():  # read before the old files go
        staged[kind] = Path(path).read_bytes() if path else None
    shutil.rmtree(dockerconfig.tls_dir(name).parent, ignore_errors=True)
    created = create(name, endpoint.get("host") or old.host,
                     description=old.description if description is None else description,
                     skip_tls_verify=endpoint.get("skip-tls-verify", old.skip_tls_verify))
    if any(staged.values()):
        tls_dir = dockerconfig.tls_dir(name)
        tls_dir.mkdir(parents=True, exist_ok=True)
        for kind, data in staged.items():
            if data is not None:
                (tls_dir / TLS_FILES[kind]).write_bytes(data)
                os.chmod(tls_dir / TLS_FILES[kind], 0o600 if kind == "key" else 0o644)
        created = load(name)
    return created


def export(name: str, path: str) -> str:
    """`docker context export NAME [FILE]`: the CLI's `.dockercontext` tar (meta.json, then the
    TLS files under tls/docker/), which `docker context import` reads."""
    import io
    import json
    import tarfile

    context = load(name)
    if name == DEFAULT:
        raise InvalidInput('context "default" cannot be exported: it is made from the environment')
    meta = json.dumps({"Name": name, "Metadata": {"Description": context.description} if context.description else {},
                       "Endpoints": {"docker": {"Host": context.host, "SkipTLSVerify": context.skip_tls_verify}}}).encode()
    with tarfile.open(path, "w") as tar:
        info = tarfile.TarInfo("meta.json")
        info.size, info.mode = len(meta), 0o644
        tar.addfile(info, io.BytesIO(meta))
        for kind, file_name in TLS_FILES.items():
            source = getattr(context, kind)
            if source:
                tar.add(source, arcname=f"tls/docker/{file_name}")
    return path


def remove(name: str, force: bool = False) -> None:
    """`docker context rm NAME [-f]`: the one in use only with force (then "default" is used)."""
    if name == DEFAULT:
        raise InvalidInput('context "default" cannot be removed')
    load(name)  # UnknownContext if missing
    if current_name() == name:
        if not force:
            raise InvalidInput(f'context "{name}" is in use, set -f flag to force remove')
        _write_current(None)
    shutil.rmtree(dockerconfig.meta_dir(name), ignore_errors=True)
    shutil.rmtree(dockerconfig.tls_dir(name).parent, ignore_errors=True)


def use(name: str) -> Context:
    """`docker context use NAME`: record it as config.json `currentContext`."""
    context = load(name)
    _write_current(None if name == DEFAULT else name)
    return context


def _write_current(name: str | None) -> None:
    """Set or clear `currentContext`, keeping every other key of config.json (auths too)."""
    config = dockerconfig.read()
    if name:
        config["currentContext"] = name
    elif config.pop("currentContext", None) is None:
        return
    dockerconfig.write(config)
