"""`%docker_run` / `%%docker_run`, `%docker_exec`, `%docker_stop`, `%docker_start`, `%docker_rm`,
`%docker_cleanup`: containers this notebook runs (ps, logs, inspect and volumes are in listings.py)."""

from __future__ import annotations

import argparse
import atexit

from IPython.core.magic import line_cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments

from ..errors import InvalidInput
from ..views.formatters import shown
from .args import parse_line
from .base import MagicsArea, reports_errors
from .run_args import check_terminal, console_wanted, is_shell, run_extras, run_options, split_at_first_positional
from .shell import streams
from .shells import console_for, detach_hang_up, readable, run_hang_up, serve, show_job


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
        `-it IMAGE sh` (any interactive shell or REPL): the terminal streams into the cell and an
        input box under it takes one line at a time, sent as typed with Enter, until the shell
        ends (`exit`; no box is asked for after it).  Where nothing typed can be read (a headless
        "Run All", a frontend without stdin) it is refused before anything is created; full-screen
        programs (vi, less, top) are refused always.
        Interrupting the kernel stops the container (and removes it with --rm); in a shell it is
        first hung up (Ctrl-C, Ctrl-D), as closing its terminal would.
        """
        from ..containers.console import Console
        from ..containers.run import ContainerRun, RunRequest, failure
        from ..views.container import OutputView
        from ..views.live import run

        args, command = split_at_first_positional(self.docker_run.parser, line)
        if cell is None and args.interactive and streams.stdin() is not None:  # `... | docker run -i ...`
            cell = streams.stdin_bytes()
        if cell is not None and args.tty:
            raise InvalidInput("-t needs a terminal; the cell is plain stdin: drop -t (and -i, which the cell form implies)")
        terminal = args.tty and not args.detach  # output through a terminal
        can_read = terminal and readable(self.shell)
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
        stdin = (cell if isinstance(cell, bytes) else cell.encode()) if cell is not None else console
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

    # -- exec ------------------------------------------------------------------------------
    @line_cell_magic
    @reports_errors
    @magic_arguments()
    @argument("-i", "--interactive", action="store_true", help="Keep STDIN open: the cell of %%docker_exec is its stdin; with -t and an interactive shell (-it C bash), what is typed into the input box under the cell, a line at a time.")
    @argument("-t", "--tty", action="store_true", help="Allocate a pseudo-TTY: colours and line buffering; -it C sh is typed into line by line (refused where nothing typed can be read: a headless run; full-screen programs such as vi or top always).")
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
        cell is its stdin.  `-t` gives it a terminal (one stream, colours kept); `-it C sh` (an
        interactive shell) is typed into a line at a time through an input box under the cell,
        until it exits (an interrupt hangs it up: Ctrl-C, Ctrl-D; the container runs on).  `-d`
        starts it and returns at once.  A non-zero exit raises `RunFailed`.  Returns a `RunResult`."""
        from ..containers.console import Console
        from ..containers.output import Exec

        args, command = split_at_first_positional(self.docker_exec.parser, line)
        if not command:
            raise InvalidInput("docker exec needs a COMMAND after the container, e.g. %docker_exec web ls /")
        if cell is None and args.interactive and streams.stdin() is not None:  # `... | docker exec -i C ...`
            cell = streams.stdin_bytes()
        if cell is not None and args.tty:
            raise InvalidInput("-t needs a terminal; the cell is plain stdin: drop -t")
        terminal = args.tty and not args.detach
        can_read = terminal and readable(self.shell)
        if terminal:
            check_terminal(command, args.interactive, can_read)
        console = Console() if console_wanted(command, terminal, args.interactive, can_read) else None
        stdin = (cell if isinstance(cell, bytes) else cell.encode()) if cell is not None else console if console is not None else (
            b"" if args.interactive and not args.tty else None)
        job = Exec(self.engine(), args.container, command, args.user, args.workdir, args.env, stdin, tty=args.tty,
                   privileged=args.privileged)
        if args.detach:
            job.detached()
            return None
        return show_job(job, "exec", console, self.settings, self.shell.execution_count, not args.no_raise_error)

    # -- stop, start, rm ------------------------------------------------------------------
    @line_magic
    @reports_errors
    @magic_arguments()
    @argument("-t", "--time", type=int, default=10, help="Seconds to wait for it to stop before killing it (default 10).")
    @argument("containers", nargs="+", help="CONTAINER [CONTAINER...]")
    def docker_stop(self, line):
        """Stop running containers: SIGTERM, then SIGKILL after --time seconds."""
        from ..containers.containers import act

        args = parse_line(self.docker_stop, line)
        act(self.engine(), "stop", args.containers, timeout=args.time)

    @line_magic
    @reports_errors
    @magic_arguments()
    @argument("-a", "--attach", action="store_true", help="Attach STDOUT/STDERR: the output streams in until it exits.")
    @argument("-i", "--interactive", action="store_true", help="Attach the container's STDIN: with -a, a container made with -it for a shell is typed into a line at a time (an input box under the cell); else at its end at once.")
    @argument("--checkpoint", default=None, help="Refused: restoring a checkpoint is experimental CRIU, not driven here.")
    @argument("--checkpoint-dir", default=None, help="Refused, with --checkpoint.")
    @argument("containers", nargs="+", help="CONTAINER [CONTAINER...]")
    def docker_start(self, line):
        """Start stopped containers (detached; with -a, attached: a `RunResult` of one; `-ai` of a
        container made with `-it` for a shell: typed into a line at a time, as `%docker_run -it`)."""
        from ..containers.containers import act

        args = parse_line(self.docker_start, line)
        if args.checkpoint is not None or args.checkpoint_dir is not None:
            raise InvalidInput('"--checkpoint" is not supported here: checkpoints are experimental CRIU (docker '
                               "checkpoint), off on standard engines; start the container without it")
        if args.attach or args.interactive:
            if len(args.containers) != 1:
                raise InvalidInput("docker start -a / -i attaches to one container")
            from ..containers.lifecycle import Attach
            from ..views.container import OutputView
            from ..views.live import run

            engine = self.engine()
            console = console_for(self.shell, engine, args.containers[0]) if args.interactive and args.attach else None
            job = Attach(engine, args.containers[0], start=True, stdin=console or args.interactive)
            view = OutputView(job.result, "start", max_lines=self.settings.max_output_lines, **self.settings.view_options())
            if console is not None:
                serve(view, job.events(), console, detach_hang_up(job, console))
            else:
                run(view, job.events())
            return shown(job.result, self.shell.execution_count, view.mode)
        act(self.engine(), "start", args.containers)

    @line_magic
    @reports_errors
    @magic_arguments()
    @argument("-f", "--force", action="store_true", help="Force the removal of a running container (uses SIGKILL).")
    @argument("-v", "--volumes", action="store_true", help="Remove anonymous volumes associated with the container.")
    @argument("-l", "--link", action="store_true", help="Remove the specified link (/CONTAINER/ALIAS), not a container.")
    @argument("containers", nargs="+", help="CONTAINER [CONTAINER...]")
    def docker_rm(self, line):
        """Remove containers (or, with --link, legacy links)."""
        from ..containers.containers import act

        args = parse_line(self.docker_rm, line)
        from ..views.card import settle

        done = act(self.engine(), "rm", args.containers, force=args.force, volumes=args.volumes, link=args.link)
        for cid in [i for i, n in self.started.items() if n in done or i in done]:
            self.started.pop(cid, None)
        settle(done)  # a card showing one of them ends as "removed", in what a saved notebook keeps

    # -- clean-up ------------------------------------------------------------------------------
    @line_magic
    @reports_errors
    def docker_cleanup(self, line=""):
        """Stop and remove every container this notebook started (and still exists), saying
        which.  `%config DockerMagics.cleanup_on_exit = True` does it when the kernel exits."""
        print(self._cleanup())

    def _cleanup(self) -> str:
        """`cleanup` on each engine this notebook started containers on."""
        from ..containers.containers import cleanup

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
            except Exception:  # noqa: BLE001 -- at interpreter exit, with the engine perhaps gone, nothing may raise
                pass
