"""`%docker compose up|down|create|ps|ls|build|pull|push`: a project's lifecycle on the engine,
with Compose v2's flags.  Each handler parses nothing itself (its parser is the registry's),
calls one core generator of `dockermagic/compose/` and hands it to the stack view."""

from __future__ import annotations

from ...errors import ComposeError, ComposeFileError, InvalidInput
from .base import subcommand

_TIMEOUT = (("-t", "--timeout"), {"type": int, "default": None, "help": "Specify a shutdown timeout in seconds."})
_SERVICES = (("services",), {"nargs": "*", "metavar": "SERVICE", "help": "Services (default: all)."})
_QUIET = (("--quiet", "-q"), {"action": "store_true", "help": "Don't show the progress view."})


def _scale(words: list[str]) -> dict[str, int]:
    out = {}
    for word in words:
        name, sep, count = word.partition("=")
        if not sep or not count.isdigit():
            raise InvalidInput(f"--scale {word!r}: SERVICE=NUM, e.g. web=3")
        out[name] = int(count)
    return out


def _up_options(call, args, create_only: bool = False):
    from ...compose.up import UpOptions

    if getattr(args, "build", False) and args.no_build:
        raise InvalidInput("--build and --no-build are incompatible")
    if args.force_recreate and args.no_recreate:
        raise InvalidInput("--force-recreate and --no-recreate are incompatible")
    if args.pull not in (None, "always", "missing", "never", "build", "policy"):
        raise InvalidInput(f"invalid --pull option {args.pull!r}: always, missing, never or build")
    options = UpOptions(services=list(args.services), build=args.build, no_build=args.no_build,
                        pull=None if args.pull == "policy" else args.pull, force_recreate=args.force_recreate,
                        no_recreate=args.no_recreate, scale=_scale(args.scale), remove_orphans=args.remove_orphans,
                        env_files=list(call.flags.env_files), builder=call.magics.settings.builder)
    if create_only:
        options.no_start = True
        return options
    options.detach = args.detach or args.wait
    options.no_deps, options.no_start = args.no_deps, args.no_start
    options.wait, options.wait_timeout, options.timeout = args.wait, args.wait_timeout, args.timeout
    options.abort_on_container_exit = args.abort_on_container_exit
    options.exit_code_from = args.exit_code_from
    options.attach, options.no_attach = list(args.attach), list(args.no_attach)
    options.timestamps = args.timestamps
    if options.exit_code_from and options.exit_code_from not in call.project().services:
        raise InvalidInput(f"--exit-code-from: no such service: {options.exit_code_from}")
    if options.detach and (options.abort_on_container_exit or options.exit_code_from):
        raise InvalidInput("--abort-on-container-exit and --exit-code-from cannot be combined with -d/--wait")
    return options


_CONVERGE = (
    (("--build",), {"action": "store_true", "help": "Build images before starting containers."}),
    (("--no-build",), {"action": "store_true", "help": "Don't build an image, even if it's policy."}),
    (("--pull",), {"default": "policy", "help": 'Pull image before running ("always"|"missing"|"never"|"build").'}),
    (("--force-recreate",), {"action": "store_true", "help": "Recreate containers even if their configuration and image haven't changed."}),
    (("--no-recreate",), {"action": "store_true", "help": "If containers already exist, don't recreate them."}),
    (("--scale",), {"action": "append", "default": [], "metavar": "SERVICE=NUM", "help": "Scale SERVICE to NUM instances; repeatable."}),
    (("--remove-orphans",), {"action": "store_true", "help": "Remove containers for services not defined in the Compose file."}),
)


