"""`%docker_ps`, `%docker_logs`, `%docker_inspect` and `%docker_volume`: what is on the engine
and what a container printed."""

from __future__ import annotations

from IPython.core.magic import line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments

from ..errors import InvalidInput
from ..views.formatters import shown
from .args import parse_line, parse_words, split
from .base import MagicsArea, reports_errors


@magics_class
class ListingMagics(MagicsArea):
    # -- ps, logs ------------------------------------------------------------------------------
    @line_magic
    @reports_errors
    @magic_arguments()
    @argument("-a", "--all", action="store_true", help="Show all containers (default shows just running).")
    @argument("-s", "--size", action="store_true", help='Display total file sizes: "0B (virtual 2MB)" is the writable layer (and the image under it).')
    @argument("-q", "--quiet", action="store_true", help="Only display container IDs.")
    @argument("-f", "--filter", action="append", default=[], metavar="KEY=VALUE", help="Filter output based on conditions provided (name=, status=, label=, ancestor=, ...); repeatable.")
    @argument("--no-trunc", action="store_true", help="Don't truncate output.")
    @argument("-l", "--latest", action="store_true", help="Show the latest created container (includes all states).")
    @argument("-n", "--last", type=int, default=None, metavar="N", help="Show n last created containers (includes all states).")
    @argument("--format", default="", metavar="FORMAT", help="Format output using a Go template: 'table {{.Names}}\\t{{.Status}}', json, or a template.")
    def docker_ps(self, line=""):
        """List containers, as `docker ps` does.  Returns a `ContainerList` (a `Formatted` with
        --format: the CLI's text)."""
        from ..containers.containers import list_containers
        from ..gotemplate import formats

        args = parse_line(self.docker_ps, line)
        formats.check_listing(args.format)
        listed = list_containers(self.engine(), args.all, args.size, args.filter, args.no_trunc,
                                 latest=args.latest, last=args.last)
        if args.format:
            from ..gotemplate.fields import PS_HEADER, PS_TABLE, ContainerRow

            rows = [ContainerRow(r, not args.no_trunc) for r in listed.rows]
            return formats.Formatted(formats.listing(args.format, rows, PS_HEADER, PS_TABLE, args.quiet))
        if args.quiet:
            print("\n".join(row["Id"] if args.no_trunc else row["Id"][:12] for row in listed))
            return None
        return listed

    @line_magic
    @reports_errors
    @magic_arguments()
    @argument("-f", "--follow", action="store_true", help="Follow log output (until the container stops, or interrupt the kernel).")
    @argument("-n", "--tail", default="all", help='Number of lines to show from the end of the logs (default "all").')
    @argument("-t", "--timestamps", action="store_true", help="Show timestamps.")
    @argument("--since", default=None, help="Show logs since timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m).")
    @argument("--until", default=None, help="Show logs before a timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m).")
    @argument("container", help="CONTAINER name or id.")
    def docker_logs(self, line):
        """Fetch the logs of a container, as `docker logs` does (stderr in red).  Returns a
        `RunResult` whose `.logs` is the full text."""
        from ..containers.output import RunResult, log_events
        from ..views.container import OutputView
        from ..views.live import run

        args = parse_line(self.docker_logs, line)
        tail = None if args.tail == "all" else args.tail
        if tail is not None and not str(tail).isdigit():
            raise InvalidInput(f"--tail {args.tail!r}: a number of lines, or all")
        since, until = _since(args.since), _since(args.until, "--until")
        engine = self.engine()
        result = RunResult(args.container, engine=engine.label, verb="logs")
        view = OutputView(result, "logs", max_lines=self.settings.max_output_lines, **self.settings.view_options())
        try:
            run(view, log_events(engine, args.container, args.follow, tail, args.timestamps, since, result, until))
        except KeyboardInterrupt:
            pass  # stop following; the container runs on
        return shown(result, self.shell.execution_count, view.mode)

    @line_magic
    @reports_errors
    @magic_arguments()
    @argument("-f", "--format", default="", metavar="FORMAT", help="Format output using a Go template: '{{.State.Status}}', '{{json .Config.Env}}', or json.")
    @argument("-s", "--size", action="store_true", help="Display total file sizes if the type is container (SizeRw, SizeRootFs).")
    @argument("--type", default=None, choices=["container", "image", "volume", "network"], help="Only look for objects of this type.")
    @argument("names", nargs="+", help="NAME|ID [NAME|ID...]: containers, images, volumes or networks.")
    def docker_inspect(self, line):
        """Low-level information on containers, images, volumes or networks, as `docker inspect`
        shows it (JSON, or through --format).  Returns an `Inspection` (`.data` is the list;
        `[0]` the first), or a `Formatted` with --format."""
        from ..containers.inspect import inspect_any
        from ..gotemplate import formats

        args = parse_line(self.docker_inspect, line)
        if args.format and args.format != "json":
            formats.parse(args.format)  # a bad template fails before anything is asked
        found = inspect_any(self.engine(), args.names, size=args.size, kind=args.type)
        if args.format:
            return formats.Formatted(formats.inspect(args.format, found.data))
        return found

    # -- volumes ------------------------------------------------------------------------------
    @line_magic
    @reports_errors
    def docker_volume(self, line=""):
        """Manage volumes: `create [-l KEY=VALUE] [NAME]`, `ls [-q] [-f KEY=VALUE]`,
        `inspect NAME...`, `rm [-f] NAME...`."""
        from ..resources import volumes

        words = split(line)
        sub, rest = (words[0], words[1:]) if words else ("", [])
        from .volumes import HANDLERS

        if sub not in HANDLERS:
            raise InvalidInput("usage: %docker_volume create|ls|inspect|rm ...  (e.g. %docker_volume create data)")
        args = parse_words(HANDLERS[sub].parser, rest)  # before the engine: --help needs none
        return HANDLERS[sub](volumes, self.engine(), args)


def _since(text, option: str = "--since"):
    if not text:
        return None
    import re
    import time

    from ..text import units

    match = re.fullmatch(r"(\d+)([smh])", text)
    if match:
        return int(time.time() - int(match.group(1)) * {"s": 1, "m": 60, "h": 3600}[match.group(2)])
    epoch = units.to_epoch(text)
    if epoch is None:
        raise InvalidInput(f"{option} {text!r}: a timestamp (2013-01-02T13:23:37Z) or a duration (42m)")
    return int(epoch)
