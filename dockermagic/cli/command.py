"""The `dockermagic` command: a notebook's build contexts for CI (`export`), and a notebook run
headless with parameters (`run`).  The work is in `notebook.py` and `execution.py`; this
module parses the command line and shows progress and errors.

Exit status: 0 done; 1 a cell failed (run); 2 nothing was done (a missing file, not a
notebook, bad options or parameters, nothing to export); 130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import shutil
import stat
import sys
import threading
import time

from ..version import __version__

DESCRIPTION = """\
Notebooks that use dockermagic, outside Jupyter.

  dockermagic export NOTEBOOK DIR       write the build contexts its %%dockerfile and
                                        %%context_file cells define into DIR
  dockermagic run NOTEBOOK [-p NAME VALUE ...] [-o OUT.ipynb]
                                        execute it headless, stop at the first failing cell
"""

EPILOG = """\
`dockermagic COMMAND --help` tells more.  Exit status: 0 done; 1 a cell failed (run); 2 nothing
was done (a missing file, not a notebook, bad options or parameters, nothing to export); 130
interrupted.
"""

EXPORT_HELP = """\
Write every file the notebook's %%dockerfile and %%context_file cells write, with the same
modes, checked as the magics check them (arguments, Dockerfile, --mode), below DIR -- and
execute nothing.  A notebook then feeds a normal build:

  dockermagic export notebooks/01-build-push-run.ipynb build/
  docker build -t me/my-base-image build/my-base-image

Paths are relative to DIR, as the magics' are to the notebook's folder; absolute paths and
paths leaving DIR are refused.  A magic line using {var} or $var is known only when the
notebook runs: such cells are named and nothing is written.  Exit status 2 on any problem.
"""

RUN_HELP = """\
Execute NOTEBOOK in a fresh kernel working in the notebook's folder, cell by cell, showing
which cell runs (a progress bar on a terminal, one line per cell otherwise).  The first
failing cell stops the run: its source and its error are printed, exit status 1.

-p NAME VALUE sets a parameter papermill-style: a cell tagged injected-parameters goes right
after the cell tagged parameters (replacing one an earlier run left); VALUE is a Python
literal when it parses as one (3, True, [1, 2], 'x'), else a string.  Assignments of the
parameters cell that use a given name (base = f"{registry}/...") are recomputed after it.

Nothing is written unless -o names a file: the executed notebook, also when a cell failed
(outputs up to the failure; later cells cleared).  -o may be NOTEBOOK itself, to regenerate
committed outputs.  Widget state is not saved: views keep their static HTML.

  dockermagic run notebooks/01-build-push-run.ipynb -p registry 127.0.0.1:5000 -o out.ipynb
