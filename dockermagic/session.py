"""A BuildKit session: the gRPC services a build calls back into while it runs.

`POST /session` is upgraded to h2c and from then on the engine is the HTTP/2 *client*: it calls
the methods we named in the upgrade's headers (one header line each) -- health every second,
the context and Dockerfile folders by DiffCopy, registry credentials, secrets, ssh agents, and
FileSend for `-o` outputs.  grpcio cannot serve on a socket that is already connected, so it
serves on a unix socket in a private folder and two threads copy bytes between that and the
upgraded connection.  Health has its own worker threads and never waits behind a long stream:
the engine drops the session on the first health check that takes 10 s.

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
import threading
import uuid
from dataclasses import dataclass

import grpc

from . import adapter, filesync, session_services as services
from .errors import EngineError, InvalidInput
from .filesync import Selection, SyncStats, Transfer
from .session_schema import message

HEALTH = "/grpc.health.v1.Health/Check"
FILESYNC = "/moby.filesync.v1.FileSync/DiffCopy"
FILESEND = "/moby.filesync.v1.FileSend/DiffCopy"
CREDENTIALS = "/moby.filesync.v1.Auth/Credentials"
SECRET = "/moby.buildkit.secrets.v1.Secrets/GetSecret"
CHECK_AGENT = "/moby.sshforward.v1.SSH/CheckAgent"
FORWARD_AGENT = "/moby.sshforward.v1.SSH/ForwardAgent"


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
        self.outputs = [x if isinstance(x, services.Output) else services.parse_output(x) for x in outputs]
        if len(self.outputs) > 1:
            raise InvalidInput("one --output per build: the engine exports to one place")
        self.stats = SyncStats()
        self._server = None
        self._folder = None
        self._sockets: list = []
        self._threads: list[threading.Thread] = []

    # -- what the build is told ------------------------------------------------------------
    def build_params(self) -> dict:
        """The `/build` parameters that make the build use this session (context from it, no body)."""
        params = {"session": self.id, "remote": "client-session"}
        if self.outputs:
            params["outputs"] = json.dumps([o.engine_spec() for o in self.outputs])
        return params

    def methods(self) -> dict:
        """gRPC method -> grpcio handler, for what this session offers."""
        unary, stream = grpc.unary_unary_rpc_method_handler, grpc.stream_stream_rpc_method_handler
        health = message("grpc.health.v1.HealthCheckResponse")(status=1).SerializeToString()
        found = {HEALTH: unary(lambda raw, ctx: health),
                 FILESYNC: stream(self._diffcopy),
                 CREDENTIALS: unary(self._answer(services.credentials))}
        if self.secrets:
            found[SECRET] = unary(self._answer(lambda raw: services.secret(self.secrets, raw)))
        if self.agents:
            found[CHECK_AGENT] = unary(self._answer(lambda raw: services.check_agent(self.agents, raw)))
            found[FORWARD_AGENT] = stream(self._forward_agent)
        if self.outputs:
            found[FILESEND] = stream(self._filesend)
        return found

    # -- lifetime ---------------------------------------------------------------------------
    def __enter__(self) -> "Session":
        self.open()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def open(self) -> None:
        from concurrent.futures import ThreadPoolExecutor

        methods = self.methods()
        try:
            self._folder = tempfile.mkdtemp(prefix="dockermagic-session-")  # mode 0700: ours only
            path = os.path.join(self._folder, "grpc.sock")
            self._server = grpc.server(ThreadPoolExecutor(max_workers=32, thread_name_prefix="dockermagic-session"),
                                       handlers=[_Handlers(methods)],
                                       options=[("grpc.max_receive_message_length", 16 << 20)])
            self._server.add_insecure_port(f"unix:{path}")
            self._server.start()
            headers = [("Upgrade", "h2c"), ("X-Docker-Expose-Session-Uuid", self.id),
                       ("X-Docker-Expose-Session-Name", self.name),
                       ("X-Docker-Expose-Session-Sharedkey", self.key)]
            headers += [("X-Docker-Expose-Session-Grpc-Method", m) for m in methods]
            try:
                upgraded, early = adapter.upgraded(self.engine.api, "/session", headers)
            except EngineError:
                raise
            except Exception as exc:  # noqa: BLE001 -- the engine's or the connection's words
                raise adapter.error(exc, "opening a build session") from None
            self._sockets.append(upgraded)
            local = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self._sockets.append(local)
            local.connect(path)
            if early:
                local.sendall(early)
            self._pipe(upgraded, local)
            self._pipe(local, upgraded)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """End the session: the engine sees the connection go; nothing of ours keeps running."""
        for sock in self._sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            adapter.close_socket(sock)
        self._sockets = []
        if self._server is not None:
            self._server.stop(grace=None).wait(5)
            self._server = None
        for thread in self._threads:
            thread.join(timeout=2)
        self._threads = []
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def _pipe(self, source, target) -> None:
        def copy():
            try:
                while True:
                    data = source.recv(1 << 20)
                    if not data:
                        break
                    target.sendall(data)
            except OSError:
                pass
            try:
                target.shutdown(socket.SHUT_WR)
            except OSError:
                pass

        thread = threading.Thread(target=copy, name="dockermagic-session-pipe", daemon=True)
        thread.start()
        self._threads.append(thread)

    # -- the services -----------------------------------------------------------------------
    @staticmethod
    def _answer(handler):
        def serve(raw, context):
            try:
                return handler(raw)
            except services.NotFound as exc:
                context.abort(grpc.StatusCode.NOT_FOUND, str(exc))
        return serve

    def _diffcopy(self, requests, context):
        meta = _metadata(context)
        name = (meta.get("dir-name") or [""])[0]
        synced = self.dirs.get(name)
        if synced is None:
            context.abort(grpc.StatusCode.NOT_FOUND, f"no folder {name!r} in this session")
        excludes = meta.get("exclude-patterns", [])
        if synced.excludes and (meta.get("override-excludes") or [""])[0] != "true":
            excludes = list(synced.excludes)
        selection = Selection(meta.get("include-patterns", []), excludes, meta.get("followpaths", []))
        transfer = Transfer(name)
        self.stats.transfers.append(transfer)
        return filesync.send(synced.path, selection, requests, transfer)

    def _filesend(self, requests, context):
        output = self.outputs[0]
        if output.type == "local":
            return filesync.receive(output.dest, requests)
        return _write_tar(output.dest, requests)

    def _forward_agent(self, requests, context):
        ident = (_metadata(context).get("buildkit.ssh.id") or ["default"])[0]
        agent = self.agents.get(ident)
        if agent is None:
            context.abort(grpc.StatusCode.NOT_FOUND, f"no ssh agent {ident}")
        return services.forward_agent(agent, requests)


def _metadata(context) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for key, value in context.invocation_metadata():
        found.setdefault(key, []).append(value if isinstance(value, str) else value.decode("utf-8", "replace"))
    return found


def _write_tar(dest: str, requests):
    os.makedirs(os.path.dirname(dest) or ".", exist_ok=True)
    partial = dest + ".partial"
    try:
        with open(partial, "wb") as out:
            filesync.receive_bytes(out, requests)
        os.replace(partial, dest)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    return
    yield  # a stream that answers nothing


class _Handlers(grpc.GenericRpcHandler):
    """grpcio's generic handler: the method's handler, or None (UNIMPLEMENTED)."""

    def __init__(self, methods: dict):
        self.methods = methods

    def service(self, handler_call_details):
        return self.methods.get(handler_call_details.method)
