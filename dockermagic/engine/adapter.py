"""The one place that reaches past docker-py's public API.

docker-py has no public call for a streamed `/build` with our own tar stream, a push or pull
whose records we decode ourselves, `/containers/{id}/wait` registered before the start, the
raw socket under an attach or exec, or `/auth` with a ready-made auth config.  Those calls
live here, each small; every other module uses docker-py's public API or these functions.
Nothing else in the package touches a private docker-py name (a test checks it).

Every stream is closed when its consumer stops -- at the end, on an error and on Ctrl-C
(`KeyboardInterrupt` inside the `for`, or the generator being closed) -- so the engine sees
the connection go and cancels what it was doing.
"""

from __future__ import annotations

import codecs
import json
import socket as _socket
from contextlib import contextmanager

from ..errors import EngineError


def url(api, path: str, *args) -> str:
    """The versioned URL of an Engine API path; `{0}`, `{1}` ... are filled (quoted) from args."""
    return api._url(path, *args)


def api_version(api) -> str:
    """The API version this client speaks (after the version handshake)."""
    return api._version


def set_api_version(api, version: str | None) -> None:
    """Speak `version` from now on: what docker-py's `version="auto"` does, done after our own
    bounded handshake."""
    if version:
        api._version = version


@contextmanager
def response(api, method: str, path: str, *args, params=None, data=None, json=None, headers=None,
             stream: bool = True, timeout=None):
    """An HTTP response of the engine, status checked (docker-py's `APIError` family on 4xx/5xx),
    closed when the block ends.  `timeout=None`: reading may wait as long as the work takes."""
    send = {"get": api._get, "post": api._post, "put": api._put, "delete": api._delete}[method.lower()]
    kwargs = {"params": params, "headers": dict(headers or {}), "stream": stream, "timeout": timeout}
    if json is not None:
        resp = api._post_json(url(api, path, *args), data=json, **kwargs)
    else:
        resp = send(url(api, path, *args), data=data, **kwargs) if data is not None else send(url(api, path, *args), **kwargs)
    try:
        api._raise_for_status(resp)
        yield resp
    finally:
        resp.close()


def sent(api, method: str, path: str, *args, params=None, headers=None):
    """A request sent now whose answer is read later (`/containers/{id}/wait` before the start):
    status checked, the open response returned -- the caller closes it."""
    send = {"get": api._get, "post": api._post}[method.lower()]
    resp = send(url(api, path, *args), params=params, headers=headers, stream=True, timeout=None)
    try:
        api._raise_for_status(resp)
    except BaseException:
        resp.close()
        raise
    return resp


def records(api, method: str, path: str, *args, params=None, data=None, headers=None, watch=None):
    """The engine's JSON record stream (`/build`, `/images/create`, `/images/{name}/push`,
    `/events` ...) decoded record by record; the connection closes when the consumer stops.
    `watch` (a `watchdog.Watchdog`) follows the stream's socket while it is read."""
    with response(api, method, path, *args, params=params, data=data, headers=headers) as resp:
        yield from stream_records(api, resp, watch)


def stream_records(api, resp, watch=None):
    """The records of a response already open (the caller closes it)."""
    chunks = api._stream_helper(resp, decode=False)
    return json_records(watch.follow(stream_socket(resp), chunks) if watch is not None else chunks)


def stream_socket(resp):
    """The socket under a streamed response (unix, tcp, TLS; the ssh client's socket over ssh)."""
    fp = getattr(getattr(resp.raw, "_fp", None), "fp", None)
    return getattr(fp, "channel", None) or getattr(fp, "raw", None)


def ping(api, timeout: float) -> bool:
    """Whether the engine answers `/_ping` within `timeout` seconds, on a connection of its own.
    Asked from a thread of its own: a read over the ssh client ignores socket timeouts."""
    import threading

    answered = []

    def ask():
        try:
            resp = api._get(api._url("/_ping"), timeout=timeout)
            try:
                answered.append(resp.status_code == 200)
            finally:
                resp.close()
        except Exception:  # noqa: BLE001 -- no answer, whatever the way
            answered.append(False)

    thread = threading.Thread(target=ask, name="dockermagic-ping", daemon=True)
    thread.start()
    thread.join(timeout + 1)
    return bool(answered and answered[0])


