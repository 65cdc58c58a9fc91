"""A service's spec from `docker service create` / `update` options, as the docker CLI builds it.

`apply(spec, options)` is the one builder: `options` is a plain dict keyed by the options'
argparse names (`replicas`, `limit_memory`, `publish`, `env_add` ...), so the magics' parsed
lines and a compose file's `deploy:` section (a stack) go through the same code.  It starts
from `defaults()` for a create (the CLI's own defaults: update and rollback configs) or from the
service's current spec for an update, and changes only what an option names -- as the CLI's
`updateService` does -- so an update keeps every field nobody asked to change.  The pieces are
docker-py's types (`ContainerSpec`, `TaskTemplate`, `Resources`, `Placement`, `SecretReference`
...), which are the Engine API's JSON.  Every value is checked here, before anything is sent,
with one-line `InvalidInput`s naming the option.  Names of secrets, configs and networks are
given to a `resolve` callable (the engine's ids; see `services.create`).
"""

from __future__ import annotations

import copy
import shlex

from ..containers.run import parse_env, parse_publish
from ..errors import InvalidInput
from ..opts import pairs, run_values
from . import service_runtime

# (flags, kind, metavar, help, where): kind "list" repeats, "flag" takes no value, "value" one;
# where: "create", "update" or "both" -- which of the two subcommands accepts the option
OPTIONS = [
    (("--name",), "value", "NAME", "Service name.", "create"),
    (("--mode",), "value", "MODE", "Service mode: replicated (default) or global (jobs are refused).", "create"),
    (("--replicas",), "value", "N", "Number of tasks (replicated mode).", "both"),
    (("--replicas-max-per-node",), "value", "N", "Maximum number of tasks per node (0: unlimited).", "both"),
    (("-p", "--publish"), "list", "PORT", "Publish a port: [PUBLISHED:]TARGET[/PROTO] or published=,target=,protocol=,mode=ingress|host; repeatable.", "create"),
    (("--network",), "list", "NETWORK", "Network to attach (NAME, or name=,alias=,driver-opt=); repeatable.", "create"),
    (("--endpoint-mode",), "value", "MODE", "Endpoint mode: vip (default) or dnsrr.", "both"),
    (("-e", "--env"), "list", "KEY=VALUE", "Set an environment variable; repeatable.", "create"),
    (("--env-file",), "list", "FILE", "Read in a file of environment variables; repeatable.", "create"),
    (("--mount",), "list", "MOUNT", "Attach a filesystem mount (type=volume|bind|tmpfs,source=,target=,readonly,...); repeatable.", "create"),
    (("--secret",), "list", "SECRET", "Give the service a secret (NAME, or source=,target=,uid=,gid=,mode=); repeatable.", "create"),
    (("--config",), "list", "CONFIG", "Give the service a config (NAME, or source=,target=,uid=,gid=,mode=); repeatable.", "create"),
    (("--constraint",), "list", "EXPR", "Placement constraint (node.role==worker, node.labels.zone==a); repeatable.", "create"),
    (("--placement-pref",), "list", "PREF", "Placement preference (spread=node.labels.zone); repeatable.", "create"),
    (("-l", "--label"), "list", "KEY=VALUE", "Service label; repeatable.", "create"),
    (("--container-label",), "list", "KEY=VALUE", "Container label; repeatable.", "create"),
    (("--dns",), "list", "IP", "Custom DNS server; repeatable.", "create"),
    (("--dns-search",), "list", "DOMAIN", "Custom DNS search domain; repeatable.", "create"),
    (("--dns-option",), "list", "OPTION", "DNS option (ndots:2); repeatable.", "create"),
    (("--host",), "list", "HOST:IP", "Add a custom host-to-IP mapping; repeatable.", "create"),
    (("--group",), "list", "GROUP", "Add an additional supplementary user group; repeatable.", "create"),
    (("--cap-add",), "list", "CAP", "Add a Linux capability; repeatable.", "both"),
    (("--cap-drop",), "list", "CAP", "Drop a Linux capability; repeatable.", "both"),
    (("--sysctl",), "list", "KEY=VALUE", "Namespaced kernel parameter; repeatable.", "create"),
    (("--ulimit",), "list", "NAME=SOFT[:HARD]", "Ulimit options (nofile=1024:2048); repeatable.", "create"),
    (("--generic-resource",), "list", "KIND=COUNT", "User defined resources each task reserves (gpu=2); repeatable.",
     "create"),
    (("--credential-spec",), "value", "SPEC", "Credential spec for managed service account (Windows only): "
     "config://NAME, file://FILE or registry://KEY.", "both"),
    (("--max-concurrent",), "value", "N", "Refused: job tasks to run at once, for --mode replicated-job, which "
     "dockermagic does not run.", "both"),
    (("--limit-cpu",), "value", "CPUS", "Limit CPUs (e.g. 0.5).", "both"),
    (("--limit-memory",), "value", "BYTES", "Limit memory (e.g. 256m).", "both"),
    (("--limit-pids",), "value", "N", "Limit the number of processes (0: unlimited).", "both"),
    (("--reserve-cpu",), "value", "CPUS", "Reserve CPUs.", "both"),
    (("--reserve-memory",), "value", "BYTES", "Reserve memory.", "both"),
    (("--restart-condition",), "value", "COND", "Restart when: none, on-failure or any (default any).", "both"),
    (("--restart-delay",), "value", "DURATION", "Delay between restart attempts (ns|us|ms|s|m|h).", "both"),
    (("--restart-max-attempts",), "value", "N", "Maximum number of restarts before giving up.", "both"),
    (("--restart-window",), "value", "DURATION", "Window used to evaluate the restart policy.", "both"),
    *[((f"--{kind}-parallelism",), "value", "N", f"Maximum number of tasks {verb} at once (0: all at once).", "both")
      for kind, verb in (("update", "updated"), ("rollback", "rolled back"))],
    *[((f"--{kind}-delay",), "value", "DURATION", f"Delay between {kind}s.", "both") for kind in ("update", "rollback")],
    *[((f"--{kind}-failure-action",), "value", "ACTION", f"Action on {kind} failure: pause, continue"
       + (" or rollback." if kind == "update" else "."), "both") for kind in ("update", "rollback")],
    *[((f"--{kind}-monitor",), "value", "DURATION", f"Duration after each task {kind} to monitor for failure.", "both")
      for kind in ("update", "rollback")],
    *[((f"--{kind}-max-failure-ratio",), "value", "RATIO", f"Failure rate to tolerate during a {kind} (0 to 1).", "both")
      for kind in ("update", "rollback")],
    *[((f"--{kind}-order",), "value", "ORDER", f"{kind.capitalize()} order: start-first or stop-first.", "both")
      for kind in ("update", "rollback")],
    (("--health-cmd",), "value", "COMMAND", "Command to run to check health.", "both"),
    (("--health-interval",), "value", "DURATION", "Time between running the check.", "both"),
    (("--health-retries",), "value", "N", "Consecutive failures needed to report unhealthy.", "both"),
    (("--health-timeout",), "value", "DURATION", "Maximum time to allow one check to run.", "both"),
    (("--health-start-period",), "value", "DURATION", "Start period for the container to initialize.", "both"),
    (("--health-start-interval",), "value", "DURATION", "Time between running the check during the start period "
     "(engines with API 1.44+).", "both"),
    (("--oom-score-adj",), "value", "N", "Tune host's OOM preferences, -1000 to 1000 (engines with API 1.46+).", "both"),
    (("--no-healthcheck",), "flag", None, "Disable any container-specified HEALTHCHECK.", "both"),
    (("-w", "--workdir"), "value", "DIR", "Working directory inside the container.", "both"),
    (("-u", "--user"), "value", "USER", "Username or UID (format: <name|uid>[:<group|gid>]).", "both"),
    (("--entrypoint",), "value", "CMD", "Overwrite the default ENTRYPOINT of the image.", "both"),
    (("--hostname",), "value", "NAME", "Container hostname.", "both"),
    (("--stop-grace-period",), "value", "DURATION", "Time to wait before force killing a container (default 10s).", "both"),
    (("--stop-signal",), "value", "SIGNAL", "Signal to stop the container.", "both"),
    (("--init",), "flag", None, "Use an init inside each service container to forward signals and reap processes.", "both"),
    (("--read-only",), "flag", None, "Mount the container's root filesystem as read only.", "both"),
    (("-t", "--tty"), "flag", None, "Allocate a pseudo-TTY.", "both"),
    (("--isolation",), "value", "MODE", "Service container isolation mode.", "both"),
    (("--log-driver",), "value", "DRIVER", "Logging driver for the service.", "both"),
    (("--log-opt",), "list", "KEY=VALUE", "Logging driver options; repeatable.", "both"),
    (("--with-registry-auth",), "flag", None, "Send registry authentication details to swarm agents.", "both"),
    (("--no-resolve-image",), "flag", None, "Do not query the registry to resolve the image digest and platforms.", "both"),
    (("-d", "--detach"), "flag", None, "Exit immediately instead of waiting for the service to converge.", "both"),
    (("-q", "--quiet"), "flag", None, "Suppress progress output.", "both"),
    (("--image",), "value", "IMAGE", "Service image tag.", "update"),
    (("--args",), "value", "COMMAND", "Service command args.", "update"),
    (("--force",), "flag", None, "Force update even if no changes require it.", "update"),
    (("--rollback",), "flag", None, "Rollback to the previous specification.", "update"),
    *[((f"--{name}-add",), "list", metavar, f"Add or update a {what}; repeatable.", "update")
      for name, metavar, what in (
          ("env", "KEY=VALUE", "environment variable"), ("label", "KEY=VALUE", "service label"),
          ("container-label", "KEY=VALUE", "container label"), ("publish", "PORT", "published port"),
          ("constraint", "EXPR", "placement constraint"), ("placement-pref", "PREF", "placement preference"),
          ("secret", "SECRET", "secret"), ("config", "CONFIG", "config"), ("mount", "MOUNT", "mount"),
          ("network", "NETWORK", "network"), ("dns", "IP", "DNS server"), ("dns-search", "DOMAIN", "DNS search domain"),
          ("dns-option", "OPTION", "DNS option"), ("host", "HOST:IP", "host-to-IP mapping"),
          ("group", "GROUP", "supplementary group"), ("sysctl", "KEY=VALUE", "sysctl"),
          ("ulimit", "NAME=SOFT[:HARD]", "ulimit"), ("generic-resource", "KIND=COUNT", "generic resource"))],
    *[((f"--{name}-rm",), "list", metavar, f"Remove a {what}; repeatable.", "update")
      for name, metavar, what in (
          ("env", "KEY", "environment variable"), ("label", "KEY", "service label"),
          ("container-label", "KEY", "container label"), ("publish", "TARGET[/PROTO]", "published port (by its target)"),
          ("constraint", "EXPR", "placement constraint"), ("placement-pref", "PREF", "placement preference"),
          ("secret", "NAME", "secret"), ("config", "NAME", "config"), ("mount", "TARGET", "mount (by its target)"),
          ("network", "NETWORK", "network"), ("dns", "IP", "DNS server"), ("dns-search", "DOMAIN", "DNS search domain"),
          ("dns-option", "OPTION", "DNS option"), ("host", "HOST[:IP]", "host-to-IP mapping"),
          ("group", "GROUP", "supplementary group"), ("sysctl", "KEY", "sysctl"), ("ulimit", "NAME", "ulimit"),
          ("generic-resource", "KIND", "generic resource"))],
]

