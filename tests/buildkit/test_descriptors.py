"""Protobuf messages made at run time from field lists (`session/descriptors.py`): the bytes of
the session's and the build trace's messages, as the engine reads and writes them.  The expected
bytes were written by the two schema builders this one replaced; the sessions and traces of a
real engine (test_session.py, test_buildkit.py) prove them again end to end."""

from __future__ import annotations

import base64
import threading

import pytest

from dockermagic.buildkit import proto
from dockermagic.buildkit.session import schema
from dockermagic.buildkit.session.descriptors import TIMESTAMP, Schema


def test_a_status_response_has_buildkits_bytes():
    status = proto.status_response_class()()
    vertex = status.vertexes.add(digest="sha256:1", name="[2/2] RUN echo hi", cached=True, error="boom")
    vertex.inputs.extend(["sha256:0", "sha256:a"])
    vertex.started.seconds, vertex.started.nanos = 1700000000, 5
    progress = status.statuses.add(ID="layer", vertex="sha256:1", current=1 << 33, total=-1)
    progress.completed.seconds = 1700000001
    status.logs.add(vertex="sha256:1", stream=2, msg=b"hi\n")
    assert status.SerializeToString().hex() == (
        "0a430a087368613235363a3112087368613235363a3012087368613235363a611a115b322f325d2052554e206563686f2068"
        "6920012a080880e2cfaa0610053a04626f6f6d122a0a056c6179657212087368613235363a3120808080802028ffffffff"
        "ffffffffff0142060881e2cfaa061a110a087368613235363a311802220368690a")
    decoded = proto.decode(base64.b64encode(status.SerializeToString()).decode())
    assert proto.seconds(decoded.vertexes[0], "started") == pytest.approx(1700000000 + 5e-9)
    assert proto.seconds(decoded.logs[0], "timestamp") is None


def test_the_session_messages_have_fsutils_and_mobys_bytes():
    stat = schema.message("fsutil.types.Stat")(path="a/b", mode=(1 << 31) | 0o755, size=3, modTime=-1, devmajor=8)
    packet = schema.message("fsutil.types.Packet")(type=2, ID=7, data=b"x", stat=stat)
    assert packet.SerializeToString().hex() == "0802121a0a03612f6210ed83808008280330ffffffffffffffffff0140081807220178"
    assert schema.parse("fsutil.types.Packet", packet.SerializeToString()).stat.path == "a/b"
    answer = schema.message("moby.filesync.v1.CredentialsResponse")(Username="u", Secret="s")
    assert answer.SerializeToString() == bytes.fromhex("0a0175120173")
    assert schema.message("grpc.health.v1.HealthCheckResponse")(status=1).SerializeToString() == b"\x08\x01"


def test_a_field_is_spelled_as_in_a_proto_file():
    made = Schema({"t.v1": {
        "Item": [("name", 1, "string"), ("tags", 2, "repeated string"), ("at", 3, TIMESTAMP)],
        "List": [("items", 1, "repeated .t.v1.Item"), ("first", 2, ".t.v1.Item"), ("count", 3, "uint32")],
    }})
    listing = made.message("t.v1.List")(count=2)
    item = listing.items.add(name="a", tags=["x", "y"])
    item.at.seconds = 1
    listing.first.name = "b"
    again = made.parse("t.v1.List", listing.SerializeToString())
    assert [i.tags[:] for i in again.items] == [["x", "y"]] and again.first.name == "b" and again.count == 2
    assert again.items[0].at.seconds == 1
    with pytest.raises(ValueError, match="`TYPE` or `repeated TYPE`"):
        Schema({"t.v2": {"M": [("x", 1, "optional string")]}}).message("t.v2.M")


def test_each_schema_has_a_pool_of_its_own_built_once():
    """Two schemas may declare the same message (another library's copy of BuildKit's), and the
    threads that first ask for a message at once all get the one class."""
    a = Schema({"same.v1": {"M": [("x", 1, "string")]}})
    b = Schema({"same.v1": {"M": [("x", 1, "int64")]}})
    found = []
    threads = [threading.Thread(target=lambda: found.append(a.message("same.v1.M"))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(cls) for cls in found}) == 1
    assert b.message("same.v1.M")(x=5).x == 5 and found[0](x="s").x == "s"