def cut(sock) -> None:
    """End a stream's socket under a read blocked in another thread: the read returns at once.
    (`socket.socket.shutdown` on a TLS socket too: the TLS layer's own would first try to talk;
    over ssh the socket is docker-py's pipe to an ssh client, which is ended.)"""
    raw = raw_socket(sock) if sock is not None else None
    try:
        if getattr(raw, "proc", None) is not None:
            raw.proc.terminate()
        elif isinstance(raw, _socket.socket):
            _socket.socket.shutdown(raw, _socket.SHUT_RDWR)
        elif raw is not None:
            raw.shutdown(_socket.SHUT_RDWR) if hasattr(raw, "shutdown") else raw.close()
    except OSError:
        pass


def json_records(chunks):
    """JSON records from chunks of bytes (or text) cut anywhere, as docker-py's `json_stream`
    splits them, but whole: a UTF-8 character cut between two chunks stays one character (docker-py
    decodes each chunk alone), a space that ends a chunk kept (docker-py's `json_splitter` strips
    the unfinished next record's end), and a line that is no JSON object -- which would make
    docker-py wait for the end of the stream and then raise its own error -- is one `EngineError`
    at once."""
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    buffered = ""
    for chunk in chunks:
        text = chunk if isinstance(chunk, str) else decoder.decode(bytes(chunk))
        buffered += text
        if "}" not in text and "\n" not in text:
            continue  # no record can have ended here: a long record is parsed once, not per chunk
        while (split := _json_splitter(buffered)) is not None:
            record, buffered = split
            yield _record(record)
        line, newline, _ = buffered.partition("\n")
        if newline and line.strip():
            raise EngineError(f"the engine sent a line that is no JSON record: {line.strip()[:80]!r}")
    buffered = (buffered + decoder.decode(b"", final=True)).strip()
    while buffered and (split := _json_splitter(buffered)) is not None:
        record, buffered = split
        yield _record(record)
    if buffered:
        raise EngineError(f"the engine's stream ended inside a record: {buffered[:80]!r}")


_JSON = json.JSONDecoder()


def _json_splitter(buffer: str):
    """(the first JSON value, the rest), or None while it is not all there."""
    buffer = buffer.lstrip()
    try:
        value, end = _JSON.raw_decode(buffer)
    except ValueError:
        return None
    return value, buffer[end:]


# the engine's progress message (moby's jsonmessage.JSONMessage), field by field, where present
_TEXT_FIELDS = ("stream", "status", "id", "progress", "error")
_NUMBER_FIELDS = {"progressDetail": ("current", "total"), "errorDetail": ("code",)}


def _record(value) -> dict:
    if not isinstance(value, dict):
        raise EngineError(f"the engine sent a record that is no JSON object: {str(value)[:80]!r}")
    odd = [k for k in _TEXT_FIELDS if k in value and not isinstance(value[k], str)]
    for key, numbers in _NUMBER_FIELDS.items():
        part = value.get(key)
        if part is not None and not (isinstance(part, dict) and all(
                isinstance(part.get(n, 0), int) and not isinstance(part.get(n, 0), bool) for n in numbers)):
            odd.append(key)
    if isinstance(value.get("errorDetail"), dict) and not isinstance(value["errorDetail"].get("message", ""), str):
        odd.append("errorDetail")
    if odd:
        raise EngineError(f"the engine sent a record whose {', '.join(odd)} is not what its API says: {str(value)[:80]!r}")
    return value


def call(api, method: str, path: str, *args, params=None, json=None, data=None, headers=None, timeout=None):
    """A short request whose answer is JSON (or empty): the decoded answer.  `timeout` (seconds)
    bounds it where an engine that stopped answering must not hold the caller (a cancel on Ctrl-C)."""
    with response(api, method, path, *args, params=params, json=json, data=data, headers=headers,
                  stream=False, timeout=timeout) as resp:
        return api._result(resp, json=True) if resp.content else None


def registry_config_headers(api, headers: dict) -> dict:
    """`X-Registry-Config` for a build, from the docker config as it is now (logins made since
    the client was opened included), so the engine can pull private base images."""
    api.reload_config()
    api._set_auth_headers(headers)
    return headers


# -- raw sockets of attach and exec ------------------------------------------------------------
def raw_socket(sock):
    """The OS socket under what docker-py's `attach_socket` / `exec_start(socket=True)` return."""
    return getattr(sock, "_sock", sock)


