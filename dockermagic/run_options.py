"""The rest of `docker run`'s options (and `docker create`'s): resources, security, networking,
devices, logging.  `OPTIONS` is the table the magics declare their arguments from; `translate()`
turns the values given into what the engine's create call takes, each checked before anything
is sent, so an option accepted is an option the engine is asked to honour.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import pairs
from .errors import InvalidInput

# (flags, kind, metavar, help): kind "list" repeats, "flag" takes no value, "value" one; the
# value is found under argparse's name for it (the first long flag, dashes as underscores)
OPTIONS = [
    (("--net",), "value", "NETWORK", "The CLI's older spelling of --network."),
    (("--network-alias", "--net-alias"), "list", "ALIAS", "Add a network-scoped alias for the container (user networks); repeatable."),
    (("--ip",), "value", "IPv4", "IPv4 address on the user network given by --network (e.g. 172.30.100.104)."),
    (("--ip6",), "value", "IPv6", "IPv6 address on the user network given by --network."),
    (("--link",), "list", "NAME[:ALIAS]", "Add link to another container (legacy links); repeatable."),
    (("-P", "--publish-all"), "flag", None, "Publish all exposed ports to random host ports."),
    (("--expose",), "list", "PORT[/PROTO]", "Expose a port or a range of ports (without publishing); repeatable."),
    (("--add-host",), "list", "HOST:IP", "Add a custom host-to-IP mapping (host:ip or host=ip); repeatable."),
    (("--dns",), "list", "IP", "Set custom DNS servers; repeatable."),
    (("--dns-search",), "list", "DOMAIN", "Set custom DNS search domains; repeatable."),
    (("--dns-option", "--dns-opt"), "list", "OPTION", "Set DNS options (ndots:2 ...); repeatable."),
    (("--mac-address",), "value", "MAC", "Container MAC address (e.g. 92:d0:c6:0a:29:33)."),
    (("--cap-add",), "list", "CAP", "Add Linux capabilities (NET_ADMIN, SYS_PTRACE, ALL ...); repeatable."),
    (("--cap-drop",), "list", "CAP", "Drop Linux capabilities; repeatable."),
    (("--security-opt",), "list", "OPT", "Security options (seccomp=unconfined, apparmor=..., no-new-privileges ...); repeatable."),
    (("--privileged",), "flag", None, "Give extended privileges to this container."),
    (("--read-only",), "flag", None, "Mount the container's root filesystem as read only."),
    (("--tmpfs",), "list", "PATH[:OPTIONS]", "Mount a tmpfs directory (e.g. /run:rw,noexec,size=64m); repeatable."),
    (("--volumes-from",), "list", "CONTAINER[:ro|rw]", "Mount volumes from the specified container; repeatable."),
    (("--userns",), "value", "MODE", "User namespace to use (host)."),
    (("--pid",), "value", "MODE", "PID namespace to use (host, container:NAME)."),
    (("--ipc",), "value", "MODE", "IPC mode to use (host, private, shareable, container:NAME)."),
    (("--uts",), "value", "MODE", "UTS namespace to use (host)."),
    (("--cgroupns",), "value", "MODE", "Cgroup namespace to use (host, private)."),
    (("--group-add",), "list", "GROUP", "Add additional groups to join; repeatable."),
    (("--restart",), "value", "POLICY", "Restart policy: no, always, unless-stopped, on-failure[:N]."),
    (("-m", "--memory"), "value", "BYTES", "Memory limit (e.g. 512m, 2g)."),
    (("--memory-swap",), "value", "BYTES", "Memory plus swap limit (-1: unlimited swap)."),
    (("--memory-reservation",), "value", "BYTES", "Memory soft limit."),
    (("--shm-size",), "value", "BYTES", "Size of /dev/shm (e.g. 64m)."),
    (("--cpus",), "value", "N", "Number of CPUs (e.g. 1.5)."),
    (("-c", "--cpu-shares"), "value", "N", "CPU shares (relative weight)."),
    (("--cpuset-cpus",), "value", "CPUS", "CPUs in which to allow execution (0-3, 0,1)."),
    (("--cpuset-mems",), "value", "MEMS", "Memory nodes in which to allow execution (0-3, 0,1)."),
    (("--cpu-period",), "value", "N", "Limit CPU CFS period (microseconds)."),
    (("--cpu-quota",), "value", "N", "Limit CPU CFS quota (microseconds)."),
    (("--pids-limit",), "value", "N", "Tune container pids limit (-1 for unlimited)."),
    (("--oom-kill-disable",), "flag", None, "Disable OOM Killer."),
    (("--oom-score-adj",), "value", "N", "Tune host's OOM preferences (-1000 to 1000)."),
    (("--ulimit",), "list", "NAME=SOFT[:HARD]", "Ulimit options (nofile=1024:1024); repeatable."),
    (("--sysctl",), "list", "KEY=VALUE", "Sysctl options (net.ipv4.ip_forward=1); repeatable."),
    (("--device",), "list", "HOST[:CONTAINER[:PERMS]]", "Add a host device to the container; repeatable."),
    (("--device-read-bps",), "list", "PATH:RATE", "Limit read rate from a device (/dev/sda:10mb); repeatable."),
    (("--device-write-bps",), "list", "PATH:RATE", "Limit write rate to a device; repeatable."),
    (("--device-read-iops",), "list", "PATH:N", "Limit read rate (IO per second) from a device; repeatable."),
    (("--device-write-iops",), "list", "PATH:N", "Limit write rate (IO per second) to a device; repeatable."),
    (("--gpus",), "value", "GPUS", "GPU devices to add (all, or a count): the engine needs a GPU runtime."),
    (("--storage-opt",), "list", "KEY=VALUE", "Storage driver options (size=120G); repeatable."),
    (("--log-driver",), "value", "DRIVER", "Logging driver for the container (json-file, none, gelf, ...)."),
    (("--log-opt",), "list", "KEY=VALUE", "Log driver options; repeatable."),
    (("--isolation",), "value", "MODE", "Container isolation technology (default; process and hyperv are Windows')."),
    (("--platform",), "value", "OS/ARCH", "Set platform if server is multi-platform capable."),
    (("--runtime",), "value", "RUNTIME", "Runtime to use for this container."),
    (("--stop-signal",), "value", "SIGNAL", "Signal to stop the container (e.g. SIGINT)."),
    (("--domainname",), "value", "NAME", "Container NIS domain name."),
    (("--label-file",), "list", "FILE", "Read in a line delimited file of labels; repeatable."),
    (("--cidfile",), "value", "FILE", "Write the container ID to the file."),
    (("--health-cmd",), "value", "COMMAND", "Command to run to check health."),
    (("--health-interval",), "value", "DURATION", "Time between running the check (e.g. 30s)."),
    (("--health-timeout",), "value", "DURATION", "Maximum time to allow one check to run."),
    (("--health-retries",), "value", "N", "Consecutive failures needed to report unhealthy."),
    (("--health-start-period",), "value", "DURATION", "Start period for the container to initialize."),
    (("--no-healthcheck",), "flag", None, "Disable any container-specified HEALTHCHECK."),
    (("--detach-keys",), "value", "KEYS", "Refused here: no one types into a cell, so there is no key sequence to detach with."),
]


@dataclass
class Extras:
    """What the options add to the create call: container config, host config, endpoint."""

    config: dict = field(default_factory=dict)
    host: dict = field(default_factory=dict)
    endpoint: dict = field(default_factory=dict)  # on the --network's endpoint: aliases, addresses
    exposed: list = field(default_factory=list)
    labels: dict = field(default_factory=dict)
    cidfile: str | None = None


_BYTES = re.compile(r"(\d+(?:\.\d+)?)\s*([kmgtp])?i?b?", re.I)
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ns|us|ms|s|m|h)")


def to_bytes(text: str, option: str) -> int:
    """The CLI's RAMInBytes: `512m`, `2GB`, `1.5g` (binary units)."""
    match = _BYTES.fullmatch(str(text).strip())
    if not match:
        raise InvalidInput(f"{option} {text!r}: a size such as 512m or 2g")
    power = " kmgtp".index((match.group(2) or " ").lower())
    return int(float(match.group(1)) * 1024 ** power)


