"""`%docker compose` subcommands on a project's running containers, with Docker Compose v2's
flags: logs, exec, run, start, stop, restart, kill, pause, unpause, rm, wait, top, images,
port, cp, events, version.  Each parses, calls one core function of `compose/`, hands its
events to a view and returns the result.

The project is the one the global flags load; with `-p NAME` and no compose file, v2's name-only
mode: the containers found by their labels are enough for everything but `run`.
"""

from __future__ import annotations

import argparse

from ...errors import ComposeFileError, InvalidInput
from ...views.formatters import shown
from .base import subcommand

SERVICES = (("services",), {"nargs": "*", "metavar": "SERVICE", "help": "Services (default: all)."})
TIMEOUT = (("-t", "--timeout"), {"type": int, "default": None, "help": "Specify a shutdown timeout in seconds."})
INDEX = (("--index",), {"type": int, "default": None, "help": "Index of the container if service has multiple replicas."})


def target(call):
    """(the loaded Project or None, a ComposeProject to fill): name-only with `-p` and no file."""
    from ...compose.results import ComposeProject

    try:
        project = call.project()
    except (ImportError, ComposeFileError):
        if not call.flags.project_name:
            raise
        name = call.flags.project_name.lower()
        return None, ComposeProject(name, action=call.name, engine=call.engine().label)
    return project, ComposeProject(project.name, project.working_dir, project.model, call.name,
                                   engine=call.engine().label)


def _act(call, operation, *args, **kwargs):
    _, result = target(call)
    engine = call.engine()
    return call.show(result, operation(engine, result, *args, **kwargs))


@subcommand("start", "Start services", SERVICES)
def start(call, args):
    from ...compose import lifecycle

    return _act(call, lifecycle.start, args.services)


@subcommand("stop", "Stop services", TIMEOUT, SERVICES)
def stop(call, args):
    from ...compose import lifecycle

    return _act(call, lifecycle.stop, args.services, args.timeout)


@subcommand("restart", "Restart service containers", TIMEOUT, SERVICES)
def restart(call, args):
    from ...compose import lifecycle

    return _act(call, lifecycle.restart, args.services, args.timeout)


@subcommand("kill", "Force stop service containers",
            (("-s", "--signal"), {"default": "SIGKILL", "help": 'SIGNAL to send to the container (default "SIGKILL").'}),
            SERVICES)
def kill(call, args):
    from ...compose import lifecycle

    return _act(call, lifecycle.kill, args.services, args.signal)


@subcommand("pause", "Pause services", SERVICES)
def pause(call, args):
    from ...compose import lifecycle

    return _act(call, lifecycle.pause, args.services)


@subcommand("unpause", "Unpause services", SERVICES)
def unpause(call, args):
    from ...compose import lifecycle

    return _act(call, lifecycle.unpause, args.services)


@subcommand("rm", "Removes stopped service containers",
            (("-f", "--force"), {"action": "store_true", "help": "Don't ask to confirm removal (a cell never asks)."}),
            (("-s", "--stop"), {"action": "store_true", "help": "Stop the containers, if required, before removing."}),
            (("-v", "--volumes"), {"action": "store_true", "help": "Remove any anonymous volumes attached to containers."}),
            SERVICES)
def rm(call, args):
    from ...compose import lifecycle

    return _act(call, lifecycle.remove, args.services, args.stop, args.volumes)


@subcommand("wait", "Block until containers of all (or specified) services stop.",
            (("--down-project",), {"action": "store_true", "help": "Drops project when the first container stops (not here yet)."}),
            SERVICES)
def wait(call, args):
    from ...compose import lifecycle

    if args.down_project:
        raise InvalidInput("wait --down-project is not supported here yet: wait, then %docker compose down")
    return _act(call, lifecycle.wait, args.services)


@subcommand("logs", "View output from containers",
            (("-f", "--follow"), {"action": "store_true", "help": "Follow log output."}),
            (("--tail", "-n"), {"default": "all", "help": 'Number of lines to show from the end of the logs for each container (default "all").'}),
            (("-t", "--timestamps"), {"action": "store_true", "help": "Show timestamps."}),
            (("--since",), {"default": None, "help": "Show logs since timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m)."}),
            (("--until",), {"default": None, "help": "Show logs before a timestamp or relative (e.g. 42m)."}),
            (("--no-color",), {"action": "store_true", "help": "Produce monochrome output."}),
            (("--no-log-prefix",), {"action": "store_true", "help": "Don't print prefix in logs."}),
            INDEX, SERVICES)
