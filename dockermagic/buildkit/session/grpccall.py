"""One gRPC call on a session's connection: its status codes, its state, its request messages.

`grpcserver.Server` makes a `Call` for each request the engine opens and feeds its messages
(whole, the length prefix taken off) into the call's inbox; a handler reads them as `Requests`
and raises `Status` to end the call with a gRPC status.  Messages go out with `frame`.
"""

from __future__ import annotations

import queue
import struct

OK, UNKNOWN, NOT_FOUND, UNIMPLEMENTED = 0, 2, 5, 12
END = object()  # put in a call's inbox when its requests end


class Status(Exception):
    def __init__(self, code: int, message: str = ""):
        super().__init__(message)
        self.code = code


class Call:
    """One call: its method, metadata, request queue and what is still to be written."""

    def __init__(self, stream_id: int, method: str, metadata: dict):
        self.stream_id, self.method, self.metadata = stream_id, method, metadata
        self.inbox: queue.Queue = queue.Queue()
        self.partial = b""
        self.headers_sent = False
        self.data = bytearray()
        self.trailers: list | None = None
        self.gone = False

    def requests(self) -> "Requests":
        return Requests(self.inbox)


class Requests:
    """A call's request messages: iterate (blocking), or `poll()` for one already here."""

    def __init__(self, inbox: queue.Queue):
        self.inbox, self.ended = inbox, False

    def __iter__(self):
        return self

    def __next__(self) -> bytes:
        if self.ended:
            raise StopIteration
        item = self.inbox.get()
        if item is END:
            self.ended = True
            raise StopIteration
        return item

    def poll(self):
        """The next message if one has arrived, else None; raises StopIteration at the end."""
        if self.ended:
            raise StopIteration
        try:
            item = self.inbox.get_nowait()
        except queue.Empty:
            return None
        if item is END:
            self.ended = True
            raise StopIteration
        return item


def frame(message: bytes) -> bytes:
    """gRPC's length-prefixed message (never compressed)."""
    return struct.pack(">BI", 0, len(message)) + message