# a boolean option given as `--tty=false`: an update sets the field false (False alone means "not given")
EXPLICIT_FALSE = "false"
SPEC_BOOLS = ("init", "read_only", "tty", "no_healthcheck")

SECOND = 1_000_000_000
# the CLI's defaults for a new service's update and rollback configs (cli/command/service/opts.go)
FLOW_DEFAULTS = {"Parallelism": 1, "FailureAction": "pause", "Monitor": 5 * SECOND, "MaxFailureRatio": 0,
                 "Order": "stop-first"}


def dest(flags) -> str:
    """argparse's name for an option: the first long flag, dashes as underscores."""
    return next(f for f in flags if f.startswith("--"))[2:].replace("-", "_")


def accepted(subcommand: str) -> list:
    """The OPTIONS rows `create` or `update` declares."""
    return [row for row in OPTIONS if row[4] in (subcommand, "both")]


def defaults(image: str, command=(), name: str | None = None) -> dict:
    """A new service's spec before its options apply: the CLI's defaults (what `docker service
    create` sends for a flag not given), in docker-py's types."""
    from docker.types import (
        ContainerSpec,
        DNSConfig,
        EndpointSpec,
        Placement,
        Resources,
        RestartPolicy,
        RollbackConfig,
        TaskTemplate,
        UpdateConfig,
    )

    if not image:
        raise InvalidInput("service create needs an IMAGE")
    container = ContainerSpec(tagged(image), args=list(command) or None, init=False, stop_grace_period=10 * SECOND,
                              dns_config=DNSConfig())
    container["Isolation"] = "default"
    resources = Resources()
    resources.update(Limits={}, Reservations={})
    template = TaskTemplate(container, resources=resources,
                            restart_policy=RestartPolicy(condition="any", delay=5 * SECOND, max_attempts=0))
    template["RestartPolicy"].pop("Window", None)  # the CLI leaves it to the engine
    template["Placement"] = Placement()  # empty, as the CLI sends it (docker-py drops an empty one)
    spec = {"Name": name or "", "Labels": {}, "TaskTemplate": template, "Mode": service_mode("replicated"),
            "EndpointSpec": EndpointSpec(mode="vip")}
    flow = {"parallelism": 1, "failure_action": "pause", "monitor": 5 * SECOND, "max_failure_ratio": 0,
            "order": "stop-first"}
    spec["UpdateConfig"], spec["RollbackConfig"] = UpdateConfig(**flow), RollbackConfig(**flow)
    return spec


