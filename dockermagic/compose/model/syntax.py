"""The short syntaxes of a service's ports and volumes, expanded to the long form v2 prints.

Ports follow docker/go-connections' `nat.ParsePortSpecs` (`[ip:][host[-host]:]container[-container][/proto]`,
a range giving one entry per port); volumes follow compose-go's `ParseVolume`
(`[source:]target[:options]`, a source that looks like a path making a bind mount).
"""

from __future__ import annotations

import ipaddress
import os
import posixpath
import re

from ...errors import ComposeFileError
from . import units

PORT_ORDER = ("name", "mode", "host_ip", "target", "published", "protocol", "app_protocol")


def _range(text: str, which: str) -> list[int]:
    """`80` or `8000-8010` as go-connections reads it; its message (`invalid hostPort: abc`) otherwise."""
    start, dash, end = text.partition("-")
    if not re.fullmatch(r"[0-9]+", start) or (dash and not re.fullmatch(r"[0-9]+", end)):
        raise ComposeFileError(f"invalid {which}: {text}")
    first = int(start)
    last = int(end) if dash else first
    if last < first or last > 65535:
        raise ComposeFileError(f"invalid {which}: {text}")
    return list(range(first, last + 1))


def short_port(spec, where: str) -> list[dict]:
    """`[ip:][host[-host]:]container[-container][/proto]` as long-form entries, or v2's refusal."""
    text = str(spec)
    proto = "tcp"
    if "/" in text:
        text, proto = text.rsplit("/", 1)
    if proto.lower() not in ("tcp", "udp", "sctp"):
        raise ComposeFileError(f"invalid proto: {proto}")
    host_ip, published = "", ""
    if text.startswith("[") and "]" in text:  # [ipv6]:host:container
        close = text.index("]")
        host_ip, text = text[1:close], text[close + 2:]
        published, _, target = text.rpartition(":")
    else:
        parts = text.split(":")
        target = parts[-1]
        published = parts[-2] if len(parts) > 1 else ""
        host_ip = ":".join(parts[:-2])
    if host_ip:
        try:
            ipaddress.ip_address(host_ip)
        except ValueError:
            raise ComposeFileError(f"invalid IP address: {host_ip}") from None
    if target in ("", "0"):
        raise ComposeFileError(f"service ports {where} is missing a target port")
    targets = _range(target, "containerPort")
    publisheds = [str(port) for port in _range(published, "hostPort")] if published else [""] * len(targets)
    if published and len(publisheds) != len(targets):
        if len(targets) != 1:
            raise ComposeFileError(f"invalid ranges specified for container and host Ports: {target} and {published}")
        publisheds = [published]  # a host range for one container port: the engine picks one
    entries = []
    for port, host in zip(targets, publisheds):
        entry = {"mode": "ingress"}
        if host_ip:
            entry["host_ip"] = host_ip
        entry["target"] = port
        if host:
            entry["published"] = host
        entry["protocol"] = proto.lower()
        entries.append(entry)
    return entries


def long_port(spec: dict, where: str) -> dict:
    entry = dict(spec)
    entry.setdefault("mode", "ingress")
    entry.setdefault("protocol", "tcp")
    if "target" in entry:
        entry["target"] = int(entry["target"])
    if entry.get("published") is not None:
        entry["published"] = str(entry["published"])
    return {key: entry[key] for key in PORT_ORDER if key in entry and entry[key] not in ("", None)}


def _is_path(source: str) -> bool:
    return source.startswith((".", "/", "~")) or (len(source) > 1 and source[1] == ":")


def _fields(spec: str) -> list[str]:
    """`spec` split at its colons, but not at one inside `${...}` (`${SRC:-/dev/null}:/tmp:ro`, as
    compose-go reads a volume that still holds a variable)."""
    parts, start, depth = [], 0, 0
    for index, char in enumerate(spec):
        if char == "{" and index and spec[index - 1] == "$":
            depth += 1
        elif char == "}" and depth:
            depth -= 1
        elif char == ":" and not depth:
            parts.append(spec[start:index])
            start = index + 1
    return [*parts, spec[start:]]


