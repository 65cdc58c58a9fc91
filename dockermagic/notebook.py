"""Notebooks outside Jupyter: reading one, exporting the build contexts its `%%dockerfile` /
`%%context_file` cells write, injecting parameters, and executing it headless (nbclient).

Knows nothing of terminals (the `dockermagic` command in `cli.py` is the view) and imports no
widgets.  Cells are read exactly as the kernel reads them: IPython's own input transformer
finds the cell magic, and the magics' own argument parsers read its line.
"""

from __future__ import annotations

import ast
import json
import os
import signal
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .errors import DockerMagicError, InvalidInput

EXPORTED = ("dockerfile", "context_file")
INJECTED_TAG = "injected-parameters"
SKIP_TAG = "skip-execution"  # nbclient's default skip_cells_with_tag


class NotebookError(InvalidInput):
    """A notebook that can't be read, exported or started; one line per problem."""


class CellFailed(DockerMagicError):
    """A cell raised (or timed out, or its kernel died) while the notebook ran."""

    def __init__(self, cell: CellStarted, ename: str, evalue: str, traceback: list[str], seconds: float,
                 interrupted: bool = False):
        super().__init__(f"cell {cell.index + 1} failed: {ename}: {evalue}")
        self.cell, self.ename, self.evalue, self.traceback, self.seconds = cell, ename, evalue, traceback, seconds
        #: the failure is the KeyboardInterrupt a Ctrl-C sent to the kernel
        self.interrupted = interrupted


# -- reading ----------------------------------------------------------------------------------

def read(path: str | os.PathLike):
    """The notebook at `path` (nbformat v4), or a one-line `NotebookError`."""
    import nbformat

    path = Path(path)
    if not path.exists():
        raise NotebookError(f"{path}: no such file")
    if path.is_dir():
        raise NotebookError(f"{path} is a folder, not a notebook")
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not JSON"
        raise NotebookError(f"{path} is not a notebook ({reason})") from None
    if not isinstance(data, dict) or "nbformat" not in data:
        raise NotebookError(f"{path} is not a notebook (JSON without an nbformat version)")
    try:
        return nbformat.reads(text, as_version=4)
    except Exception as exc:  # nbformat raises many kinds for broken files
        raise NotebookError(f"{path} is not a readable notebook ({str(exc).splitlines()[0][:200]})") from None


def write(nb, path: str | os.PathLike) -> Path:
    """Write `nb` whole or not at all (the context files' atomic writer)."""
    import nbformat

    from .context import write_file

    return write_file(path, nbformat.writes(nb) + "\n")


# -- export -----------------------------------------------------------------------------------

@dataclass
class ContextFile:
    """One file a `%%dockerfile` / `%%context_file` cell writes."""

    cell: int  # 0-based index in the notebook
    magic: str  # the cell's first line, e.g. "%%dockerfile my-base-image"
    path: str  # relative to the export folder, normalised
    text: str
    mode: int | None  # None: as `write_file` decides (the file's mode, else 0666 & ~umask)


def context_files(nb) -> list[ContextFile]:
    """Every file the notebook's `%%dockerfile` / `%%context_file` cells write, in order.

    Checked as the magics check them (arguments, Dockerfile, mode); a line that needs `{var}`
    or `$var` expansion, or a path outside the folder, is a problem too.  All problems are
    raised together in one `NotebookError`, one line each.
    """
    found, problems = [], []
    for index, cell in enumerate(nb.cells):
        magic = _cell_magic(cell)
        if magic is None:
            continue
        name, line, body = magic
        first = f"%%{name} {line}".rstrip()
        try:
            path, mode = _resolve(name, _expand(line), body)
            found.append(ContextFile(index, first, _inside(path), body, mode))
        except DockerMagicError as exc:
            problems.append(f"cell {index + 1} ({first}): {exc}")
        except Exception as exc:  # the magics' parsers raise IPython's UsageError
            problems.append(f"cell {index + 1} ({first}): {str(exc).strip()}")
    if problems:
        raise NotebookError("\n".join(problems))
    return found


def export(nb, directory: str | os.PathLike) -> list[tuple[ContextFile, Path]]:
    """Write the notebook's context files below `directory`: all checked first, then written."""
    from .context import write_file

    files = context_files(nb)
    if not files:
        raise NotebookError("no %%dockerfile or %%context_file cells: nothing to export")
    root = Path(directory)
    for item in files:  # a symlink already in the folder must not lead outside it
        if not (root / item.path).resolve().is_relative_to(root.resolve()):
            raise NotebookError(f"cell {item.cell + 1} ({item.magic}): {item.path} leads outside {root} through a symlink")
    return [(item, write_file(root / item.path, item.text, item.mode)) for item in files]


def _cell_magic(cell):
    """(name, line, body) of an exported cell magic, as the kernel would call it, or None."""
    if cell.cell_type != "code" or "%%" not in cell.source:
        return None
    from IPython.core.inputtransformer2 import TransformerManager

    code = TransformerManager().transform_cell(cell.source)
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.Expr):
        return None
    call = tree.body[0].value
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "run_cell_magic"):
        return None
    try:
        name, line, body = (ast.literal_eval(arg) for arg in call.args)
    except ValueError:
        return None
    return (name, line, body) if name in EXPORTED else None


