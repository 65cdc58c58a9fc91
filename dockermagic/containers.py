"""Running containers: a checked `docker run` request, the foreground run as typed events,
exec, logs, and the container object `-d` returns.  Knows nothing of IPython or widgets.

`ContainerRun.events()` yields `Started`, `Output` (a chunk of stdout or stderr) and
`Exited`; a refused request raises a `ContainerError` before anything starts.  The full
output lives in a `LogStore` (spooled to a temp file past 1 MB, so memory stays bounded).
"""

from __future__ import annotations

import codecs
import os
import re
import socket
import tempfile
import threading
import time
from dataclasses import dataclass, field

from . import reference, units
from .display import ShownOnce
from .errors import EngineError, InvalidInput
from .volumes import parse_mount, parse_volume

_NAME = re.compile(r"^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$")
P_FORMS = "[IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL], e.g. 8080:80 or 127.0.0.1:8080:80/tcp"
STREAMS = {1: "stdout", 2: "stderr"}


class ContainerError(EngineError):
    """The engine refused or failed something about a container."""


class UnknownImage(ContainerError):
    """The image is not on the engine and could not be pulled."""


class NameInUse(ContainerError):
    """`--name` names a container that exists already."""


class RunFailed(ContainerError):
    """The container exited with a non-zero code; `.exit_code`, `.result`."""

    def __init__(self, message: str, exit_code: int, result=None):
        super().__init__(message)
        self.exit_code = exit_code
        self.result = result


class RunInterrupted(ContainerError):
    """The kernel was interrupted during a foreground run; the container was stopped."""