"""


def main(argv: list[str] | None = None) -> int:
    from ..errors import DockerMagicError

    args = _parser().parse_args(argv)
    try:
        return args.command(args)
    except DockerMagicError as exc:
        _say(args.name, str(exc))
        return 2
    except KeyboardInterrupt:
        _say(args.name, "interrupted")
        return 130


def _parser() -> argparse.ArgumentParser:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(prog="dockermagic", description=DESCRIPTION, epilog=EPILOG, formatter_class=formatter)
    parser.add_argument("--version", action="version", version=f"dockermagic {__version__}")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    export = sub.add_parser("export", help="write a notebook's build contexts into a folder",
                            description=EXPORT_HELP, formatter_class=formatter)
    export.add_argument("notebook", metavar="NOTEBOOK", help="the .ipynb file to read")
    export.add_argument("directory", metavar="DIR", help="folder to write the contexts into (created if missing)")
    export.set_defaults(command=_export, name="export")

    run = sub.add_parser("run", help="execute a notebook headless, with parameters",
                         description=RUN_HELP, formatter_class=formatter)
    run.add_argument("notebook", metavar="NOTEBOOK", help="the .ipynb file to execute")
    run.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                     help="set parameter NAME to VALUE (a Python literal, else a string); repeatable")
    run.add_argument("-o", "--output", metavar="OUT.ipynb", default=None,
                     help="write the executed notebook here ('-' for stdout; may be NOTEBOOK itself). Default: write nothing")
    run.add_argument("--kernel", metavar="NAME", default=None,
                     help="kernel to run it in. Default: the notebook's own (its kernelspec), else python3")
    run.add_argument("--timeout", metavar="S", type=_seconds, default=None,
                     help="fail a cell still running after S seconds. Default: no limit")
    run.add_argument("--cwd", metavar="DIR", default=None,
                     help="the kernel's working folder, where the magics write and build. Default: the notebook's folder")
    run.set_defaults(command=_run, name="run")
    return parser


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: give a positive number of seconds")
    return value


def _say(command: str, message: str) -> None:
    for line in message.splitlines() or [""]:
        print(f"dockermagic {command}: {line}", file=sys.stderr)


# -- export -----------------------------------------------------------------------------------

def _export(args) -> int:
    from . import notebook

    nb = notebook.read(args.notebook)
    written = notebook.export(nb, args.directory)
    width = max(len(item.path) for item, _ in written)
    for item, path in written:
        mode = stat.filemode(path.stat().st_mode)
        print(f"{mode}  {item.path:<{width}}  cell {item.cell + 1}: {item.magic}")
    print(f"exported {len(written)} file{'s' * (len(written) != 1)} into {args.directory}")
    contexts = dict.fromkeys(_context(args.directory, item.path) for item, _ in written
                             if item.magic.startswith("%%dockerfile"))
    if contexts:
        print("build contexts: " + "  ".join(contexts))
    return 0


def _context(directory: str, dockerfile: str) -> str:
    """The folder `docker build` takes for this Dockerfile (and its -f when not the default)."""
    folder, name = os.path.split(dockerfile)
    context = os.path.join(directory, folder)
    return context if name == "Dockerfile" else f"{context} (-f {os.path.join(directory, dockerfile)})"


# -- run --------------------------------------------------------------------------------------

def _run(args) -> int:
    from . import execution, notebook

    nb = notebook.read(args.notebook)
    params = {notebook.check_name(name): notebook.parse_value(value) for name, value in args.parameter}
    for warning in notebook.inject_parameters(nb, params):
        _say("run", f"warning: {warning}")
    cwd = args.cwd or os.path.dirname(os.path.abspath(args.notebook))
    if not os.path.isdir(cwd):
        raise notebook.NotebookError(f"--cwd {cwd}: no such folder")

    progress = (Bar if sys.stderr.isatty() else Lines)(sys.stderr)
    failure, interrupted, started = None, False, time.monotonic()
    try:
        execution.execute(nb, cwd, kernel=args.kernel, timeout=args.timeout, on_event=progress.feed)
    except execution.CellFailed as exc:
        failure, interrupted = exc, exc.interrupted
    except KeyboardInterrupt:
        interrupted = True
    finally:
        progress.close()
    if failure is not None:
        _report(failure, colour=sys.stderr.isatty())
    if interrupted:
        _say("run", "interrupted")
    elif failure is None:
        count = len(execution.runnable(nb))
        print(f"ran {count} cell{'s' * (count != 1)} in {_clock(time.monotonic() - started)}", file=sys.stderr)
    status = 130 if interrupted else 1 if failure else 0
    if args.output:
        _save(nb, args.output)
    return status


def _save(nb, output: str) -> None:
    from . import notebook

    if output == "-":
        import nbformat

        sys.stdout.write(nbformat.writes(nb) + "\n")
        return
    notebook.write(nb, output)
    print(f"wrote {output}", file=sys.stderr)


def _report(exc, colour: bool) -> None:
    """The failing cell's source, numbered, then its error: one line for a dockermagic error
    (its `_render_traceback_`), the kernel's traceback for anything else."""
    from ..text.ansi import strip

    cell = exc.cell
    what = "was interrupted" if exc.interrupted else "failed"
    print(f"\ncell {cell.index + 1} ({cell.number}/{cell.total}) {what} after {_clock(exc.seconds)}:", file=sys.stderr)
    lines = cell.source.splitlines()
    for n, line in enumerate(lines, 1):
        print(f"  {n:>{len(str(len(lines)))}} | {line}".rstrip(), file=sys.stderr)
    if exc.interrupted:
        if exc.evalue:
            print(exc.evalue, file=sys.stderr)
        return
    text = "\n".join(exc.traceback) or f"{exc.ename}: {exc.evalue}"
    print(text if colour else strip(text), file=sys.stderr)


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}:{secs:02d}" if minutes else f"{seconds:.1f}s"


def _first_line(source: str) -> str:
    """What names a cell best: its first line that is not a comment."""
    lines = [line.strip() for line in source.splitlines() if line.strip()]
    return next((line for line in lines if not line.startswith("#")), lines[0] if lines else "")


class Lines:
    """Not a terminal (CI logs, pipes): one line as each cell starts."""

    def __init__(self, stream):
        self.stream = stream

    def feed(self, event) -> None:
        from .execution import CellStarted

        if isinstance(event, CellStarted):
            width = len(str(event.total))
            print(f"[{event.number:>{width}}/{event.total}] cell {event.index + 1}: {_first_line(event.source)}",
                  file=self.stream, flush=True)

    def close(self) -> None:
        pass


class Bar:
    """A terminal: one line redrawn in place -- the bar, the count, the running cell's clock
    (kept moving by a ticker while a long cell runs) and its first line."""

    WIDTH = 24

    def __init__(self, stream):
        self.stream = stream
        self.cell = None
        self.done = 0
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.ticker = None
        encoding = getattr(stream, "encoding", None) or "ascii"
        self.marks = ("█", "░") if "█░".encode(encoding, "replace") == "█░".encode(encoding, "ignore") else ("#", "-")

    def feed(self, event) -> None:
        from .execution import CellFinished, CellStarted

        if isinstance(event, CellStarted):
            self.cell = event
            if self.ticker is None:
                self.ticker = threading.Thread(target=self._tick, name="dockermagic-progress", daemon=True)
                self.ticker.start()
        elif isinstance(event, CellFinished):
            self.done = event.cell.number
        self._draw()

    def _tick(self) -> None:
        while not self.stop.wait(0.5):
            self._draw()

    def _draw(self) -> None:
        with self.lock:
            cell = self.cell
            if cell is None or self.stop.is_set():
                return
            filled = round(self.WIDTH * self.done / max(cell.total, 1))
            bar = self.marks[0] * filled + self.marks[1] * (self.WIDTH - filled)
            clock = _clock(time.monotonic() - cell.started)
            text = f"{bar} {cell.number}/{cell.total} {clock:>6}  cell {cell.index + 1}: {_first_line(cell.source)}"
            columns = shutil.get_terminal_size((80, 24)).columns
            self.stream.write("\r" + text[: columns - 1] + "\x1b[K")
            self.stream.flush()

    def close(self) -> None:
        with self.lock:
            if self.stop.is_set():
                return
            self.stop.set()
            if self.cell is not None:
                self.stream.write("\r\x1b[K")
                self.stream.flush()
