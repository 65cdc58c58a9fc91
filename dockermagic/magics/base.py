"""What every dockermagic magic shares: configuration, errors, the engine, the views.

`DockerMagics` holds the configuration (`%config DockerMagics.show_traceback = True`) and the
`%docker SUBCOMMAND ...` dispatcher.  Each area (build, registry, containers, ...) is a small
`Magics` subclass of `MagicsArea`, reading its settings from the one `DockerMagics`.
"""

from __future__ import annotations

import functools

from IPython.core.magic import Magics, line_magic, magics_class
from traitlets import Bool, CaselessStrEnum, Float, Int

from ..errors import DockerMagicError, EngineUnreachable
from .args import HelpShown
from .dispatch import resolve, subcommands
from .expand import NO_VAR_EXPAND, caller_namespace, expand_words


def reports_errors(method):
    """One-line errors: a dockermagic error is raised with the user's traceback setting, a
    docker-py or connection error is turned into one first.

    A `%docker_*` magic also takes the docker CLI's global flags (`-H URL`, `--context NAME`,
    TLS flags) at the start of its line, for that call only: `self.engine()` uses them.
    """
    global_flags = method.__name__.startswith("docker_")

    @functools.wraps(method)
    def wrapper(self, line="", *args, **kwargs):
        ns = caller_namespace(self.shell)
        if ns is None:  # called by another magic: its line is read already
            return _called(self, method, global_flags, line, args, kwargs)
        return _errors_shown(self, lambda: _read(self, method, global_flags, expand_words(line, ns), args, kwargs))

    setattr(wrapper, NO_VAR_EXPAND, True)  # expanded by the wrapper, `{{...}}` templates kept
    if global_flags:
        from ..engine.selection import GLOBAL_FLAGS_HELP

        wrapper.__doc__ = (wrapper.__doc__ or "").rstrip() + "\n" + GLOBAL_FLAGS_HELP
    return wrapper


def _called(self, method, global_flags: bool, line: str, args=(), kwargs=None):
    from ..engine.selection import selecting
    from .args import global_flags as split_global_flags

    def call():
        selection = None
        if global_flags:
            selection, rest = split_global_flags(line)
        else:
            rest = line
        with selecting(selection):
            return method(self, rest, *args, **(kwargs or {}))

    return _errors_shown(self, call)


def _errors_shown(self, call):
    try:
        return call()
    except HelpShown as shown:
        print(shown)
        return None
    except DockerMagicError as exc:
        exc.show_traceback = self.settings.show_traceback
        raise
    except Exception as exc:
        err = translate(exc)
        if err is None:
            raise
        err.show_traceback = self.settings.show_traceback
        raise err from exc


def _read(self, method, global_flags: bool, line: str, args, kwargs):
    """The line read as sh reads it: one plain command goes to the magic as its words; pipes,
    sequences and redirections run through `shell.runner`."""
    from .args import join
    from .shell.reader import ShellSyntax, parse
    from .shell.runner import Runner

    program = parse(line)
    runner = Runner(_host(self, method, global_flags))
    only = program.simple()
    if not program.steps:
        return _called(self, method, global_flags, "", args, kwargs)
    if only is not None:
        return _called(self, method, global_flags, join(runner.expander.all(only.words)), args, kwargs)
    if args or kwargs:
        raise ShellSyntax("a cell magic's line is one command: pipes, `&&`, `;` and redirections go in %docker lines")
    return runner.run(program)


def _host(self, method, global_flags: bool):
    from .args import join
    from .shell.runner import Host

    def first(words):
        return _called(self, method, global_flags, join(words))

    def docker(words):
        return self.shell.find_line_magic("docker")(join(words))

    def magic_of(words, is_first):
        if is_first and method.__name__ != "docker":
            return method.__name__
        from .args import global_flags as split_global_flags
        from .dispatch import resolve

        try:
            _, rest = split_global_flags(join(words), short_context=True)
            return resolve(self.shell, rest)[0] if rest.strip() else None
        except Exception:  # noqa: BLE001 -- unknown here: the magic says why when it runs
            return None

    return Host(first, docker, magic_of, lambda call: captured(self.settings, call),
                max_lines=self.settings.max_output_lines)


