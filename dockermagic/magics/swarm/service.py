"""`%docker_service create|ls|ps|inspect|logs|scale|update|rollback|rm` (and `%docker service ...`):
swarm services with the docker CLI's flags, sent to a swarm manager."""

from __future__ import annotations

from IPython.core.magic import line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments

from ...errors import InvalidInput
from ...opts import pairs
from ...swarm import service_spec
from ...swarm.service_spec import accepted
from ..args import join, parse_words, split, subcommand_parser, usages
from ..base import MagicsArea, reports_errors

_LIST = {"action": "append", "default": []}
_FORMAT = {"default": "", "metavar": "FORMAT", "help": "Go template, as the docker CLI's: 'table {{.Name}}\\t{{.Replicas}}', '{{json .}}', 'json'."}
_FILTER = (("-f", "--filter"), {**_LIST, "metavar": "KEY=VALUE", "help": "Filter output based on conditions provided; repeatable."})
_QUIET = (("-q", "--quiet"), {"action": "store_true", "help": "Only display IDs."})
_NO_TRUNC = (("--no-trunc",), {"action": "store_true", "help": "Do not truncate output."})
_TIMEOUT = (("--timeout",), {"type": float, "default": 300.0, "metavar": "SECONDS",
                             "help": "dockermagic's bound on waiting for convergence without -d (default 300; the CLI waits for ever)."})


def _declared(subcommand: str) -> list:
    out = []
    for flags, kind, metavar, text, _ in accepted(subcommand):
        if kind == "flag":
            out.append((flags, {"action": "store_true", "help": text}))
        elif kind == "list":
            out.append((flags, {**_LIST, "metavar": metavar, "help": text}))
        else:
            out.append((flags, {"default": None, "metavar": metavar, "help": text}))
    return out


def _parser(prog: str, *arguments):
    return subcommand_parser(f"%docker_service {prog}", *arguments)


SUBCOMMANDS = {
    "create": _parser("create", *_declared("create"), _TIMEOUT, (("image",), {"metavar": "IMAGE", "help": "The service's image."})),
    "update": _parser("update", *_declared("update"), _TIMEOUT, (("service",), {"metavar": "SERVICE"})),
    "ls": _parser("ls", _FILTER, (("--format",), _FORMAT), _QUIET),
    "ps": _parser("ps", _FILTER, (("--format",), _FORMAT), _QUIET, _NO_TRUNC,
                  (("--no-resolve",), {"action": "store_true", "help": "Do not map IDs to names."}),
                  (("services",), {"nargs": "+", "metavar": "SERVICE"})),
    "inspect": _parser("inspect", (("-f", "--format"), _FORMAT),
                       (("--pretty",), {"action": "store_true", "help": "Print the information in a human friendly format."}),
                       (("services",), {"nargs": "+", "metavar": "SERVICE"})),
    "logs": _parser("logs", (("-f", "--follow"), {"action": "store_true", "help": "Follow log output (interrupt to stop)."}),
                    (("-n", "--tail"), {"default": "all", "help": "Number of lines to show from the end of the logs."}),
                    (("-t", "--timestamps"), {"action": "store_true", "help": "Show timestamps."}),
                    (("--since",), {"default": None, "help": "Show logs since a timestamp or relative (42m)."}),
                    (("--raw",), {"action": "store_true", "help": "Do not neatly format logs."}),
                    (("--no-task-ids",), {"action": "store_true", "help": "Do not include task IDs in output."}),
                    (("--no-resolve",), {"action": "store_true", "help": "Do not map IDs to names in output."}),
                    (("--details",), {"action": "store_true", "help": "Show extra details provided to logs."}),
                    _NO_TRUNC, (("target",), {"metavar": "SERVICE|TASK"})),
    "scale": _parser("scale", (("-d", "--detach"), {"action": "store_true", "help": "Exit immediately instead of waiting."}),
                     _TIMEOUT, (("pairs",), {"nargs": "+", "metavar": "SERVICE=REPLICAS"})),
    "rollback": _parser("rollback", (("-d", "--detach"), {"action": "store_true", "help": "Exit immediately instead of waiting."}),
                        (("-q", "--quiet"), {"action": "store_true", "help": "Suppress progress output."}), _TIMEOUT,
                        (("service",), {"metavar": "SERVICE"})),
    "rm": _parser("rm", (("services",), {"nargs": "+", "metavar": "SERVICE"})),
}
_SPELLINGS = {"list": "ls", "remove": "rm"}


