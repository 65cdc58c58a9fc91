"""The short syntaxes of a service's ports and volumes, expanded to the long form v2 prints.

Ports follow docker/go-connections' `nat.ParsePortSpecs` (`[ip:][host[-host]:]container[-container][/proto]`,
a range giving one entry per port); volumes follow compose-go's `ParseVolume`
(`[source:]target[:options]`, a source that looks like a path making a bind mount).
"""

from __future__ import annotations

import os
import posixpath

from ...errors import ComposeFileError

PORT_ORDER = ("name", "mode", "host_ip", "target", "published", "protocol", "app_protocol")


def _range(text: str, where: str) -> list[int]:
    start, _, end = text.partition("-")
    try:
        first = int(start)
        last = int(end) if end else first
    except ValueError:
        raise ComposeFileError(f"{where}: invalid port {text!r}") from None
    if last < first:
        raise ComposeFileError(f"{where}: invalid range {text!r}")
    return list(range(first, last + 1))


def short_port(spec, where: str) -> list[dict]:
    text = str(spec)
    proto = "tcp"
    if "/" in text:
        text, proto = text.rsplit("/", 1)
    host_ip, published = "", ""
    if text.startswith("["):  # [ipv6]:host:container
        close = text.index("]")
        host_ip, text = text[1:close], text[close + 2:]
        published, _, target = text.rpartition(":")
    else:
        parts = text.split(":")
        if len(parts) == 1:
            target = parts[0]
        elif len(parts) == 2:
            published, target = parts
        elif len(parts) == 3:
            host_ip, published, target = parts
        else:
            host_ip = ":".join(parts[:-2])
            published, target = parts[-2:]
    targets = _range(target, where)
    publisheds = [str(port) for port in _range(published, where)] if published else [""] * len(targets)
    if published and len(publisheds) != len(targets):
        if len(targets) != 1:
            raise ComposeFileError(f"{where}: invalid ranges specified for container and host ports: {spec}")
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


def short_volume(spec: str, where: str) -> dict:
    parts = spec.split(":")
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
    else:
        entry["volume"] = volume
    return entry


VOLUME_ORDER = ("type", "source", "target", "read_only", "consistency", "bind", "volume", "tmpfs", "image")


def expand_home(path: str) -> str:
    return os.path.expanduser(path) if path.startswith("~") else path
