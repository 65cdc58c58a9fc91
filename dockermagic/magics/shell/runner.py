"""A read line run as sh runs it: `&&`, `||` and `;` in order, pipes, redirections and `$(...)`.

Docker commands run through dockermagic itself (the `Host` the magics give), everything else
through `/bin/sh -c` in the kernel's working directory, with words already expanded here and
quoted for it (a value is never read as code twice):

- a docker command whose output goes on (a pipe, `> FILE`, `$(...)`) runs with its view
  captured, and what the CLI would print (its `-q` / `--format` text, a run's stdout, the
  result's text) is what goes on -- except the tar streams of `save`, `export` and `cp ... -`,
  which write as they read (to the file, or to the next command through an OS pipe, the
  producer in a thread) and show their progress as usual;
- `load`, `import -` and `run -i` / `exec -i` read what comes in as their stdin;
- `xargs docker SUB ...` adds the words it reads to that docker command, run in-process;
- the value of the line is the last docker command's result, or, where the line ends in
  another program, that program's output as text (bounded as any output);
- the line's status is its last pipeline's: a non-zero one raises the failing command's own
  error (or says the program's exit status), so "Run All" stops there.
"""

from __future__ import annotations

import contextlib
import contextvars
import io
import os
import shlex
import subprocess
import sys
import threading
from dataclasses import dataclass

from ...errors import DockerMagicError
from . import streams
from .reader import Command, ShellSyntax, parse
from .words import Expander

STREAMING_OUT = {"docker_save", "docker_export", "docker_cp"}  # write a tar to stdout themselves
STREAMING_IN = {"docker_load", "docker_import", "docker_run", "docker_exec"}  # read stdin themselves
CD = "`cd` in a %docker line would not outlive it: change the kernel's folder with %cd DIR in its own line first"


class ProgramFailed(DockerMagicError):
    """A program other than docker, last on a line, exited with a non-zero status."""


@dataclass
class Host:
    """What the magics give the runner: `first(words)` runs the line's own magic with these
    words, `docker(words)` runs `docker WORDS...` through `%docker`, `magic_of(words, first)`
    names the magic a command reaches (None when unknown), `capture(call)` runs a call with its
    views and printing captured -> (its result, what the CLI would print), `max_lines` the
    output bound."""

    first: object
    docker: object
    magic_of: object
    capture: object
    max_lines: int = 400


@dataclass
class _Stage:
    command: Command
    kind: str  # "first", "docker", "xargs", "sh"
    words: list
    magic: str | None = None