def logs(call, args):
    from ...compose import logs as compose_logs
    from ...compose import state, targets
    from ...resources.events import parse_time

    if args.tail != "all" and not args.tail.lstrip("-").isdigit():
        raise InvalidInput(f'--tail {args.tail!r}: a number of lines, or "all"')
    _, result = target(call)
    targets.check_services(result, args.services)
    engine = call.engine()
    rows, lines = compose_logs.project_logs(
        engine, result.name, args.services, index=args.index, follow=args.follow, timestamps=args.timestamps,
        tail=None if args.tail == "all" else int(args.tail),
        since=parse_time(args.since, "--since") if args.since else None,
        until=parse_time(args.until, "--until") if args.until else None)
    if args.follow:  # live: the stack view shows each service's lines as they come
        try:
            return call.show(result, lines, color=not args.no_color, prefix=not args.no_log_prefix)
        except KeyboardInterrupt:
            return result
    return compose_logs.ComposeLogs(result.name, list(lines), [state.name_of(r) for r in rows],
                                    prefix=not args.no_log_prefix, color=not args.no_color,
                                    timestamps=args.timestamps)


@subcommand("top", "Display the running processes", SERVICES)
def top(call, args):
    from ...compose import inspect, targets

    _, result = target(call)
    targets.check_services(result, args.services)
    return inspect.top(call.engine(), result.name, args.services)


@subcommand("images", "List images used by the created containers",
            (("--format",), {"default": "table", "choices": ["table", "json"], "help": "Format the output. Values: [table | json]."}),
            (("-q", "--quiet"), {"action": "store_true", "help": "Only display IDs."}), SERVICES)
def images(call, args):
    from ...compose import inspect, targets

    _, result = target(call)
    targets.check_services(result, args.services)
    return inspect.images(call.engine(), result.name, args.services, args.format, args.quiet)


@subcommand("port", "Print the public port for a port binding",
            INDEX, (("--protocol",), {"default": "tcp", "choices": ["tcp", "udp"], "help": 'tcp or udp (default "tcp").'}),
            (("service",), {"metavar": "SERVICE"}), (("private_port",), {"type": int, "metavar": "PRIVATE_PORT"}))
def port(call, args):
    from ...compose import inspect

    _, result = target(call)
    return inspect.port(call.engine(), result.name, args.service, args.private_port, args.protocol, args.index)


@subcommand("events", "Receive real time events from containers",
            (("--json",), {"action": "store_true", "help": "Output events as a stream of json objects."}),
            (("--since",), {"default": None, "help": "Show all events created since timestamp."}),
            (("--until",), {"default": None, "help": "Stream events until this timestamp."}), SERVICES)
def events(call, args):
    from ...compose import inspect
    from ...resources import events as engine_events
    from ...views.live import run
    from ...views.system import EventsView

    _, result = target(call)
    since = engine_events.parse_time(args.since, "--since") if args.since else None
    until = engine_events.parse_time(args.until, "--until") if args.until else None
    engine = call.engine()
    log = engine_events.EventLog([], label=engine.label)
    view = EventsView(log, render=inspect.event_json if args.json else inspect.event_line, **call.view_options)
    stream = engine_events.logged(inspect.events(engine, result.name, args.services, since, until), log,
                                  call.magics.settings.max_output_lines)
    try:
        run(view, stream)
    except KeyboardInterrupt:
        log.stopped = "interrupted"
        view.finish()
    return shown(log, call.magics.shell.execution_count, view.mode)


@subcommand("version", "Show the Docker Compose version information",
            (("-f", "--format"), {"default": "pretty", "choices": ["pretty", "json"], "help": "Format the output. Values: [pretty | json]."}),
            (("--short",), {"action": "store_true", "help": "Shows only Compose's version number."}))
def version(call, args):
    from ...compose import inspect

    return inspect.version(args.format, args.short)


