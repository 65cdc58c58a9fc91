"""The options of `%docker swarm|node|secret|config SUBCOMMAND`, spelled as the docker CLI spells
them; `parse(command, line)` reads a line into (subcommand, namespace) and sends nothing."""

from __future__ import annotations

from ...errors import InvalidInput
from ..args import parse_words, split, subcommand_parser

_LIST = {"action": "append", "default": []}
_QUIET = (("-q", "--quiet"), {"action": "store_true", "help": "Only display the token / key / IDs."})
_INSPECT_FORMAT = (("-f", "--format"), {"default": "", "metavar": "FORMAT",
                                        "help": "Go template ('{{.Spec.Name}}'), json, or pretty."})
_LS_FORMAT = (("--format",), {"default": "", "metavar": "FORMAT",
                              "help": "Go template, as the CLI's: 'table {{.ID}}\\t{{.Name}}', '{{json .}}', 'json'."})
_PRETTY = (("--pretty",), {"action": "store_true", "help": "Print the information in a human friendly format."})


def _bool(text: str) -> bool:
    if text.lower() in ("1", "t", "true"):
        return True
    if text.lower() in ("0", "f", "false"):
        return False
    raise InvalidInput(f"invalid boolean value {text!r}: use true or false")


_AUTOLOCK = (("--autolock",), {"nargs": "?", "const": "true", "default": None, "metavar": "true|false",
                               "help": "Require an unlock key to restart a manager (--autolock=true|false)."})
_SWARM_SETTINGS = [
    (("--task-history-limit",), {"type": int, "default": None, "help": "Task history retention limit (default 5)."}),
    (("--snapshot-interval",), {"type": int, "default": None, "help": "Number of log entries between Raft snapshots."}),
    (("--max-snapshots",), {"type": int, "default": None, "help": "Number of additional Raft snapshots to retain."}),
    (("--dispatcher-heartbeat",), {"default": None, "metavar": "DURATION", "help": "Dispatcher heartbeat period (5s)."}),
    (("--cert-expiry",), {"default": None, "metavar": "DURATION", "help": "Validity period for node certificates (2160h0m0s)."}),
]
_EXTERNAL_CA = (("--external-ca",), {**_LIST, "metavar": "protocol=cfssl,url=URL[,cacert=FILE]",
                                      "help": "An external CA to sign node certificates (cfssl); repeatable."})
_CA_FILES = [
    (("--ca-cert",), {"default": None, "metavar": "PEM-FILE",
                      "help": "Path to the PEM-formatted root CA certificate to use for the new cluster."}),
    (("--ca-key",), {"default": None, "metavar": "PEM-FILE",
                     "help": "Path to the PEM-formatted root CA key to use for the new cluster."}),
]
_ADDRS = [
    (("--advertise-addr",), {"default": None, "metavar": "IP[:PORT]", "help": "Advertised address (format: <ip|interface>[:port])."}),
    (("--listen-addr",), {"default": "0.0.0.0:2377", "metavar": "IP:PORT", "help": "Listen address (default 0.0.0.0:2377)."}),
    (("--data-path-addr",), {"default": None, "help": "Address or interface to use for data path traffic."}),
    (("--availability",), {"default": "active", "choices": ["active", "pause", "drain"],
                           "help": "Availability of the node (active, pause, drain)."}),
]

SWARM = {
    "init": [*_ADDRS, *_SWARM_SETTINGS, _AUTOLOCK,
             (("--data-path-port",), {"type": int, "default": None, "help": "Port for data path traffic (default 4789)."}),
             (("--default-addr-pool",), {**_LIST, "metavar": "CIDR", "help": "Default address pool in CIDR format; repeatable."}),
             (("--default-addr-pool-mask-length",), {"type": int, "default": None, "help": "Subnet mask length for the pools (default 24)."}),
             (("--force-new-cluster",), {"action": "store_true", "help": "Force create a new cluster from current state."}),
             _EXTERNAL_CA,
             # dockermagic's: the CLI takes these on `swarm ca --rotate` only; here the swarm starts with that root
             *[(flags, {**kw, "help": kw["help"] + " (dockermagic: a root CA of one's own from the start.)"})
               for flags, kw in _CA_FILES]],
    "join": [*_ADDRS[:3], _ADDRS[3], (("--token",), {"default": "", "help": "Token for entry into the swarm."}),
             (("remote",), {"metavar": "HOST:PORT", "help": "A manager's address."})],
    "join-token": [_QUIET, (("--rotate",), {"action": "store_true", "help": "Rotate join token."}),
                   (("role",), {"metavar": "(worker|manager)", "help": "worker or manager."})],
    "leave": [(("-f", "--force"), {"action": "store_true", "help": "Force this node to leave the swarm, ignoring warnings."})],
    "update": [*_SWARM_SETTINGS, _AUTOLOCK, _EXTERNAL_CA],
    "unlock": [],
    "unlock-key": [_QUIET, (("--rotate",), {"action": "store_true", "help": "Rotate unlock key."})],
    "inspect": [_INSPECT_FORMAT],
    "ca": [(("-q", "--quiet"), {"action": "store_true", "help": "Suppress progress output (with --rotate: print nothing)."}),
           (("--rotate",), {"action": "store_true", "help": "Rotate the swarm CA (a new root, every node's certificate)."}),
           (("-d", "--detach"), {"action": "store_true", "help": "Exit immediately instead of waiting for the rotation to converge."}),
           *_CA_FILES, _SWARM_SETTINGS[4], _EXTERNAL_CA],
}

