"""What the docker CLI 28 completes an argument or an option value with (its cobra
`ValidArgsFunction`s and flag completions, read side by side with `docker __complete`): the
kind of engine object each positional takes, and the fixed choices of a few options.

A kind is a string `listings.Listings` knows: `images`, `containers:<state filter>`,
`networks`, `volumes`, `contexts`, `nodes`, `services`, `stacks`, `compose-services`, or a
local one: `files`, `folders`, `platforms`, `choices:<option>`."""

from __future__ import annotations

import signal

_RUNNING = "containers:running"     # `docker ps` without -a: running, paused, restarting
_ALL = "containers:all"
_STOPPED = "containers:stopped"     # created or exited (`docker start`)
_UNPAUSED = "containers:unpaused"   # running and not paused (`exec`, `attach`, `pause`)

#: command path -> the kind of each positional, the last one repeating (None: nothing completes)
ARGUMENTS = {
    # images (the CLI's ImageNames); `pull` names an image to fetch: the local ones are the likely ones
    **{name: ["images"] for name in ("rmi", "history", "push", "pull", "save", "layers")},
    "tag": ["images", None], "run": ["images", None], "create": ["images", None],
    # containers, by state, as each command's ContainerNames filter picks them
    **{name: [_RUNNING] for name in ("stop", "kill", "top", "stats", "port", "wait", "commit", "diff")},
    **{name: [_ALL] for name in ("logs", "rename", "restart", "export", "update")},
    "inspect": [None],  # the CLI's `docker inspect` completes nothing (any kind of object is possible)
    "container inspect": [_ALL], "image inspect": ["images"],
    "rm": ["containers:removable"], "start": [_STOPPED], "exec": [_UNPAUSED, None], "attach": [_UNPAUSED],
    "pause": [_UNPAUSED], "unpause": ["containers:paused"],
    "build": ["folders"],
    # networks, volumes, contexts
    "network inspect": ["networks"], "network rm": ["networks"],
    "network connect": ["networks", "containers:not-on-network"],
    "network disconnect": ["networks", "containers:on-network"],
    "volume inspect": ["volumes"], "volume rm": ["volumes"],
    **{f"context {name}": ["contexts"] for name in ("use", "inspect", "rm", "update", "export")},
    # swarm (asked of the engine the line names with -H, as the CLI asks)
    **{f"node {name}": ["nodes"] for name in ("inspect", "ps", "rm", "update", "promote", "demote")},
    **{f"service {name}": ["services"] for name in ("inspect", "logs", "ps", "rm", "update", "rollback")},
    "service scale": ["services="],
    **{f"stack {name}": ["stacks"] for name in ("ps", "rm", "services")},
    # compose: the project's services
    **{f"compose {name}": ["compose-services"] for name in (
        "build", "config", "create", "down", "events", "images", "kill", "logs", "pause", "port", "ps", "pull",
        "push", "restart", "rm", "start", "stop", "top", "unpause", "up", "wait", "attach", "stats")},
    "compose exec": ["compose-services", None], "compose run": ["compose-services", None],
    "compose cp": [None],
}

#: option -> what its value completes with, whatever the command (an option without a value never asks)
OPTION_VALUES = {
    "--network": "networks", "--net": "networks", "--platform": "platforms",
    "--volumes-from": _ALL, "--file": "files", "--env-file": "files", "--context": "contexts",
    "--pull": "choices:--pull", "--restart": "choices:--restart", "--log-driver": "choices:--log-driver",
    "--cap-add": "choices:--cap-add", "--cap-drop": "choices:--cap-add", "--stop-signal": "choices:--stop-signal",
    "--iidfile": "files", "--cidfile": "files", "--label-file": "files", "--input": "files", "--output": "files",
    "--project-directory": "folders",
}
#: (command, option) -> kind, where an option means something of its own in one command
COMMAND_OPTION_VALUES = {("context create", "--from"): "contexts", ("network connect", "--link"): _ALL}
#: short spellings that mean a file wherever they take a value (`-f` of `ps`/`logs` is a filter or a switch)
FILE_SHORTS = {"build": {"-f"}, "compose": {"-f"}, "load": {"-i"}, "save": {"-o"}, "export": {"-o"},
               "stack deploy": {"-c"}}

#: the CLI's `commonPlatforms` (cli/command/completion/functions.go)
PLATFORMS = ("linux/386", "linux/amd64", "linux/arm", "linux/arm/v5", "linux/arm/v6", "linux/arm/v7",
             "linux/arm64", "linux/arm64/v8", "linux/ppc64le", "linux/s390x", "linux/riscv64", "windows/amd64",
             "wasip1/wasm")
_CAPABILITIES = ("CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP LINUX_IMMUTABLE "
                 "NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER SYS_MODULE SYS_RAWIO "
                 "SYS_CHROOT SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG "
                 "MKNOD LEASE AUDIT_WRITE AUDIT_CONTROL SETFCAP MAC_OVERRIDE MAC_ADMIN SYSLOG WAKE_ALARM "
                 "BLOCK_SUSPEND AUDIT_READ PERFMON BPF CHECKPOINT_RESTORE").split()


def _signals() -> tuple[str, ...]:
    """The signal names the CLI offers for --stop-signal (Linux's, without the SIG prefix)."""
    names = sorted(name[3:] for name in signal.Signals.__members__ if not name.startswith("SIGRT"))
    realtime = ["RTMIN", *(f"RTMIN+{i}" for i in range(1, 16)), *(f"RTMAX-{i}" for i in range(14, 0, -1)), "RTMAX"]
    return tuple(names + realtime)


CHOICES = {
    "--pull": ("always", "missing", "never"),
    "--restart": ("no", "always", "on-failure", "unless-stopped"),
    "--log-driver": ("awslogs", "fluentd", "gcplogs", "gelf", "journald", "json-file", "local", "logentries",
                     "splunk", "syslog", "none"),
    "--cap-add": ("ALL", *(f"CAP_{name}" for name in _CAPABILITIES)),
    "--stop-signal": _signals(),
}


def argument_kind(path: str, index: int) -> str | None:
    """The kind the `index`th positional of command `path` completes with (None: nothing)."""
    kinds = ARGUMENTS.get(path)
    if not kinds:
        return None
    return kinds[index] if index < len(kinds) else kinds[-1]


def option_kind(path: str, flags: tuple[str, ...]) -> str | None:
    """The kind an option's value completes with, by its spellings."""
    for flag in flags:
        if (path, flag) in COMMAND_OPTION_VALUES:
            return COMMAND_OPTION_VALUES[(path, flag)]
    for flag in flags:
        if flag in OPTION_VALUES:
            return OPTION_VALUES[flag]
    top = path.split()[0] if path else ""
    if set(flags) & (FILE_SHORTS.get(path, set()) | FILE_SHORTS.get(top, set())):
        return "files"
    return None
