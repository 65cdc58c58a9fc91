"""Fixtures for the engine, context and Podman tests (imported by tests/test_engines*.py,
test_contexts*.py, test_podman*.py).

- `docker_env`: an empty docker config folder (DOCKER_CONFIG) and no DOCKER_HOST /
  DOCKER_CONTEXT / TLS variables, so no test reads or writes ~/.docker or the caller's choice;
- `engine2`: the second, empty Docker Engine `scripts/engine up engine2` starts (its own data
  root, socket and bridge dm-br1): "another machine";
- `podman`: Podman's Docker-compatible API service (`scripts/engine up podman`);
- `tls_engine`: a third dockerd this fixture starts itself, listening only on
  tcp://127.0.0.1:PORT with --tlsverify and certificates made here (a CA, a server certificate
  for IP 127.0.0.1, a client certificate, and a second CA that signed nothing of it).  It has
  its own data root, exec root, pid file and bridge dm-br2 (172.31.251.1/24, made and deleted
  here; never --bridge=none, which would delete docker0), and is stopped at the end of the
  session, also when tests fail.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from conftest import IN_CI, STATE, Tracker, _env_file, _up

ENV_VARS = ("DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "DOCKER_TLS")


def _missing(fixture: str, needs: str):
    """A fixture that cannot start: a loud skip here, a failure in CI (as a missing engine is)."""
    if IN_CI:
        pytest.fail(f"CI runs the {fixture} tests, which need {needs}", pytrace=False)
    pytest.skip(f"NO {fixture.upper()} -- {fixture} tests skipped: they need {needs}")


def _module(name: str, fixture: str, why: str):
    try:
        return __import__(name)
    except ImportError:
        _missing(fixture, f"the {name} package ({why})")


@pytest.fixture
def docker_env(tmp_path, monkeypatch):
    """An empty docker config folder of this test's own ($DOCKER_CONFIG), no DOCKER_* choice."""
    folder = tmp_path / "docker-config"
    folder.mkdir()
    monkeypatch.setenv("DOCKER_CONFIG", str(folder))
    for var in ENV_VARS:
        monkeypatch.delenv(var, raising=False)
    yield folder


def cli(*args, env_extra=None, check=True):
    """The machine's docker CLI, with the test's environment (DOCKER_CONFIG included)."""
    env = dict(os.environ, **(env_extra or {}))
    proc = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=60, env=env)
    if check and proc.returncode != 0:
        raise AssertionError(f"docker {' '.join(args)} failed: {proc.stderr.strip()}")
    return proc


@pytest.fixture(scope="session")
def engine2_address(engine) -> str:
    _up("engine2")
    return _env_file("engine2.env").get("DOCKERMAGIC_ENGINE2") or f"unix://{STATE}/engine2/docker.sock"


@pytest.fixture(scope="session")
def engine2(engine2_address):
    from dockermagic.engine.connection import connect

    return connect(engine2_address)


@pytest.fixture
def made2(engine2):
    """`made` for engine 2."""
    tracker = Tracker(engine2)
    yield tracker
    tracker.cleanup()


@pytest.fixture(scope="session")
def podman_address(engine) -> str:
    _up("podman")
    return _env_file("podman.env").get("DOCKERMAGIC_PODMAN") or f"unix://{STATE}/podman.sock"


@pytest.fixture(scope="session")
def podman(podman_address):
    from dockermagic.engine.connection import connect

    return connect(podman_address)


@pytest.fixture
def made_podman(podman):
    tracker = Tracker(podman)
    yield tracker
    tracker.cleanup()