@subcommand("cp", "Copy files/folders between a service container and the local filesystem",
            INDEX, (("-a", "--archive"), {"action": "store_true", "help": "Archive mode (copy all uid/gid information)."}),
            (("-L", "--follow-link"), {"action": "store_true", "help": "Always follow symbol link in SRC_PATH."}),
            (("source",), {"metavar": "SRC", "help": "SERVICE:SRC_PATH or a local path."}),
            (("dest",), {"metavar": "DEST", "help": "A local path or SERVICE:DEST_PATH."}))
def cp(call, args):
    from ...compose import state, targets
    from ...files.copy import copy_in, copy_out, split_target
    from ...files.transfer import FileTransfer
    from ...views.copying import CopyView
    from ...views.live import run

    (src_s, src), (dst_s, dst) = split_target(args.source), split_target(args.dest)
    if bool(src_s) == bool(dst_s):
        raise InvalidInput("docker compose cp copies between a service container and this machine: one of SRC "
                           "and DEST is SERVICE:PATH, the other a local path")
    _, result = target(call)
    engine = call.engine()
    row = targets.one(engine, result.name, src_s or dst_s, args.index, running=False)
    name = state.name_of(row)
    moved = FileTransfer("cp", args.source, args.dest, label=engine.label)
    stream = (copy_out(engine, name, src, dst, moved, args.archive, args.follow_link) if src_s
              else copy_in(engine, src, name, dst, moved, args.archive, args.follow_link))
    view = CopyView(moved, **call.view_options)
    run(view, stream)
    return shown(moved, call.magics.shell.execution_count, view.mode)


def _terminal_options(func_args):
    return (
        (("-d", "--detach"), {"action": "store_true", "help": "Detached mode: Run command in the background."}),
        (("-e", "--env"), {"action": "append", "default": [], "help": "Set environment variables."}),
        (("-u", "--user"), {"default": None, "help": "Run the command as this user."}),
        (("-w", "--workdir"), {"default": None, "help": "Path to workdir directory for this command."}),
        (("-T", "--no-TTY"), {"action": "store_true", "dest": "no_tty", "help": "Disable pseudo-TTY allocation (default: a TTY)."}),
        (("-i", "--interactive"), {"action": "store_true", "default": True, "help": "Keep STDIN open (default true)."}),
        (("-t", "--tty"), {"action": "store_true", "help": "Allocate a pseudo-TTY (the default; -T turns it off)."}),
        (("--no-raise-error",), {"action": "store_true", "help": "Do not raise an error on a non-zero exit code."}),
        *func_args,
        (("service",), {"metavar": "SERVICE"}),
        (("command",), {"nargs": argparse.REMAINDER, "metavar": "COMMAND [ARGS...]"}),
    )


@subcommand("exec", "Execute a command in a running container", *_terminal_options((
    (("--privileged",), {"action": "store_true", "help": "Give extended privileges to the process."}), INDEX)))
def exec_(call, args):
    from ...compose import oneoff
    from . import terminals

    _, result = target(call)
    return terminals.exec_in(call, result, args, oneoff)


@subcommand("run", "Run a one-off command on a service", *_terminal_options((
    (("--rm",), {"action": "store_true", "help": "Automatically remove the container when it exits."}),
    (("--name",), {"default": None, "help": "Assign a name to the container."}),
    (("--entrypoint",), {"default": None, "help": "Override the entrypoint of the image."}),
    (("-l", "--label"), {"action": "append", "default": [], "help": "Add or override a label."}),
    (("-v", "--volume"), {"action": "append", "default": [], "help": "Bind mount a volume."}),
    (("-p", "--publish"), {"action": "append", "default": [], "help": "Publish a container's port(s) to the host."}),
    (("-P", "--service-ports"), {"action": "store_true", "help": "Run command with all service's ports enabled and mapped to the host."}),
    (("--no-deps",), {"action": "store_true", "help": "Don't start linked services."}))))
def run_(call, args):
    from . import terminals

    if args.service_ports and args.publish:
        raise InvalidInput("--service-ports and --publish are incompatible")
    project, result = target(call)
    return terminals.run_oneoff(call, args, project, result)
