"""What a session offers the engine, one attachable per gRPC service, as BuildKit's
`session.Attachable`: each registers its own methods on the session's server (`register(server)`),
and a `Session` only attaches the ones it was given (`Session.allow`, as BuildKit's).  A new
service is a class here with a `register`; the session itself does not change.

    Health              grpc.health.v1.Health/Check: every session (the engine checks it each second)
    FSSyncProvider      moby.filesync.v1.FileSync/DiffCopy: the context and Dockerfile folders
    DockerAuthProvider  moby.filesync.v1.Auth/Credentials: registry logins from the docker config
    SecretProvider      moby.buildkit.secrets.v1.Secrets/GetSecret: `--secret`
    SSHAgentProvider    moby.sshforward.v1.SSH/CheckAgent and ForwardAgent: `--ssh`
    FSSyncTarget        moby.filesync.v1.FileSend/DiffCopy: an `-o` output received

The names are BuildKit's (its `filesync`, `authprovider`, `secretsprovider` and `sshprovider`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from . import filesend, filesync, services
from .grpccall import NOT_FOUND, Status
from .schema import message


class Attachable(Protocol):
    def register(self, server) -> None:
        """Register this service's methods on `server` (`grpcserver.Server.register_service`)."""


class Health:
    """grpc's health service, answered on the server's reading thread: a check that waited
    behind a stream for 10 s would make the engine drop the session."""

    def register(self, server) -> None:
        serving = message("grpc.health.v1.HealthCheckResponse")(status=1).SerializeToString()
        server.register_service("grpc.health.v1.Health", unary={"Check": lambda raw: serving}, inline=["Check"])


@dataclass(frozen=True)
class SyncedDir:
    path: str
    excludes: tuple[str, ...] = ()


class FSSyncProvider:
    """The session's folders (`context`, `dockerfile`) sent by DiffCopy, with the include and
    exclude patterns the engine asks for (a folder's own `excludes` win unless it overrides them);
    what crossed is added to `stats`."""

    def __init__(self, dirs: dict[str, SyncedDir], stats: filesync.SyncStats):
        self.dirs, self.stats = dirs, stats
        self._scans: dict[str, filesync.Scan] = {}

    def register(self, server) -> None:
        server.register_service("moby.filesync.v1.FileSync", streams={"DiffCopy": self.diffcopy})

    def describe(self, name: str) -> None:
        """Start describing the folder `name` on a thread of its own now, so that its DiffCopy
        (after the engine read the Dockerfile) finds it walked."""
        path = self.dirs[name].path
        self._scans[path] = filesync.Scan(path)

    def diffcopy(self, requests, call):
        meta = call.metadata
        name = (meta.get("dir-name") or [""])[0]
        synced = self.dirs.get(name)
        if synced is None:
            raise Status(NOT_FOUND, f"no folder {name!r} in this session")
        excludes = meta.get("exclude-patterns", [])
        if synced.excludes and (meta.get("override-excludes") or [""])[0] != "true":
            excludes = list(synced.excludes)
        selection = filesync.FilterOpt(meta.get("include-patterns", []), excludes, meta.get("followpaths", []),
                                       synced.path)
        transfer = filesync.FolderStats(name)
        self.stats.transfers.append(transfer)
        return filesync.send(synced.path, selection, requests, transfer, self._scans.get(synced.path))


class DockerAuthProvider:
    """Registry credentials as the docker config (or its helper) keeps them, asked per host."""

    def register(self, server) -> None:
        server.register_service("moby.filesync.v1.Auth", unary={"Credentials": services.credentials})


class SecretProvider:
    """`--secret`s by id; a value is read only when the engine asks for it."""

    def __init__(self, secrets: dict[str, services.Secret]):
        self.secrets = secrets

    def register(self, server) -> None:
        server.register_service("moby.buildkit.secrets.v1.Secrets",
                                unary={"GetSecret": lambda raw: services.secret(self.secrets, raw)})


class SSHAgentProvider:
    """`--ssh` agents by id.  `agents` is read when the engine calls: the session puts the key
    agents it starts at open there."""

    def __init__(self, agents: dict[str, services.SSHAgent]):
        self.agents = agents

    def register(self, server) -> None:
        server.register_service("moby.sshforward.v1.SSH",
                                unary={"CheckAgent": lambda raw: services.check_agent(self.agents, raw)},
                                streams={"ForwardAgent": self.forward_agent})

    def forward_agent(self, requests, call):
        ident = (call.metadata.get("buildkit.ssh.id") or ["default"])[0]
        agent = self.agents.get(ident)
        if agent is None:
            raise Status(NOT_FOUND, f"no ssh agent {ident}")
        return services.forward_agent(agent, requests)


class FSSyncTarget:
    """Where the engine sends an `-o` output: a folder (DiffCopy's receiving side) or a tar file."""

    def __init__(self, output: filesend.ExportEntry):
        self.output = output

    def register(self, server) -> None:
        server.register_service("moby.filesync.v1.FileSend", streams={"DiffCopy": self.diffcopy})

    def diffcopy(self, requests, call):
        if self.output.type == "local":
            return filesend.receive(self.output.dest, requests)
        return filesend.write_tar(self.output.dest, requests)