@subcommand(
    "up", "Create and start containers",
    (("-d", "--detach"), {"action": "store_true", "help": "Detached mode: run containers in the background."}),
    *_CONVERGE,
    (("--no-deps",), {"action": "store_true", "help": "Don't start linked services."}),
    (("--no-start",), {"action": "store_true", "help": "Don't start the services after creating them."}),
    (("--wait",), {"action": "store_true", "help": "Wait for services to be running|healthy. Implies detached mode."}),
    (("--wait-timeout",), {"type": float, "default": None, "help": "Maximum duration in seconds to wait for the project to be running|healthy."}),
    (("--abort-on-container-exit",), {"action": "store_true", "help": "Stops all containers if any container was stopped."}),
    (("--exit-code-from",), {"default": None, "metavar": "SERVICE", "help": "Return the exit code of the selected service container. Implies --abort-on-container-exit."}),
    (("--attach",), {"action": "append", "default": [], "metavar": "SERVICE", "help": "Restrict attaching to the specified services."}),
    (("--no-attach",), {"action": "append", "default": [], "metavar": "SERVICE", "help": "Do not attach (stream logs) to the specified services."}),
    (("--timestamps",), {"action": "store_true", "help": "Show timestamps."}),
    (("--no-color",), {"action": "store_true", "help": "Produce monochrome output."}),
    (("--no-log-prefix",), {"action": "store_true", "help": "Don't print prefix in logs."}),
    _TIMEOUT, _QUIET, _SERVICES,
)
def up(call, args):
    """`up`: converge and start; the foreground form streams the services' logs until they end."""
    from ...compose.results import ComposeProject
    from ...compose.up import up as run_up

    project = call.project()
    options = _up_options(call, args)
    result = ComposeProject(project.name, project.working_dir, project.model, action="up", engine=call.engine().label)
    call.show(result, run_up(call.engine(), project, result, options), quiet=args.quiet,
              color=not args.no_color, prefix=not args.no_log_prefix)
    if options.exit_code_from and result.exit_code:
        error = ComposeError(f"service {options.exit_code_from!r} exited with code {result.exit_code}")
        error.result = result
        raise error
    return result


@subcommand("create", "Creates containers for a service", *_CONVERGE, _QUIET, _SERVICES)
def create(call, args):
    from ...compose.results import ComposeProject
    from ...compose.up import up as run_up

    project = call.project()
    options = _up_options(call, args, create_only=True)
    result = ComposeProject(project.name, project.working_dir, project.model, action="create", engine=call.engine().label)
    return call.show(result, run_up(call.engine(), project, result, options), quiet=args.quiet)


def _project_or_name(call):
    """(project, name): the model when a compose file loads; with `-p NAME` and no file, the
    name alone, as v2 runs `down` and `ps` on a project known only by its label."""
    try:
        project = call.project()
        return project, project.name
    except (ComposeFileError, ModuleNotFoundError):
        if call.flags.project_name:
            return None, call.flags.project_name
        raise


@subcommand(
    "down", "Stop and remove containers, networks",
    (("-v", "--volumes"), {"action": "store_true", "help": "Remove named volumes declared in the volumes section and anonymous volumes."}),
    (("--rmi",), {"default": None, "choices": ["local", "all"], "help": 'Remove images used by services: "local" only images without a custom tag, "all" every image.'}),
    (("--remove-orphans",), {"action": "store_true", "help": "Remove containers for services not defined in the Compose file."}),
    _TIMEOUT, _QUIET, _SERVICES,
)
def down(call, args):
    from ...compose.down import down as run_down
    from ...compose.results import ComposeProject

    project, name = _project_or_name(call)
    result = ComposeProject(name, action="down", engine=call.engine().label,
                            model=project.model if project is not None else {})
    events = run_down(call.engine(), name, project, result, volumes=args.volumes, rmi=args.rmi,
                      remove_orphans=args.remove_orphans, timeout=args.timeout, services=args.services)
    return call.show(result, events, quiet=args.quiet)