def tagged(image: str) -> str:
    """The image as the CLI records it when no registry pins its digest: with its tag (`:latest`)."""
    last = image.rsplit("/", 1)[-1]
    return image if "@" in image or ":" in last else f"{image}:latest"


def apply(spec: dict, options: dict, resolve=None, creating: bool = True) -> dict:
    """`spec` (the Engine API's ServiceSpec JSON) with `options` applied; a copy, the original kept.

    `resolve(kind, name)` gives the engine's id of a secret, config or network (`kind` one of
    those words); without it names are kept as given."""
    spec = copy.deepcopy(spec)
    o = {k: v for k, v in options.items() if v is not None and v is not False and not (isinstance(v, (list, tuple)) and not v)}
    resolve = resolve or (lambda kind, name: name)
    template = spec.setdefault("TaskTemplate", {})
    container = template.setdefault("ContainerSpec", {})
    if "name" in o:
        spec["Name"] = check_name(o["name"])
    _mode(spec, o, creating)
    if o.get("no_healthcheck") == EXPLICIT_FALSE:  # the image's HEALTHCHECK back, as the CLI's update does
        del o["no_healthcheck"]
        if (container.get("Healthcheck") or {}).get("Test") == ["NONE"]:
            container["Healthcheck"] = {k: v for k, v in container["Healthcheck"].items() if k != "Test"}
    _container(container, o, creating)
    service_runtime.capabilities(container, o, creating)
    service_runtime.ulimits(container, o)
    service_runtime.newer(container, o)
    _resources(template, o)
    service_runtime.generic_resources(template, o)
    _restart(template, o)
    for kind in ("update", "rollback"):
        _flow(spec, kind, o)
    _placement(template, o)
    _endpoint(spec, o)
    _references(container, o, resolve)
    service_runtime.credentials(container, o, resolve)
    _networks(template, o, resolve)
    _lists(spec, container, o)
    _log_driver(template, o)
    if o.get("force"):
        template["ForceUpdate"] = int(template.get("ForceUpdate") or 0) + 1
    return clean(spec)