def captured(settings, call):
    """`call()` with its views and printing captured -> (its result, what the CLI would print):
    a `--format` / `-q` text, a run's stdout, else what it printed, else its result's text."""
    from IPython.utils.capture import capture_output

    from ..gotemplate.formats import Formatted
    from ..views.formatters import bundle

    mode, settings.display = settings.display, "text"
    try:
        with capture_output() as cap:
            result = call()
    finally:
        settings.display = mode
    if isinstance(result, Formatted):
        return result, result.text
    if isinstance(getattr(result, "stdout", None), str):
        return result, result.stdout
    if cap.stdout or result is None:
        return result, cap.stdout
    plain = bundle(result).get("text/plain", "")
    return result, plain if not plain or plain.endswith("\n") else plain + "\n"


def translate(exc: Exception) -> DockerMagicError | None:
    """A docker-py / requests exception as a one-line dockermagic error (None: not ours)."""
    module = type(exc).__module__ or ""
    if module.startswith("docker"):
        from ..engine.adapter import error

        return error(exc, "the engine refused")
    if module.startswith(("requests", "urllib3")):
        return EngineUnreachable(f"lost the connection to the engine: {str(exc).splitlines()[0][:200]}")
    return None


@magics_class
class DockerMagics(Magics):
    """Settings shared by every dockermagic magic, and `%docker SUBCOMMAND ...`."""

    show_traceback = Bool(False, help="Show full tracebacks for dockermagic errors instead of one line.").tag(config=True)
    max_output_lines = Int(
        400, help="Output lines a view keeps (the first third and the last two thirds); the full log stays on the returned object."
    ).tag(config=True)
    redraw_interval = Float(0.1, help="Seconds between two redraws of a live view (at most ten a second by default).").tag(config=True)
    live_after = Float(
        0.3, help="Seconds of work before a view becomes a live widget; quicker work shows its final HTML and "
                  "text only, as a saved notebook does (0: a widget at once).",
    ).tag(config=True)
    display = CaselessStrEnum(
        ["auto", "widget", "html", "text"], "auto",
        help="How views show: live widgets (auto in a kernel), HTML only, or docker-CLI-like text (auto in a terminal).",
    ).tag(config=True)

    builder = CaselessStrEnum(
        ["auto", "buildkit", "classic"], "auto",
        help="Which builder %docker_build uses: the engine's BuildKit wherever it has one (auto, as the docker CLI; "
             "DOCKER_BUILDKIT=0 asks for the classic builder), always BuildKit, or the classic builder.",
    ).tag(config=True)

    cleanup_on_exit = Bool(
        False, help="When the kernel exits, stop and remove the containers this notebook started (what %docker_cleanup does)."
    ).tag(config=True)

    def __init__(self, shell=None, **kwargs):
        super().__init__(shell=shell, **kwargs)
        self.settings = self

    def view_options(self) -> dict:
        return {"mode": self.display, "interval": self.redraw_interval, "live_after": self.live_after}

    @line_magic
    @reports_errors
    def docker(self, line: str = ""):
        """Run a docker CLI command line as dockermagic does: `%docker build -t me/app .`

        Every `%docker_SUBCOMMAND` magic is reachable as `%docker SUBCOMMAND` with the same
        arguments; `%docker image ls`-style spellings work too.  `%docker` alone lists them.
        The CLI's global flags go before the subcommand, for that call only:
        `%docker -H tcp://127.0.0.1:2376 --tlsverify images`, `%docker -c e2 ps`
        (-H/--host, -c/--context, --tls, --tlsverify, --tlscacert, --tlscert, --tlskey).
        """
        from ..engine.selection import selecting
        from .args import global_flags

        selection, line = global_flags(line, short_context=True)
        with selecting(selection):
            return self._dispatch(line)

    def _dispatch(self, line: str):
        if not line.split():
            print("usage: %docker SUBCOMMAND [OPTIONS]   supported: " + ", ".join(self.subcommands()))
            return None
        name, rest = resolve(self.shell, line)
        method = self.shell.find_line_magic(name)
        if rest.strip() == "--help":  # `docker run --help`: what `%docker_run?` shows
            parser = getattr(method, "parser", None)
            print(parser.format_help() if parser is not None else (method.__doc__ or "").strip())
            return None
        return method(rest)

    def subcommands(self) -> list[str]:
        return subcommands(self.shell)


class MagicsArea(Magics):
    """Base of the magics of one area; `self.settings` is the shared `DockerMagics`."""

    def __init__(self, shell, settings: DockerMagics):
        super().__init__(shell=shell)
        self.settings = settings

    def engine(self, host: str | None = None):
        """The engine for this call: `host` if given, else the call's -H/--context, else the
        environment and the current context, as the docker CLI chooses."""
        from ..engine.connection import connect

        return connect(host)
