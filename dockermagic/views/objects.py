"""Small results shown as one box: a login, `docker inspect`'s JSON, the volume list."""

from __future__ import annotations

from ..gotemplate.formats import text_table
from ..registry.auth import display_server
from ..text import units
from .markup import MUTED, PRE, badge, box, code, esc, table

VOLUME_HEADERS = ["DRIVER", "VOLUME NAME", "CREATED"]


def login_bundle(login) -> dict:
    who = f" as {code(login.username)}" if login.username else ""
    html = (f"<div>{badge('succeeded', login.status)} {code(display_server(login.server))}{who} "
            f'<span style="{MUTED}">· credentials from {esc(login.source)} · kept in {esc(login.kept_in)}</span></div>')
    return {"text/plain": login.text(), "text/html": box(html, "dm-login")}


def inspection_bundle(inspection) -> dict:
    text = repr(inspection)  # the CLI's JSON array
    return {"text/plain": text, "text/html": box(f'<pre style="{PRE}">{esc(text)}</pre>', "dm-inspect")}


def _volume_rows(listing) -> list[list[str]]:
    return [[v.driver, v.name, units.ago(v.created) if v.created else ""] for v in listing.volumes]


def volumes_bundle(listing) -> dict:
    rows = _volume_rows(listing)
    if not rows:
        html = box(f'<span style="{MUTED}">no volumes</span>', "dm-volumes")
    else:
        html = box(table(VOLUME_HEADERS, rows), "dm-volumes")
    return {"text/plain": text_table(VOLUME_HEADERS, rows), "text/html": html}