def parse(line: str):
    """(subcommand, its namespace, the command after the image for `create`): checked, nothing sent."""
    words = split(line)
    sub = _SPELLINGS.get(words[0], words[0]) if words else ""
    if sub not in SUBCOMMANDS:
        got = f"'docker service {words[0]}' is not a service subcommand; " if words else ""
        raise InvalidInput(f"{got}use %docker_service create|ls|ps|inspect|logs|scale|update|rollback|rm")
    parser = SUBCOMMANDS[sub]
    rest, falses = _bool_values(parser, words[1:], sub == "create") if sub in ("create", "update") else (words[1:], [])
    if sub == "create":
        from ..run_args import split_at_first_positional

        if not rest or rest[0] == "--help":
            parse_words(parser, ["--help"])
        args, command = split_at_first_positional(parser, join(rest))
    else:
        args, command = parse_words(parser, rest), []
    for dest in falses:  # an update applies a spec's `--tty=false`; a create has it so already
        setattr(args, dest, service_spec.EXPLICIT_FALSE if dest in service_spec.SPEC_BOOLS else False)
    return sub, args, command


def _bool_values(parser, words: list[str], options_end: bool) -> tuple[list[str], list[str]]:
    """`--tty=false`, `--detach=true`, `-d=false`: the CLI's boolean flags with a value (strconv's
    true/false spellings).  The words with `=true` as the bare flag and `=false` left out, and the
    argparse names given false.  With `options_end`, words after the first positional (the image)
    are the command's and left as they are."""
    actions = parser._option_string_actions
    out, falses, i = [], [], 0
    while i < len(words):
        word = words[i]
        name, eq, value = word.partition("=")
        action = actions.get(name) if word.startswith("-") else None
        if eq and action is not None and action.nargs == 0 and name not in ("-h", "--help"):
            if value.lower() in ("1", "t", "true"):
                out.append(name)
            elif value.lower() in ("0", "f", "false"):
                falses.append(action.dest)
            else:
                raise InvalidInput(f'invalid argument "{value}" for "{name}" flag: strconv.ParseBool: parsing '
                                   f'"{value}": invalid syntax')
        elif word.startswith("-") and word != "-":
            out.append(word)
            if not eq and action is not None and action.nargs != 0 and i + 1 < len(words):
                out.append(words[i + 1])  # the option's value, whatever it looks like
                i += 1
        else:
            if options_end:
                return out + words[i:], falses
            out.append(word)
        i += 1
    return out, falses


def options(args) -> dict:
    """The namespace as the plain dict `service_spec.apply` takes."""
    return {k: v for k, v in vars(args).items() if k not in ("image", "service", "timeout")}


