"""`%docker_context`, `%docker_info`, `%docker_version`: which engine, and what it is."""

from __future__ import annotations

import os

from IPython.core.magic import line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments

from ..errors import InvalidInput
from .args import parse_line, parse_words, split, subcommand_parser
from .base import MagicsArea, reports_errors


def _parser(prog: str, *arguments):
    return subcommand_parser(f"%docker_context {prog}", *arguments)


SUBCOMMANDS = {
    "ls": _parser("ls", (("-q", "--quiet"), {"action": "store_true", "help": "Only show context names."})),
    "use": _parser("use", (("name",), {"help": "Context to use from now on (\"default\": DOCKER_HOST or the default socket)."})),
    "show": _parser("show"),
    "inspect": _parser("inspect", (("names",), {"nargs": "*", "metavar": "NAME", "help": "Contexts (default: the one in use)."})),
    "create": _parser(
        "create",
        (("name",), {"help": "Name of the new context."}),
        (("--docker",), {"default": "", "metavar": "host=URL[,ca=PATH,cert=PATH,key=PATH,skip-tls-verify=BOOL]",
                         "help": "The engine endpoint, as the docker CLI spells it."}),
        (("--description",), {"default": "", "help": "Description of the context."}),
        (("--from",), {"default": None, "metavar": "CONTEXT", "help": "Create the context from an existing one's endpoint (TLS files too)."}),
    ),
    "update": _parser(
        "update",
        (("name",), {"help": "Context to update."}),
        (("--docker",), {"default": "", "metavar": "host=URL[,ca=PATH,cert=PATH,key=PATH,skip-tls-verify=BOOL]",
                         "help": "The engine endpoint, as the docker CLI spells it."}),
        (("--description",), {"default": None, "help": "Description of the context."}),
    ),
    "export": _parser(
        "export",
        (("name",), {"help": "Context to export."}),
        (("file",), {"nargs": "?", "default": None, "help": "FILE to write (default NAME.dockercontext)."}),
    ),
    "rm": _parser(
        "rm",
        (("names",), {"nargs": "+", "metavar": "NAME", "help": "Contexts to remove."}),
        (("-f", "--force"), {"action": "store_true", "help": "Force the removal of a context in use."}),
    ),
}


