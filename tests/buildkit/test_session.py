"""BuildKit sessions on the real engine: the context by DiffCopy (only what changed crosses),
secrets, ssh agents, a private base image, outputs.  Each build is a bare `/build?version=2`
POST with the session's parameters, as the build path makes it."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tarfile
import tempfile
from pathlib import Path

import pytest

from dockermagic.buildkit.session.session import Session
from dockermagic.engine import adapter
from dockermagic.errors import InvalidInput
from support.engine_fixtures import container_output as run
from support.engine_fixtures import use_tls_engine
from support.registry_fixtures import build_image

pytestmark = [pytest.mark.engine, pytest.mark.usefixtures("docker_config")]  # a docker config folder of each test's own


def build(engine, context, tag=None, made=None, **options):
    """Build `context` through a session; (image id or None, the session's stats)."""
    params = {"version": "2", "dockerfile": "Dockerfile", "rm": "1", "forcerm": "1"}
    if tag:
        params["t"] = made.image(tag) if made is not None else tag
    image = None
    with Session(engine, str(context), str(context), **options) as session:
        params.update(session.build_params())
        for record in adapter.records(engine.api, "POST", "/build", params=params):
            if "error" in record:
                raise AssertionError(f"build failed: {record['error']}")
            if record.get("id") == "moby.image.id":
                image = record["aux"]["ID"]
    return image, session.stats




def test_a_rebuild_sends_only_the_changed_file(engine, made, unique, tmp_path):
    ctx = tmp_path / "ctx"
    for i in range(600):
        folder = ctx / f"d{i // 100}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"f{i:04d}.bin").write_bytes(os.urandom(5000))
    (ctx / "gone.txt").write_text("soon gone\n")
    (ctx / "Dockerfile").write_text("FROM busybox\nCOPY . /data\n")
    tag = f"dm-session/rebuild:{unique}"

    first, stats = build(engine, ctx, tag, made)
    context = stats.of("context")
    assert context.files == 602 and context.files_sent == 602
    assert context.bytes_sent == 600 * 5000 + len("soon gone\n") + len("FROM busybox\nCOPY . /data\n")

    again, stats = build(engine, ctx, tag, made)
    assert again == first
    assert stats.of("context").files_sent == 0 and stats.of("context").bytes_sent == 0
    assert stats.of("context").already_had == 602

    (ctx / "d3" / "f0333.bin").write_bytes(b"new content\n")
    (ctx / "gone.txt").unlink()
    changed, stats = build(engine, ctx, tag, made)
    assert changed != first
    assert stats.of("context").files_sent == 1
    assert stats.of("context").bytes_sent == len(b"new content\n")
    assert run(engine, made, changed, "cat /data/d3/f0333.bin; test -e /data/gone.txt || echo gone") == "new content\ngone\n"


def test_an_excluded_file_is_never_sent(engine, made, unique, tmp_path):
    ctx = tmp_path / "ctx"
    (ctx / "logs").mkdir(parents=True)
    (ctx / "logs" / "big.log").write_bytes(b"x" * 77777)
    (ctx / "logs" / "keep.log").write_text("kept\n")
    (ctx / "secret.env").write_text("PASSWORD=nope\n")
    (ctx / "app.txt").write_text("app\n")
    (ctx / ".dockerignore").write_text("secret.env\nlogs\n!logs/keep.log\n")
    (ctx / "Dockerfile").write_text("FROM busybox\nCOPY . /data\n")
    image, stats = build(engine, ctx, f"dm-session/ignore:{unique}", made)
    listing = run(engine, made, image, "cd /data && find . -type f | sort")
    assert listing.split() == ["./.dockerignore", "./Dockerfile", "./app.txt", "./logs/keep.log"]
    kept = sum((ctx / name).stat().st_size for name in listing.split())
    # the frontend reads .dockerignore first, in a sync of its own: it crosses twice
    assert stats.of("context").bytes_sent == kept + (ctx / ".dockerignore").stat().st_size


def test_a_secret_is_mounted_and_kept_out_of_the_image(engine, made, unique, tmp_path, monkeypatch):
    value = f"s3cret-{unique}-value"
    (tmp_path / "token.txt").write_text(value)
    monkeypatch.setenv("DM_SESSION_SECRET", value + "-env")
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text(
        "FROM busybox\n"
        f"RUN --mount=type=secret,id=tok --mount=type=secret,id=envtok echo {unique} && "  # not from cache
        "sha256sum /run/secrets/tok /run/secrets/envtok | cut -d' ' -f1 > /hashes\n")
    image, _ = build(engine, ctx, f"dm-session/secret:{unique}", made,
                     secrets=[f"id=tok,src={tmp_path / 'token.txt'}", "id=envtok,env=DM_SESSION_SECRET"])
    hashes = run(engine, made, image, "cat /hashes").split()
    assert hashes == [hashlib.sha256(value.encode()).hexdigest(), hashlib.sha256((value + "-env").encode()).hexdigest()]
    history = json.dumps(engine.api.history(image)) + json.dumps(engine.api.inspect_image(image))
    assert value not in history
    assert run(engine, made, image, "ls /run/secrets 2>/dev/null | wc -l").strip() == "0"


def test_a_missing_secret_file_is_one_line_before_anything_is_sent(engine, tmp_path):
    with pytest.raises(InvalidInput, match=r"--secret id=tok: no file .*nothere"):
        Session(engine, str(tmp_path), secrets=[f"id=tok,src={tmp_path / 'nothere'}"])
    with pytest.raises(InvalidInput, match="environment variable DM_SESSION_UNSET is not set"):
        Session(engine, str(tmp_path), secrets=["id=x,env=DM_SESSION_UNSET"])


def _with_ssh_add(ctx) -> str:
    """Put the host's ssh-add and the libraries it loads into `ctx` (busybox has no ssh client);
    the Dockerfile lines that install them."""
    lines = []
    libs = subprocess.run(["ldd", "/usr/bin/ssh-add"], capture_output=True, text=True, check=True).stdout
    paths = ["/usr/bin/ssh-add"] + [part for line in libs.splitlines() for part in line.split() if part.startswith("/")]
    for i, path in enumerate(paths):
        (ctx / f"bin{i}").write_bytes(open(os.path.realpath(path), "rb").read())
        lines.append(f"COPY --chmod=755 bin{i} {path}\n")
    return "".join(lines)


@pytest.mark.parametrize("given", ["socket", "key"])
def test_an_ssh_agent_is_forwarded(engine, made, unique, tmp_path, ssh_agent, monkeypatch, given):
    sock, public_key = ssh_agent
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text("FROM busybox\n" + _with_ssh_add(ctx)
                                    + f"RUN --mount=type=ssh,id=dm echo {unique} && ssh-add -L > /keys\n")
    spec = "dm=" + (sock if given == "socket" else str(tmp_path / "id_test"))
    image, _ = build(engine, ctx, f"dm-session/ssh:{unique}", made, ssh=[spec])
    assert public_key in run(engine, made, image, "cat /keys")
    assert _session_threads() == []
    assert not list(tmp_path.glob("dockermagic-ssh-*"))


def test_a_private_base_is_pulled_with_the_kept_login(engine, made, pushed, unique, tmp_path, auth_registry):
    from dockermagic.registry import auth

    address, user, password = auth_registry["address"], auth_registry["user"], auth_registry["password"]
    auth.login(engine, address, user, password, source="test")
    base = f"{address}/dm-session-base:{unique}"
    build_image(engine, made, base, f"FROM busybox\nRUN echo {unique} > /base-id\n")
    records = list(engine.api.push(base, stream=True, decode=True,
                                   auth_config={"username": user, "password": password}))
    assert not any("error" in r for r in records), records
    digest = next(r["aux"]["Digest"] for r in records if isinstance(r.get("aux"), dict) and "Digest" in r["aux"])
    pushed.add(address, "dm-session-base", digest, (user, password))
    engine.api.remove_image(base, force=True)
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text(f"FROM {base}\nRUN cat /base-id > /seen\n")
    image, _ = build(engine, ctx, f"dm-session/private:{unique}", made)
    made.image(base)
    assert run(engine, made, image, "cat /seen").strip() == unique


def test_outputs_local_and_tar(engine, tmp_path):
    ctx = tmp_path / "ctx"
    (ctx / "sub").mkdir(parents=True)
    (ctx / "sub" / "a.txt").write_text("alpha\n")
    (ctx / "Dockerfile").write_text("FROM scratch\nCOPY sub /out/sub\nCOPY Dockerfile /out/\n")
    dest = tmp_path / "local"
    build(engine, ctx, outputs=[f"type=local,dest={dest}"])
    assert (dest / "out" / "sub" / "a.txt").read_text() == "alpha\n"
    assert (dest / "out" / "Dockerfile").exists()
    tar = tmp_path / "out.tar"
    build(engine, ctx, outputs=[f"type=tar,dest={tar}"])
    with tarfile.open(tar) as archive:
        names = archive.getnames()
        assert archive.extractfile("out/sub/a.txt").read() == b"alpha\n"
    assert "out/Dockerfile" in names


def _session_threads() -> list[str]:
    """The session's threads still alive (given a moment to see their streams end)."""
    import threading
    import time

    for _ in range(20):
        alive = [t.name for t in threading.enumerate() if t.name.startswith("dockermagic-")]
        if not alive:
            break
        time.sleep(0.1)
    return alive


def test_nothing_keeps_running_after_a_session_also_on_an_error(engine, tmp_path):
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text("FROM busybox\nRUN exit 3\n")
    with pytest.raises(AssertionError, match="exit code: 3|returned a non-zero code: 3"):
        build(engine, ctx)
    with pytest.raises(KeyboardInterrupt):
        with Session(engine, str(ctx)):
            raise KeyboardInterrupt
    assert _session_threads() == []


def test_an_engine_without_sessions_says_so(podman, tmp_path):
    from dockermagic.buildkit.session.session import SessionUnavailable

    with pytest.raises(SessionUnavailable, match="no BuildKit session: .*404"):
        with Session(podman, str(tmp_path)):
            pass


def test_an_engine_without_sessions_leaves_no_key_agent_behind(podman, tmp_path):
    """`--ssh ID=KEYFILE` starts an ssh-agent of the session's own before the upgrade; an engine
    that refuses the upgrade ends the session there, agents and their folder with it."""
    from dockermagic.buildkit.session.session import SessionUnavailable

    key = tmp_path / "id_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    before = set(Path(tempfile.gettempdir()).glob("dockermagic-ssh-*")), _key_agent_pids()
    with pytest.raises(SessionUnavailable):
        Session(podman, str(tmp_path), ssh=[f"deploy={key}"]).open()
    assert (set(Path(tempfile.gettempdir()).glob("dockermagic-ssh-*")), _key_agent_pids()) == before


def _key_agent_pids() -> set[str]:
    found = subprocess.run(["pgrep", "-f", "ssh-agent -D -a .*dockermagic-ssh-"], capture_output=True, text=True)
    return set(found.stdout.split())


def test_options_are_read_as_the_cli_spells_them(tmp_path, monkeypatch):
    from dockermagic.buildkit.session.filesend import parse_output
    from dockermagic.buildkit.session.services import parse_secret, parse_ssh

    (tmp_path / "tok").write_text("x")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DM_TOK", "y")
    assert parse_secret("id=a,src=tok").src == str(tmp_path / "tok")
    assert parse_secret("id=a,source=tok").src == str(tmp_path / "tok")
    assert parse_secret("id=a,env=DM_TOK").env == "DM_TOK"
    assert parse_secret("id=DM_TOK").env == "DM_TOK"  # no src/env: the variable of that name, if set
    assert parse_secret("id=tok").src == str(tmp_path / "tok")  # else the file
    assert "x" not in repr(parse_secret("id=a,src=tok")) and "y" not in repr(parse_secret("id=a,env=DM_TOK"))
    with pytest.raises(InvalidInput, match="unknown field 'mode'"):
        parse_secret("id=a,src=tok,mode=1")
    with pytest.raises(InvalidInput, match="expected KEY=VALUE"):
        parse_secret("tok")
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    with pytest.raises(InvalidInput, match="SSH_AUTH_SOCK is not set"):
        parse_ssh("default")
    assert parse_ssh("deploy=tok").keys == (str(tmp_path / "tok"),)
    with pytest.raises(InvalidInput, match="no agent socket or key file"):
        parse_ssh("deploy=nothere")
    assert parse_output("type=local,dest=out").dest == str(tmp_path / "out")
    assert parse_output("out").type == "local"
    assert parse_output("type=tar,dest=o.tar").engine_spec() == {"Type": "tar", "Attrs": {}}
    for bad, said in (("type=oci,dest=x", "type must be local or tar"), ("type=tar", "give dest="),
                      ("type=tar,dest=-", "give dest=")):
        with pytest.raises(InvalidInput, match=said):
            parse_output(bad)


def test_the_session_outlives_a_long_step(engine, unique, tmp_path):
    """The engine checks health every second and drops the session at the first failure; an
    output written after 12 s of RUN needs the session still there."""
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text(f"FROM busybox AS work\nRUN sleep 12 && echo {unique} > /done\n"
                                    "FROM scratch\nCOPY --from=work /done /done\n")
    build(engine, ctx, outputs=[f"type=local,dest={tmp_path / 'out'}"])
    assert (tmp_path / "out" / "done").read_text().strip() == unique


def test_a_dockerfile_elsewhere_or_behind_a_symlink(engine, made, unique, tmp_path):
    ctx, elsewhere = tmp_path / "ctx", tmp_path / "files"
    (ctx / "docker").mkdir(parents=True)
    elsewhere.mkdir()
    (ctx / "app.txt").write_text("app\n")
    (ctx / "docker" / "real.Dockerfile").write_text(f"FROM busybox\nCOPY app.txt /app-{unique}.txt\n")
    os.symlink("docker/real.Dockerfile", ctx / "Dockerfile")
    image, _ = build(engine, ctx, f"dm-session/link:{unique}", made)
    assert run(engine, made, image, f"cat /app-{unique}.txt") == "app\n"
    (elsewhere / "Dockerfile").write_text(f"FROM busybox\nCOPY app.txt /other-{unique}.txt\n")
    params = {"version": "2", "dockerfile": "Dockerfile", "t": made.image(f"dm-session/outside:{unique}")}
    with Session(engine, str(ctx), str(elsewhere)) as session:
        params.update(session.build_params())
        records = list(adapter.records(engine.api, "POST", "/build", params=params))
    assert not [r for r in records if "error" in r]
    assert run(engine, made, f"dm-session/outside:{unique}", f"cat /other-{unique}.txt") == "app\n"


def test_a_health_check_split_across_reads_is_answered():
    """The engine's HEADERS and DATA of one check can arrive in two reads: the answer must not
    wait on the thread that reads the second."""
    import socket
    import time

    import h2.connection
    import h2.events

    from dockermagic.buildkit.session import grpcserver

    ours, theirs = socket.socketpair()
    server = grpcserver.Server()
    server.register_service("grpc.health.v1.Health", unary={"Check": lambda raw: b"\x08\x01"}, inline=["Check"])
    server.serve(ours)
    client = h2.connection.H2Connection()
    client.initiate_connection()
    client.send_headers(1, [(":method", "POST"), (":scheme", "http"), (":authority", "x"),
                            (":path", "/grpc.health.v1.Health/Check"), ("content-type", "application/grpc")])
    theirs.sendall(client.data_to_send())
    time.sleep(0.2)
    client.send_data(1, grpcserver.frame(b""), end_stream=True)
    theirs.sendall(client.data_to_send())
    theirs.settimeout(5)
    answer, status = b"", None
    while status is None:
        for event in client.receive_data(theirs.recv(65536)):
            if isinstance(event, h2.events.DataReceived):
                answer += event.data
            if isinstance(event, h2.events.TrailersReceived):
                status = dict(event.headers)[b"grpc-status"]
        theirs.sendall(client.data_to_send())
    server.close()
    theirs.close()
    assert (answer, status) == (grpcserver.frame(b"\x08\x01"), b"0")


def test_a_session_over_tls(tls_engine, tmp_path, monkeypatch):
    """A remote-style engine (TCP + TLS, client certificates): the upgrade takes the client's TLS
    settings, and the context and output cross it."""
    from dockermagic.engine.connection import connect

    use_tls_engine(tls_engine, monkeypatch, tmp_path / "certs")
    remote = connect()
    assert remote.address == tls_engine.address
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "a.txt").write_text("over tls\n")
    (ctx / "Dockerfile").write_text("FROM scratch\nCOPY a.txt /a.txt\n")
    build(remote, ctx, outputs=[f"type=local,dest={tmp_path / 'out'}"])
    assert (tmp_path / "out" / "a.txt").read_text() == "over tls\n"


def test_a_session_over_ssh(ssh_engine, tmp_path, monkeypatch):
    """ssh:// as the CLI does it (`ssh HOST docker system dial-stdio`): the upgrade and the
    session's HTTP/2 go through the ssh pipe."""
    from dockermagic.engine.connection import connect

    monkeypatch.setenv("PATH", ssh_engine.client_path())
    remote = connect(ssh_engine.address)
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "a.txt").write_text("over ssh\n")
    (ctx / "Dockerfile").write_text("FROM scratch\nCOPY a.txt /a.txt\n")
    build(remote, ctx, outputs=[f"type=local,dest={tmp_path / 'out'}"])
    assert (tmp_path / "out" / "a.txt").read_text() == "over ssh\n"
