"""A BuildKit session: the gRPC services a build calls back into while it runs.

`POST /session` is upgraded to h2c and from then on the engine is the HTTP/2 *client*: it calls
the methods we named in the upgrade's headers (one header line each) -- health every second,
the context and Dockerfile folders by DiffCopy, registry credentials, secrets, ssh agents, and
FileSend for `-o` outputs.  Each service is an attachable (`attachables.py`, BuildKit's
`session.Attachable`) that registers its own methods on a `grpcserver.Server`, which answers
them on the upgraded connection itself.  The session attaches the services its options ask for
(`allow` attaches more) and knows none of their methods.  The context folder is described on a
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

from ...engine import adapter
from ...errors import EngineError, InvalidInput
from . import attachables, filesend, grpcserver, services
from .attachables import SyncedDir
from .filesync import SyncStats


class SessionUnavailable(EngineError):
    """The engine has no BuildKit session to give (Podman, an old engine, a proxy that refuses
    the upgrade): the build can still go as a context tar."""


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
        self.outputs = [x if isinstance(x, filesend.ExportEntry) else filesend.parse_output(x) for x in outputs]
        if len(self.outputs) > 1:
            raise InvalidInput("one --output per build: the engine exports to one place")
        self.stats = SyncStats()
        self._filesync = attachables.FSSyncProvider(self.dirs, self.stats)
        self.attachables: list[attachables.Attachable] = [attachables.Health(), self._filesync, attachables.DockerAuthProvider()]
        if self.secrets:
            self.allow(attachables.SecretProvider(self.secrets))
        if self.agents:
            self.allow(attachables.SSHAgentProvider(self.agents))
        if self.outputs:
            self.allow(attachables.FSSyncTarget(self.outputs[0]))
        self._server = None
        self._socket = None
        self._key_agents: list[services.KeyAgent] = []
        self._folder = None

    def allow(self, attachable: attachables.Attachable) -> None:
        """Offer the engine one more service (an `attachables.Attachable`), before `open()`:
        BuildKit's `Session.Allow`."""
        self.attachables.append(attachable)

    # -- what the build is told ------------------------------------------------------------
    def build_params(self) -> dict:
        """The `/build` parameters that make the build use this session (context from it, no body)."""
        params = {"session": self.id, "remote": "client-session"}
        if self.outputs:
            params["outputs"] = json.dumps([o.engine_spec() for o in self.outputs])
        return params

    def grpc_server(self) -> grpcserver.Server:
        """A server with every attached service's methods registered (not yet serving)."""
        server = grpcserver.Server()
        for attachable in self.attachables:
            attachable.register(server)
        return server

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
        self._filesync.describe("context")  # described while the engine reads the Dockerfile
        server = self.grpc_server()
        headers = [("Upgrade", "h2c"), ("X-Docker-Expose-Session-Uuid", self.id),
                   ("X-Docker-Expose-Session-Name", self.name),
                   ("X-Docker-Expose-Session-Sharedkey", self.key)]
        headers += [("X-Docker-Expose-Session-Grpc-Method", m) for m in server.methods()]
        try:
            sock, early = adapter.upgraded(self.engine.api, "/session", headers)
        except Exception as exc:  # noqa: BLE001 -- the engine's or the connection's words
            self.close()  # the key agents started above end with the session that will not be
            raise SessionUnavailable(f"no BuildKit session: {adapter.explanation(exc)}") from None
        self._server, self._socket = server, sock
        try:
            server.serve(sock, early, recv=adapter.receiver(sock), hangup=lambda: adapter.close_socket(sock))
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
