"""The rest of `docker run`'s options (and `docker create`'s): resources, security, networking,
devices, logging.  `OPTIONS` is the table the magics declare their arguments from; `translate()`
turns the values given into what the engine's create call takes, each checked before anything
is sent (each value's grammar in `run_values`), so an option accepted is an option the engine is
asked to honour.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import InvalidInput
from ..opts import pairs, run_values

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
            host[key] = run_values.to_bytes(v[name], "--" + name.replace("_", "-"))
    if v.get("memory_swap"):
        swap = v["memory_swap"]
        host["memswap_limit"] = -1 if swap == "-1" else run_values.to_bytes(swap, "--memory-swap")
    if v.get("cpus"):
        try:
            host["nano_cpus"] = int(round(float(v["cpus"]) * 1e9))
        except ValueError:
            raise InvalidInput(f"--cpus {v['cpus']!r}: a number of CPUs, e.g. 1.5") from None
    for name, key in (("cpu_shares", "cpu_shares"), ("cpu_period", "cpu_period"), ("cpu_quota", "cpu_quota"),
                      ("pids_limit", "pids_limit"), ("oom_score_adj", "oom_score_adj")):
        if v.get(name) is not None:
            host[key] = run_values.whole(v[name], "--" + name.replace("_", "-"))
    if v.get("restart"):
        host["restart_policy"] = run_values.restart_policy(v["restart"])
    if v.get("tmpfs"):
        host["tmpfs"] = dict(t.partition(":")[::2] for t in v["tmpfs"])
    if v.get("add_host"):
        host["extra_hosts"] = [run_values.host_ip(t) for t in v["add_host"]]
    if v.get("link"):
        host["links"] = {name: alias or name for name, _, alias in (t.partition(":") for t in v["link"])}
    if v.get("ulimit"):
        host["ulimits"] = [run_values.ulimit(t) for t in v["ulimit"]]
    if v.get("sysctl"):
        host["sysctls"] = pairs.option_map(v["sysctl"], "--sysctl")
    if v.get("storage_opt"):
        host["storage_opt"] = pairs.option_map(v["storage_opt"], "--storage-opt")
    if v.get("device"):
        host["devices"] = [run_values.device(t) for t in v["device"]]
    for name, size in (("device_read_bps", True), ("device_write_bps", True), ("device_read_iops", False),
                       ("device_write_iops", False)):
        if v.get(name):
            host[name] = run_values.rates(v[name], "--" + name.replace("_", "-"), size)
    if v.get("gpus"):
        host["device_requests"] = run_values.gpus(v["gpus"])
    if v.get("log_driver") or v.get("log_opt"):
        from docker.types import LogConfig

        host["log_config"] = LogConfig(type=v.get("log_driver") or "json-file",
                                       config=pairs.option_map(v.get("log_opt") or [], "--log-opt"))
    for name in ("mac_address", "stop_signal", "domainname", "platform"):
        if v.get(name):
            config[name] = v[name]
    health = run_values.healthcheck(v)
    if health is not None:
        config["healthcheck"] = health
    for spec in v.get("expose") or ():
        out.exposed.extend(run_values.exposed(spec))
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


def _endpoint(v: dict, network: str | None, out: Extras) -> None:
    aliases, ip, ip6 = v.get("network_alias") or [], v.get("ip"), v.get("ip6")
    if not (aliases or ip or ip6):
        return
    if network in (None, "", "default", "bridge", "host", "none") or network.startswith("container:"):
        given = "--network-alias" if aliases else "--ip" if ip else "--ip6"
        raise InvalidInput(f"{given} needs a user-defined network (--network NAME, made with %docker_network create): "
                           f"the engine takes aliases and addresses only there")
    out.endpoint = {"aliases": aliases or None, "ipv4_address": ip, "ipv6_address": ip6}
