"""`%docker_network create|ls|inspect|connect|disconnect|rm|prune`: user networks, with the docker
CLI's options."""

from __future__ import annotations

from IPython.core.magic import line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments

from ..errors import InvalidInput
from ..opts import pairs
from .args import parse_words, split, subcommand_parser, usages
from .base import MagicsArea, reports_errors

PRUNE_WARNING = "WARNING! This will remove all custom networks not used by at least one container."


def _parser(prog: str, *arguments):
    return subcommand_parser(f"%docker_network {prog}", *arguments)


_FORMAT = (("-f", "--format"), {"default": "", "metavar": "FORMAT",
                                "help": "Go template, as the docker CLI's: 'table {{.Name}}\\t{{.Driver}}', '{{json .}}', 'json'."})
_FILTER = (("-f", "--filter"), {"action": "append", "default": [], "metavar": "KEY=VALUE",
                                "help": "Filter (driver=, name=, id=, label=, scope=, type=custom|builtin, dangling=true); repeatable."})
_LIST = {"action": "append", "default": []}

SUBCOMMANDS = {
    "create": _parser(
        "create",
        (("name",), {"metavar": "NETWORK", "help": "Name of the new network."}),
        (("-d", "--driver"), {"default": "bridge", "help": "Driver to manage the network (default bridge)."}),
        (("--subnet",), {**_LIST, "help": "Subnet in CIDR format, e.g. 172.28.0.0/16; repeatable."}),
        (("--gateway",), {**_LIST, "help": "Gateway for a subnet (IPv4 or IPv6); repeatable."}),
        (("--ip-range",), {**_LIST, "help": "Allocate container addresses from a sub-range of a subnet; repeatable."}),
        (("--aux-address",), {**_LIST, "metavar": "HOST=IP", "help": "Address the IPAM driver must not give out; repeatable."}),
        (("--internal",), {"action": "store_true", "help": "Restrict external access to the network."}),
        (("--attachable",), {"action": "store_true", "help": "Let standalone containers attach (overlay networks)."}),
        (("--ipv6",), {"action": "store_true", "help": "Enable IPv6 networking."}),
        (("-o", "--opt"), {**_LIST, "metavar": "KEY=VALUE", "help": "Driver specific option; repeatable."}),
        (("--label",), {**_LIST, "metavar": "KEY=VALUE", "help": "Metadata on the network; repeatable."}),
        (("--ipam-driver",), {"default": None, "help": "IP address management driver (default: default)."}),
        (("--ipam-opt",), {**_LIST, "metavar": "KEY=VALUE", "help": "IPAM driver option; repeatable."}),
        (("--scope",), {"default": None, "help": "Network scope: only local here (swarm scope needs a swarm)."}),
        (("--ingress",), {"action": "store_true", "help": "Swarm routing-mesh network: refused here (needs a swarm)."}),
        (("--config-only", "--config-from"), {"default": None, "nargs": "?", "const": "", "help": "Swarm network configs: refused here."}),
    ),
    "ls": _parser(
        "ls", _FILTER, (("--format",), _FORMAT[1]),
        (("-q", "--quiet"), {"action": "store_true", "help": "Only display network IDs."}),
        (("--no-trunc",), {"action": "store_true", "help": "Do not truncate the output."}),
    ),
    "inspect": _parser(
        "inspect", _FORMAT,
        (("names",), {"nargs": "+", "metavar": "NETWORK", "help": "Networks to inspect."}),
        (("-v", "--verbose"), {"action": "store_true", "help": "Verbose output (the engine's own detail level)."}),
    ),
    "connect": _parser(
        "connect",
        (("network",), {"metavar": "NETWORK"}), (("container",), {"metavar": "CONTAINER"}),
        (("--alias",), {**_LIST, "help": "Network-scoped alias for the container; repeatable."}),
        (("--ip",), {"default": None, "help": "IPv4 address (e.g. 172.30.100.104)."}),
        (("--ip6",), {"default": None, "help": "IPv6 address (e.g. 2001:db8::33)."}),
        (("--link",), {**_LIST, "metavar": "CONTAINER[:ALIAS]", "help": "Link to another container; repeatable."}),
        (("--link-local-ip",), {**_LIST, "help": "Link-local address for the container; repeatable."}),
        (("--driver-opt",), {**_LIST, "metavar": "KEY=VALUE", "help": "Driver options for the network; repeatable."}),
    ),
    "disconnect": _parser(
        "disconnect",
        (("network",), {"metavar": "NETWORK"}), (("container",), {"metavar": "CONTAINER"}),
        (("-f", "--force"), {"action": "store_true", "help": "Force the container to disconnect."}),
    ),
    "rm": _parser(
        "rm", (("names",), {"nargs": "+", "metavar": "NETWORK"}),
        (("-f", "--force"), {"action": "store_true", "help": "Do not error if a network does not exist."}),
    ),
    "prune": _parser(
        "prune",
        (("-f", "--force"), {"action": "store_true", "help": "Do not prompt for confirmation."}),
        (("--filter",), {"action": "append", "default": [], "metavar": "KEY=VALUE", "help": "Filter (until=24h, label=KEY[=VALUE], label!=...)."}),
    ),
}
SUBCOMMANDS["remove"] = SUBCOMMANDS["rm"]
SUBCOMMANDS["list"] = SUBCOMMANDS["ls"]


