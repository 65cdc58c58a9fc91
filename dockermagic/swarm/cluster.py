"""The swarm itself: `docker swarm init|join|join-token|leave|update|unlock|unlock-key|ca` and
what the manager says of it (`SwarmInfo`), with the CLI's own lines; `refused()`, the one place
an engine's swarm refusal becomes one line saying which engine and what to do."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import EngineError, InvalidInput


class SwarmError(EngineError):
    """The engine refused a swarm operation."""


class NotAManager(SwarmError):
    """A command that needs a swarm manager went to a worker, or to an engine in no swarm."""


def refused(exc, engine, doing: str) -> SwarmError:
    """The engine's refusal of `doing` as one line; a manager-only command sent elsewhere says
    which engine it reached, what it is, and where to send it instead."""
    from ..engine.adapter import explanation

    said = explanation(exc)
    where = engine.address
    if "not a swarm manager" in said:
        if "Worker nodes" in said:
            return NotAManager(f"{doing}: {where} is a swarm worker, and only a manager can do this: send it to a "
                               f"manager (%docker -H MANAGER {doing}) or promote this node from a manager"
                               + _managers(engine))
        return NotAManager(f"{doing}: {where} is not in a swarm: start one there with %docker swarm init, join one "
                           f"with %docker swarm join, or send this to a manager with -H")
    if "not part of a swarm" in said:
        return NotAManager(f"{doing}: {where} is not in a swarm (nothing to leave or unlock there)")
    return SwarmError(f"{doing}: {said}")


def _managers(engine) -> str:
    """`; the swarm's managers: ADDR, ...` as the worker knows them, or nothing."""
    try:
        known = (engine.api.info().get("Swarm") or {}).get("RemoteManagers") or []
    except Exception:  # noqa: BLE001 -- the refusal itself is what is reported
        known = []
    addresses = ", ".join(m.get("Addr", "") for m in known if m.get("Addr"))
    return f"; the swarm's managers: {addresses}" if addresses else ""


def for_template(raw: dict) -> dict:
    """A swarm object's JSON as the CLI's `--format` templates see its Go struct: `CreatedAt` and
    `UpdatedAt` are `time.Time`s there, printed as Go prints them (`2026-12-07 03:05:07.2 +0000 UTC`)."""
    from ..gotemplate.gofmt import go_time

    return {**raw, **{k: go_time(raw[k]) for k in ("CreatedAt", "UpdatedAt") if isinstance(raw.get(k), str)}}


def call(engine, doing: str, method, *args, **kwargs):
    """`engine.api.METHOD(...)` (or `method(...)`, a callable), a refusal as one `SwarmError` line."""
    import docker

    try:
        return (method if callable(method) else getattr(engine.api, method))(*args, **kwargs)
    except docker.errors.APIError as exc:
        raise refused(exc, engine, doing) from exc


@dataclass
class SwarmInfo:
    """The swarm as its manager describes it (`GET /swarm`) and this node's part in it (`/info`)."""

    id: str
    created: str
    node_id: str
    node_addr: str
    state: str                # this node: active, pending, locked, inactive
    managers: int
    nodes: int
    autolock: bool
    spec: dict = field(repr=False, default_factory=dict)
    label: str = ""
    raw: dict = field(repr=False, default_factory=dict)  # the engine's JSON, join tokens left out


def inspect(engine) -> SwarmInfo:
    raw = dict(call(engine, "swarm inspect", "inspect_swarm"))
    raw.pop("JoinTokens", None)  # a join token is a credential: `swarm join-token` shows it when asked
    info = engine.api.info().get("Swarm") or {}
    spec = raw.get("Spec") or {}
    return SwarmInfo(raw.get("ID", ""), raw.get("CreatedAt", ""), info.get("NodeID", ""), info.get("NodeAddr", ""),
                     info.get("LocalNodeState", ""), info.get("Managers") or 0, info.get("Nodes") or 0,
                     bool((spec.get("EncryptionConfig") or {}).get("AutoLockManagers")), spec, engine.label, raw)


