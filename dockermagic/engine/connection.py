"""Finding the Docker Engine (or Podman service) to talk to, and describing it.

`connect()` returns an `Engine`: a docker-py `APIClient` plus what a view's header needs to
say which machine did the work.  Where to connect follows the docker CLI: `-H` (or
`--context`, never both) for one call, else `DOCKER_HOST`, else `DOCKER_CONTEXT`, else the
context `docker context use` chose, else the default socket.  Clients are cached per
endpoint, so a notebook pays the connection and version handshake once.

Connecting is bounded (a few seconds, then a one-line `EngineUnreachable`), reading is not:
a build or `logs -f` may stay quiet for minutes.
"""

from __future__ import annotations

import os
import re
import shutil
import ssl
import subprocess
from dataclasses import dataclass, field, replace
from functools import cached_property

from ..errors import EngineUnreachable, InvalidInput
from . import adapter, contexts, dockerconfig
from .contexts import DEFAULT_SOCKET, Context  # noqa: F401 -- DEFAULT_SOCKET: part of this module's API
from .selection import Selection, check_address, selected

#: seconds to open a connection; also bounds the first version handshake
CONNECT_TIMEOUT = float(os.environ.get("DOCKERMAGIC_CONNECT_TIMEOUT", "5"))

_engines: dict[tuple, "Engine"] = {}


@dataclass
class Engine:
    """A connected engine: `api` is a docker-py `APIClient`; `address` is where it answers."""

    api: object
    address: str
    source: str  # how the address was chosen: "-H", "--context", "DOCKER_HOST", "default socket", ...
    _version: dict = field(default_factory=dict, repr=False)
    context: str | None = None  # the context used, if one was

    @cached_property
    def version(self) -> dict:
        return self._version or self.api.version()

    @property
    def kind(self) -> str:
        names = " ".join(c.get("Name", "") for c in self.version.get("Components", []))
        return "Podman" if "podman" in names.lower() else "Docker Engine"

    @property
    def label(self) -> str:
        """`Docker Engine 20.10.24 at unix:///var/run/docker.sock (context e2)` -- for view headers."""
        where = f" (context {self.context})" if self.context else ""
        return f"{self.kind} {self.version.get('Version', '?')} at {self.address}{where}"


# -- where to connect ------------------------------------------------------------------------
def _with_flags(endpoint: Context, flags: Selection | None) -> Context:
    """The CLI's --tls/--tlsverify/--tlscacert/... over what DOCKER_TLS_VERIFY/DOCKER_CERT_PATH set."""
    if flags is None or not (flags.tls or flags.tlsverify or flags.tlscacert or flags.tlscert or flags.tlskey):
        return endpoint
    certs = os.environ.get("DOCKER_CERT_PATH") or str(dockerconfig.folder())

    def pick(given, current, name):
        if given:
            return os.path.expanduser(given)
        if current:
            return current
        path = os.path.join(certs, name)
        return path if os.path.isfile(path) else None

    verify = flags.tlsverify or (not endpoint.skip_tls_verify and endpoint.tls and not flags.tls)
    return replace(
        endpoint, skip_tls_verify=not verify, ca=pick(flags.tlscacert, endpoint.ca, "ca.pem"),
        cert=pick(flags.tlscert, endpoint.cert, "cert.pem"), key=pick(flags.tlskey, endpoint.key, "key.pem"),
    )


def resolve(host: str | None = None, context: str | None = None,
            flags: Selection | None = None) -> tuple[Context, str, str | None]:
    """(endpoint, source, context name or None) with the docker CLI's precedence."""
    if host and context:
        raise InvalidInput("conflicting options: cannot specify both --host and --context (the docker CLI refuses it too)")
    if host:
        return _with_flags(replace(contexts.default_context(), host=check_address(host)), flags), "-H", None
    if context:
        return contexts.load(context), "--context", context
    if os.environ.get("DOCKER_HOST"):
        return _with_flags(contexts.default_context(), flags), "DOCKER_HOST", None
    name = os.environ.get("DOCKER_CONTEXT")
    if name:
        return contexts.load(name), "DOCKER_CONTEXT", name
    name = contexts.current_name()
    if name != contexts.DEFAULT:
        return contexts.load(name), "current context", name
    return _with_flags(contexts.default_context(), flags), "default socket", None


