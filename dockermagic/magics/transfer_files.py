"""`%docker_cp`, `%docker_save`, `%docker_load`, `%docker_import`, `%docker_export`,
`%docker_commit`.  A tutorial's `docker save IMAGE > FILE` and `docker load < FILE` work as in a
shell: `> FILE` is `-o FILE`, `< FILE` is `-i FILE`; a tar on stdout or stdin (`-`) has no
terminal to go to here and is refused."""

from __future__ import annotations

from IPython.core.magic import line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments

from ..errors import InvalidInput
from ..views.formatters import shown
from .args import split
from .base import MagicsArea, reports_errors
from .shell import streams

NO_STDIO = "a notebook cell has no {} for a tar stream: name a file ({})"


def redirected(parser, line: str, out: str | None = None, into: str | None = None):
    """The line's words with a shell's `> FILE` / `< FILE` read as the option `out` / `into`."""
    words = split(line)
    for sign, option in ((">", out), ("<", into)):
        while option and sign in words:
            i = words.index(sign)
            if i + 1 >= len(words):
                raise InvalidInput(f"{sign} needs a file after it")
            words[i:i + 2] = [option, words[i + 1]]
    return parser.parse_args(words)


def _named(target) -> str:
    """A file's name, or `-` for the pipe a line's stdin or stdout is."""
    return target if isinstance(target, str) else getattr(target, "name", None) if isinstance(
        getattr(target, "name", None), str) else "-"


