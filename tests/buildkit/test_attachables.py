"""A session's services as attachables (BuildKit's `session.Attachable`): each registers its own
methods on the session's gRPC server, and the session names to the engine only those of the
services its options asked for.  No engine here: the server answers a client on a socket pair
(the real engine's calls: test_session.py)."""

from __future__ import annotations

import socket

import h2.connection
import h2.events

from dockermagic.buildkit.session import grpcserver
from dockermagic.buildkit.session.grpccall import NOT_FOUND, UNIMPLEMENTED, Status
from dockermagic.buildkit.session.session import Session

ALWAYS = {"/grpc.health.v1.Health/Check", "/moby.filesync.v1.FileSync/DiffCopy", "/moby.filesync.v1.Auth/Credentials"}


def test_a_session_offers_the_services_its_options_ask_for(tmp_path):
    (tmp_path / "token").write_text("s3cret")
    (tmp_path / "id_key").write_text("not a socket: a key file")
    plain = Session(None, str(tmp_path))
    assert set(plain.grpc_server().methods()) == ALWAYS
    everything = Session(None, str(tmp_path), secrets=[f"id=tok,src={tmp_path / 'token'}"],
                         ssh=[f"deploy={tmp_path / 'id_key'}"], outputs=[f"type=tar,dest={tmp_path / 'out.tar'}"])
    assert set(everything.grpc_server().methods()) == ALWAYS | {
        "/moby.buildkit.secrets.v1.Secrets/GetSecret", "/moby.sshforward.v1.SSH/CheckAgent",
        "/moby.sshforward.v1.SSH/ForwardAgent", "/moby.filesync.v1.FileSend/DiffCopy"}


class Echo:
    """A service of a test's own: what a new attachable looks like."""

    def register(self, server) -> None:
        server.register_service("dockermagic.test.v1.Echo", unary={"Say": self.say})

    def say(self, raw: bytes) -> bytes:
        if not raw:
            raise Status(NOT_FOUND, "nothing to say")
        return raw[::-1]


def call(server, path: str, body: bytes) -> tuple[bytes, str]:
    """One unary call of `server` through h2 on a socket pair: (the answer's messages, grpc-status)."""
    ours, theirs = socket.socketpair()
    server.serve(ours)
    client = h2.connection.H2Connection()
    client.initiate_connection()
    client.send_headers(1, [(":method", "POST"), (":scheme", "http"), (":authority", "x"), (":path", path),
                            ("content-type", "application/grpc")])
    client.send_data(1, grpcserver.frame(body), end_stream=True)
    theirs.sendall(client.data_to_send())
    theirs.settimeout(5)
    answer, status = b"", None
    try:
        while status is None:
            for event in client.receive_data(theirs.recv(65536)):
                if isinstance(event, h2.events.DataReceived):
                    answer += event.data
                if isinstance(event, (h2.events.TrailersReceived, h2.events.ResponseReceived)):
                    status = dict(event.headers).get(b"grpc-status", status)
            theirs.sendall(client.data_to_send())
    finally:
        server.close()
        theirs.close()
    return answer, status.decode()


def test_an_attachable_allowed_registers_and_answers_its_own_methods(tmp_path):
    session = Session(None, str(tmp_path))
    session.allow(Echo())
    assert "/dockermagic.test.v1.Echo/Say" in session.grpc_server().methods()
    assert call(session.grpc_server(), "/dockermagic.test.v1.Echo/Say", b"olleh") == (grpcserver.frame(b"hello"), "0")
    assert call(session.grpc_server(), "/dockermagic.test.v1.Echo/Say", b"") == (b"", str(NOT_FOUND))
    # a service the session was not given is not served
    assert call(Session(None, str(tmp_path)).grpc_server(), "/dockermagic.test.v1.Echo/Say", b"x") \
        == (b"", str(UNIMPLEMENTED))


def test_a_secret_is_answered_only_by_the_session_given_it(tmp_path):
    from dockermagic.buildkit.session.schema import message

    (tmp_path / "token").write_text("s3cret")
    ask = message("moby.buildkit.secrets.v1.GetSecretRequest")(ID="tok").SerializeToString()
    given = Session(None, str(tmp_path), secrets=[f"id=tok,src={tmp_path / 'token'}"])
    answer, status = call(given.grpc_server(), "/moby.buildkit.secrets.v1.Secrets/GetSecret", ask)
    assert status == "0" and message("moby.buildkit.secrets.v1.GetSecretResponse").FromString(answer[5:]).data == b"s3cret"
    assert call(Session(None, str(tmp_path)).grpc_server(), "/moby.buildkit.secrets.v1.Secrets/GetSecret", ask)[1] \
        == str(UNIMPLEMENTED)
