"""Each of `docker run`'s option values as the docker CLI reads it: sizes (RAMInBytes), Go
durations, restart policies, `--add-host`, ulimits, device rates and paths, `--gpus`,
`--expose` ranges, the health check.  Every function raises a one-line `InvalidInput` naming the
option and the form it takes, before anything is sent.
"""

from __future__ import annotations

import re

from ..errors import InvalidInput

_DIGITS, _HEX = r"[0-9](?:_?[0-9])*", r"[0-9a-fA-F](?:_?[0-9a-fA-F])*"
# a Go float literal, as strconv.ParseFloat reads one: 1.5, .5, 5., 1e3, 1_000, 0x1.8p1
_GO_FLOAT = re.compile(rf"""[+-]?(?:
    (?:{_DIGITS}(?:\.(?:{_DIGITS})?)?|\.{_DIGITS})(?:[eE][+-]?{_DIGITS})?
  | 0[xX](?:_?{_HEX}(?:\.(?:{_HEX})?)?|\.{_HEX})[pP][+-]?{_DIGITS}
)""", re.X)
_UNITS = {"b": 1} | {u + tail: 1024 ** (i + 1) for i, u in enumerate("kmgtp") for tail in ("", "b", "ib")}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ns|us|ms|s|m|h)")


def to_bytes(text: str, option: str) -> int:
    """go-units' RAMInBytes, which the CLI reads every size with: a Go float, then a binary unit
    (k, m, g, t, p with or without b / ib, any case; one space may come between).  The CLI takes
    `1.5 GiB` and `1e3k` and refuses `512mi` and ` 512m`; so does this."""
    text = str(text)
    sep = max(text.rfind(c) for c in "0123456789. ")
    number = text[:sep] if sep >= 0 and text[sep] == " " else text[:sep + 1]
    unit = text[sep + 1:].lower()
    if sep < 0 or not _GO_FLOAT.fullmatch(number) or unit and unit not in _UNITS:
        raise InvalidInput(f"{option} {text!r}: a size such as 512m or 2g")
    value = float.fromhex(number.replace("_", "")) if "x" in number.lower() else float(number)
    size = value * _UNITS.get(unit, 1)
    if value < 0 or size >= 2 ** 63:
        raise InvalidInput(f"{option} {text!r}: a size from 0 to 8191p")
    return int(size)


def to_nanoseconds(text: str, option: str) -> int:
    """Go's time.ParseDuration for the health options: `30s`, `1m30s`, `500ms`."""
    parts = _DURATION.findall(text or "")
    if not parts or "".join(n + u for n, u in parts) != text:
        raise InvalidInput(f"{option} {text!r}: a duration such as 30s or 1m30s")
    scale = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9, "m": 60e9, "h": 3600e9}
    return int(sum(float(n) * scale[u] for n, u in parts))


def whole(text, option: str) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        raise InvalidInput(f"{option} {text!r}: a whole number") from None


def restart_policy(text: str) -> dict:
    name, _, count = text.partition(":")
    if name not in ("no", "always", "unless-stopped", "on-failure") or (count and name != "on-failure"):
        raise InvalidInput(f"--restart {text!r}: no, always, unless-stopped or on-failure[:MAX_RETRIES]")
    return {"Name": "" if name == "no" else name, "MaximumRetryCount": whole(count, "--restart") if count else 0}


def host_ip(text: str) -> str:
    """`--add-host` as the engine wants it, `host:ip`, from `host:ip`, `host=ip`, `host=[v6]`."""
    host, sep, ip = text.partition("=")
    if not sep:
        host, sep, ip = text.partition(":")
    ip = ip.strip("[]")
    if not sep or not host or not ip:
        raise InvalidInput(f"--add-host {text!r}: HOST:IP or HOST=IP, e.g. db:10.0.0.5")
    if ip != "host-gateway":
        import ipaddress

        try:
            ipaddress.ip_address(ip)
        except ValueError:
            raise InvalidInput(f"--add-host {text!r}: {ip!r} is not an IP address") from None
    return f"{host}:{ip}"


def ulimit(text: str):
    from docker.types import Ulimit

    name, _, limits = text.partition("=")
    soft, _, hard = limits.partition(":")
    if not name or not soft:
        raise InvalidInput(f"--ulimit {text!r}: NAME=SOFT[:HARD], e.g. nofile=1024:2048")
    return Ulimit(name=name, soft=whole(soft, "--ulimit"), hard=whole(hard or soft, "--ulimit"))


def rates(values, option: str, size: bool) -> list[dict]:
    out = []
    for text in values:
        path, _, rate = text.rpartition(":")
        if not path.startswith("/"):
            raise InvalidInput(f"{option} {text!r}: DEVICE_PATH:RATE, e.g. /dev/sda:10mb")
        out.append({"Path": path, "Rate": to_bytes(rate, option) if size else whole(rate, option)})
    return out


def device(text: str) -> str:
    if not text.startswith("/"):
        raise InvalidInput(f"--device {text!r}: this engine takes host device paths (/dev/...); CDI names and "
                           "Windows device classes need a newer or a Windows engine")
    return text


def gpus(text: str):
    """`all`, `N`, `count=N`, `device=ID[,ID]` (quoted or not), as the CLI's GpuOpts reads them."""
    from docker.types import DeviceRequest

    text = text.strip("'\"")
    if text.startswith("device="):
        return [DeviceRequest(device_ids=text[len("device="):].split(","), capabilities=[["gpu"]])]
    count = -1 if text in ("all", "count=all") else whole(text.removeprefix("count="), "--gpus")
    return [DeviceRequest(count=count, capabilities=[["gpu"]])]


def exposed(spec: str) -> list[str]:
    port, _, proto = spec.partition("/")
    first, _, last = port.partition("-")
    if not first.isdigit() or (last and not last.isdigit()) or proto not in ("", "tcp", "udp", "sctp"):
        raise InvalidInput(f"--expose {spec!r}: PORT[/PROTO] or START-END[/PROTO]")
    return [f"{p}/{proto or 'tcp'}" for p in range(int(first), int(last or first) + 1)]


def healthcheck(v: dict) -> dict | None:
    if v.get("no_healthcheck"):
        return {"Test": ["NONE"]}
    given = {k: v.get("health_" + k) for k in ("cmd", "interval", "timeout", "retries", "start_period")}
    if not any(x is not None for x in given.values()):
        return None
    check = {}
    if given["cmd"]:
        check["Test"] = ["CMD-SHELL", given["cmd"]]
    for key, name in (("interval", "Interval"), ("timeout", "Timeout"), ("start_period", "StartPeriod")):
        if given[key]:
            check[name] = to_nanoseconds(given[key], "--health-" + key.replace("_", "-"))
    if given["retries"] is not None:
        check["Retries"] = whole(given["retries"], "--health-retries")
    return check
