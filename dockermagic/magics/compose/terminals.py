"""`%docker compose exec` and `run`: a command in a service's container, with a terminal by
default as v2 gives one (`-T` for none), an interactive shell typed into a line at a time as
`%docker exec -it` is (the house's `Console` and `serve`), the output in the house's output view,
and a non-zero exit raised as `RunFailed` (`--no-raise-error` opts out)."""

from __future__ import annotations

from ..run_args import check_terminal, console_wanted
from ..shells import readable, show_job


def _console(call, args):
    """(tty, the Console or None) for this call's command, refusing what a cell cannot serve."""
    from ...containers.console import Console

    tty = not args.no_tty and not args.detach
    can_read = tty and readable(call.magics.shell)
    if tty and args.command:
        check_terminal(args.command, args.interactive, can_read)
    wanted = console_wanted(args.command, tty, args.interactive, can_read) and bool(args.command)
    return tty, Console() if wanted else None


def _shown(call, job, console, args, verb: str):
    return show_job(job, verb, console, call.magics.settings, call.magics.shell.execution_count,
                    not args.no_raise_error)


def exec_in(call, result, args, oneoff):
    """`docker compose exec [OPTIONS] SERVICE COMMAND`."""
    from ...compose import targets

    targets.check_services(result, [args.service])
    tty, console = _console(call, args)
    job = oneoff.exec_job(call.engine(), result.name, args.service, args.command, index=args.index, user=args.user,
                          workdir=args.workdir, env=args.env, stdin=console, tty=tty, privileged=args.privileged)
    if args.detach:
        job.detached()
        return None
    return _shown(call, job, console, args, "exec")


def run_oneoff(call, args, project, result):
    """`docker compose run [OPTIONS] SERVICE [COMMAND]`: dependencies first (unless --no-deps),
    then the one-off container; `-d` prints its name; `--rm` removes it once it exits."""
    from ...compose import oneoff
    from ...errors import InvalidInput
    from ...gotemplate.formats import Formatted

    if project is None:
        raise InvalidInput("docker compose run needs the project's compose file (found none): run it where "
                           "compose.yaml is, or give -f FILE")
    engine = call.engine()
    if args.service not in project.services:
        raise InvalidInput(f'no such service: "{args.service}"')
    call.show(result, oneoff.prepare(engine, project, args.service, args.no_deps, call.magics.settings.builder),
              quiet=True)
    tty, console = _console(call, args)
    options = oneoff.RunOptions(
        command=list(args.command), rm=args.rm, detach=args.detach, name=args.name, entrypoint=args.entrypoint,
        env=args.env, labels=args.label, user=args.user, workdir=args.workdir, volumes=args.volume,
        publish=args.publish, service_ports=args.service_ports, no_deps=args.no_deps, tty=tty,
        interactive=console is not None or (args.detach and args.interactive))
    cid, name = oneoff.create(engine, project, args.service, options, list(call.flags.env_files))
    if args.detach:
        engine.api.start(cid)
        return Formatted(name + "\n")
    try:
        return _shown(call, oneoff.attach(engine, cid, stdin=console or False), console, args, "run")
    finally:
        if args.rm:
            _remove(engine, cid)


def _remove(engine, cid: str) -> None:
    import docker

    try:
        engine.api.remove_container(cid, force=True, v=True)
    except docker.errors.NotFound:
        pass