_NODES = (("nodes",), {"nargs": "+", "metavar": "NODE", "help": "Node ID, ID prefix or hostname."})
NODE = {
    "ls": [(("-f", "--filter"), {**_LIST, "metavar": "KEY=VALUE",
                                 "help": "Filter (id=, label=, node.label=, membership=, name=, role=); repeatable."}),
           _LS_FORMAT, (("-q", "--quiet"), {"action": "store_true", "help": "Only display IDs."})],
    "ps": [(("-f", "--filter"), {**_LIST, "metavar": "KEY=VALUE",
                                 "help": "Filter (desired-state=, id=, label=, name=); repeatable."}),
           _LS_FORMAT, (("-q", "--quiet"), {"action": "store_true", "help": "Only display task IDs."}),
           (("--no-trunc",), {"action": "store_true", "help": "Do not truncate output."}),
           (("--no-resolve",), {"action": "store_true", "help": "Do not map IDs to names."}),
           (("nodes",), {"nargs": "*", "metavar": "NODE", "help": "Nodes (default: self)."})],
    "inspect": [_INSPECT_FORMAT, _PRETTY, _NODES],
    "update": [(("--availability",), {"default": None, "help": "Availability of the node (active, pause, drain)."}),
               (("--role",), {"default": None, "help": "Role of the node (worker, manager)."}),
               (("--label-add",), {**_LIST, "metavar": "KEY[=VALUE]", "help": "Add or update a node label; repeatable."}),
               (("--label-rm",), {**_LIST, "metavar": "KEY", "help": "Remove a node label if it exists; repeatable."}),
               (("node",), {"metavar": "NODE"})],
    "promote": [_NODES],
    "demote": [_NODES],
    "rm": [(("-f", "--force"), {"action": "store_true", "help": "Force remove a node from the swarm."}), _NODES],
}


def _objects(kind: str, filters: str) -> dict:
    create = [(("-l", "--label"), {**_LIST, "metavar": "KEY=VALUE", "help": f"{kind.capitalize()} labels; repeatable."}),
              (("name",), {"metavar": kind.upper()}),
              (("file",), {"nargs": "?", "default": None, "metavar": "file|-",
                           "help": "The file to read the value from, or - for a prompt (stdin)."})]
    if kind == "secret":
        create.insert(0, (("-d", "--driver"), {"default": None, "help": "Secret driver."}))
    create.insert(0, (("--template-driver",), {"default": None, "help": "Template driver."}))
    refs = ((f"{kind}s",), {"nargs": "+", "metavar": kind.upper(), "help": f"{kind.capitalize()} ID or name."})
    return {
        "create": create,
        "ls": [(("-f", "--filter"), {**_LIST, "metavar": "KEY=VALUE", "help": f"Filter ({filters}); repeatable."}),
               _LS_FORMAT, (("-q", "--quiet"), {"action": "store_true", "help": "Only display IDs."})],
        "inspect": [_INSPECT_FORMAT, _PRETTY, refs],
        "rm": [refs],
    }


SECRET = _objects("secret", "id=, label=, name=, driver=")
CONFIG = _objects("config", "id=, label=, name=")
COMMANDS = {"swarm": SWARM, "node": NODE, "secret": SECRET, "config": CONFIG}
ALIASES = {"list": "ls", "remove": "rm"}

PARSERS = {command: {sub: subcommand_parser(f"%docker_{command} {sub}", *arguments) for sub, arguments in subs.items()}
           for command, subs in COMMANDS.items()}


def parse(command: str, line: str):
    """(subcommand, its namespace) of a `%docker COMMAND ...` line: checked, nothing sent."""
    words = split(line)
    subs = PARSERS[command]
    sub = ALIASES.get(words[0], words[0]) if words else None
    if sub not in subs:
        got = f"'docker {command} {words[0]}' is not a {command} subcommand; " if words else ""
        raise InvalidInput(f"{got}use %docker {command} {'|'.join(subs)}")
    return sub, parse_words(subs[sub], words[1:])


def usages(command: str) -> str:
    """Each subcommand's usage, for `%docker_COMMAND?`."""
    return "\n\nSubcommands:\n\n" + "\n\n".join(p.format_help().rstrip() for p in PARSERS[command].values())


def autolock(value) -> bool | None:
    return None if value is None else _bool(value)
