"""The one exception family every dockermagic failure belongs to.

A `DockerMagicError` shows as a single line in a notebook (no traceback), so "Run All" stops
at the failing cell with a message a user can act on.  `%config DockerMagics.show_traceback
= True` brings the full traceback back.
"""

from __future__ import annotations


class DockerMagicError(Exception):
    """Base of all dockermagic errors.  `str(err)` is the one-line message."""

    #: set per instance by the magics from the `show_traceback` config trait
    show_traceback = False

    @property
    def _render_traceback_(self):
        # IPython calls this instead of formatting a traceback when the attribute exists;
        # raising AttributeError here makes `hasattr` false and brings the traceback back.
        if self.show_traceback:
            raise AttributeError("_render_traceback_")
        return self._one_line

    def _one_line(self) -> list[str]:
        return [f"\x1b[0;31m{type(self).__name__}\x1b[0m: {self}"]


class InvalidInput(DockerMagicError):
    """Bad options, names or files, found before anything was sent to the engine."""


class DockerfileError(InvalidInput):
    """A Dockerfile no engine would accept."""


class ComposeFileError(InvalidInput):
    """A compose project Compose v2 would refuse to load (bad YAML, an unknown key, a cycle ...)."""


class EngineUnreachable(DockerMagicError):
    """No engine answers where we looked."""


class EngineError(DockerMagicError):
    """The engine refused or failed a request."""


class ContainerError(EngineError):
    """The engine refused or failed something about a container."""


class ComposeError(EngineError):
    """A compose project's `up`, `run` ... failed on the engine: a dependency that did not become
    healthy, a port in use, a service that exited."""


class BuildError(DockerMagicError):
    """A build failed; `.step` is the failing step (if known) and `.exit_code` its exit code."""

    def __init__(self, message: str, step=None, exit_code: int | None = None, result=None):
        super().__init__(message)
        self.step = step
        self.exit_code = exit_code
        #: the partial `BuildResult` (steps and log so far)
        self.result = result