# -- the request ----------------------------------------------------------------------------
def parse_env(values, files=()) -> list[str]:
    """`-e KEY=VALUE`, `-e KEY` (from this environment; left out if unset) and `--env-file`."""
    items: list[str] = []
    for path in files or ():
        try:
            text = open(os.path.expanduser(path), encoding="utf-8").read()
        except OSError as exc:
            raise InvalidInput(f"--env-file {path!r}: {exc.strerror or exc}") from exc
        items += [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    items += list(values or ())
    env = []
    for item in items:
        key, sep, _ = item.partition("=")
        if not key or any(c.isspace() for c in key):
            raise InvalidInput(f"-e {item!r}: expected KEY=VALUE (or KEY to pass this environment's value)")
        if not sep:
            if key not in os.environ:
                continue
            item = f"{key}={os.environ[key]}"
        env.append(item)
    return env


def parse_labels(values) -> dict:
    labels = {}
    for item in values or ():
        key, _, value = item.partition("=")
        if not key:
            raise InvalidInput(f"--label {item!r}: expected KEY=VALUE")
        labels[key] = value
    return labels


def parse_publish(spec: str) -> list[tuple[str, dict]]:
    """`-p` as the CLI reads it: [(container port "80/tcp", {"HostIp", "HostPort"}), ...]."""
    from docker.utils.ports import split_port

    try:
        internal, external = split_port(spec)
    except (ValueError, TypeError):
        raise InvalidInput(f"-p {spec!r}: expected {P_FORMS}") from None
    out = []
    for i, port in enumerate(internal):
        number, _, proto = str(port).partition("/")
        if not number.isdigit() or not 0 < int(number) < 65536 or proto not in ("", "tcp", "udp", "sctp"):
            raise InvalidInput(f"-p {spec!r}: {port!r} is not a port; expected {P_FORMS}")
        host = external[i] if external else None
        ip, hport = (host if isinstance(host, tuple) else ("", host))
        if ip and not _is_ip(ip.strip("[]")):
            raise InvalidInput(f"-p {spec!r}: {ip!r} is not an IP address; expected {P_FORMS}")
        if hport is not None and (not str(hport).isdigit() or not 0 < int(hport) < 65536):
            raise InvalidInput(f"-p {spec!r}: host port {hport!r} is not a port; expected {P_FORMS}")
        out.append((f"{number}/{proto or 'tcp'}", {"HostIp": ip or "", "HostPort": str(hport or "")}))
    return out


def _is_ip(text: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


@dataclass
class RunRequest:
    """A checked `docker run`: everything the engine needs, before anything is sent."""

    image: str
    command: list[str]
    name: str | None = None
    detach: bool = False
    interactive: bool = False
    tty: bool = False
    rm: bool = False
    pull: str = "missing"
    stop_timeout: int = 10
    config: dict = field(default_factory=dict)  # create_container keyword arguments
    host: dict = field(default_factory=dict)  # create_host_config keyword arguments
    port_bindings: dict = field(default_factory=dict)

    @classmethod
    def make(cls, image, command=(), *, name=None, detach=False, interactive=False, tty=False, rm=False,
             env=(), env_file=(), volume=(), mount=(), publish=(), workdir=None, user=None, entrypoint=None,
             network=None, init=False, hostname=None, label=(), pull="missing", stop_timeout=None) -> "RunRequest":
        reference.parse(image, "image")
        if name is not None and not _NAME.match(name):
            raise InvalidInput(f"--name {name!r}: use letters, digits and _ . - (at least two characters, starting with a letter or digit)")
        if pull not in ("missing", "always", "never"):
            raise InvalidInput(f"--pull {pull!r}: expected missing, always or never")
        volumes = [parse_volume(v) for v in volume or ()]
        bindings: dict[str, list] = {}
        for spec in publish or ():
            for port, binding in parse_publish(spec):
                bindings.setdefault(port, []).append(binding)
        config = {
            "command": list(command) or None, "hostname": hostname, "user": user, "detach": detach,
            "stdin_open": interactive, "tty": tty, "environment": parse_env(env, env_file) or None,
            "working_dir": workdir, "labels": parse_labels(label) or None, "name": name,
            "entrypoint": None if entrypoint is None else [entrypoint] if entrypoint else [""],
            "ports": [tuple(p.split("/")) for p in bindings] or None,
            "volumes": [v.target for v in volumes] or None, "stop_timeout": stop_timeout,
        }
        host = {
            "binds": [v.bind() for v in volumes if v.bind()] or None,
            "mounts": [parse_mount(m) for m in mount or ()] or None,
            "network_mode": network, "init": init or None, "auto_remove": rm,
        }
        return cls(image, list(command), name, detach, interactive, tty, rm, pull,
                   10 if stop_timeout is None else stop_timeout, config, host, bindings)

    @property
    def label(self) -> str:
        return " ".join([self.image, *self.command])


# -- output ---------------------------------------------------------------------------------
class LogStore:
    """The whole output of a run, in memory up to `spill` bytes per stream, then in a temp
    file: a container printing gigabytes costs disk, not kernel memory."""

    def __init__(self, spill: int = 1 << 20):
        self._files = {s: tempfile.SpooledTemporaryFile(max_size=spill, mode="w+b") for s in ("all", "stdout", "stderr")}
        self.bytes = 0

    def write(self, stream: str, data: bytes) -> None:
        self._files["all"].write(data)
        self._files[stream].write(data)
        self.bytes += len(data)

    def text(self, stream: str = "all") -> str:
        f = self._files[stream]
        f.seek(0)
        data = f.read()
        f.seek(0, os.SEEK_END)
        return data.decode("utf-8", "replace")

    def close(self) -> None:
        for f in self._files.values():
            f.close()

    def __del__(self):  # closed here, so the temp files never warn at interpreter exit
        try:
            self.close()
        except Exception:
            pass

    @property
    def on_disk(self) -> bool:
        return any(getattr(f, "_rolled", False) for f in self._files.values())


@dataclass
class Started:
    id: str
    name: str


@dataclass
class Output:
    stream: str  # "stdout" or "stderr"
    text: str


@dataclass
class Exited:
    exit_code: int


@dataclass(repr=False)
class RunResult(ShownOnce):
    """What a foreground `%docker_run` (or `%docker_exec`) returns."""

    command: str
    engine: str = ""
    verb: str = "run"  # run, exec or logs: what made it
    id: str | None = None
    name: str | None = None
    exit_code: int | None = None
    started: float = 0.0
    ended: float | None = None
    removed: bool = False
    note: str = ""  # what happened on an interrupt
    store: LogStore = field(default_factory=LogStore, repr=False)
    _window: object = field(default=None, repr=False)  # the view's bounded lines, for re-display
    _tail: str = field(default="", repr=False)

    @property
    def logs(self) -> str:
        """Everything the container printed, stdout and stderr interleaved as they came."""
        return self.store.text("all")

    @property
    def stdout(self) -> str:
        return self.store.text("stdout")

    @property
    def stderr(self) -> str:
        return self.store.text("stderr")

    @property
    def short_id(self) -> str:
        return units.short_id(self.id)

    @property
    def duration(self) -> float | None:
        return None if self.ended is None else self.ended - self.started

    def last_lines(self, n: int = 3) -> list[str]:
        from . import ansi

        return [ansi.strip(line) for line in self._tail.splitlines() if line.strip()][-n:]

    def save_log(self, path):
        from pathlib import Path

        target = Path(path)
        target.write_text(self.logs, encoding="utf-8")
        return target

    def __repr__(self) -> str:
        return f"<RunResult {self.command!r} exit_code={self.exit_code} id={self.short_id}>"

    def _repr_mimebundle_(self, include=None, exclude=None):
        from .views.container import OutputView

        return OutputView.snapshot(self)


class _Decoders:
    """Incremental UTF-8 per stream, so a character split across two frames stays whole."""

    def __init__(self):
        self._d = {s: codecs.getincrementaldecoder("utf-8")("replace") for s in ("stdout", "stderr")}

    def __call__(self, stream: str, data: bytes) -> str:
        return self._d[stream].decode(data)


def pump(frames, result: RunResult):
    """Output events from (stream id, bytes) frames until the engine ends them."""
    decode = _Decoders()
    for stream_id, data in frames:
        stream = STREAMS.get(stream_id, "stdout")
        result.store.write(stream, data)
        text = decode(stream, data)
        result._tail = (result._tail + text)[-4096:]
        yield Output(stream, text)


def socket_frames(sock, tty: bool):
    """Frames from a hijacked attach / exec socket."""
    from docker.utils.socket import frames_iter

    return frames_iter(sock, tty)


def http_frames(response, tty: bool):
    """Frames from a plain (chunked) HTTP response such as `/logs`: read through the HTTP
    layer, since the connection stays open after the last chunk."""
    buf, pos = bytearray(), 0
    for chunk in response.iter_content(chunk_size=None):
        if tty:
            yield 1, chunk
            continue
        buf += chunk
        while len(buf) - pos >= 8:
            length = int.from_bytes(buf[pos + 4:pos + 8], "big")
            if len(buf) - pos < 8 + length:
                break
            yield buf[pos], bytes(buf[pos + 8:pos + 8 + length])
            pos += 8 + length
        if pos > 1 << 16:
            del buf[:pos]
            pos = 0


def send_stdin(sock, data: bytes | None) -> None:
    """Write the cell to the container's stdin, then close our write side (EOF)."""
    raw = getattr(sock, "_sock", sock)
    if data:
        raw.sendall(data)
    try:
        raw.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def _close(sock) -> None:
    try:
        response = getattr(sock, "_response", None)
        sock.close()
        if response is not None:
            response.close()
    except Exception:
        pass


class ContainerRun:
    """One `docker run`: create (pulling if needed), then either start detached or attach,
    start and stream.  `pull(image)` is how a missing image is fetched."""

    def __init__(self, engine, request: RunRequest, pull=None, stdin: bytes | None = None, clock=time.monotonic):
        self.engine = engine
        self.api = engine.api
        self.request = request
        self.pull = pull or (lambda image: pull_image(engine, image))
        self.stdin = stdin
        self.clock = clock
        self.result = RunResult(request.label, engine=engine.label)
        self.id: str | None = None
        self._naming: threading.Thread | None = None
        self._waiting = None  # the pending /wait response
        self._done = False
        self._interrupted: RunInterrupted | None = None

    def create(self) -> str:
        import docker

        req = self.request
        if req.pull == "always":
            self._pull()
        host_config = self.api.create_host_config(**{k: v for k, v in req.host.items() if v is not None})
        if req.port_bindings:
            host_config["PortBindings"] = req.port_bindings
        kwargs = {k: v for k, v in req.config.items() if v is not None}
        for attempt in (1, 2):
            try:
                self.id = self.api.create_container(req.image, host_config=host_config, **kwargs)["Id"]
                break
            except docker.errors.ImageNotFound as exc:
                if attempt == 2 or req.pull == "never":
                    raise UnknownImage(f"unknown image {req.image!r}: it is not on this engine" + (
                        " and --pull=never" if req.pull == "never" else "")) from exc
                self._pull()
            except docker.errors.APIError as exc:
                raise self._refused(exc) from exc
        self.result.id, self.result.name = self.id, req.name
        if req.name is None:  # the engine's made-up name, fetched while the container starts
            self._naming = threading.Thread(target=self._fetch_name, name="dockermagic-name", daemon=True)
            self._naming.start()
        return self.id

    def _pull(self) -> None:
        from .errors import DockerMagicError

        try:
            self.pull(self.request.image)
        except DockerMagicError as exc:
            raise UnknownImage(f"unknown image {self.request.image!r}: not on this engine and the pull failed ({exc})") from exc

    def _refused(self, exc) -> ContainerError:
        from .engine import api_error

        explanation = str(getattr(exc, "explanation", "") or exc)
        if exc.status_code == 409 and "already in use" in explanation:
            owner = re.search(r"by container \"?([0-9a-f]{12})", explanation)
            return NameInUse(
                f"the name {self.request.name!r} is already in use" + (f" by container {owner.group(1)}" if owner else "")
                + f"; remove it (%docker_rm -f {self.request.name}) or choose another --name"
            )
        return ContainerError(str(api_error(exc, f"could not create a container from {self.request.image}")))

    def _fetch_name(self) -> None:
        try:
            self.result.name = self.api.inspect_container(self.id)["Name"].lstrip("/")
        except Exception:
            pass

    def start_detached(self) -> "Container":
        self.create()
        self._naming = None  # Container() inspects it anyway
        try:
            self.api.start(self.id)
        except Exception:
            self._remove_quietly()
            raise
        return Container(self.engine, self.id)

    def events(self):
        """The foreground run.  As the CLI does: attach and wait before start, so no output
        and no exit is missed; with `--rm` the engine removes the container (AutoRemove)
        and the wait returns once it is gone."""
        req, result = self.request, self.result
        if self.id is None:
            self.create()
        params = {"stdout": 1, "stderr": 1, "stream": 1, "stdin": 1 if req.interactive else 0}
        sock = self.api.attach_socket(self.id, params=params)
        try:
            self._waiting = self._wait("removed" if req.rm else "next-exit")
            result.started = self.clock()
            try:
                self.api.start(self.id)
            except Exception as exc:
                self._remove_quietly()
                from .engine import api_error

                raise ContainerError(str(api_error(exc, f"{req.label} could not start"))) from exc
            yield Started(self.id, result.name)
            if req.interactive:
                send_stdin(sock, self.stdin)
            try:
                yield from pump(socket_frames(sock, req.tty), result)
                result.exit_code = self._exit_code()
            except KeyboardInterrupt:
                raise self.interrupt() from None
        finally:
            _close(sock)
        result.ended = self.clock()
        result.removed = req.rm
        if self._naming is not None:
            self._naming.join(2)
        self._done = True
        yield Exited(result.exit_code)

    def _wait(self, condition: str):
        """`POST /wait` sent now, its answer read later: the engine registers the wait when
        it sends the headers, so an exit right after start is not missed."""
        api = self.api
        response = api._post(api._url("/containers/{0}/wait", self.id), params={"condition": condition},
                             stream=True, timeout=None)
        api._raise_for_status(response)
        return response

    def _exit_code(self) -> int | None:
        response, self._waiting = self._waiting, None
        if response is None:
            return self.result.exit_code
        try:
            answer = response.json()
        finally:
            response.close()
        if (answer.get("Error") or {}).get("Message"):
            raise ContainerError(f"{self.request.label}: {answer['Error']['Message']}")
        return answer.get("StatusCode")

    def interrupt(self) -> RunInterrupted:
        """Stop the container (SIGTERM, SIGKILL after the grace period), remove it with
        `--rm`; the error says what was done.  Safe to call twice."""
        if self._interrupted is not None or self.id is None:
            return self._interrupted or RunInterrupted("interrupted before the container started")
        grace = self.request.stop_timeout
        try:
            stop_container(self.api, self.id, grace)
        except KeyboardInterrupt:  # a second interrupt: no more waiting
            self.api.kill(self.id)
        except docker_errors().APIError:
            pass  # it ended on its own meanwhile
        try:
            code = self._exit_code()
        except Exception:
            code = None
        self.result.exit_code = code
        how = f"SIGKILL after the {grace}s grace period" if code == 137 else f"it ended within the {grace}s grace period"
        did = f"stopped container {self.result.name or units.short_id(self.id)} (SIGTERM; {how})"
        if self.request.rm:
            self._remove_quietly()  # the engine removes it too (AutoRemove): whichever is first
            self.result.removed = True
            did += " and removed it (--rm)"
        self.result.ended = self.clock()
        self.result.note = did
        self._interrupted = RunInterrupted(f"interrupted: {did}")
        return self._interrupted

    def _remove_quietly(self) -> None:
        try:
            self.api.remove_container(self.id, force=True, v=True)
        except Exception:
            pass


def docker_errors():
    import docker

    return docker.errors


def stop_container(api, container: str, timeout: int = 10) -> None:
    """`POST /containers/ID/stop?t=N`: SIGTERM, SIGKILL after `timeout` seconds.  (docker-py's
    `stop()` adds the grace period to the client's timeout, which fails when that is a
    (connect, read) pair; waiting for a container to stop needs no read timeout anyway.)"""
    response = api._post(api._url("/containers/{0}/stop", container), params={"t": int(timeout)}, timeout=None)
    api._raise_for_status(response)


def pull_image(engine, image: str) -> None:
    """docker-py's pull, failures found inside the stream too (used without `%docker_pull`)."""
    import docker

    from .errors import DockerMagicError

    ref = reference.parse(image, "image")
    tag = ref.tag or ("" if ref.digest else "latest")
    try:
        for record in engine.api.pull(ref.repository, tag or ref.digest, stream=True, decode=True):
            if "error" in record or "errorDetail" in record:
                raise DockerMagicError((record.get("errorDetail") or {}).get("message") or record.get("error"))
    except docker.errors.APIError as exc:
        raise DockerMagicError(str(getattr(exc, "explanation", None) or exc).strip()) from exc
    except OSError as exc:
        raise DockerMagicError(str(exc)) from exc


def failure(result: RunResult) -> RunFailed:
    last = " ⏎ ".join(line[:200] for line in result.last_lines(3))
    return RunFailed(f"{result.command} exited with code {result.exit_code}" + (f": {last}" if last else ""),
                     result.exit_code, result)


# -- exec and logs --------------------------------------------------------------------------
class Exec:
    """`docker exec`: the same events as a foreground run."""

    def __init__(self, engine, container: str, command: list[str], user=None, workdir=None, env=(),
                 stdin: bytes | None = None, tty: bool = False, clock=time.monotonic):
        self.engine, self.api, self.clock = engine, engine.api, clock
        self.container, self.command, self.stdin, self.tty = container, list(command), stdin, tty
        self.options = {"user": user or "", "workdir": workdir, "environment": parse_env(env) or None}
        self.result = RunResult(" ".join(self.command), engine=engine.label, verb="exec")

    def events(self):
        info = inspect_container(self.engine, self.container)
        if not info["State"].get("Running"):
            raise ContainerError(f"container {self.container!r} is not running ({info['State'].get('Status')}); start it with %docker_start {self.container}")
        self.result.id, self.result.name = info["Id"], info["Name"].lstrip("/")
        exec_id = self.api.exec_create(info["Id"], self.command, stdin=self.stdin is not None, tty=self.tty, **self.options)["Id"]
        self.result.started = self.clock()
        sock = self.api.exec_start(exec_id, tty=self.tty, socket=True)
        try:
            yield Started(info["Id"], self.result.name)
            if self.stdin is not None:
                send_stdin(sock, self.stdin)
            yield from pump(socket_frames(sock, self.tty), self.result)
        finally:
            _close(sock)
        self.result.exit_code = self.api.exec_inspect(exec_id).get("ExitCode")
        self.result.ended = self.clock()
        yield Exited(self.result.exit_code)


def log_events(engine, container: str, follow=False, tail=None, timestamps=False, since=None, result=None):
    """`docker logs`: Output events (stdout and stderr apart), following if asked."""
    info = inspect_container(engine, container)
    tty = info["Config"].get("Tty", False)
    api = engine.api
    params = {"stdout": 1, "stderr": 1, "follow": int(follow), "timestamps": int(timestamps),
              "tail": "all" if tail is None else str(tail)}
    if since:
        params["since"] = since
    response = api._get(api._url("/containers/{0}/logs", info["Id"]), params=params, stream=True, timeout=None)
    api._raise_for_status(response)
    if result is not None:
        result.id, result.name = info["Id"], info["Name"].lstrip("/")
    try:
        yield from pump(http_frames(response, tty), result or RunResult("logs", verb="logs"))
    finally:
        response.close()


# -- containers -----------------------------------------------------------------------------
@dataclass(repr=False)
class ContainerList(ShownOnce):
    """What `%docker_ps` returns: the engine's list entries, newest first."""

    rows: list[dict]
    size: bool = False
    no_trunc: bool = False

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def names(self) -> list[str]:
        return [(r.get("Names") or ["?"])[0].lstrip("/") for r in self.rows]

    def __repr__(self) -> str:
        from .views.ps import ps_text

        return ps_text(self)

    def _repr_mimebundle_(self, include=None, exclude=None):
        from .views.ps import ps_html, ps_text

        return {"text/plain": ps_text(self), "text/html": ps_html(self)}


def list_containers(engine, all=False, size=False, filters=(), no_trunc=False) -> ContainerList:
    """`docker ps [-a] [-s] [-f KEY=VALUE]`."""
    wanted: dict[str, list] = {}
    for item in filters or ():
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise InvalidInput(f"-f {item!r}: expected KEY=VALUE, e.g. name=web, status=exited, label=app")
        wanted.setdefault(key, []).append(value)
    import docker

    try:
        rows = engine.api.containers(all=all, size=size, filters=wanted or None)
    except docker.errors.APIError as exc:
        from .engine import api_error

        raise ContainerError(str(api_error(exc, "docker ps"))) from exc
    return ContainerList(rows, size, no_trunc)


def inspect_container(engine, name: str) -> dict:
    import docker

    try:
        return engine.api.inspect_container(name)
    except docker.errors.NotFound as exc:
        raise ContainerError(f"no such container: {name!r} (see %docker_ps -a)") from exc


def ports_text(ports: dict | list | None) -> str:
    """The PORTS column: `127.0.0.1:8080->80/tcp, 443/tcp` from inspect's or list's form."""
    items = []
    if isinstance(ports, dict):  # inspect: {"80/tcp": [{"HostIp", "HostPort"}] or None}
        for port, bindings in sorted(ports.items()):
            if not bindings:
                items.append(port)
            for b in bindings or ():
                items.append(f"{b.get('HostIp') or '0.0.0.0'}:{b.get('HostPort')}->{port}")
    else:  # list: [{"IP", "PrivatePort", "PublicPort", "Type"}]
        for p in sorted(ports or (), key=lambda p: (p.get("PrivatePort", 0), p.get("IP", ""))):
            where = f"{p['IP']}:{p['PublicPort']}->" if p.get("PublicPort") else ""
            items.append(f"{where}{p.get('PrivatePort')}/{p.get('Type', 'tcp')}")
    return ", ".join(dict.fromkeys(items))


@dataclass(repr=False)
class Container(ShownOnce):
    """A container on the engine (what `%docker_run -d` returns).  `.status` asks the engine."""

    engine: object
    id: str
    info: dict = field(default_factory=dict)

    def __post_init__(self):
        if not self.info:
            self.reload()

    def reload(self) -> "Container":
        import docker

        try:
            self.info = self.engine.api.inspect_container(self.id)
        except docker.errors.NotFound:
            self.info = dict(self.info, State={"Status": "removed"})
        return self

    @property
    def name(self) -> str:
        return self.info.get("Name", "").lstrip("/")

    @property
    def short_id(self) -> str:
        return units.short_id(self.id)

    @property
    def image(self) -> str:
        return self.info.get("Config", {}).get("Image", "")

    @property
    def status(self) -> str:
        """Live: `created`, `running`, `exited`, ... or `removed`."""
        return self.reload().info["State"].get("Status", "?")

    @property
    def created(self):
        return self.info.get("Created")

    @property
    def ports(self) -> dict:
        return (self.info.get("NetworkSettings") or {}).get("Ports") or {}

    def port(self, container_port, proto: str = "tcp") -> int | None:
        """The host port published for `container_port` (first binding), or None."""
        bindings = self.reload().ports.get(f"{container_port}/{proto}") or []
        return int(bindings[0]["HostPort"]) if bindings and bindings[0].get("HostPort") else None

    def logs(self, tail=None) -> str:
        result = RunResult("logs")
        for _ in log_events(self.engine, self.id, tail=tail, result=result):
            pass
        return result.logs

    def stop(self, timeout: int = 10) -> None:
        stop_container(self.engine.api, self.id, timeout)

    def remove(self, force: bool = True) -> None:
        import docker

        try:
            self.engine.api.remove_container(self.id, force=force, v=True)
        except docker.errors.NotFound:
            pass

    def __repr__(self) -> str:
        return f"<Container {self.name} {self.short_id} {self.image} {self.info.get('State', {}).get('Status', '?')}>"

    def _repr_mimebundle_(self, include=None, exclude=None):
        from .views.container import card_html, card_text

        return {"text/plain": card_text(self), "text/html": card_html(self)}


def act(engine, verb: str, names, **options) -> list[str]:
    """`docker stop|start|rm NAME...`: each name printed when done, as the CLI does; the
    first failure raises after the others were tried."""
    import docker

    from .engine import api_error

    api = engine.api
    calls = {
        "stop": lambda n: stop_container(api, n, options.get("timeout", 10)),
        "start": lambda n: api.start(n),
        "rm": lambda n: api.remove_container(n, force=options.get("force", False), v=options.get("volumes", False)),
    }
    done, errors = [], []
    for name in names:
        try:
            calls[verb](name)
        except docker.errors.NotFound:
            errors.append(f"no such container: {name!r}")
            continue
        except docker.errors.APIError as exc:
            message = str(api_error(exc, f"docker {verb} {name}"))
            if verb == "rm" and exc.status_code == 409:
                message = f"container {name!r} is running: stop it first (%docker_stop {name}) or use %docker_rm -f {name}"
            errors.append(message)
            continue
        print(name)
        done.append(name)
    if errors:
        raise ContainerError("; ".join(errors))
    return done


def cleanup(engine, started: dict) -> str:
    """Stop and remove the containers in `started` (id -> name) that still exist; what was done."""
    import docker

    removed = []
    for cid, name in list(started.items()):
        try:
            info = engine.api.inspect_container(cid)
            status, name = info["State"].get("Status"), info["Name"].lstrip("/")
            engine.api.remove_container(cid, force=True, v=True)
            removed.append(f"{name} ({'stopped and removed' if status == 'running' else 'removed, was ' + status})")
        except docker.errors.NotFound:
            pass
        except docker.errors.APIError:
            continue
        started.pop(cid, None)
    if not removed:
        return "nothing to clean up: no container this notebook started is left"
    return f"cleaned up {len(removed)} container{'s' if len(removed) != 1 else ''}: " + ", ".join(removed)


@dataclass(repr=False)
class Inspection(ShownOnce):
    """`docker inspect` output: `.data` is the list of objects, as the CLI's JSON array."""

    data: list

    def __getitem__(self, index):
        return self.data[index]

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        import json

        return json.dumps(self.data, indent=4, default=str)

    def _repr_mimebundle_(self, include=None, exclude=None):
        from .markup import PRE, box, esc

        return {"text/plain": repr(self), "text/html": box(f'<pre style="{PRE}">{esc(repr(self))}</pre>', "dm-inspect")}


def inspect_any(engine, names) -> Inspection:
    """Each name as a container, else an image, else a volume (the CLI's order)."""
    import docker

    api, found = engine.api, []
    for name in names:
        for look in (api.inspect_container, api.inspect_image, api.inspect_volume):
            try:
                found.append(look(name))
                break
            except docker.errors.NotFound:
                continue
            except docker.errors.APIError:
                continue
        else:
            raise ContainerError(f"no such object: {name!r} (not a container, image or volume on this engine)")
    return Inspection(found)
