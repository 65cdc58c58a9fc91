"""User networks: `docker network create|ls|inspect|connect|disconnect|rm|prune`, options checked
before anything is sent.  Knows nothing of IPython."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field

from ..errors import EngineError, InvalidInput
from ..gotemplate.formats import Listing
from ..gotemplate.gofmt import go_time

_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$")
LS_HEADER = {"ID": "NETWORK ID", "Name": "NAME", "Driver": "DRIVER", "Scope": "SCOPE", "IPv4": "IPV4",
             "IPv6": "IPV6", "Internal": "INTERNAL", "Labels": "LABELS", "CreatedAt": "CREATED AT"}
LS_TABLE = "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}"


class NetworkError(EngineError):
    """The engine refused a network operation."""


@dataclass
class Endpoint:
    """A container on a network, with the addresses it has there."""

    container: str  # name
    id: str
    ipv4: str  # CIDR, as the engine reports it
    ipv6: str
    mac: str
    aliases: list[str] = field(default_factory=list)


@dataclass
class Network:
    """`docker network inspect` of one network; `.raw` is the engine's JSON."""

    name: str
    id: str
    driver: str
    scope: str
    internal: bool
    ipv6: bool
    subnets: list[dict]  # IPAM config entries: Subnet, Gateway, IPRange, AuxiliaryAddresses
    labels: dict
    created: str
    containers: list[Endpoint]
    label: str = ""  # the engine that answered
    raw: dict = field(default_factory=dict, repr=False)


@dataclass
class NetworkRow:
    """One `docker network ls` row: the fields its `--format` templates see, as the CLI's."""

    ID: str
    Name: str
    Driver: str
    Scope: str
    IPv4: str
    IPv6: str
    Internal: str
    Labels: str
    CreatedAt: str
    labels: dict = field(default_factory=dict, repr=False)

    def Label(self, name: str) -> str:  # noqa: N802 -- the CLI's template method name
        return self.labels.get(name, "")

    def fields(self) -> dict:
        """What `{{json .}}` shows: the string fields, by name."""
        return {k: getattr(self, k) for k in sorted(LS_HEADER)}


@dataclass
class NetworkList(Listing):
    """`docker network ls`: rows in the CLI's order (by name)."""

    rows: list[NetworkRow]
    label: str = ""


@dataclass
class NetworkChange:
    """What connect / disconnect / rm did."""

    action: str  # "connected", "disconnected", "removed"
    networks: list[str]
    container: str | None = None
    aliases: list[str] = field(default_factory=list)
    ip: str | None = None


def check_name(name: str) -> str:
    if not _NAME.match(name or ""):
        raise InvalidInput(f"network name {name!r}: only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed")
    return name


def _ip(text: str, option: str):
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        raise InvalidInput(f"{option} {text!r}: not an IP address") from None


def ipam_pools(subnets, gateways=(), ip_ranges=(), aux=None) -> list[dict]:
    """The IPAM pools of `network create --subnet/--gateway/--ip-range/--aux-address`, each
    gateway, range and auxiliary address matched to the subnet holding it, as the CLI does."""
    pools = []
    for text in subnets or ():
        try:
            net = ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise InvalidInput(f"--subnet {text!r}: expected a CIDR, e.g. 172.28.0.0/16") from None
        pools.append({"net": net, "Subnet": text, "AuxiliaryAddresses": {}})

    def home(addr, option: str, value: str) -> dict:
        for pool in pools:
            if addr.version == pool["net"].version and (
                    addr.subnet_of(pool["net"]) if isinstance(addr, (ipaddress.IPv4Network, ipaddress.IPv6Network)) else addr in pool["net"]):
                return pool
        raise InvalidInput(f"{option} {value}: no matching --subnet" if pools else
                           f"{option} needs a --subnet it belongs to")

    for gw in gateways or ():
        pool = home(_ip(gw, "--gateway"), "--gateway", gw)
        if "Gateway" in pool:
            raise InvalidInput(f"--gateway {gw}: the subnet {pool['Subnet']} has a gateway already")
        pool["Gateway"] = gw
    for rng in ip_ranges or ():
        try:
            rnet = ipaddress.ip_network(rng, strict=False)
        except ValueError:
            raise InvalidInput(f"--ip-range {rng!r}: expected a CIDR") from None
        home(rnet, "--ip-range", rng)["IPRange"] = rng
    for host, addr in (aux or {}).items():
        home(_ip(addr, "--aux-address"), "--aux-address", f"{host}={addr}")["AuxiliaryAddresses"][host] = addr
    return [{k: v for k, v in p.items() if k != "net" and v != {}} for p in pools]


def _refused(exc, doing: str) -> NetworkError:
    from ..engine.adapter import explanation

    return NetworkError(f"{doing}: {explanation(exc)}")


def create(engine, name: str, driver: str = "bridge", subnets=(), gateways=(), ip_ranges=(), aux=None,
           internal=False, attachable=False, ipv6=False, options=None, labels=None, ipam_driver=None,
           ipam_options=None) -> Network:
    import docker

    check_name(name)
    pools = ipam_pools(subnets, gateways, ip_ranges, aux)
    ipam = None
    if pools or ipam_driver or ipam_options:
        ipam = {"Driver": ipam_driver or "default", "Config": pools, "Options": ipam_options or {}}
    try:
        made = engine.api.create_network(
            name, driver=driver, options=options or None, ipam=ipam, internal=internal, labels=labels or None,
            enable_ipv6=ipv6, attachable=attachable or None, check_duplicate=True,
        )
    except docker.errors.APIError as exc:
        raise _refused(exc, f"network create {name}") from exc
    return inspect(engine, made["Id"])


