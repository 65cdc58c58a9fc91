"""The swarm's root CA and its lock, on a throwaway single-node swarm of its own (`lone_engine`:
never the shared swarm), side by side with the docker CLI pointed at the same engine:
`swarm init` with a root CA of one's own and with external CAs, `swarm update --external-ca`,
`swarm ca --rotate` (a given root, a generated one, `--cert-expiry`, `-q`, `-d`), and an autolocked
manager restarted and unlocked (a hidden prompt, `< FILE`, a `%%docker_swarm unlock` cell),
`unlock-key --rotate` / `-q`.  One dockerd serves the whole module."""

from __future__ import annotations

import datetime
import json

import pytest

from dockermagic.errors import InvalidInput
from dockermagic.swarm.cluster import SwarmChange, SwarmError
from support.swarm_fixtures import LONE_INIT

INIT = " ".join(LONE_INIT)


def _root(name: str, folder) -> tuple[str, str, str]:
    """A root CA (ECDSA P-256, ten years) written as PEM files: (cert path, key path, cert text)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    text = cert.public_bytes(serialization.Encoding.PEM).decode()
    cert_path, key_path = folder / f"{name}.pem", folder / f"{name}-key.pem"
    cert_path.write_text(text)
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path), text


@pytest.fixture(scope="module")
def roots(tmp_path_factory):
    pytest.importorskip("cryptography")
    folder = tmp_path_factory.mktemp("roots")
    (folder / "not-pem.txt").write_text("not a certificate\n")
    return {name: _root(name, folder) for name in ("dm-root-a", "dm-root-b")} | {"folder": folder}


def swarm(ip, lone, line: str):
    return ip.run_line_magic("docker", f"-H {lone.address} swarm {line}")


def ca_config(lone) -> dict:
    return json.loads(lone.cli("info", "--format", "{{json .Swarm.Cluster.Spec.CAConfig}}").stdout)


def trust_root(lone) -> str:
    return lone.cli("swarm", "ca").stdout


@pytest.mark.parametrize("sub", ["init", "join", "join-token", "leave", "update", "unlock", "unlock-key", "ca"])
def test_every_flag_of_the_cli_is_accepted(sub):
    import re
    import subprocess

    from dockermagic.magics.swarm.parsers import PARSERS

    out = subprocess.run(["docker", "swarm", sub, "--help"], capture_output=True, text=True).stdout
    theirs = {f for line in out.splitlines() for f in re.findall(r"^\s+(?:-\w, )?(--[\w-]+)", line)}
    assert theirs - {o for a in PARSERS["swarm"][sub]._actions for o in a.option_strings} == set()


# -- a root CA from the start, external CAs ------------------------------------------------------------
def test_init_with_a_root_ca_of_ones_own(ip, lone_engine, roots):
    cert, key, text = roots["dm-root-a"]
    lone_engine.leave()
    lone_engine.gateway_bridge()
    made = swarm(ip, lone_engine, f"init {INIT} --ca-cert {cert} --ca-key {key}")
    assert isinstance(made, SwarmChange) and made.text.startswith(f"Swarm initialized: current node ({made.node_id})")
    assert trust_root(lone_engine).strip() == text.strip()            # the CLI's `swarm ca`
    assert swarm(ip, lone_engine, "ca").text == trust_root(lone_engine)
    info = swarm(ip, lone_engine, "inspect")
    assert info.raw["TLSInfo"]["TrustRoot"].strip() == text.strip()
    node = lone_engine.cli("node", "inspect", "self", "--format", "{{json .Description.TLSInfo.TrustRoot}}").stdout
    assert json.loads(node).strip() == text.strip()                  # the node's certificate chains to it
    assert lone_engine.cli("node", "ls", "--format", "{{.TLSStatus}}").stdout == "Ready\n"


EXTERNAL = "--external-ca protocol=cfssl,url=https://127.0.0.1:1/sign,cacert={cert},profile=node " \
           "--external-ca protocol=CFSSL,url=https://127.0.0.1:2/sign"


def test_init_and_update_with_external_cas_send_what_the_cli_sends(ip, lone_engine, roots):
    cert = roots["dm-root-b"][0]
    lone_engine.init(*EXTERNAL.format(cert=cert).split())
    theirs = ca_config(lone_engine)
    assert [ca["URL"] for ca in theirs["ExternalCAs"]] == ["https://127.0.0.1:1/sign", "https://127.0.0.1:2/sign"]
    lone_engine.leave()
    swarm(ip, lone_engine, f"init {INIT} {EXTERNAL.format(cert=cert)}")
    assert ca_config(lone_engine) == theirs
    # update: an external CA without cacert= signs with the current root, as the CLI says it
    lone_engine.cli("swarm", "update", "--external-ca", "protocol=cfssl,url=https://127.0.0.1:3/sign")
    theirs = ca_config(lone_engine)
    assert theirs["ExternalCAs"][0]["CACert"].strip() == trust_root(lone_engine).strip()
    lone_engine.cli("swarm", "update", "--external-ca", "protocol=cfssl,url=https://127.0.0.1:4/sign")
    assert repr(swarm(ip, lone_engine, "update --external-ca protocol=cfssl,url=https://127.0.0.1:3/sign")) == \
        "Swarm updated."
    assert ca_config(lone_engine) == theirs


@pytest.mark.parametrize("line, cli_says", [
    ("ca --ca-cert {a}", "`--ca-cert` flag requires the `--rotate` flag to update the CA"),
    ("ca --cert-expiry 720h", "`--cert-expiry` flag requires the `--rotate` flag to update the CA"),
    ("ca --rotate --ca-cert {a}", "the --ca-cert flag requires that a --ca-key flag and/or --external-ca flag"),
    ("ca --rotate --external-ca protocol=cfssl,url=https://127.0.0.1:1", "rotating to an external CA requires the "
                                                                         "`--ca-cert` flag"),
    ("update --external-ca url=https://127.0.0.1:1", "the external-ca option needs a protocol= parameter"),
    ("update --external-ca protocol=acme,url=https://127.0.0.1:1", "unrecognized external CA protocol acme"),
    ("update --external-ca protocol=cfssl", "the external-ca option needs a url= parameter"),
    ("update --external-ca protocol=cfssl,https://x", "invalid field 'https://x' must be a key=value pair"),
    ("ca --rotate --ca-cert {bad} --ca-key {a}", "file contents must be in PEM format"),
])
def test_bad_ca_flags_are_the_clis_one_line_and_send_nothing(ip, lone_engine, roots, line, cli_says):
    line = line.format(a=roots["dm-root-a"][0], bad=roots["folder"] / "not-pem.txt")
    if lone_engine.state() != "active":
        lone_engine.init()
    before = ca_config(lone_engine)
    with pytest.raises(InvalidInput, match="^[^\n]*$") as refused:
        swarm(ip, lone_engine, line)
    assert cli_says in str(refused.value)
    assert cli_says in lone_engine.cli("swarm", *line.split(), check=False).stderr
    assert ca_config(lone_engine) == before


# -- rotations ---------------------------------------------------------------------------------------
def test_ca_rotate_to_a_given_root_and_to_a_new_one(ip, lone_engine, roots):
    cert, key, text = roots["dm-root-b"]
    lone_engine.init()
    shown = swarm(ip, lone_engine, f"ca --rotate --ca-cert {cert} --ca-key {key}")
    assert shown.text.strip() == text.strip() and shown.text == trust_root(lone_engine)
    assert swarm(ip, lone_engine, "ca --rotate -q").text == ""          # waited, printed nothing
    generated = trust_root(lone_engine)
    assert generated.strip() != text.strip() and "BEGIN CERTIFICATE" in generated
    assert swarm(ip, lone_engine, "ca").text == generated
    # the CLI rotates, dockermagic reads the same root
    cert_a, key_a, text_a = roots["dm-root-a"]
    lone_engine.cli("swarm", "ca", "--rotate", "--ca-cert", cert_a, "--ca-key", key_a)
    assert swarm(ip, lone_engine, "ca").text.strip() == text_a.strip()


def test_ca_rotate_detached_with_a_cert_expiry(ip, lone_engine):
    if lone_engine.state() != "active":
        lone_engine.init()
    before = trust_root(lone_engine)
    assert swarm(ip, lone_engine, "ca --rotate -d --cert-expiry 720h").text == ""
    assert ca_config(lone_engine)["NodeCertExpiry"] == 720 * 3600 * 10**9
    assert lone_engine.cli("info", "--format", "{{.Swarm.Cluster.Spec.CAConfig.NodeCertExpiry}}").stdout == "720h0m0s\n"
    lone_engine.cli("swarm", "ca", "--rotate", "-q")  # the CLI waits for the rotation (and makes one more)
    assert trust_root(lone_engine) != before


# -- the lock ----------------------------------------------------------------------------------------
def _key(lone) -> str:
    return lone.cli("swarm", "unlock-key", "-q").stdout.strip()


def test_autolock_restart_and_unlock_from_a_file(ip, lone_engine, tmp_path):
    lone_engine.init()
    change = swarm(ip, lone_engine, "update --autolock=true")
    key = _key(lone_engine)
    assert key.startswith("SWMKEY-1-") and key in change.text
    assert swarm(ip, lone_engine, "unlock-key -q").text == key + "\n"
    assert swarm(ip, lone_engine, "unlock-key").text == lone_engine.cli("swarm", "unlock-key").stdout
    lone_engine.restart()
    assert lone_engine.state() == "locked"
    with pytest.raises(SwarmError, match="is locked|needs to be unlocked"):
        ip.run_line_magic("docker", f"-H {lone_engine.address} node ls")
    (tmp_path / "wrong").write_text("SWMKEY-1-" + "A" * 43 + "\n")
    with pytest.raises(SwarmError, match=r"^swarm unlock: the key was refused [^\n]*$"):
        swarm(ip, lone_engine, f"unlock < {tmp_path / 'wrong'}")
    assert lone_engine.state() == "locked"
    (tmp_path / "key").write_text(key + "\n")
    assert repr(swarm(ip, lone_engine, f"unlock < {tmp_path / 'key'}")) == "unlocked"
    assert lone_engine.state() == "active"
    assert [n.role for n in ip.run_line_magic("docker", f"-H {lone_engine.address} node ls").nodes] == ["manager"]
    with pytest.raises(SwarmError, match="is not locked"):
        swarm(ip, lone_engine, f"unlock < {tmp_path / 'key'}")


def test_unlock_key_rotate_then_unlock_from_a_cell_and_a_prompt(ip, lone_engine, monkeypatch):
    if lone_engine.state() != "active" or not _key(lone_engine):
        lone_engine.init("--autolock")
    old = _key(lone_engine)
    rotated = swarm(ip, lone_engine, "unlock-key --rotate")
    new = _key(lone_engine)
    assert new != old and rotated.text.startswith("Successfully rotated manager unlock key.\n\n") and new in rotated.text
    assert swarm(ip, lone_engine, "unlock-key -q").text == new + "\n"
    lone_engine.restart()
    with pytest.raises(SwarmError, match="the key was refused"):
        ip.run_cell_magic("docker_swarm", f"-H {lone_engine.address} unlock", old + "\n")
    assert repr(ip.run_cell_magic("docker_swarm", f"-H {lone_engine.address} unlock", new + "\n")) == "unlocked"
    lone_engine.restart()
    import getpass

    monkeypatch.setattr(getpass, "getpass", lambda prompt="": new)   # what a notebook's hidden input box gives
    assert repr(swarm(ip, lone_engine, "unlock")) == "unlocked"
    assert lone_engine.cli("node", "ls", "-q").stdout.strip()
    # a cell run as a notebook runs it: the key leaves IPython's history
    lone_engine.restart()
    ran = ip.run_cell(f"%%docker_swarm -H {lone_engine.address} unlock\n{new}\n", store_history=True)
    assert ran.success and lone_engine.state() == "active"
    assert not any(new in text for text in ip.history_manager.input_hist_raw + ip.history_manager.input_hist_parsed)


def test_a_key_on_the_line_is_refused_and_not_repeated(ip, lone_engine):
    with pytest.raises(InvalidInput) as refused:
        swarm(ip, lone_engine, "unlock SWMKEY-1-secretsecret")
    assert "secretsecret" not in str(refused.value) and "hidden prompt" in str(refused.value)
    ran = ip.run_cell(f"%docker -H {lone_engine.address} swarm unlock SWMKEY-1-secretsecret", store_history=True)
    assert not ran.success
    assert not any("secretsecret" in text for text in ip.history_manager.input_hist_raw)
    with pytest.raises(InvalidInput, match="only `unlock` takes a cell"):
        ip.run_cell_magic("docker_swarm", f"-H {lone_engine.address} leave", "x\n")


def test_autolock_off_leaves_no_key(ip, lone_engine):
    if lone_engine.state() != "active":
        lone_engine.init("--autolock")
    assert repr(swarm(ip, lone_engine, "update --autolock=false")) == "Swarm updated."
    assert lone_engine.cli("swarm", "unlock-key", check=False).returncode != 0
    with pytest.raises(SwarmError, match="no unlock key is set"):
        swarm(ip, lone_engine, "unlock-key")
    with pytest.raises(SwarmError, match="cannot rotate because autolock is not turned on"):
        swarm(ip, lone_engine, "unlock-key --rotate")
