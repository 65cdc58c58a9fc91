"""A small gRPC server on one already-connected socket: what the engine calls during a build.

After `/session` is upgraded the engine is the HTTP/2 client on that very connection.  grpcio
cannot serve on a connected socket, and through a byte pipe to a grpcio server every streamed
message costs a round through grpcio's completion queue: 10,000 STAT packets took 1.6 s that
way, against 0.1 s for the docker CLI.  Here (h2 for the framing) messages a handler yields are
queued and written in as few DATA frames as the peer's windows allow (a handler may yield a list
of messages at once), so a walk of 10,000 entries leaves in a few dozen writes.

As with grpc-go's server, services register their methods first (`register_service`: what a
session's attachables do), then `serve(sock)` answers them.  Handlers: `unary(raw: bytes) ->
bytes` and `stream(requests, call) -> iterator of bytes`; `requests` yields the request messages
(bytes), `call.metadata` is {key: [values]}.  Raising `Status(code, message)` ends the call with
that gRPC status.  Methods registered `inline` (health checks) are answered on the reading thread
itself: they never wait behind a stream.
"""

from __future__ import annotations

import socket
import struct
import threading
from urllib.parse import quote

from .grpccall import END, OK, UNIMPLEMENTED, UNKNOWN, Call, Status, frame

_QUEUED = 4 << 20  # bytes a call may have waiting to be written
_HIDDEN = {"content-type", "te", "grpc-timeout", "grpc-encoding", "grpc-accept-encoding", "user-agent"}


def method_url(service: str, method: str) -> str:
    """The path a method is called at, as BuildKit's `session.MethodURL` makes it."""
    return f"/{service}/{method}"


