"""What a BuildKit session serves besides the files: registry credentials, secrets and ssh
agents, each given as the docker CLI spells it.

A secret's value is read only when the engine asks for it and goes straight into the answer:
no spec, repr or message holds it.
"""

from __future__ import annotations

import os
import socket
import stat
import threading
from dataclasses import dataclass

from ...errors import InvalidInput
from ...registry import auth
from .grpccall import NOT_FOUND, Status
from .schema import message, parse


def spec_fields(spec: str, option: str) -> dict[str, str]:
    found = {}
    for part in spec.split(","):
        key, eq, value = part.partition("=")
        if not eq or not key.strip():
            raise InvalidInput(f"{option} {spec!r}: expected KEY=VALUE pairs separated by commas")
        found[key.strip().lower()] = value.strip()
    return found


# -- secrets ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Secret:
    """`--secret id=ID,src=PATH` or `id=ID,env=VAR`: where the value is, never the value."""

    id: str
    src: str = ""
    env: str = ""

    def read(self) -> bytes | None:
        if self.env:
            value = os.environ.get(self.env)
            return None if value is None else value.encode("utf-8")
        try:
            with open(self.src, "rb") as fh:
                return fh.read()
        except OSError:
            return None


def parse_secret(spec: str) -> Secret:
    """The CLI's grammar: `id=`, `src=`/`source=`, `env=`, `type=file|env`; without src or env,
    the variable named by the id if it is set, else the file named by it."""
    fields = spec_fields(spec, "--secret")
    unknown = set(fields) - {"id", "src", "source", "env", "type"}
    if unknown:
        raise InvalidInput(f"--secret {spec!r}: unknown field {sorted(unknown)[0]!r}; use id=ID,src=PATH or id=ID,env=VAR")
    ident = fields.get("id", "")
    src = fields.get("src") or fields.get("source") or ""
    env = fields.get("env", "")
    kind = fields.get("type", "")
    if kind not in ("", "file", "env"):
        raise InvalidInput(f"--secret {spec!r}: type must be file or env")
    if not ident:
        ident = os.path.basename(src) if src else env
    if not ident:
        raise InvalidInput(f"--secret {spec!r}: which id? e.g. --secret id=token,src=token.txt")
    if src and env:
        raise InvalidInput(f"--secret {spec!r}: give src= or env=, not both")
    if kind == "env" and not env:
        env, src = src or ident, ""
    if not src and not env:
        if kind != "file" and ident in os.environ:
            env = ident
        else:
            src = ident
    if src:
        src = os.path.abspath(os.path.expanduser(src))
        if not os.path.isfile(src):
            raise InvalidInput(f"--secret id={ident}: no file {src}")
    elif env not in os.environ:
        raise InvalidInput(f"--secret id={ident}: environment variable {env} is not set")
    return Secret(ident, src, env)


# -- ssh ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SSHAgent:
    """`--ssh default`, `--ssh ID=SOCKET` (an agent's socket) or `--ssh ID=KEY[,KEY]` (key files,
    served by an ssh-agent of the session's own, as the CLI serves them from one in-process)."""

    id: str
    socket: str = ""
    keys: tuple[str, ...] = ()


def parse_ssh(spec: str) -> SSHAgent:
    ident, eq, paths = spec.partition("=")
    ident = ident.strip()
    if not ident:
        raise InvalidInput(f"--ssh {spec!r}: expected default, ID=SOCKET or ID=KEY")
    paths = paths.strip() if eq else ""
    if not paths:
        paths = os.environ.get("SSH_AUTH_SOCK", "")
        if not paths:
            raise InvalidInput(f"--ssh {ident}: SSH_AUTH_SOCK is not set; start an ssh-agent or give {ident}=SOCKET")
    found = [os.path.abspath(os.path.expanduser(p.strip())) for p in paths.split(",") if p.strip()]
    kinds = []
    for path in found:
        try:
            kinds.append(stat.S_ISSOCK(os.stat(path).st_mode))
        except OSError:
            raise InvalidInput(f"--ssh {ident}: no agent socket or key file {path}") from None
    if kinds == [True]:
        return SSHAgent(ident, found[0])
    if any(kinds):
        raise InvalidInput(f"--ssh {spec!r}: give one agent socket, or key files, not both")
    return SSHAgent(ident, keys=tuple(found))


