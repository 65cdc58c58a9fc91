"""Networks as the docker CLI's text and as HTML: `network ls` as its table, `network inspect`
as the network's facts and the containers on it with their addresses and aliases."""

from __future__ import annotations

from ..gotemplate import formats
from ..resources.networks import LS_HEADER, LS_TABLE
from .markup import MUTED, badge, box, code, esc, table


def _title(text: str, label: str) -> str:
    return f'<div><b>{esc(text)}</b> <span style="{MUTED}">· {esc(label)}</span></div>'


def _pools(net) -> list[str]:
    out = []
    for pool in net.subnets:
        parts = [pool.get("Subnet", "")]
        parts += [f"gateway {pool['Gateway']}"] if pool.get("Gateway") else []
        parts += [f"range {pool['IPRange']}"] if pool.get("IPRange") else []
        out.append(", ".join(p for p in parts if p))
    return out


def _facts(net) -> list[str]:
    facts = [f"driver {net.driver}", f"scope {net.scope}"]
    facts += ["internal"] if net.internal else []
    facts += ["IPv6"] if net.ipv6 else []
    facts += [f"label {k}={v}" for k, v in sorted(net.labels.items())]
    return facts


def network_text(net) -> str:
    lines = [f"Network {net.name} ({net.id[:12]}) · {', '.join(_facts(net))}"]
    lines += [f"  subnet {p}" for p in _pools(net)]
    if not net.containers:
        return "\n".join(lines + ["  no containers"])
    rows = [[e.container, e.ipv4, e.ipv6, e.mac, ", ".join(e.aliases)] for e in net.containers]
    body = formats.tabwrite("".join("\t".join(r) + "\n" for r in [["CONTAINER", "IPV4 ADDRESS", "IPV6 ADDRESS", "MAC ADDRESS", "ALIASES"], *rows]))
    return "\n".join(lines) + "\n" + body.rstrip("\n")


def network_html(net) -> str:
    facts = " ".join(badge("base", f) for f in _facts(net))
    pools = "".join(f"<div>subnet {code(p)}</div>" for p in _pools(net))
    if net.containers:
        rows = [[code(e.container), code(e.ipv4) if e.ipv4 else "", code(e.ipv6) if e.ipv6 else "", esc(e.mac),
                 " ".join(code(a) for a in e.aliases)] for e in net.containers]
        members = table(["CONTAINER", "IPV4 ADDRESS", "IPV6 ADDRESS", "MAC ADDRESS", "ALIASES"], rows, raw=True)
    else:
        members = f'<div style="{MUTED}">no containers</div>'
    head = _title(f"network {net.name}", net.label)
    return box(f"{head}<div>{code(net.id[:12])} {facts}</div>{pools}{members}", "dm-network")


def network_bundle(net) -> dict:
    return {"text/plain": network_text(net), "text/html": network_html(net)}


def list_text(listing) -> str:
    return formats.listing(LS_TABLE, listing.rows, LS_HEADER, LS_TABLE).rstrip("\n")


def list_bundle(listing) -> dict:
    rows = [[code(r.ID), esc(r.Name), esc(r.Driver), esc(r.Scope)] for r in listing.rows]
    html = box(_title("docker network ls", listing.label) + table(["NETWORK ID", "NAME", "DRIVER", "SCOPE"], rows, raw=True),
               "dm-networks")
    return {"text/plain": list_text(listing), "text/html": html}


def change_text(change) -> str:
    if change.action == "removed":
        return "\n".join(change.networks)
    what = f"{change.container} {change.action} {'to' if change.action == 'connected' else 'from'} {change.networks[0]}"
    extra = [f"aliases {', '.join(change.aliases)}"] if change.aliases else []
    extra += [f"address {change.ip}"] if change.ip else []
    return what + (f" ({'; '.join(extra)})" if extra else "")


def change_bundle(change) -> dict:
    text = change_text(change)
    return {"text/plain": text, "text/html": box(esc(text).replace("\n", "<br>"), "dm-network-change")}