def _log_driver(template: dict, o: dict) -> None:
    """`--log-driver` with its `--log-opt`s (on update they replace the driver's options, as the
    CLI's do); `--log-opt` alone adds to the service's own driver's options."""
    opts = pairs.option_map(o.get("log_opt"), "--log-opt") if o.get("log_opt") else {}
    if o.get("log_driver"):
        template["LogDriver"] = {"Name": o["log_driver"], "Options": opts}
    elif opts:
        driver = template.get("LogDriver") or {}
        if not driver.get("Name"):
            raise InvalidInput("--log-opt needs --log-driver: the options are the driver's (the docker CLI sends "
                               "none without it)")
        template["LogDriver"] = {**driver, "Options": {**(driver.get("Options") or {}), **opts}}


def clean(value):
    """The spec without docker-py's unset (None) fields, as the CLI's JSON omits them."""
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [clean(v) for v in value]
    return value


def check_name(name: str) -> str:
    import re

    if not re.fullmatch(r"[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?", name or ""):
        raise InvalidInput(f"--name {name!r}: a service name is 1 to 63 letters, digits and dashes, "
                           "not starting or ending with a dash")
    return name


# -- the parts ---------------------------------------------------------------------------------
def duration(text, option: str) -> int:
    """Go's time.ParseDuration, which the CLI reads every service duration with (`0` alone too)."""
    text = str(text)
    return 0 if text in ("0", "-0", "+0") else run_values.to_nanoseconds(text, option)


def nano_cpus(text, option: str) -> int:
    """The CLI's NanoCPUs: a decimal number of CPUs, at most nine decimals."""
    from decimal import Decimal, InvalidOperation

    try:
        value = Decimal(str(text)) * SECOND
    except InvalidOperation:
        raise InvalidInput(f"{option} {text!r}: a number of CPUs, e.g. 0.5") from None
    if value != value.to_integral_value() or value < 0:
        raise InvalidInput(f"{option} {text!r}: value is too precise (at most 9 decimals) or negative")
    return int(value)


def _count(text, option: str) -> int:
    value = run_values.whole(text, option)
    if value < 0:
        raise InvalidInput(f"{option} {text!r}: a whole number from 0")
    return value


def service_mode(mode: str) -> dict:
    """docker-py's `ServiceMode`, keyed as the engine answers (`Replicated`), so a spec read back
    and a spec made here are read alike."""
    from docker.types import ServiceMode

    if mode not in ("replicated", "global"):
        job = " (dockermagic does not run jobs: its convergence watch follows long-running tasks; the docker " \
              "CLI makes them)" if mode in ("replicated-job", "global-job") else ""
        raise InvalidInput(f"--mode {mode!r}: replicated or global{job}")
    return {key.capitalize(): value for key, value in ServiceMode(mode, 1 if mode == "replicated" else None).items()}


def _mode(spec: dict, o: dict, creating: bool) -> None:
    if "max_concurrent" in o:
        raise InvalidInput("--max-concurrent is for --mode replicated-job, and dockermagic does not run jobs (its "
                           "convergence watch follows long-running tasks): make a job with the docker CLI")
    mode = o.get("mode")
    if mode is not None:
        spec["Mode"] = service_mode(mode)
    if "replicas" in o:
        replicas = _count(o["replicas"], "--replicas")
        if "Replicated" not in spec.get("Mode", {}):
            raise InvalidInput("--replicas can only be used with replicated mode")
        spec["Mode"]["Replicated"]["Replicas"] = replicas


