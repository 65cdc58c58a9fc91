"""Engines: %docker_info / %docker_version, a TLS engine on loopback (-H with TLS flags, the
DOCKER_TLS_VERIFY environment, TLS contexts both ways with the CLI), and connection failures
as one quick line each."""

from __future__ import annotations

import json
import shutil
import socket
import threading
import time

import pytest

from dockermagic.engine import connection as engine_module
from dockermagic.engine.connection import connect
from dockermagic.errors import EngineUnreachable
from dockermagic.views import formatters
from support.engine_fixtures import cli, unique_name, use_tls_engine


def test_info_and_version_name_the_engine(ip, docker_env, engine):
    info = ip.run_line_magic("docker_info", "")
    assert info.kind == "Docker Engine" and info.version == engine.version["Version"]
    assert info.api_version == engine.version["ApiVersion"] and info.storage_driver
    assert info.os_type == "linux" and info.arch and info.images >= 1
    assert info.containers == info.running + info.paused + info.stopped
    text, html = formatters.bundle(info)["text/plain"], formatters.bundle(info)["text/html"]
    assert "Storage driver:" in text and "Images:" in text and engine.label in text
    assert "<table" in html and "Storage driver" in html and "Docker Engine" in html
    version = ip.run_line_magic("docker_version", "")
    assert version.server["Engine"] == "Docker Engine" and version.server["API version"] == engine.version["ApiVersion"]
    assert version.client["API version"] and "Components:" in formatters.bundle(version)["text/plain"]
    assert "<table" in formatters.bundle(version)["text/html"]
    assert ip.run_line_magic("docker", "version").server == version.server


def test_view_headers_name_the_context(ip, docker_env, engine2_address, engine2, context, capsys):
    """A build on engine 2 chosen by a context says so in its result and its header."""
    name = unique_name("e2")
    ip.run_line_magic("docker_context", f"create {name} --docker host={engine2_address}")
    (context / "hello.txt").write_text("hello\n")
    (context / "Dockerfile").write_text("FROM scratch\nCOPY hello.txt /\n")
    tag = f"dm-e2/{name}"
    try:
        result = ip.run_line_magic("docker_build", f"--context {name} -t {tag} {context}")
        assert result.ok and f"(context {name})" in result.engine and engine2_address in result.engine
        assert engine2.api.images(name=tag)
    finally:
        engine2.api.remove_image(tag, force=True)


# -- TLS ----------------------------------------------------------------------------------
def test_tls_engine_with_the_clis_flags(ip, docker_env, tls_engine):
    info = ip.run_line_magic("docker_info", tls_engine.flags)
    assert info.kind == "Docker Engine" and info.images == 0 and info.address == tls_engine.address
    assert ip.run_line_magic("docker", f"{tls_engine.flags} info").root_dir.startswith(str(tls_engine.folder))


def test_tls_engine_from_the_environment(ip, docker_env, tls_engine, monkeypatch, tmp_path):
    use_tls_engine(tls_engine, monkeypatch, tmp_path / "certs")
    current = ip.run_line_magic("docker_context", "")
    assert current.source == "DOCKER_HOST" and current.tls and current.address == tls_engine.address
    assert cli("info", "--format", "{{.DockerRootDir}}").stdout.strip() == ip.run_line_magic("docker_info", "").root_dir


def test_tls_contexts_both_ways_with_the_cli(ip, docker_env, tls_engine):
    c = tls_engine.certs
    made_by_cli = unique_name("tls-cli")
    cli("context", "create", made_by_cli, "--docker",
        f"host={tls_engine.address},ca={c['ca']},cert={c['cert']},key={c['key']}")
    assert ip.run_line_magic("docker_info", f"--context {made_by_cli}").address == tls_engine.address
    theirs = json.loads(cli("context", "inspect", made_by_cli).stdout)[0]
    assert ip.run_line_magic("docker_context", f"inspect {made_by_cli}")[0]["TLSMaterial"] == theirs["TLSMaterial"]
    made_here = unique_name("tls-nb")
    ip.run_line_magic("docker_context", f"create {made_here} --docker host={tls_engine.address},ca={c['ca']},cert={c['cert']},key={c['key']}")
    assert "(TLS)" in formatters.bundle(ip.run_line_magic("docker_context", "ls"))["text/plain"]
    out = cli("--context", made_here, "version", "--format", "{{.Server.Version}}").stdout.strip()
    assert out and out == ip.run_line_magic("docker_version", f"--context {made_here}").server["Version"]


def quick_error(ip, line, *words, within=8.0):
    started = time.monotonic()
    with pytest.raises(EngineUnreachable) as info:
        ip.run_line_magic("docker_info", line)
    elapsed = time.monotonic() - started
    message = str(info.value)
    assert "\n" not in message and elapsed < within, (message, elapsed)
    for word in words:
        assert word in message, message
    return message