def to_nanoseconds(text: str, option: str) -> int:
    """Go's time.ParseDuration for the health options: `30s`, `1m30s`, `500ms`."""
    parts = _DURATION.findall(text or "")
    if not parts or "".join(n + u for n, u in parts) != text:
        raise InvalidInput(f"{option} {text!r}: a duration such as 30s or 1m30s")
    scale = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9, "m": 60e9, "h": 3600e9}
    return int(sum(float(n) * scale[u] for n, u in parts))


def _int(text, option: str) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        raise InvalidInput(f"{option} {text!r}: a whole number") from None


def _restart(text: str) -> dict:
    name, _, count = text.partition(":")
    if name not in ("no", "always", "unless-stopped", "on-failure") or (count and name != "on-failure"):
        raise InvalidInput(f"--restart {text!r}: no, always, unless-stopped or on-failure[:MAX_RETRIES]")
    return {"Name": "" if name == "no" else name, "MaximumRetryCount": _int(count, "--restart") if count else 0}


def _host_ip(text: str) -> str:
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


def _ulimit(text: str):
    from docker.types import Ulimit

    name, _, limits = text.partition("=")
    soft, _, hard = limits.partition(":")
    if not name or not soft:
        raise InvalidInput(f"--ulimit {text!r}: NAME=SOFT[:HARD], e.g. nofile=1024:2048")
    return Ulimit(name=name, soft=_int(soft, "--ulimit"), hard=_int(hard or soft, "--ulimit"))


