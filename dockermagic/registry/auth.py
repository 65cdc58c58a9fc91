"""Registry logins, kept where `docker login` keeps them.

Credentials go to the credential helper named in the docker config file (`credHelpers` for
that registry, else `credsStore`) or, without one, base64 into that file's `auths` -- the
file in `$DOCKER_CONFIG`, else `~/.docker/config.json` -- so `docker push` in a terminal works
afterwards, and what a terminal `docker login` stored is used here without asking.

A password lives only in local variables and in the request to the engine: `Credentials`
does not show it in its repr, results never hold it, and every message that could quote it
is scrubbed.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path

from ..engine import adapter, dockerconfig
from ..errors import EngineError, InvalidInput

INDEX_URL = "https://index.docker.io/v1/"  # Docker Hub's key in the config file, as the CLI writes it
_HUB_NAMES = ("docker.io", "index.docker.io", "registry-1.docker.io")


class LoginError(EngineError):
    """A login failed (wrong password, registry unreachable, no way to ask for a password)."""


@dataclass
class Credentials:
    server: str
    username: str
    password: str = field(repr=False)
    identity_token: str = field(default="", repr=False)
    source: str = ""  # where they came from: "prompt", "$VAR", "config file", "credential helper X"

    def as_auth_config(self) -> dict:
        """The engine's AuthConfig (for /auth and the X-Registry-Auth header)."""
        if self.identity_token:
            return {"identitytoken": self.identity_token, "serveraddress": self.server}
        return {"username": self.username, "password": self.password, "serveraddress": self.server}


# -- where ---------------------------------------------------------------------------------
def normalize(server: str | None) -> str:
    """The key a registry has in the config file: `host[:port]`, or Docker Hub's URL."""
    text = (server or "").strip()
    if not text:
        return INDEX_URL
    host = text.split("://", 1)[-1].split("/", 1)[0]
    if host in _HUB_NAMES:
        return INDEX_URL
    if not host or any(c.isspace() for c in host):
        raise InvalidInput(f"registry {server!r}: expected a host, e.g. localhost:5000 or registry.example.com")
    return host


def server_of(ref) -> str:
    """The registry a checked `reference.Reference` lives in (its config-file key)."""
    return normalize(ref.domain) if ref is not None and ref.domain else INDEX_URL


def display_server(server: str) -> str:
    return "docker.io" if server == INDEX_URL else server


def config_path() -> Path:
    """The docker config file, as the CLI finds it: `$DOCKER_CONFIG/config.json` or `~/.docker/config.json`."""
    return dockerconfig.config_path()


def _read_config() -> dict:
    return dockerconfig.read(error=LoginError)


def helper_for(server: str, config: dict | None = None) -> str | None:
    """The credential helper (the X of docker-credential-X) that keeps `server`'s login, if any."""
    config = _read_config() if config is None else config
    return (config.get("credHelpers") or {}).get(server) or config.get("credsStore") or None


def _store(helper: str):
    from docker.credentials import Store

    return Store(helper)


def _helper_call(helper: str, action: str, *args):
    from docker import credentials

    try:
        return getattr(_store(helper), action)(*args)
    except credentials.CredentialsNotFound:
        return None
    except credentials.StoreError as exc:
        raise LoginError(f"credential helper docker-credential-{helper} failed to {action}: "
                         f"{str(exc).splitlines()[0][:200]}") from None


# -- reading, keeping, forgetting ------------------------------------------------------------
def stored(server: str) -> Credentials | None:
    """What the docker config file (or its credential helper) keeps for `server`."""
    config = _read_config()
    helper = helper_for(server, config)
    if helper:
        data = _helper_call(helper, "get", server)
        if data and data.get("Secret"):
            if data.get("Username") == "<token>":
                return Credentials(server, "", "", identity_token=data["Secret"], source=f"credential helper {helper}")
            return Credentials(server, data.get("Username", ""), data["Secret"], source=f"credential helper {helper}")
    for key, entry in (config.get("auths") or {}).items():
        if not isinstance(entry, dict) or not _same(key, server):
            continue
        if entry.get("identitytoken"):
            return Credentials(server, entry.get("username", ""), "", identity_token=entry["identitytoken"], source="config file")
        if entry.get("auth"):
            try:
                user, _, password = base64.b64decode(entry["auth"]).decode("utf-8").partition(":")
            except (ValueError, UnicodeDecodeError):
                continue
            return Credentials(server, user, password, source="config file")
    return None


def _same(key: str, server: str) -> bool:
    try:
        return normalize(key) == server
    except InvalidInput:
        return False


def keep(creds: Credentials) -> str:
    """Store as `docker login` does; returns where (for the message)."""
    config = _read_config()
    helper = helper_for(creds.server, config)
    if helper:
        secret = creds.identity_token or creds.password
        user = "<token>" if creds.identity_token else creds.username
        _helper_call(helper, "store", creds.server, user, secret)
        return f"credential helper docker-credential-{helper}"
    auths = config.setdefault("auths", {})
    for key in [k for k in auths if k != creds.server and _same(k, creds.server)]:
        del auths[key]  # an old spelling of the same registry (with https://) would shadow ours
    if creds.identity_token:
        auths[creds.server] = {"identitytoken": creds.identity_token}
    else:
        token = base64.b64encode(f"{creds.username}:{creds.password}".encode("utf-8")).decode("ascii")
        auths[creds.server] = {"auth": token}
    dockerconfig.write(config)
    return str(config_path())