@dataclass
class SwarmChange:
    """What init / join / leave / update / unlock did, and the CLI's lines saying so."""

    action: str
    node_id: str = ""
    text: str = ""

    def __repr__(self) -> str:
        return self.text.rstrip("\n") or self.action


def _join_command(token: str, address: str) -> str:
    return f"    docker swarm join --token {token} {address}\n"


def join_token(engine, role: str, rotate: bool = False, quiet: bool = False) -> str:
    """`docker swarm join-token [--rotate] [-q] worker|manager`: the CLI's text."""
    if role not in ("worker", "manager"):
        raise InvalidInput(f"unknown role {role}: use worker or manager")
    doing = f"swarm join-token {role}"
    if rotate:
        swarm = call(engine, doing, "inspect_swarm")
        call(engine, doing, "update_swarm", swarm["Version"]["Index"], swarm["Spec"],
             rotate_worker_token=role == "worker", rotate_manager_token=role == "manager")
    token = call(engine, doing, "inspect_swarm")["JoinTokens"][role.capitalize()]
    if quiet:
        return token + "\n"
    address = engine.api.info()["Swarm"]["RemoteManagers"][0]["Addr"]
    text = f"Successfully rotated {role} join token.\n\n" if rotate else ""
    return text + (f"To add a {role} to this swarm, run the following command:\n\n"
                   f"{_join_command(token, address)}\n")


def init(engine, advertise_addr=None, listen_addr="0.0.0.0:2377", data_path_addr=None, data_path_port=None,
         default_addr_pool=(), subnet_size=None, force_new_cluster=False, autolock=False,
         availability="active", settings=None, external_ca=(), ca_cert=None, ca_key=None,
         timeout: float = 60.0) -> SwarmChange:
    """`docker swarm init`. `settings` are `update`'s (`task_history_limit`, `cert_expiry` ...);
    `external_ca` the `--external-ca` texts.  `ca_cert` / `ca_key` (PEM text) make the swarm's
    root CA one's own from the start, as `swarm ca --rotate --ca-cert --ca-key` would right after
    (the engine rotates to it at once): the change returns once every node trusts it."""
    from . import root_ca

    root_ca.check_signing(ca_cert, ca_key, external_ca, rotating=False)
    externals = root_ca.external_cas(external_ca, ca_cert or "")
    spec = engine.api.create_swarm_spec(autolock_managers=autolock or None, external_cas=externals or None,
                                        signing_ca_cert=ca_cert, signing_ca_key=ca_key)
    _settle(spec, settings or {})
    node_id = call(engine, "swarm init", "init_swarm", advertise_addr=advertise_addr, listen_addr=listen_addr,
                   force_new_cluster=force_new_cluster, swarm_spec=spec, default_addr_pool=list(default_addr_pool) or None,
                   subnet_size=subnet_size, data_path_addr=data_path_addr, data_path_port=data_path_port)
    if availability != "active":
        _set_availability(engine, node_id, availability)
    if ca_cert:
        _wait_rotated(engine, "swarm init --ca-cert", timeout)
    text = f"Swarm initialized: current node ({node_id}) is now a manager.\n\n"
    text += join_token(engine, "worker")
    text += "To add a manager to this swarm, run 'docker swarm join-token manager' and follow the instructions.\n\n"
    if autolock:
        text += unlock_key_text(call(engine, "swarm init", "get_unlock_key").get("UnlockKey", ""))
    return SwarmChange("initialized", node_id, text.rstrip("\n") + "\n")


def _wait_rotated(engine, doing: str, timeout: float) -> dict:
    from . import root_ca

    return root_ca.wait_rotated(lambda: call(engine, doing, "inspect_swarm"), lambda: call(engine, doing, "nodes"),
                                doing, timeout, SwarmError)


