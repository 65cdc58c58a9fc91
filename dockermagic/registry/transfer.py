"""Pushing and pulling images.

`push()` and `pull()` turn the engine's progress stream into `LayerUpdated` / `TransferNote`
events and finish with `TransferSucceeded`.  The engine answers a failed push or pull with
HTTP 200 and an `errorDetail` record inside the stream; every such record (and every HTTP
error) raises `PushError` / `PullError` with a one-line, actionable message, the failing
layer marked on the partial result.  Nothing here knows of IPython or widgets.
"""

from __future__ import annotations

import os
import re
import time
from contextlib import closing
from dataclasses import dataclass, field

from ..engine import adapter
from ..engine.watchdog import Watchdog
from ..errors import DockerMagicError, EngineError, InvalidInput
from ..images import platforms
from ..opts import reference
from ..text import units
from . import auth

#: seconds a push or pull may go without any progress, the engine answering, before the registry
#: is taken for gone: dockerd itself waits for ever on a registry that stops answering mid-upload
REGISTRY_STALL = float(os.environ.get("DOCKERMAGIC_REGISTRY_STALL_SECONDS", "60"))

# a layer's state, as the engine names it, once it has nothing more to do
DONE_STATES = ("Pushed", "Layer already exists", "Pull complete", "Already exists")
FREE_STATES = ("Layer already exists", "Already exists")  # nothing crossed the wire
SENDING_STATES = ("Waiting", "Pushing", "Pushed")  # a push's layer the registry lacks: its size matters
MOVING_STATES = ("Pushing", "Downloading", "Extracting", "Verifying Checksum", "Download complete")
_DIGEST_LINE = re.compile(r"^(?P<tag>\S+): digest: (?P<digest>\S+) size: (?P<size>\d+)$")


class TransferError(EngineError):
    """A push or pull failed; `.result` is the partial `Transfer`, `.layer` the failed layer."""

    def __init__(self, message: str, result: "Transfer | None" = None, layer: "LayerProgress | None" = None):
        super().__init__(message)
        self.result = result
        self.layer = layer


class PushError(TransferError):
    """A push failed (before sending, at the engine, or inside its stream)."""


class PullError(TransferError):
    """A pull failed (before sending, at the engine, or inside its stream)."""


@dataclass
class LayerProgress:
    """One layer of a transfer: its short id, the engine's latest word on it, its bytes."""

    id: str
    state: str = "Waiting"
    current: int = 0  # bytes done in the current phase (clamped to total)
    total: int | None = None
    transferred: int = 0  # bytes that crossed the wire for this layer
    mounted_from: str | None = None
    failed: bool = False

    @property
    def done(self) -> bool:
        return self.state in DONE_STATES or self.mounted_from is not None

    @property
    def fraction(self) -> float:
        """0..1 for the progress bar; never more than 1 whatever the engine says."""
        if self.done and not self.failed:
            return 1.0
        if not self.total:
            return 0.0
        return min(1.0, max(0.0, self.current / self.total))


@dataclass
class LayerUpdated:
    layer: LayerProgress
    state_changed: bool


@dataclass
class TransferNote:
    """A line of the stream that is about the image, not a layer ("Digest: ...", "Status: ...")."""

    text: str


@dataclass
class TransferSucceeded:
    result: "Transfer"