def _expand(line: str) -> str:
    """The line as IPython's `var_expand` leaves it when it expands nothing (`$$` -> `$`)."""
    from IPython.utils.text import DollarFormatter

    formatter = DollarFormatter()
    names = [field for _, field, _, _ in formatter.parse(line) if field is not None]
    if names:  # an expression too ({1+1}): evaluating it would be running the notebook
        used = ", ".join(dict.fromkeys(names))
        raise NotebookError(
            f"the line expands {used}, known only when the notebook runs; "
            "write the path literally to export this cell"
        )
    return formatter.vformat(line, [], {})


def _resolve(name: str, line: str, body: str) -> tuple[str, int | None]:
    """(path, mode) the magic would write: its own parser, its own checks."""
    from .context import parse_mode
    from .dockerfile import parse
    from .magics.args import parse_line
    from .magics.build import BuildMagics

    if name == "dockerfile":
        args = parse_line(BuildMagics.dockerfile, line)
        parse(body)
        return os.path.join(args.context, args.file), None
    args = parse_line(BuildMagics.context_file, line)
    return args.path, parse_mode(args.mode)


def _inside(path: str) -> str:
    """`path` normalised, refused when it is absolute or leaves the folder."""
    if os.path.isabs(path) or path.startswith("~"):
        raise NotebookError(f"{path} is an absolute path; export writes only inside its folder")
    norm = os.path.normpath(path)
    if norm == ".." or norm.startswith("../"):
        raise NotebookError(f"{path} leads outside the folder; export writes only inside it")
    if norm == ".":
        raise NotebookError(f"{path} names the folder itself, not a file")
    return norm


# -- parameters -------------------------------------------------------------------------------

