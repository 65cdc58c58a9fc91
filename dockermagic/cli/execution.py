"""Executing a notebook headless (nbclient): every code cell in a fresh kernel, in order,
as `CellStarted` / `CellFinished` events, stopping at the first failure (`CellFailed`); Ctrl-C
interrupts the kernel as it does in Jupyter.

Knows nothing of terminals (the `dockermagic` command in `cli.py` is the view) and imports no
widgets.
"""

from __future__ import annotations

import os
import signal
import tempfile
import threading
import time
from dataclasses import dataclass, field

from ..errors import DockerMagicError
from .notebook import NotebookError

SKIP_TAG = "skip-execution"  # nbclient's default skip_cells_with_tag


class CellFailed(DockerMagicError):
    """A cell raised (or timed out, or its kernel died) while the notebook ran."""

    def __init__(self, cell: CellStarted, ename: str, evalue: str, traceback: list[str], seconds: float,
                 interrupted: bool = False):
        super().__init__(f"cell {cell.index + 1} failed: {ename}: {evalue}")
        self.cell, self.ename, self.evalue, self.traceback, self.seconds = cell, ename, evalue, traceback, seconds
        #: the failure is the KeyboardInterrupt a Ctrl-C sent to the kernel
        self.interrupted = interrupted


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
        except BaseException as exc:  # noqa: BLE001 -- handed to the main thread, which raises it
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
