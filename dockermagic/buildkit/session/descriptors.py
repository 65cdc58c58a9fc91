"""Protobuf message classes made at run time from field lists, as a `.proto` file declares them.

BuildKit's `.proto` files are small and stable; describing the messages dockermagic speaks
with the protobuf runtime (descriptor_pb2, descriptor_pool, message_factory) spares a protoc
step and generated code: nothing to regenerate when protobuf moves.  Both the session's
messages (`schema.py`) and the build trace's `StatusResponse` (`buildkit/proto.py`) are
declared here, in one format:

    {package: {message: [(field, number, type), ...]}}

with a field's type spelled as in a `.proto` file: a scalar (`string`, `bytes`, `bool`,
`int32`, `int64`, `uint32`), a message by its full name with a leading dot (`.fsutil.types.Stat`,
or `TIMESTAMP`), either after `repeated ` for a list.  Fields are proto3's, so an enum is
declared as `int32`: the same varint on the wire.  Fields left out of a list are unknown to the
schema, and protobuf skips (and keeps) unknown fields when parsing.
"""

from __future__ import annotations

import threading

TIMESTAMP = ".google.protobuf.Timestamp"


class Schema:
    """The message classes of `packages`, built once, on first use, in a descriptor pool of
    their own: they never clash with another library's copy of BuildKit's messages in
    protobuf's default pool, and protobuf loads only when a message is first wanted."""

    def __init__(self, packages: dict):
        self.packages = packages
        self._classes: dict | None = None
        self._lock = threading.Lock()

    def message(self, full_name: str):
        """The message class of e.g. `fsutil.types.Packet`."""
        if self._classes is None:
            self._build()
        return self._classes[full_name]

    def parse(self, full_name: str, data: bytes):
        """`data` read as a `full_name` message."""
        return self.message(full_name).FromString(data)

    def _build(self) -> None:
        # one pool for every thread: a message's field holds only messages of its own pool
        with self._lock:
            if self._classes is not None:
                return
            from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, timestamp_pb2

            pool = descriptor_pool.DescriptorPool()
            timestamp = descriptor_pb2.FileDescriptorProto()
            timestamp_pb2.DESCRIPTOR.CopyToProto(timestamp)
            pool.Add(timestamp)
            for package, messages in self.packages.items():
                pool.Add(file_proto(package, messages, timestamp.name))
            self._classes = {
                f"{package}.{name}": message_factory.GetMessageClass(pool.FindMessageTypeByName(f"{package}.{name}"))
                for package, messages in self.packages.items() for name in messages
            }


def file_proto(package: str, messages: dict, timestamp_file: str):
    """The `FileDescriptorProto` of one package's messages."""
    from google.protobuf import descriptor_pb2

    proto = descriptor_pb2.FileDescriptorProto(name=f"dockermagic/{package}.proto", package=package, syntax="proto3")
    for name, fields in messages.items():
        message = proto.message_type.add(name=name)
        for field_name, number, spelled in fields:
            add_field(message, field_name, number, spelled)
    if any(spelled.endswith(TIMESTAMP) for fields in messages.values() for _, _, spelled in fields):
        proto.dependency.append(timestamp_file)
    return proto


def add_field(message, name: str, number: int, spelled: str) -> None:
    """One field, its type spelled as in a `.proto` file (`repeated .moby.buildkit.v1.Vertex`)."""
    from google.protobuf import descriptor_pb2

    kinds = descriptor_pb2.FieldDescriptorProto
    label, _, kind = spelled.rpartition(" ")
    if label not in ("", "repeated"):
        raise ValueError(f"{spelled!r}: a field's type is `TYPE` or `repeated TYPE`")
    field = message.field.add(name=name, number=number,
                              label=kinds.LABEL_REPEATED if label else kinds.LABEL_OPTIONAL)
    if kind.startswith("."):
        field.type, field.type_name = kinds.TYPE_MESSAGE, kind
    else:
        field.type = getattr(kinds, f"TYPE_{kind.upper()}")