def _set_availability(engine, node_id: str, availability: str) -> None:
    node = call(engine, "swarm init", "inspect_node", node_id)
    call(engine, "swarm init", "update_node", node_id, node["Version"]["Index"], dict(node["Spec"], Availability=availability))


def join(engine, remote: str, token: str, advertise_addr=None, listen_addr="0.0.0.0:2377",
         data_path_addr=None, availability="active") -> SwarmChange:
    if not token:
        raise InvalidInput("swarm join needs --token TOKEN: ask a manager for it with %docker swarm join-token worker")
    call(engine, "swarm join", "join_swarm", [remote], token, listen_addr=listen_addr, advertise_addr=advertise_addr,
         data_path_addr=data_path_addr)
    info = engine.api.info().get("Swarm") or {}
    role = "manager" if info.get("ControlAvailable") else "worker"
    if availability != "active" and role == "manager":
        _set_availability(engine, info.get("NodeID", ""), availability)
    return SwarmChange("joined", info.get("NodeID", ""), f"This node joined a swarm as a {role}.\n")


def leave(engine, force: bool = False) -> SwarmChange:
    call(engine, "swarm leave", "leave_swarm", force=force)
    return SwarmChange("left", "", "Node left the swarm.\n")


def _settle(spec: dict, changes: dict) -> None:
    """`update`'s settings (and `init`'s) into a swarm spec: only those given."""
    for option, value in changes.items():
        if value is None:
            continue
        if option == "autolock":
            spec.setdefault("EncryptionConfig", {})["AutoLockManagers"] = value
        elif option == "task_history_limit":
            spec.setdefault("Orchestration", {})["TaskHistoryRetentionLimit"] = value
        elif option in ("snapshot_interval", "max_snapshots"):
            spec.setdefault("Raft", {})["SnapshotInterval" if option == "snapshot_interval" else "KeepOldSnapshots"] = value
        elif option == "dispatcher_heartbeat":
            spec.setdefault("Dispatcher", {})["HeartbeatPeriod"] = value
        elif option == "cert_expiry":
            spec.setdefault("CAConfig", {})["NodeCertExpiry"] = value
        else:
            raise ValueError(f"not a swarm setting: {option}")


def update(engine, external_ca=(), **changes) -> SwarmChange:
    """`docker swarm update`: the given settings changed, the rest kept.  `--external-ca` replaces
    the external CAs; one without cacert= signs with the current root, as the CLI says it."""
    from . import root_ca

    doing = "swarm update"
    if not external_ca and all(v is None for v in changes.values()):
        raise InvalidInput("swarm update needs a setting to change: --autolock, --cert-expiry, --dispatcher-heartbeat, "
                           "--external-ca, --max-snapshots, --snapshot-interval or --task-history-limit")
    swarm = call(engine, doing, "inspect_swarm")
    spec = swarm["Spec"]
    was_locked = bool((spec.get("EncryptionConfig") or {}).get("AutoLockManagers"))
    _settle(spec, changes)
    if external_ca:
        root = (swarm.get("TLSInfo") or {}).get("TrustRoot", "")
        spec.setdefault("CAConfig", {})["ExternalCAs"] = root_ca.external_cas(external_ca, root)
    call(engine, doing, "update_swarm", swarm["Version"]["Index"], spec)
    text = "Swarm updated.\n"
    if changes.get("autolock") and not was_locked:
        key = call(engine, doing, "get_unlock_key").get("UnlockKey", "")
        text += unlock_key_text(key)
    return SwarmChange("updated", "", text)


def unlock_key_text(key: str) -> str:
    return ("To unlock a swarm manager after it restarts, run the `docker swarm unlock`\n"
            "command and provide the following key:\n\n"
            f"    {key}\n\n"
            "Remember to store this key in a password manager, since without it you\n"
            "will not be able to restart the manager.\n")