def _container(c: dict, o: dict, creating: bool) -> None:
    from docker.types import DNSConfig, Healthcheck

    if "image" in o:
        c["Image"] = o["image"]
    if "args" in o:
        c["Args"] = shlex.split(o["args"])
    if "entrypoint" in o:
        c["Command"] = shlex.split(o["entrypoint"])
    for name, key in (("workdir", "Dir"), ("user", "User"), ("hostname", "Hostname"), ("stop_signal", "StopSignal"),
                      ("isolation", "Isolation")):
        if name in o:
            c[key] = o[name]
    for name, key in (("init", "Init"), ("read_only", "ReadOnly"), ("tty", "TTY")):
        if name in o:
            c[key] = o[name] is True
    if "stop_grace_period" in o:
        c["StopGracePeriod"] = duration(o["stop_grace_period"], "--stop-grace-period")
    if "env" in o or "env_file" in o:
        c["Env"] = _one_per_key(parse_env(o.get("env"), o.get("env_file")))
    if "container_label" in o:
        c["Labels"] = pairs.label_map(o["container_label"], "--container-label")
    if "mount" in o:
        c["Mounts"] = [mount(m) for m in o["mount"]]
    if "group" in o:
        c["Groups"] = list(o["group"])
    if "host" in o:
        c["Hosts"] = [_host(h) for h in o["host"]]
    if "sysctl" in o:
        c["Sysctls"] = pairs.option_map(o["sysctl"], "--sysctl")
    if any(k in o for k in ("dns", "dns_search", "dns_option")):
        c["DNSConfig"] = DNSConfig(nameservers=o.get("dns"), search=o.get("dns_search"), options=o.get("dns_option"))
    health = run_values.healthcheck(o)
    if health is not None:
        if o.get("no_healthcheck") and any(o.get("health_" + k) for k in ("cmd", "interval", "timeout", "retries", "start_period")):
            raise InvalidInput("--no-healthcheck conflicts with --health-* options")
        current = {} if o.get("no_healthcheck") or (c.get("Healthcheck") or {}).get("Test") == ["NONE"] else dict(c.get("Healthcheck") or {})
        current.update(health)
        c["Healthcheck"] = Healthcheck(test=current.get("Test"), interval=current.get("Interval"),
                                       timeout=current.get("Timeout"), retries=current.get("Retries"),
                                       start_period=current.get("StartPeriod"))


def _one_per_key(env: list[str]) -> list[str]:
    """The CLI's service environment: a later KEY=VALUE replaces an earlier one of its key (the
    env files first, then -e), where `docker run` would send both."""
    out: list[str] = []
    for item in env:
        key = item.partition("=")[0]
        out = [had for had in out if had == item or not had.startswith(key + "=")]
        out.append(item)
    return out


def _host(text: str) -> str:
    """`--host name:ip` as the engine keeps it in a service: `ip name` (an /etc/hosts line)."""
    host, _, ip = run_values.host_ip(text).rpartition(":")
    return f"{ip} {host}"


def mount(text: str) -> dict:
    """`--mount` as the CLI reads it for a service: every key it knows honoured, others refused."""
    from docker.types import Mount

    f = pairs.fields(text, "--mount", "KEY=VALUE pairs, e.g. type=volume,source=data,target=/data",
                     flags=("readonly", "ro", "volume-nocopy"))
    kind = f.pop("type", "volume")
    target = f.pop("target", None) or f.pop("destination", None) or f.pop("dst", None)
    source = f.pop("source", None) or f.pop("src", None)
    truth = ("1", "true", "yes", "")
    readonly = f.pop("readonly", f.pop("ro", "false")).lower() in truth
    if kind not in ("volume", "bind", "tmpfs"):
        raise InvalidInput(f"--mount {text!r}: type must be volume, bind or tmpfs, not {kind!r}")
    if not target:
        raise InvalidInput(f"--mount {text!r}: target is required")
    if kind == "bind" and not source:
        raise InvalidInput(f"--mount {text!r}: a bind mount needs source=/HOST/PATH")
    labels = pairs.label_map([v for k, v in list(f.items()) if k == "volume-label"], "--mount volume-label")
    size = f.pop("tmpfs-size", None)
    made = Mount(target, source, type=kind, read_only=readonly, consistency=f.pop("consistency", None),
                 propagation=f.pop("bind-propagation", None), no_copy=f.pop("volume-nocopy", "false").lower() in truth,
                 labels=labels or None, driver_config=None,
                 tmpfs_size=run_values.to_bytes(size, "--mount tmpfs-size") if size else None,
                 tmpfs_mode=int(f.pop("tmpfs-mode"), 8) if "tmpfs-mode" in f else None)
    f.pop("volume-label", None)
    driver, opt = f.pop("volume-driver", None), f.pop("volume-opt", None)
    if driver or opt:
        made.setdefault("VolumeOptions", {})["DriverConfig"] = {"Name": driver or "local",
                                                                "Options": pairs.option_map([opt] if opt else [], "--mount volume-opt")}
    if f:
        raise InvalidInput(f"--mount {text!r}: unknown key {sorted(f)[0]!r}")
    return made


def _resources(template: dict, o: dict) -> None:
    resources = template.get("Resources") or {}
    for prefix, key in (("limit", "Limits"), ("reserve", "Reservations")):
        part = dict(resources.get(key) or {})
        if f"{prefix}_cpu" in o:
            part["NanoCPUs"] = nano_cpus(o[f"{prefix}_cpu"], f"--{prefix}-cpu")
        if f"{prefix}_memory" in o:
            part["MemoryBytes"] = run_values.to_bytes(o[f"{prefix}_memory"], f"--{prefix}-memory")
        if prefix == "limit" and "limit_pids" in o:
            part["Pids"] = _count(o["limit_pids"], "--limit-pids")
        if part:
            resources[key] = part
    if resources:
        template["Resources"] = resources