def _endpoints(api, raw: dict) -> list[Endpoint]:
    import docker

    out = []
    for cid, ep in sorted((raw.get("Containers") or {}).items(), key=lambda kv: kv[1].get("Name", "")):
        aliases = []
        try:
            settings = api.inspect_container(cid)["NetworkSettings"]["Networks"].get(raw["Name"]) or {}
            # the engine adds the short id itself; an alias such as `db` may also begin the hex id
            aliases = [a for a in settings.get("Aliases") or [] if a != cid[:12]]
        except (docker.errors.APIError, KeyError):
            pass  # gone since the network was read, or a network-less record
        out.append(Endpoint(ep.get("Name", cid[:12]), cid, ep.get("IPv4Address", ""), ep.get("IPv6Address", ""),
                            ep.get("MacAddress", ""), aliases))
    return out


def inspect_raw(engine, names, verbose: bool = False) -> list[dict]:
    import docker

    out = []
    for name in names:
        try:
            out.append(engine.api.inspect_network(name, verbose=verbose or None))
        except docker.errors.APIError as exc:
            raise _refused(exc, f"network inspect {name}") from exc
    return out


def from_raw(engine, raw: dict) -> Network:
    return Network(
        name=raw.get("Name", ""), id=raw.get("Id", ""), driver=raw.get("Driver", ""), scope=raw.get("Scope", ""),
        internal=bool(raw.get("Internal")), ipv6=bool(raw.get("EnableIPv6")),
        subnets=list((raw.get("IPAM") or {}).get("Config") or []), labels=dict(raw.get("Labels") or {}),
        created=raw.get("Created", ""), containers=_endpoints(engine.api, raw), label=engine.label, raw=raw,
    )


def inspect(engine, name: str) -> Network:
    return from_raw(engine, inspect_raw(engine, [name])[0])


def list_networks(engine, filters: dict | None = None, no_trunc: bool = False) -> NetworkList:
    import docker

    try:
        raws = engine.api.networks(filters=filters or None)
    except docker.errors.APIError as exc:
        raise _refused(exc, "network ls") from exc
    rows = []
    for raw in sorted(raws, key=lambda n: n.get("Name", "")):
        labels = dict(raw.get("Labels") or {})
        rows.append(NetworkRow(
            ID=raw["Id"] if no_trunc else raw["Id"][:12], Name=raw.get("Name", ""), Driver=raw.get("Driver", ""),
            Scope=raw.get("Scope", ""), IPv4=_flag(raw.get("EnableIPv4")), IPv6=_flag(raw.get("EnableIPv6")),
            Internal=_flag(raw.get("Internal")), Labels=",".join(f"{k}={v}" for k, v in sorted(labels.items())),
            CreatedAt=go_time(raw.get("Created", "")), labels=labels,
        ))
    return NetworkList(rows, engine.label)


def _flag(value) -> str:
    # the CLI prints the engine's booleans; a field this engine does not send reads as false there too
    return "true" if value else "false"


def connect(engine, network: str, container: str, aliases=(), ip=None, ip6=None, links=(), link_local_ips=(),
            driver_opts=None) -> NetworkChange:
    import docker

    for value, option in ((ip, "--ip"), (ip6, "--ip6")):
        if value:
            _ip(value, option)
    try:
        engine.api.connect_container_to_network(
            container, network, ipv4_address=ip, ipv6_address=ip6, aliases=list(aliases) or None,
            links=list(links) or None, link_local_ips=list(link_local_ips) or None, driver_opt=driver_opts or None,
        )
    except docker.errors.APIError as exc:
        raise _refused(exc, f"network connect {network} {container}") from exc
    return NetworkChange("connected", [network], container, list(aliases), ip)


def disconnect(engine, network: str, container: str, force: bool = False) -> NetworkChange:
    import docker

    try:
        engine.api.disconnect_container_from_network(container, network, force=force)
    except docker.errors.APIError as exc:
        raise _refused(exc, f"network disconnect {network} {container}") from exc
    return NetworkChange("disconnected", [network], container)


def remove(engine, names, force: bool = False) -> NetworkChange:
    """Every network named is tried, as the CLI does; the failures are reported together."""
    import docker

    removed, failed = [], []
    for name in names:
        try:
            engine.api.remove_network(name)
            removed.append(name)
        except docker.errors.NotFound as exc:
            if not force:
                failed.append(f"{name}: {_refused(exc, 'network rm').args[0].split(': ', 1)[1]}")
        except docker.errors.APIError as exc:
            failed.append(f"{name}: {_refused(exc, 'network rm').args[0].split(': ', 1)[1]}")
    if failed:
        done = f" (removed: {', '.join(removed)})" if removed else ""
        raise NetworkError("network rm: " + "; ".join(failed) + done)
    return NetworkChange("removed", removed)