def test_wrong_ca_is_a_tls_handshake_error(ip, docker_env, tls_engine):
    c = tls_engine.certs
    flags = f"-H {tls_engine.address} --tlsverify --tlscacert {c['wrong_ca']} --tlscert {c['cert']} --tlskey {c['key']}"
    quick_error(ip, flags, "TLS handshake", tls_engine.address, "certificate verify failed", c["wrong_ca"])
    name = unique_name("wrong-ca")
    ip.run_line_magic("docker_context", f"create {name} --docker host={tls_engine.address},ca={c['wrong_ca']},cert={c['cert']},key={c['key']}")
    quick_error(ip, f"--context {name}", "TLS handshake", f"(context {name})")


def test_no_client_certificate_and_no_tls_are_one_line(ip, docker_env, tls_engine):
    quick_error(ip, f"-H {tls_engine.address} --tlsverify --tlscacert {tls_engine.certs['ca']}", "refused the client certificate", "none was given", tls_engine.address)
    quick_error(ip, f"-H {tls_engine.address}", "speaks TLS", "--tlsverify")


# -- unreachable engines ------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_nothing_listening(ip, docker_env):
    port = _free_port()
    quick_error(ip, f"-H tcp://127.0.0.1:{port}", "connection refused", f"tcp://127.0.0.1:{port}", within=3)
    quick_error(ip, "-H unix:///nonexistent/docker.sock", "no engine socket", "unix:///nonexistent/docker.sock", within=3)


def test_a_silent_listener_times_out(ip, docker_env, monkeypatch):
    """A port that accepts and never answers: the handshake gives up after CONNECT_TIMEOUT."""
    monkeypatch.setattr(engine_module, "CONNECT_TIMEOUT", 1.0)
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        port = server.getsockname()[1]
        quick_error(ip, f"-H tcp://127.0.0.1:{port}", "no answer from", "within 1 s", within=6)
    finally:
        stop.set()
        thread.join(2)
        for conn in held:
            conn.close()
        server.close()


def test_refused_ssh_is_one_quick_line(ip, docker_env):
    if shutil.which("ssh") is None:
        pytest.skip("no ssh client")
    port = _free_port()
    quick_error(ip, f"-H ssh://dmtest@127.0.0.1:{port}", "ssh to", "Connection refused", "check the host")


def test_reads_have_no_timeout(docker_env, engine, made, monkeypatch, unique):
    """Connecting is bounded, reading is not: `logs -f` of a quiet container outlives it."""
    monkeypatch.setattr(engine_module, "CONNECT_TIMEOUT", 1.0)
    name = unique_name("quiet")
    cli("context", "create", name, "--docker", "host=unix:///var/run/docker.sock")
    quiet = connect(context=name)
    assert quiet.api.timeout == (1.0, None)
    container = made.container(f"dm-quiet-{unique}")
    quiet.api.create_container("busybox:latest", ["sh", "-c", "sleep 2.5; echo done"], name=container)
    quiet.api.start(container)
    lines = list(quiet.api.logs(container, stream=True, follow=True))
    assert b"done" in b"".join(lines)
    engine_module.forget(quiet)


# -- ssh ------------------------------------------------------------------------------------------
def test_an_engine_over_ssh(ip, docker_env, ssh_engine, engine2, monkeypatch, context):
    """ssh://, as the CLI does it (`ssh HOST docker system dial-stdio`), to engine 2; a build's
    long stream goes through it too."""
    monkeypatch.setenv("PATH", ssh_engine.client_path())
    info = ip.run_line_magic("docker_info", f"-H {ssh_engine.address}")
    assert info.root_dir == engine2.api.info()["DockerRootDir"] and info.address == ssh_engine.address
    name = unique_name("over-ssh")
    cli("context", "create", name, "--docker", f"host={ssh_engine.address}")
    (context / "Dockerfile").write_text("FROM scratch\nCOPY Dockerfile /\n")
    tag = f"dm-ssh/{name}"
    try:
        result = ip.run_line_magic("docker_build", f"--context {name} -t {tag} {context}")
        assert result.ok and f"(context {name})" in result.engine and ssh_engine.address in result.engine
        assert engine2.api.images(name=tag)
    finally:
        engine2.api.remove_image(tag, force=True)


def test_a_fixture_that_cannot_start_fails_in_ci_and_skips_loudly_elsewhere(monkeypatch):
    from support import engine_fixtures

    monkeypatch.setattr(engine_fixtures, "IN_CI", True)
    with pytest.raises(pytest.fail.Exception, match="CI runs the TLS engine tests, which need root"):
        engine_fixtures._missing("TLS engine", "root")
    with pytest.raises(pytest.fail.Exception, match="the paramiko-not-here package"):
        engine_fixtures._module("paramiko-not-here", "ssh engine", "docker-py's ssh transport")
    monkeypatch.setattr(engine_fixtures, "IN_CI", False)
    with pytest.raises(pytest.skip.Exception, match="NO TLS ENGINE -- TLS engine tests skipped"):
        engine_fixtures._missing("TLS engine", "root")