def _restart(template: dict, o: dict) -> None:
    policy = dict(template.get("RestartPolicy") or {})
    if "restart_condition" in o:
        if o["restart_condition"] not in ("none", "on-failure", "any"):
            raise InvalidInput(f"--restart-condition {o['restart_condition']!r}: none, on-failure or any")
        policy["Condition"] = o["restart_condition"]
    for name, key in (("restart_delay", "Delay"), ("restart_window", "Window")):
        if name in o:
            policy[key] = duration(o[name], "--" + name.replace("_", "-"))
    if "restart_max_attempts" in o:
        policy["MaxAttempts"] = _count(o["restart_max_attempts"], "--restart-max-attempts")
    if policy:
        template["RestartPolicy"] = policy


def _flow(spec: dict, kind: str, o: dict) -> None:
    """--update-* or --rollback-*: UpdateConfig / RollbackConfig."""
    key = "UpdateConfig" if kind == "update" else "RollbackConfig"
    given = {name: o[f"{kind}_{name}"] for name in ("parallelism", "delay", "failure_action", "monitor",
                                                   "max_failure_ratio", "order") if f"{kind}_{name}" in o}
    if not given:
        return
    config = dict(spec.get(key) or FLOW_DEFAULTS)
    flag = f"--{kind}-"
    if "parallelism" in given:
        config["Parallelism"] = _count(given["parallelism"], flag + "parallelism")
    for name, field in (("delay", "Delay"), ("monitor", "Monitor")):
        if name in given:
            config[field] = duration(given[name], flag + name)
    if "failure_action" in given:
        actions = ("pause", "continue", "rollback") if kind == "update" else ("pause", "continue")
        if given["failure_action"] not in actions:
            raise InvalidInput(f"{flag}failure-action {given['failure_action']!r}: {', '.join(actions)}")
        config["FailureAction"] = given["failure_action"]
    if "max_failure_ratio" in given:
        try:
            ratio = float(given["max_failure_ratio"])
        except ValueError:
            ratio = -1.0
        if not 0 <= ratio <= 1:
            raise InvalidInput(f"{flag}max-failure-ratio {given['max_failure_ratio']!r}: a number from 0 to 1")
        config["MaxFailureRatio"] = ratio
    if "order" in given:
        if given["order"] not in ("start-first", "stop-first"):
            raise InvalidInput(f"{flag}order {given['order']!r}: start-first or stop-first")
        config["Order"] = given["order"]
    spec[key] = config


def _preference(text: str) -> dict:
    from docker.types import PlacementPreference

    strategy, sep, descriptor = text.partition("=")
    if not sep or strategy != "spread" or not descriptor:
        raise InvalidInput(f"--placement-pref {text!r}: spread=DESCRIPTOR, e.g. spread=node.labels.zone")
    return PlacementPreference("spread", descriptor)


def _placement(template: dict, o: dict) -> None:
    placement = dict(template.get("Placement") or {})
    constraints = list(placement.get("Constraints") or [])
    if "constraint" in o:
        constraints = list(o["constraint"])
    if "constraint_add" in o or "constraint_rm" in o:  # the CLI's update sorts them
        constraints = sorted(c for c in constraints + list(o.get("constraint_add") or [])
                             if c not in (o.get("constraint_rm") or []))
    for text in constraints:
        if not any(op in text for op in ("==", "!=")):
            raise InvalidInput(f"--constraint {text!r}: an expression with == or !=, e.g. node.role==worker")
    preferences = list(placement.get("Preferences") or [])
    if "placement_pref" in o:
        preferences = [_preference(p) for p in o["placement_pref"]]
    removed = [_preference(p) for p in o.get("placement_pref_rm") or []]
    preferences = [p for p in preferences if p not in removed] + [_preference(p) for p in o.get("placement_pref_add") or []]
    placement["Constraints"], placement["Preferences"] = constraints or None, preferences or None
    if "replicas_max_per_node" in o:
        placement["MaxReplicas"] = _count(o["replicas_max_per_node"], "--replicas-max-per-node")
    placement = {k: v for k, v in placement.items() if v is not None}
    if placement or "Placement" in template:
        template["Placement"] = placement


