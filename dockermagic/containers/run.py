"""Running a container: a checked `docker run` request, the run itself and the errors it
raises.  Knows nothing of IPython or widgets.

`ContainerRun` creates the container (pulling a missing image first), then either starts it
detached (a `Container`) or attaches, starts and streams: `events()` yields `Started`,
`Output` (a chunk of stdout or stderr) and `Exited` (see output.py); a refused request
raises a `ContainerError` before anything starts.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field

from ..engine import adapter, watchdog
from ..engine.watchdog import Watchdog
from ..errors import ContainerError, EngineUnreachable, InvalidInput
from ..opts import pairs, reference
from ..resources.volumes import parse_mount, parse_volume
from ..text import units
from .containers import Container, stop_container
from .output import Exited, RunResult, Started, pump, send_stdin, socket_frames

_NAME = re.compile(r"^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$")
P_FORMS = "[IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL], e.g. 8080:80 or 127.0.0.1:8080:80/tcp"


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
    env = [item for path in files or () for item in pairs.env_list(pairs.env_file_lines(path), "--env-file")]
    return env + pairs.env_list(values, "-e")


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
    endpoint: dict = field(default_factory=dict)  # the --network's endpoint: aliases, addresses
    cidfile: str | None = None
    attach: tuple = ()  # -a: the streams a foreground run attaches to (all when empty)

    @classmethod
    def make(cls, image, command=(), *, name=None, detach=False, interactive=False, tty=False, rm=False,
             env=(), env_file=(), volume=(), mount=(), publish=(), workdir=None, user=None, entrypoint=None,
             network=None, init=False, hostname=None, label=(), pull="missing", stop_timeout=None,
             extras=None, attach=()) -> "RunRequest":
        """`extras`: a `run_options.Extras` for the rest of the CLI's options."""
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
            "working_dir": workdir, "labels": pairs.label_map(label, "--label") or None, "name": name,
            "entrypoint": None if entrypoint is None else [entrypoint] if entrypoint else [""],
            "ports": [tuple(p.split("/")) for p in bindings] or None,
            "volumes": [v.target for v in volumes] or None, "stop_timeout": stop_timeout,
        }
        host = {
            "binds": [v.bind() for v in volumes if v.bind()] or None,
            "mounts": [parse_mount(m) for m in mount or ()] or None,
            "network_mode": network, "init": init or None, "auto_remove": rm,
        }
        endpoint, cidfile = {}, None
        if extras is not None:
            host.update(extras.host)
            config.update(extras.config)
            if extras.exposed:
                exposed = list(dict.fromkeys([*bindings, *extras.exposed]))
                config["ports"] = [tuple(p.split("/")) for p in exposed]
            if extras.labels:
                config["labels"] = {**extras.labels, **(config["labels"] or {})}
            endpoint, cidfile = extras.endpoint, extras.cidfile
        return cls(image, list(command), name, detach, interactive, tty, rm, pull,
                   10 if stop_timeout is None else stop_timeout, config, host, bindings, endpoint, cidfile,
                   tuple(attach or ()))

    @property
    def label(self) -> str:
        return " ".join([self.image, *self.command])