def connect(host: str | None = None, *, context: str | None = None, flags: Selection | None = None,
            timeout: float | None = None) -> Engine:
    """The engine to use, checked to answer.

    `connect()` follows the current call's global flags (`-H`, `--context`), then the
    environment and the context store; `connect(host)` / `connect(context=NAME)` choose.
    """
    if host is None and context is None and flags is None:
        flags = selected()
        if flags is not None:
            host, context = flags.host, flags.context
    endpoint, source, name = resolve(host, context, flags)
    key = (endpoint.host, endpoint.tls, endpoint.skip_tls_verify, endpoint.ca, endpoint.cert, endpoint.key, name, source)
    engine = _engines.get(key)
    if engine is not None:
        return engine
    api, version = _open(endpoint, source, name, timeout or CONNECT_TIMEOUT)
    engine = Engine(api=api, address=endpoint.host, source=source, _version=version, context=name)
    _engines[key] = engine
    return engine


def _open(endpoint: Context, source: str, name: str | None, timeout: float):
    import docker
    from requests.exceptions import RequestException

    where = _where(endpoint.host, source, name)
    options = {}
    if endpoint.host.startswith("ssh://"):
        _check_ssh(endpoint.host, where, timeout)
        options["use_ssh_client"] = True
    try:
        tls = endpoint.tls_config() if endpoint.host.startswith(("tcp://", "https://")) else None
        # the version is asked below, once this client is set up (what version="auto" does)
        api = docker.APIClient(base_url=endpoint.host, version="1.24", timeout=timeout, tls=tls or False, **options)
        if tls is not None:
            # requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE replace the session's `verify`:
            # the engine's own CA (or skip-tls-verify) would be ignored wherever those are set
            api.trust_env = False
        version = api.version(api_version=False)
        adapter.set_api_version(api, version.get("ApiVersion"))
    except (docker.errors.DockerException, RequestException, OSError, ssl.SSLError) as exc:
        raise EngineUnreachable(_unreachable_message(endpoint, where, exc, timeout)) from exc
    # connecting stays bounded; reading does not (builds, pulls, `logs -f` may be quiet for long)
    api.timeout = (timeout, None)
    return api, version


def _where(address: str, source: str, name: str | None) -> str:
    if name:
        return f"{address} (context {name})"
    if source == "default socket":
        return f"{address} (the default socket; DOCKER_HOST is not set)"
    return f"{source}={address}" if source == "DOCKER_HOST" else f"{source} {address}"


