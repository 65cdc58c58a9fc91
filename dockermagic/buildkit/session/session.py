"""A BuildKit session: the gRPC services a build calls back into while it runs.

`POST /session` is upgraded to h2c and from then on the engine is the HTTP/2 *client*: it calls
the methods we named in the upgrade's headers (one header line each) -- health every second,
the context and Dockerfile folders by DiffCopy, registry credentials, secrets, ssh agents, and
FileSend for `-o` outputs.  `grpcserver.Server` answers them on the upgraded connection itself;
health is answered on its reading thread and never waits behind a stream (the engine drops the
session on the first health check that takes 10 s).  The context folder is described on a
thread of its own as soon as the session opens, while the engine still reads the Dockerfile.

    with Session(engine, context_dir, dockerfile_dir, excludes, secrets=[...]) as session:
        params.update(session.build_params())   # then POST /build?version=2 with no body
    session.stats                                # what crossed, what the engine already had

Everything a session starts (server, threads, temporary folder, the connection) is gone when
the block ends, also on an error or Ctrl-C.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import tempfile
import uuid
from dataclasses import dataclass

from ...engine import adapter
from ...errors import EngineError, InvalidInput
from . import filesend, filesync, grpcserver, services
from .filesync import Selection, SyncStats, Transfer
from .grpccall import NOT_FOUND, Status
from .schema import message

HEALTH = "/grpc.health.v1.Health/Check"
FILESYNC = "/moby.filesync.v1.FileSync/DiffCopy"
FILESEND = "/moby.filesync.v1.FileSend/DiffCopy"
CREDENTIALS = "/moby.filesync.v1.Auth/Credentials"
SECRET = "/moby.buildkit.secrets.v1.Secrets/GetSecret"
CHECK_AGENT = "/moby.sshforward.v1.SSH/CheckAgent"
FORWARD_AGENT = "/moby.sshforward.v1.SSH/ForwardAgent"


class SessionUnavailable(EngineError):
    """The engine has no BuildKit session to give (Podman, an old engine, a proxy that refuses
    the upgrade): the build can still go as a context tar."""


@dataclass(frozen=True)
class SyncedDir:
    path: str
    excludes: tuple[str, ...] = ()


def shared_key(folder: str) -> str:
    """The engine keys its snapshot of a folder on this: the same folder, the same key, so the
    next build only receives what changed."""
    text = f"dockermagic:{socket.gethostname()}:{os.path.abspath(folder)}"
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


class Session:
    """One build's session with the engine (see the module's doc)."""

    def __init__(self, engine, context_dir: str, dockerfile_dir: str | None = None, excludes=(),
                 secrets=(), ssh=(), outputs=()):
        context_dir = os.path.abspath(context_dir)
        if not os.path.isdir(context_dir):
            raise InvalidInput(f"build context {context_dir} is not a folder")
        self.engine = engine
        self.id = uuid.uuid4().hex
        self.name = os.path.basename(context_dir) or "context"
        self.key = shared_key(context_dir)
        self.dirs = {"context": SyncedDir(context_dir, tuple(excludes)),
                     "dockerfile": SyncedDir(os.path.abspath(dockerfile_dir or context_dir))}
        self.secrets = {s.id: s for s in (x if isinstance(x, services.Secret) else services.parse_secret(x) for x in secrets)}
        self.agents = {a.id: a for a in (x if isinstance(x, services.SSHAgent) else services.parse_ssh(x) for x in ssh)}
        self.outputs = [x if isinstance(x, filesend.Output) else filesend.parse_output(x) for x in outputs]
        if len(self.outputs) > 1:
            raise InvalidInput("one --output per build: the engine exports to one place")
        self.stats = SyncStats()
        self._server = None
        self._socket = None
        self._key_agents: list[services.KeyAgent] = []
        self._scans: dict[str, filesync.Scan] = {}
        self._folder = None

    # -- what the build is told ------------------------------------------------------------
    def build_params(self) -> dict:
        """The `/build` parameters that make the build use this session (context from it, no body)."""
        params = {"session": self.id, "remote": "client-session"}
        if self.outputs:
            params["outputs"] = json.dumps([o.engine_spec() for o in self.outputs])
        return params

    def methods(self) -> tuple[dict, dict]:
        """gRPC method -> handler, unary and streamed, for what this session offers."""
        health = message("grpc.health.v1.HealthCheckResponse")(status=1).SerializeToString()
        unary = {HEALTH: lambda raw: health, CREDENTIALS: services.credentials}
        streams = {FILESYNC: self._diffcopy}
        if self.secrets:
            unary[SECRET] = lambda raw: services.secret(self.secrets, raw)
        if self.agents:
            unary[CHECK_AGENT] = lambda raw: services.check_agent(self.agents, raw)
            streams[FORWARD_AGENT] = self._forward_agent
        if self.outputs:
            streams[FILESEND] = self._filesend
        return unary, streams

    # -- lifetime ---------------------------------------------------------------------------
    def __enter__(self) -> "Session":
        self.open()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def open(self) -> None:
        try:
            self._start_key_agents()
        except BaseException:
            self.close()
            raise
        context = self.dirs["context"].path
        self._scans[context] = filesync.Scan(context)  # described while the engine reads the Dockerfile
        unary, streams = self.methods()
        headers = [("Upgrade", "h2c"), ("X-Docker-Expose-Session-Uuid", self.id),
                   ("X-Docker-Expose-Session-Name", self.name),
                   ("X-Docker-Expose-Session-Sharedkey", self.key)]
        headers += [("X-Docker-Expose-Session-Grpc-Method", m) for m in [*unary, *streams]]
        try:
            sock, early = adapter.upgraded(self.engine.api, "/session", headers)
        except Exception as exc:  # noqa: BLE001 -- the engine's or the connection's words
            raise SessionUnavailable(f"no BuildKit session: {adapter.explanation(exc)}") from None
        self._server = grpcserver.Server(sock, unary, streams, inline=[HEALTH], recv=adapter.receiver(sock),
                                         hangup=lambda: adapter.close_socket(sock))
        self._socket = sock
        try:
            self._server.start(early)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """End the session: the engine sees the connection go; nothing of ours keeps running."""
        if self._server is not None:
            self._server.close()
            self._server = None
        if self._socket is not None:
            adapter.close_socket(self._socket)
            self._socket = None
        for agent in self._key_agents:
            agent.stop()
        self._key_agents = []
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def _start_key_agents(self) -> None:
        for ident, agent in list(self.agents.items()):
            if agent.keys:
                if self._folder is None:
                    self._folder = tempfile.mkdtemp(prefix="dockermagic-ssh-")  # 0700: the agent's socket is ours only
                keeper = services.KeyAgent(agent, self._folder)
                self._key_agents.append(keeper)
                self.agents[ident] = keeper.start()

    # -- the services -----------------------------------------------------------------------
    def _diffcopy(self, requests, call):
        meta = call.metadata
        name = (meta.get("dir-name") or [""])[0]
        synced = self.dirs.get(name)
        if synced is None:
            raise Status(NOT_FOUND, f"no folder {name!r} in this session")
        excludes = meta.get("exclude-patterns", [])
        if synced.excludes and (meta.get("override-excludes") or [""])[0] != "true":
            excludes = list(synced.excludes)
        selection = Selection(meta.get("include-patterns", []), excludes, meta.get("followpaths", []), synced.path)
        transfer = Transfer(name)
        self.stats.transfers.append(transfer)
        scan = self._scans.get(synced.path)
        return filesync.send(synced.path, selection, requests, transfer, scan)

    def _filesend(self, requests, call):
        target = self.outputs[0]
        if target.type == "local":
            return filesend.receive(target.dest, requests)
        return filesend.write_tar(target.dest, requests)

    def _forward_agent(self, requests, call):
        ident = (call.metadata.get("buildkit.ssh.id") or ["default"])[0]
        agent = self.agents.get(ident)
        if agent is None:
            raise Status(NOT_FOUND, f"no ssh agent {ident}")
        return services.forward_agent(agent, requests)