@dataclass(repr=False)
class Transfer:
    """What `%docker_push` / `%docker_pull` return: the layers, the digest, the bytes moved."""

    kind: str  # "push" or "pull"
    name: str
    engine: str = ""
    layers: list[LayerProgress] = field(default_factory=list)
    digests: dict = field(default_factory=dict)  # tag -> digest (several with --all-tags)
    notes: list[str] = field(default_factory=list)
    size: int | None = None  # the image's size on the engine
    started: float = 0.0
    ended: float | None = None
    error: str | None = None
    wanted_platform: str | None = None  # `pull --platform`, as given
    platform: str | None = None  # what the engine says the pulled image is for

    @property
    def platform_mismatch(self) -> str | None:
        """The warning newer engines give when a registry's image is not for the platform asked."""
        if not self.wanted_platform or not self.platform or self.platform == self.wanted_platform:
            return None
        return f"image platform ({self.platform}) does not match the expected platform ({self.wanted_platform})"

    @property
    def digest(self) -> str | None:
        return next(iter(self.digests.values()), None)

    @property
    def bytes_transferred(self) -> int:
        return sum(layer.transferred for layer in self.layers)

    @property
    def mounted(self) -> dict:
        """Repository -> layers the registry mounted from it (a push that cost nothing)."""
        found: dict = {}
        for layer in self.layers:
            if layer.mounted_from:
                found[layer.mounted_from] = found.get(layer.mounted_from, 0) + 1
        return found

    @property
    def already_there(self) -> int:
        return sum(1 for layer in self.layers if layer.state in FREE_STATES)

    @property
    def ok(self) -> bool:
        return self.error is None and self.ended is not None

    @property
    def duration(self) -> float | None:
        return None if self.ended is None else self.ended - self.started

    def summary(self) -> str:
        """ "uploaded 1.9MB of 2.0MB; 5 layers mounted from me/base, 1 already there" """
        verb = "uploaded" if self.kind == "push" else "downloaded"
        parts = [f"{verb} {units.size(self.bytes_transferred)} of {units.size(self.size)}"]
        if self.engine.startswith("Podman") and not any(layer.total for layer in self.layers):
            # Podman's stream has no byte counts (a push: not even its layers): say so, not "0B"
            parts = [f"{self.kind}ed {units.size(self.size)}; Podman reports no byte counts for a {self.kind}"]
        for repo, count in self.mounted.items():
            parts.append(f"{_layers(count)} mounted from {repo}")
        if self.already_there:
            parts.append(f"{_layers(self.already_there)} already there")
        if self.wanted_platform and self.platform:
            parts.append(f"platform {self.platform}")
        if self.platform_mismatch:
            parts.append(f"WARNING: {self.platform_mismatch}")
        return "; ".join(parts)

    def __repr__(self) -> str:
        state = f"digest={self.digest}" if self.ok else f"failed: {self.error}"
        return f"<Transfer {self.kind} {self.name} {state} layers={len(self.layers)} bytes_transferred={self.bytes_transferred}>"


def _layers(count: int) -> str:
    return f"{count} layer{'s' if count != 1 else ''}"


class TransferStream:
    """Turns the engine's push/pull records into events, keeping the layers on the result."""

    def __init__(self, result: Transfer, sizes: dict | None = None, error=TransferError):
        self.result = result
        self.sizes = sizes or {}  # short layer id -> bytes (read on demand), for layers to be sent
        self.error = error
        self._by_id: dict[str, LayerProgress] = {}
        self._last: LayerProgress | None = None

    def feed(self, record: dict) -> list:
        if "error" in record or "errorDetail" in record:
            self._fail(record)
        aux = record.get("aux")
        if isinstance(aux, dict) and aux.get("Digest"):
            self.result.digests[aux.get("Tag") or ""] = aux["Digest"]
            return []
        status = str(record.get("status") or "")
        layer_id = record.get("id")
        if not status:
            return []
        if not layer_id or status.startswith("Pulling from"):
            return self._note(status)
        return [self._layer(str(layer_id), status, record.get("progressDetail") or {})]

    def _note(self, status: str) -> list:
        match = _DIGEST_LINE.match(status)
        if match:
            self.result.digests.setdefault(match.group("tag"), match.group("digest"))
        elif status.startswith("Digest: "):
            self.result.digests.setdefault("", status[len("Digest: "):].strip())
        self.result.notes.append(status)
        return [TransferNote(status)]

    def _layer(self, layer_id: str, status: str, detail: dict) -> LayerUpdated:
        layer = self._by_id.get(layer_id)
        if layer is None:
            layer = self._by_id[layer_id] = LayerProgress(layer_id)
            self.result.layers.append(layer)
        self._last = layer
        changed = status != layer.state
        if changed and status not in ("Pushing", "Downloading", "Extracting"):
            layer.current = 0
        layer.state = status
        if layer.total is None and status in SENDING_STATES:
            layer.total = self.sizes.get(layer_id)
        if status.startswith("Mounted from "):
            layer.mounted_from = status[len("Mounted from "):].strip()
        total, current = detail.get("total"), detail.get("current")
        if isinstance(total, int) and total > 0:
            layer.total = total
        if isinstance(current, int):
            layer.current = min(current, layer.total) if layer.total else current
            if status in ("Pushing", "Downloading"):
                layer.transferred = max(layer.transferred, layer.current)
        if status in ("Pushed", "Download complete") and layer.total:
            layer.transferred = layer.total  # small layers go without a progress record
        return LayerUpdated(layer, changed)

    def _fail(self, record: dict) -> None:
        detail = record.get("errorDetail") or {}
        message = str(detail.get("message") or record.get("error") or f"the {self.result.kind} failed").strip()
        layer = self._failed_layer()
        if layer is not None:
            layer.failed = True
        self.result.error = message
        self.result.ended = time.monotonic()
        raise self.error(explain(message, self.result), result=self.result, layer=layer)

    def _failed_layer(self) -> LayerProgress | None:
        busy = [layer for layer in self.result.layers if not layer.done]
        moving = [layer for layer in busy if layer.state in MOVING_STATES]
        if moving:
            return moving[-1]
        if self._last is not None and not self._last.done:
            return self._last
        return busy[-1] if busy else None


