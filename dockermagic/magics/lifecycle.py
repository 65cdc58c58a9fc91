"""`%docker_create`, `%docker_kill`, `%docker_pause`, `%docker_unpause`, `%docker_restart`,
`%docker_rename`, `%docker_wait`, `%docker_update`, `%docker_port`, `%docker_top`,
`%docker_attach`, `%docker_stats`: a container's life after `run`."""

from __future__ import annotations

from IPython.core.magic import line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments

from ..views.formatters import shown
from .args import parse_line
from .base import MagicsArea, reports_errors
from .run_args import run_extras, run_options, split_at_first_positional
from .shells import console_for, detach_hang_up, serve

_RESOURCES = ("--cpus", "-c", "--cpu-shares", "-m", "--memory", "--memory-swap", "--memory-reservation",
              "--cpuset-cpus", "--cpuset-mems", "--cpu-period", "--cpu-quota", "--pids-limit", "--restart")


def _resource_options(func):
    from ..containers.run_options import OPTIONS

    for flags, _, metavar, text in reversed([o for o in OPTIONS if set(o[0]) & set(_RESOURCES)]):
        func = argument(*flags, default=None, metavar=metavar, help=text)(func)
    return argument("--blkio-weight", type=int, default=None, metavar="N", help="Block IO (relative weight), between 10 and 1000, or 0 to disable.")(func)


