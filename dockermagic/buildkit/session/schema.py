"""The protobuf messages a BuildKit session speaks, built at run time from their field lists.

BuildKit's `.proto` files are small and stable; describing them here with the protobuf runtime
(descriptor_pb2 + message_factory) spares a protoc step and generated code.  Enums are declared
as int32: the same varint on the wire.  Stat's xattrs map is written by hand where the
entries are sent (filesync.py) and never read: protobuf keeps unknown fields and skips them.
"""

from __future__ import annotations

from functools import lru_cache

_TYPES = {"string": 9, "bytes": 12, "uint32": 13, "int64": 3, "int32": 5, "message": 11}

# package -> message -> [(field, number, type[, message type])]
SCHEMAS = {
    "fsutil.types": {
        "Stat": [("path", 1, "string"), ("mode", 2, "uint32"), ("uid", 3, "uint32"), ("gid", 4, "uint32"),
                 ("size", 5, "int64"), ("modTime", 6, "int64"), ("linkname", 7, "string"),
                 ("devmajor", 8, "int64"), ("devminor", 9, "int64")],
        # type: 0 STAT, 1 REQ, 2 DATA, 3 FIN, 4 ERR
        "Packet": [("type", 1, "int32"), ("stat", 2, "message", ".fsutil.types.Stat"), ("ID", 3, "uint32"),
                   ("data", 4, "bytes")],
    },
    "moby.filesync.v1": {
        "BytesMessage": [("data", 1, "bytes")],
        "CredentialsRequest": [("Host", 1, "string")],
        "CredentialsResponse": [("Username", 1, "string"), ("Secret", 2, "string")],
    },
    "moby.buildkit.secrets.v1": {
        "GetSecretRequest": [("ID", 1, "string")],
        "GetSecretResponse": [("data", 1, "bytes")],
    },
    "moby.sshforward.v1": {
        "CheckAgentRequest": [("ID", 1, "string")],
        "CheckAgentResponse": [],
    },
    "grpc.health.v1": {
        "HealthCheckRequest": [("service", 1, "string")],
        "HealthCheckResponse": [("status", 1, "int32")],  # 1: SERVING
    },
}


@lru_cache(maxsize=None)
def _pool():
    from google.protobuf import descriptor_pb2, descriptor_pool

    pool = descriptor_pool.DescriptorPool()
    for package, messages in SCHEMAS.items():
        proto = descriptor_pb2.FileDescriptorProto(name=f"dockermagic/{package}.proto", package=package,
                                                   syntax="proto3")
        for name, fields in messages.items():
            message = proto.message_type.add(name=name)
            for field_name, number, kind, *type_name in fields:
                field = message.field.add(name=field_name, number=number, type=_TYPES[kind], label=1)
                if type_name:
                    field.type_name = type_name[0]
        pool.Add(proto)
    return pool


@lru_cache(maxsize=None)
def message(full_name: str):
    """The message class of e.g. `fsutil.types.Packet`."""
    from google.protobuf import message_factory

    return message_factory.GetMessageClass(_pool().FindMessageTypeByName(full_name))


def Packet(**fields):
    return message("fsutil.types.Packet")(**fields)


def Stat(**fields):
    return message("fsutil.types.Stat")(**fields)


def parse(full_name: str, data: bytes):
    return message(full_name).FromString(data)
