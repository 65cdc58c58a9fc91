"""Engine facts and contexts as HTML tables and as the docker CLI's text."""

from __future__ import annotations

from ..gotemplate.formats import text_table
from ..text import units
from .markup import MUTED, TABLE, TD, badge, box, code, esc, table


def _pairs_text(title: str, pairs: list[tuple[str, str]]) -> str:
    width = max(len(k) for k, _ in pairs)
    return "\n".join([title] + [f" {k + ':':<{width + 1}} {v}" for k, v in pairs])


def _pairs_html(pairs: list[tuple[str, str]]) -> str:
    rows = "".join(f'<tr><td style="{TD}"><b>{esc(k)}</b></td><td style="{TD}">{esc(v)}</td></tr>' for k, v in pairs)
    return f'<table style="{TABLE}"><tbody>{rows}</tbody></table>'


def _title(text: str, label: str) -> str:
    return f'<div><b>{esc(text)}</b> <span style="{MUTED}">· {esc(label)}</span></div>'


def _info_pairs(info) -> list[tuple[str, str]]:
    return [
        ("Engine", f"{info.kind} {info.version}"),
        ("Address", info.address + (f" (context {info.context})" if info.context else f" ({info.source})")),
        ("Name", info.name),
        ("API version", info.api_version),
        ("Operating system", info.os),
        ("OS/Arch", f"{info.os_type}/{info.arch}"),
        ("Kernel", info.kernel),
        ("Storage driver", info.storage_driver),
        ("Root dir", info.root_dir),
        ("CPUs", str(info.cpus if info.cpus is not None else "?")),
        ("Memory", units.size(info.memory) if info.memory else "?"),
        ("Images", str(info.images)),
        ("Containers", f"{info.containers} (running {info.running}, paused {info.paused}, stopped {info.stopped})"),
    ]


def info_text(info) -> str:
    return _pairs_text(f"Server: {info.label}", _info_pairs(info))


def info_html(info) -> str:
    return box(_title("docker info", info.label) + _pairs_html(_info_pairs(info)), "dm-info")


def version_text(ver) -> str:
    client = _pairs_text("Client: dockermagic", list(ver.client.items()))
    server = _pairs_text(f"Server: {ver.kind}", list(ver.server.items()))
    parts = [client, server]
    if ver.components:
        parts.append(_pairs_text(" Components:", ver.components))
    return "\n\n".join(parts)


def version_html(ver) -> str:
    rows = [[f"<b>{esc(k)}</b>", esc(v)] for k, v in ver.client.items()]
    client = table(["Client", ""], rows, raw=True)
    server = table(["Server", ""], [[f"<b>{esc(k)}</b>", esc(v)] for k, v in ver.server.items()], raw=True)
    comps = table(["Component", "Version"], [[esc(n), esc(v)] for n, v in ver.components], raw=True) if ver.components else ""
    inner = (f'<div style="display:flex;gap:24px;flex-wrap:wrap"><div>{client}</div><div>{server}</div>'
             f"<div>{comps}</div></div>")
    return box(_title("docker version", ver.label) + inner, "dm-version")


def _endpoint(ctx) -> str:
    return ctx.host + (" (TLS)" if ctx.tls and ctx.host.startswith("tcp://") else "")


def contexts_text(listing) -> str:
    rows = [[c.name + (" *" if c.name == listing.current else ""), c.description, _endpoint(c)] for c in listing]
    note = f"\n* in use ({listing.why})" if listing.why else ""
    return text_table(["NAME", "DESCRIPTION", "DOCKER ENDPOINT"], rows) + note


def contexts_html(listing) -> str:
    rows = [
        [code(c.name) + (" " + badge("done", "in use") if c.name == listing.current else ""), esc(c.description), code(_endpoint(c))]
        for c in listing
    ]
    note = f'<div style="{MUTED};font-size:11.5px">in use: {esc(listing.current)} ({esc(listing.why)})</div>'
    return box("<div><b>docker context ls</b></div>" + table(["NAME", "DESCRIPTION", "DOCKER ENDPOINT"], rows, raw=True) + note,
               "dm-contexts")


def _current_pairs(cur) -> list[tuple[str, str]]:
    return [
        ("Context", cur.context or "default"),
        ("Chosen by", cur.source),
        ("Endpoint", cur.address + (" (TLS)" if cur.tls else "")),
        ("Engine", cur.label),
    ]


def current_text(cur) -> str:
    return _pairs_text("Current engine:", _current_pairs(cur))


def current_html(cur) -> str:
    return box("<div><b>docker context</b></div>" + _pairs_html(_current_pairs(cur)), "dm-context")


def info_bundle(info) -> dict:
    return {"text/plain": info_text(info), "text/html": info_html(info)}


def version_bundle(ver) -> dict:
    return {"text/plain": version_text(ver), "text/html": version_html(ver)}


def contexts_bundle(listing) -> dict:
    return {"text/plain": contexts_text(listing), "text/html": contexts_html(listing)}


def current_bundle(cur) -> dict:
    return {"text/plain": current_text(cur), "text/html": current_html(cur)}
