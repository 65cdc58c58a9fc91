"""`%docker_volume`'s subcommands: each one's options (its `parser`, for help and for the
corpus check) and what it does with them."""

from __future__ import annotations

from IPython.core.magic_arguments import argument, magic_arguments


@magic_arguments()
@argument("-l", "--label", action="append", default=[], metavar="KEY=VALUE", help="Set metadata for a volume; repeatable.")
@argument("-d", "--driver", default=None, help="Specify volume driver name (default local).")
@argument("-o", "--opt", action="append", default=[], metavar="KEY=VALUE", help="Set driver specific options (local: type=tmpfs, device=tmpfs, o=size=100m); repeatable.")
@argument("name", nargs="?", default=None, help="VOLUME name (a random one if left out).")
def _volume_create(volumes, engine, args):
    from ..opts.pairs import label_map, option_map

    volume = volumes.create_volume(engine, args.name, label_map(args.label, "--label"), args.driver,
                                   option_map(args.opt, "--opt"))
    print(volume.name)
    return None


@magic_arguments()
@argument("-q", "--quiet", action="store_true", help="Only display volume names.")
@argument("-f", "--filter", action="append", default=[], metavar="KEY=VALUE", help="Filter (name=, label=, dangling=, driver=); repeatable.")
@argument("--format", default="", metavar="FORMAT", help="Format output using a Go template: 'table {{.Name}}\\t{{.Driver}}', json, or a template.")
def _volume_ls(volumes, engine, args):
    from ..gotemplate import formats
    from ..opts.pairs import filter_map

    formats.check_listing(args.format)
    wanted = filter_map(args.filter, "-f", "name=data, label=app, dangling=true")
    if args.format:
        from ..gotemplate.fields import VOLUME_HEADER, VOLUME_TABLE, VolumeRow

        rows = [VolumeRow(raw) for raw in volumes.volume_records(engine, wanted)]
        return formats.Formatted(formats.listing(args.format, rows, VOLUME_HEADER, VOLUME_TABLE, args.quiet))
    listed = volumes.list_volumes(engine, wanted)
    if args.quiet:
        print("\n".join(listed.names))
        return None
    return listed


@magic_arguments()
@argument("-f", "--format", default="", metavar="FORMAT", help="Format output using a Go template: '{{ .Mountpoint }}', or json.")
@argument("names", nargs="+", help="VOLUME [VOLUME...]")
def _volume_inspect(volumes, engine, args):
    from ..containers.inspect import Inspection
    from ..gotemplate import formats

    if args.format and args.format != "json":
        formats.parse(args.format)
    found = [volumes.inspect_volume(engine, n) for n in args.names]
    return formats.Formatted(formats.inspect(args.format, found)) if args.format else Inspection(found)


@magic_arguments()
@argument("-f", "--force", action="store_true", help="Force the removal of one or more volumes.")
@argument("names", nargs="+", help="VOLUME [VOLUME...]")
def _volume_rm(volumes, engine, args):
    for name in args.names:
        volumes.remove_volume(engine, name, args.force)
        print(name)


HANDLERS = {"create": _volume_create, "ls": _volume_ls, "list": _volume_ls, "inspect": _volume_inspect,
            "rm": _volume_rm, "remove": _volume_rm}
for _handler in set(HANDLERS.values()):  # `%docker volume ls --help` names itself as typed
    _handler.parser.prog = f"docker_volume {_handler.__name__.removeprefix('_volume_')}"
del _handler