def forget(server: str) -> bool:
    """Remove `server`'s login from the helper and the config file; False if there was none."""
    config = _read_config()
    found = False
    helper = helper_for(server, config)
    if helper and _helper_call(helper, "get", server):
        _helper_call(helper, "erase", server)
        found = True
    auths = config.get("auths") or {}
    keys = [k for k in auths if _same(k, server)]
    for key in keys:
        found = found or bool(auths[key])
        del auths[key]
    if keys:
        dockerconfig.write(config)
    return found


def header(server: str) -> bytes:
    """The X-Registry-Auth header for `server`, from what is kept (`{}` encoded: anonymous)."""
    from docker.auth import encode_header

    creds = stored(server)
    return encode_header(creds.as_auth_config() if creds is not None else {})


# -- logging in ------------------------------------------------------------------------------
@dataclass(repr=False)
class Login:
    """What `%docker_login` returns: who is logged in where, and where that is kept."""

    server: str
    username: str
    source: str
    kept_in: str
    status: str = "Login Succeeded"

    def text(self) -> str:
        who = f" as {self.username}" if self.username else ""
        return (f"{self.status}: {display_server(self.server)}{who} "
                f"(credentials from {self.source}; kept in {self.kept_in})")

    def __repr__(self) -> str:
        return self.text()


def verify(engine, creds: Credentials) -> str:
    """Ask the engine to log in to the registry (POST /auth); returns its identity token, if any."""
    import docker
    from requests.exceptions import RequestException

    try:
        answer = adapter.call(engine.api, "POST", "/auth", json=creds.as_auth_config()) or {}
    except (docker.errors.DockerException, RequestException) as exc:  # refused, or the connection failed
        raise LoginError(_login_message(exc, creds)) from None
    return answer.get("IdentityToken") or ""


def _login_message(exc: Exception, creds: Credentials) -> str:
    said = scrub(adapter.explanation(exc), creds)
    server = display_server(creds.server)
    low = said.lower()
    if "401" in said or "unauthorized" in low or "incorrect username or password" in low:
        return (f"{server} refused the login for {creds.username or 'this user'}: wrong username or password "
                f"(from {creds.source}); try again (registry said: {said})")
    if any(s in low for s in ("connection refused", "no such host", "i/o timeout", "dial tcp", "no route to host")):
        return f"registry {server} is unreachable: is it running, and is the address right? (engine said: {said})"
    return f"login to {server} failed: {said}"


def scrub(text: str, creds: Credentials | None) -> str:
    """`text` with the password (and token) replaced, in case a registry quotes it back."""
    if creds is not None:
        for secret in (creds.password, creds.identity_token):
            if secret:
                text = text.replace(secret, "********")
    return text


def login(engine, server: str | None = None, username: str | None = None, password: str | None = None,
          source: str = "", ask=None) -> Login:
    """Log in to `server` through `engine` and keep the credentials as `docker login` does.

    Without `password`, credentials already kept for `server` are tried first (if the user
    matches); then `ask(prompt, hidden)` is called for what is missing.
    """
    key = normalize(server)
    if password is None:
        existing = stored(key)
        if existing is not None and username in (None, "", existing.username):
            try:
                token = verify(engine, existing)
            except LoginError:
                if ask is None:
                    raise
            else:
                kept = keep_token(existing, token)
                return Login(key, existing.username, existing.source, kept, "Login Succeeded")
        if ask is None:
            raise LoginError(f"no password for {display_server(key)}: use --password-env VAR, or a frontend that can ask")
        if not username:
            username = existing.username if existing is not None else ask("Username: ", False).strip()
        password = ask(f"Password for {username}@{display_server(key)}: ", True)
        source = source or "the hidden prompt"
    if not username:
        raise InvalidInput(f"which user? give -u USERNAME to log in to {display_server(key)}")
    if not password:
        raise LoginError(f"empty password for {username}@{display_server(key)}: nothing was sent")
    creds = Credentials(key, username, password, source=source)
    token = verify(engine, creds)
    if token:
        creds = Credentials(key, username, "", identity_token=token, source=source)
    return Login(key, username, source, keep(creds))


def keep_token(creds: Credentials, token: str) -> str:
    """Where the (already kept) credentials are; a new identity token replaces the password."""
    if token and token != creds.identity_token:
        return keep(Credentials(creds.server, creds.username, "", identity_token=token, source=creds.source))
    helper = helper_for(creds.server)
    return f"credential helper docker-credential-{helper}" if helper else str(config_path())


@dataclass
class Logout:
    server: str
    removed: bool

    def __repr__(self) -> str:
        name = display_server(self.server)
        return f"Removing login credentials for {name}" if self.removed else f"Not logged in to {name}"


def logout(server: str | None = None) -> Logout:
    key = normalize(server)
    return Logout(key, forget(key))