# -- a TLS engine on loopback ---------------------------------------------------------------
def _certificates(folder: Path) -> dict:
    """CA, server (IP 127.0.0.1) and client certificates, and an unrelated CA, as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.timezone.utc)

    def name(cn):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    def write(stem, key, cert):
        (folder / f"{stem}-key.pem").write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()))
        (folder / f"{stem}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        return str(folder / f"{stem}.pem"), str(folder / f"{stem}-key.pem")

    def ca(cn):
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (x509.CertificateBuilder().subject_name(name(cn)).issuer_name(name(cn)).public_key(key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
                .not_valid_after(now + datetime.timedelta(days=1))
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
                .sign(key, hashes.SHA256()))
        return key, cert

    def leaf(cn, ca_key, ca_cert, usage, san=None):
        key = ec.generate_private_key(ec.SECP256R1())
        builder = (x509.CertificateBuilder().subject_name(name(cn)).issuer_name(ca_cert.subject)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
                   .add_extension(x509.ExtendedKeyUsage([usage]), critical=False))
        if san:
            builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
        return key, builder.sign(ca_key, hashes.SHA256())

    ca_key, ca_cert = ca("dockermagic test CA")
    paths = {"ca": write("ca", ca_key, ca_cert)[0]}
    server = leaf("127.0.0.1", ca_key, ca_cert, ExtendedKeyUsageOID.SERVER_AUTH,
                  [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")])
    paths["server_cert"], paths["server_key"] = write("server", *server)
    paths["cert"], paths["key"] = write("cert", *leaf("dockermagic client", ca_key, ca_cert, ExtendedKeyUsageOID.CLIENT_AUTH))
    paths["wrong_ca"] = write("wrong-ca", *ca("somebody else's CA"))[0]
    return paths


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ip(*args, check=True):
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check)


class TLSEngine:
    def __init__(self, address, certs, folder):
        self.address, self.certs, self.folder = address, certs, folder

    @property
    def flags(self) -> str:
        """The CLI's global flags that reach it: `-H ... --tlsverify --tlscacert ...`."""
        c = self.certs
        return f"-H {self.address} --tlsverify --tlscacert {c['ca']} --tlscert {c['cert']} --tlskey {c['key']}"