# -- messages ------------------------------------------------------------------------------
def explain(message: str, result: Transfer) -> str:
    """The registry's (or engine's) message, with what to do about it, in one line."""
    ref = _safe_parse(result.name)
    server = auth.display_server(auth.server_of(ref)) if ref else "the registry"
    low = message.lower()
    said = f"(the registry said: {message.strip()})"
    if "does not exist locally" in low or "no such image" in low:
        return (f"there is no image {result.name} on this engine to push: build it "
                f"(%docker_build -t {result.name} ...) or tag one (%docker_tag SOURCE {result.name})")
    if "no basic auth credentials" in low or "authentication required" in low or "unauthorized" in low:
        return f"{server} wants a login to {result.kind} {result.name}: run %docker_login {server} {said}"
    if "denied" in low or "forbidden" in low:
        return (f"{server} refused to let you {result.kind} {result.name}: log in as a user allowed to "
                f"(%docker_login {server} -u USER) or use a repository of your own {said}")
    if any(s in low for s in ("connection refused", "no such host", "i/o timeout", "dial tcp", "no route to host",
                              "connection reset", "server misbehaving", "tls handshake timeout")):
        return f"registry {server} is unreachable: is it running, and is the address right? {said}"
    if "server gave http response to https client" in low:
        return (f"{server} speaks plain HTTP and the engine expects HTTPS: add it to the engine's "
                f'"insecure-registries" (daemon.json), or serve it with TLS {said}')
    if result.kind == "pull" and ("manifest unknown" in low or "not found" in low or "name unknown" in low):
        return (f"{result.name} is not in {server}: check the name and tag "
                f"(push it first with %docker_push {result.name}) {said}")
    return f"{result.kind} {result.name} failed: {message}"


def _safe_parse(name: str):
    try:
        return reference.parse(name)
    except InvalidInput:
        return None


# -- push and pull -------------------------------------------------------------------------
def _engine_failures() -> tuple:
    """What a request to the engine raises when the engine refuses it or the connection fails
    (docker-py and requests are imported when first needed, as everywhere here)."""
    import docker
    from requests.exceptions import RequestException

    return docker.errors.DockerException, RequestException


def _send(engine, path: str, args: tuple, params: dict, server: str, stream: TransferStream):
    """Send a push/pull request and yield its events; any failure raises `stream.error`."""
    api, result = engine.api, stream.result
    headers = {"X-Registry-Auth": auth.header(server)}  # the engine wants one: "{}" for anonymous
    def stalled(seconds: float) -> str:
        return (f"the registry {server} stopped answering: nothing moved for {seconds:.0f} s while the engine "
                f"waited for it (the {result.kind} was cancelled)")

    watch = Watchdog(api, f"the engine at {engine.address}", stall=REGISTRY_STALL, stalled=stalled)
    records = adapter.records(api, "POST", path, *args, params=params, headers=headers, watch=watch)
    try:  # an interrupted transfer: closing the stream makes the engine stop
        with closing(records):
            for record in records:
                yield from stream.feed(record)
    except TransferError:
        raise
    except (DockerMagicError, *_engine_failures()) as exc:  # the engine's, the connection's or the watchdog's words
        result.error = adapter.explanation(exc)
        result.ended = time.monotonic()
        raise stream.error(explain(result.error, result), result=result) from None


class _SizesOnDemand:
    """Layer sizes, read from the engine the first time a layer is to be sent: a push whose
    layers the registry already has needs no history (one request fewer than the push itself)."""

    def __init__(self, read):
        self._read, self._sizes = read, None

    def get(self, layer_id: str):
        if self._sizes is None:
            self._sizes = self._read()
        return self._sizes.get(layer_id)