# -- the run --------------------------------------------------------------------------------
class ContainerRun:
    """One `docker run`: create (pulling if needed), then either start detached or attach,
    start and stream.  `pull(image)` is how a missing image is fetched."""

    def __init__(self, engine, request: RunRequest, pull=None, stdin: bytes | None = None, clock=time.monotonic,
                 refuse=None):
        """`refuse(argv)` may refuse the container's command (the command given, else the image's
        entrypoint and cmd as the engine resolved them: `.argv` after `create`) by raising: the
        container is removed before it starts.  `stdin` a callable (a `console.Console`): the
        attach socket is handed to it, stdin left open."""
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
        self.refuse = refuse
        self.argv = list(request.command)
        self._exit_lock = threading.Lock()

    def create(self) -> str:
        import docker

        req = self.request
        if req.pull == "always":
            self._pull()
        host_config = self.api.create_host_config(**{k: v for k, v in req.host.items() if v is not None})
        if req.port_bindings:
            host_config["PortBindings"] = req.port_bindings
        kwargs = {k: v for k, v in req.config.items() if v is not None}
        if req.endpoint:
            endpoint = self.api.create_endpoint_config(**{k: v for k, v in req.endpoint.items() if v})
            kwargs["networking_config"] = self.api.create_networking_config({req.host["network_mode"]: endpoint})
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
        if self.refuse is not None:
            if not req.command:
                info = self.api.inspect_container(self.id)
                self.argv = [info.get("Path") or "", *(info.get("Args") or [])]
            try:
                self.refuse(self.argv)
            except Exception:
                self._remove_quietly()
                raise
        if req.cidfile:
            with open(req.cidfile, "x") as handle:  # as the CLI: an existing file is not overwritten
                handle.write(self.id)
        if req.name is None:  # the engine's made-up name, fetched while the container starts
            self._naming = threading.Thread(target=self._fetch_name, name="dockermagic-name", daemon=True)
            self._naming.start()
        return self.id

    def _pull(self) -> None:
        from ..errors import DockerMagicError

        try:
            self.pull(self.request.image)
        except DockerMagicError as exc:
            raise UnknownImage(f"unknown image {self.request.image!r}: not on this engine and the pull failed ({exc})") from exc

    def _refused(self, exc) -> ContainerError:
        explanation = adapter.explanation(exc)
        if exc.status_code == 409 and "already in use" in explanation:
            owner = re.search(r"by container \"?([0-9a-f]{12})", explanation)
            return NameInUse(
                f"the name {self.request.name!r} is already in use" + (f" by container {owner.group(1)}" if owner else "")
                + f"; remove it (%docker_rm -f {self.request.name}) or choose another --name"
            )
        return ContainerError(str(adapter.error(exc, f"could not create a container from {self.request.image}")))

    def _fetch_name(self) -> None:
        try:
            self.result.name = self.api.inspect_container(self.id)["Name"].lstrip("/")
        except Exception:  # noqa: BLE001 -- the name is a nicety, asked in a thread: the result keeps the id
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
        wanted = set(req.attach or ("stdout", "stderr", "stdin"))
        params = {"stdout": int("stdout" in wanted), "stderr": int("stderr" in wanted), "stream": 1,
                  "stdin": 1 if req.interactive and "stdin" in wanted else 0}
        sock = self.api.attach_socket(self.id, params=params)
        try:
            self._waiting = self._wait("removed" if req.rm else "next-exit")
            result.started = self.clock()
            try:
                self.api.start(self.id)
            except Exception as exc:
                self._remove_quietly()
                raise ContainerError(str(adapter.error(exc, f"{req.label} could not start"))) from exc
            yield Started(self.id, result.name)
            if params["stdin"]:
                send_stdin(sock, self.stdin)
            try:
                watch = Watchdog(self.api, f"the engine at {self.engine.address}")
                yield from pump(watch.follow(sock, socket_frames(sock, req.tty)), result)
                result.exit_code = self._exit_code()
            except KeyboardInterrupt:
                raise self.interrupt() from None
            except EngineUnreachable:
                if self._waiting is not None:  # its answer will not come
                    self._waiting.close()
                    self._waiting = None
                raise
        finally:
            adapter.close_socket(sock)
        result.ended = self.clock()
        result.removed = req.rm
        if self._naming is not None:
            self._naming.join(2)
        self._done = True
        yield Exited(result.exit_code)

    def _wait(self, condition: str):
        """`POST /wait` sent now, its answer read later: the engine registers the wait when
        it sends the headers, so an exit right after start is not missed."""
        return adapter.sent(self.api, "POST", "/containers/{0}/wait", self.id, params={"condition": condition})

    def _exit_code(self) -> int | None:
        # one reader of the answer: a console's interrupt asks from another thread than the stream's
        with self._exit_lock:
            response, self._waiting = self._waiting, None
            if response is None:
                return self.result.exit_code
            try:
                answer = response.json()
            except Exception as exc:  # noqa: BLE001 -- the answer never came whole
                raise EngineUnreachable(f"the engine at {self.engine.address} stopped answering: the connection "
                                        f"closed before the container's exit code came ({adapter.explanation(exc)})") from None
            finally:
                response.close()
            if (answer.get("Error") or {}).get("Message"):
                raise ContainerError(f"{self.request.label}: {answer['Error']['Message']}")
            self.result.exit_code = answer.get("StatusCode")
            return self.result.exit_code

    def interrupt(self) -> RunInterrupted:
        """Stop the container (SIGTERM, SIGKILL after the grace period), remove it with
        `--rm`; the error says what was done.  Safe to call twice."""
        if self._interrupted is not None or self.id is None:
            return self._interrupted or RunInterrupted("interrupted before the container started")
        if not adapter.ping(self.api, watchdog.ANSWER):  # a frozen engine would hold the stop for ever
            if self._waiting is not None:
                self._waiting.close()
                self._waiting = None
            who = self.result.name or units.short_id(self.id)
            self._interrupted = RunInterrupted(
                f"interrupted; the engine at {self.engine.address} did not answer, so container {who} may still "
                f"run: %docker_stop {who} once it answers again")
            return self._interrupted
        grace = self.request.stop_timeout
        try:
            stop_container(self.api, self.id, grace)
        except KeyboardInterrupt:  # a second interrupt: no more waiting
            self.api.kill(self.id)
        except docker_errors().APIError:
            pass  # it ended on its own meanwhile
        try:
            code = self._exit_code()
        except (EngineUnreachable, ContainerError):  # what `_exit_code` makes of any failure
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

    def remove(self) -> None:
        """Remove the container whatever its state (gone already is fine)."""
        self._remove_quietly()

    def _remove_quietly(self) -> None:
        try:
            self.api.remove_container(self.id, force=True, v=True)
        except Exception:  # noqa: BLE001 -- clean-up on the way out of a failure or an interrupt: that error is the one to show
            pass


def docker_errors():
    import docker

    return docker.errors


def pull_image(engine, image: str) -> None:
    """docker-py's pull, failures found inside the stream too (used without `%docker_pull`)."""
    import docker

    from ..errors import DockerMagicError

    ref = reference.parse(image, "image")
    tag = ref.tag or ("" if ref.digest else "latest")
    try:
        for record in engine.api.pull(ref.repository, tag or ref.digest, stream=True, decode=True):
            if "error" in record or "errorDetail" in record:
                raise DockerMagicError((record.get("errorDetail") or {}).get("message") or record.get("error"))
    except docker.errors.APIError as exc:
        raise DockerMagicError(adapter.explanation(exc)) from exc
    except OSError as exc:
        raise DockerMagicError(str(exc)) from exc


def failure(result: RunResult) -> RunFailed:
    last = " ⏎ ".join(line[:200] for line in result.last_lines(3))
    return RunFailed(f"{result.command} exited with code {result.exit_code}" + (f": {last}" if last else ""),
                     result.exit_code, result)
