"""`%%dockerfile`, `%%context_file`, `%docker_build`, `%docker_images`, `%docker_history`."""

from __future__ import annotations

from IPython.core.magic import cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments

from ..errors import InvalidInput
from ..views.formatters import shown
from .args import parse_line, split
from .base import MagicsArea, reports_errors


def _bool(text: str) -> bool:
    value = str(text).strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise InvalidInput(f"expected true or false, not {text!r}")


def _call(call: str, check: bool) -> str:
    """buildx's --call (--check is --call=check): build, or check; the subrequests it has
    besides (outline, targets) refused with the way out."""
    call = "check" if check else (call or "build").strip().lower()
    if call not in ("build", "check"):
        raise InvalidInput(f"--call={call} is not supported here: only build and check (BuildKit's build checks); "
                           "drop --call to build")
    return call


def _bool_flag(word: str) -> str:
    """The CLI's optional-value flags, bare: `--rm .` builds "." (argparse would take it as the value)."""
    return {"--rm": "--rm=true", "--sbom": "--sbom=true", "--provenance": "--provenance=true"}.get(word, word)


@magics_class
class BuildMagics(MagicsArea):
    @cell_magic
    @reports_errors
    @magic_arguments()
    @argument("context", nargs="?", default=".", help="Build-context folder to write into (created if missing). Default: .")
    @argument("-f", "--file", default="Dockerfile", help="File name inside CONTEXT. Default: Dockerfile")
    def dockerfile(self, line, cell):
        """Write the cell to CONTEXT/NAME as a Dockerfile, after checking it.

        It is read as BuildKit reads it (parser directives, continuations, heredocs, JSON or
        shell form); what BuildKit refuses (an unknown instruction or flag, a missing argument,
        ENV NAME without a value, a bad stage name, no FROM first, a `# check=` it can't read)
        is refused with the line BuildKit names, and nothing is written then.  Shows the
        written file with its path, and under it the warnings of BuildKit's build checks (each
        with its line, rule and link): a warning does not stop the file being written.  Base
        images the engine has are read for their ENV (UndefinedVar) and platform.
        """
        from pathlib import Path

        from ..build.context import write_file
        from ..build.lint import lint_text
        from ..dockerfile.model import parse
        from ..views.files import show_file

        args = parse_line(self.dockerfile, line)
        parsed = parse(cell)
        checks = lint_text(parsed, args.context, args.file, self._engine_if_any())

        path = write_file(Path(args.context) / args.file, cell)
        show_file(path, cell, language="docker", checks=checks)

    def _engine_if_any(self):
        """The engine when one answers (the checks read its images), else None: a Dockerfile is
        written without one.  Its connection keeps the usual timeouts (it is cached for the
        magics that follow)."""
        from ..engine.connection import connect
        from ..errors import DockerMagicError

        try:
            return connect()
        except DockerMagicError:
            return None

    @cell_magic
    @reports_errors
    @magic_arguments()
    @argument("path", help="File to write, e.g. hello.sh or app/hello.sh (folders are created).")
    @argument("--mode", default=None, help="Octal file mode, e.g. 755 for a script the image runs. Default: 644 (after umask) or the file's current mode.")
    def context_file(self, line, cell):
        """Write the cell to PATH: any build-context file other than the Dockerfile."""
        from ..build.context import parse_mode, write_file
        from ..views.files import show_file

        args = parse_line(self.context_file, line)
        mode = parse_mode(args.mode)
        path = write_file(args.path, cell, mode)
        show_file(path, cell)

    @line_magic
    @reports_errors
    @magic_arguments()
    @argument("-t", "--tag", action="append", default=[], help="Name and optionally a tag (name:tag); repeatable.")
    @argument("-f", "--file", default=None, help="Name of the Dockerfile (default: PATH/Dockerfile).")
    @argument("--build-arg", action="append", default=[], metavar="KEY=VALUE", help="Set a build-time variable; repeatable. A bare KEY takes its value from the environment.")
    @argument("--no-cache", action="store_true", help="Do not use cache when building the image.")
    @argument("--pull", action="store_true", help="Always attempt to pull a newer version of the base image.")
    @argument("--target", default=None, help="Set the target build stage to build.")
    @argument("--label", action="append", default=[], metavar="KEY=VALUE", help="Set metadata for an image; repeatable.")
    @argument("--network", default=None, help="Networking mode for the RUN instructions during build.")
    @argument("--rm", nargs="?", const="true", default="true", metavar="BOOL", help="Remove intermediate containers after a successful build (default true; --rm=false keeps them).")
    @argument("--force-rm", action="store_true", help="Always remove intermediate containers. dockermagic does this already (a failed step leaves nothing behind) unless --rm=false.")
    @argument("-q", "--quiet", action="store_true", help="Suppress the build output and print the image ID on success.")
    @argument("--load", action="store_true", help="buildx's flag: the image goes to the engine's images (what every build here does).")
    @argument("--push", action="store_true", help="buildx's flag: push every -t tag after the build, through the engine (as buildx's docker driver does); the result's .pushed holds the transfers.")
    @argument("--platform", default=None, metavar="OS/ARCH[/VARIANT]", help="Build for that platform, e.g. linux/arm64 (one: the engine's BuildKit makes one platform's image; a list is refused with buildx's reason).")
    @argument("--sbom", nargs="?", const="true", default=None, metavar="BOOL|generator=IMAGE", help="buildx's SBOM attestation: =false is what builds here do; asking for one is refused (the engine's image store keeps no attestations).")
    @argument("--provenance", nargs="?", const="true", default=None, metavar="BOOL|mode=min|max", help="buildx's provenance attestation: =false is what builds here do; asking for one is refused, as buildx's docker driver refuses.")
    @argument("--attest", action="append", default=[], metavar="type=sbom|provenance[,...]", help="buildx's attestations: refused unless disabled=true, as --sbom/--provenance.")
    @argument("--check", action="store_true", help="Run BuildKit's build checks on the Dockerfile without building (shorthand for --call=check); fails only with # check=error=true.")
    @argument("--call", default="build", metavar="build|check", help="What the build does: build (default) or check (BuildKit's build checks, nothing built).")
    @argument("--squash", action="store_true", help="Squash the new layers into one (needs an engine started with --experimental; refused otherwise, as the CLI refuses).")
    @argument("--secret", action="append", default=[], metavar="id=ID,src=PATH|env=VAR", help="A secret a RUN --mount=type=secret,id=ID step reads (BuildKit); repeatable. Its value never reaches the notebook, the image or the log.")
    @argument("--ssh", action="append", default=[], metavar="default|ID[=SOCKET|KEY]", help="An SSH agent (default: $SSH_AUTH_SOCK) or key files a RUN --mount=type=ssh step uses (BuildKit); repeatable.")
    @argument("-o", "--output", action="append", default=[], metavar="type=local,dest=DIR|type=tar,dest=FILE", help="Write the built files to a folder or a tar file (BuildKit) instead of making an image.")
    @argument("--cache-to", action="append", default=[], help="Refused: the engine's BuildKit keeps its own cache; exporting one needs buildx.")
    @argument("path", help="Build-context folder (PATH), e.g. . or my-image")
    def docker_build(self, line):
        """Build an image from a Dockerfile, with a live view of its steps.

        Builds with the engine's own BuildKit wherever it has one (cache mounts, `COPY
        --chmod`, parallel and skipped stages), through a BuildKit session: only the context
        files that changed since the last build cross, private base images are pulled with
        your registry logins, and `--secret`, `--ssh` and `-o` work.  Where the engine gives no
        session the context goes whole, as a tar (the view says so).  The classic builder
        builds on Podman or when asked (`DOCKER_BUILDKIT=0`, `%config DockerMagics.builder =
        'classic'`).  What the builder can't build (heredocs on Engine 20.10's frontend ...)
        is said before anything is sent.  BuildKit's build checks run first (the warnings show
        in the view's header, as buildx ends a build with them; `# check=error=true` stops the
        build there); `--check` runs only them and returns a `CheckReport`.  Options are the
        docker CLI's.  Returns a
        `BuildResult` (`.id`, `.short_id`, `.tags`, `.steps`, `.log`, `.save_log(path)`; a
        BuildKit build's also `.vertices` and `.context_transfer`: files and bytes sent, and
        how many the engine already had); a failed build raises `BuildError` naming the step
        (with BuildKit, its Dockerfile line) and its exit code.
        """
        from ..build.classic import build
        from ..build.request import BuildRequest, BuildResult
        from ..views.build import BuildView
        from ..views.live import run

        # --rm is the CLI's boolean flag: bare, it takes no value (`--rm .` builds "."); `--rm=false`
        words = [_bool_flag(word) for word in split(line)]
        args = self.docker_build.parser.parse_args(words)
        rm = _bool(args.rm)
        request = BuildRequest.make(
            args.path, file=args.file, tags=args.tag, build_args=args.build_arg, labels=args.label,
            no_cache=args.no_cache, pull=args.pull, target=args.target, network=args.network,
            rm=rm, force_rm=rm, quiet=False, platform=args.platform, squash=args.squash,
        )
        from ..build.builders import classic
        from ..build.lint import lint
        from ..build.request import check_attestations, check_exports, squash_supported
        from ..buildkit.build import builder, prepare

        check_exports(request.tags, args.push, args.load, args.output)
        check_attestations(args.sbom, args.provenance, args.attest)
        call = _call(args.call, args.check)
        engine = self.engine()
        if call == "check":
            return self._checked(lint(engine, request, build=False))
        if args.squash:
            squash_supported(engine)
        if builder(engine, self.settings.builder) == "buildkit":
            plan = prepare(engine, request, args.secret, args.ssh, args.output, args.cache_to)
            checks = self._checked(lint(engine, request, plan.dockerfile))
            return self._pushed(engine, self._buildkit(engine, request, plan, args.quiet, checks), args)
        parsed = classic(engine, request, args.secret, args.ssh, args.output, args.cache_to)
        result = BuildResult(request.context, request.dockerfile, request.tags, engine=engine.label)
        if args.quiet:
            for _ in build(engine, request, result):
                pass
            print(result.id)
            return self._pushed(engine, shown(result, self.shell.execution_count, "quiet"), args)  # -q: the id alone
        view = BuildView(result, max_lines=self.settings.max_output_lines, dockerfile=parsed,
                         **self.settings.view_options())
        run(view, build(engine, request, result))
        return self._pushed(engine, shown(result, self.shell.execution_count, view.mode), args)

    def _checked(self, report):
        """A check's report: returned (the cell shows it), or, where `# check=error=true` made
        its warnings a failure, shown and raised, as buildx fails the build."""
        from ..errors import DockerfileError

        if report.failed:
            from IPython.display import display

            display(report)
            raise DockerfileError(f"{report.error} (# check=error=true makes the build checks' warnings fail the "
                                  "build): fix them, or skip a rule with # check=skip=RULE")
        return report

    def _pushed(self, engine, shown_result, args):
        """`--push`: each tag pushed after the build through the engine (buildx's docker driver
        pushes with the engine too), each with its transfer view; the build result keeps them."""
        if not args.push:
            return shown_result
        from ..registry.transfer import Transfer, push
        from ..views.live import run
        from ..views.transfer import TransferView

        result = shown_result
        for tag in result.tags:
            transfer = Transfer("push", tag, engine=engine.label)
            result.pushed.append(transfer)
            if args.quiet:
                for _ in push(engine, tag, result=transfer):
                    pass
                continue
            run(TransferView(transfer, **self.settings.view_options()), push(engine, tag, result=transfer))
        return shown_result

    def _buildkit(self, engine, request, plan, quiet: bool, checks=None):
        from ..buildkit.build import BuildKitResult, build
        from ..views.buildkit import BuildKitView
        from ..views.live import run

        result = BuildKitResult(request.context, request.dockerfile, request.tags, engine=engine.label, checks=checks)
        if quiet:
            for _ in build(engine, request, result, plan):
                pass
            print(result.id or result.exported)
            return shown(result, self.shell.execution_count, "quiet")
        view = BuildKitView(result, max_lines=self.settings.max_output_lines, planned=plan.planned,
                            **self.settings.view_options())
        run(view, build(engine, request, result, plan))
        return shown(result, self.shell.execution_count, view.mode)

    @line_magic
    @reports_errors
    @magic_arguments()
    @argument("-a", "--all", action="store_true", help="Show all images (default hides intermediate images).")
    @argument("-q", "--quiet", action="store_true", help="Only show image IDs.")
    @argument("-f", "--filter", action="append", default=[], metavar="KEY=VALUE", help="Filter output (reference=, dangling=, label=, before=, since=); repeatable.")
    @argument("--digests", action="store_true", help="Show digests.")
    @argument("--no-trunc", action="store_true", help="Don't truncate output.")
    @argument("--format", default="", metavar="FORMAT", help="Format output using a Go template: 'table {{.Repository}}\\t{{.Tag}}', json, or a template.")
    @argument("--tree", action="store_true", help="List multi-platform images as a tree: each image with its platforms (needs an engine with API 1.47).")
    @argument("repository", nargs="?", default=None, help="REPOSITORY[:TAG] to list.")
    def docker_images(self, line):
        """List images, as `docker images` does.  Returns an `ImageList` (a `Formatted` with
        --format, --digests or --no-trunc: the CLI's text)."""
        from ..images.images import list_images, listing_text
        from ..opts.pairs import filter_map

        args = parse_line(self.docker_images, line)
        filters = filter_map(args.filter, "-f", "reference=busy*, dangling=true, label=app")
        if args.tree:
            from ..images.tree import tree_text

            return tree_text(self.engine(), args.repository, args.all, filters, quiet=args.quiet,
                             no_trunc=args.no_trunc, digests=args.digests, format=args.format)
        if args.format or args.digests or args.no_trunc:
            return listing_text(self.engine(), args.repository, args.all, filters, args.format, args.digests,
                                args.no_trunc, args.quiet)
        images = list_images(self.engine(), args.repository, args.all, filters)
        if args.quiet:
            ids = list(dict.fromkeys(row.short_id for row in images))
            print("\n".join(ids))
            return None
        return images

    @line_magic
    @reports_errors
    @magic_arguments()
    @argument("--no-trunc", action="store_true", help="Don't truncate output.")
    @argument("--format", default="", metavar="FORMAT", help="Format output using a Go template: 'table {{.ID}}\\t{{.CreatedBy}}', json, or a template.")
    @argument("-q", "--quiet", action="store_true", help="Only show image IDs.")
    @argument("--platform", default=None, metavar="OS/ARCH[/VARIANT]", help="Show the history of that platform's image of a multi-platform one (needs an engine with API 1.48).")
    @argument("images", nargs="+", help="IMAGE [IMAGE ...]: two or more are shown side by side, shared layers aligned.")
    def docker_history(self, line):
        """Show the history of an image; with several, compare them layer by layer.

        Layers two images share (the same ids, counted from the base) are marked shared;
        sizes are drawn to scale.  Returns a `History`.
        """
        from ..images.images import check_names, history

        args = parse_line(self.docker_history, line)
        check_names(args.images)  # a bad name says so, also where no engine answers
        if args.format or args.quiet:
            from ..images.images import history_text

            return history_text(self.engine(), args.images, args.format, args.no_trunc, args.quiet, args.platform)
        return history(self.engine(), args.images, args.no_trunc, args.platform)

