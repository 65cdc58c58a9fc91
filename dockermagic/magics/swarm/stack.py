"""`%docker_stack deploy|ls|ps|services|rm` (and `%docker stack ...`): compose files deployed as
swarm stacks with the docker CLI's flags, sent to a swarm manager."""

from __future__ import annotations

from IPython.core.magic import line_cell_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments

from ...errors import InvalidInput
from ...opts import pairs
from ..args import parse_words, split, subcommand_parser, usages
from ..base import MagicsArea, reports_errors

_LIST = {"action": "append", "default": []}
_FORMAT = (("--format",), {"default": "", "metavar": "FORMAT",
                           "help": "Go template, as the docker CLI's: 'table {{.Name}}\\t{{.Services}}', '{{json .}}', 'json'."})
_FILTER = (("-f", "--filter"), {**_LIST, "metavar": "KEY=VALUE", "help": "Filter output based on conditions provided; repeatable."})
_STACK = (("stack",), {"metavar": "STACK"})
_DETACH = {"nargs": "?", "const": "true", "default": None, "metavar": "true|false"}


def _parser(prog: str, *arguments):
    return subcommand_parser(f"%docker_stack {prog}", *arguments)


SUBCOMMANDS = {
    "deploy": _parser(
        "deploy",
        (("-c", "--compose-file"), {**_LIST, "metavar": "FILE", "help": "Path to a Compose file, or - to read from stdin (a pipe, "
                                                                        "< FILE, or the cell of %%docker_stack); repeatable (later ones override)."}),
        (("-d", "--detach"), {**_DETACH, "help": "Exit immediately instead of waiting for the stack services to converge "
                                                 "(default true, as CLI 28; --detach=false waits, showing each service converge)."}),
        (("--prune",), {"action": "store_true", "help": "Prune services that are no longer referenced."}),
        (("-q", "--quiet"), {"action": "store_true", "help": "Suppress progress output."}),
        (("--resolve-image",), {"default": "always", "choices": ["always", "changed", "never"],
                                "help": "Query the registry to resolve image digest and supported platforms (default always)."}),
        (("--with-registry-auth",), {"action": "store_true", "help": "Send registry authentication details to Swarm agents."}),
        (("--timeout",), {"type": float, "default": 300.0, "metavar": "SECONDS",
                          "help": "dockermagic's bound on waiting for each service with --detach=false (default 300)."}),
        _STACK),
    "ls": _parser("ls", _FORMAT),
    "ps": _parser("ps", _FILTER, _FORMAT, (("-q", "--quiet"), {"action": "store_true", "help": "Only display task IDs."}),
                  (("--no-trunc",), {"action": "store_true", "help": "Do not truncate output."}),
                  (("--no-resolve",), {"action": "store_true", "help": "Do not map IDs to Names."}), _STACK),
    "services": _parser("services", _FILTER, _FORMAT, (("-q", "--quiet"), {"action": "store_true", "help": "Only display IDs."}),
                        _STACK),
    "rm": _parser("rm", (("-d", "--detach"), {**_DETACH, "help": "Do not wait for stack removal (default true; --detach=false "
                                                                 "waits until the stack's tasks and their containers are gone)."}),
                  (("--timeout",), {"type": float, "default": 300.0, "metavar": "SECONDS",
                                    "help": "dockermagic's bound on waiting with --detach=false (default 300)."}),
                  (("stacks",), {"nargs": "+", "metavar": "STACK"})),
}
_SPELLINGS = {"up": "deploy", "list": "ls", "remove": "rm", "down": "rm"}


def parse(line: str):
    """(subcommand, its namespace): checked, nothing sent."""
    words = split(line)
    sub = _SPELLINGS.get(words[0], words[0]) if words else ""
    if sub not in SUBCOMMANDS:
        got = f"'docker stack {words[0]}' is not a stack subcommand; " if words else ""
        raise InvalidInput(f"{got}use %docker stack deploy|ls|ps|services|rm")
    args = parse_words(SUBCOMMANDS[sub], words[1:])
    if hasattr(args, "detach"):
        args.detach = _bool(args.detach)
    return sub, args


def _bool(value) -> bool | None:
    if value is None:
        return None
    text = str(value).lstrip("=").lower()
    if text in ("1", "t", "true"):
        return True
    if text in ("0", "f", "false"):
        return False
    raise InvalidInput(f"--detach {value!r}: true or false (--detach=false waits)")