def port(text: str) -> list[dict]:
    """`-p` for a service: `[PUBLISHED:]TARGET[/PROTO]` (ranges too) or the long form's fields."""
    if "=" in text:
        f = pairs.fields(text, "--publish", "published=,target=,protocol=,mode=")
        unknown = set(f) - {"published", "target", "protocol", "mode"}
        if unknown or "target" not in f:
            raise InvalidInput(f"--publish {text!r}: " + (f"unknown key {sorted(unknown)[0]!r}" if unknown
                                                         else "target is required"))
        entry = {"Protocol": f.get("protocol", "tcp"), "TargetPort": _port_number(f["target"], text),
                 "PublishMode": f.get("mode", "ingress")}
        if f.get("published"):
            entry["PublishedPort"] = _port_number(f["published"], text)
        if entry["Protocol"] not in ("tcp", "udp", "sctp") or entry["PublishMode"] not in ("ingress", "host"):
            raise InvalidInput(f"--publish {text!r}: protocol tcp, udp or sctp; mode ingress or host")
        return [entry]
    out = []
    for container, host in parse_publish(text):
        if host["HostIp"]:
            raise InvalidInput(f"--publish {text!r}: a service publishes on every node; no host IP")
        number, _, proto = container.partition("/")
        entry = {"Protocol": proto, "TargetPort": int(number), "PublishMode": "ingress"}
        if host["HostPort"]:
            entry["PublishedPort"] = int(host["HostPort"])
        out.append(entry)
    return out