@pytest.fixture(scope="session")
def tls_engine(engine):
    """A third dockerd on tcp://127.0.0.1:PORT with --tlsverify, stopped at the session's end."""
    if os.geteuid() != 0 or shutil.which("dockerd") is None:
        _missing("TLS engine", "root and dockerd")
    _module("cryptography", "TLS engine", "the fixture makes its certificates with it")
    folder = Path(tempfile.mkdtemp(prefix="dm-tls-", dir="/tmp"))  # short: socket paths live under it
    certs = _certificates(folder)
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    bridge = "dm-br2"
    made_bridge = _ip("link", "show", bridge, check=False).returncode != 0
    if made_bridge:
        _ip("link", "add", bridge, "type", "bridge")
        _ip("addr", "add", "172.31.251.1/24", "dev", bridge)
        _ip("link", "set", bridge, "up")
    log = open(folder / "dockerd.log", "wb")
    proc = subprocess.Popen(
        ["dockerd", "--host", address, "--tlsverify", "--tlscacert", certs["ca"], "--tlscert", certs["server_cert"],
         "--tlskey", certs["server_key"], "--data-root", str(folder / "data"), "--exec-root", str(folder / "exec"),
         "--pidfile", str(folder / "docker.pid"), "--bridge", bridge, "--iptables=false"],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the TLS dockerd exited: {(folder / 'dockerd.log').read_text()[-800:]}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("the TLS dockerd did not listen within 60 s")
                time.sleep(0.2)
        yield TLSEngine(address, certs, folder)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        log.close()
        if made_bridge:
            _ip("link", "del", bridge, check=False)
        subprocess.run(["umount", "-R", str(folder / "data")], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)
        from dockermagic.engine import connection as engines_module

        for cached in [e for e in engines_module._engines.values() if e.address == address]:
            engines_module.forget(cached)


def unique_name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


# -- an engine over ssh on loopback -----------------------------------------------------------
class SSHEngine:
    def __init__(self, address, folder):
        self.address, self.folder = address, folder

    def client_path(self) -> str:
        """A PATH whose `ssh` uses this fixture's key, known_hosts and config (not ~/.ssh)."""
        return f"{self.folder / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"


@pytest.fixture(scope="session")
def ssh_engine(engine2_address):
    """sshd on 127.0.0.1:PORT (own host key, an authorized key made here) whose sessions talk to
    engine 2: `ssh://root@127.0.0.1:PORT` reaches it as the docker CLI would, through
    `docker system dial-stdio`.  Needs openssh-server and paramiko (docker-py's ssh transport
    imports it); stopped at the end of the session."""
    sshd = shutil.which("sshd") or ("/usr/sbin/sshd" if os.path.exists("/usr/sbin/sshd") else None)
    if sshd is None or shutil.which("ssh") is None or os.geteuid() != 0:
        _missing("ssh engine", "root, sshd (openssh-server) and ssh")
    _module("paramiko", "ssh engine", "docker-py's ssh:// transport imports it")
    folder = Path(tempfile.mkdtemp(prefix="dm-ssh-", dir="/tmp"))
    for key in ("host", "client"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(folder / key)], check=True)
    shutil.copy(folder / "client.pub", folder / "authorized_keys")
    port = _free_port()
    (folder / "sshd_config").write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {folder}/host\nPidFile {folder}/sshd.pid\n"
        f"AuthorizedKeysFile {folder}/authorized_keys\nPermitRootLogin prohibit-password\nStrictModes no\n"
        f"UsePAM no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
        f"SetEnv DOCKER_HOST={engine2_address}\n")
    (folder / "ssh_config").write_text(
        f"Host 127.0.0.1\n  IdentityFile {folder}/client\n  IdentitiesOnly yes\n"
        f"  UserKnownHostsFile {folder}/known_hosts\n  StrictHostKeyChecking accept-new\n  LogLevel ERROR\n")
    (folder / "bin").mkdir()
    (folder / "bin" / "ssh").write_text(f'#!/bin/sh\nexec {shutil.which("ssh")} -F {folder}/ssh_config "$@"\n')
    (folder / "bin" / "ssh").chmod(0o755)
    os.makedirs("/run/sshd", exist_ok=True)  # sshd's privilege separation folder
    log = open(folder / "sshd.log", "wb")
    proc = subprocess.Popen([sshd, "-D", "-e", "-f", str(folder / "sshd_config")], stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    address = f"ssh://root@127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"sshd exited: {(folder / 'sshd.log').read_text()[-800:]}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("sshd did not listen within 20 s")
                time.sleep(0.1)
        yield SSHEngine(address, folder)
    finally:
        from dockermagic.engine import connection as engines_module

        for cached in [e for e in engines_module._engines.values() if e.address == address]:
            engines_module.forget(cached)
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
        log.close()
        shutil.rmtree(folder, ignore_errors=True)


def container_output(engine, made, image, command: str) -> str:
    """The output of `sh -c command` in a throwaway container of `image`."""
    api = engine.api
    container = made.container(api.create_container(image, ["sh", "-c", command])["Id"])
    api.start(container)
    assert api.wait(container, timeout=60)["StatusCode"] == 0, api.logs(container)
    return api.logs(container).decode()


def gone(engine, name) -> bool:
    """Whether the engine no longer has the container `name`."""
    import docker

    try:
        engine.api.inspect_container(name)
    except docker.errors.NotFound:
        return True
    return False


def use_tls_engine(tls_engine, monkeypatch, certs) -> None:
    """Point DOCKER_HOST at the TLS engine as the CLI reads it: DOCKER_TLS_VERIFY and a
    DOCKER_CERT_PATH folder holding ca.pem, cert.pem and key.pem."""
    import shutil

    certs.mkdir()
    for src, dst in (("ca", "ca.pem"), ("cert", "cert.pem"), ("key", "key.pem")):
        shutil.copy(tls_engine.certs[src], certs / dst)
    monkeypatch.setenv("DOCKER_HOST", tls_engine.address)
    monkeypatch.setenv("DOCKER_TLS_VERIFY", "1")
    monkeypatch.setenv("DOCKER_CERT_PATH", str(certs))


@pytest.fixture
def ssh_agent(tmp_path, monkeypatch):
    """An ssh-agent of the test's own, holding one new key, with SSH_AUTH_SOCK pointing at it:
    (its socket, the key's public half).  Stopped at the end."""
    sock = tmp_path / "agent.sock"
    proc = subprocess.Popen(["ssh-agent", "-D", "-a", str(sock)], stdout=subprocess.DEVNULL)
    try:
        for _ in range(50):
            if sock.exists():
                break
            time.sleep(0.1)
        key = tmp_path / "id_test"
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
        subprocess.run(["ssh-add", "-q", str(key)], check=True, env={**os.environ, "SSH_AUTH_SOCK": str(sock)},
                       stderr=subprocess.DEVNULL)
        monkeypatch.setenv("SSH_AUTH_SOCK", str(sock))
        yield str(sock), (tmp_path / "id_test.pub").read_text().split()[1]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