class Server:
    def __init__(self):
        self.unary: dict = {}  # method URL -> handler
        self.streams: dict = {}
        self.inline: set = set()
        self.sock = self.recv = self.hangup = self.conn = None
        self.calls: dict[int, Call] = {}  # calls with something still to write
        self.listening: dict[int, Call] = {}  # calls whose requests have not ended
        self.cv = threading.Condition()
        self.writing = threading.Lock()  # one thread at a time writes to the socket: bytes stay in order
        self.again = False  # more was queued while someone was writing
        self.closed = False
        self.threads: list[threading.Thread] = []

    def register_service(self, service: str, unary=None, streams=None, inline=()) -> None:
        """A service's methods by name (grpc-go's `RegisterService`), before `serve`: `unary` and
        `streams` map a method to its handler; `inline` names unary ones answered on the reading thread."""
        self.unary.update((method_url(service, name), handler) for name, handler in (unary or {}).items())
        self.streams.update((method_url(service, name), handler) for name, handler in (streams or {}).items())
        self.inline.update(method_url(service, name) for name in inline)

    def methods(self) -> list[str]:
        """Every method URL registered: what a session names to the engine."""
        return [*self.unary, *self.streams]

    def serve(self, sock, early: bytes = b"", recv=None, hangup=None) -> None:
        """Answer the registered methods on `sock` (already connected; `early`: bytes read with
        the upgrade's answer), from a reading thread of its own until `close()`."""
        import h2.config
        import h2.connection
        import h2.settings

        self.sock, self.recv, self.hangup = sock, recv or sock.recv, hangup
        config = h2.config.H2Configuration(client_side=False, header_encoding="utf-8")
        self.conn = h2.connection.H2Connection(config=config)
        self.conn.local_settings = h2.settings.Settings(client=False, initial_values={
            h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 1 << 22, h2.settings.SettingCodes.MAX_FRAME_SIZE: 1 << 20})
        self.conn.initiate_connection()
        self.conn.increment_flow_control_window(1 << 24)
        self._flush()  # our SETTINGS
        if early:
            self._received(early)
        thread = threading.Thread(target=self._read, name="dockermagic-grpc-read", daemon=True)
        thread.start()
        self.threads.append(thread)

    def close(self) -> None:
        with self.cv:
            self.closed = True
            self.cv.notify_all()
        if self.sock is None:
            return  # never served
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        if self.hangup is not None:
            self.hangup()  # what ends a connection that is not a plain socket (an ssh pipe)
        self._end_all()
        for thread in self.threads:
            thread.join(timeout=2)

    # -- reading ----------------------------------------------------------------------------
    def _read(self) -> None:
        try:
            while True:
                data = self.recv(1 << 20)
                if not data:
                    break
                self._received(data)
        except Exception:  # noqa: BLE001 -- the connection went: every call ends with it
            pass
        with self.cv:
            self.closed = True
            self.cv.notify_all()
        self._end_all()

    def _end_all(self) -> None:
        with self.cv:
            calls = list(self.listening.values()) + list(self.calls.values())
            self.listening.clear()
        for call in calls:
            call.gone = True
            call.inbox.put(END)

    def _received(self, data: bytes) -> None:
        import h2.events as ev

        with self.cv:
            events = self.conn.receive_data(data)
            started = []
            for event in events:
                if isinstance(event, ev.RequestReceived):
                    call = self._begin(event)
                    if call is not None and call.method in self.streams:
                        started.append(call)
                elif isinstance(event, ev.DataReceived):
                    self.conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                    call = self.listening.get(event.stream_id)
                    if call is not None:
                        self._split(call, call.partial + event.data)
                elif isinstance(event, (ev.StreamEnded, ev.StreamReset)):
                    call = self.listening.pop(event.stream_id, None)
                    if call is not None:
                        call.gone = call.gone or isinstance(event, ev.StreamReset)
                        call.inbox.put(END)
                        if call.method in self.unary and not call.gone:
                            # a unary call runs once its request is whole: a health check
                            # answered on this thread must never wait for bytes this thread reads
                            started.append(call)
                elif isinstance(event, ev.ConnectionTerminated):
                    self.closed = True
        self._flush()  # acknowledgements, window updates
        for call in started:
            self._run(call)

    def _begin(self, event) -> Call | None:
        headers = dict(event.headers)
        metadata: dict[str, list[str]] = {}
        for key, value in event.headers:
            if not key.startswith(":") and key not in _HIDDEN:
                metadata.setdefault(key, []).append(value)
        call = Call(event.stream_id, headers.get(":path", ""), metadata)
        self.calls[event.stream_id] = self.listening[event.stream_id] = call
        if call.method not in self.unary and call.method not in self.streams:
            self._finish(call, UNIMPLEMENTED, f"{call.method} is not served here")
            return None  # written by the flush at the end of this read
        return call

    @staticmethod
    def _split(call: Call, buffer: bytes) -> None:
        while len(buffer) >= 5:
            _, size = struct.unpack(">BI", buffer[:5])
            if len(buffer) < 5 + size:
                break
            call.inbox.put(buffer[5:5 + size])
            buffer = buffer[5 + size:]
        call.partial = buffer

    # -- answering --------------------------------------------------------------------------
    def _run(self, call: Call) -> None:
        if call.method in self.inline:
            self._serve(call)
            return
        thread = threading.Thread(target=self._serve, args=(call,), name="dockermagic-grpc-call", daemon=True)
        thread.start()
        self.threads = [t for t in self.threads if t.is_alive()] + [thread]

    def _serve(self, call: Call) -> None:
        code, text = OK, ""
        try:
            if call.method in self.unary:
                request = next(call.requests(), b"")
                self._send(call, self.unary[call.method](request))
            else:
                for message in self.streams[call.method](call.requests(), call):
                    if call.gone:
                        break
                    self._send(call, message)
        except Status as exc:
            code, text = exc.code, str(exc)
        except Exception as exc:  # noqa: BLE001 -- told to the engine as the call's status
            code, text = UNKNOWN, str(exc) or type(exc).__name__
        with self.cv:
            self._finish(call, code, text)
        self._flush()

    def _send(self, call: Call, message) -> None:
        """Queue a message (or a list of them) and write what the windows allow."""
        with self.cv:
            while len(call.data) > _QUEUED and not (call.gone or self.closed):
                self.cv.wait()  # the engine reads slower than we read the disk: memory stays bounded
            if isinstance(message, list):
                call.data += b"".join([frame(m) for m in message])
            else:
                call.data += frame(message)
        self._flush()

    def _finish(self, call: Call, code: int, text: str) -> None:
        call.trailers = [("grpc-status", str(code))] + ([("grpc-message", quote(text[:500], safe=" "))] if text else [])
        self.cv.notify_all()

    # -- writing ----------------------------------------------------------------------------
    def _flush(self) -> None:
        """Write what is queued, as far as the windows allow.  Whoever queued something writes
        (no writer thread to wake: a file asked for leaves on the thread that read it); if
        another thread is writing, it picks our part up before it lets go."""
        with self.cv:
            self.again = True
        while self.writing.acquire(blocking=False):
            try:
                with self.cv:
                    self.again = False
                    self._fill()
                    out = self.conn.data_to_send()
                    self.cv.notify_all()
                if out and not self.closed:
                    self.sock.sendall(out)
            except Exception:  # noqa: BLE001 -- the connection went; the reader ends the calls
                with self.cv:
                    self.closed = True
                    self.cv.notify_all()
                self.writing.release()
                return
            with self.cv:
                if not self.again:
                    self.writing.release()
                    return
            self.writing.release()

    def _window(self, call: Call) -> int:
        try:
            return self.conn.local_flow_control_window(call.stream_id)
        except Exception:  # noqa: BLE001 -- a stream the engine already closed
            call.gone = True
            return 0

    def _fill(self) -> None:
        """Move what the calls queued into h2 frames, as far as the windows allow."""
        size = self.conn.max_outbound_frame_size
        for sid, call in list(self.calls.items()):
            if call.gone:
                self.calls.pop(sid, None)
                continue
            try:
                if not call.headers_sent and (call.data or call.trailers is not None):
                    if call.trailers is not None and not call.data:  # nothing to say but a status
                        self.conn.send_headers(sid, [(":status", "200"), ("content-type", "application/grpc")]
                                               + call.trailers, end_stream=True)
                        self.calls.pop(sid, None)
                        continue
                    self.conn.send_headers(sid, [(":status", "200"), ("content-type", "application/grpc")])
                    call.headers_sent = True
                window = self._window(call)
                while call.data and window > 0:
                    piece = min(size, window, len(call.data))
                    self.conn.send_data(sid, bytes(call.data[:piece]))
                    del call.data[:piece]
                    window -= piece
                if call.trailers is not None and not call.data and call.headers_sent:
                    self.conn.send_headers(sid, call.trailers, end_stream=True)
                    self.calls.pop(sid, None)
            except Exception:  # noqa: BLE001 -- the engine reset this stream: drop what it would not read
                call.gone = True
                call.inbox.put(END)
                self.calls.pop(sid, None)
