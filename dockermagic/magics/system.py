"""`%docker_system df|prune|events|info`, `%docker_events`, and the prunes of each kind
(`%docker_image_prune`, `%docker_container_prune`, `%docker_volume_prune`, `%docker_builder_prune`;
`%docker image prune` and friends reach them)."""

from __future__ import annotations

from IPython.core.magic import line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments

from ..errors import InvalidInput
from ..opts import pairs, run_values
from ..views.formatters import shown
from .args import parse_line, parse_words, split, subcommand_parser
from .base import MagicsArea, reports_errors

_parser = subcommand_parser


_FORCE = (("-f", "--force"), {"action": "store_true", "help": "Do not prompt for confirmation."})
_PRUNE_FILTER = (("--filter",), {"action": "append", "default": [], "metavar": "KEY=VALUE",
                                 "help": "Filter (until=24h, label=KEY[=VALUE], label!=KEY); repeatable."})
_FORMAT = (("--format",), {"default": "", "metavar": "FORMAT", "help": "Go template, as the docker CLI's ('{{json .}}', 'table ...')."})
EVENTS_OPTIONS = (
    (("--since",), {"default": None, "help": "Show events since: a duration before now (10m), a date or a Unix timestamp."}),
    (("--until",), {"default": None, "help": "Stop at: a duration before now, a date or a Unix timestamp (without it: until interrupted)."}),
    (("-f", "--filter"), {"action": "append", "default": [], "metavar": "KEY=VALUE",
                          "help": "Filter (type=container, event=start, container=NAME, image=, label=, network=, volume=); repeatable."}),
    _FORMAT,
)
SYSTEM = {
    "df": _parser("%docker_system df", _FORMAT,
                  (("-v", "--verbose"), {"action": "store_true", "help": "Show each image, container, local volume and build-cache record."})),
    "prune": _parser(
        "%docker_system prune", _FORCE, _PRUNE_FILTER,
        (("-a", "--all"), {"action": "store_true", "help": "Remove all unused images and build cache, not just dangling ones."}),
        (("--volumes",), {"action": "store_true", "help": "Prune anonymous volumes too."}),
    ),
    "events": _parser("%docker_system events", *EVENTS_OPTIONS),
    "info": _parser("%docker_system info", (("-f", "--format"), _FORMAT[1])),
}


def parse_system(line: str):
    words = split(line)
    if not words or words[0] not in SYSTEM:
        raise InvalidInput("use %docker_system df | prune [-a] [--volumes] [-f] | events [--since T] [--until T] | info")
    return words[0], parse_words(SYSTEM[words[0]], words[1:])