def _check_ssh(address: str, where: str, timeout: float) -> None:
    """ssh:// runs `ssh HOST docker system dial-stdio` as the CLI does; try the ssh part first,
    bounded and non-interactive, so a refused or unknown host is one line, not a hang."""
    from urllib.parse import urlsplit

    url = urlsplit(address)
    if shutil.which("ssh") is None:
        raise EngineUnreachable(f"cannot reach {where}: ssh:// needs the `ssh` command, which is not installed")
    cmd = ["ssh", "-o", "BatchMode=yes", "-o", f"ConnectTimeout={max(1, int(timeout))}"]
    cmd += (["-l", url.username] if url.username else []) + (["-p", str(url.port)] if url.port else [])
    cmd += ["--", url.hostname or "", "docker", "--version"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout + 5, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise EngineUnreachable(f"ssh to {where} did not answer within {timeout + 5:.0f} s: check the host name and that sshd runs") from None
    if proc.returncode == 0:
        return
    said = (proc.stderr.strip().splitlines() or ["exit code %d" % proc.returncode])[-1][:200]
    if proc.returncode == 255:
        hint = "check the host, port and that your ssh key is accepted (ssh runs non-interactively: no password prompts)"
    else:
        hint = "ssh works, but `docker` did not run there: install the docker CLI on that machine"
    raise EngineUnreachable(f"ssh to {where} failed: {said}; {hint}")


def _chain(exc: BaseException):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def _unreachable_message(endpoint: Context, where: str, exc: Exception, timeout: float) -> str:
    from requests.exceptions import ConnectTimeout, ReadTimeout, SSLError

    chain = list(_chain(exc))
    text = " ".join(str(e) for e in chain)
    if re.search(r"CERTIFICATE_REQUIRED|ALERT_BAD_CERTIFICATE|ALERT_UNKNOWN_CA", text):
        given = f"the one given ({endpoint.cert})" if endpoint.cert else "none was given"
        return (f"TLS handshake with {where} failed: the engine refused the client certificate ({given}; "
                f"{_ssl_reason(text)}). Give --tlscert/--tlskey (cert=,key= in a context, or cert.pem/key.pem in "
                "DOCKER_CERT_PATH) signed by a CA the engine trusts.")
    if any(isinstance(e, (SSLError, ssl.SSLError)) for e in chain) or "SSLError" in text:
        reason = next((_ssl_error_reason(e) for e in chain if isinstance(e, ssl.SSLError)), None) or _ssl_reason(text)
        return (f"TLS handshake with {where} failed: {reason}. Check that the CA certificate "
                f"({endpoint.ca or 'none given'}) signed the engine's certificate and the client certificate is one it accepts.")
    if "paramiko" in text:
        return f"cannot reach {where}: docker-py needs the paramiko package for ssh:// (pip install paramiko)."
    if "Client sent an HTTP request to an HTTPS server" in text:
        return (f"the engine at {where} speaks TLS, and this connection did not: use --tlsverify with "
                "--tlscacert/--tlscert/--tlskey, DOCKER_TLS_VERIFY=1 with DOCKER_CERT_PATH, or a context made with ca=,cert=,key=.")
    if any(isinstance(e, (ConnectTimeout, ReadTimeout, TimeoutError)) for e in chain) or "timed out" in text:
        return (f"no answer from {where} within {timeout:g} s: check the host and port, that the engine "
                "runs there and that nothing in between drops the connection.")
    if any(isinstance(e, FileNotFoundError) for e in chain) or "No such file or directory" in text:
        return (f"no engine socket at {where}: start the engine here (`sudo dockerd`, `scripts/engine up`), or use "
                f"one elsewhere: %env DOCKER_HOST=tcp://HOST:2376, -H URL or --context NAME{_podman_hint()}.")
    if any(isinstance(e, PermissionError) for e in chain) or "Permission denied" in text:
        return f"permission denied on {where}: run as a user in the `docker` group, or choose another engine."
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or "Connection refused" in text:
        return f"nothing listens at {where}: connection refused; check that the engine runs there and the port is right."
    reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
    return (f"no Docker Engine answers at {where}: {reason}. Start one (`sudo dockerd`, Docker Desktop, "
            "or `scripts/engine up` from a dockermagic checkout) or choose another with -H, --context or DOCKER_HOST.")


def _podman_hint() -> str:
    """Where a Podman API socket is (the usual places), so the message can point at it."""
    places = ["/run/podman/podman.sock"]
    if os.environ.get("XDG_RUNTIME_DIR"):
        places.insert(0, os.path.join(os.environ["XDG_RUNTIME_DIR"], "podman", "podman.sock"))
    found = next((p for p in places if os.path.exists(p)), None)
    return f" (a Podman socket is at {found}: -H unix://{found})" if found else ""


def _ssl_error_reason(exc: ssl.SSLError) -> str:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"certificate verify failed ({exc.verify_message})"
    return str(getattr(exc, "reason", None) or exc).replace("_", " ").lower()


def _ssl_reason(text: str) -> str:
    match = re.search(r"\[SSL: ([A-Z0-9_]+)\] ([^(\]'\"]+)", text)
    return f"{match.group(2).strip()} ({match.group(1)})" if match else "the engine's certificate was not accepted"


def connected() -> list[Engine]:
    """The engines this kernel has connected to so far (no new connection is made)."""
    return list(_engines.values())


def forget(engine: Engine | None = None) -> None:
    """Drop cached clients (all of them, or one), closing their connections."""
    for key, cached in list(_engines.items()):
        if engine is None or cached is engine:
            cached.api.close()
            del _engines[key]

