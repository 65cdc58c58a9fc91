"""A container's terminal typed into a line at a time: what `docker run -it IMAGE sh` and
`docker exec -it CONTAINER bash` give in a cell where what is typed can be read.

A `Console` is given to a run or an exec as its stdin (a callable: it receives the attach or
exec socket, left open), and `watch()` wraps that job's events while they are read on another
thread.  The thread that reads what is typed asks `wanted()` before each line: it returns once
the program's output has settled -- the shell printed its prompt (output that ends inside a
line) and waits, or whole lines stopped coming for a while -- and says whether the stream is
still open, so that after `exit` no one is asked for another line.  A line goes
in as typed with a newline (`send`); the terminal's line discipline echoes it, so the output
holds what was typed.  Knows nothing of IPython or widgets.
"""

from __future__ import annotations

import threading
import time

from ..engine import adapter
from .output import Output

SETTLE = 0.3  # seconds of quiet after a prompt (output ending inside a line): the program waits for a line
BUSY = 3.0  # seconds of quiet after whole lines (a command still running) before asking anyway
PATIENCE = 1.0  # seconds without any output after a line (the terminal echoes it at once) before asking anyway
FIRST = 5.0  # the same before the first line: a shell with a terminal prints a prompt, a busy engine late
ENDING = 3.0  # after a line that ends the shell: seconds given to the stream's end before asking again
ENDING_LINES = {"exit", "logout", "quit", "exit()", "quit()", "\\q", ".exit", "\x04"}
CTRL_C, CTRL_D = b"\x03", b"\x04"


class Console:
    """Lines typed into one run's or exec's terminal, and when the next one is wanted."""

    def __init__(self, first: float = FIRST, clock=time.monotonic):
        """`first`: seconds to wait for the first output before asking anyway (a shell attached
        to after it printed its prompt prints nothing more)."""
        self.clock, self.first = clock, first
        self._cond = threading.Condition()
        self._sock = None
        self._ended = False
        self._asked = clock()  # when the last line went in (or the terminal came)
        self._output_since = False  # output came after the last line
        self._last_output = 0.0
        self._prompted = False  # the last output ended inside a line, as a prompt does
        self._ending = False  # the last line ends the shell
        self.lines = 0

    # -- the job's side (the reading thread) --------------------------------------------------------
    def __call__(self, sock) -> None:
        """Given the attach or exec socket where stdin would be written: kept for what is typed."""
        with self._cond:
            self._sock = sock
            self._asked = self.clock()  # patience counts from the start, not from the create before it
            self._cond.notify_all()

    def watch(self, events):
        """The job's events, passed on, noting when output comes and when the stream ends."""
        try:
            for event in events:
                if isinstance(event, Output) and event.text:
                    with self._cond:
                        self._output_since, self._last_output = True, self.clock()
                        self._prompted = not event.text.endswith("\n")
                        self._cond.notify_all()
                yield event
        finally:
            with self._cond:
                self._ended = True
                self._cond.notify_all()

    # -- the typing side ----------------------------------------------------------------------------
    @property
    def ended(self) -> bool:
        return self._ended

    def wanted(self) -> bool:
        """Wait until the program waits for a line; False once the stream has ended."""
        with self._cond:
            while not self._ended:
                now = self.clock()
                if self._sock is not None:
                    if self._ending:
                        due = self._asked + ENDING
                    elif self._output_since:
                        due = self._last_output + (SETTLE if self._prompted else BUSY)
                    else:
                        due = self._asked + (PATIENCE if self.lines else self.first)
                    if now >= due:
                        return True
                    self._cond.wait(min(0.1, due - now))
                else:
                    self._cond.wait(0.1)
            return False

    def send(self, line: str) -> bool:
        """Type `line` and Enter; False when the terminal is gone (the stream ended meanwhile)."""
        return self._type((line + "\n").encode("utf-8"), line.strip() in ENDING_LINES)

    def eof(self) -> bool:
        """Ctrl-D, as a terminal sends it: a shell at an empty line ends."""
        return self._type(CTRL_D, True)

    def _type(self, data: bytes, ending: bool) -> bool:
        with self._cond:
            sock = None if self._ended else self._sock
            self._asked, self._output_since, self._ending = self.clock(), False, ending
        if sock is None:
            return False
        try:
            adapter.raw_socket(sock).sendall(data)
        except OSError:
            return False
        self.lines += 1
        return True

    def hang_up(self, grace: float = 1.0) -> bool:
        """What closing a terminal does to what runs in it, as far as typing can: Ctrl-C (the
        foreground program is interrupted), then Ctrl-D (the shell ends).  True when the stream
        ended within `grace` seconds."""
        for key in (CTRL_C, CTRL_D):
            if not self._type(key, True):
                break
            self._wait_end(grace / 4)
        return self._wait_end(grace)

    def cut(self) -> None:
        """End the stream at once (the reading thread sees its end)."""
        with self._cond:
            sock = self._sock
        if sock is not None:
            adapter.cut(sock)

    def _wait_end(self, seconds: float) -> bool:
        deadline = self.clock() + seconds
        with self._cond:
            while not self._ended and self.clock() < deadline:
                self._cond.wait(max(0.0, min(0.05, deadline - self.clock())))
            return self._ended