def parse_value(text: str):
    """A Python literal when `text` is one (`3`, `True`, `[1, 2]`, `'x'`), else the string."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return text


def check_name(name: str) -> str:
    import keyword

    if not name.isidentifier() or keyword.iskeyword(name):
        raise NotebookError(f"-p {name}: a parameter name must be a Python identifier, e.g. -p user me")
    return name


def inject_parameters(nb, params: dict) -> list[str]:
    """Put `params` in a cell tagged `injected-parameters` right after the cell tagged
    `parameters` (at the top without one), replacing one a previous run injected.

    Assignments of the parameters cell that use a given name (`base = f"{registry}/..."`) are
    repeated after the new values, so derived names follow.  Returns warnings: no cell tagged
    `parameters`, or a name it does not set (a typo would run with the default).
    """
    import nbformat

    nb.cells = [c for c in nb.cells if INJECTED_TAG not in c.metadata.get("tags", [])]
    if not params:
        return []
    at = next((i + 1 for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])), 0)
    defaults = nb.cells[at - 1].source if at else ""
    derived, assigned = _derived(defaults, set(params))
    lines = ["# Parameters given to dockermagic run"] + [f"{k} = {v!r}" for k, v in params.items()]
    if derived:
        lines += ["# recomputed from them, as the parameters cell computes them"] + derived
    cell = nbformat.v4.new_code_cell("\n".join(lines), metadata={"tags": [INJECTED_TAG]})
    nb.cells.insert(at, cell)
    if not at:
        return ["no cell is tagged 'parameters': the parameters go in a cell at the top"]
    return [f"-p {k}: the parameters cell does not set {k}; passed anyway" for k in params if k not in assigned]


def _derived(source: str, changed: set[str]) -> tuple[list[str], set[str]]:
    """Statements of `source` assigning from a changed name (transitively), and every name
    `source` assigns."""
    try:
        tree = ast.parse(source)
    except SyntaxError:  # magics in the parameters cell: no derived names then
        return [], set()
    changed, derived, assigned = set(changed), [], set()
    given = set(changed)
    for stmt in tree.body:
        if not isinstance(stmt, (ast.Assign, ast.AnnAssign)) or stmt.value is None:
            continue
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        names = {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        assigned |= names
        used = {n.id for n in ast.walk(stmt.value) if isinstance(n, ast.Name)}
        if names & given or not used & changed:
            continue
        derived.append(ast.get_source_segment(source, stmt))
        changed |= names
    return derived, assigned


# -- execution --------------------------------------------------------------------------------

@dataclass
class CellStarted:
    index: int  # 0-based in the notebook
    number: int  # 1-based among the cells that run
    total: int
    source: str
    started: float = field(default_factory=time.monotonic)


@dataclass
class CellFinished:
    cell: CellStarted
    seconds: float


def runnable(nb) -> list[int]:
    """Indices of the cells nbclient executes: code cells with some source, not skipped."""
    return [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.source.strip()
            and SKIP_TAG not in c.metadata.get("tags", [])]


def execute(nb, cwd: str | os.PathLike, *, kernel: str | None = None, timeout: float | None = None,
            on_event=lambda event: None):
    """Run every code cell of `nb` in a fresh kernel working in `cwd`; stop at the first error.

    Outputs are cleared first, so a notebook stopped by an error shows nothing stale after it.
    `on_event` gets `CellStarted` / `CellFinished`; a failure raises `CellFailed`.  Widget
    state is not stored: saved outputs keep the views' static HTML.
    """
    try:
        from jupyter_client.kernelspec import NoSuchKernel
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
    except ImportError:
        raise NotebookError("needs nbclient and ipykernel: pip install nbclient ipykernel") from None

    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            cell.metadata.pop("execution", None)
    run = _Run(nb, on_event)
    client = NotebookClient(
        nb, timeout=timeout, kernel_name=kernel or "", allow_errors=False, store_widget_state=False,
        record_timing=False, resources={"metadata": {"path": str(cwd)}},
        on_cell_execute=run.started, on_cell_executed=run.executed, on_cell_error=run.errored,
    )
    # the kernel's own log (e.g. "running over TCP without encryption") is not the user's
    # business unless the kernel dies: then its last line says why
    with tempfile.TemporaryFile("w+", prefix="dockermagic-kernel-") as log:
        try:
            _execute(client, run, log)
        except NoSuchKernel as exc:
            raise NotebookError(f"no kernel named {exc.name!r}; choose an installed one with --kernel (jupyter kernelspec list)") from None
        except CellExecutionError as exc:
            error = run.error or {}
            raise run.failed(error.get("ename", exc.ename), error.get("evalue", exc.evalue), error.get("traceback", [])) from None
        except CellTimeoutError:
            raise run.failed("TimeoutError", f"still running after {timeout:g} s (--timeout)") from None
        except DeadKernelError:
            if run.killed:
                raise run.failed("KeyboardInterrupt", "the kernel did not stop at the interrupt and was killed") from None
            raise run.failed("DeadKernelError", "the kernel died while running this cell" + _last_line(log)) from None
        except RuntimeError as exc:  # nbclient's word for a kernel that never answered
            if run.cell is not None:
                raise
            raise NotebookError(f"the kernel did not start: {exc}{_last_line(log)}") from None
    return nb


class _Run:
    """One execution's state: nbclient's hooks in, events out, failures as `CellFailed`."""

    def __init__(self, nb, on_event):
        self.order = {index: n for n, index in enumerate(runnable(nb), 1)}
        self.on_event = on_event
        self.cell: CellStarted | None = None
        self.error: dict | None = None  # the failing cell's execute_reply content
        self.interrupted = self.killed = False  # by Ctrl-C: once, twice

    def started(self, cell, cell_index):
        self.cell = CellStarted(cell_index, self.order.get(cell_index, 0), len(self.order), cell.source)
        self.on_event(self.cell)

    def executed(self, cell, cell_index, execute_reply):
        if execute_reply["content"].get("status") == "ok":
            self.on_event(CellFinished(self.cell, time.monotonic() - self.cell.started))

    def errored(self, cell, cell_index, execute_reply):
        self.error = execute_reply["content"]

    def failed(self, ename: str, evalue: str, traceback: list[str] = ()) -> BaseException:
        if self.cell is None:  # before the first cell: the kernel itself failed
            return KeyboardInterrupt() if self.killed else NotebookError(f"the kernel failed before the first cell: {evalue}")
        interrupted = self.killed or (self.interrupted and ename == "KeyboardInterrupt")
        return CellFailed(self.cell, ename, evalue, list(traceback), time.monotonic() - self.cell.started, interrupted)


def _execute(client, run: _Run, log) -> None:
    """`client.execute()`, with Ctrl-C doing what it does in Jupyter: the first interrupts
    the kernel (the running cell fails with KeyboardInterrupt, the run stops there, the kernel
    is shut down in order); the next kills the kernel.

    nbclient, run in the main thread, would take SIGINT itself and tear the kernel down under
    the running cell; in a worker thread it leaves the signal to this one.
    """
    if threading.current_thread() is not threading.main_thread():
        client.execute(stderr=log)
        return
    outcome: dict = {}

    def work():
        try:
            client.execute(stderr=log)
        except BaseException as exc:  # handed to the main thread
            outcome["error"] = exc

    def on_sigint(signum, frame):
        pid = _kernel_pid(client)
        if pid is None or run.killed:  # no kernel yet, or already killed: stop waiting
            raise KeyboardInterrupt
        if run.interrupted:
            run.killed = True
            _signal_kernel(pid, signal.SIGKILL)
        else:
            run.interrupted = True
            _signal_kernel(pid, signal.SIGINT)  # the kernel runs in a session of its own

    worker = threading.Thread(target=work, name="dockermagic-notebook", daemon=True)
    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        worker.start()
        while worker.is_alive():
            worker.join(0.2)
    finally:
        signal.signal(signal.SIGINT, previous)
    if "error" in outcome:
        raise outcome["error"]


def _kernel_pid(client) -> int | None:
    provisioner = getattr(client.km, "provisioner", None) if client.km is not None else None
    return getattr(provisioner, "pid", None)


def _signal_kernel(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except OSError:
        pass


def _last_line(log) -> str:
    log.seek(0)
    lines = [line.strip() for line in log.read().splitlines() if line.strip()]
    return f" (kernel: {lines[-1][:200]})" if lines else ""
