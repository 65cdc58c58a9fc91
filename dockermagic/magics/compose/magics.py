"""`%docker compose ...` (also `%docker_compose` and `%docker-compose`) and `%%compose`: the
doors to Compose.  The subcommands live in this folder's other modules (`config`, `stack`:
up, down, ps ...; `services`: logs, exec, run, start, stop ...), registered in
`base.SUBCOMMANDS` when they are imported here."""

from __future__ import annotations

from IPython.core.magic import cell_magic, line_magic, magics_class

from ..args import split
from ..base import MagicsArea, reports_errors
from . import base, config, services, stack  # noqa: F401 -- importing them registers their subcommands


@magics_class
class ComposeMagics(MagicsArea):
    """Compose on the Engine API, interchangeable with Docker Compose v2."""

    def __init__(self, shell, settings):
        super().__init__(shell, settings)
        # `%docker-compose up -d`, as the v1 command is typed (IPython takes the hyphen in a name)
        self.magics["line"]["docker-compose"] = self.docker_compose

    @line_magic
    @reports_errors
    def docker_compose(self, line: str = ""):
        """Run a Compose project on the engine, as `docker compose` does: `%docker compose up -d`.

        The subcommands and their flags are Docker Compose v2's; `%docker compose` alone lists
        them, `%docker compose SUBCOMMAND --help` shows one.  Containers, networks and volumes
        carry v2's names and labels: `docker compose` sees and manages what this made, and the
        other way round.
        """
        words = split(line)
        if not words:
            print(base.usage())
            return None
        return base.run_subcommand(self, words)

    @cell_magic
    @reports_errors
    def compose(self, line: str = "", cell: str = ""):
        """%%compose [DIR] [-f NAME] [-p PROJECT]: write the cell as a project's compose file.

        The cell is loaded as Compose v2 loads it first (YAML, the Compose Specification, its
        variables, `extends` and `include`); a file it would refuse is refused in one line naming
        the key and line, and nothing is written.  DIR defaults to the working directory, NAME
        to compose.yaml.  The file is then shown, highlighted, with the project's diagram.
        """
        return config.write_cell(self, split(line), cell)


def check(method, rest: str):
    """A compose line read as `%docker compose` reads it, nothing run (`checks.check` calls it)."""
    return base.parse_command(split(rest))


def _with_usage() -> None:
    ComposeMagics.docker_compose.__doc__ += "\n" + base.GLOBAL_HELP
    ComposeMagics.docker_compose.check = check


_with_usage()