@magics_class
class EngineMagics(MagicsArea):
    @line_magic
    @reports_errors
    @magic_arguments()
    @argument("subcommand", nargs="?", default=None, metavar="SUBCOMMAND",
              help="ls | use NAME | show | inspect [NAME...] | create NAME --docker host=URL[,ca=,cert=,key=] [--description TEXT] | rm NAME... [-f]. "
                   "Nothing: show the engine the next cell uses.")
    @argument("rest", nargs="*", help="The subcommand's arguments.")
    def docker_context(self, line):
        """Show or choose the engine, with the docker CLI's own contexts (~/.docker/contexts;
        DOCKER_CONFIG moves it): contexts made with `docker context create` work here and the
        other way round.

            %docker_context                    which engine the next cell uses, and why
            %docker_context ls                 the contexts; * marks the one in use
            %docker_context use e2             from now on (written to config.json, as the CLI does)
            %docker_context create e2 --docker host=unix:///path/docker.sock
            %docker_context create far --docker host=tcp://HOST:2376,ca=ca.pem,cert=cert.pem,key=key.pem
            %docker_context inspect e2         the stored record (host, TLS files), as `docker context inspect`
            %docker_context rm e2 [-f]

        Precedence, as the CLI's: -H or --context on the call, then DOCKER_HOST, then
        DOCKER_CONTEXT, then `use`, then the default socket.  `%env DOCKER_CONTEXT=e2` chooses
        for this kernel only, leaving the terminal's current context alone.
        """
        from ..engine import info

        words = split(line)
        if not words:
            return info.current(self.engine())
        sub = words[0]
        if sub not in SUBCOMMANDS:
            raise InvalidInput(f"'docker context {sub}' is not supported here; use {', '.join(SUBCOMMANDS)}")
        args = parse_words(SUBCOMMANDS[sub], words[1:])
        return getattr(self, f"_context_{sub}")(args)

    # -- %docker_context's subcommands -----------------------------------------------------------
    def _context_ls(self, args):
        from ..engine.info import context_list

        listing = context_list()
        if args.quiet:
            print("\n".join(listing.names))
            return None
        return listing

    def _context_show(self, args):
        from ..engine.info import context_list

        print(context_list().current)

    def _context_inspect(self, args):
        from ..engine import contexts
        from ..engine.info import context_list

        return [contexts.inspect(name) for name in (args.names or [context_list().current])]

    def _context_use(self, args):
        from ..engine import contexts

        contexts.use(args.name)
        print(f'Current context is now "{args.name}"')
        for var in ("DOCKER_HOST", "DOCKER_CONTEXT"):
            if os.environ.get(var) and not (var == "DOCKER_CONTEXT" and os.environ[var] == args.name):
                print(f"Warning: the {var} environment variable overrides the active context. To use "
                      f'"{args.name}", pass --context {args.name} or unset {var} (%env {var}=).')

    def _context_create(self, args):
        from ..engine import contexts

        if args.__dict__.get("from") and args.docker:
            raise InvalidInput("--from and --docker: give one endpoint")
        if args.__dict__.get("from"):
            source = contexts.load(args.__dict__["from"])
            endpoint = {"host": source.host, "ca": source.ca, "cert": source.cert, "key": source.key,
                        "skip-tls-verify": source.skip_tls_verify}
        else:
            endpoint = contexts.parse_endpoint(args.docker)
        contexts.create(
            args.name, endpoint.get("host"), description=args.description, ca=endpoint.get("ca"),
            cert=endpoint.get("cert"), key=endpoint.get("key"), skip_tls_verify=endpoint.get("skip-tls-verify", False),
        )
        print(args.name)
        print(f'Successfully created context "{args.name}"')

    def _context_update(self, args):
        from ..engine import contexts

        endpoint = contexts.parse_endpoint(args.docker) if args.docker else None
        contexts.update(args.name, args.description, endpoint)
        print(args.name)
        print(f'Successfully updated context "{args.name}"')

    def _context_export(self, args):
        from ..engine import contexts

        if args.file == "-":
            raise InvalidInput("a notebook cell has no stdout for the context's tar: name a FILE")
        path = contexts.export(args.name, args.file or f"{args.name}.dockercontext")
        print(f"Written file {path!r}")

    def _context_rm(self, args):
        from ..engine import contexts

        for name in args.names:
            contexts.remove(name, force=args.force)
            print(name)

    @line_magic
    @reports_errors
    @magic_arguments()
    @argument("-f", "--format", default="", metavar="FORMAT", help="Format output using a Go template over the engine's info: '{{.ServerVersion}}', '{{json .}}', json.")
    def docker_info(self, line):
        """Which engine this is and what it holds: Docker Engine or Podman, version, API version,
        OS/arch, storage driver, images and containers.  Returns an `EngineInfo` (a `Formatted`
        with --format)."""
        from ..engine.info import info
        from ..gotemplate import formats

        args = parse_line(self.docker_info, line)
        if args.format and args.format != "json":
            formats.parse(args.format)
        found = info(self.engine())
        if args.format:
            fmt = "{{json .}}" if args.format == "json" else args.format
            return formats.Formatted(formats.inspect(fmt, [found.raw]))
        return found

    @line_magic
    @reports_errors
    @magic_arguments()
    @argument("-f", "--format", default="", metavar="FORMAT", help="Format output using a Go template: '{{.Server.Version}}', '{{.Client.APIVersion}}', '{{json .}}', json.")
    def docker_version(self, line):
        """Versions of this client (dockermagic, docker-py, the API version in use) and of the
        engine (Docker Engine or Podman, its API range, OS/arch).  Returns an `EngineVersion`
        (a `Formatted` with --format, over the CLI's `Client` and `Server` fields)."""
        from ..engine.info import version, version_fields
        from ..gotemplate import formats

        args = parse_line(self.docker_version, line)
        if args.format and args.format != "json":
            formats.parse(args.format)
        found = version(self.engine())
        if args.format:
            fmt = "{{json .}}" if args.format == "json" else args.format
            return formats.Formatted(formats.inspect(fmt, [version_fields(found)]))
        return found