def shutdown_write(sock) -> None:
    """Close our write side of an attach/exec socket: the container's stdin sees EOF."""
    try:
        raw_socket(sock).shutdown(_socket.SHUT_WR)
    except OSError:
        pass


def close_socket(sock) -> None:
    """Close an attach/exec socket and the HTTP response it was hijacked from."""
    try:
        resp = getattr(sock, "_response", None)
        sock.close()
        if resp is not None:
            resp.close()
    except Exception:  # noqa: BLE001 -- closing what may already be gone
        pass


# -- the engine's words, as one line ------------------------------------------------------------
def explanation(exc: BaseException) -> str:
    """What the engine (or the connection) said, as one line: docker-py's `explanation` when the
    engine answered, else the exception's own text."""
    said = getattr(exc, "explanation", None) or str(exc)
    if isinstance(said, bytes):
        said = said.decode("utf-8", "replace")
    said = str(said).strip()
    return said.splitlines()[0].strip() if said else type(exc).__name__


def error(exc: BaseException, doing: str) -> EngineError:
    """A docker-py or connection error as one `EngineError` line: what we were doing, what was said."""
    return EngineError(f"{doing}: {explanation(exc)}")


# -- an upgraded connection (BuildKit's /session) -----------------------------------------------
def upgraded(api, path: str, headers: list[tuple[str, str]], timeout: float = 10.0):
    """POST `path` with `Connection: Upgrade` on a connection of its own and wait for the engine's
    `101 Switching Protocols`: (the socket, the bytes already read past the answer's headers).

    Written by hand, not through requests: a header may have to appear several times (one line
    per gRPC method), and the engine's first bytes of the new protocol can arrive in the same
    read as the 101, which http.client's buffered reader would swallow."""
    from urllib.parse import urlsplit

    target = url(api, path)
    transport = api.get_adapter(target)
    if hasattr(transport, "get_connection_with_tls_context"):  # requests >= 2.32.2: TLS settings come with the pool
        import requests

        pool = transport.get_connection_with_tls_context(requests.Request("POST", target).prepare(), api.verify,
                                                         None, api.cert)
    else:
        pool = transport.get_connection(target)
    conn = pool._new_conn()
    conn.timeout = timeout
    conn.connect()
    sock = conn.sock
    parts = urlsplit(target)
    lines = [f"POST {parts.path} HTTP/1.1", f"Host: {parts.hostname or 'docker'}", "Content-Length: 0",
             "Connection: Upgrade"] + [f"{name}: {value}" for name, value in headers]
    try:
        sock.settimeout(timeout)
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        answer = b""
        read = receiver(sock)
        while b"\r\n\r\n" not in answer:
            piece = read(65536)
            if not piece:
                raise EngineError(f"POST {path}: the engine closed the connection before answering")
            answer += piece
            if len(answer) > 65536:
                raise EngineError(f"POST {path}: the engine's answer has no end of headers")
        head, _, rest = answer.partition(b"\r\n\r\n")
        status = head.split(b"\r\n", 1)[0].decode("latin-1")
        if " 101 " not in status + " ":
            raise EngineError(f"POST {path}: the engine answered {status.partition(' ')[2] or status!r}, not 101")
        sock.settimeout(None)
        return sock, rest
    except BaseException:
        close_socket(sock)
        raise


def receiver(sock):
    """`recv` for a connection docker-py made: what has arrived, up to n bytes.  Its ssh
    transport (`ssh HOST docker system dial-stdio`) is a pipe to a process whose `recv(n)`
    waits for all n bytes; one read of what is there is what a stream of frames needs."""
    pipe = getattr(getattr(sock, "proc", None), "stdout", None)
    return pipe.read1 if pipe is not None and hasattr(pipe, "read1") else sock.recv


def path_stat(api, container: str, path: str) -> dict | None:
    """`docker cp`'s look at a path in a container (`HEAD /containers/{id}/archive`): its
    `{"name", "size", "mode", "mtime", "linkTarget"}`, or None when it does not exist."""
    import base64
    import json as _json

    resp = api.head(url(api, "/containers/{0}/archive", container), params={"path": path}, timeout=api.timeout)
    try:
        if resp.status_code == 404:  # a HEAD has no body to say which: the caller knows the container exists
            return None
        api._raise_for_status(resp)
        header = resp.headers.get("X-Docker-Container-Path-Stat")
        return _json.loads(base64.b64decode(header)) if header else None
    finally:
        resp.close()
