"""`-it` with an interactive shell in a cell: `%docker_run -it IMAGE sh`, `%docker_exec -it
CONTAINER bash`.  The container's output streams into the run view from a thread of its own
while this one reads what is typed, a line at a time, through `input()`: ipykernel's input box
under the cell (JupyterLab, Notebook, VS Code), a terminal IPython's own stdin.

Where nothing typed can be read -- nbclient / nbconvert "Run All" (`allow_stdin=False`), a
terminal without a tty -- `readable()` says so before anything is created, and the line is
refused as before.
"""

from __future__ import annotations

import contextvars
import sys
import threading


def readable(shell) -> bool:
    """Whether `input()` can be answered in this cell.  In a kernel, ipykernel's own test: its
    `raw_input` refuses (StdinNotImplementedError) unless the execute request allowed stdin,
    which it keeps as `_allow_stdin` for the request that runs now.  In a terminal IPython, a
    tty on stdin."""
    kernel = getattr(shell, "kernel", None)
    if kernel is not None:
        return bool(getattr(kernel, "_allow_stdin", False))
    stdin = sys.stdin
    try:
        return stdin is not None and stdin.isatty()
    except (ValueError, OSError):  # a closed or odd stdin
        return False


def console_for(shell, engine, container: str, started: bool = True):
    """A console for attaching to `container` (`start -ai`, `attach`) when it was made with `-it`
    for an interactive shell and what is typed can be read; else None (stdin as before).
    `started` False (`attach`): its prompt was printed before, so the first box comes soon."""
    from ..containers.console import PATIENCE, Console
    from ..containers.inspect import inspect_container
    from .run_args import is_shell

    if not readable(shell):
        return None
    info = inspect_container(engine, container)
    config = info.get("Config") or {}
    argv = [info.get("Path") or "", *(info.get("Args") or [])]
    if not (config.get("Tty") and config.get("OpenStdin") and is_shell(argv)):
        return None
    return Console() if started else Console(first=PATIENCE)


def serve(view, events, console, hang_up, read_line=None):
    """Stream `events` into `view` on a thread, type lines into `console` until the stream ends.
    A Ctrl-C (in `input()` or between lines) ends it as closing a terminal would: `hang_up()`
    does what the job needs and returns the one-line `RunInterrupted`, raised here."""
    from ..views.live import run

    read_line = read_line or input
    failed: list[BaseException] = []
    # shown at once: the view's output must come before the first input box, which the frontend
    # puts after whatever the cell showed until then (the stdin socket comes after the start)
    view.live_after = 0

    def stream():
        try:
            run(view, console.watch(events))
        except BaseException as exc:  # noqa: BLE001 -- raised again on the typing thread
            failed.append(exc)

    # the view's displays and comm messages carry this cell's parent message, as the ticker's do
    thread = threading.Thread(target=contextvars.copy_context().run, args=(stream,),
                              name="dockermagic-console", daemon=True)
    thread.start()
    try:
        while console.wanted():
            view.flush()  # the prompt on show before the box
            try:
                line = read_line("")
            except EOFError:  # Ctrl-D typed in the input box
                console.eof()
                continue
            except (KeyboardInterrupt, SystemExit):
                raise
            except Exception as exc:  # noqa: BLE001 -- no one to ask after all (the frontend refused stdin)
                raise _Unreadable(str(exc)) from exc
            console.send(line)
        thread.join()
    except (KeyboardInterrupt, _Unreadable) as exc:
        error = hang_up()
        thread.join(30)
        if isinstance(exc, _Unreadable):
            from ..errors import InvalidInput
            from .run_args import IT_IN_NOTEBOOK

            error = InvalidInput(f"{IT_IN_NOTEBOOK} ({error})")
        view.fail(error)
        view.finish()
        raise error from None
    if failed:
        raise failed[0]


class _Unreadable(Exception):
    """`input()` refused after all (ipykernel's StdinNotImplementedError)."""


def run_hang_up(job, console):
    """A run's Ctrl-C: the shell hung up (Ctrl-C, Ctrl-D typed); a container still running after
    that is stopped as `%docker_run`'s interrupt stops it.  `--rm`: removed either way."""
    from ..containers.run import RunInterrupted
    from ..text.units import short_id

    def hang_up() -> RunInterrupted:
        who = job.result.name or short_id(job.id)
        if not console.hang_up():
            return job.interrupt()
        did = f"the shell in container {who} ended on Ctrl-C, Ctrl-D"
        if job.request.rm:
            job.remove()  # the engine removes it too (AutoRemove): whichever is first
            job.result.removed = True
            did += "; removed (--rm)"
        job.result.note = did
        return RunInterrupted(f"interrupted: {did}")
    return hang_up


def detach_hang_up(job, console, keys: bool = True):
    """An exec's (or `start -ai`'s) Ctrl-C: Ctrl-C, Ctrl-D typed; if it still runs, the
    connection closed, and what was typed into runs on, as after a terminal's detach.
    `keys` False (`attach`: the container's own shell, which was there before): only detached."""
    from ..containers.run import RunInterrupted

    def hang_up() -> RunInterrupted:
        where = job.result.name or job.result.id or "?"
        what = job.result.command if job.result.verb == "exec" else "the shell"
        if keys and console.hang_up():
            did = f"{what} in container {where} ended on Ctrl-C, Ctrl-D"
        else:
            console.cut()
            did = (f"closed the terminal of {what} in container {where}; it still runs there "
                   f"(%docker_stop {where})" if keys else f"detached from container {where}; it runs on")
        job.result.note = did
        return RunInterrupted(f"interrupted: {did}")
    return hang_up


def show_job(job, verb: str, console, settings, execution_count, raise_error: bool = True):
    """An exec (or a run) through the output view: typed into when `console` is one, a non-zero
    exit raised as the run's failure unless `raise_error` is off; the result, shown in this cell."""
    from ..containers.run import failure
    from ..views.container import OutputView
    from ..views.formatters import shown
    from ..views.live import run

    view = OutputView(job.result, verb, max_lines=settings.max_output_lines, **settings.view_options())
    if console is not None:
        serve(view, job.events(), console, detach_hang_up(job, console))
    else:
        run(view, job.events())
    if job.result.exit_code != 0 and raise_error:
        raise failure(job.result)
    return shown(job.result, execution_count, view.mode)