def _layer_sizes(engine, image: dict) -> dict:
    """Short diff id -> size, from the image's history: what a push's layer ids name."""
    try:
        inspected = image if "RootFS" in image else engine.api.inspect_image(image["Id"])  # `-a`: an images() row
        layers = inspected.get("RootFS", {}).get("Layers", [])
        sizes = [h.get("Size", 0) for h in reversed(engine.api.history(image["Id"])) if h.get("Size", 0) > 0]
    except _engine_failures():  # the sizes only give the bars a total: the push goes on without
        return {}
    if len(sizes) != len(layers):  # empty layers (size 0) are not in the history's sizes
        return {}
    return {units.short_id(diff_id): size for diff_id, size in zip(layers, sizes)}


def _local_image(engine, ref, all_tags: bool):
    """The image a push sends, or `PushError` before anything is sent."""
    import docker

    name = ref.repository if all_tags else str(ref)
    try:
        if all_tags:
            images = engine.api.images(name=ref.repository)
            if not images:
                raise docker.errors.ImageNotFound(name)
            return images[0]
        return engine.api.inspect_image(name)
    except docker.errors.NotFound:
        raise PushError(
            f"there is no image {name} on this engine to push: build it (%docker_build -t {name} ...) "
            f"or tag one (%docker_tag SOURCE {name})"
        ) from None


def push_name(name: str, all_tags: bool = False):
    """Checked reference of what to push: `latest` unless a tag is given (or all tags)."""
    ref = reference.parse(name, "image to push")
    if ref.digest:
        raise InvalidInput(f"cannot push a digest reference ({name}): push NAME[:TAG]")
    if all_tags and ref.tag:
        raise InvalidInput(f"--all-tags pushes every tag of a repository: give {ref.repository} without :{ref.tag}")
    if not all_tags and not ref.tag:
        ref = reference.Reference(ref.domain, ref.path, "latest", None)
    return ref


def pull_name(name: str, all_tags: bool = False):
    ref = reference.parse(name, "image to pull")
    if all_tags and (ref.tag or ref.digest):
        raise InvalidInput(f"--all-tags pulls every tag of a repository: give {ref.repository} without a tag or digest")
    if not all_tags and not ref.tag and not ref.digest:
        ref = reference.Reference(ref.domain, ref.path, "latest", None)
    return ref


def push(engine, name: str, all_tags: bool = False, result: Transfer | None = None):
    """Push `name` (NAME[:TAG], or every tag of NAME) from `engine`; yields events."""
    ref = push_name(name, all_tags)
    shown = ref.repository if all_tags else str(ref)
    if result is None:
        result = Transfer("push", shown, engine=engine.label)
    result.started = time.monotonic()
    image = _local_image(engine, ref, all_tags)
    result.size = image.get("Size")
    sizes = _SizesOnDemand(lambda: _layer_sizes(engine, image))
    params = {} if all_tags else {"tag": ref.tag}
    yield from _send(engine, "/images/{0}/push", (ref.repository,), params, auth.server_of(ref), TransferStream(result, sizes, PushError))
    if not result.digests:
        result.error = "the engine ended the push without a digest"
        raise PushError(f"push {shown}: {result.error}", result=result)
    result.ended = time.monotonic()
    yield TransferSucceeded(result)


def pull(engine, name: str, all_tags: bool = False, result: Transfer | None = None, platform: str | None = None):
    """Pull `name` (NAME[:TAG|@DIGEST], or every tag of NAME) to `engine`; yields events.
    `platform` (`--platform`, checked first) picks that platform's image of a multi-platform
    one; the result reads back the platform the engine made it."""
    ref = pull_name(name, all_tags)
    wanted = platforms.parse(platform) if platform else None
    shown = ref.repository if all_tags else str(ref)
    if result is None:
        result = Transfer("pull", shown, engine=engine.label)
    result.started = time.monotonic()
    params = {"fromImage": ref.repository}
    if not all_tags:
        params["tag"] = ref.digest or ref.tag
    if wanted is not None:
        params["platform"] = platform.strip()  # the engine normalizes it as it does the CLI's
        result.wanted_platform = str(wanted)
    yield from _send(engine, "/images/create", (), params, auth.server_of(ref), TransferStream(result, error=PullError))
    try:
        inspected = engine.api.inspect_image(ref.repository if all_tags else str(ref))
        result.size = inspected.get("Size")
        result.platform = str(platforms.of_image(inspected)) if wanted is not None else None
    except _engine_failures():
        result.size = None  # --all-tags without a `latest`: the size of no single image
    result.ended = time.monotonic()
    yield TransferSucceeded(result)