@magics_class
class StackMagics(MagicsArea):
    @line_cell_magic
    @reports_errors
    @magic_arguments()
    @argument("subcommand", metavar="SUBCOMMAND",
              help="deploy -c FILE STACK | ls | ps STACK | services STACK | rm STACK...")
    @argument("rest", nargs="*", help="The subcommand's arguments (a bad option prints that subcommand's usage).")
    def docker_stack(self, line: str = "", cell: str | None = None):
        """Compose files as swarm stacks, as `docker stack` manages them, on a swarm manager (-H MANAGER).

            %docker stack deploy -c compose.yaml app     services app_web, app_db ... networks app_default ...
            %docker stack deploy -c compose.yaml --detach=false app    and watch each service converge
            %docker compose config | docker stack deploy -c - app       the file from stdin (or < FILE)
            %%docker_stack deploy -c - app                              the cell is the compose file
            %docker stack services app
            %docker stack ps app
            %docker stack rm app

        The compose file is read as `docker compose config` reads it; `deploy:` is honoured as the
        docker CLI honours it (replicas, mode, placement, resources, restart_policy, update_config,
        rollback_config, labels, endpoint_mode), the keys a stack cannot use are named in the CLI's
        "Ignoring unsupported options" line.  Returns a `Stack` (deploy), a `StackList` (ls), a
        `ServiceList` (services), a `TaskList` (ps), the lines removed (rm) or a `Formatted`.
        """
        sub, args = parse(line)
        if cell is not None and sub != "deploy":
            raise InvalidInput(f"%%docker_stack {sub}: only deploy reads a cell (%%docker_stack deploy -c - STACK)")
        if sub == "deploy":
            stdin = _stdin(args.compose_file, cell)
            return self._deploy(args, self.engine(), stdin)
        return getattr(self, f"_{sub}")(args, self.engine())

    def _deploy(self, args, engine, stdin):
        from ...swarm import stacks
        from ...views.swarm.stack import StackDeployView

        view = StackDeployView(args.stack, quiet=args.quiet)
        stack = stacks.deploy(engine, args.compose_file, args.stack, prune=args.prune,
                              with_registry_auth=args.with_registry_auth, resolve_image=args.resolve_image,
                              say=view.say, stdin=stdin)
        if args.detach is None:
            view.say(stacks.DETACH_NOTE)
        if args.detach is False:
            self._converge(stack, args)
        return stack

    def _converge(self, stack, args):
        """Each service converging in turn, live (the CLI's `--detach=false`); Ctrl-C stops waiting."""
        from ...swarm.convergence import WaitInterrupted
        from ...views.live import run
        from ...views.swarm.service import ConvergenceView

        for service in stack.services:
            if args.quiet:
                for _ in service.watch("deploy", args.timeout):
                    pass
                continue
            view = ConvergenceView(service, "deploy", **self.settings.view_options())
            try:
                run(view, service.watch("deploy", args.timeout))
            except KeyboardInterrupt:
                service.convergence.outcome = "interrupted"
                raise WaitInterrupted(f"stopped waiting for stack {stack.name}: it goes on converging "
                                      f"(%docker stack ps {stack.name})") from None

    def _ls(self, args, engine):
        from ...gotemplate import formats
        from ...swarm import stacks

        formats.check_listing(args.format)
        listing = stacks.list_stacks(engine)
        if args.format:
            return formats.Formatted(formats.listing(args.format, listing.rows, stacks.LS_HEADER, stacks.LS_TABLE))
        return listing

    def _services(self, args, engine):
        from ...gotemplate import formats
        from ...swarm import services, stacks

        formats.check_listing(args.format)
        listing = stacks.list_services(engine, args.stack, pairs.filter_map(args.filter, "--filter", "name=web"))
        if not listing.rows and not args.filter:
            print(f"Nothing found in stack: {args.stack}")
            return None
        if args.quiet and not args.format:
            return formats.Formatted("".join(r.ID + "\n" for r in listing.rows))
        if args.format:
            return formats.Formatted(formats.listing(args.format, listing.rows, services.LS_HEADER, services.LS_TABLE,
                                                     quiet=args.quiet))
        return listing

    def _ps(self, args, engine):
        from ...gotemplate import formats
        from ...swarm import nodes, stacks, tasks

        formats.check_listing(args.format)
        listing = stacks.list_tasks(engine, args.stack, pairs.filter_map(args.filter, "--filter", "desired-state=running"),
                                    args.no_trunc, resolve=not args.no_resolve)  # -q: short ids, as the CLI's stack ps
        listing.command = "stack ps"
        if args.quiet and not args.format:
            return formats.Formatted("".join(r.ID + "\n" for r in listing.rows(table=False)))
        if args.format:
            table = args.format.startswith("table")
            return formats.Formatted(formats.listing(args.format, listing.rows(table=table), tasks.PS_HEADER, tasks.PS_TABLE,
                                                     quiet=args.quiet))
        return nodes.placed(listing)

    def _rm(self, args, engine):
        from ...swarm import stacks

        return stacks.remove(engine, args.stacks, wait=args.timeout if args.detach is False else None)


def _stdin(files: list[str], cell: str | None) -> str | None:
    """What `-c -` reads: the cell of `%%docker_stack`, else the line's pipe or `< FILE`."""
    from ..shell import streams

    if cell is not None:
        if "-" not in files:
            raise InvalidInput("%%docker_stack deploy: the cell is the compose file: name it with -c - "
                               "(%%docker_stack deploy -c - STACK)")
        return cell
    source = streams.stdin() if "-" in files else None
    if source is None:
        return None
    data = source.read()
    try:
        return data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError:
        raise InvalidInput("-c -: what came in on standard input is not UTF-8 text (a compose file)") from None


def _check(method, rest):
    return parse(rest)


StackMagics.docker_stack.check = _check
StackMagics.docker_stack.__doc__ += usages(SUBCOMMANDS)