def unlock_key(engine, rotate: bool = False, quiet: bool = False) -> str:
    doing = "swarm unlock-key"
    if rotate:
        swarm = call(engine, doing, "inspect_swarm")
        if not (swarm["Spec"].get("EncryptionConfig") or {}).get("AutoLockManagers"):
            raise SwarmError(f"{doing}: cannot rotate because autolock is not turned on")
        call(engine, doing, "update_swarm", swarm["Version"]["Index"], swarm["Spec"], rotate_manager_unlock_key=True)
    key = call(engine, doing, "get_unlock_key").get("UnlockKey", "")
    if not key:
        raise SwarmError(f"{doing}: no unlock key is set (turn autolock on: %docker swarm update --autolock=true)")
    if quiet:
        return key + "\n"
    return ("Successfully rotated manager unlock key.\n\n" if rotate else "") + unlock_key_text(key)


def unlock(engine, key: str) -> SwarmChange:
    """`docker swarm unlock` with the key `swarm init --autolock` or `swarm unlock-key` gave."""
    import docker

    info = engine.api.info().get("Swarm") or {}
    if info.get("LocalNodeState") != "locked":
        raise SwarmError(f"swarm unlock: {engine.address} is not locked: this node is "
                         f"{info.get('LocalNodeState') or 'in no swarm'}")
    key = (key or "").strip()
    if not key:
        raise InvalidInput("swarm unlock: no key was given: type the key `swarm init --autolock` or "
                           "`swarm unlock-key` printed (SWMKEY-1-...)")
    try:
        engine.api.unlock_swarm(key)
    except docker.errors.APIError as exc:
        from ..engine.adapter import explanation

        said = explanation(exc)
        if "invalid key" in said or "could not be unlocked" in said:
            raise SwarmError("swarm unlock: the key was refused (the engine says: " + said.rstrip(".") + "); give the "
                             "key `swarm unlock-key` printed last, before the manager stopped") from None
        raise refused(exc, engine, "swarm unlock") from None
    return SwarmChange("unlocked", info.get("NodeID", ""), "")


def ca(engine, rotate: bool = False, quiet: bool = False, detach: bool = False, ca_cert: str | None = None,
       ca_key: str | None = None, cert_expiry: int | None = None, external_ca=(), timeout: float = 60.0) -> str:
    """`docker swarm ca [--rotate [--ca-cert PEM --ca-key PEM] [--external-ca ...] [--cert-expiry D]]`:
    the root CA's certificate; with `--rotate`, the new one once every node carries a certificate
    it signed (bounded by `timeout`; none with `detach`, nothing with `quiet`, as the CLI)."""
    from . import root_ca

    doing = "swarm ca"
    if not rotate:
        root_ca.requires_rotate({"ca-cert": ca_cert, "ca-key": ca_key, "cert-expiry": cert_expiry,
                                 "external-ca": list(external_ca)})
    else:
        root_ca.check_signing(ca_cert, ca_key, external_ca)
    swarm = call(engine, doing, "inspect_swarm")
    if rotate:
        spec = swarm["Spec"]
        config = spec.setdefault("CAConfig", {})
        if cert_expiry is not None:
            config["NodeCertExpiry"] = cert_expiry
        if external_ca:
            config["ExternalCAs"] = root_ca.external_cas(external_ca, ca_cert or "")
        config["SigningCACert"], config["SigningCAKey"] = ca_cert or "", ca_key or ""
        if not ca_cert and not ca_key:
            config["ForceRotate"] = int(config.get("ForceRotate") or 0) + 1
        call(engine, doing, "update_swarm", swarm["Version"]["Index"], spec)
        if detach:
            return ""
        swarm = _wait_rotated(engine, f"{doing} --rotate", timeout)
        if quiet:
            return ""
    root = ((swarm.get("TLSInfo") or {}).get("TrustRoot") or "").strip()
    if not root:
        raise SwarmError(f"{doing}: No CA information available")
    return root + "\n"