@magics_class
class ServiceMagics(MagicsArea):
    @line_magic
    @reports_errors
    @magic_arguments()
    @argument("subcommand", metavar="SUBCOMMAND",
              help="create [OPTIONS] IMAGE [COMMAND] | ls | ps SERVICE... | inspect [--pretty] SERVICE... | "
                   "logs [-f] SERVICE|TASK | scale SERVICE=N... | update [OPTIONS] SERVICE | rollback SERVICE | rm SERVICE...")
    @argument("rest", nargs="*", help="The subcommand's arguments (a bad option prints that subcommand's usage).")
    def docker_service(self, line):
        """Swarm services, as `docker service` manages them, on a swarm manager (-H MANAGER).

            %docker service create --name web --replicas 4 -p 8080:80 nginx:alpine
            %docker service ps web                       the tasks, where they run, their states
            %docker service scale web=6
            %docker service update --image nginx:1.27-alpine --update-parallelism 2 web
            %docker service rollback web
            %docker service logs -f web                  lines prefixed web.1.TASK@NODE
            %docker service rm web

        Without -d, create, update, scale and rollback show the tasks converging (one row per
        slot, the scheduler's reasons for a task it cannot place) until the service is stable, as
        the CLI does, bounded by --timeout; Ctrl-C stops the waiting, not the service.  Returns a
        `Service` (create, update, scale, rollback, inspect), a `ServiceList` (ls), a `TaskList`
        (ps), a `RunResult` (logs), a `Removed` (rm) or a `Formatted` (--format, -q, --pretty).
        """
        sub, args, command = parse(line)
        return getattr(self, f"_{sub}")(args, command, self.engine())

    # -- changes ---------------------------------------------------------------------------------
    def _converging(self, service, action: str, args):
        """The service's convergence shown live (unless -d), then the service, reloaded."""
        from ...gotemplate.formats import Formatted
        from ...views import formatters
        from ...views.live import run
        from ...views.swarm.service import ConvergenceView

        if getattr(args, "detach", False):
            if getattr(args, "quiet", False) or action != "create":
                return service if not getattr(args, "quiet", False) else Formatted(service.id + "\n")
            return service
        view = ConvergenceView(service, action, **self.settings.view_options())
        if getattr(args, "quiet", False):
            for _ in service.watch(action, args.timeout):
                pass
            return Formatted(service.id + "\n")
        try:
            run(view, service.watch(action, args.timeout))
        except KeyboardInterrupt:  # between two looks: the waiting stops all the same
            from ...swarm.convergence import WaitInterrupted

            service.convergence.outcome = "interrupted"
            raise WaitInterrupted(f"stopped waiting for {service.name}: it goes on converging "
                                  f"(%docker service ps {service.name})") from None
        service.reload()
        return formatters.shown(service, self.shell.execution_count, view.mode)

    def _create(self, args, command, engine):
        from ...swarm import services

        service = services.create(engine, args.image, command, options(args))
        return self._converging(service, "create", args)

    def _update(self, args, command, engine):
        from ...swarm import services

        # `options()` leaves out `image` (create's positional IMAGE); update's `--image` is an option
        service = services.update(engine, args.service, {**options(args), "image": args.image})
        return self._converging(service, "rollback" if args.rollback else "update", args)

    def _rollback(self, args, command, engine):
        from ...swarm import services

        service = services.update(engine, args.service, {}, rollback=True)
        return self._converging(service, "rollback", args)

    def _scale(self, args, command, engine):
        from ...swarm import services

        scaled = services.scale(engine, services.parse_scale(args.pairs))
        shown = [self._converging(service, "scale", args) for service in scaled]
        return shown[0] if len(shown) == 1 else shown

    def _rm(self, args, command, engine):
        from ...swarm import services

        return services.remove(engine, args.services)

    # -- reading ---------------------------------------------------------------------------------
    def _ls(self, args, command, engine):
        from ...gotemplate import formats
        from ...swarm import services

        formats.check_listing(args.format)
        listing = services.list_services(engine, pairs.filter_map(args.filter, "--filter", "name=web"))
        if args.quiet and not args.format:
            return formats.Formatted("".join(r.ID + "\n" for r in listing.rows))
        if args.format:
            return formats.Formatted(formats.listing(args.format, listing.rows, services.LS_HEADER, services.LS_TABLE,
                                                     quiet=args.quiet))
        return listing

    def _ps(self, args, command, engine):
        from ...gotemplate import formats
        from ...swarm import services, tasks

        formats.check_listing(args.format)
        listing = services.list_tasks(engine, args.services, pairs.filter_map(args.filter, "--filter", "desired-state=running"),
                                      args.no_trunc or args.quiet and not args.format, resolve=not args.no_resolve)
        if args.quiet and not args.format:
            return formats.Formatted("".join(r.ID + "\n" for r in listing.rows(table=False)))
        if args.format:
            table = args.format.startswith("table") or args.format == "table"
            return formats.Formatted(formats.listing(args.format, listing.rows(table=table), tasks.PS_HEADER, tasks.PS_TABLE,
                                                     quiet=args.quiet))
        return listing

    def _inspect(self, args, command, engine):
        from ...gotemplate import formats
        from ...swarm import service_pretty, services

        if args.pretty and args.format and args.format != "pretty":
            raise InvalidInput("--format is incompatible with human friendly format")
        if args.format and args.format not in ("json", "pretty"):
            formats.parse(args.format)  # a bad template fails before anything is asked
        raws = [services.inspect_raw(engine, name, defaults=True) for name in args.services]
        if args.pretty or args.format == "pretty":
            names = _network_names(engine, raws)
            return formats.Formatted("".join(service_pretty.pretty(raw, names) for raw in raws))
        if args.format:
            return formats.Formatted(formats.inspect(args.format, raws))
        found = [services.Service.of(engine, raw) for raw in raws]
        return found[0] if len(found) == 1 else found

    def _logs(self, args, command, engine):
        from ...containers.output import RunResult
        from ...swarm.service_logs import log_events
        from ...views import formatters
        from ...views.container import OutputView
        from ...views.live import run

        tail = None if args.tail == "all" else args.tail
        if tail is not None and not str(tail).isdigit():
            raise InvalidInput(f"--tail {args.tail!r}: a number of lines, or all")
        result = RunResult(args.target, engine=engine.label, verb="logs")
        view = OutputView(result, "logs", max_lines=self.settings.max_output_lines, **self.settings.view_options())
        try:
            run(view, log_events(engine, args.target, args.follow, tail, args.timestamps, args.since, args.raw,
                                 args.no_task_ids, args.no_trunc, not args.no_resolve, args.details, result))
        except KeyboardInterrupt:
            pass  # stop following; the service runs on
        return formatters.shown(result, self.shell.execution_count, view.mode)


def _network_names(engine, raws) -> dict:
    import docker

    names = {}
    for raw in raws:
        for net in raw["Spec"].get("TaskTemplate", {}).get("Networks") or []:
            try:
                names[net["Target"]] = engine.api.inspect_network(net["Target"])["Name"]
            except docker.errors.APIError:
                pass
    return names


def _check(method, rest):
    return parse(rest)


ServiceMagics.docker_service.check = _check
ServiceMagics.docker_service.__doc__ += usages(SUBCOMMANDS)