@magics_class
class TransferMagics(MagicsArea):
    def _moved(self, result, events):
        from ..views.copying import CopyView
        from ..views.live import run

        view = CopyView(result, **self.settings.view_options())
        run(view, events)
        return shown(result, self.shell.execution_count, view.mode)

    @line_magic
    @reports_errors
    @magic_arguments()
    @argument("-a", "--archive", action="store_true", help="Archive mode (copy all uid/gid information).")
    @argument("-L", "--follow-link", action="store_true", help="Always follow symbol link in SRC_PATH.")
    @argument("-q", "--quiet", action="store_true", help="Suppress progress output (no view; the result is returned).")
    @argument("source", help="SRC: CONTAINER:SRC_PATH or a local path (SRC/. copies a directory's contents).")
    @argument("dest", help="DEST: a local path or CONTAINER:DEST_PATH.")
    def docker_cp(self, line):
        """Copy files and folders between a container and this machine, as `docker cp` does:
        modes and symlinks kept; owners the copier's (or root's in the container) unless -a.
        Streamed as a tar, a chunk at a time.  Returns a `FileTransfer`."""
        from ..files.copy import copy_in, copy_out, split_target
        from ..files.transfer import FileTransfer

        args = self.docker_cp.parser.parse_args(split(line))
        if "-" in (args.source, args.dest):
            raise InvalidInput(NO_STDIO.format("stdin or stdout", "docker cp CONTAINER:PATH DIR"))
        (src_c, src), (dst_c, dst) = split_target(args.source), split_target(args.dest)
        if bool(src_c) == bool(dst_c):
            raise InvalidInput("docker cp copies between a container and this machine: one of SRC and DEST "
                               "is CONTAINER:PATH, the other a local path")
        engine = self.engine()
        result = FileTransfer("cp", args.source, args.dest, label=engine.label)
        events = (copy_out(engine, src_c, src, dst, result, args.archive, args.follow_link) if src_c
                  else copy_in(engine, src, dst_c, dst, result, args.archive, args.follow_link))
        if args.quiet:
            for _ in events:
                pass
            return result
        return self._moved(result, events)

    @line_magic
    @reports_errors
    @magic_arguments()
    @argument("-o", "--output", default=None, help="Write to a file (required here: a cell is no stdout for a tar).")
    @argument("--platform", default=None, metavar="OS/ARCH", help="Save only this platform's variant (engines with API 1.48+).")
    @argument("images", nargs="+", help="IMAGE [IMAGE...]")
    def docker_save(self, line):
        """Save one or more images to a tar archive, as `docker save -o FILE` does (`> FILE`
        too), streamed to the file with progress.  Returns a `FileTransfer`."""
        from ..files.transfer import FileTransfer, save
        from ..images.images import check_names

        args = redirected(self.docker_save.parser, line, out="-o")
        args.output = args.output or streams.stdout()  # `| docker load`, `| gzip > f`, `> f`
        if not args.output:
            raise InvalidInput(NO_STDIO.format("stdout", "-o FILE.tar"))
        check_names(args.images)  # a bad name says so, also where no engine answers
        engine = self.engine()
        result = FileTransfer("save", " ".join(args.images), _named(args.output), label=engine.label)
        return self._moved(result, save(engine, args.images, args.output, result, args.platform))

    @line_magic
    @reports_errors
    @magic_arguments()
    @argument("-i", "--input", default=None, help="Read from a tar archive file (required here: a cell is no stdin).")
    @argument("-q", "--quiet", action="store_true", help="Suppress the load output.")
    @argument("--platform", default=None, metavar="OS/ARCH", help="Load only this platform's variant (engines with API 1.48+).")
    def docker_load(self, line=""):
        """Load images from a tar archive (`docker save`'s, or an OCI layout tar), as `docker
        load -i FILE` does (`< FILE` too), streamed with progress.  Returns a `FileTransfer`."""
        from ..files.transfer import FileTransfer, load

        args = redirected(self.docker_load.parser, line, into="-i")
        args.input = args.input or streams.stdin()  # `docker save ... |`, `< f`
        if not args.input:
            raise InvalidInput(NO_STDIO.format("stdin", "-i FILE.tar"))
        engine = self.engine()
        result = FileTransfer("load", _named(args.input), engine.label, label=engine.label)
        return self._moved(result, load(engine, args.input, result, args.quiet, args.platform))

    @line_magic
    @reports_errors
    @magic_arguments()
    @argument("-c", "--change", action="append", default=[], metavar="INSTRUCTION", help="Apply Dockerfile instruction to the created image (CMD, ENV, WORKDIR ...); repeatable.")
    @argument("-m", "--message", default=None, help="Set commit message for imported image.")
    @argument("--platform", default=None, help="Set platform if server is multi-platform capable.")
    @argument("source", help="FILE (a tar, .tar.gz) or an http(s) URL the engine fetches.")
    @argument("repository", nargs="?", default=None, help="REPOSITORY[:TAG] to name the image.")
    def docker_import(self, line):
        """Import the contents of a tarball to create a filesystem image, as `docker import`
        does (`- < FILE` too); streamed with progress.  Returns a `FileTransfer` (the image id
        in `.lines`)."""
        from ..files.transfer import FileTransfer, import_

        words = split(line)
        if words[:1] == ["-"] and len(words) > 2 and words[1] == "<":  # `docker import - < FILE [REPO]`
            words = [words[2], *words[3:]]
        args = self.docker_import.parser.parse_args(words)
        if args.source == "-" and streams.stdin() is not None:  # `docker export ... | docker import - IMG`
            args.source = streams.stdin()
        if args.source == "-":
            raise InvalidInput(NO_STDIO.format("stdin", "docker import FILE.tar [REPOSITORY[:TAG]]"))
        engine = self.engine()
        result = FileTransfer("import", _named(args.source), args.repository or "<none>", label=engine.label)
        return self._moved(result, import_(engine, args.source, args.repository, result, args.change,
                                           args.message, args.platform))

    @line_magic
    @reports_errors
    @magic_arguments()
    @argument("-o", "--output", default=None, help="Write to a file (required here: a cell is no stdout for a tar).")
    @argument("container", help="CONTAINER")
    def docker_export(self, line):
        """Export a container's filesystem as a tar archive, as `docker export -o FILE` does
        (`> FILE` too), streamed with progress.  Returns a `FileTransfer`."""
        from ..files.transfer import FileTransfer, export

        args = redirected(self.docker_export.parser, line, out="-o")
        args.output = args.output or streams.stdout()  # `| docker import - IMG`, `> f`
        if not args.output:
            raise InvalidInput(NO_STDIO.format("stdout", "-o FILE.tar"))
        engine = self.engine()
        result = FileTransfer("export", args.container, _named(args.output), label=engine.label)
        return self._moved(result, export(engine, args.container, args.output, result))

    @line_magic
    @reports_errors
    @magic_arguments()
    @argument("-a", "--author", default=None, help='Author (e.g., "John Hannibal Smith <hannibal@a-team.com>").')
    @argument("-c", "--change", action="append", default=[], metavar="INSTRUCTION", help="Apply Dockerfile instruction to the created image; repeatable.")
    @argument("-m", "--message", default=None, help="Commit message.")
    @argument("-p", "--pause", default="true", nargs="?", const="true", choices=["true", "false"], help="Pause container during commit (default true).")
    @argument("container", help="CONTAINER")
    @argument("repository", nargs="?", default=None, help="REPOSITORY[:TAG] to name the image.")
    def docker_commit(self, line):
        """Create a new image from a container's changes, as `docker commit` does; prints the
        image id."""
        from ..files.transfer import commit
        from ..gotemplate.formats import Formatted
        from ..images.images import check_names

        args = self.docker_commit.parser.parse_args(split(line))
        if args.repository:
            check_names([args.repository], "repository")  # a bad name says so, also where no engine answers
        image = commit(self.engine(), args.container, args.repository, args.author, args.message, args.change,
                       args.pause == "true")
        return Formatted(image + "\n")