@subcommand(
    "ps", "List containers",
    (("-a", "--all"), {"action": "store_true", "help": "Show all stopped containers (including those created by the run command)."}),
    (("-q", "--quiet"), {"action": "store_true", "help": "Only display IDs."}),
    (("--services",), {"action": "store_true", "help": "Display services."}),
    (("--status",), {"action": "append", "default": [], "help": "Filter services by status: paused, restarting, removing, running, dead, created, exited."}),
    (("--filter",), {"default": None, "metavar": "status=STATUS", "help": "Filter services by a property (status)."}),
    (("--format",), {"default": "", "help": "Format the output: table (default), json, or a Go template."}),
    (("--no-trunc",), {"action": "store_true", "help": "Don't truncate output."}),
    (("--orphans",), {"default": "true", "choices": ["true", "false"], "help": "Include orphaned services (not declared by project); v2.40.3 lists them either way, as here."}),
    (("service_names",), {"nargs": "*", "metavar": "SERVICE", "help": "Services (default: all)."}),
)
def ps(call, args):
    from ...compose import state
    from ...gotemplate import formats

    project, name = _project_or_name(call)
    api = call.engine().api
    statuses = list(args.status) + ([args.filter.partition("=")[2]] if args.filter else [])
    raws = state.raw_containers(api, name, all=args.all or bool(statuses),
                                oneoff=None if args.all or statuses else False, services=args.service_names)
    raws.sort(key=state.name_of)   # v2 lists by name
    if statuses:
        raws = [r for r in raws if r.get("State") in statuses]
    if args.quiet or args.services or args.format or args.no_trunc:
        if args.format not in ("", "table", "json"):
            formats.check_listing(args.format)
        return formats.Formatted(state.ps_text(raws, args.format, args.quiet, args.services,
                                                  trunc=not args.no_trunc))
    result = state.read(api, name, project.model if project is not None else None, all=True)
    result.containers = [state.container(r) for r in raws]
    result.engine = call.engine().label
    return result


@subcommand(
    "ls", "List running compose projects",
    (("-a", "--all"), {"action": "store_true", "help": "Show all stopped Compose projects."}),
    (("-q", "--quiet"), {"action": "store_true", "help": "Only display project names."}),
    (("--filter",), {"action": "append", "default": [], "metavar": "name=NAME", "help": "Filter output based on conditions provided."}),
    (("--format",), {"default": "", "help": "Format the output: table (default), json, or a Go template."}),
)
def ls(call, args):
    from ...compose import state
    from ...gotemplate import formats

    rows = state.projects(call.engine().api, all=args.all, filters=args.filter)
    return formats.Formatted(state.ls_text(rows, args.format, args.quiet))


@subcommand(
    "build", "Build or rebuild services",
    (("--no-cache",), {"action": "store_true", "help": "Do not use cache when building the image."}),
    (("--pull",), {"action": "store_true", "help": "Always attempt to pull a newer version of the image."}),
    _QUIET, _SERVICES,
)
def build(call, args):
    from ...compose.images import build as run_build
    from ...compose.results import ComposeProject
    from ...compose.up import order

    project = call.project()
    services = order(project, args.services, no_deps=True) if args.services else list(project.services)
    result = ComposeProject(project.name, project.working_dir, project.model, action="build", engine=call.engine().label)
    return call.show(result, run_build(call.engine(), project, services, args.no_cache, args.pull,
                                       call.magics.settings.builder), quiet=args.quiet)


def _each_image(call, args, verb):
    from ...compose import images
    from ...compose import labels as names
    from ...compose.results import ComposeProject

    project = call.project()
    engine = call.engine()
    result = ComposeProject(project.name, project.working_dir, project.model, action=verb, engine=engine.label)
    wanted = args.services or list(project.services)

    def events():
        for name in wanted:
            service = project.services.get(name)
            if service is None:
                raise InvalidInput(f"no such service: {name}")
            if verb == "pull" and (not service.get("image") or service.get("pull_policy") in ("build",)):
                continue
            if verb == "push" and not service.get("image") and not service.get("build"):
                continue
            image = names.image_name(project.name, name, service)
            work = images.pull if verb == "pull" else images.push
            yield from work(engine, image, name, ignore_failures=args.ignore_failures)

    return call.show(result, events(), quiet=args.quiet)


@subcommand(
    "pull", "Pull service images",
    (("--ignore-pull-failures",), {"dest": "ignore_failures", "action": "store_true", "help": "Pull what it can and ignores images with pull failures."}),
    _QUIET, _SERVICES,
)
def pull(call, args):
    return _each_image(call, args, "pull")


@subcommand(
    "push", "Push service images",
    (("--ignore-push-failures",), {"dest": "ignore_failures", "action": "store_true", "help": "Push what it can and ignores images with push failures."}),
    _QUIET, _SERVICES,
)
def push(call, args):
    return _each_image(call, args, "push")