@magics_class
class LifecycleMagics(MagicsArea):
    @line_magic
    @reports_errors
    @magic_arguments()
    @run_options
    def docker_create(self, line):
        """Create a new container without starting it, as `docker create` does (the options of
        `docker run`); prints its id and returns the `Container` (start it with %docker_start)."""
        from ..containers.containers import Container
        from ..containers.run import ContainerRun, RunRequest

        args, command = split_at_first_positional(self.docker_create.parser, line)
        network, extras = run_extras(args)
        request = RunRequest.make(
            args.image, command, name=args.name, interactive=args.interactive, tty=args.tty, rm=args.rm,
            env=args.env, env_file=args.env_file, volume=args.volume, mount=args.mount, publish=args.publish,
            workdir=args.workdir, user=args.user, entrypoint=args.entrypoint, network=network, init=args.init,
            hostname=args.hostname, label=args.label, pull=args.pull, stop_timeout=args.stop_timeout, extras=extras,
        )
        engine = self.engine()
        job = ContainerRun(engine, request, pull=self.shell.find_line_magic("docker_pull") and (
            lambda image: self.shell.run_line_magic("docker_pull", image)))
        cid = job.create()
        print(cid)
        return Container(engine, cid)

    @line_magic
    @reports_errors
    @magic_arguments()
    @argument("-s", "--signal", default="KILL", help='Signal to send to the container (default "KILL"): a name (TERM, SIGHUP) or a number.')
    @argument("containers", nargs="+", help="CONTAINER [CONTAINER...]")
    def docker_kill(self, line):
        """Kill one or more running containers, as `docker kill` does (SIGKILL unless -s)."""
        from ..containers.lifecycle import kill

        args = parse_line(self.docker_kill, line)
        return kill(self.engine(), args.containers, args.signal)

    @line_magic
    @reports_errors
    @magic_arguments()
    @argument("containers", nargs="+", help="CONTAINER [CONTAINER...]")
    def docker_pause(self, line):
        """Pause all processes within one or more containers (the freezer cgroup)."""
        from ..containers.lifecycle import pause

        return pause(self.engine(), parse_line(self.docker_pause, line).containers)

    @line_magic
    @reports_errors
    @magic_arguments()
    @argument("containers", nargs="+", help="CONTAINER [CONTAINER...]")
    def docker_unpause(self, line):
        """Unpause all processes within one or more containers."""
        from ..containers.lifecycle import unpause

        return unpause(self.engine(), parse_line(self.docker_unpause, line).containers)

    @line_magic
    @reports_errors
    @magic_arguments()
    @argument("-t", "--time", type=int, default=None, help="Seconds to wait before killing the container (default: its stop timeout, 10).")
    @argument("-s", "--signal", default=None, help="Signal to send to the container (default: its stop signal).")
    @argument("containers", nargs="+", help="CONTAINER [CONTAINER...]")
    def docker_restart(self, line):
        """Restart one or more containers: stop (SIGTERM, SIGKILL after --time), then start."""
        from ..containers.lifecycle import restart

        args = parse_line(self.docker_restart, line)
        return restart(self.engine(), args.containers, args.time, args.signal)

    @line_magic
    @reports_errors
    @magic_arguments()
    @argument("container", help="CONTAINER to rename.")
    @argument("new_name", help="NEW_NAME")
    def docker_rename(self, line):
        """Rename a container."""
        from ..containers.lifecycle import rename

        args = parse_line(self.docker_rename, line)
        return rename(self.engine(), args.container, args.new_name)

    @line_magic
    @reports_errors
    @magic_arguments()
    @argument("containers", nargs="+", help="CONTAINER [CONTAINER...]")
    def docker_wait(self, line):
        """Block until one or more containers stop, then print their exit codes."""
        from ..containers.lifecycle import wait

        return wait(self.engine(), parse_line(self.docker_wait, line).containers)

    @line_magic
    @reports_errors
    @magic_arguments()
    @_resource_options
    @argument("containers", nargs="+", help="CONTAINER [CONTAINER...]")
    def docker_update(self, line):
        """Update the resources (CPU, memory, pids) and restart policy of containers, as
        `docker update` does."""
        from ..containers.lifecycle import update
        from ..containers.run_options import translate

        args = parse_line(self.docker_update, line)
        host = translate(vars(args), None).host
        if args.blkio_weight is not None:
            host["blkio_weight"] = args.blkio_weight
        return update(self.engine(), args.containers, host)

    @line_magic
    @reports_errors
    @magic_arguments()
    @argument("container", help="CONTAINER")
    @argument("port", nargs="?", default=None, help="PRIVATE_PORT[/PROTO]: only this port's mappings.")
    def docker_port(self, line):
        """List port mappings of a container, as `docker port` does."""
        from ..containers.lifecycle import port

        args = parse_line(self.docker_port, line)
        return port(self.engine(), args.container, args.port)

    @line_magic
    @reports_errors
    @magic_arguments()
    @argument("container", help="CONTAINER (running).")
    @argument("ps_options", nargs="*", help="ps OPTIONS, e.g. aux (the engine passes them to ps).")
    def docker_top(self, line):
        """The running processes of a container, as a table.  Returns a `Processes`."""
        from ..containers.lifecycle import top

        args = parse_line(self.docker_top, line)
        return top(self.engine(), args.container, " ".join(args.ps_options))

    @line_magic
    @reports_errors
    @magic_arguments()
    @argument("--no-stdin", action="store_true", help="Do not attach STDIN (attached only to a container made with -it for a shell, typed into a line at a time where the cell can read input).")
    @argument("--sig-proxy", default="true", choices=["true", "false"], help="Proxy the interrupt to the process as SIGINT (default true); false: an interrupt only stops following.")
    @argument("container", help="CONTAINER (running).")
    def docker_attach(self, line):
        """Follow a running container's output from now on, as `docker attach` shows it, until it
        exits.  Interrupting the kernel sends the container SIGINT, as the CLI's Ctrl-C does
        (`--sig-proxy=false`: it only detaches).  A container made with `-it` for a shell is
        typed into a line at a time where the cell can read input; an interrupt then detaches
        and its shell runs on.  Returns a `RunResult`."""
        from ..containers.lifecycle import Attach, kill
        from ..views.container import OutputView
        from ..views.live import run

        args = parse_line(self.docker_attach, line)
        engine = self.engine()
        console = None if args.no_stdin else console_for(self.shell, engine, args.container, started=False)
        job = Attach(engine, args.container, stdin=console or False)
        view = OutputView(job.result, "attach", max_lines=self.settings.max_output_lines, **self.settings.view_options())
        if console is not None:  # an interrupt detaches: the container's shell runs on
            serve(view, job.events(), console, detach_hang_up(job, console, keys=False))
            return shown(job.result, self.shell.execution_count, view.mode)
        try:
            run(view, job.events())
        except KeyboardInterrupt:
            if args.sig_proxy == "true":
                kill(engine, [args.container], "INT")
        return shown(job.result, self.shell.execution_count, view.mode)

    @line_magic
    @reports_errors
    @magic_arguments()
    @argument("-a", "--all", action="store_true", help="Show all containers (default shows just running).")
    @argument("--no-stream", action="store_true", help="One reading, then return (else live until interrupted or they stop).")
    @argument("--format", default="", metavar="FORMAT", help="Format output using a Go template: 'table {{.Name}}\\t{{.CPUPerc}}', json, or a template.")
    @argument("containers", nargs="*", help="CONTAINER [CONTAINER...] (default: the running ones).")
    def docker_stats(self, line=""):
        """Live CPU and memory bars (and network, block I/O, pids) per container, as `docker
        stats` measures them; stops on an interrupt, when they stop, or at once with
        --no-stream.  Returns a `Stats` (the latest reading per container, short histories)."""
        from ..containers.stats import STATS_HEADER, Stats, samples, targets
        from ..gotemplate import formats
        from ..views.lifecycle import StatsView
        from ..views.live import run

        args = parse_line(self.docker_stats, line)
        formats.check_listing(args.format)
        render = None
        if args.format:
            render = lambda sample: formats.listing(args.format, [sample], STATS_HEADER, "").rstrip("\n")  # noqa: E731
        engine = self.engine()
        watched = targets(engine, args.containers, args.all)
        result = Stats(engine.label)
        view = StatsView(result, render, **self.settings.view_options())
        try:
            run(view, samples(engine, watched, not args.no_stream, result))
        except KeyboardInterrupt:
            result.stopped = "interrupted"
        return shown(result, self.shell.execution_count, view.mode)
