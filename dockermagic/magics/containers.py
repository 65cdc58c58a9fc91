"""`%docker_run` / `%%docker_run`, `%docker_ps`, `%docker_logs`, `%docker_exec`, `%docker_stop`,
`%docker_start`, `%docker_rm`, `%docker_inspect`, `%docker_volume`, `%docker_cleanup`."""

from __future__ import annotations

import argparse
import atexit

from IPython.core.magic import line_cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments

from ..errors import InvalidInput
from ..views.formatters import shown
from .args import parse_line, split
from .base import MagicsArea, reports_errors

from .run_args import check_terminal, console_wanted, is_shell, run_extras, run_options, split_at_first_positional
from .shells import detach_hang_up, readable, run_hang_up, serve


@magics_class
class ContainerMagics(MagicsArea):
    def __init__(self, shell, settings):
        super().__init__(shell, settings)
        self.started: dict[str, str] = {}  # id -> name of the containers this session created
        self.started_on: dict[str, object] = {}  # id -> the engine it was started on (-H / --context)
        atexit.register(self._at_exit)

    # -- run ------------------------------------------------------------------------------
    @line_cell_magic
    @reports_errors
    @magic_arguments()
    @run_options
    def docker_run(self, line, cell=None):
        """Run a command in a new container, as `docker run` does.

        Foreground: stdout and stderr stream into the cell (stderr in red), then the exit code;
        a non-zero exit raises `RunFailed` (`--no-raise-error` opts out).  Returns a
        `RunResult` (`.exit_code`, `.logs`, `.stdout`, `.stderr`, `.id`).  As a cell magic the
        cell is the container's stdin: `%%docker_run busybox sh` runs the cell as a script.
        `-d`: a card with logs / stop / remove buttons; returns the `Container`.
        Interrupting the kernel stops the container (and removes it with --rm).
        """
        from ..console import Console
        from ..run import ContainerRun, RunRequest, failure
        from ..views.container import OutputView
        from ..views.live import run

        args, command = split_at_first_positional(self.docker_run.parser, line)
        if cell is not None and args.tty:
            raise InvalidInput("-t needs a terminal; the cell is plain stdin: drop -t (and -i, which the cell form implies)")
        terminal = args.tty and not args.detach  # output through a terminal
        can_read = terminal and args.interactive and readable(self.shell)
        if terminal:
            check_terminal(command, args.interactive, can_read)
        console = Console() if console_wanted(command, terminal, args.interactive, can_read) else None
        network, extras = run_extras(args)
        request = RunRequest.make(
            args.image, command, name=args.name, detach=args.detach,
            interactive=(args.interactive and not terminal) or cell is not None or console is not None,
            tty=args.tty, rm=args.rm, env=args.env, env_file=args.env_file, volume=args.volume, mount=args.mount,
            publish=args.publish, workdir=args.workdir, user=args.user, entrypoint=args.entrypoint,
            network=network, init=args.init, hostname=args.hostname, label=args.label, pull=args.pull,
            stop_timeout=args.stop_timeout, extras=extras, attach=args.attach,
        )
        stdin = cell.encode() if cell is not None else console
        engine = self.engine()
        refuse = (lambda argv: check_terminal(argv, args.interactive, can_read)) if terminal else None
        job = ContainerRun(engine, request, pull=self._puller(), stdin=stdin, refuse=refuse)
        if args.detach:
            container = job.start_detached()
            self.started[container.id] = container.name
            self.started_on[container.id] = engine
            card = self._card(container, request.stop_timeout)
            return shown(container, self.shell.execution_count, card.mode)
        job.create()
        if console is not None and not is_shell(job.argv):  # the image's command is no shell: a plain -it run
            console = job.stdin = None
        if not request.rm:
            self.started[job.id] = job.result.name
            self.started_on[job.id] = engine
        view = OutputView(job.result, "run", max_lines=self.settings.max_output_lines, **self.settings.view_options())
        if console is not None:
            serve(view, job.events(), console, run_hang_up(job, console))
        else:
            try:
                run(view, job.events())
            except KeyboardInterrupt:
                err = job.interrupt()  # the interrupt landed outside the stream: same clean-up
                view.fail(err)
                view.finish()
                raise err from None
        if job.result.exit_code != 0 and not args.no_raise_error:
            raise failure(job.result)
        return shown(job.result, self.shell.execution_count, view.mode)

    def _puller(self):
        """`%docker_pull` (with its transfer view) when that magic is there, else docker-py's."""
        if self.shell is not None and self.shell.find_line_magic("docker_pull") is not None:
            return lambda image: self.shell.run_line_magic("docker_pull", image)
        return None

    def _mode(self) -> str:
        from ..views.live import default_mode

        mode = self.settings.display
        return default_mode() if mode in ("auto", None) else mode

    def _card(self, container, stop_timeout: int):
        from ..views.card import ContainerCard

        card = ContainerCard(container, self._mode(), max_lines=min(200, self.settings.max_output_lines),
                             stop_timeout=stop_timeout)
        card.show()
        return card

    # -- ps, logs, exec -------------------------------------------------------------------
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
        from .. import formats
        from ..containers import list_containers

        args = parse_line(self.docker_ps, line)
        formats.check_listing(args.format)
        listed = list_containers(self.engine(), args.all, args.size, args.filter, args.no_trunc,
                                 latest=args.latest, last=args.last)
        if args.format:
            from ..fields import PS_HEADER, PS_TABLE, ContainerRow

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
        from ..output import RunResult, log_events
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

    @line_cell_magic
    @reports_errors
    @magic_arguments()
    @argument("-i", "--interactive", action="store_true", help="Keep STDIN open (the cell of %%docker_exec is its stdin).")
    @argument("-t", "--tty", action="store_true", help="Allocate a pseudo-TTY: colours and line buffering (an interactive shell with nothing to type into is refused).")
    @argument("-d", "--detach", action="store_true", help="Detached mode: run command in the background.")
    @argument("-u", "--user", default=None, help="Username or UID (format: <name|uid>[:<group|gid>]).")
    @argument("-w", "--workdir", default=None, help="Working directory inside the container.")
    @argument("-e", "--env", action="append", default=[], metavar="KEY=VALUE", help="Set environment variables; repeatable.")
    @argument("--privileged", action="store_true", help="Give extended privileges to the command.")
    @argument("--no-raise-error", action="store_true", help="Do not raise an error when the command exits with a non-zero code.")
    @argument("container", help="CONTAINER name or id (running).")
    @argument("command", nargs=argparse.REMAINDER, help="COMMAND [ARG...]")
    def docker_exec(self, line, cell=None):
        """Run a command in a running container, as `docker exec` does; as a cell magic the
        cell is its stdin.  `-t` gives it a terminal (one stream, colours kept); `-d` starts it
        and returns at once.  A non-zero exit raises `RunFailed`.  Returns a `RunResult`."""
        from ..console import Console
        from ..output import Exec
        from ..run import failure
        from ..views.container import OutputView
        from ..views.live import run

        args, command = split_at_first_positional(self.docker_exec.parser, line)
        if not command:
            raise InvalidInput("docker exec needs a COMMAND after the container, e.g. %docker_exec web ls /")
        if cell is not None and args.tty:
            raise InvalidInput("-t needs a terminal; the cell is plain stdin: drop -t")
        terminal = args.tty and not args.detach
        can_read = terminal and args.interactive and readable(self.shell)
        if terminal:
            check_terminal(command, args.interactive, can_read)
        console = Console() if console_wanted(command, terminal, args.interactive, can_read) else None
        stdin = cell.encode() if cell is not None else console if console is not None else (
            b"" if args.interactive and not args.tty else None)
        job = Exec(self.engine(), args.container, command, args.user, args.workdir, args.env, stdin, tty=args.tty,
                   privileged=args.privileged)
        if args.detach:
            job.detached()
            return None
        view = OutputView(job.result, "exec", max_lines=self.settings.max_output_lines, **self.settings.view_options())
        if console is not None:
            serve(view, job.events(), console, detach_hang_up(job, console))
        else:
            run(view, job.events())
        if job.result.exit_code != 0 and not args.no_raise_error:
            raise failure(job.result)
        return shown(job.result, self.shell.execution_count, view.mode)

    # -- stop, start, rm, inspect -----------------------------------------------------------
    @line_magic
    @reports_errors
    @magic_arguments()
    @argument("-t", "--time", type=int, default=10, help="Seconds to wait for it to stop before killing it (default 10).")
    @argument("containers", nargs="+", help="CONTAINER [CONTAINER...]")
    def docker_stop(self, line):
        """Stop running containers: SIGTERM, then SIGKILL after --time seconds."""
        from ..containers import act

        args = parse_line(self.docker_stop, line)
        act(self.engine(), "stop", args.containers, timeout=args.time)

    @line_magic
    @reports_errors
    @magic_arguments()
    @argument("-a", "--attach", action="store_true", help="Attach STDOUT/STDERR: the output streams in until it exits.")
    @argument("-i", "--interactive", action="store_true", help="Attach the container's STDIN: with -a, a container made with -it for a shell is typed into a line at a time (an input box under the cell); else at its end at once.")
    @argument("containers", nargs="+", help="CONTAINER [CONTAINER...]")
    def docker_start(self, line):
        """Start stopped containers (detached; with -a, attached: a `RunResult` of one)."""
        from ..containers import act

        args = parse_line(self.docker_start, line)
        if args.attach or args.interactive:
            if len(args.containers) != 1:
                raise InvalidInput("docker start -a / -i attaches to one container")
            from ..lifecycle import Attach
            from ..views.container import OutputView
            from ..views.live import run

            engine = self.engine()
            console = self._start_console(engine, args) if args.interactive and args.attach else None
            job = Attach(engine, args.containers[0], start=True, stdin=console or args.interactive)
            view = OutputView(job.result, "start", max_lines=self.settings.max_output_lines, **self.settings.view_options())
            if console is not None:
                serve(view, job.events(), console, detach_hang_up(job, console))
            else:
                run(view, job.events())
            return shown(job.result, self.shell.execution_count, view.mode)
        act(self.engine(), "start", args.containers)

    def _start_console(self, engine, args):
        """`start -ai` of a container made with `-it` for an interactive shell: a console where
        what is typed can be read (else its stdin is at its end at once, as before)."""
        from ..console import Console
        from ..containers import inspect_container

        if not readable(self.shell):
            return None
        info = inspect_container(engine, args.containers[0])
        config = info.get("Config") or {}
        argv = [info.get("Path") or "", *(info.get("Args") or [])]
        return Console() if config.get("Tty") and config.get("OpenStdin") and is_shell(argv) else None

    @line_magic
    @reports_errors
    @magic_arguments()
    @argument("-f", "--force", action="store_true", help="Force the removal of a running container (uses SIGKILL).")
    @argument("-v", "--volumes", action="store_true", help="Remove anonymous volumes associated with the container.")
    @argument("-l", "--link", action="store_true", help="Remove the specified link (/CONTAINER/ALIAS), not a container.")
    @argument("containers", nargs="+", help="CONTAINER [CONTAINER...]")
    def docker_rm(self, line):
        """Remove containers (or, with --link, legacy links)."""
        from ..containers import act

        args = parse_line(self.docker_rm, line)
        from ..views.card import settle

        done = act(self.engine(), "rm", args.containers, force=args.force, volumes=args.volumes, link=args.link)
        for cid in [i for i, n in self.started.items() if n in done or i in done]:
            self.started.pop(cid, None)
        settle(done)  # a card showing one of them ends as "removed", in what a saved notebook keeps

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
        from .. import formats
        from ..containers import inspect_any

        args = parse_line(self.docker_inspect, line)
        if args.format and args.format != "json":
            formats.parse(args.format)  # a bad template fails before anything is asked
        found = inspect_any(self.engine(), args.names, size=args.size, kind=args.type)
        if args.format:
            return formats.Formatted(formats.inspect(args.format, found.data))
        return found

    # -- volumes and clean-up -------------------------------------------------------------------
    @line_magic
    @reports_errors
    def docker_volume(self, line=""):
        """Manage volumes: `create [-l KEY=VALUE] [NAME]`, `ls [-q] [-f KEY=VALUE]`,
        `inspect NAME...`, `rm [-f] NAME...`."""
        from .. import volumes

        words = split(line)
        sub, rest = (words[0], words[1:]) if words else ("", [])
        from .volumes import HANDLERS as handlers

        if sub not in handlers:
            raise InvalidInput("usage: %docker_volume create|ls|inspect|rm ...  (e.g. %docker_volume create data)")
        return handlers[sub](volumes, self.engine(), handlers[sub].parser.parse_args(rest))

    @line_magic
    @reports_errors
    def docker_cleanup(self, line=""):
        """Stop and remove every container this notebook started (and still exists), saying
        which.  `%config DockerMagics.cleanup_on_exit = True` does it when the kernel exits."""
        print(self._cleanup())

    def _cleanup(self) -> str:
        """`cleanup` on each engine this notebook started containers on."""
        from ..containers import cleanup

        groups: dict[int, tuple] = {}
        for cid, name in self.started.items():
            engine = self.started_on.get(cid)
            groups.setdefault(id(engine), (engine, {}))[1][cid] = name
        said = []
        for engine, subset in groups.values():
            before = set(subset)
            said.append(cleanup(engine or self.engine(), subset))
            for cid in before - set(subset):  # handled there
                self.started.pop(cid, None)
                self.started_on.pop(cid, None)
        done = [m for m in said if not m.startswith("nothing")]
        return "; ".join(done) if done else "nothing to clean up: no container this notebook started is left"

    def _at_exit(self) -> None:
        if self.started and getattr(self.settings, "cleanup_on_exit", False):
            try:
                self._cleanup()
            except Exception:
                pass


def _since(text, option: str = "--since"):
    if not text:
        return None
    import re
    import time

    from .. import units

    match = re.fullmatch(r"(\d+)([smh])", text)
    if match:
        return int(time.time() - int(match.group(1)) * {"s": 1, "m": 60, "h": 3600}[match.group(2)])
    epoch = units.to_epoch(text)
    if epoch is None:
        raise InvalidInput(f"{option} {text!r}: a timestamp (2013-01-02T13:23:37Z) or a duration (42m)")
    return int(epoch)