@magics_class
class SystemMagics(MagicsArea):
    @line_magic
    @reports_errors
    @magic_arguments()
    @argument("subcommand", metavar="SUBCOMMAND", help="df [-v] [--format F] | prune [-a] [--volumes] [-f] [--filter F] | "
                                                       "events [--since T] [--until T] [-f FILTER] [--format F] | info [-f FORMAT]")
    @argument("rest", nargs="*", help="The subcommand's arguments.")
    def docker_system(self, line):
        """The engine as a whole, as `docker system` shows it.

            %docker_system df              what takes the space, and what prunes would give back
            %docker_system df -v           each image, container, volume and build-cache record
            %docker_system prune -f        stopped containers, unused networks, dangling images, build cache
            %docker_system prune -a --volumes -f
            %docker_system events --since 10m --until 0s
            %docker_system info --format '{{.ServerVersion}}'

        Without -f a prune asks as the CLI does; where no one can answer (a headless run) it
        removes nothing and says to add -f.  Returns a `DiskUsage`, a `SystemPruned`, an
        `EventLog`, an `EngineInfo`, or a `Formatted` (--format).
        """
        sub, args = parse_system(line)
        return getattr(self, f"_{sub}")(args)

    def _df(self, args):
        from ..gotemplate import formats
        from ..resources import system

        formats.check_listing(args.format)
        if args.verbose and args.format:
            raise InvalidInput("system df: -v shows the CLI's four tables; --format with -v is not supported here "
                               "(use one or the other)")
        usage = system.disk_usage(self.engine(), verbose=args.verbose)
        if args.format:
            return formats.Formatted(formats.listing(args.format, usage.rows, system.DF_HEADER, system.DF_TABLE))
        return usage

    def _prune(self, args):
        from ..resources import system
        from .prompt import confirm

        filters = pairs.filter_map(args.filter, "--filter", "until=24h")
        engine = self.engine()
        if not args.force and not confirm(system.system_warning(args.all, args.volumes), "docker system prune"):
            return None
        return system.system_prune(engine, all=args.all, volumes=args.volumes, filters=filters)

    def _events(self, args):
        return self._follow(args)

    def _info(self, args):
        from ..engine.info import info
        from ..gotemplate import formats

        fmt = "{{json .}}" if args.format == "json" else args.format
        if fmt:
            formats.parse(fmt)  # a bad template fails before the engine is asked
        engine = self.engine()
        if fmt:
            return formats.Formatted(formats.inspect(fmt, [engine.api.info()]))
        return info(engine)

    @line_magic
    @reports_errors
    @magic_arguments()
    @argument("--since", default=None, help="Show events since: a duration before now (10m), a date or a Unix timestamp.")
    @argument("--until", default=None, help="Stop at: a duration before now, a date or a Unix timestamp (without it: until interrupted).")
    @argument("-f", "--filter", action="append", default=[], metavar="KEY=VALUE",
              help="Filter (type=container, event=start, container=NAME, image=, label=, network=, volume=); repeatable.")
    @argument("--format", default="", metavar="FORMAT", help="Go template per event, as the docker CLI's ('{{json .}}', '{{.Action}}').")
    def docker_events(self, line):
        """The engine's events live, as `docker events` prints them: the cell keeps the last
        `max_output_lines`; it stops at --until or when the kernel is interrupted (then it returns
        what it saw, not an error).  Returns an `EventLog` (`.events`, `.seen`, `.stopped`)."""
        return self._follow(parse_line(self.docker_events, line))

    def _follow(self, args):
        from ..gotemplate import formats
        from ..resources import events
        from ..views.live import run
        from ..views.system import EventsView

        since = events.parse_time(args.since, "--since") if args.since else None
        until = events.parse_time(args.until, "--until") if args.until else None
        render = None
        if args.format:
            template = formats.parse("{{json .}}" if args.format == "json" else args.format)
            render = template.execute
        filters = pairs.filter_map(args.filter, "--filter", "until=24h")
        engine = self.engine()
        log = events.EventLog([], label=engine.label)
        view = EventsView(log, render=render, **self.settings.view_options())
        stream = events.logged(events.events(engine, since, until, filters), log, self.settings.max_output_lines)
        try:
            run(view, stream)
        except KeyboardInterrupt:
            log.stopped = "interrupted"  # what the user asked for: the log so far is the result
            view.finish()
        return shown(log, self.shell.execution_count, view.mode)

    # -- prunes of one kind ---------------------------------------------------------------------
    def _prune_kind(self, kind: str, args, all_: bool = False, keep_storage=None):
        from ..resources import system
        from .prompt import confirm

        filters = pairs.filter_map(args.filter, "--filter", "until=24h")
        engine = self.engine()
        if kind == "volume":
            warning = system.volume_warning(engine, all_)
        else:
            warning = system.WARNINGS[f"{kind}-all" if all_ and f"{kind}-all" in system.WARNINGS else kind]
        if not args.force and not confirm(warning, f"docker {kind} prune"):
            return None
        return system.prune(engine, kind, filters, all=all_, keep_storage=keep_storage)

    @line_magic
    @reports_errors
    @magic_arguments()
    @argument("-a", "--all", action="store_true", help="Remove all unused images, not just dangling ones.")
    @argument("-f", "--force", action="store_true", help="Do not prompt for confirmation.")
    @argument("--filter", action="append", default=[], metavar="KEY=VALUE", help="Filter (until=24h, label=KEY[=VALUE]); repeatable.")
    def docker_image_prune(self, line):
        """Remove unused images (`docker image prune`): what went, and the space back.  Returns a `Pruned`."""
        args = parse_line(self.docker_image_prune, line)
        return self._prune_kind("image", args, args.all)

    @line_magic
    @reports_errors
    @magic_arguments()
    @argument("-f", "--force", action="store_true", help="Do not prompt for confirmation.")
    @argument("--filter", action="append", default=[], metavar="KEY=VALUE", help="Filter (until=24h, label=KEY[=VALUE]); repeatable.")
    def docker_container_prune(self, line):
        """Remove all stopped containers (`docker container prune`).  Returns a `Pruned`."""
        return self._prune_kind("container", parse_line(self.docker_container_prune, line))

    @line_magic
    @reports_errors
    @magic_arguments()
    @argument("-a", "--all", action="store_true", help="Remove named volumes too, not only anonymous ones (engines with API 1.42+; older ones always do).")
    @argument("-f", "--force", action="store_true", help="Do not prompt for confirmation.")
    @argument("--filter", action="append", default=[], metavar="KEY=VALUE", help="Filter (label=KEY[=VALUE]); repeatable.")
    def docker_volume_prune(self, line):
        """Remove unused local volumes (`docker volume prune`).  Returns a `Pruned`."""
        args = parse_line(self.docker_volume_prune, line)
        return self._prune_kind("volume", args, args.all)

    @line_magic
    @reports_errors
    @magic_arguments()
    @argument("-a", "--all", action="store_true", help="Remove all unused build cache, not just dangling ones.")
    @argument("-f", "--force", action="store_true", help="Do not prompt for confirmation.")
    @argument("--filter", action="append", default=[], metavar="KEY=VALUE", help="Filter (until=24h, id=, parent=, type=); repeatable.")
    @argument("--keep-storage", default=None, metavar="BYTES", help="Amount of disk space to keep for cache (e.g. 512MB).")
    def docker_builder_prune(self, line):
        """Remove build cache (`docker builder prune`).  Returns a `Pruned`."""
        args = parse_line(self.docker_builder_prune, line)
        keep = None if args.keep_storage is None else run_values.to_bytes(args.keep_storage, "--keep-storage")
        return self._prune_kind("builder", args, args.all, keep_storage=keep)


def _with_usages() -> None:
    from .args import usages

    SystemMagics.docker_system.__doc__ += usages(SYSTEM)


_with_usages()