class KeyAgent:
    """An ssh-agent holding `--ssh ID=KEY` keys for one session; stopped with it."""

    def __init__(self, agent: SSHAgent, folder: str):
        self.agent, self.socket, self.process = agent, os.path.join(folder, f"agent-{len(os.listdir(folder))}.sock"), None

    def start(self) -> SSHAgent:
        import shutil
        import subprocess
        import time

        from ...errors import EngineError

        if not shutil.which("ssh-agent") or not shutil.which("ssh-add"):
            raise EngineError(f"--ssh {self.agent.id}: key files need ssh-agent and ssh-add (openssh-client)")
        self.process = subprocess.Popen(["ssh-agent", "-D", "-a", self.socket], stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 5
        while not os.path.exists(self.socket) and time.monotonic() < deadline:
            time.sleep(0.02)
        env = {**os.environ, "SSH_AUTH_SOCK": self.socket, "SSH_ASKPASS_REQUIRE": "never", "DISPLAY": ""}
        for key in self.agent.keys:
            added = subprocess.run(["ssh-add", "-q", key], env=env, stdin=subprocess.DEVNULL,
                                   capture_output=True, text=True, timeout=30)
            if added.returncode != 0:
                self.stop()
                said = (added.stderr.strip().splitlines() or ["ssh-add failed"])[-1]
                raise EngineError(f"--ssh {self.agent.id}: cannot use key {key}: {said}")
        return SSHAgent(self.agent.id, self.socket)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except Exception:  # noqa: BLE001 -- it would not stop: make it
                self.process.kill()
                self.process.wait()
            self.process = None


# -- the answers --------------------------------------------------------------------------------
def credentials(raw: bytes) -> bytes:
    """Auth/Credentials: what the docker config (or its helper) keeps for the host; an unknown
    host gets an empty answer, which the engine takes as anonymous."""
    host = parse("moby.filesync.v1.CredentialsRequest", raw).Host
    answer = message("moby.filesync.v1.CredentialsResponse")()
    try:
        creds = auth.stored(auth.normalize(host))
    except Exception:  # noqa: BLE001 -- a broken config means no credentials, as for the CLI
        creds = None
    if creds is not None:
        if creds.identity_token:
            answer.Secret = creds.identity_token
        else:
            answer.Username, answer.Secret = creds.username, creds.password
    return answer.SerializeToString()


def secret(secrets: dict[str, Secret], raw: bytes) -> bytes:
    ident = parse("moby.buildkit.secrets.v1.GetSecretRequest", raw).ID
    source = secrets.get(ident)
    value = source.read() if source is not None else None
    if value is None:
        raise Status(NOT_FOUND, f"secret {ident} not found")
    return message("moby.buildkit.secrets.v1.GetSecretResponse")(data=value).SerializeToString()


def check_agent(agents: dict[str, SSHAgent], raw: bytes) -> bytes:
    ident = parse("moby.sshforward.v1.CheckAgentRequest", raw).ID or "default"
    if ident not in agents:
        raise Status(NOT_FOUND, f"no ssh agent {ident}")
    return b""


def forward_agent(agent: SSHAgent, requests):
    """ForwardAgent: one connection to the agent, bytes both ways until either side ends."""
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.connect(agent.socket)
    bytes_message = message("moby.filesync.v1.BytesMessage")

    def pump():
        try:
            for raw in requests:
                conn.sendall(parse("moby.filesync.v1.BytesMessage", raw).data)
        except Exception:  # noqa: BLE001 -- the engine went: so does the agent connection
            pass
        try:  # the build's end of it has closed: nobody is left to read what the agent says
            conn.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    threading.Thread(target=pump, name="dockermagic-ssh", daemon=True).start()
    try:
        while True:
            data = conn.recv(65536)
            if not data:
                return
            yield bytes_message(data=data).SerializeToString()
    finally:
        conn.close()