def _rates(values, option: str, size: bool) -> list[dict]:
    out = []
    for text in values:
        path, _, rate = text.rpartition(":")
        if not path.startswith("/"):
            raise InvalidInput(f"{option} {text!r}: DEVICE_PATH:RATE, e.g. /dev/sda:10mb")
        out.append({"Path": path, "Rate": to_bytes(rate, option) if size else _int(rate, option)})
    return out


def _device(text: str) -> str:
    if not text.startswith("/"):
        raise InvalidInput(f"--device {text!r}: this engine takes host device paths (/dev/...); CDI names and "
                           "Windows device classes need a newer or a Windows engine")
    return text


def _gpus(text: str):
    """`all`, `N`, `count=N`, `device=ID[,ID]` (quoted or not), as the CLI's GpuOpts reads them."""
    from docker.types import DeviceRequest

    text = text.strip("'\"")
    if text.startswith("device="):
        return [DeviceRequest(device_ids=text[len("device="):].split(","), capabilities=[["gpu"]])]
    count = -1 if text in ("all", "count=all") else _int(text.removeprefix("count="), "--gpus")
    return [DeviceRequest(count=count, capabilities=[["gpu"]])]


def translate(values: dict, network: str | None) -> Extras:
    """The options' values (argparse's, by `dest`) as the create call's arguments."""
    v, out = values, Extras()
    host, config = out.host, out.config
    simple_host = {
        "cap_add": "cap_add", "cap_drop": "cap_drop", "security_opt": "security_opt", "dns": "dns",
        "dns_search": "dns_search", "dns_option": "dns_opt", "volumes_from": "volumes_from", "group_add": "group_add",
        "userns": "userns_mode", "pid": "pid_mode", "ipc": "ipc_mode", "uts": "uts_mode", "cgroupns": "cgroupns",
        "cpuset_cpus": "cpuset_cpus", "cpuset_mems": "cpuset_mems", "isolation": "isolation", "runtime": "runtime",
    }
    for name, key in simple_host.items():
        if v.get(name):
            host[key] = v[name]
    for name in ("privileged", "read_only", "oom_kill_disable"):
        if v.get(name):
            host[name] = True
    if v.get("publish_all"):
        host["publish_all_ports"] = True
    for name, key in (("memory", "mem_limit"), ("memory_reservation", "mem_reservation"), ("shm_size", "shm_size")):
        if v.get(name):
            host[key] = to_bytes(v[name], "--" + name.replace("_", "-"))
    if v.get("memory_swap"):
        host["memswap_limit"] = -1 if v["memory_swap"] == "-1" else to_bytes(v["memory_swap"], "--memory-swap")
    if v.get("cpus"):
        try:
            host["nano_cpus"] = int(round(float(v["cpus"]) * 1e9))
        except ValueError:
            raise InvalidInput(f"--cpus {v['cpus']!r}: a number of CPUs, e.g. 1.5") from None
    for name, key in (("cpu_shares", "cpu_shares"), ("cpu_period", "cpu_period"), ("cpu_quota", "cpu_quota"),
                      ("pids_limit", "pids_limit"), ("oom_score_adj", "oom_score_adj")):
        if v.get(name) is not None:
            host[key] = _int(v[name], "--" + name.replace("_", "-"))
    if v.get("restart"):
        host["restart_policy"] = _restart(v["restart"])
    if v.get("tmpfs"):
        host["tmpfs"] = dict(t.partition(":")[::2] for t in v["tmpfs"])
    if v.get("add_host"):
        host["extra_hosts"] = [_host_ip(t) for t in v["add_host"]]
    if v.get("link"):
        host["links"] = {name: alias or name for name, _, alias in (t.partition(":") for t in v["link"])}
    if v.get("ulimit"):
        host["ulimits"] = [_ulimit(t) for t in v["ulimit"]]
    if v.get("sysctl"):
        host["sysctls"] = pairs.option_map(v["sysctl"], "--sysctl")
    if v.get("storage_opt"):
        host["storage_opt"] = pairs.option_map(v["storage_opt"], "--storage-opt")
    if v.get("device"):
        host["devices"] = [_device(t) for t in v["device"]]
    for name, size in (("device_read_bps", True), ("device_write_bps", True), ("device_read_iops", False),
                       ("device_write_iops", False)):
        if v.get(name):
            host[name] = _rates(v[name], "--" + name.replace("_", "-"), size)
    if v.get("gpus"):
        host["device_requests"] = _gpus(v["gpus"])
    if v.get("log_driver") or v.get("log_opt"):
        from docker.types import LogConfig

        host["log_config"] = LogConfig(type=v.get("log_driver") or "json-file",
                                       config=pairs.option_map(v.get("log_opt") or [], "--log-opt"))
    for name in ("mac_address", "stop_signal", "domainname", "platform"):
        if v.get(name):
            config[name] = v[name]
    health = _healthcheck(v)
    if health is not None:
        config["healthcheck"] = health
    for spec in v.get("expose") or ():
        out.exposed.extend(_exposed(spec))
    for path in v.get("label_file") or ():
        out.labels.update(pairs.label_map(pairs.env_file_lines(path), "--label-file"))
    if v.get("detach_keys"):
        raise InvalidInput("--detach-keys: nothing is typed into a cell, so there is no key sequence to detach "
                           "with; interrupt the kernel to stop following (the container runs on with -d)")
    out.cidfile = v.get("cidfile")
    if out.cidfile:
        import os

        if os.path.exists(out.cidfile):
            raise InvalidInput(f"--cidfile {out.cidfile!r} exists already: the CLI does not overwrite it either")
    _endpoint(v, network, out)
    return out


def _exposed(spec: str) -> list[str]:
    port, _, proto = spec.partition("/")
    first, _, last = port.partition("-")
    if not first.isdigit() or (last and not last.isdigit()) or proto not in ("", "tcp", "udp", "sctp"):
        raise InvalidInput(f"--expose {spec!r}: PORT[/PROTO] or START-END[/PROTO]")
    return [f"{p}/{proto or 'tcp'}" for p in range(int(first), int(last or first) + 1)]


def _healthcheck(v: dict) -> dict | None:
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
        check["Retries"] = _int(given["retries"], "--health-retries")
    return check


def _endpoint(v: dict, network: str | None, out: Extras) -> None:
    aliases, ip, ip6 = v.get("network_alias") or [], v.get("ip"), v.get("ip6")
    if not (aliases or ip or ip6):
        return
    if network in (None, "", "default", "bridge", "host", "none") or network.startswith("container:"):
        given = "--network-alias" if aliases else "--ip" if ip else "--ip6"
        raise InvalidInput(f"{given} needs a user-defined network (--network NAME, made with %docker_network create): "
                           f"the engine takes aliases and addresses only there")
    out.endpoint = {"aliases": aliases or None, "ipv4_address": ip, "ipv6_address": ip6}
