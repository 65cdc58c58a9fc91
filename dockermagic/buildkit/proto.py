"""BuildKit's `StatusResponse` (moby/buildkit api/services/control/control.proto), the message
inside every `moby.buildkit.trace` record of a `/build?version=2` stream.

The schema is declared here with the protobuf runtime's descriptors, from the field numbers of
BuildKit's control API, instead of generated code: nothing to regenerate when protobuf moves,
and only the fields dockermagic reads.  Fields a newer engine adds (warnings, progress groups)
are unknown to this schema, and protobuf skips unknown fields when parsing.
"""

from __future__ import annotations

import base64
from functools import lru_cache

PACKAGE = "moby.buildkit.v1"
_T = ".google.protobuf.Timestamp"

# message -> [(name, number, type, label, type_name)]; BuildKit v0.8's numbers (Engine 20.10)
MESSAGES = {
    "Vertex": [
        ("digest", 1, "string", "optional", None),
        ("inputs", 2, "string", "repeated", None),
        ("name", 3, "string", "optional", None),
        ("cached", 4, "bool", "optional", None),
        ("started", 5, "message", "optional", _T),
        ("completed", 6, "message", "optional", _T),
        ("error", 7, "string", "optional", None),
    ],
    "VertexStatus": [
        ("ID", 1, "string", "optional", None),
        ("vertex", 2, "string", "optional", None),
        ("name", 3, "string", "optional", None),
        ("current", 4, "int64", "optional", None),
        ("total", 5, "int64", "optional", None),
        ("timestamp", 6, "message", "optional", _T),
        ("started", 7, "message", "optional", _T),
        ("completed", 8, "message", "optional", _T),
    ],
    "VertexLog": [
        ("vertex", 1, "string", "optional", None),
        ("timestamp", 2, "message", "optional", _T),
        ("stream", 3, "int64", "optional", None),
        ("msg", 4, "bytes", "optional", None),
    ],
    "StatusResponse": [
        ("vertexes", 1, "message", "repeated", f".{PACKAGE}.Vertex"),
        ("statuses", 2, "message", "repeated", f".{PACKAGE}.VertexStatus"),
        ("logs", 3, "message", "repeated", f".{PACKAGE}.VertexLog"),
    ],
}


@lru_cache(maxsize=1)
def status_response_class():
    """The `StatusResponse` message class, built once in a descriptor pool of its own (so it
    never clashes with another library's copy of BuildKit's schema in the default pool)."""
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, timestamp_pb2

    pool = descriptor_pool.DescriptorPool()
    timestamp_file = descriptor_pb2.FileDescriptorProto()
    timestamp_pb2.DESCRIPTOR.CopyToProto(timestamp_file)
    pool.Add(timestamp_file)

    proto = descriptor_pb2.FieldDescriptorProto
    schema = descriptor_pb2.FileDescriptorProto(
        name="dockermagic/buildkit_control.proto", package=PACKAGE, syntax="proto3",
        dependency=[timestamp_file.name],
    )
    for message, fields in MESSAGES.items():
        msg = schema.message_type.add(name=message)
        for name, number, kind, label, type_name in fields:
            field = msg.field.add(
                name=name, number=number,
                type=getattr(proto, f"TYPE_{kind.upper()}"), label=getattr(proto, f"LABEL_{label.upper()}"),
            )
            if type_name:
                field.type_name = type_name
    pool.Add(schema)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName(f"{PACKAGE}.StatusResponse"))


def decode(aux: str):
    """A `moby.buildkit.trace` record's `aux` (base64 of the protobuf bytes) as a `StatusResponse`."""
    message = status_response_class()()
    message.ParseFromString(base64.b64decode(aux))
    return message


def seconds(message, name: str) -> float | None:
    """A Timestamp field as seconds since the epoch; None when the engine did not set it."""
    if not message.HasField(name):
        return None
    stamp = getattr(message, name)
    return stamp.seconds + stamp.nanos / 1e9