class Runner:
    def __init__(self, host: Host):
        self.host = host
        self.expander = Expander(self.substitute)
        self.result = None
        self.output = None  # the text a program last on the line printed
        self.program = "the line's last command"  # what ran through /bin/sh last
        self._pipes: list = []  # read ends of the OS pipes a producer thread writes into

    # -- $(...) ---------------------------------------------------------------------------------
    def substitute(self, source: str) -> str:
        """What `$(source)` prints: `pwd` is the kernel's folder, a line of docker commands runs
        here (its CLI text), anything else runs through /bin/sh in the kernel's folder."""
        from .reader import VALUE_CLOSE, VALUE_OPEN

        program = parse(source)
        only = program.simple()
        if only is not None and [w.literal() for w in only.words[:2]] in (["pwd"], ["pwd", "-L"], ["pwd", "-P"]):
            return os.getcwd() + "\n"
        stages = [self._classify(c, first=False) for _, pipeline in program.steps for c in pipeline]
        if not any(s.kind in ("docker", "xargs") for s in stages):
            script = source.replace(VALUE_OPEN, "'").replace(VALUE_CLOSE, "'")  # a value: one quoted word
            done = subprocess.run(["/bin/sh", "-c", script], capture_output=True, cwd=os.getcwd(), env=self._env())
            sys.stderr.write(done.stderr.decode(errors="replace"))
            self.expander.status = done.returncode
            return done.stdout.decode(errors="replace")
        inner = Runner(self.host)
        inner.expander.variables = self.expander.variables
        out = io.BytesIO()
        status, error = inner._program(program, sink=out)
        self.expander.status = status
        if status and error is not None:
            sys.stderr.write(f"{error}\n")
        return out.getvalue().decode(errors="replace")

    # -- the line -------------------------------------------------------------------------------
    def run(self, program):
        status, error = self._program(program, first=True)
        if status:
            if error is not None:
                raise error
            raise ProgramFailed(f"`{self.program}` exited with status {status}")
        return self.output if self.output is not None else self.result

    def _program(self, program, first: bool = False, sink=None):
        status, error = 0, None
        for connector, pipeline in program.steps:
            if (connector == "&&" and status) or (connector == "||" and not status):
                continue
            if error is not None and status:
                sys.stderr.write(f"{error}\n")  # the line goes on after it: said, as sh says it
            status, error = self._pipeline(pipeline, first, sink)
            first = False
            self.expander.status = status
        return status, error

    def _classify(self, command: Command, first: bool) -> _Stage:
        if first:
            return _Stage(command, "first", [])
        name = command.words[0].literal() if command.words else None
        second = command.words[1].literal() if len(command.words) > 1 else None
        if name == "docker" or (name == "sudo" and second == "docker"):
            return _Stage(command, "docker", [])
        if name == "xargs" and any(w.literal() == "docker" for w in command.words[1:]):
            return _Stage(command, "xargs", [])
        if name == "cd":
            raise ShellSyntax(CD)
        return _Stage(command, "sh", [])

    def _expand(self, stage: _Stage) -> _Stage:
        words = self.expander.all(stage.command.words)
        if stage.kind == "docker":
            words = words[words.index("docker") + 1:]
        stage.words = words
        if stage.kind in ("first", "docker"):
            stage.magic = self.host.magic_of(words, stage.kind == "first")
        return stage

    # -- one pipeline ---------------------------------------------------------------------------
    def _pipeline(self, pipeline, first: bool, sink):
        stages = [self._classify(c, first and i == 0) for i, c in enumerate(pipeline)]
        incoming, status, error, threads, procs = None, 0, None, [], []
        i = 0
        try:
            while i < len(stages):
                stage = stages[i]
                last = i == len(stages) - 1
                if not stage.command.words:  # assignments alone: the line's own variables
                    for name, word in stage.command.assignments:
                        self.expander.variables[name] = self.expander.text(word)
                    i, status, error = i + 1, 0, None
                    continue
                if stage.kind == "sh":
                    j = i
                    while j + 1 < len(stages) and stages[j + 1].kind == "sh":
                        j += 1
                    incoming, status, proc = self._sh(stages[i:j + 1], incoming, j == len(stages) - 1, sink)
                    procs.append(proc)
                    error = None
                    i = j + 1
                    continue
                self._expand(stage)
                incoming, status, error, thread = self._docker(stage, incoming, last, sink)
                if thread is not None:
                    threads.append(thread)
                i += 1
        except BaseException:  # an interrupt, or a line that cannot go on: its programs end with it
            for proc in procs:
                if proc is not None and proc.poll() is None:
                    proc.kill()
            raise
        finally:
            for reader in self._pipes:  # read or not, closed: a producer still writing stops
                with contextlib.suppress(OSError):
                    reader.close()
            self._pipes.clear()
            for thread in threads:
                thread.join()
            for proc in procs:
                if proc is not None and proc.poll() is None:
                    proc.wait()
        return status, error

    # -- docker commands ------------------------------------------------------------------------
    def _call(self, stage: _Stage, extra=()):
        words = [*stage.words, *extra]
        runner = self.host.first if stage.kind == "first" else self.host.docker
        assigned = {name: self.expander.text(w) for name, w in stage.command.assignments}
        with _environment(assigned):
            return runner(words)

    def _docker(self, stage: _Stage, incoming, last: bool, sink):
        """Run one docker command; (what goes on, status, error, producer thread or None)."""
        if stage.kind == "xargs":
            return self._xargs(stage, incoming, last, sink)
        redirects = self._redirects(stage.command)
        stdin = redirects.get(0, incoming)
        if isinstance(stdin, bytes):
            stdin = io.BytesIO(stdin)
        if stage.magic not in STREAMING_IN and stdin is not None and hasattr(stdin, "read") and not isinstance(stdin, io.BytesIO):
            stdin = io.BytesIO(stdin.read())  # drained, so the command before it can finish
        out = redirects.get(1)
        errors_to = redirects.get(2)
        goes_on = out is not None or not last or sink is not None
        try:
            if stage.magic in STREAMING_OUT and goes_on:
                if out is None and sink is None:  # the next command reads while this one writes
                    read_fd, write_fd = os.pipe()
                    reader, writer = os.fdopen(read_fd, "rb"), os.fdopen(write_fd, "wb")
                    self._pipes.append(reader)
                    thread = self._producer(stage, stdin, writer)
                    return reader, 0, None, thread
                with streams.bound(stdin, out or sink):
                    self.result = self._call(stage)
                return None, 0, None, None
            if not goes_on:
                with streams.bound(stdin, None):
                    self.result = self._call(stage)
                self.output = None
                return None, 0, None, None
            with streams.bound(stdin, None):
                result, text = self.host.capture(lambda: self._call(stage))
            data = text.encode()
            if out is not None or sink is not None:
                (out or sink).write(data)
                return None, 0, None, None
            return data, 0, None, None
        except DockerMagicError as exc:
            partial = getattr(getattr(exc, "result", None), "stdout", None)
            status = getattr(exc, "exit_code", None) or 1
            if errors_to is not None:
                errors_to.write(f"{exc}\n".encode())
                exc = ProgramFailed(f"docker {' '.join(stage.words[:1])} failed (its error went to a redirection)")
            if goes_on and isinstance(partial, str):
                return self._passed(partial.encode(), out, sink), status, exc, None
            return (b"" if goes_on and out is None and sink is None else None), status, exc, None
        finally:
            for fd, handle in redirects.items():
                if hasattr(handle, "close") and handle is not incoming:
                    handle.close()

    @staticmethod
    def _passed(data: bytes, out, sink):
        if out is not None or sink is not None:
            (out or sink).write(data)
            return None
        return data

    def _producer(self, stage, stdin, writer):
        context = contextvars.copy_context()
        failure = []

        def produce():
            try:
                with streams.bound(stdin, writer):
                    self.result = self._call(stage)
            except BrokenPipeError:
                pass  # the reader stopped early, as `| head` does in sh
            except BaseException as exc:  # noqa: BLE001 -- said on stderr, as sh says a failing producer
                failure.append(exc)
                sys.stderr.write(f"{exc}\n")
            finally:
                with contextlib.suppress(OSError):
                    writer.close()

        thread = threading.Thread(target=lambda: context.run(produce), name="dockermagic-pipe", daemon=True)
        thread.start()
        return thread

    def _xargs(self, stage: _Stage, incoming, last: bool, sink):
        words = self.expander.all(stage.command.words)
        at = words.index("docker")
        options, docker_words = words[1:at], words[at + 1:]
        unknown = [o for o in options if o not in ("-r", "--no-run-if-empty")]
        if unknown:
            raise ShellSyntax(f"xargs {' '.join(unknown)}: only `xargs [-r] docker ...` is run here; "
                              "for other forms, use $(...) in the docker command")
        data = incoming.read() if hasattr(incoming, "read") else (incoming or b"")
        read = shlex.split(data.decode(errors="replace"))
        if not read and options:
            return (None if last else b""), 0, None, None
        docker = _Stage(stage.command, "docker", docker_words)
        docker.magic = self.host.magic_of(docker_words, False)
        return self._docker(_Stage(Command(stage.command.words, [], stage.command.redirects), "docker",
                                   [*docker_words, *read], docker.magic), None, last, sink)

    def _redirects(self, command: Command) -> dict:
        opened = {}
        for r in command.redirects:
            target = self.expander.text(r.target)
            if r.op in (">&", "<&"):
                if target == "1" and r.fd == 2:
                    continue  # 2>&1: errors are said where the output goes already
                if target == "-":
                    continue
                raise ShellSyntax(f"{r.fd}{r.op}{target}: only 2>&1 is read for a docker command")
            if r.op == "<>":
                raise ShellSyntax("<> is not read for a docker command")
            mode = "rb" if r.op == "<" else "ab" if r.op == ">>" else "wb"
            try:
                opened[r.fd] = open(os.path.join(os.getcwd(), target), mode)  # noqa: SIM115 -- closed after the command
            except OSError as exc:
                for handle in opened.values():
                    handle.close()
                raise ShellSyntax(f"{target}: {exc.strerror.lower()}") from None
        return opened

    # -- other programs -------------------------------------------------------------------------
    def _sh(self, stages, incoming, last: bool, sink):
        script = self.program = " | ".join(self._script(s.command) for s in stages)
        stdin_arg = subprocess.DEVNULL
        feed = None
        if hasattr(incoming, "fileno"):
            stdin_arg = incoming
        elif incoming is not None:
            stdin_arg, feed = subprocess.PIPE, incoming
        proc = subprocess.Popen(["/bin/sh", "-c", script], stdin=stdin_arg, cwd=os.getcwd(), env=self._env(),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if hasattr(incoming, "fileno"):
            incoming.close()  # the child has it now: the producer sees the pipe close when it ends
        if not last and sink is None:
            if feed is not None:
                threading.Thread(target=_feed, args=(proc.stdin, feed), daemon=True).start()
            return proc.stdout, 0, proc
        out, err = proc.communicate(feed)
        sys.stderr.write(err.decode(errors="replace"))
        if sink is not None:
            sink.write(out)
        elif out:
            self.output = _text_result(_bounded(out.decode(errors="replace"), self.host.max_lines))
        return None, proc.returncode, proc

    def _script(self, command: Command) -> str:
        parts = [f"{name}={shlex.quote(self.expander.text(w))}" for name, w in command.assignments]
        parts += [shlex.quote(w) for w in self.expander.all(command.words)]
        for r in command.redirects:
            target = self.expander.text(r.target)
            target = target if r.op in (">&", "<&") and (target.isdigit() or target == "-") else shlex.quote(target)
            parts.append(f"{r.fd}{r.op}{target}")
        return " ".join(parts)

    def _env(self) -> dict:
        return dict(os.environ)


def _feed(pipe, data: bytes):
    try:
        pipe.write(data)
    except BrokenPipeError:
        pass
    finally:
        with contextlib.suppress(OSError):
            pipe.close()


@contextlib.contextmanager
def _environment(assigned: dict):
    """`NAME=value docker ...`: the command sees NAME in its environment (`-e NAME`)."""
    if not assigned:
        yield
        return
    saved = {name: os.environ.get(name) for name in assigned}
    os.environ.update(assigned)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _bounded(text: str, max_lines: int) -> str:
    """The first third and last two thirds of `max_lines` lines, as a view keeps them."""
    lines = text.splitlines(keepends=True)
    if max_lines <= 0 or len(lines) <= max_lines:
        return text
    head = max_lines // 3
    tail = max_lines - head
    return "".join(lines[:head]) + f"... {len(lines) - max_lines} lines not shown ...\n" + "".join(lines[-tail:])


def _text_result(text: str):
    from ...gotemplate.formats import Formatted

    return Formatted(text)