def short_volume(spec: str, where: str) -> dict:
    parts = _fields(spec) if "${" in spec else spec.split(":")
    if len(parts) == 1:
        return {"type": "volume", "target": posixpath.normpath(spec), "volume": {}}
    if len(parts) > 3:
        raise ComposeFileError(f"{where}: invalid spec: {spec}: too many colons")
    source, target = parts[0], posixpath.normpath(parts[1])
    options = parts[2].split(",") if len(parts) == 3 else []
    entry = {"type": "bind" if _is_path(source) else "volume", "source": source, "target": target}
    bind, volume = {}, {}
    for option in options:
        if option == "ro":
            entry["read_only"] = True
        elif option in ("rw", ""):
            pass
        elif option in ("z", "Z"):
            bind["selinux"] = option
        elif option in ("shared", "rshared", "slave", "rslave", "private", "rprivate"):
            bind["propagation"] = option
        elif option == "nocopy":
            volume["nocopy"] = True
        elif option in ("consistent", "cached", "delegated"):
            entry["consistency"] = option
        else:
            raise ComposeFileError(f"{where}: invalid spec: {spec}: unknown option {option!r}")
    if entry["type"] == "bind":
        bind["create_host_path"] = True
        entry["bind"] = {key: bind[key] for key in ("selinux", "propagation", "create_host_path") if key in bind}
        if volume:  # compose-go keeps `nocopy` whatever the type
            entry["volume"] = volume
    else:
        entry["volume"] = volume
    return entry


VOLUME_ORDER = ("type", "source", "target", "read_only", "consistency", "bind", "volume", "tmpfs", "image")


def expand_home(path: str) -> str:
    return os.path.expanduser(path) if path.startswith("~") else path


def extra_hosts(value) -> list[str]:
    """`host:ip`, `host=ip` or a mapping -> `host=ip`, sorted by host (compose-go keeps a map of lists)."""
    pairs = []
    items = value.items() if isinstance(value, dict) else [re.split("[=:]", str(item), maxsplit=1) for item in value or []]
    for host, address in items:
        for one in address if isinstance(address, list) else [address]:
            pairs.append((str(host), str(one)))
    return [f"{host}={address}" for host, address in sorted(pairs, key=lambda pair: pair[0])]


def devices(value) -> list[dict]:
    """`src[:dst[:permissions]]` or the long form -> {source, target, permissions} (`rwm` by default)."""
    result = []
    for item in value or []:
        if isinstance(item, dict):
            entry = dict(item)
        else:
            parts = str(item).split(":")
            entry = {"source": parts[0], "target": parts[1] if len(parts) > 1 else parts[0]}
            if len(parts) > 2:
                entry["permissions"] = parts[2]
        entry.setdefault("permissions", "rwm")
        result.append({key: entry[key] for key in ("source", "target", "permissions") if key in entry})
    return result


def gpus(value) -> list[dict]:
    """`gpus: all` is one request for every GPU (count -1), as compose-go stores it."""
    if value == "all":
        return [{"count": -1}]
    order = ("driver", "count", "device_ids", "capabilities", "options")
    return [{key: item[key] for key in order if key in item} for item in value or []]


def blkio(value: dict, where: str) -> dict:
    """compose-go's ThrottleDevice has no JSON tags: v2 prints `Path` and `Rate` (a byte count, as a string)."""
    out = dict(value)
    for key in ("device_read_bps", "device_write_bps", "device_read_iops", "device_write_iops"):
        if key in out:
            out[key] = [{"Path": item.get("path"), "Rate": str(units.byte_count(item.get("rate", 0), f"{where}.{key}"))}
                        for item in out[key] or []]
    order = ("weight", "weight_device", "device_read_bps", "device_read_iops", "device_write_bps", "device_write_iops")
    return {key: out[key] for key in order if key in out}


def develop(value: dict) -> dict:
    def pick(item, keys):
        return {key: item[key] for key in keys if key in item}

    watch = [{**pick(item, ("path", "action", "target")), "exec": item.get("exec") or {"command": None},
              **pick(item, ("include", "ignore", "initial_sync"))} for item in value.get("watch") or []]
    return {**value, "watch": watch} if "watch" in value else value
