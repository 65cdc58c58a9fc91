"""The protobuf messages a BuildKit session speaks, from their `.proto` files' field lists
(made into message classes at run time by `descriptors.py`; no generated code).

Stat's xattrs map is written by hand where the entries are sent (filesync.py) and never read:
protobuf keeps unknown fields and skips them.
"""

from __future__ import annotations

from .descriptors import Schema

# type: 0 STAT, 1 REQ, 2 DATA, 3 FIN, 4 ERR (fsutil's Packet.PacketType, an enum: int32 on the wire)
SESSION = Schema({
    "fsutil.types": {
        "Stat": [("path", 1, "string"), ("mode", 2, "uint32"), ("uid", 3, "uint32"), ("gid", 4, "uint32"),
                 ("size", 5, "int64"), ("modTime", 6, "int64"), ("linkname", 7, "string"),
                 ("devmajor", 8, "int64"), ("devminor", 9, "int64")],
        "Packet": [("type", 1, "int32"), ("stat", 2, ".fsutil.types.Stat"), ("ID", 3, "uint32"),
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
})

message = SESSION.message  # the message class of e.g. `fsutil.types.Packet`
parse = SESSION.parse  # bytes read as a message of that name
