"""The swarm's root CA as the CLI's `swarm init|update|ca` flags set it: `--ca-cert` / `--ca-key`
(PEM files of a root CA of one's own), `--external-ca protocol=cfssl,url=URL[,cacert=FILE]`,
`--cert-expiry`; the CLI's checks of those flags (before anything is sent), and the wait for a
root rotation to reach every node, by the CLI's own measure (`swarm ca` without `-d`)."""

from __future__ import annotations

import csv
import time

from ..errors import InvalidInput


def pem_file(path: str, option: str) -> str:
    """A PEM file's text, as the CLI's `pem-file` flags read it (a PEM block is required)."""
    from pathlib import Path

    try:
        text = Path(path).expanduser().read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{option} {path}: cannot read it: {getattr(exc, 'strerror', None) or exc}") from None
    if "-----BEGIN " not in text or "-----END " not in text:
        raise InvalidInput(f"{option} {path}: file contents must be in PEM format")
    return text


def external_ca(text: str) -> dict:
    """`--external-ca protocol=cfssl,url=URL[,cacert=FILE][,KEY=VALUE...]` as the CLI reads it
    (CSV fields; other keys are the driver's options): the Engine API's ExternalCA, its CACert
    the file's text or empty (the caller fills in the CLI's fallback)."""
    try:
        fields = next(csv.reader([text]))
    except (csv.Error, StopIteration):
        raise InvalidInput(f"--external-ca {text!r}: protocol=cfssl,url=URL[,cacert=FILE]") from None
    made = {"Protocol": "", "URL": "", "Options": {}, "CACert": ""}
    seen = set()
    for item in fields:
        key, sep, value = item.partition("=")
        if not sep:
            raise InvalidInput(f"--external-ca {text!r}: invalid field '{item}' must be a key=value pair")
        seen.add(key)
        if key == "protocol":
            if value.lower() != "cfssl":
                raise InvalidInput(f"--external-ca {text!r}: unrecognized external CA protocol {value} (cfssl is the one)")
            made["Protocol"] = "cfssl"
        elif key == "url":
            made["URL"] = value
        elif key == "cacert":
            made["CACert"] = pem_file(value, "--external-ca cacert=")
        else:
            made["Options"][key] = value
    for key in ("protocol", "url"):
        if key not in seen:
            raise InvalidInput(f"--external-ca {text!r}: the external-ca option needs a {key}= parameter")
    return made


def external_cas(texts, fallback: str) -> list[dict]:
    """Each `--external-ca`, a missing cacert= given `fallback` as the CLI gives it (the current
    root on `update`, `--ca-cert` on `ca`, nothing on `init`)."""
    out = []
    for text in texts:
        made = external_ca(text)
        made["CACert"] = made["CACert"] or fallback
        out.append(made)
    return out


def check_signing(ca_cert: str | None, ca_key: str | None, externals, rotating: bool = True) -> None:
    """The CLI's rules for a root CA of one's own: a certificate needs its key or an external CA
    that signs with it; an external CA to rotate to needs that CA's certificate."""
    if rotating and externals and not ca_cert:
        raise InvalidInput("rotating to an external CA requires the `--ca-cert` flag to specify the external CA's "
                           "cert - to add an external CA with the current root CA certificate, use the `update` "
                           "command instead")
    if ca_cert and not ca_key and not externals:
        raise InvalidInput("the --ca-cert flag requires that a --ca-key flag and/or --external-ca flag be provided "
                           "as well")
    if ca_key and not ca_cert:
        raise InvalidInput("the --ca-key flag requires the --ca-cert flag: the root CA's certificate for that key")


def requires_rotate(given: dict) -> None:
    """`swarm ca` without `--rotate` only shows the root: a CA flag there is refused, as the CLI does."""
    for flag, value in given.items():
        if value:
            raise InvalidInput(f"`--{flag}` flag requires the `--rotate` flag to update the CA")


def converged(swarm: dict, nodes: list[dict]) -> bool:
    """The CLI's measure of a finished root rotation: every node holds a certificate issued by the
    swarm's signing CA and trusts its root, and the manager says no rotation is in progress."""
    desired = swarm.get("TLSInfo") or {}
    if swarm.get("RootRotationInProgress"):
        return False
    for node in nodes:
        tls = (node.get("Description") or {}).get("TLSInfo") or {}
        if tls.get("CertIssuerPublicKey") != desired.get("CertIssuerPublicKey") or \
                tls.get("CertIssuerSubject") != desired.get("CertIssuerSubject") or \
                tls.get("TrustRoot") != desired.get("TrustRoot"):
            return False
    return True


def wait_rotated(inspect, nodes, doing: str, timeout: float, error) -> dict:
    """Poll `inspect()` and `nodes()` until the rotation converged; the swarm's JSON then.
    `error(text)` makes the exception raised past `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        swarm = inspect()
        if converged(swarm, nodes()):
            return swarm
        if time.monotonic() > deadline:
            raise error(f"{doing}: the nodes did not all move to the new root CA within {timeout:.0f} s; it goes on "
                        "in the background: `%docker node ls --format '{{.Hostname}} {{.TLSStatus}}'` shows which "
                        "still need rotation")
        time.sleep(0.2)
