"""BuildKit's `StatusResponse` (moby/buildkit api/services/control/control.proto), the message
inside every `moby.buildkit.trace` record of a `/build?version=2` stream.

The schema is declared here from the field numbers of BuildKit's control API, made into
message classes at run time (`session/descriptors.py`) instead of generated code, with only
the fields dockermagic reads.  Fields a newer engine adds (warnings, progress groups) are
unknown to this schema, and protobuf skips unknown fields when parsing.
"""

from __future__ import annotations

import base64

from .session.descriptors import TIMESTAMP, Schema

PACKAGE = "moby.buildkit.v1"

# BuildKit v0.8's numbers (Engine 20.10)
CONTROL = Schema({
    PACKAGE: {
        "Vertex": [("digest", 1, "string"), ("inputs", 2, "repeated string"), ("name", 3, "string"),
                   ("cached", 4, "bool"), ("started", 5, TIMESTAMP), ("completed", 6, TIMESTAMP),
                   ("error", 7, "string")],
        "VertexStatus": [("ID", 1, "string"), ("vertex", 2, "string"), ("name", 3, "string"),
                         ("current", 4, "int64"), ("total", 5, "int64"), ("timestamp", 6, TIMESTAMP),
                         ("started", 7, TIMESTAMP), ("completed", 8, TIMESTAMP)],
        "VertexLog": [("vertex", 1, "string"), ("timestamp", 2, TIMESTAMP), ("stream", 3, "int64"),
                      ("msg", 4, "bytes")],
        "StatusResponse": [("vertexes", 1, f"repeated .{PACKAGE}.Vertex"),
                           ("statuses", 2, f"repeated .{PACKAGE}.VertexStatus"),
                           ("logs", 3, f"repeated .{PACKAGE}.VertexLog")],
    },
})


def status_response_class():
    """The `StatusResponse` message class."""
    return CONTROL.message(f"{PACKAGE}.StatusResponse")


def decode(aux: str):
    """A `moby.buildkit.trace` record's `aux` (base64 of the protobuf bytes) as a `StatusResponse`."""
    return CONTROL.parse(f"{PACKAGE}.StatusResponse", base64.b64decode(aux))


def seconds(message, name: str) -> float | None:
    """A Timestamp field as seconds since the epoch; None when the engine did not set it."""
    if not message.HasField(name):
        return None
    stamp = getattr(message, name)
    return stamp.seconds + stamp.nanos / 1e9