def parse(line: str):
    """(subcommand, its argparse namespace): the line checked, nothing sent."""
    words = split(line)
    if not words or words[0] not in SUBCOMMANDS:
        got = f"'docker network {words[0]}' is not a network subcommand; " if words else ""
        raise InvalidInput(f"{got}use %docker_network create|ls|inspect|connect|disconnect|rm|prune")
    sub = {"remove": "rm", "list": "ls"}.get(words[0], words[0])
    return sub, parse_words(SUBCOMMANDS[sub], words[1:])


@magics_class
class NetworkMagics(MagicsArea):
    @line_magic
    @reports_errors
    @magic_arguments()
    @argument("subcommand", metavar="SUBCOMMAND",
              help="create NETWORK [-d DRIVER] [--subnet CIDR] [--gateway IP] [--ip-range CIDR] [--internal] [--ipv6] [-o K=V] [--label K=V] | "
                   "ls [-f FILTER] [--format F] [-q] [--no-trunc] | inspect [-f FORMAT] NETWORK... | "
                   "connect [--alias A] [--ip IP] NETWORK CONTAINER | disconnect [-f] NETWORK CONTAINER | rm NETWORK... | prune [-f] [--filter F]")
    @argument("rest", nargs="*", help="The subcommand's arguments (a bad option prints that subcommand's usage).")
    def docker_network(self, line):
        """User networks, as `docker network` manages them.  Containers on one user network reach
        each other by name and by alias.

            %docker_network create --subnet 172.28.0.0/16 backend
            %docker_network connect --alias db backend my-postgres
            %docker_network inspect backend           the containers on it and their addresses
            %docker_network ls --format '{{.Name}}: {{.Driver}}'
            %docker_network rm backend
            %docker_network prune -f

        Returns a `Network` (create, inspect), a `NetworkList` (ls), a `NetworkChange` (connect,
        disconnect, rm), a `Pruned` (prune), or a `Formatted` (--format, -q).
        """
        sub, args = parse(line)
        return getattr(self, f"_{sub}")(args, self.engine())

    def _create(self, args, engine):
        from ..resources import networks

        if args.ingress or args.config_only is not None or args.scope not in (None, "local"):
            raise InvalidInput("--ingress, --scope swarm and --config-only/--config-from need a swarm; "
                               "dockermagic drives one engine, not a swarm")
        return networks.create(
            engine, args.name, driver=args.driver, subnets=args.subnet, gateways=args.gateway, ip_ranges=args.ip_range,
            aux=pairs.option_map(args.aux_address, "--aux-address"), internal=args.internal,
            attachable=args.attachable, ipv6=args.ipv6, options=pairs.option_map(args.opt, "--opt"),
            labels=pairs.label_map(args.label), ipam_driver=args.ipam_driver,
            ipam_options=pairs.option_map(args.ipam_opt, "--ipam-opt"),
        )

    def _ls(self, args, engine):
        from ..gotemplate import formats
        from ..resources import networks

        formats.check_listing(args.format)
        listing = networks.list_networks(engine, pairs.filter_map(args.filter, "--filter", "driver=bridge"), no_trunc=args.no_trunc)
        if args.quiet and not args.format:
            return formats.Formatted("".join(r.ID + "\n" for r in listing.rows))
        if args.format:
            return formats.Formatted(formats.listing(args.format, listing.rows, networks.LS_HEADER, networks.LS_TABLE,
                                                     quiet=args.quiet))
        return listing

    def _inspect(self, args, engine):
        from ..gotemplate import formats
        from ..resources import networks

        if args.format and args.format != "json":
            formats.parse(args.format)  # a bad template fails before anything is asked
        raws = networks.inspect_raw(engine, args.names, verbose=args.verbose)
        if args.format:
            return formats.Formatted(formats.inspect(args.format, raws))
        found = [networks.from_raw(engine, raw) for raw in raws]
        return found[0] if len(found) == 1 else found

    def _connect(self, args, engine):
        from ..resources import networks

        return networks.connect(engine, args.network, args.container, aliases=args.alias, ip=args.ip, ip6=args.ip6,
                                links=args.link, link_local_ips=args.link_local_ip,
                                driver_opts=pairs.option_map(args.driver_opt, "--driver-opt"))

    def _disconnect(self, args, engine):
        from ..resources import networks

        return networks.disconnect(engine, args.network, args.container, force=args.force)

    def _rm(self, args, engine):
        from ..resources import networks

        return networks.remove(engine, args.names, force=args.force)

    def _prune(self, args, engine):
        from ..resources import system
        from .prompt import confirm

        filters = pairs.filter_map(args.filter, "--filter", "driver=bridge")
        if not args.force and not confirm(PRUNE_WARNING, "docker network prune"):
            return None
        return system.prune(engine, "network", filters)


NetworkMagics.docker_network.__doc__ += usages(SUBCOMMANDS)