def _port_number(text: str, spec: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise InvalidInput(f"--publish {spec!r}: {text!r} is not a port")
    return int(text)


def _endpoint(spec: dict, o: dict) -> None:
    from docker.types import EndpointSpec

    if not any(k in o for k in ("publish", "publish_add", "publish_rm", "endpoint_mode")):
        return
    current = spec.get("EndpointSpec") or {}
    ports = list(current.get("Ports") or [])
    if "publish" in o:
        ports = [p for text in o["publish"] for p in port(text)]
    if "publish_add" in o or "publish_rm" in o:
        ports = _updated_ports(ports, o)
    mode = o.get("endpoint_mode", current.get("Mode"))
    if mode not in (None, "vip", "dnsrr"):
        raise InvalidInput(f"--endpoint-mode {mode!r}: vip or dnsrr")
    if mode == "dnsrr" and any(p.get("PublishMode", "ingress") == "ingress" for p in ports):
        raise InvalidInput("--endpoint-mode dnsrr publishes ports only with mode=host (the routing mesh needs vip)")
    spec["EndpointSpec"] = EndpointSpec(mode=mode, ports=ports or None)


def _port_key(p: dict) -> str:
    """The CLI's key of a published port: `PUBLISHED:TARGET/PROTO/MODE` (it also sorts by it)."""
    return f"{p.get('PublishedPort', 0)}:{p.get('TargetPort', 0)}/{p.get('Protocol') or 'tcp'}/" \
           f"{p.get('PublishMode') or 'ingress'}"


def _updated_ports(ports: list, o: dict) -> list:
    """`--publish-rm` (by target port, protocol and mode; `80` is 80/tcp in ingress mode) and
    `--publish-add` (a port already there as given is kept once), sorted as the CLI sorts them."""
    gone = [p for text in o.get("publish_rm") or () for p in port(text)]
    kept = [p for p in ports if not any(p.get("TargetPort") == g["TargetPort"] and (p.get("Protocol") or "tcp") ==
                                        g["Protocol"] and (p.get("PublishMode") or "ingress") == g["PublishMode"]
                                        for g in gone)]
    had = {_port_key(p) for p in ports}
    added = [p for text in o.get("publish_add") or () for p in port(text) if _port_key(p) not in had]
    return sorted(kept + added, key=_port_key)


def _reference(text: str, kind: str, resolve) -> dict:
    from docker.types import ConfigReference, SecretReference

    option = f"--{kind}"
    f = pairs.fields(text, option, "NAME or source=,target=,uid=,gid=,mode=") if "=" in text else {"source": text}
    unknown = set(f) - {"source", "src", "target", "uid", "gid", "mode"}
    source = f.get("source") or f.get("src")
    if unknown or not source:
        raise InvalidInput(f"{option} {text!r}: " + (f"unknown key {sorted(unknown)[0]!r}" if unknown else "source is required"))
    try:
        mode = int(f["mode"], 8) if "mode" in f else 0o444
    except ValueError:
        raise InvalidInput(f"{option} {text!r}: mode is an octal number, e.g. 0400") from None
    make = SecretReference if kind == "secret" else ConfigReference
    return make(resolve(kind, source), source, filename=f.get("target") or source, uid=f.get("uid"), gid=f.get("gid"),
                mode=mode)


def _references(c: dict, o: dict, resolve) -> None:
    for kind, key in (("secret", "Secrets"), ("config", "Configs")):
        if not any(k in o for k in (kind, f"{kind}_add", f"{kind}_rm")):
            continue
        refs = list(c.get(key) or [])
        if kind in o:
            refs = [_reference(t, kind, resolve) for t in o[kind]]
        gone = set(o.get(f"{kind}_rm") or ())
        refs = [r for r in refs if r.get("SecretName", r.get("ConfigName")) not in gone]
        added = [_reference(t, kind, resolve) for t in o.get(f"{kind}_add") or ()]
        targets = {r["File"]["Name"] for r in added}
        c[key] = [r for r in refs if r.get("File", {}).get("Name") not in targets] + added


def _attachment(text: str, resolve) -> dict:
    from docker.types import NetworkAttachmentConfig

    if "=" not in text:
        return NetworkAttachmentConfig(resolve("network", text))
    f = pairs.fields(text, "--network", "NAME or name=,alias=,driver-opt=")
    name = f.pop("name", None) or f.pop("target", None)
    aliases = [f.pop("alias")] if "alias" in f else None
    opts = pairs.option_map([f.pop("driver-opt")], "--network driver-opt") if "driver-opt" in f else None
    if not name or f:
        raise InvalidInput(f"--network {text!r}: NAME, or name=NAME[,alias=ALIAS][,driver-opt=K=V]")
    return NetworkAttachmentConfig(resolve("network", name), aliases=aliases, options=opts)


def _networks(template: dict, o: dict, resolve) -> None:
    if not any(k in o for k in ("network", "network_add", "network_rm")):
        return
    nets = list(template.get("Networks") or [])
    if "network" in o:
        nets = [_attachment(t, resolve) for t in o["network"]]
    gone = {resolve("network", n) for n in o.get("network_rm") or ()}
    nets = [n for n in nets if n.get("Target") not in gone]
    for text in o.get("network_add") or ():
        made = _attachment(text, resolve)
        if any(n.get("Target") == made["Target"] for n in nets):
            raise InvalidInput(f"--network-add {text}: service is already attached to network {text}")
        nets.append(made)
    template["Networks"] = sorted(nets, key=lambda n: n.get("Target", "")) or None  # by id, as the CLI sends them


def _env_key(item: str) -> str:
    return item.partition("=")[0]


def _lists(spec: dict, c: dict, o: dict) -> None:
    """The create options that set a map or a list, and update's --X-add / --X-rm of each."""
    if "label" in o:
        spec["Labels"] = pairs.label_map(o["label"])
    if "label_add" in o or "label_rm" in o:
        labels = {k: v for k, v in (spec.get("Labels") or {}).items() if k not in (o.get("label_rm") or ())}
        spec["Labels"] = {**labels, **pairs.label_map(o.get("label_add"), "--label-add")}
    if "container_label_add" in o or "container_label_rm" in o:
        labels = {k: v for k, v in (c.get("Labels") or {}).items() if k not in (o.get("container_label_rm") or ())}
        c["Labels"] = {**labels, **pairs.label_map(o.get("container_label_add"), "--container-label-add")}
    if "env_add" in o or "env_rm" in o:
        added = pairs.env_list(o.get("env_add"), "--env-add")
        drop = set(o.get("env_rm") or ()) | {_env_key(e) for e in added}
        c["Env"] = [e for e in c.get("Env") or [] if _env_key(e) not in drop] + added
    if "sysctl_add" in o or "sysctl_rm" in o:
        gone = {item.partition("=")[0] for item in o.get("sysctl_rm") or ()}
        kept = {k: v for k, v in (c.get("Sysctls") or {}).items() if k not in gone}
        c["Sysctls"] = {**kept, **pairs.option_map(o.get("sysctl_add"), "--sysctl-add")}
    if "group_add" in o or "group_rm" in o:  # the CLI's update appends, removes, then sorts
        c["Groups"] = sorted(g for g in list(c.get("Groups") or []) + list(o.get("group_add") or ())
                             if g not in (o.get("group_rm") or ()))
    if "host_add" in o or "host_rm" in o:
        kept = _hosts_without(c.get("Hosts") or [], o.get("host_rm") or ())
        c["Hosts"] = list(dict.fromkeys(kept + [_host(h) for h in o.get("host_add") or ()]))
    if "mount_add" in o or "mount_rm" in o:
        added = [mount(m) for m in o.get("mount_add") or ()]
        if len({m["Target"] for m in added}) < len(added):
            raise InvalidInput("--mount-add: duplicate mount target")
        gone = set(o.get("mount_rm") or ()) | {m["Target"] for m in added}
        mounts = [m for m in c.get("Mounts") or [] if m.get("Target") not in gone] + added
        c["Mounts"] = sorted(mounts, key=lambda m: (m.get("Source") or "", m.get("Target") or ""))  # the CLI's order
    if any(f"{n}_{s}" in o for n in ("dns", "dns_search", "dns_option") for s in ("add", "rm")):
        dns = dict(c.get("DNSConfig") or {})
        for name, key in (("dns", "Nameservers"), ("dns_search", "Search"), ("dns_option", "Options")):
            merged = dict.fromkeys(list(dns.get(key) or []) + list(o.get(f"{name}_add") or ()))
            dns[key] = sorted(v for v in merged if v not in (o.get(f"{name}_rm") or ()))
        c["DNSConfig"] = {k: v for k, v in dns.items() if v}


def _hosts_without(entries, removed) -> list[str]:
    """`--host-rm NAME` takes NAME out of every `IP NAME [ALIAS...]` entry, `--host-rm NAME:IP` out
    of that IP's only; an entry left with no name goes (the CLI's `updateHosts`)."""
    out = []
    for entry in entries:
        ip, *names = entry.split() or [""]
        for text in removed:
            host, _, want_ip = text.partition(":")
            if not want_ip or want_ip == ip:
                names = [n for n in names if n != host]
        if names:
            out.append(f"{ip} {' '.join(names)}")
    return out
